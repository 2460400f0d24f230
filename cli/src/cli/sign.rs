//! The arguments of `vouch sign`.

use crate::cli::password::PasswordArgs;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SignArgs {
    /// A file, or a bundle folder (holding manifest.json).
    ///
    /// A file gets FILE.minisig with minisign's trusted comment
    /// `timestamp:<t>\tfile:<name>\thashed`. A bundle gets
    /// signatures/<KEYID>.minisig over manifest.json, with the trusted comment
    /// `timestamp:<t>\tfile:manifest.json\tvouch:v1\tproject:<name>\tversion:<v>\tsha256:<hex>`;
    /// co-signers each add their own file.
    pub path: PathBuf,
    /// The minisign secret key (from `vouch key generate` or `minisign -G`).
    #[arg(long, value_name = "SECRET")]
    pub key: PathBuf,
    /// Where to write a file's signature (default: FILE.minisig). Not for bundles.
    #[arg(long, value_name = "SIG")]
    pub sig: Option<PathBuf>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The signing time, unix seconds or RFC 3339 (tests only; default: now).
    #[arg(long, hide = true)]
    pub now: Option<String>,
}
