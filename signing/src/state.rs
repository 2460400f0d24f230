//! Rollback protection: the releases a reviewer has accepted, kept in a
//! JSON file (`--state FILE`).
//!
//! A release is refused when it is older than one already accepted for the
//! same project, or has the version of an accepted release (or one of equal
//! SemVer precedence: build metadata is ignored) but a different manifest
//! digest. Versions are compared as SemVer; when either version is not
//! SemVer, releases are ordered by their signing time instead, and the
//! [`Acceptance`] says so.
//!
//! The file is read, checked and rewritten in one transaction, so that
//! concurrent verifications never lose a record nor both pass a check the
//! other's record would fail: [`StateLock::acquire`] takes an exclusive
//! advisory lock (`flock`) on `FILE.lock` beside the state file and reads the
//! state under it; [`StateLock::check`] checks a release and keeps the lock;
//! [`Checked::record_and_save`] records it and rewrites the file (a temporary
//! file beside it with the existing file's mode, synced, renamed into place),
//! then releases the lock. Dropping either guard releases the lock without
//! recording, which is what a caller does when another check failed. [`State::accept`] does the
//! three steps at once. The lock file is left in place: removing it would let
//! a waiting process lock a file nobody else sees.
//!
//! A state path that is a symlink is resolved once and its target locked,
//! read and rewritten (the link stays); a dangling link, a target that is not
//! a regular file, one that is not writable, or one larger than
//! [`MAX_STATE_BYTES`] is refused before anything is recorded.
//!
//! ```json
//! {"schema": "vouch.state/v1", "projects": {"hello": [{"version": "1.2.0", "manifest_sha256": "sha256:...", "signed_at": 1767225600}]}}
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use vouch_manifests::Digest;

/// The schema identifier of state files.
pub const SCHEMA: &str = "vouch.state/v1";

/// The largest state file read; a larger one is refused, not read.
pub const MAX_STATE_BYTES: u64 = 64 * 1024 * 1024;

/// One accepted release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    pub version: String,
    pub manifest_sha256: Digest,
    /// The trusted signing time (unix seconds) of the accepted release.
    pub signed_at: i64,
}

/// The reviewer's accepted releases, per project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub schema: String,
    /// Project name → accepted releases, in the order they were accepted.
    pub projects: BTreeMap<String, Vec<Accepted>>,
    /// Release log origin → its pinned key and the largest head seen in a
    /// verified bundle's proof (`verify` with a policy `[log]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub logs: BTreeMap<String, crate::log::SeenLog>,
}

impl Default for State {
    fn default() -> Self {
        State { schema: SCHEMA.into(), projects: BTreeMap::new(), logs: BTreeMap::new() }
    }
}

/// A release to check against the state.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub project: &'a str,
    pub version: &'a str,
    pub manifest_sha256: Digest,
    /// Trusted signing time (unix seconds).
    pub signed_at: i64,
}

/// How a release was ordered against the accepted ones. Its `Display` is the
/// one wording every report uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Ordering {
    /// Nothing accepted yet for the project.
    First,
    /// The same version and digest was accepted before.
    AlreadyAccepted,
    /// All versions compared are SemVer.
    Semver,
    /// Some version is not SemVer: ordered by signing time.
    SigningTime { note: String },
}

impl std::fmt::Display for Ordering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ordering::First => f.write_str("first release for this project"),
            Ordering::AlreadyAccepted => f.write_str("already accepted (same version and digest)"),
            Ordering::Semver => f.write_str("newer than every accepted release (SemVer)"),
            Ordering::SigningTime { note } => write!(f, "newer by signing time: {note}"),
        }
    }
}

/// A release that passed the rollback check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    pub ordering: Ordering,
}

