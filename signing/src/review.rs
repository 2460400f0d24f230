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
//!
//! Reviews name every file they cover, so a folder of them can hold several
//! times a large manifest's bytes. [`ReviewSet`] reads a folder once and
//! verifies each envelope at most once, in parallel, whatever the number of
//! releases checked: the payload is decoded from the envelope in place into a
//! reused buffer, the signature is checked over the PAE without copying it,
//! and the subjects are read straight into one compact list and matched
//! against the manifest's sorted entries (a review keeps the indices of the
//! entries it names). With a [`Cache`] (see [`crate::review_cache`]) an
//! envelope already verified on this machine is only hashed.

use crate::dsse::{Envelope, EnvelopeRef, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::{KeyId, SecretKey};
use crate::policy::{Policy, ReviewRequirement, Role};
pub use crate::review_cache::Cache;
use crate::review_cache::CacheEntry;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use vouch_manifests::model::manifest::{Entry, EntryKind, Manifest};
use vouch_manifests::tree::fsutil::{self, Symlinks};
use vouch_manifests::{Digest, model::provenance::STATEMENT_TYPE};

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
    Serialize(#[source] vouch_manifests::model::canonical::CanonicalError),
    #[error("cannot read reviews folder {path}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] vouch_manifests::tree::fsutil::WriteError),
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
    let files = manifest
        .source
        .files
        .iter()
        .filter(|e| is_file(e.kind()))
        .filter_map(|e| Some((e.path().as_str(), e.digest()?)));
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
            let before: BTreeMap<&str, Option<Digest>> = old
                .source
                .files
                .iter()
                .filter(|e| is_file(e.kind()))
                .map(|e| (e.path().as_str(), e.digest()))
                .collect();
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
                name: req.manifest.project.name.to_string(),
                version: req.manifest.project.version.to_string(),
            },
            manifest_digest: req.manifest_digest,
            criteria: req.criteria.clone(),
            verdict: req.verdict,
            reviewer: req.reviewer.clone(),
            time: rfc3339(req.time)?,
            notes: req.notes.clone(),
        },
    };
    let body = vouch_manifests::model::canonical::to_vec(&statement).map_err(ReviewError::Serialize)?;
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
    /// How many files the review names.
    #[serde(skip)]
    pub subjects: usize,
    /// The entries of the release checked (indices into its `source.files`,
    /// ascending) whose path and digest the review names.
    #[serde(skip)]
    pub matched: Vec<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl Counted {
    /// Whether the review names entry `index` of the release checked with
    /// the digest the release records.
    pub fn names(&self, index: u32) -> bool {
        self.matched.binary_search(&index).is_ok()
    }
}

/// Every review file of a folder, each counted or not (with its reason).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reviews {
    pub counted: Vec<Counted>,
    pub not_counted: Vec<(String, NotCounted)>,
}

/// A release as reviews are checked against it: its manifest and the
/// SHA-256 of its `manifest.json` bytes. Entries are found by path with a
/// binary search of the manifest's entries (sorted by path bytes without
/// duplicates, as the manifest parser checks), so nothing is built per
/// release; every lookup of a reviewed path goes through [`ReleaseIndex::find`].
#[derive(Debug, Clone, Copy)]
pub struct ReleaseIndex<'m> {
    pub manifest: &'m Manifest,
    pub digest: Digest,
}

impl<'m> ReleaseIndex<'m> {
    pub fn new(manifest: &'m Manifest, digest: Digest) -> Self {
        ReleaseIndex { manifest, digest }
    }

    /// The index and entry of `path`.
    pub fn find(&self, path: &str) -> Option<(u32, &'m Entry)> {
        find_entry(self.manifest, path)
    }

