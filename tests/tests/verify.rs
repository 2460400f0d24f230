//! End-to-end tests of `vouch verify`: the reviewer's offline
//! check of a real signed bundle, its JSON report parsed into typed structs,
//! inside a network namespace with no interfaces, and every named failure.

use std::path::{Path, PathBuf};
use vouch_signing::verify::VerifyReport;
use vouch_tests::{Dir, Release, TestCommand, repo_root};

fn verify(bundle: &Path, policy: &Path, extra: &[&str]) -> vouch_tests::Run {
    let mut a =
        vec!["verify".to_string(), bundle.display().to_string(), "--trust".into(), policy.display().to_string()];
    a.extend(extra.iter().map(|s| s.to_string()));
    TestCommand::vouch(a).run()
}

fn sbom_fixture() -> PathBuf {
    repo_root().join("tests/fixtures/sbom/cyclonedx/dropwizard-1.3.15.cdx.json")
}

/// A released example with an SBOM, an archive and the artifacts copied in.
fn released() -> (Release, PathBuf) {
    let r = Release::new();
    let sbom = r.dir.join("dropwizard.cdx.json");
    std::fs::copy(sbom_fixture(), &sbom).unwrap();
    r.release("0.1.0", &["--archive", "--include-artifacts", "--sbom", sbom.to_str().unwrap()]).ok();
    let policy = r.policy("trust.toml", &["release"]);
    (r, policy)
}

#[test]
fn a_good_bundle_verifies_as_directory_and_archive_offline() {
    let (r, policy) = released();
    let b = r.bundle("0.1.0");
    let bin = r.src.join("target/release/hello");
    let args = ["--source", r.src.to_str().unwrap(), "--exclude", "target", "--artifact", bin.to_str().unwrap()];
    verify(&b, &policy, &args).ok().says("VERIFIED: hello 0.1.0").says("acme-release");

    let json = verify(&b, &policy, &[&args[..], &["--format", "json"]].concat());
    json.ok();
    let report: VerifyReport = json.json();
    assert!(report.held);
    assert_eq!(report.project, "hello");
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["bundle", "signatures", "provenance", "source", "artifacts"]);
    assert!(report.checks.iter().all(|c| c.held));
    assert_eq!(report.artifacts[0].matches.as_deref(), Some("target/release/hello"));
    let policy_sum = vouch_manifests::Digest::of(&std::fs::read(&policy).unwrap());
    assert_eq!(report.policy_sha256, policy_sum);
    assert!(report.source.as_ref().unwrap().diff.is_empty());

    // The archive, read into a private temporary directory that is removed.
    let tmp = Dir::new();
    let tar = r.bundles.join("hello-0.1.0.tar");
    TestCommand::vouch([
        "verify",
        tar.to_str().unwrap(),
        "--trust",
        policy.to_str().unwrap(),
        "--artifact",
        bin.to_str().unwrap(),
    ])
    .env("TMPDIR", tmp.path())
    .run()
    .ok()
    .says("VERIFIED");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "nothing left in TMPDIR");

    // Offline, proven: a network namespace with no interfaces.
    TestCommand::new(
        "unshare",
        [
            "-n",
            "--",
            vouch_tests::vouch_bin().to_str().unwrap(),
            "verify",
            tar.to_str().unwrap(),
            "--trust",
            policy.to_str().unwrap(),
            "--artifact",
            bin.to_str().unwrap(),
        ],
    )
    .run()
    .ok()
    .says("VERIFIED");
}

#[test]
fn altered_or_missing_files_are_named() {
    let (r, policy) = released();
    let b = r.bundle("0.1.0");
    let sbom = b.join("sbom/dropwizard.cdx.json");
    let good = std::fs::read(&sbom).unwrap();
    let want = vouch_manifests::Digest::of(&good).to_string();

    std::fs::write(&sbom, [&good[..], b" "].concat()).unwrap();
    let bad = vouch_manifests::Digest::of(&std::fs::read(&sbom).unwrap()).to_string();
    verify(&b, &policy, &[])
        .code(1)
        .says("sbom/dropwizard.cdx.json was altered")
        .says(&want)
        .says(&bad)
        .says("NOT VERIFIED");
    std::fs::remove_file(&sbom).unwrap();
    verify(&b, &policy, &[]).code(1).says("sbom/dropwizard.cdx.json is listed in the manifest but missing");
    std::fs::write(&sbom, &good).unwrap();

    let copy = b.join("artifacts/target/release/hello");
    let mut bytes = std::fs::read(&copy).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&copy, &bytes).unwrap();
    verify(&b, &policy, &[]).code(1).says("artifacts/target/release/hello was altered");
}

