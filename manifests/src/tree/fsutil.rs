//! Atomic output: write to a temporary file in the destination directory,
//! sync, then rename into place, so no reader ever sees a partial file.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}")]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Whether an output (a file, a bundle, a key) may replace an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Replace,
    Refuse,
}

/// Writes `bytes` to `path` atomically. `mode` sets Unix permissions
/// (for example 0o600 for secret keys) before the file gets its name.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), WriteError> {
    write_atomic_with(path, bytes, mode, Existing::Replace)
}

/// Like [`write_atomic`], choosing what happens to an existing file.
pub fn write_atomic_with(path: &Path, bytes: &[u8], mode: Option<u32>, existing: Existing) -> Result<(), WriteError> {
    let err = |source| WriteError { path: path.to_path_buf(), source };
    // An existing device or FIFO (`-o /dev/null`, `-o /dev/stdout`, a pipe)
    // is written in place: renaming over it would replace the device.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).map_err(err)?;
        return f.write_all(bytes).and_then(|_| f.flush()).map_err(err);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".vouch-tmp-").tempfile_in(dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = mode.unwrap_or(0o644);
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(m)).map_err(err)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    match existing {
        Existing::Replace => tmp.persist(path).map(|_| ()).map_err(|e| err(e.error)),
        Existing::Refuse => tmp.persist_noclobber(path).map(|_| ()).map_err(|e| err(e.error)),
    }
}

/// Displays a path for messages.
pub fn show(path: &Path) -> String {
    path.display().to_string()
}

/// The path `p` made absolute against the current directory (no symlink
/// resolution).
pub fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Opens a file for reading without following a symlink (`O_NOFOLLOW`: a
/// symlink fails with `ELOOP`) and without blocking on a FIFO
/// (`O_NONBLOCK`); check the kind on the open file.
#[cfg(unix)]
pub fn open_nofollow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
pub fn open_nofollow(path: &Path) -> std::io::Result<std::fs::File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::other("a symlink"));
    }
    std::fs::File::open(path)
}

/// Whether an open error means "this is a symlink" (from [`open_nofollow`]).
pub fn is_symlink_error(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        e.kind() == std::io::ErrorKind::Other
    }
}

/// What a bounded read does with a symlink at the path itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symlinks {
    /// A file inside a bundle (attacker-controlled until verified): a
    /// symlink is refused, never followed.
    Refuse,
    /// A file the user named (a policy, a key, a state file, an artifact):
    /// a symlink the user made is followed once; the target must still be
    /// a regular file.
    FollowOnce,
}

/// Largest `manifest.json` read (a million entries fit in it).
pub const MAX_MANIFEST_BYTES: u64 = 512 << 20;
/// Largest DSSE envelope, rebuild report or policy read.
pub const MAX_DOCUMENT_BYTES: u64 = 16 << 20;
/// Largest signature, key or small text file read.
pub const MAX_SMALL_FILE_BYTES: u64 = 1 << 20;

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

/// Opens `path` for reading only if it is a regular file: without blocking
/// (a FIFO is refused, never waited on), and per `symlinks`. The error
/// says what the path is instead.
pub fn open_regular(path: &Path, symlinks: Symlinks) -> std::io::Result<std::fs::File> {
    let f = match symlinks {
        Symlinks::Refuse => open_nofollow(path).map_err(|e| {
            if is_symlink_error(&e) { invalid("it is a symlink, which is never followed here".into()) } else { e }
        })?,
        Symlinks::FollowOnce => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?
            }
            #[cfg(not(unix))]
            std::fs::File::open(path)?
        }
    };
    let ft = f.metadata()?.file_type();
    if !ft.is_file() {
        return Err(invalid(format!("it is not a regular file but {}", kind_of(ft))));
    }
    Ok(f)
}

/// Reads a whole regular file of at most `limit` bytes (see
/// [`open_regular`]); a longer one is refused with the limit named, after
/// reading no more than `limit + 1` bytes. The buffer is sized once from
/// the file's length (up to the limit), not grown by doubling.
pub fn read_bounded(path: &Path, limit: u64, symlinks: Symlinks) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = open_regular(path, symlinks)?;
    let len = f.metadata().map(|m| m.len().min(limit)).unwrap_or(0);
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    f.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(invalid(format!("it is larger than the limit of {limit} bytes")));
    }
    Ok(out)
}

/// [`read_bounded`] without keeping the bytes: the SHA-256 of the file and
/// its size, read through `buf`.
pub fn hash_bounded(
    path: &Path,
    limit: u64,
    symlinks: Symlinks,
    buf: &mut [u8],
) -> std::io::Result<(crate::Digest, u64)> {
    use std::io::Read;
    let f = open_regular(path, symlinks)?;
    let (d, n) = crate::model::digest::hash_reader(f.take(limit.saturating_add(1)), buf)?;
    if n > limit {
        return Err(invalid(format!("it is larger than the limit of {limit} bytes")));
    }
    Ok((d, n))
}

/// A file type in words, for errors.
pub fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else if ft.is_symlink() {
        "a symlink"
    } else {
        "a special file"
    }
}

