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
    /// Generate, read, compare and check SBOMs (CycloneDX, SPDX).
    #[command(subcommand)]
    Sbom(crate::cmd::sbom::SbomCommand),
    /// Build the static review site from signed bundles.
    #[command(subcommand)]
    Site(crate::cmd::site::SiteCommand),
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
