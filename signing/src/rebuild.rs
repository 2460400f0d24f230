//! The reviewer's rebuild workflow: verify a bundle under the trust policy
//! with the reviewed source (nothing the bundle controls runs otherwise),
//! rebuild it in a work directory, compare the artifacts, explain the
//! differences, clean up, and optionally sign the report into the bundle.
//!
//! It runs in two calls so that the caller can do its own slow or
//! interactive step (reading a secret key's password) only once the bundle
//! is known to be rebuildable: [`Rebuild::open`], then [`Rebuild::run`].
//! Nothing here prints: what happens along the way is reported through
//! [`Event`]s.

use crate::keys::SecretKey;
use crate::manifest_sig::SigningTime;
use crate::policy::{Policy, PolicyError};
use crate::reports::{ReportError, SignedReport};
use crate::review_cache::{CacheChoice, CacheError};
use crate::sig::Legacy;
use crate::verify::{VerifyError, VerifyOptions, VerifyReport};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use vouch_manifests::build::BuildError;
use vouch_manifests::build::rebuild::{self, CopyCheck, Explanation, GitMetadata, RebuildReport, RebuildSpec};
use vouch_manifests::build::sandbox::NetworkCut;
use vouch_manifests::model::manifest::ManifestError;
use vouch_manifests::tree::bundle::{BundleError, OpenBundle};
use vouch_manifests::tree::scan::{Dirty, ScanOptions, Selection, Tracked};

pub use vouch_manifests::build::rebuild::ToolchainPolicy;

/// Whether the work directory outlives the rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkDir {
    /// Removed afterwards (when this rebuild created it).
    #[default]
    Remove,
    /// Kept, for a look at the rebuilt files.
    Keep,
}

/// Whether the reviewed source is checked against the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceCheck {
    #[default]
    Verify,
    /// Test-only: skip the source check, to exercise the artifact comparison.
    SkipForTests,
}

/// What to rebuild, and how.
#[derive(Debug, Clone)]
pub struct RebuildOptions {
    /// The bundle directory or its `.tar` archive.
    pub bundle: PathBuf,
    /// The reviewed source tree.
    pub source: PathBuf,
    /// The trust policy the bundle must verify under.
    pub policy: PathBuf,
    /// The reviewers' folder, for a policy with a `[review]` requirement.
    pub reviews: Option<PathBuf>,
    /// The verified-review cache for `reviews`.
    pub review_cache: CacheChoice,
    /// Source paths left out of the source check.
    pub excludes: Vec<String>,
    /// Where the `<name>-<version>-rebuild` folder is made (default: a
    /// private temporary directory).
    pub workdir: Option<PathBuf>,
    pub keep: WorkDir,
    /// Kill the build after this long.
    pub timeout: Option<Duration>,
    pub toolchain: ToolchainPolicy,
    /// Sign the report into the bundle (which must then be a directory).
    pub sign_report: bool,
    /// The signing time of the report.
    pub signing_time: SigningTime,
    /// Run diffoscope on each differing artifact the bundle carries, with
    /// this time limit; `None`: leave no report files behind.
    pub explain: Option<Duration>,
    /// How to cut the build off the network (`None`: the best available).
    pub network: Option<NetworkCut>,
    /// The `vouch` binary, to launch the build confined.
    pub launcher: PathBuf,
    pub source_check: SourceCheck,
    /// Set (by a signal handler) to stop the rebuild.
    pub cancel: Arc<AtomicBool>,
}

/// Where a rebuild was interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// After verifying, before the build started.
    BeforeBuild,
    /// During the copy, the build or the comparison.
    Build,
    /// After the comparison, before the report was written.
    Report,
}

fn interrupted(stage: &Stage, kept: &bool) -> String {
    let done = if *kept { "the work directory is kept" } else { "the work directory was removed" };
    match stage {
        Stage::BeforeBuild => " before the build started".into(),
        Stage::Build => format!(": the build was stopped and {done}"),
        Stage::Report => format!(": no report was written and {done}"),
    }
}

