//! Finding and reading bundles: directories `<name>-<version>/` and
//! archives `<name>-<version>.tar` (read with the `tar` crate, refusing
//! entries that are links, devices, absolute, contain `..`, or repeat).
//!
//! A [`Bundle`] keeps the parsed manifest and the bytes of the small files
//! the site shows (signatures, SBOMs, reports, provenance); artifacts are
//! hashed while reading and only their size and digest are kept.

use crate::error::SiteError;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use vouch_manifests::{Digest, Manifest};

/// Where a bundle came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Directory,
    Archive,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Directory => "directory",
            Origin::Archive => "archive",
        }
    }
}

/// One file of a bundle (path relative to the bundle root).
#[derive(Debug, Clone)]
pub struct Member {
    pub size: u64,
    /// SHA-256 of the content; computed for every file but `deps/`.
    pub digest: Option<Digest>,
    /// The content, kept for the files the site shows.
    pub bytes: Option<Vec<u8>>,
}

/// A bundle as read from disk.
#[derive(Debug)]
pub struct Bundle {
    /// `<name>-<version>`.
    pub name: String,
    /// The bundle's file name in the bundles directory (`x-1.0` or `x-1.0.tar`).
    pub file_name: String,
    pub origin: Origin,
    /// Full path, for error messages only (never rendered).
    pub location: PathBuf,
    pub manifest: Manifest,
    /// SHA-256 of `manifest.json` as stored.
    pub manifest_digest: Digest,
    /// Every file of the bundle by relative path, `manifest.json` included.
    pub members: BTreeMap<String, Member>,
}

/// Files whose bytes the site keeps.
fn keep_bytes(rel: &str) -> bool {
    rel == "manifest.json"
        || rel == "provenance.dsse.json"
        || rel.starts_with("signatures/")
        || rel.starts_with("sbom/")
        || rel.starts_with("reports/")
}

/// Files the site hashes (everything but vendored dependency sources).
fn hash_content(rel: &str) -> bool {
    !rel.starts_with("deps/")
}

/// Reads every bundle in `dir`: subdirectories and `*.tar` files, in name
/// order. Hidden entries (starting with `.`) and `vouch release`'s build logs
/// (`*.build.log`) are ignored; an archive beside the directory of the same
/// bundle (as `vouch release --archive` leaves them) is skipped for the
/// directory; a folder with no `manifest.json` at all (a site written into
/// the bundles folder, say) is skipped, its name returned in `skipped`;
/// anything else is an error naming it.
pub fn read_all(dir: &Path, skipped: &mut Vec<PathBuf>) -> Result<Vec<Bundle>, SiteError> {
    let mut problems = Vec::new();
    read_all_checked(dir, skipped, &mut problems)
}

/// [`read_all`], also comparing each archive skipped for its directory with
/// it: one release as two bundles with different manifests is named in
/// `problems` (the site shows the directory).
pub fn read_all_checked(
    dir: &Path,
    skipped: &mut Vec<PathBuf>,
    problems: &mut Vec<String>,
) -> Result<Vec<Bundle>, SiteError> {
    let mut shadowed: Vec<(PathBuf, String)> = Vec::new();
    let rd = std::fs::read_dir(dir).map_err(|source| SiteError::BundlesDir { path: dir.to_path_buf(), source })?;
    let mut names = Vec::new();
    for e in rd {
        let e = e.map_err(|source| SiteError::BundlesDir { path: dir.to_path_buf(), source })?;
        names.push(e.file_name());
    }
    names.sort();
    // Which entries are bundles (or why one cannot be), in name order; then
    // every bundle read in parallel, and the first error in name order
    // reported, as a sequential read would.
    let mut found: Vec<(PathBuf, Result<Found, SiteError>)> = Vec::new();
    for os in names {
        let path = dir.join(&os);
        let Some(name) = os.to_str() else {
            found.push((path.clone(), Err(SiteError::Bundle { bundle: path, detail: "the name is not UTF-8".into() })));
            continue;
        };
        if name.starts_with('.') || name.ends_with(".build.log") {
            continue;
        }
        if let Some(stem) = name.strip_suffix(".tar")
            && dir.join(stem).is_dir()
        {
            shadowed.push((path, name.to_string()));
            continue;
        }
        let kind = match std::fs::symlink_metadata(&path) {
            Err(source) => Err(SiteError::Read { path: path.clone(), source }),
            Ok(meta) if meta.is_dir() => {
                if std::fs::symlink_metadata(path.join("manifest.json")).is_err() {
                    skipped.push(path);
                    continue;
                }
                Ok(Found::Dir(name.to_string()))
            }
            Ok(meta) if meta.is_file() && name.ends_with(".tar") => Ok(Found::Tar(name.to_string())),
            Ok(_) => Err(SiteError::Bundle {
                bundle: path.clone(),
                detail: "not a bundle: expected a directory <name>-<version>/ or an archive <name>-<version>.tar"
                    .into(),
            }),
        };
        found.push((path, kind));
    }
    let read: Vec<(PathBuf, Result<Bundle, SiteError>)> = found
        .into_par_iter()
        .map(|(path, kind)| {
            let bundle = kind.and_then(|k| match k {
                Found::Dir(name) => read_dir_bundle(&path, &name),
                Found::Tar(name) => read_tar_bundle(&path, &name),
            });
            (path, bundle)
        })
        .collect();
    let mut out: Vec<Bundle> = Vec::new();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (path, bundle) in read {
        let bundle = bundle?;
        if let Some(first) = seen.get(&bundle.name) {
            return Err(SiteError::Duplicate { name: bundle.name.clone(), first: first.clone(), second: path });
        }
        seen.insert(bundle.name.clone(), path);
        out.push(bundle);
    }
    for (path, name) in shadowed {
        let stem = name.strip_suffix(".tar").unwrap_or(&name);
        let Some(d) = out.iter().find(|b| b.name == stem) else { continue };
        match read_tar_bundle(&path, &name) {
            Ok(t) if t.manifest_digest != d.manifest_digest => problems.push(format!(
                "{stem}/ and {name} are one release with different manifests ({} and {}): the site shows the directory",
                d.manifest_digest, t.manifest_digest
            )),
            Ok(_) => {}
            Err(e) => problems.push(format!("{name} beside {stem}/ cannot be read: {e}")),
        }
    }
    Ok(out)
}

