//! minisign signatures (`.minisig` files), byte-compatible with the reference CLI.
//!
//! ```text
//! untrusted comment: <text, at most 1,024 bytes>
//! base64("ED" ‖ key id (8) ‖ Ed25519(BLAKE2b-512(file)))      ("Ed": legacy, over the file itself)
//! trusted comment: <text, at most 8,192 bytes>
//! base64(Ed25519(signature (64) ‖ trusted comment))            (the "global" signature)
//! ```
//!
//! vouch always writes prehashed (`ED`) signatures, as `minisign` 0.11 does
//! by default. Legacy (`Ed`) signatures verify only with [`Legacy::Allow`].

use crate::keys::{KeyId, PublicKey, SecretKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use blake2::Blake2b512;
use blake2::digest::Digest as _;
use std::io::Read;
use std::path::{Path, PathBuf};

/// minisign reads the untrusted comment line into a 1,024-byte buffer.
pub const UNTRUSTED_LINE_MAX: usize = 1024;
/// minisign reads the trusted comment line into an 8,192-byte buffer.
pub const TRUSTED_LINE_MAX: usize = 8192;
/// The longest untrusted comment (bytes) minisign 0.11 accepts: the line
/// with its `untrusted comment: ` prefix, line break and terminating NUL
/// must fit its 1,024-byte buffer (measured: 1,003 verifies, 1,004 does not).
pub const UNTRUSTED_COMMENT_MAX: usize = UNTRUSTED_LINE_MAX - "untrusted comment: ".len() - 2;
/// The longest trusted comment (bytes) minisign 0.11 accepts: the line with
/// its `trusted comment: ` prefix, line break and NUL must fit 8,192 bytes
/// (measured: 8,173 verifies, 8,174 does not).
pub const TRUSTED_COMMENT_MAX: usize = TRUSTED_LINE_MAX - "trusted comment: ".len() - 2;
/// The largest `.minisig` file read.
const SIG_FILE_MAX: u64 = 16 * 1024;
/// minisign's default untrusted comment.
pub const DEFAULT_UNTRUSTED_COMMENT: &str = "signature from minisign secret key";

/// Which minisign signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// `ED`: Ed25519 over the BLAKE2b-512 hash of the file (the default).
    Prehashed,
    /// `Ed`: Ed25519 over the file itself (`minisign -l`).
    Legacy,
}

impl Algorithm {
    fn tag(self) -> [u8; 2] {
        match self {
            Algorithm::Prehashed => *b"ED",
            Algorithm::Legacy => *b"Ed",
        }
    }
}

/// Whether legacy (non-prehashed) signatures are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Legacy {
    #[default]
    Refuse,
    Allow,
}

/// A parsed `.minisig` file. Parsing checks the shape only; see [`Signature::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The untrusted comment (not covered by any signature).
    pub untrusted_comment: String,
    pub algorithm: Algorithm,
    /// The key id the signature claims.
    pub key_id: KeyId,
    signature: [u8; 64],
    /// The trusted comment (covered by the global signature).
    pub trusted_comment: String,
    global_signature: [u8; 64],
}

/// Why a `.minisig` file is malformed.
#[derive(Debug, thiserror::Error)]
pub enum SigParseError {
    #[error("cannot read signature {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("signature {what} is malformed: {detail}")]
    Malformed { what: String, detail: String },
    /// `line` (the signature or the global signature line) is not base64.
    #[error("signature {what} is malformed: {line} line: invalid base64")]
    Base64 {
        what: String,
        line: &'static str,
        #[source]
        source: base64::DecodeError,
    },
}

