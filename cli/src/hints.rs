//! Library errors as the binary reports them: every hint (a likely fix,
//! often naming a flag or a command) and every exit-1 marking of a library
//! error lives here, in one place. The libraries' errors name no flag; where
//! the binary's message names one (`--sign-report`, `--state`,
//! `--changed-since`), it is written here from the library's typed error.

use crate::exit::{failed, hint};
use anyhow::anyhow;
use std::path::Path;
use vouch_manifests::build::BuildError;
use vouch_manifests::build::rebuild::RebuildError;
use vouch_manifests::build::release::ReleaseError;
use vouch_manifests::build::sandbox::SandboxError;
use vouch_manifests::sbom::generate::GenerateError;
use vouch_manifests::tree::scan::ScanError;
use vouch_signing::key_file::KeyFileError;
use vouch_signing::keys::KeyError;
use vouch_signing::log::{LogOpError, LogPolicyError, LogWorkflowError};
use vouch_signing::rebuild::RebuildRunError;
use vouch_signing::review_workflow::ReviewWorkflowError;
use vouch_signing::sig;
use vouch_signing::verify::VerifyError;
use vouch_signing::verify_signature::SignatureError;
use vouch_site::SiteError;

/// `err` with its hints (the first given innermost), marked exit 1 when it
/// is a clean negative result.
fn marked<T: Into<String>>(err: anyhow::Error, tips: impl IntoIterator<Item = T>, negative: bool) -> anyhow::Error {
    let err = tips.into_iter().fold(err, hint);
    if negative { failed(err) } else { err }
}

/// `vouch rebuild`.
pub fn rebuild(e: RebuildRunError) -> anyhow::Error {
    let neg = e.does_not_hold();
    let tip: Option<String> = match &e {
        RebuildRunError::ReportIntoArchive { archive } => {
            return anyhow!(
                "--sign-report writes into the bundle: give the bundle directory, not the archive {}",
                archive.display()
            );
        }
        RebuildRunError::Rebuild(r) => match r {
            RebuildError::NoBuild => {
                Some("only bundles made by `vouch release` with a build command can be rebuilt".into())
            }
            RebuildError::Toolchain(_) => {
                Some("install the recorded toolchain, or pass --allow-toolchain-mismatch".into())
            }
            RebuildError::ToolchainNotInstalled { install, .. } => Some(format!(
                "install it with: rustup toolchain install {install} (or pass --allow-toolchain-mismatch)"
            )),
            RebuildError::MissingCrate { .. } | RebuildError::NotFromCratesIo { .. } => Some(
                "ask the vendor to release with --include-dependencies, so that the bundle carries deps/vendor.tar"
                    .into(),
            ),
            RebuildError::Sandbox(SandboxError::NoNetworkCut { .. }) => Some(
                "install util-linux's unshare and allow unprivileged user namespaces (e.g. sysctl kernel.unprivileged_userns_clone=1), or rebuild on Linux 6.7 or later"
                    .into(),
            ),
            RebuildError::Sandbox(SandboxError::NoLandlock) => Some(
                "rebuild on Linux 6.2 or later with Landlock enabled (lsm=...,landlock on the kernel command line)"
                    .into(),
            ),
            _ => None,
        },
        _ => None,
    };
    marked(e.into(), tip, neg)
}

/// `vouch verify-signature`; `trust` is the policy given, if any.
pub fn verify_signature(e: SignatureError, trust: Option<&Path>) -> anyhow::Error {
    let neg = e.does_not_hold();
    let tip = match &e {
        SignatureError::NotAManifest { file } => {
            return anyhow!("--state needs a vouch manifest signature; {file} is not one");
        }
        SignatureError::Verify(sig::VerifyError::LegacyRefused { .. }) => {
            Some("pass --allow-legacy to accept it".into())
        }
        SignatureError::Policy(_) => trust.map(|t| format!("run `vouch trust check {}`", t.display())),
        _ => None,
    };
    marked(e.into(), tip, neg)
}

/// `vouch log ...`: a checked negative result exits 1, anything else 2; a
/// refusal's evidence is named, or why it could not be written.
pub fn log(e: LogWorkflowError) -> anyhow::Error {
    let neg = e.does_not_hold();
    let mut tips: Vec<String> = Vec::new();
    let op = match &e {
        LogWorkflowError::Policy(LogPolicyError::Missing { .. }) => {
            tips.push("add [log] with origin, key, witnesses and witness-threshold".into());
            None
        }
        LogWorkflowError::Policy(_) => None,
        LogWorkflowError::Op(op) => Some(op),
        LogWorkflowError::Refused(r) => Some(&r.error),
    };
    let tip = match op {
        Some(LogOpError::WrongKey { .. }) => Some("give the log's own secret key (the one LOG/vkey was made from)"),
        Some(LogOpError::Conflict { .. }) => Some("a released version is never replaced: release a new version"),
        Some(LogOpError::KeyChanged { .. }) => Some("a changed log key is a new log: ask the vendor why, out of band"),
        Some(LogOpError::Witnesses { .. }) => {
            Some("run `vouch log witness`, then `vouch log prove` to gather cosignatures")
        }
        Some(LogOpError::NotInLog { .. }) => Some("append it first with `vouch log append`"),
        _ => None,
    };
    tips.extend(tip.map(String::from));
    if let LogWorkflowError::Refused(r) = &e {
        match &r.evidence {
            Some(Ok(paths)) => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                tips.push(format!("both signed heads are evidence, written to {}", names.join(" and ")));
            }
            Some(Err(w)) => crate::output::eprint_line(&format!("cannot write the evidence: {w}")),
            None => {}
        }
    }
    marked(e.into(), tips, neg)
}

