//! End-to-end tests of `vouch rebuild` (issue 7): the example project,
//! released in one directory, rebuilt bit for bit from a copy in another,
//! deeper directory with no network and an empty cargo home; a changed byte
//! caught at the source check, or explained at the artifact comparison;
//! signed rebuild reports counted by the builder role; and bad input.

use std::path::Path;
use vouch_signing::verify::VerifyReport;
use vouch_tests::{Dir, Release, TestCommand, copy_tree, vouch_bin};

fn deeper_copy(r: &Release) -> std::path::PathBuf {
    let copy = r.dir.join("reviewer/checkouts/a/b/c/hello-src");
    copy_tree(&r.src, &copy);
    copy
}

#[test]
fn rebuilds_bit_for_bit_offline_with_an_empty_cargo_home() {
    let r = Release::new();
    r.release("0.1.0", &["--include-dependencies", "--include-artifacts"]).ok();
    let b = r.bundle("0.1.0");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(b.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["build"]["vendored"]["path"], "deps/vendor.tar");
    let copy = deeper_copy(&r);
    let empty_home = r.dir.mkdir("empty-cargo-home");
    let run = TestCommand::new(
        "unshare",
        ["-n", "--", vouch_bin().to_str().unwrap(), "rebuild", b.to_str().unwrap(), "--source", copy.to_str().unwrap()],
    )
    .env("CARGO_HOME", &empty_home)
    .env_remove("SOURCE_DATE_EPOCH")
    .run();
    run.ok().says("identical  target/release/hello").says("REPRODUCED");
    assert_eq!(std::fs::read_dir(&empty_home).unwrap().count(), 0, "the cargo home stays untouched");
}

#[test]
fn a_changed_byte_is_refused_at_the_source_check_or_explained() {
    let r = Release::new();
    r.release("0.1.0", &["--include-artifacts"]).ok();
    let b = r.bundle("0.1.0");
    let copy = deeper_copy(&r);
    let main = copy.join("src/main.rs");
    let text = std::fs::read_to_string(&main).unwrap().replace("hello from", "hullo from");
    std::fs::write(&main, text).unwrap();
    let work = r.dir.mkdir("work");
    TestCommand::vouch(["rebuild", b.to_str().unwrap(), "--source", copy.to_str().unwrap(), "--workdir", work.to_str().unwrap()])
        .run()
        .code(1)
        .says("modified  src/main.rs")
        .says("refusing to rebuild");
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0, "nothing built");

    // Past the source check (a test-only route), the artifact comparison fails, explained.
    let run = TestCommand::vouch([
        "rebuild",
        b.to_str().unwrap(),
        "--source",
        copy.to_str().unwrap(),
        "--workdir",
        work.to_str().unwrap(),
        "--unchecked-source-for-tests",
    ])
    .env("PATH", "/usr/bin:/bin:".to_string() + &std::env::var("PATH").unwrap())
    .run();
    run.code(1).says("DIFFERENT  target/release/hello").says("first difference at byte").says("release  ").says("rebuilt  ").says("NOT REPRODUCED");
    // diffoscope (installed by scripts/test.sh) explains the difference in a text report.
    vouch_tests::peer_tool("diffoscope");
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("diffoscope report for target/release/hello: "))
        .unwrap_or_else(|| panic!("no diffoscope report in:\n{}", run.stdout));
    let report = std::fs::read_to_string(line).unwrap();
    // The rebuilt side's string, which only the changed source has.
    assert!(report.contains("hullo from"), "the report shows the changed string:\n{}", &report[..report.len().min(2000)]);
    std::fs::remove_file(line).unwrap();
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0, "work directory removed without --keep");
}

#[test]
fn signed_rebuild_reports_count_for_the_builder_role() {
    let r = Release::new();
    r.release("0.1.0", &[]).ok();
    let b = r.bundle("0.1.0");
    // An independent rebuilder with a key of its own.
    let keys = r.dir.mkdir("builder-keys");
    TestCommand::vouch(["key", "generate", "--out", keys.to_str().unwrap(), "--name", "builder", "--unencrypted"]).run().ok();
    let builder_pub = std::fs::read_to_string(keys.join("builder.pub")).unwrap().lines().nth(1).unwrap().to_string();
    let release_pub = std::fs::read_to_string(&r.public).unwrap().lines().nth(1).unwrap().to_string();
    let policy = r.dir.write(
        "trust.toml",
        format!(
            "[keys.acme-release]\npublic = \"{release_pub}\"\nroles = [\"release\"]\n\n[keys.gov-rebuilder]\npublic = \"{builder_pub}\"\nroles = [\"builder\"]\n\n[roles.release]\nthreshold = 1\n\n[roles.builder]\nthreshold = 1\n"
        ),
    );
    TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap()]).run().code(1).says("role builder: 0 of 1");
    let copy = deeper_copy(&r);
    TestCommand::vouch([
        "rebuild",
        b.to_str().unwrap(),
        "--source",
        copy.to_str().unwrap(),
        "--sign-report",
        "--key",
        keys.join("builder.key").to_str().unwrap(),
    ])
    .run()
    .ok()
    .says("REPRODUCED");
    let reports: Vec<String> = std::fs::read_dir(b.join("reports")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(reports.len(), 2, "{reports:?}");
    let v = TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap(), "--format", "json"]).run();
    v.ok();
    let report: VerifyReport = v.json();
    assert!(report.counted_keys.iter().any(|k| k.starts_with("gov-rebuilder")), "{:?}", report.counted_keys);
    // The report verifies with the reference minisign too.
    let json = reports.iter().find(|n| n.ends_with(".json")).unwrap();
    TestCommand::new(
        vouch_tests::peer_tool("minisign"),
        ["-Vm", b.join("reports").join(json).to_str().unwrap(), "-p", keys.join("builder.pub").to_str().unwrap()],
    )
    .run()
    .ok();
    // A tampered report no longer counts.
    let path = b.join("reports").join(json);
    let text = std::fs::read_to_string(&path).unwrap().replace("\"reproduced\":true", "\"reproduced\":true ");
    std::fs::write(&path, text).unwrap();
    TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap()]).run().code(1).says("does not count");
}

