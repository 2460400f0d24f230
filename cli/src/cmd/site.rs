//! `vouch site build`: render bundles into the static review site.

use crate::cli::site::{BuildArgs, SiteCommand};
use crate::exit::Status;
use crate::output::{Format, print_json, print_text};
use anyhow::Result;
use std::path::PathBuf;
use vouch_site::{Options, SourceSpec};

#[derive(serde::Serialize)]
struct Report {
    #[serde(flatten)]
    summary: vouch_site::Summary,
    index: PathBuf,
}

pub fn run(cmd: SiteCommand) -> Result<Status> {
    match cmd {
        SiteCommand::Build(a) => build(a),
    }
}

fn build(a: BuildArgs) -> Result<Status> {
    let policy = a.trust.as_deref().map(vouch_signing::policy::Policy::read_usable).transpose()?;
    let reviews = match (&a.reviews, &policy) {
        (Some(dir), Some(p)) => Some(vouch_site::trust::PolicyReviews {
            set: vouch_signing::review::ReviewSet::read(dir, p.clone(), a.cache.open()?)?,
        }),
        _ => None,
    };
    let listing = a
        .log
        .as_deref()
        .map(|dir| {
            vouch_signing::log::listing(dir, policy.as_ref().and_then(|p| p.log.as_ref())).map_err(anyhow::Error::from)
        })
        .transpose()?;
    let checker = policy.map(|policy| vouch_site::trust::PolicyCheck { policy });
    let sources =
        a.source.iter().map(|s| s.parse::<SourceSpec>()).collect::<Result<Vec<_>, _>>().map_err(crate::hints::site)?;
    let opts = Options {
        bundles: a.bundles,
        output: a.output.clone(),
        sources,
        templates: a.templates,
        title: a.title,
        trust: checker.as_ref().map(|c| vouch_site::trust::trust_view(&c.policy)),
        checker: checker.as_ref().map(|c| c as &dyn vouch_site::SignatureCheck),
        reviews: reviews.as_ref().map(|r| r as &dyn vouch_site::ReviewCheck),
        log: listing.as_ref(),
    };
    // The review files are hashed (or verified) while the bundles are read.
    let summary = std::thread::scope(|s| {
        if let Some(r) = &reviews {
            s.spawn(|| r.set.prepare());
        }
        vouch_site::build(&opts)
    })
    .map_err(crate::hints::site)?;
    for p in &summary.problems {
        crate::output::eprint_line(&format!("warning: {p}"));
    }
    for s in &summary.skipped {
        crate::output::eprint_line(&format!("note: skipped {}: not a bundle (no manifest.json)", s.display()));
    }
    let index = a.output.join("index.html");
    match a.format {
        Format::Json => print_json(&Report { summary, index })?,
        Format::Human => print_text(&format!(
            "wrote {} pages for {} release{} ({:.1} MiB{}) to {}\nopen {}\n",
            summary.pages,
            summary.releases,
            if summary.releases == 1 { "" } else { "s" },
            summary.bytes as f64 / (1024.0 * 1024.0),
            match (summary.reused, summary.kept_pages) {
                (0, 0) => String::new(),
                (files, 0) => format!("; {files} file pages kept from the previous build"),
                (files, other) => format!("; {files} file pages and {other} others kept from the previous build"),
            },
            a.output.display(),
            index.display()
        ))?,
    }
    Ok(Status::Held)
}
