//! What the previous build found each source file to be, so that the next
//! build reads only the files that changed on disk, as git's index does.
//!
//! The records live outside the site, in the user's cache
//! (`$XDG_CACHE_HOME/vouch/site/`, else `~/.cache/vouch/site/`), one file
//! per site named by the SHA-256 of its marker (`.vouch-site`, which lists
//! every file page's key), so the site itself stays a function of its
//! inputs, and a site moved or copied keeps its records. The folder keeps
//! the records of the last [`KEEP`] builds. A file holds one line per regular
//! file that a build read and hashed:
//!
//! ```text
//! vouch source check 1
//! <device> <inode> <size> <mtime ns> <ctime ns> <sha-256 hex>
//! ```
//!
//! A file whose device, inode, size, modification and change times are all
//! the same as recorded has the recorded digest; anything else is read and
//! hashed again. The change time is set by the kernel on every write,
//! rename or `chmod` and cannot be set back by a user, so an edit in place
//! is always seen. A file changed in the second before the build started
//! is not recorded (the kernel's clock ticks coarser than nanoseconds), so
//! the next build reads it again. Deleting the cache costs only time; it is
//! read bounded, never through a symlink, and a line that does not parse
//! voids the whole file. It is written atomically (a temporary file renamed
//! into place), so concurrent builds never leave a torn one.

use std::path::Path;
use std::sync::Mutex;

const HEAD: &str = "vouch source check 1";
const MAX_FILE: u64 = 256 << 20;
/// How many builds' records the cache folder keeps (the newest).
pub const KEEP: usize = 8;

use vouch_manifests::Digest;
use vouch_manifests::tree::fsutil::FileStamp;

/// The previous build's records, and this build's.
pub struct Seen {
    /// The cache folder (none when the user has none).
    base: Option<std::path::PathBuf>,
    old: crate::FastMap<FileStamp, Digest>,
    new: Mutex<Vec<(FileStamp, Digest)>>,
    /// Now, when the build started (see [`FileStamp::settled`]).
    now: i128,
}

impl Seen {
    /// Reads the records kept for the site named `site` (by its marker), if any.
    pub fn load(site: Option<SiteId>) -> Seen {
        Self::load_in(cache_base(), site)
    }

    fn load_in(base: Option<std::path::PathBuf>, site: Option<SiteId>) -> Seen {
        let file = base.as_deref().zip(site).map(|(b, m)| cache_file(b, m));
        let old = file.as_deref().and_then(Self::read).unwrap_or_default();
        Seen { base, old, new: Mutex::new(Vec::new()), now: FileStamp::now() }
    }

    fn read(path: &Path) -> Option<crate::FastMap<FileStamp, Digest>> {
        let bytes = vouch_manifests::tree::fsutil::read_bounded(
            path,
            MAX_FILE,
            vouch_manifests::tree::fsutil::Symlinks::Refuse,
        )
        .ok()?;
        let body = std::str::from_utf8(&bytes).ok()?.strip_prefix(HEAD)?.strip_prefix('\n')?;
        vouch_manifests::tree::fsutil::parse_stamp_lines(body)
    }

    /// When the build started, in nanoseconds since the epoch (see
    /// [`FileStamp::settled`]).
    pub fn now(&self) -> i128 {
        self.now
    }

    /// The digest the previous build found for the file with `stamp`, if
    /// the file is unchanged since.
    pub fn known(&self, stamp: FileStamp) -> Option<[u8; 32]> {
        let d = *self.old.get(&stamp)?;
        self.remember_stamp(stamp, d);
        Some(d.0)
    }

    /// Records what a file with `stamp` (taken before it was read) hashed
    /// to.
    pub fn remember(&self, stamp: Option<FileStamp>, digest: [u8; 32]) {
        if let Some(stamp) = stamp {
            self.remember_stamp(stamp, Digest(digest));
        }
    }

    fn remember_stamp(&self, stamp: FileStamp, digest: Digest) {
        if stamp.settled(self.now) {
            self.new.lock().unwrap_or_else(|p| p.into_inner()).push((stamp, digest));
        }
    }

    /// Keeps this build's records for the next build of the site whose
    /// marker is `marker`, and the newest [`KEEP`] of the folder (a cache:
    /// failing to write them only costs the next build time).
    pub fn save(&self, site: SiteId) {
        let Some(base) = self.base.as_deref() else { return };
        save_cache(base, site, ".checked", self.text().as_bytes());
    }

