//! The append-only release log's storage: a C2SP tlog-tiles directory.
//!
//! ```text
//! LOG/checkpoint                  the signed head (written by the signing layer, last, by rename)
//! LOG/tile/<L>/<N>[.p/<W>]        hash tiles: 256 hashes of 32 bytes, partial tiles W < 256 wide
//! LOG/tile/entries/<N>[.p/<W>]    entry bundles: big-endian u16 length ‖ entry data, per entry
//! LOG/index/<name>/<version>      vouch's lookup: "<index> sha256:<hex>\n" (derived, not trusted alone)
//! ```
//!
//! `<N>` is written in three-digit path elements, all but the last prefixed
//! with `x` (`x001/x234/067`). Hashing is RFC 9162 ([`tree`]). An append
//! writes new tiles and bundles under new names (a partial tile of another
//! width, a full tile) and never rewrites one the previous checkpoint needs,
//! so a crash before the checkpoint is renamed into place leaves the previous
//! head valid. Writers take `LOG/.lock` ([`Log::lock`]). This module keeps
//! no state besides the directory.

pub mod tree;

use crate::tree::fsutil::{self, WriteError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
pub use tree::{Hash, ProofError};

/// Hashes in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tile height: 2^8 = 256.
pub const TILE_HEIGHT: u32 = 8;
/// The log's signed head.
pub const CHECKPOINT_FILE: &str = "checkpoint";
/// The log's note verifier key.
pub const VKEY_FILE: &str = "vkey";

/// The entry data of a release: `vouch-release/v1 <name> <version> sha256:<hex>`.
pub fn release_entry(name: &str, version: &str, manifest_sha256: &crate::Digest) -> String {
    format!("vouch-release/v1 {name} {version} sha256:{}", manifest_sha256.hex())
}

/// A parsed release entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReleaseEntry {
    pub name: String,
    pub version: String,
    pub digest: crate::Digest,
}

