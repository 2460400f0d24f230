//! Bundle archives: `<name>-<version>.tar` whose single top-level folder is
//! the bundle.
//!
//! Writing is deterministic (entries sorted by path bytes, owner 0:0 with no
//! names, one fixed time, modes 0644/0755). Reading refuses anything that
//! could escape or confuse: absolute paths, `..`, links, devices, FIFOs,
//! duplicate names, more than one top-level folder, and archives beyond
//! fixed size limits.

use crate::model::path::RelPath;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Largest archive member accepted when reading (4 GiB).
pub const MAX_MEMBER: u64 = 4 << 30;
/// Most members accepted when reading.
pub const MAX_MEMBERS: usize = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write archive {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} holds a non-UTF-8 name")]
    NonUtf8 { path: PathBuf },
    #[error("archive {archive} is refused: member {member:?} {reason}")]
    Refused { archive: PathBuf, member: String, reason: String },
    #[error("archive {archive} is refused: {reason}")]
    Shape { archive: PathBuf, reason: String },
}

fn walk_sorted(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf, bool)>) -> Result<(), ArchiveError> {
    let rd = |source| ArchiveError::Read { path: dir.to_path_buf(), source };
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(dir).map_err(rd)? {
        let e = e.map_err(rd)?;
        let name = e.file_name().into_string().map_err(|_| ArchiveError::NonUtf8 { path: e.path() })?;
        entries.push((name, e.path()));
    }
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (name, path) in entries {
        let rel = format!("{prefix}/{name}");
        let ft = std::fs::symlink_metadata(&path)
            .map_err(|source| ArchiveError::Read { path: path.clone(), source })?
            .file_type();
        if ft.is_dir() {
            out.push((rel.clone(), path.clone(), true));
            walk_sorted(&path, &rel, out)?;
        } else if ft.is_file() {
            out.push((rel, path, false));
        } else {
            return Err(ArchiveError::Refused {
                archive: dir.to_path_buf(),
                member: rel,
                reason: "is not a regular file or directory".into(),
            });
        }
    }
    Ok(())
}

/// Writes `bundle_dir` as a deterministic tar at `out` (atomically), with
/// its folder named `top` and every time set to `mtime`.
pub fn write_bundle_tar(bundle_dir: &Path, top: &str, mtime: u64, out: &Path) -> Result<(), ArchiveError> {
    let werr = |source| ArchiveError::Write { path: out.to_path_buf(), source };
    let mut members = vec![(top.to_string(), bundle_dir.to_path_buf(), true)];
    walk_sorted(bundle_dir, top, &mut members)?;
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new().prefix(".vouch-tmp-").tempfile_in(dir).map_err(werr)?;
    {
        let mut b = tar::Builder::new(std::io::BufWriter::new(tmp.as_file()));
        b.mode(tar::HeaderMode::Deterministic);
        for (name, path, is_dir) in &members {
            let mut h = tar::Header::new_gnu();
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(mtime);
            if *is_dir {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                b.append_data(&mut h, format!("{name}/"), std::io::empty()).map_err(werr)?;
            } else {
                let f =
                    std::fs::File::open(path).map_err(|source| ArchiveError::Read { path: path.clone(), source })?;
                let meta = f.metadata().map_err(|source| ArchiveError::Read { path: path.clone(), source })?;
                #[cfg(unix)]
                let exec = {
                    use std::os::unix::fs::PermissionsExt;
                    meta.permissions().mode() & 0o100 != 0
                };
                #[cfg(not(unix))]
                let exec = false;
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(if exec { 0o755 } else { 0o644 });
                h.set_size(meta.len());
                b.append_data(&mut h, name, f).map_err(werr)?;
            }
        }
        let mut w = b.into_inner().map_err(werr)?;
        w.flush().map_err(werr)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(werr)?;
    }
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(out).map_err(|e| werr(e.error))?;
    Ok(())
}

/// Largest PAX extended header or GNU long name/link member accepted (a
/// few path names' worth: the tar crate would hold one in memory whole).
pub const MAX_EXTENSION: u64 = 64 << 10;

