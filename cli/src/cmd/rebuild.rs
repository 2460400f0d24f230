//! `vouch rebuild`: rebuild a release from reviewed source and compare the
//! artifacts bit for bit.

use crate::cli::rebuild::RebuildArgs;
use crate::exit::Status;
use crate::output::{Format, clean, print_json, print_text};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use vouch_manifests::rebuild::{Explanation, GitMetadata};
use vouch_signing::manifest_sig::SigningTime;
use vouch_signing::rebuild::{
    Event, Rebuild, RebuildOptions, RebuildRunError, Rebuilt, SourceCheck, ToolchainPolicy, WorkDir,
};

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
        network: a.landlock_network_for_tests.then_some(vouch_manifests::sandbox::NetworkCut::Landlock),
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
    let r = match r {
        Ok(r) => r,
        Err(RebuildRunError::DoesNotVerify { report, name, version, policy, source_dir }) => {
            eprint!("{}", clean(&super::verify::render(&report)));
            let e = RebuildRunError::DoesNotVerify { report, name, version, policy, source_dir };
            return Err(crate::hints::rebuild(e));
        }
        Err(e) => return Err(crate::hints::rebuild(e)),
    };
    match a.format {
        Format::Json => print_json(&r.report)?,
        Format::Human => print_text(&format!("{}{}", render(&r), explained(&r, a.diffoscope_timeout)))?,
    }
    Ok(if r.report.reproduced { Status::Held } else { Status::DoesNotHold })
}

/// What diffoscope said, or the command to get a deeper diff.
fn explained(r: &Rebuilt, timeout: u64) -> String {
    let mut s = String::new();
    for x in &r.explained {
        let _ = match &x.result {
            Err(e) => writeln!(s, "cannot create a file for the diffoscope report of {}: {e}", x.path),
            Ok(Explanation::Report(p)) => writeln!(s, "diffoscope report for {}: {}", x.path, p.display()),
            Ok(Explanation::TimedOut(p)) => {
                writeln!(s, "diffoscope on {} stopped after {timeout} s; partial report: {}", x.path, p.display())
            }
            Ok(Explanation::NotInstalled) => writeln!(
                s,
                "for a deeper diff of {}: apt-get install diffoscope, then rerun with --keep and run: diffoscope {} <workdir>/source/{}",
                x.path,
                x.original.display(),
                x.path
            ),
        };
    }
    s
}

fn render(x: &Rebuilt) -> String {
    let (r, b, work, keep) = (&x.report, &x.bundle, &x.work, x.kept);
    let mut s = String::new();
    for a in &r.artifacts {
        if a.identical {
            let _ = writeln!(s, "identical  {}  {}", a.path, a.expected);
            continue;
        }
        let _ = writeln!(s, "DIFFERENT  {}", a.path);
        let _ = writeln!(s, "           release: {} ({} bytes)", a.expected, a.expected_size);
        match (&a.actual, a.actual_size) {
            (Some(d), Some(n)) => {
                let _ = writeln!(s, "           rebuilt: {d} ({n} bytes)");
            }
            _ => {
                let _ = writeln!(s, "           rebuilt: (the build did not produce this file)");
            }
        }
        let original = b.dir.join("artifacts").join(&a.path);
        for c in &a.causes {
            let _ = writeln!(s, "           likely cause: {}", clean(&c.describe()));
        }
        if let Some(d) = &a.first_difference {
            let _ = writeln!(
                s,
                "           first difference at byte {} (0x{:x}); bytes from {}:",
                d.offset, d.offset, d.window_start
            );
            let _ = writeln!(s, "             release  {}", d.expected_hex);
            let _ = writeln!(s, "             rebuilt  {}", d.actual_hex);
        }
        let rebuilt = work.join("source").join(&a.path);
        if original.is_file() {
            let _ = writeln!(
                s,
                "           original in the bundle: {}; rebuilt: {}{}",
                original.display(),
                rebuilt.display(),
                if keep { "" } else { " (removed; rerun with --keep to keep it)" }
            );
        } else {
            let _ = writeln!(
                s,
                "           the bundle holds no copy of the original (release with --include-artifacts for a byte-level diff)"
            );
        }
    }
    let _ = writeln!(
        s,
        "{}: {} {} rebuilt with {}{}{}",
        if r.reproduced { "REPRODUCED" } else { "NOT REPRODUCED" },
        r.project.name,
        r.project.version,
        r.command.join(" "),
        if r.toolchain_matches { "" } else { " (toolchain differs from the record)" },
        if r.git_metadata == Some(false) && !r.reproduced { " (the build had no git metadata)" } else { "" }
    );
    s
}