    /// [`ReleaseIndex::find`] for paths given in ascending order, `from` the
    /// position after the previous one: the next few entries are looked at
    /// first (consecutive subjects are mostly consecutive entries), then the
    /// rest is searched. `Err` is where the path would be.
    fn find_from(&self, from: usize, path: &str) -> Result<usize, usize> {
        let files = &self.manifest.source.files;
        let p = path.as_bytes();
        let near = (from + 4).min(files.len());
        for (i, e) in files.iter().enumerate().take(near).skip(from) {
            match e.path().as_str().as_bytes().cmp(p) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Ok(i),
                std::cmp::Ordering::Greater => return Err(i),
            }
        }
        files[near..].binary_search_by(|e| e.path().as_str().as_bytes().cmp(p)).map(|i| i + near).map_err(|i| i + near)
    }
}

/// The index and entry of `path` in `manifest` (a binary search: the
/// manifest parser checks that entries are sorted by path bytes).
pub fn find_entry<'m>(manifest: &'m Manifest, path: &str) -> Option<(u32, &'m Entry)> {
    let files = &manifest.source.files;
    let i = files.binary_search_by(|e| e.path().as_str().as_bytes().cmp(path.as_bytes())).ok()?;
    Some((i as u32, &files[i]))
}

/// The subjects of a verified review, without an allocation per subject:
/// every name in one string, each subject the end of its name there and
/// its digest (`None`: no valid `sha256`).
#[derive(Debug, Clone, Default)]
struct Subjects {
    names: String,
    items: Vec<(usize, Option<Digest>)>,
    /// Names strictly ascending by bytes (as the format writes them; then
    /// no name appears twice).
    ascending: bool,
}

impl Subjects {
    fn iter(&self) -> impl Iterator<Item = (&str, Option<Digest>)> {
        let mut start = 0;
        self.items.iter().map(move |&(end, d)| {
            let name = &self.names[start..end];
            start = end;
            (name, d)
        })
    }

    /// Why the subjects are not a review's: the first subject, in order,
    /// without a sha256 digest or appearing twice.
    fn problem(&self) -> Option<String> {
        let mut seen = (!self.ascending).then(std::collections::HashSet::new);
        for (name, d) in self.iter() {
            if d.is_none() {
                return Some(format!("subject {name} has no sha256 digest"));
            }
            if let Some(seen) = seen.as_mut()
                && !seen.insert(name)
            {
                return Some(format!("subject {name} appears twice"));
            }
        }
        None
    }
}

/// The `subject` list read straight into [`Subjects`].
struct SubjectsIn(Subjects);

impl<'de> Deserialize<'de> for SubjectsIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SubjectsIn;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of subjects")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<SubjectsIn, A::Error> {
                let mut s = Subjects { ascending: true, ..Subjects::default() };
                let mut last = 0;
                while let Some(sub) = seq.next_element::<SubjectIn<'de>>()? {
                    let start = s.names.len();
                    if !s.items.is_empty() && s.names.as_bytes()[last..] >= *sub.name.as_bytes() {
                        s.ascending = false;
                    }
                    s.names.push_str(&sub.name);
                    s.items.push((s.names.len(), sub.digest.0));
                    last = start;
                }
                Ok(SubjectsIn(s))
            }
        }
        d.deserialize_seq(V)
    }
}

/// One subject as read: its name borrowed from the payload when it has no
/// escapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectIn<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    digest: DigestSetIn,
}

/// A subject's `digest` map (algorithm → hex), keeping only a valid `sha256`.
struct DigestSetIn(Option<Digest>);

impl<'de> Deserialize<'de> for DigestSetIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DigestSetIn;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of digest algorithm to hex")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<DigestSetIn, A::Error> {
                // As a map: the last value of a repeated key is the one kept.
                let mut sha256 = None;
                while let Some((k, v)) = map.next_entry::<Cow<'de, str>, Cow<'de, str>>()? {
                    if k == "sha256" {
                        sha256 = Some(Digest::from_hex(&v).ok());
                    }
                }
                Ok(DigestSetIn(sha256.flatten()))
            }
        }
        d.deserialize_map(V)
    }
}

/// The review Statement as the verifier reads it (the same shape as
/// [`Statement`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatementIn<'a> {
    #[serde(rename = "_type", borrow)]
    statement_type: Cow<'a, str>,
    subject: SubjectsIn,
    #[serde(rename = "predicateType", borrow)]
    predicate_type: Cow<'a, str>,
    predicate: Predicate,
}

