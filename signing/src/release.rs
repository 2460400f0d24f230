//! Signing a release bundle as `vouch release` assembles it: the manifest
//! signature under `signatures/<KEYID>.minisig` and the in-toto/SLSA
//! provenance in a DSSE envelope, `provenance.dsse.json`, both by the release
//! key.

use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::SecretKey;
use crate::manifest_sig::{SigningTime, sign_bundle};
use std::path::Path;
use vouch_manifests::model::manifest::Manifest;
use vouch_manifests::{Digest, model::provenance};

/// The file name of the provenance envelope in a bundle.
pub const PROVENANCE_FILE: &str = "provenance.dsse.json";

/// The builder id recorded in provenance made with `key`.
pub fn builder_id(key: &SecretKey) -> String {
    format!("urn:vouch:release-key:{}", key.key_id())
}

/// Signs a bundle being assembled by `vouch release`.
pub struct ReleaseSigner<'a> {
    pub key: &'a SecretKey,
    pub time: SigningTime,
    /// The release log to append the release to (its proof goes into the
    /// bundle before it is archived).
    pub log: Option<ReleaseLog<'a>>,
}

/// A release log and its key.
pub struct ReleaseLog<'a> {
    pub dir: &'a Path,
    pub key: &'a SecretKey,
}

impl vouch_manifests::build::release::BundleSigner for ReleaseSigner<'_> {
    fn sign(
        &self,
        dir: &Path,
        manifest: &Manifest,
        manifest_bytes: &[u8],
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        sign_bundle(dir, self.key, self.time)?;
        let statement = provenance::statement(manifest, &Digest::of(manifest_bytes), &builder_id(self.key));
        let body = vouch_manifests::model::canonical::to_vec(&statement)?;
        let env = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &body, self.key);
        let path = dir.join(PROVENANCE_FILE);
        vouch_manifests::tree::fsutil::write_atomic(&path, &env.to_json(), None)?;
        if let Some(log) = &self.log {
            crate::log::append(log.dir, log.key, &[dir.to_path_buf()])?;
        }
        Ok(())
    }
}

/// Reads a bundle's provenance envelope; `None` when the bundle has none.
pub fn read_provenance(bundle: &Path) -> Result<Option<(Vec<u8>, Envelope)>, ProvenanceError> {
    let path = bundle.join(PROVENANCE_FILE);
    let bytes = match vouch_manifests::tree::fsutil::read_bounded(
        &path,
        vouch_manifests::tree::fsutil::MAX_DOCUMENT_BYTES,
        vouch_manifests::tree::fsutil::Symlinks::Refuse,
    ) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ProvenanceError::Read { path, source }),
    };
    let env = Envelope::from_slice(&bytes, &path.display().to_string())?;
    Ok(Some((bytes, env)))
}

#[derive(Debug, thiserror::Error)]
pub enum ProvenanceError {
    #[error("cannot read {path}")]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Dsse(#[from] crate::dsse::DsseError),
}
