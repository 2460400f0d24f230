//! The manifest document, `manifest.json`, exactly as the design brief pins
//! it (schema `vouch.manifest/v1`). Serialized through [`crate::model::canonical`].

use crate::model::digest::Digest;
use crate::model::path::RelPath;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The schema identifier of manifests this version writes and reads.
pub const SCHEMA: &str = "vouch.manifest/v1";

/// One release's record, checked: source, and optionally build, artifacts
/// and SBOMs. It is made only from a [`RawManifest`] that passes every
/// check (parsing goes through one, `#[serde(try_from)]`), and is read
/// through [`Deref`](std::ops::Deref) with no `DerefMut`, so no code can
/// hold a manifest that is not valid, nor change one in place; to change a
/// field, take [`Manifest::into_raw`] and check it again.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawManifest")]
pub struct Manifest {
    raw: RawManifest,
}

impl std::ops::Deref for Manifest {
    type Target = RawManifest;
    fn deref(&self) -> &RawManifest {
        &self.raw
    }
}

impl Serialize for Manifest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

impl TryFrom<RawManifest> for Manifest {
    type Error = CheckError;
    /// Checks everything serde cannot: schema, names, order, uniqueness,
    /// count, per-kind shape and the Merkle root.
    fn try_from(raw: RawManifest) -> Result<Manifest, CheckError> {
        raw.check()?;
        Ok(Manifest { raw })
    }
}

/// A manifest as it is on disk, every field as written and none checked:
/// what a parser reads and a writer fills, before it becomes a
/// [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifest {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Which project and version this is.
    pub project: Project,
    /// RFC 3339 UTC time from `SOURCE_DATE_EPOCH`, else the commit time;
    /// absent when neither exists. Never the wall clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The source tree.
    pub source: Source,
    /// How the artifacts were built (filled by `vouch release`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    /// What the build produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Vec<Artifact>>,
    /// SBOMs shipped in the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sboms: Option<Vec<SbomRef>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: crate::model::name::Name,
    pub version: crate::model::name::Version,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Git identity, when the source is a git checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<Vcs>,
    /// RFC 9162 Merkle root over `files`, in order.
    pub merkle_root: Digest,
    /// Number of entries in `files`.
    pub count: u64,
    /// Entries sorted by path bytes.
    pub files: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vcs {
    /// Always `git` for now.
    #[serde(rename = "type")]
    pub kind: String,
    /// HEAD commit id (hex).
    pub commit: String,
    /// HEAD's tree id (hex).
    pub tree: String,
    /// A tag pointing at HEAD, if any (the first by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The `origin` remote's URL with any credentials stripped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// Whether tracked files differed from HEAD (only with `--allow-dirty`).
    pub dirty: bool,
}

/// What kind of tree entry this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    File,
    Exec,
    Symlink,
    Submodule,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Exec => "exec",
            EntryKind::Symlink => "symlink",
            EntryKind::Submodule => "submodule",
        }
    }
}

impl std::fmt::Display for EntryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the source tree, checked: each kind holds what it has and
/// nothing else (a symlink's size and digest are over its target). Parsed
/// from and written as the flat [`RawEntry`] of the manifest format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawEntry", into = "RawEntry")]
pub enum Entry {
    /// A regular file (`exec`: its owner may execute it).
    File { path: RelPath, size: u64, digest: Digest, exec: bool },
    /// A symlink, by its target string (never followed).
    Symlink { path: RelPath, target: String, digest: Digest },
    /// A git submodule, by its commit id (hex).
    Submodule { path: RelPath, commit: String },
}

