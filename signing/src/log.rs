//! The release log's workflows: create a log, append bundles' releases and
//! write their proofs, witness a log (cosign after checking it only grew),
//! check a log and compare signed heads, and verify a bundle's proof.
//!
//! Storage and proofs are [`vouch_manifests::log`]; notes, checkpoints and
//! cosignatures are [`crate::note`]. A log's current head is `LOG/checkpoint`,
//! written last, by rename, after the tiles and entry bundles it needs.
//! A witness or checker keeps, per origin, the pinned log key and the last
//! signed head it accepted, in a JSON state file written atomically.

// Errors carry the names, digests and paths a message needs; they are
// returned once per command, so their size does not matter.
#![allow(clippy::result_large_err)]

use crate::keys::SecretKey;
use crate::note::{self, Checkpoint, NoteError, SignedCheckpoint, TlogProof, VerifierKey};
use crate::policy::LogPolicy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vouch_manifests::Digest;
use vouch_manifests::log::{Hash, Log, LogError, ProofError, ReleaseEntry, tree};
use vouch_manifests::tree::fsutil::{self, Symlinks};

/// A bundle's proof file.
pub const PROOF_FILE: &str = "log.tlog-proof";

/// Why a log operation failed. [`LogOpError::does_not_hold`] tells a checked
/// negative result (an attacker controls those files) from one that could not
/// be checked.
#[derive(Debug, thiserror::Error)]
pub enum LogOpError {
    #[error(transparent)]
    Store(#[from] LogError),
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
        source: fsutil::WriteError,
    },
    #[error("{} holds no valid log verifier key", .path.display())]
    Vkey {
        path: PathBuf,
        #[source]
        source: NoteError,
    },
    #[error("checkpoint {} is not a valid signed head of the log", .path.display())]
    Checkpoint {
        path: PathBuf,
        #[source]
        source: NoteError,
    },
    #[error("the secret key is not the log's key: it gives {given}, the log's is {log}")]
    WrongKey { given: String, log: String },
    #[error("{} is not a bundle: cannot read its manifest.json", .path.display())]
    Bundle {
        path: PathBuf,
        #[source]
        source: vouch_manifests::model::manifest::ManifestError,
    },
    #[error("{name} {version} is already in the log at index {index} with manifest sha256:{logged}; {} has sha256:{given}", .bundle.display())]
    Conflict { name: String, version: String, index: u64, logged: String, given: String, bundle: PathBuf },
    #[error("{name} {version} (sha256:{digest}) of {} is not in the log", .bundle.display())]
    NotInLog { name: String, version: String, digest: String, bundle: PathBuf },
    #[error("the log's entries give root {entries}, its checkpoint (size {size}) says {signed}")]
    RootMismatch { size: u64, entries: String, signed: String },
    #[error(
        "the log holds {name} {version} twice with different manifests: index {first} sha256:{first_digest}, index {second} sha256:{second_digest}"
    )]
    Duplicate { name: String, version: String, first: u64, first_digest: String, second: u64, second_digest: String },
    #[error("the log's key for {origin} changed: pinned {pinned}, the log now has {now}")]
    KeyChanged { origin: String, pinned: String, now: String },
    #[error("the log's head went back from size {old} to size {new}")]
    Rollback { old: u64, new: u64, evidence: Box<Evidence> },
    #[error("the log's head of size {new} is not consistent with the head of size {old} seen before")]
    Inconsistent {
        old: u64,
        new: u64,
        #[source]
        source: ProofError,
        evidence: Box<Evidence>,
    },
    #[error(
        "the proof's head (size {proof}) and the head seen before (size {seen}) differ in size: comparing them needs the log, for a consistency proof"
    )]
    NeedLog { seen: u64, proof: u64 },
    #[error("split view: two validly signed heads of {origin} that are not consistent (sizes {} and {})", .evidence.a_size, .evidence.b_size)]
    SplitView { origin: String, evidence: Box<Evidence> },
    #[error("head {} of size {size} is beyond the log's size {log_size}: the log cannot prove it", .path.display())]
    Beyond { path: PathBuf, size: u64, log_size: u64 },
    #[error("malformed proof {}", .path.display())]
    ProofFile {
        path: PathBuf,
        #[source]
        source: NoteError,
    },
    #[error("proof {} does not verify for {entry:?} at index {index} of size {size}", .path.display())]
    Inclusion {
        path: PathBuf,
        entry: String,
        index: u64,
        size: u64,
        #[source]
        source: ProofError,
    },
    #[error("the head has {got} cosignature(s) from listed witnesses; {need} needed")]
    Witnesses { got: usize, need: u32 },
    #[error("state file {} is malformed", .path.display())]
    State {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the head's origin {origin:?} is not the log's {want:?}")]
    Origin { origin: String, want: String },
    #[error(transparent)]
    Note(#[from] NoteError),
}

impl LogOpError {
    /// True for a checked negative result (exit 1): bad signatures, a
    /// rewritten or inconsistent log, a conflicting release, a bad proof.
    pub fn does_not_hold(&self) -> bool {
        use LogOpError::*;
        match self {
            Store(e) => {
                matches!(e, LogError::TileSize { .. } | LogError::Bundle { .. } | LogError::TileMismatch { .. })
            }
            Checkpoint { .. }
            | WrongKey { .. }
            | Conflict { .. }
            | Duplicate { .. }
            | NotInLog { .. }
            | RootMismatch { .. }
            | KeyChanged { .. }
            | Rollback { .. }
            | Inconsistent { .. }
            | SplitView { .. }
            | ProofFile { .. }
            | Inclusion { .. }
            | Witnesses { .. }
            | Origin { .. } => true,
            Read { .. }
            | Write { .. }
            | Vkey { .. }
            | Bundle { .. }
            | Beyond { .. }
            | State { .. }
            | Note(_)
            | NeedLog { .. } => false,
        }
    }

    /// The signed heads proving misbehaviour, when this error has them.
    pub fn evidence(&self) -> Option<&Evidence> {
        match self {
            LogOpError::Rollback { evidence, .. }
            | LogOpError::Inconsistent { evidence, .. }
            | LogOpError::SplitView { evidence, .. } => Some(evidence),
            _ => None,
        }
    }
}

/// Two signed heads of one origin that cannot both be honest.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub a_size: u64,
    pub a: Vec<u8>,
    pub b_size: u64,
    pub b: Vec<u8>,
}

