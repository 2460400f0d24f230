//! `vouch verify`: the reviewer's one offline command.

use crate::exit::{Status, hint};
use crate::output::{Format, print_json, print_text};
use anyhow::Result;
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;
use vouch_manifests::bundle::OpenBundle;
use vouch_manifests::scan::{Dirty, ScanOptions, Selection, Tracked};
use vouch_signing::policy::Policy;
use vouch_signing::sig::Legacy;
use vouch_signing::verify::{self, VerifyOptions, VerifyReport};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle directory or its .tar archive.
    pub bundle: PathBuf,
    /// The trust policy (trust.toml).
    #[arg(long, value_name = "POLICY")]
    pub trust: PathBuf,
    /// Also check that this source tree equals the manifest.
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,
    /// With --source: leave out paths matching this glob (repeatable), e.g. a
    /// build's `target` in a source copy that was built in place.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also check that this file is an artifact of the release (repeatable).
    #[arg(long, value_name = "FILE")]
    pub artifact: Vec<PathBuf>,
    /// Rollback state: refuse releases older than one accepted before, and
    /// record this one when every check holds.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// The reviewers' folder of *.review.dsse.json files, for a policy with a
    /// [review] requirement (which fails without it).
    #[arg(long, value_name = "DIR")]
    pub reviews: Option<PathBuf>,
    #[command(flatten)]
    pub cache: crate::cmd::review::CacheArgs,
    /// With --state and a policy [log]: the reviewer's copy of the vendor's
    /// release log, to prove the bundle proof's head consistent with the
    /// largest head seen before (which is then recorded).
    #[arg(long, value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// Accept legacy (non-prehashed) minisign signatures.
    #[arg(long)]
    pub allow_legacy: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

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
    let r = r.map_err(|e| {
        let dir = matches!(e, verify::VerifyError::ArtifactIsDirectory { .. });
        let e = anyhow::Error::from(e);
        if dir { hint(e, "pass the binary itself, e.g. --artifact path/to/bin") } else { e }
    })?;
    match a.format {
        Format::Json => print_json(&r)?,
        Format::Human => {
            print_text(&render(&r))?;
            if policy.review.is_some() && a.reviews.is_none() {
                eprintln!("hint: the policy has a [review] requirement: pass --reviews DIR");
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
