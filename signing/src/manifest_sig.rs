//! Manifest signatures: the pinned trusted comment, its binding to
//! `manifest.json`, and signing a bundle directory.
//!
//! A bundle's `signatures/<KEYID>.minisig` is a minisign signature of the
//! bundle's `manifest.json` whose trusted comment is, tab-separated and in
//! this order:
//!
//! ```text
//! timestamp:<unix seconds>  file:manifest.json  vouch:v1  project:<name>  version:<version>  sha256:<hex of manifest.json>
//! ```
//!
//! The timestamp is the real signing time (overridable for tests). The
//! trusted comment is covered by the global signature, so a verified
//! signature binds the key to that project, version and manifest digest;
//! [`ManifestComment::check_binding`] checks they match the bytes at hand.

use crate::keys::{KeyId, PublicKey, SecretKey};
use crate::sig::{self, Legacy, SigParseError, Signature, VerifyError};
use std::fmt;
use std::path::{Path, PathBuf};
use vouch_manifests::{Digest, Manifest};

/// The manifest's file name in a bundle.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The folder of manifest signatures in a bundle.
pub const SIGNATURES_DIR: &str = "signatures";
/// The `vouch:` field of the trusted comment.
pub const COMMENT_VERSION: &str = "v1";

/// The parsed trusted comment of a manifest signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ManifestComment {
    /// Unix seconds, the signing time the signer claims.
    pub timestamp: i64,
    pub project: String,
    pub version: String,
    /// SHA-256 of the signed `manifest.json`.
    pub sha256: Digest,
}

/// A trusted comment that is not the pinned manifest form.
#[derive(Debug, thiserror::Error)]
#[error("trusted comment {comment:?} is not a vouch manifest comment{}{detail}", if detail.is_empty() { "" } else { ": " })]
pub struct CommentError {
    pub comment: String,
    /// Why, when there is no `source` to say it (else empty).
    pub detail: String,
    /// The error of the field that does not parse, when there is one.
    #[source]
    pub source: Option<CommentCause>,
}

/// A trusted comment field that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum CommentCause {
    #[error(transparent)]
    Timestamp(#[from] sig::TimestampError),
    #[error(transparent)]
    Name(#[from] vouch_manifests::model::name::NameError),
    #[error(transparent)]
    Digest(#[from] vouch_manifests::model::digest::DigestParseError),
}

/// The signed comment does not describe the manifest at hand.
#[derive(Debug, thiserror::Error)]
pub enum BindingError {
    #[error("{manifest} has digest {actual}, but the signature's trusted comment says {signed}")]
    Digest { manifest: String, signed: Digest, actual: Digest },
    #[error("{manifest} is project {actual:?}, but the signature's trusted comment says {signed:?}")]
    Project { manifest: String, signed: String, actual: String },
    #[error("{manifest} is version {actual:?}, but the signature's trusted comment says {signed:?}")]
    Version { manifest: String, signed: String, actual: String },
}

impl ManifestComment {
    /// The comment for signing `manifest_bytes` of `project`/`version` at `timestamp`.
    pub fn new(manifest_bytes: &[u8], project: &str, version: &str, timestamp: i64) -> Self {
        ManifestComment {
            timestamp,
            project: project.to_string(),
            version: version.to_string(),
            sha256: Digest::of(manifest_bytes),
        }
    }

    /// Parses the pinned form: exactly these six fields, in order.
    pub fn parse(comment: &str) -> Result<Self, CommentError> {
        let bad =
            |detail: &str| CommentError { comment: comment.to_string(), detail: detail.to_string(), source: None };
        let cause = |e: CommentCause| CommentError { source: Some(e), ..bad("") };
        let fields = sig::TrustedComment::parse(comment).fields;
        let names = ["timestamp", "file", "vouch", "project", "version", "sha256"];
        if fields.len() != names.len() {
            return Err(bad("expected 6 tab-separated fields: timestamp, file, vouch, project, version, sha256"));
        }
        let mut values = Vec::with_capacity(6);
        for ((key, value), name) in fields.iter().zip(names) {
            if *key != name {
                let field = if key.is_empty() { value.to_string() } else { format!("{key}:{value}") };
                return Err(bad(&format!("expected `{name}:` in field {field:?}")));
            }
            values.push(*value);
        }
        let timestamp = sig::signing_time(comment).map_err(|e| cause(e.into()))?;
        if values[0] != timestamp.to_string() {
            return Err(bad("timestamp is not written in its one decimal form (a leading zero)"));
        }
        if values[1] != MANIFEST_FILE {
            return Err(bad("file is not manifest.json"));
        }
        if values[2] != COMMENT_VERSION {
            return Err(bad("unsupported vouch comment version"));
        }
        vouch_manifests::model::name::check("project name", values[3]).map_err(|e| cause(e.into()))?;
        vouch_manifests::model::name::check("version", values[4]).map_err(|e| cause(e.into()))?;
        let sha256 = Digest::from_hex(values[5]).map_err(|e| cause(e.into()))?;
        Ok(ManifestComment { timestamp, project: values[3].to_string(), version: values[4].to_string(), sha256 })
    }

    /// Whether a trusted comment claims to be a vouch manifest comment (it
    /// has a `vouch:` field), so that it must then parse.
    pub fn is_claimed(comment: &str) -> bool {
        sig::TrustedComment::parse(comment).get("vouch").is_some()
    }

    /// Checks that this comment describes `manifest_bytes`, whose parsed
    /// form is `manifest`; `what` names the manifest in errors.
    pub fn check_binding(&self, manifest_bytes: &[u8], manifest: &Manifest, what: &str) -> Result<(), BindingError> {
        let actual = Digest::of(manifest_bytes);
        if actual != self.sha256 {
            return Err(BindingError::Digest { manifest: what.into(), signed: self.sha256, actual });
        }
        if manifest.project.name != self.project {
            return Err(BindingError::Project {
                manifest: what.into(),
                signed: self.project.clone(),
                actual: manifest.project.name.to_string(),
            });
        }
        if manifest.project.version != self.version {
            return Err(BindingError::Version {
                manifest: what.into(),
                signed: self.version.clone(),
                actual: manifest.project.version.to_string(),
            });
        }
        Ok(())
    }
}

impl fmt::Display for ManifestComment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timestamp:{}\tfile:{MANIFEST_FILE}\tvouch:{COMMENT_VERSION}\tproject:{}\tversion:{}\tsha256:{}",
            self.timestamp,
            self.project,
            self.version,
            self.sha256.hex()
        )
    }
}