impl Evidence {
    /// Writes both heads into `dir` as `evidence-<size>-<root prefix>.checkpoint`.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, LogOpError> {
        std::fs::create_dir_all(dir).map_err(|source| LogOpError::Write {
            path: dir.to_path_buf(),
            source: fsutil::WriteError { path: dir.to_path_buf(), source },
        })?;
        let mut out = Vec::new();
        for (size, bytes) in [(self.a_size, &self.a), (self.b_size, &self.b)] {
            let tag = hex::encode(&Digest::of(bytes).0[..4]);
            let path = dir.join(format!("evidence-{size}-{tag}.checkpoint"));
            fsutil::write_atomic(&path, bytes, None)
                .map_err(|source| LogOpError::Write { path: path.clone(), source })?;
            out.push(path);
        }
        Ok(out)
    }
}

fn read_small(path: &Path, symlinks: Symlinks) -> Result<Vec<u8>, LogOpError> {
    fsutil::read_bounded(path, note::MAX_NOTE_BYTES as u64, symlinks)
        .map_err(|source| LogOpError::Read { path: path.to_path_buf(), source })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), LogOpError> {
    fsutil::write_atomic(path, bytes, None).map_err(|source| LogOpError::Write { path: path.to_path_buf(), source })
}

/// A bundle whose release (name and version) the log holds with another manifest.
fn conflict(e: ReleaseEntry, index: u64, logged: &ReleaseEntry, bundle: &Path) -> LogOpError {
    LogOpError::Conflict {
        name: e.name,
        version: e.version,
        index,
        logged: logged.digest.hex(),
        given: e.digest.hex(),
        bundle: bundle.to_path_buf(),
    }
}

/// The log's verifier key from `LOG/vkey`.
pub fn read_vkey(log: &Log) -> Result<VerifierKey, LogOpError> {
    let path = log.vkey_path();
    let bytes = read_small(&path, Symlinks::Refuse)?;
    let text = String::from_utf8_lossy(&bytes);
    VerifierKey::parse(text.trim()).map_err(|source| LogOpError::Vkey { path, source })
}

/// Reads and verifies a signed head.
pub fn read_head(path: &Path, key: &VerifierKey) -> Result<SignedCheckpoint, LogOpError> {
    let bytes = read_small(path, Symlinks::FollowOnce)?;
    SignedCheckpoint::verify(&bytes, key).map_err(|source| LogOpError::Checkpoint { path: path.to_path_buf(), source })
}

fn b64(h: &Hash) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(h)
}

/// Creates an empty log signed by `key`; returns its verifier key.
pub fn init(dir: &Path, origin: &str, key: &SecretKey) -> Result<VerifierKey, LogOpError> {
    let vk = note::log_verifier_key(origin, key)?;
    let log = Log::create(dir)?;
    write(&log.vkey_path(), format!("{vk}\n").as_bytes())?;
    let cp = Checkpoint { origin: origin.to_string(), size: 0, root: tree::empty_root(), extensions: vec![] };
    log.write_checkpoint(&cp.sign(key)?.to_bytes())?;
    Ok(vk)
}

/// A bundle's release entry: its manifest's name and version, and the
/// SHA-256 of its manifest.json bytes.
pub fn bundle_entry(bundle: &Path) -> Result<ReleaseEntry, LogOpError> {
    let path = bundle.join("manifest.json");
    let bytes = fsutil::read_bounded(&path, fsutil::MAX_DOCUMENT_BYTES, Symlinks::Refuse)
        .map_err(|source| LogOpError::Read { path: path.clone(), source })?;
    let m = vouch_manifests::Manifest::from_slice(&bytes, &path)
        .map_err(|source| LogOpError::Bundle { path: bundle.to_path_buf(), source })?;
    let p = m.into_raw().project;
    Ok(ReleaseEntry { name: p.name.into(), version: p.version.into(), digest: Digest::of(&bytes) })
}

/// What happened to one bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    pub bundle: PathBuf,
    pub name: String,
    pub version: String,
    pub index: u64,
    /// False when the release was already in the log (a no-op).
    pub added: bool,
}

