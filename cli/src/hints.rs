//! Library errors as the binary reports them: every hint (a likely fix,
//! often naming a flag or a command) and every exit-1 marking lives here,
//! in one place. The libraries' errors name no flag.

use crate::exit::{failed, hint};
use anyhow::anyhow;
use std::path::Path;
use vouch_manifests::rebuild::RebuildError;
use vouch_manifests::sandbox::SandboxError;
use vouch_signing::rebuild::RebuildRunError;
use vouch_signing::sig;
use vouch_signing::verify_signature::SignatureError;

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
    let mut err = anyhow::Error::from(e);
    if let Some(t) = tip {
        err = hint(err, t);
    }
    if neg { failed(err) } else { err }
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
    let mut err = anyhow::Error::from(e);
    if neg {
        err = failed(err);
    }
    if let Some(t) = tip {
        err = hint(err, t);
    }
    err
}
