//! Review attestations: the reviewers' own signed evidence of what they
//! read, per file, carried from release to release by content.
//!
//! A review is an in-toto Statement v1 in a DSSE envelope
//! (`*.review.dsse.json`, payload type `application/vnd.in-toto+json`,
//! Ed25519 over the PAE, `keyid` the reviewer's minisign key id) whose
//! subjects are the reviewed files, `{"name": PATH, "digest": {"sha256":
//! HEX}}` sorted by path bytes, and whose predicate
//! (`https://vouch.invalid/review/v1`) names the release read, the criteria,
//! the verdict, the reviewer, the signing time and notes.
//!
//! Coverage of release R under criteria C: a file entry (`file` or `exec`)
//! of R is covered when a counted review with criteria C and verdict `pass`
//! has a subject with the same path and digest, whichever release that
//! review was made on; it is flagged when a counted review with verdict
//! `concerns` or `fail` has it with the same digest; flagged beats covered.
//! A review counts when its signature verifies with a policy key holding the
//! `reviewer` role, valid at the review's time, its project is R's, and that
//! key does not also hold the `release` role. A review that does not count is
//! named with its reason; the others are still evaluated.

use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::{KeyId, SecretKey};
use crate::policy::{Policy, ReviewRequirement, Role};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use vouch_manifests::manifest::{EntryKind, Manifest};
use vouch_manifests::{Digest, provenance::STATEMENT_TYPE};

/// The predicate type of a review.
pub const PREDICATE_TYPE: &str = "https://vouch.invalid/review/v1";
/// The file name suffix of review envelopes.
pub const SUFFIX: &str = ".review.dsse.json";
/// Largest review envelope read.
pub const MAX_REVIEW_BYTES: u64 = 256 << 20;

/// A reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Concerns,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Concerns => "concerns",
            Verdict::Fail => "fail",
        }
    }
}

/// One reviewed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub name: String,
    /// `{"sha256": "<hex>"}`.
    pub digest: BTreeMap<String, String>,
}

/// The release a review was made on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRef {
    pub name: String,
    pub version: String,
}

/// A note at a path (and line) of a reviewed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub text: String,
}

/// The review predicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predicate {
    pub project: ProjectRef,
    pub manifest_digest: Digest,
    pub criteria: String,
    pub verdict: Verdict,
    pub reviewer: String,
    /// RFC 3339, the signing time.
    pub time: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// The in-toto Statement v1 of a review; the writer and the verifier share it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub statement_type: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: Predicate,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no file of {release} matches {pattern:?}")]
    NoMatch { release: String, pattern: String },
    #[error("invalid path pattern {pattern:?}")]
    Glob {
        pattern: String,
        #[source]
        source: globset::Error,
    },
    #[error("{path} is not a file of {release}")]
    NotInRelease { path: String, release: String },
    #[error("{what} line {line}: expected `PATH[:LINE]: TEXT`")]
    NoteLine { what: String, line: usize },
    #[error("{what} line {line}: {path} is not among the reviewed files")]
    NoteOutside { what: String, line: usize, path: String },
    #[error("the review would name no file: nothing changed since {old}")]
    Empty { old: String },
    #[error("time {0} cannot be written as RFC 3339")]
    Time(i64),
    #[error("cannot serialize the review")]
    Serialize(#[source] vouch_manifests::canonical::CanonicalError),
    #[error("cannot read reviews folder {path}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] vouch_manifests::fsutil::WriteError),
}

/// Which files of the release a review names.
#[derive(Debug, Clone)]
pub enum Selection<'a> {
    /// Every file entry.
    All,
    /// Entries matching any of these globs (`*` stays within a folder).
    Globs(Vec<String>),
    /// Exactly these paths (each must be a file of the release).
    Paths(Vec<String>),
    /// Entries added or changed since this older release's manifest.
    ChangedSince(&'a Manifest),
}

