//! The context templates receive: plain serde structs, one per page kind.
//! Every link is a path relative to the site root; templates prefix it
//! with `root`. Untrusted strings are kept as text and escaped by Tera.
//! The README's "Review site" section documents these fields.

use crate::sig::Field;
use serde::Serialize;

/// A link in the breadcrumb trail; the current page has no `href`.
#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    pub title: String,
    pub href: Option<String>,
    /// `href` is relative to the page's release folder (`rroot`), not to
    /// the site (`root`): on pages that several releases share.
    pub rel: bool,
    /// The title is the release's version, filled in on view (on pages that
    /// several releases share).
    pub version: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    pub name: String,
    pub value: String,
}

/// Git identity of the source.
#[derive(Debug, Clone, Serialize)]
pub struct VcsView {
    pub commit: String,
    pub tree: String,
    pub tag: Option<String>,
    pub remote: Option<String>,
    pub dirty: bool,
}

/// A verdict on one signature, filled in by a [`crate::SignatureCheck`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SignatureStatus {
    /// `valid`, `invalid` or `untrusted`.
    pub state: Validity,
    /// Why (for example "key acme-release-2026, role release" or "revoked").
    pub reason: String,
    /// The policy's name for the key, when it knows it.
    pub key_name: Option<String>,
    /// The key's roles under the policy.
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    Valid,
    Invalid,
    Untrusted,
}

/// The policy's verdict on a whole release.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicySummary {
    /// Whether the release meets every role threshold.
    pub held: bool,
    /// One line for people.
    pub summary: String,
    pub roles: Vec<RoleCount>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RoleCount {
    pub role: String,
    pub threshold: u64,
    /// Distinct valid keys (or matching reports) found for the role.
    pub found: u64,
}