/// The result of an append.
#[derive(Debug, Clone, Serialize)]
pub struct AppendReport {
    pub origin: String,
    pub old_size: u64,
    pub size: u64,
    pub root: String,
    pub bundles: Vec<Logged>,
}

/// Opens a log and verifies its current head with its own `vkey`.
pub fn current_head(log: &Log) -> Result<(VerifierKey, SignedCheckpoint), LogOpError> {
    let vk = read_vkey(log)?;
    let head = read_head(&log.checkpoint_path(), &vk)?;
    Ok((vk, head))
}

/// Appends the releases of `bundles` (a release already in the log is a
/// no-op; the same name and version with another manifest is refused before
/// anything is written), signs the new head, then writes each bundle's proof.
pub fn append(dir: &Path, key: &SecretKey, bundles: &[PathBuf]) -> Result<AppendReport, LogOpError> {
    let log = Log::open(dir);
    let _lock = log.lock()?;
    let (vk, head) = current_head(&log)?;
    let given = note::log_verifier_key(&vk.name, key)?;
    if given != vk {
        return Err(LogOpError::WrongKey { given: given.to_string(), log: vk.to_string() });
    }
    let size = head.checkpoint.size;
    let mut new: Vec<ReleaseEntry> = Vec::new();
    let mut placed: Vec<(PathBuf, ReleaseEntry, u64, bool)> = Vec::new();
    for b in bundles {
        let e = bundle_entry(b)?;
        let found = match new.iter().position(|n| n.name == e.name && n.version == e.version) {
            Some(i) => Some((size + i as u64, new[i].clone())),
            None => log.find_release(&e.name, &e.version, size)?,
        };
        match found {
            Some((index, logged)) if logged.digest == e.digest => placed.push((b.clone(), e, index, false)),
            Some((index, logged)) => {
                return Err(conflict(e, index, &logged, b));
            }
            None => {
                let index = size + new.len() as u64;
                new.push(e.clone());
                placed.push((b.clone(), e, index, true));
            }
        }
    }
    let mut signed = head;
    if !new.is_empty() {
        let data: Vec<Vec<u8>> = new.iter().map(|e| e.data().into_bytes()).collect();
        let appended = log.append(size, &data)?;
        for (i, e) in new.iter().enumerate() {
            log.record_release(size + i as u64, e)?;
        }
        let cp =
            Checkpoint { origin: vk.name.clone(), size: appended.new_size, root: appended.root, extensions: vec![] };
        let note = cp.sign(key)?;
        log.write_checkpoint(&note.to_bytes())?;
        signed = SignedCheckpoint { checkpoint: cp, note };
    }
    for (b, _, index, _) in &placed {
        write_proof(&log, &signed, *index, b)?;
    }
    Ok(AppendReport {
        origin: vk.name.clone(),
        old_size: size,
        size: signed.checkpoint.size,
        root: b64(&signed.checkpoint.root),
        bundles: placed
            .into_iter()
            .map(|(bundle, e, index, added)| Logged { bundle, name: e.name, version: e.version, index, added })
            .collect(),
    })
}

/// The tlog-proof of entry `index` against `head`.
pub fn proof(log: &Log, head: &SignedCheckpoint, index: u64) -> Result<TlogProof, LogOpError> {
    let size = head.checkpoint.size;
    let hashes = tree::inclusion_proof(&mut log.tree(size), index, size)?;
    Ok(TlogProof { extra: None, index, hashes, checkpoint: head.note.to_bytes() })
}

fn write_proof(log: &Log, head: &SignedCheckpoint, index: u64, bundle: &Path) -> Result<(), LogOpError> {
    let p = proof(log, head, index)?;
    write(&bundle.join(PROOF_FILE), &p.to_bytes())
}

