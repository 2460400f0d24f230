//! The trust policy, `trust.toml`: which keys count for what.
//!
//! ```toml
//! [keys.acme-release-2026]            # a name of the user's choosing
//! public = "RWQ..."                   # the base64 line of a minisign public key
//! roles = ["release"]                 # any of: release, builder, reviewer
//! not-before = 2026-01-01T00:00:00Z   # optional validity window, against the signature's timestamp
//! not-after = 2027-12-31T23:59:59Z
//! # revoked = 2026-06-01T00:00:00Z    # signatures after this time fail
//! # compromised = true                # every signature by this key fails
//!
//! [roles.release]
//! threshold = 1                       # distinct valid keys of this role needed
//! [roles.builder]
//! threshold = 0                       # matching signed rebuild reports needed
//! ```
//!
//! Times are TOML offset date-times, or bare dates (midnight UTC). A
//! signature's time is the `timestamp:` of its trusted comment, which the
//! signature covers. `revoked = T` fails signatures made after T;
//! `compromised = true` fails every signature by the key, whatever its date,
//! since a stolen key can backdate. A key counts at most once per role, even
//! when several signature files or policy entries carry it.
//!
//! Manifest signatures count for the `release` and `reviewer` roles; the
//! `builder` role counts signed rebuild reports that match the manifest,
//! which the caller verifies and passes as [`BuilderReport`]s.
//!
//! Every [`Report`] carries the policy file's SHA-256, so reviewers can pin
//! the policy they were given.

use crate::keys::{KeyId, PublicKey};
use crate::manifest_sig::{self, BundleSignature};
use crate::sig::{Legacy, VerifyError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use vouch_manifests::{Digest, Manifest};

/// A role a key can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Signs releases (manifest signatures).
    Release,
    /// Rebuilds independently and signs rebuild reports.
    Builder,
    /// Co-signs releases after review (manifest signatures).
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Release, Role::Builder, Role::Reviewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Release => "release",
            Role::Builder => "builder",
            Role::Reviewer => "reviewer",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    keys: BTreeMap<String, RawKey>,
    #[serde(default)]
    roles: BTreeMap<String, RawRole>,
    #[serde(default)]
    review: Option<RawReview>,
    log: Option<RawLog>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawReview {
    criteria: Vec<String>,
    #[serde(default = "default_coverage")]
    coverage: i64,
    #[serde(default = "default_reviewers")]
    reviewers: i64,
    #[serde(default = "default_flagged")]
    flagged: String,
}

fn default_coverage() -> i64 {
    100
}
fn default_reviewers() -> i64 {
    1
}
fn default_flagged() -> String {
    "fail".into()
}

/// The policy's `[review]` table: the per-file review requirement that
/// `verify` checks when it is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRequirement {
    /// Criteria whose reviews count.
    pub criteria: Vec<String>,
    /// Percent of file entries that must be covered (0 to 100).
    pub coverage: u32,
    /// Distinct reviewer keys each covered file needs.
    pub reviewers: u32,
    /// `flagged = "fail"`: any flagged file fails; `"warn"`: reported only.
    pub flagged_fails: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLog {
    origin: String,
    key: String,
    #[serde(default)]
    witnesses: Vec<String>,
    #[serde(default)]
    witness_threshold: u32,
}

/// The policy's `[log]`: the release log a verified bundle must be in.
#[derive(Debug, Clone)]
pub struct LogPolicy {
    pub origin: String,
    /// The log's note verifier key (type 0x01).
    pub key: crate::note::VerifierKey,
    /// Cosignature verifier keys (type 0x04).
    pub witnesses: Vec<crate::note::VerifierKey>,
    pub witness_threshold: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawKey {
    public: String,
    #[serde(default)]
    roles: Vec<String>,
    not_before: Option<toml::value::Datetime>,
    not_after: Option<toml::value::Datetime>,
    revoked: Option<toml::value::Datetime>,
    #[serde(default)]
    compromised: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    threshold: u32,
}

/// A key of the policy.
#[derive(Debug, Clone)]
pub struct PolicyKey {
    /// Its name, the `[keys.NAME]` table.
    pub name: String,
    pub public: PublicKey,
    /// Its known roles (unknown role names are lint findings).
    pub roles: BTreeSet<Role>,
    /// Unix seconds.
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    pub revoked: Option<i64>,
    pub compromised: bool,
}

/// How bad a lint finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One lint finding about a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
}

/// Why a policy could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read trust policy {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("trust policy {path} is not valid TOML for a policy")]
    Toml {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("trust policy {path}: key {name}")]
    KeyPublic {
        path: PathBuf,
        name: String,
        #[source]
        source: crate::keys::KeyError,
    },
    #[error("trust policy {path}: key {name}: {field}")]
    KeyTime {
        path: PathBuf,
        name: String,
        field: String,
        #[source]
        source: Box<PolicyTimeError>,
    },
    #[error("trust policy {path} has {} error(s): {}", findings.len(), findings.join("; "))]
    Unusable { path: PathBuf, findings: Vec<String> },
}

