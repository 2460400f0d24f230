//! The entry points of the fuzz targets (`fuzz/fuzz_targets/*.rs`, each a
//! one-line call into [`TARGETS`]) and of the stable replay test
//! (`tests/tests/fuzz_replay.rs`), which runs every input under
//! `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` through them.
//!
//! Every function takes attacker-controlled bytes, must never panic, and
//! asserts the property its parser promises where one exists (a canonical
//! form that round-trips, a re-encoding that gives the same text, two
//! readers that agree). An `assert!` here failing is a bug in the parser.

use std::path::Path;
use vouch_manifests::Digest;

/// One fuzz target: its name (the folder under `fuzz/corpus/` and the file
/// under `fuzz/fuzz_targets/`) and its entry point.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Every fuzz target, in the order `bench/fuzz.sh` runs them.
pub const TARGETS: &[Target] = &[
    Target { name: "manifest", run: manifest },
    Target { name: "public_key", run: public_key },
    Target { name: "secret_key", run: secret_key },
    Target { name: "signature", run: signature },
    Target { name: "trusted_comment", run: trusted_comment },
    Target { name: "policy", run: policy },
    Target { name: "state", run: state },
    Target { name: "dsse", run: dsse },
    Target { name: "provenance", run: provenance },
    Target { name: "cyclonedx", run: cyclonedx },
    Target { name: "spdx2", run: spdx2 },
    Target { name: "spdx3", run: spdx3 },
    Target { name: "archive", run: archive },
    Target { name: "rebuild_report", run: rebuild_report },
    Target { name: "review", run: review },
    Target { name: "checkpoint", run: checkpoint },
    Target { name: "cosignature", run: cosignature },
    Target { name: "tlog_proof", run: tlog_proof },
];

/// The release the review target checks reviews against (the seed's), and
/// the keys the log targets verify with: public keys only.
const REVIEW_MANIFEST: &str = "{\"created\":\"2026-01-01T00:00:00Z\",\"project\":{\"name\":\"app\",\"version\":\"1.0.0\"},\"schema\":\"vouch.manifest/v1\",\"source\":{\"count\":2,\"files\":[{\"digest\":\"sha256:98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4\",\"kind\":\"file\",\"path\":\"a.txt\",\"size\":3},{\"digest\":\"sha256:ebe95d10cc11e27bd8d4d1ce91bc725665ddbaa6ca2498ef38a88a58ad48cdb4\",\"kind\":\"file\",\"path\":\"b.rs\",\"size\":3}],\"merkle_root\":\"sha256:7230434367837b8ced4be5b549ee616130b5ae66430863ca9033361bb04ed5b0\"}}";
const REVIEWER_PUBLIC: &str = "RWTDZjh3gNENZPJW/7pFoVp5Kgx1g+uT+UJ6Jtv7QThYjz/flT+n3hP4";
const LOG_VKEY: &str = "example.com/log+cae5765f+AZg2iCZD4HMxyMOnLCVWkqwsZBlebd0XYi2pmSMaVdue";
const WITNESS_VKEY: &str = "w.example+e869d12c+BPvSdQWZTaADGKBbYO8B/AAiM+AGjUbnMOJJGkmym/1F";

/// `*.review.dsse.json`: checking a review never panics; a counted review
/// names only files of the release with their manifest digests when it
/// claims this very release; a Statement that parses re-serialises (canonical
/// JSON) to one that parses the same.
pub fn review(data: &[u8]) {
    use vouch_signing::review;
    let manifest = vouch_manifests::Manifest::from_slice(REVIEW_MANIFEST.as_bytes(), Path::new(LABEL))
        .expect("the fixed manifest");
    let digest = Digest::of(REVIEW_MANIFEST.as_bytes());
    let policy_text = format!(
        "[keys.rev]\npublic = \"{REVIEWER_PUBLIC}\"\nroles = [\"reviewer\"]\n\n[roles.release]\nthreshold = 1\n\n[review]\ncriteria = [\"safe-to-deploy\"]\n"
    );
    let policy =
        vouch_signing::policy::Policy::parse(policy_text.as_bytes(), Path::new(LABEL)).expect("the fixed policy");
    if let Ok(c) = review::check_one(LABEL, data, &policy, &manifest, digest) {
        let reviews = review::Reviews { counted: vec![c], not_counted: Vec::new() };
        let (cov, files) = review::coverage(&manifest, &reviews, &["safe-to-deploy".to_string()], 1);
        assert!(
            cov.covered_files <= cov.files && files.len() == cov.flagged.len() && cov.flagged.len() <= cov.files,
            "coverage counts more files than the release has"
        );
    }
    if let Ok(env) = vouch_signing::dsse::Envelope::from_slice(data, LABEL)
        && let Ok(body) = env.payload_bytes(LABEL)
        && let Ok(st) = serde_json::from_slice::<review::Statement>(&body)
    {
        let again = vouch_manifests::model::canonical::to_vec(&st).expect("a parsed statement serialises");
        let back: review::Statement = serde_json::from_slice(&again).expect("its canonical form parses");
        assert_eq!(back, st, "a review Statement does not round-trip");
    }
}