/// Why a release is refused, or the state file unusable.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read state file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state file {path} is a dangling symlink (to {target}); refusing to start a new state through it")]
    Dangling { path: PathBuf, target: PathBuf },
    #[error("state file {path} is not a regular file")]
    NotRegular { path: PathBuf },
    #[error("state file {path} is not writable; nothing was recorded")]
    NotWritable {
        path: PathBuf,
        #[source]
        source: Option<std::io::Error>,
    },
    #[error("state file {path} is larger than {} MiB", MAX_STATE_BYTES >> 20)]
    TooLarge { path: PathBuf },
    #[error("cannot lock the state file {path} (lock file {lock})")]
    Lock {
        path: PathBuf,
        lock: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state file {path} is not a vouch state file")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("state file {path} has schema {schema:?}, expected {SCHEMA:?}")]
    Schema { path: PathBuf, schema: String },
    #[error("rollback: {project} {version} is older than {accepted}, already accepted in {path} (compared as {by})")]
    Rollback { path: PathBuf, project: String, version: String, accepted: String, by: String },
    #[error(
        "{project} {version} has manifest digest {actual}, but {path} accepted {project} {version} with digest {accepted}"
    )]
    DigestChanged { path: PathBuf, project: String, version: String, accepted: Digest, actual: Digest },
    #[error(
        "{project} {version} has manifest digest {actual}, but {path} accepted {project} {accepted_version}, of the same SemVer precedence (build metadata does not count), with digest {accepted}"
    )]
    SamePrecedence {
        path: PathBuf,
        project: String,
        version: String,
        accepted_version: String,
        accepted: Digest,
        actual: Digest,
    },
    #[error(transparent)]
    Write(#[from] vouch_manifests::tree::fsutil::WriteError),
    #[error("cannot serialize the state")]
    Serialize(#[source] serde_json::Error),
}

impl StateError {
    /// Whether this is a refused release (exit 1) rather than an unusable file (exit 2).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StateError::Rollback { .. } | StateError::DigestChanged { .. } | StateError::SamePrecedence { .. }
        )
    }
}

fn semver(v: &str) -> Option<semver::Version> {
    semver::Version::parse(v).ok()
}

// The errors carry both digests and the state file's path for the message;
// they are returned once per verification, so their size does not matter.
#[allow(clippy::result_large_err)]
impl State {
    /// Checks a release, records it and saves the state, all under the
    /// state file's lock: [`StateLock::acquire`], [`StateLock::check`] and
    /// [`Checked::record_and_save`] in one call, for a caller with nothing
    /// else to check in between.
    pub fn accept(path: &Path, c: Candidate<'_>) -> Result<Acceptance, StateError> {
        let checked = StateLock::acquire(path)?.check(c)?;
        let acceptance = checked.acceptance().clone();
        checked.record_and_save()?;
        Ok(acceptance)
    }

    /// Parses a state file's bytes; `path` names it in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<State, StateError> {
        let s: State =
            serde_json::from_slice(bytes).map_err(|source| StateError::Parse { path: path.to_path_buf(), source })?;
        if s.schema != SCHEMA {
            return Err(StateError::Schema { path: path.to_path_buf(), schema: s.schema });
        }
        Ok(s)
    }

    /// Checks a release; `path` names the state file in errors.
    pub fn check(&self, c: &Candidate<'_>, path: &Path) -> Result<Acceptance, StateError> {
        let Some(accepted) = self.projects.get(c.project).filter(|a| !a.is_empty()) else {
            return Ok(Acceptance { ordering: Ordering::First });
        };
        if let Some(same) = accepted.iter().find(|a| a.version == c.version) {
            if same.manifest_sha256 != c.manifest_sha256 {
                return Err(StateError::DigestChanged {
                    path: path.to_path_buf(),
                    project: c.project.into(),
                    version: c.version.into(),
                    accepted: same.manifest_sha256,
                    actual: c.manifest_sha256,
                });
            }
            return Ok(Acceptance { ordering: Ordering::AlreadyAccepted });
        }
        let new = semver(c.version);
        let mut by_time: Option<String> = None;
        for a in accepted {
            match (&new, semver(&a.version)) {
                (Some(n), Some(old)) => match n.cmp_precedence(&old) {
                    std::cmp::Ordering::Less => {
                        return Err(StateError::Rollback {
                            path: path.to_path_buf(),
                            project: c.project.into(),
                            version: c.version.into(),
                            accepted: a.version.clone(),
                            by: "SemVer".into(),
                        });
                    }
                    // `1.0.1+evil` after `1.0.1`: the same release to SemVer, other bytes.
                    std::cmp::Ordering::Equal if a.manifest_sha256 != c.manifest_sha256 => {
                        return Err(StateError::SamePrecedence {
                            path: path.to_path_buf(),
                            project: c.project.into(),
                            version: c.version.into(),
                            accepted_version: a.version.clone(),
                            accepted: a.manifest_sha256,
                            actual: c.manifest_sha256,
                        });
                    }
                    _ => {}
                },
                _ => {
                    let not = if new.is_none() { c.version } else { a.version.as_str() };
                    let note = format!("{not:?} is not SemVer: ordered by signing time");
                    if c.signed_at < a.signed_at {
                        return Err(StateError::Rollback {
                            path: path.to_path_buf(),
                            project: c.project.into(),
                            version: c.version.into(),
                            accepted: format!("{} (signed at {})", a.version, crate::policy::show_time(a.signed_at)),
                            by: format!("signing time, since {note}"),
                        });
                    }
                    by_time.get_or_insert(note);
                }
            }
        }
        Ok(Acceptance { ordering: by_time.map_or(Ordering::Semver, |note| Ordering::SigningTime { note }) })
    }

    /// Records an accepted release (call after every check passed).
    pub fn record(&mut self, c: &Candidate<'_>) {
        let list = self.projects.entry(c.project.to_string()).or_default();
        if !list.iter().any(|a| a.version == c.version) {
            list.push(Accepted {
                version: c.version.to_string(),
                manifest_sha256: c.manifest_sha256,
                signed_at: c.signed_at,
            });
        }
    }
}

