//! `vouch __confine --write DIR... --read DIR... [--landlock-network]
//! --env NAME=VALUE... -- COMMAND...`: the launcher `vouch rebuild` runs the
//! build through, started with an empty environment (nothing the bundle
//! controls runs before the sandbox holds). It confines itself with Landlock
//! first, then executes the command in its place with exactly the given
//! environment.

use crate::cli::confine::ConfineArgs;
use crate::exit::Status;
use anyhow::{Context, Result};
use vouch_manifests::build::sandbox::{Confinement, Enforcement, confine};

pub fn run(a: ConfineArgs) -> Result<Status> {
    let c = Confinement { writable: a.write.clone(), readable: a.read.clone(), landlock_network: a.landlock_network };
    let shown = a.write.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    match confine(&c)? {
        Enforcement::Full => eprintln!(
            "vouch: build confined: writes to {shown}; reads to the work directory, the toolchain and system directories"
        ),
        Enforcement::Partial => eprintln!("vouch: build partly confined (older Landlock): writes to {shown}"),
        Enforcement::None => anyhow::bail!("this kernel has no Landlock: the build cannot be confined"),
    }
    let mut env = Vec::new();
    for kv in &a.env {
        let (k, v) = kv.split_once('=').with_context(|| format!("--env {kv:?} is not NAME=VALUE"))?;
        env.push((k.to_string(), v.to_string()));
    }
    let (program, args) = a.command.split_first().context("no command to run")?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).env_clear().envs(env);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = cmd.exec();
        Err(anyhow::Error::from(err).context(format!("cannot run {program}")))
    }
    #[cfg(not(unix))]
    {
        let status = cmd.status().with_context(|| format!("cannot run {program}"))?;
        Ok(if status.success() { Status::Held } else { Status::DoesNotHold })
    }
}
