//! The arguments of `vouch demo`.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The example project (default: examples/hello in the vouch checkout).
    #[arg(long)]
    pub example: Option<PathBuf>,
    /// Where to put the demo's output (default: target/vouch-demo); it is
    /// emptied first.
    #[arg(long)]
    pub out: Option<PathBuf>,
}