/// `checkpoint` (a C2SP signed note): a note that parses prints back to
/// bytes that parse to the same note; a checkpoint body that parses prints
/// back to the same text.
pub fn checkpoint(data: &[u8]) {
    use vouch_signing::note::{Checkpoint, Note};
    let Ok(n) = Note::parse(data) else { return };
    let bytes = n.to_bytes();
    let again = Note::parse(&bytes).expect("a parsed note's bytes parse");
    assert_eq!(again.text, n.text, "note text does not round-trip");
    assert_eq!(again.to_bytes(), bytes, "note bytes are not a fixed point");
    if let Ok(c) = Checkpoint::parse(&n.text) {
        assert_eq!(
            Checkpoint::parse(&c.text()).expect("its text parses").text(),
            c.text(),
            "checkpoint text does not round-trip"
        );
    }
}

/// A cosigned checkpoint: verifying it with the log's key and reading the
/// witness's cosignature never panics, and a cosignature only counts on a
/// head the log's key signed.
pub fn cosignature(data: &[u8]) {
    use vouch_signing::note::{SignedCheckpoint, VerifierKey};
    let log = VerifierKey::parse(LOG_VKEY).expect("the fixed log key");
    let w = VerifierKey::parse(WITNESS_VKEY).expect("the fixed witness key");
    if let Ok(n) = vouch_signing::note::Note::parse(data) {
        let _ = n.cosigned_by(&w);
        let _ = n.signed_by(&log);
    }
    if let Ok(h) = SignedCheckpoint::verify(data, &log) {
        let ws = [w];
        for (k, _time) in h.cosigners(&ws) {
            assert_eq!(k.name, "w.example");
        }
    }
}

/// `log.tlog-proof`: a proof that parses prints back to bytes that parse to
/// the same proof, a fixed point.
pub fn tlog_proof(data: &[u8]) {
    use vouch_signing::note::TlogProof;
    let Ok(p) = TlogProof::parse(data) else { return };
    let bytes = p.to_bytes();
    let again = TlogProof::parse(&bytes).expect("a parsed proof's bytes parse");
    assert_eq!(
        (again.index, &again.hashes, &again.checkpoint),
        (p.index, &p.hashes, &p.checkpoint),
        "proof does not round-trip"
    );
    assert_eq!(again.to_bytes(), bytes, "proof bytes are not a fixed point");
}

/// The entry point of the target called `name`.
pub fn target(name: &str) -> fn(&[u8]) {
    TARGETS.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no fuzz target {name:?}")).run
}

const LABEL: &str = "fuzz-input";

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// `manifest.json`: a manifest that parses re-serialises to canonical bytes
/// that parse to the same manifest, and canonicalising again is a fixed point.
pub fn manifest(data: &[u8]) {
    use vouch_manifests::model::manifest::Manifest;
    let Ok(m) = Manifest::from_slice(data, Path::new(LABEL)) else { return };
    let canonical = m.to_canonical().expect("a parsed manifest has a canonical form");
    let again =
        Manifest::from_slice(&canonical, Path::new(LABEL)).expect("the canonical form of a parsed manifest parses");
    assert_eq!(again, m, "canonical bytes parse to another manifest");
    assert_eq!(again.to_canonical().expect("canonical"), canonical, "canonical form is not a fixed point");
    let _ = m.bundle_name();
}

