//! vouch's static review site: renders every bundle of a bundles directory
//! into a folder of HTML pages that works from `file://` on an air-gapped
//! machine.
//!
//! * [`bundle`] finds and reads bundles (directories and `.tar` archives);
//! * [`model`] is the context each template receives;
//! * [`layout`] maps pages to files and keeps every link relative;
//! * [`source`] reads the reviewer's source tree for the file pages;
//! * [`templates`] holds the embedded Tera 2 theme and its overrides;
//! * [`build`] renders the pages in parallel (rayon) into a temporary
//!   directory and renames it into place, so a failed build leaves no site.
//!
//! Nothing here verifies signatures: a [`SignatureCheck`] supplied by the
//! caller (the signing crate's policy evaluation) fills in each signature's
//! status; without one the pages say "not checked".
//!
//! The same bundles and options give the same bytes: no clock, no absolute
//! paths, sorted everything.

pub mod bundle;
pub mod changes;
pub mod codesearch;
mod error;
mod file_pages;
pub mod highlight;
mod history;
pub mod layout;
pub mod linediff;
pub mod model;
mod pages;
mod render;
mod reuse;
pub mod search;
mod seen;
pub mod sig;
pub mod source;
pub mod svg;
pub mod tags;
pub mod templates;
pub mod trust;
mod wordcache;

pub use bundle::Bundle;
pub use error::SiteError;
pub use model::{KeyView, PolicySummary, RoleCount, RoleView, SignatureStatus, TrustView, Validity};
pub use render::build;

use std::collections::BTreeMap;

/// The build's large maps (keyed by digests, keys and paths, some read
/// from files on disk) hash with foldhash, seeded per process: faster
/// than SipHash, and no key set chosen in advance collides.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
use std::path::PathBuf;

/// `--source NAME@VERSION=DIR`: where the reviewer's copy of one release's
/// source lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    pub name: String,
    pub version: String,
    pub dir: PathBuf,
}

impl std::str::FromStr for SourceSpec {
    type Err = SiteError;
    fn from_str(s: &str) -> Result<Self, SiteError> {
        let err = |detail: &str| SiteError::SourceSpec { spec: s.to_string(), detail: detail.to_string() };
        let (release, dir) = s.split_once('=').ok_or_else(|| err("expected NAME@VERSION=DIR"))?;
        let (name, version) = release.split_once('@').ok_or_else(|| err("expected NAME@VERSION=DIR"))?;
        let named = |source| SiteError::SourceSpecName { spec: s.to_string(), source };
        vouch_manifests::model::name::check("project name", name).map_err(named)?;
        vouch_manifests::model::name::check("version", version).map_err(named)?;
        if dir.is_empty() {
            return Err(err("DIR is empty"));
        }
        Ok(SourceSpec { name: name.to_string(), version: version.to_string(), dir: PathBuf::from(dir) })
    }
}

/// The signing crate's verdict on one release's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Status per signature file (`signatures/<KEYID>.minisig`).
    pub signatures: BTreeMap<String, SignatureStatus>,
    /// The policy's verdict on the release.
    pub policy: PolicySummary,
}

/// Checks a bundle's signatures under a trust policy. Implemented outside
/// this crate (by the signing crate's policy evaluation), so the site never
/// claims a status it did not get from a real check.
pub trait SignatureCheck: Sync {
    fn check(&self, bundle: &Bundle) -> Verdict;
}

/// One release as the reviewers' signed reviews cover it.
#[derive(Debug, Clone, Default)]
pub struct ReleaseReviews {
    /// Coverage under the policy's `[review]` criteria (or every criteria
    /// found, one reviewer each, without a `[review]` table).
    pub coverage: Option<vouch_signing::review::Coverage>,
    /// The `[review]` verdict, when the policy has one.
    pub requirement: Option<vouch_signing::review::RequirementResult>,
    /// Per file path: the counted reviews of its exact bytes and their notes.
    pub files: FileReviews,
    pub counted: usize,
    /// (file, reason) of each review that does not count.
    pub not_counted: Vec<(String, String)>,
}

/// Who reviewed each file's exact bytes, looked up when a file page is
/// rendered (rather than a list per file built for every file).
#[derive(Debug, Clone, Default)]
pub struct FileReviews {
    /// The release's entry paths, in manifest order (sorted by path bytes).
    paths: Vec<String>,
    /// Per counted review under the coverage's criteria: its view, its
    /// notes, and the entries (indices into `paths`, ascending) whose bytes it names.
    reviews: Vec<(model::FileReviewView, Vec<vouch_signing::review::Note>, Vec<u32>)>,
}

impl FileReviews {
    pub fn new(
        paths: Vec<String>,
        reviews: Vec<(model::FileReviewView, Vec<vouch_signing::review::Note>, Vec<u32>)>,
    ) -> Self {
        FileReviews { paths, reviews }
    }

    /// The reviews of `path`'s bytes and their notes on it (`None`: none).
    pub fn get(&self, path: &str) -> Option<(Vec<model::FileReviewView>, Vec<vouch_signing::review::Note>)> {
        let i = self.paths.binary_search_by(|p| p.as_bytes().cmp(path.as_bytes())).ok()? as u32;
        let mut views = Vec::new();
        let mut notes = Vec::new();
        for (view, n, matched) in &self.reviews {
            if matched.binary_search(&i).is_ok() {
                views.push(view.clone());
                notes.extend(n.iter().filter(|n| n.path == path).cloned());
            }
        }
        (!views.is_empty()).then_some((views, notes))
    }
}

/// Counts the reviewers' reviews of a release under a trust policy;
/// implemented with the signing crate (see [`trust::PolicyReviews`]).
pub trait ReviewCheck: Sync {
    fn check(&self, bundle: &Bundle) -> ReleaseReviews;
}

/// What to build.
pub struct Options<'a> {
    /// The directory holding `<name>-<version>/` and `<name>-<version>.tar`.
    pub bundles: PathBuf,
    /// The site folder (replaced whole; see [`build`]).
    pub output: PathBuf,
    pub sources: Vec<SourceSpec>,
    /// A directory of templates and `static/` files overriding the built-in ones.
    pub templates: Option<PathBuf>,
    /// The site's title.
    pub title: String,
    /// The trust policy, for the keys page (with `--trust`).
    pub trust: Option<TrustView>,
    /// The signature checker (with `--trust`).
    pub checker: Option<&'a dyn SignatureCheck>,
    /// The reviews (with `--reviews`, which needs `--trust`).
    pub reviews: Option<&'a dyn ReviewCheck>,
    /// The vendor's release log, verified (with `--log`).
    pub log: Option<&'a vouch_signing::log::Listing>,
}

/// What a build wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub releases: usize,
    pub pages: usize,
    /// File pages hard-linked from the previous build in the output folder
    /// instead of rendered again.
    pub reused: usize,
    /// Other pages (release, folder, changes pages...) hard-linked from the
    /// previous build.
    pub kept_pages: usize,
    /// Releases whose code search index was kept from the previous build.
    pub kept_indexes: usize,
    /// Files written (pages and static files).
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Folders of the bundles directory skipped: they hold no `manifest.json`.
    pub skipped: Vec<PathBuf>,
    /// What the index names at its top: releases missing from the log or
    /// from the bundles, and one release as two bundles with different manifests.
    pub problems: Vec<String>,
}

/// The default site title.
pub const DEFAULT_TITLE: &str = "vouch review site";