/// A review envelope whose signature verified with a key of the policy,
/// with its statement. Nothing of a review file is read before that.
#[derive(Debug, Clone)]
struct Verified {
    /// The key ids of the envelope's signatures, in order.
    key_ids: Vec<String>,
    /// The policy key that verified it, as minisign's base64 public key.
    public: String,
    predicate: Predicate,
    subjects: Subjects,
}

/// What a verified review names of one release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Matching {
    /// How many files the review names.
    pub subjects: usize,
    /// Indices into the release's `source.files`, ascending, of the entries
    /// named with the digest the release records.
    pub matched: Vec<u32>,
    /// The subject first by path bytes that the release does not have with
    /// that digest: (path, the review's digest).
    pub unmatched: Option<(String, Digest)>,
}

/// The first signature's key id that is a key of the policy.
fn policy_key<'p>(policy: &'p Policy, key_ids: &[String]) -> Option<&'p crate::policy::PolicyKey> {
    key_ids.iter().filter_map(|id| KeyId::from_hex(id)).find_map(|id| policy.key(id))
}

/// Parses the envelope, verifies its signature with the policy key it
/// names (decoding the payload into `body`), then reads the statement.
fn verify_envelope(name: &str, bytes: &[u8], policy: &Policy, body: &mut Vec<u8>) -> Result<Verified, NotCounted> {
    let malformed = |detail: String| NotCounted::Malformed { detail };
    let env = EnvelopeRef::from_slice(bytes, name).map_err(|e| malformed(vouch_manifests::error_chain(&e)))?;
    if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(malformed(format!("payload type {:?}", env.payload_type)));
    }
    // The key: the first signature whose key id is in the policy.
    let key_ids: Vec<String> = env.signatures.iter().map(|s| s.keyid.to_string()).collect();
    let key = policy_key(policy, &key_ids).ok_or_else(|| NotCounted::UnknownKey { key_ids: key_ids.clone() })?;
    env.verify_into(&key.public, name, body).map_err(|_| NotCounted::BadSignature { key: key.name.clone() })?;
    let st: StatementIn<'_> = serde_json::from_slice(body).map_err(|e| malformed(format!("the statement: {e}")))?;
    if st.statement_type != STATEMENT_TYPE || st.predicate_type != PREDICATE_TYPE {
        return Err(malformed(format!("statement {} with predicate {}", st.statement_type, st.predicate_type)));
    }
    Ok(Verified { key_ids, public: key.public.to_base64(), predicate: st.predicate, subjects: st.subject.0 })
}

/// The policy's checks of a verified review and that it is about this
/// project: the key's roles, its validity at the review's time.
fn admit(key: &crate::policy::PolicyKey, p: &Predicate, manifest: &Manifest) -> Result<(), NotCounted> {
    if !key.roles.contains(&Role::Reviewer) {
        return Err(NotCounted::NotReviewer { key: key.name.clone() });
    }
    if key.roles.contains(&Role::Release) {
        return Err(NotCounted::SelfReview { key: key.name.clone() });
    }
    let t = parse_time(&p.time)
        .ok_or_else(|| NotCounted::Malformed { detail: format!("time {:?} is not RFC 3339", p.time) })?;
    if let Some(detail) = key.invalid_at(t) {
        return Err(NotCounted::KeyInvalid { key: key.name.clone(), detail });
    }
    if p.project.name != manifest.project.name {
        return Err(NotCounted::OtherProject { project: p.project.name.clone() });
    }
    Ok(())
}

