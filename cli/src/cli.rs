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
    /// Run the built-in demo on the example project shipped with vouch.
    Demo(crate::cmd::demo::DemoArgs),
    /// Generate and inspect minisign keys.
    #[command(subcommand)]
    Key(crate::cmd::key::KeyCommand),
    /// Sign a file, or a bundle's manifest, with a minisign secret key.
    ///
    /// A file gets FILE.minisig with minisign's trusted comment; a bundle
    /// folder gets signatures/<KEYID>.minisig over manifest.json with vouch's
    /// pinned trusted comment (project, version, manifest sha256). The
    /// signatures verify with `minisign -V`.
    Sign(crate::cmd::sign::SignArgs),
    /// Verify a minisign signature with a public key or a trust policy.
    ///
    /// For a manifest (a bundle folder, or a signature whose trusted comment
    /// is vouch's), also checks that the signed project, version and sha256
    /// match the manifest. Exit 0 when it holds; 1 for a bad, malformed,
    /// untrusted or rolled-back signature; 2 when an input cannot be read.
    VerifySignature(crate::cmd::verify_signature::VerifySignatureArgs),
    /// Check trust policies (trust.toml).
    #[command(subcommand)]
    Trust(crate::cmd::trust::TrustCommand),
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
