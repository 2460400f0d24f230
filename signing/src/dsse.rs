//! DSSE envelopes (Dead Simple Signing Envelope, v1) signed with the Ed25519
//! key inside a minisign key.
//!
//! ```json
//! {"payloadType": "...", "payload": "<base64>", "signatures": [{"keyid": "<KEYID>", "sig": "<base64>"}]}
//! ```
//!
//! Each `sig` is a plain Ed25519 signature (no prehashing) over the
//! pre-authentication encoding
//! `"DSSEv1" SP len(type) SP type SP len(body) SP body` (lengths in ASCII
//! decimal). `keyid` is the minisign key id in uppercase hex, so a verifier
//! holding the minisign public key (or a `trust.toml`) finds the right key.

use crate::keys::{KeyId, PublicKey, SecretKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The in-toto Statement payload type.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The payload's media type.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The payload, base64 (standard alphabet, padded).
    pub payload: String,
    /// One entry per signer.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature in an [`Envelope`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// The minisign key id in uppercase hex.
    #[serde(default)]
    pub keyid: String,
    /// The Ed25519 signature over the PAE, base64.
    pub sig: String,
}

/// Why an envelope does not verify or cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DsseError {
    #[error("envelope {what} is not a DSSE envelope")]
    Parse {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("envelope {what}: payload is not valid base64")]
    Payload { what: String },
    #[error("envelope {what} has no signature by key {key_id}")]
    NoSignature { what: String, key_id: KeyId },
    #[error("envelope {what}: the signature by key {key_id} does not verify")]
    BadSignature { what: String, key_id: KeyId },
    #[error("envelope {what} has payload type {actual:?}, expected {expected:?}")]
    PayloadType { what: String, expected: String, actual: String },
}

/// The DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + payload_type.len() + body.len());
    out.extend_from_slice(pae_prefix(payload_type, body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// The pre-authentication encoding up to the body.
fn pae_prefix(payload_type: &str, body_len: usize) -> String {
    format!("DSSEv1 {} {} {} ", payload_type.len(), payload_type, body_len)
}

/// Checks the signatures `(keyid, base64 sig)` of a payload: `key` must have
/// made one of them (a signature whose keyid is empty is tried too, as the
/// DSSE spec allows). The PAE is hashed in place, never copied.
fn verify_signatures<'s>(
    payload_type: &str,
    body: &[u8],
    signatures: impl Iterator<Item = (&'s str, &'s str)>,
    key: &PublicKey,
    what: &str,
) -> Result<(), DsseError> {
    let prefix = pae_prefix(payload_type, body.len());
    let id = key.key_id_hex();
    let mut found = false;
    for (keyid, sig) in signatures {
        if !(keyid.eq_ignore_ascii_case(&id) || keyid.is_empty()) {
            continue;
        }
        found |= !keyid.is_empty();
        let Ok(raw) = B64.decode(sig) else {
            continue;
        };
        let Ok(raw) = <[u8; 64]>::try_from(raw.as_slice()) else {
            continue;
        };
        if key.verify_ed25519_parts(&[prefix.as_bytes(), body], &raw) {
            return Ok(());
        }
    }
    if found {
        Err(DsseError::BadSignature { what: what.into(), key_id: key.key_id() })
    } else {
        Err(DsseError::NoSignature { what: what.into(), key_id: key.key_id() })
    }
}

/// A DSSE envelope parsed without copying its payload (for large ones,
/// such as reviews naming every file of a release).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EnvelopeRef<'a> {
    #[serde(rename = "payloadType", borrow)]
    pub payload_type: Cow<'a, str>,
    #[serde(borrow)]
    pub payload: Cow<'a, str>,
    #[serde(borrow)]
    pub signatures: Vec<EnvelopeSignatureRef<'a>>,
}

/// One signature in an [`EnvelopeRef`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EnvelopeSignatureRef<'a> {
    #[serde(default, borrow)]
    pub keyid: Cow<'a, str>,
    #[serde(borrow)]
    pub sig: Cow<'a, str>,
}

impl<'a> EnvelopeRef<'a> {
    /// Parses an envelope (as [`Envelope::from_slice`]); `what` names it in errors.
    pub fn from_slice(bytes: &'a [u8], what: &str) -> Result<EnvelopeRef<'a>, DsseError> {
        serde_json::from_slice(bytes).map_err(|source| DsseError::Parse { what: what.into(), source })
    }

    /// [`Envelope::verify`], decoding the payload into `body` (cleared
    /// first, so one buffer serves many envelopes). On error `body` holds
    /// bytes that must not be used.
    pub fn verify_into(&self, key: &PublicKey, what: &str, body: &mut Vec<u8>) -> Result<(), DsseError> {
        body.clear();
        B64.decode_vec(self.payload.as_bytes(), body).map_err(|_| DsseError::Payload { what: what.into() })?;
        let sigs = self.signatures.iter().map(|s| (&*s.keyid, &*s.sig));
        verify_signatures(&self.payload_type, body, sigs, key, what)
    }
}

impl Envelope {
    /// An envelope over `body`, signed by `key`.
    pub fn sign(payload_type: &str, body: &[u8], key: &SecretKey) -> Envelope {
        let mut e =
            Envelope { payload_type: payload_type.to_string(), payload: B64.encode(body), signatures: Vec::new() };
        e.signatures.push(EnvelopeSignature {
            keyid: key.key_id().hex(),
            sig: B64.encode(key.sign_ed25519(&pae(payload_type, body))),
        });
        e
    }