/// Why a signature does not verify.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("signature {what} was made by key {signed_by}, not by key {expected}")]
    WrongKey { what: String, signed_by: KeyId, expected: KeyId },
    #[error("signature {what} is a legacy (non-prehashed) minisign signature, refused")]
    LegacyRefused { what: String },
    #[error("signature {what} by key {key_id} does not match {file}")]
    BadSignature { what: String, key_id: KeyId, file: String },
    #[error("the trusted comment of signature {what} by key {key_id} was altered (global signature does not verify)")]
    BadGlobalSignature { what: String, key_id: KeyId },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(
        "trusted comment is {len} bytes, over minisign's limit of {TRUSTED_COMMENT_MAX} (a {TRUSTED_LINE_MAX}-byte line)"
    )]
    TrustedCommentTooLong { len: usize },
    #[error(
        "untrusted comment is {len} bytes, over minisign's limit of {UNTRUSTED_COMMENT_MAX} (a {UNTRUSTED_LINE_MAX}-byte line)"
    )]
    UntrustedCommentTooLong { len: usize },
    #[error("comments cannot contain line breaks")]
    LineBreak,
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// BLAKE2b-512 of everything `r` yields, streamed through a fixed buffer.
pub fn prehash_reader(mut r: impl Read) -> std::io::Result<[u8; 64]> {
    let mut h = Blake2b512::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

/// BLAKE2b-512 of `data`.
pub fn prehash(data: &[u8]) -> [u8; 64] {
    Blake2b512::digest(data).into()
}

/// minisign's default trusted comment: `timestamp:<t>\tfile:<name>\thashed`.
pub fn default_trusted_comment(timestamp: i64, file_name: &str) -> String {
    format!("timestamp:{timestamp}\tfile:{file_name}\thashed")
}

/// A trusted comment split into its tab-separated `key:value` fields, in
/// order (a part without `:` is a field with an empty key). The one reader
/// of trusted comments: minisign's default form, vouch's manifest form and
/// the site's display all use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedComment<'a> {
    pub fields: Vec<(&'a str, &'a str)>,
}

impl<'a> TrustedComment<'a> {
    pub fn parse(text: &'a str) -> Self {
        TrustedComment { fields: text.split('\t').map(|part| part.split_once(':').unwrap_or(("", part))).collect() }
    }

    /// The value of the first field named `key`.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// The latest signing time a trusted comment may claim:
/// 9999-12-31T23:59:59Z, the last second RFC 3339 can write.
pub const LATEST_SIGNING_TIME: i64 = 253_402_300_799;

/// A trusted comment's `timestamp:` that is no signing time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("the trusted comment does not start with a timestamp")]
    Missing,
    #[error("timestamp {value:?} is not unix seconds")]
    NotSeconds { value: String },
    #[error("timestamp {value} is not a plausible signing time (1970-01-01T00:00:01Z to 9999-12-31T23:59:59Z)")]
    Implausible { value: String },
}

/// The `timestamp:` of a trusted comment (the first field, as minisign's and
/// vouch's comments have it), checked to be a plausible signing time: a
/// positive number of unix seconds no later than [`LATEST_SIGNING_TIME`].
pub fn signing_time(trusted_comment: &str) -> Result<i64, TimestampError> {
    let t = match TrustedComment::parse(trusted_comment).fields.first() {
        Some(("timestamp", v)) => *v,
        _ => return Err(TimestampError::Missing),
    };
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TimestampError::NotSeconds { value: t.to_string() });
    }
    match t.parse::<i64>() {
        Ok(n) if (1..=LATEST_SIGNING_TIME).contains(&n) => Ok(n),
        _ => Err(TimestampError::Implausible { value: t.to_string() }),
    }
}

/// The `timestamp:` of a trusted comment, if it starts with a plausible one
/// (see [`signing_time`]).
pub fn comment_timestamp(trusted_comment: &str) -> Option<i64> {
    signing_time(trusted_comment).ok()
}

/// The current time in unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn check_comment(c: &str, max: usize, too_long: fn(usize) -> SignError) -> Result<(), SignError> {
    if c.contains(['\n', '\r']) {
        return Err(SignError::LineBreak);
    }
    if c.len() > max {
        return Err(too_long(c.len()));
    }
    Ok(())
}