impl ReleaseEntry {
    pub fn parse(data: &[u8]) -> Option<ReleaseEntry> {
        let text = std::str::from_utf8(data).ok()?;
        let mut it = text.split(' ');
        if it.next()? != "vouch-release/v1" {
            return None;
        }
        let name = it.next()?.to_string();
        let version = it.next()?.to_string();
        let digest = crate::Digest::from_hex(it.next()?.strip_prefix("sha256:")?).ok()?;
        if it.next().is_some() {
            return None;
        }
        Some(ReleaseEntry { name, version, digest })
    }
    pub fn data(&self) -> String {
        release_entry(&self.name, &self.version, &self.digest)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot read {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    WriteAtomic(#[from] WriteError),
    #[error("{} already holds a log (it has a checkpoint)", .path.display())]
    Exists { path: PathBuf },
    #[error("tile {} is {len} bytes; a tree of size {size} needs exactly {want}", .path.display())]
    TileSize { path: PathBuf, len: usize, want: usize, size: u64 },
    #[error("entry bundle {} is malformed: {reason}", .path.display())]
    Bundle { path: PathBuf, reason: String },
    #[error("entry {index} is {len} bytes, more than an entry bundle can hold (65535)")]
    EntryTooLong { index: u64, len: usize },
    #[error("tile {} does not match the entries: the tree stored in the tiles differs from the one the entries give", .path.display())]
    TileMismatch { path: PathBuf },
    #[error("{what} {index} is beyond the log's size {size}")]
    Beyond { what: &'static str, index: u64, size: u64 },
}

/// `N` as C2SP path elements: `x001/x234/067`.
pub fn index_path(mut n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        parts.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join("/")
}

/// A tile's path relative to the log: `tile/<L>/<N>[.p/<W>]`.
pub fn tile_path(level: u32, index: u64, width: u64) -> String {
    partial(format!("tile/{level}/{}", index_path(index)), width)
}

/// An entry bundle's path: `tile/entries/<N>[.p/<W>]`.
pub fn entries_path(index: u64, width: u64) -> String {
    partial(format!("tile/entries/{}", index_path(index)), width)
}

fn partial(p: String, width: u64) -> String {
    if width == TILE_WIDTH { p } else { format!("{p}.p/{width}") }
}

/// Number of hashes at tile level `level` in a tree of `size` leaves
/// (each covering 256^level leaves).
fn hashes_at(level: u32, size: u64) -> u64 {
    if level * TILE_HEIGHT >= 64 { 0 } else { size >> (level * TILE_HEIGHT) }
}

/// Width of tile `index` at `level` in a tree of `size`.
fn width_at(level: u32, index: u64, size: u64) -> u64 {
    (hashes_at(level, size).saturating_sub(index * TILE_WIDTH)).min(TILE_WIDTH)
}

/// A log directory.
#[derive(Debug, Clone)]
pub struct Log {
    dir: PathBuf,
}

/// What an append wrote.
#[derive(Debug, Clone)]
pub struct Appended {
    pub old_size: u64,
    pub new_size: u64,
    pub root: Hash,
}

impl Log {
    pub fn open(dir: &Path) -> Log {
        Log { dir: dir.to_path_buf() }
    }

    /// Creates the directory for a new log; refuses one with a checkpoint.
    pub fn create(dir: &Path) -> Result<Log, LogError> {
        let cp = dir.join(CHECKPOINT_FILE);
        if cp.exists() {
            return Err(LogError::Exists { path: dir.to_path_buf() });
        }
        std::fs::create_dir_all(dir).map_err(|source| LogError::Write { path: dir.to_path_buf(), source })?;
        Ok(Log::open(dir))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn checkpoint_path(&self) -> PathBuf {
        self.dir.join(CHECKPOINT_FILE)
    }

    pub fn vkey_path(&self) -> PathBuf {
        self.dir.join(VKEY_FILE)
    }

    /// Reads a file of the log (at most 16 MiB).
    pub fn read_file(&self, rel: &str) -> Result<Vec<u8>, LogError> {
        let path = self.dir.join(rel);
        fsutil::read_bounded(&path, 16 << 20, fsutil::Symlinks::Refuse)
            .map_err(|source| LogError::Read { path, source })
    }

    /// Takes the log's exclusive advisory lock (`flock` on `LOG/.lock`),
    /// held until the guard is dropped: appends and witnesses that rewrite
    /// the checkpoint run one at a time, so none replaces a newer head with
    /// an older one.
    pub fn lock(&self) -> Result<LogLock, LogError> {
        let path = self.dir.join(".lock");
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o644).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let f = o.open(&path).map_err(|source| LogError::Write { path: path.clone(), source })?;
        f.lock().map_err(|source| LogError::Write { path, source })?;
        Ok(LogLock(f))
    }

    /// Replaces the checkpoint atomically (rename over the old one).
    pub fn write_checkpoint(&self, bytes: &[u8]) -> Result<(), LogError> {
        Ok(fsutil::write_atomic(&self.checkpoint_path(), bytes, None)?)
    }

    fn write_new(&self, rel: &str, bytes: &[u8]) -> Result<(), LogError> {
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|source| LogError::Write { path: p.to_path_buf(), source })?;
        }
        Ok(fsutil::write_atomic(&path, bytes, None)?)
    }

    /// The tree of `size` leaves as stored in the tiles.
    pub fn tree(&self, size: u64) -> TileTree<'_> {
        TileTree { log: self, size, cache: HashMap::new() }
    }

    /// Reads hash tile (`level`, `index`) of the tree of `size`, checking its length.
    pub fn read_tile(&self, level: u32, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        let w = width_at(level, index, size);
        if w == 0 {
            return Err(LogError::Beyond { what: "tile", index, size });
        }
        let rel = tile_path(level, index, w);
        let bytes = self.read_file(&rel)?;
        if bytes.len() != w as usize * 32 {
            return Err(LogError::TileSize { path: self.dir.join(rel), len: bytes.len(), want: w as usize * 32, size });
        }
        Ok(bytes.chunks_exact(32).map(|c| c.try_into().expect("32-byte chunk")).collect())
    }

    /// Reads entry bundle `index` of the log of `size`.
    pub fn read_bundle(&self, index: u64, size: u64) -> Result<Vec<Vec<u8>>, LogError> {
        let w = width_at(0, index, size);
        if w == 0 {
            return Err(LogError::Beyond { what: "entry bundle", index, size });
        }
        let rel = entries_path(index, w);
        let bytes = self.read_file(&rel)?;
        let bad = |reason: String| LogError::Bundle { path: self.dir.join(&rel), reason };
        let mut out = Vec::with_capacity(w as usize);
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            if rest.len() < 2 {
                return Err(bad("a length prefix is cut short".into()));
            }
            let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
            if rest.len() < 2 + len {
                return Err(bad(format!("entry {} is cut short", out.len())));
            }
            out.push(rest[2..2 + len].to_vec());
            rest = &rest[2 + len..];
        }
        if out.len() as u64 != w {
            return Err(bad(format!("it holds {} entries, the tree of size {size} needs {w}", out.len())));
        }
        Ok(out)
    }