/// Rewrites each bundle's proof against the log's current head (with the
/// cosignatures gathered so far).
pub fn prove(dir: &Path, bundles: &[PathBuf]) -> Result<Vec<Logged>, LogOpError> {
    let log = Log::open(dir);
    let (_, head) = current_head(&log)?;
    let size = head.checkpoint.size;
    let mut out = Vec::new();
    for b in bundles {
        let e = bundle_entry(b)?;
        match log.find_release(&e.name, &e.version, size)? {
            Some((index, logged)) if logged.digest == e.digest => {
                write_proof(&log, &head, index, b)?;
                out.push(Logged { bundle: b.clone(), name: e.name, version: e.version, index, added: false });
            }
            Some((index, logged)) => {
                return Err(conflict(e, index, &logged, b));
            }
            None => {
                return Err(LogOpError::NotInLog {
                    name: e.name,
                    version: e.version,
                    digest: e.digest.hex(),
                    bundle: b.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// A consistency proof between `old` and the log's current size.
pub fn consistency(dir: &Path, old: u64) -> Result<(SignedCheckpoint, Vec<Hash>), LogOpError> {
    let log = Log::open(dir);
    let (_, head) = current_head(&log)?;
    let size = head.checkpoint.size;
    if old > size {
        return Err(LogOpError::Beyond { path: log.checkpoint_path(), size: old, log_size: size });
    }
    let p = tree::consistency_proof(&mut log.tree(size), old, size)?;
    Ok((head, p))
}

/// Per origin: the pinned log key and the last accepted signed head.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadState {
    pub logs: BTreeMap<String, SeenLog>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeenLog {
    /// The log's note verifier key, pinned on first use.
    pub key: String,
    /// The last accepted signed head, verbatim.
    pub checkpoint: String,
}

/// Holds `FILE.lock` beside a head state while it is read, checked and
/// written, so two runs with one state cannot lose each other's head.
pub struct HeadStateLock(#[allow(dead_code)] std::fs::File);

impl HeadStateLock {
    pub fn acquire(path: &Path) -> Result<HeadStateLock, LogOpError> {
        let mut name = path.as_os_str().to_owned();
        name.push(".lock");
        let lock = PathBuf::from(name);
        if let Some(dir) = lock.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| LogOpError::Write {
                path: lock.clone(),
                source: fsutil::WriteError { path: dir.to_path_buf(), source },
            })?;
        }
        let err = |source| LogOpError::Write {
            path: lock.clone(),
            source: fsutil::WriteError { path: lock.clone(), source },
        };
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let f = o.open(&lock).map_err(err)?;
        f.lock().map_err(err)?;
        Ok(HeadStateLock(f))
    }
}

impl HeadState {
    pub fn read(path: &Path) -> Result<HeadState, LogOpError> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HeadState::default()),
            _ => {}
        }
        let bytes = fsutil::read_bounded(path, fsutil::MAX_DOCUMENT_BYTES, Symlinks::FollowOnce)
            .map_err(|source| LogOpError::Read { path: path.to_path_buf(), source })?;
        serde_json::from_slice(&bytes).map_err(|source| LogOpError::State { path: path.to_path_buf(), source })
    }

    pub fn write(&self, path: &Path) -> Result<(), LogOpError> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| LogOpError::Write {
                path: path.to_path_buf(),
                source: fsutil::WriteError { path: dir.to_path_buf(), source },
            })?;
        }
        let mut bytes = serde_json::to_vec_pretty(self).expect("state serializes");
        bytes.push(b'\n');
        write(path, &bytes)
    }
}

/// A head accepted after checking it against the one seen before.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    pub origin: String,
    pub key: String,
    /// True when the origin and key were pinned just now.
    pub first_use: bool,
    pub size: u64,
    pub root: String,
    /// The size of the head seen before, if any.
    pub previous: Option<u64>,
}

/// Checks `head` (of `log`, whose tree was recomputed from its entries) against
/// the last head of its origin in `state`: never smaller, and consistent.
fn check_against_seen(
    log: &Log,
    head: &SignedCheckpoint,
    seen: Option<&SeenLog>,
    pinned: &VerifierKey,
) -> Result<Option<u64>, LogOpError> {
    let Some(seen) = seen else { return Ok(None) };
    let old = SignedCheckpoint::verify(seen.checkpoint.as_bytes(), pinned)
        .map_err(|source| LogOpError::Checkpoint { path: PathBuf::from("(state)"), source })?;
    let (o, n) = (&old.checkpoint, &head.checkpoint);
    let evidence =
        || Box::new(Evidence { a_size: o.size, a: old.note.to_bytes(), b_size: n.size, b: head.note.to_bytes() });
    if n.size < o.size {
        return Err(LogOpError::Rollback { old: o.size, new: n.size, evidence: evidence() });
    }
    vouch_manifests::log::consistent(&mut log.tree(n.size), o.size, n.size, &o.root, &n.root)?
        .map_err(|source| LogOpError::Inconsistent { old: o.size, new: n.size, source, evidence: evidence() })?;
    Ok(Some(o.size))
}

/// Verifies the log's head with the pinned (or, on first use, the log's own)
/// key, and recomputes the tree from the entries.
fn verified_head(
    log: &Log,
    state: &HeadState,
    key: Option<&VerifierKey>,
) -> Result<(VerifierKey, SignedCheckpoint, bool), LogOpError> {
    let bytes = read_small(&log.checkpoint_path(), Symlinks::Refuse)?;
    let origin = note::Note::parse(&bytes)
        .and_then(|n| Checkpoint::parse(&n.text))
        .map_err(|source| LogOpError::Checkpoint { path: log.checkpoint_path(), source })?
        .origin;
    let (pinned, first_use) = match (key, state.logs.get(&origin)) {
        (Some(k), Some(seen)) if seen.key != k.to_string() => {
            return Err(LogOpError::KeyChanged { origin, pinned: seen.key.clone(), now: k.to_string() });
        }
        (Some(k), seen) => (k.clone(), seen.is_none()),
        (None, Some(seen)) => {
            let k = VerifierKey::parse(&seen.key)?;
            let now = read_vkey(log)?;
            if now != k {
                return Err(LogOpError::KeyChanged { origin, pinned: seen.key.clone(), now: now.to_string() });
            }
            (k, false)
        }
        (None, None) => (read_vkey(log)?, true),
    };
    if pinned.name != origin {
        return Err(LogOpError::Origin { origin, want: pinned.name.clone() });
    }
    let head = SignedCheckpoint::verify(&bytes, &pinned)
        .map_err(|source| LogOpError::Checkpoint { path: log.checkpoint_path(), source })?;
    let entries = audited_entries(log, &head)?;
    check_no_swapped_release(&entries)?;
    Ok((pinned, head, first_use))
}

