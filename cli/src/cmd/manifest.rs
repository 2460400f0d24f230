//! `vouch manifest ...`: create, show, diff, check; prove and verify-proof
//! in [`proof`].

mod proof;

use crate::cli::manifest::{CheckArgs, CreateArgs, DiffArgs, ManifestCommand, ShowArgs};
use crate::exit::Status;
use crate::output::{print_raw, report};
use anyhow::Result;
use std::fmt::Write as _;
use std::path::Path;
use vouch_manifests::Project;
use vouch_manifests::model::diff::{SourceCheck, TreeDiff};
use vouch_manifests::model::manifest::Manifest;
use vouch_manifests::tree::scan::{self, Dirty, ScanOptions, Selection, Tracked};

pub fn run(cmd: ManifestCommand) -> Result<Status> {
    match cmd {
        ManifestCommand::Create(a) => create(a),
        ManifestCommand::Show(a) => show(a),
        ManifestCommand::Diff(a) => diff(a),
        ManifestCommand::Check(a) => check(a),
        ManifestCommand::Prove(a) => proof::prove(a),
        ManifestCommand::VerifyProof(a) => proof::verify_proof(a),
    }
}

fn create(a: CreateArgs) -> Result<Status> {
    let sde = crate::cli::source_date_epoch()?;
    let opts = ScanOptions {
        root: a.dir.clone(),
        selection: if a.no_git { Selection::Everything } else { Selection::Auto },
        tracked: Tracked::Head,
        dirty: if a.allow_dirty { Dirty::Allow } else { Dirty::Refuse },
        excludes: a.exclude.clone(),
    };
    let bar = crate::progress::Bytes::new("hashing");
    let m = scan::create_manifest(Project { name: a.name, version: a.version }, &opts, sde, &|n| bar.add(n));
    bar.finish();
    let m = m.map_err(crate::hints::scan)?;
    let bytes = m.to_canonical()?;
    match &a.output {
        Some(p) => {
            vouch_manifests::tree::fsutil::write_atomic(p, &bytes, None)?;
            eprintln!("wrote {} ({} files, merkle root {})", p.display(), m.source.count, m.source.merkle_root);
        }
        None => print_raw(&[bytes, b"\n".to_vec()].concat())?,
    }
    Ok(Status::Held)
}

fn show(a: ShowArgs) -> Result<Status> {
    report(a.format, &Manifest::read(&a.file)?, render_show)?;
    Ok(Status::Held)
}

fn render_show(m: &Manifest) -> String {
    let mut s = format!("project   {} {}\n", m.project.name, m.project.version);
    if let Some(c) = &m.created {
        let _ = writeln!(s, "created   {c}");
    }
    if let Some(v) = &m.source.vcs {
        let _ = writeln!(s, "commit    {}{}\ntree      {}", v.commit, if v.dirty { " (dirty)" } else { "" }, v.tree);
        for (label, value) in [("tag", &v.tag), ("remote", &v.remote)] {
            if let Some(x) = value {
                let _ = writeln!(s, "{label:<10}{x}");
            }
        }
    }
    let _ = writeln!(s, "root      {}\nfiles     {}", m.source.merkle_root, m.source.count);
    if let Some(b) = &m.build {
        let command = if b.no_build { "(not run by vouch)".to_string() } else { b.command.join(" ") };
        let _ = writeln!(s, "build     {command}");
    }
    for art in m.artifacts.iter().flatten() {
        let _ = writeln!(s, "artifact  {}  {}  {}", art.digest, art.size, art.path);
    }
    for sb in m.sboms.iter().flatten() {
        let _ = writeln!(s, "sbom      {}  {}  {}", sb.digest, sb.format, sb.path);
    }
    s.push('\n');
    for e in &m.source.files {
        let target = e.target().as_ref().map(|t| format!(" -> {t}")).unwrap_or_default();
        let _ = writeln!(s, "{:<9} {:>10}  {}  {}{target}", e.kind(), e.size(), e.content_id(), e.path());
    }
    s
}

/// Renders a tree diff for people: one line per path, both digests.
fn render_diff(d: &TreeDiff, old_label: &str, new_label: &str) -> String {
    let mut s = String::new();
    for e in &d.added {
        let _ = writeln!(s, "added     {}  {}", e.path(), e.content_id());
    }
    for e in &d.removed {
        let _ = writeln!(s, "removed   {}  {}", e.path(), e.content_id());
    }
    for c in &d.changed {
        if c.old_kind != c.new_kind {
            let _ = writeln!(s, "kind      {}  {} -> {}", c.path, c.old_kind, c.new_kind);
        }
        if c.old != c.new {
            let _ = writeln!(
                s,
                "modified  {}\n          {old_label}: {} ({} bytes)\n          {new_label}: {} ({} bytes)",
                c.path, c.old, c.old_size, c.new, c.new_size
            );
        }
    }
    let _ = writeln!(s, "{} added, {} removed, {} changed", d.added.len(), d.removed.len(), d.changed.len());
    s
}

fn diff(a: DiffArgs) -> Result<Status> {
    let (old, new) = (Manifest::read(&a.old)?, Manifest::read(&a.new)?);
    let d = vouch_manifests::model::diff::diff(&old.source.files, &new.source.files);
    report(a.format, &d, |d| render_diff(d, "old", "new"))?;
    Ok(if d.is_empty() { Status::Held } else { Status::DoesNotHold })
}

fn check(a: CheckArgs) -> Result<Status> {
    let m = Manifest::read(&a.file)?;
    let opts = ScanOptions {
        root: a.source.clone(),
        selection: if a.no_git { Selection::Everything } else { Selection::Auto },
        tracked: Tracked::Index,
        dirty: Dirty::Allow,
        excludes: a.exclude.clone(),
    };
    let bar = crate::progress::Bytes::new("hashing");
    let c = vouch_manifests::model::diff::check_source(&m, &opts, &|n| bar.add(n));
    bar.finish();
    let c = c?;
    report(a.format, &c, |c| render_source_check(c, &m, &a.source))?;
    Ok(if c.matches() { Status::Held } else { Status::DoesNotHold })
}

/// The human report of a source check: every difference, both roots, a verdict.
fn render_source_check(c: &SourceCheck, m: &Manifest, source: &Path) -> String {
    let mut s = if c.diff.is_empty() { String::new() } else { render_diff(&c.diff, "manifest", "source  ") };
    let _ = writeln!(s, "merkle root  manifest {}\n             source   {}", c.manifest_root, c.source_root);
    let _ = writeln!(
        s,
        "{}: {} {} against {}",
        if c.matches() { "MATCH" } else { "MISMATCH" },
        m.project.name,
        m.project.version,
        source.display()
    );
    s
}
