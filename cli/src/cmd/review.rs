//! `vouch review sign|status`: the reviewers' own signed evidence, per file.

use crate::cli::review::{ReviewCommand, SignArgs, StatusArgs};
use crate::exit::Status;
use crate::output::print_text;
use anyhow::Result;
use std::fmt::Write as _;
use vouch_signing::review_workflow::{
    self as flow, Files, ReviewDraft, ReviewSignOptions, StatusOptions, StatusReport,
};

pub fn run(c: ReviewCommand) -> Result<Status> {
    match c {
        ReviewCommand::Sign(a) => sign(a),
        ReviewCommand::Status(a) => status(a),
    }
}

fn sign(a: SignArgs) -> Result<Status> {
    let files = match (a.all, &a.paths_from, &a.changed_since) {
        (true, _, _) => Files::All,
        _ if !a.path.is_empty() => Files::Globs(a.path.clone()),
        (_, Some(f), _) => Files::PathsFrom(f.clone()),
        (_, None, Some(old)) => Files::ChangedSince(old.clone()),
        (_, None, None) => unreachable!("clap requires one selection"),
    };
    let opts = ReviewSignOptions {
        bundle: a.bundle.clone(),
        files,
        criteria: a.criteria.clone(),
        verdict: a.verdict.into(),
        notes: a.notes.clone(),
        reviewer: a.reviewer.clone(),
        out: a.out.clone(),
    };
    let draft = ReviewDraft::prepare(opts).map_err(crate::hints::review)?;
    let key = a.password.load_secret_key(&a.key)?;
    let time = match &a.now {
        Some(v) => super::sign::parse_now(v)?,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64,
    };
    let w = draft.sign(&key, time).map_err(crate::hints::review)?;
    print_text(&format!(
        "wrote {} ({} file{}, {}, {})\n",
        w.path.display(),
        w.subjects,
        if w.subjects == 1 { "" } else { "s" },
        w.criteria,
        w.verdict.as_str()
    ))?;
    Ok(Status::Held)
}

fn status(a: StatusArgs) -> Result<Status> {
    let opts = StatusOptions {
        bundle: a.bundle.clone(),
        reviews: a.reviews.clone(),
        policy: a.trust.clone(),
        previous: a.previous.clone(),
        cache: a.cache.choice(),
    };
    let report = flow::status(&opts).map_err(crate::hints::review)?;
    crate::output::report(a.format, &report, render)?;
    Ok(if report.held { Status::Held } else { Status::DoesNotHold })
}

fn render(r: &StatusReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} {} ({})", r.project, r.version, r.manifest_sha256);
    for c in &r.criteria {
        let _ = writeln!(
            s,
            "criteria {}: {:.1}% ({} of {} files, {} of {} bytes)",
            c.criteria.join(", "),
            c.percent(),
            c.covered_files,
            c.files,
            c.covered_bytes,
            c.bytes
        );
        for (folder, (n, cov)) in &c.by_folder {
            let _ = writeln!(s, "  {folder:<24} {cov:>6} of {n:<6} files");
        }
    }
    if r.criteria.is_empty() {
        let _ = writeln!(s, "no counted review");
    }
    if !r.left.is_empty() {
        let _ = writeln!(s, "left to review ({}):", r.left.len());
        for p in r.left.iter().take(200) {
            let mark = if r.changed_since_previous.contains(p) { " (changed)" } else { "" };
            let _ = writeln!(s, "  {p}{mark}");
        }
        if r.left.len() > 200 {
            let _ = writeln!(s, "  ... and {} more (--format json lists all)", r.left.len() - 200);
        }
    }
    for f in &r.flagged {
        let _ = writeln!(s, "flagged {} ({}) by {}", f.path, f.digest, f.flagged_by.join(", "));
        for n in &f.notes {
            match n.line {
                Some(l) => {
                    let _ = writeln!(s, "  {}:{l}: {}", n.path, n.text);
                }
                None => {
                    let _ = writeln!(s, "  {}: {}", n.path, n.text);
                }
            }
        }
    }
    for c in &r.counted {
        let _ = writeln!(
            s,
            "counted {}: {} ({}), {} {} on {}, {} file(s)",
            c.file,
            c.key,
            c.reviewer,
            c.criteria,
            c.verdict.as_str(),
            c.release,
            c.subjects
        );
    }
    for n in &r.not_counted {
        let _ = writeln!(s, "not counted {}: {}", n.file, n.reason);
    }
    match &r.requirement {
        Some(q) => {
            for w in &q.warnings {
                let _ = writeln!(s, "warning: {w}");
            }
            for f in &q.failures {
                let _ = writeln!(s, "FAIL: {f}");
            }
            let _ =
                writeln!(s, "{}", if q.held { "REVIEW REQUIREMENT HOLDS" } else { "REVIEW REQUIREMENT DOES NOT HOLD" });
        }
        None => {
            let _ = writeln!(s, "the policy has no [review] requirement");
        }
    }
    s
}