#[test]
fn untrusted_keys_and_foreign_signatures_fail() {
    let (r, _) = released();
    let b = r.bundle("0.1.0");
    // A policy that trusts some other key only.
    let other = Release::new();
    let other_policy = other.policy("other.toml", &["release"]);
    verify(&b, &other_policy, &[]).code(1).says("is not in the policy").says("role release: 0 of 1");

    // A signature made for another version, moved into this bundle.
    r.record("0.2.0", &[]).ok();
    let sig_name = format!("signatures/{}.minisig", r.key_id);
    std::fs::copy(r.bundle("0.2.0").join(&sig_name), b.join(&sig_name)).unwrap();
    let policy = r.policy("trust.toml", &["release"]);
    verify(&b, &policy, &[]).code(1).says("does not count").says("but the signature's trusted comment says");

    // A valid signature by the trusted key whose trusted comment claims
    // another project (made with the reference minisign): the binding fails.
    let manifest = b.join("manifest.json");
    let hex = vouch_manifests::Digest::of(&std::fs::read(&manifest).unwrap()).hex();
    let comment =
        format!("timestamp:1800000000\tfile:manifest.json\tvouch:v1\tproject:other\tversion:0.1.0\tsha256:{hex}");
    vouch_tests::minisign_sign(&r.key, &manifest, &b.join(&sig_name), &comment).ok();
    verify(&b, &policy, &[]).code(1).says("does not count").says("other");

    // A malformed signature file.
    std::fs::write(b.join(&sig_name), "untrusted comment: x\nnot base64 !!\n").unwrap();
    verify(&b, &policy, &[]).code(1).says("does not count");
}

/// A legacy (`minisign -S -l`) signature of the manifest, by the trusted
/// key and with vouch's trusted comment, is refused with a hint naming
/// `--allow-legacy`, and counts with it.
#[test]
fn a_legacy_signature_is_refused_with_the_allow_legacy_hint() {
    let (r, policy) = released();
    let b = r.bundle("0.1.0");
    let manifest = b.join("manifest.json");
    let sig = b.join(format!("signatures/{}.minisig", r.key_id));
    let comment = std::fs::read_to_string(&sig).unwrap().lines().nth(2).unwrap().to_string();
    let comment = comment.strip_prefix("trusted comment: ").unwrap().to_string();
    vouch_tests::minisign_sign_legacy(&r.key, &manifest, &sig, &comment).ok();
    let refused = verify(&b, &policy, &[]);
    refused.code(1).says("is a legacy (non-prehashed) minisign signature, refused").says("NOT VERIFIED");
    assert!(
        refused.stderr.lines().any(|l| l.starts_with("hint: ") && l.contains("--allow-legacy")),
        "no --allow-legacy hint on stderr:\n{}",
        refused.stderr
    );
    verify(&b, &policy, &["--allow-legacy"]).ok().says("VERIFIED: hello 0.1.0");
}

#[test]
fn wrong_artifacts_name_the_closest_and_bad_inputs_exit_2() {
    let (r, policy) = released();
    let b = r.bundle("0.1.0");
    let fake = r.dir.write("hello", "not the binary");
    verify(&b, &policy, &["--artifact", fake.to_str().unwrap()])
        .code(1)
        .says("matches no artifact")
        .says("closest by name: target/release/hello");
    verify(&b, &policy, &["--artifact", r.src.to_str().unwrap()]).code(2).says("is a directory");
    verify(&b, &policy, &["--artifact", "/nonexistent/bin"]).code(2).says("/nonexistent/bin");
    verify(&b, &policy, &["--source", "/nonexistent/src"]).code(2).says("/nonexistent/src");
    verify(&r.bundles.join("nope"), &policy, &[]).code(2).says("nope");
    verify(&b, &r.dir.join("missing.toml"), &[]).code(2).says("missing.toml");

    // A modified source file is named with both digests.
    let main = r.src.join("src/main.rs");
    let before = vouch_manifests::Digest::of(&std::fs::read(&main).unwrap()).to_string();
    std::fs::write(&main, "fn main() {}\n").unwrap();
    let after = vouch_manifests::Digest::of(b"fn main() {}\n").to_string();
    verify(&b, &policy, &["--source", r.src.to_str().unwrap(), "--exclude", "target"])
        .code(1)
        .says("modified  src/main.rs")
        .says(&before)
        .says(&after);
}