    /// Entry `index` of the log of `size`.
    pub fn entry(&self, index: u64, size: u64) -> Result<Vec<u8>, LogError> {
        if index >= size {
            return Err(LogError::Beyond { what: "entry", index, size });
        }
        let mut b = self.read_bundle(index / TILE_WIDTH, size)?;
        Ok(b.swap_remove((index % TILE_WIDTH) as usize))
    }

    /// Every entry of the log of `size`.
    pub fn entries(&self, size: u64) -> Result<Vec<Vec<u8>>, LogError> {
        let mut out = Vec::with_capacity(size as usize);
        for k in 0..size.div_ceil(TILE_WIDTH) {
            out.extend(self.read_bundle(k, size)?);
        }
        Ok(out)
    }

    /// Appends `entries` to the log of `size` leaves: writes the new entry
    /// bundles and tiles (never the checkpoint) and returns the new root.
    pub fn append(&self, size: u64, entries: &[Vec<u8>]) -> Result<Appended, LogError> {
        for (i, e) in entries.iter().enumerate() {
            if e.len() > u16::MAX as usize {
                return Err(LogError::EntryTooLong { index: size + i as u64, len: e.len() });
            }
        }
        let new_size = size + entries.len() as u64;
        if entries.is_empty() {
            let root = tree::tree_hash(&mut self.tree(size), size)?;
            return Ok(Appended { old_size: size, new_size, root });
        }
        // Entry bundles: the old partial bundle's entries, then the new ones.
        let first_bundle = size / TILE_WIDTH;
        let mut tail: Vec<Vec<u8>> =
            if !size.is_multiple_of(TILE_WIDTH) { self.read_bundle(first_bundle, size)? } else { Vec::new() };
        tail.extend(entries.iter().cloned());
        for (i, chunk) in tail.chunks(TILE_WIDTH as usize).enumerate() {
            let mut bytes = Vec::new();
            for e in chunk {
                bytes.extend_from_slice(&(e.len() as u16).to_be_bytes());
                bytes.extend_from_slice(e);
            }
            self.write_new(&entries_path(first_bundle + i as u64, chunk.len() as u64), &bytes)?;
        }
        let leaves: Vec<Hash> = entries.iter().map(|e| tree::leaf_hash(e)).collect();
        for (level, index, hashes) in self.new_tiles(size, leaves)? {
            let bytes: Vec<u8> = hashes.concat();
            self.write_new(&tile_path(level, index, hashes.len() as u64), &bytes)?;
        }
        let root = tree::tree_hash(&mut self.tree(new_size), new_size)?;
        Ok(Appended { old_size: size, new_size, root })
    }

    /// The tiles that change when `new` leaf hashes are added to the tree of
    /// `size`: (level, index, hashes) with the old partial tiles' hashes first.
    fn new_tiles(&self, size: u64, new: Vec<Hash>) -> Result<Vec<(u32, u64, Vec<Hash>)>, LogError> {
        let mut out = Vec::new();
        let mut level = 0u32;
        let mut new_hashes = new;
        while !new_hashes.is_empty() {
            let old_count = hashes_at(level, size);
            let first_tile = old_count / TILE_WIDTH;
            let mut tail = if !old_count.is_multiple_of(TILE_WIDTH) {
                self.read_tile(level, first_tile, size)?
            } else {
                Vec::new()
            };
            tail.extend(new_hashes);
            let mut up = Vec::new();
            for (i, chunk) in tail.chunks(TILE_WIDTH as usize).enumerate() {
                if chunk.len() as u64 == TILE_WIDTH {
                    up.push(tree::root_of(chunk));
                }
                out.push((level, first_tile + i as u64, chunk.to_vec()));
            }
            new_hashes = up;
            level += 1;
        }
        Ok(out)
    }