/// `vouch review ...`.
pub fn review(e: ReviewWorkflowError) -> anyhow::Error {
    match &e {
        ReviewWorkflowError::OtherProject { old, old_name, name } => {
            anyhow!("--changed-since {} is project {old_name:?}, not {name:?}", old.display())
        }
        ReviewWorkflowError::Reviews(_) => {
            hint(e.into(), "--reviews names the folder holding *.review.dsse.json files")
        }
        _ => e.into(),
    }
}

/// Hashing a source tree (`vouch manifest create`).
pub fn scan(e: ScanError) -> anyhow::Error {
    let dirty = matches!(e, ScanError::Dirty { .. });
    let e = anyhow::Error::from(e);
    if dirty { hint(e, "commit or stash the changes, or pass --allow-dirty to record them as dirty") } else { e }
}

/// `vouch manifest prove` of a path the manifest does not have.
pub fn no_entry(manifest: &Path, path: &str) -> anyhow::Error {
    hint(
        anyhow!("{} has no entry {path:?}", manifest.display()),
        "paths are relative to the source root and /-separated; see `vouch manifest show`",
    )
}

/// `vouch sbom generate`.
pub fn sbom_generate(e: GenerateError) -> anyhow::Error {
    let tip = match &e {
        GenerateError::NoLock { above: Some(l), .. } => Some(format!(
            "{} is the lock of an enclosing workspace: generate the SBOM for {}",
            l.display(),
            l.parent().map(|p| p.display().to_string()).unwrap_or_default()
        )),
        GenerateError::NoLock { above: None, .. } => {
            Some("run `cargo generate-lockfile` (or a build) in the project first".to_string())
        }
        _ => None,
    };
    let e = anyhow::Error::from(e);
    match tip {
        Some(t) => hint(e, t),
        None => e,
    }
}

/// `vouch sbom check FILE` without a lock file.
pub fn sbom_file_not_bundle(path: &Path) -> anyhow::Error {
    hint(
        anyhow!("{} is a file, not a bundle directory", path.display()),
        "to check one SBOM, pass the lock file: vouch sbom check --lock Cargo.lock FILE",
    )
}

/// `vouch release`: a release the log refuses (another manifest for a
/// logged version) is a checked negative result.
pub fn release(e: ReleaseError) -> anyhow::Error {
    let tip = match &e {
        ReleaseError::Exists { .. } | ReleaseError::ArchiveExists { .. } => Some("pass --force to replace it"),
        ReleaseError::Scan(ScanError::Dirty { .. }) => {
            Some("commit or stash the changes, or pass --allow-dirty to record them as dirty")
        }
        ReleaseError::Build(BuildError::NotFound { .. }) => Some("check the command after --, and that it is on PATH"),
        _ => None,
    };
    let refused = {
        let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        let mut found = false;
        while let Some(c) = src {
            if c.downcast_ref::<LogOpError>().is_some_and(|l| l.does_not_hold()) {
                found = true;
            }
            src = c.source();
        }
        found
    };
    marked(e.into(), tip, refused)
}

/// `vouch verify`.
pub fn verify(e: VerifyError) -> anyhow::Error {
    let dir = matches!(e, VerifyError::ArtifactIsDirectory { .. });
    let e = anyhow::Error::from(e);
    if dir { hint(e, "pass the binary itself, e.g. --artifact path/to/bin") } else { e }
}

/// Said after a verification that refused a legacy (non-prehashed) signature.
pub const ALLOW_LEGACY: &str = "pass --allow-legacy to accept legacy (non-prehashed) minisign signatures";

/// Said after a verification whose policy needs reviews none were given for.
pub const REVIEWS_NEEDED: &str = "the policy has a [review] requirement: pass --reviews DIR";

/// `vouch sign` of a folder that is no bundle.
pub fn folder_without_manifest(path: &Path) -> anyhow::Error {
    hint(
        anyhow!("{} is a folder without {}", path.display(), vouch_signing::manifest_sig::MANIFEST_FILE),
        "give a bundle folder (made by `vouch release`) or a file",
    )
}

/// No password source and no terminal to ask on.
pub fn no_password_source(what: &str) -> anyhow::Error {
    hint(
        anyhow!("a password is needed for {what}, and stdin is not a terminal to ask for one"),
        "pass --password-file FILE or --password-env VAR",
    )
}

/// Decrypting a secret key.
pub fn secret_key(e: KeyError) -> anyhow::Error {
    let wrong = matches!(e, KeyError::WrongPassword { .. });
    let e = anyhow::Error::from(e);
    if wrong {
        hint(e, "check --password-file / --password-env: the first line of the file is the password")
    } else {
        e
    }
}

/// `vouch site`: a `NAME@VERSION=DIR` that cannot be used is named as the
/// `--source` it was given as.
pub fn site(e: SiteError) -> anyhow::Error {
    match e {
        SiteError::SourceSpec { spec, detail } => anyhow!("--source {spec}: {detail}"),
        SiteError::SourceSpecName { spec, source } => anyhow::Error::new(source).context(format!("--source {spec}")),
        e => e.into(),
    }
}

/// `vouch key generate`.
pub fn key_generate(e: KeyFileError) -> anyhow::Error {
    let exists = matches!(e, KeyFileError::Key(KeyError::Exists { .. }));
    let e = anyhow::Error::from(e);
    if exists { hint(e, "pass --force to replace it") } else { e }
}

/// Reading the password of a new key (`vouch key generate`).
pub fn new_key_password(e: anyhow::Error) -> anyhow::Error {
    hint(e, "or pass --unencrypted for a key without a password")
}

/// An empty password for a new key.
pub fn empty_password() -> anyhow::Error {
    hint(anyhow!("the password is empty"), "pass --unencrypted for a key without a password")
}