/// A bundle found in the bundles folder, by its file name.
enum Found {
    Dir(String),
    Tar(String),
}

fn finish(
    location: &Path,
    file_name: &str,
    stem: &str,
    origin: Origin,
    members: BTreeMap<String, Member>,
) -> Result<Bundle, SiteError> {
    let bad = |detail: String| SiteError::Bundle { bundle: location.to_path_buf(), detail };
    let Some(m) = members.get("manifest.json") else {
        return Err(bad("no manifest.json".into()));
    };
    let bytes = m.bytes.as_deref().unwrap_or_default();
    let manifest = Manifest::from_slice(bytes, &location.join("manifest.json"))
        .map_err(|source| SiteError::Manifest { bundle: location.to_path_buf(), source })?;
    if manifest.bundle_name() != stem {
        return Err(bad(format!("is named {stem:?} but its manifest is for {:?}", manifest.bundle_name())));
    }
    // Hashed as it was read.
    let manifest_digest = m.digest.unwrap_or_else(|| Digest::of(bytes));
    Ok(Bundle {
        name: stem.to_string(),
        file_name: file_name.to_string(),
        origin,
        location: location.to_path_buf(),
        manifest,
        manifest_digest,
        members,
    })
}

/// The largest bundle file whose bytes are kept (manifests, SBOMs, reports).
pub const MAX_KEPT: u64 = 512 << 20;

fn read_member(r: impl Read, rel: &str, size: u64, buf: &mut [u8]) -> std::io::Result<Member> {
    if keep_bytes(rel) {
        if size > MAX_KEPT {
            return Err(std::io::Error::other(format!(
                "{rel} is {size} bytes, more than the {MAX_KEPT} bytes vouch reads"
            )));
        }
        let mut bytes = Vec::with_capacity(size.min(1 << 26) as usize);
        r.take(MAX_KEPT + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_KEPT {
            return Err(std::io::Error::other(format!("{rel} is more than the {MAX_KEPT} bytes vouch reads")));
        }
        Ok(Member { size: bytes.len() as u64, digest: Some(Digest::of(&bytes)), bytes: Some(bytes) })
    } else if hash_content(rel) {
        let (digest, n) = vouch_manifests::model::digest::hash_reader(r, buf)?;
        Ok(Member { size: n, digest: Some(digest), bytes: None })
    } else {
        Ok(Member { size, digest: None, bytes: None })
    }
}

fn read_dir_bundle(path: &Path, name: &str) -> Result<Bundle, SiteError> {
    let mut members = BTreeMap::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut stack = vec![(path.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|source| SiteError::Read { path: dir.clone(), source })?;
        for e in rd {
            let e = e.map_err(|source| SiteError::Read { path: dir.clone(), source })?;
            let p = e.path();
            let Some(fname) = e.file_name().to_str().map(str::to_string) else {
                return Err(SiteError::Bundle {
                    bundle: path.to_path_buf(),
                    detail: format!("{} has a name that is not UTF-8", p.display()),
                });
            };
            let rel = format!("{prefix}{fname}");
            let meta = std::fs::symlink_metadata(&p).map_err(|source| SiteError::Read { path: p.clone(), source })?;
            if meta.is_dir() {
                if rel != "deps" {
                    stack.push((p, format!("{rel}/")));
                } else {
                    members.insert(format!("{rel}/"), Member { size: 0, digest: None, bytes: None });
                }
            } else if meta.is_file() {
                let f =
                    vouch_manifests::tree::fsutil::open_regular(&p, vouch_manifests::tree::fsutil::Symlinks::Refuse)
                        .map_err(|source| SiteError::Read { path: p.clone(), source })?;
                let m = read_member(f, &rel, meta.len(), &mut buf)
                    .map_err(|source| SiteError::Read { path: p.clone(), source })?;
                members.insert(rel, m);
            } else {
                return Err(SiteError::Bundle {
                    bundle: path.to_path_buf(),
                    detail: format!("{rel} is a symlink or special file; a bundle holds only files and directories"),
                });
            }
        }
    }
    finish(path, name, name, Origin::Directory, members)
}

fn read_tar_bundle(path: &Path, file_name: &str) -> Result<Bundle, SiteError> {
    use vouch_manifests::tree::archive::{ArchiveError, Member as TarMember, read_members};
    let stem = file_name.strip_suffix(".tar").unwrap_or(file_name);
    let mut members = BTreeMap::new();
    let mut buf = vec![0u8; 1 << 16];
    read_members(path, Some(stem), |_, member, contents| {
        if let TarMember::File { path: rel, size, .. } = member {
            let m = read_member(contents, rel, *size, &mut buf)
                .map_err(|source| ArchiveError::Read { path: path.join(rel), source })?;
            members.insert(rel.clone(), m);
        }
        Ok(())
    })
    .map_err(|e| match e {
        ArchiveError::Read { source, .. } => SiteError::ArchiveIo { archive: path.to_path_buf(), source },
        other => SiteError::Archive { archive: path.to_path_buf(), detail: other.to_string() },
    })?;
    finish(path, file_name, stem, Origin::Archive, members)
}
