//! `vouch __confine --write DIR... -- COMMAND...`: the launcher `vouch
//! rebuild` runs the build through. It restricts its own writes with
//! Landlock, then executes the command in its place.

use crate::exit::Status;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use vouch_manifests::sandbox::{Enforcement, restrict_writes};

#[derive(Debug, Args)]
pub struct ConfineArgs {
    /// A directory (or file) the command may write beneath.
    #[arg(long)]
    pub write: Vec<PathBuf>,
    /// The command.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

pub fn run(a: ConfineArgs) -> Result<Status> {
    let shown = a.write.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    match restrict_writes(&a.write)? {
        Enforcement::Full => eprintln!("vouch: writes confined to {shown}"),
        Enforcement::Partial => eprintln!("vouch: writes partly confined to {shown} (older Landlock)"),
        Enforcement::None => eprintln!("vouch: warning: this kernel has no Landlock; writes are not confined"),
    }
    let (program, args) = a.command.split_first().context("no command to run")?;
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = std::process::Command::new(program).args(args).exec();
        Err(anyhow::Error::from(err).context(format!("cannot run {program}")))
    }
    #[cfg(not(unix))]
    {
        let status = std::process::Command::new(program).args(args).status().with_context(|| format!("cannot run {program}"))?;
        Ok(if status.success() { Status::Held } else { Status::DoesNotHold })
    }
}
