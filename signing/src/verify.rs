//! Verification of a signed bundle, the reviewer's one offline command:
//! well-formedness, signatures against the trust policy (and rollback
//! state), the DSSE provenance, and optionally the reviewed source and
//! deployed binaries. Every step is reported; nothing here touches the
//! network.

use crate::dsse::IN_TOTO_PAYLOAD_TYPE;
use crate::manifest_sig::BundleSignature;
use crate::policy::{BuilderReport, Evidence, Policy, Report as PolicyReport, Role};
use crate::release::PROVENANCE_FILE;
use crate::sig::Legacy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vouch_manifests::Digest;
use vouch_manifests::model::diff::SourceCheck;
use vouch_manifests::model::digest::hash_reader;
use vouch_manifests::tree::bundle::OpenBundle;
use vouch_manifests::tree::scan::ScanOptions;

/// Schema of the JSON report.
pub const REPORT_SCHEMA: &str = "vouch.verify-report/v1";

/// What to check beyond the bundle itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The reviewed source tree to compare with the manifest.
    pub source: Option<ScanOptions>,
    /// Files on the reviewer's machine to match against the artifacts.
    pub artifacts: Vec<PathBuf>,
    /// The reviewers' folder of `*.review.dsse.json`, for the policy's `[review]`.
    pub reviews: Option<PathBuf>,
    /// The verified-review cache for `reviews` (see [`crate::review_cache`]).
    pub review_cache: Option<crate::review_cache::Cache>,
    /// The reviewer's copy of the vendor's release log, for consistency
    /// proofs between a bundle proof's head and the heads seen before.
    pub log: Option<PathBuf>,
    pub legacy: Legacy,
}

/// One step of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// `bundle`, `signatures`, `provenance`, `rollback`, `source`, `artifacts`.
    pub name: String,
    pub held: bool,
    /// One line per finding; failures name the file and both digests.
    pub details: Vec<String>,
}