    /// Adds (or replaces) `key`'s signature.
    pub fn add_signature(&mut self, key: &SecretKey, what: &str) -> Result<(), DsseError> {
        let body = self.payload_bytes(what)?;
        let sig = B64.encode(key.sign_ed25519(&pae(&self.payload_type, &body)));
        let id = key.key_id().hex();
        self.signatures.retain(|s| s.keyid != id);
        self.signatures.push(EnvelopeSignature { keyid: id, sig });
        Ok(())
    }

    /// Parses an envelope; `what` names it in errors.
    pub fn from_slice(bytes: &[u8], what: &str) -> Result<Envelope, DsseError> {
        serde_json::from_slice(bytes).map_err(|source| DsseError::Parse { what: what.into(), source })
    }

    /// Pretty JSON with a final newline (deterministic for the same envelope).
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// The decoded payload (not verified).
    pub fn payload_bytes(&self, what: &str) -> Result<Vec<u8>, DsseError> {
        B64.decode(&self.payload).map_err(|_| DsseError::Payload { what: what.into() })
    }

    /// Verifies `key`'s signature and returns the payload. Signatures whose
    /// keyid is empty are tried too, as the DSSE spec allows.
    pub fn verify(&self, key: &PublicKey, what: &str) -> Result<Vec<u8>, DsseError> {
        let body = self.payload_bytes(what)?;
        let sigs = self.signatures.iter().map(|s| (s.keyid.as_str(), s.sig.as_str()));
        verify_signatures(&self.payload_type, &body, sigs, key, what)?;
        Ok(body)
    }

    /// [`Envelope::verify`], also requiring the payload type.
    pub fn verify_typed(&self, key: &PublicKey, payload_type: &str, what: &str) -> Result<Vec<u8>, DsseError> {
        if self.payload_type != payload_type {
            return Err(DsseError::PayloadType {
                what: what.into(),
                expected: payload_type.into(),
                actual: self.payload_type.clone(),
            });
        }
        self.verify(key, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_spec_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn sign_verify_and_tamper() {
        let k = SecretKey::generate().unwrap();
        let other = SecretKey::generate().unwrap();
        let e = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{\"a\":1}", &k);
        assert_eq!(e.signatures[0].keyid, k.key_id().hex());
        let back = Envelope::from_slice(&e.to_json(), "e").unwrap();
        assert_eq!(back.verify(&k.public_key(), "e").unwrap(), b"{\"a\":1}");
        assert!(matches!(back.verify(&other.public_key(), "e"), Err(DsseError::NoSignature { .. })));
        let mut t = back.clone();
        t.payload = B64.encode(b"{\"a\":2}");
        assert!(matches!(t.verify(&k.public_key(), "e"), Err(DsseError::BadSignature { .. })));
        let mut t = back.clone();
        t.payload_type = "text/plain".into();
        assert!(t.verify(&k.public_key(), "e").is_err());
        let mut two = back.clone();
        two.add_signature(&other, "e").unwrap();
        two.verify(&other.public_key(), "e").unwrap();
        two.verify(&k.public_key(), "e").unwrap();
    }

    #[test]
    fn the_borrowed_envelope_verifies_as_the_owned_one() {
        let k = SecretKey::generate().unwrap();
        let other = SecretKey::generate().unwrap();
        let mut e = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{\"a\":1}", &k);
        e.add_signature(&other, "e").unwrap();
        let json = e.to_json();
        let r = EnvelopeRef::from_slice(&json, "e").unwrap();
        let mut body = b"stale".to_vec();
        r.verify_into(&k.public_key(), "e", &mut body).unwrap();
        assert_eq!(body, b"{\"a\":1}");
        r.verify_into(&other.public_key(), "e", &mut body).unwrap();
        let mut t = e.clone();
        t.payload = B64.encode(b"{\"a\":2}");
        let json = t.to_json();
        let r = EnvelopeRef::from_slice(&json, "e").unwrap();
        assert!(matches!(r.verify_into(&k.public_key(), "e", &mut body), Err(DsseError::BadSignature { .. })));
        let third = SecretKey::generate().unwrap();
        assert!(matches!(r.verify_into(&third.public_key(), "e", &mut body), Err(DsseError::NoSignature { .. })));
        assert!(EnvelopeRef::from_slice(b"{}", "e").is_err());
    }
}
