//! `vouch verify`: the reviewer's one offline command.

use crate::cli::verify::VerifyArgs;
use crate::exit::Status;
use crate::output::{Format, print_json, print_text};
use anyhow::Result;
use std::fmt::Write as _;
use vouch_manifests::tree::bundle::OpenBundle;
use vouch_manifests::tree::scan::{Dirty, ScanOptions, Selection, Tracked};
use vouch_signing::policy::Policy;
use vouch_signing::sig::Legacy;
use vouch_signing::verify::{self, VerifyOptions, VerifyReport};

pub fn run(a: VerifyArgs) -> Result<Status> {
    let policy = Policy::read_usable(&a.trust)?;
    let b = OpenBundle::open(&a.bundle)?;
    let opts = VerifyOptions {
        source: a.source.as_ref().map(|d| ScanOptions {
            root: d.clone(),
            selection: Selection::Auto,
            tracked: Tracked::Index,
            dirty: Dirty::Allow,
            excludes: a.exclude.clone(),
        }),
        artifacts: a.artifact.clone(),
        reviews: a.reviews.clone(),
        review_cache: if a.reviews.is_some() { a.cache.open()? } else { None },
        log: a.log.clone(),
        legacy: if a.allow_legacy { Legacy::Allow } else { Legacy::Refuse },
    };
    let bar = crate::progress::Bytes::new("checking source");
    let r = verify::verify(&b, &policy, &opts, a.state.as_deref(), &|n| bar.add(n));
    bar.finish();
    let r = r.map_err(crate::hints::verify)?;
    match a.format {
        Format::Json => print_json(&r)?,
        Format::Human => {
            print_text(&render(&r))?;
            if r.legacy_refused {
                eprintln!("hint: {}", crate::hints::ALLOW_LEGACY);
            }
            if policy.review.is_some() && a.reviews.is_none() {
                eprintln!("hint: {}", crate::hints::REVIEWS_NEEDED);
            }
        }
    }
    Ok(if r.held { Status::Held } else { Status::DoesNotHold })
}

/// A short checklist, failures first.
pub(crate) fn render(r: &VerifyReport) -> String {
    let mut s = String::new();
    let mut order: Vec<&vouch_signing::verify::Check> = r.checks.iter().filter(|c| !c.held).collect();
    order.extend(r.checks.iter().filter(|c| c.held));
    for c in order {
        let _ = writeln!(s, "[{}] {}", if c.held { " ok " } else { "FAIL" }, c.name);
        for d in &c.details {
            let _ = writeln!(s, "       {d}");
        }
    }
    let _ = writeln!(s, "policy   {} {}", r.policy, r.policy_sha256);
    let _ = writeln!(s, "manifest {} {}", r.bundle, r.manifest_sha256);
    if !r.counted_keys.is_empty() {
        let _ = writeln!(s, "counted  {}", r.counted_keys.join(", "));
    }
    let _ = writeln!(s, "{}: {} {}", if r.held { "VERIFIED" } else { "NOT VERIFIED" }, r.project, r.version);
    s
}