/// How one given file matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactMatch {
    pub file: String,
    pub digest: Option<Digest>,
    /// The release artifact with the same digest.
    pub matches: Option<String>,
    /// When none matches: the artifact with the closest name, and its digest.
    pub closest: Option<String>,
    pub closest_digest: Option<Digest>,
    pub error: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub schema: String,
    pub bundle: String,
    pub project: String,
    pub version: String,
    pub manifest_sha256: Digest,
    pub policy: String,
    pub policy_sha256: Digest,
    /// Key ids (and policy names) whose signatures counted.
    pub counted_keys: Vec<String>,
    pub checks: Vec<Check>,
    pub artifacts: Vec<ArtifactMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceCheck>,
    /// The signing time rollback protection used, when versions are not SemVer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<i64>,
    pub held: bool,
    /// Whether a signature (of the manifest or of a rebuild report) was
    /// refused only for being a legacy (non-prehashed) minisign signature:
    /// for the binary's hint, not written in the JSON report (the
    /// `signatures` check says it).
    #[serde(skip)]
    pub legacy_refused: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Scan(#[from] vouch_manifests::tree::scan::ScanError),
    #[error("artifact {path} is a directory: give the file to check")]
    ArtifactIsDirectory { path: PathBuf },
    #[error("cannot read artifact {path}")]
    Artifact {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    State(Box<crate::state::StateError>),
    #[error(transparent)]
    Reviews(#[from] Box<crate::review::ReviewError>),
}

impl From<crate::state::StateError> for VerifyError {
    fn from(e: crate::state::StateError) -> Self {
        VerifyError::State(Box::new(e))
    }
}

impl VerifyError {
    /// Errors about the reviewer's own inputs (exit 2) vs the bundle.
    pub fn is_refusal(&self) -> bool {
        matches!(self, VerifyError::State(s) if s.is_refusal())
    }
}

fn check(name: &str) -> Check {
    Check { name: name.into(), held: true, details: Vec::new() }
}

impl Check {
    fn fail(&mut self, detail: String) {
        self.held = false;
        self.details.push(detail);
    }
    fn note(&mut self, detail: String) {
        self.details.push(detail);
    }
}

/// Hashes a regular file of the bundle (never through a symlink, never
/// waiting on a FIFO).
fn file_digest(path: &Path) -> std::io::Result<(Digest, u64)> {
    file_digest_with(path, vouch_manifests::tree::fsutil::Symlinks::Refuse)
}

fn file_digest_with(path: &Path, symlinks: vouch_manifests::tree::fsutil::Symlinks) -> std::io::Result<(Digest, u64)> {
    let f = vouch_manifests::tree::fsutil::open_regular(path, symlinks)?;
    let mut buf = vec![0u8; 64 * 1024];
    hash_reader(f, &mut buf)
}

/// The policy's `[review]` requirement: per-file coverage by counted
/// reviews (see [`crate::review`]); reviews that do not count are named.
fn check_reviews(
    b: &OpenBundle,
    policy: &Policy,
    req: &crate::policy::ReviewRequirement,
    dir: Option<&Path>,
    cache: Option<&crate::review_cache::Cache>,
) -> Result<Check, VerifyError> {
    let mut c = check("reviews");
    let Some(dir) = dir else {
        c.fail(format!(
            "the policy requires reviews ({}, {}% coverage), but no reviews folder was given",
            req.criteria.join(", "),
            req.coverage
        ));
        return Ok(c);
    };
    let reviews = crate::review::load(dir, policy, &b.manifest, b.manifest_digest, cache.cloned()).map_err(Box::new)?;
    for (file, why) in &reviews.not_counted {
        c.note(format!("not counted: {file}: {why}"));
    }
    let (r, _) = crate::review::evaluate(&b.manifest, &reviews, req);
    c.note(format!(
        "coverage {:.1}%: {} of {} files ({} of {} bytes) under {}, from {} counted review(s)",
        r.coverage.percent(),
        r.coverage.covered_files,
        r.coverage.files,
        r.coverage.covered_bytes,
        r.coverage.bytes,
        req.criteria.join(", "),
        reviews.counted.len()
    ));
    for w in &r.warnings {
        c.note(w.clone());
    }
    for f in &r.failures {
        c.fail(f.clone());
    }
    Ok(c)
}

/// Step 1: every file the manifest lists is present with its digest; any
/// copied artifacts match.
fn check_wellformed(b: &OpenBundle) -> Check {
    let mut c = check("bundle");
    let m = &b.manifest;
    c.note(format!("manifest.json parses as {} (schema {}), {} files", m.bundle_name(), m.schema, m.source.count));
    // Signatures cover the exact bytes of manifest.json; a manifest that is
    // not in its canonical form is still read, and said to be so.
    if m.to_canonical().is_ok_and(|c| c != b.manifest_bytes) {
        c.note("manifest.json is not in canonical form (RFC 8785); the signatures cover its exact bytes".into());
    }
    let mut listed: Vec<(String, Digest)> = m.sboms.iter().flatten().map(|s| (s.path.to_string(), s.digest)).collect();
    if let Some(v) = m.build.as_ref().and_then(|b| b.vendored.as_ref()) {
        listed.push((v.path.to_string(), v.digest));
    }
    for (rel, want) in listed {
        let p = b.dir.join(&rel);
        match file_digest(&p) {
            Ok((d, _)) if d == want => c.note(format!("{rel} present, {d}")),
            Ok((d, _)) => c.fail(format!("{rel} was altered: manifest {want}, bundle {d}")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                c.fail(format!("{rel} is listed in the manifest but missing from the bundle"))
            }
            Err(e) => c.fail(format!("{rel} is refused: {e}")),
        }
    }
    let adir = b.dir.join("artifacts");
    if adir.is_dir() {
        for a in m.artifacts.iter().flatten() {
            let p = adir.join(a.path.to_path());
            match file_digest(&p) {
                Ok((d, _)) if d == a.digest => c.note(format!("artifacts/{} present, {d}", a.path)),
                Ok((d, _)) => c.fail(format!("artifacts/{} was altered: manifest {}, bundle {d}", a.path, a.digest)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    c.fail(format!("artifacts/{} is missing from the bundle's artifacts/", a.path))
                }
                Err(e) => c.fail(format!("artifacts/{} is refused: {e}", a.path)),
            }
        }
    }
    c
}

/// The signed material of a bundle by relative path: `signatures/*.minisig`,
/// `reports/*.json` and `reports/*.json.minisig`. Read from a directory, or
/// handed over from memory (the review site keeps these bytes).
#[derive(Debug, Clone, Default)]
pub struct SignedFiles {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Entries of `signatures/` and `reports/` that were not read, with why
    /// (a symlink, a FIFO, a file over its bound): the bundle's author
    /// controls them, so they fail the signatures check rather than the run.
    pub refused: Vec<(String, String)>,
}

impl SignedFiles {
    /// Reads `signatures/` and `reports/` of a bundle directory.
    pub fn read(bundle: &Path) -> Result<SignedFiles, VerifyError> {
        let mut files = BTreeMap::new();
        let mut refused = Vec::new();
        for sub in ["signatures", "reports"] {
            let dir = bundle.join(sub);
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                // Missing, or not a folder (the bundle's layout is the
                // attacker's): nothing signed is read from it, and the
                // signature checks fail on what is missing.
                Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                    continue;
                }
                Err(source) => return Err(VerifyError::Read { path: dir, source }),
            };
            for e in rd {
                let e = e.map_err(|source| VerifyError::Read { path: dir.clone(), source })?;
                let Ok(name) = e.file_name().into_string() else { continue };
                let rel = format!("{sub}/{name}");
                if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    continue;
                }
                let path = e.path();
                let limit = if sub == "signatures" {
                    vouch_manifests::tree::fsutil::MAX_SMALL_FILE_BYTES
                } else {
                    vouch_manifests::tree::fsutil::MAX_DOCUMENT_BYTES
                };
                match vouch_manifests::tree::fsutil::read_bounded(
                    &path,
                    limit,
                    vouch_manifests::tree::fsutil::Symlinks::Refuse,
                ) {
                    Ok(bytes) => {
                        files.insert(rel, bytes);
                    }
                    Err(e) => refused.push((rel, e.to_string())),
                }
            }
        }
        Ok(SignedFiles { files, refused })
    }

    /// The manifest signatures, parsed or with their parse error.
    pub fn signatures(&self) -> Vec<BundleSignature> {
        self.files
            .iter()
            .filter_map(|(rel, bytes)| {
                let stem = rel.strip_prefix("signatures/")?.strip_suffix(".minisig")?;
                Some(BundleSignature {
                    path: PathBuf::from(rel),
                    named_key_id: crate::keys::KeyId::from_hex(stem),
                    signature: crate::sig::Signature::parse(&String::from_utf8_lossy(bytes), rel),
                })
            })
            .collect()
    }
}