/// A non-Cargo project whose build hangs, or writes outside its directory,
/// only when rebuilt (the rebuild's work directory is `.../source`).
fn script_project(r: &Release, body: &str) -> std::path::PathBuf {
    let src = r.dir.mkdir("script-src");
    std::fs::write(
        src.join("build.sh"),
        format!("set -e\ncase \"$PWD\" in */source) {body} ;; esac\nprintf 'built\\n' > out.bin\n"),
    )
    .unwrap();
    let out = r.bundles.to_str().unwrap();
    TestCommand::vouch([
        "release", "--source", src.to_str().unwrap(), "--exclude", "out.bin", "--name", "script", "--version", "1.0.0", "--key", r.key.to_str().unwrap(),
        "--out", out, "--no-git", "--exclude", "out.bin", "--artifact", "out.bin", "--", "sh", "build.sh",
    ])
    .run()
    .ok();
    src
}

#[test]
fn a_hanging_build_is_killed_at_the_timeout_and_cleaned_up() {
    let r = Release::new();
    let src = script_project(&r, "sleep 600");
    let work = r.dir.mkdir("work");
    let b = r.bundles.join("script-1.0.0");
    let started = std::time::Instant::now();
    TestCommand::vouch(["rebuild", b.to_str().unwrap(), "--source", src.to_str().unwrap(), "--exclude", "out.bin", "--workdir", work.to_str().unwrap(), "--timeout", "2"])
        .run()
        .code(2)
        .says("timed out after 2 s");
    assert!(started.elapsed().as_secs() < 60, "the build was killed");
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0, "work directory removed");
    TestCommand::vouch([
        "rebuild", b.to_str().unwrap(), "--source", src.to_str().unwrap(), "--exclude", "out.bin", "--workdir", work.to_str().unwrap(), "--timeout", "2", "--keep",
    ])
    .run()
    .code(2);
    assert!(work.join("script-1.0.0-rebuild/build.log").exists(), "--keep keeps the work directory and its log");
}

#[test]
fn a_build_writing_outside_its_work_directory_fails() {
    let r = Release::new();
    let outside = r.dir.mkdir("outside");
    let src = script_project(&r, &format!("echo leak > {}/leaked", outside.display()));
    let b = r.bundles.join("script-1.0.0");
    TestCommand::vouch(["rebuild", b.to_str().unwrap(), "--source", src.to_str().unwrap(), "--exclude", "out.bin"])
        .run()
        .code(2)
        .says("build failed");
    assert!(!outside.join("leaked").exists(), "the write outside the work directory was stopped");
}

#[test]
fn bad_input_exits_2() {
    let r = Release::new();
    let src = script_project(&r, "true");
    let b = r.bundles.join("script-1.0.0");
    // An unwritable work directory (a file in the way).
    let blocker = r.dir.write("blocker", "x");
    TestCommand::vouch(["rebuild", b.to_str().unwrap(), "--source", src.to_str().unwrap(), "--exclude", "out.bin", "--workdir", blocker.to_str().unwrap()])
        .run()
        .code(2)
        .says("blocker");
    // A bundle without a build section.
    let plain = r.dir.mkdir("plain/p-1");
    let d = Dir::new();
    d.write("f", "x");
    TestCommand::vouch(["manifest", "create", d.path().to_str().unwrap(), "--name", "p", "--version", "1", "-o", plain.join("manifest.json").to_str().unwrap()])
        .run()
        .ok();
    TestCommand::vouch(["rebuild", plain.to_str().unwrap(), "--source", d.path().to_str().unwrap()]).run().code(2).says("no build section");
    // Missing source.
    TestCommand::vouch(["rebuild", b.to_str().unwrap(), "--source", "/nonexistent/src"]).run().code(2).says("/nonexistent/src");
    // --sign-report on an archive, and without a key.
    TestCommand::vouch(["rebuild", b.to_str().unwrap(), "--source", src.to_str().unwrap(), "--exclude", "out.bin", "--sign-report"]).run().code(2).says("--key");
    let _ = Path::new("");
}