/// Why a manifest signature does not hold.
#[derive(Debug, thiserror::Error)]
pub enum ManifestSigError {
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error("signature {what}")]
    Comment {
        what: String,
        #[source]
        source: CommentError,
    },
    #[error(transparent)]
    Binding(#[from] BindingError),
    #[error("{what} is not a valid manifest, though signed")]
    Manifest {
        what: String,
        #[source]
        source: vouch_manifests::model::manifest::ManifestError,
    },
}

/// Verifies a manifest signature over `manifest_bytes` with `key`: the
/// minisign signature, the pinned trusted comment, and the comment's digest
/// against the bytes (project and version are for [`ManifestComment::check_binding`]).
///
/// When the bytes changed, the error names both digests: the trusted
/// comment is still authentic (its global signature verifies), so its
/// `sha256` is what the signer signed. `what` names the signature,
/// `manifest_what` the manifest.
pub fn verify_manifest_bytes(
    signature: &Signature,
    key: &PublicKey,
    manifest_bytes: &[u8],
    legacy: Legacy,
    what: &str,
    manifest_what: &str,
) -> Result<ManifestComment, ManifestSigError> {
    let comment = || {
        ManifestComment::parse(&signature.trusted_comment)
            .map_err(|source| ManifestSigError::Comment { what: what.into(), source })
    };
    // The signed digest against the manifest's, naming both.
    let digest_matches = |c: &ManifestComment| -> Result<(), ManifestSigError> {
        let actual = Digest::of(manifest_bytes);
        if actual != c.sha256 {
            return Err(BindingError::Digest { manifest: manifest_what.into(), signed: c.sha256, actual }.into());
        }
        Ok(())
    };
    if let Err(e) = signature.verify(key, manifest_bytes, legacy, what, manifest_what) {
        if matches!(e, VerifyError::BadSignature { .. })
            && signature.verify_trusted_comment(key, what).is_ok()
            && let Ok(c) = comment()
        {
            digest_matches(&c)?;
        }
        return Err(e.into());
    }
    let c = comment()?;
    digest_matches(&c)?;
    Ok(c)
}