#[test]
fn hostile_and_truncated_archives_are_refused_leaving_nothing() {
    let (r, policy) = released();
    let tar = r.bundles.join("hello-0.1.0.tar");
    let tmp = Dir::new();
    let bytes = std::fs::read(&tar).unwrap();
    let truncated = r.dir.write("truncated.tar", &bytes[..bytes.len() / 2]);
    TestCommand::vouch(["verify", truncated.to_str().unwrap(), "--trust", policy.to_str().unwrap()])
        .env("TMPDIR", tmp.path())
        .run()
        .code(2)
        .says("truncated.tar");
    // Archives built with Python's tarfile: a `..` member, a symlink, an absolute path, a duplicate.
    let script = r#"
import io, sys, tarfile
kind, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    def add(name, data=b"x", type=tarfile.REGTYPE, link=""):
        i = tarfile.TarInfo(name); i.type = type; i.linkname = link; i.size = len(data) if type == tarfile.REGTYPE else 0
        t.addfile(i, io.BytesIO(data) if type == tarfile.REGTYPE else None)
    add("hello-0.1.0/manifest.json", b"{}")
    if kind == "dotdot": add("hello-0.1.0/../../escaped")
    if kind == "symlink": add("hello-0.1.0/signatures", type=tarfile.SYMTYPE, link="/etc")
    if kind == "absolute": add("/tmp/vouch-absolute")
    if kind == "duplicate": add("hello-0.1.0/manifest.json", b"{}")
"#;
    for (kind, says) in
        [("dotdot", "'..'"), ("symlink", "is a link"), ("absolute", "absolute"), ("duplicate", "appears twice")]
    {
        let out = r.dir.join(format!("{kind}.tar"));
        TestCommand::new(vouch_tests::peer_tool("python3"), ["-c", script, kind, out.to_str().unwrap()]).run().ok();
        TestCommand::vouch(["verify", out.to_str().unwrap(), "--trust", policy.to_str().unwrap()])
            .env("TMPDIR", tmp.path())
            .run()
            .code(2)
            .says("refused")
            .says(says);
    }
    assert!(!Path::new("/tmp/vouch-absolute").exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "nothing left in TMPDIR");
}

#[test]
fn rollback_and_same_version_different_digest_are_refused() {
    let (r, policy) = released();
    let state = r.dir.join("state.json");
    let st = state.to_str().unwrap();
    r.record("0.2.0", &[]).ok();
    verify(&r.bundle("0.2.0"), &policy, &["--state", st]).ok().says("first release");
    assert!(state.exists(), "accepted release recorded");
    verify(&r.bundle("0.1.0"), &policy, &["--state", st]).code(1).says("rollback").says("0.1.0");
    // The same version, re-released with other content.
    std::fs::write(r.src.join("NOTES"), "extra\n").unwrap();
    r.record("0.2.0", &["--force"]).ok();
    verify(&r.bundle("0.2.0"), &policy, &["--state", st]).code(1).says("0.2.0").says("accepted");
    let recorded = std::fs::read_to_string(&state).unwrap();
    assert!(!recorded.contains("0.1.0"), "a refused release is not recorded");
}

/// Hardening: a manifest signature whose trusted timestamp is no plausible
/// signing time (0, or past year 9999 up to i64::MAX) is malformed: it does
/// not count, the value is named, exit 1. The last plausible second counts.
#[test]
fn implausible_signing_times_are_malformed_signatures() {
    let (r, policy) = released();
    let b = r.bundle("0.1.0");
    let manifest = b.join("manifest.json");
    let sig = b.join(format!("signatures/{}.minisig", r.key_id));
    let hex = vouch_manifests::Digest::of(&std::fs::read(&manifest).unwrap()).hex();
    let resign = |timestamp: &str| {
        let comment =
            format!("timestamp:{timestamp}\tfile:manifest.json\tvouch:v1\tproject:hello\tversion:0.1.0\tsha256:{hex}");
        vouch_tests::minisign_sign(&r.key, &manifest, &sig, &comment).ok();
    };
    for t in ["0", "253402300800", &i64::MAX.to_string()] {
        resign(t);
        verify(&b, &policy, &[]).code(1).says("does not count").says(&format!("timestamp {t}")).says("NOT VERIFIED");
    }
    resign("253402300799"); // 9999-12-31T23:59:59Z
    verify(&b, &policy, &[]).ok().says("VERIFIED: hello 0.1.0");
}

