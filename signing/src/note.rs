//! C2SP signed notes (c2sp.org/signed-note), log checkpoints
//! (c2sp.org/tlog-checkpoint), witness cosignatures (c2sp.org/tlog-cosignature,
//! `cosignature/v1`) and proofs (c2sp.org/tlog-proof), with a minisign key's
//! Ed25519 key as the log's or the witness's key.
//!
//! * A note is its text (ending in a newline), a blank line, then one line
//!   per signature: `— <name> <base64(4-byte key id ‖ signature)>`.
//! * Key id = SHA-256(name ‖ 0x0A ‖ type ‖ 32-byte public key)[:4], type
//!   0x01 for a plain Ed25519 note signature (the log's), 0x04 for a
//!   cosignature; a verifier key is `<name>+<8 hex id>+<base64(type ‖ key)>`.
//! * A cosignature signs `cosignature/v1\ntime <T>\n` ‖ the checkpoint text;
//!   its signature field is the 8-byte big-endian time ‖ the 64-byte signature.

use crate::keys::SecretKey;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest as _, Sha256};
use vouch_manifests::log::Hash;

/// Signature type of a plain Ed25519 note signature.
pub const ALG_ED25519: u8 = 0x01;
/// Signature type of an Ed25519 tlog-cosignature/v1.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// First line of a tlog-proof.
pub const PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";
/// A note larger than this is refused (a checkpoint is a few hundred bytes).
pub const MAX_NOTE_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed verifier key {key:?}: {reason}")]
    VerifierKey { key: String, reason: &'static str },
    #[error("malformed signed note: {0}")]
    Malformed(String),
    #[error("malformed checkpoint: {0}")]
    Checkpoint(String),
    #[error("malformed tlog-proof: {0}")]
    Proof(String),
    #[error("the checkpoint has no valid signature by {key}")]
    NotSigned { key: String },
    #[error("the checkpoint's origin {origin:?} is not the log key's name {name:?}")]
    OriginMismatch { origin: String, name: String },
    #[error("invalid key name {0:?}: it must be non-empty and hold no space, '+' or newline")]
    KeyName(String),
}

/// Key id: SHA-256(name ‖ "\n" ‖ type ‖ key)[:4], big-endian.
pub fn key_id(name: &str, alg: u8, key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg]);
    h.update(key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c == ' ' || c == '+' || c.is_control() || c.is_whitespace()) {
        return Err(NoteError::KeyName(name.to_string()));
    }
    Ok(())
}

/// A note verifier key: name, key id, signature type and Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub id: u32,
    pub alg: u8,
    pub key: [u8; 32],
}

impl VerifierKey {
    pub fn new(name: &str, alg: u8, key: [u8; 32]) -> Result<VerifierKey, NoteError> {
        check_name(name)?;
        Ok(VerifierKey { name: name.to_string(), id: key_id(name, alg, &key), alg, key })
    }

    /// Parses `<name>+<8 hex id>+<base64(type ‖ key)>`, checking the id.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let text = text.trim();
        let bad = |reason| NoteError::VerifierKey { key: text.to_string(), reason };
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(b)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected <name>+<key id>+<key>"));
        };
        check_name(name).map_err(|_| bad("invalid name"))?;
        if id.len() != 8 || !id.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
            return Err(bad("the key id must be 8 lowercase hex digits"));
        }
        let id = u32::from_str_radix(id, 16).map_err(|_| bad("bad key id"))?;
        let raw = B64.decode(b).map_err(|_| bad("the key is not base64"))?;
        if raw.len() != 33 {
            return Err(bad("the key must be a type byte and 32 bytes"));
        }
        if raw[0] != ALG_ED25519 && raw[0] != ALG_COSIGNATURE_V1 {
            return Err(bad("unsupported signature type (need 0x01 Ed25519 or 0x04 cosignature/v1)"));
        }
        let key: [u8; 32] = raw[1..].try_into().expect("32 bytes");
        if key_id(name, raw[0], &key) != id {
            return Err(bad("the key id does not match the name and key"));
        }
        Ok(VerifierKey { name: name.to_string(), id, alg: raw[0], key })
    }

    fn verify(&self, msg: &[u8], sig: &[u8; 64]) -> bool {
        ed25519_compact::PublicKey::new(self.key).verify(msg, &ed25519_compact::Signature::new(*sig)).is_ok()
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut raw = vec![self.alg];
        raw.extend_from_slice(&self.key);
        write!(f, "{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }
}

/// The log's verifier key for a minisign secret key.
pub fn log_verifier_key(origin: &str, key: &SecretKey) -> Result<VerifierKey, NoteError> {
    VerifierKey::new(origin, ALG_ED25519, *key.public_key().ed25519_bytes())
}

/// A witness's cosignature verifier key for a minisign secret key.
pub fn witness_verifier_key(name: &str, key: &SecretKey) -> Result<VerifierKey, NoteError> {
    VerifierKey::new(name, ALG_COSIGNATURE_V1, *key.public_key().ed25519_bytes())
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: u32,
    pub sig: Vec<u8>,
}

impl NoteSignature {
    pub fn line(&self) -> String {
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.sig);
        format!("— {} {}\n", self.name, B64.encode(raw))
    }
}

