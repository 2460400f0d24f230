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

/// Whether an atomic write may replace an existing file.
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
    let mut tmp = tempfile::Builder::new()
        .prefix(".vouch-tmp-")
        .tempfile_in(dir)
        .map_err(err)?;
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
/// reading no more than `limit + 1` bytes.
pub fn read_bounded(path: &Path, limit: u64, symlinks: Symlinks) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = open_regular(path, symlinks)?;
    let mut out = Vec::new();
    f.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(invalid(format!("it is larger than the limit of {limit} bytes")));
    }
    Ok(out)
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
