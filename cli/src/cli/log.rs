//! The arguments of `vouch log`.

use crate::cli::password::PasswordArgs;
use crate::output::Format;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Create an empty release log signed with a minisign key.
    ///
    /// Writes LOG/checkpoint (size 0) and LOG/vkey, the log's note verifier
    /// key `<origin>+<key id>+<key>`, and prints it for trust.toml's [log] key.
    Init(InitArgs),
    /// Append the releases of bundle folders and write each bundle's log.tlog-proof.
    ///
    /// Entry data: `vouch-release/v1 <name> <version> sha256:<hex of manifest.json>`.
    /// A release already in the log is a no-op; the same name and version with
    /// another manifest is refused (exit 1) before anything is written. Tiles
    /// and entries are written first, the signed checkpoint last by rename.
    Append(AppendArgs),
    /// Rewrite bundles' log.tlog-proof against the current checkpoint (with the cosignatures gathered so far).
    Prove(ProveArgs),
    /// Witness a log: check it only grew, then add this witness's cosignature.
    ///
    /// Verifies LOG/checkpoint with the log key pinned in the state (on first
    /// use the log's vkey is pinned and printed: compare it with the key you
    /// were given), recomputes the tree from the entries, checks consistency
    /// with the last head of that origin in the state, then adds a
    /// cosignature/v1 line to LOG/checkpoint atomically and records the head.
    /// A log that went back or is inconsistent is refused (exit 1) and both
    /// signed heads are written next to the state file as evidence.
    Witness(WitnessArgs),
    /// Check a log against the trust policy's [log]: key, tiles, entries, witnesses.
    ///
    /// With --state, the head must also be consistent with the largest head
    /// seen before, and is then recorded. Exit 0 when it holds, 1 when not.
    Check(CheckArgs),
    /// Compare signed heads (exchanged between agencies) with each other and the log.
    ///
    /// Any two heads of one origin must be consistent: the same size and root,
    /// or a consistency proof from the log. Two validly signed heads that are
    /// not are a split view: exit 1, both heads printed as evidence.
    Compare(CompareArgs),
    /// Verify bundles' log.tlog-proof against the trust policy's [log].
    Verify(VerifyArgs),
    /// Print a consistency proof from an older size to the log's current size (base64, one hash a line).
    Consistency(ConsistencyArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The log directory (created).
    pub log: PathBuf,
    /// The log's origin line, e.g. `acme.example/vouch-log`.
    #[arg(long)]
    pub origin: String,
    /// The log's minisign secret key.
    #[arg(long, value_name = "SECRET")]
    pub key: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
}

#[derive(Debug, Args)]
pub struct AppendArgs {
    pub log: PathBuf,
    /// Bundle folders (holding manifest.json).
    #[arg(required = true)]
    pub bundles: Vec<PathBuf>,
    #[arg(long, value_name = "SECRET")]
    pub key: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    pub log: PathBuf,
    #[arg(required = true)]
    pub bundles: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct WitnessArgs {
    pub log: PathBuf,
    /// The witness's minisign secret key.
    #[arg(long, value_name = "SECRET")]
    pub key: PathBuf,
    /// The witness's name (its cosignature key name), e.g. `agency-a.example`.
    #[arg(long)]
    pub name: String,
    /// The witness's state: pinned log keys and the last head seen per origin.
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// The cosignature time, unix seconds or RFC 3339 (tests only; default: now).
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    pub log: PathBuf,
    /// The trust policy with a [log] table.
    #[arg(long, value_name = "POLICY")]
    pub trust: PathBuf,
    /// Rollback state: the largest head seen per origin (created when missing).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Signed checkpoint files.
    #[arg(required = true)]
    pub checkpoints: Vec<PathBuf>,
    /// The log the heads are from (for consistency proofs).
    #[arg(long)]
    pub log: PathBuf,
    /// Take the log's key from this policy's [log] (default: LOG/vkey).
    #[arg(long, value_name = "POLICY")]
    pub trust: Option<PathBuf>,
    /// Also write a split view's two heads into DIR.
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[arg(required = true)]
    pub bundles: Vec<PathBuf>,
    #[arg(long, value_name = "POLICY")]
    pub trust: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ConsistencyArgs {
    pub log: PathBuf,
    /// The older tree size.
    #[arg(long)]
    pub from: u64,
}