fn with_source(source_dir: &Option<PathBuf>) -> String {
    source_dir.as_ref().map(|s| format!(" with the source {}", s.display())).unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
pub enum RebuildRunError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The manifest does not parse as one vouch would build from: the
    /// bundle's doing.
    #[error("refusing to rebuild {bundle}")]
    Refused {
        bundle: PathBuf,
        #[source]
        source: BundleError,
    },
    /// A signed report goes into the bundle, which was given as an archive.
    #[error("a signed report is written into the bundle: give the bundle directory, not the archive {archive}")]
    ReportIntoArchive { archive: PathBuf },
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error("{name} {version} does not verify under {}{}: refusing to rebuild", policy.display(), with_source(source_dir))]
    DoesNotVerify {
        name: String,
        version: String,
        policy: PathBuf,
        /// The source it was checked with.
        source_dir: Option<PathBuf>,
        report: Box<VerifyReport>,
    },
    #[error("rebuild of {name} {version} interrupted{}", interrupted(stage, kept))]
    Interrupted { name: String, version: String, stage: Stage, kept: bool },
    #[error("cannot create work directory {path}")]
    Workdir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create a temporary work directory")]
    TempDir(#[source] std::io::Error),
    #[error(transparent)]
    Rebuild(#[from] rebuild::RebuildError),
}

impl RebuildRunError {
    /// Checked, and it does not hold: the bundle does not verify or its
    /// manifest is refused (exit 1 rather than "could not check").
    pub fn does_not_hold(&self) -> bool {
        matches!(self, RebuildRunError::Refused { .. } | RebuildRunError::DoesNotVerify { .. })
    }
}

/// What happened along the way, for the caller to report as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// The verification (and its source hashing) is over.
    Checked,
    /// The bundle verified: the rebuild starts.
    Verified { name: &'a str, version: &'a str, policy: &'a Path },
    /// Whether the build sees the release's git metadata.
    GitMetadata(&'a GitMetadata),
    /// The work directory is kept.
    WorkKept(&'a Path),
    /// The signed report was written into the bundle.
    ReportSigned(&'a SignedReport),
}

/// What diffoscope said about one differing artifact.
#[derive(Debug)]
pub struct Explained {
    /// The artifact's path.
    pub path: String,
    /// The original in the bundle.
    pub original: PathBuf,
    /// diffoscope's report, or why there is none (the file for it could
    /// not be made).
    pub result: Result<Explanation, std::io::Error>,
}

/// The result of a rebuild that ran.
#[derive(Debug)]
pub struct Rebuilt {
    pub report: RebuildReport,
    /// The bundle (for the originals in its `artifacts/`; an archive's
    /// extracted copy lives as long as this).
    pub bundle: OpenBundle,
    /// The work directory (removed unless kept).
    pub work: PathBuf,
    pub kept: bool,
    /// With [`RebuildOptions::explain`]: one per differing artifact whose
    /// original the bundle carries.
    pub explained: Vec<Explained>,
}

/// A bundle that can be rebuilt: opened, with a build command, and (when
/// the report is to be signed) a directory.
pub struct Rebuild {
    opts: RebuildOptions,
    policy: Policy,
    bundle: OpenBundle,
}

impl Rebuild {
    /// Reads the policy and the bundle, and refuses what cannot be rebuilt
    /// before anything slow happens.
    pub fn open(opts: RebuildOptions) -> Result<Rebuild, RebuildRunError> {
        let policy = Policy::read_usable(&opts.policy)?;
        // A manifest the parser refuses (an environment name outside the
        // allow-list, a working directory outside the source) is the
        // bundle's doing: checked, and it does not hold.
        let bundle = OpenBundle::open(&opts.bundle).map_err(|e| match e {
            BundleError::Manifest(ManifestError::Invalid { .. }) => {
                RebuildRunError::Refused { bundle: opts.bundle.clone(), source: e }
            }
            e => e.into(),
        })?;
        match &bundle.manifest.build {
            None => return Err(rebuild::RebuildError::NoBuild.into()),
            Some(r) if r.no_build || r.command.is_empty() => return Err(rebuild::RebuildError::NoCommand.into()),
            _ => {}
        }
        if opts.sign_report && bundle.dir != opts.bundle {
            return Err(RebuildRunError::ReportIntoArchive { archive: opts.bundle.clone() });
        }
        Ok(Rebuild { opts, policy, bundle })
    }

    /// Verifies, rebuilds and compares. `key` signs the report (with
    /// [`RebuildOptions::sign_report`]); `progress` counts the source bytes
    /// hashed; `events` hears of each step as it happens.
    pub fn run(
        self,
        key: Option<&SecretKey>,
        progress: &(dyn Fn(u64) + Sync),
        events: &mut dyn FnMut(Event<'_>),
    ) -> Result<Rebuilt, RebuildRunError> {
        let Rebuild { opts, policy, bundle: b } = self;
        let key = key.filter(|_| opts.sign_report);
        // A read-only bundle should not cost a whole build.
        if key.is_some() {
            crate::reports::check_writable(&b.dir)?;
        }
        let (name, version) = (b.manifest.project.name.to_string(), b.manifest.project.version.to_string());
        let checked = opts.source_check == SourceCheck::Verify;
        let cancel = &opts.cancel;
        let interrupted =
            |stage, kept| RebuildRunError::Interrupted { name: name.clone(), version: version.clone(), stage, kept };

        // 1. The bundle verifies under the policy, with the reviewed source,
        //    exactly as `verify` with a source checks it.
        let vopts = VerifyOptions {
            source: checked.then(|| ScanOptions {
                root: opts.source.clone(),
                selection: Selection::Auto,
                tracked: Tracked::Index,
                dirty: Dirty::Allow,
                excludes: opts.excludes.clone(),
            }),
            artifacts: Vec::new(),
            reviews: opts.reviews.clone(),
            review_cache: if opts.reviews.is_some() { opts.review_cache.open()? } else { None },
            log: None,
            legacy: Legacy::Refuse,
        };
        let v = crate::verify::verify(&b, &policy, &vopts, None, progress);
        events(Event::Checked);
        let v = v?;
        if !v.held {
            return Err(RebuildRunError::DoesNotVerify {
                name,
                version,
                policy: opts.policy.clone(),
                source_dir: checked.then(|| opts.source.clone()),
                report: Box::new(v),
            });
        }
        if cancel.load(Ordering::SeqCst) {
            return Err(interrupted(Stage::BeforeBuild, false));
        }
        events(Event::Verified { name: &name, version: &version, policy: &opts.policy });

        // 2. The work directory.
        let keep = opts.keep == WorkDir::Keep;
        let (base, _tmp) = match &opts.workdir {
            Some(d) => {
                std::fs::create_dir_all(d).map_err(|source| RebuildRunError::Workdir { path: d.clone(), source })?;
                (d.clone(), None)
            }
            None => {
                let t =
                    tempfile::Builder::new().prefix("vouch-rebuild-").tempdir().map_err(RebuildRunError::TempDir)?;
                if keep {
                    // Kept: the temporary directory outlives the process.
                    (t.keep(), None)
                } else {
                    (t.path().to_path_buf(), Some(t))
                }
            }
        };
        let m = &b.manifest;
        let work = base.join(format!("{}-rebuild", m.bundle_name()));
        // Said before the build runs: without the release's git metadata, a
        // build that asks git gives other bytes.
        let git = if checked {
            rebuild::git_metadata(m, &opts.source)
        } else {
            GitMetadata::Absent { reason: "the source was not checked".into() }
        };
        events(Event::GitMetadata(&git));
        let spec = RebuildSpec {
            bundle: b.dir.clone(),
            manifest: m.clone(),
            manifest_digest: b.manifest_digest,
            source: opts.source.clone(),
            workdir: work.clone(),
            timeout: opts.timeout,
            toolchain: opts.toolchain,
            cargo_cache: vouch_manifests::build::cargo_home(),
            cancel: Some(Arc::clone(cancel)),
            network: opts.network,
            launcher: Some(opts.launcher.clone()),
            copies: if checked { CopyCheck::Verify } else { CopyCheck::Skip },
            git,
        };
        let existed = work.exists();
        let result = rebuild::rebuild(&spec);
        let cleanup = || {
            if !existed && !keep {
                let _ = std::fs::remove_dir_all(&work);
            }
        };
        // A signal during the copy or the comparison counts as much as one
        // during the build.
        let result = match result {
            Ok(_) if cancel.load(Ordering::SeqCst) => {
                Err(rebuild::RebuildError::Build(BuildError::Interrupted { log: work.join("build.log") }))
            }
            r => r,
        };
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                cleanup();
                if matches!(e, rebuild::RebuildError::Build(BuildError::Interrupted { .. })) {
                    if keep {
                        events(Event::WorkKept(&work));
                    }
                    return Err(interrupted(Stage::Build, keep));
                }
                return Err(e.into());
            }
        };
        if keep {
            events(Event::WorkKept(&work));
        }
        let explained = match opts.explain {
            Some(limit) => explain(&report, &b.dir, &work, limit, cancel),
            None => Vec::new(),
        };
        cleanup();
        if cancel.load(Ordering::SeqCst) {
            return Err(interrupted(Stage::Report, keep));
        }
        if let Some(key) = key {
            let w = crate::reports::write_signed_report(&b.dir, &report, key, opts.signing_time)?;
            events(Event::ReportSigned(&w));
        }
        Ok(Rebuilt { report, bundle: b, work, kept: keep, explained })
    }
}

/// For each differing artifact whose original the bundle carries: a
/// diffoscope text report (with a time limit) when diffoscope is installed,
/// kept under a fresh name in the system's temporary directory (the work
/// directory may be removed).
fn explain(r: &RebuildReport, bundle: &Path, work: &Path, limit: Duration, cancel: &Arc<AtomicBool>) -> Vec<Explained> {
    let mut out = Vec::new();
    for a in r.artifacts.iter().filter(|a| !a.identical && a.actual.is_some()) {
        let original = bundle.join("artifacts").join(&a.path);
        let rebuilt = work.join("source").join(&a.path);
        if !original.is_file() {
            continue;
        }
        // A fresh, unpredictable name: never write through a planted file.
        let result = match tempfile::Builder::new()
            .prefix(&format!("vouch-diffoscope-{}-", r.project.name))
            .suffix(".txt")
            .tempfile()
            .and_then(|f| f.keep().map_err(|e| e.error))
        {
            Ok((_, p)) => Ok(rebuild::diffoscope(&original, &rebuilt, &p, limit, Some(Arc::clone(cancel)))),
            Err(e) => Err(e),
        };
        out.push(Explained { path: a.path.clone(), original, result });
    }
    out
}