/// Whether a rebuild report's artifacts are exactly the manifest's, each
/// `identical` with the manifest's digest; `Err` says what is missing.
/// A manifest without artifacts has nothing a rebuild can reproduce.
pub fn report_reproduces(
    report: &vouch_manifests::build::rebuild::RebuildReport,
    artifacts: &[vouch_manifests::model::manifest::Artifact],
) -> Result<(), String> {
    if artifacts.is_empty() {
        return Err("the manifest lists no artifacts, so there is nothing a rebuild reproduces".into());
    }
    for a in artifacts {
        let path = a.path.as_str();
        let mut named = report.artifacts.iter().filter(|r| r.path == path);
        let Some(r) = named.next() else {
            return Err(format!("it does not name artifact {path} ({})", a.digest));
        };
        if named.next().is_some() {
            return Err(format!("it names artifact {path} more than once"));
        }
        if !r.identical || r.expected != a.digest || r.actual != Some(a.digest) {
            let actual = r.actual.map(|d| d.to_string()).unwrap_or_else(|| "not built".into());
            return Err(format!("artifact {path} is not identical: manifest {}, rebuilt {actual}", a.digest));
        }
    }
    if let Some(extra) = report.artifacts.iter().find(|r| !artifacts.iter().any(|a| a.path.as_str() == r.path)) {
        return Err(format!("it names {}, which is not an artifact of the manifest", extra.path));
    }
    Ok(())
}

/// The artifacts a manifest lists, read leniently from its bytes (the
/// signatures are what is checked here; `None` when it does not parse, and
/// then no rebuild report counts).
fn manifest_artifacts(manifest_bytes: &[u8]) -> Option<Vec<vouch_manifests::model::manifest::Artifact>> {
    #[derive(Deserialize)]
    struct Artifacts {
        #[serde(default)]
        artifacts: Option<Vec<vouch_manifests::model::manifest::Artifact>>,
    }
    serde_json::from_slice::<Artifacts>(manifest_bytes).ok().map(|a| a.artifacts.unwrap_or_default())
}

