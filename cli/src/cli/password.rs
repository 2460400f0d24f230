//! The arguments of `vouch password`.

use clap::Args;
use std::path::PathBuf;

/// Password options for commands that read or write a secret key.
#[derive(Debug, Clone, Default, Args)]
pub struct PasswordArgs {
    /// Read the secret key's password from FILE (its first line).
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,
    /// Read the secret key's password from the environment variable VAR.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}
