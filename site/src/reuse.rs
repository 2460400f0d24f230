//! Work a site keeps from one build to the next, and pages that releases
//! share.
//!
//! A file page is a function of its *key*: a SHA-256 over the vouch binary,
//! the theme (every template and static file), the site's title, and the
//! page's own view: project, path, manifest entry, what the check of the
//! source copy found (the copy's digest), its definitions, the reviews of
//! those bytes. The page names no release (its version and history are
//! filled in by `static/release.js`), so the pages of a file whose bytes did
//! not change between two releases have one key. A build renders each key
//! once and hard-links it at every other place with that key; the marker
//! records one page per key:
//!
//! ```text
//! vouch review site
//! <32 hex digits of the key> <page, relative to the site>
//! ...
//! ```
//!
//! Every other page's key is its path, template and every value its
//! template is given (`pages::PageContext` hashes what it is filled
//! with, so no value can be left out of the key); those pages name their
//! release, so each is one place.
//!
//! A release's folder of file pages is keyed over its folders and its
//! pages' paths and keys, and listed in the marker as its path, ending in
//! `/` (as a release's code index folder is): a build whose folder has the
//! key the marker gives it moves the previous site's folder in whole
//! ([`Previous::folder_holding`] checks that it holds those pages and
//! nothing else), instead of a hard link per page.
//!
//! The marker is sorted by page, and written from this build's pages
//! only, so a site grown release by release is byte for byte the site
//! built from scratch. The next build into the same folder hard-links the
//! previous site's page for a key it finds there instead of rendering it
//! again. Nothing a bundle says
//! is trusted by this: keys are computed from checked inputs, and only the
//! site's own output folder is read (bounded, regular files only).

use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The first line of the marker file.
pub const MARKER_HEAD: &str = "vouch review site";
/// The marker is a cache: one larger than this is ignored.
const MAX_MARKER: u64 = 256 << 20;

/// What a page's bytes depend on (128 bits of a SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub [u8; 16]);

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Builds a [`Key`]: fields are written with their length, so no two
/// sequences of fields hash alike.
#[derive(Clone)]
pub struct KeyHasher(Sha256);

impl KeyHasher {
    /// A hasher already holding what every page of one build shares.
    pub fn new(shared: &[u8; 32]) -> KeyHasher {
        let mut h = Sha256::new();
        h.update(shared);
        KeyHasher(h)
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }

    /// An optional field: whether it is there, then its bytes.
    pub fn maybe(&mut self, b: Option<&[u8]>) -> &mut Self {
        self.bytes(&[u8::from(b.is_some())]).bytes(b.unwrap_or_default())
    }

    /// A value, as its JSON.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, v: &T) -> &mut Self {
        thread_local! {
            /// Each thread's buffer for the JSON of a value, reused.
            static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUF.with(|b| {
            let mut b = b.borrow_mut();
            b.clear();
            if serde_json::to_writer(&mut *b, v).is_err() {
                b.clear();
            }
            self.bytes(&b);
        });
        self
    }

    pub fn finish(self) -> Key {
        let d = self.0.finalize();
        let mut k = [0u8; 16];
        k.copy_from_slice(&d[..16]);
        Key(k)
    }
}

/// What every key of one build starts with: the binary that renders, the
/// theme and the title.
pub fn shared(theme: &[u8; 32], title: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"vouch site page key 1\0");
    h.update(binary());
    h.update(theme);
    h.update((title.len() as u64).to_le_bytes());
    h.update(title.as_bytes());
    h.finalize().into()
}

/// Starts hashing the running executable on a thread of its own, so that
/// [`shared`] finds it done (it reads the whole binary).
pub fn start_hashing_binary() {
    std::thread::spawn(binary);
}

/// The SHA-256 of the running executable (a different vouch renders
/// every page again), or of the crate's version when it cannot be read.
pub(crate) fn binary() -> [u8; 32] {
    static ONCE: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    *ONCE.get_or_init(|| {
        let read = std::env::current_exe().ok().and_then(|p| {
            let f = vouch_manifests::tree::fsutil::open_nofollow(&p).ok()?;
            vouch_manifests::model::digest::hash_reader(f, &mut vec![0u8; 1 << 16]).ok()
        });
        match read {
            Some((d, _)) => d.0,
            None => Sha256::digest(concat!("vouch-site ", env!("CARGO_PKG_VERSION")).as_bytes()).into(),
        }
    })
}