/// Matches well-formed subjects against the release.
fn match_subjects(subjects: &Subjects, release: &ReleaseIndex<'_>) -> Matching {
    let files = &release.manifest.source.files;
    let mut matched = Vec::new();
    let mut unmatched: Option<(&str, Digest)> = None;
    let mut from = 0;
    for (name, d) in subjects.iter() {
        let Some(d) = d else { continue };
        let at = if subjects.ascending {
            let r = release.find_from(from, name);
            from = match r {
                Ok(i) => i + 1,
                Err(i) => i,
            };
            r.ok()
        } else {
            release.find(name).map(|(i, _)| i as usize)
        };
        match at {
            Some(i) if files[i].digest() == Some(d) => matched.push(i as u32),
            _ => {
                if unmatched.is_none_or(|(u, _)| name.as_bytes() < u.as_bytes()) {
                    unmatched = Some((name, d));
                }
            }
        }
    }
    if !subjects.ascending {
        matched.sort_unstable();
    }
    Matching { subjects: subjects.items.len(), matched, unmatched: unmatched.map(|(n, d)| (n.to_string(), d)) }
}

/// A review admitted by the policy, matched against the release: it counts
/// unless it says it read this very release and names bytes the manifest
/// does not have.
fn conclude(
    file: &str,
    key: &crate::policy::PolicyKey,
    p: &Predicate,
    m: Matching,
    release: &ReleaseIndex<'_>,
) -> Result<Counted, NotCounted> {
    if p.manifest_digest == release.digest
        && let Some((path, d)) = &m.unmatched
    {
        let manifest = match release.find(path) {
            Some((_, e)) => e.digest().map_or_else(|| "no such file".into(), |m| m.to_string()),
            None => "no such file".into(),
        };
        return Err(NotCounted::NotTheManifest { path: path.clone(), review: d.to_string(), manifest });
    }
    Ok(Counted {
        file: file.to_string(),
        key: key.name.clone(),
        key_id: key.public.key_id_hex(),
        reviewer: p.reviewer.clone(),
        criteria: p.criteria.clone(),
        verdict: p.verdict,
        time: p.time.clone(),
        release: format!("{}-{}", p.project.name, p.project.version),
        subjects: m.subjects,
        matched: m.matched,
        notes: p.notes.clone(),
    })
}

/// One review file. Its bytes are read when they are needed: with a cache,
/// the file is first only hashed (streamed, not kept), and read whole only
/// when no cache entry holds for that digest.
#[derive(Debug)]
struct ReviewFile {
    name: String,
    /// Where to read it (`None`: given as bytes).
    path: Option<PathBuf>,
    /// The bytes, or why they could not be read.
    bytes: OnceLock<Result<Vec<u8>, String>>,
    /// The SHA-256 of the file as hashed for the cache lookup.
    sha256: OnceLock<Result<Digest, String>>,
    /// The envelope verified (from `bytes`).
    verified: OnceLock<Result<Verified, NotCounted>>,
}

impl ReviewFile {
    fn bytes(&self) -> Result<&[u8], NotCounted> {
        let read = || match &self.path {
            Some(p) => fsutil::read_bounded(p, MAX_REVIEW_BYTES, Symlinks::Refuse).map_err(|e| e.to_string()),
            None => Ok(Vec::new()),
        };
        match self.bytes.get_or_init(read) {
            Ok(b) => Ok(b),
            Err(detail) => Err(NotCounted::Malformed { detail: detail.clone() }),
        }
    }

    /// The file's SHA-256; with `stamps`, taken from an earlier run when
    /// the file is unchanged on disk since (see [`fsutil::FileStamp`]), and
    /// recorded otherwise.
    fn sha256(&self, stamps: Option<&Stamps>) -> Result<Digest, NotCounted> {
        let hash = || match (&self.path, self.bytes.get()) {
            (_, Some(Ok(b))) => Ok(Digest::of(b)),
            (Some(p), _) => {
                let stamp =
                    stamps.and_then(|_| std::fs::symlink_metadata(p).ok()).and_then(|m| fsutil::FileStamp::of(&m));
                if let (Some(st), Some(s)) = (stamps, stamp)
                    && let Some(d) = st.old.get(&s)
                {
                    st.new.lock().unwrap_or_else(|p| p.into_inner()).push((s, *d));
                    return Ok(*d);
                }
                let d = fsutil::hash_bounded(p, MAX_REVIEW_BYTES, Symlinks::Refuse, &mut [0; 64 << 10])
                    .map(|(d, _)| d)
                    .map_err(|e| e.to_string())?;
                if let (Some(st), Some(s)) = (stamps, stamp)
                    && s.settled(st.now)
                {
                    st.new.lock().unwrap_or_else(|p| p.into_inner()).push((s, d));
                }
                Ok(d)
            }
            (None, _) => self.bytes().map(Digest::of).map_err(|e| e.to_string()),
        };
        match self.sha256.get_or_init(hash) {
            Ok(d) => Ok(*d),
            Err(detail) => Err(NotCounted::Malformed { detail: detail.clone() }),
        }
    }
}