/// What [`sign`] needs besides the key.
#[derive(Debug, Clone)]
pub struct SignRequest<'a> {
    pub manifest: &'a Manifest,
    /// SHA-256 of the exact `manifest.json` bytes.
    pub manifest_digest: Digest,
    pub selection: Selection<'a>,
    pub criteria: String,
    pub verdict: Verdict,
    pub reviewer: String,
    pub notes: Vec<Note>,
    /// Unix seconds.
    pub time: i64,
}

/// A signed review, ready to be written.
#[derive(Debug, Clone)]
pub struct SignedReview {
    /// `<name>-<version>.<KEYID>.<12 hex of the payload's sha256>.review.dsse.json`.
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub subjects: usize,
}

fn is_file(kind: EntryKind) -> bool {
    matches!(kind, EntryKind::File | EntryKind::Exec)
}

fn rfc3339(t: i64) -> Result<String, ReviewError> {
    let dt = time::OffsetDateTime::from_unix_timestamp(t).map_err(|_| ReviewError::Time(t))?;
    dt.format(&time::format_description::well_known::Rfc3339).map_err(|_| ReviewError::Time(t))
}

fn parse_time(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok().map(|t| t.unix_timestamp())
}

/// The subjects `selection` names: (path, digest) of file entries, sorted
/// by path bytes (the manifest's order). Taken from the signed manifest,
/// never from the disk.
pub fn select(manifest: &Manifest, selection: &Selection<'_>) -> Result<Vec<(String, Digest)>, ReviewError> {
    let release = manifest.bundle_name();
    let files =
        manifest.source.files.iter().filter(|e| is_file(e.kind)).filter_map(|e| Some((e.path.as_str(), e.digest?)));
    let out: Vec<(String, Digest)> = match selection {
        Selection::All => files.map(|(p, d)| (p.to_string(), d)).collect(),
        Selection::Globs(globs) => {
            let mut sets = Vec::new();
            for g in globs {
                let m = globset::GlobBuilder::new(g)
                    .literal_separator(true)
                    .build()
                    .map_err(|source| ReviewError::Glob { pattern: g.clone(), source })?
                    .compile_matcher();
                sets.push((g, m));
            }
            let all: Vec<(&str, Digest)> = files.collect();
            for (g, m) in &sets {
                if !all.iter().any(|(p, _)| m.is_match(p)) {
                    return Err(ReviewError::NoMatch { release, pattern: (*g).clone() });
                }
            }
            all.into_iter()
                .filter(|(p, _)| sets.iter().any(|(_, m)| m.is_match(p)))
                .map(|(p, d)| (p.to_string(), d))
                .collect()
        }
        Selection::Paths(paths) => {
            let all: BTreeMap<&str, Digest> = files.collect();
            let mut wanted: BTreeSet<&str> = BTreeSet::new();
            for p in paths {
                if !all.contains_key(p.as_str()) {
                    return Err(ReviewError::NotInRelease { path: p.clone(), release });
                }
                wanted.insert(p);
            }
            let mut v: Vec<(String, Digest)> = wanted.iter().map(|p| (p.to_string(), all[p])).collect();
            v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            v
        }
        Selection::ChangedSince(old) => {
            let before: BTreeMap<&str, Option<Digest>> =
                old.source.files.iter().filter(|e| is_file(e.kind)).map(|e| (e.path.as_str(), e.digest)).collect();
            let v: Vec<(String, Digest)> = files
                .filter(|(p, d)| before.get(p).is_none_or(|b| *b != Some(*d)))
                .map(|(p, d)| (p.to_string(), d))
                .collect();
            if v.is_empty() {
                return Err(ReviewError::Empty { old: old.bundle_name() });
            }
            v
        }
    };
    Ok(out)
}

