//! `vouch rebuild`: rebuild a release from reviewed source and compare the
//! artifacts bit for bit.

mod render;

use crate::cli::rebuild::RebuildArgs;
use crate::exit::Status;
use crate::output::{Format, print_json, print_text};
use anyhow::{Context, Result};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use vouch_manifests::build::rebuild::GitMetadata;
use vouch_signing::manifest_sig::SigningTime;
use vouch_signing::rebuild::{Event, Rebuild, RebuildOptions, RebuildRunError, SourceCheck, ToolchainPolicy, WorkDir};

pub fn run(a: RebuildArgs) -> Result<Status> {
    // SIGINT and SIGTERM stop the build (its whole process group), and the
    // work directory is removed unless --keep.
    let cancel = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal, while the first is being handled, exits at once.
        signal_hook::flag::register_conditional_shutdown(sig, 2, Arc::clone(&cancel))
            .context("cannot install the signal handlers")?;
        signal_hook::flag::register(sig, Arc::clone(&cancel)).context("cannot install the signal handlers")?;
    }
    let opts = RebuildOptions {
        bundle: a.bundle.clone(),
        source: a.source.clone(),
        policy: a.trust.clone(),
        reviews: a.reviews.clone(),
        review_cache: a.cache.choice(),
        excludes: a.exclude.clone(),
        workdir: a.workdir.clone(),
        keep: if a.keep { WorkDir::Keep } else { WorkDir::Remove },
        timeout: a.timeout.map(Duration::from_secs),
        toolchain: if a.allow_toolchain_mismatch { ToolchainPolicy::AllowMismatch } else { ToolchainPolicy::Require },
        sign_report: a.sign_report && a.key.is_some(),
        signing_time: a.now.map(SigningTime::At).unwrap_or_default(),
        // The diffoscope reports are named in the human report only: a JSON
        // report carries the causes and first offsets, and leaves no files behind.
        explain: (a.format == Format::Human).then(|| Duration::from_secs(a.diffoscope_timeout)),
        network: a.landlock_network_for_tests.then_some(vouch_manifests::build::sandbox::NetworkCut::Landlock),
        launcher: std::env::current_exe().context("cannot find the vouch binary to launch the build")?,
        source_check: if a.unchecked_source_for_tests { SourceCheck::SkipForTests } else { SourceCheck::Verify },
        cancel,
    };
    let rebuild = Rebuild::open(opts).map_err(crate::hints::rebuild)?;
    // The key is loaded before the build: a wrong password should not cost one.
    let key = match (&a.key, a.sign_report) {
        (Some(k), true) => Some(a.password.load_secret_key(k)?),
        _ => None,
    };
    let bar = crate::progress::Bytes::new("checking source");
    let r = rebuild.run(key.as_ref(), &|n| bar.add(n), &mut |e| match e {
        Event::Checked => bar.finish(),
        Event::Verified { name, version, policy } => {
            eprintln!("verified {name} {version} under {}: rebuilding", policy.display())
        }
        Event::GitMetadata(GitMetadata::Clone { commit, .. }) => {
            eprintln!("git metadata: the build sees a clean clone at commit {commit}")
        }
        Event::GitMetadata(GitMetadata::Absent { reason }) => eprintln!(
            "warning: no git metadata for the build ({reason}): a build that reads git metadata (git rev-parse, git describe) will differ; rebuild from a git checkout at the recorded commit"
        ),
        Event::WorkKept(work) => eprintln!("work directory kept: {}", work.display()),
        Event::ReportSigned(w) => {
            eprintln!("signed rebuild report: {} and {}", w.report.display(), w.signature.display())
        }
    });
    // A bundle that does not verify: the verification report says why.
    if let Err(RebuildRunError::DoesNotVerify { report, .. }) = &r {
        eprint!("{}", crate::output::clean(&super::verify::render(report)));
    }
    let r = r.map_err(crate::hints::rebuild)?;
    match a.format {
        Format::Json => print_json(&r.report)?,
        Format::Human => print_text(&(render::report(&r) + &render::explained(&r, a.diffoscope_timeout)))?,
    }
    Ok(if r.report.reproduced { Status::Held } else { Status::DoesNotHold })
}
