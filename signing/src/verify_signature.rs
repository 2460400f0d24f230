//! Verifying one signature, the reviewer's check of a single file or a
//! bundle's manifest: with a public key (the signature, and for a manifest
//! its binding to the signed project, version and digest) or with a trust
//! policy (which keys count, for which roles), then, optionally, rollback
//! protection against the reviewer's state ([`crate::state::State::accept`]:
//! load, check, record and save under the state file's lock).

use crate::keys::PublicKey;
use crate::manifest_sig::{self, BundleSignError, BundleSignature, ManifestComment, ManifestSigError};
use crate::policy::{Evidence, Policy, PolicyError, Report};
use crate::sig::{Legacy, SigParseError, Signature, VerifyError};
use crate::state::{Acceptance, Candidate, State, StateError};
use serde::Serialize;
use std::path::{Path, PathBuf};
use vouch_manifests::Digest;

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Signer {
    /// A public key: a `.pub` file, or its bare `RWQ...` line (then named
    /// `what` in errors). It is read after the signed file.
    Key { key: String, what: String },
    /// The keys of this trust policy (`trust.toml`), as many as its roles need.
    Policy(PathBuf),
}

/// What to verify.
#[derive(Debug, Clone)]
pub struct SignatureOptions {
    /// The signed file, or a bundle folder (its `manifest.json` and `signatures/`).
    pub file: PathBuf,
    /// The signature (default: `FILE.minisig`; for a bundle and a key,
    /// `signatures/<KEYID>.minisig`; for a bundle and a policy, every one).
    pub sig: Option<PathBuf>,
    pub signer: Signer,
    pub legacy: Legacy,
    /// The reviewer's rollback state (only for manifest signatures).
    pub state: Option<PathBuf>,
}

/// A signature verified with a public key.
#[derive(Debug, Clone, Serialize)]
pub struct KeyResult {
    pub key_id: String,
    /// The signature file.
    pub signature: String,
    pub trusted_comment: String,
    pub timestamp: Option<i64>,
    /// For a manifest signature: its checked trusted comment.
    pub manifest: Option<ManifestComment>,
}

/// The rollback check, passed and recorded.
#[derive(Debug, Clone, Serialize)]
pub struct StateResult {
    pub file: String,
    #[serde(flatten)]
    pub acceptance: Acceptance,
    pub recorded: bool,
}

/// The report (its JSON form is `vouch verify-signature --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    /// The signed file.
    pub file: String,
    pub sha256: Digest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateResult>,
    pub held: bool,
    /// Why it does not hold, when the signature itself failed or the
    /// release was refused by the rollback state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A verification that ran: the report, and when it does not hold because
/// of a bad signature or a refused release, that error (`report.error` is
/// its text).
#[derive(Debug)]
pub struct Verified {
    pub report: SignatureReport,
    pub failure: Option<SignatureError>,
}

#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    PublicKey(#[from] crate::keys::KeyError),
    #[error("cannot read public key {key}: no such file")]
    NoSuchKey { key: String },
    #[error(transparent)]
    Signature(#[from] SigParseError),
    #[error("bundle {bundle} has no signature by key {key_id} (expected {expected})")]
    NoSignatureByKey { bundle: PathBuf, key_id: crate::keys::KeyId, expected: PathBuf },
    #[error(transparent)]
    Manifest(#[from] ManifestSigError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Signatures(#[from] BundleSignError),
    /// Rollback state given for a signature that is not a vouch manifest's.
    #[error("rollback state needs a vouch manifest signature; {file} is not one")]
    NotAManifest { file: String },
    #[error(transparent)]
    State(Box<StateError>),
}

impl From<StateError> for SignatureError {
    fn from(e: StateError) -> Self {
        SignatureError::State(Box::new(e))
    }
}

impl SignatureError {
    /// Checked, and it does not hold: a bad or malformed signature (an
    /// attacker controls those files) or a release the state refuses.
    pub fn does_not_hold(&self) -> bool {
        match self {
            SignatureError::Signature(SigParseError::Read { .. })
            | SignatureError::Verify(VerifyError::Read { .. }) => false,
            SignatureError::Signature(_)
            | SignatureError::NoSignatureByKey { .. }
            | SignatureError::Manifest(_)
            | SignatureError::Verify(_) => true,
            SignatureError::State(e) => e.is_refusal(),
            _ => false,
        }
    }
}

fn read_public_key(key: &str, what: &str) -> Result<PublicKey, SignatureError> {
    let p = Path::new(key);
    if p.exists() {
        return Ok(PublicKey::read(p)?);
    }
    // Not a file: a bare public key line (`RW...`, base64 characters only).
    let base64ish =
        key.starts_with("RW") && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if base64ish {
        return Ok(PublicKey::from_base64(key, what)?);
    }
    Err(SignatureError::NoSuchKey { key: key.to_string() })
}

fn default_sig(file: &Path) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(".minisig");
    PathBuf::from(p)
}

/// The bundle `file` names: a folder, or a `manifest.json` without its own
/// `.minisig` beside a `signatures/` folder.
fn bundle_of(opts: &SignatureOptions, is_dir: bool) -> Option<PathBuf> {
    let file = &opts.file;
    if is_dir {
        return Some(file.clone());
    }
    if opts.sig.is_none()
        && file.file_name().is_some_and(|n| n == manifest_sig::MANIFEST_FILE)
        && !default_sig(file).exists()
        && let Some(parent) = file.parent()
    {
        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        if parent.join(manifest_sig::SIGNATURES_DIR).is_dir() {
            return Some(parent.to_path_buf());
        }
    }
    None
}