/// A `.pub` file or the bare base64 line: a key that parses re-encodes to the
/// same base64 line (the encoding is canonical: padded, no stray bits) and
/// its `.pub` text parses back to the same key.
pub fn public_key(data: &[u8]) {
    use vouch_signing::PublicKey;
    let Some(t) = text(data) else { return };
    let Ok(k) = PublicKey::parse(t, LABEL) else { return };
    let line = t.lines().map(|l| l.trim()).rfind(|l| !l.is_empty()).expect("a parsed key has a line");
    assert_eq!(k.to_base64(), line, "the base64 line does not re-encode to itself");
    assert_eq!(PublicKey::parse(&k.to_file_text(), LABEL).expect("own text parses"), k);
    assert_eq!(PublicKey::from_base64(&k.to_base64(), LABEL).expect("own line parses"), k);
}

/// A secret key file: parsing never panics; an unencrypted key that decrypts
/// writes out to a file that reads back to the same key. Encrypted keys are
/// not decrypted (scrypt with a file's work factors is the cost a real
/// password prompt pays, not a parser's).
pub fn secret_key(data: &[u8]) {
    use vouch_signing::SecretKeyFile;
    use vouch_signing::keys::{Encryption, Protection};
    let Some(t) = text(data) else { return };
    let Ok(f) = SecretKeyFile::parse(t, LABEL) else { return };
    let _ = (f.comment(), f.scrypt_params(), f.key_id());
    match f.protection() {
        Protection::Encrypted => {
            assert!(f.decrypt(None).is_err(), "an encrypted key decrypted without a password");
        }
        Protection::Unencrypted => {
            let Ok(k) = f.decrypt(None) else { return };
            assert_eq!(Some(k.key_id()), f.key_id());
            let out = k.to_file_text(Encryption::None).expect("an unencrypted key writes out");
            let back =
                SecretKeyFile::parse(&out, LABEL).expect("own text parses").decrypt(None).expect("own key decrypts");
            assert_eq!(back.key_id(), k.key_id());
            assert_eq!(back.public_key(), k.public_key());
        }
    }
}

/// A `.minisig` file: a signature that parses writes out (as `minisign -S`
/// does) to text that parses to the same signature, and that text is a
/// fixed point; the trusted comment's time never panics.
pub fn signature(data: &[u8]) {
    use vouch_signing::Signature;
    let Some(t) = text(data) else { return };
    let Ok(s) = Signature::parse(t, LABEL) else { return };
    let out = s.to_text();
    let back = Signature::parse(&out, LABEL).expect("own text parses");
    assert_eq!(back, s, "the written signature parses to another one");
    assert_eq!(back.to_text(), out);
    let _ = (s.timestamp(), s.signing_time());
    let _ = vouch_signing::manifest_sig::ManifestComment::parse(&s.trusted_comment);
}

/// A manifest signature's trusted comment: a comment that parses is claimed
/// (it has a `vouch:` field) and prints back as exactly the same text (the
/// form is pinned: six fields in one order).
pub fn trusted_comment(data: &[u8]) {
    use vouch_signing::manifest_sig::ManifestComment;
    let Some(t) = text(data) else { return };
    let _ = vouch_signing::sig::comment_timestamp(t);
    let Ok(c) = ManifestComment::parse(t) else { return };
    assert!(ManifestComment::is_claimed(t), "a parsed comment is not claimed");
    assert_eq!(c.to_string(), t, "the comment does not print back as itself");
}

/// `trust.toml`: a policy that parses lints (its findings and usability)
/// and answers every query without panicking, whatever its times.
pub fn policy(data: &[u8]) {
    use vouch_signing::policy::{Evidence, Policy, Role};
    let Ok(p) = Policy::parse(data, Path::new(LABEL)) else { return };
    let _ = p.findings();
    let _ = p.check_usable();
    for role in [Role::Release, Role::Builder, Role::Reviewer] {
        let _ = p.threshold(role);
    }
    for t in [i64::MIN, -1, 0, 1_700_000_000, i64::MAX] {
        let _ = vouch_signing::policy::show_time(t);
        for k in &p.keys {
            let _ = k.invalid_at(t);
        }
    }
    for k in &p.keys {
        assert_eq!(p.key(k.public.key_id()).map(|k| k.public.key_id()), Some(k.public.key_id()));
    }
    let manifest = b"{}";
    let _ = p.evaluate(&Evidence {
        manifest_path: Path::new("manifest.json"),
        manifest_bytes: manifest,
        signatures: &[],
        builder_reports: &[],
        legacy: vouch_signing::Legacy::Refuse,
    });
}

