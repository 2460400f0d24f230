//! `vouch rebuild`: rebuild a release from reviewed source and compare the
//! artifacts bit for bit.

use crate::exit::{Status, failed, hint};
use crate::output::{Format, print_json, print_text};
use anyhow::{Context, Result};
use clap::Args;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use vouch_manifests::bundle::{BundleError, OpenBundle};
use vouch_manifests::manifest::ManifestError;
use vouch_manifests::rebuild::{self, RebuildReport, RebuildSpec, ToolchainPolicy};
use vouch_manifests::scan::{Dirty, ScanOptions, Selection, Tracked};
use vouch_signing::policy::Policy;
use vouch_signing::sig::Legacy;
use vouch_signing::verify::{self, VerifyOptions};

#[derive(Debug, Args)]
pub struct RebuildArgs {
    /// The bundle directory or its .tar archive.
    pub bundle: PathBuf,
    /// The reviewed source tree.
    #[arg(long)]
    pub source: PathBuf,
    /// The trust policy (trust.toml): the bundle must verify under it, as
    /// `vouch verify BUNDLE --trust POLICY --source DIR` checks, before
    /// anything it controls runs.
    #[arg(long, value_name = "POLICY")]
    pub trust: PathBuf,
    /// The reviewers' folder, when the policy has a [review] requirement
    /// (the bundle is verified as `vouch verify --reviews` does).
    #[arg(long, value_name = "DIR")]
    pub reviews: Option<PathBuf>,
    #[command(flatten)]
    pub cache: crate::cmd::review::CacheArgs,
    /// Leave out source paths matching this glob when checking the source
    /// (repeatable), e.g. `target` of a copy that was built in place.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Where to build (default: a private temporary directory). A folder
    /// `<name>-<version>-rebuild` is created inside it.
    #[arg(long)]
    pub workdir: Option<PathBuf>,
    /// Keep the work directory afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Kill the build after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Rebuild even when rustc, cargo, cc or the host differ from the record.
    #[arg(long)]
    pub allow_toolchain_mismatch: bool,
    /// Sign the rebuild report with --key and add it to the bundle as
    /// reports/<KEYID>.json (+ .minisig), for the policy's builder role.
    #[arg(long, requires = "key")]
    pub sign_report: bool,
    /// The rebuilder's minisign secret key (with --sign-report).
    #[arg(long, value_name = "SECRET")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub password: crate::cmd::password::PasswordArgs,
    /// Signing time in unix seconds (tests only; default: now).
    #[arg(long, hide = true)]
    pub now: Option<i64>,
    /// Kill diffoscope after this many seconds when explaining a difference.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub diffoscope_timeout: u64,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Test-only: cut the network with Landlock's rules instead of a
    /// network namespace, to exercise that path.
    #[arg(long, hide = true)]
    pub landlock_network_for_tests: bool,
    /// Test-only: skip the source check, to exercise the artifact comparison.
    #[arg(long, hide = true)]
    pub unchecked_source_for_tests: bool,
}

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
    let policy = Policy::read_usable(&a.trust)?;
    // A manifest the parser refuses (an environment name outside the
    // allow-list, a working directory outside the source) is the bundle's
    // doing: checked, and it does not hold.
    let b = OpenBundle::open(&a.bundle).map_err(|e| match e {
        BundleError::Manifest(ManifestError::Invalid { .. }) => {
            let e = anyhow::Error::from(e).context(format!("refusing to rebuild {}", a.bundle.display()));
            failed(e)
        }
        e => e.into(),
    })?;
    let m = &b.manifest;
    match &m.build {
        None => {
            return Err(hint(
                anyhow::Error::from(rebuild::RebuildError::NoBuild),
                "only bundles made by `vouch release` with a build command can be rebuilt",
            ));
        }
        Some(r) if r.no_build || r.command.is_empty() => return Err(rebuild::RebuildError::NoCommand.into()),
        _ => {}
    }
    // Load the key and check that the report can be written first: a wrong
    // password or a read-only bundle should not cost a whole build.
    let key = match (&a.key, a.sign_report) {
        (Some(k), true) => {
            if b.dir != a.bundle {
                anyhow::bail!(
                    "--sign-report writes into the bundle: give the bundle directory, not the archive {}",
                    a.bundle.display()
                );
            }
            let key = a.password.load_secret_key(k)?;
            vouch_signing::reports::check_writable(&b.dir)?;
            Some(key)
        }
        _ => None,
    };

    // 1. The bundle verifies under the policy, with the reviewed source,
    //    exactly as `vouch verify --source` checks it: nothing it controls
    //    runs otherwise.
    let opts = VerifyOptions {
        source: (!a.unchecked_source_for_tests).then(|| ScanOptions {
            root: a.source.clone(),
            selection: Selection::Auto,
            tracked: Tracked::Index,
            dirty: Dirty::Allow,
            excludes: a.exclude.clone(),
        }),
        artifacts: Vec::new(),
        reviews: a.reviews.clone(),
        review_cache: if a.reviews.is_some() { a.cache.open()? } else { None },
        log: None,
        legacy: Legacy::Refuse,
    };
    let bar = crate::progress::Bytes::new("checking source");
    let v = verify::verify(&b, &policy, &opts, None, &|n| bar.add(n));
    bar.finish();
    let v = v?;
    if !v.held {
        eprint!("{}", crate::output::clean(&super::verify::render(&v)));
        return Err(failed(anyhow::anyhow!(
            "{} {} does not verify under {}{}: refusing to rebuild",
            m.project.name,
            m.project.version,
            a.trust.display(),
            if opts.source.is_some() { format!(" with the source {}", a.source.display()) } else { String::new() }
        )));
    }
    if cancel.load(Ordering::SeqCst) {
        anyhow::bail!("rebuild of {} {} interrupted before the build started", m.project.name, m.project.version);
    }
    eprintln!("verified {} {} under {}: rebuilding", m.project.name, m.project.version, a.trust.display());

    // 2. The work directory.
    let (base, _tmp) = match &a.workdir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create work directory {}", d.display()))?;
            (d.clone(), None)
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("vouch-rebuild-")
                .tempdir()
                .context("cannot create a temporary work directory")?;
            if a.keep {
                // --keep keeps it: the temporary directory outlives vouch.
                (t.keep(), None)
            } else {
                (t.path().to_path_buf(), Some(t))
            }
        }
    };
    let work = base.join(format!("{}-rebuild", m.bundle_name()));
    // Said before the build runs: without the release's git metadata, a
    // build that asks git gives other bytes.
    let git = if a.unchecked_source_for_tests {
        rebuild::GitMetadata::Absent { reason: "the source was not checked".into() }
    } else {
        rebuild::git_metadata(m, &a.source)
    };
    match &git {
        rebuild::GitMetadata::Clone { commit, .. } => {
            eprintln!("git metadata: the build sees a clean clone at commit {commit}")
        }
        rebuild::GitMetadata::Absent { reason } => eprintln!(
            "warning: no git metadata for the build ({reason}): a build that reads git metadata (git rev-parse, git describe) will differ; rebuild from a git checkout at the recorded commit"
        ),
    }
    let spec = RebuildSpec {
        bundle: b.dir.clone(),
        manifest: m.clone(),
        manifest_digest: b.manifest_digest,
        source: a.source.clone(),
        workdir: work.clone(),
        timeout: a.timeout.map(Duration::from_secs),
        toolchain: if a.allow_toolchain_mismatch { ToolchainPolicy::AllowMismatch } else { ToolchainPolicy::Require },
        cargo_cache: vouch_manifests::build::cargo_home(),
        cancel: Some(Arc::clone(&cancel)),
        network: a.landlock_network_for_tests.then_some(vouch_manifests::sandbox::NetworkCut::Landlock),
        launcher: Some(std::env::current_exe().context("cannot find the vouch binary to launch the build")?),
        copies: if a.unchecked_source_for_tests { rebuild::CopyCheck::Skip } else { rebuild::CopyCheck::Verify },
        git,
    };
    let existed = work.exists();
    let result = rebuild::rebuild(&spec);
    let cleanup = |keep: bool| {
        if !existed && !keep {
            let _ = std::fs::remove_dir_all(&work);
        }
    };
    // A signal during the copy or the comparison counts as much as one
    // during the build.
    let result = match result {
        Ok(_) if cancel.load(Ordering::SeqCst) => {
            Err(rebuild::RebuildError::Build(vouch_manifests::build::BuildError::Interrupted {
                log: work.join("build.log"),
            }))
        }
        r => r,
    };
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            cleanup(a.keep);
            let interrupted =
                matches!(e, rebuild::RebuildError::Build(vouch_manifests::build::BuildError::Interrupted { .. }));
            let e = anyhow::Error::from(e);
            let e = match () {
                _ if interrupted => {
                    if a.keep {
                        eprintln!("work directory kept: {}", work.display());
                    }
                    let done = if a.keep { "the work directory is kept" } else { "the work directory was removed" };
                    anyhow::anyhow!(
                        "rebuild of {} {} interrupted: the build was stopped and {done}",
                        m.project.name,
                        m.project.version
                    )
                }
                _ if matches!(e.downcast_ref::<rebuild::RebuildError>(), Some(rebuild::RebuildError::Toolchain(_))) => {
                    hint(e, "install the recorded toolchain, or pass --allow-toolchain-mismatch")
                }
                _ if matches!(
                    e.downcast_ref::<rebuild::RebuildError>(),
                    Some(rebuild::RebuildError::ToolchainNotInstalled { .. })
                ) =>
                {
                    let install = match e.downcast_ref::<rebuild::RebuildError>() {
                        Some(rebuild::RebuildError::ToolchainNotInstalled { install, .. }) => install.clone(),
                        _ => String::new(),
                    };
                    hint(
                        e,
                        format!(
                            "install it with: rustup toolchain install {install} (or pass --allow-toolchain-mismatch)"
                        ),
                    )
                }
                _ if matches!(
                    e.downcast_ref::<rebuild::RebuildError>(),
                    Some(rebuild::RebuildError::MissingCrate { .. } | rebuild::RebuildError::NotFromCratesIo { .. })
                ) =>
                {
                    hint(
                        e,
                        "ask the vendor to release with --include-dependencies, so that the bundle carries deps/vendor.tar",
                    )
                }
                _ if matches!(
                    e.downcast_ref::<rebuild::RebuildError>(),
                    Some(rebuild::RebuildError::Sandbox(vouch_manifests::sandbox::SandboxError::NoNetworkCut { .. }))
                ) =>
                {
                    hint(
                        e,
                        "install util-linux's unshare and allow unprivileged user namespaces (e.g. sysctl kernel.unprivileged_userns_clone=1), or rebuild on Linux 6.7 or later",
                    )
                }
                _ if matches!(
                    e.downcast_ref::<rebuild::RebuildError>(),
                    Some(rebuild::RebuildError::Sandbox(vouch_manifests::sandbox::SandboxError::NoLandlock))
                ) =>
                {
                    hint(
                        e,
                        "rebuild on Linux 6.2 or later with Landlock enabled (lsm=...,landlock on the kernel command line)",
                    )
                }
                _ => e,
            };
            return Err(e);
        }
    };
    if a.keep {
        eprintln!("work directory kept: {}", work.display());
    }
    // The diffoscope reports are named in the human report only: a JSON
    // report carries the causes and first offsets, and leaves no files behind.
    let explained = match a.format {
        Format::Human => explain(&report, &b, &work, a.diffoscope_timeout, &cancel),
        Format::Json => String::new(),
    };
    let mut text = render(&report, &b, &work, a.keep);
    text.push_str(&explained);
    cleanup(a.keep);
    if cancel.load(Ordering::SeqCst) {
        let done = if a.keep { "the work directory is kept" } else { "the work directory was removed" };
        anyhow::bail!(
            "rebuild of {} {} interrupted: no report was written and {done}",
            m.project.name,
            m.project.version
        );
    }
    if let Some(key) = &key {
        let time = a.now.map(vouch_signing::manifest_sig::SigningTime::At).unwrap_or_default();
        let w = vouch_signing::reports::write_signed_report(&b.dir, &report, key, time)?;
        eprintln!("signed rebuild report: {} and {}", w.report.display(), w.signature.display());
    }
    match a.format {
        Format::Json => print_json(&report)?,
        Format::Human => print_text(&text)?,
    }
    Ok(if report.reproduced { Status::Held } else { Status::DoesNotHold })
}