/// A file under `reports/` that does not parse as a rebuild report.
#[derive(Debug, thiserror::Error)]
#[error("not a rebuild report")]
struct NotAReport(#[source] serde_json::Error);

/// Rebuild reports under `reports/` whose signature verifies with a policy
/// key holding the builder role, which reproduced exactly this manifest:
/// every one of its `artifacts`, each identical with the manifest's digest.
/// Each report gets a line in `notes`.
pub fn builder_reports(
    files: &SignedFiles,
    manifest_digest: Digest,
    artifacts: Option<&[vouch_manifests::model::manifest::Artifact]>,
    policy: &Policy,
    legacy: Legacy,
    notes: &mut Vec<String>,
) -> BuilderReports {
    let mut out = BuilderReports::default();
    for (rel, bytes) in files.files.iter().filter(|(r, _)| r.starts_with("reports/") && r.ends_with(".json")) {
        let sig_rel = format!("{rel}.minisig");
        let result = (|| -> Result<BuilderReport, Box<dyn std::error::Error + Send + Sync>> {
            let sig_bytes = files.files.get(&sig_rel).ok_or_else(|| format!("{sig_rel} is missing"))?;
            let sig = crate::sig::Signature::parse(&String::from_utf8_lossy(sig_bytes), &sig_rel)?;
            let key = policy
                .key(sig.key_id)
                .ok_or_else(|| format!("signed by key {}, which is not in the policy", sig.key_id))?;
            if !key.roles.contains(&Role::Builder) {
                return Err(format!("signed by {} ({}), which has no builder role", key.name, sig.key_id).into());
            }
            sig.verify(&key.public, bytes, legacy, rel, rel)?;
            let ts = sig.signing_time()?;
            let report: vouch_manifests::build::rebuild::RebuildReport =
                serde_json::from_slice(bytes).map_err(NotAReport)?;
            if report.manifest_digest != manifest_digest {
                return Err(format!(
                    "reports on manifest {}, not this one ({manifest_digest})",
                    report.manifest_digest
                )
                .into());
            }
            if !report.reproduced {
                return Err(format!("{} did not reproduce the release", key.name).into());
            }
            let artifacts = artifacts.ok_or_else(|| "the manifest's artifacts cannot be read".to_string())?;
            report_reproduces(&report, artifacts)
                .map_err(|why| format!("{} claims a reproduction, but {why}", key.name))?;
            Ok(BuilderReport { source: rel.clone(), key_id: sig.key_id, timestamp: ts })
        })();
        match result {
            Ok(r) => {
                notes.push(format!("{rel}: reproduced, signed by {}", r.key_id));
                out.counted.push(r);
            }
            Err(why) => {
                out.legacy_refused |= matches!(
                    why.downcast_ref::<crate::sig::VerifyError>(),
                    Some(crate::sig::VerifyError::LegacyRefused { .. })
                );
                notes.push(format!("{rel}: does not count: {}", vouch_manifests::error_chain(&*why)))
            }
        }
    }
    out
}

/// What [`builder_reports`] found.
#[derive(Debug, Default)]
pub struct BuilderReports {
    /// The reports that count.
    pub counted: Vec<BuilderReport>,
    /// Whether a report was refused only for a legacy signature.
    pub legacy_refused: bool,
}

/// What [`evaluate`] found: the policy's verdict, and whether a rebuild
/// report was refused for a legacy signature (it shows only as a note).
#[derive(Debug)]
pub struct Evaluation {
    pub report: PolicyReport,
    pub legacy_report_refused: bool,
}

/// Evaluates a bundle's signatures and rebuild reports under `policy`.
pub fn evaluate(
    policy: &Policy,
    manifest_label: &Path,
    manifest_bytes: &[u8],
    files: &SignedFiles,
    legacy: Legacy,
    notes: &mut Vec<String>,
) -> Evaluation {
    let sigs = files.signatures();
    let artifacts = manifest_artifacts(manifest_bytes);
    let reports = builder_reports(files, Digest::of(manifest_bytes), artifacts.as_deref(), policy, legacy, notes);
    let report = policy.evaluate(&Evidence {
        manifest_path: manifest_label,
        manifest_bytes,
        signatures: &sigs,
        builder_reports: &reports.counted,
        legacy,
    });
    Evaluation { report, legacy_report_refused: reports.legacy_refused }
}

/// Step 3: the provenance is signed by a counted release key and agrees
/// with the manifest.
fn check_provenance(b: &OpenBundle, policy: &Policy, pr: &PolicyReport) -> Check {
    let mut c = check("provenance");
    let m = &b.manifest;
    let env = match crate::release::read_provenance(&b.dir) {
        Ok(Some((_, env))) => env,
        Ok(None) => {
            if m.artifacts.as_ref().is_some_and(|a| !a.is_empty()) {
                c.fail(format!("{PROVENANCE_FILE} is missing, but the manifest lists artifacts"));
            } else {
                c.note(format!("no {PROVENANCE_FILE} (the manifest lists no artifacts)"));
            }
            return c;
        }
        Err(e) => {
            c.fail(format!("{PROVENANCE_FILE}: {}", vouch_manifests::error_chain(&e)));
            return c;
        }
    };
    let counted: Vec<_> = pr
        .signatures
        .iter()
        .filter(|s| s.counted && s.roles.contains(&Role::Release))
        .filter_map(|s| s.key_id)
        .collect();
    let mut payload = None;
    for id in &counted {
        if let Some(k) = policy.key(*id)
            && let Ok(p) = env.verify_typed(&k.public, IN_TOTO_PAYLOAD_TYPE, PROVENANCE_FILE)
        {
            c.note(format!("signed by {} ({id}), a counted release key", k.name));
            payload = Some(p);
            break;
        }
    }
    let Some(payload) = payload else {
        c.fail(format!("{PROVENANCE_FILE} is not signed by any counted release key"));
        return c;
    };
    check_statement(&mut c, &payload, m, &b.manifest_digest);
    if c.held {
        c.note("source identity (merkle root, manifest digest, commit) agrees with the manifest".into());
    }
    c
}

/// Checks a provenance payload (the verified DSSE body) against the manifest
/// and its digest, recording each disagreement in `c`. The payload is read
/// into the typed [`Statement`](vouch_manifests::model::provenance::Statement)
/// that `vouch release` writes. Public for the fuzz targets, which feed it
/// attacker-controlled payloads.
#[doc(hidden)]
pub fn check_statement(
    c: &mut Check,
    payload: &[u8],
    m: &vouch_manifests::model::manifest::Manifest,
    manifest_digest: &Digest,
) {
    use vouch_manifests::model::provenance::{PREDICATE_TYPE, STATEMENT_TYPE, Statement};
    let kind = format!("{PROVENANCE_FILE}: not an in-toto v1 statement with SLSA provenance v1");
    // Fields vouch does not write are ignored, as in-toto allows; a field
    // it writes that is missing, repeated or of another type is refused.
    let st: Statement = match serde_json::from_slice(payload) {
        Ok(st) => st,
        Err(e) if e.is_data() => {
            c.fail(format!("{kind}: {e}"));
            return;
        }
        Err(e) => {
            c.fail(format!("{PROVENANCE_FILE}: the payload is not JSON: {e}"));
            return;
        }
    };
    if st.statement_type != STATEMENT_TYPE || st.predicate_type != PREDICATE_TYPE {
        c.fail(kind);
        return;
    }
    let mut subjects: Vec<(String, String)> =
        st.subject.into_iter().map(|s| (s.name, s.digest.sha256.unwrap_or_default())).collect();
    subjects.sort();
    // One subject per artifact: a second one under the same name would be
    // a claim the comparison below could pass over.
    for same in subjects.chunk_by(|a, b| a.0 == b.0).filter(|same| same.len() > 1) {
        c.fail(format!("subject {} appears {} times in {PROVENANCE_FILE}", same[0].0, same.len()));
    }
    let mut want: Vec<(String, String)> =
        m.artifacts.iter().flatten().map(|a| (a.path.to_string(), a.digest.hex())).collect();
    want.sort();
    if subjects == want {
        c.note(format!("subjects equal the manifest's {} artifacts", want.len()));
    } else {
        for (n, d) in &want {
            match subjects.iter().find(|(sn, _)| sn == n) {
                Some((_, sd)) if sd == d => {}
                Some((_, sd)) => c.fail(format!("subject {n}: provenance sha256:{sd}, manifest sha256:{d}")),
                None => c.fail(format!("artifact {n} (sha256:{d}) is not a subject of the provenance")),
            }
        }
        for (n, _) in &subjects {
            if !want.iter().any(|(wn, _)| wn == n) {
                c.fail(format!("subject {n} is not an artifact of the manifest"));
            }
        }
    }
    // The provenance's values are shown as JSON: quoted, or `null` when
    // absent.
    let shown = |v: Option<&str>| v.map_or_else(|| "null".to_string(), |s| serde_json::Value::from(s).to_string());
    let src = st.predicate.build_definition.external_parameters.source;
    let ann = src.annotations.as_ref();
    let root = m.source.merkle_root.to_string();
    let claimed = ann.map(|a| a.merkle_root.as_str());
    if claimed != Some(root.as_str()) {
        c.fail(format!("source merkle root: provenance {}, manifest {root}", shown(claimed)));
    }
    let md = manifest_digest.to_string();
    let claimed = ann.map(|a| a.manifest_digest.as_str());
    if claimed != Some(md.as_str()) {
        c.fail(format!("manifest digest: provenance {}, bundle {md}", shown(claimed)));
    }
    let claimed = src.digest.as_ref().and_then(|d| d.git_commit.as_deref());
    if let Some(v) = &m.source.vcs
        && claimed != Some(v.commit.as_str())
    {
        c.fail(format!("git commit: provenance {}, manifest {}", shown(claimed), v.commit));
    }
}

/// The artifact whose path is closest to `file` by name.
fn closest<'a>(
    file: &Path,
    arts: &'a [vouch_manifests::model::manifest::Artifact],
) -> Option<&'a vouch_manifests::model::manifest::Artifact> {
    let name = file.file_name()?.to_str()?;
    let score = |a: &vouch_manifests::model::manifest::Artifact| {
        let an = a.path.file_name();
        if an == name {
            return usize::MAX;
        }
        an.chars().zip(name.chars()).take_while(|(x, y)| x == y).count()
    };
    arts.iter().max_by_key(|a| score(a))
}

