//! The arguments of `vouch export`.

use clap::{Args, Subcommand};
use std::path::PathBuf;

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
