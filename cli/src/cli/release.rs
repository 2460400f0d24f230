//! The arguments of `vouch release`.

use crate::cli::password::PasswordArgs;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The source tree (a git checkout's root, or any directory).
    #[arg(long)]
    pub source: PathBuf,
    /// Project name, [A-Za-z0-9][A-Za-z0-9._+-]*.
    #[arg(long)]
    pub name: vouch_manifests::model::name::Name,
    /// Project version, same characters as the name.
    #[arg(long)]
    pub version: vouch_manifests::model::name::Version,
    /// The release signing key (minisign secret key).
    #[arg(long, value_name = "SECRET")]
    pub key: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Directory that receives the bundle `<name>-<version>/`.
    #[arg(long, value_name = "BUNDLES")]
    pub out: PathBuf,
    /// A built file to record, relative to --source (repeatable).
    #[arg(long, value_name = "PATH")]
    pub artifact: Vec<String>,
    /// An SBOM to include in the bundle (CycloneDX or SPDX JSON; repeatable).
    #[arg(long, value_name = "FILE")]
    pub sbom: Vec<PathBuf>,
    /// Also write `<name>-<version>.tar` for carrying into an air-gapped room.
    #[arg(long)]
    pub archive: bool,
    /// Copy the artifacts into the bundle's `artifacts/`.
    #[arg(long)]
    pub include_artifacts: bool,
    /// Vendor the locked dependencies (`cargo vendor`) into the bundle's
    /// deps/vendor.tar and build from them, so a reviewer can rebuild with an
    /// empty cargo cache and no network.
    #[arg(long)]
    pub include_dependencies: bool,
    /// Replace an existing bundle of the same name and version.
    #[arg(long)]
    pub force: bool,
    /// Record a git checkout with uncommitted changes (marked dirty).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Ignore git: record every file under --source except .git/ and --exclude.
    #[arg(long)]
    pub no_git: bool,
    /// Leave out source paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Record already-built artifacts without running a build (implied
    /// when no build command follows `--`).
    #[arg(long)]
    pub no_build: bool,
    /// Append the release to this release log (see `vouch log`) and write
    /// its log.tlog-proof into the bundle, before it is archived.
    #[arg(long, value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// The log's secret key (default: --key). Its password comes from the
    /// same --password-file / --password-env / prompt.
    #[arg(long, value_name = "SECRET", requires = "log")]
    pub log_key: Option<PathBuf>,
    /// Signing time in unix seconds (tests only; default: now).
    #[arg(long, hide = true)]
    pub now: Option<i64>,
    /// The build command, after `--`: run in the source directory.
    #[arg(last = true, value_name = "BUILD COMMAND")]
    pub command: Vec<String>,
}