/// Signs a BLAKE2b-512 prehash (see [`prehash`], [`prehash_reader`]).
pub fn sign_prehashed(
    key: &SecretKey,
    prehash: &[u8; 64],
    trusted_comment: &str,
    untrusted_comment: Option<&str>,
) -> Result<Signature, SignError> {
    let untrusted = untrusted_comment.unwrap_or(DEFAULT_UNTRUSTED_COMMENT);
    check_comment(trusted_comment, TRUSTED_COMMENT_MAX, |len| SignError::TrustedCommentTooLong { len })?;
    check_comment(untrusted, UNTRUSTED_COMMENT_MAX, |len| SignError::UntrustedCommentTooLong { len })?;
    let signature = key.sign_ed25519(prehash);
    let mut global = Vec::with_capacity(64 + trusted_comment.len());
    global.extend_from_slice(&signature);
    global.extend_from_slice(trusted_comment.as_bytes());
    let global_signature = key.sign_ed25519(&global);
    Ok(Signature {
        untrusted_comment: untrusted.to_string(),
        algorithm: Algorithm::Prehashed,
        key_id: key.key_id(),
        signature,
        trusted_comment: trusted_comment.to_string(),
        global_signature,
    })
}

/// Signs `data` (prehashed `ED`) with `trusted_comment`.
pub fn sign(
    key: &SecretKey,
    data: &[u8],
    trusted_comment: &str,
    untrusted_comment: Option<&str>,
) -> Result<Signature, SignError> {
    sign_prehashed(key, &prehash(data), trusted_comment, untrusted_comment)
}

/// Signs a file, streaming it (prehashed `ED`).
pub fn sign_file(
    key: &SecretKey,
    path: &Path,
    trusted_comment: &str,
    untrusted_comment: Option<&str>,
) -> Result<Signature, SignError> {
    let read_err = |source| SignError::Read { path: path.to_path_buf(), source };
    let f = std::fs::File::open(path).map_err(read_err)?;
    let h = prehash_reader(f).map_err(read_err)?;
    sign_prehashed(key, &h, trusted_comment, untrusted_comment)
}

impl Signature {
    /// Parses `.minisig` text; `what` names it in errors.
    pub fn parse(text: &str, what: &str) -> Result<Signature, SigParseError> {
        let bad = |detail: String| SigParseError::Malformed { what: what.to_string(), detail };
        // Every trailing `\r` goes, as minisign's `trim()` removes them: a
        // comment line ending `\r\r\n` is the comment minisign verified.
        let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
        let mut next = |n: &str| lines.next().ok_or_else(|| bad(format!("truncated: no {n} line")));
        let untrusted = next("untrusted comment")?
            .strip_prefix("untrusted comment: ")
            .ok_or_else(|| bad("the first line does not start with `untrusted comment: `".into()))?
            .to_string();
        if untrusted.len() > UNTRUSTED_COMMENT_MAX {
            return Err(bad(format!(
                "untrusted comment is {} bytes, over minisign's limit of {UNTRUSTED_COMMENT_MAX} (a {UNTRUSTED_LINE_MAX}-byte line)",
                untrusted.len()
            )));
        }
        let sig_line = next("signature")?;
        let base64 = |line| move |source| SigParseError::Base64 { what: what.to_string(), line, source };
        let sig = B64.decode(sig_line.trim()).map_err(base64("signature"))?;
        if sig.len() != 74 {
            return Err(bad(format!("signature line: {} bytes, expected 74", sig.len())));
        }
        let algorithm = match &sig[0..2] {
            b"ED" => Algorithm::Prehashed,
            b"Ed" => Algorithm::Legacy,
            other => {
                return Err(bad(format!("unsupported signature algorithm {:?}", String::from_utf8_lossy(other))));
            }
        };
        let trusted = next("trusted comment")?
            .strip_prefix("trusted comment: ")
            .ok_or_else(|| bad("the third line does not start with `trusted comment: `".into()))?
            .to_string();
        if trusted.len() > TRUSTED_COMMENT_MAX {
            return Err(bad(format!(
                "trusted comment is {} bytes, over minisign's limit of {TRUSTED_COMMENT_MAX} (a {TRUSTED_LINE_MAX}-byte line)",
                trusted.len()
            )));
        }
        let global_line = next("global signature")?;
        let global = B64.decode(global_line.trim()).map_err(base64("global signature"))?;
        if global.len() != 64 {
            return Err(bad(format!("global signature line: {} bytes, expected 64", global.len())));
        }
        for rest in lines {
            if !rest.trim().is_empty() {
                return Err(bad("unexpected text after the global signature".into()));
            }
        }
        let mut s = Signature {
            untrusted_comment: untrusted,
            algorithm,
            key_id: KeyId([0; 8]),
            signature: [0; 64],
            trusted_comment: trusted,
            global_signature: [0; 64],
        };
        s.key_id.0.copy_from_slice(&sig[2..10]);
        s.signature.copy_from_slice(&sig[10..74]);
        s.global_signature.copy_from_slice(&global);
        Ok(s)
    }