/// The rollback state file: a state that parses writes out (as it is saved)
/// to bytes that parse to the same state, and checking a release against it
/// never panics.
pub fn state(data: &[u8]) {
    use vouch_signing::state::{Candidate, State};
    let path = Path::new(LABEL);
    let Ok(s) = State::parse(data, path) else { return };
    let out = serde_json::to_vec_pretty(&s).expect("a state serialises");
    assert_eq!(State::parse(&out, path).expect("own bytes parse"), s);
    let names: Vec<String> = s.projects.keys().take(4).cloned().chain(["p".to_string()]).collect();
    for name in &names {
        for version in ["1.0.0", "0.0.1", "not-semver"] {
            let c = Candidate { project: name, version, manifest_sha256: Digest::of(b"x"), signed_at: 1_700_000_000 };
            let mut copy = s.clone();
            if copy.check(&c, path).is_ok() {
                copy.record(&c);
            }
        }
    }
}

/// A key the DSSE target verifies with: a real Ed25519 point (the minisign
/// test key of `signing/src/sig.rs`), which signed no envelope, so a
/// verification that succeeds is a forgery.
fn fuzz_public_key() -> vouch_signing::PublicKey {
    vouch_signing::PublicKey::from_base64("RWQ0Wk0gt/QS9VLAAJ9h8nYTFzaSGj2NzJ1fTP6+ZxeXMqutXzz2nFdm", "fuzz key")
        .expect("the fuzz key parses")
}

/// A DSSE envelope (`provenance.dsse.json`): an envelope that parses writes
/// out to JSON that parses to the same envelope, and no signature verifies
/// under a key that never signed.
pub fn dsse(data: &[u8]) {
    use vouch_signing::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
    let Ok(e) = Envelope::from_slice(data, LABEL) else { return };
    assert_eq!(Envelope::from_slice(&e.to_json(), LABEL).expect("own JSON parses"), e);
    let _ = e.payload_bytes(LABEL);
    let key = fuzz_public_key();
    assert!(e.verify(&key, LABEL).is_err(), "an envelope verified under a key that signed nothing");
    assert!(e.verify_typed(&key, IN_TOTO_PAYLOAD_TYPE, LABEL).is_err());
}

/// The manifest the provenance target compares statements with: one artifact,
/// a git commit, no files.
fn provenance_manifest() -> vouch_manifests::model::manifest::Manifest {
    let json = format!(
        r#"{{"schema":"vouch.manifest/v1","project":{{"name":"hello","version":"1.0.0"}},
        "source":{{"vcs":{{"type":"git","commit":"{c}","tree":"{c}","dirty":false}},"merkle_root":"{root}","count":0,"files":[]}},
        "artifacts":[{{"path":"target/release/hello","size":5,"digest":"{d}"}}]}}"#,
        c = "0".repeat(40),
        root = vouch_manifests::model::merkle::root(&[]),
        d = Digest::of(b"hello"),
    );
    vouch_manifests::model::manifest::Manifest::from_slice(json.as_bytes(), Path::new("provenance-manifest"))
        .expect("the provenance target's manifest parses")
}

/// The in-toto statement inside a provenance envelope, as `verify` checks it
/// once the envelope's signature holds: any bytes (an envelope, or a bare
/// statement) give a verdict and never a panic; a check that holds names
/// every artifact.
pub fn provenance(data: &[u8]) {
    use vouch_signing::dsse::Envelope;
    use vouch_signing::verify::{Check, check_statement};
    let payload = match Envelope::from_slice(data, LABEL).and_then(|e| e.payload_bytes(LABEL)) {
        Ok(p) => p,
        Err(_) => data.to_vec(),
    };
    let m = provenance_manifest();
    let digest = Digest::of(b"manifest");
    let mut c = Check { name: "provenance".into(), held: true, details: Vec::new() };
    check_statement(&mut c, &payload, &m, &digest);
    if !c.held {
        assert!(!c.details.is_empty(), "a failed provenance check says nothing");
    }
}

