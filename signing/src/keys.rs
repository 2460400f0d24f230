//! minisign key pairs, byte-compatible with the reference `minisign` CLI.
//!
//! A public key is the base64 line `"Ed" ‖ key id (8 bytes) ‖ Ed25519 public
//! key (32 bytes)`, usually in a `.pub` file after an
//! `untrusted comment: ...` line. A secret key file holds one base64 line:
//!
//! ```text
//! "Ed" ‖ kdf ("Sc" or 0,0) ‖ "B2" ‖ salt (32) ‖ opslimit (u64 LE) ‖ memlimit (u64 LE)
//!      ‖ [ key id (8) ‖ Ed25519 secret key (seed ‖ public, 64) ‖ checksum (32) ]
//! ```
//!
//! where the bracketed part is XORed with scrypt(password, salt) when the kdf
//! is `Sc` (scrypt parameters derived from opslimit/memlimit as libsodium
//! does), and the checksum is BLAKE2b-256(`"Ed"` ‖ key id ‖ secret key).
//! `minisign -G -W` writes unencrypted keys (kdf 0,0) whose checksum is all
//! zeros: vouch accepts those, and checks every unencrypted key by deriving
//! the public half from the seed.
//!
//! The key id is shown as minisign shows it: the 8 bytes read as a
//! little-endian integer, in 16 uppercase hex digits (`F512F4B7204D5A34`).
//! That is the `<KEYID>` in a bundle's `signatures/<KEYID>.minisig`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use blake2::Blake2bVar;
use blake2::digest::{Update, VariableOutput};
use std::fmt;
use std::path::{Path, PathBuf};

/// The signature algorithm tag of an Ed25519 key.
pub(crate) const SIG_ALG: [u8; 2] = *b"Ed";
const KDF_SCRYPT: [u8; 2] = *b"Sc";
const KDF_NONE: [u8; 2] = [0, 0];
const CHK_ALG: [u8; 2] = *b"B2";
const PUBLIC_KEY_LEN: usize = 2 + 8 + 32;
const SECRET_KEY_LEN: usize = 2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32;
/// libsodium's `crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE`, as `minisign -G` uses.
const OPSLIMIT: u64 = 33_554_432;
/// libsodium's `crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE`, as `minisign -G` uses.
const MEMLIMIT: u64 = 1_073_741_824;
/// Largest scrypt work accepted when reading a key (minisign's own maximum).
const MEMLIMIT_MAX: u64 = 1_073_741_824;
const N_LOG2_MAX: u8 = 20;
/// The longest password accepted (bytes).
pub const PASSWORD_MAX_BYTES: usize = 1024;

/// A minisign key id: 8 random bytes chosen at key generation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// 16 uppercase hex digits, as minisign prints it (the bytes as a
    /// little-endian integer).
    pub fn hex(&self) -> String {
        format!("{:016X}", u64::from_le_bytes(self.0))
    }

    /// Parses the form [`KeyId::hex`] prints (either case).
    pub fn from_hex(text: &str) -> Option<KeyId> {
        if text.len() != 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(text, 16).ok().map(|n| KeyId(n.to_le_bytes()))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.hex())
    }
}

impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> serde::Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeyId::from_hex(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid key id {s:?}")))
    }
}