/// The log's entries up to the signed head's size, recomputed to its root:
/// a log whose entries give another root is refused.
fn audited_entries(log: &Log, head: &SignedCheckpoint) -> Result<Vec<Vec<u8>>, LogOpError> {
    let (root, entries) = log.audit_entries(head.checkpoint.size)?;
    if root != head.checkpoint.root {
        return Err(LogOpError::RootMismatch {
            size: head.checkpoint.size,
            entries: b64(&root),
            signed: b64(&head.checkpoint.root),
        });
    }
    Ok(entries)
}

/// A release (name and version) logged twice with different manifests is a
/// swapped release, whatever its place in the log.
fn check_no_swapped_release(entries: &[Vec<u8>]) -> Result<(), LogOpError> {
    let mut seen: std::collections::HashMap<(String, String), (u64, Digest)> = std::collections::HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(r) = ReleaseEntry::parse(e) else { continue };
        match seen.get(&(r.name.clone(), r.version.clone())) {
            Some((first, d)) if *d != r.digest => {
                return Err(LogOpError::Duplicate {
                    name: r.name,
                    version: r.version,
                    first: *first,
                    first_digest: d.hex(),
                    second: i as u64,
                    second_digest: r.digest.hex(),
                });
            }
            Some(_) => {}
            None => {
                seen.insert((r.name, r.version), (i as u64, r.digest));
            }
        }
    }
    Ok(())
}

/// What a witness did.
#[derive(Debug, Clone, Serialize)]
pub struct Witnessed {
    #[serde(flatten)]
    pub head: Accepted,
    /// The witness's cosignature verifier key (for the policy's `witnesses`).
    pub witness_key: String,
    pub time: u64,
}

/// Witnesses the log in `dir`: verifies its head (pinning origin and key on
/// first use), recomputes the tree from the entries, checks consistency with
/// the last head of that origin in the state, then adds this witness's
/// cosignature to `LOG/checkpoint` and records the new head.
pub fn witness(dir: &Path, key: &SecretKey, name: &str, state_path: &Path, time: u64) -> Result<Witnessed, LogOpError> {
    let log = Log::open(dir);
    let _lock = log.lock()?;
    let _state_lock = HeadStateLock::acquire(state_path)?;
    let mut state = HeadState::read(state_path)?;
    let (pinned, head, first_use) = verified_head(&log, &state, None)?;
    let origin = head.checkpoint.origin.clone();
    let previous = check_against_seen(&log, &head, state.logs.get(&origin), &pinned)?;
    let mut note = head.note.clone();
    let wk = note.cosign(name, key, time)?;
    log.write_checkpoint(&note.to_bytes())?;
    state.logs.insert(
        origin.clone(),
        SeenLog { key: pinned.to_string(), checkpoint: String::from_utf8_lossy(&note.to_bytes()).into_owned() },
    );
    state.write(state_path)?;
    Ok(Witnessed {
        head: Accepted {
            origin,
            key: pinned.to_string(),
            first_use,
            size: head.checkpoint.size,
            root: b64(&head.checkpoint.root),
            previous,
        },
        witness_key: wk.to_string(),
        time,
    })
}

/// A cosignature counted for a policy.
#[derive(Debug, Clone, Serialize)]
pub struct Cosigner {
    pub name: String,
    pub key: String,
    pub time: u64,
}

/// What `check` found.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    #[serde(flatten)]
    pub head: Accepted,
    pub cosigners: Vec<Cosigner>,
    pub witness_threshold: u32,
}

fn cosigners(head: &SignedCheckpoint, policy: &LogPolicy) -> Result<Vec<Cosigner>, LogOpError> {
    let c: Vec<Cosigner> = head
        .cosigners(&policy.witnesses)
        .into_iter()
        .map(|(k, time)| Cosigner { name: k.name.clone(), key: k.to_string(), time })
        .collect();
    if c.len() < policy.witness_threshold as usize {
        return Err(LogOpError::Witnesses { got: c.len(), need: policy.witness_threshold });
    }
    Ok(c)
}

/// Checks the log in `dir` against the policy's `[log]`: its head is signed
/// by the policy's key, the entries give its root, the tiles match, enough
/// listed witnesses cosigned; with a state, it is consistent with the last
/// head seen, which is then recorded.
pub fn check(dir: &Path, policy: &LogPolicy, state_path: Option<&Path>) -> Result<Checked, LogOpError> {
    let log = Log::open(dir);
    let _state_lock = state_path.map(HeadStateLock::acquire).transpose()?;
    let mut state = match state_path {
        Some(p) => HeadState::read(p)?,
        None => HeadState::default(),
    };
    let (pinned, head, first_use) = verified_head(&log, &state, Some(&policy.key))?;
    let cos = cosigners(&head, policy)?;
    let origin = head.checkpoint.origin.clone();
    let previous = check_against_seen(&log, &head, state.logs.get(&origin), &pinned)?;
    if let Some(p) = state_path {
        state.logs.insert(
            origin.clone(),
            SeenLog {
                key: pinned.to_string(),
                checkpoint: String::from_utf8_lossy(&head.note.to_bytes()).into_owned(),
            },
        );
        state.write(p)?;
    }
    Ok(Checked {
        head: Accepted {
            origin,
            key: pinned.to_string(),
            first_use: state_path.is_some() && first_use,
            size: head.checkpoint.size,
            root: b64(&head.checkpoint.root),
            previous,
        },
        cosigners: cos,
        witness_threshold: policy.witness_threshold,
    })
}