/// A parsed trust policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where it was read from.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes.
    pub sha256: Digest,
    /// Keys, sorted by name.
    pub keys: Vec<PolicyKey>,
    /// Role thresholds; a role without a `[roles.X]` table has threshold 0.
    pub thresholds: BTreeMap<Role, u32>,
    /// The `[review]` requirement, when the policy has one.
    pub review: Option<ReviewRequirement>,
    /// The `[log]` table, when present and well-formed.
    pub log: Option<LogPolicy>,
    findings: Vec<Finding>,
}

/// A policy date or time that names no instant.
#[derive(Debug, thiserror::Error)]
pub enum PolicyTimeError {
    #[error("{dt} is not a calendar date")]
    Date {
        dt: toml::value::Datetime,
        #[source]
        source: time::error::ComponentRange,
    },
    #[error("{dt} is not an RFC 3339 time")]
    Time {
        dt: toml::value::Datetime,
        #[source]
        source: time::error::Parse,
    },
    #[error("{dt} needs a time zone offset (e.g. 2026-01-01T00:00:00Z) or must be a bare date")]
    NoOffset { dt: toml::value::Datetime },
}

fn to_unix(dt: &toml::value::Datetime) -> Result<i64, PolicyTimeError> {
    use time::format_description::well_known::Rfc3339;
    let date = |source| PolicyTimeError::Date { dt: *dt, source };
    match (dt.date, dt.time, dt.offset) {
        (Some(d), None, None) => {
            let month = time::Month::try_from(d.month).map_err(date)?;
            let date = time::Date::from_calendar_date(i32::from(d.year), month, d.day).map_err(date)?;
            Ok(date.midnight().assume_utc().unix_timestamp())
        }
        (Some(_), Some(_), Some(_)) => time::OffsetDateTime::parse(&dt.to_string(), &Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|source| PolicyTimeError::Time { dt: *dt, source }),
        _ => Err(PolicyTimeError::NoOffset { dt: *dt }),
    }
}

/// Checks the `[log]` table; problems become error findings.
fn lint_log(l: &RawLog, error: &mut impl FnMut(String)) -> Option<LogPolicy> {
    use crate::note::{ALG_COSIGNATURE_V1, ALG_ED25519, VerifierKey};
    let mut ok = true;
    let key = match VerifierKey::parse(&l.key) {
        Ok(k) if k.alg != ALG_ED25519 => {
            error("[log] key: not an Ed25519 note key (type 0x01)".to_string());
            None
        }
        Ok(k) if k.name != l.origin => {
            error(format!("[log] key is named {:?}, not the origin {:?}", k.name, l.origin));
            None
        }
        Ok(k) => Some(k),
        Err(e) => {
            error(format!("[log] key: {e}"));
            None
        }
    };
    let mut witnesses: Vec<VerifierKey> = Vec::new();
    for w in &l.witnesses {
        match VerifierKey::parse(w) {
            Ok(k) if k.alg != ALG_COSIGNATURE_V1 => {
                ok = false;
                error(format!("[log] witness {:?}: not a cosignature/v1 key (type 0x04)", k.name));
            }
            Ok(k) if witnesses.iter().any(|o| o.key == k.key || o.name == k.name) => {
                ok = false;
                error(format!("[log] witness {:?} is listed twice (same name or key)", k.name));
            }
            Ok(k) => witnesses.push(k),
            Err(e) => {
                ok = false;
                error(format!("[log] witness: {e}"));
            }
        }
    }
    if l.witness_threshold as usize > l.witnesses.len() {
        ok = false;
        error(format!(
            "[log] witness-threshold {} is above the number of witnesses ({})",
            l.witness_threshold,
            l.witnesses.len()
        ));
    }
    let key = key?;
    ok.then(|| LogPolicy { origin: l.origin.clone(), key, witnesses, witness_threshold: l.witness_threshold })
}

/// RFC 3339 UTC for messages.
pub fn show_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}

