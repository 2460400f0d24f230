//! `vouch demo`: runs the main job on the example project shipped in the
//! repository and shows the result.

use crate::exit::Status;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use vouch_manifests::Project;
use vouch_manifests::scan::{self, Dirty, ScanOptions, Selection, Tracked};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The example project (default: examples/hello in the vouch checkout).
    #[arg(long)]
    pub example: Option<PathBuf>,
    /// Where to put the demo's output (default: target/vouch-demo).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(a: DemoArgs) -> Result<Status> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let example = a.example.unwrap_or_else(|| repo.join("examples/hello"));
    let out = a.out.unwrap_or_else(|| repo.join("target/vouch-demo"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    eprintln!("== vouch demo: the example project at {}", example.display());

    let opts = ScanOptions {
        root: example.clone(),
        selection: Selection::Everything,
        tracked: Tracked::Head,
        dirty: Dirty::Refuse,
        excludes: vec!["target".into()],
    };
    let scan = super::manifest::scan_tree(&opts)?;
    let m = scan::source_manifest(Project { name: "hello".into(), version: "0.1.0".into() }, scan, super::manifest::source_date_epoch()?);
    let path = out.join("hello-0.1.0.manifest.json");
    m.write(&path)?;
    eprintln!("== 1. source manifest written to {}", path.display());
    println!("files: {}  merkle root: {}", m.source.count, m.source.merkle_root);
    for e in &m.source.files {
        println!("  {:<5} {:>6}  {}  {}", e.kind, e.size, e.content_id(), e.path);
    }
    Ok(Status::Held)
}