/// The state file, locked and read: nobody else reads it for a check or
/// writes it until this (or the [`Checked`] made from it) is dropped.
#[derive(Debug)]
pub struct StateLock {
    /// The path as given, for messages.
    path: PathBuf,
    /// The file read and written: `path`, or the target of the symlink `path`.
    target: PathBuf,
    /// Holds the `flock`; closing it releases the lock.
    _lock: File,
    state: State,
    /// The permission bits of the existing state file, kept on rewrite.
    mode: Option<u32>,
}

/// A release that passed the check, with the lock still held.
#[derive(Debug)]
pub struct Checked<'a> {
    lock: StateLock,
    candidate: Candidate<'a>,
    acceptance: Acceptance,
}

// See `impl State`: the errors are large and rare.
#[allow(clippy::result_large_err)]
impl StateLock {
    /// Locks the state file at `path` (waiting for another holder) and reads
    /// it; a missing file is an empty state (first use).
    pub fn acquire(path: &Path) -> Result<StateLock, StateError> {
        let (target, via_link) = resolve(path)?;
        let lock_path = lock_path(&target);
        let lock_err = |source| StateError::Lock { path: path.to_path_buf(), lock: lock_path.clone(), source };
        let lock = open_lock_file(&lock_path).map_err(lock_err)?;
        lock.lock().map_err(lock_err)?;
        let (state, mode) = read_locked(path, &target, via_link)?;
        Ok(StateLock { path: path.to_path_buf(), target, _lock: lock, state, mode })
    }

    /// The state as read under the lock.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Checks a release against the state read under the lock, keeping the
    /// lock for [`Checked::record_and_save`]. A refusal releases it.
    pub fn check<'a>(self, candidate: Candidate<'a>) -> Result<Checked<'a>, StateError> {
        let acceptance = self.state.check(&candidate, &self.path)?;
        Ok(Checked { lock: self, candidate, acceptance })
    }
}

#[allow(clippy::result_large_err)]
impl Checked<'_> {
    /// How the release was ordered.
    pub fn acceptance(&self) -> &Acceptance {
        &self.acceptance
    }

    /// The state as read under the lock.
    pub fn state(&self) -> &State {
        &self.lock.state
    }

    /// Sets the log head to record with the release (see [`State::logs`]).
    pub fn set_log_head(&mut self, origin: String, seen: crate::log::SeenLog) {
        self.lock.state.logs.insert(origin, seen);
    }

    /// Records the release and rewrites the state file atomically (pretty
    /// JSON, a final newline, the existing file's mode), then releases the lock.
    pub fn record_and_save(self) -> Result<(), StateError> {
        let Checked { mut lock, candidate, .. } = self;
        lock.state.record(&candidate);
        let mut bytes = serde_json::to_vec_pretty(&lock.state).map_err(StateError::Serialize)?;
        bytes.push(b'\n');
        vouch_manifests::tree::fsutil::write_atomic(&lock.target, &bytes, lock.mode)?;
        // The rename is durable once the directory is synced.
        if let Some(dir) = lock.target.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// `FILE.lock` beside the state file.
fn lock_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    target.with_file_name(name)
}

