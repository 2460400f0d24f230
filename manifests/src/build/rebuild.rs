//! Rebuilding a release from reviewed source and comparing the artifacts
//! bit for bit.
//!
//! The work directory receives exactly the manifest's entries: a checked
//! local git clone at the recorded commit when the reviewed source is a
//! checkout at it ([`GitMetadata`], so that build scripts asking git see
//! what the release build saw), else a copy (never following a symlink out
//! of the tree). The Rust toolchain is the recorded one, picked among
//! rustup's ([`choose_toolchain`]). The recorded command runs there,
//! confined ([`crate::build::sandbox`]: writes to the work directory, reads to it,
//! the toolchain and system directories, no network), from an empty
//! environment plus the recorded allow-listed variables (checked when the
//! manifest was parsed), the recorded path remapping (onto the work
//! directory; for C builds the compilers' prefix maps), a private cargo
//! home and Cargo offline. A difference is explained by its likely cause
//! where one can be named ([`crate::build::causes`]).
//!
//! The caller verifies the bundle first (`vouch_signing::verify`): nothing
//! here checks signatures.

use crate::build::{self, BuildSpec};
use crate::model::diff::TreeDiff;
use crate::model::digest::{Digest, hash_reader};
use crate::model::manifest::{EntryKind, Manifest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Schema of rebuild reports.
pub const REPORT_SCHEMA: &str = "vouch.rebuild-report/v1";

#[derive(Debug, Clone)]
pub struct RebuildSpec {
    /// The bundle directory (for `artifacts/` and `deps/`).
    pub bundle: PathBuf,
    pub manifest: Manifest,
    /// The manifest's digest, recorded in the report.
    pub manifest_digest: Digest,
    /// The reviewed source (already checked against the manifest).
    pub source: PathBuf,
    /// The work directory to create (must not exist yet).
    pub workdir: PathBuf,
    pub timeout: Option<Duration>,
    pub toolchain: ToolchainPolicy,
    /// The reviewer's cargo home, whose registry cache supplies the locked
    /// crates when the bundle carries no `deps/vendor.tar` (vouch reads it
    /// before the build; the build never sees it).
    pub cargo_cache: Option<PathBuf>,
    /// How to cut the build off the network; `None`: the best this machine
    /// has ([`crate::build::sandbox::network_cut`]).
    pub network: Option<crate::build::sandbox::NetworkCut>,
    /// Set by a signal handler to stop the build (its process group is killed).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Whether each file's digest is checked as it is copied.
    pub copies: CopyCheck,
    /// The `vouch` binary, to launch the build confined (see
    /// [`crate::build::sandbox`]); `None` runs it unconfined (tests of the library only).
    pub launcher: Option<PathBuf>,
    /// Whether the work directory gets the git metadata the release build
    /// saw ([`git_metadata`], decided before the rebuild so that the caller
    /// can say so first).
    pub git: GitMetadata,
}

/// The git metadata a rebuild's build scripts see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitMetadata {
    /// The reviewed source is a clean git checkout at the recorded commit:
    /// the work directory is a clean local clone of it at that commit (on
    /// the checkout's branch, `origin` set to the recorded remote), every
    /// manifest file checked.
    Clone {
        /// The reviewer's repository.
        repo: PathBuf,
        commit: String,
        /// The checkout's branch, if HEAD is on one.
        branch: Option<String>,
    },
    /// None: the work directory receives the manifest's files only, and a
    /// build that reads git metadata (`git rev-parse`, `git describe`) sees
    /// none and will differ.
    Absent { reason: String },
}

/// Decides whether a rebuild of `manifest` from `source` can give the build
/// the release's git metadata.
pub fn git_metadata(manifest: &Manifest, source: &Path) -> GitMetadata {
    let absent = |reason: String| GitMetadata::Absent { reason };
    let Some(vcs) = &manifest.source.vcs else {
        return absent("the release records no git commit".into());
    };
    if vcs.dirty {
        return absent(format!("the release was built from a dirty tree (commit {} plus changes)", vcs.commit));
    }
    let repo = match crate::tree::git::open(source) {
        Ok(Some(r)) => r,
        Ok(None) => return absent(format!("{} is not a git checkout", source.display())),
        Err(e) => {
            return absent(format!(
                "{} cannot be read as a git checkout: {}",
                source.display(),
                crate::error_chain(&e)
            ));
        }
    };
    let head = repo.head().ok();
    let at = head.as_ref().and_then(|h| h.peel_to_commit().ok()).map(|c| c.id().to_string());
    if at.as_deref() != Some(vcs.commit.as_str()) {
        return absent(format!(
            "{} is at commit {}, not the recorded {}",
            source.display(),
            at.as_deref().unwrap_or("(none)"),
            vcs.commit
        ));
    }
    let branch = head.as_ref().filter(|h| h.is_branch()).and_then(|h| h.shorthand().ok().map(str::to_string));
    GitMetadata::Clone { repo: source.to_path_buf(), commit: vcs.commit.clone(), branch }
}

