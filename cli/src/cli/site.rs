//! The arguments of `vouch site`.

use crate::output::Format;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Render every bundle of BUNDLES_DIR into a static review site.
    ///
    /// BUNDLES_DIR holds bundle directories <name>-<version>/ and archives
    /// <name>-<version>.tar. The site (index, releases, source browser,
    /// components, keys) uses relative links only and loads nothing from
    /// the network, so it works from file:// and can be moved. It is written
    /// to a temporary folder and renamed onto SITE_DIR only when complete;
    /// an existing SITE_DIR is replaced only if it is empty or a vouch site.
    /// The same bundles give the same bytes.
    Build(BuildArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The directory holding the bundles.
    pub bundles: PathBuf,
    /// Where to write the site.
    #[arg(short, long, value_name = "SITE_DIR")]
    pub output: PathBuf,
    /// Check signatures under this trust policy (trust.toml).
    #[arg(long, value_name = "POLICY")]
    pub trust: Option<PathBuf>,
    /// The vendor's release log (its head verified with the policy's [log]
    /// key under --trust, else LOG/vkey): a log page, each release's index,
    /// and what the bundles and the log do not agree on.
    #[arg(long, value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// The reviewers' folder of *.review.dsse.json files: coverage on every
    /// release and file page, counted under --trust (required with it).
    #[arg(long, value_name = "DIR", requires = "trust")]
    pub reviews: Option<PathBuf>,
    #[command(flatten)]
    pub cache: crate::cli::review::CacheArgs,
    /// The reviewed source of one release, for file pages (repeatable).
    #[arg(long, value_name = "NAME@VERSION=DIR")]
    pub source: Vec<String>,
    /// A directory of templates (and static/ files) overriding the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The site's title.
    #[arg(long, default_value = vouch_site::DEFAULT_TITLE)]
    pub title: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}