/// What is wrong with a key, or why it could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} is not a minisign public key: {detail}")]
    BadPublic { what: String, detail: String },
    #[error("{what} is not a minisign public key: invalid base64")]
    PublicBase64 {
        what: String,
        #[source]
        source: base64::DecodeError,
    },
    #[error("{what} is not a minisign secret key: {detail}")]
    BadSecret { what: String, detail: String },
    #[error("{what} is not a minisign secret key: invalid base64")]
    SecretBase64 {
        what: String,
        #[source]
        source: base64::DecodeError,
    },
    #[error("secret key {what}: its scrypt key stream cannot be made")]
    Scrypt {
        what: String,
        #[source]
        source: ScryptError,
    },
    #[error("secret key {what} is encrypted: a password is needed")]
    PasswordNeeded { what: String },
    #[error("wrong password for secret key {what}")]
    WrongPassword { what: String },
    #[error("secret key {what} is corrupted: {detail}")]
    Corrupted { what: String, detail: String },
    #[error("the password is longer than {PASSWORD_MAX_BYTES} bytes")]
    PasswordTooLong,
    #[error("the system random number generator failed")]
    Random(#[source] getrandom::Error),
    #[error("the random seed makes no Ed25519 key pair")]
    Seed(#[source] ed25519_compact::Error),
    #[error("{path} already exists")]
    Exists { path: PathBuf },
    #[error(transparent)]
    Write(#[from] vouch_manifests::tree::fsutil::WriteError),
}

fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(KeyError::Random)?;
    Ok(b)
}

/// Finds the base64 line of a key file: the bare line, or the line after an
/// `untrusted comment:` line. Returns (comment, line).
fn key_line(text: &str) -> Option<(Option<&str>, &str)> {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty());
    let first = lines.next()?;
    if let Some(c) = first.strip_prefix("untrusted comment: ") {
        let line = lines.next()?;
        if lines.next().is_some() {
            return None;
        }
        Some((Some(c), line.trim()))
    } else if lines.next().is_none() {
        Some((None, first.trim()))
    } else {
        None
    }
}

/// A minisign Ed25519 public key and its key id.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key_id: KeyId,
    key: [u8; 32],
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} {})", self.key_id, self.to_base64())
    }
}

impl PublicKey {
    /// Parses the bare base64 line (`RWQ...`). `what` names the source in errors.
    pub fn from_base64(line: &str, what: &str) -> Result<PublicKey, KeyError> {
        let bad = |detail: String| KeyError::BadPublic { what: what.to_string(), detail };
        let bytes =
            B64.decode(line.trim()).map_err(|source| KeyError::PublicBase64 { what: what.to_string(), source })?;
        if bytes.len() != PUBLIC_KEY_LEN {
            return Err(bad(format!("{} bytes, expected {PUBLIC_KEY_LEN}", bytes.len())));
        }
        if bytes[0..2] != SIG_ALG {
            return Err(bad(format!("unsupported algorithm {:?}", String::from_utf8_lossy(&bytes[0..2]))));
        }
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bytes[2..10]);
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[10..42]);
        Ok(PublicKey { key_id: KeyId(key_id), key })
    }

    /// A public key from its parts (e.g. an Ed25519 key from another tool).
    pub fn from_ed25519(key_id: KeyId, key: [u8; 32]) -> PublicKey {
        PublicKey { key_id, key }
    }

    /// Parses a `.pub` file's text (comment line + base64 line) or the bare line.
    pub fn parse(text: &str, what: &str) -> Result<PublicKey, KeyError> {
        let (_, line) = key_line(text).ok_or_else(|| KeyError::BadPublic {
            what: what.to_string(),
            detail: "expected an `untrusted comment:` line and one base64 line".into(),
        })?;
        Self::from_base64(line, what)
    }

    /// Reads a `.pub` file.
    pub fn read(path: &Path) -> Result<PublicKey, KeyError> {
        let text = read_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The key id in uppercase hex, as in `signatures/<KEYID>.minisig`.
    pub fn key_id_hex(&self) -> String {
        self.key_id.hex()
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn ed25519_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// The base64 line, as in a `.pub` file and in `trust.toml`.
    pub fn to_base64(&self) -> String {
        let mut b = Vec::with_capacity(PUBLIC_KEY_LEN);
        b.extend_from_slice(&SIG_ALG);
        b.extend_from_slice(&self.key_id.0);
        b.extend_from_slice(&self.key);
        B64.encode(b)
    }

    /// The `.pub` file text, as `minisign -G` writes it.
    pub fn to_file_text(&self) -> String {
        format!("untrusted comment: minisign public key {}\n{}\n", self.key_id, self.to_base64())
    }

    /// Checks an Ed25519 signature over `message` (no prehashing).
    pub fn verify_ed25519(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.verify_ed25519_parts(&[message], signature)
    }

    /// [`PublicKey::verify_ed25519`] over the concatenation of `parts`
    /// (hashed in turn, never copied into one message).
    pub fn verify_ed25519_parts(&self, parts: &[&[u8]], signature: &[u8; 64]) -> bool {
        let pk = ed25519_compact::PublicKey::new(self.key);
        let Ok(mut st) = pk.verify_incremental(&ed25519_compact::Signature::new(*signature)) else {
            return false;
        };
        for p in parts {
            st.absorb(p);
        }
        st.verify().is_ok()
    }
}

fn read_text(path: &Path) -> Result<String, KeyError> {
    let bytes = vouch_manifests::tree::fsutil::read_bounded(
        path,
        vouch_manifests::tree::fsutil::MAX_SMALL_FILE_BYTES,
        vouch_manifests::tree::fsutil::Symlinks::FollowOnce,
    )
    .map_err(|source| KeyError::Read { path: path.to_path_buf(), source })?;
    String::from_utf8(bytes).map_err(|_| KeyError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// How a secret key file is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Encrypted with a password (scrypt, as `minisign -G`).
    Encrypted,
    /// Not encrypted (as `minisign -G -W`).
    Unencrypted,
}

/// The scrypt work factors of an encrypted secret key, as libsodium derives
/// them from the stored opslimit and memlimit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ScryptParams {
    pub log_n: u8,
    pub r: u32,
    pub p: u32,
}

/// libsodium's `pickparams` for scryptsalsa208sha256.
fn pick_params(opslimit: u64, memlimit: u64) -> ScryptParams {
    let opslimit = opslimit.max(32768);
    let r: u32 = 8;
    let log_n_for = |max_n: u64| {
        let mut log_n: u8 = 1;
        while log_n < 63 {
            if (1u64 << log_n) > max_n / 2 {
                break;
            }
            log_n += 1;
        }
        log_n
    };
    if opslimit < memlimit / 32 {
        let log_n = log_n_for(opslimit / (u64::from(r) * 4));
        ScryptParams { log_n, r, p: 1 }
    } else {
        let log_n = log_n_for(memlimit / (u64::from(r) * 128));
        let max_rp = ((opslimit / 4) >> log_n).min(0x3fff_ffff);
        ScryptParams { log_n, r, p: (max_rp as u32) / r }
    }
}

/// A secret key file, parsed but not decrypted.
#[derive(Clone)]
pub struct SecretKeyFile {
    what: String,
    comment: Option<String>,
    raw: [u8; SECRET_KEY_LEN],
}

impl fmt::Debug for SecretKeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKeyFile({}, {:?})", self.what, self.protection())
    }
}