    /// Recomputes the whole tree of `size` from the entries and checks every
    /// hash tile against it (a rewritten entry, or a truncated, padded or
    /// altered tile, is refused). Returns the entries' root.
    pub fn audit(&self, size: u64) -> Result<Hash, LogError> {
        Ok(self.audit_entries(size)?.0)
    }

    /// [`Log::audit`], also returning the entries.
    pub fn audit_entries(&self, size: u64) -> Result<(Hash, Vec<Vec<u8>>), LogError> {
        let entries = self.entries(size)?;
        let leaves: Vec<Hash> = entries.iter().map(|e| tree::leaf_hash(e)).collect();
        let root = tree::root_of(&leaves);
        let mut level = 0u32;
        let mut hashes = leaves;
        while !hashes.is_empty() {
            let mut up = Vec::new();
            for (i, chunk) in hashes.chunks(TILE_WIDTH as usize).enumerate() {
                let stored = self.read_tile(level, i as u64, size)?;
                if stored != chunk {
                    return Err(LogError::TileMismatch {
                        path: self.dir.join(tile_path(level, i as u64, chunk.len() as u64)),
                    });
                }
                if chunk.len() as u64 == TILE_WIDTH {
                    up.push(tree::root_of(chunk));
                }
            }
            hashes = up;
            level += 1;
        }
        Ok((root, entries))
    }

    fn index_rel(name: &str, version: &str) -> String {
        format!("index/{name}/{version}")
    }

    /// Looks a release up in the log of `size`: its index and entry, when the
    /// name and version are in it. The lookup file is checked against the
    /// entry it points to.
    pub fn find_release(&self, name: &str, version: &str, size: u64) -> Result<Option<(u64, ReleaseEntry)>, LogError> {
        let rel = Self::index_rel(name, version);
        let path = self.dir.join(&rel);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(LogError::Read { path, source }),
        };
        let Some(index) = text.split(' ').next().and_then(|s| s.trim().parse::<u64>().ok()) else {
            return Ok(None);
        };
        if index >= size {
            return Ok(None); // written by an append whose checkpoint never landed
        }
        let data = self.entry(index, size)?;
        match ReleaseEntry::parse(&data) {
            Some(e) if e.name == name && e.version == version => Ok(Some((index, e))),
            _ => Ok(None),
        }
    }

    /// Records where a release's entry is (before the checkpoint is written).
    pub fn record_release(&self, index: u64, entry: &ReleaseEntry) -> Result<(), LogError> {
        self.write_new(
            &Self::index_rel(&entry.name, &entry.version),
            format!("{index} sha256:{}\n", entry.digest.hex()).as_bytes(),
        )
    }
}

/// Whether the tree of `old` leaves with `old_root` is a prefix of the tree
/// of `new` leaves with `new_root`, by an RFC 9162 consistency proof from
/// `src` (the empty tree, whose root is SHA-256(""), is a prefix of any).
pub fn consistent<N: tree::Nodes>(
    src: &mut N,
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
) -> Result<Result<(), ProofError>, N::Error> {
    if old == 0 && new >= old {
        return Ok(if *old_root == tree::empty_root() { Ok(()) } else { Err(ProofError::RootMismatch) });
    }
    if new < old {
        return Ok(Err(ProofError::SizeDecreased { old, new }));
    }
    let p = tree::consistency_proof(src, old, new)?;
    Ok(tree::verify_consistency(old, new, &p, old_root, new_root))
}

/// The log's lock; released on drop.
#[derive(Debug)]
pub struct LogLock(#[allow(dead_code)] std::fs::File);

/// The tree of a log as stored in its tiles; caches the tiles it read.
pub struct TileTree<'a> {
    log: &'a Log,
    size: u64,
    cache: HashMap<(u32, u64), Vec<Hash>>,
}