/// [`verify_manifest_bytes`], then parses the manifest and checks the
/// signed project and version against it.
pub fn verify_manifest_signature(
    signature: &Signature,
    key: &PublicKey,
    manifest_bytes: &[u8],
    legacy: Legacy,
    what: &str,
    manifest_what: &Path,
) -> Result<(ManifestComment, Manifest), ManifestSigError> {
    let mwhat = manifest_what.display().to_string();
    let comment = verify_manifest_bytes(signature, key, manifest_bytes, legacy, what, &mwhat)?;
    let manifest = Manifest::from_slice(manifest_bytes, manifest_what)
        .map_err(|source| ManifestSigError::Manifest { what: mwhat.clone(), source })?;
    comment.check_binding(manifest_bytes, &manifest, &mwhat)?;
    Ok((comment, manifest))
}

/// `signatures/<KEYID>.minisig` in `bundle`.
pub fn signature_path(bundle: &Path, key_id: KeyId) -> PathBuf {
    bundle.join(SIGNATURES_DIR).join(format!("{}.minisig", key_id.hex()))
}

/// Why a bundle could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum BundleSignError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Manifest(#[from] vouch_manifests::model::manifest::ManifestError),
    #[error("cannot sign {path}")]
    Sign {
        path: PathBuf,
        #[source]
        source: sig::SignError,
    },
    #[error("cannot create {path}")]
    Mkdir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] vouch_manifests::tree::fsutil::WriteError),
}

/// When to say a signature was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningTime {
    /// The real time (the default).
    #[default]
    Now,
    /// A fixed time in unix seconds (tests).
    At(i64),
}

impl SigningTime {
    /// Unix seconds.
    pub fn unix(self) -> i64 {
        match self {
            SigningTime::Now => sig::unix_now(),
            SigningTime::At(t) => t,
        }
    }
}

/// What [`sign_bundle`] wrote.
#[derive(Debug, Clone)]
pub struct SignedBundle {
    /// `signatures/<KEYID>.minisig`.
    pub path: PathBuf,
    pub key_id: KeyId,
    pub comment: ManifestComment,
    pub signature: Signature,
}

/// Signs manifest bytes (whose parsed form is `manifest`) with the pinned
/// trusted comment, without touching the disk: for callers that assemble a
/// bundle elsewhere and write `signatures/<KEYID>.minisig` themselves
/// ([`signature_path`]). The signature's text is [`Signature::to_text`].
pub fn sign_manifest(
    manifest_bytes: &[u8],
    manifest: &Manifest,
    key: &SecretKey,
    time: SigningTime,
) -> Result<(ManifestComment, Signature), sig::SignError> {
    let comment = ManifestComment::new(manifest_bytes, &manifest.project.name, &manifest.project.version, time.unix());
    let signature = sig::sign(key, manifest_bytes, &comment.to_string(), None)?;
    Ok((comment, signature))
}

/// Signs `bundle/manifest.json` with `key`, writing
/// `bundle/signatures/<KEYID>.minisig` atomically (replacing an earlier
/// signature by the same key; other signers' files are left alone).
pub fn sign_bundle(bundle: &Path, key: &SecretKey, time: SigningTime) -> Result<SignedBundle, BundleSignError> {
    let manifest_path = bundle.join(MANIFEST_FILE);
    let bytes = vouch_manifests::tree::fsutil::read_bounded(
        &manifest_path,
        vouch_manifests::tree::fsutil::MAX_MANIFEST_BYTES,
        vouch_manifests::tree::fsutil::Symlinks::Refuse,
    )
    .map_err(|source| BundleSignError::Read { path: manifest_path.clone(), source })?;
    let manifest = Manifest::from_slice(&bytes, &manifest_path)?;
    let (comment, signature) = sign_manifest(&bytes, &manifest, key, time)
        .map_err(|source| BundleSignError::Sign { path: manifest_path.clone(), source })?;
    let dir = bundle.join(SIGNATURES_DIR);
    std::fs::create_dir_all(&dir).map_err(|source| BundleSignError::Mkdir { path: dir.clone(), source })?;
    let path = signature_path(bundle, key.key_id());
    vouch_manifests::tree::fsutil::write_atomic(&path, signature.to_text().as_bytes(), None)?;
    Ok(SignedBundle { path, key_id: key.key_id(), comment, signature })
}

