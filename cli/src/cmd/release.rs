//! `vouch release`: the one command a release engineer puts in CI.

use crate::cli::release::ReleaseArgs;
use crate::exit::Status;
use anyhow::Result;
use vouch_manifests::Project;
use vouch_manifests::build::release::{self, Existing, ReleaseSpec};
use vouch_manifests::tree::scan::{Dirty, ScanOptions, Selection, Tracked};
use vouch_signing::manifest_sig::SigningTime;
use vouch_signing::release::ReleaseSigner;

pub fn run(a: ReleaseArgs) -> Result<Status> {
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
        source_date_epoch: crate::cli::source_date_epoch()?,
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
    let r = result.map_err(crate::hints::release)?;
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