/// One compared head.
#[derive(Debug, Clone, Serialize)]
pub struct Compared {
    pub path: PathBuf,
    pub size: u64,
    pub root: String,
}

/// Compares signed heads (files) with each other and with the log in `dir`:
/// every head must be signed by `key`, and any two must be consistent (same
/// size: same root; otherwise an RFC 9162 consistency proof from the log,
/// whose own head and tiles agree). A pair that is not is a split view.
pub fn compare(heads: &[PathBuf], dir: &Path, key: &VerifierKey) -> Result<Vec<Compared>, LogOpError> {
    let log = Log::open(dir);
    let current = read_head(&log.checkpoint_path(), key)?;
    let n = current.checkpoint.size;
    let tree_root = tree::tree_hash(&mut log.tree(n), n)?;
    if tree_root != current.checkpoint.root {
        return Err(LogOpError::RootMismatch {
            size: n,
            entries: b64(&tree_root),
            signed: b64(&current.checkpoint.root),
        });
    }
    let mut read = Vec::new();
    for p in heads {
        read.push((p.clone(), read_head(p, key)?));
    }
    // Same size, different roots: a split view without any proof.
    for (i, (_, a)) in read.iter().enumerate() {
        for (_, b) in &read[i + 1..] {
            if a.checkpoint.size == b.checkpoint.size && a.checkpoint.root != b.checkpoint.root {
                return Err(split(a, b));
            }
        }
    }
    let mut out = Vec::new();
    for (path, h) in &read {
        let m = h.checkpoint.size;
        if m > n {
            return Err(LogOpError::Beyond { path: path.clone(), size: m, log_size: n });
        }
        if vouch_manifests::log::consistent(&mut log.tree(n), m, n, &h.checkpoint.root, &current.checkpoint.root)?
            .is_err()
        {
            return Err(split(h, &current));
        }
        out.push(Compared { path: path.clone(), size: m, root: b64(&h.checkpoint.root) });
    }
    Ok(out)
}

fn split(a: &SignedCheckpoint, b: &SignedCheckpoint) -> LogOpError {
    LogOpError::SplitView {
        origin: a.checkpoint.origin.clone(),
        evidence: Box::new(Evidence {
            a_size: a.checkpoint.size,
            a: a.note.to_bytes(),
            b_size: b.checkpoint.size,
            b: b.note.to_bytes(),
        }),
    }
}

/// A bundle's verified proof.
#[derive(Debug, Clone, Serialize)]
pub struct ProofChecked {
    pub origin: String,
    pub index: u64,
    pub size: u64,
    pub root: String,
    pub cosigners: Vec<Cosigner>,
    /// The proof's signed head, verbatim (to check against a state).
    #[serde(skip)]
    pub head: Vec<u8>,
}

/// Verifies a bundle's `log.tlog-proof` against the policy's `[log]`: the
/// log's signature, at least `witness-threshold` cosignatures from listed
/// witnesses, and the inclusion of this bundle's release entry.
pub fn verify_proof(bundle: &Path, policy: &LogPolicy) -> Result<ProofChecked, LogOpError> {
    let entry = bundle_entry(bundle)?;
    let path = bundle.join(PROOF_FILE);
    let bytes = read_small(&path, Symlinks::Refuse)?;
    verify_proof_bytes(&bytes, &path, &entry, policy)
}

/// Verifies tlog-proof `bytes` (read from `path`) for `entry`.
pub fn verify_proof_bytes(
    bytes: &[u8],
    path: &Path,
    entry: &ReleaseEntry,
    policy: &LogPolicy,
) -> Result<ProofChecked, LogOpError> {
    let path = path.to_path_buf();
    let p = TlogProof::parse(bytes).map_err(|source| LogOpError::ProofFile { path: path.clone(), source })?;
    let head = SignedCheckpoint::verify(&p.checkpoint, &policy.key)
        .map_err(|source| LogOpError::Checkpoint { path: path.clone(), source })?;
    let cos = cosigners(&head, policy)?;
    let entry = entry.data();
    let size = head.checkpoint.size;
    tree::verify_inclusion(&tree::leaf_hash(entry.as_bytes()), p.index, size, &p.hashes, &head.checkpoint.root)
        .map_err(|source| LogOpError::Inclusion {
            path: path.clone(),
            entry: entry.clone(),
            index: p.index,
            size,
            source,
        })?;
    Ok(ProofChecked {
        origin: head.checkpoint.origin.clone(),
        index: p.index,
        size,
        root: b64(&head.checkpoint.root),
        cosigners: cos,
        head: p.checkpoint,
    })
}

/// What checking a proof's head against the heads seen before found.
#[derive(Debug, Clone)]
pub struct HeadSeen {
    /// The size of the head seen before, if any.
    pub previous: Option<u64>,
    /// The head to keep: the larger of the two.
    pub keep: SeenLog,
}

