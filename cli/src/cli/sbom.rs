//! The arguments of `vouch sbom`.

use crate::output::Format;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum SbomCommand {
    /// Write a CycloneDX 1.6 or SPDX 2.3 JSON SBOM of a Cargo project, offline.
    ///
    /// The SBOM describes what the build compiles for its target (the host,
    /// or --target): the packages `cargo tree --offline --locked -e
    /// normal,build` lists, so it needs only the crates that target's build
    /// needed, and a fresh machine gives the same document as one with every
    /// crate cached. Versions, sources and SHA-256 checksums come from
    /// Cargo.lock; licenses from cargo (workspace inheritance resolved);
    /// build dependencies are scoped as such. When cargo tree cannot run (a
    /// crate the build needs is not cached), every package of Cargo.lock is
    /// listed, with licenses from the workspace's own Cargo.toml files and the
    /// registry cache where present. The document says how it was made, and
    /// every package without a known license is named, with why, on stderr. The time comes only from
    /// SOURCE_DATE_EPOCH: without it CycloneDX has no timestamp and SPDX's
    /// required `created` is 1970-01-01T00:00:00Z. The serial number and
    /// document namespace are derived from the content, so the same inputs
    /// give the same bytes.
    Generate(GenerateArgs),
    /// Print an SBOM's components (CycloneDX 1.2-1.6, SPDX 2.2/2.3, SPDX 3.0).
    Show(ShowArgs),
    /// Compare two SBOMs: components added, removed, changed in version or license.
    ///
    /// Exit 0 when they list the same components, 1 when they differ.
    Diff(DiffArgs),
    /// Check SBOMs against locked dependencies.
    ///
    /// `vouch sbom check BUNDLE` checks every SBOM listed in the bundle's
    /// manifest.json (its digest, then its components) against the build
    /// record's dependencies; `vouch sbom check --lock Cargo.lock FILE`
    /// checks one SBOM against a lock file. Exit 0 when they agree, 1 when
    /// the SBOM declares what the lock lacks or the reverse.
    Check(CheckArgs),
    /// Summarize licenses: components per license expression, and those with none.
    Licenses(ShowArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomKind {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The Cargo project (holding Cargo.toml and Cargo.lock).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Document format.
    #[arg(long, value_enum)]
    pub format: SbomKind,
    /// Write here (default: stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The target triple the SBOM describes (default: cargo's host).
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// The cargo program to run for `cargo tree`.
    #[arg(long, env = "CARGO", default_value = "cargo", hide = true)]
    pub cargo: PathBuf,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Refuse SBOM files larger than this many bytes (for tests).
    #[arg(long, hide = true, default_value_t = vouch_manifests::sbom::MAX_SBOM_BYTES)]
    pub max_bytes: u64,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Refuse SBOM files larger than this many bytes (for tests).
    #[arg(long, hide = true, default_value_t = vouch_manifests::sbom::MAX_SBOM_BYTES)]
    pub max_bytes: u64,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A bundle directory, or with --lock an SBOM file.
    pub target: PathBuf,
    /// Check the SBOM file TARGET against this Cargo.lock.
    #[arg(long, value_name = "CARGO_LOCK")]
    pub lock: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}