impl SecretKeyFile {
    /// Parses a secret key file's text; `what` names it in errors.
    pub fn parse(text: &str, what: &str) -> Result<SecretKeyFile, KeyError> {
        let bad = |detail: &str| KeyError::BadSecret { what: what.to_string(), detail: detail.to_string() };
        let (comment, line) =
            key_line(text).ok_or_else(|| bad("expected an `untrusted comment:` line and one base64 line"))?;
        let bytes = B64.decode(line).map_err(|source| KeyError::SecretBase64 { what: what.to_string(), source })?;
        if bytes.len() != SECRET_KEY_LEN {
            return Err(bad(&format!("{} bytes, expected {SECRET_KEY_LEN}", bytes.len())));
        }
        let mut raw = [0u8; SECRET_KEY_LEN];
        raw.copy_from_slice(&bytes);
        if raw[0..2] != SIG_ALG {
            return Err(bad("unsupported signature algorithm"));
        }
        if raw[2..4] != KDF_SCRYPT && raw[2..4] != KDF_NONE {
            return Err(bad("unsupported key derivation algorithm"));
        }
        if raw[4..6] != CHK_ALG {
            return Err(bad("unsupported checksum algorithm"));
        }
        Ok(SecretKeyFile { what: what.to_string(), comment: comment.map(str::to_string), raw })
    }