impl tree::Nodes for TileTree<'_> {
    type Error = LogError;
    fn node(&mut self, height: u32, index: u64) -> Result<Hash, LogError> {
        let level = height / TILE_HEIGHT;
        let rest = height % TILE_HEIGHT;
        let first = index << rest; // position at `level`
        let tile = first / TILE_WIDTH;
        if !self.cache.contains_key(&(level, tile)) {
            let t = self.log.read_tile(level, tile, self.size)?;
            self.cache.insert((level, tile), t);
        }
        let t = &self.cache[&(level, tile)];
        let lo = (first % TILE_WIDTH) as usize;
        let hi = lo + (1usize << rest);
        if hi > t.len() {
            return Err(LogError::Beyond { what: "subtree", index, size: self.size });
        }
        Ok(tree::root_of(&t[lo..hi]))
    }
}

impl From<std::convert::Infallible> for LogError {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_c2sp() {
        assert_eq!(index_path(0), "000");
        assert_eq!(index_path(1234067), "x001/x234/067");
        assert_eq!(tile_path(1, 5, 17), "tile/1/005.p/17");
        assert_eq!(entries_path(1000, 256), "tile/entries/x001/000");
    }

    #[test]
    fn appends_in_batches_give_the_same_tree_as_memory() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::create(dir.path()).unwrap();
        let mut all: Vec<Vec<u8>> = Vec::new();
        let mut size = 0;
        for batch in [1usize, 255, 1, 300, 65536 - 557, 3] {
            let es: Vec<Vec<u8>> = (0..batch).map(|i| format!("e{}", all.len() + i).into_bytes()).collect();
            all.extend(es.clone());
            let a = log.append(size, &es).unwrap();
            size = a.new_size;
            let mut mem = tree::MemTree(all.iter().map(|e| tree::leaf_hash(e)).collect());
            assert_eq!(a.root, tree::tree_hash(&mut mem, size).unwrap());
            assert_eq!(log.audit(size).unwrap(), a.root);
            for (i, m) in [(0u64, 1u64), (size / 2, size / 3 + 1), (size - 1, size - 1)] {
                let p = tree::inclusion_proof(&mut log.tree(size), i, size).unwrap();
                tree::verify_inclusion(&mem.0[i as usize], i, size, &p, &a.root).unwrap();
                let c = tree::consistency_proof(&mut log.tree(size), m, size).unwrap();
                let rm = tree::tree_hash(&mut mem, m).unwrap();
                consistent(&mut log.tree(size), m, size, &rm, &a.root).unwrap().unwrap();
                if m > 0 {
                    tree::verify_consistency(m, size, &c, &rm, &a.root).unwrap();
                }
            }
        }
        assert_eq!(size, 65536 + 3);
        assert!(dir.path().join("tile/2/000.p/1").is_file());
        assert_eq!(log.entry(70, size).unwrap(), b"e70");
    }
}

#[cfg(test)]
mod crash_tests {
    use super::*;

    /// An append that never got its checkpoint (a crash) leaves the previous
    /// head's tree intact, and the next append from that head succeeds.
    #[test]
    fn an_append_without_its_checkpoint_leaves_the_previous_tree_valid() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::create(dir.path()).unwrap();
        let first: Vec<Vec<u8>> = (0..300).map(|i| format!("a{i}").into_bytes()).collect();
        let a = log.append(0, &first).unwrap();
        // "Crash": tiles and entries of size 700 are written, no checkpoint.
        let lost: Vec<Vec<u8>> = (0..400).map(|i| format!("lost{i}").into_bytes()).collect();
        log.append(300, &lost).unwrap();
        assert_eq!(log.audit(300).unwrap(), a.root);
        let p = tree::inclusion_proof(&mut log.tree(300), 299, 300).unwrap();
        tree::verify_inclusion(&tree::leaf_hash(b"a299"), 299, 300, &p, &a.root).unwrap();
        // The next append from the signed head writes its own tiles.
        let next: Vec<Vec<u8>> = (0..5).map(|i| format!("b{i}").into_bytes()).collect();
        let b = log.append(300, &next).unwrap();
        let mut all = first.clone();
        all.extend(next);
        let mut mem = tree::MemTree(all.iter().map(|e| tree::leaf_hash(e)).collect());
        assert_eq!(b.root, tree::tree_hash(&mut mem, 305).unwrap());
        assert_eq!(log.audit(305).unwrap(), b.root);
        assert_eq!(log.audit(300).unwrap(), a.root);
    }
}