/// Parses notes, one per line `PATH[:LINE]: TEXT` (as compilers and `grep
/// -n` print them); blank lines and lines starting with `#` are skipped.
/// Every path must be among `subjects`.
pub fn parse_notes(text: &str, what: &str, subjects: &[(String, Digest)]) -> Result<Vec<Note>, ReviewError> {
    let names: BTreeSet<&str> = subjects.iter().map(|(p, _)| p.as_str()).collect();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let l = raw.trim_end();
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let bad = || ReviewError::NoteLine { what: what.to_string(), line: line_no };
        let (head, body) = l.split_once(": ").ok_or_else(bad)?;
        let (path, line) = match head.rsplit_once(':') {
            Some((p, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                (p, Some(n.parse::<u64>().map_err(|_| bad())?))
            }
            _ => (head, None),
        };
        if path.is_empty() || body.trim().is_empty() {
            return Err(bad());
        }
        if !names.contains(path) {
            return Err(ReviewError::NoteOutside { what: what.to_string(), line: line_no, path: path.to_string() });
        }
        out.push(Note { path: path.to_string(), line, text: body.trim().to_string() });
    }
    Ok(out)
}

/// Signs a review of `req.manifest` with `key`.
pub fn sign(req: &SignRequest<'_>, key: &SecretKey) -> Result<SignedReview, ReviewError> {
    let subjects = select(req.manifest, &req.selection)?;
    let statement = Statement {
        statement_type: STATEMENT_TYPE.to_string(),
        subject: subjects
            .iter()
            .map(|(p, d)| Subject { name: p.clone(), digest: BTreeMap::from([("sha256".to_string(), d.hex())]) })
            .collect(),
        predicate_type: PREDICATE_TYPE.to_string(),
        predicate: Predicate {
            project: ProjectRef {
                name: req.manifest.project.name.clone(),
                version: req.manifest.project.version.clone(),
            },
            manifest_digest: req.manifest_digest,
            criteria: req.criteria.clone(),
            verdict: req.verdict,
            reviewer: req.reviewer.clone(),
            time: rfc3339(req.time)?,
            notes: req.notes.clone(),
        },
    };
    let body = vouch_manifests::canonical::to_vec(&statement).map_err(ReviewError::Serialize)?;
    let env = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &body, key);
    let file_name =
        format!("{}.{}.{}{SUFFIX}", req.manifest.bundle_name(), key.key_id().hex(), &Digest::of(&body).hex()[..12]);
    Ok(SignedReview { file_name, bytes: env.to_json(), subjects: subjects.len() })
}

/// Why a review file does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotCounted {
    /// It could not be read or is not a DSSE envelope of an in-toto review.
    Malformed { detail: String },
    /// No signature by a key of the policy.
    UnknownKey { key_ids: Vec<String> },
    /// The key is in the policy without the reviewer role.
    NotReviewer { key: String },
    /// The key also holds the release role: nobody reviews their own release.
    SelfReview { key: String },
    /// The key was not valid at the review's time.
    KeyInvalid { key: String, detail: String },
    /// The signature does not verify.
    BadSignature { key: String },
    /// A review of another project.
    OtherProject { project: String },
    /// A review of this very release naming bytes its manifest does not have.
    NotTheManifest { path: String, review: String, manifest: String },
}

impl std::fmt::Display for NotCounted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotCounted::Malformed { detail } => write!(f, "not a review: {detail}"),
            NotCounted::UnknownKey { key_ids } => {
                write!(f, "signed by key {}, which is not in the policy", key_ids.join(", "))
            }
            NotCounted::NotReviewer { key } => write!(f, "signed by {key}, which has no reviewer role"),
            NotCounted::SelfReview { key } => {
                write!(f, "signed by {key}, which also holds the release role (no self-review)")
            }
            NotCounted::KeyInvalid { key, detail } => write!(f, "signed by {key}: {detail}"),
            NotCounted::BadSignature { key } => write!(f, "the signature by {key} does not verify"),
            NotCounted::OtherProject { project } => write!(f, "a review of project {project:?}, not this one"),
            NotCounted::NotTheManifest { path, review, manifest } => {
                write!(f, "claims this release but names {path} as {review}, not the manifest's {manifest}")
            }
        }
    }
}