/// The file to lock, read and write, and whether `path` was a symlink to it.
#[allow(clippy::result_large_err)]
fn resolve(path: &Path) -> Result<(PathBuf, bool), StateError> {
    let read_err = |source| StateError::Read { path: path.to_path_buf(), source };
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((path.to_path_buf(), false)),
        Err(e) => Err(read_err(e)),
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(t) => Ok((t, true)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StateError::Dangling {
                path: path.to_path_buf(),
                target: std::fs::read_link(path).unwrap_or_default(),
            }),
            Err(e) => Err(read_err(e)),
        },
        Ok(_) => Ok((path.to_path_buf(), false)),
    }
}

#[cfg(unix)]
fn open_lock_file(lock: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Never through a symlink, never blocking on a FIFO.
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(lock)
}

#[cfg(not(unix))]
fn open_lock_file(lock: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(lock)
}

/// Reads the state at `target` (the lock held): its contents and mode.
#[allow(clippy::result_large_err)]
fn read_locked(path: &Path, target: &Path, via_link: bool) -> Result<(State, Option<u32>), StateError> {
    let read_err = |source| StateError::Read { path: path.to_path_buf(), source };
    // No symlink is followed here (`target` is resolved) and a FIFO does not block.
    let file = match vouch_manifests::tree::fsutil::open_nofollow(target) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && via_link => {
            return Err(StateError::Dangling { path: path.to_path_buf(), target: target.to_path_buf() });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((State::default(), None)),
        Err(e) => return Err(read_err(e)),
    };
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        return Err(StateError::NotRegular { path: path.to_path_buf() });
    }
    check_writable(path, target, &meta)?;
    if meta.len() > MAX_STATE_BYTES {
        return Err(StateError::TooLarge { path: path.to_path_buf() });
    }
    let mut bytes = Vec::new();
    file.take(MAX_STATE_BYTES + 1).read_to_end(&mut bytes).map_err(read_err)?;
    if bytes.len() as u64 > MAX_STATE_BYTES {
        return Err(StateError::TooLarge { path: path.to_path_buf() });
    }
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o7777)
    };
    #[cfg(not(unix))]
    let mode = None;
    Ok((State::parse(&bytes, path)?, mode))
}

