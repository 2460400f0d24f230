//! The arguments of `vouch manifest`.

use crate::output::Format;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Hash a source tree and write the source part of a manifest.
    ///
    /// In a git checkout, records exactly the paths git tracks at HEAD,
    /// hashed as they are on disk, with the commit, tree, tag and remote;
    /// a dirty tree is refused unless --allow-dirty. With --no-git or
    /// outside git, records every file under DIR except .git/ and the
    /// --exclude globs. `created` comes from SOURCE_DATE_EPOCH, else the
    /// commit time; the wall clock is never used.
    Create(CreateArgs),
    /// Print a manifest's project, source identity and files.
    Show(ShowArgs),
    /// Compare two manifests: added, removed and changed files.
    ///
    /// Exit 0 when the file lists are identical, 1 when they differ.
    Diff(DiffArgs),
    /// Recompute a source tree and compare it with a manifest.
    ///
    /// In a git checkout compares the tracked files; elsewhere every file
    /// but .git/. Exit 0 when identical, 1 when any file differs.
    Check(CheckArgs),
    /// Print an RFC 9162 inclusion proof that one file belongs to a manifest.
    Prove(ProveArgs),
    /// Check an inclusion proof against a trusted Merkle root.
    ///
    /// Exit 0 when the proof leads to ROOT, 1 when it does not.
    VerifyProof(VerifyProofArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The source tree (default: the current directory).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Project name, [A-Za-z0-9][A-Za-z0-9._+-]*.
    #[arg(long)]
    pub name: vouch_manifests::model::name::Name,
    /// Project version, same characters as the name.
    #[arg(long)]
    pub version: vouch_manifests::model::name::Version,
    /// Write the manifest here (default: stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Leave out paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Ignore git: record every file under DIR except .git/.
    #[arg(long)]
    pub no_git: bool,
    /// Record a git checkout with uncommitted changes (marked dirty).
    #[arg(long)]
    pub allow_dirty: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The manifest.
    pub file: PathBuf,
    /// The source tree to compare.
    #[arg(long)]
    pub source: PathBuf,
    /// Leave out paths matching this glob (use the globs the manifest was made with).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Ignore git: compare every file under the source except .git/.
    #[arg(long)]
    pub no_git: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The manifest.
    pub file: PathBuf,
    /// The path of the entry, as recorded.
    pub path: String,
    /// Write the proof here (default: stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyProofArgs {
    /// The proof, as written by `vouch manifest prove`.
    pub proof: PathBuf,
    /// The trusted Merkle root, from a signed manifest.
    #[arg(long)]
    pub root: String,
}