/// An entry as the manifest format writes it: one flat object whose
/// fields depend on `kind`, none checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    pub path: RelPath,
    pub kind: EntryKind,
    /// Bytes of the file, or of the symlink's target string; 0 for a submodule.
    pub size: u64,
    /// SHA-256 of the content (of the target string for a symlink); absent
    /// for a submodule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// A symlink's target, as stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// A submodule's commit id (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl TryFrom<RawEntry> for Entry {
    type Error = String;
    /// Checks the per-kind shape of the entry (see [`Entry::check`]).
    fn try_from(r: RawEntry) -> Result<Entry, String> {
        let RawEntry { path, kind, size, digest, target, commit } = r;
        let at = |path: &RelPath, d: &str| format!("entry {:?}: {d}", path.as_str());
        let e = match (kind, digest, target, commit) {
            (EntryKind::File | EntryKind::Exec, Some(digest), None, None) => {
                Entry::File { path, size, digest, exec: kind == EntryKind::Exec }
            }
            (EntryKind::File | EntryKind::Exec, ..) => {
                return Err(at(&path, "a file entry has a digest and neither target nor commit"));
            }
            (EntryKind::Symlink, Some(digest), Some(target), None) if size == target.len() as u64 => {
                Entry::Symlink { path, target, digest }
            }
            (EntryKind::Symlink, _, None, _) => return Err(at(&path, "a symlink entry needs a target")),
            (EntryKind::Symlink, ..) => return Err(at(&path, SYMLINK_SHAPE)),
            (EntryKind::Submodule, None, None, Some(commit)) if size == 0 => Entry::Submodule { path, commit },
            (EntryKind::Submodule, ..) => return Err(at(&path, SUBMODULE_SHAPE)),
        };
        e.check().map_err(|d| at(e.path(), d))?;
        Ok(e)
    }
}

const SYMLINK_SHAPE: &str = "a symlink's size and digest must be over its target string";
const SUBMODULE_SHAPE: &str = "a submodule entry has a hex commit id, size 0 and no digest";

impl From<Entry> for RawEntry {
    fn from(e: Entry) -> RawEntry {
        match e {
            Entry::File { path, size, digest, exec } => RawEntry {
                path,
                kind: if exec { EntryKind::Exec } else { EntryKind::File },
                size,
                digest: Some(digest),
                target: None,
                commit: None,
            },
            Entry::Symlink { path, target, digest } => RawEntry {
                path,
                kind: EntryKind::Symlink,
                size: target.len() as u64,
                digest: Some(digest),
                target: Some(target),
                commit: None,
            },
            Entry::Submodule { path, commit } => {
                RawEntry { path, kind: EntryKind::Submodule, size: 0, digest: None, target: None, commit: Some(commit) }
            }
        }
    }
}

/// A git object id in lower-case hex (SHA-1 or SHA-256).
fn is_commit_id(c: &str) -> bool {
    (c.len() == 40 || c.len() == 64) && c.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl Entry {
    /// Checks what the variants' types cannot: a symlink's digest is over
    /// its target, a submodule's commit is a lower-case hex object id. Run
    /// when an entry is parsed, and again by a manifest's check, since an
    /// entry can be built from its variant directly.
    pub fn check(&self) -> Result<(), &'static str> {
        match self {
            Entry::Symlink { target, digest, .. } if *digest != Digest::of(target.as_bytes()) => Err(SYMLINK_SHAPE),
            Entry::Submodule { commit, .. } if !is_commit_id(commit) => Err(SUBMODULE_SHAPE),
            _ => Ok(()),
        }
    }

    /// A symlink entry for `target`.
    pub fn symlink(path: RelPath, target: String) -> Entry {
        let digest = Digest::of(target.as_bytes());
        Entry::Symlink { path, target, digest }
    }

    /// A submodule entry at `commit` (a lower-case hex object id).
    pub fn submodule(path: RelPath, commit: String) -> Result<Entry, String> {
        let e = Entry::Submodule { path, commit };
        e.check().map_err(|d| format!("entry {:?}: {d}", e.path().as_str()))?;
        Ok(e)
    }

    pub fn path(&self) -> &RelPath {
        match self {
            Entry::File { path, .. } | Entry::Symlink { path, .. } | Entry::Submodule { path, .. } => path,
        }
    }

    pub fn kind(&self) -> EntryKind {
        match self {
            Entry::File { exec: false, .. } => EntryKind::File,
            Entry::File { exec: true, .. } => EntryKind::Exec,
            Entry::Symlink { .. } => EntryKind::Symlink,
            Entry::Submodule { .. } => EntryKind::Submodule,
        }
    }

    /// Bytes of the file, or of the symlink's target string; 0 for a submodule.
    pub fn size(&self) -> u64 {
        match self {
            Entry::File { size, .. } => *size,
            Entry::Symlink { target, .. } => target.len() as u64,
            Entry::Submodule { .. } => 0,
        }
    }

    /// SHA-256 of the content (of the target string for a symlink); none
    /// for a submodule.
    pub fn digest(&self) -> Option<Digest> {
        match self {
            Entry::File { digest, .. } | Entry::Symlink { digest, .. } => Some(*digest),
            Entry::Submodule { .. } => None,
        }
    }

    /// A symlink's target.
    pub fn target(&self) -> Option<&str> {
        match self {
            Entry::Symlink { target, .. } => Some(target),
            _ => None,
        }
    }

    /// A submodule's commit id.
    pub fn commit(&self) -> Option<&str> {
        match self {
            Entry::Submodule { commit, .. } => Some(commit),
            _ => None,
        }
    }

    /// The Merkle leaf data: `"<kind> <digest hex> <size> <path>"`; a
    /// submodule's digest field is its commit id.
    pub fn leaf_data(&self) -> String {
        let d = match self {
            Entry::File { digest, .. } | Entry::Symlink { digest, .. } => digest.hex(),
            Entry::Submodule { commit, .. } => commit.clone(),
        };
        format!("{} {} {} {}", self.kind(), d, self.size(), self.path())
    }

    /// A short description of the content for messages: the digest, or
    /// the submodule commit.
    pub fn content_id(&self) -> String {
        match self {
            Entry::File { digest, .. } | Entry::Symlink { digest, .. } => digest.to_string(),
            Entry::Submodule { commit, .. } => format!("commit {commit}"),
        }
    }
}