/// Checks a bundle proof's signed head (`head`, verified with `key`) against
/// the largest head of its origin seen before: the same size needs the same
/// root; different sizes need a consistency proof, taken from the log in
/// `log_dir` (the reviewer's copy of the vendor's log). Without a log, heads
/// of different sizes cannot be compared, which is an error naming both.
pub fn check_head_seen(
    head: &[u8],
    key: &VerifierKey,
    seen: Option<&SeenLog>,
    log_dir: Option<&Path>,
) -> Result<HeadSeen, LogOpError> {
    let new = SignedCheckpoint::verify(head, key)
        .map_err(|source| LogOpError::Checkpoint { path: PathBuf::from("(proof)"), source })?;
    let keep_new =
        || SeenLog { key: key.to_string(), checkpoint: String::from_utf8_lossy(&new.note.to_bytes()).into_owned() };
    let Some(seen) = seen else { return Ok(HeadSeen { previous: None, keep: keep_new() }) };
    if seen.key != key.to_string() {
        return Err(LogOpError::KeyChanged {
            origin: new.checkpoint.origin.clone(),
            pinned: seen.key.clone(),
            now: key.to_string(),
        });
    }
    let old = SignedCheckpoint::verify(seen.checkpoint.as_bytes(), key)
        .map_err(|source| LogOpError::Checkpoint { path: PathBuf::from("(state)"), source })?;
    let (o, n) = (&old.checkpoint, &new.checkpoint);
    if o.size == n.size {
        if o.root != n.root {
            return Err(split(&old, &new));
        }
        return Ok(HeadSeen { previous: Some(o.size), keep: seen.clone() });
    }
    let (small, big) = if o.size < n.size { (&old, &new) } else { (&new, &old) };
    let Some(dir) = log_dir else {
        return Err(LogOpError::NeedLog { seen: o.size, proof: n.size });
    };
    let log = Log::open(dir);
    let current = read_head(&log.checkpoint_path(), key)?;
    if current.checkpoint.size < big.checkpoint.size {
        return Err(LogOpError::Beyond {
            path: log.checkpoint_path(),
            size: big.checkpoint.size,
            log_size: current.checkpoint.size,
        });
    }
    let (s, b) = (small.checkpoint.size, big.checkpoint.size);
    if vouch_manifests::log::consistent(&mut log.tree(b), s, b, &small.checkpoint.root, &big.checkpoint.root)?.is_err()
    {
        return Err(split(small, big));
    }
    let keep = if n.size > o.size { keep_new() } else { seen.clone() };
    Ok(HeadSeen { previous: Some(o.size), keep })
}

/// Entries as release lines, for reports (unparseable entries shown raw).
pub fn describe(entry: &[u8]) -> String {
    match ReleaseEntry::parse(entry) {
        Some(e) => e.data(),
        None => String::from_utf8_lossy(entry).into_owned(),
    }
}

/// The log as a reviewer browses it: its verified head, the cosignatures
/// that verify with the policy's witnesses, and every entry.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub origin: String,
    pub size: u64,
    pub root: String,
    /// The note verifier key the head was verified with.
    pub key: String,
    /// Cosignatures verified with the policy's witnesses (none without a policy).
    pub cosigners: Vec<Cosigner>,
    /// Other signature lines on the head (names only: not checked).
    pub unchecked: Vec<String>,
    /// Every entry in order: the release it names, when it is a release line.
    pub entries: Vec<ListedEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListedEntry {
    pub index: u64,
    pub release: Option<ReleaseEntry>,
    /// The entry as text (for entries that are not release lines).
    pub text: String,
}

/// Reads the log in `dir` for display: its head verified with the policy's
/// `[log]` key when given (else `LOG/vkey`), the entries recomputed to the
/// signed root, and the cosignatures of the policy's witnesses.
pub fn listing(dir: &Path, policy: Option<&LogPolicy>) -> Result<Listing, LogOpError> {
    let log = Log::open(dir);
    let key = match policy {
        Some(p) => p.key.clone(),
        None => read_vkey(&log)?,
    };
    let head = read_head(&log.checkpoint_path(), &key)?;
    let entries = audited_entries(&log, &head)?;
    let cosigners: Vec<Cosigner> = match policy {
        Some(p) => head
            .cosigners(&p.witnesses)
            .into_iter()
            .map(|(k, time)| Cosigner { name: k.name.clone(), key: k.to_string(), time })
            .collect(),
        None => Vec::new(),
    };
    let unchecked = head
        .note
        .sigs
        .iter()
        .filter(|s| s.name != key.name && !cosigners.iter().any(|c| c.name == s.name))
        .map(|s| s.name.clone())
        .collect();
    Ok(Listing {
        origin: head.checkpoint.origin.clone(),
        size: head.checkpoint.size,
        root: b64(&head.checkpoint.root),
        key: key.to_string(),
        cosigners,
        unchecked,
        entries: entries
            .iter()
            .enumerate()
            .map(|(i, e)| ListedEntry { index: i as u64, release: ReleaseEntry::parse(e), text: describe(e) })
            .collect(),
    })
}

/// Why a trust policy's `[log]` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LogPolicyError {
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    #[error("trust policy {} has no [log] table", .path.display())]
    Missing { path: PathBuf },
    #[error("trust policy {}: {problems}", .path.display())]
    Invalid { path: PathBuf, problems: String },
}

