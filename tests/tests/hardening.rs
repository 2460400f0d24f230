//! Hardening: every file read from a bundle is bounded, regular and never a
//! symlink; a file the user names may be a symlink (followed once) but must
//! be a regular file within a bound; hostile tar headers are refused before
//! the archive is parsed; text from files reaches the terminal with its
//! control and bidirectional characters made visible.

use std::path::{Path, PathBuf};
use vouch_tests::{Dir, Release, TestCommand, copy_tree, manifest_bundle, repo_root, vouch_bin};

/// `vouch ARGS` under `timeout 60`, so that a hang fails (exit 124) instead
/// of stalling the suite.
fn vouch_timed(args: &[&str]) -> vouch_tests::Run {
    let bin = vouch_bin();
    let mut all = vec!["60", bin.to_str().unwrap()];
    all.extend_from_slice(args);
    TestCommand::new("timeout", all).env_remove("SOURCE_DATE_EPOCH").run()
}

/// A released example with an SBOM; the bundle copied to `alt/` for each
/// variant a test makes.
fn released() -> (Release, PathBuf) {
    let r = Release::new();
    let sbom = r.dir.join("dropwizard.cdx.json");
    std::fs::copy(repo_root().join("tests/fixtures/sbom/cyclonedx/dropwizard-1.3.15.cdx.json"), &sbom).unwrap();
    r.release("0.1.0", &["--sbom", sbom.to_str().unwrap()]).ok();
    let policy = r.policy("trust.toml", &["release"]);
    (r, policy)
}

fn variant(r: &Release, name: &str) -> PathBuf {
    let b = r.dir.join(name).join("hello-0.1.0");
    copy_tree(&r.bundle("0.1.0"), &b);
    b
}

fn mkfifo(p: &Path) {
    let _ = std::fs::remove_file(p);
    TestCommand::new("mkfifo", [p]).run().ok();
}

