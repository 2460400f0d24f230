//! `vouch verify-signature`: check a minisign signature with a public key or
//! a trust policy, the manifest binding, and optionally rollback state.

use crate::exit::{Status, failed, hint, is_failed};
use crate::output::{Format, print_json, print_text};
use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use vouch_manifests::Digest;
use vouch_signing::keys::PublicKey;
use vouch_signing::manifest_sig::{self, BundleSignature, ManifestComment};
use vouch_signing::policy::{self, Evidence, Policy, Report};
use vouch_signing::sig::{Legacy, SigParseError, Signature};
use vouch_signing::state::{Acceptance, Candidate, State};

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("trust_source").required(true).args(["key", "trust"]))]
pub struct VerifySignatureArgs {
    /// The signed file, or a bundle folder (its manifest.json and signatures/).
    pub file: PathBuf,
    /// The signature (default: FILE.minisig; for a bundle with --key,
    /// signatures/<KEYID>.minisig).
    #[arg(long, value_name = "SIG")]
    pub sig: Option<PathBuf>,
    /// The signer's public key: a .pub file or the bare `RWQ...` line.
    #[arg(long, value_name = "PUBLIC")]
    pub key: Option<String>,
    /// A trust policy (trust.toml): which keys count, for which roles, how many.
    #[arg(long, value_name = "POLICY")]
    pub trust: Option<PathBuf>,
    /// Accept legacy (non-prehashed, `minisign -l`) signatures.
    #[arg(long)]
    pub allow_legacy: bool,
    /// Rollback protection: refuse a release older than one recorded in FILE,
    /// or the same version with another manifest digest; record it when all
    /// checks pass. Only for manifest signatures.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Untrusted text for one line of terminal output: [`crate::output::clean`],
/// with newlines and tabs made visible too.
pub fn clean(s: &str) -> String {
    crate::output::clean(s).replace('\n', "\\n").replace('\t', "  ")
}

#[derive(Serialize)]
struct KeyResult {
    key_id: String,
    signature: String,
    trusted_comment: String,
    timestamp: Option<i64>,
    manifest: Option<ManifestComment>,
}

#[derive(Serialize)]
struct StateResult {
    file: String,
    #[serde(flatten)]
    acceptance: Acceptance,
    recorded: bool,
}

#[derive(Serialize)]
struct Output {
    file: String,
    sha256: Digest,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<KeyResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<StateResult>,
    held: bool,
    /// Why it does not hold, when the signature itself failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn read_public_key(arg: &str) -> Result<PublicKey> {
    let p = Path::new(arg);
    if p.exists() {
        return Ok(PublicKey::read(p)?);
    }
    // Not a file: a bare public key line (`RW...`, base64 characters only).
    let base64ish =
        arg.starts_with("RW") && arg.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if base64ish {
        return Ok(PublicKey::from_base64(arg, "--key")?);
    }
    bail!("cannot read public key {arg}: no such file")
}

fn default_sig(file: &Path) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(".minisig");
    PathBuf::from(p)
}

/// Reads a signature the user pointed at: missing is exit 2, malformed exit 1.
fn read_sig(path: &Path) -> Result<Signature> {
    match Signature::read(path) {
        Ok(s) => Ok(s),
        Err(e @ SigParseError::Read { .. }) => Err(e.into()),
        Err(e) => Err(failed(e.into())),
    }
}