/// A signed note: text and signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, ending in a newline.
    pub text: String,
    pub sigs: Vec<NoteSignature>,
}

impl Note {
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        let bad = |s: &str| NoteError::Malformed(s.to_string());
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(bad("too large"));
        }
        let s = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
        if s.chars().any(|c| c.is_control() && c != '\n') {
            return Err(bad("it holds a control character"));
        }
        let split = s.rfind("\n\n").ok_or_else(|| bad("no blank line before the signatures"))?;
        let text = &s[..split + 1];
        let sigs_text = &s[split + 2..];
        if !sigs_text.ends_with('\n') {
            return Err(bad("the last signature line does not end with a newline"));
        }
        let mut sigs = Vec::new();
        for line in sigs_text[..sigs_text.len() - 1].split('\n') {
            let rest = line.strip_prefix("— ").ok_or_else(|| bad("a signature line does not start with \"— \""))?;
            let (name, b) = rest.split_once(' ').ok_or_else(|| bad("a signature line has no signature"))?;
            check_name(name).map_err(|_| bad("a signature line has an invalid key name"))?;
            let raw = B64.decode(b).map_err(|_| bad("a signature is not base64"))?;
            if raw.len() < 5 {
                return Err(bad("a signature is too short"));
            }
            sigs.push(NoteSignature {
                name: name.to_string(),
                id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
                sig: raw[4..].to_vec(),
            });
        }
        if sigs.is_empty() {
            return Err(bad("no signature"));
        }
        Ok(Note { text: text.to_string(), sigs })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = self.text.clone();
        s.push('\n');
        for sig in &self.sigs {
            s.push_str(&sig.line());
        }
        s.into_bytes()
    }

    /// Whether the note holds a valid plain Ed25519 signature by `key`.
    pub fn signed_by(&self, key: &VerifierKey) -> bool {
        key.alg == ALG_ED25519
            && self.sigs.iter().any(|s| {
                s.name == key.name
                    && s.id == key.id
                    && s.sig.len() == 64
                    && key.verify(self.text.as_bytes(), s.sig[..].try_into().expect("64"))
            })
    }

    /// The time of a valid cosignature/v1 by `key`, if the note holds one.
    pub fn cosigned_by(&self, key: &VerifierKey) -> Option<u64> {
        if key.alg != ALG_COSIGNATURE_V1 {
            return None;
        }
        self.sigs.iter().find_map(|s| {
            if s.name != key.name || s.id != key.id || s.sig.len() != 72 {
                return None;
            }
            let time = u64::from_be_bytes(s.sig[..8].try_into().expect("8"));
            let sig: [u8; 64] = s.sig[8..].try_into().expect("64");
            key.verify(&cosigned_message(time, &self.text), &sig).then_some(time)
        })
    }

    /// Adds (or replaces) the cosignature of a witness.
    pub fn cosign(&mut self, name: &str, key: &SecretKey, time: u64) -> Result<VerifierKey, NoteError> {
        let vk = witness_verifier_key(name, key)?;
        let sig = key.sign_ed25519(&cosigned_message(time, &self.text));
        let mut raw = time.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig);
        self.sigs.retain(|s| !(s.name == vk.name && s.id == vk.id));
        self.sigs.push(NoteSignature { name: vk.name.clone(), id: vk.id, sig: raw });
        Ok(vk)
    }
}

/// The message a cosignature/v1 signs.
pub fn cosigned_message(time: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {time}\n{text}").into_bytes()
}

/// A checkpoint's body: origin, size, root hash, extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let bad = |s: &str| NoteError::Checkpoint(s.to_string());
        let body = text.strip_suffix('\n').ok_or_else(|| bad("it does not end with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(|| bad("empty origin line"))?;
        let size = lines.next().ok_or_else(|| bad("no size line"))?;
        if size.is_empty() || !size.bytes().all(|c| c.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(bad("the size is not a decimal number without leading zeros"));
        }
        let size: u64 = size.parse().map_err(|_| bad("the size is too large"))?;
        let root = lines.next().ok_or_else(|| bad("no root hash line"))?;
        let root = B64
            .decode(root)
            .ok()
            .and_then(|r| <[u8; 32]>::try_from(r).ok())
            .ok_or_else(|| bad("the root hash is not 32 bytes of base64"))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad("an empty extension line"));
        }
        Ok(Checkpoint { origin: origin.to_string(), size, root, extensions })
    }

    pub fn text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Signs this checkpoint as the log with `key`.
    pub fn sign(&self, key: &SecretKey) -> Result<Note, NoteError> {
        let vk = log_verifier_key(&self.origin, key)?;
        let text = self.text();
        let sig = key.sign_ed25519(text.as_bytes());
        Ok(Note { text, sigs: vec![NoteSignature { name: vk.name, id: vk.id, sig: sig.to_vec() }] })
    }
}

