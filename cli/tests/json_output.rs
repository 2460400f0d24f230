//! `--format json` output, checked twice: parsed into the library's typed
//! structs (and re-serialized to the very same JSON, so no field is lost or
//! unknown), and compared with a committed insta snapshot in `snapshots/`.
//!
//! After a deliberate change to an output, update the snapshots with
//! `INSTA_UPDATE=always cargo test -p vouch-cli --test json_output` (or
//! `cargo insta test -p vouch-cli --review`) and read the diff before
//! committing it. Under `CI=true` a missing snapshot fails.
//!
//! The inputs are the transcripts' fixtures (`tests/cmd/fixtures/`); the
//! binary is the one cargo built for this package (`CARGO_BIN_EXE_vouch`).

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use vouch_manifests::Manifest;
use vouch_manifests::model::diff::TreeDiff;
use vouch_manifests::sbom::Sbom;
use vouch_manifests::sbom::diff::LockCheck;
use vouch_signing::policy::Role;
use vouch_signing::verify::VerifyReport;
use vouch_tests::TestCommand;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/cmd/fixtures").canonicalize().expect("fixtures")
}

/// Runs `vouch ARGS --format json` in the fixtures, asserts the exit code,
/// and parses stdout both as `T` and as a plain JSON value; the typed value
/// must serialize back to the same JSON.
#[track_caller]
fn json<T: DeserializeOwned + Serialize>(args: &[&str], code: i32) -> (T, serde_json::Value) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--format", "json"]);
    let run = TestCommand::new(env!("CARGO_BIN_EXE_vouch"), &all)
        .current_dir(fixtures())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("NO_COLOR", "1")
        .run();
    run.code(code);
    let value: serde_json::Value = run.json();
    let typed: T = run.json();
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        value,
        "the typed form of `vouch {}` drops or adds fields",
        args.join(" ")
    );
    (typed, value)
}

#[test]
fn manifest_show_json() {
    let (m, v) = json::<Manifest>(&["manifest", "show", "bundles/hello-1.0.0/manifest.json"], 0);
    assert_eq!((m.project.name.as_str(), m.project.version.as_str()), ("hello", "1.0.0"));
    assert_eq!(m.source.count, 1);
    assert_eq!(m.artifacts.iter().flatten().map(|a| a.path.to_string()).collect::<Vec<_>>(), ["target/release/hello"]);
    insta::assert_json_snapshot!(v);
}

#[test]
fn manifest_diff_json() {
    let (d, v) = json::<TreeDiff>(&["manifest", "diff", "manifest.json", "manifest-1.0.1.json"], 1);
    assert!(d.added.is_empty() && d.removed.is_empty());
    let c = &d.changed[0];
    assert_eq!(c.path.as_str(), "main.rs");
    assert_ne!(c.old, c.new, "a change names both digests");
    insta::assert_json_snapshot!(v);
}

#[test]
fn sbom_show_json() {
    let (s, v) = json::<Sbom>(&["sbom", "show", "sbom.cdx.json"], 0);
    assert_eq!(s.spec_version, "1.6");
    assert_eq!(s.components.iter().map(|c| c.label()).collect::<Vec<_>>(), ["itoa@1.0.19"]);
    insta::assert_json_snapshot!(v);
}

#[test]
fn sbom_check_lock_json() {
    let (c, v) = json::<LockCheck>(&["sbom", "check", "--lock", "hello.Cargo.lock", "sbom-newer.cdx.json"], 1);
    assert!(!c.holds());
    assert_eq!(c.only_in_sbom, ["itoa@1.0.20"]);
    assert_eq!(c.only_in_lock, ["itoa@1.0.19"]);
    insta::assert_json_snapshot!(v);
}

#[test]
fn verify_json_on_a_fixed_bundle() {
    let bundle = fixtures().join("bundles/hello-1.0.0");
    let artifact = fixtures().join("src/target/release/hello");
    let (r, v) = json::<VerifyReport>(
        &["verify", bundle.to_str().unwrap(), "--trust", "trust.toml", "--artifact", artifact.to_str().unwrap()],
        0,
    );
    assert!(r.held);
    assert_eq!(
        r.checks.iter().map(|c| (c.name.as_str(), c.held)).collect::<Vec<_>>(),
        [("bundle", true), ("signatures", true), ("provenance", true), ("artifacts", true)]
    );
    assert_eq!(r.artifacts[0].matches.as_deref(), Some("target/release/hello"));
    // Absolute paths differ per checkout: redacted, in details too.
    insta::assert_json_snapshot!(v, {
        ".bundle" => "[bundle]",
        ".artifacts[].file" => "[artifact]",
        ".checks[].details[]" => insta::dynamic_redaction(|value, _| {
            insta::internals::Content::from(value.as_str().unwrap().replace(&fixtures().display().to_string(), "[fixtures]"))
        }),
    });
}

#[test]
fn verify_json_names_both_digests_of_a_tampered_manifest() {
    let (r, v) = json::<VerifyReport>(&["verify", "tampered/hello-1.0.0", "--trust", "trust.toml"], 1);
    assert!(!r.held);
    let sigs = r.checks.iter().find(|c| c.name == "signatures").unwrap();
    assert!(!sigs.held);
    assert!(sigs.details[0].contains(&r.manifest_sha256.to_string()), "{:?}", sigs.details);
    insta::assert_json_snapshot!(v);
}

/// `vouch trust check --format json`, as the binary prints it. The binary's
/// struct is private and the library's `Finding` has no `Deserialize` yet
/// (signing/src/policy.rs is being changed on another branch): this mirror
/// refuses unknown fields, so a change of shape fails here.
#[derive(Debug, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TrustCheck {
    policy: String,
    sha256: vouch_manifests::Digest,
    keys: usize,
    roles: Vec<TrustRole>,
    findings: Vec<TrustFinding>,
    usable: bool,
}

#[derive(Debug, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TrustRole {
    role: Role,
    threshold: u32,
    keys: Vec<String>,
}

#[derive(Debug, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TrustFinding {
    severity: String,
    message: String,
}

#[test]
fn trust_check_json() {
    let (t, v) = json::<TrustCheck>(&["trust", "check", "trust-unusable.toml"], 1);
    assert!(!t.usable);
    assert_eq!(t.keys, 1);
    assert!(t.findings.iter().any(|f| f.severity == "error" && f.message.contains("threshold 2")), "{:?}", t.findings);
    insta::assert_json_snapshot!(v);
}