/// The review files of a folder under one policy, read once and checked
/// against any number of releases: each envelope is verified at most once,
/// and with a [`Cache`] not at all when it was verified before.
#[derive(Debug)]
pub struct ReviewSet {
    policy: Policy,
    files: Vec<ReviewFile>,
    cache: Option<Cache>,
    /// With a cache: the review files' digests by their stamp on disk, as
    /// earlier runs found them, and what this run found.
    stamps: Option<Stamps>,
}

#[derive(Debug, Default)]
struct Stamps {
    old: HashMap<fsutil::FileStamp, Digest>,
    new: std::sync::Mutex<Vec<(fsutil::FileStamp, Digest)>>,
    now: i128,
}

impl Drop for ReviewSet {
    /// Keeps this run's stamps for the next, when they changed.
    fn drop(&mut self) {
        let (Some(cache), Some(st)) = (&self.cache, &self.stamps) else { return };
        let rows = std::mem::take(&mut *st.new.lock().unwrap_or_else(|p| p.into_inner()));
        let same = rows.len() == st.old.len() && rows.iter().all(|(s, d)| st.old.get(s) == Some(d));
        if !same {
            cache.put_stamps(rows);
        }
    }
}

impl ReviewSet {
    /// The `*.review.dsse.json` files in `dir`, sorted by name; each is read
    /// (regular files only, never through a symlink, each within
    /// [`MAX_REVIEW_BYTES`]) when a release is checked.
    pub fn read(dir: &Path, policy: Policy, cache: Option<Cache>) -> Result<ReviewSet, ReviewError> {
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
        let files = names.into_iter().map(|(name, path)| ReviewFile::new(name, Some(path), OnceLock::new())).collect();
        let stamps =
            cache.as_ref().map(|c| Stamps { old: c.stamps(), now: fsutil::FileStamp::now(), ..Default::default() });
        Ok(ReviewSet { policy, files, cache, stamps })
    }