/// The pages of the previous build in the output folder, by key.
#[derive(Default)]
pub struct Previous {
    dir: PathBuf,
    pages: crate::FastMap<Key, String>,
    /// The folders the marker lists (their paths end in `/`), by path.
    listed: crate::FastMap<String, Key>,
    /// The site's folder as the file system spells it, and which of its
    /// folders (by relative path) are below it with no symlink on the way.
    real: Option<PathBuf>,
    inside: Mutex<crate::FastMap<String, bool>>,
    /// Its folders as read once each (none: not below it, or unreadable).
    folders: Mutex<crate::FastMap<String, Option<std::sync::Arc<Folder>>>>,
    /// How many folder handles it keeps open, and may keep.
    handles: std::sync::atomic::AtomicUsize,
    budget: usize,
    /// Listings of its folders started early (see [`Previous::start_listing`]).
    listings: Mutex<HashMap<String, std::thread::JoinHandle<Option<Listing>>>>,
}

/// A folder's folders and regular files (see [`listing`]).
type Listing = (Vec<String>, Vec<String>);

/// A folder of the previous site, opened and listed once: a handle to it
/// (pages are hard-linked from it by name, with no path walked again) and
/// the names of its regular files.
struct Folder {
    /// None once the build holds as many handles as [`handle_budget`]
    /// allows: opened again for each page linked from it.
    #[cfg(unix)]
    fd: Option<rustix::fd::OwnedFd>,
    files: crate::FastSet<std::ffi::OsString>,
}

/// The marker of the site in `output`, read once per build (the pages to
/// reuse, and the name of the user's cache records, come from it): none
/// when absent, unreadable, not a regular file or too large.
pub fn read_marker(output: &Path) -> Option<Vec<u8>> {
    vouch_manifests::tree::fsutil::read_bounded(
        &output.join(crate::render::MARKER),
        MAX_MARKER,
        vouch_manifests::tree::fsutil::Symlinks::Refuse,
    )
    .ok()
}

impl Previous {
    /// Reads the marker of the site in `output`.
    #[cfg(test)]
    pub fn load(output: &Path) -> Previous {
        Previous::of(output, read_marker(output).as_deref())
    }

    /// The pages of the site in `output` whose marker is `marker`; an
    /// absent or malformed marker gives nothing to reuse (every page
    /// renders).
    pub fn of(output: &Path, marker: Option<&[u8]>) -> Previous {
        let Some(bytes) = marker else { return Previous::default() };
        let Ok(text) = std::str::from_utf8(bytes) else { return Previous::default() };
        let mut lines = text.lines();
        if lines.next() != Some(MARKER_HEAD) {
            return Previous::default();
        }
        let mut pages = crate::FastMap::default();
        let mut listed = crate::FastMap::default();
        for line in lines {
            let Some((k, page)) = line.split_once(' ') else { return Previous::default() };
            let mut key = [0u8; 16];
            if hex::decode_to_slice(k, &mut key).is_err() || !safe_relative(page) {
                return Previous::default();
            }
            if page.ends_with('/') {
                listed.insert(page.to_string(), Key(key));
            }
            pages.insert(Key(key), page.to_string());
        }
        let real = std::fs::canonicalize(output).ok();
        Previous {
            dir: output.to_path_buf(),
            pages,
            listed,
            real,
            inside: Mutex::default(),
            folders: Mutex::default(),
            listings: Mutex::default(),
            handles: Default::default(),
            budget: handle_budget(),
        }
    }

    /// The previous site's folder for `key` (a release's code index), if it
    /// is still a folder.
    pub fn dir(&self, key: &Key) -> Option<PathBuf> {
        let rel = self.pages.get(key)?;
        let p = self.dir.join(rel);
        (is_real_dir(&p) && self.below(rel.trim_end_matches('/'))).then_some(p)
    }

    /// The key the marker gives the folder `rel` (ending in `/`), if it
    /// lists it.
    pub fn folder_key(&self, rel: &str) -> Option<Key> {
        self.listed.get(rel).copied()
    }

