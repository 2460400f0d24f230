//! The arguments of `vouch verify-signature`.

use crate::output::Format;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("trust_source").required(true).args(["key", "trust"]))]
pub struct VerifySignatureArgs {
    /// The signed file, or a bundle folder (its manifest.json and signatures/).
    pub file: PathBuf,
    /// The signature (default: FILE.minisig; for a bundle with --key,
    /// signatures/<KEYID>.minisig).
    #[arg(long, value_name = "SIG")]
    pub sig: Option<PathBuf>,
    /// The signer's public key: a .pub file or the bare `RWQ...` line.
    #[arg(long, value_name = "PUBLIC")]
    pub key: Option<String>,
    /// A trust policy (trust.toml): which keys count, for which roles, how many.
    #[arg(long, value_name = "POLICY")]
    pub trust: Option<PathBuf>,
    /// Accept legacy (non-prehashed, `minisign -l`) signatures.
    #[arg(long)]
    pub allow_legacy: bool,
    /// Rollback protection: refuse a release older than one recorded in FILE,
    /// or the same version with another manifest digest; record it when all
    /// checks pass. Only for manifest signatures.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}
