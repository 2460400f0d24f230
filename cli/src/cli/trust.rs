//! The arguments of `vouch trust`.

use crate::output::Format;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Lint a trust policy (trust.toml).
    ///
    /// Reports unknown roles, thresholds above the number of keys holding a
    /// role, inverted validity windows, keys listed twice, and a missing
    /// release threshold; prints the policy's sha256 so it can be pinned.
    /// Exit 0 when usable (warnings allowed), 1 when it has errors, 2 when it
    /// cannot be read or parsed.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The policy file.
    pub policy: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}