/// Step 5: each given file against the release's artifacts.
fn check_artifacts(b: &OpenBundle, files: &[PathBuf]) -> Result<(Check, Vec<ArtifactMatch>), VerifyError> {
    let mut c = check("artifacts");
    let arts: Vec<_> = b.manifest.artifacts.clone().unwrap_or_default();
    let mut out = Vec::new();
    for f in files {
        let meta = std::fs::metadata(f).map_err(|source| VerifyError::Artifact { path: f.clone(), source })?;
        if meta.is_dir() {
            return Err(VerifyError::ArtifactIsDirectory { path: f.clone() });
        }
        let (d, _) = file_digest_with(f, vouch_manifests::tree::fsutil::Symlinks::FollowOnce)
            .map_err(|source| VerifyError::Artifact { path: f.clone(), source })?;
        let shown = f.display().to_string();
        if let Some(a) = arts.iter().find(|a| a.digest == d) {
            c.note(format!("{shown} is artifact {} ({d})", a.path));
            out.push(ArtifactMatch {
                file: shown,
                digest: Some(d),
                matches: Some(a.path.to_string()),
                closest: None,
                closest_digest: None,
                error: None,
            });
        } else {
            let near = closest(f, &arts);
            match near {
                Some(a) => {
                    c.fail(format!("{shown} ({d}) matches no artifact; closest by name: {} ({})", a.path, a.digest))
                }
                None => c.fail(format!("{shown} ({d}) matches no artifact: the release lists none")),
            }
            out.push(ArtifactMatch {
                file: shown,
                digest: Some(d),
                matches: None,
                closest: near.map(|a| a.path.to_string()),
                closest_digest: near.map(|a| a.digest),
                error: None,
            });
        }
    }
    Ok((c, out))
}

/// The policy's `[log]`: the bundle's `log.tlog-proof` must be signed by the
/// log, cosigned by enough listed witnesses, and include this release.
fn check_log(b: &OpenBundle, lp: &crate::policy::LogPolicy) -> (Check, Option<crate::log::ProofChecked>) {
    let mut c = check("log");
    let path = b.dir.join(crate::log::PROOF_FILE);
    let shown = b.origin.join(crate::log::PROOF_FILE);
    let bytes = match vouch_manifests::tree::fsutil::read_bounded(
        &path,
        crate::note::MAX_NOTE_BYTES as u64,
        vouch_manifests::tree::fsutil::Symlinks::Refuse,
    ) {
        Ok(bytes) => bytes,
        Err(e) => {
            c.fail(format!("{}: the policy's [log] requires a release log proof: {e}", shown.display()));
            return (c, None);
        }
    };
    let entry = vouch_manifests::log::ReleaseEntry {
        name: b.manifest.project.name.to_string(),
        version: b.manifest.project.version.to_string(),
        digest: b.manifest_digest,
    };
    let mut proof = None;
    match crate::log::verify_proof_bytes(&bytes, &shown, &entry, lp) {
        Ok(p) => {
            let names: Vec<&str> = p.cosigners.iter().map(|w| w.name.as_str()).collect();
            c.note(format!("included at index {} of {} (size {}, root {})", p.index, p.origin, p.size, p.root));
            c.note(format!(
                "cosigned by {} of {} required witnesses{}",
                p.cosigners.len(),
                lp.witness_threshold,
                if names.is_empty() { String::new() } else { format!(": {}", names.join(", ")) }
            ));
            proof = Some(p);
        }
        Err(e) => {
            c.fail(vouch_manifests::error_chain(&e));
        }
    }
    (c, proof)
}