/// One member of a bundle archive, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// A folder; `path` is empty for the top-level folder itself.
    Dir { path: String },
    /// A regular file of `size` bytes (at most [`MAX_MEMBER`]).
    File { path: String, size: u64, exec: bool },
}

/// Parses a tar size field: octal digits, or GNU base-256 (high bit set).
fn header_size(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let digits: Vec<u8> =
        field.iter().copied().skip_while(|b| *b == b' ').take_while(|b| (b'0'..=b'7').contains(b)).collect();
    if digits.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(std::str::from_utf8(&digits).ok()?, 8).ok()
}

/// Walks the raw 512-byte headers before any member is parsed, refusing
/// extension headers (PAX `x`/`g`, GNU `L`/`K`) larger than
/// [`MAX_EXTENSION`] and members larger than [`MAX_MEMBER`]: a few
/// kilobytes of archive must not make the reader allocate gigabytes.
fn check_headers(archive: &Path) -> Result<(), ArchiveError> {
    use std::io::{Seek, SeekFrom};
    let rd = |source| ArchiveError::Read { path: archive.to_path_buf(), source };
    let shape = |reason: String| ArchiveError::Shape { archive: archive.to_path_buf(), reason };
    let mut f = std::io::BufReader::new(
        crate::tree::fsutil::open_regular(archive, crate::tree::fsutil::Symlinks::FollowOnce).map_err(rd)?,
    );
    let len = f.get_ref().metadata().map_err(rd)?.len();
    let mut pos = 0u64;
    let mut count = 0usize;
    let mut header = [0u8; 512];
    while pos + 512 <= len {
        f.read_exact(&mut header).map_err(rd)?;
        pos += 512;
        if header.iter().all(|b| *b == 0) {
            break;
        }
        count += 1;
        if count > 2 * MAX_MEMBERS {
            return Err(shape(format!("more than {MAX_MEMBERS} members")));
        }
        let size = header_size(&header[124..136]).ok_or_else(|| shape("a member has an unreadable size".into()))?;
        let kind = header[156];
        if matches!(kind, b'x' | b'g' | b'L' | b'K') && size > MAX_EXTENSION {
            return Err(shape(format!(
                "an extended header (type {:?}) of {size} bytes is larger than the limit of {MAX_EXTENSION} bytes",
                kind as char
            )));
        }
        if size > MAX_MEMBER {
            return Err(shape(format!("a member of {size} bytes is larger than the limit of {MAX_MEMBER} bytes")));
        }
        let padded = size.div_ceil(512) * 512;
        if padded > len - pos {
            return Err(shape("it is truncated".into()));
        }
        pos += padded;
        f.seek(SeekFrom::Start(pos)).map_err(rd)?;
    }
    Ok(())
}