/// One signature file of a bundle.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    /// `signatures/<KEYID>.minisig`.
    pub file: String,
    /// The key id from the file name.
    pub key_id: String,
    /// The key id inside the signature, when it parses.
    pub embedded_key_id: Option<String>,
    pub untrusted_comment: Option<String>,
    pub trusted_comment: Option<String>,
    /// The trusted comment's `key:value` fields, in order.
    pub fields: Vec<Field>,
    /// `timestamp` field as RFC 3339 UTC, when it is a number.
    pub time: Option<String>,
    /// Why the file is not a well-formed minisign signature.
    pub problem: Option<String>,
    /// The verdict under `--trust`; `None` when not checked.
    pub status: Option<SignatureStatus>,
    /// Link to the keys page entry of this key id.
    pub key_href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildView {
    pub command: Vec<String>,
    /// The command, shell-quoted on one line.
    pub command_line: String,
    pub workdir: String,
    pub env: Vec<Pair>,
    pub toolchain: Vec<Pair>,
    pub host: Option<String>,
    pub path_remap: Vec<Pair>,
    pub dependencies: Vec<DependencyView>,
    pub no_build: bool,
    pub vendored: Option<BundleFileView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DependencyView {
    pub name: String,
    pub version: String,
    pub source: Option<String>,
    pub checksum: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleFileView {
    pub path: String,
    pub size: Option<u64>,
    pub digest: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtifactView {
    pub path: String,
    pub name: String,
    pub size: u64,
    pub digest: String,
    /// `artifacts/<name>` in the bundle, if the bundle carries a copy.
    pub in_bundle: Option<String>,
    /// Whether that copy's digest matches (`None` without a copy).
    pub copy_matches: Option<bool>,
    pub verify_command: String,
    pub rebuild_command: String,
    pub sha256_command: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SbomView {
    pub path: String,
    /// The format the manifest states (`cyclonedx` or `spdx`).
    pub format: String,
    pub digest: String,
    pub present: bool,
    pub digest_matches: Option<bool>,
    /// The document read, when it is present, matches its digest and parses.
    pub document: Option<SbomDocView>,
    /// Why the document could not be read.
    pub problem: Option<String>,
    /// The `id` of the SBOM's section on the components page.
    pub anchor: String,
}

/// An SBOM's content (components page).
#[derive(Debug, Clone, Serialize)]
pub struct SbomDocView {
    /// `CycloneDX` or `SPDX`.
    pub format: String,
    pub spec_version: String,
    /// What the SBOM describes.
    pub name: Option<String>,
    pub components: Vec<ComponentView>,
    /// Number of dependency edges.
    pub dependency_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentView {
    /// The `id` of the component's row on the components page.
    pub anchor: String,
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub licenses: Vec<String>,
    pub hashes: Vec<Pair>,
    pub supplier: Option<String>,
    pub scope: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub path: String,
    pub size: u64,
    pub digest: Option<String>,
    /// Whether `<path>.minisig` is in the bundle.
    pub signed: bool,
    /// Top-level scalar fields of the JSON report.
    pub fields: Vec<Pair>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvenanceView {
    pub size: u64,
    pub digest: Option<String>,
    pub payload_type: Option<String>,
    pub problem: Option<String>,
}

/// The short form of a release, on every page of that release and in the
/// index.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseSummary {
    pub name: String,
    pub version: String,
    /// `<name>-<version>` or `<name>-<version>.tar`.
    pub bundle: String,
    /// `directory` or `archive`.
    pub origin: &'static str,
    pub created: Option<String>,
    pub vcs: Option<VcsView>,
    pub count: u64,
    pub total_size: u64,
    pub merkle_root: String,
    pub manifest_digest: String,
    pub href: String,
    pub tree_href: String,
    pub components_href: String,
    /// The changes page (what changed since the previous release).
    pub changes_href: String,
    /// The licenses page.
    pub licenses_href: String,
    /// The previous release of the same project (SemVer or creation order).
    pub previous_version: Option<String>,
    /// Every change since the previous release (none for the oldest).
    pub change_count: Option<usize>,
    /// Files added, removed and modified since the previous release.
    pub file_change_count: Option<usize>,
    /// Whether `--source` gave this release's source (file pages exist).
    pub source_given: bool,
    pub signature_count: usize,
    /// Key ids of the signatures, in file order.
    pub key_ids: Vec<String>,
    /// Signatures judged valid under `--trust` (`None` when not checked).
    pub valid_signatures: Option<usize>,
    pub policy: Option<PolicySummary>,
    pub artifact_count: usize,
    pub sbom_count: usize,
    pub report_count: usize,
    /// Review coverage (with `--reviews`).
    pub reviews: Option<ReviewSummaryView>,
    /// Its place in the release log (with `--log`).
    pub log: Option<ReleaseLogView>,
}

/// A release's review coverage, from the reviewers' signed reviews counted
/// under the trust policy.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewSummaryView {
    /// The criteria counted, joined.
    pub criteria: String,
    /// Covered files in percent, one decimal.
    pub percent: String,
    pub covered_files: usize,
    pub files: usize,
    pub covered_bytes: u64,
    pub bytes: u64,
    /// The policy's `[review]` verdict; `None` without a `[review]` table.
    pub held: Option<bool>,
    pub failures: Vec<String>,
    pub warnings: Vec<String>,
    /// Review files that counted.
    pub counted: usize,
    /// Review files that did not, with the reason.
    pub not_counted: Vec<Pair>,
    pub left_count: usize,
    pub flagged_count: usize,
    /// The "left to review" page.
    pub left_href: String,
}

/// The release log page.
#[derive(Debug, Clone, Serialize)]
pub struct LogPageView {
    pub origin: String,
    pub size: u64,
    pub root: String,
    pub key: String,
    pub cosigners: Vec<Pair>,
    pub unchecked: Vec<String>,
    pub entries: Vec<LogEntryView>,
}

/// One entry of the log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntryView {
    pub index: u64,
    pub text: String,
    /// The release page, when the bundles hold this release with this manifest.
    pub href: Option<String>,
    /// `shown`, `absent` (not among the bundles) or `differs` (another manifest).
    pub state: &'static str,
}

/// A release's place in the log.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseLogView {
    pub origin: String,
    pub index: Option<u64>,
    pub size: u64,
    pub witnesses: Vec<String>,
    /// Why it is not (as this manifest) in the log, when it is not.
    pub problem: Option<String>,
}

/// Coverage of one top-level folder.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewFolderView {
    pub name: String,
    pub files: usize,
    pub covered: usize,
    pub percent: String,
}

/// One counted review of a file's exact bytes.
#[derive(Debug, Clone, Serialize)]
pub struct FileReviewView {
    pub key: String,
    pub reviewer: String,
    pub criteria: String,
    pub verdict: &'static str,
    pub time: String,
    /// The release the review was made on.
    pub release: String,
}

/// A reviewer's note on a file, at a line when it names one.
#[derive(Debug, Clone, Serialize)]
pub struct FileNoteView {
    pub line: Option<u64>,
    pub text: String,
    /// `#L<n>`, linking to the line.
    pub href: Option<String>,
}

/// One file on the "left to review" page.
#[derive(Debug, Clone, Serialize)]
pub struct LeftFileView {
    pub path: String,
    pub href: Option<String>,
    pub size: u64,
    /// Changed since the previous release in the site.
    pub changed: bool,
    pub flagged: bool,
}

/// Everything about one release (the release page's `release`).
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseView {
    #[serde(flatten)]
    pub summary: ReleaseSummary,
    pub build: Option<BuildView>,
    pub artifacts: Vec<ArtifactView>,
    pub sboms: Vec<SbomView>,
    pub reports: Vec<ReportView>,
    pub provenance: Option<ProvenanceView>,
    pub signatures: Vec<SignatureView>,
    /// Every file of the bundle.
    pub bundle_files: Vec<BundleFileView>,
    /// Source size by top-level directory, largest first.
    pub top_dirs: Vec<TopDirView>,
    /// The same as an inline SVG bar chart (escaped).
    pub size_chart: String,
    /// Review coverage per top-level folder (with `--reviews`).
    pub review_folders: Vec<ReviewFolderView>,
    /// The same as an inline SVG chart.
    pub review_chart: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub name: String,
    /// The `id` of the project's heading on the index page.
    pub anchor: String,
    /// `semver` or `created`: how releases are ordered.
    pub order: &'static str,
    pub releases: Vec<ReleaseSummary>,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, Serialize)]
