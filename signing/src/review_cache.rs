//! The verified-review cache: what this machine found when it verified a
//! review envelope, so that the next run over the same bytes need not
//! decode the envelope and check its signature again.
//!
//! One file per (review envelope, release): `<sha256 of the envelope
//! bytes>.<sha256 of manifest.json>.json` holds the key ids of the
//! envelope's signatures, the public key that verified it, the statement's
//! predicate and which entries of that release the review names (ranges of
//! entry indices) or the first subject it names that the release does not
//! have. A run uses an entry only when its envelope digest is that of the
//! bytes just read and the policy maps the envelope's key ids to that same
//! public key; the policy's checks (roles, validity at the review's time,
//! the project) are made again on every run.
//!
//! Entries are authenticated: each begins with a keyed BLAKE2b-256 MAC over
//! the rest, under a random key kept in the cache folder (`key`, mode 0600)
//! and created on first use. An entry that is unreadable, a symlink, too
//! large, malformed, for other bytes, or whose MAC does not verify (edited,
//! or written under another cache key) is ignored: that review is verified
//! again and the entry rewritten. The cache is trusted as far as the
//! account that can read its key: whoever can read `key` and write the
//! folder can forge entries.
//!
//! Entries are written atomically (a temporary file renamed over), and a
//! given envelope, release and cache key always give the same bytes, so
//! concurrent runs never leave a partial entry nor disagree.

use crate::review::{Matching, Predicate};
use blake2::Blake2bMac;
use blake2::digest::consts::U32;
use blake2::digest::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use vouch_manifests::Digest;
use vouch_manifests::tree::fsutil::{self, Existing, FileStamp, Symlinks};

/// The entry format's version.
const VERSION: u32 = 1;
/// Domain separation of the MAC.
const MAC_CONTEXT: &[u8] = b"vouch-review-cache/v1\n";
/// Largest cache entry read (an entry holds a review's notes).
const MAX_ENTRY_BYTES: u64 = crate::review::MAX_REVIEW_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot use review cache {path}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("review cache key {path} is not 64 hex digits (delete it to start a new cache)")]
    Key { path: PathBuf },
}

/// An open cache folder and its MAC key.
#[derive(Clone)]
pub struct Cache {
    dir: PathBuf,
    key: [u8; 32],
}

/// Which verified-review cache to use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CacheChoice {
    /// The default folder ([`Cache::default_dir`]) when it can be used, else none.
    #[default]
    Default,
    /// This folder; an error when it cannot be used.
    Dir(PathBuf),
    /// Verify every review envelope, using and writing no cache.
    Off,
}

impl CacheChoice {
    /// Opens the chosen cache.
    pub fn open(&self) -> Result<Option<Cache>, CacheError> {
        match self {
            CacheChoice::Off => Ok(None),
            CacheChoice::Dir(dir) => Ok(Some(Cache::open(dir)?)),
            CacheChoice::Default => Ok(Cache::default_dir().and_then(|d| Cache::open(&d).ok())),
        }
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Cache {
    /// The default folder: `$XDG_CACHE_HOME/vouch/reviews`, else
    /// `$HOME/.cache/vouch/reviews` (`None` without either).
    pub fn default_dir() -> Option<PathBuf> {
        Some(vouch_manifests::tree::fsutil::user_cache_dir()?.join("reviews"))
    }

    /// Opens the cache in `dir`, creating the folder (mode 0700) and its
    /// key as needed.
    pub fn open(dir: &Path) -> Result<Cache, CacheError> {
        let folder = |source| CacheError::Folder { path: dir.to_path_buf(), source };
        if !dir.is_dir() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir).map_err(folder)?;
        }
        let path = dir.join("key");
        let read = || fsutil::read_bounded(&path, fsutil::MAX_SMALL_FILE_BYTES, Symlinks::Refuse);
        let text = match read() {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut k = [0u8; 32];
                getrandom::fill(&mut k).map_err(|e| folder(std::io::Error::other(e)))?;
                let line = format!("{}\n", hex::encode(k));
                // A concurrent first run may have made it: then use theirs.
                match fsutil::write_atomic_with(&path, line.as_bytes(), Some(0o600), Existing::Refuse) {
                    Ok(()) => line.into_bytes(),
                    Err(_) => read().map_err(folder)?,
                }
            }
            Err(e) => return Err(folder(e)),
        };
        let key = std::str::from_utf8(&text)
            .ok()
            .map(str::trim_end)
            .filter(|t| t.len() == 64)
            .and_then(|t| hex::decode(t).ok())
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .ok_or(CacheError::Key { path: path.clone() })?;
        Ok(Cache { dir: dir.to_path_buf(), key })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, envelope: Digest, manifest: Digest) -> PathBuf {
        self.dir.join(format!("{}.{}.json", envelope.hex(), manifest.hex()))
    }

    fn mac(&self, body: &[u8]) -> Blake2bMac<U32> {
        let mut m = <Blake2bMac<U32> as KeyInit>::new_from_slice(&self.key).expect("a 32-byte key fits BLAKE2b");
        Mac::update(&mut m, MAC_CONTEXT);
        Mac::update(&mut m, body);
        m
    }

    /// The entry for these envelope bytes and release, if there is a sound
    /// one (see the module docs); `entries` is the release's entry count.
    pub(crate) fn get(&self, envelope: Digest, manifest: Digest, entries: usize) -> Option<CacheEntry> {
        let bytes = fsutil::read_bounded(&self.path(envelope, manifest), MAX_ENTRY_BYTES, Symlinks::Refuse).ok()?;
        let nl = bytes.iter().position(|&b| b == b'\n')?;
        let tag = hex::decode(&bytes[..nl]).ok()?;
        let body = &bytes[nl + 1..];
        self.mac(body).verify_slice(&tag).ok()?;
        let e: CacheEntry = serde_json::from_slice(body).ok()?;
        let ranges_ok = e.matched.iter().try_fold(0u32, |end, &[s, t]| (s >= end && t > s).then_some(t));
        let sound = e.version == VERSION
            && e.envelope_sha256 == envelope
            && e.manifest_sha256 == manifest
            && ranges_ok.is_some_and(|end| end as usize <= entries)
            && e.matched.iter().map(|[s, t]| (t - s) as usize).sum::<usize>() <= e.subjects;
        sound.then_some(e)
    }

    /// Writes an entry (atomically). A cache that cannot be written is only
    /// slower, so errors are ignored.
    pub(crate) fn put(&self, e: &CacheEntry) {
        let Ok(body) = serde_json::to_vec(e) else { return };
        let tag = hex::encode(self.mac(&body).finalize().into_bytes());
        let mut out = Vec::with_capacity(tag.len() + 1 + body.len());
        out.extend_from_slice(tag.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&body);
        let _ = fsutil::write_atomic(&self.path(e.envelope_sha256, e.manifest_sha256), &out, Some(0o600));
    }
}