    /// Reads and parses a `.minisig` file the user named.
    pub fn read(path: &Path) -> Result<Signature, SigParseError> {
        Self::read_with(path, vouch_manifests::tree::fsutil::Symlinks::FollowOnce)
    }

    /// Reads and parses a `.minisig` file, treating a symlink per `symlinks`
    /// (a bundle's signatures: [`Symlinks::Refuse`](vouch_manifests::tree::fsutil::Symlinks::Refuse)).
    pub fn read_with(
        path: &Path,
        symlinks: vouch_manifests::tree::fsutil::Symlinks,
    ) -> Result<Signature, SigParseError> {
        let read_err = |source| SigParseError::Read { path: path.to_path_buf(), source };
        let f = vouch_manifests::tree::fsutil::open_regular(path, symlinks).map_err(read_err)?;
        let mut bytes = Vec::new();
        f.take(SIG_FILE_MAX + 1).read_to_end(&mut bytes).map_err(read_err)?;
        let what = path.display().to_string();
        if bytes.len() as u64 > SIG_FILE_MAX {
            return Err(SigParseError::Malformed { what, detail: format!("larger than {SIG_FILE_MAX} bytes") });
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| SigParseError::Malformed { what: what.clone(), detail: "not UTF-8 text".into() })?;
        Self::parse(&text, &what)
    }

    /// The `.minisig` text, exactly as `minisign -S` writes it.
    pub fn to_text(&self) -> String {
        let mut sig = Vec::with_capacity(74);
        sig.extend_from_slice(&self.algorithm.tag());
        sig.extend_from_slice(&self.key_id.0);
        sig.extend_from_slice(&self.signature);
        format!(
            "untrusted comment: {}\n{}\ntrusted comment: {}\n{}\n",
            self.untrusted_comment,
            B64.encode(sig),
            self.trusted_comment,
            B64.encode(self.global_signature)
        )
    }

    /// The trusted comment's `timestamp:`, if it has a plausible one.
    pub fn timestamp(&self) -> Option<i64> {
        comment_timestamp(&self.trusted_comment)
    }

    /// The trusted comment's `timestamp:`, or why it is no signing time.
    pub fn signing_time(&self) -> Result<i64, TimestampError> {
        signing_time(&self.trusted_comment)
    }

    fn check_key(&self, key: &PublicKey, what: &str, legacy: Legacy) -> Result<(), VerifyError> {
        if self.key_id != key.key_id() {
            return Err(VerifyError::WrongKey { what: what.into(), signed_by: self.key_id, expected: key.key_id() });
        }
        if self.algorithm == Algorithm::Legacy && legacy == Legacy::Refuse {
            return Err(VerifyError::LegacyRefused { what: what.into() });
        }
        Ok(())
    }

    /// Verifies only the global signature over the trusted comment (so the
    /// comment is authentic even when the file does not match).
    pub fn verify_trusted_comment(&self, key: &PublicKey, what: &str) -> Result<(), VerifyError> {
        if self.key_id != key.key_id() {
            return Err(VerifyError::WrongKey { what: what.into(), signed_by: self.key_id, expected: key.key_id() });
        }
        self.check_global(key, what)
    }

