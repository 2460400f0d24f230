//! Reading minisign signature files (`signatures/<KEYID>.minisig`) for
//! display: the key id, the comments and the trusted comment's fields.
//!
//! This module does not verify anything. Whether a signature is valid
//! under a trust policy is the signing crate's job; its verdict reaches the
//! site through [`crate::SignatureCheck`].

use serde::Serialize;

/// One `key:value` field of a trusted comment.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Field {
    pub key: String,
    pub value: String,
}

/// What a `.minisig` file says, without any verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedSignature {
    pub untrusted_comment: Option<String>,
    pub trusted_comment: Option<String>,
    /// The trusted comment split on tabs into `key:value` pairs (a part
    /// without `:` becomes a field with an empty key).
    pub fields: Vec<Field>,
    /// The key id embedded in the signature blob, uppercase hex.
    pub embedded_key_id: Option<String>,
    /// Why the file is not a well-formed minisign signature, if it is not.
    pub problem: Option<String>,
}

/// Splits a trusted comment on tabs into `key:value` pairs (a part without
/// `:` becomes a field with an empty key).
fn fields(tc: &str) -> Vec<Field> {
    vouch_signing::sig::TrustedComment::parse(tc)
        .fields
        .into_iter()
        .map(|(k, v)| Field { key: k.to_string(), value: v.to_string() })
        .collect()
}

/// Parses the text of a `.minisig` file with the signing crate's parser
/// (shape only, no verification). Never fails: problems are reported in
/// [`ParsedSignature::problem`].
pub fn parse(bytes: &[u8]) -> ParsedSignature {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return ParsedSignature { problem: Some("the file is not UTF-8 text".into()), ..ParsedSignature::default() };
    };
    match vouch_signing::sig::Signature::parse(text, "signature") {
        Ok(sig) => ParsedSignature {
            untrusted_comment: Some(sig.untrusted_comment.clone()),
            fields: fields(&sig.trusted_comment),
            trusted_comment: Some(sig.trusted_comment),
            embedded_key_id: Some(sig.key_id.hex()),
            problem: None,
        },
        Err(e) => ParsedSignature { problem: Some(vouch_manifests::error_chain(&e)), ..ParsedSignature::default() },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_vouch_trusted_comment() {
        let key = vouch_signing::keys::SecretKey::generate().unwrap();
        let tc = "timestamp:1700000000\tfile:manifest.json\tvouch:v1\tproject:x";
        let sig = vouch_signing::sig::sign(&key, b"{}", tc, None).unwrap();
        let p = super::parse(sig.to_text().as_bytes());
        assert_eq!(p.problem, None);
        assert_eq!(p.embedded_key_id, Some(key.key_id().hex()));
        assert_eq!(p.fields[0].key, "timestamp");
        assert_eq!(p.fields[0].value, "1700000000");
        assert_eq!(p.fields.len(), 4);
        assert_eq!(p.trusted_comment.as_deref(), Some(tc));
        assert!(super::parse(b"garbage").problem.is_some());
        assert!(super::parse(b"\xff").problem.is_some());
    }
}