    /// The previous site's folder `rel` (ending in `/`), to be moved whole
    /// into the new site: only when the marker gives it `key`, it is below
    /// the site with no symlink on the way, and it holds exactly the
    /// folders `dirs` and the regular files `files` (paths relative to it,
    /// `/`-separated, each list sorted), nothing else (no symlink, no file
    /// planted since).
    pub fn folder_holding(&self, rel: &str, key: &Key, dirs: &[&str], files: &[&str]) -> Option<PathBuf> {
        if self.listed.get(rel) != Some(key) || !self.below(rel.trim_end_matches('/')) {
            return None;
        }
        let root = self.dir.join(rel);
        let started = self.listings.lock().unwrap_or_else(|p| p.into_inner()).remove(rel);
        let (found_dirs, found_files) = match started {
            Some(walk) => walk.join().ok()??,
            None => listing(&root)?,
        };
        (found_dirs == dirs && found_files == files).then_some(root)
    }

    /// Starts listing the previous site's folder `rel` (ending in `/`) on a
    /// thread of its own, for [`Previous::folder_holding`] to find done.
    pub fn start_listing(&self, rel: &str) {
        if !self.listed.contains_key(rel) {
            return;
        }
        let root = self.dir.join(rel);
        let walk = std::thread::spawn(move || listing(&root));
        self.listings.lock().unwrap_or_else(|p| p.into_inner()).insert(rel.to_string(), walk);
    }

    /// The previous site's page for `key`, if it is still a regular file
    /// below the site.
    pub fn page(&self, key: &Key) -> Option<PathBuf> {
        let rel = self.pages.get(key)?;
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        self.folder(dir)?.files.contains(std::ffi::OsStr::new(name)).then(|| self.dir.join(rel))
    }

    /// Hard-links the previous site's page for `key`, if it is still a
    /// regular file, as `page` of the site being written (see [`Folders`]);
    /// whether it did.
    pub fn link(&self, key: &Key, to: &Folders, page: &str) -> bool {
        let Some(rel) = self.pages.get(key) else { return false };
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let Some(from) = self.folder(dir).filter(|f| f.files.contains(std::ffi::OsStr::new(name))) else {
            return false;
        };
        #[cfg(unix)]
        {
            let (to_dir, to_name) = page.rsplit_once('/').unwrap_or(("", page));
            let Some(to_fd) = to.fd(to_dir) else { return false };
            let once;
            let from_fd = match &from.fd {
                Some(fd) => fd,
                None => match open_dir(&self.dir.join(dir)) {
                    Some(fd) => {
                        once = fd;
                        &once
                    }
                    None => return false,
                },
            };
            rustix::fs::linkat(from_fd, name, &*to_fd, to_name, rustix::fs::AtFlags::empty()).is_ok()
        }
        #[cfg(not(unix))]
        {
            let _ = from;
            std::fs::hard_link(self.dir.join(rel), to.root.join(page)).is_ok()
        }
    }