impl Policy {
    /// Parses a policy; `path` names it in errors and reports.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Policy, PolicyError> {
        let text = std::str::from_utf8(bytes).map_err(|_| PolicyError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
        })?;
        let raw: RawPolicy =
            toml::from_str(text).map_err(|source| PolicyError::Toml { path: path.to_path_buf(), source })?;
        let mut findings = Vec::new();
        let mut error = |message: String| findings.push(Finding { severity: Severity::Error, message });
        let mut keys = Vec::new();
        for (name, k) in &raw.keys {
            let public = PublicKey::from_base64(&k.public, "its `public` value")
                .map_err(|source| PolicyError::KeyPublic { path: path.to_path_buf(), name: name.clone(), source })?;
            let time = |v: &Option<toml::value::Datetime>, field: &str| -> Result<Option<i64>, PolicyError> {
                v.as_ref()
                    .map(|d| {
                        to_unix(d).map_err(|source| PolicyError::KeyTime {
                            path: path.to_path_buf(),
                            name: name.clone(),
                            field: field.to_string(),
                            source: Box::new(source),
                        })
                    })
                    .transpose()
            };
            let mut roles = BTreeSet::new();
            for r in &k.roles {
                match Role::parse(r) {
                    Some(role) => {
                        roles.insert(role);
                    }
                    None => error(format!("key {name}: unknown role {r:?} (known: release, builder, reviewer)")),
                }
            }
            keys.push(PolicyKey {
                name: name.clone(),
                public,
                roles,
                not_before: time(&k.not_before, "not-before")?,
                not_after: time(&k.not_after, "not-after")?,
                revoked: time(&k.revoked, "revoked")?,
                compromised: k.compromised,
            });
        }
        let mut thresholds = BTreeMap::new();
        for (name, r) in &raw.roles {
            match Role::parse(name) {
                Some(role) => {
                    thresholds.insert(role, r.threshold);
                }
                None => error(format!("[roles.{name}]: unknown role (known: release, builder, reviewer)")),
            }
        }
        let review = raw.review.as_ref().map(|r| {
            for c in &r.criteria {
                let ok = !c.is_empty()
                    && c.len() <= 64
                    && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && c.as_bytes()[0].is_ascii_lowercase();
                if !ok {
                    error(format!(
                        "[review] criteria {c:?}: a criteria name is lowercase letters, digits and '-', starting with a letter (e.g. safe-to-deploy)"
                    ));
                }
            }
            if r.criteria.is_empty() {
                error("[review] criteria is empty: name the criteria whose reviews count".into());
            }
            if !(0..=100).contains(&r.coverage) {
                error(format!("[review] coverage {} is outside 0 to 100 (percent)", r.coverage));
            }
            if r.reviewers < 1 {
                error(format!("[review] reviewers {} must be at least 1", r.reviewers));
            }
            let flagged_fails = match r.flagged.as_str() {
                "fail" => true,
                "warn" => false,
                other => {
                    error(format!("[review] flagged {other:?}: expected \"fail\" or \"warn\""));
                    true
                }
            };
            ReviewRequirement {
                criteria: r.criteria.clone(),
                coverage: r.coverage.clamp(0, 100) as u32,
                reviewers: r.reviewers.clamp(1, i64::from(u32::MAX)) as u32,
                flagged_fails,
            }
        });
        let log = raw.log.as_ref().and_then(|l| lint_log(l, &mut error));
        let mut policy = Policy {
            path: path.to_path_buf(),
            sha256: Digest::of(bytes),
            keys,
            thresholds,
            review,
            log,
            findings: Vec::new(),
        };
        findings.extend(policy.lint_structure());
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.message.cmp(&b.message)));
        policy.findings = findings;
        Ok(policy)
    }

    /// Reads and parses a policy file.
    pub fn read(path: &Path) -> Result<Policy, PolicyError> {
        let bytes = vouch_manifests::tree::fsutil::read_bounded(
            path,
            vouch_manifests::tree::fsutil::MAX_DOCUMENT_BYTES,
            vouch_manifests::tree::fsutil::Symlinks::FollowOnce,
        )
        .map_err(|source| PolicyError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&bytes, path)
    }

    /// Reads a policy and refuses it if the lint finds errors.
    pub fn read_usable(path: &Path) -> Result<Policy, PolicyError> {
        let p = Self::read(path)?;
        p.check_usable()?;
        Ok(p)
    }

    fn lint_structure(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut error = |m: String| out.push(Finding { severity: Severity::Error, message: m });
        for k in &self.keys {
            if let (Some(a), Some(b)) = (k.not_before, k.not_after)
                && a > b
            {
                error(format!(
                    "key {}: not-before {} is after not-after {} (inverted window)",
                    k.name,
                    show_time(a),
                    show_time(b)
                ));
            }
        }
        for (i, a) in self.keys.iter().enumerate() {
            for b in &self.keys[i + 1..] {
                if a.public.key_id() == b.public.key_id() || a.public.ed25519_bytes() == b.public.ed25519_bytes() {
                    error(format!(
                        "keys {} and {} are the same key ({}): list each key once",
                        a.name,
                        b.name,
                        a.public.key_id()
                    ));
                }
            }
        }
        for (role, &threshold) in &self.thresholds {
            let n = self.distinct_keys_with(*role);
            if threshold as usize > n {
                error(format!(
                    "role {role}: threshold {threshold} is above the {n} distinct key(s) holding it, so it can never be met"
                ));
            }
        }
        if let Some(r) = &self.review {
            let n = self.distinct_keys_with(Role::Reviewer);
            if r.reviewers as usize > n {
                error(format!(
                    "[review] reviewers {} is above the {n} distinct reviewer key(s), so the requirement can never be met",
                    r.reviewers
                ));
            }
        }
        match self.thresholds.get(&Role::Release) {
            None => error("no [roles.release] table: a release threshold of at least 1 is needed".into()),
            Some(0) => error("role release: threshold 0 would accept unsigned releases".into()),
            Some(_) => {}
        }
        let mut warn = |m: String| out.push(Finding { severity: Severity::Warning, message: m });
        if self.keys.is_empty() {
            warn("the policy lists no keys".into());
        }
        for k in &self.keys {
            if k.roles.is_empty() {
                warn(format!("key {}: no roles, so it never counts", k.name));
            }
            if k.roles.contains(&Role::Reviewer) && k.roles.contains(&Role::Release) {
                warn(format!(
                    "key {}: holds both release and reviewer, so its reviews never count (no self-review)",
                    k.name
                ));
            }
            if let (Some(r), Some(nb)) = (k.revoked, k.not_before)
                && r < nb
            {
                warn(format!("key {}: revoked before its not-before, so it never counts", k.name));
            }
        }
        for role in Role::ALL {
            if !self.thresholds.contains_key(&role) && self.distinct_keys_with(role) > 0 {
                warn(format!("role {role} has keys but no [roles.{role}] table: its threshold is 0"));
            }
        }
        out
    }

    fn distinct_keys_with(&self, role: Role) -> usize {
        self.keys.iter().filter(|k| k.roles.contains(&role)).map(|k| k.public.key_id()).collect::<BTreeSet<_>>().len()
    }

    /// The lint findings, errors first.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Fails when the lint found errors.
    pub fn check_usable(&self) -> Result<(), PolicyError> {
        let errors: Vec<String> =
            self.findings.iter().filter(|f| f.severity == Severity::Error).map(|f| f.message.clone()).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(PolicyError::Unusable { path: self.path.clone(), findings: errors })
        }
    }

    /// The policy key with this key id, if any.
    pub fn key(&self, id: KeyId) -> Option<&PolicyKey> {
        self.keys.iter().find(|k| k.public.key_id() == id)
    }

    /// The threshold of `role` (0 without a `[roles.X]` table).
    pub fn threshold(&self, role: Role) -> u32 {
        self.thresholds.get(&role).copied().unwrap_or(0)
    }
}

