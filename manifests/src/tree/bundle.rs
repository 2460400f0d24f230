//! Opening a release bundle: a directory `<name>-<version>/`, or its `.tar`
//! extracted only into a private temporary directory (removed on drop).

use crate::model::digest::Digest;
use crate::model::manifest::{Manifest, ManifestError};
use std::path::{Path, PathBuf};

/// An opened bundle. Keep it alive while using `dir`: for an archive, the
/// extracted copy is removed when it is dropped.
#[derive(Debug)]
pub struct OpenBundle {
    /// The bundle directory.
    pub dir: PathBuf,
    /// What the user named (directory or archive).
    pub origin: PathBuf,
    pub manifest: Manifest,
    /// The exact bytes of `manifest.json`.
    pub manifest_bytes: Vec<u8>,
    pub manifest_digest: Digest,
    _tmp: Option<tempfile::TempDir>,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("bundle {path} does not exist")]
    Missing { path: PathBuf },
    #[error("{path} is not a bundle: expected a directory with manifest.json or a .tar archive")]
    NotABundle { path: PathBuf },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Archive(#[from] crate::tree::archive::ArchiveError),
    #[error("bundle folder {folder:?} does not match its manifest's {expected:?}")]
    Name { folder: String, expected: String },
}

impl OpenBundle {
    /// Opens a bundle directory or archive. A bundle whose folder name is
    /// not `<name>-<version>` of its manifest is refused.
    pub fn open(path: &Path) -> Result<OpenBundle, BundleError> {
        let meta = std::fs::metadata(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                BundleError::Missing { path: path.to_path_buf() }
            } else {
                BundleError::Read { path: path.to_path_buf(), source: e }
            }
        })?;
        let (dir, tmp) = if meta.is_dir() {
            (path.to_path_buf(), None)
        } else if meta.is_file() {
            let tmp = tempfile::Builder::new()
                .prefix("vouch-bundle-")
                .tempdir()
                .map_err(|source| BundleError::Read { path: std::env::temp_dir(), source })?;
            let dir = crate::tree::archive::extract_bundle(path, tmp.path())?;
            (dir, Some(tmp))
        } else {
            return Err(BundleError::NotABundle { path: path.to_path_buf() });
        };
        let mpath = dir.join("manifest.json");
        if std::fs::symlink_metadata(&mpath).is_err() {
            return Err(BundleError::NotABundle { path: path.to_path_buf() });
        }
        let bytes = crate::tree::fsutil::read_bounded(
            &mpath,
            crate::tree::fsutil::MAX_MANIFEST_BYTES,
            crate::tree::fsutil::Symlinks::Refuse,
        )
        .map_err(|source| BundleError::Read { path: mpath.clone(), source })?;
        let shown = if tmp.is_some() { path.join("manifest.json") } else { mpath.clone() };
        let manifest = Manifest::from_slice(&bytes, &shown)?;
        let folder = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if folder != manifest.bundle_name() {
            return Err(BundleError::Name { folder, expected: manifest.bundle_name() });
        }
        Ok(OpenBundle {
            dir,
            origin: path.to_path_buf(),
            manifest_digest: Digest::of(&bytes),
            manifest,
            manifest_bytes: bytes,
            _tmp: tmp,
        })
    }
}