    /// The previous site's folder `rel`, read once.
    fn folder(&self, rel: &str) -> Option<std::sync::Arc<Folder>> {
        if let Some(f) = self.folders.lock().unwrap_or_else(|p| p.into_inner()).get(rel) {
            return f.clone();
        }
        let read = || -> Option<Folder> {
            if !self.below(rel) {
                return None;
            }
            let path = self.dir.join(rel);
            #[cfg(unix)]
            let fd = {
                let fd = open_dir(&path)?;
                let kept = self.handles.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < self.budget;
                kept.then_some(fd)
            };
            let files = std::fs::read_dir(&path)
                .ok()?
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name())
                .collect();
            Some(Folder {
                #[cfg(unix)]
                fd,
                files,
            })
        };
        let f = read().map(std::sync::Arc::new);
        self.folders.lock().unwrap_or_else(|p| p.into_inner()).insert(rel.to_string(), f.clone());
        f
    }

    /// Whether the site's folder `rel` is inside the site, reached through
    /// no symlink (so a link planted in the old site cannot bring a file
    /// from elsewhere into the new one); one look per folder.
    fn below(&self, rel: &str) -> bool {
        let Some(real) = &self.real else { return false };
        if let Some(&ok) = self.inside.lock().unwrap_or_else(|p| p.into_inner()).get(rel) {
            return ok;
        }
        // Each folder on the way is a folder, not a symlink to one, and
        // named plainly (no `.` or `..`): one look per folder, its parent's
        // answer reused.
        let ok = match rel.rsplit_once('/') {
            _ if rel.is_empty() => real.is_dir(),
            Some((up, name)) => plain(name) && self.below(up) && is_real_dir(&self.dir.join(rel)),
            None => plain(rel) && is_real_dir(&self.dir.join(rel)),
        };
        self.inside.lock().unwrap_or_else(|p| p.into_inner()).insert(rel.to_string(), ok);
        ok
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

/// A name that is neither empty, `.` nor `..`.
fn plain(name: &str) -> bool {
    !matches!(name, "" | "." | "..")
}

/// Whether `p` is a folder itself (not a symlink to one).
fn is_real_dir(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
}

/// What a folder holds: the paths of its folders and of its regular files
/// (relative to it, `/`-separated, each list sorted); `None` if it holds
/// anything else (a symlink is not followed and stops it) or cannot be read.
fn listing(root: &Path) -> Option<(Vec<String>, Vec<String>)> {
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    for e in walkdir::WalkDir::new(root).min_depth(1) {
        let e = e.ok()?;
        let path = e.path().strip_prefix(root).ok()?.to_str()?.replace(std::path::MAIN_SEPARATOR, "/");
        match e.file_type() {
            t if t.is_dir() => dirs.push(path),
            t if t.is_file() => files.push(path),
            _ => return None,
        }
    }
    dirs.sort_unstable();
    files.sort_unstable();
    Some((dirs, files))
}

/// A path of plain names below the site (no `..`, no root).
fn safe_relative(p: &str) -> bool {
    !p.is_empty() && !p.contains('\\') && Path::new(p).components().all(|c| matches!(c, Component::Normal(_)))
}

/// The keys of this build: which page renders each key.
#[derive(Default)]
pub struct Claims(Mutex<crate::FastMap<Key, String>>);

impl Claims {
    /// `None` when `page` is the first with `key` (it renders); otherwise
    /// the page that renders it.
    pub fn claim(&self, key: Key, page: &str) -> Option<String> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match m.get(&key) {
            Some(first) => Some(first.clone()),
            None => {
                m.insert(key, page.to_string());
                None
            }
        }
    }
}

/// Writes files of a build, each distinct content once: a file whose bytes
/// were already written is a hard link to the first (a copy where links
/// fail). For the search and history scripts, whose parts are often the
/// same in two releases.
pub struct Dedup<'a> {
    out: &'a Path,
    seen: HashMap<[u8; 32], PathBuf>,
    /// Bytes written, not counting links.
    pub bytes: u64,
    pub files: usize,
}

impl<'a> Dedup<'a> {
    pub fn new(out: &'a Path) -> Dedup<'a> {
        Dedup { out, seen: HashMap::new(), bytes: 0, files: 0 }
    }
}

impl Dedup<'_> {
    /// Writes each `(rel, content)` below the output, creating its folder:
    /// a content already written is a hard link to its first file (a copy
    /// where links fail). Hashed and written in parallel; on failure, the
    /// path that failed.
    pub fn write_all(&mut self, items: &[(String, &[u8])]) -> Result<(), (PathBuf, std::io::Error)> {
        use rayon::prelude::*;
        let hashes: Vec<[u8; 32]> = items.par_iter().map(|(_, c)| Sha256::digest(c).into()).collect();
        let paths: Vec<PathBuf> = items.iter().map(|(rel, _)| self.out.join(rel)).collect();
        make_parents(&paths)?;
        // The first file of each content is written, the others linked to it.
        let mut first: Vec<Option<PathBuf>> = Vec::with_capacity(items.len());
        for (h, p) in hashes.iter().zip(&paths) {
            match self.seen.get(h) {
                Some(f) => first.push(Some(f.clone())),
                None => {
                    self.seen.insert(*h, p.clone());
                    first.push(None);
                }
            }
        }
        let write = |k: usize| std::fs::write(&paths[k], items[k].1).map(|()| items[k].1.len() as u64);
        let written: u64 = (0..items.len())
            .into_par_iter()
            .filter(|&k| first[k].is_none())
            .map(|k| write(k).map_err(|e| (paths[k].clone(), e)))
            .try_reduce(|| 0, |a, b| Ok(a + b))?;
        let copied: u64 = (0..items.len())
            .into_par_iter()
            .filter_map(|k| first[k].as_ref().map(|f| (k, f)))
            .map(|(k, f)| match std::fs::hard_link(f, &paths[k]) {
                Ok(()) => Ok(0),
                Err(_) => write(k).map_err(|e| (paths[k].clone(), e)),
            })
            .try_reduce(|| 0, |a, b| Ok(a + b))?;
        self.files += items.len();
        self.bytes += written + copied;
        Ok(())
    }