impl PolicyKey {
    /// Why a signature made at `timestamp` by this key does not count, if it does not.
    pub fn invalid_at(&self, timestamp: i64) -> Option<String> {
        if self.compromised {
            return Some(format!("key {} is marked compromised: none of its signatures count", self.name));
        }
        if let Some(nb) = self.not_before
            && timestamp < nb
        {
            return Some(format!(
                "signed at {}, before key {}'s not-before {}",
                show_time(timestamp),
                self.name,
                show_time(nb)
            ));
        }
        if let Some(na) = self.not_after
            && timestamp > na
        {
            return Some(format!(
                "signed at {}, after key {}'s not-after {}",
                show_time(timestamp),
                self.name,
                show_time(na)
            ));
        }
        if let Some(r) = self.revoked
            && timestamp > r
        {
            return Some(format!(
                "signed at {}, after key {} was revoked at {}",
                show_time(timestamp),
                self.name,
                show_time(r)
            ));
        }
        None
    }
}

/// A signed rebuild report the caller has verified and matched against the
/// manifest: it counts for the builder role of its key.
#[derive(Debug, Clone)]
pub struct BuilderReport {
    /// Where it came from, for the report (e.g. `reports/x.json`).
    pub source: String,
    pub key_id: KeyId,
    /// Its signature's trusted timestamp (unix seconds).
    pub timestamp: i64,
}

/// What to evaluate: a manifest and the signatures found beside it.
#[derive(Debug)]
pub struct Evidence<'a> {
    /// The manifest's path, for messages.
    pub manifest_path: &'a Path,
    pub manifest_bytes: &'a [u8],
    /// The bundle's signature files.
    pub signatures: &'a [BundleSignature],
    /// Verified rebuild reports matching this manifest; may be empty.
    pub builder_reports: &'a [BuilderReport],
    pub legacy: Legacy,
}

/// The verdict on one signature file or rebuild report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// The signature (or report) file.
    pub file: String,
    /// The key id it claims, when readable.
    pub key_id: Option<KeyId>,
    /// The key's name in the policy.
    pub key_name: Option<String>,
    /// The roles it counted for (empty when not counted).
    pub roles: Vec<Role>,
    /// Its trusted timestamp.
    pub timestamp: Option<i64>,
    /// Its trusted comment, when the signature verified.
    pub trusted_comment: Option<String>,
    pub counted: bool,
    /// Why it does not count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Refusal>,
}

/// Why a signature or rebuild report does not count. Written as its
/// message (the `reason` of the JSON report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The key is not in the policy: the signature may be sound, but it is
    /// not trusted.
    UnknownKey(KeyId),
    /// The file is named for one key and signed by another.
    MisnamedFile { named: KeyId, signer: KeyId },
    /// The key is compromised, or the signature's time is outside the key's
    /// validity (the policy's words).
    KeyNotValid(String),
    /// The key has none of the roles this evidence counts for.
    NoRole { key: String, roles: &'static str },
    /// The key already counted for every role it has.
    AlreadyCounted { key: String },
    /// The signature `what` is a legacy (non-prehashed) minisign signature,
    /// and legacy signatures were not allowed ([`Legacy::Refuse`]).
    Legacy { what: String },
    /// The file is not a signature, does not verify, is not bound to the
    /// manifest, or the manifest does not parse (the check's words).
    Invalid(String),
}

