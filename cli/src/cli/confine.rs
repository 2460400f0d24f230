//! The arguments of `vouch confine`.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ConfineArgs {
    /// A directory (or file) the command may write beneath.
    #[arg(long)]
    pub write: Vec<PathBuf>,
    /// A directory (or file) the command may read and execute beneath.
    #[arg(long)]
    pub read: Vec<PathBuf>,
    /// Deny TCP bind and connect with Landlock (no network namespace).
    #[arg(long)]
    pub landlock_network: bool,
    /// NAME=VALUE of the command's environment, set after confinement.
    #[arg(long, value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// The command.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}
