//! The command line, as clap structs. Each subcommand's doc comment is its
//! long `--help`.

use clap::{Parser, Subcommand};

/// vouch: prove, offline, that binaries came from exactly the source reviewers read.
#[derive(Debug, Parser)]
#[command(name = "vouch", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, inspect, compare and check source manifests.
    #[command(subcommand)]
    Manifest(crate::cmd::manifest::ManifestCommand),
    /// Rebuild a release from the reviewed source and compare bit for bit.
    ///
    /// Checks the source against the manifest (refusing a mismatch), copies
    /// exactly the manifest's files into a clean work directory, refuses a
    /// toolchain other than the recorded one, runs the recorded command with
    /// the recorded environment, SOURCE_DATE_EPOCH and path remapping, Cargo
    /// offline, and compares every artifact. Exit 0 when all are identical,
    /// 1 when any differs, 2 when the rebuild could not run.
    Rebuild(crate::cmd::rebuild::RebuildArgs),
    /// Run the built-in demo on the example project shipped with vouch.
    Demo(crate::cmd::demo::DemoArgs),
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