pub struct DirEntryView {
    pub name: String,
    /// `dir`, `file`, `exec`, `symlink` or `submodule`.
    pub kind: &'static str,
    pub size: u64,
    pub digest: Option<String>,
    pub target: Option<String>,
    pub commit: Option<String>,
    /// Files below a directory.
    pub files: Option<u64>,
    /// The entry's page, when there is one.
    pub href: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirView {
    /// `""` for the root.
    pub path: String,
    pub name: String,
    pub file_count: u64,
    pub total_size: u64,
    pub entries: Vec<DirEntryView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub path: String,
    pub name: String,
    pub kind: &'static str,
    pub size: u64,
    pub digest: Option<String>,
    pub target: Option<String>,
    pub commit: Option<String>,
    /// The directory page holding this file, relative to the release folder.
    pub dir_href: String,
    pub content: crate::source::Content,
    /// The history script of its path (`r/<project>/history/<shard>.js`).
    pub shard: String,
    /// How many folders below the release folder the page is, plus one.
    pub depth: usize,
    /// The file's definitions (universal-ctags), by line.
    pub symbols: Vec<SymbolView>,
    /// Why definitions are not listed (no universal-ctags), for a file of a
    /// language it would index.
    pub defs_note: Option<String>,
}

/// One definition in a file.
#[derive(Debug, Clone, Serialize)]
pub struct SymbolView {
    pub name: String,
    pub kind: String,
    pub scope: Option<String>,
    pub line: u32,
}

/// A key the policy names.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyView {
    pub name: String,
    pub key_id: String,
    /// The minisign public key line (base64).
    pub public: String,
    pub roles: Vec<String>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    pub revoked: Option<String>,
    pub compromised: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RoleView {
    pub name: String,
    pub threshold: u64,
}

/// The trust policy given with `--trust`, as the keys page shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TrustView {
    /// The policy's file name (not its full path, so sites are portable).
    pub file_name: String,
    pub sha256: String,
    pub keys: Vec<KeyView>,
    pub roles: Vec<RoleView>,
}

