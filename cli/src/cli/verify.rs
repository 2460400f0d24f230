//! The arguments of `vouch verify`.

use crate::output::Format;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle directory or its .tar archive.
    pub bundle: PathBuf,
    /// The trust policy (trust.toml).
    #[arg(long, value_name = "POLICY")]
    pub trust: PathBuf,
    /// Also check that this source tree equals the manifest.
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,
    /// With --source: leave out paths matching this glob (repeatable), e.g. a
    /// build's `target` in a source copy that was built in place.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also check that this file is an artifact of the release (repeatable).
    #[arg(long, value_name = "FILE")]
    pub artifact: Vec<PathBuf>,
    /// Rollback state: refuse releases older than one accepted before, and
    /// record this one when every check holds.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// The reviewers' folder of *.review.dsse.json files, for a policy with a
    /// [review] requirement (which fails without it).
    #[arg(long, value_name = "DIR")]
    pub reviews: Option<PathBuf>,
    #[command(flatten)]
    pub cache: crate::cli::review::CacheArgs,
    /// With --state and a policy [log]: the reviewer's copy of the vendor's
    /// release log, to prove the bundle proof's head consistent with the
    /// largest head seen before (which is then recorded).
    #[arg(long, value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// Accept legacy (non-prehashed) minisign signatures.
    #[arg(long)]
    pub allow_legacy: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}
