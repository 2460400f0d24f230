//! `vouch sbom check`: SBOMs against locked dependencies, a bundle's
//! (against its build record) or one file's (against a Cargo.lock).

use crate::cli::sbom::CheckArgs;
use crate::exit::Status;
use crate::output::{Format, print_json, print_text};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use vouch_manifests::sbom;
use vouch_manifests::sbom::diff::{self as sbdiff, LockCheck};

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

pub fn check(a: CheckArgs) -> Result<Status> {
    if let Some(lock) = &a.lock {
        let deps = vouch_manifests::model::lockfile::dependencies(lock)?;
        let s = sbom::read_limited(&a.target, sbom::MAX_SBOM_BYTES)?;
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
            writeln!(out, "{} ({})", c.path, c.format.as_str())?;
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
