//! `vouch sbom ...`: generate, show, diff, licenses; check in [`check`].

mod check;

use crate::cli::sbom::{DiffArgs, GenerateArgs, SbomCommand, SbomKind, ShowArgs};
use crate::exit::Status;
use crate::output::{print_raw, report};
use anyhow::Result;
use std::fmt::Write as _;
use vouch_manifests::sbom::diff::{self as sbdiff, LicenseSummary, SbomDiff};
use vouch_manifests::sbom::generate::{GenerateOptions, MetadataSource};
use vouch_manifests::sbom::{self, Sbom, SbomFormat};

pub fn run(cmd: SbomCommand) -> Result<Status> {
    match cmd {
        SbomCommand::Generate(a) => generate(a),
        SbomCommand::Show(a) => show(a),
        SbomCommand::Diff(a) => diff(a),
        SbomCommand::Check(a) => check::check(a),
        SbomCommand::Licenses(a) => licenses(a),
    }
}

fn generate(a: GenerateArgs) -> Result<Status> {
    let opts = GenerateOptions {
        dir: a.dir.clone(),
        cargo: a.cargo.clone(),
        cargo_home: vouch_manifests::build::cargo_home(),
        target: a.target.clone(),
        source_date_epoch: crate::cli::source_date_epoch()?,
    };
    let format = match a.format {
        SbomKind::Cyclonedx => SbomFormat::CycloneDx,
        SbomKind::Spdx => SbomFormat::Spdx,
    };
    let g = sbom::generate::generate(&opts, format).map_err(crate::hints::sbom_generate)?;
    match &a.output {
        Some(p) => vouch_manifests::tree::fsutil::write_atomic(p, &g.bytes, None)?,
        None => print_raw(&g.bytes)?,
    }
    let mut note = format!("{} components", g.components);
    if let MetadataSource::CargoTree { target } = &g.metadata {
        let _ = write!(note, " compiled for {target}");
    }
    if !g.without_license.is_empty() {
        let names: Vec<&str> = g.without_license.iter().map(|u| u.package.as_str()).collect();
        let _ = write!(note, ", {} without a license: {}", names.len(), names.join(", "));
    }
    match &a.output {
        Some(p) => crate::output::eprint_line(&format!("wrote {} ({note})", p.display())),
        None => crate::output::eprint_line(&note),
    }
    for u in &g.without_license {
        crate::output::eprint_line(&format!("  no license for {}: {}", u.package, u.reason));
    }
    if let MetadataSource::Lock { reason } = &g.metadata {
        eprintln!(
            "note: {reason}; listed every package of Cargo.lock for every target, licenses from the workspace's \
             Cargo.toml files and the registry cache where present"
        );
    }
    Ok(Status::Held)
}

fn show(a: ShowArgs) -> Result<Status> {
    report(a.format, &sbom::read_limited(&a.file, a.max_bytes)?, render_show)?;
    Ok(Status::Held)
}

/// `-` for none, else the licenses joined.
fn licenses_of(l: &[String]) -> String {
    if l.is_empty() { "-".to_string() } else { l.join(" | ") }
}

fn render_show(s: &Sbom) -> String {
    let mut out = format!("format      {} {}\n", s.format, s.spec_version);
    if let Some(n) = &s.name {
        let _ = writeln!(out, "describes   {n}");
    }
    let edges: usize = s.dependencies.values().map(Vec::len).sum();
    let _ = writeln!(out, "components  {}\nedges       {edges}\n", s.components.len());
    for c in &s.components {
        let _ = write!(out, "{}  [{}]", c.label(), licenses_of(&c.licenses));
        if let Some(sc) = &c.scope {
            let _ = write!(out, "  scope={sc}");
        }
        let _ = writeln!(out, "{}", c.purl.as_ref().map(|p| format!("  {p}")).unwrap_or_default());
    }
    out
}

fn diff(a: DiffArgs) -> Result<Status> {
    let (old, new) = (sbom::read_limited(&a.old, a.max_bytes)?, sbom::read_limited(&a.new, a.max_bytes)?);
    let d = sbdiff::diff(&old, &new);
    report(a.format, &d, render_diff)?;
    Ok(if d.is_empty() { Status::Held } else { Status::DoesNotHold })
}

fn render_diff(d: &SbomDiff) -> String {
    let mut s = String::new();
    for (what, list) in [("added  ", &d.added), ("removed", &d.removed)] {
        for c in list {
            let _ = writeln!(s, "{what}   {}", c.label());
        }
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    for c in &d.version_changed {
        let _ = writeln!(s, "version   {}  {} -> {}", c.name, opt(&c.old), opt(&c.new));
    }
    for c in &d.license_changed {
        let (old, new) = (licenses_of(&c.old), licenses_of(&c.new));
        let _ = writeln!(s, "license   {}@{}  {old} -> {new}", c.name, opt(&c.version));
    }
    let (a, r, v, l) = (d.added.len(), d.removed.len(), d.version_changed.len(), d.license_changed.len());
    s + &format!("{a} added, {r} removed, {v} version changed, {l} license changed\n")
}

fn licenses(a: ShowArgs) -> Result<Status> {
    report(a.format, &sbdiff::licenses(&sbom::read_limited(&a.file, a.max_bytes)?), render_licenses)?;
    Ok(Status::Held)
}

fn render_licenses(l: &LicenseSummary) -> String {
    let mut out = String::new();
    for (expr, comps) in l.licenses.iter().map(|(e, c)| (e.as_str(), c)).chain([("(no license)", &l.none)]) {
        let _ = writeln!(out, "{:>5}  {expr}", comps.len());
        for c in comps {
            let _ = writeln!(out, "         {c}");
        }
    }
    out
}