    /// Reads a secret key file.
    pub fn read(path: &Path) -> Result<SecretKeyFile, KeyError> {
        let text = read_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Whether a password is needed.
    pub fn protection(&self) -> Protection {
        if self.raw[2..4] == KDF_SCRYPT { Protection::Encrypted } else { Protection::Unencrypted }
    }

    /// The untrusted comment line, if any.
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    fn limits(&self) -> (u64, u64) {
        let ops = u64::from_le_bytes(self.raw[38..46].try_into().unwrap_or([0; 8]));
        let mem = u64::from_le_bytes(self.raw[46..54].try_into().unwrap_or([0; 8]));
        (ops, mem)
    }

    /// The scrypt work factors, for an encrypted key.
    pub fn scrypt_params(&self) -> Option<ScryptParams> {
        (self.protection() == Protection::Encrypted).then(|| {
            let (ops, mem) = self.limits();
            pick_params(ops, mem)
        })
    }

    /// The key id, when it can be read without the password.
    pub fn key_id(&self) -> Option<KeyId> {
        (self.protection() == Protection::Unencrypted).then(|| KeyId(self.raw[54..62].try_into().unwrap_or([0; 8])))
    }

    /// Decrypts (if encrypted) and checks the key. `password` is ignored for
    /// an unencrypted key.
    pub fn decrypt(&self, password: Option<&[u8]>) -> Result<SecretKey, KeyError> {
        let what = || self.what.clone();
        let mut inner = [0u8; 8 + 64 + 32];
        inner.copy_from_slice(&self.raw[54..]);
        let encrypted = self.protection() == Protection::Encrypted;
        if encrypted {
            let password = password.ok_or_else(|| KeyError::PasswordNeeded { what: what() })?;
            if password.len() > PASSWORD_MAX_BYTES {
                return Err(KeyError::PasswordTooLong);
            }
            let (ops, mem) = self.limits();
            let p = pick_params(ops, mem);
            if mem > MEMLIMIT_MAX || p.log_n > N_LOG2_MAX || p.p > 16 {
                return Err(KeyError::BadSecret { what: what(), detail: "scrypt parameters too high".into() });
            }
            let stream = scrypt_stream(password, &self.raw[6..38], p)
                .map_err(|source| KeyError::Scrypt { what: what(), source })?;
            for (b, s) in inner.iter_mut().zip(stream.iter()) {
                *b ^= s;
            }
        }
        let key_id = KeyId(inner[0..8].try_into().unwrap_or([0; 8]));
        let sk: [u8; 64] = inner[8..72].try_into().unwrap_or([0; 64]);
        let chk = &inner[72..104];
        let want = checksum(&key_id, &sk);
        if encrypted {
            if chk != want {
                return Err(KeyError::WrongPassword { what: what() });
            }
        } else if chk != want && chk.iter().any(|&b| b != 0) {
            // minisign -W writes an all-zero checksum; anything else must match.
            return Err(KeyError::Corrupted { what: what(), detail: "checksum mismatch".into() });
        }
        let seed = ed25519_compact::Seed::from_slice(&sk[..32])
            .map_err(|_| KeyError::Corrupted { what: what(), detail: "bad seed".into() })?;
        let kp = ed25519_compact::KeyPair::try_from_seed(seed)
            .map_err(|_| KeyError::Corrupted { what: what(), detail: "all-zero seed".into() })?;
        if kp.pk.as_ref() != &sk[32..] {
            return Err(KeyError::Corrupted { what: what(), detail: "its public half does not match its seed".into() });
        }
        Ok(SecretKey { key_id, keypair: kp, protection: self.protection() })
    }
}

/// Why the scrypt key stream cannot be made. (scrypt's errors implement
/// `std::error::Error` only with its `std` feature, which is off: they are
/// held, and shown, but are no `source`.)
#[derive(Debug, thiserror::Error)]
pub enum ScryptError {
    #[error("bad scrypt parameters ({0})")]
    Params(scrypt::errors::InvalidParams),
    #[error("scrypt failed ({0})")]
    Output(scrypt::errors::InvalidOutputLen),
}

fn scrypt_stream(password: &[u8], salt: &[u8], p: ScryptParams) -> Result<[u8; 104], ScryptError> {
    // `len` is only checked by `Params::new` (10..=64); the output length is
    // the buffer's, as the minisign crate also relies on.
    let params = scrypt::Params::new(p.log_n, p.r, p.p, 64).map_err(ScryptError::Params)?;
    let mut out = [0u8; 104];
    scrypt::scrypt(password, salt, &params, &mut out).map_err(ScryptError::Output)?;
    Ok(out)
}

fn checksum(key_id: &KeyId, sk: &[u8; 64]) -> [u8; 32] {
    let mut h = Blake2bVar::new(32).expect("32 is a valid BLAKE2b output length");
    h.update(&SIG_ALG);
    h.update(&key_id.0);
    h.update(sk);
    let mut out = [0u8; 32];
    h.finalize_variable(&mut out).expect("output length matches");
    out
}

/// How to store a secret key.
#[derive(Debug, Clone, Copy)]
pub enum Encryption<'a> {
    /// Encrypt with this password, with minisign's scrypt parameters.
    Password(&'a [u8]),
    /// Store unencrypted, as `minisign -G -W` does.
    None,
}

/// Whether an existing key file may be replaced.
pub use vouch_manifests::tree::fsutil::Existing as Overwrite;

/// A decrypted minisign secret key.
#[derive(Clone)]
pub struct SecretKey {
    key_id: KeyId,
    keypair: ed25519_compact::KeyPair,
    protection: Protection,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.key_id)
    }
}

