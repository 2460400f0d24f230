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

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Parses the text of a `.minisig` file. Never fails: problems are reported
/// in [`ParsedSignature::problem`].
pub fn parse(bytes: &[u8]) -> ParsedSignature {
    let mut p = ParsedSignature::default();
    let Ok(text) = std::str::from_utf8(bytes) else {
        p.problem = Some("the file is not UTF-8 text".into());
        return p;
    };
    let lines: Vec<&str> = text.lines().collect();
    if let Some(l) = lines.first() {
        match l.strip_prefix("untrusted comment: ") {
            Some(c) => p.untrusted_comment = Some(c.to_string()),
            None => p.problem = Some("the first line is not an untrusted comment".into()),
        }
    }
    match lines.get(1).and_then(|l| b64_decode(l.trim())) {
        Some(blob) if blob.len() == 74 && (&blob[..2] == b"Ed" || &blob[..2] == b"ED") => {
            let mut id = [0u8; 8];
            id.copy_from_slice(&blob[2..10]);
            p.embedded_key_id = Some(format!("{:016X}", u64::from_le_bytes(id)));
        }
        _ => {
            p.problem
                .get_or_insert_with(|| "the second line is not a minisign signature".into());
        }
    }
    match lines.get(2).and_then(|l| l.strip_prefix("trusted comment: ")) {
        Some(tc) => {
            p.fields = tc
                .split('\t')
                .map(|part| match part.split_once(':') {
                    Some((k, v)) => Field {
                        key: k.to_string(),
                        value: v.to_string(),
                    },
                    None => Field {
                        key: String::new(),
                        value: part.to_string(),
                    },
                })
                .collect();
            p.trusted_comment = Some(tc.to_string());
        }
        None => {
            p.problem
                .get_or_insert_with(|| "the third line is not a trusted comment".into());
        }
    }
    if lines
        .get(3)
        .and_then(|l| b64_decode(l.trim()))
        .is_none_or(|b| b.len() != 64)
    {
        p.problem
            .get_or_insert_with(|| "the fourth line is not a global signature".into());
    }
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_vouch_trusted_comment() {
        // A signature blob: "Ed", key id 0x0102030405060708 (little-endian), 64 bytes.
        let mut blob = b"Ed".to_vec();
        blob.extend_from_slice(&0x0102030405060708u64.to_le_bytes());
        blob.extend_from_slice(&[7u8; 64]);
        let enc = |b: &[u8]| {
            const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut s = String::new();
            for ch in b.chunks(3) {
                let n = ch
                    .iter()
                    .enumerate()
                    .fold(0u32, |a, (i, &x)| a | (x as u32) << (16 - 8 * i));
                for i in 0..4 {
                    if i <= ch.len() {
                        s.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
                    } else {
                        s.push('=');
                    }
                }
            }
            s
        };
        let text = format!(
            "untrusted comment: signature from minisign secret key\n{}\ntrusted comment: timestamp:1700000000\tfile:manifest.json\tvouch:v1\tproject:x\n{}\n",
            enc(&blob),
            enc(&[9u8; 64])
        );
        let p = super::parse(text.as_bytes());
        assert_eq!(p.problem, None);
        assert_eq!(p.embedded_key_id.as_deref(), Some("0102030405060708"));
        assert_eq!(p.fields[0].key, "timestamp");
        assert_eq!(p.fields[0].value, "1700000000");
        assert_eq!(p.fields.len(), 4);
        assert!(super::parse(b"garbage").problem.is_some());
    }
}
