//! `vouch export provenance BUNDLE`: re-emit the bundle's DSSE envelope.

use crate::exit::Status;
use crate::output::print_raw;
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use vouch_manifests::bundle::OpenBundle;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Print the bundle's in-toto/SLSA provenance (a DSSE envelope) on stdout,
    /// or write it to -o FILE.
    Provenance(ProvenanceArgs),
}

#[derive(Debug, Args)]
pub struct ProvenanceArgs {
    /// The bundle directory or .tar.
    pub bundle: PathBuf,
    /// Write here instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(c: ExportCommand) -> Result<Status> {
    match c {
        ExportCommand::Provenance(a) => {
            let b = OpenBundle::open(&a.bundle)?;
            let (bytes, _) = vouch_signing::release::read_provenance(&b.dir)?
                .ok_or_else(|| anyhow::anyhow!("bundle {} has no provenance.dsse.json", a.bundle.display()))?;
            match &a.output {
                Some(p) => vouch_manifests::fsutil::write_atomic(p, &bytes, None)?,
                None => print_raw(&bytes)?,
            }
            Ok(Status::Held)
        }
    }
}
