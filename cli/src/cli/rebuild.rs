//! The arguments of `vouch rebuild`.

use crate::output::Format;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RebuildArgs {
    /// The bundle directory or its .tar archive.
    pub bundle: PathBuf,
    /// The reviewed source tree.
    #[arg(long)]
    pub source: PathBuf,
    /// The trust policy (trust.toml): the bundle must verify under it, as
    /// `vouch verify BUNDLE --trust POLICY --source DIR` checks, before
    /// anything it controls runs.
    #[arg(long, value_name = "POLICY")]
    pub trust: PathBuf,
    /// The reviewers' folder, when the policy has a [review] requirement
    /// (the bundle is verified as `vouch verify --reviews` does).
    #[arg(long, value_name = "DIR")]
    pub reviews: Option<PathBuf>,
    #[command(flatten)]
    pub cache: crate::cli::review::CacheArgs,
    /// Leave out source paths matching this glob when checking the source
    /// (repeatable), e.g. `target` of a copy that was built in place.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Where to build (default: a private temporary directory). A folder
    /// `<name>-<version>-rebuild` is created inside it.
    #[arg(long)]
    pub workdir: Option<PathBuf>,
    /// Keep the work directory afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Kill the build after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Rebuild even when rustc, cargo, cc or the host differ from the record.
    #[arg(long)]
    pub allow_toolchain_mismatch: bool,
    /// Sign the rebuild report with --key and add it to the bundle as
    /// reports/<KEYID>.json (+ .minisig), for the policy's builder role.
    #[arg(long, requires = "key")]
    pub sign_report: bool,
    /// The rebuilder's minisign secret key (with --sign-report).
    #[arg(long, value_name = "SECRET")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub password: crate::cli::password::PasswordArgs,
    /// Signing time in unix seconds (tests only; default: now).
    #[arg(long, hide = true)]
    pub now: Option<i64>,
    /// Kill diffoscope after this many seconds when explaining a difference.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub diffoscope_timeout: u64,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Test-only: cut the network with Landlock's rules instead of a
    /// network namespace, to exercise that path.
    #[arg(long, hide = true)]
    pub landlock_network_for_tests: bool,
    /// Test-only: skip the source check, to exercise the artifact comparison.
    #[arg(long, hide = true)]
    pub unchecked_source_for_tests: bool,
}