/// Reads a bundle archive member by member with one set of rules: every
/// name a [`RelPath`] inside one top-level folder (`top`, when given, must
/// be its name), no duplicates, no path both a file and a folder, only
/// folders and regular files (links, devices and FIFOs are refused), at
/// most [`MAX_MEMBERS`] members of at most [`MAX_MEMBER`] bytes, extension
/// headers bounded. `visit` gets the top-level folder's name and each member
/// with its contents (member paths are relative to that folder). Returns the top-level folder's name.
pub fn read_members(
    archive: &Path,
    top: Option<&str>,
    mut visit: impl FnMut(&str, &Member, &mut dyn Read) -> Result<(), ArchiveError>,
) -> Result<String, ArchiveError> {
    check_headers(archive)?;
    let refuse = |member: &str, reason: &str| ArchiveError::Refused {
        archive: archive.to_path_buf(),
        member: member.to_string(),
        reason: reason.to_string(),
    };
    let rd = |source| ArchiveError::Read { path: archive.to_path_buf(), source };
    let f = crate::tree::fsutil::open_regular(archive, crate::tree::fsutil::Symlinks::FollowOnce).map_err(rd)?;
    let mut a = tar::Archive::new(std::io::BufReader::with_capacity(1 << 16, f));
    let mut found_top: Option<String> = top.map(str::to_string);
    let mut files = std::collections::HashSet::new();
    let mut dirs = std::collections::HashSet::new();
    // Every folder that holds a member, implied or not.
    let mut parents: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut count = 0usize;
    for entry in a.entries().map_err(rd)? {
        let mut entry = entry.map_err(rd)?;
        count += 1;
        if count > MAX_MEMBERS {
            return Err(ArchiveError::Shape {
                archive: archive.to_path_buf(),
                reason: format!("more than {MAX_MEMBERS} members"),
            });
        }
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8(raw).map_err(|_| ArchiveError::NonUtf8 { path: archive.to_path_buf() })?;
        let trimmed = name.strip_suffix('/').unwrap_or(&name);
        RelPath::new(trimmed).map_err(|e| refuse(&name, e.reason))?;
        let (first, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        match &found_top {
            None => found_top = Some(first.to_string()),
            Some(t) if t != first => return Err(refuse(&name, "is outside the archive's single top-level folder")),
            _ => {}
        }
        if files.contains(rest) || dirs.contains(rest) {
            return Err(refuse(&name, "appears twice"));
        }
        let member = match entry.header().entry_type() {
            tar::EntryType::Directory => Member::Dir { path: rest.to_string() },
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if rest.is_empty() {
                    return Err(refuse(&name, "is a file where the bundle folder should be"));
                }
                // The size the reader yields (a PAX `size` record overrides
                // the header's) must be the header's: `check_headers` walked
                // the raw headers, and a member whose contents are longer or
                // shorter than its header says would make that walk and this
                // reader see different members.
                let size = entry.size();
                if size != entry.header().entry_size().map_err(rd)? {
                    return Err(refuse(&name, "has a PAX size record that disagrees with its header"));
                }
                if size > MAX_MEMBER {
                    return Err(refuse(&name, "is larger than 4 GiB"));
                }
                let exec = entry.header().mode().map(|m| m & 0o100 != 0).unwrap_or(false);
                Member::File { path: rest.to_string(), size, exec }
            }
            tar::EntryType::Symlink | tar::EntryType::Link => return Err(refuse(&name, "is a link")),
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                return Err(refuse(&name, "is a device or FIFO"));
            }
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName => continue,
            other => return Err(refuse(&name, &format!("has unsupported type {other:?}"))),
        };
        // No path is both a file and a folder holding other members.
        let mut p = rest;
        while let Some((parent, _)) = p.rsplit_once('/') {
            p = parent;
            if files.contains(p) {
                return Err(refuse(&name, &format!("is below {p:?}, which is a file")));
            }
            if !parents.insert(p.to_string()) {
                break;
            }
        }
        match &member {
            Member::Dir { path } => dirs.insert(path.clone()),
            Member::File { path, .. } => {
                if parents.contains(path) {
                    return Err(refuse(&name, "is a file where a folder holds other members"));
                }
                files.insert(path.clone())
            }
        };
        let mut limited = (&mut entry).take(MAX_MEMBER);
        visit(found_top.as_deref().unwrap_or_default(), &member, &mut limited)?;
    }
    found_top
        .filter(|_| count > 0)
        .ok_or_else(|| ArchiveError::Shape { archive: archive.to_path_buf(), reason: "it is empty".into() })
}

