//! The arguments of `vouch key`.

use crate::cli::password::PasswordArgs;
use crate::output::Format;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a minisign key pair: DIR/NAME.key (mode 0600) and DIR/NAME.pub.
    ///
    /// The secret key is encrypted with a password (scrypt, with minisign's
    /// parameters) unless --unencrypted; the password comes from
    /// --password-file, --password-env or a prompt. The keys work with the
    /// reference `minisign` CLI. Existing files are never replaced without
    /// --force. The public key and its key id are printed on stderr.
    Generate(GenerateArgs),
    /// Print a public or secret key's key id, algorithm and comment.
    ///
    /// The key id of an encrypted secret key is shown only when a password
    /// is given with --password-file or --password-env.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The folder to write the key pair to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// File name stem: NAME.key and NAME.pub.
    #[arg(long, default_value = "vouch")]
    pub name: String,
    /// Store the secret key without a password (as `minisign -G -W`).
    #[arg(long)]
    pub unencrypted: bool,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub password: PasswordArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A public key (.pub), a bare public key line, or a secret key (.key).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub password: PasswordArgs,
}