    /// Review files already read: (file name, bytes or why they could not be read).
    pub fn from_files(files: Vec<(String, Result<Vec<u8>, String>)>, policy: Policy, cache: Option<Cache>) -> Self {
        let files = files.into_iter().map(|(name, bytes)| ReviewFile::new(name, None, OnceLock::from(bytes))).collect();
        ReviewSet { policy, files, cache, stamps: None }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Does ahead what checking a release needs of every file, in parallel:
    /// with a cache, hashing it; without, reading and verifying it. For a
    /// caller to run beside other work (reading the bundle); a check made
    /// meanwhile waits for the file it needs.
    pub fn prepare(&self) {
        self.files.par_iter().for_each_init(Vec::new, |body, f| {
            if self.cache.is_some() {
                let _ = f.sha256(self.stamps.as_ref());
            } else if let Ok(bytes) = f.bytes() {
                f.verified.get_or_init(|| verify_envelope(&f.name, bytes, &self.policy, body));
            }
        });
    }

    /// Checks every file for release `manifest` (see the module docs for
    /// when a review counts), the files in parallel.
    pub fn check(&self, manifest: &Manifest, manifest_digest: Digest) -> Reviews {
        let release = ReleaseIndex::new(manifest, manifest_digest);
        let results: Vec<Result<Counted, NotCounted>> =
            self.files.par_iter().map_init(Vec::new, |body, f| self.check_file(f, &release, body)).collect();
        let mut out = Reviews::default();
        for (f, r) in self.files.iter().zip(results) {
            match r {
                Ok(c) => out.counted.push(c),
                Err(why) => out.not_counted.push((f.name.clone(), why)),
            }
        }
        out
    }

    fn check_file(
        &self,
        f: &ReviewFile,
        release: &ReleaseIndex<'_>,
        body: &mut Vec<u8>,
    ) -> Result<Counted, NotCounted> {
        // A result of this machine's own earlier check of these exact bytes
        // for this release, if the policy maps the envelope to the key that
        // verified it then; the policy's checks are made again.
        if let Some(cache) = &self.cache
            && let Some(hit) =
                cache.get(f.sha256(self.stamps.as_ref())?, release.digest, release.manifest.source.files.len())
            && let Some(key) = policy_key(&self.policy, &hit.key_ids)
            && key.public.to_base64() == hit.public_key
        {
            admit(key, &hit.predicate, release.manifest)?;
            return conclude(&f.name, key, &hit.predicate, hit.matching(), release);
        }
        let bytes = f.bytes()?;
        let v = f
            .verified
            .get_or_init(|| verify_envelope(&f.name, bytes, &self.policy, body))
            .as_ref()
            .map_err(Clone::clone)?;
        let key = policy_key(&self.policy, &v.key_ids)
            .ok_or_else(|| NotCounted::UnknownKey { key_ids: v.key_ids.clone() })?;
        admit(key, &v.predicate, release.manifest)?;
        if let Some(detail) = v.subjects.problem() {
            return Err(NotCounted::Malformed { detail });
        }
        let m = match_subjects(&v.subjects, release);
        if let Some(cache) = &self.cache {
            // Keyed by the bytes verified (the file may have changed since it was hashed).
            let sha = Digest::of(bytes);
            cache.put(&CacheEntry::new(sha, release.digest, &v.key_ids, &v.public, &v.predicate, &m));
        }
        conclude(&f.name, key, &v.predicate, m, release)
    }
}

impl ReviewFile {
    fn new(name: String, path: Option<PathBuf>, bytes: OnceLock<Result<Vec<u8>, String>>) -> Self {
        ReviewFile { name, path, bytes, sha256: OnceLock::new(), verified: OnceLock::new() }
    }
}

/// Reads `*.review.dsse.json` in `dir` (see [`ReviewSet::read`]) and checks
/// each against `policy` for release `manifest`, with the verified-review
/// cache if one is given.
pub fn load(
    dir: &Path,
    policy: &Policy,
    manifest: &Manifest,
    manifest_digest: Digest,
    cache: Option<Cache>,
) -> Result<Reviews, ReviewError> {
    Ok(ReviewSet::read(dir, policy.clone(), cache)?.check(manifest, manifest_digest))
}

/// Checks one review envelope (see the module docs for when it counts).
pub fn check_one(
    name: &str,
    bytes: &[u8],
    policy: &Policy,
    manifest: &Manifest,
    manifest_digest: Digest,
) -> Result<Counted, NotCounted> {
    let set = ReviewSet::from_files(vec![(name.to_string(), Ok(bytes.to_vec()))], policy.clone(), None);
    let release = ReleaseIndex::new(manifest, manifest_digest);
    set.check_file(&set.files[0], &release, &mut Vec::new())
}

/// One flagged file of the release as the reviews see it.
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

/// Per-entry sets of reviewer keys, as bits (one word per 64 keys).
struct KeySets {
    words: usize,
    bits: Vec<u64>,
}

impl KeySets {
    fn new(entries: usize, keys: usize) -> Self {
        let words = keys.div_ceil(64);
        KeySets { words, bits: vec![0; entries * words] }
    }
    fn insert(&mut self, entry: usize, key: usize) {
        if let Some(w) = self.bits.get_mut(entry * self.words + key / 64) {
            *w |= 1 << (key % 64);
        }
    }
    fn of(&self, entry: usize) -> &[u64] {
        self.bits.get(entry * self.words..(entry + 1) * self.words).unwrap_or(&[])
    }
    fn len(&self, entry: usize) -> u32 {
        self.of(entry).iter().map(|w| w.count_ones()).sum()
    }
    fn names(&self, entry: usize, keys: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for (wi, w) in self.of(entry).iter().enumerate() {
            for b in 0..64 {
                if w & (1 << b) != 0 {
                    out.push(keys[wi * 64 + b].to_string());
                }
            }
        }
        out
    }
}

/// Coverage under `criteria`, a file being covered when at least
/// `reviewers` distinct keys passed its bytes and none flagged them, and
/// the status of each flagged file. `reviews` must have been checked
/// against this `manifest` (their matches are its entries).
pub fn coverage(
    manifest: &Manifest,
    reviews: &Reviews,
    criteria: &[String],
    reviewers: u32,
) -> (Coverage, Vec<FileStatus>) {
    let entries = &manifest.source.files;
    let counted: Vec<&Counted> = reviews.counted.iter().filter(|r| criteria.contains(&r.criteria)).collect();
    // Distinct keys, sorted: bit k of an entry's set is keys[k].
    let mut keys: Vec<&str> = counted.iter().map(|r| r.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut pass = KeySets::new(entries.len(), keys.len());
    let mut flag = KeySets::new(entries.len(), keys.len());
    let mut notes: std::collections::HashMap<u32, Vec<Note>> = std::collections::HashMap::new();
    for r in &counted {
        let k = keys.binary_search(&r.key.as_str()).unwrap_or(0);
        let target = if r.verdict == Verdict::Pass { &mut pass } else { &mut flag };
        for &i in &r.matched {
            target.insert(i as usize, k);
        }
        for n in &r.notes {
            if let Some((i, _)) = find_entry(manifest, &n.path)
                && r.names(i)
            {
                notes.entry(i).or_default().push(n.clone());
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
    for (i, e) in entries.iter().enumerate().filter(|(_, e)| is_file(e.kind())) {
        let Some(d) = e.digest() else { continue };
        let path = e.path().as_str();
        let flagged = flag.len(i) > 0;
        let covered = !flagged && pass.len(i) >= reviewers.max(1);
        cov.files += 1;
        cov.bytes += e.size();
        let folder = path.split_once('/').map_or(".", |(f, _)| f);
        let slot = match cov.by_folder.get_mut(folder) {
            Some(s) => s,
            None => cov.by_folder.entry(folder.to_string()).or_insert((0, 0)),
        };
        slot.0 += 1;
        if covered {
            cov.covered_files += 1;
            cov.covered_bytes += e.size();
            slot.1 += 1;
        } else {
            cov.left.push(path.to_string());
        }
        if flagged {
            cov.flagged.push(path.to_string());
            files.push(FileStatus {
                path: path.to_string(),
                size: e.size(),
                digest: d,
                passed_by: pass.names(i, &keys),
                flagged_by: flag.names(i, &keys),
                notes: notes.get(&(i as u32)).cloned().unwrap_or_default(),
            });
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "{\"created\":\"2026-01-01T00:00:00Z\",\"project\":{\"name\":\"app\",\"version\":\"1.0.0\"},\"schema\":\"vouch.manifest/v1\",\"source\":{\"count\":2,\"files\":[{\"digest\":\"sha256:98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4\",\"kind\":\"file\",\"path\":\"a.txt\",\"size\":3},{\"digest\":\"sha256:ebe95d10cc11e27bd8d4d1ce91bc725665ddbaa6ca2498ef38a88a58ad48cdb4\",\"kind\":\"file\",\"path\":\"b.rs\",\"size\":3}],\"merkle_root\":\"sha256:7230434367837b8ced4be5b549ee616130b5ae66430863ca9033361bb04ed5b0\"}}";
    const A: &str = "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4";
    const B: &str = "ebe95d10cc11e27bd8d4d1ce91bc725665ddbaa6ca2498ef38a88a58ad48cdb4";

    /// Signs a review whose `subject` is `subjects` (raw JSON) and checks it.
    fn check(subjects: &str, claims_this_release: bool) -> Result<Counted, NotCounted> {
        let key = SecretKey::generate().unwrap();
        let manifest = Manifest::from_slice(MANIFEST.as_bytes(), Path::new("manifest.json")).unwrap();
        let digest = Digest::of(MANIFEST.as_bytes());
        let read = if claims_this_release { digest } else { Digest::of(b"an older release") };
        let policy = Policy::parse(
            format!("[keys.rev]\npublic = \"{}\"\nroles = [\"reviewer\"]\n", key.public_key().to_base64()).as_bytes(),
            Path::new("trust.toml"),
        )
        .unwrap();
        let statement = format!(
            "{{\"_type\":\"{STATEMENT_TYPE}\",\"subject\":{subjects},\"predicateType\":\"{PREDICATE_TYPE}\",\"predicate\":{{\"project\":{{\"name\":\"app\",\"version\":\"0.9.0\"}},\"manifest_digest\":\"{read}\",\"criteria\":\"c\",\"verdict\":\"pass\",\"reviewer\":\"r\",\"time\":\"2026-06-01T00:00:00Z\"}}}}"
        );
        let env = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, statement.as_bytes(), &key);
        check_one("r.review.dsse.json", &env.to_json(), &policy, &manifest, digest)
    }

    fn subject(name: &str, hex: &str) -> String {
        format!("{{\"name\":\"{name}\",\"digest\":{{\"sha256\":\"{hex}\"}}}}")
    }

    #[test]
    fn subjects_in_any_order_and_escaped_names_match_the_manifest() {
        let c = check(&format!("[{},{}]", subject("a.txt", A), subject("b.rs", B)), true).unwrap();
        assert_eq!((c.subjects, c.matched.as_slice()), (2, &[0, 1][..]));
        let c = check(&format!("[{},{}]", subject("b.rs", B), subject("a\\u002etxt", A)), true).unwrap();
        assert_eq!((c.subjects, c.matched.as_slice()), (2, &[0, 1][..]));
        // Other bytes of a file, or a file the release does not have, in a
        // review of an older release: counted, matching only what is the same.
        let other = "11".repeat(32);
        let c = check(&format!("[{},{},{}]", subject("a.txt", &other), subject("b.rs", B), subject("c", A)), false)
            .unwrap();
        assert_eq!((c.subjects, c.matched.as_slice()), (3, &[1][..]));
        assert!(c.names(1) && !c.names(0));
    }

    #[test]
    fn a_review_of_this_release_naming_other_bytes_names_the_first_by_path() {
        let other = "11".repeat(32);
        let r = check(&format!("[{},{}]", subject("b.rs", &other), subject("a.txt", &other)), true);
        match r {
            Err(NotCounted::NotTheManifest { path, .. }) => assert_eq!(path, "a.txt"),
            r => panic!("{r:?}"),
        }
        let r = check(&format!("[{},{}]", subject("a.txt", A), subject("zz", A)), true);
        assert!(
            matches!(&r, Err(NotCounted::NotTheManifest { path, manifest, .. }) if path == "zz" && manifest == "no such file"),
            "{r:?}"
        );
    }

    #[test]
    fn repeated_or_digestless_subjects_are_not_a_review() {
        let malformed = |r: Result<Counted, NotCounted>| match r {
            Err(NotCounted::Malformed { detail }) => detail,
            r => panic!("{r:?}"),
        };
        let twice = format!("[{},{},{}]", subject("b.rs", B), subject("a.txt", A), subject("b.rs", B));
        assert_eq!(malformed(check(&twice, true)), "subject b.rs appears twice");
        let sorted_twice = format!("[{},{}]", subject("a.txt", A), subject("a.txt", A));
        assert_eq!(malformed(check(&sorted_twice, true)), "subject a.txt appears twice");
        let none = format!("[{},{{\"name\":\"b.rs\",\"digest\":{{\"sha512\":\"{B}\"}}}}]", subject("a.txt", A));
        assert_eq!(malformed(check(&none, true)), "subject b.rs has no sha256 digest");
        let upper = format!("[{}]", subject("a.txt", &A.to_uppercase()));
        assert_eq!(malformed(check(&upper, true)), "subject a.txt has no sha256 digest");
        assert!(
            malformed(check("[{\"name\":\"a.txt\",\"digest\":{},\"extra\":1}]", true)).starts_with("the statement")
        );
    }
}