    /// The text of this build's records (taken: a second call has none).
    fn text(&self) -> String {
        let rows = std::mem::take(&mut *self.new.lock().unwrap_or_else(|p| p.into_inner()));
        format!("{HEAD}\n{}", vouch_manifests::tree::fsutil::stamp_lines(rows))
    }
}

/// Writes the cache file ending in `ext` of the site whose marker is
/// `marker` (atomically, readable by the user alone), then removes all but
/// the newest [`KEEP`] of its kind. A cache: failing to write it only costs
/// the next build time. Not synced to disk: what a crash leaves of it
/// holds fewer records or does not parse (and is voided), which costs no
/// more.
pub(crate) fn save_cache(base: &Path, site: SiteId, ext: &str, bytes: &[u8]) {
    save_cache_with(base, site, ext, |f| std::io::Write::write_all(f, bytes));
}

/// Like [`save_cache`], the file's bytes written by `write`.
pub(crate) fn save_cache_with(
    base: &Path,
    site: SiteId,
    ext: &str,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
) {
    let file = cache_file_named(base, site, ext);
    let write = || -> std::io::Result<()> {
        use std::io::Write as _;
        std::fs::create_dir_all(base)?;
        let mut b = tempfile::Builder::new();
        b.prefix(TMP);
        #[cfg(unix)]
        b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
        let tmp = b.tempfile_in(base)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file());
        write(&mut w)?;
        w.flush()?;
        drop(w);
        tmp.persist(&file).map(|_| ()).map_err(|e| e.error)
    };
    if write().is_ok() {
        keep_newest(base, ext);
    }
}

/// Makes the cache file `from` (of an earlier build, in `base`) the one
/// ending in `ext` of the site named `site` (by its marker) too (a hard link,
/// renamed into place), with `bytes` appended, then removes all but the
/// newest [`KEEP`] of its kind. The earlier build's name sees the appended
/// bytes too: only for a cache whose records hold wherever they are found.
pub(crate) fn append_cache(base: &Path, site: SiteId, ext: &str, from: &Path, bytes: &[u8]) {
    let file = cache_file_named(base, site, ext);
    let append = |p: &Path| -> std::io::Result<()> {
        use std::io::Write as _;
        let mut o = std::fs::OpenOptions::new();
        o.append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut o, rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        o.open(p)?.write_all(bytes)
    };
    let done = || -> std::io::Result<()> {
        // Already one file under both names (an earlier build with this
        // marker linked it): renaming a link onto its own file does
        // nothing and would leave the temporary name behind.
        if file == from || same_file(&file, from) {
            return if bytes.is_empty() { Ok(()) } else { append(&file) };
        }
        let tmp = tempfile::Builder::new().prefix(TMP).make_in(base, |p| std::fs::hard_link(from, p))?;
        if !bytes.is_empty() {
            append(tmp.path())?;
        }
        let tmp = tmp.into_temp_path();
        std::fs::rename(&tmp, &file)?;
        // Gone, unless another build linked `file` to the same file
        // meanwhile (then the rename did nothing): removed either way.
        tmp.close()
    };
    if done().is_ok() {
        keep_newest(base, ext);
    }
}

/// Whether two paths name one file (both there, the same device and inode).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// How the temporary files of a cache write are named.
const TMP: &str = ".vouch-tmp-";
/// A temporary file older than this (since it was made or last linked)
/// was left by a build that stopped: removed.
const STALE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes all but the newest [`KEEP`] files of `base` whose names end in
/// `ext`, and temporary files that builds left behind.
fn keep_newest(base: &Path, ext: &str) {
    let Ok(dir) = std::fs::read_dir(base) else { return };
    let entries: Vec<std::fs::DirEntry> = dir.filter_map(Result::ok).collect();
    for e in entries.iter().filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(TMP))) {
        if e.metadata().is_ok_and(|m| m.is_file() && changed_before(&m, STALE)) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let mut kept: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
        .iter()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(ext)))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    kept.sort_by(|a, b| b.cmp(a));
    for (_, old) in kept.into_iter().skip(KEEP) {
        let _ = std::fs::remove_file(old);
    }
}

/// Whether the file's inode last changed (made, written, linked) longer
/// than `age` ago; where the system gives no such time, when it was last
/// written.
fn changed_before(m: &std::fs::Metadata, age: std::time::Duration) -> bool {
    #[cfg(unix)]
    let when = {
        use std::os::unix::fs::MetadataExt as _;
        let secs = u64::try_from(m.ctime()).unwrap_or(0);
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
    };
    #[cfg(not(unix))]
    let when = m.modified().ok();
    when.and_then(|w| w.elapsed().ok()).is_some_and(|e| e > age)
}