thread_local! {
    /// One scratch file per thread for the path-based readers.
    static SCRATCH: tempfile::NamedTempFile = tempfile::Builder::new()
        .prefix("vouch-fuzz-")
        .tempfile()
        .expect("scratch file");
}

/// Runs `f` on a file holding `data`.
fn with_file<R>(data: &[u8], f: impl FnOnce(&Path) -> R) -> R {
    SCRATCH.with(|s| {
        std::fs::write(s.path(), data).expect("write the scratch file");
        f(s.path())
    })
}

/// An SBOM: parsing the bytes and streaming the same bytes from a file agree
/// (the same model, or both refuse), and the model's views never panic.
fn sbom(data: &[u8]) {
    use vouch_manifests::sbom;
    let from_bytes = sbom::parse(data, Path::new(LABEL));
    let from_file = with_file(data, sbom::read);
    match (&from_bytes, &from_file) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the byte and the file reader disagree"),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "one reader accepts what the other refuses: bytes {:?}, file {:?}",
            from_bytes.as_ref().map(|_| ()),
            from_file.as_ref().map(|_| ())
        ),
    }
    if let Ok(s) = from_bytes {
        let _ = sbom::diff::licenses(&s);
        let _ = sbom::diff::diff(&s, &s);
        let _ = sbom::diff::check_lock(&s, &[]);
    }
}

/// A CycloneDX JSON SBOM (`sbom/*.json` of a bundle); see [`sbom`].
pub fn cyclonedx(data: &[u8]) {
    sbom(data)
}

/// An SPDX 2.2/2.3 JSON SBOM; see [`sbom`].
pub fn spdx2(data: &[u8]) {
    sbom(data)
}

/// An SPDX 3.0 JSON-LD SBOM; see [`sbom`].
pub fn spdx3(data: &[u8]) {
    sbom(data)
}

/// A bundle archive (`<name>-<version>.tar`): every member the reader hands
/// out has a checked relative path, appears once, and yields exactly the
/// bytes its header declares.
pub fn archive(data: &[u8]) {
    use vouch_manifests::tree::archive::{Member, read_members};
    with_file(data, |p| {
        let mut seen = std::collections::HashSet::new();
        let result = read_members(p, None, |top, member, contents| {
            assert!(!top.is_empty() && !top.contains('/'), "top-level folder {top:?}");
            let path = match member {
                Member::Dir { path } => path,
                Member::File { path, .. } => path,
            };
            if !path.is_empty() {
                vouch_manifests::RelPath::new(path.as_str()).expect("a member path is a relative path");
            }
            assert!(seen.insert(path.clone()), "member {path:?} handed out twice");
            if let Member::File { size, .. } = member {
                let mut n = 0u64;
                let mut buf = [0u8; 8192];
                loop {
                    let got = contents.read(&mut buf).map_err(|source| {
                        vouch_manifests::tree::archive::ArchiveError::Read { path: p.to_path_buf(), source }
                    })?;
                    if got == 0 {
                        break;
                    }
                    n += got as u64;
                }
                assert_eq!(n, *size, "member {path:?} declares {size} bytes but holds {n}");
            }
            Ok(())
        });
        if let Ok(top) = result {
            assert!(!top.is_empty());
        }
    })
}

/// A signed rebuild report (`reports/*.json`): a report that parses writes
/// out to JSON that parses to the same report.
pub fn rebuild_report(data: &[u8]) {
    use vouch_manifests::build::rebuild::RebuildReport;
    let Ok(r) = serde_json::from_slice::<RebuildReport>(data) else { return };
    let out = serde_json::to_vec_pretty(&r).expect("a report serialises");
    let back: RebuildReport = serde_json::from_slice(&out).expect("own JSON parses");
    assert_eq!(back, r);
}

/// Every input of `dir` (a corpus or regressions folder), sorted; none
/// when it does not exist.
pub fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    out.sort();
    out
}
