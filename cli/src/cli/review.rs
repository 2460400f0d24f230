//! The arguments of `vouch review`.

use crate::cli::password::PasswordArgs;
use crate::output::Format;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use vouch_signing::review::{Cache, Verdict};
use vouch_signing::review_cache::CacheChoice;

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Sign a review of files of a release, as a reviewer.
    ///
    /// Writes DIR/<name>-<version>.<KEYID>.<12 hex>.review.dsse.json: an
    /// in-toto Statement in a DSSE envelope whose subjects are the chosen
    /// files with the digests the signed manifest records (never read from
    /// the disk). A review carries forward to later releases for every file
    /// whose bytes did not change.
    Sign(SignArgs),
    /// Coverage of a release by the reviews in a folder, under a policy.
    ///
    /// Per criteria: files and bytes covered, per top-level folder, the files
    /// left to review (with --previous, those changed since it first), the
    /// flagged files with their notes, and which review files counted and
    /// why others did not. Exit 0 when the policy's [review] holds, 1 when it
    /// does not, 2 when it cannot be checked.
    Status(StatusArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictArg {
    Pass,
    Concerns,
    Fail,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["all", "path", "paths_from", "changed_since"])))]
pub struct SignArgs {
    /// The release bundle (directory or .tar) whose files were read.
    pub bundle: PathBuf,
    /// The reviewer's minisign secret key.
    #[arg(long, value_name = "SECRET")]
    pub key: PathBuf,
    /// What the review vouches for, e.g. safe-to-deploy.
    #[arg(long, value_name = "NAME")]
    pub criteria: String,
    #[arg(long, value_enum)]
    pub verdict: VerdictArg,
    /// Every file of the release.
    #[arg(long)]
    pub all: bool,
    /// Files matching this glob (repeatable; `*` stays within a folder).
    #[arg(long, value_name = "GLOB")]
    pub path: Vec<String>,
    /// Files listed in FILE, one path per line.
    #[arg(long, value_name = "FILE")]
    pub paths_from: Option<PathBuf>,
    /// Files added or changed since this older bundle of the same project.
    #[arg(long, value_name = "OLD_BUNDLE")]
    pub changed_since: Option<PathBuf>,
    /// Notes, one per line `PATH[:LINE]: TEXT`.
    #[arg(long, value_name = "FILE")]
    pub notes: Option<PathBuf>,
    /// Who reviewed (free text; default: the key's policy-independent id).
    #[arg(long, value_name = "TEXT")]
    pub reviewer: Option<String>,
    /// Where to write the review (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The signing time, unix seconds or RFC 3339 (tests only; default: now).
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub bundle: PathBuf,
    /// The reviewers' folder of *.review.dsse.json files.
    #[arg(long, value_name = "DIR")]
    pub reviews: PathBuf,
    /// The trust policy: which reviewer keys count, and its [review] requirement.
    #[arg(long, value_name = "POLICY")]
    pub trust: PathBuf,
    /// The release reviewed before: files changed since it come first.
    #[arg(long, value_name = "OLD_BUNDLE")]
    pub previous: Option<PathBuf>,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Where results of verified reviews are kept between runs.
#[derive(Debug, Clone, Default, Args)]
pub struct CacheArgs {
    /// The verified-review cache folder (default: $XDG_CACHE_HOME/vouch/reviews,
    /// else ~/.cache/vouch/reviews). An entry is used only for the exact bytes
    /// of a review file and the key that verified it; the policy is applied
    /// again on every run.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,
    /// Verify every review envelope, using and writing no cache.
    #[arg(long)]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The cache to use: `--cache DIR` (an error when it cannot be used),
    /// else the default folder when it can be used, else none.
    pub fn choice(&self) -> CacheChoice {
        match (&self.cache, self.no_cache) {
            (_, true) => CacheChoice::Off,
            (Some(dir), false) => CacheChoice::Dir(dir.clone()),
            (None, false) => CacheChoice::Default,
        }
    }

    /// The chosen cache, opened.
    pub fn open(&self) -> anyhow::Result<Option<Cache>> {
        Ok(self.choice().open()?)
    }
}

impl From<VerdictArg> for Verdict {
    fn from(v: VerdictArg) -> Verdict {
        match v {
            VerdictArg::Pass => Verdict::Pass,
            VerdictArg::Concerns => Verdict::Concerns,
            VerdictArg::Fail => Verdict::Fail,
        }
    }
}
