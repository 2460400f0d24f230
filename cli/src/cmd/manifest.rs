//! `vouch manifest ...`: create, show, diff, check, prove, verify-proof.

use crate::cli::manifest::{CheckArgs, CreateArgs, DiffArgs, ManifestCommand, ProveArgs, ShowArgs, VerifyProofArgs};
use crate::exit::{Status, failed};
use crate::output::{Format, print_json, print_raw, print_text};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;
use vouch_manifests::diff::{SourceCheck, TreeDiff};
use vouch_manifests::manifest::Manifest;
use vouch_manifests::merkle::{Proof, ProofCheck};
use vouch_manifests::scan::{self, Dirty, ScanOptions, Selection, Tracked};
use vouch_manifests::{Digest, Project};

pub fn run(cmd: ManifestCommand) -> Result<Status> {
    match cmd {
        ManifestCommand::Create(a) => create(a),
        ManifestCommand::Show(a) => show(a),
        ManifestCommand::Diff(a) => diff(a),
        ManifestCommand::Check(a) => check(a),
        ManifestCommand::Prove(a) => prove(a),
        ManifestCommand::VerifyProof(a) => verify_proof(a),
    }
}

/// `SOURCE_DATE_EPOCH`, if set; a malformed value is an error naming it.
pub fn source_date_epoch() -> Result<Option<i64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .with_context(|| format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds")),
        _ => Ok(None),
    }
}

fn create(a: CreateArgs) -> Result<Status> {
    vouch_manifests::name::check("project name", &a.name)?;
    vouch_manifests::name::check("version", &a.version)?;
    let sde = source_date_epoch()?;
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
            vouch_manifests::fsutil::write_atomic(p, &bytes, None)?;
            eprintln!("wrote {} ({} files, merkle root {})", p.display(), m.source.count, m.source.merkle_root);
        }
        None => print_raw(&[bytes, b"\n".to_vec()].concat())?,
    }
    Ok(Status::Held)
}

/// Reads a manifest, naming it in errors.
pub fn read_manifest(path: &Path) -> Result<Manifest> {
    Ok(Manifest::read(path)?)
}

fn show(a: ShowArgs) -> Result<Status> {
    let m = read_manifest(&a.file)?;
    if a.format == Format::Json {
        print_json(&m)?;
        return Ok(Status::Held);
    }
    let mut s = String::new();
    writeln!(s, "project   {} {}", m.project.name, m.project.version)?;
    if let Some(c) = &m.created {
        writeln!(s, "created   {c}")?;
    }
    if let Some(v) = &m.source.vcs {
        writeln!(s, "commit    {}{}", v.commit, if v.dirty { " (dirty)" } else { "" })?;
        writeln!(s, "tree      {}", v.tree)?;
        if let Some(t) = &v.tag {
            writeln!(s, "tag       {t}")?;
        }
        if let Some(r) = &v.remote {
            writeln!(s, "remote    {r}")?;
        }
    }
    writeln!(s, "root      {}", m.source.merkle_root)?;
    writeln!(s, "files     {}", m.source.count)?;
    if let Some(b) = &m.build {
        writeln!(s, "build     {}", if b.no_build { "(not run by vouch)".to_string() } else { b.command.join(" ") })?;
    }
    for art in m.artifacts.iter().flatten() {
        writeln!(s, "artifact  {}  {}  {}", art.digest, art.size, art.path)?;
    }
    for sb in m.sboms.iter().flatten() {
        writeln!(s, "sbom      {}  {}  {}", sb.digest, sb.format, sb.path)?;
    }
    writeln!(s)?;
    for e in &m.source.files {
        let extra = match (&e.target, &e.commit) {
            (Some(t), _) => format!(" -> {t}"),
            _ => String::new(),
        };
        writeln!(s, "{:<9} {:>10}  {}  {}{}", e.kind, e.size, e.content_id(), e.path, extra)?;
    }
    print_text(&s)?;
    Ok(Status::Held)
}

/// Renders a tree diff for people: one line per path, both digests.
pub fn render_diff(d: &TreeDiff, old_label: &str, new_label: &str) -> String {
    let mut s = String::new();
    for e in &d.added {
        let _ = writeln!(s, "added     {}  {}", e.path, e.content_id());
    }
    for e in &d.removed {
        let _ = writeln!(s, "removed   {}  {}", e.path, e.content_id());
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
    let old = read_manifest(&a.old)?;
    let new = read_manifest(&a.new)?;
    let d = vouch_manifests::diff::diff(&old.source.files, &new.source.files);
    match a.format {
        Format::Json => print_json(&d)?,
        Format::Human => print_text(&render_diff(&d, "old", "new"))?,
    }
    Ok(if d.is_empty() { Status::Held } else { Status::DoesNotHold })
}

fn check(a: CheckArgs) -> Result<Status> {
    let m = read_manifest(&a.file)?;
    let opts = ScanOptions {
        root: a.source.clone(),
        selection: if a.no_git { Selection::Everything } else { Selection::Auto },
        tracked: Tracked::Index,
        dirty: Dirty::Allow,
        excludes: a.exclude.clone(),
    };
    let bar = crate::progress::Bytes::new("hashing");
    let c = vouch_manifests::diff::check_source(&m, &opts, &|n| bar.add(n));
    bar.finish();
    let c = c?;
    let held = c.matches();
    match a.format {
        Format::Json => print_json(&c)?,
        Format::Human => print_text(&render_source_check(&c, &m, &a.source))?,
    }
    Ok(if held { Status::Held } else { Status::DoesNotHold })
}

/// The human report of a source check: every difference, both roots, a verdict.
pub fn render_source_check(c: &SourceCheck, m: &Manifest, source: &Path) -> String {
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

fn prove(a: ProveArgs) -> Result<Status> {
    let m = read_manifest(&a.file)?;
    let proof = Proof::for_path(&m, &a.path).ok_or_else(|| crate::hints::no_entry(&a.file, &a.path))?;
    let mut bytes = serde_json::to_vec_pretty(&proof)?;
    bytes.push(b'\n');
    match &a.output {
        Some(p) => vouch_manifests::fsutil::write_atomic(p, &bytes, None)?,
        None => print_raw(&bytes)?,
    }
    Ok(Status::Held)
}

fn verify_proof(a: VerifyProofArgs) -> Result<Status> {
    let trusted: Digest = a.root.parse().context("--root")?;
    let p = Proof::read(&a.proof).map_err(|e| if e.does_not_hold() { failed(e.into()) } else { e.into() })?;
    let (path, check) = (&p.entry.path, p.check(trusted));
    print_text(&match check {
        ProofCheck::Holds => format!(
            "OK: {path} ({} {}) is entry {} of {} under root {trusted}\n",
            p.entry.kind,
            p.entry.content_id(),
            p.leaf_index,
            p.tree_size
        ),
        ProofCheck::OtherRoot(r) => {
            format!("MISMATCH: proof for {path} leads to root {r}\n          trusted root is      {trusted}\n")
        }
        ProofCheck::BadPath => format!(
            "MISMATCH: proof for {path} has an audit path of the wrong length for leaf {} of {}\n",
            p.leaf_index, p.tree_size
        ),
    })?;
    Ok(if check == ProofCheck::Holds { Status::Held } else { Status::DoesNotHold })
}
