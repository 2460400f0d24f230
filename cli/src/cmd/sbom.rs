//! `vouch sbom ...`: generate, show, diff, check, licenses.

use crate::cli::sbom::{CheckArgs, DiffArgs, GenerateArgs, SbomCommand, SbomKind, ShowArgs};
use crate::exit::Status;
use crate::output::{Format, print_json, print_raw, print_text};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use vouch_manifests::sbom::diff::{self as sbdiff, LockCheck};
use vouch_manifests::sbom::generate::{GenerateOptions, MetadataSource};
use vouch_manifests::sbom::{self, Sbom, SbomFormat};

pub fn run(cmd: SbomCommand) -> Result<Status> {
    match cmd {
        SbomCommand::Generate(a) => generate(a),
        SbomCommand::Show(a) => show(a),
        SbomCommand::Diff(a) => diff(a),
        SbomCommand::Check(a) => check(a),
        SbomCommand::Licenses(a) => licenses(a),
    }
}

fn read(path: &std::path::Path, max_bytes: u64) -> Result<Sbom> {
    Ok(sbom::read_limited(path, max_bytes)?)
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
        Some(p) => vouch_manifests::fsutil::write_atomic(p, &g.bytes, None)?,
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
    let s = read(&a.file, a.max_bytes)?;
    if a.format == Format::Json {
        print_json(&s)?;
        return Ok(Status::Held);
    }
    let mut out = String::new();
    writeln!(out, "format      {} {}", s.format, s.spec_version)?;
    if let Some(n) = &s.name {
        writeln!(out, "describes   {n}")?;
    }
    writeln!(out, "components  {}", s.components.len())?;
    let edges: usize = s.dependencies.values().map(Vec::len).sum();
    writeln!(out, "edges       {edges}")?;
    writeln!(out)?;
    for c in &s.components {
        let lic = if c.licenses.is_empty() { "-".to_string() } else { c.licenses.join(" | ") };
        write!(out, "{}  [{lic}]", c.label())?;
        if let Some(sc) = &c.scope {
            write!(out, "  scope={sc}")?;
        }
        if let Some(p) = &c.purl {
            write!(out, "  {p}")?;
        }
        writeln!(out)?;
    }
    print_text(&out)?;
    Ok(Status::Held)
}

fn diff(a: DiffArgs) -> Result<Status> {
    let old = read(&a.old, a.max_bytes)?;
    let new = read(&a.new, a.max_bytes)?;
    let d = sbdiff::diff(&old, &new);
    if a.format == Format::Json {
        print_json(&d)?;
    } else {
        let mut s = String::new();
        for c in &d.added {
            writeln!(s, "added     {}", c.label())?;
        }
        for c in &d.removed {
            writeln!(s, "removed   {}", c.label())?;
        }
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        for c in &d.version_changed {
            writeln!(s, "version   {}  {} -> {}", c.name, opt(&c.old), opt(&c.new))?;
        }
        let lic = |l: &[String]| if l.is_empty() { "-".to_string() } else { l.join(" | ") };
        for c in &d.license_changed {
            writeln!(s, "license   {}@{}  {} -> {}", c.name, opt(&c.version), lic(&c.old), lic(&c.new))?;
        }
        writeln!(
            s,
            "{} added, {} removed, {} version changed, {} license changed",
            d.added.len(),
            d.removed.len(),
            d.version_changed.len(),
            d.license_changed.len()
        )?;
        print_text(&s)?;
    }
    Ok(if d.is_empty() { Status::Held } else { Status::DoesNotHold })
}

fn render_lock_check(s: &mut String, c: &LockCheck, lock_label: &str) {
    for n in &c.only_in_sbom {
        let _ = writeln!(s, "  not in {lock_label}: {n}");
    }
    for n in &c.only_in_lock {
        let _ = writeln!(s, "  not in SBOM: {n}");
    }
    if let Some(t) = &c.target
        && !c.not_for_target.is_empty()
    {
        let _ = writeln!(
            s,
            "  {} locked packages not compiled for {t}: {}",
            c.not_for_target.len(),
            c.not_for_target.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "  {} matched, {} only in the SBOM, {} only in {lock_label}{}",
        c.matched,
        c.only_in_sbom.len(),
        c.only_in_lock.len(),
        if c.local_not_listed.is_empty() {
            String::new()
        } else {
            format!(" (local packages not listed as components: {})", c.local_not_listed.join(", "))
        }
    );
}

fn check(a: CheckArgs) -> Result<Status> {
    if let Some(lock) = &a.lock {
        let deps = vouch_manifests::lockfile::dependencies(lock)?;
        let s = read(&a.target, sbom::MAX_SBOM_BYTES)?;
        let c = sbdiff::check_lock(&s, &deps);
        if a.format == Format::Json {
            print_json(&c)?;
        } else {
            let mut out = format!("{} against {}\n", a.target.display(), lock.display());
            render_lock_check(&mut out, &c, "the lock");
            writeln!(out, "{}", if c.holds() { "ok" } else { "MISMATCH" })?;
            print_text(&out)?;
        }
        return Ok(if c.holds() { Status::Held } else { Status::DoesNotHold });
    }
    if a.target.is_file() {
        return Err(crate::hints::sbom_file_not_bundle(&a.target));
    }
    let checks =
        sbdiff::check_bundle(&a.target).with_context(|| format!("cannot check bundle {}", a.target.display()))?;
    let holds = checks.iter().all(|c| c.holds());
    if a.format == Format::Json {
        print_json(&checks)?;
    } else {
        let mut out = String::new();
        for c in &checks {
            writeln!(out, "{} ({})", c.path, c.format)?;
            if c.expected_digest != c.actual_digest {
                writeln!(out, "  digest mismatch: manifest {} file {}", c.expected_digest, c.actual_digest)?;
            }
            render_lock_check(&mut out, &c.lock, "the build record");
        }
        writeln!(out, "{}", if holds { "ok" } else { "MISMATCH" })?;
        print_text(&out)?;
    }
    Ok(if holds { Status::Held } else { Status::DoesNotHold })
}

fn licenses(a: ShowArgs) -> Result<Status> {
    let s = read(&a.file, a.max_bytes)?;
    let l = sbdiff::licenses(&s);
    if a.format == Format::Json {
        print_json(&l)?;
        return Ok(Status::Held);
    }
    let mut out = String::new();
    for (expr, comps) in &l.licenses {
        writeln!(out, "{:>5}  {expr}", comps.len())?;
        for c in comps {
            writeln!(out, "         {c}")?;
        }
    }
    writeln!(out, "{:>5}  (no license)", l.none.len())?;
    for c in &l.none {
        writeln!(out, "         {c}")?;
    }
    print_text(&out)?;
    Ok(Status::Held)
}
