//! Signed rebuild reports: `reports/<KEYID>.json` (canonical JSON) and its
//! minisign signature `reports/<KEYID>.json.minisig` in a bundle, written by
//! an independent rebuilder. The trust policy's `builder` role counts them
//! (see [`crate::verify`]).

use crate::keys::SecretKey;
use crate::manifest_sig::SigningTime;
use crate::sig;
use std::path::{Path, PathBuf};
use vouch_manifests::build::rebuild::RebuildReport;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot create {path}")]
    Mkdir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Canonical(#[from] vouch_manifests::model::canonical::CanonicalError),
    #[error("cannot sign {path}")]
    Sign {
        path: PathBuf,
        #[source]
        source: sig::SignError,
    },
    #[error(transparent)]
    Write(#[from] vouch_manifests::tree::fsutil::WriteError),
    #[error("cannot write a report into {path}")]
    NotWritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Checks, before a rebuild, that [`write_signed_report`] will be able to
/// write into `bundle/reports/` (or create it), leaving nothing behind.
pub fn check_writable(bundle: &Path) -> Result<(), ReportError> {
    let dir = bundle.join("reports");
    let probe_in = if std::fs::symlink_metadata(&dir).is_ok() { dir } else { bundle.to_path_buf() };
    match std::fs::symlink_metadata(&probe_in) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(ReportError::NotWritable {
                path: probe_in,
                source: std::io::Error::other("it is not a folder"),
            });
        }
        Err(source) => return Err(ReportError::NotWritable { path: probe_in, source }),
    }
    tempfile::Builder::new()
        .prefix(".vouch-probe-")
        .tempfile_in(&probe_in)
        .map(drop)
        .map_err(|source| ReportError::NotWritable { path: probe_in, source })
}

/// What [`write_signed_report`] wrote.
#[derive(Debug, Clone)]
pub struct SignedReport {
    pub report: PathBuf,
    pub signature: PathBuf,
}

/// Writes `report` into `bundle/reports/` signed by `key` (replacing this
/// key's earlier report; other rebuilders' files are left alone).
pub fn write_signed_report(
    bundle: &Path,
    report: &RebuildReport,
    key: &SecretKey,
    time: SigningTime,
) -> Result<SignedReport, ReportError> {
    let dir = bundle.join("reports");
    std::fs::create_dir_all(&dir).map_err(|source| ReportError::Mkdir { path: dir.clone(), source })?;
    let name = format!("{}.json", key.key_id());
    let path = dir.join(&name);
    let bytes = vouch_manifests::model::canonical::to_vec(report)?;
    let comment = sig::default_trusted_comment(time.unix(), &name);
    let signature =
        sig::sign(key, &bytes, &comment, None).map_err(|source| ReportError::Sign { path: path.clone(), source })?;
    let sig_path = dir.join(format!("{name}.minisig"));
    // The report, then its signature: in between, a stale signature beside
    // the new report fails to verify, so a half-written pair never counts.
    vouch_manifests::tree::fsutil::write_atomic(&path, &bytes, None)?;
    vouch_manifests::tree::fsutil::write_atomic(&sig_path, signature.to_text().as_bytes(), None)?;
    Ok(SignedReport { report: path, signature: sig_path })
}