/// Hardening: a provenance statement, signed by the release key, that lists
/// an artifact twice fails the provenance check naming the subject, whether
/// the copy repeats the digest or claims another one.
#[test]
fn a_duplicate_provenance_subject_fails_naming_it() {
    use vouch_signing::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
    let (r, policy) = released();
    let b = r.bundle("0.1.0");
    let path = b.join("provenance.dsse.json");
    let good = std::fs::read(&path).unwrap();
    let key = vouch_signing::keys::SecretKey::read(&r.key, None).unwrap();
    let with_subjects = |edit: &dyn Fn(&mut Vec<serde_json::Value>)| {
        let env = Envelope::from_slice(&good, "provenance").unwrap();
        let mut st: serde_json::Value = serde_json::from_slice(&env.payload_bytes("provenance").unwrap()).unwrap();
        edit(st["subject"].as_array_mut().unwrap());
        let body = serde_json::to_vec(&st).unwrap();
        std::fs::write(&path, Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &body, &key).to_json()).unwrap();
    };
    // The same statement re-signed this way still verifies.
    with_subjects(&|_| {});
    verify(&b, &policy, &[]).ok().says("VERIFIED");

    with_subjects(&|s| s.push(s[0].clone()));
    verify(&b, &policy, &[]).code(1).says("subject target/release/hello").says("2 times").says("NOT VERIFIED");
    with_subjects(&|s| {
        let mut other = s[0].clone();
        other["digest"]["sha256"] = "00".repeat(32).into();
        s.push(other);
    });
    verify(&b, &policy, &[]).code(1).says("subject target/release/hello").says("2 times");
}

// Rollback state under concurrency and with unusual state files .

/// `vouch release` of the example as project `name` at `version`, recording a stand-in artifact (no build):
/// quick enough to make dozens of bundles.
fn quick_release(r: &Release, name: &str, version: &str) -> PathBuf {
    let artifact = r.src.join("target/release/hello");
    if !artifact.exists() {
        std::fs::create_dir_all(artifact.parent().unwrap()).unwrap();
        std::fs::write(&artifact, "a stand-in for the built binary\n").unwrap();
    }
    r.args(&r.src, name, version)
        .args(["--no-git", "--exclude", "target", "--artifact", "target/release/hello"])
        .command()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .run()
        .ok();
    r.bundles.join(format!("{name}-{version}"))
}

/// Runs `vouch verify BUNDLE --trust POLICY --state STATE` for every bundle at once, one thread each.
fn verify_all_at_once(bundles: &[PathBuf], policy: &Path, state: &Path) -> Vec<vouch_tests::Run> {
    let st = state.to_str().unwrap();
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            bundles.iter().map(|b| scope.spawn(move || verify(b, policy, &["--state", st]))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Project name → the versions the state file recorded for it, in order.
fn recorded(state: &Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let s: vouch_signing::state::State = serde_json::from_slice(&std::fs::read(state).unwrap()).unwrap();
    s.projects.into_iter().map(|(p, a)| (p, a.into_iter().map(|a| a.version).collect())).collect()
}

#[test]
fn fifty_concurrent_verifies_of_distinct_projects_are_all_recorded() {
    let r = Release::new();
    let policy = r.policy("trust.toml", &["release"]);
    let bundles: Vec<PathBuf> = (0..50).map(|i| quick_release(&r, &format!("p{i:02}"), "1.0.0")).collect();
    let state = r.dir.join("state.json");
    for run in verify_all_at_once(&bundles, &policy, &state) {
        run.ok();
    }
    let got = recorded(&state);
    let missing: Vec<String> = (0..50).map(|i| format!("p{i:02}")).filter(|p| !got.contains_key(p)).collect();
    assert!(missing.is_empty(), "{} of 50 accepted releases were not recorded: {missing:?}", missing.len());
    let lock = r.dir.join("state.json.lock");
    assert!(lock.is_file(), "the lock file lives beside the state file");
}

#[test]
fn a_concurrent_newer_and_older_pair_never_leaves_only_the_older() {
    let r = Release::new();
    let policy = r.policy("trust.toml", &["release"]);
    let newer = quick_release(&r, "hello", "2.0.0");
    let older = quick_release(&r, "hello", "1.0.1");
    for trial in 0..12 {
        let state = r.dir.join(format!("state-{trial}.json"));
        let runs = verify_all_at_once(&[newer.clone(), older.clone()], &policy, &state);
        runs[0].ok();
        let versions = recorded(&state).remove("hello").unwrap_or_default();
        assert!(versions.contains(&"2.0.0".to_string()), "trial {trial}: 2.0.0 not recorded: {versions:?}");
        if runs[1].code == 0 {
            // Accepted only when it came first: then it is recorded before 2.0.0.
            assert_eq!(versions, ["1.0.1", "2.0.0"], "trial {trial}");
        } else {
            runs[1].code(1).says("rollback");
            assert_eq!(versions, ["2.0.0"], "trial {trial}");
        }
        // Whatever the interleaving, the rollback is refused afterwards.
        if versions == ["2.0.0"] {
            verify(&older, &policy, &["--state", state.to_str().unwrap()]).code(1).says("rollback");
        }
    }
}

#[test]
fn a_symlinked_state_is_followed_and_its_target_updated() {
    let r = Release::new();
    let policy = r.policy("trust.toml", &["release"]);
    let v2 = quick_release(&r, "hello", "0.2.0");
    let v1 = quick_release(&r, "hello", "0.1.0");
    let real = r.dir.mkdir("keep").join("real-state.json");
    let link = r.dir.join("state.json");
    std::os::unix::fs::symlink("keep/real-state.json", &link).unwrap();
    // A dangling link is refused, naming it; it is never taken as "nothing accepted yet".
    verify(&v2, &policy, &["--state", link.to_str().unwrap()]).code(2).says("state.json").says("dangling");
    assert!(!real.exists(), "nothing created through a dangling link");
    // Once the target exists, the link is followed: the target is updated, the link stays.
    std::fs::write(&real, "{\"schema\": \"vouch.state/v1\", \"projects\": {}}\n").unwrap();
    verify(&v2, &policy, &["--state", link.to_str().unwrap()]).ok();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
    assert_eq!(recorded(&real)["hello"], ["0.2.0"]);
    verify(&v1, &policy, &["--state", link.to_str().unwrap()]).code(1).says("rollback");
    assert!(!r.dir.join("state.json.lock").exists() && r.dir.join("keep/real-state.json.lock").exists());
}

#[test]
fn a_read_only_state_is_refused_and_a_state_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let r = Release::new();
    let policy = r.policy("trust.toml", &["release"]);
    let a = quick_release(&r, "a", "1.0.0");
    let b = quick_release(&r, "b", "1.0.0");
    let c = quick_release(&r, "c", "1.0.0");
    let state = r.dir.join("state.json");
    let st = state.to_str().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    verify(&a, &policy, &["--state", st]).ok();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o600)).unwrap();
    verify(&b, &policy, &["--state", st]).ok();
    assert_eq!(mode(&state), 0o600, "the mode of an existing state file is kept");
    assert_eq!(recorded(&state).len(), 2);
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&state).unwrap();
    verify(&c, &policy, &["--state", st]).code(2).says("state.json").says("not writable");
    assert_eq!(std::fs::read(&state).unwrap(), before, "nothing recorded");
    assert_eq!(mode(&state), 0o444);
}

