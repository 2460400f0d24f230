//! Assembling a release bundle: scan the source, run and record the build,
//! hash the artifacts, collect SBOMs, write the manifest, let a signer add
//! its files, and move the finished bundle into place in one rename.
//!
//! A failure at any step leaves no bundle behind: everything is written
//! into a temporary directory beside the destination first. Replacing a
//! bundle swaps the new directory with the old one
//! ([`crate::tree::fsutil::replace_dir`]), so that at every instant one of them
//! is in place under the bundle's name; the archive is written to a
//! temporary name and renamed over the old one.

use crate::build::{self, BuildSpec};
use crate::model::digest::{Digest, hash_reader};
use crate::model::manifest::{Artifact, Build, Manifest, Project, SbomRef};
use crate::model::path::RelPath;
use crate::tree::scan::{self, ScanOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Everything `vouch release` needs to know.
#[derive(Debug, Clone)]
pub struct ReleaseSpec {
    pub project: Project,
    /// How to scan the source (root, git selection, dirty policy, excludes).
    pub scan: ScanOptions,
    /// The build command; empty when the artifacts were built elsewhere.
    pub command: Vec<String>,
    /// Artifact paths, relative to the source root.
    pub artifacts: Vec<String>,
    /// SBOM files to include (any paths).
    pub sboms: Vec<PathBuf>,
    /// The directory that receives `<name>-<version>/`.
    pub out: PathBuf,
    pub existing: Existing,
    pub include_artifacts: bool,
    /// Vendor the locked dependencies into `deps/vendor.tar`, and build from them.
    pub include_dependencies: bool,
    pub archive: bool,
    /// `SOURCE_DATE_EPOCH`, if set.
    pub source_date_epoch: Option<i64>,
    /// The environment the build inherits (name → value), from which the
    /// allow-listed part is recorded.
    pub env: BTreeMap<String, String>,
}

pub use crate::tree::fsutil::Existing;

/// Adds signatures (and anything else signed) to a finished bundle
/// directory before it is moved into place.
pub trait BundleSigner {
    fn sign(
        &self,
        bundle_dir: &Path,
        manifest: &Manifest,
        manifest_bytes: &[u8],
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Released {
    pub bundle: PathBuf,
    pub archive: Option<PathBuf>,
    pub manifest: Manifest,
    pub manifest_digest: Digest,
    pub build_log: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Name(#[from] crate::model::name::NameError),
    #[error(transparent)]
    Scan(#[from] scan::ScanError),
    #[error(transparent)]
    Build(#[from] build::BuildError),
    #[error("output directory {path} cannot be used")]
    Out {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("bundle {path} already exists")]
    Exists { path: PathBuf },
    #[error("bundle archive {path} already exists")]
    ArchiveExists { path: PathBuf },
    #[error("cannot complete the earlier replacement of bundle {path}")]
    Recover {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("artifact {path:?} {reason}")]
    Artifact { path: String, reason: String },
    #[error("artifact {path:?} is not a safe relative path")]
    ArtifactPath {
        path: String,
        #[source]
        source: crate::model::path::PathError,
    },
    #[error("artifact {path:?} does not exist at {}", .joined.display())]
    ArtifactMissing {
        path: String,
        joined: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read artifact {path}")]
    ArtifactRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Lockfile(#[from] crate::model::lockfile::LockfileError),
    #[error(transparent)]
    Sbom(#[from] crate::sbom::SbomError),
    #[error("SBOM {path} cannot be included: {reason}")]
    SbomName { path: PathBuf, reason: String },
    #[error("SBOM {path} cannot be included: sbom/ and its file name make no safe relative path")]
    SbomPath {
        path: PathBuf,
        #[source]
        source: crate::model::path::PathError,
    },
    #[error("cannot write bundle file {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Canonical(#[from] crate::model::canonical::CanonicalError),
    #[error(transparent)]
    Manifest(#[from] crate::model::manifest::ManifestError),
    #[error(transparent)]
    Archive(#[from] crate::tree::archive::ArchiveError),
    #[error(transparent)]
    CargoHome(#[from] build::CargoHomeError),
    #[error("include dependencies: {} has no Cargo.lock; log: {log}", .dir.display())]
    VendorNoLock { dir: PathBuf, log: PathBuf },
    #[error("include dependencies: vendoring failed; log: {log}")]
    Vendor {
        log: PathBuf,
        #[source]
        source: build::BuildError,
    },
    #[error("cannot sign the bundle")]
    Sign(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn werr(path: &Path) -> impl FnOnce(std::io::Error) -> ReleaseError + '_ {
    move |source| ReleaseError::Write { path: path.to_path_buf(), source }
}

/// Resolves and hashes one artifact: relative to the source, inside it
/// after symlinks are resolved, a regular file.
fn artifact(source_canon: &Path, rel: &str) -> Result<(Artifact, PathBuf), ReleaseError> {
    let bad = |reason: &str| ReleaseError::Artifact { path: rel.to_string(), reason: reason.to_string() };
    let norm = rel.trim_start_matches("./");
    let rp = RelPath::new(norm).map_err(|source| ReleaseError::ArtifactPath { path: rel.to_string(), source })?;
    let joined = source_canon.join(rp.to_path());
    let canon = joined.canonicalize().map_err(|source| ReleaseError::ArtifactMissing {
        path: rel.to_string(),
        joined: joined.clone(),
        source,
    })?;
    if !canon.starts_with(source_canon) {
        return Err(bad(&format!("resolves to {}, outside the source directory", canon.display())));
    }
    let meta =
        std::fs::metadata(&canon).map_err(|source| ReleaseError::ArtifactRead { path: canon.clone(), source })?;
    if !meta.is_file() {
        return Err(bad("is not a regular file"));
    }
    let f = std::fs::File::open(&canon).map_err(|source| ReleaseError::ArtifactRead { path: canon.clone(), source })?;
    let mut buf = vec![0u8; scan::BUFFER_SIZE];
    let (digest, size) =
        hash_reader(f, &mut buf).map_err(|source| ReleaseError::ArtifactRead { path: canon.clone(), source })?;
    Ok((Artifact { path: rp, size, digest }, canon))
}

/// Where vendored dependency sources go in a bundle.
pub const VENDOR_TAR: &str = "deps/vendor.tar";

/// `cargo vendor` of the locked dependencies into `into`.
fn vendor(source: &Path, into: &Path, log: &Path) -> Result<(), ReleaseError> {
    if !source.join("Cargo.lock").is_file() {
        return Err(ReleaseError::VendorNoLock { dir: source.to_path_buf(), log: log.to_path_buf() });
    }
    let spec = BuildSpec {
        source: source.to_path_buf(),
        command: vec![
            "cargo".into(),
            "vendor".into(),
            "--locked".into(),
            "--versioned-dirs".into(),
            into.display().to_string(),
        ],
        workdir: ".".into(),
        extra_env: BTreeMap::new(),
        remove_env: Vec::new(),
        log: log.to_path_buf(),
        timeout: None,
        confine: None,
        cancel: None,
    };
    build::run(&spec).map_err(|source| ReleaseError::Vendor { log: log.to_path_buf(), source })?;
    let _ = std::fs::remove_file(log);
    if !into.is_dir() {
        // A project without dependencies vendors nothing.
        std::fs::create_dir_all(into).map_err(werr(into))?;
    }
    Ok(())
}

/// Runs the whole release. On error nothing is left in `spec.out` but the
/// build log (whose path the error names).
pub fn release(
    spec: &ReleaseSpec,
    signer: &dyn BundleSigner,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Released, ReleaseError> {
    let bundle_name = format!("{}-{}", spec.project.name, spec.project.version);
    std::fs::create_dir_all(&spec.out).map_err(|source| ReleaseError::Out { path: spec.out.clone(), source })?;
    let out = spec.out.canonicalize().map_err(|source| ReleaseError::Out { path: spec.out.clone(), source })?;
    let final_dir = out.join(&bundle_name);
    let aside = out.join(format!(".vouch-swap-{bundle_name}"));
    crate::tree::fsutil::recover_dir(&final_dir, &aside)
        .map_err(|source| ReleaseError::Recover { path: final_dir.clone(), source })?;
    let archive_path = out.join(format!("{bundle_name}.tar"));
    if spec.existing == Existing::Refuse {
        if final_dir.exists() {
            return Err(ReleaseError::Exists { path: final_dir });
        }
        // The archive is the bundle too: never overwritten unasked, even
        // when its directory is gone.
        if spec.archive && std::fs::symlink_metadata(&archive_path).is_ok() {
            return Err(ReleaseError::ArchiveExists { path: archive_path });
        }
    }
    let root = &spec.scan.root;
    if !root.is_dir() {
        return Err(scan::ScanError::NotADirectory { path: root.clone() }.into());
    }
    let source_canon = root.canonicalize().map_err(|source| scan::ScanError::Read { path: root.clone(), source })?;

    // 1. The source, as it is before the build.
    let mut scan_opts = spec.scan.clone();
    scan_opts.root = source_canon.clone();
    // An output directory inside the source (`--out bundles` in a plain
    // tree) holds earlier bundles and build logs, not source.
    if let Ok(rel) = out.strip_prefix(&source_canon)
        && let Some(rel) = rel.to_str().filter(|r| !r.is_empty())
    {
        scan_opts.excludes.push(globset::escape(&rel.replace(std::path::MAIN_SEPARATOR, "/")));
    }
    let scanned = scan::scan(&scan_opts, progress)?;

    // 2. The build.
    // Measured in the source, so that a `rust-toolchain.toml` there is
    // honoured as the build's own cargo honours it.
    let kind = build::build_kind(&spec.command, &source_canon);
    let env = build::recorded_env(spec.env.clone());
    let (toolchain, host) =
        build::toolchain_for(&build::Tools { kind, dir: Some(&source_canon), sysroot: None, env: &env });
    let mut record = Build {
        command: spec.command.clone(),
        workdir: ".".into(),
        env,
        toolchain,
        host,
        no_build: spec.command.is_empty(),
        ..Build::default()
    };
    let lock = source_canon.join("Cargo.lock");
    if lock.exists() {
        // Packages without a source are the project's own (workspace members,
        // path dependencies): they are in the source tree already.
        record.dependencies =
            crate::model::lockfile::dependencies(&lock)?.into_iter().filter(|d| d.source.is_some()).collect();
    }
    // 2b. Vendored dependency sources, built from and shipped in deps/.
    let work = tempfile::Builder::new()
        .prefix(&format!(".vouch-work-{bundle_name}-"))
        .tempdir_in(&out)
        .map_err(|source| ReleaseError::Out { path: out.clone(), source })?;
    let vendor_dir = work.path().join("vendor");
    if spec.include_dependencies {
        vendor(&source_canon, &vendor_dir, &out.join(format!("{bundle_name}.vendor.log")))?;
    }
    let mut build_log = None;
    if !spec.command.is_empty() {
        let log = out.join(format!("{bundle_name}.build.log"));
        let mut cargo = build::CargoEnv::default();
        if build::is_cargo(&spec.command) {
            let deps = if spec.include_dependencies {
                build::CargoDeps::Vendored { dir: vendor_dir.clone(), home: work.path().join("cargo-home") }
            } else {
                build::CargoDeps::CargoHome
            };
            cargo = build::cargo_env(&record.env, &source_canon, &deps, build::Network::Allowed)?;
            record.path_remap = cargo.remap.clone();
        } else if let build::BuildKind::C(_) = kind {
            // The compilers' prefix maps through CFLAGS and CXXFLAGS; the
            // recorded flags stay the vendor's own.
            let (set, remap) = build::c_env(&record.env, &source_canon);
            cargo.set = set;
            record.path_remap = remap;
        }
        let b = BuildSpec {
            source: source_canon.clone(),
            command: spec.command.clone(),
            workdir: ".".into(),
            extra_env: cargo.set,
            remove_env: cargo.remove,
            log: log.clone(),
            timeout: None,
            confine: None,
            cancel: None,
        };
        build::run(&b)?;
        build_log = Some(log);
    }

    // 3. Artifacts.
    let mut artifacts = Vec::new();
    let mut artifact_files = Vec::new();
    for a in &spec.artifacts {
        let (art, path) = artifact(&source_canon, a)?;
        artifacts.push(art);
        artifact_files.push(path);
    }

    // 4. The bundle, in a temporary directory beside its final place.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".vouch-tmp-{bundle_name}-"))
        .tempdir_in(&out)
        .map_err(|source| ReleaseError::Out { path: out.clone(), source })?;
    let dir = tmp.path();

    if spec.include_dependencies {
        let rel = RelPath::new(VENDOR_TAR).expect("a fixed safe path");
        let dest = dir.join(rel.to_path());
        std::fs::create_dir_all(dir.join("deps")).map_err(werr(&dir.join("deps")))?;
        crate::tree::archive::write_bundle_tar(&vendor_dir, "vendor", 0, &dest)?;
        let bytes = std::fs::read(&dest).map_err(werr(&dest))?;
        record.vendored = Some(crate::model::manifest::BundleFile { path: rel, digest: Digest::of(&bytes) });
    }

    let mut sboms = Vec::new();
    if !spec.sboms.is_empty() {
        std::fs::create_dir(dir.join("sbom")).map_err(werr(&dir.join("sbom")))?;
    }
    for s in &spec.sboms {
        let parsed = crate::sbom::read(s)?;
        let name = s.file_name().and_then(|n| n.to_str()).filter(|n| n.ends_with(".json")).ok_or_else(|| {
            ReleaseError::SbomName { path: s.clone(), reason: "its file name must be UTF-8 and end in .json".into() }
        })?;
        let rel = RelPath::new(format!("sbom/{name}"))
            .map_err(|source| ReleaseError::SbomPath { path: s.clone(), source })?;
        if sboms.iter().any(|r: &SbomRef| r.path == rel) {
            return Err(ReleaseError::SbomName {
                path: s.clone(),
                reason: format!("another SBOM is already named {name}"),
            });
        }
        let bytes = std::fs::read(s).map_err(|source| ReleaseError::ArtifactRead { path: s.clone(), source })?;
        let dest = dir.join(rel.to_path());
        std::fs::write(&dest, &bytes).map_err(werr(&dest))?;
        sboms.push(SbomRef { path: rel, format: parsed.format, digest: Digest::of(&bytes) });
    }
    sboms.sort_by(|a, b| a.path.cmp(&b.path));

    if spec.include_artifacts {
        for (art, src) in artifacts.iter().zip(&artifact_files) {
            let dest = dir.join("artifacts").join(art.path.to_path());
            if let Some(p) = dest.parent() {
                std::fs::create_dir_all(p).map_err(werr(p))?;
            }
            std::fs::copy(src, &dest).map_err(werr(&dest))?;
        }
    }

    let mut raw = scan::source_manifest(spec.project.clone(), scanned, spec.source_date_epoch)?.into_raw();
    raw.build = Some(record);
    raw.artifacts = Some(artifacts);
    raw.sboms = if sboms.is_empty() { None } else { Some(sboms) };
    let manifest = Manifest::new(raw)?;
    let bytes = manifest.to_canonical()?;
    let mpath = dir.join("manifest.json");
    std::fs::write(&mpath, &bytes).map_err(werr(&mpath))?;

    signer.sign(dir, &manifest, &bytes).map_err(ReleaseError::Sign)?;

    // 5. Into place: the archive first (from the finished directory; written
    // to a temporary name and renamed over any old one), then the directory,
    // swapped with any old one.
    let mtime = manifest
        .created
        .as_deref()
        .and_then(|c| time::OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339).ok())
        .map(|t| t.unix_timestamp().max(0) as u64)
        .unwrap_or(0);
    let archive = if spec.archive {
        crate::tree::archive::write_bundle_tar(dir, &bundle_name, mtime, &archive_path)?;
        Some(archive_path)
    } else {
        None
    };
    // Directories from tempdir are 0700; a bundle is meant to be read from
    // the instant it has its name.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).map_err(werr(dir))?;
    }
    let kept = tmp.keep();
    if let Err(e) = crate::tree::fsutil::replace_dir(&kept, &final_dir, &aside) {
        let _ = std::fs::remove_dir_all(&kept);
        let _ = crate::tree::fsutil::recover_dir(&final_dir, &aside);
        return Err(werr(&final_dir)(e));
    }
    // The renames themselves, on disk.
    if let Ok(d) = std::fs::File::open(&out) {
        let _ = d.sync_all();
    }
    Ok(Released { bundle: final_dir, archive, manifest_digest: Digest::of(&bytes), manifest, build_log })
}