    fn check_global(&self, key: &PublicKey, what: &str) -> Result<(), VerifyError> {
        let mut global = Vec::with_capacity(64 + self.trusted_comment.len());
        global.extend_from_slice(&self.signature);
        global.extend_from_slice(self.trusted_comment.as_bytes());
        if !key.verify_ed25519(&global, &self.global_signature) {
            return Err(VerifyError::BadGlobalSignature { what: what.into(), key_id: self.key_id });
        }
        Ok(())
    }

    /// Verifies this signature over `data` with `key`, then the global
    /// signature over the trusted comment. `what` names the signature and
    /// `file` the signed file in errors.
    pub fn verify(
        &self,
        key: &PublicKey,
        data: &[u8],
        legacy: Legacy,
        what: &str,
        file: &str,
    ) -> Result<(), VerifyError> {
        self.check_key(key, what, legacy)?;
        let ok = match self.algorithm {
            Algorithm::Prehashed => key.verify_ed25519(&prehash(data), &self.signature),
            Algorithm::Legacy => key.verify_ed25519(data, &self.signature),
        };
        if !ok {
            return Err(VerifyError::BadSignature { what: what.into(), key_id: self.key_id, file: file.into() });
        }
        self.check_global(key, what)
    }

    /// Like [`Signature::verify`] for a file on disk, streamed when prehashed.
    pub fn verify_file(&self, key: &PublicKey, path: &Path, legacy: Legacy, what: &str) -> Result<(), VerifyError> {
        self.check_key(key, what, legacy)?;
        let read_err = |source| VerifyError::Read { path: path.to_path_buf(), source };
        let file = path.display().to_string();
        let ok = match self.algorithm {
            Algorithm::Prehashed => {
                let f = std::fs::File::open(path).map_err(read_err)?;
                key.verify_ed25519(&prehash_reader(f).map_err(read_err)?, &self.signature)
            }
            Algorithm::Legacy => key.verify_ed25519(&std::fs::read(path).map_err(read_err)?, &self.signature),
        };
        if !ok {
            return Err(VerifyError::BadSignature { what: what.into(), key_id: self.key_id, file });
        }
        self.check_global(key, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PK: &str = "RWQ0Wk0gt/QS9VLAAJ9h8nYTFzaSGj2NzJ1fTP6+ZxeXMqutXzz2nFdm";
    // `echo hello > f.txt; minisign -S -s w.key -m f.txt` (minisign 0.11).
    const SIG: &str = "untrusted comment: signature from minisign secret key\nRUQ0Wk0gt/QS9Y7PTQ3+L4sozJYMxqo+6oei8R/OnAFqVvCdmCnoHooAZ5JB4zEefQ6ENJDST8EG/r+BWuTGE0uQLrezNhoyjws=\ntrusted comment: timestamp:1795939979\tfile:f.txt\thashed\nGcEkEL/1ZXNEePubZ/o4y7YiUVIyhhlQ35fV5wDrlslaEIrN1F28UviRn7dg00IbubTL/HGyNxMjsTlQOZneCQ==\n";
    const LEGACY: &str = "untrusted comment: signature from minisign secret key\nRWQ0Wk0gt/QS9TIWmG517tpzjAjIqi1fRIDT6IY1PD9MNKCnA558yGGbX74L4vlfKjoLD4rX06AV/DahcKg7BxaFvtU7jwqyIgY=\ntrusted comment: timestamp:1795939979\tfile:f.txt\nmShxOS8MH7zPTADRzZUDObW6uV1Y8jp2gfic67cDffeXRNPRwW69xawiTF6EZM11JxfT/K7/0ZPjn2eFl4uqCg==\n";
    const SK: &str = "untrusted comment: minisign encrypted secret key\nRWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAANFpNILf0EvWAX2JnkasctYG9O0Fl5kFK0zdIJwjT3UtcBVa6rzEpx1LAAJ9h8nYTFzaSGj2NzJ1fTP6+ZxeXMqutXzz2nFdmAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    fn pk() -> PublicKey {
        PublicKey::from_base64(PK, "pk").unwrap()
    }

    #[test]
    fn verifies_minisign_signature() {
        let s = Signature::parse(SIG, "f.txt.minisig").unwrap();
        assert_eq!(s.timestamp(), Some(1795939979));
        s.verify(&pk(), b"hello\n", Legacy::Refuse, "s", "f.txt").unwrap();
        let e = s.verify(&pk(), b"hello!\n", Legacy::Refuse, "s", "f.txt").unwrap_err();
        assert!(matches!(e, VerifyError::BadSignature { .. }));
        assert_eq!(s.to_text(), SIG);
    }

    /// `fuzz/regressions/signature/trailing-carriage-returns.minisig` (found
    /// by the `signature` fuzz target): lines ending in several `\r` lost only
    /// one, so a trusted comment kept a `\r` that minisign's `trim()` removes,
    /// and a signature `minisign -V` accepts failed here.
    #[test]
    fn trailing_carriage_returns() {
        let crlf = SIG.replace('\n', "\r\r\r\n");
        let s = Signature::parse(&crlf, "f.txt.minisig").unwrap();
        assert_eq!(s.trusted_comment, "timestamp:1795939979\tfile:f.txt\thashed");
        s.verify(&pk(), b"hello\n", Legacy::Refuse, "s", "f.txt").unwrap();
        assert_eq!(s.to_text(), SIG);
    }

    #[test]
    fn same_bytes_as_minisign() {
        // Ed25519 is deterministic: vouch reproduces minisign's signature exactly.
        let sk = crate::keys::SecretKeyFile::parse(SK, "w.key").unwrap().decrypt(None).unwrap();
        let s = sign(&sk, b"hello\n", "timestamp:1795939979\tfile:f.txt\thashed", None).unwrap();
        assert_eq!(s.to_text(), SIG);
    }

    #[test]
    fn legacy_only_when_allowed() {
        let s = Signature::parse(LEGACY, "l").unwrap();
        assert!(matches!(
            s.verify(&pk(), b"hello\n", Legacy::Refuse, "l", "f").unwrap_err(),
            VerifyError::LegacyRefused { .. }
        ));
        s.verify(&pk(), b"hello\n", Legacy::Allow, "l", "f").unwrap();
    }

    #[test]
    fn altered_trusted_comment_fails() {
        let t = SIG.replace("timestamp:1795939979", "timestamp:1795939978");
        let s = Signature::parse(&t, "s").unwrap();
        assert!(matches!(
            s.verify(&pk(), b"hello\n", Legacy::Refuse, "s", "f").unwrap_err(),
            VerifyError::BadGlobalSignature { .. }
        ));
    }

    #[test]
    fn malformed() {
        let long_u = format!("untrusted comment: {}\n", "x".repeat(1004));
        let long_t = SIG.replace("trusted comment: ", &format!("trusted comment: {}", "y".repeat(8174)));
        let cases = [
            "",
            "hello",
            "untrusted comment: x\n",
            "untrusted comment: x\nRUQ!!!\n",
            &SIG[..SIG.len() - 30],
            &long_u,
            &long_t,
        ];
        for c in cases {
            let e = Signature::parse(c, "bad.minisig").unwrap_err().to_string();
            assert!(e.contains("bad.minisig"), "{e}");
        }
        assert!(Signature::parse(&format!("{SIG}junk\n"), "x").is_err());
    }

    #[test]
    fn comment_limits_on_signing() {
        let sk = crate::keys::SecretKey::generate().unwrap();
        assert!(sign(&sk, b"", &"a".repeat(8174), None).is_err());
        assert!(sign(&sk, b"", "t", Some(&"u".repeat(1004))).is_err());
        assert!(sign(&sk, b"", "t", Some(&"u".repeat(1003))).is_ok());
        assert!(sign(&sk, b"", "a\nb", None).is_err());
        assert!(sign(&sk, b"", &"a".repeat(8173), None).is_ok());
    }
}