#[cfg(unix)]
#[test]
fn bundle_files_that_are_symlinks_fifos_or_misplaced_are_refused_without_reading_them() {
    let (r, policy) = released();
    let p = policy.to_str().unwrap();

    // provenance.dsse.json as a symlink to /dev/zero: refused, not read.
    let b = variant(&r, "zero");
    std::fs::remove_file(b.join("provenance.dsse.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", b.join("provenance.dsse.json")).unwrap();
    vouch_timed(&["verify", b.to_str().unwrap(), "--trust", p]).code(1).says("provenance.dsse.json").says("symlink");

    // A FIFO where the SBOM is: refused at once, never waited on.
    let b = variant(&r, "fifo");
    let sbom = std::fs::read_dir(b.join("sbom")).unwrap().next().unwrap().unwrap().path();
    mkfifo(&sbom);
    vouch_timed(&["verify", b.to_str().unwrap(), "--trust", p]).code(1).says("not a regular file but a FIFO");

    // A FIFO where the provenance is.
    let b = variant(&r, "fifo-prov");
    mkfifo(&b.join("provenance.dsse.json"));
    vouch_timed(&["verify", b.to_str().unwrap(), "--trust", p]).code(1).says("FIFO");

    // A symlinked SBOM pointing out of the bundle is not followed.
    let b = variant(&r, "link");
    let sbom = std::fs::read_dir(b.join("sbom")).unwrap().next().unwrap().unwrap().path();
    let outside = r.dir.join("outside.json");
    std::fs::copy(&sbom, &outside).unwrap();
    std::fs::remove_file(&sbom).unwrap();
    std::os::unix::fs::symlink(&outside, &sbom).unwrap();
    vouch_timed(&["verify", b.to_str().unwrap(), "--trust", p]).code(1).says("symlink");

    // A signature file over its bound, and one that is a FIFO, beside the
    // good one: refused and named, a failed check (exit 1), not an I/O error.
    let b = variant(&r, "bigsig");
    std::fs::write(b.join("signatures/0000000000000000.minisig"), vec![b'x'; (1 << 20) + 1]).unwrap();
    mkfifo(&b.join("signatures/FFFFFFFFFFFFFFFF.minisig"));
    vouch_timed(&["verify", b.to_str().unwrap(), "--trust", p])
        .code(1)
        .says("signatures/0000000000000000.minisig is refused")
        .says("larger than the limit of 1048576 bytes")
        .says("signatures/FFFFFFFFFFFFFFFF.minisig is refused");

    // `signatures` as a regular file: the layout is the attacker's (exit 1).
    let b = variant(&r, "sigfile");
    std::fs::remove_dir_all(b.join("signatures")).unwrap();
    std::fs::write(b.join("signatures"), "not a folder").unwrap();
    vouch_timed(&["verify", b.to_str().unwrap(), "--trust", p]).code(1);

    // Files the user names: a FIFO artifact and a device policy are refused
    // with exit 2, naming what they are; a symlink the user made to a
    // policy is followed once.
    let fifo = r.dir.join("artifact.fifo");
    mkfifo(&fifo);
    let good = r.bundle("0.1.0");
    vouch_timed(&["verify", good.to_str().unwrap(), "--trust", p, "--artifact", fifo.to_str().unwrap()])
        .code(2)
        .says("artifact.fifo")
        .says("FIFO");
    vouch_timed(&["verify", good.to_str().unwrap(), "--trust", "/dev/zero"]).code(2).says("/dev/zero").says("a device");
    let link = r.dir.join("policy-link.toml");
    std::os::unix::fs::symlink(&policy, &link).unwrap();
    vouch_timed(&["verify", good.to_str().unwrap(), "--trust", link.to_str().unwrap()]).ok().says("VERIFIED");
    // A policy past its bound is refused, the bound named.
    let big = r.dir.write("big.toml", "#".repeat(17 << 20));
    vouch_timed(&["verify", good.to_str().unwrap(), "--trust", big.to_str().unwrap()])
        .code(2)
        .says("larger than the limit of 16777216 bytes");
}

/// One raw 512-byte tar header: `name`, type flag, and a size field.
fn header(name: &str, kind: u8, size_field: &[u8; 12]) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[124..136].copy_from_slice(size_field);
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

#[test]
fn tar_extension_headers_claiming_gigabytes_are_refused_before_parsing() {
    let d = Dir::new();
    let rel = Release::new();
    let policy = rel.policy("trust.toml", &["release"]);
    for (name, kind) in [("pax", b'x'), ("gnu-long-name", b'L'), ("pax-global", b'g')] {
        // 8 KB on disk; the header claims 8 GiB of extension data.
        let mut tar = header("hello-0.1.0/x", kind, b"77777777777\0").to_vec();
        tar.resize(8192, 0);
        let p = d.write(format!("{name}/hello-0.1.0.tar"), &tar);
        vouch_timed(&["verify", p.to_str().unwrap(), "--trust", policy.to_str().unwrap()])
            .code(2)
            .says("hello-0.1.0.tar")
            .says("larger than the limit of 65536 bytes");
        let out = d.join(format!("{name}-site"));
        vouch_timed(&["site", "build", p.parent().unwrap().to_str().unwrap(), "-o", out.to_str().unwrap()])
            .code(2)
            .says("larger than the limit of 65536 bytes");
    }
}

#[test]
fn text_from_files_reaches_the_terminal_with_controls_visible() {
    let d = Dir::new();
    // An SBOM whose component name would set the terminal title, clear the
    // screen and reverse the text after it.
    let sbom = d.write(
        "evil.cdx.json",
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "x\u001b]0;pwned\u0007\u001b[2J\u202eVERIFIED", "version": "1"}]}"#,
    );
    let r = TestCommand::vouch(["sbom", "show", sbom.to_str().unwrap()]).run();
    r.ok().says("x\\x1b]0;pwned\\x07\\x1b[2J\\u{202e}VERIFIED");
    assert!(
        !r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{7}') && !r.stdout.contains('\u{202e}'),
        "{:?}",
        r.stdout
    );
    // JSON output stays JSON, escaped as JSON.
    let j = TestCommand::vouch(["sbom", "show", sbom.to_str().unwrap(), "--format", "json"]).run();
    let v: serde_json::Value = j.ok().json();
    assert_eq!(v["components"][0]["name"], "x\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}VERIFIED");
    assert!(!j.stdout.contains('\u{1b}'));

    // An error naming a hostile tar member shows its escape visibly.
    let mut tar = header("hello-0.1.0/\x1b[2Jevil", b'2', b"00000000000\0").to_vec();
    tar.resize(4096, 0);
    let p = d.write("t/hello-0.1.0.tar", &tar);
    let rel = Release::new();
    let policy = rel.policy("trust.toml", &["release"]);
    let r = TestCommand::vouch(["verify", p.to_str().unwrap(), "--trust", policy.to_str().unwrap()]).run();
    r.code(2).says("[2Jevil");
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
}