/// Verifies one signature (or a bundle's, under a policy), then the
/// rollback state. `Err` is "could not check"; a bad signature or a refused
/// release is [`Verified::failure`].
pub fn verify_signature(opts: &SignatureOptions) -> Result<Verified, SignatureError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SignatureError::Read { path, source }
    };
    let meta = std::fs::metadata(&opts.file).map_err(read_err(&opts.file))?;
    let bundle = bundle_of(opts, meta.is_dir());
    let data_path = match &bundle {
        Some(b) => b.join(manifest_sig::MANIFEST_FILE),
        None => opts.file.clone(),
    };
    // Streamed (a fixed buffer): a signed file may be large. The bytes are
    // read whole only for a manifest, whose binding needs them.
    let sha256 = {
        let f = std::fs::File::open(&data_path).map_err(read_err(&data_path))?;
        let mut buf = vec![0u8; 256 * 1024];
        vouch_manifests::model::digest::hash_reader(f, &mut buf).map_err(read_err(&data_path))?.0
    };
    let read_data = || std::fs::read(&data_path).map_err(read_err(&data_path));
    let mut report = SignatureReport {
        file: data_path.display().to_string(),
        sha256,
        key: None,
        policy: None,
        state: None,
        held: false,
        error: None,
    };
    // A verified manifest, for the state: project, version, signed_at, and
    // the digest of the bytes verified (the ones the state records, should
    // the file change after it was hashed above).
    let release: Option<(String, String, i64, Digest)>;
    match &opts.signer {
        Signer::Key { key, what } => {
            match with_key(opts, &read_public_key(key, what)?, bundle.as_deref(), &data_path) {
                Ok((key, rel)) => {
                    report.key = Some(key);
                    report.held = true;
                    release = rel;
                }
                Err(e) if e.does_not_hold() => {
                    report.error = Some(vouch_manifests::error_chain(&e));
                    return Ok(Verified { report, failure: Some(e) });
                }
                Err(e) => return Err(e),
            }
        }
        Signer::Policy(path) => {
            let policy = Policy::read_usable(path)?;
            let sigs = match (&opts.sig, &bundle) {
                (Some(s), _) => vec![one_sig(s)?],
                (None, Some(b)) => manifest_sig::read_bundle_signatures(b)?,
                (None, None) => vec![one_sig(&default_sig(&data_path))?],
            };
            let data = read_data()?;
            let r = policy.evaluate(&Evidence {
                manifest_path: &data_path,
                manifest_bytes: &data,
                signatures: &sigs,
                builder_reports: &[],
                legacy: opts.legacy,
            });
            report.held = r.held;
            release = match (&r.project, &r.version, r.signed_at) {
                (Some(p), Some(v), Some(t)) if r.held => Some((p.clone(), v.clone(), t, r.manifest_sha256)),
                _ => None,
            };
            report.policy = Some(r);
        }
    }
    if report.held
        && let Some(state_path) = &opts.state
    {
        let Some((project, version, signed_at, verified)) = &release else {
            return Err(SignatureError::NotAManifest { file: report.file });
        };
        report.sha256 = *verified;
        let c = Candidate { project, version, manifest_sha256: *verified, signed_at: *signed_at };
        match State::accept(state_path, c) {
            Ok(acceptance) => {
                report.state = Some(StateResult { file: state_path.display().to_string(), acceptance, recorded: true });
            }
            Err(e) if e.is_refusal() => {
                report.held = false;
                report.error = Some(e.to_string());
                return Ok(Verified { report, failure: Some(e.into()) });
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Verified { report, failure: None })
}

/// With a public key: the signature, and for a manifest its binding.
/// Returns the result and, for a manifest, (project, version, signed_at).
#[allow(clippy::type_complexity)]
fn with_key(
    opts: &SignatureOptions,
    pk: &PublicKey,
    bundle: Option<&Path>,
    data_path: &Path,
) -> Result<(KeyResult, Option<(String, String, i64, Digest)>), SignatureError> {
    let sig_path = match (&opts.sig, bundle) {
        (Some(s), _) => s.clone(),
        (None, Some(b)) => {
            let p = manifest_sig::signature_path(b, pk.key_id());
            if !p.exists() {
                return Err(SignatureError::NoSignatureByKey {
                    bundle: b.to_path_buf(),
                    key_id: pk.key_id(),
                    expected: p,
                });
            }
            p
        }
        (None, None) => default_sig(data_path),
    };
    let sig = Signature::read(&sig_path)?;
    let what = sig_path.display().to_string();
    let manifest_like = bundle.is_some() || ManifestComment::is_claimed(&sig.trusted_comment);
    let comment = if manifest_like {
        let data = std::fs::read(data_path)
            .map_err(|source| SignatureError::Read { path: data_path.to_path_buf(), source })?;
        let (c, _) = manifest_sig::verify_manifest_signature(&sig, pk, &data, opts.legacy, &what, data_path)?;
        Some(c)
    } else {
        sig.verify_file(pk, data_path, opts.legacy, &what)?;
        None
    };
    // The comment's digest was checked against the bytes just verified.
    let release = comment.as_ref().map(|c| (c.project.clone(), c.version.clone(), c.timestamp, c.sha256));
    Ok((
        KeyResult {
            key_id: sig.key_id.hex(),
            signature: what,
            timestamp: sig.timestamp(),
            trusted_comment: sig.trusted_comment.clone(),
            manifest: comment,
        },
        release,
    ))
}

/// A signature the user pointed at, for the policy: unreadable is an
/// error, malformed is a reason in the report.
fn one_sig(path: &Path) -> Result<BundleSignature, SignatureError> {
    let signature = Signature::read(path);
    if let Err(e @ SigParseError::Read { .. }) = signature {
        return Err(e.into());
    }
    Ok(BundleSignature { path: path.to_path_buf(), named_key_id: None, signature })
}