/// One file under a bundle's `signatures/`, parsed or not.
#[derive(Debug)]
pub struct BundleSignature {
    pub path: PathBuf,
    /// The key id its file name claims, if the name is `<KEYID>.minisig`.
    pub named_key_id: Option<KeyId>,
    pub signature: Result<Signature, SigParseError>,
}

/// Reads every `*.minisig` under `bundle/signatures/`, sorted by name. A
/// malformed file is returned with its parse error (an attacker may control
/// it); a missing folder gives an empty list.
pub fn read_bundle_signatures(bundle: &Path) -> Result<Vec<BundleSignature>, BundleSignError> {
    let dir = bundle.join(SIGNATURES_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        // The bundle's layout is the attacker's: a `signatures` that is not
        // a folder is a malformed signature, not an I/O failure.
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            let why = std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not a directory");
            return Ok(vec![BundleSignature {
                named_key_id: None,
                signature: Err(SigParseError::Read { path: dir.clone(), source: why }),
                path: dir,
            }]);
        }
        Err(source) => return Err(BundleSignError::Read { path: dir, source }),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| BundleSignError::Read { path: dir.clone(), source })?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = name.strip_suffix(".minisig") else {
            continue;
        };
        let path = entry.path();
        out.push(BundleSignature {
            named_key_id: KeyId::from_hex(stem),
            signature: Signature::read_with(&path, vouch_manifests::tree::fsutil::Symlinks::Refuse),
            path,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_round_trip() {
        let c = ManifestComment::new(b"{}", "hello", "1.2.3", 1700000000);
        let s = c.to_string();
        assert_eq!(
            s,
            format!(
                "timestamp:1700000000\tfile:manifest.json\tvouch:v1\tproject:hello\tversion:1.2.3\tsha256:{}",
                Digest::of(b"{}").hex()
            )
        );
        assert_eq!(ManifestComment::parse(&s).unwrap(), c);
    }

    /// `fuzz/regressions/trusted_comment/timestamp-leading-zero` (found by
    /// the `trusted_comment` fuzz target): `timestamp:0349035482` parsed, so
    /// the pinned form had two spellings of one comment.
    #[test]
    fn timestamp_leading_zero() {
        let good = ManifestComment::new(b"{}", "hello", "1.0.0", 349035482).to_string();
        assert_eq!(ManifestComment::parse(&good).unwrap().to_string(), good);
        let zero = good.replace("timestamp:349035482", "timestamp:0349035482");
        let e = ManifestComment::parse(&zero).unwrap_err();
        assert!(e.detail.contains("leading zero"), "{e}");
    }

    #[test]
    fn comment_rejects_other_forms() {
        let good = ManifestComment::new(b"{}", "hello", "1.2.3", 1).to_string();
        let swapped = good.replace("\tfile:manifest.json\tvouch:v1", "\tvouch:v1\tfile:manifest.json");
        for bad in [
            "timestamp:1\tfile:x\thashed".to_string(),
            good.replace("timestamp:1", "timestamp:x"),
            good.replace("timestamp:1", "timestamp:-1"),
            good.replace("file:manifest.json", "file:other.json"),
            good.replace("vouch:v1", "vouch:v2"),
            good.replace("project:hello", "project:../x"),
            format!("{good}\textra:1"),
            good[..good.len() - 1].to_string(),
            swapped,
        ] {
            assert!(ManifestComment::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn comment_refuses_implausible_signing_times_naming_them() {
        let good = ManifestComment::new(b"{}", "hello", "1.2.3", 1).to_string();
        let max = i64::MAX.to_string();
        for t in ["0", "253402300800", max.as_str(), "99999999999999999999"] {
            let bad = good.replace("timestamp:1\t", &format!("timestamp:{t}\t"));
            let e = ManifestComment::parse(&bad).unwrap_err();
            let why = e.source.as_ref().map(ToString::to_string).unwrap_or_default();
            assert!(matches!(e.source, Some(CommentCause::Timestamp(_))), "{e}");
            assert!(why.contains(&format!("timestamp {t} is not a plausible signing time")), "{e}: {why}");
        }
        let last = good.replace("timestamp:1\t", "timestamp:253402300799\t");
        assert_eq!(ManifestComment::parse(&last).unwrap().timestamp, sig::LATEST_SIGNING_TIME);
        assert!(time::OffsetDateTime::from_unix_timestamp(sig::LATEST_SIGNING_TIME).is_ok());
    }
}