/// A checkpoint whose log signature was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
}

impl SignedCheckpoint {
    /// Parses a note and checks its log signature and origin against `key`.
    pub fn verify(bytes: &[u8], key: &VerifierKey) -> Result<SignedCheckpoint, NoteError> {
        let note = Note::parse(bytes)?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        if checkpoint.origin != key.name {
            return Err(NoteError::OriginMismatch { origin: checkpoint.origin, name: key.name.clone() });
        }
        if !note.signed_by(key) {
            return Err(NoteError::NotSigned { key: key.to_string() });
        }
        Ok(SignedCheckpoint { checkpoint, note })
    }

    /// The witnesses among `witnesses` with a valid cosignature, with times.
    pub fn cosigners<'a>(&self, witnesses: &'a [VerifierKey]) -> Vec<(&'a VerifierKey, u64)> {
        witnesses.iter().filter_map(|w| self.note.cosigned_by(w).map(|t| (w, t))).collect()
    }
}

/// A C2SP tlog-proof: an entry's index, its inclusion proof, and the
/// checkpoint (with cosignatures) it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub hashes: Vec<Hash>,
    /// The checkpoint note, verbatim.
    pub checkpoint: Vec<u8>,
}

impl TlogProof {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = format!("{PROOF_HEADER}\n");
        if let Some(e) = &self.extra {
            s.push_str(&format!("extra {}\n", B64.encode(e)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.hashes {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        let mut b = s.into_bytes();
        b.extend_from_slice(&self.checkpoint);
        b
    }

    pub fn parse(bytes: &[u8]) -> Result<TlogProof, NoteError> {
        let bad = |s: &str| NoteError::Proof(s.to_string());
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(bad("too large"));
        }
        let s = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
        let (head, checkpoint) = s.split_once("\n\n").ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(PROOF_HEADER) {
            return Err(bad("the first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().ok_or_else(|| bad("no index line"))?;
        let mut extra = None;
        if let Some(e) = line.strip_prefix("extra ") {
            extra = Some(B64.decode(e).map_err(|_| bad("the extra data is not base64"))?);
            line = lines.next().ok_or_else(|| bad("no index line"))?;
        }
        let index = line.strip_prefix("index ").ok_or_else(|| bad("no index line"))?;
        if index.is_empty() || !index.bytes().all(|c| c.is_ascii_digit()) || (index.len() > 1 && index.starts_with('0'))
        {
            return Err(bad("the index is not a decimal number without leading zeros"));
        }
        let index = index.parse().map_err(|_| bad("the index is too large"))?;
        let hashes = lines
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|h| <[u8; 32]>::try_from(h).ok())
                    .ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if hashes.len() > 64 {
            return Err(bad("more than 64 proof hashes"));
        }
        Ok(TlogProof { extra, index, hashes, checkpoint: checkpoint.as_bytes().to_vec() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_sumdb_note_example_key_and_signature() {
        // From golang.org/x/mod/sumdb/note's documentation.
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let k = VerifierKey::parse(vkey).unwrap();
        assert_eq!(k.to_string(), vkey);
        let msg = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let n = Note::parse(msg.as_bytes()).unwrap();
        assert!(n.signed_by(&k));
        assert_eq!(n.to_bytes(), msg.as_bytes());
        let mut other = k.clone();
        other.key[0] ^= 1;
        assert!(!n.signed_by(&other));
    }

    #[test]
    fn checkpoint_and_proof_round_trip() {
        let cp = Checkpoint { origin: "example.com/log".into(), size: 3, root: [7; 32], extensions: vec![] };
        assert_eq!(Checkpoint::parse(&cp.text()).unwrap(), cp);
        assert!(Checkpoint::parse("o\n03\nAAAA\n").is_err());
        let p = TlogProof {
            extra: None,
            index: 2,
            hashes: vec![[1; 32], [2; 32]],
            checkpoint: b"o\n3\nx\n\n\xe2\x80\x94 o AAAAAA==\n".to_vec(),
        };
        assert_eq!(TlogProof::parse(&p.to_bytes()).unwrap(), p);
    }
}