/// Whether [`populate`] checks digests while copying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyCheck {
    /// Every copied file must have its manifest digest (the default).
    Verify,
    /// Test-only: copy whatever is there, to exercise the artifact comparison.
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolchainPolicy {
    Require,
    AllowMismatch,
}

/// The outcome of one artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactResult {
    pub path: String,
    pub expected: Digest,
    pub expected_size: u64,
    /// Absent when the rebuild did not produce the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_size: Option<u64>,
    pub identical: bool,
    /// Where the bytes first differ, with hex windows, when the original is
    /// in the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<FirstDifference>,
    /// The likely causes of the difference, where they can be named
    /// ([`crate::build::causes`]), when the original is in the bundle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<crate::build::causes::Cause>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstDifference {
    pub offset: u64,
    /// Hex of up to 16 bytes before and 16 from the offset, original.
    pub expected_hex: String,
    pub actual_hex: String,
    pub window_start: u64,
}

/// The rebuild report, as written to `reports/<KEYID>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuildReport {
    pub schema: String,
    pub project: crate::model::manifest::Project,
    pub manifest_digest: Digest,
    pub command: Vec<String>,
    pub toolchain: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub toolchain_matches: bool,
    /// Whether the build saw the release's git metadata (a clone at the
    /// recorded commit); absent in reports of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_metadata: Option<bool>,
    pub artifacts: Vec<ArtifactResult>,
    /// True when every artifact is identical.
    pub reproduced: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("the bundle's manifest has no build section: there is nothing to rebuild")]
    NoBuild,
    #[error(
        "the release was not built by vouch (its artifacts were recorded as built elsewhere): there is no command to rerun"
    )]
    NoCommand,
    #[error("the reviewed source {source_dir} differs from the manifest: {summary}")]
    SourceMismatch { source_dir: PathBuf, summary: String, diff: Box<TreeDiff> },
    #[error("toolchain differs from the recorded one: {0}")]
    Toolchain(String),
    #[error("the release was built with {recorded:?}, which is not installed here (no rustup toolchain has it)")]
    ToolchainNotInstalled {
        recorded: String,
        /// The rustup toolchain to install (`rustup toolchain install <install>`).
        install: String,
    },
    #[error("cannot clone {repo} at commit {commit} into the work directory: {reason}")]
    Clone { repo: PathBuf, commit: String, reason: String },
    #[error("the clone at commit {commit} differs from the manifest at {path}: {reason}")]
    CloneMismatch { commit: String, path: String, reason: String },
    #[error("cannot clone {repo} at commit {commit} into the work directory: cannot run git")]
    CloneRun {
        repo: PathBuf,
        commit: String,
        #[source]
        source: std::io::Error,
    },
    /// A manifest entry of the clone cannot be looked at (`what`: missing,
    /// not a symlink).
    #[error("the clone at commit {commit} differs from the manifest at {path}: {what}")]
    CloneEntry {
        commit: String,
        path: String,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("work directory {path} already exists")]
    WorkdirExists { path: PathBuf },
    #[error("cannot prepare work directory {path}")]
    Workdir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("symlink {path} points to {target:?}, outside the source tree")]
    EscapingSymlink { path: String, target: String },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} changed while it was copied: expected {expected}, read {actual}")]
    CopyMismatch { path: String, expected: Digest, actual: Digest },
    #[error(transparent)]
    Build(#[from] build::BuildError),
    #[error(transparent)]
    Archive(#[from] crate::tree::archive::ArchiveError),
    #[error(transparent)]
    CargoHome(#[from] build::CargoHomeError),
    #[error(transparent)]
    Sandbox(#[from] crate::build::sandbox::SandboxError),
    #[error("dependency {name} {version} is not in the local cargo cache ({searched})")]
    MissingCrate { name: String, version: String, searched: PathBuf },
    #[error(
        "dependency {name} {version} comes from {source_id}, which a rebuild cannot take from the local cargo cache"
    )]
    NotFromCratesIo { name: String, version: String, source_id: String },
    #[error("{path} is not the locked crate: Cargo.lock has sha256 {expected}, the file has {actual}")]
    CrateChecksum { path: PathBuf, expected: String, actual: String },
    #[error("{path} unpacks to {found:?}, not {expected:?}")]
    CrateLayout { path: PathBuf, expected: String, found: String },
}

/// The Rust toolchain folder to rebuild with: the rustup toolchain whose
/// `rustc -vV` first line (version and commit hash) is the recorded one,
/// else the `rustc` on PATH when it is that one; a release that recorded no
/// rustc uses the one on PATH. `Err` names the toolchain to install (the
/// channel of the source's `rust-toolchain.toml` when it names a version,
/// else the recorded version).
pub fn choose_toolchain(
    recorded: &crate::model::manifest::Build,
    source: &Path,
) -> Result<Option<PathBuf>, RebuildError> {
    let Some(want) = recorded.toolchain.get("rustc") else {
        return Ok(build::toolchain_sysroot());
    };
    if let Some(tc) =
        build::rustup_toolchains().into_iter().find(|t| build::rustc_line(t).as_deref() == Some(want.as_str()))
    {
        return Ok(Some(tc));
    }
    if let Some(s) = build::toolchain_sysroot()
        && build::rustc_line(&s).as_deref() == Some(want.as_str())
    {
        return Ok(Some(s));
    }
    let pinned = build::toolchain_file_channel(source)
        .filter(|c| c.starts_with(|ch: char| ch.is_ascii_digit()) || c.contains("-20"));
    let install = pinned.or_else(|| build::install_name(want)).unwrap_or_else(|| want.clone());
    Err(RebuildError::ToolchainNotInstalled { recorded: want.clone(), install })
}

/// Compares the toolchain here (Rust from `sysroot` when given) with the
/// recorded one; `Err` names what differs.
pub fn compare_toolchain(
    recorded: &crate::model::manifest::Build,
    kind: build::BuildKind,
    sysroot: Option<&Path>,
) -> (BTreeMap<String, String>, Option<String>, Result<(), String>) {
    // Every recorded build tool is measured, whatever the command names.
    let kind = match kind {
        build::BuildKind::C(mut t) => {
            let has = |tool: &str| recorded.toolchain.contains_key(tool);
            t.make |= has("make");
            t.cmake |= has("cmake");
            t.ninja |= has("ninja");
            build::BuildKind::C(t)
        }
        k => k,
    };
    let (now, host) = build::toolchain_for(&build::Tools { kind, dir: None, sysroot, env: &recorded.env });
    let mut diffs = Vec::new();
    for (tool, want) in &recorded.toolchain {
        match now.get(tool) {
            Some(have) if have == want => {}
            Some(have) => diffs.push(format!("{tool}: recorded {want:?}, here {have:?}")),
            None => diffs.push(format!("{tool}: recorded {want:?}, not found here")),
        }
    }
    if recorded.host.is_some() && recorded.host != host {
        diffs.push(format!("host: recorded {:?}, here {:?}", recorded.host, host));
    }
    let r = if diffs.is_empty() { Ok(()) } else { Err(diffs.join("; ")) };
    (now, host, r)
}

/// True when `target`, taken relative to the directory of `path`, stays
/// inside the tree.
fn symlink_stays_inside(path: &str, target: &str) -> bool {
    if target.starts_with('/') {
        return false;
    }
    let mut depth: i64 = path.matches('/').count() as i64;
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}

/// Copies exactly the manifest's entries from `source` into `work`,
/// checking each file's digest as it is copied.
pub fn populate(manifest: &Manifest, source: &Path, work: &Path, copies: CopyCheck) -> Result<(), RebuildError> {
    for e in &manifest.source.files {
        let rel = e.path().to_path();
        let dest = work.join(&rel);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p).map_err(|source| RebuildError::Workdir { path: p.to_path_buf(), source })?;
        }
        let werr = |source| RebuildError::Workdir { path: dest.clone(), source };
        match e.kind() {
            EntryKind::File | EntryKind::Exec => {
                let from = source.join(&rel);
                let rerr = |source| RebuildError::Read { path: from.clone(), source };
                // Never follow a symlink: the source entry must be a file.
                let meta = std::fs::symlink_metadata(&from).map_err(rerr)?;
                if !meta.is_file() {
                    return Err(RebuildError::Read {
                        path: from.clone(),
                        source: std::io::Error::other("expected a regular file"),
                    });
                }
                let bytes = {
                    let mut f = std::fs::File::open(&from).map_err(rerr)?;
                    let mut v = Vec::with_capacity(meta.len() as usize);
                    f.read_to_end(&mut v).map_err(rerr)?;
                    v
                };
                let d = Digest::of(&bytes);
                if copies == CopyCheck::Verify && Some(d) != e.digest() {
                    return Err(RebuildError::CopyMismatch {
                        path: e.path().to_string(),
                        expected: e.digest().unwrap_or(d),
                        actual: d,
                    });
                }
                std::fs::write(&dest, &bytes).map_err(werr)?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = if e.kind() == EntryKind::Exec { 0o755 } else { 0o644 };
                    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode)).map_err(werr)?;
                }
            }
            EntryKind::Symlink => {
                let target = e.target().unwrap_or_default();
                if !symlink_stays_inside(e.path().as_str(), target) {
                    return Err(RebuildError::EscapingSymlink {
                        path: e.path().to_string(),
                        target: target.to_string(),
                    });
                }
                #[cfg(unix)]
                std::os::unix::fs::symlink(target, &dest).map_err(werr)?;
            }
            EntryKind::Submodule => {
                std::fs::create_dir_all(&dest).map_err(werr)?;
            }
        }
    }
    Ok(())
}