/// Runs every check. `state` is the reviewer's rollback state file: the
/// release is checked against it, and recorded only when everything held.
pub fn verify(
    b: &OpenBundle,
    policy: &Policy,
    opts: &VerifyOptions,
    state: Option<&Path>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifyReport, VerifyError> {
    let m = &b.manifest;
    let mut checks = Vec::new();
    checks.push(check_wellformed(b));

    // 2. Signatures against the policy, counting rebuild reports for builders.
    let files = SignedFiles::read(&b.dir)?;
    let mut sc = check("signatures");
    let manifest_path = b.origin.join("manifest.json");
    let mut notes = Vec::new();
    let Evaluation { report: pr, legacy_report_refused } =
        evaluate(policy, &manifest_path, &b.manifest_bytes, &files, opts.legacy, &mut notes);
    for n in notes {
        sc.note(n);
    }
    let sigs = files.signatures();
    if sigs.is_empty() {
        sc.fail("the bundle has no signatures/*.minisig".into());
    }
    for (rel, why) in &files.refused {
        sc.fail(format!("{rel} is refused: {why}"));
    }
    for s in &pr.signatures {
        let who = match (&s.key_name, s.key_id) {
            (Some(n), Some(id)) => format!("{n} ({id})"),
            (None, Some(id)) => format!("key {id}"),
            _ => "unknown key".into(),
        };
        let file = Path::new(&s.file).file_name().and_then(|n| n.to_str()).unwrap_or(&s.file).to_string();
        if s.counted {
            let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
            sc.note(format!("signatures/{file}: {who} counted for {}", roles.join(", ")));
        } else {
            sc.note(format!(
                "signatures/{file}: {who} does not count: {}",
                s.reason.as_ref().map(ToString::to_string).unwrap_or_default()
            ));
        }
    }
    for r in &pr.roles {
        let line =
            format!("role {}: {} of {} required keys ({})", r.role.as_str(), r.valid, r.threshold, r.keys.join(", "));
        if r.held {
            sc.note(line);
        } else {
            sc.fail(line);
        }
    }
    if !pr.held {
        sc.held = false;
    }
    let counted_keys: Vec<String> = pr
        .signatures
        .iter()
        .chain(&pr.builder_reports)
        .filter(|s| s.counted)
        .map(|s| {
            format!("{} ({})", s.key_name.clone().unwrap_or_default(), s.key_id.map(|k| k.hex()).unwrap_or_default())
        })
        .collect();
    checks.push(sc);

    // Rollback, against the reviewer's state: checked under the state file's
    // lock, which is held until the release is recorded (every other check
    // held) or dropped, so that no concurrent verification slips in between.
    let mut pending = None;
    if let Some(path) = state {
        let mut rc = check("rollback");
        match pr.signed_at {
            None => rc.fail("no counted release signature gives a signing time to check rollback with".into()),
            Some(t) => {
                let cand = crate::state::Candidate {
                    project: &m.project.name,
                    version: &m.project.version,
                    manifest_sha256: b.manifest_digest,
                    signed_at: t,
                };
                match crate::state::StateLock::acquire(path)?.check(cand) {
                    Ok(checked) => {
                        rc.note(checked.acceptance().ordering.to_string());
                        // Its place in `checks`, where `rc` goes below.
                        pending = Some((checked, path, checks.len()));
                    }
                    Err(e) if e.is_refusal() => rc.fail(e.to_string()),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        checks.push(rc);
    }

    if let Some(lp) = &policy.log {
        let (mut c, proof) = check_log(b, lp);
        // With a state, the proof's head is checked against the largest head
        // seen before (consistency from the reviewer's copy of the log) and
        // the larger is recorded with the release.
        if let (Some(p), Some((checked, _, _))) = (&proof, pending.as_mut()) {
            let seen = checked.state().logs.get(&p.origin).cloned();
            match crate::log::check_head_seen(&p.head, &lp.key, seen.as_ref(), opts.log.as_deref()) {
                Ok(h) => {
                    match h.previous {
                        Some(s) => c.note(format!("consistent with the head of size {s} seen before")),
                        None => c.note(format!("first head of {} seen", p.origin)),
                    }
                    checked.set_log_head(p.origin.clone(), h.keep);
                }
                Err(e) => {
                    let mut text = vouch_manifests::error_chain(&e);
                    if let Some(ev) = e.evidence() {
                        text.push_str(&format!(
                            "\nevidence, head of size {}:\n{}\nevidence, head of size {}:\n{}",
                            ev.a_size,
                            String::from_utf8_lossy(&ev.a),
                            ev.b_size,
                            String::from_utf8_lossy(&ev.b)
                        ));
                    }
                    c.fail(text);
                }
            }
        }
        checks.push(c);
    }

    checks.push(check_provenance(b, policy, &pr));

    let mut source = None;
    if let Some(so) = &opts.source {
        let sc = vouch_manifests::model::diff::check_source(m, so, progress)?;
        let mut c = check("source");
        for e in &sc.diff.added {
            c.fail(format!("added     {} {}", e.path(), e.content_id()));
        }
        for e in &sc.diff.removed {
            c.fail(format!("removed   {} {}", e.path(), e.content_id()));
        }
        for ch in &sc.diff.changed {
            if ch.old_kind != ch.new_kind {
                c.fail(format!("kind      {}: manifest {}, source {}", ch.path, ch.old_kind, ch.new_kind));
            }
            if ch.old != ch.new {
                c.fail(format!("modified  {}: manifest {}, source {}", ch.path, ch.old, ch.new));
            }
        }
        if sc.manifest_root == sc.source_root {
            c.note(format!("{} equals the manifest: merkle root {}", so.root.display(), sc.source_root));
        } else {
            c.fail(format!("merkle root: manifest {}, source {}", sc.manifest_root, sc.source_root));
        }
        checks.push(c);
        source = Some(sc);
    }

    let mut artifacts = Vec::new();
    if !opts.artifacts.is_empty() {
        let (c, a) = check_artifacts(b, &opts.artifacts)?;
        checks.push(c);
        artifacts = a;
    }

    if let Some(req) = &policy.review {
        checks.push(check_reviews(b, policy, req, opts.reviews.as_deref(), opts.review_cache.as_ref())?);
    }

    let held = checks.iter().all(|c| c.held);
    if let Some((checked, path, at)) = pending {
        let rc = &mut checks[at];
        if held {
            checked.record_and_save()?;
            rc.note(format!("recorded in {}", path.display()));
        } else {
            rc.note("not recorded: another check does not hold".into());
        }
    }
    Ok(VerifyReport {
        schema: REPORT_SCHEMA.into(),
        bundle: b.origin.display().to_string(),
        project: m.project.name.to_string(),
        version: m.project.version.to_string(),
        manifest_sha256: b.manifest_digest,
        policy: policy.path.display().to_string(),
        policy_sha256: pr.policy_sha256,
        counted_keys,
        checks,
        artifacts,
        source,
        signed_at: pr.signed_at,
        held,
        legacy_refused: legacy_report_refused
            || pr.signatures.iter().any(|s| matches!(s.reason, Some(crate::policy::Refusal::Legacy { .. }))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_manifests::build::rebuild::{ArtifactResult, REPORT_SCHEMA, RebuildReport};
    use vouch_manifests::model::manifest::Artifact;

    fn artifact(path: &str, bytes: &[u8]) -> Artifact {
        Artifact {
            path: vouch_manifests::RelPath::new(path).unwrap(),
            size: bytes.len() as u64,
            digest: Digest::of(bytes),
        }
    }

    fn result(a: &Artifact, actual: Option<Digest>, identical: bool) -> ArtifactResult {
        ArtifactResult {
            path: a.path.to_string(),
            expected: a.digest,
            expected_size: a.size,
            actual,
            actual_size: actual.map(|_| a.size),
            identical,
            first_difference: None,
            causes: Vec::new(),
        }
    }

    fn report(artifacts: Vec<ArtifactResult>) -> RebuildReport {
        RebuildReport {
            schema: REPORT_SCHEMA.into(),
            project: vouch_manifests::Project { name: "p".parse().unwrap(), version: "1".parse().unwrap() },
            manifest_digest: Digest::of(b"m"),
            command: vec!["true".into()],
            toolchain: BTreeMap::new(),
            host: None,
            toolchain_matches: true,
            git_metadata: None,
            artifacts,
            reproduced: true,
        }
    }

    #[test]
    fn a_report_reproduces_only_every_artifact_identically() {
        let (a, b) = (artifact("a", b"a"), artifact("b", b"b"));
        let both = [a.clone(), b.clone()];
        assert!(
            report_reproduces(&report(vec![result(&a, Some(a.digest), true), result(&b, Some(b.digest), true)]), &both)
                .is_ok()
        );
        // No artifacts at all, in the report or in the manifest.
        assert!(report_reproduces(&report(vec![]), &both).unwrap_err().contains("does not name artifact a"));
        assert!(report_reproduces(&report(vec![]), &[]).unwrap_err().contains("lists no artifacts"));
        // One missing, one differing, one claimed identical with another digest.
        assert!(
            report_reproduces(&report(vec![result(&a, Some(a.digest), true)]), &both)
                .unwrap_err()
                .contains("artifact b")
        );
        let other = Some(Digest::of(b"x"));
        assert!(
            report_reproduces(&report(vec![result(&a, other, false), result(&b, Some(b.digest), true)]), &both)
                .unwrap_err()
                .contains("not identical")
        );
        assert!(
            report_reproduces(&report(vec![result(&a, other, true), result(&b, Some(b.digest), true)]), &both)
                .unwrap_err()
                .contains("not identical")
        );
        assert!(
            report_reproduces(&report(vec![result(&a, None, true), result(&b, Some(b.digest), true)]), &both)
                .unwrap_err()
                .contains("not built")
        );
        // Named twice, or an artifact the manifest does not list.
        let twice =
            vec![result(&a, Some(a.digest), true), result(&a, Some(a.digest), true), result(&b, Some(b.digest), true)];
        assert!(report_reproduces(&report(twice), &both).unwrap_err().contains("more than once"));
        let extra = vec![result(&a, Some(a.digest), true), result(&b, Some(b.digest), true)];
        assert!(report_reproduces(&report(extra), &[a]).unwrap_err().contains("not an artifact of the manifest"));
    }

    /// A manifest with one artifact and a git commit, for the provenance
    /// checks.
    fn provenance_manifest() -> vouch_manifests::model::manifest::Manifest {
        let json = format!(
            r#"{{"schema":"vouch.manifest/v1","project":{{"name":"hello","version":"1.0.0"}},
            "source":{{"vcs":{{"type":"git","commit":"{c}","tree":"{c}","dirty":false}},"merkle_root":"{root}","count":0,"files":[]}},
            "artifacts":[{{"path":"target/release/hello","size":5,"digest":"{d}"}}]}}"#,
            c = "0".repeat(40),
            root = vouch_manifests::model::merkle::root(&[]),
            d = Digest::of(b"hello"),
        );
        vouch_manifests::model::manifest::Manifest::from_slice(json.as_bytes(), Path::new("m.json")).unwrap()
    }

    /// The statement `vouch release` writes for [`provenance_manifest`], as
    /// JSON to edit, and the check of `edit`ed statement's bytes.
    fn statement_check(edit: impl FnOnce(&mut serde_json::Value)) -> Check {
        let m = provenance_manifest();
        let digest = Digest::of(b"manifest");
        let st = vouch_manifests::model::provenance::statement(&m, &digest, "urn:vouch:release-key:0123456789ABCDEF");
        let mut v = serde_json::to_value(&st).unwrap();
        edit(&mut v);
        payload_check(&serde_json::to_vec(&v).unwrap())
    }

    fn payload_check(payload: &[u8]) -> Check {
        let mut c = check("provenance");
        check_statement(&mut c, payload, &provenance_manifest(), &Digest::of(b"manifest"));
        c
    }

    #[test]
    fn the_written_statement_holds_and_unknown_fields_are_ignored() {
        let c = statement_check(|_| {});
        assert!(c.held, "{:?}", c.details);
        assert_eq!(c.details, ["subjects equal the manifest's 1 artifacts"]);
        let c = statement_check(|v| {
            v["extra"] = "x".into();
            v["subject"][0]["annotations"] = serde_json::json!({"a": 1});
            v["subject"][0]["digest"]["sha512"] = "00".into();
            v["predicate"]["buildDefinition"]["byproducts"] = serde_json::json!([]);
            v["predicate"]["buildDefinition"]["externalParameters"]["source"]["annotations"]["other"] = 5.into();
            v["predicate"]["runDetails"]["metadata"]["startedOn"] = "2026-01-01T00:00:00Z".into();
        });
        assert!(c.held, "{:?}", c.details);
    }

    #[test]
    fn provenance_disagreements_show_the_claimed_value_as_json() {
        let root = vouch_manifests::model::merkle::root(&[]);
        let md = Digest::of(b"manifest");
        let other = format!("sha256:{}", "1".repeat(64));
        let c = statement_check(|v| {
            let src = &mut v["predicate"]["buildDefinition"]["externalParameters"]["source"];
            src["annotations"]["vouch.merkle_root"] = other.clone().into();
            src["annotations"]["vouch.manifest_digest"] = "a \"quoted\" é".into();
            src["digest"]["gitCommit"] = "1".repeat(40).into();
        });
        assert!(!c.held);
        assert_eq!(
            c.details[1..],
            [
                format!("source merkle root: provenance \"{other}\", manifest {root}"),
                format!("manifest digest: provenance \"a \\\"quoted\\\" é\", bundle {md}"),
                format!("git commit: provenance \"{}\", manifest {}", "1".repeat(40), "0".repeat(40)),
            ]
        );
        let c = statement_check(|v| {
            let src = v["predicate"]["buildDefinition"]["externalParameters"]["source"].as_object_mut().unwrap();
            src.remove("annotations");
            src.remove("digest");
        });
        assert_eq!(
            c.details[1..],
            [
                format!("source merkle root: provenance null, manifest {root}"),
                format!("manifest digest: provenance null, bundle {md}"),
                format!("git commit: provenance null, manifest {}", "0".repeat(40)),
            ]
        );
        let c = statement_check(|v| v["subject"][0]["digest"]["sha256"] = "00".into());
        assert_eq!(
            c.details,
            [format!(
                "subject target/release/hello: provenance sha256:00, manifest sha256:{}",
                Digest::of(b"hello").hex()
            )]
        );
    }

    #[test]
    fn a_payload_that_is_no_provenance_statement_fails_saying_so() {
        let kind = "provenance.dsse.json: not an in-toto v1 statement with SLSA provenance v1";
        let c = statement_check(|v| v["predicateType"] = "https://slsa.dev/provenance/v0.2".into());
        assert_eq!(c.details, [kind]);
        let c = statement_check(|v| v["_type"] = "https://in-toto.io/Statement/v0.1".into());
        assert_eq!(c.details, [kind]);
        for (payload, reason) in [
            (&b"{}"[..], "missing field `_type`"),
            (b"\"statement\"", "invalid type: string"),
            (b"{\"_type\":5}", "invalid type: integer `5`"),
            (b"{\"subject\":[],\"subject\":[]}", "duplicate field `subject`"),
        ] {
            let c = payload_check(payload);
            assert!(!c.held);
            assert!(c.details[0].starts_with(&format!("{kind}: {reason}")), "{:?}", c.details);
        }
        let c = payload_check(b"{\"_type\":");
        assert!(!c.held);
        assert!(c.details[0].starts_with("provenance.dsse.json: the payload is not JSON: "), "{:?}", c.details);
    }
}
