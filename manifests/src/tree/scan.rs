//! Scanning a source tree into manifest entries, and hashing them in
//! parallel.
//!
//! Which files: in a git checkout, the paths git tracks (at HEAD for
//! `manifest create`, in the index for `manifest check`), hashed as they are
//! on disk; elsewhere (or with [`Selection::Everything`]) every file under
//! the root except `.git/` directories and the exclude globs.
//!
//! Hashing streams each file through one fixed buffer per rayon worker: no
//! mmap, so memory stays flat in file sizes and a file truncated while being
//! read cannot kill the process.

use crate::model::digest::Digest;
use crate::model::manifest::{Entry, Vcs};
use crate::model::path::{PathError, RelPath};
use crate::tree::git::{self, GitError};
use rayon::prelude::*;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Size of each worker's read buffer. 64 KiB stays in L2 between the
/// kernel's copy and the hash: on a 1 GB file in page cache it took 0.9 s
/// against 1.5 s with 256 KiB (system time 0.16 s against 0.74 s).
pub const BUFFER_SIZE: usize = 64 * 1024;

/// How to choose the files of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Git's tracked files when the root is a git work tree, else everything.
    Auto,
    /// Every file under the root but `.git/` and excludes, even in git.
    Everything,
}

/// Which of git's tracked paths count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracked {
    /// The paths in HEAD's tree (`manifest create`).
    Head,
    /// The paths in the index (`manifest check`: what is tracked now).
    Index,
}

/// What to do with a checkout whose tracked files differ from HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dirty {
    Refuse,
    Allow,
}

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub root: PathBuf,
    pub selection: Selection,
    pub tracked: Tracked,
    pub dirty: Dirty,
    /// Glob patterns over relative paths; a matching directory is skipped whole.
    pub excludes: Vec<String>,
}

impl ScanOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ScanOptions {
            root: root.into(),
            selection: Selection::Auto,
            tracked: Tracked::Head,
            dirty: Dirty::Refuse,
            excludes: Vec::new(),
        }
    }
}