/// The build record (see the design brief's `build`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Build {
    /// The argument vector; empty when artifacts were built elsewhere.
    pub command: Vec<String>,
    /// Working directory, relative to the source root ("." for the root).
    pub workdir: String,
    /// Allow-listed environment variables and their values.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Tool name → version line.
    #[serde(default)]
    pub toolchain: BTreeMap<String, String>,
    /// Host target triple.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Path prefixes remapped at build time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path_remap: Vec<PathRemap>,
    /// Locked dependencies from `Cargo.lock`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// True when vouch did not run the build and only recorded artifacts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_build: bool,
    /// Vendored dependency sources in the bundle (`deps/...tar`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendored: Option<BundleFile>,
}

impl Build {
    /// What the bundle controls of a rebuild is data: only allow-listed
    /// environment names (never `LD_PRELOAD`, `PATH` or a secret), and a
    /// working directory inside the source root.
    fn check(&self) -> Result<(), String> {
        for name in self.env.keys() {
            if !crate::build::env_allowed(name) {
                return Err(format!(
                    "build.env sets {name:?}, which is not an allow-listed build variable (SOURCE_DATE_EPOCH, RUSTFLAGS, CARGO_ENCODED_RUSTFLAGS, CARGO_PROFILE_*, CARGO_BUILD_*, TZ, LANG, LC_ALL, CC, CXX, CFLAGS, CXXFLAGS, CPPFLAGS, LDFLAGS, CMAKE_BUILD_TYPE, GOFLAGS, CGO_ENABLED, GOOS, GOARCH; never a name containing TOKEN, SECRET, PASSWORD, KEY or CREDENTIAL)"
                ));
            }
        }
        if self.workdir != "." && RelPath::new(self.workdir.as_str()).is_err() {
            return Err(format!(
                "build.workdir {:?} leaves the source root (it must be \".\" or a relative path without \"..\")",
                self.workdir
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathRemap {
    /// What the prefix stands for.
    pub role: RemapRole,
    /// The fixed name it was remapped to.
    pub to: String,
}

/// What a remapped path prefix stood for at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemapRole {
    /// The source root.
    Source,
    /// The cargo home (registry sources).
    CargoHome,
    /// The vendored dependency sources.
    Deps,
}

impl RemapRole {
    /// Its name in manifests: `source`, `cargo_home` or `deps`.
    pub fn as_str(self) -> &'static str {
        match self {
            RemapRole::Source => "source",
            RemapRole::CargoHome => "cargo_home",
            RemapRole::Deps => "deps",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// Relative to the source root.
    pub path: RelPath,
    pub size: u64,
    pub digest: Digest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SbomRef {
    /// Relative to the bundle.
    pub path: RelPath,
    /// `cyclonedx` or `spdx`.
    pub format: crate::sbom::SbomFormat,
    pub digest: Digest,
}

/// A file inside a bundle, with its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleFile {
    pub path: RelPath,
    pub digest: Digest,
}

/// Why a manifest fails its checks.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The project name or version is not a safe name.
    #[error(transparent)]
    Name(#[from] crate::model::name::NameError),
    /// `created` is not an RFC 3339 time.
    #[error("created {created:?} is not an RFC 3339 time")]
    Created {
        created: String,
        #[source]
        source: time::error::Parse,
    },
    /// Anything else: schema, order, count, shape, Merkle root.
    #[error("{0}")]
    Shape(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("manifest {path} is not valid")]
    Invalid {
        path: PathBuf,
        #[source]
        source: CheckError,
    },
    /// A manifest being made (by a scan or a release) failed its checks.
    #[error("the manifest made is not valid")]
    Made {
        #[source]
        source: CheckError,
    },
    #[error("manifest {path} is not a vouch manifest")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Canonical(#[from] crate::model::canonical::CanonicalError),
    #[error(transparent)]
    Write(#[from] crate::tree::fsutil::WriteError),
}

impl Manifest {
    /// Parses and checks a manifest; `path` names it in errors.
    pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Self, ManifestError> {
        let raw: RawManifest = serde_json::from_slice(bytes)
            .map_err(|source| ManifestError::Parse { path: path.to_path_buf(), source })?;
        Manifest::try_from(raw).map_err(|source| ManifestError::Invalid { path: path.to_path_buf(), source })
    }

    /// Checks the fields of a manifest being made.
    pub fn new(raw: RawManifest) -> Result<Manifest, ManifestError> {
        Manifest::try_from(raw).map_err(|source| ManifestError::Made { source })
    }

    /// The fields, to change and check again ([`Manifest::new`]).
    pub fn into_raw(self) -> RawManifest {
        self.raw
    }

    /// Reads and checks a manifest file.
    pub fn read(path: &Path) -> Result<Self, ManifestError> {
        let bytes = crate::tree::fsutil::read_bounded(
            path,
            crate::tree::fsutil::MAX_MANIFEST_BYTES,
            crate::tree::fsutil::Symlinks::FollowOnce,
        )
        .map_err(|source| ManifestError::Read { path: path.to_path_buf(), source })?;
        Self::from_slice(&bytes, path)
    }

    /// Writes the canonical form atomically.
    pub fn write(&self, path: &Path) -> Result<(), ManifestError> {
        let bytes = self.to_canonical()?;
        crate::tree::fsutil::write_atomic(path, &bytes, None)?;
        Ok(())
    }

    /// `<name>-<version>`, the bundle directory name.
    pub fn bundle_name(&self) -> String {
        format!("{}-{}", self.project.name, self.project.version)
    }
}

impl RawManifest {
    /// Canonical JSON bytes: what is written and signed.
    ///
    /// Memory stays proportional to the output: the entries are written one
    /// at a time, never held as one `serde_json::Value` tree (which costs
    /// about a kilobyte per entry).
    pub fn to_canonical(&self) -> Result<Vec<u8>, crate::model::canonical::CanonicalError> {
        let shell = self.clone_without_files();
        let head = crate::model::canonical::to_vec(&shell)?;
        // The one structural `"files":[]`: inside a JSON string every `"` is
        // escaped, so `,"files":[]` can only be the key of `source.files`
        // (preceded by `"count":N`, as keys are sorted).
        const KEY: &[u8] = b",\"files\":[]";
        let at =
            head.windows(KEY.len()).position(|w| w == KEY).expect("the canonical form of a manifest has source.files");
        let mut out = Vec::with_capacity(head.len() + self.source.files.len() * 160);
        out.extend_from_slice(&head[..at + KEY.len() - 1]);
        for (i, e) in self.source.files.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&crate::model::canonical::to_vec(e)?);
        }
        out.extend_from_slice(&head[at + KEY.len() - 1..]);
        Ok(out)
    }

    /// A copy with an empty file list (cheap for large manifests), only
    /// to be written.
    fn clone_without_files(&self) -> RawManifest {
        RawManifest {
            schema: self.schema.clone(),
            project: self.project.clone(),
            created: self.created.clone(),
            source: Source {
                vcs: self.source.vcs.clone(),
                merkle_root: self.source.merkle_root,
                count: self.source.count,
                files: Vec::new(),
            },
            build: self.build.clone(),
            artifacts: self.artifacts.clone(),
            sboms: self.sboms.clone(),
        }
    }

    /// Checks everything serde cannot: schema, names, order, uniqueness,
    /// count, per-kind shape and the Merkle root.
    fn check(&self) -> Result<(), CheckError> {
        if self.schema != SCHEMA {
            return Err(CheckError::Shape(format!("schema is {:?}, expected {SCHEMA:?}", self.schema)));
        }
        if let Some(c) = &self.created {
            time::OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339)
                .map_err(|source| CheckError::Created { created: c.clone(), source })?;
        }
        self.check_shape().map_err(CheckError::Shape)
    }

    /// The checks after the schema, the names and the time: order, uniqueness,
    /// count, per-kind shape and the Merkle root.
    fn check_shape(&self) -> Result<(), String> {
        let files = &self.source.files;
        for w in files.windows(2) {
            if w[0].path().as_str().as_bytes() >= w[1].path().as_str().as_bytes() {
                return Err(format!(
                    "source.files is not sorted by path bytes without duplicates at {:?}",
                    w[1].path().as_str()
                ));
            }
        }
        for e in files {
            e.check().map_err(|d| format!("entry {:?}: {d}", e.path().as_str()))?;
        }
        // Every entry is a leaf (file, exec, symlink, submodule): none may
        // stand where a folder holding another entry is, so nothing is
        // ever written through a symlink entry.
        // A folder found to be no entry is so with all its parents: each
        // entry asks of its own folder, once that is known, and no more.
        let paths: std::collections::HashSet<&str> = files.iter().map(|e| e.path().as_str()).collect();
        let mut folders: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for e in files {
            let mut p = e.path().as_str();
            while let Some((parent, _)) = p.rsplit_once('/') {
                p = parent;
                if folders.contains(p) {
                    break;
                }
                if paths.contains(p) {
                    return Err(format!("entry {:?} is below entry {p:?}, which is not a folder", e.path().as_str()));
                }
                folders.insert(p);
            }
        }
        if self.source.count != files.len() as u64 {
            return Err(format!("source.count is {} but files has {} entries", self.source.count, files.len()));
        }
        if let Some(b) = &self.build {
            b.check()?;
        }
        let root = crate::model::merkle::root_of_entries(files);
        if root != self.source.merkle_root {
            return Err(format!("source.merkle_root is {} but the files give {}", self.source.merkle_root, root));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest naming a project or version that is not a safe name part
    /// does not parse: no code can hold one.
    #[test]
    fn a_bad_project_name_or_version_does_not_parse() {
        let files: Vec<Entry> = Vec::new();
        let m = RawManifest {
            schema: SCHEMA.into(),
            project: Project { name: "p".parse().unwrap(), version: "1".parse().unwrap() },
            created: None,
            source: Source { vcs: None, merkle_root: crate::model::merkle::root_of_entries(&files), count: 0, files },
            build: None,
            artifacts: None,
            sboms: None,
        };
        let good = String::from_utf8(m.to_canonical().unwrap()).unwrap();
        Manifest::from_slice(good.as_bytes(), Path::new("m.json")).unwrap();
        for (field, bad) in [("\"name\":\"p\"", "\"name\":\"../p\""), ("\"version\":\"1\"", "\"version\":\"1 2\"")] {
            assert!(good.contains(field), "{good}");
            let e = Manifest::from_slice(good.replace(field, bad).as_bytes(), Path::new("m.json")).unwrap_err();
            assert!(e.to_string().contains("m.json") && crate::error_chain(&e).contains("must match"), "{bad}: {e}");
        }
    }

    /// The design's promise that a bundle can never set `LD_PRELOAD`, `PATH`
    /// or a secret for a rebuild: a manifest recording any variable outside
    /// the allow-list is refused when it is parsed (found writing the attack
    /// suite; `vouch rebuild` set every recorded variable).
    #[test]
    fn build_env_outside_the_allow_list_is_refused_when_parsed() {
        let files: Vec<Entry> = Vec::new();
        let mut m = RawManifest {
            schema: SCHEMA.into(),
            project: Project { name: "p".parse().unwrap(), version: "1".parse().unwrap() },
            created: None,
            source: Source { vcs: None, merkle_root: crate::model::merkle::root_of_entries(&files), count: 0, files },
            build: Some(Build {
                command: vec!["cargo".into(), "build".into()],
                workdir: ".".into(),
                ..Build::default()
            }),
            artifacts: None,
            sboms: None,
        };
        let env = |m: &mut RawManifest, k: &str| {
            m.build.as_mut().unwrap().env = [(k.to_string(), "x".to_string())].into();
        };
        for ok in ["SOURCE_DATE_EPOCH", "RUSTFLAGS", "CARGO_PROFILE_RELEASE_LTO"] {
            env(&mut m, ok);
            let bytes = m.to_canonical().unwrap();
            Manifest::from_slice(&bytes, Path::new("m.json")).unwrap();
        }
        for bad in ["LD_PRELOAD", "PATH", "CARGO_BUILD_TOKEN", "RUSTC_WRAPPER"] {
            env(&mut m, bad);
            let bytes = m.to_canonical().unwrap();
            let e = Manifest::from_slice(&bytes, Path::new("m.json")).unwrap_err();
            assert!(
                matches!(&e, ManifestError::Invalid { source: CheckError::Shape(detail), .. } if detail.contains(bad)),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn an_entry_built_from_its_variant_is_checked_with_the_manifest() {
        let made = |e: Entry| {
            let files = vec![e];
            Manifest::new(RawManifest {
                schema: SCHEMA.into(),
                project: Project { name: "p".parse().unwrap(), version: "1".parse().unwrap() },
                created: None,
                source: Source {
                    vcs: None,
                    merkle_root: crate::model::merkle::root_of_entries(&files),
                    count: 1,
                    files,
                },
                build: None,
                artifacts: None,
                sboms: None,
            })
        };
        let path = RelPath::new("x").unwrap();
        let bad_link = Entry::Symlink { path: path.clone(), target: "y".into(), digest: Digest::of(b"z") };
        let shape = |e: ManifestError| match e {
            ManifestError::Made { source: CheckError::Shape(d) } => d,
            e => panic!("{e}"),
        };
        assert!(shape(made(bad_link).unwrap_err()).contains("over its target"));
        let bad_commit = Entry::Submodule { path: path.clone(), commit: "not hex".into() };
        assert!(shape(made(bad_commit).unwrap_err()).contains("hex commit id"));
        assert!(Entry::submodule(path.clone(), "ABC".into()).is_err());
        made(Entry::symlink(path.clone(), "y".into())).unwrap();
        made(Entry::submodule(path, "0".repeat(40)).unwrap()).unwrap();
    }

    #[test]
    fn streamed_canonical_form_equals_the_generic_one() {
        let files: Vec<Entry> = ["a", "b\"files\":[]", "c,\"files\":[]"]
            .iter()
            .map(|p| Entry::File {
                path: RelPath::new(*p).unwrap(),
                size: 1,
                digest: Digest::of(p.as_bytes()),
                exec: false,
            })
            .collect();
        let mut m = RawManifest {
            schema: SCHEMA.into(),
            project: Project { name: "p".parse().unwrap(), version: "1".parse().unwrap() },
            created: None,
            source: Source { vcs: None, merkle_root: crate::model::merkle::root_of_entries(&files), count: 3, files },
            build: Some(Build {
                command: vec!["echo".into(), ",\"files\":[]".into()],
                workdir: ".".into(),
                ..Build::default()
            }),
            artifacts: None,
            sboms: None,
        };
        assert_eq!(m.to_canonical().unwrap(), crate::model::canonical::to_vec(&m).unwrap());
        m.source.files.clear();
        m.source.count = 0;
        m.source.merkle_root = crate::model::merkle::root(&[]);
        assert_eq!(m.to_canonical().unwrap(), crate::model::canonical::to_vec(&m).unwrap());
    }

    #[test]
    fn build_env_and_workdir_are_data_the_parser_checks() {
        let ok = |env: &[&str], workdir: &str| {
            let b = Build {
                command: vec!["true".into()],
                workdir: workdir.into(),
                env: env.iter().map(|k| (k.to_string(), "v".to_string())).collect(),
                ..Build::default()
            };
            b.check()
        };
        assert!(ok(&["SOURCE_DATE_EPOCH", "RUSTFLAGS", "CARGO_PROFILE_RELEASE_LTO", "CC", "GOOS"], ".").is_ok());
        assert!(ok(&[], "sub/dir").is_ok());
        for bad in ["LD_PRELOAD", "PATH", "AWS_SECRET_KEY", "CARGO_BUILD_TOKEN", "RUSTC_WRAPPER", "HOME"] {
            let e = ok(&[bad], ".").unwrap_err();
            assert!(e.contains(bad) && e.contains("not an allow-listed"), "{e}");
        }
        for bad in ["../..", "..", "/", "/etc", "a/../../b", "./x", ""] {
            let e = ok(&[], bad).unwrap_err();
            assert!(e.contains("leaves the source root"), "{bad}: {e}");
        }
    }
}