impl SecretKey {
    /// A new random key pair.
    pub fn generate() -> Result<SecretKey, KeyError> {
        let seed = ed25519_compact::Seed::new(random_bytes::<32>()?);
        let keypair = ed25519_compact::KeyPair::try_from_seed(seed).map_err(KeyError::Seed)?;
        Ok(SecretKey { key_id: KeyId(random_bytes::<8>()?), keypair, protection: Protection::Unencrypted })
    }

    /// Reads a secret key file and decrypts it with `password` if it is encrypted.
    pub fn read(path: &Path, password: Option<&[u8]>) -> Result<SecretKey, KeyError> {
        SecretKeyFile::read(path)?.decrypt(password)
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// How the key was stored when it was read (a new key: unencrypted).
    pub fn protection(&self) -> Protection {
        self.protection
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.keypair.pk.as_ref());
        PublicKey { key_id: self.key_id, key }
    }

    /// An Ed25519 signature of `message` (deterministic, RFC 8032; no prehashing).
    pub fn sign_ed25519(&self, message: &[u8]) -> [u8; 64] {
        *self.keypair.sk.sign(message, None)
    }

    /// The secret key file's text, encrypted or not.
    pub fn to_file_text(&self, encryption: Encryption<'_>) -> Result<String, KeyError> {
        let mut raw = Vec::with_capacity(SECRET_KEY_LEN);
        let mut inner = Vec::with_capacity(104);
        inner.extend_from_slice(&self.key_id.0);
        inner.extend_from_slice(self.keypair.sk.as_ref());
        let comment = match encryption {
            Encryption::None => {
                raw.extend_from_slice(&SIG_ALG);
                raw.extend_from_slice(&KDF_NONE);
                raw.extend_from_slice(&CHK_ALG);
                raw.extend_from_slice(&[0u8; 32 + 8 + 8]);
                // As minisign -G -W: the checksum is left all zero.
                inner.extend_from_slice(&[0u8; 32]);
                "minisign unencrypted secret key"
            }
            Encryption::Password(pw) => {
                if pw.len() > PASSWORD_MAX_BYTES {
                    return Err(KeyError::PasswordTooLong);
                }
                let salt = random_bytes::<32>()?;
                raw.extend_from_slice(&SIG_ALG);
                raw.extend_from_slice(&KDF_SCRYPT);
                raw.extend_from_slice(&CHK_ALG);
                raw.extend_from_slice(&salt);
                raw.extend_from_slice(&OPSLIMIT.to_le_bytes());
                raw.extend_from_slice(&MEMLIMIT.to_le_bytes());
                let sk: [u8; 64] = self.keypair.sk.as_ref().try_into().unwrap_or([0; 64]);
                inner.extend_from_slice(&checksum(&self.key_id, &sk));
                let stream = scrypt_stream(pw, &salt, pick_params(OPSLIMIT, MEMLIMIT))
                    .map_err(|source| KeyError::Scrypt { what: format!("{}", self.key_id), source })?;
                for (b, s) in inner.iter_mut().zip(stream.iter()) {
                    *b ^= s;
                }
                "minisign encrypted secret key"
            }
        };
        raw.extend_from_slice(&inner);
        Ok(format!("untrusted comment: {comment}\n{}\n", B64.encode(&raw)))
    }