/// A review that counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    pub file: String,
    /// The policy name of the reviewer key.
    pub key: String,
    pub key_id: String,
    pub reviewer: String,
    pub criteria: String,
    pub verdict: Verdict,
    pub time: String,
    /// The release it was made on.
    pub release: String,
    /// path → digest.
    #[serde(skip)]
    pub subjects: BTreeMap<String, Digest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// Every review file of a folder, each counted or not (with its reason).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reviews {
    pub counted: Vec<Counted>,
    pub not_counted: Vec<(String, NotCounted)>,
}

/// Reads `*.review.dsse.json` in `dir` (sorted by name; regular files only,
/// never through a symlink, each within [`MAX_REVIEW_BYTES`]) and checks each
/// against `policy` for release `manifest`.
pub fn load(dir: &Path, policy: &Policy, manifest: &Manifest, manifest_digest: Digest) -> Result<Reviews, ReviewError> {
    Ok(check_all(&read_folder(dir)?, policy, manifest, manifest_digest))
}

/// The review files of a folder: (file name, bytes or why they could not be read).
pub type ReviewFiles = Vec<(String, Result<Vec<u8>, String>)>;

/// Reads `*.review.dsse.json` in `dir`, sorted by name (see [`load`]).
pub fn read_folder(dir: &Path) -> Result<ReviewFiles, ReviewError> {
    let folder = |source| ReviewError::Folder { path: dir.to_path_buf(), source };
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(dir).map_err(folder)? {
        let e = e.map_err(folder)?;
        if let Ok(n) = e.file_name().into_string()
            && n.ends_with(SUFFIX)
        {
            names.push((n, e.path()));
        }
    }
    names.sort();
    Ok(names
        .into_iter()
        .map(|(name, path)| {
            let bytes = vouch_manifests::fsutil::read_bounded(
                &path,
                MAX_REVIEW_BYTES,
                vouch_manifests::fsutil::Symlinks::Refuse,
            )
            .map_err(|e| e.to_string());
            (name, bytes)
        })
        .collect())
}

/// Checks every file of [`read_folder`] for release `manifest`.
pub fn check_all(files: &ReviewFiles, policy: &Policy, manifest: &Manifest, manifest_digest: Digest) -> Reviews {
    let mut out = Reviews::default();
    let here = Index::of(manifest);
    for (name, bytes) in files {
        let r = match bytes {
            Ok(b) => check_with(name, b, policy, manifest, manifest_digest, &here),
            Err(detail) => Err(NotCounted::Malformed { detail: detail.clone() }),
        };
        match r {
            Ok(c) => out.counted.push(c),
            Err(why) => out.not_counted.push((name.clone(), why)),
        }
    }
    out
}

/// The manifest's entries by path.
struct Index<'m>(std::collections::HashMap<&'m str, Option<Digest>>);

impl<'m> Index<'m> {
    fn of(manifest: &'m Manifest) -> Self {
        Index(manifest.source.files.iter().map(|e| (e.path.as_str(), e.digest)).collect())
    }
}

/// Checks one review envelope (see the module docs for when it counts).
pub fn check_one(
    name: &str,
    bytes: &[u8],
    policy: &Policy,
    manifest: &Manifest,
    manifest_digest: Digest,
) -> Result<Counted, NotCounted> {
    check_with(name, bytes, policy, manifest, manifest_digest, &Index::of(manifest))
}