/// The user's cache folder for these records.
pub(crate) fn cache_base() -> Option<std::path::PathBuf> {
    Some(vouch_manifests::tree::fsutil::user_cache_dir()?.join("site"))
}

/// The records of the site named `site` (by its marker).
fn cache_file(base: &Path, site: SiteId) -> std::path::PathBuf {
    cache_file_named(base, site, ".checked")
}

/// The cache file ending in `ext` of the site named `site` (by its marker).
pub(crate) fn cache_file_named(base: &Path, site: SiteId, ext: &str) -> std::path::PathBuf {
    base.join(format!("{}{ext}", hex::encode(site.0)))
}

/// What names a site's cache files: 128 bits of the SHA-256 of its marker
/// (hashed once per build, not once per cache).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteId([u8; 16]);

impl SiteId {
    pub fn of(marker: &[u8]) -> SiteId {
        let h = <sha2::Sha256 as sha2::Digest>::digest(marker);
        let mut id = [0u8; 16];
        id.copy_from_slice(&h[..16]);
        SiteId(id)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn temporaries(base: &Path) -> Vec<String> {
        std::fs::read_dir(base)
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().into_string().ok())
            .filter(|n| n.starts_with(TMP))
            .collect()
    }

    #[test]
    fn appending_to_a_cache_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        save_cache(base, SiteId::of(b"one"), ".words", b"head\n");
        let from = cache_file_named(base, SiteId::of(b"one"), ".words");
        // The same site grown twice from the same earlier build: the second
        // time the new name is already a link to the earlier build's file.
        append_cache(base, SiteId::of(b"two"), ".words", &from, b"tail\n");
        append_cache(base, SiteId::of(b"two"), ".words", &from, b"");
        append_cache(base, SiteId::of(b"two"), ".words", &from, b"more\n");
        assert_eq!(temporaries(base), Vec::<String>::new());
        let two = cache_file_named(base, SiteId::of(b"two"), ".words");
        assert_eq!(std::fs::read(&two).unwrap(), b"head\ntail\nmore\n");
        assert!(same_file(&two, &from));
    }

    #[test]
    fn only_temporaries_untouched_for_a_while_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(format!("{TMP}x"));
        std::fs::write(&f, "x").unwrap();
        let m = std::fs::metadata(&f).unwrap();
        assert!(!changed_before(&m, STALE));
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert!(changed_before(&m, std::time::Duration::ZERO));
        keep_newest(dir.path(), ".words");
        assert!(f.exists(), "a fresh temporary file is another build's, not stale");
    }

    #[test]
    fn an_unchanged_file_is_known_and_an_edited_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        std::fs::write(&f, "one").unwrap();
        let base = Some(dir.path().join("cache"));
        let m = std::fs::symlink_metadata(&f).unwrap();
        // As if the file had been written well before the build.
        let mut seen = Seen::load_in(base.clone(), None);
        seen.now = i128::MAX;
        seen.remember(FileStamp::of(&m), [7; 32]);
        seen.save(SiteId::of(b"marker"));
        let again = Seen::load_in(base, Some(SiteId::of(b"marker")));
        assert_eq!(again.known(FileStamp::of(&std::fs::symlink_metadata(&f).unwrap()).unwrap()), Some([7; 32]));
        // Same size, new bytes: the change time moved.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&f, "two").unwrap();
        assert_eq!(again.known(FileStamp::of(&std::fs::symlink_metadata(&f).unwrap()).unwrap()), None);
    }

    #[test]
    fn a_file_changed_just_before_the_build_is_not_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        std::fs::write(&f, "one").unwrap();
        let seen = Seen::load_in(None, None);
        seen.remember(FileStamp::of(&std::fs::symlink_metadata(&f).unwrap()), [7; 32]);
        assert_eq!(seen.text(), format!("{HEAD}\n"));
    }

    #[test]
    fn a_malformed_record_voids_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(cache_file(dir.path(), SiteId::of(b"m")), format!("{HEAD}\n1 2 3 4 5 zz\n")).unwrap();
        assert!(Seen::load_in(Some(dir.path().to_path_buf()), Some(SiteId::of(b"m"))).old.is_empty());
    }
}
