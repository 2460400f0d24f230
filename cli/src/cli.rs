//! The command line, as clap structs (one module per subcommand under
//! `cli/`). Each subcommand's doc comment is its long `--help`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};

pub mod confine;
pub mod demo;
pub mod export;
pub mod key;
pub mod log;
pub mod manifest;
pub mod password;
pub mod rebuild;
pub mod release;
pub mod review;
pub mod sbom;
pub mod sign;
pub mod site;
pub mod trust;
pub mod verify;
pub mod verify_signature;

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
    Manifest(manifest::ManifestCommand),
    /// Make a signed release bundle: source, build record, artifacts, SBOMs, provenance.
    ///
    /// With a build command after `--`, runs it in the source directory
    /// (Cargo builds with the source and cargo home remapped onto fixed
    /// names), records the command, the allow-listed environment, the
    /// toolchain, the host and the locked dependencies, then hashes the
    /// artifacts. Without one, records already-built artifacts. The bundle
    /// is written to a temporary directory and renamed into place; a failed
    /// build writes no bundle.
    Release(release::ReleaseArgs),
    /// Verify a signed bundle offline: the reviewer's one command.
    ///
    /// Checks, in order: the bundle is well-formed; its signatures satisfy
    /// the trust policy (and --state rollback protection); the provenance is
    /// signed by a counted key and agrees with the manifest; with --source,
    /// the reviewed tree equals the manifest; with --artifact, each file
    /// matches an artifact. Exit 0 when all held, 1 when any failed, 2 when
    /// something could not be checked.
    Verify(verify::VerifyArgs),
    /// The reviewers' own evidence: sign reviews of files, and see coverage.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Re-emit signed material from a bundle.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Rebuild a release from the reviewed source and compare bit for bit.
    ///
    /// Verifies the bundle under --trust exactly as `vouch verify --source`
    /// does (refusing, exit 1, a bundle that does not verify, before anything
    /// it controls runs), copies exactly the manifest's files into a clean
    /// work directory, refuses a toolchain other than the recorded one, runs
    /// the recorded command confined (writes only to the work directory,
    /// reads only it, the toolchain and system directories, no network, a
    /// private cargo home, a clean environment with only the recorded
    /// allow-listed variables), and compares every artifact. SIGINT or
    /// SIGTERM kills the build's process group. Exit 0 when all are
    /// identical, 1 when any differs or the bundle does not verify, 2 when
    /// the rebuild could not run.
    Rebuild(rebuild::RebuildArgs),
    /// Internal: run a command with its writes confined (used by rebuild).
    #[command(name = "__confine", hide = true)]
    Confine(confine::ConfineArgs),
    /// Generate, read, compare and check SBOMs (CycloneDX, SPDX).
    #[command(subcommand)]
    Sbom(sbom::SbomCommand),
    /// Build the static review site from signed bundles.
    #[command(subcommand)]
    Site(site::SiteCommand),
    /// Run the built-in demo on the example project shipped with vouch.
    Demo(demo::DemoArgs),
    /// Generate and inspect minisign keys.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Sign a file, or a bundle's manifest, with a minisign secret key.
    ///
    /// A file gets FILE.minisig with minisign's trusted comment; a bundle
    /// folder gets signatures/<KEYID>.minisig over manifest.json with vouch's
    /// pinned trusted comment (project, version, manifest sha256). The
    /// signatures verify with `minisign -V`.
    Sign(sign::SignArgs),
    /// Verify a minisign signature with a public key or a trust policy.
    ///
    /// For a manifest (a bundle folder, or a signature whose trusted comment
    /// is vouch's), also checks that the signed project, version and sha256
    /// match the manifest. Exit 0 when it holds; 1 for a bad, malformed,
    /// untrusted or rolled-back signature; 2 when an input cannot be read.
    VerifySignature(verify_signature::VerifySignatureArgs),
    /// Check trust policies (trust.toml).
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// The append-only release log: init, append, prove, witness, check, compare.
    ///
    /// A C2SP tlog-tiles directory with a signed checkpoint; witnesses
    /// cosign heads after checking the log only grew; bundles carry a
    /// C2SP tlog-proof (log.tlog-proof).
    #[command(subcommand)]
    Log(log::LogCommand),
}

/// `SOURCE_DATE_EPOCH`, if set; a malformed value is an error naming it.
pub fn source_date_epoch() -> anyhow::Result<Option<i64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .with_context(|| format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds")),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