/// A key id seen in signatures, with what it signed (keys page).
#[derive(Debug, Clone, Serialize)]
pub struct SignerView {
    pub key_id: String,
    pub anchor: String,
    /// The policy's key of this id, if any.
    pub key_name: Option<String>,
    pub signed: Vec<SignedView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignedView {
    pub name: String,
    pub version: String,
    pub href: String,
    pub time: Option<String>,
    pub status: Option<SignatureStatus>,
}

/// One top-level directory of a release's source (the release page's size
/// chart and its table).
#[derive(Debug, Clone, Serialize)]
pub struct TopDirView {
    /// The directory's name, or "files at the top level" for the root's files.
    pub name: String,
    /// Whether this row is the root's own files rather than a directory.
    pub root_files: bool,
    /// The directory page (none for the rest row).
    pub href: Option<String>,
    pub files: u64,
    pub size: u64,
}

/// The release a changes page compares with.
#[derive(Debug, Clone, Serialize)]
pub struct PreviousView {
    pub version: String,
    pub href: String,
    pub tree_href: String,
    pub source_given: bool,
}

/// One added, removed or modified source file.
#[derive(Debug, Clone, Serialize)]
pub struct FileChangeView {
    pub path: String,
    /// `dir`-less kind in the new release (the old one for a removed file).
    pub kind: &'static str,
    /// The kind in the previous release when it differs.
    pub old_kind: Option<&'static str>,
    pub old_size: Option<u64>,
    pub new_size: Option<u64>,
    pub old_digest: Option<String>,
    pub new_digest: Option<String>,
    /// The file's page in the previous release (its directory's without
    /// `--source` for that release).
    pub old_href: Option<String>,
    /// The file's page in this release (its directory's without `--source`).
    pub new_href: Option<String>,
    /// The line diff page (both sources given, both regular files).
    pub diff_href: Option<String>,
}

/// Changed files under one top-level directory.
#[derive(Debug, Clone, Serialize)]
pub struct DirChangeView {
    pub name: String,
    pub added: usize,
    pub removed: usize,
    pub modified: usize,
}

/// A name whose version changed.
#[derive(Debug, Clone, Serialize)]
pub struct VersionChangeView {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// `upgraded`, `downgraded` or `changed` (not both SemVer).
    pub direction: &'static str,
}

/// `build.dependencies` compared.
#[derive(Debug, Clone, Serialize)]
pub struct DepChangesView {
    pub added: Vec<DependencyView>,
    pub removed: Vec<DependencyView>,
    pub changed: Vec<VersionChangeView>,
    /// Dependencies in each release.
    pub old_count: usize,
    pub new_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamedView {
    pub name: String,
    pub version: Option<String>,
    pub licenses: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LicenseChangeView {
    pub name: String,
    pub version: Option<String>,
    pub old: Vec<String>,
    pub new: Vec<String>,
}

/// SBOM components compared (every readable SBOM of each release taken
/// together; `vouch sbom diff`'s matching).
#[derive(Debug, Clone, Serialize)]
pub struct ComponentChangesView {
    pub added: Vec<NamedView>,
    pub removed: Vec<NamedView>,
    pub changed: Vec<VersionChangeView>,
    pub license_changed: Vec<LicenseChangeView>,
    /// Why the comparison is partial (an SBOM missing on one side).
    pub note: Option<String>,
}

/// One field of the build record that differs.
#[derive(Debug, Clone, Serialize)]
pub struct BuildChangeView {
    /// `command`, `workdir`, `host`, `toolchain.rustc`, `env.RUSTFLAGS`, ...
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What changed since the previous release (the changes page's `changes`).
#[derive(Debug, Clone, Serialize)]
pub struct ChangesView {
    /// None for the oldest release of a project.
    pub previous: Option<PreviousView>,
    pub added: Vec<FileChangeView>,
    pub removed: Vec<FileChangeView>,
    pub modified: Vec<FileChangeView>,
    /// The lengths of the whole lists (a part of the page holds some rows).
    pub added_count: usize,
    pub removed_count: usize,
    pub modified_count: usize,
    /// Changed files per top-level directory, most first.
    pub by_dir: Vec<DirChangeView>,
    /// The per-directory chart (inline SVG, escaped; none without changes).
    pub chart_svg: Option<String>,
    /// None when neither release records dependencies.
    pub dependencies: Option<DepChangesView>,
    /// None when neither release has a readable SBOM.
    pub components: Option<ComponentChangesView>,
    pub build: Vec<BuildChangeView>,
    /// Files added, removed and modified.
    pub file_count: usize,
    /// Every change counted: files, dependencies, components, build fields.
    pub total: usize,
}

/// The parts of a long page (see `PAGE_ROWS`).
#[derive(Debug, Clone, Serialize)]
pub struct PagerView {
    /// What the rows are (`files`, `entries`).
    pub what: &'static str,
    pub rows: usize,
    /// This part, from 1.
    pub current: usize,
    pub parts: Vec<PartView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartView {
    pub n: usize,
    /// The first and last rows of the part, from 1.
    pub first: usize,
    pub last: usize,
    pub href: String,
    pub current: bool,
}

impl ChangesView {
    /// Everything but the three lists of files (which a part of the page
    /// cuts), with their lengths kept in the counts.
    pub fn clone_without_files(&self) -> ChangesView {
        ChangesView {
            previous: self.previous.clone(),
            added: Vec::new(),
            removed: Vec::new(),
            modified: Vec::new(),
            added_count: self.added.len(),
            removed_count: self.removed.len(),
            modified_count: self.modified.len(),
            by_dir: self.by_dir.clone(),
            chart_svg: self.chart_svg.clone(),
            dependencies: self.dependencies.clone(),
            components: self.components.clone(),
            build: self.build.clone(),
            file_count: self.file_count,
            total: self.total,
        }
    }
}

/// A line diff page (`diff`).
#[derive(Debug, Clone, Serialize)]
pub struct DiffView {
    pub path: String,
    pub previous: PreviousView,
    pub old_href: String,
    pub new_href: String,
    pub old_digest: Option<String>,
    pub new_digest: Option<String>,
    /// `shown`, or why not: `binary`, `large`, `too_many`, `unreadable`.
    pub state: &'static str,
    pub detail: Option<String>,
    pub added: usize,
    pub removed: usize,
    pub hunks: Vec<crate::linediff::Hunk>,
}

/// A component on the licenses page.
#[derive(Debug, Clone, Serialize)]
pub struct LicensedView {
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    /// The SBOM (path in the bundle) that lists it.
    pub sbom: String,
    /// Its row on the components page.
    pub href: String,
}

/// Components declaring one license expression.
#[derive(Debug, Clone, Serialize)]
pub struct LicenseGroupView {
    /// None for the components that declare no license.
    pub expression: Option<String>,
    pub anchor: String,
    pub components: Vec<LicensedView>,
}

/// A project on the search page.
#[derive(Debug, Clone, Serialize)]
pub struct SearchProjectView {
    pub name: String,
    /// The index script, relative to the site root.
    pub src: String,
    /// The code search's folder (`search/code/<project>/`), when a release
    /// of the project has sources.
    pub code: Option<String>,
    /// Whether its definitions are indexed (universal-ctags ran).
    pub defs: bool,
    pub releases: usize,
    pub files: u64,
}