/// Extracts a bundle archive into `into` (an empty private directory) after
/// checking every member ([`read_members`]); returns the bundle directory
/// inside it.
pub fn extract_bundle(archive: &Path, into: &Path) -> Result<PathBuf, ArchiveError> {
    let top = read_members(archive, None, |top, member, contents| {
        let werr = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ArchiveError::Write { path, source }
        };
        let base = into.join(top);
        match member {
            Member::Dir { path } => {
                let dest = base.join(path);
                std::fs::create_dir_all(&dest).map_err(werr(&dest))
            }
            Member::File { path, exec, .. } => {
                let dest = base.join(path);
                if let Some(p) = dest.parent() {
                    std::fs::create_dir_all(p).map_err(werr(p))?;
                }
                let mut out =
                    std::fs::OpenOptions::new().write(true).create_new(true).open(&dest).map_err(werr(&dest))?;
                std::io::copy(contents, &mut out).map_err(werr(&dest))?;
                #[cfg(unix)]
                if *exec {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755));
                }
                Ok(())
            }
        }
    })?;
    let dir = into.join(&top);
    if !dir.is_dir() {
        return Err(ArchiveError::Shape { archive: archive.to_path_buf(), reason: format!("{top:?} is not a folder") });
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_tar(members: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, kind, data) in members {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            // Bypass the tar crate's own path checks to build hostile archives.
            let bytes = name.as_bytes();
            h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            if *kind == tar::EntryType::Symlink {
                h.set_link_name("/etc/passwd").unwrap();
            }
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn round_trip_is_deterministic() {
        let src = tempfile::tempdir().unwrap();
        let b = src.path().join("p-1");
        std::fs::create_dir_all(b.join("signatures")).unwrap();
        std::fs::write(b.join("manifest.json"), b"{}").unwrap();
        std::fs::write(b.join("signatures/K.minisig"), b"sig").unwrap();
        let out = tempfile::tempdir().unwrap();
        write_bundle_tar(&b, "p-1", 7, &out.path().join("a.tar")).unwrap();
        write_bundle_tar(&b, "p-1", 7, &out.path().join("b.tar")).unwrap();
        let a = std::fs::read(out.path().join("a.tar")).unwrap();
        assert_eq!(a, std::fs::read(out.path().join("b.tar")).unwrap());
        let x = tempfile::tempdir().unwrap();
        let dir = extract_bundle(&out.path().join("a.tar"), x.path()).unwrap();
        assert_eq!(std::fs::read(dir.join("signatures/K.minisig")).unwrap(), b"sig");
    }

    /// `fuzz/regressions/archive/pax-size-override.tar` (found by the
    /// `archive` fuzz target's property): a PAX `size=1024` record before a
    /// member whose header says 0 bytes. The tar crate reads 1024 bytes of
    /// contents while `check_headers` walked those bytes as headers, and the
    /// member was handed out as 0 bytes long.
    #[test]
    fn pax_size_override() {
        let mut b = tar::Builder::new(Vec::new());
        let mut d = tar::Header::new_ustar();
        d.set_path("b-1/").unwrap();
        d.set_entry_type(tar::EntryType::Directory);
        d.set_size(0);
        d.set_mode(0o755);
        d.set_cksum();
        b.append(&d, std::io::empty()).unwrap();
        b.append_pax_extensions([("size", b"1024".as_slice())]).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_path("b-1/f").unwrap();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(0);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, std::io::empty()).unwrap();
        b.get_mut().extend_from_slice(&[b'A'; 1024]);
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("b-1.tar");
        std::fs::write(&p, b.into_inner().unwrap()).unwrap();
        let mut handed = Vec::new();
        let err = read_members(&p, None, |_, m, _| {
            handed.push(m.clone());
            Ok(())
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("PAX size record"), "{err}");
        assert_eq!(handed, vec![Member::Dir { path: String::new() }], "no file member is handed out");
    }

    #[test]
    fn hostile_archives_are_refused() {
        use tar::EntryType as T;
        type Members<'a> = Vec<(&'a str, T, &'a [u8])>;
        let cases: Vec<(Members, &str)> = vec![
            (vec![("b/../../evil", T::Regular, b"x")], "'..'"),
            (vec![("/etc/evil", T::Regular, b"x")], "absolute"),
            (vec![("b/link", T::Symlink, b"")], "link"),
            (vec![("b/dev", T::Char, b"")], "device"),
            (vec![("b/f", T::Regular, b"x"), ("b/f", T::Regular, b"y")], "twice"),
            (vec![("a/f", T::Regular, b"x"), ("b/f", T::Regular, b"y")], "single top-level"),
        ];
        for (members, want) in cases {
            let d = tempfile::tempdir().unwrap();
            let p = d.path().join("h.tar");
            std::fs::write(&p, raw_tar(&members)).unwrap();
            let into = d.path().join("x");
            std::fs::create_dir(&into).unwrap();
            let err = extract_bundle(&p, &into).unwrap_err().to_string();
            assert!(err.contains(want), "{err} should say {want}");
            assert!(!d.path().join("evil").exists());
        }
    }
}
