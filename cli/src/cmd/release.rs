//! `vouch release`: the one command a release engineer puts in CI.

use crate::cmd::password::PasswordArgs;
use crate::exit::{Status, hint};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use vouch_manifests::Project;
use vouch_manifests::release::{self, Existing, ReleaseSpec};
use vouch_manifests::scan::{Dirty, ScanOptions, Selection, Tracked};
use vouch_signing::manifest_sig::SigningTime;
use vouch_signing::release::ReleaseSigner;

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The source tree (a git checkout's root, or any directory).
    #[arg(long)]
    pub source: PathBuf,
    /// Project name, [A-Za-z0-9][A-Za-z0-9._+-]*.
    #[arg(long)]
    pub name: String,
    /// Project version, same characters as the name.
    #[arg(long)]
    pub version: String,
    /// The release signing key (minisign secret key).
    #[arg(long, value_name = "SECRET")]
    pub key: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Directory that receives the bundle `<name>-<version>/`.
    #[arg(long, value_name = "BUNDLES")]
    pub out: PathBuf,
    /// A built file to record, relative to --source (repeatable).
    #[arg(long, value_name = "PATH")]
    pub artifact: Vec<String>,
    /// An SBOM to include in the bundle (CycloneDX or SPDX JSON; repeatable).
    #[arg(long, value_name = "FILE")]
    pub sbom: Vec<PathBuf>,
    /// Also write `<name>-<version>.tar` for carrying into an air-gapped room.
    #[arg(long)]
    pub archive: bool,
    /// Copy the artifacts into the bundle's `artifacts/`.
    #[arg(long)]
    pub include_artifacts: bool,
    /// Vendor the locked dependencies (`cargo vendor`) into the bundle's
    /// deps/vendor.tar and build from them, so a reviewer can rebuild with an
    /// empty cargo cache and no network.
    #[arg(long)]
    pub include_dependencies: bool,
    /// Replace an existing bundle of the same name and version.
    #[arg(long)]
    pub force: bool,
    /// Record a git checkout with uncommitted changes (marked dirty).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Ignore git: record every file under --source except .git/ and --exclude.
    #[arg(long)]
    pub no_git: bool,
    /// Leave out source paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Record already-built artifacts without running a build (implied
    /// when no build command follows `--`).
    #[arg(long)]
    pub no_build: bool,
    /// Append the release to this release log (see `vouch log`) and write
    /// its log.tlog-proof into the bundle, before it is archived.
    #[arg(long, value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// The log's secret key (default: --key). Its password comes from the
    /// same --password-file / --password-env / prompt.
    #[arg(long, value_name = "SECRET", requires = "log")]
    pub log_key: Option<PathBuf>,
    /// Signing time in unix seconds (tests only; default: now).
    #[arg(long, hide = true)]
    pub now: Option<i64>,
    /// The build command, after `--`: run in the source directory.
    #[arg(last = true, value_name = "BUILD COMMAND")]
    pub command: Vec<String>,
}

pub fn run(a: ReleaseArgs) -> Result<Status> {
    vouch_manifests::name::check("project name", &a.name)?;
    vouch_manifests::name::check("version", &a.version)?;
    if a.no_build && !a.command.is_empty() {
        anyhow::bail!("--no-build and a build command after -- exclude each other");
    }
    let key = a.password.load_secret_key(&a.key)?;
    let spec = ReleaseSpec {
        project: Project { name: a.name.clone(), version: a.version.clone() },
        scan: ScanOptions {
            root: a.source.clone(),
            selection: if a.no_git { Selection::Everything } else { Selection::Auto },
            tracked: Tracked::Head,
            dirty: if a.allow_dirty { Dirty::Allow } else { Dirty::Refuse },
            excludes: a.exclude.clone(),
        },
        command: a.command.clone(),
        artifacts: a.artifact.clone(),
        sboms: a.sbom.clone(),
        out: a.out.clone(),
        existing: if a.force { Existing::Replace } else { Existing::Refuse },
        include_artifacts: a.include_artifacts,
        include_dependencies: a.include_dependencies,
        archive: a.archive,
        source_date_epoch: super::manifest::source_date_epoch()?,
        env: std::env::vars().collect(),
    };
    let log_key = match &a.log_key {
        Some(p) => Some(a.password.load_secret_key(p)?),
        None => None,
    };
    let log =
        a.log.as_deref().map(|dir| vouch_signing::release::ReleaseLog { dir, key: log_key.as_ref().unwrap_or(&key) });
    let signer = ReleaseSigner { key: &key, time: a.now.map(SigningTime::At).unwrap_or(SigningTime::Now), log };
    let bar = crate::progress::Bytes::new("hashing");
    let result = release::release(&spec, &signer, &|n| bar.add(n));
    bar.finish();
    let r = result.map_err(|e| {
        let hint_text = match &e {
            release::ReleaseError::Exists { .. } | release::ReleaseError::ArchiveExists { .. } => {
                Some("pass --force to replace it")
            }
            release::ReleaseError::Scan(vouch_manifests::scan::ScanError::Dirty { .. }) => {
                Some("commit or stash the changes, or pass --allow-dirty to record them as dirty")
            }
            release::ReleaseError::Build(vouch_manifests::build::BuildError::NotFound { .. }) => {
                Some("check the command after --, and that it is on PATH")
            }
            _ => None,
        };
        // A release the log refuses (another manifest for a logged version)
        // is a checked negative result.
        let refused = {
            let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            let mut found = false;
            while let Some(c) = src {
                if c.downcast_ref::<vouch_signing::log::LogOpError>().is_some_and(|l| l.does_not_hold()) {
                    found = true;
                }
                src = c.source();
            }
            found
        };
        let e = anyhow::Error::from(e);
        let e = match hint_text {
            Some(h) => hint(e, h),
            None => e,
        };
        if refused { crate::exit::failed(e) } else { e }
    })?;
    let m = &r.manifest;
    crate::output::eprint_line(&format!("released {} {} -> {}", m.project.name, m.project.version, r.bundle.display()));
    println!("bundle     {}", r.bundle.display());
    if let Some(t) = &r.archive {
        println!("archive    {}", t.display());
    }
    println!("manifest   {}", r.manifest_digest);
    println!("signed by  {}", key.key_id());
    println!("source     {} files, merkle root {}", m.source.count, m.source.merkle_root);
    if let Some(v) = &m.source.vcs {
        println!("commit     {}{}", v.commit, v.tag.as_deref().map(|t| format!(" ({t})")).unwrap_or_default());
    }
    for art in m.artifacts.iter().flatten() {
        println!("artifact   {}  {}", art.digest, art.path);
    }
    for s in m.sboms.iter().flatten() {
        println!("sbom       {}  {} ({})", s.digest, s.path, s.format);
    }
    if let Some(l) = &r.build_log {
        println!("build log  {}", l.display());
    }
    Ok(Status::Held)
}
