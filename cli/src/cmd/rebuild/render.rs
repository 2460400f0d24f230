//! The human report of `vouch rebuild`: each artifact identical or how it
//! differs (its likely causes, the first differing bytes, where both copies
//! are), the verdict, and what diffoscope said.

use crate::output::clean;
use std::fmt::Write as _;
use vouch_manifests::build::rebuild::Explanation;
use vouch_signing::rebuild::Rebuilt;

/// What diffoscope said, or the command to get a deeper diff.
pub fn explained(r: &Rebuilt, timeout: u64) -> String {
    let mut s = String::new();
    for x in &r.explained {
        let _ = match &x.result {
            Err(e) => writeln!(s, "cannot create a file for the diffoscope report of {}: {e}", x.path),
            Ok(Explanation::Report(p)) => writeln!(s, "diffoscope report for {}: {}", x.path, p.display()),
            Ok(Explanation::TimedOut(p)) => {
                writeln!(s, "diffoscope on {} stopped after {timeout} s; partial report: {}", x.path, p.display())
            }
            Ok(Explanation::NotInstalled) => writeln!(
                s,
                "for a deeper diff of {}: apt-get install diffoscope, then rerun with --keep and run: diffoscope {} <workdir>/source/{}",
                x.path,
                x.original.display(),
                x.path
            ),
        };
    }
    s
}

pub fn report(x: &Rebuilt) -> String {
    let (r, b, work, keep) = (&x.report, &x.bundle, &x.work, x.kept);
    let mut s = String::new();
    for a in &r.artifacts {
        if a.identical {
            let _ = writeln!(s, "identical  {}  {}", a.path, a.expected);
            continue;
        }
        let _ = writeln!(s, "DIFFERENT  {}", a.path);
        let _ = writeln!(s, "           release: {} ({} bytes)", a.expected, a.expected_size);
        match (&a.actual, a.actual_size) {
            (Some(d), Some(n)) => {
                let _ = writeln!(s, "           rebuilt: {d} ({n} bytes)");
            }
            _ => {
                let _ = writeln!(s, "           rebuilt: (the build did not produce this file)");
            }
        }
        let original = b.dir.join("artifacts").join(&a.path);
        for c in &a.causes {
            let _ = writeln!(s, "           likely cause: {}", clean(&c.describe()));
        }
        if let Some(d) = &a.first_difference {
            let _ = writeln!(
                s,
                "           first difference at byte {} (0x{:x}); bytes from {}:",
                d.offset, d.offset, d.window_start
            );
            let _ = writeln!(s, "             release  {}", d.expected_hex);
            let _ = writeln!(s, "             rebuilt  {}", d.actual_hex);
        }
        let rebuilt = work.join("source").join(&a.path);
        if original.is_file() {
            let _ = writeln!(
                s,
                "           original in the bundle: {}; rebuilt: {}{}",
                original.display(),
                rebuilt.display(),
                if keep { "" } else { " (removed; rerun with --keep to keep it)" }
            );
        } else {
            let _ = writeln!(
                s,
                "           the bundle holds no copy of the original (release with --include-artifacts for a byte-level diff)"
            );
        }
    }
    let _ = writeln!(
        s,
        "{}: {} {} rebuilt with {}{}{}",
        if r.reproduced { "REPRODUCED" } else { "NOT REPRODUCED" },
        r.project.name,
        r.project.version,
        r.command.join(" "),
        if r.toolchain_matches { "" } else { " (toolchain differs from the record)" },
        if r.git_metadata == Some(false) && !r.reproduced { " (the build had no git metadata)" } else { "" }
    );
    s
}