impl Refusal {
    /// The evidence is invalid for `e`, written with its causes (the
    /// report holds it as text).
    fn invalid(e: &(impl std::error::Error + 'static)) -> Refusal {
        Refusal::Invalid(vouch_manifests::error_chain(&e))
    }

    /// The manifest signature does not verify for `e`: refused as legacy
    /// when that is why, else invalid.
    fn signature(e: &manifest_sig::ManifestSigError) -> Refusal {
        match e {
            manifest_sig::ManifestSigError::Verify(VerifyError::LegacyRefused { what }) => {
                Refusal::Legacy { what: what.clone() }
            }
            e => Refusal::invalid(e),
        }
    }

    /// Whether the evidence is refused only because its key is not trusted
    /// (as opposed to being invalid).
    pub fn is_untrusted(&self) -> bool {
        matches!(self, Refusal::UnknownKey(_))
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownKey(k) => write!(f, "key {k} is not in the policy"),
            Refusal::MisnamedFile { named, signer } => {
                write!(f, "the file is named for key {named} but the signature is by key {signer}")
            }
            Refusal::KeyNotValid(why) | Refusal::Invalid(why) => f.write_str(why),
            Refusal::NoRole { key, roles } => write!(f, "key {key} has no {roles} role"),
            Refusal::AlreadyCounted { key } => write!(f, "key {key} already counted (one key never counts twice)"),
            // The words of the error it stands for.
            Refusal::Legacy { what } => VerifyError::LegacyRefused { what: what.clone() }.fmt(f),
        }
    }
}

impl Serialize for Refusal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The verdict on one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleCheck {
    pub role: Role,
    pub threshold: u32,
    /// Distinct valid keys.
    pub valid: u32,
    /// Their names.
    pub keys: Vec<String>,
    pub held: bool,
}

/// The result of evaluating a bundle's signatures against a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub policy: String,
    pub policy_sha256: Digest,
    pub manifest: String,
    pub manifest_sha256: Digest,
    /// From the manifest, when it parses.
    pub project: Option<String>,
    pub version: Option<String>,
    pub signatures: Vec<SignatureCheck>,
    pub builder_reports: Vec<SignatureCheck>,
    pub roles: Vec<RoleCheck>,
    /// The earliest trusted timestamp among counted release signatures.
    pub signed_at: Option<i64>,
    pub held: bool,
}

impl Policy {
    /// Evaluates the evidence. Never fails: every problem is a reason in the
    /// report. Use a policy that passed [`Policy::check_usable`] (as
    /// [`Policy::read_usable`] gives).
    pub fn evaluate(&self, ev: &Evidence<'_>) -> Report {
        let mwhat = ev.manifest_path.display().to_string();
        let manifest = Manifest::from_slice(ev.manifest_bytes, ev.manifest_path);
        let mut tally = Tally::default();
        let signatures: Vec<SignatureCheck> =
            ev.signatures.iter().map(|bs| tally.signature(self, ev, &manifest, &mwhat, bs)).collect();
        let builder_reports: Vec<SignatureCheck> =
            ev.builder_reports.iter().map(|br| tally.builder_report(self, br)).collect();
        let roles = tally.roles(self);
        let held = roles.iter().all(|r| r.held) && self.threshold(Role::Release) >= 1 && manifest.is_ok();
        let (project, version) = match &manifest {
            Ok(m) => (Some(m.project.name.to_string()), Some(m.project.version.to_string())),
            Err(_) => (None, None),
        };
        Report {
            policy: self.path.display().to_string(),
            policy_sha256: self.sha256,
            manifest: mwhat,
            manifest_sha256: Digest::of(ev.manifest_bytes),
            project,
            version,
            signatures,
            builder_reports,
            roles,
            signed_at: tally.signed_at,
            held,
        }
    }
}

/// The keys counted so far for each role, by [`Policy::evaluate`]: one key
/// never counts twice for a role.
#[derive(Default)]
struct Tally {
    counted: BTreeMap<Role, BTreeMap<KeyId, String>>,
    /// The earliest trusted timestamp among counted release signatures.
    signed_at: Option<i64>,
}

impl Tally {
    fn has(&self, role: Role, key: &KeyId) -> bool {
        self.counted.get(&role).is_some_and(|m| m.contains_key(key))
    }