fn check_with(
    name: &str,
    bytes: &[u8],
    policy: &Policy,
    manifest: &Manifest,
    manifest_digest: Digest,
    here: &Index<'_>,
) -> Result<Counted, NotCounted> {
    let malformed = |detail: String| NotCounted::Malformed { detail };
    let env = Envelope::from_slice(bytes, name).map_err(|e| malformed(e.to_string()))?;
    if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(malformed(format!("payload type {:?}", env.payload_type)));
    }
    // The key: the first signature whose key id is in the policy.
    let ids: Vec<String> = env.signatures.iter().map(|s| s.keyid.clone()).collect();
    let key = env
        .signatures
        .iter()
        .filter_map(|s| KeyId::from_hex(&s.keyid))
        .find_map(|id| policy.key(id))
        .ok_or(NotCounted::UnknownKey { key_ids: ids })?;
    let body = env.verify(&key.public, name).map_err(|_| NotCounted::BadSignature { key: key.name.clone() })?;
    let st: Statement = serde_json::from_slice(&body).map_err(|e| malformed(format!("the statement: {e}")))?;
    if st.statement_type != STATEMENT_TYPE || st.predicate_type != PREDICATE_TYPE {
        return Err(malformed(format!("statement {} with predicate {}", st.statement_type, st.predicate_type)));
    }
    if !key.roles.contains(&Role::Reviewer) {
        return Err(NotCounted::NotReviewer { key: key.name.clone() });
    }
    if key.roles.contains(&Role::Release) {
        return Err(NotCounted::SelfReview { key: key.name.clone() });
    }
    let p = &st.predicate;
    let t = parse_time(&p.time).ok_or_else(|| malformed(format!("time {:?} is not RFC 3339", p.time)))?;
    if let Some(detail) = key.invalid_at(t) {
        return Err(NotCounted::KeyInvalid { key: key.name.clone(), detail });
    }
    if p.project.name != manifest.project.name {
        return Err(NotCounted::OtherProject { project: p.project.name.clone() });
    }
    let mut subjects = BTreeMap::new();
    for s in &st.subject {
        let d = s
            .digest
            .get("sha256")
            .and_then(|h| Digest::from_hex(h).ok())
            .ok_or_else(|| malformed(format!("subject {} has no sha256 digest", s.name)))?;
        if subjects.insert(s.name.clone(), d).is_some() {
            return Err(malformed(format!("subject {} appears twice", s.name)));
        }
    }
    // A review that says it read this very release must name its bytes.
    if p.manifest_digest == manifest_digest {
        for (path, d) in &subjects {
            match here.0.get(path.as_str()) {
                Some(Some(m)) if m == d => {}
                Some(Some(m)) => {
                    return Err(NotCounted::NotTheManifest {
                        path: path.clone(),
                        review: d.to_string(),
                        manifest: m.to_string(),
                    });
                }
                _ => {
                    return Err(NotCounted::NotTheManifest {
                        path: path.clone(),
                        review: d.to_string(),
                        manifest: "no such file".into(),
                    });
                }
            }
        }
    }
    Ok(Counted {
        file: name.to_string(),
        key: key.name.clone(),
        key_id: key.public.key_id_hex(),
        reviewer: p.reviewer.clone(),
        criteria: p.criteria.clone(),
        verdict: p.verdict,
        time: p.time.clone(),
        release: format!("{}-{}", p.project.name, p.project.version),
        subjects,
        notes: p.notes.clone(),
    })
}

/// One file of the release as the reviews see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileStatus {
    pub path: String,
    pub size: u64,
    pub digest: Digest,
    /// Distinct reviewer keys with a `pass` of these bytes.
    pub passed_by: Vec<String>,
    /// Distinct reviewer keys with `concerns` or `fail` on these bytes.
    pub flagged_by: Vec<String>,
    pub notes: Vec<Note>,
}

/// Coverage of one criteria (or of the policy's criteria together).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The criteria counted (one, or the policy's list).
    pub criteria: Vec<String>,
    pub files: usize,
    pub bytes: u64,
    pub covered_files: usize,
    pub covered_bytes: u64,
    pub flagged: Vec<String>,
    /// Top-level folder (`.` for files at the root) → (files, covered).
    pub by_folder: BTreeMap<String, (usize, usize)>,
    /// Files not covered, in manifest order.
    pub left: Vec<String>,
}

impl Coverage {
    /// Covered files in percent (100 for a release without files).
    pub fn percent(&self) -> f64 {
        if self.files == 0 { 100.0 } else { 100.0 * self.covered_files as f64 / self.files as f64 }
    }
}