    /// Hard-links every regular file of `from` (a folder of the previous
    /// site) into `rel`, copying where links fail.
    pub fn link_dir(&mut self, rel: &str, from: &Path) -> std::io::Result<()> {
        let to = self.out.join(rel);
        std::fs::create_dir_all(&to)?;
        for e in std::fs::read_dir(from)? {
            let e = e?;
            if !e.file_type()?.is_file() {
                continue;
            }
            self.link_one(&e.path(), &to.join(e.file_name()))?;
        }
        Ok(())
    }

    /// Hard-links the file `from` (of the previous site) as `rel`, copying
    /// where the link fails.
    pub fn link_file(&mut self, rel: &str, from: &Path) -> std::io::Result<()> {
        let dest = self.out.join(rel);
        if let Some(d) = dest.parent() {
            std::fs::create_dir_all(d)?;
        }
        self.link_one(from, &dest)
    }

    fn link_one(&mut self, from: &Path, dest: &Path) -> std::io::Result<()> {
        if std::fs::hard_link(from, dest).is_err() {
            self.bytes += std::fs::copy(from, dest)?;
        }
        self.files += 1;
        Ok(())
    }
}

/// Makes the folder of each of `paths`, each folder once; on failure, the
/// folder that failed.
pub(crate) fn make_parents(paths: &[PathBuf]) -> Result<(), (PathBuf, std::io::Error)> {
    let mut made = std::collections::HashSet::new();
    for d in paths.iter().filter_map(|p| p.parent()) {
        if made.insert(d) {
            std::fs::create_dir_all(d).map_err(|e| (d.to_path_buf(), e))?;
        }
    }
    Ok(())
}

/// The marker's text for this build's keyed pages: for each key its first
/// page in byte order, sorted by page.
pub fn marker(pages: &[(Key, String)]) -> String {
    let mut first: crate::FastMap<Key, &str> = crate::FastMap::default();
    for (k, p) in pages {
        let e = first.entry(*k).or_insert(p);
        if p.as_str() < *e {
            *e = p;
        }
    }
    let mut rows: Vec<(&str, Key)> = first.into_iter().map(|(k, p)| (p, k)).collect();
    rows.sort_unstable();
    let mut out = String::with_capacity(MARKER_HEAD.len() + 1 + rows.len() * 80);
    out.push_str(MARKER_HEAD);
    out.push('\n');
    for (p, k) in rows {
        out.push_str(&k.to_string());
        out.push(' ');
        out.push_str(p);
        out.push('\n');
    }
    out
}

/// The folders of the site being written, each opened once when a page
/// is first linked into it.
pub struct Folders {
    root: PathBuf,
    #[cfg(unix)]
    open: Mutex<crate::FastMap<String, std::sync::Arc<rustix::fd::OwnedFd>>>,
    budget: usize,
}

/// A handle to the folder `path` (`O_PATH`, never through a symlink at its
/// last name), for `*at` calls relative to it.
#[cfg(unix)]
fn open_dir(path: &Path) -> Option<rustix::fd::OwnedFd> {
    use rustix::fs::{CWD, Mode, OFlags};
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    rustix::fs::openat(CWD, path, flags, Mode::empty()).ok()
}

/// How many folder handles each of a build's caches may keep open: a
/// quarter of the files the process may open, the rest left for the files
/// being read and written. The process is first let open as many as its
/// hard limit allows (a desktop's soft limit of 1024 is fewer than the
/// folders of a large release).
pub fn handle_budget() -> usize {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        static RAISE: std::sync::Once = std::sync::Once::new();
        RAISE.call_once(|| {
            let l = getrlimit(Resource::Nofile);
            if let Some(cur) = l.current {
                let want = l.maximum.unwrap_or(u64::MAX).min(1 << 20);
                if want > cur {
                    let _ = setrlimit(Resource::Nofile, Rlimit { current: Some(want), maximum: l.maximum });
                }
            }
        });
        let now = getrlimit(Resource::Nofile).current.unwrap_or(1 << 20);
        let budget = usize::try_from(now / 4).unwrap_or(usize::MAX).max(8);
        static RESERVE: std::sync::Once = std::sync::Once::new();
        RESERVE.call_once(|| reserve_handles(budget.min(1 << 13)));
        budget
    }
    #[cfg(not(unix))]
    {
        1 << 12
    }
}