pub fn run(a: VerifySignatureArgs) -> Result<Status> {
    let legacy = if a.allow_legacy { Legacy::Allow } else { Legacy::Refuse };
    let meta = std::fs::metadata(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let mut bundle = meta.is_dir().then(|| a.file.clone());
    // `bundle/manifest.json` without its own .minisig: the bundle's signatures.
    if bundle.is_none()
        && a.sig.is_none()
        && a.file.file_name().is_some_and(|n| n == manifest_sig::MANIFEST_FILE)
        && !default_sig(&a.file).exists()
        && let Some(parent) = a.file.parent()
    {
        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        if parent.join(manifest_sig::SIGNATURES_DIR).is_dir() {
            bundle = Some(parent.to_path_buf());
        }
    }
    let data_path = match &bundle {
        Some(b) => b.join(manifest_sig::MANIFEST_FILE),
        None => a.file.clone(),
    };
    // Streamed (a fixed buffer): a signed file may be large. The bytes are
    // read whole only for a manifest, whose binding needs them.
    let sha256 = {
        let f = std::fs::File::open(&data_path).with_context(|| format!("cannot read {}", data_path.display()))?;
        let mut buf = vec![0u8; 256 * 1024];
        vouch_manifests::digest::hash_reader(f, &mut buf)
            .with_context(|| format!("cannot read {}", data_path.display()))?
            .0
    };
    let read_data = || std::fs::read(&data_path).with_context(|| format!("cannot read {}", data_path.display()));
    let mut out = Output {
        file: data_path.display().to_string(),
        sha256,
        key: None,
        policy: None,
        state: None,
        held: false,
        error: None,
    };
    // (project, version, signed_at) of a verified manifest, for --state.
    let release: Option<(String, String, i64)>;
    if let Some(k) = &a.key {
        match verify_with_key(&a, k, bundle.as_deref(), &data_path, legacy) {
            Ok((key, rel)) => {
                out.key = Some(key);
                out.held = true;
                release = rel;
            }
            Err(e) if a.format == Format::Json && is_failed(&e) => {
                out.error = Some(format!("{e:#}"));
                print_json(&out)?;
                return Ok(Status::DoesNotHold);
            }
            Err(e) => return Err(e),
        }
    } else {
        let policy_path = a.trust.as_ref().context("--key or --trust is required")?;
        let policy = Policy::read_usable(policy_path)
            .map_err(|e| hint(e.into(), format!("run `vouch trust check {}`", policy_path.display())))?;
        let sigs = match (&a.sig, &bundle) {
            (Some(s), _) => vec![one_sig(s)?],
            (None, Some(b)) => manifest_sig::read_bundle_signatures(b)?,
            (None, None) => vec![one_sig(&default_sig(&data_path))?],
        };
        let data = read_data()?;
        let report = policy.evaluate(&Evidence {
            manifest_path: &data_path,
            manifest_bytes: &data,
            signatures: &sigs,
            builder_reports: &[],
            legacy,
        });
        out.held = report.held;
        release = match (&report.project, &report.version, report.signed_at) {
            (Some(p), Some(v), Some(t)) if report.held => Some((p.clone(), v.clone(), t)),
            _ => None,
        };
        out.policy = Some(report);
    }
    if out.held
        && let Some(state_path) = &a.state
    {
        let Some((project, version, signed_at)) = &release else {
            bail!("--state needs a vouch manifest signature; {} is not one", out.file);
        };
        let c = Candidate { project, version, manifest_sha256: out.sha256, signed_at: *signed_at };
        let acceptance = match State::accept(state_path, c) {
            Ok(acc) => acc,
            Err(e) if e.is_refusal() && a.format == Format::Json => {
                out.held = false;
                out.error = Some(e.to_string());
                print_json(&out)?;
                return Ok(Status::DoesNotHold);
            }
            Err(e) if e.is_refusal() => return Err(failed(e.into())),
            Err(e) => return Err(e.into()),
        };
        out.state = Some(StateResult { file: state_path.display().to_string(), acceptance, recorded: true });
    }
    match a.format {
        Format::Json => print_json(&out)?,
        Format::Human => print_text(&human(&out))?,
    }
    Ok(if out.held { Status::Held } else { Status::DoesNotHold })
}

/// `--key`: the signature, and for a manifest its binding. Returns the
/// result and, for a manifest, (project, version, signed_at).
#[allow(clippy::type_complexity)]
fn verify_with_key(
    a: &VerifySignatureArgs,
    k: &str,
    bundle: Option<&Path>,
    data_path: &Path,
    legacy: Legacy,
) -> Result<(KeyResult, Option<(String, String, i64)>)> {
    let pk = read_public_key(k)?;
    let sig_path = match (&a.sig, bundle) {
        (Some(s), _) => s.clone(),
        (None, Some(b)) => {
            let p = manifest_sig::signature_path(b, pk.key_id());
            if !p.exists() {
                return Err(failed(anyhow::anyhow!(
                    "bundle {} has no signature by key {} (expected {})",
                    b.display(),
                    pk.key_id(),
                    p.display()
                )));
            }
            p
        }
        (None, None) => default_sig(data_path),
    };
    let sig = read_sig(&sig_path)?;
    let what = sig_path.display().to_string();
    let manifest_like = bundle.is_some() || ManifestComment::is_claimed(&sig.trusted_comment);
    let comment = if manifest_like {
        let (c, _) = manifest_sig::verify_manifest_signature(
            &sig,
            &pk,
            &std::fs::read(data_path).with_context(|| format!("cannot read {}", data_path.display()))?,
            legacy,
            &what,
            data_path,
        )
        .map_err(|e| failed(e.into()))?;
        Some(c)
    } else {
        sig.verify_file(&pk, data_path, legacy, &what).map_err(|e| {
            use vouch_signing::sig::VerifyError;
            if matches!(e, VerifyError::Read { .. }) {
                return e.into();
            }
            let legacy_refused = matches!(e, VerifyError::LegacyRefused { .. });
            let e = failed(e.into());
            if legacy_refused { hint(e, "pass --allow-legacy to accept it") } else { e }
        })?;
        None
    };
    let release = comment.as_ref().map(|c| (c.project.clone(), c.version.clone(), c.timestamp));
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

fn one_sig(path: &Path) -> Result<BundleSignature> {
    let signature = Signature::read(path);
    if let Err(e @ SigParseError::Read { .. }) = signature {
        return Err(e.into());
    }
    Ok(BundleSignature { path: path.to_path_buf(), named_key_id: None, signature })
}

fn human(o: &Output) -> String {
    let mut s = String::new();
    if let Some(k) = &o.key {
        let _ = writeln!(s, "signature ok: {} by key {}", clean(&k.signature), k.key_id);
        let _ = writeln!(s, "file          {} ({})", clean(&o.file), o.sha256);
        let _ = writeln!(s, "trusted       {}", clean(&k.trusted_comment));
        if let Some(m) = &k.manifest {
            let _ = writeln!(
                s,
                "manifest      {} {} signed at {}, digest matches",
                m.project,
                m.version,
                policy::show_time(m.timestamp)
            );
        }
    }
    if let Some(r) = &o.policy {
        let _ = writeln!(s, "policy        {} ({})", clean(&r.policy), r.policy_sha256);
        let _ = writeln!(s, "manifest      {} ({})", clean(&r.manifest), r.manifest_sha256);
        if let (Some(p), Some(v)) = (&r.project, &r.version) {
            let _ = writeln!(s, "release       {p} {v}");
        }
        for c in r.signatures.iter().chain(&r.builder_reports) {
            let key = match (&c.key_id, &c.key_name) {
                (Some(id), Some(n)) => format!("{id} ({n})"),
                (Some(id), None) => id.to_string(),
                _ => "?".into(),
            };
            if c.counted {
                let roles: Vec<&str> = c.roles.iter().map(|r| r.as_str()).collect();
                let when = c.timestamp.map(policy::show_time).unwrap_or_default();
                let _ = writeln!(s, "  counted     {key} for {} (signed {when}): {}", roles.join(", "), clean(&c.file));
            } else {
                let _ = writeln!(
                    s,
                    "  not counted {key}: {}: {}",
                    clean(&c.file),
                    clean(c.reason.as_deref().unwrap_or("?"))
                );
            }
        }
        for r in &r.roles {
            let _ = writeln!(
                s,
                "role {:<9} {} of {} needed{}: {}",
                r.role.as_str(),
                r.valid,
                r.threshold,
                if r.keys.is_empty() { String::new() } else { format!(" ({})", r.keys.join(", ")) },
                if r.held { "held" } else { "NOT held" }
            );
        }
    }
    if let Some(st) = &o.state {
        let _ = writeln!(s, "state         {}: {}; recorded", clean(&st.file), st.acceptance.ordering);
    }
    let _ = writeln!(s, "result        {}", if o.held { "held" } else { "does NOT hold" });
    s
}