impl Cache {
    /// What earlier runs found review files to hash to, by their stamp on
    /// disk (see [`FileStamp`]), so an unchanged file is not read again to
    /// find its entry. Authenticated like the entries: a file whose MAC does
    /// not verify gives nothing.
    pub(crate) fn stamps(&self) -> HashMap<FileStamp, Digest> {
        let read = || -> Option<HashMap<FileStamp, Digest>> {
            let bytes = fsutil::read_bounded(&self.dir.join(STAMPS), MAX_ENTRY_BYTES, Symlinks::Refuse).ok()?;
            let nl = bytes.iter().position(|&b| b == b'\n')?;
            let tag = hex::decode(&bytes[..nl]).ok()?;
            let body = &bytes[nl + 1..];
            let mut m = self.mac(STAMPS_CONTEXT);
            Mac::update(&mut m, body);
            m.verify_slice(&tag).ok()?;
            fsutil::parse_stamp_lines(std::str::from_utf8(body).ok()?)
        };
        read().unwrap_or_default()
    }

    /// Writes the stamps (atomically; errors only make the next run slower).
    pub(crate) fn put_stamps(&self, rows: Vec<(FileStamp, Digest)>) {
        let body = fsutil::stamp_lines(rows);
        let mut m = self.mac(STAMPS_CONTEXT);
        Mac::update(&mut m, body.as_bytes());
        let out = format!("{}\n{body}", hex::encode(m.finalize().into_bytes()));
        let _ = fsutil::write_atomic(&self.dir.join(STAMPS), out.as_bytes(), Some(0o600));
    }
}

/// The file of [`Cache::stamps`], and its MAC's domain (after [`MAC_CONTEXT`]).
const STAMPS: &str = "stamps";
const STAMPS_CONTEXT: &[u8] = b"stamps\n";

/// One cache entry (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CacheEntry {
    version: u32,
    envelope_sha256: Digest,
    manifest_sha256: Digest,
    /// The key ids of the envelope's signatures, in order.
    pub key_ids: Vec<String>,
    /// The key that verified the signature (minisign base64).
    pub public_key: String,
    pub predicate: Predicate,
    /// How many files the review names.
    subjects: usize,
    /// Entries named with their digest, as ascending `[start, end)` ranges.
    matched: Vec<[u32; 2]>,
    /// The subject first by path that the release does not have with that digest.
    unmatched: Option<(String, Digest)>,
}