/// For each differing artifact whose original the bundle carries: a
/// diffoscope text report (with a time limit) when diffoscope is installed,
/// kept under a fresh name in the system's temporary directory (the work
/// directory may be removed); otherwise the command to get one.
fn explain(r: &RebuildReport, b: &OpenBundle, work: &Path, timeout: u64, cancel: &Arc<AtomicBool>) -> String {
    let mut s = String::new();
    for a in r.artifacts.iter().filter(|a| !a.identical && a.actual.is_some()) {
        let original = b.dir.join("artifacts").join(&a.path);
        let rebuilt = work.join("source").join(&a.path);
        if !original.is_file() {
            continue;
        }
        // A fresh, unpredictable name: never write through a planted file.
        let report = match tempfile::Builder::new()
            .prefix(&format!("vouch-diffoscope-{}-", r.project.name))
            .suffix(".txt")
            .tempfile()
            .and_then(|f| f.keep().map_err(|e| e.error))
        {
            Ok((_, p)) => p,
            Err(e) => {
                let _ = writeln!(s, "cannot create a file for the diffoscope report of {}: {e}", a.path);
                continue;
            }
        };
        match rebuild::diffoscope(&original, &rebuilt, &report, Duration::from_secs(timeout), Some(Arc::clone(cancel)))
        {
            rebuild::Explanation::Report(p) => {
                let _ = writeln!(s, "diffoscope report for {}: {}", a.path, p.display());
            }
            rebuild::Explanation::TimedOut(p) => {
                let _ =
                    writeln!(s, "diffoscope on {} stopped after {timeout} s; partial report: {}", a.path, p.display());
            }
            rebuild::Explanation::NotInstalled => {
                let _ = writeln!(
                    s,
                    "for a deeper diff of {}: apt-get install diffoscope, then rerun with --keep and run: diffoscope {} <workdir>/source/{}",
                    a.path,
                    original.display(),
                    a.path
                );
            }
        }
    }
    s
}

fn render(r: &RebuildReport, b: &OpenBundle, work: &Path, keep: bool) -> String {
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
            let _ = writeln!(s, "           likely cause: {}", crate::output::clean(&c.describe()));
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