    /// One signature file: verified against its key in the policy and
    /// bound to the manifest, it counts for the key's release and reviewer
    /// roles.
    fn signature(
        &mut self,
        policy: &Policy,
        ev: &Evidence<'_>,
        manifest: &Result<Manifest, vouch_manifests::model::manifest::ManifestError>,
        mwhat: &str,
        bs: &BundleSignature,
    ) -> SignatureCheck {
        let file = bs.path.display().to_string();
        let mut check = SignatureCheck::new(file.clone());
        let verdict = (|| -> Result<Vec<Role>, Refusal> {
            let sig = bs.signature.as_ref().map_err(Refusal::invalid)?;
            check.key_id = Some(sig.key_id);
            if let Some(named) = bs.named_key_id
                && named != sig.key_id
            {
                return Err(Refusal::MisnamedFile { named, signer: sig.key_id });
            }
            let key = policy.key(sig.key_id).ok_or(Refusal::UnknownKey(sig.key_id))?;
            check.key_name = Some(key.name.clone());
            if key.compromised {
                return Err(Refusal::KeyNotValid(key.invalid_at(0).unwrap_or_default()));
            }
            let comment =
                manifest_sig::verify_manifest_bytes(sig, &key.public, ev.manifest_bytes, ev.legacy, &file, mwhat)
                    .map_err(|e| Refusal::signature(&e))?;
            check.trusted_comment = Some(sig.trusted_comment.clone());
            check.timestamp = Some(comment.timestamp);
            let m = manifest.as_ref().map_err(Refusal::invalid)?;
            comment.check_binding(ev.manifest_bytes, m, mwhat).map_err(|e| Refusal::invalid(&e))?;
            if let Some(why) = key.invalid_at(comment.timestamp) {
                return Err(Refusal::KeyNotValid(why));
            }
            let roles: Vec<Role> =
                key.roles.iter().copied().filter(|r| matches!(r, Role::Release | Role::Reviewer)).collect();
            if roles.is_empty() {
                return Err(Refusal::NoRole { key: key.name.clone(), roles: "release or reviewer" });
            }
            if roles.iter().all(|r| self.has(*r, &sig.key_id)) {
                return Err(Refusal::AlreadyCounted { key: key.name.clone() });
            }
            for r in &roles {
                self.counted.entry(*r).or_default().insert(sig.key_id, key.name.clone());
            }
            if roles.contains(&Role::Release) {
                self.signed_at = Some(self.signed_at.map_or(comment.timestamp, |t| t.min(comment.timestamp)));
            }
            Ok(roles)
        })();
        check.settle(verdict);
        check
    }

    /// One verified rebuild report: it counts for the builder role of its key.
    fn builder_report(&mut self, policy: &Policy, br: &BuilderReport) -> SignatureCheck {
        let key = policy.key(br.key_id);
        let mut check = SignatureCheck::new(br.source.clone());
        check.key_id = Some(br.key_id);
        check.key_name = key.map(|k| k.name.clone());
        check.timestamp = Some(br.timestamp);
        let verdict = match key {
            None => Err(Refusal::UnknownKey(br.key_id)),
            Some(k) if !k.roles.contains(&Role::Builder) => {
                Err(Refusal::NoRole { key: k.name.clone(), roles: "builder" })
            }
            Some(k) => match k.invalid_at(br.timestamp) {
                Some(why) => Err(Refusal::KeyNotValid(why)),
                None if self.has(Role::Builder, &br.key_id) => Err(Refusal::AlreadyCounted { key: k.name.clone() }),
                None => {
                    self.counted.entry(Role::Builder).or_default().insert(br.key_id, k.name.clone());
                    Ok(vec![Role::Builder])
                }
            },
        };
        check.settle(verdict);
        check
    }

    /// Each role the policy names (or that a key counted for) against its threshold.
    fn roles(&self, policy: &Policy) -> Vec<RoleCheck> {
        let mut roles = Vec::new();
        for role in Role::ALL {
            let threshold = policy.threshold(role);
            let keys: Vec<String> = self.counted.get(&role).map(|m| m.values().cloned().collect()).unwrap_or_default();
            let valid = keys.len() as u32;
            if threshold == 0 && valid == 0 && !policy.thresholds.contains_key(&role) {
                continue;
            }
            roles.push(RoleCheck { role, threshold, valid, keys, held: valid >= threshold });
        }
        roles
    }
}

impl SignatureCheck {
    fn new(file: String) -> SignatureCheck {
        SignatureCheck {
            file,
            key_id: None,
            key_name: None,
            roles: Vec::new(),
            timestamp: None,
            trusted_comment: None,
            counted: false,
            reason: None,
        }
    }

    /// Counted for `roles`, or not, and why.
    fn settle(&mut self, verdict: Result<Vec<Role>, Refusal>) {
        match verdict {
            Ok(roles) => {
                self.counted = true;
                self.roles = roles;
            }
            Err(r) => self.reason = Some(r),
        }
    }
}