fn hex_window(bytes: &[u8], start: usize, len: usize) -> String {
    let end = (start + len).min(bytes.len());
    if start >= end {
        return String::new();
    }
    bytes[start..end].iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// The first differing offset of two byte strings, with a hex window.
pub fn first_difference(expected: &[u8], actual: &[u8]) -> Option<FirstDifference> {
    let n = expected.len().min(actual.len());
    let off =
        (0..n).find(|&i| expected[i] != actual[i]).or(if expected.len() != actual.len() { Some(n) } else { None })?;
    let start = off.saturating_sub(16);
    Some(FirstDifference {
        offset: off as u64,
        expected_hex: hex_window(expected, start, 32),
        actual_hex: hex_window(actual, start, 32),
        window_start: start as u64,
    })
}

/// Compares each recorded artifact with what the work directory holds.
pub fn compare_artifacts(
    manifest: &Manifest,
    bundle: &Path,
    work: &Path,
    hints: &crate::build::causes::Hints,
) -> Result<Vec<ArtifactResult>, RebuildError> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; crate::tree::scan::BUFFER_SIZE];
    for a in manifest.artifacts.iter().flatten() {
        let built = work.join(a.path.to_path());
        let actual = match std::fs::File::open(&built) {
            Ok(f) => {
                Some(hash_reader(f, &mut buf).map_err(|source| RebuildError::Read { path: built.clone(), source })?)
            }
            Err(_) => None,
        };
        let identical = actual.as_ref().is_some_and(|(d, _)| *d == a.digest);
        let mut first = None;
        let mut causes = Vec::new();
        let original = bundle.join("artifacts").join(a.path.to_path());
        if !identical
            && actual.is_some()
            && let (Ok(exp), Ok(act)) = (std::fs::read(&original), std::fs::read(&built))
        {
            first = first_difference(&exp, &act);
            causes = crate::build::causes::find(&exp, &act, hints);
        }
        out.push(ArtifactResult {
            path: a.path.to_string(),
            expected: a.digest,
            expected_size: a.size,
            actual: actual.map(|(d, _)| d),
            actual_size: actual.map(|(_, n)| n),
            identical,
            first_difference: first,
            causes,
        });
    }
    Ok(out)
}