impl CacheEntry {
    pub(crate) fn new(
        envelope: Digest,
        manifest: Digest,
        key_ids: &[String],
        public_key: &str,
        predicate: &Predicate,
        m: &Matching,
    ) -> Self {
        let mut matched: Vec<[u32; 2]> = Vec::new();
        for &i in &m.matched {
            match matched.last_mut() {
                Some(r) if r[1] == i => r[1] = i + 1,
                _ => matched.push([i, i + 1]),
            }
        }
        CacheEntry {
            version: VERSION,
            envelope_sha256: envelope,
            manifest_sha256: manifest,
            key_ids: key_ids.to_vec(),
            public_key: public_key.to_string(),
            predicate: predicate.clone(),
            subjects: m.subjects,
            matched,
            unmatched: m.unmatched.clone(),
        }
    }

    /// The entry's [`Matching`].
    pub(crate) fn matching(&self) -> Matching {
        Matching {
            subjects: self.subjects,
            matched: self.matched.iter().flat_map(|&[s, t]| s..t).collect(),
            unmatched: self.unmatched.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{ProjectRef, Verdict};

    #[test]
    fn the_cache_choice_opens_the_named_folder_or_none() {
        assert!(CacheChoice::Off.open().unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let named = dir.path().join("reviews");
        assert!(CacheChoice::Dir(named.clone()).open().unwrap().is_some());
        assert!(named.join("key").is_file());
        // A named folder that cannot be made is an error, not "no cache".
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        assert!(CacheChoice::Dir(file.join("sub")).open().is_err());
    }

    fn entry(matched: Vec<u32>) -> CacheEntry {
        let predicate = Predicate {
            project: ProjectRef { name: "app".into(), version: "1.0.0".into() },
            manifest_digest: Digest::of(b"m"),
            criteria: "c".into(),
            verdict: Verdict::Pass,
            reviewer: "r".into(),
            time: "2026-06-01T00:00:00Z".into(),
            notes: Vec::new(),
        };
        let m = Matching { subjects: 5, matched, unmatched: Some(("z".into(), Digest::of(b"z"))) };
        CacheEntry::new(Digest::of(b"e"), Digest::of(b"m"), &["AB".into()], "pk", &predicate, &m)
    }

    #[test]
    fn stamps_round_trip_and_an_edited_file_of_them_gives_nothing() {
        let d = tempfile::tempdir().unwrap();
        let c = Cache::open(&d.path().join("c")).unwrap();
        assert!(c.stamps().is_empty());
        let s = FileStamp { dev: 1, ino: 2, size: 3, mtime: 4, ctime: 5 };
        c.put_stamps(vec![(s, Digest::of(b"review"))]);
        assert_eq!(c.stamps().get(&s), Some(&Digest::of(b"review")));
        // Pointing the stamp at other bytes without the key: not trusted.
        let path = d.path().join("c").join(STAMPS);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace(&Digest::of(b"review").hex(), &Digest::of(b"forged").hex())).unwrap();
        assert!(c.stamps().is_empty());
        // Another cache's key does not verify them either.
        c.put_stamps(vec![(s, Digest::of(b"review"))]);
        let other = Cache::open(&d.path().join("o")).unwrap();
        std::fs::copy(&path, d.path().join("o").join(STAMPS)).unwrap();
        assert!(other.stamps().is_empty());
    }

    #[test]
    fn entries_round_trip_only_for_their_bytes_release_and_cache_key() {
        let d = tempfile::tempdir().unwrap();
        let c = Cache::open(&d.path().join("c")).unwrap();
        let e = entry(vec![0, 1, 2, 4]);
        assert_eq!(e.matched, vec![[0, 3], [4, 5]]);
        c.put(&e);
        let back = c.get(Digest::of(b"e"), Digest::of(b"m"), 5).expect("the entry just written");
        assert_eq!(back, e);
        assert_eq!(back.matching().matched, vec![0, 1, 2, 4]);
        // Another release's entry count that the ranges exceed, other bytes, another release.
        assert!(c.get(Digest::of(b"e"), Digest::of(b"m"), 4).is_none());
        assert!(c.get(Digest::of(b"other"), Digest::of(b"m"), 5).is_none());
        assert!(c.get(Digest::of(b"e"), Digest::of(b"other"), 5).is_none());
        // The same folder opened again keeps its key; another cache's key does not verify.
        assert!(Cache::open(&d.path().join("c")).unwrap().get(Digest::of(b"e"), Digest::of(b"m"), 5).is_some());
        let mut other = c.clone();
        other.key = [7; 32];
        assert!(other.get(Digest::of(b"e"), Digest::of(b"m"), 5).is_none());
        // A truncated entry, and a key file that is not a key.
        let path = c.path(Digest::of(b"e"), Digest::of(b"m"));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(c.get(Digest::of(b"e"), Digest::of(b"m"), 5).is_none());
        std::fs::write(d.path().join("c/key"), "nope\n").unwrap();
        assert!(matches!(Cache::open(&d.path().join("c")), Err(CacheError::Key { .. })));
    }
}
