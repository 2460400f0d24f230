//! The key workflows over [`crate::keys`]: make a new key pair in a folder,
//! and tell what a key file holds (public or secret, its id when it can be
//! known, how it is protected) without needing its password.

use crate::keys::SecretKeyFile;
use crate::keys::{Encryption, KeyError, KeyPairPaths, Overwrite, Protection, PublicKey, ScryptParams, SecretKey};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot create {}", .path.display())]
    Mkdir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read key {what}")]
    Read {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("key {what} is not UTF-8 text")]
    NotText {
        what: String,
        #[source]
        source: std::string::FromUtf8Error,
    },
    #[error(
        "{what} is not a minisign key: as a public key: {}; as a secret key: {}",
        vouch_manifests::error_chain(public.as_ref()),
        vouch_manifests::error_chain(secret.as_ref())
    )]
    NotAKey { what: String, public: Box<KeyError>, secret: Box<KeyError> },
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Makes a new key pair `<name>.key` and `<name>.pub` in `dir` (created as
/// needed).
pub fn generate_pair(
    dir: &Path,
    name: &str,
    encryption: Encryption<'_>,
    overwrite: Overwrite,
) -> Result<(SecretKey, KeyPairPaths), KeyFileError> {
    std::fs::create_dir_all(dir).map_err(|source| KeyFileError::Mkdir { path: dir.to_path_buf(), source })?;
    let key = SecretKey::generate()?;
    let paths = key.write_pair(dir, name, encryption, overwrite)?;
    Ok((key, paths))
}

/// What a key file holds.
#[derive(Debug)]
pub enum KeyFile {
    Public(PublicKey),
    Secret(SecretKeyFile),
}

/// A key file, read and parsed (a secret key not yet decrypted).
#[derive(Debug)]
pub struct InspectedKey {
    /// The file, for messages.
    pub file: String,
    /// Its first line's untrusted comment.
    pub comment: Option<String>,
    pub key: KeyFile,
}

/// What `vouch key show` reports (its JSON form).
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub file: String,
    /// `public` or `secret`.
    pub kind: &'static str,
    pub algorithm: &'static str,
    /// `None` for an encrypted secret key whose password was not given.
    pub key_id: Option<String>,
    pub public_key: Option<String>,
    pub protection: Option<Protection>,
    pub scrypt: Option<ScryptParams>,
    pub comment: Option<String>,
}

const ALGORITHM: &str = "Ed25519 (minisign)";

impl InspectedKey {
    /// Reads and parses `path` as a public key, else as a secret key.
    pub fn read(path: &Path) -> Result<InspectedKey, KeyFileError> {
        let what = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| KeyFileError::Read { what: what.clone(), source })?;
        let text = String::from_utf8(bytes).map_err(|source| KeyFileError::NotText { what: what.clone(), source })?;
        let comment = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("untrusted comment: "))
            .map(|c| c.trim_end_matches('\r').to_string());
        let key = match PublicKey::parse(&text, &what) {
            Ok(pk) => KeyFile::Public(pk),
            Err(public) => KeyFile::Secret(SecretKeyFile::parse(&text, &what).map_err(|secret| {
                KeyFileError::NotAKey { what: what.clone(), public: Box::new(public), secret: Box::new(secret) }
            })?),
        };
        Ok(InspectedKey { file: what, comment, key })
    }

    /// The report; `secret` is the decrypted secret key, when known (an
    /// unencrypted one is decrypted here).
    pub fn info(&self, secret: Option<&SecretKey>) -> Result<KeyInfo, KeyFileError> {
        Ok(match &self.key {
            KeyFile::Public(pk) => KeyInfo {
                file: self.file.clone(),
                kind: "public",
                algorithm: ALGORITHM,
                key_id: Some(pk.key_id_hex()),
                public_key: Some(pk.to_base64()),
                protection: None,
                scrypt: None,
                comment: self.comment.clone(),
            },
            KeyFile::Secret(file) => {
                let plain = match (secret, file.protection()) {
                    (None, Protection::Unencrypted) => Some(file.decrypt(None)?),
                    _ => None,
                };
                let key = secret.or(plain.as_ref());
                KeyInfo {
                    file: self.file.clone(),
                    kind: "secret",
                    algorithm: ALGORITHM,
                    key_id: key.map(|k| k.key_id().hex()),
                    public_key: key.map(|k| k.public_key().to_base64()),
                    protection: Some(file.protection()),
                    scrypt: file.scrypt_params(),
                    comment: file.comment().map(str::to_string),
                }
            }
        })
    }
}
