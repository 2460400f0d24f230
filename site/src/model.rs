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
    /// The directory page holding this file.
    pub dir_href: String,
    pub content: crate::source::Content,
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