/// Convenience: evaluate a bundle directory (its `manifest.json` and
/// `signatures/`) with no rebuild reports.
pub fn evaluate_bundle(
    policy: &Policy,
    bundle: &Path,
    legacy: Legacy,
) -> Result<Report, manifest_sig::BundleSignError> {
    let mpath = bundle.join(manifest_sig::MANIFEST_FILE);
    let bytes = vouch_manifests::tree::fsutil::read_bounded(
        &mpath,
        vouch_manifests::tree::fsutil::MAX_MANIFEST_BYTES,
        vouch_manifests::tree::fsutil::Symlinks::Refuse,
    )
    .map_err(|source| manifest_sig::BundleSignError::Read { path: mpath.clone(), source })?;
    let sigs = manifest_sig::read_bundle_signatures(bundle)?;
    Ok(policy.evaluate(&Evidence {
        manifest_path: &mpath,
        manifest_bytes: &bytes,
        signatures: &sigs,
        builder_reports: &[],
        legacy,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;
    use crate::manifest_sig::{SigningTime, sign_bundle};

    const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn manifest(version: &str) -> Vec<u8> {
        format!(
            "{{\"project\":{{\"name\":\"hello\",\"version\":\"{version}\"}},\"schema\":\"vouch.manifest/v1\",\"source\":{{\"count\":0,\"files\":[],\"merkle_root\":\"sha256:{}\"}}}}",
            Digest::of(b"").hex()
        )
        .into_bytes()
    }

    struct Fixture {
        dir: tempfile::TempDir,
        keys: Vec<SecretKey>,
    }

    impl Fixture {
        fn new(n: usize) -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("manifest.json"), manifest("1.0.0")).unwrap();
            Fixture { dir, keys: (0..n).map(|_| SecretKey::generate().unwrap()).collect() }
        }
        fn sign(&self, i: usize, t: i64) {
            sign_bundle(self.dir.path(), &self.keys[i], SigningTime::At(t)).unwrap();
        }
        fn policy(&self, body: &str) -> Policy {
            let mut text = String::new();
            for (i, k) in self.keys.iter().enumerate() {
                text.push_str(&format!("[keys.k{i}]\npublic = \"{}\"\n", k.public_key().to_base64()));
                let extra =
                    body.lines().filter_map(|l| l.strip_prefix(&format!("k{i}: "))).collect::<Vec<_>>().join("\n");
                text.push_str(&extra);
                text.push('\n');
            }
            for l in body.lines().filter(|l| !l.starts_with('k')) {
                text.push_str(l);
                text.push('\n');
            }
            Policy::parse(text.as_bytes(), Path::new("trust.toml")).unwrap()
        }
        fn eval(&self, p: &Policy) -> Report {
            evaluate_bundle(p, self.dir.path(), Legacy::Refuse).unwrap()
        }
    }

    fn reasons(r: &Report) -> String {
        r.signatures.iter().filter_map(|s| s.reason.as_ref().map(ToString::to_string)).collect::<Vec<_>>().join(" | ")
    }

    #[test]
    fn threshold_and_cosigning() {
        let f = Fixture::new(3);
        let p = f.policy(
            "k0: roles = [\"release\"]\nk1: roles = [\"release\"]\nk2: roles = [\"reviewer\"]\n[roles.release]\nthreshold = 2\n[roles.reviewer]\nthreshold = 1",
        );
        assert!(p.check_usable().is_ok(), "{:?}", p.findings());
        f.sign(0, T0);
        let r = f.eval(&p);
        assert!(!r.held);
        assert_eq!(r.roles[0].valid, 1);
        f.sign(1, T0 + 10);
        f.sign(2, T0 + 20);
        let r = f.eval(&p);
        assert!(r.held, "{r:#?}");
        assert_eq!(r.signed_at, Some(T0));
        assert_eq!(r.policy_sha256, p.sha256);
    }

    #[test]
    fn duplicate_signature_files_count_once() {
        let f = Fixture::new(1);
        let p = f.policy("k0: roles = [\"release\"]\n[roles.release]\nthreshold = 1");
        f.sign(0, T0);
        let src = crate::manifest_sig::signature_path(f.dir.path(), f.keys[0].key_id());
        std::fs::copy(&src, f.dir.path().join("signatures/copy.minisig")).unwrap();
        let r = f.eval(&p);
        assert_eq!(r.roles[0].valid, 1);
        assert!(reasons(&r).contains("already counted"), "{}", reasons(&r));
    }

    #[test]
    fn validity_window_at_signing_time() {
        let f = Fixture::new(1);
        let p = f.policy(
            "k0: roles = [\"release\"]\nk0: not-before = 2026-02-01T00:00:00Z\nk0: not-after = 2026-03-01\n[roles.release]\nthreshold = 1",
        );
        f.sign(0, T0);
        assert!(reasons(&f.eval(&p)).contains("before key k0's not-before"));
        f.sign(0, T0 + 40 * 86400);
        assert!(f.eval(&p).held);
        f.sign(0, T0 + 70 * 86400);
        assert!(reasons(&f.eval(&p)).contains("after key k0's not-after"));
    }

    #[test]
    fn revoked_and_compromised() {
        let f = Fixture::new(1);
        let revoked =
            f.policy("k0: roles = [\"release\"]\nk0: revoked = 2026-01-02T00:00:00Z\n[roles.release]\nthreshold = 1");
        let compromised = f.policy("k0: roles = [\"release\"]\nk0: compromised = true\n[roles.release]\nthreshold = 1");
        f.sign(0, T0);
        assert!(f.eval(&revoked).held);
        let r = f.eval(&compromised);
        assert!(!r.held && reasons(&r).contains("compromised"));
        f.sign(0, T0 + 2 * 86400);
        let r = f.eval(&revoked);
        assert!(!r.held && reasons(&r).contains("revoked"), "{}", reasons(&r));
    }

    #[test]
    fn binding_and_unknown_keys() {
        let f = Fixture::new(2);
        let p = f.policy("k0: roles = [\"release\"]\n[roles.release]\nthreshold = 1");
        f.sign(0, T0);
        let p1 = Policy::parse(
            format!(
                "[keys.a]\npublic = \"{}\"\nroles = [\"release\"]\n[roles.release]\nthreshold = 1\n",
                f.keys[1].public_key().to_base64()
            )
            .as_bytes(),
            Path::new("other.toml"),
        )
        .unwrap();
        assert!(reasons(&f.eval(&p1)).contains("is not in the policy"));
        // Another valid manifest, signature no longer matches.
        std::fs::write(f.dir.path().join("manifest.json"), manifest("1.0.1")).unwrap();
        let r = f.eval(&p);
        let why = reasons(&r);
        assert!(!r.held && why.contains(&Digest::of(&manifest("1.0.1")).to_string()), "{why}");
        assert!(why.contains(&Digest::of(&manifest("1.0.0")).to_string()), "{why}");
    }

    #[test]
    fn builder_reports_count_per_key() {
        let f = Fixture::new(2);
        let p = f.policy(
            "k0: roles = [\"release\"]\nk1: roles = [\"builder\"]\n[roles.release]\nthreshold = 1\n[roles.builder]\nthreshold = 1",
        );
        f.sign(0, T0);
        let mpath = f.dir.path().join("manifest.json");
        let bytes = std::fs::read(&mpath).unwrap();
        let sigs = manifest_sig::read_bundle_signatures(f.dir.path()).unwrap();
        let ev = |reports: &[BuilderReport]| {
            p.evaluate(&Evidence {
                manifest_path: &mpath,
                manifest_bytes: &bytes,
                signatures: &sigs,
                builder_reports: reports,
                legacy: Legacy::Refuse,
            })
        };
        assert!(!ev(&[]).held);
        let good = BuilderReport { source: "reports/a.json".into(), key_id: f.keys[1].key_id(), timestamp: T0 };
        let wrong_role = BuilderReport { source: "reports/b.json".into(), key_id: f.keys[0].key_id(), timestamp: T0 };
        let r = ev(&[good.clone(), good.clone(), wrong_role]);
        assert!(r.held);
        assert_eq!(r.roles.iter().find(|c| c.role == Role::Builder).unwrap().valid, 1);
        assert!(r.builder_reports[1].reason.as_ref().unwrap().to_string().contains("already counted"));
        assert!(r.builder_reports[2].reason.as_ref().unwrap().to_string().contains("no builder role"));
    }

    #[test]
    fn a_legacy_refusal_reads_and_serializes_as_the_error_it_stands_for() {
        let e = manifest_sig::ManifestSigError::Verify(VerifyError::LegacyRefused { what: "s.minisig".into() });
        let r = Refusal::signature(&e);
        assert_eq!(r, Refusal::Legacy { what: "s.minisig".into() });
        assert_eq!(r.to_string(), vouch_manifests::error_chain(&e));
        assert_eq!(serde_json::to_value(&r).unwrap(), serde_json::Value::String(vouch_manifests::error_chain(&e)));
        assert!(!r.is_untrusted());
    }

    #[test]
    fn lint() {
        let f = Fixture::new(2);
        let same = f.keys[0].public_key().to_base64();
        let text = format!(
            "[keys.a]\npublic = \"{same}\"\nroles = [\"release\", \"auditor\"]\nnot-before = 2027-01-01T00:00:00Z\nnot-after = 2026-01-01T00:00:00Z\n[keys.b]\npublic = \"{same}\"\nroles = [\"release\"]\n[roles.release]\nthreshold = 2\n[roles.auditor]\nthreshold = 1\n"
        );
        let p = Policy::parse(text.as_bytes(), Path::new("t.toml")).unwrap();
        let all: Vec<String> = p.findings().iter().map(|f| f.message.clone()).collect();
        let joined = all.join("\n");
        for want in [
            "unknown role \"auditor\"",
            "[roles.auditor]",
            "inverted window",
            "are the same key",
            "threshold 2 is above the 1 distinct key",
        ] {
            assert!(joined.contains(want), "missing {want:?} in\n{joined}");
        }
        assert!(p.check_usable().is_err());
        // Hard errors: bad base64, unknown field, local time without offset.
        for bad in [
            "[keys.a]\npublic = \"RWQ!!\"\n",
            "[keys.a]\npublic = \"RWQ0Wk0gt/QS9VLAAJ9h8nYTFzaSGj2NzJ1fTP6+ZxeXMqutXzz2nFdm\"\nrole = [\"release\"]\n",
            "[keys.a]\npublic = \"RWQ0Wk0gt/QS9VLAAJ9h8nYTFzaSGj2NzJ1fTP6+ZxeXMqutXzz2nFdm\"\nrevoked = 2026-01-01T00:00:00\n",
            "[roles.release]\nthreshold = -1\n",
        ] {
            let e = Policy::parse(bad.as_bytes(), Path::new("bad.toml")).unwrap_err();
            assert!(e.to_string().contains("bad.toml"), "{e}");
        }
    }
}