#[test]
fn a_state_that_is_not_a_regular_file_or_too_large_is_refused_without_hanging() {
    let r = Release::new();
    let policy = r.policy("trust.toml", &["release"]);
    let b = quick_release(&r, "hello", "1.0.0");
    let fifo = r.dir.join("fifo.json");
    TestCommand::new("mkfifo", [fifo.to_str().unwrap()]).run().ok();
    let dir = r.dir.mkdir("dir.json");
    let big = r.dir.join("big.json");
    std::fs::File::create(&big).unwrap().set_len(64 * 1024 * 1024 + 1).unwrap();
    for (state, says) in [(&fifo, "not a regular file"), (&dir, "not a regular file"), (&big, "64 MiB")] {
        // `timeout` turns a hang into exit 124 instead of a stuck test.
        let mut args = vec!["20".to_string(), vouch_tests::vouch_bin().display().to_string()];
        args.extend(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap(), "--state"].map(String::from));
        args.push(state.display().to_string());
        TestCommand::new("timeout", args).run().code(2).says(state.file_name().unwrap().to_str().unwrap()).says(says);
    }
}

#[test]
fn the_same_version_with_other_build_metadata_and_another_digest_is_refused() {
    let r = Release::new();
    let policy = r.policy("trust.toml", &["release"]);
    let plain = quick_release(&r, "hello", "1.0.1");
    let evil = quick_release(&r, "hello", "1.0.1+evil");
    let state = r.dir.join("state.json");
    let st = state.to_str().unwrap();
    let digest = |b: &Path| vouch_manifests::Digest::of(&std::fs::read(b.join("manifest.json")).unwrap()).to_string();
    verify(&plain, &policy, &["--state", st]).ok();
    verify(&evil, &policy, &["--state", st]).code(1).says(&digest(&plain)).says(&digest(&evil));
    assert_eq!(recorded(&state)["hello"], ["1.0.1"]);
    // And the other way round.
    let state2 = r.dir.join("state2.json");
    let st2 = state2.to_str().unwrap();
    verify(&evil, &policy, &["--state", st2]).ok();
    verify(&plain, &policy, &["--state", st2]).code(1).says(&digest(&plain)).says(&digest(&evil));
}