/// Per-file status and coverage under `criteria`, a file being covered
/// when at least `reviewers` distinct keys passed its bytes and none flagged
/// them.
pub fn coverage(
    manifest: &Manifest,
    reviews: &Reviews,
    criteria: &[String],
    reviewers: u32,
) -> (Coverage, Vec<FileStatus>) {
    // (path, digest) → keys passing / flagging, and notes.
    type Keys<'r> = std::collections::HashMap<(&'r str, Digest), BTreeSet<&'r str>>;
    let mut pass: Keys<'_> = Keys::new();
    let mut flag: Keys<'_> = Keys::new();
    let mut notes: std::collections::HashMap<&str, Vec<Note>> = std::collections::HashMap::new();
    let here = Index::of(manifest);
    for r in reviews.counted.iter().filter(|r| criteria.contains(&r.criteria)) {
        let target = if r.verdict == Verdict::Pass { &mut pass } else { &mut flag };
        for (p, d) in &r.subjects {
            target.entry((p.as_str(), *d)).or_default().insert(r.key.as_str());
        }
        for n in &r.notes {
            if let Some(d) = r.subjects.get(&n.path)
                && here.0.get(n.path.as_str()) == Some(&Some(*d))
            {
                notes.entry(n.path.as_str()).or_default().push(n.clone());
            }
        }
    }
    let mut cov = Coverage {
        criteria: criteria.to_vec(),
        files: 0,
        bytes: 0,
        covered_files: 0,
        covered_bytes: 0,
        flagged: Vec::new(),
        by_folder: BTreeMap::new(),
        left: Vec::new(),
    };
    let mut files = Vec::new();
    for e in manifest.source.files.iter().filter(|e| is_file(e.kind)) {
        let Some(d) = e.digest else { continue };
        let path = e.path.as_str();
        let passed: Vec<String> =
            pass.get(&(path, d)).map(|s| s.iter().map(|k| k.to_string()).collect()).unwrap_or_default();
        let flagged: Vec<String> =
            flag.get(&(path, d)).map(|s| s.iter().map(|k| k.to_string()).collect()).unwrap_or_default();
        let covered = flagged.is_empty() && passed.len() as u64 >= u64::from(reviewers.max(1));
        cov.files += 1;
        cov.bytes += e.size;
        let folder = path.split_once('/').map_or(".", |(f, _)| f).to_string();
        let slot = cov.by_folder.entry(folder).or_insert((0, 0));
        slot.0 += 1;
        if covered {
            cov.covered_files += 1;
            cov.covered_bytes += e.size;
            slot.1 += 1;
        } else {
            cov.left.push(path.to_string());
        }
        if !flagged.is_empty() {
            cov.flagged.push(path.to_string());
        }
        files.push(FileStatus {
            path: path.to_string(),
            size: e.size,
            digest: d,
            passed_by: passed,
            flagged_by: flagged,
            notes: notes.get(path).cloned().unwrap_or_default(),
        });
    }
    (cov, files)
}

/// The policy's `[review]` requirement evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementResult {
    pub held: bool,
    pub coverage: Coverage,
    /// One line per reason it does not hold.
    pub failures: Vec<String>,
    /// Flagged files reported only (`flagged = "warn"`).
    pub warnings: Vec<String>,
}

/// Evaluates `req` over `reviews` for `manifest`.
pub fn evaluate(
    manifest: &Manifest,
    reviews: &Reviews,
    req: &ReviewRequirement,
) -> (RequirementResult, Vec<FileStatus>) {
    let (cov, files) = coverage(manifest, reviews, &req.criteria, req.reviewers);
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    let pct = cov.percent();
    if pct + 1e-9 < f64::from(req.coverage) {
        failures.push(format!(
            "coverage {pct:.1}% ({} of {} files) is below the required {}% ({} with {} reviewer key{} each)",
            cov.covered_files,
            cov.files,
            req.coverage,
            req.criteria.join(", "),
            req.reviewers,
            if req.reviewers == 1 { "" } else { "s" }
        ));
    }
    for f in &cov.flagged {
        let line = format!("flagged: {f}");
        if req.flagged_fails { failures.push(line) } else { warnings.push(line) }
    }
    (RequirementResult { held: failures.is_empty(), coverage: cov, failures, warnings }, files)
}