/// Puts the finished directory `new` at `dest`, replacing a directory
/// already there so that at every instant `dest` names a whole directory,
/// the old one or the new one; then removes the old one. `aside` is a fixed
/// sibling name of `dest` used while replacing (`new` is moved there first);
/// call [`recover_dir`] with the same names before deciding anything about
/// `dest`, so a run killed half-way is completed.
///
/// On Linux the two directories are swapped in one
/// `renameat2(RENAME_EXCHANGE)` (through `rustix`, no unsafe code): `aside`
/// then holds the old one, which is removed. Where the exchange is not
/// available (another OS, or a file system that refuses the flag) it falls
/// back on two renames, the old one to `aside.old`, then the new one from
/// `aside` to `dest`; a kill between them leaves `dest` missing for that
/// instant, and [`recover_dir`] moves the old one back.
pub fn replace_dir(new: &Path, dest: &Path, aside: &Path) -> std::io::Result<()> {
    recover_dir(dest, aside)?;
    if std::fs::symlink_metadata(dest).is_err() {
        return std::fs::rename(new, dest);
    }
    // From here on the recovery rule holds: whatever sits at `aside` while
    // `dest` exists is not wanted.
    std::fs::rename(new, aside)?;
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        use rustix::io::Errno;
        match renameat_with(CWD, aside, CWD, dest, RenameFlags::EXCHANGE) {
            Ok(()) => return remove_aside(aside),
            // `dest` went away meanwhile: nothing to exchange with.
            Err(Errno::NOENT) if std::fs::symlink_metadata(dest).is_err() => return std::fs::rename(aside, dest),
            Err(Errno::INVAL | Errno::NOSYS | Errno::NOTSUP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    replace_by_two_renames(aside, dest)
}

/// The fallback of [`replace_dir`]: `aside` holds the new directory; swap it
/// with `dest` through a third name beside them, then remove the old one.
fn replace_by_two_renames(aside: &Path, dest: &Path) -> std::io::Result<()> {
    let old = old_name(aside);
    let _ = std::fs::remove_dir_all(&old);
    // Recovery for this stretch: `dest` missing and `old` present means the
    // old one is put back (see recover_dir).
    std::fs::rename(dest, &old)?;
    if let Err(e) = std::fs::rename(aside, dest) {
        let _ = std::fs::rename(&old, dest);
        return Err(e);
    }
    remove_aside(&old)
}

/// Where [`replace_by_two_renames`] keeps the old directory: `aside` with
/// `.old` appended.
fn old_name(aside: &Path) -> PathBuf {
    let mut s = aside.as_os_str().to_os_string();
    s.push(".old");
    PathBuf::from(s)
}

/// The old directory is out of the way once the new one is in place; a
/// failure to remove it is left to the next [`recover_dir`].
fn remove_aside(aside: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(aside);
    Ok(())
}

/// Completes a [`replace_dir`] of `dest` that was killed half-way. The rule:
/// while `dest` exists, the directories at `aside` (and `aside.old`) are
/// leftovers (an unfinished new one, or an old one not yet removed) and are
/// removed; when `dest` is missing, the old one at `aside.old` (moved away by
/// the two-rename fallback) is moved back. A lone `aside` with no `dest`
/// cannot come from [`replace_dir`], which only fills `aside` while `dest`
/// exists; it is left alone.
pub fn recover_dir(dest: &Path, aside: &Path) -> std::io::Result<()> {
    let old = old_name(aside);
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    if !exists(dest) && exists(&old) {
        std::fs::rename(&old, dest)?;
    }
    if exists(dest) {
        for p in [aside, old.as_path()] {
            if exists(p) {
                std::fs::remove_dir_all(p)?;
            }
        }
    }
    Ok(())
}

/// vouch's folder in the user's cache: `$XDG_CACHE_HOME/vouch` (when set
/// to an absolute path), else `$HOME/.cache/vouch`; `None` without either.
pub fn user_cache_dir() -> Option<PathBuf> {
    let nonempty = |v: std::ffi::OsString| (!v.is_empty()).then(|| PathBuf::from(v));
    let base = std::env::var_os("XDG_CACHE_HOME")
        .and_then(nonempty)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").and_then(nonempty).map(|h| h.join(".cache")))?;
    Some(base.join("vouch"))
}

/// What identifies a file's bytes on disk without reading them, as git's
/// index does: device, inode, size, and modification and change times in
/// nanoseconds. The change time is set by the kernel on every write, rename
/// or `chmod` and cannot be set back by a user, so an edit in place always
/// changes the stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStamp {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: i128,
    pub ctime: i128,
}

impl FileStamp {
    /// The stamp of a regular file (`None` for anything else, or where the
    /// platform has no inodes).
    #[cfg(unix)]
    pub fn of(m: &std::fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| s as i128 * 1_000_000_000 + n as i128;
        m.is_file().then(|| FileStamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: ns(m.mtime(), m.mtime_nsec()),
            ctime: ns(m.ctime(), m.ctime_nsec()),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_: &std::fs::Metadata) -> Option<FileStamp> {
        None
    }

    /// Whether the file last changed more than a second before `now` (ns
    /// since the epoch): a record of a file changed later could miss an
    /// edit made within the same tick of the kernel's coarse clock.
    pub fn settled(&self, now: i128) -> bool {
        self.mtime < now - 1_000_000_000 && self.ctime < now - 1_000_000_000
    }

    /// Now, in nanoseconds since the epoch, for [`FileStamp::settled`].
    pub fn now() -> i128 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or(0)
    }

    /// Appends `dev ino size mtime ctime` to `out`.
    pub fn write_fields(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "{} {} {} {} {}", self.dev, self.ino, self.size, self.mtime, self.ctime);
    }

    /// Reads what [`FileStamp::write_fields`] wrote.
    pub fn from_fields(f: &[&str]) -> Option<FileStamp> {
        let [dev, ino, size, mtime, ctime] = f else { return None };
        Some(FileStamp {
            dev: dev.parse().ok()?,
            ino: ino.parse().ok()?,
            size: size.parse().ok()?,
            mtime: mtime.parse().ok()?,
            ctime: ctime.parse().ok()?,
        })
    }
}