/// The result of a scan.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Entries sorted by path bytes.
    pub entries: Vec<Entry>,
    /// Git identity when the tree was scanned as a git checkout.
    pub vcs: Option<Vcs>,
    /// HEAD's commit time, seconds since the epoch.
    pub commit_time: Option<i64>,
    /// Total bytes hashed.
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("source directory {path} does not exist or is not a directory")]
    NotADirectory { path: PathBuf },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot walk {path}")]
    Walk {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },
    #[error("file name {path} is not valid UTF-8")]
    NonUtf8 { path: PathBuf },
    #[error("symlink {path} has a target that is not valid UTF-8")]
    NonUtf8Target { path: PathBuf },
    #[error("submodule {path}: {detail}")]
    Submodule { path: PathBuf, detail: String },
    #[error(transparent)]
    Manifest(#[from] crate::model::manifest::ManifestError),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("{path} is a {what}: only files, symlinks and directories can be recorded")]
    Special { path: PathBuf, what: &'static str },
    #[error("tracked path {path} is a directory on disk")]
    TrackedDirectory { path: PathBuf },
    #[error("the work tree {root} has uncommitted changes to tracked files: {}{}", .paths.iter().take(5).cloned().collect::<Vec<_>>().join(", "), if .paths.len() > 5 { format!(" and {} more", .paths.len() - 5) } else { String::new() })]
    Dirty { root: PathBuf, paths: Vec<String> },
    #[error("invalid exclude pattern {pattern:?}")]
    Glob {
        pattern: String,
        #[source]
        source: globset::Error,
    },
    #[error(transparent)]
    Git(#[from] GitError),
}

/// A path chosen for hashing, before its content is read.
struct Candidate {
    rel: RelPath,
    submodule: Option<String>,
}

/// Scans and hashes the tree. `progress` is called with the byte count of
/// each file as it is finished (from worker threads).
pub fn scan(opts: &ScanOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<Scan, ScanError> {
    let root = &opts.root;
    if !root.is_dir() {
        return Err(ScanError::NotADirectory { path: root.clone() });
    }
    let excludes = build_globs(&opts.excludes)?;
    let repo = match opts.selection {
        Selection::Auto => git::open(root)?,
        Selection::Everything => None,
    };
    thread_local! {
        static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let hash = |c: Candidate| -> Result<Option<Entry>, ScanError> {
        BUF.with(|b| {
            let mut b = b.borrow_mut();
            if b.is_empty() {
                b.resize(BUFFER_SIZE, 0);
            }
            let e = hash_candidate(root, &c, &mut b)?;
            if let Some(e) = &e {
                progress(e.size());
            }
            Ok(e)
        })
    };
    let (hashed, vcs, commit_time) = match &repo {
        Some(repo) => {
            let co = git::describe(repo)?;
            if opts.tracked == Tracked::Head && opts.dirty == Dirty::Refuse && !co.dirty_paths.is_empty() {
                return Err(ScanError::Dirty { root: root.clone(), paths: co.dirty_paths });
            }
            let tracked = match opts.tracked {
                Tracked::Head => co.head_paths.clone(),
                Tracked::Index => git::index_paths(repo)?,
            };
            let mut c = Vec::with_capacity(tracked.len());
            for t in tracked {
                let s = String::from_utf8(t.path).map_err(|e| ScanError::NonUtf8 {
                    path: root.join(String::from_utf8_lossy(e.as_bytes()).into_owned()),
                })?;
                if excluded(&excludes, &s) {
                    continue;
                }
                let rel = RelPath::new(s)?;
                c.push(Candidate { rel, submodule: t.submodule });
            }
            let vcs = Vcs {
                kind: "git".into(),
                commit: co.commit,
                tree: co.tree,
                tag: co.tag,
                remote: co.remote,
                dirty: !co.dirty_paths.is_empty(),
            };
            let hashed: Result<Vec<Option<Entry>>, ScanError> = c.into_par_iter().map(hash).collect();
            (hashed?, Some(vcs), Some(co.commit_time))
        }
        None => {
            // The walk runs on its own thread and feeds the hashing workers
            // as it goes, so hashing starts with the first file.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Candidate>(4096);
            let globs = &excludes;
            let (walked, hashed) = std::thread::scope(|s| {
                // The sender moves into the walker: the channel closes when it ends.
                let walker = s.spawn(move || walk(root, globs, &tx));
                let hashed: Result<Vec<Option<Entry>>, ScanError> = rx.into_iter().par_bridge().map(hash).collect();
                (walker.join(), hashed)
            });
            match walked {
                Ok(r) => r?,
                Err(p) => std::panic::resume_unwind(p),
            }
            (hashed?, None, None)
        }
    };
    let mut entries: Vec<Entry> = hashed.into_iter().flatten().collect();
    entries.sort_unstable_by(|a, b| a.path().as_str().as_bytes().cmp(b.path().as_str().as_bytes()));
    entries.dedup_by(|a, b| a.path() == b.path());
    let bytes = entries.iter().map(|e| e.size()).sum();
    Ok(Scan { entries, vcs, commit_time, bytes })
}

fn build_globs(patterns: &[String]) -> Result<globset::GlobSet, ScanError> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let g = globset::Glob::new(p).map_err(|source| ScanError::Glob { pattern: p.clone(), source })?;
        b.add(g);
    }
    b.build().map_err(|source| ScanError::Glob { pattern: patterns.join(" "), source })
}

/// True when the path or any of its parent directories matches.
fn excluded(globs: &globset::GlobSet, s: &str) -> bool {
    if globs.is_empty() {
        return false;
    }
    if globs.is_match(s) {
        return true;
    }
    s.match_indices('/').any(|(i, _)| globs.is_match(&s[..i]))
}

/// Walks the tree, sending each file and symlink to `out`; stops at the
/// first problem (or when the receiver is gone).
fn walk(
    root: &Path,
    excludes: &globset::GlobSet,
    out: &std::sync::mpsc::SyncSender<Candidate>,
) -> Result<(), ScanError> {
    let mut it = walkdir::WalkDir::new(root).follow_links(false).min_depth(1).into_iter();
    loop {
        let entry = match it.next() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(source)) => {
                let path = source.path().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
                return Err(ScanError::Walk { path, source });
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() && entry.file_name() == ".git" {
            it.skip_current_dir();
            continue;
        }
        let rel = relative(root, entry.path())?;
        if !excludes.is_empty() && excludes.is_match(&rel) {
            if ft.is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if ft.is_dir() {
            continue;
        }
        if ft.is_file() || ft.is_symlink() {
            if out.send(Candidate { rel: RelPath::new(rel)?, submodule: None }).is_err() {
                break;
            }
        } else {
            return Err(special(entry.path(), ft));
        }
    }
    Ok(())
}

/// The `/`-separated relative path, not yet checked (so that an exclude
/// glob can leave out a name the path rules would refuse).
fn relative(root: &Path, path: &Path) -> Result<String, ScanError> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut s = String::new();
    for c in rel.components() {
        let part = c.as_os_str().to_str().ok_or_else(|| ScanError::NonUtf8 { path: path.to_path_buf() })?;
        if !s.is_empty() {
            s.push('/');
        }
        s.push_str(part);
    }
    Ok(s)
}

fn special(path: &Path, ft: std::fs::FileType) -> ScanError {
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            "FIFO"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_block_device() {
            "block device"
        } else if ft.is_char_device() {
            "character device"
        } else {
            "special file"
        }
    };
    #[cfg(not(unix))]
    let what = {
        let _ = ft;
        "special file"
    };
    ScanError::Special { path: path.to_path_buf(), what }
}

/// Reads one entry from disk. `Ok(None)` when a tracked path is missing.
fn hash_candidate(root: &Path, c: &Candidate, buf: &mut [u8]) -> Result<Option<Entry>, ScanError> {
    let path = root.join(c.rel.to_path());
    if let Some(commit) = &c.submodule {
        return Entry::submodule(c.rel.clone(), commit.clone())
            .map(Some)
            .map_err(|detail| ScanError::Submodule { path: path.clone(), detail });
    }
    let rd = |source| ScanError::Read { path: path.clone(), source };
    // Open first (refusing to follow a symlink, never blocking on a FIFO),
    // then look at what was opened: one open and one fstat per file.
    let file = match crate::tree::fsutil::open_nofollow(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if crate::tree::fsutil::is_symlink_error(&e) => return symlink_entry(&c.rel, &path).map(Some),
        Err(e) => {
            // A socket cannot be opened at all: name what it is.
            return Err(match std::fs::symlink_metadata(&path) {
                Ok(m) if !m.is_file() && !m.is_dir() => special(&path, m.file_type()),
                _ => rd(e),
            });
        }
    };
    let meta = file.metadata().map_err(rd)?;
    let ft = meta.file_type();
    if ft.is_dir() {
        return Err(ScanError::TrackedDirectory { path });
    }
    if !ft.is_file() {
        return Err(special(&path, ft));
    }
    let (digest, size) = hash_file(file, meta.len(), buf).map_err(rd)?;
    #[cfg(unix)]
    let exec = {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o100 != 0
    };
    #[cfg(not(unix))]
    let exec = false;
    Ok(Some(Entry::File { path: c.rel.clone(), size, digest, exec }))
}

fn symlink_entry(rel: &RelPath, path: &Path) -> Result<Entry, ScanError> {
    let t = std::fs::read_link(path).map_err(|source| ScanError::Read { path: path.to_path_buf(), source })?;
    let t = t.into_os_string().into_string().map_err(|_| ScanError::NonUtf8Target { path: path.to_path_buf() })?;
    Ok(Entry::symlink(rel.clone(), t))
}

/// Hashes a regular file of `len` bytes (from its fstat). A short read that
/// reaches `len` is the end of a regular file, which saves the final
/// zero-length read per file; a file that grew is read to its real end.
fn hash_file(mut f: std::fs::File, len: u64, buf: &mut [u8]) -> std::io::Result<(Digest, u64)> {
    use sha2::Digest as _;
    use std::io::Read;
    let mut h = sha2::Sha256::new();
    let mut n = 0u64;
    loop {
        match f.read(buf) {
            Ok(0) => break,
            Ok(k) => {
                h.update(&buf[..k]);
                n += k as u64;
                if k < buf.len() && n == len {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((Digest(h.finalize().into()), n))
}

/// `created` from `SOURCE_DATE_EPOCH` (given as its value) or the commit
/// time, in RFC 3339 UTC; `None` when neither exists.
pub fn created_time(source_date_epoch: Option<i64>, commit_time: Option<i64>) -> Option<String> {
    let t = source_date_epoch.or(commit_time)?;
    let dt = time::OffsetDateTime::from_unix_timestamp(t).ok()?;
    dt.format(&time::format_description::well_known::Rfc3339).ok()
}

/// Scans the tree `opts` names and builds the source part of its
/// manifest: [`scan`], then [`source_manifest`].
pub fn create_manifest(
    project: crate::model::manifest::Project,
    opts: &ScanOptions,
    source_date_epoch: Option<i64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<crate::model::manifest::Manifest, ScanError> {
    Ok(source_manifest(project, scan(opts, progress)?, source_date_epoch)?)
}

/// Builds the source part of a manifest from a scan.
pub fn source_manifest(
    project: crate::model::manifest::Project,
    scan: Scan,
    source_date_epoch: Option<i64>,
) -> Result<crate::model::manifest::Manifest, crate::model::manifest::ManifestError> {
    let root = crate::model::merkle::root_of_entries(&scan.entries);
    crate::model::manifest::Manifest::new(crate::model::manifest::RawManifest {
        schema: crate::model::manifest::SCHEMA.into(),
        project,
        created: created_time(source_date_epoch, scan.commit_time),
        source: crate::model::manifest::Source {
            vcs: scan.vcs,
            merkle_root: root,
            count: scan.entries.len() as u64,
            files: scan.entries,
        },
        build: None,
        artifacts: None,
        sboms: None,
    })
}