    /// Writes `NAME.key` (mode 0600) and `NAME.pub` into `dir`, atomically.
    /// Refuses to replace either file unless `overwrite` is [`Overwrite::Replace`].
    pub fn write_pair(
        &self,
        dir: &Path,
        name: &str,
        encryption: Encryption<'_>,
        overwrite: Overwrite,
    ) -> Result<KeyPairPaths, KeyError> {
        use vouch_manifests::tree::fsutil::write_atomic_with;
        let paths = KeyPairPaths { public: dir.join(format!("{name}.pub")), secret: dir.join(format!("{name}.key")) };
        if overwrite == Overwrite::Refuse {
            for p in [&paths.secret, &paths.public] {
                if p.symlink_metadata().is_ok() {
                    return Err(KeyError::Exists { path: p.clone() });
                }
            }
        }
        let existing = overwrite;
        let secret = self.to_file_text(encryption)?;
        write_atomic_with(&paths.secret, secret.as_bytes(), Some(0o600), existing)?;
        write_atomic_with(&paths.public, self.public_key().to_file_text().as_bytes(), Some(0o644), existing)?;
        Ok(paths)
    }
}

/// Where [`SecretKey::write_pair`] wrote a key pair.
#[derive(Debug, Clone)]
pub struct KeyPairPaths {
    pub public: PathBuf,
    pub secret: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_hex_is_minisign_form() {
        let id = KeyId([0x34, 0x5a, 0x4d, 0x20, 0xb7, 0xf4, 0x12, 0xf5]);
        assert_eq!(id.hex(), "F512F4B7204D5A34");
        assert_eq!(KeyId::from_hex("f512f4b7204d5a34"), Some(id));
        assert_eq!(KeyId::from_hex("F512"), None);
    }

    #[test]
    fn minisign_w_key_loads() {
        // Made by `minisign -G -W` 0.11: all-zero checksum.
        let sk = "untrusted comment: minisign encrypted secret key\nRWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAANFpNILf0EvWAX2JnkasctYG9O0Fl5kFK0zdIJwjT3UtcBVa6rzEpx1LAAJ9h8nYTFzaSGj2NzJ1fTP6+ZxeXMqutXzz2nFdmAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let pk = "untrusted comment: minisign public key F512F4B7204D5A34\nRWQ0Wk0gt/QS9VLAAJ9h8nYTFzaSGj2NzJ1fTP6+ZxeXMqutXzz2nFdm\n";
        let file = SecretKeyFile::parse(sk, "w.key").unwrap();
        assert_eq!(file.protection(), Protection::Unencrypted);
        let key = file.decrypt(None).unwrap();
        let public = PublicKey::parse(pk, "w.pub").unwrap();
        assert_eq!(key.public_key(), public);
        assert_eq!(public.key_id_hex(), "F512F4B7204D5A34");
        assert_eq!(public.to_file_text(), pk);
    }

    #[test]
    fn unencrypted_round_trip_and_corruption() {
        let key = SecretKey::generate().unwrap();
        let text = key.to_file_text(Encryption::None).unwrap();
        let back = SecretKeyFile::parse(&text, "k").unwrap().decrypt(None).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        // Flip one byte of the seed: the public half no longer matches.
        let line = text.lines().nth(1).unwrap();
        let mut raw = B64.decode(line).unwrap();
        raw[62] ^= 1;
        let bad = format!("untrusted comment: x\n{}\n", B64.encode(&raw));
        let err = SecretKeyFile::parse(&bad, "k").unwrap().decrypt(None).unwrap_err();
        assert!(matches!(err, KeyError::Corrupted { .. }), "{err}");
    }

    #[test]
    fn params_match_minisign() {
        assert_eq!(pick_params(OPSLIMIT, MEMLIMIT), ScryptParams { log_n: 20, r: 8, p: 1 });
        // The rust minisign crate's defaults.
        assert_eq!(pick_params(1_048_576, 33_554_432), ScryptParams { log_n: 15, r: 8, p: 1 });
    }

    #[test]
    fn bad_inputs_name_the_file() {
        for text in ["", "untrusted comment: x\n", "untrusted comment: x\n!!!\n", "RWQ=\n", "a\nb\nc\n"] {
            let e = PublicKey::parse(text, "k.pub").unwrap_err().to_string();
            assert!(e.contains("k.pub"), "{e}");
            let e = SecretKeyFile::parse(text, "k.key").unwrap_err().to_string();
            assert!(e.contains("k.key"), "{e}");
        }
    }
}
