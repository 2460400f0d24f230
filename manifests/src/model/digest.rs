//! SHA-256 digests and their pinned text form `sha256:<64 lowercase hex>`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::str::FromStr;

/// A SHA-256 digest. Its text form is `sha256:` and 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; 32]);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid digest {text:?}: expected \"sha256:\" and 64 lowercase hex digits")]
pub struct DigestParseError {
    pub text: String,
}

impl Digest {
    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest(Sha256::digest(bytes).into())
    }
    /// The 64 lowercase hex digits, without the `sha256:` prefix.
    pub fn hex(&self) -> String {
        let mut buf = [0u8; 64];
        self.hex_into(&mut buf).to_string()
    }

    /// The 64 lowercase hex digits written into `buf`, without allocating.
    pub fn hex_into<'b>(&self, buf: &'b mut [u8; 64]) -> &'b str {
        // 32 bytes fill the 64 digits exactly, all ASCII.
        let _ = hex::encode_to_slice(self.0, buf);
        std::str::from_utf8(buf).unwrap_or_default()
    }
    /// Parses bare hex (64 lowercase digits).
    pub fn from_hex(text: &str) -> Result<Self, DigestParseError> {
        // One pass, no allocation: manifests and reviews hold one per file.
        fn nibble(b: u8) -> Option<u8> {
            match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                _ => None,
            }
        }
        let err = || DigestParseError { text: text.to_string() };
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(err());
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *o = (nibble(pair[0]).ok_or_else(err)? << 4) | nibble(pair[1]).ok_or_else(err)?;
        }
        Ok(Digest(out))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 64];
        f.write_str("sha256:")?;
        f.write_str(self.hex_into(&mut buf))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Digest {
    type Err = DigestParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix("sha256:") {
            Some(h) => Digest::from_hex(h).map_err(|_| DigestParseError { text: s.to_string() }),
            None => Err(DigestParseError { text: s.to_string() }),
        }
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Borrowed from the input where it can be (a manifest holds one
        // digest per file), owned only where the deserializer must.
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Digest;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a digest \"sha256:<64 lowercase hex digits>\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Digest, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Text)
    }
}

/// Hashes a reader through the caller's buffer; returns the digest and the
/// number of bytes read.
pub fn hash_reader(mut r: impl std::io::Read, buf: &mut [u8]) -> std::io::Result<(Digest, u64)> {
    let mut h = Sha256::new();
    let mut n = 0u64;
    loop {
        match r.read(buf) {
            Ok(0) => break,
            Ok(k) => {
                h.update(&buf[..k]);
                n += k as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((Digest(h.finalize().into()), n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let d = Digest::of(b"");
        let s = d.to_string();
        assert_eq!(s, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(s.parse::<Digest>().unwrap(), d);
        for bad in [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:e3b0",
            "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_round_trip_borrowed_and_escaped() {
        let d = Digest::of(b"abc");
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"{d}\""));
        assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
        // An escaped string cannot be borrowed; it parses all the same.
        let escaped = json.replacen("s", "\\u0073", 1);
        assert_eq!(serde_json::from_str::<Digest>(&escaped).unwrap(), d);
        assert_eq!(d.hex(), d.to_string()["sha256:".len()..]);
        let err = serde_json::from_str::<Digest>("\"sha256:e3b0\"").unwrap_err().to_string();
        assert!(err.contains("invalid digest \"sha256:e3b0\""), "{err}");
        assert!(serde_json::from_str::<Digest>("7").is_err());
    }
}