/// Grows the process's table of open files to hold `n` at once. The kernel
/// doubles it as files are opened, and each time, once threads share it,
/// waits for an RCU grace period: thousands of folder handles opened one
/// by one waited some 50 ms for it.
#[cfg(unix)]
fn reserve_handles(n: usize) {
    use rustix::fs::{Mode, OFlags};
    let Ok(fd) = rustix::fs::open("/", OFlags::PATH | OFlags::CLOEXEC, Mode::empty()) else { return };
    if let Ok(n) = i32::try_from(n) {
        // Closed at once: only the table's size stays.
        let _ = rustix::io::fcntl_dupfd_cloexec(&fd, n - 1);
    }
}

impl Folders {
    pub fn new(root: &Path) -> Folders {
        Folders {
            root: root.to_path_buf(),
            #[cfg(unix)]
            open: Mutex::default(),
            budget: handle_budget(),
        }
    }

    /// A handle to the folder `rel`, kept for the next page while the
    /// build holds fewer than [`handle_budget`] (else for this page alone).
    #[cfg(unix)]
    fn fd(&self, rel: &str) -> Option<std::sync::Arc<rustix::fd::OwnedFd>> {
        if let Some(fd) = self.open.lock().unwrap_or_else(|p| p.into_inner()).get(rel) {
            return Some(fd.clone());
        }
        let fd = std::sync::Arc::new(open_dir(&self.root.join(rel))?);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() < self.budget {
            open.insert(rel.to_string(), fd.clone());
        }
        Some(fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_keeps_the_first_page_of_each_key_and_reads_back() {
        let (a, b) = (Key([1; 16]), Key([2; 16]));
        let m = marker(&[
            (a, "r/x/2/file/a.html".into()),
            (b, "r/x/1/file/b.html".into()),
            (a, "r/x/1/file/a.html".into()),
        ]);
        assert_eq!(m, format!("{MARKER_HEAD}\n{} r/x/1/file/a.html\n{} r/x/1/file/b.html\n", a, b),);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(crate::render::MARKER), &m).unwrap();
        std::fs::create_dir_all(dir.path().join("r/x/1/file")).unwrap();
        std::fs::write(dir.path().join("r/x/1/file/a.html"), "page").unwrap();
        let prev = Previous::load(dir.path());
        assert_eq!(prev.len(), 2);
        assert_eq!(prev.page(&a), Some(dir.path().join("r/x/1/file/a.html")));
        // Listed but gone: nothing to reuse.
        assert_eq!(prev.page(&b), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_page_reached_through_a_symlinked_folder_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (site, elsewhere) = (dir.path().join("site"), dir.path().join("elsewhere"));
        std::fs::create_dir_all(site.join("r")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("secret.html"), "not the site's").unwrap();
        std::os::unix::fs::symlink(&elsewhere, site.join("r/x")).unwrap();
        std::fs::write(site.join("r/own.html"), "page").unwrap();
        let (a, b) = (Key([1; 16]), Key([2; 16]));
        std::fs::write(
            site.join(crate::render::MARKER),
            marker(&[(a, "r/x/secret.html".into()), (b, "r/own.html".into())]),
        )
        .unwrap();
        let prev = Previous::load(&site);
        assert_eq!(prev.page(&a), None);
        assert_eq!(prev.page(&b), Some(site.join("r/own.html")));
    }

    #[test]
    fn a_marker_naming_a_path_outside_the_site_is_ignored_whole() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../outside.html", "/etc/passwd", "r/../../x", "a\\b"] {
            std::fs::write(dir.path().join(crate::render::MARKER), format!("{MARKER_HEAD}\n{} {bad}\n", Key([3; 16])))
                .unwrap();
            assert!(Previous::load(dir.path()).is_empty(), "{bad}");
        }
        std::fs::write(dir.path().join(crate::render::MARKER), "vouch review site\nnot a key line\n").unwrap();
        assert!(Previous::load(dir.path()).is_empty());
    }

    #[test]
    fn keys_tell_field_boundaries_apart() {
        let s = [0u8; 32];
        let mut a = KeyHasher::new(&s);
        a.bytes(b"ab").bytes(b"c");
        let mut b = KeyHasher::new(&s);
        b.bytes(b"a").bytes(b"bc");
        assert_ne!(a.finish(), b.finish());
    }
}