/// Refuses a state file its owner made read-only (even to root, who could
/// write it anyway), or one this process may not write.
#[allow(clippy::result_large_err)]
fn check_writable(path: &Path, target: &Path, meta: &std::fs::Metadata) -> Result<(), StateError> {
    if meta.permissions().readonly() {
        return Err(StateError::NotWritable { path: path.to_path_buf(), source: None });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening for writing neither truncates nor changes anything.
        if let Err(e) =
            std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(target)
        {
            return Err(StateError::NotWritable { path: path.to_path_buf(), source: Some(e) });
        }
    }
    #[cfg(not(unix))]
    let _ = target;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand<'a>(v: &'a str, d: &[u8], t: i64) -> Candidate<'a> {
        Candidate { project: "hello", version: v, manifest_sha256: Digest::of(d), signed_at: t }
    }

    #[test]
    fn semver_rollback_and_same_version() {
        let p = Path::new("state.json");
        let mut s = State::default();
        assert_eq!(s.check(&cand("1.2.0", b"a", 10), p).unwrap().ordering, Ordering::First);
        s.record(&cand("1.2.0", b"a", 10));
        assert_eq!(s.check(&cand("1.2.0", b"a", 10), p).unwrap().ordering, Ordering::AlreadyAccepted);
        assert!(matches!(s.check(&cand("1.2.0", b"b", 10), p), Err(StateError::DigestChanged { .. })));
        // 1.10.0 > 1.2.0 as SemVer even though it sorts lower as text and is signed earlier.
        assert_eq!(s.check(&cand("1.10.0", b"c", 5), p).unwrap().ordering, Ordering::Semver);
        let e = s.check(&cand("1.1.9", b"d", 50), p).unwrap_err();
        assert!(e.is_refusal() && e.to_string().contains("older than 1.2.0"), "{e}");
        // Pre-release is older than the release.
        assert!(s.check(&cand("1.2.0-rc.1", b"e", 50), p).is_err());
    }

    #[test]
    fn non_semver_ordered_by_time() {
        let p = Path::new("state.json");
        let mut s = State::default();
        s.record(&cand("2026.05", b"a", 100));
        let ok = s.check(&cand("2026.06", b"b", 200), p).unwrap();
        assert!(matches!(ok.ordering, Ordering::SigningTime { .. }));
        let e = s.check(&cand("2026.07", b"c", 50), p).unwrap_err();
        assert!(e.to_string().contains("signing time"), "{e}");
    }

    #[test]
    fn same_precedence_with_another_digest_is_refused() {
        let p = Path::new("state.json");
        let mut s = State::default();
        s.record(&cand("1.0.1", b"a", 10));
        let e = s.check(&cand("1.0.1+evil", b"b", 20), p).unwrap_err();
        assert!(e.is_refusal() && matches!(e, StateError::SamePrecedence { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains(&Digest::of(b"a").to_string()) && msg.contains(&Digest::of(b"b").to_string()), "{msg}");
        // Build metadata alone never makes a release newer, nor older.
        let mut s = State::default();
        s.record(&cand("1.0.1+build.2", b"a", 10));
        assert!(matches!(s.check(&cand("1.0.1", b"c", 20), p), Err(StateError::SamePrecedence { .. })));
        assert!(matches!(s.check(&cand("1.0.1+build.1", b"c", 20), p), Err(StateError::SamePrecedence { .. })));
        assert_eq!(s.check(&cand("1.0.2", b"d", 5), p).unwrap().ordering, Ordering::Semver);
    }

    fn read(path: &Path) -> State {
        StateLock::acquire(path).unwrap().state().clone()
    }

    #[test]
    fn save_load_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.json");
        assert_eq!(read(&p), State::default());
        assert!(!p.exists(), "acquiring alone writes nothing");
        let mut s = State::default();
        s.record(&cand("1.0.0", b"a", 1));
        State::accept(&p, cand("1.0.0", b"a", 1)).unwrap();
        assert_eq!(read(&p), s);
        assert!(d.path().join("s.json.lock").is_file());
        std::fs::write(&p, "{").unwrap();
        assert!(StateLock::acquire(&p).unwrap_err().to_string().contains("s.json"));
    }

    #[test]
    fn a_dropped_check_records_nothing_and_releases_the_lock() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.json");
        let checked = StateLock::acquire(&p).unwrap().check(cand("1.0.0", b"a", 1)).unwrap();
        assert_eq!(checked.acceptance().ordering, Ordering::First);
        drop(checked);
        assert!(!p.exists());
        // Not held any more: this would wait forever otherwise.
        State::accept(&p, cand("1.0.0", b"a", 1)).unwrap();
        assert_eq!(read(&p).projects["hello"].len(), 1);
    }

    #[test]
    fn concurrent_accepts_lose_no_record() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.json");
        let names: Vec<String> = (0..32).map(|i| format!("p{i}")).collect();
        std::thread::scope(|scope| {
            for n in &names {
                let p = &p;
                scope.spawn(move || {
                    let c = Candidate {
                        project: n,
                        version: "1.0.0",
                        manifest_sha256: Digest::of(n.as_bytes()),
                        signed_at: 1,
                    };
                    State::accept(p, c).unwrap();
                });
            }
        });
        assert_eq!(read(&p).projects.len(), names.len());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_modes_and_special_files() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target.json");
        let link = d.path().join("link.json");
        std::os::unix::fs::symlink("target.json", &link).unwrap();
        let e = StateLock::acquire(&link).unwrap_err();
        assert!(matches!(e, StateError::Dangling { .. }) && e.to_string().contains("link.json"), "{e}");
        assert!(!target.exists());
        std::fs::write(&target, "{\"schema\": \"vouch.state/v1\", \"projects\": {}}").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        State::accept(&link, cand("1.0.0", b"a", 1)).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777, 0o640);
        assert_eq!(read(&target).projects["hello"].len(), 1);
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = StateLock::acquire(&link).unwrap_err();
        assert!(matches!(e, StateError::NotWritable { .. }) && e.to_string().contains("link.json"), "{e}");
        let dir = d.path().join("dir.json");
        std::fs::create_dir(&dir).unwrap();
        let e = StateLock::acquire(&dir).unwrap_err();
        assert!(matches!(e, StateError::NotRegular { .. }), "{e}");
        let big = d.path().join("big.json");
        File::create(&big).unwrap().set_len(MAX_STATE_BYTES + 1).unwrap();
        let e = StateLock::acquire(&big).unwrap_err();
        assert!(e.to_string().contains("64 MiB"), "{e}");
    }
}