/// The `[log]` of the trust policy at `path`, or why there is none.
pub fn read_log_policy(path: &Path) -> Result<LogPolicy, LogPolicyError> {
    let p = crate::policy::Policy::read(path)?;
    match p.log {
        Some(l) => Ok(l),
        None => {
            let problems: Vec<&str> =
                p.findings().iter().filter(|f| f.message.starts_with("[log]")).map(|f| f.message.as_str()).collect();
            if problems.is_empty() {
                Err(LogPolicyError::Missing { path: path.to_path_buf() })
            } else {
                Err(LogPolicyError::Invalid { path: path.to_path_buf(), problems: problems.join("; ") })
            }
        }
    }
}

/// A refusal that comes with evidence (two signed heads that cannot both be
/// honest), and where that evidence was written, when it was asked for.
#[derive(Debug)]
pub struct Refusal {
    pub error: LogOpError,
    /// `None`: no evidence, or none asked for; else the files written, or
    /// why they could not be.
    pub evidence: Option<Result<Vec<PathBuf>, LogOpError>>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

/// Why a log workflow failed.
#[derive(Debug, thiserror::Error)]
pub enum LogWorkflowError {
    #[error(transparent)]
    Policy(#[from] LogPolicyError),
    #[error(transparent)]
    Op(#[from] LogOpError),
    #[error(transparent)]
    Refused(Box<Refusal>),
}

impl LogWorkflowError {
    /// True for a checked negative result (exit 1).
    pub fn does_not_hold(&self) -> bool {
        match self {
            LogWorkflowError::Policy(_) => false,
            LogWorkflowError::Op(e) => e.does_not_hold(),
            LogWorkflowError::Refused(r) => r.error.does_not_hold(),
        }
    }
}

/// Writes a refusal's evidence into `dir` (when it has some).
fn refusal(error: LogOpError, dir: Option<&Path>) -> LogWorkflowError {
    let evidence = match (error.evidence(), dir) {
        (Some(ev), Some(dir)) => Some(ev.write(dir)),
        _ => None,
    };
    LogWorkflowError::Refused(Box::new(Refusal { error, evidence }))
}

/// The folder of a state file, where a refusal's evidence goes.
fn beside(state: &Path) -> PathBuf {
    match state.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What to witness.
#[derive(Debug, Clone)]
pub struct WitnessOptions {
    pub log: PathBuf,
    /// The witness's name (its cosignature key name).
    pub name: String,
    /// The witness's state: pinned log keys and the last head seen per origin.
    pub state: PathBuf,
    /// The cosignature time (unix seconds).
    pub time: u64,
}

/// [`witness`], writing a refusal's evidence beside the state file.
pub fn witness_log(opts: &WitnessOptions, key: &SecretKey) -> Result<Witnessed, LogWorkflowError> {
    witness(&opts.log, key, &opts.name, &opts.state, opts.time).map_err(|e| refusal(e, Some(&beside(&opts.state))))
}

/// What to check a log against.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub log: PathBuf,
    /// The trust policy with a `[log]` table.
    pub policy: PathBuf,
    /// Rollback state: the largest head seen per origin.
    pub state: Option<PathBuf>,
}

/// [`check`] under the policy's `[log]`, writing a refusal's evidence
/// beside the state file (or into the current directory).
pub fn check_log(opts: &CheckOptions) -> Result<Checked, LogWorkflowError> {
    let policy = read_log_policy(&opts.policy)?;
    let dir = opts.state.as_deref().map(beside).unwrap_or_else(|| PathBuf::from("."));
    check(&opts.log, &policy, opts.state.as_deref()).map_err(|e| refusal(e, Some(&dir)))
}

/// Where the log's key comes from.
#[derive(Debug, Clone)]
pub enum LogKeyFrom {
    /// This trust policy's `[log]`.
    Policy(PathBuf),
    /// The log's own `vkey`.
    Vkey,
}

/// Which signed heads to compare.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub heads: Vec<PathBuf>,
    /// The log the heads are from (for consistency proofs).
    pub log: PathBuf,
    pub key: LogKeyFrom,
    /// Also write a split view's two heads into this folder.
    pub evidence: Option<PathBuf>,
}

/// [`compare`] with the chosen key; a refusal keeps its evidence (written
/// into [`CompareOptions::evidence`] when given).
pub fn compare_heads(opts: &CompareOptions) -> Result<Vec<Compared>, LogWorkflowError> {
    let key = match &opts.key {
        LogKeyFrom::Policy(p) => read_log_policy(p)?.key,
        LogKeyFrom::Vkey => read_vkey(&Log::open(&opts.log))?,
    };
    compare(&opts.heads, &opts.log, &key).map_err(|e| refusal(e, opts.evidence.as_deref()))
}

/// [`verify_proof`] of each bundle under the policy's `[log]`.
pub fn verify_proofs(bundles: &[PathBuf], policy: &Path) -> Result<Vec<ProofChecked>, LogWorkflowError> {
    let policy = read_log_policy(policy)?;
    let mut out = Vec::new();
    for b in bundles {
        out.push(verify_proof(b, &policy)?);
    }
    Ok(out)
}