#[test]
fn a_folder_without_a_manifest_in_the_bundles_directory_is_skipped_with_a_note() {
    let d = Dir::new();
    d.write("src/a.txt", "a\n");
    manifest_bundle(&d, "src", "app", "1.0.0");
    let bundles = d.join("bundles");
    // A site written into the bundles directory, then built again.
    let inside = bundles.join("site");
    TestCommand::vouch(["site", "build", bundles.to_str().unwrap(), "-o", inside.to_str().unwrap()]).run().ok();
    TestCommand::vouch(["site", "build", bundles.to_str().unwrap(), "-o", inside.to_str().unwrap()])
        .run()
        .ok()
        .says("note: skipped")
        .says("not a bundle (no manifest.json)");
    // A bundle folder whose manifest.json is malformed is still an error.
    d.write("bundles/broken-1.0/manifest.json", "{");
    TestCommand::vouch(["site", "build", bundles.to_str().unwrap(), "-o", d.join("s2").to_str().unwrap()])
        .run()
        .code(2)
        .says("broken-1.0");
}

#[cfg(unix)]
#[test]
fn a_manifest_entry_below_another_entry_is_refused() {
    let d = Dir::new();
    d.write("src/b", "b\n");
    std::os::unix::fs::symlink("elsewhere", d.join("src/a")).unwrap();
    let m = d.join("m.json");
    TestCommand::vouch([
        "manifest",
        "create",
        d.join("src").to_str().unwrap(),
        "--no-git",
        "--name",
        "p",
        "--version",
        "1",
        "-o",
        m.to_str().unwrap(),
    ])
    .run()
    .ok();
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&m).unwrap()).unwrap();
    let files = v["source"]["files"].as_array_mut().unwrap();
    let digest = format!("sha256:{}", "0".repeat(64));
    files.insert(1, serde_json::json!({"path": "a/evil", "kind": "file", "size": 1, "digest": digest}));
    v["source"]["count"] = 3.into();
    std::fs::write(&m, serde_json::to_vec(&v).unwrap()).unwrap();
    TestCommand::vouch(["manifest", "show", m.to_str().unwrap()])
        .run()
        .code(2)
        .says("entry \"a/evil\" is below entry \"a\", which is not a folder");
}

#[test]
fn a_manifest_not_in_canonical_form_is_said_to_be_so() {
    let (r, policy) = released();
    let b = variant(&r, "pretty");
    let v: serde_json::Value = vouch_tests::manifest_json(&b);
    std::fs::write(b.join("manifest.json"), serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    // The signatures cover the exact bytes, so it no longer verifies, and
    // the report says why the bytes differ.
    vouch_timed(&["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap()])
        .code(1)
        .says("manifest.json is not in canonical form (RFC 8785); the signatures cover its exact bytes");
}