/// Stamped digests as text, one line `dev ino size mtime ctime sha256-hex`
/// per file (by device and inode, the first kept), sorted: what the site's
/// source records and the review cache's stamps hold.
pub fn stamp_lines(mut rows: Vec<(FileStamp, crate::Digest)>) -> String {
    rows.sort_by_key(|(s, _)| (s.dev, s.ino));
    rows.dedup_by_key(|(s, _)| (s.dev, s.ino));
    let mut out = String::with_capacity(rows.len() * 110);
    let mut hex = [0u8; 64];
    for (s, d) in rows {
        s.write_fields(&mut out);
        out.push(' ');
        out.push_str(d.hex_into(&mut hex));
        out.push('\n');
    }
    out
}

/// Reads what [`stamp_lines`] wrote; `None` if any line does not parse.
pub fn parse_stamp_lines<S: std::hash::BuildHasher + Default>(
    text: &str,
) -> Option<std::collections::HashMap<FileStamp, crate::Digest, S>> {
    // About 100 bytes a line.
    let mut out = std::collections::HashMap::with_capacity_and_hasher(text.len() / 96, S::default());
    for line in text.lines() {
        let (stamp, digest) = line.rsplit_once(' ')?;
        let mut f = [""; 5];
        let mut fields = stamp.split(' ');
        for x in &mut f {
            *x = fields.next()?;
        }
        if fields.next().is_some() {
            return None;
        }
        out.insert(FileStamp::from_fields(&f)?, crate::Digest::from_hex(digest).ok()?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(dir: &Path, name: &str, contents: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.join("signatures")).unwrap();
        std::fs::write(p.join("manifest.json"), contents).unwrap();
        std::fs::write(p.join("signatures/K.minisig"), contents).unwrap();
        p
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        n.sort();
        n
    }

    #[test]
    fn replace_dir_puts_the_new_directory_in_place_and_removes_the_old() {
        let t = tempfile::tempdir().unwrap();
        let dest = bundle(t.path(), "b-1", "old");
        let new = bundle(t.path(), ".tmp", "new");
        let aside = t.path().join(".swap-b-1");
        replace_dir(&new, &dest, &aside).unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("manifest.json")).unwrap(), "new");
        assert_eq!(names(t.path()), ["b-1"]);
        // And onto no directory at all.
        let fresh = bundle(t.path(), ".tmp", "fresh");
        replace_dir(&fresh, &t.path().join("b-2"), &t.path().join(".swap-b-2")).unwrap();
        assert_eq!(names(t.path()), ["b-1", "b-2"]);
    }

    #[test]
    fn the_two_rename_fallback_replaces_too() {
        let t = tempfile::tempdir().unwrap();
        let dest = bundle(t.path(), "b-1", "old");
        let aside = bundle(t.path(), ".swap-b-1", "new");
        replace_by_two_renames(&aside, &dest).unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("manifest.json")).unwrap(), "new");
        assert_eq!(names(t.path()), ["b-1"]);
    }

    #[test]
    fn recover_dir_completes_a_replacement_killed_at_any_step() {
        let t = tempfile::tempdir().unwrap();
        let (dest, aside) = (t.path().join("b-1"), t.path().join(".swap-b-1"));
        let old = old_name(&aside);
        // Killed between the fallback's two renames: the old one goes back.
        bundle(t.path(), ".swap-b-1", "new");
        bundle(t.path(), ".swap-b-1.old", "old");
        recover_dir(&dest, &aside).unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("manifest.json")).unwrap(), "old");
        assert_eq!(names(t.path()), ["b-1"]);
        // Killed before the exchange, or after it before the removal: the
        // directory in place stays, the one aside goes.
        bundle(t.path(), ".swap-b-1", "either");
        bundle(t.path(), ".swap-b-1.old", "either");
        recover_dir(&dest, &aside).unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("manifest.json")).unwrap(), "old");
        assert!(!aside.exists() && !old.exists());
        // Nothing to do.
        recover_dir(&dest, &aside).unwrap();
        assert_eq!(names(t.path()), ["b-1"]);
    }
}