/// Populates the work directory, runs the recorded build and compares.
/// The caller checks the source first and removes the work directory.
pub fn rebuild(spec: &RebuildSpec) -> Result<RebuildReport, RebuildError> {
    let m = &spec.manifest;
    let record = m.build.as_ref().ok_or(RebuildError::NoBuild)?;
    if record.command.is_empty() || record.no_build {
        return Err(RebuildError::NoCommand);
    }
    let kind = build::build_kind(&record.command, &spec.source);
    let sysroot = match choose_toolchain(record, &spec.source) {
        Ok(s) => s,
        Err(_) if spec.toolchain == ToolchainPolicy::AllowMismatch => build::toolchain_sysroot(),
        Err(e) => return Err(e),
    };
    let (toolchain, host, tc) = compare_toolchain(record, kind, sysroot.as_deref());
    if let Err(why) = &tc
        && spec.toolchain == ToolchainPolicy::Require
    {
        return Err(RebuildError::Toolchain(why.clone()));
    }
    // The sandbox must hold before anything is prepared.
    let network = match (&spec.launcher, &spec.network) {
        (None, _) => None,
        (Some(_), n) => {
            crate::build::sandbox::check_available()?;
            Some(match n {
                Some(n) => n.clone(),
                None => crate::build::sandbox::network_cut()?,
            })
        }
    };
    if spec.workdir.exists() {
        return Err(RebuildError::WorkdirExists { path: spec.workdir.clone() });
    }
    let src_dir = spec.workdir.join("source");
    match &spec.git {
        GitMetadata::Clone { repo, commit, branch } if spec.copies == CopyCheck::Verify => {
            std::fs::create_dir_all(&spec.workdir)
                .map_err(|source| RebuildError::Workdir { path: spec.workdir.clone(), source })?;
            clone_at(
                repo,
                commit,
                branch.as_deref(),
                m.source.vcs.as_ref().and_then(|v| v.remote.as_deref()),
                &src_dir,
            )?;
            check_clone(m, commit, &src_dir)?;
        }
        _ => {
            std::fs::create_dir_all(&src_dir)
                .map_err(|source| RebuildError::Workdir { path: src_dir.clone(), source })?;
            populate(m, &spec.source, &src_dir, spec.copies)?;
        }
    }
    let src_dir = src_dir.canonicalize().map_err(|source| RebuildError::Workdir { path: src_dir.clone(), source })?;

    // The environment is built from nothing: the recorded allow-listed
    // names (checked when the manifest was parsed), a home, temporary
    // files and PATH inside the work directory and the toolchain.
    let mut extra: BTreeMap<String, String> = record.env.clone();
    let mut remove: Vec<String> = Vec::new();
    let workdir =
        spec.workdir.canonicalize().map_err(|source| RebuildError::Workdir { path: spec.workdir.clone(), source })?;
    let wdir = |p: PathBuf| {
        std::fs::create_dir_all(&p).map(|_| p.clone()).map_err(|source| RebuildError::Workdir { path: p, source })
    };
    let tmp = wdir(workdir.join("tmp"))?;
    let home = wdir(workdir.join("home"))?;
    extra.insert("TMPDIR".into(), tmp.display().to_string());
    extra.insert("HOME".into(), home.display().to_string());
    // git inside the build reads the clone (if any) and nothing above the
    // work directory, nor the system's configuration (unreadable anyway).
    extra.insert("GIT_CONFIG_NOSYSTEM".into(), "1".into());
    extra.insert("GIT_CEILING_DIRECTORIES".into(), workdir.display().to_string());
    let mut path: Vec<String> = sysroot.iter().map(|s| s.join("bin").display().to_string()).collect();
    path.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(String::from));
    extra.insert("PATH".into(), path.join(":"));
    // Writes go to the work directory only; reads to it, the toolchain and
    // the system's read-only directories.
    let writable = vec![workdir.clone(), PathBuf::from("/dev/null")];
    let mut readable: Vec<PathBuf> = sysroot.into_iter().collect();
    readable.extend(crate::build::sandbox::system_readable());
    if let build::BuildKind::C(_) = kind
        && record.path_remap.iter().any(|r| r.role == crate::model::manifest::RemapRole::Source)
    {
        // The compilers' prefix maps, as the release applied them.
        extra.extend(build::c_env(&record.env, &src_dir).0);
    }
    if build::is_cargo(&record.command) {
        // Dependency sources: the bundle's vendored tar when present (with a
        // private cargo home), else the local cargo cache; offline either way.
        let deps = match &record.vendored {
            Some(v) => {
                let tar = spec.bundle.join(v.path.to_path());
                let bytes = std::fs::read(&tar).map_err(|source| RebuildError::Read { path: tar.clone(), source })?;
                let actual = Digest::of(&bytes);
                if actual != v.digest {
                    return Err(RebuildError::CopyMismatch { path: v.path.to_string(), expected: v.digest, actual });
                }
                let deps_root = spec.workdir.join("deps");
                std::fs::create_dir_all(&deps_root)
                    .map_err(|source| RebuildError::Workdir { path: deps_root.clone(), source })?;
                let dir = crate::tree::archive::extract_bundle(&tar, &deps_root)?;
                build::CargoDeps::Vendored { dir, home: spec.workdir.join("cargo-home") }
            }
            None => {
                let home = workdir.join("cargo-home");
                private_cargo_home(record, spec.cargo_cache.as_deref(), &home)?;
                build::CargoDeps::Private { home }
            }
        };
        let cargo = build::cargo_env(&record.env, &src_dir, &deps, build::Network::Offline)?;
        extra.extend(cargo.set);
        remove.extend(cargo.remove);
    }
    let log = spec.workdir.join("build.log");
    let started = unix_now();
    build::run(&BuildSpec {
        source: src_dir.clone(),
        command: record.command.clone(),
        workdir: record.workdir.clone(),
        extra_env: extra,
        remove_env: remove,
        log,
        timeout: spec.timeout,
        confine: match (&spec.launcher, network) {
            (Some(launcher), Some(network)) => {
                Some(build::Confine { launcher: launcher.clone(), writable, readable, network })
            }
            _ => None,
        },
        cancel: spec.cancel.clone(),
    })?;
    let hints = crate::build::causes::Hints {
        files: m.source.files.iter().map(|e| e.path().to_string()).collect(),
        work: workdir.display().to_string(),
        commit: m.source.vcs.as_ref().map(|v| v.commit.clone()),
        window: (started, unix_now()),
        host: crate::build::causes::host_name(),
    };
    let artifacts = compare_artifacts(m, &spec.bundle, &src_dir, &hints)?;
    let reproduced = !artifacts.is_empty() && artifacts.iter().all(|a| a.identical);
    Ok(RebuildReport {
        schema: REPORT_SCHEMA.into(),
        project: m.project.clone(),
        manifest_digest: spec.manifest_digest,
        command: record.command.clone(),
        toolchain,
        host,
        toolchain_matches: tc.is_ok(),
        git_metadata: Some(matches!(spec.git, GitMetadata::Clone { .. }) && spec.copies == CopyCheck::Verify),
        artifacts,
        reproduced,
    })
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `git clone --local --no-hardlinks --no-checkout REPO DEST`, then a
/// detached checkout of `commit` (or `branch` at it), with no hooks run and
/// `origin` set to the recorded remote.
fn clone_at(
    repo: &Path,
    commit: &str,
    branch: Option<&str>,
    remote: Option<&str>,
    dest: &Path,
) -> Result<(), RebuildError> {
    let fail = |reason: String| RebuildError::Clone { repo: repo.to_path_buf(), commit: commit.to_string(), reason };
    let git = |args: &[&str], dir: Option<&Path>| -> Result<(), RebuildError> {
        let mut c = std::process::Command::new("git");
        c.args(["-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false"]);
        if let Some(d) = dir {
            c.arg("-C").arg(d);
        }
        c.args(args).env("GIT_TERMINAL_PROMPT", "0").stdin(std::process::Stdio::null());
        let out = c.output().map_err(|source| RebuildError::CloneRun {
            repo: repo.to_path_buf(),
            commit: commit.to_string(),
            source,
        })?;
        if !out.status.success() {
            return Err(fail(format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    };
    let (repo_s, dest_s) = (repo.display().to_string(), dest.display().to_string());
    git(&["clone", "--quiet", "--local", "--no-hardlinks", "--no-checkout", "--", &repo_s, &dest_s], None)?;
    match branch {
        Some(b) => git(&["checkout", "--quiet", "-B", b, commit], Some(dest))?,
        None => git(&["checkout", "--quiet", "--detach", commit], Some(dest))?,
    }
    if let Some(r) = remote {
        git(&["remote", "set-url", "origin", r], Some(dest))?;
    }
    Ok(())
}

/// Checks that the clone holds exactly the manifest's entries (kind,
/// digest, symlink target); paths the manifest leaves out (`--exclude` at
/// release time) are removed, so the build sees only reviewed bytes.
fn check_clone(m: &Manifest, commit: &str, dir: &Path) -> Result<(), RebuildError> {
    let bad = |path: &str, reason: String| RebuildError::CloneMismatch {
        commit: commit.to_string(),
        path: path.to_string(),
        reason,
    };
    let entry = |path: &str, what: &'static str| {
        let path = path.to_string();
        move |source| RebuildError::CloneEntry { commit: commit.to_string(), path, what, source }
    };
    let mut listed: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    for e in &m.source.files {
        let p = dir.join(e.path().to_path());
        listed.insert(e.path().to_path());
        let meta = std::fs::symlink_metadata(&p).map_err(entry(e.path().as_str(), "missing"))?;
        match e.kind() {
            EntryKind::File | EntryKind::Exec => {
                if !meta.is_file() {
                    return Err(bad(e.path().as_str(), "not a regular file".into()));
                }
                let bytes = std::fs::read(&p).map_err(|source| RebuildError::Read { path: p.clone(), source })?;
                let d = Digest::of(&bytes);
                if Some(d) != e.digest() {
                    return Err(bad(
                        e.path().as_str(),
                        format!("has {d}, the manifest {}", e.digest().map(|d| d.to_string()).unwrap_or_default()),
                    ));
                }
            }
            EntryKind::Symlink => {
                let t = std::fs::read_link(&p).map_err(entry(e.path().as_str(), "not a symlink"))?;
                if t.to_str() != e.target() {
                    return Err(bad(
                        e.path().as_str(),
                        format!("points to {}, the manifest to {:?}", t.display(), e.target()),
                    ));
                }
            }
            EntryKind::Submodule => {}
        }
    }
    let mut extra = Vec::new();
    for entry in
        walkdir::WalkDir::new(dir).min_depth(1).into_iter().filter_entry(|e| e.depth() != 1 || e.file_name() != ".git")
    {
        let entry = entry.map_err(|e| RebuildError::Read { path: dir.to_path_buf(), source: e.into() })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_path_buf();
        if !listed.contains(&rel)
            && !m.source.files.iter().any(|f| f.kind() == EntryKind::Submodule && rel.starts_with(f.path().to_path()))
        {
            extra.push(entry.path().to_path_buf());
        }
    }
    for p in extra {
        std::fs::remove_file(&p).map_err(|source| RebuildError::Workdir { path: p.clone(), source })?;
    }
    Ok(())
}

/// The registry crates.io has in Cargo.lock.
const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// Lays out a private cargo home at `home` holding exactly the locked
/// crates of `record`, taken from the reviewer's cargo cache (`cache`,
/// `registry/cache/<index>/<name>-<version>.crate`, each checked against
/// Cargo.lock's checksum) and unpacked where Cargo itself would unpack them,
/// `registry/src/<index>/<name>-<version>/`; a `config.toml` replaces
/// crates.io with that directory, offline. The build's paths are then the
/// release's, remapped as its cargo home was.
pub fn private_cargo_home(
    record: &crate::model::manifest::Build,
    cache: Option<&Path>,
    home: &Path,
) -> Result<(), RebuildError> {
    let herr = |p: &Path| {
        let path = p.to_path_buf();
        move |source| RebuildError::Workdir { path, source }
    };
    let caches = cache.map(|c| c.join("registry").join("cache")).unwrap_or_default();
    // The cache's index folders (one per registry and cargo hashing scheme);
    // the one holding the most locked crates is used.
    let mut indexes: Vec<PathBuf> = std::fs::read_dir(&caches)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    indexes.sort();
    for d in &record.dependencies {
        let src = d.source.as_deref().unwrap_or_default();
        if src != CRATES_IO {
            return Err(RebuildError::NotFromCratesIo {
                name: d.name.clone(),
                version: d.version.clone(),
                source_id: src.to_string(),
            });
        }
    }
    let crate_file =
        |idx: &Path, d: &crate::model::manifest::Dependency| idx.join(format!("{}-{}.crate", d.name, d.version));
    let best =
        indexes.iter().max_by_key(|idx| record.dependencies.iter().filter(|d| crate_file(idx, d).is_file()).count());
    let index_name =
        best.and_then(|b| b.file_name()).map(|n| n.to_os_string()).unwrap_or_else(|| "index.crates.io".into());
    let src_root = home.join("registry").join("src").join(&index_name);
    std::fs::create_dir_all(&src_root).map_err(herr(&src_root))?;
    let scratch = home.join("unpack");
    for d in &record.dependencies {
        let file = match best {
            Some(idx) if crate_file(idx, d).is_file() => crate_file(idx, d),
            _ => {
                return Err(RebuildError::MissingCrate {
                    name: d.name.clone(),
                    version: d.version.clone(),
                    searched: best.map(|b| crate_file(b, d)).unwrap_or(caches.clone()),
                });
            }
        };
        let bytes = std::fs::read(&file).map_err(|source| RebuildError::Read { path: file.clone(), source })?;
        let actual = Digest::of(&bytes).hex();
        if let Some(want) = &d.checksum
            && *want != actual
        {
            return Err(RebuildError::CrateChecksum { path: file, expected: want.clone(), actual });
        }
        // The one archive reader checks every member; it reads a plain tar.
        std::fs::create_dir_all(&scratch).map_err(herr(&scratch))?;
        let tar = scratch.join("crate.tar");
        let mut out = std::fs::File::create(&tar).map_err(herr(&tar))?;
        std::io::copy(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .map_err(|source| RebuildError::Read { path: file.clone(), source })?;
        drop(out);
        let unpacked = scratch.join("out");
        let dir = crate::tree::archive::extract_bundle(&tar, &unpacked)?;
        let expected = format!("{}-{}", d.name, d.version);
        let found = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if found != expected {
            return Err(RebuildError::CrateLayout { path: file, expected, found });
        }
        let dest = src_root.join(&expected);
        std::fs::rename(&dir, &dest).map_err(herr(&dest))?;
        let checksum = format!("{{\"files\":{{}},\"package\":\"{actual}\"}}");
        std::fs::write(dest.join(".cargo-checksum.json"), checksum).map_err(herr(&dest))?;
        std::fs::remove_dir_all(&scratch).map_err(herr(&scratch))?;
    }
    let config = format!(
        "[source.crates-io]\nreplace-with = \"vouch-locked\"\n\n[source.vouch-locked]\ndirectory = \"{}\"\n\n[net]\noffline = true\n",
        src_root.display().to_string().replace('\\', "\\\\").replace('"', "\\\"")
    );
    let cfg = home.join("config.toml");
    std::fs::write(&cfg, config).map_err(herr(&cfg))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_inside_and_out() {
        assert!(symlink_stays_inside("a/b", "c"));
        assert!(symlink_stays_inside("a/b", "../c"));
        assert!(!symlink_stays_inside("a/b", "../../c"));
        assert!(!symlink_stays_inside("a", "/etc/passwd"));
        assert!(symlink_stays_inside("a/b/c", "../x/../y"));
    }

    #[test]
    fn first_difference_windows() {
        assert_eq!(first_difference(b"abc", b"abc"), None);
        let d = first_difference(b"abcdef", b"abXdef").unwrap();
        assert_eq!(d.offset, 2);
        assert_eq!(d.expected_hex, "61 62 63 64 65 66");
        assert_eq!(d.actual_hex, "61 62 58 64 65 66");
        assert_eq!(first_difference(b"ab", b"abc").unwrap().offset, 2);
    }
}

/// What [`diffoscope`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Explanation {
    /// The text report.
    Report(PathBuf),
    /// diffoscope hit the time limit; what it wrote so far.
    TimedOut(PathBuf),
    /// diffoscope is not on PATH.
    NotInstalled,
}

/// Runs `diffoscope --text REPORT ORIGINAL REBUILT` with a time limit.
pub fn diffoscope(
    original: &Path,
    rebuilt: &Path,
    report: &Path,
    limit: Duration,
    cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
) -> Explanation {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("diffoscope").is_file()))
        .unwrap_or(false);
    if !found {
        return Explanation::NotInstalled;
    }
    let log = report.with_extension("log");
    let spec = BuildSpec {
        source: std::env::temp_dir(),
        command: vec![
            "diffoscope".into(),
            "--text".into(),
            report.display().to_string(),
            original.display().to_string(),
            rebuilt.display().to_string(),
        ],
        workdir: ".".into(),
        extra_env: BTreeMap::new(),
        remove_env: Vec::new(),
        log: log.clone(),
        timeout: Some(limit),
        confine: None,
        cancel,
    };
    // diffoscope exits 1 when the files differ, which they do.
    match build::run(&spec) {
        Err(build::BuildError::TimedOut { .. }) => Explanation::TimedOut(report.to_path_buf()),
        _ if std::fs::metadata(report).is_ok_and(|m| m.len() > 0) => {
            let _ = std::fs::remove_file(&log);
            Explanation::Report(report.to_path_buf())
        }
        _ => Explanation::Report(log),
    }
}
