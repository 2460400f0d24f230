//! End-to-end tests of `vouch release`: a real Cargo build of the
//! example project, checked with the reference minisign, securesystemslib,
//! sha256sum and tar; determinism; and bad input leaving no partial bundle.

use serde_json::Value;
use std::path::Path;
use vouch_tests::{Dir, Release, ReleaseArgs, TestCommand, peer_tool, repo_root};

fn json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn no_partial_bundle(bundles: &Path) {
    if let Ok(rd) = std::fs::read_dir(bundles) {
        for e in rd {
            let n = e.unwrap().file_name().into_string().unwrap();
            assert!(n.ends_with(".build.log"), "left behind in {}: {n}", bundles.display());
        }
    }
}

#[test]
fn release_with_a_real_build_checks_out_with_the_real_peers() {
    let r = Release::new();
    r.release("0.1.0", &["--archive", "--include-artifacts"]).ok().says("bundle");
    let b = r.bundle("0.1.0");
    let m = json(&b.join("manifest.json"));

    // The artifact digest is sha256sum's.
    let bin = r.src.join("target/release/hello");
    let sum = TestCommand::new("sha256sum", [bin.to_str().unwrap()]).run();
    sum.ok();
    let hex = sum.stdout.split_whitespace().next().unwrap().to_string();
    assert_eq!(m["artifacts"][0]["path"], "target/release/hello");
    assert_eq!(m["artifacts"][0]["digest"], format!("sha256:{hex}"));
    assert_eq!(m["artifacts"][0]["size"], std::fs::metadata(&bin).unwrap().len());

    // The build record.
    let build = &m["build"];
    assert_eq!(build["command"], serde_json::json!(["cargo", "build", "--release", "--locked"]));
    assert_eq!(build["workdir"], ".");
    assert_eq!(build["env"]["SOURCE_DATE_EPOCH"], "1700000000");
    assert!(build["toolchain"]["rustc"].as_str().unwrap().starts_with("rustc "));
    assert!(build["toolchain"]["cargo"].as_str().unwrap().starts_with("cargo "));
    assert!(build["host"].as_str().unwrap().contains('-'));
    assert_eq!(build["path_remap"][0]["role"], "source");
    let deps = build["dependencies"].as_array().unwrap();
    let itoa = deps.iter().find(|d| d["name"] == "itoa").expect("itoa from Cargo.lock");
    assert_eq!(itoa["checksum"].as_str().unwrap().len(), 64);
    assert_eq!(m["created"], "2023-11-14T22:13:20Z");
    // Path remapping: the build directory does not appear in the binary.
    let bytes = std::fs::read(&bin).unwrap();
    let src = r.src.canonicalize().unwrap().display().to_string();
    assert!(!bytes.windows(src.len()).any(|w| w == src.as_bytes()), "{src} leaked into the binary");

    // The reference minisign accepts the bundle signature.
    let sig = b.join(format!("signatures/{}.minisig", r.key_id));
    TestCommand::new(
        peer_tool("minisign"),
        [
            "-Vm",
            b.join("manifest.json").to_str().unwrap(),
            "-x",
            sig.to_str().unwrap(),
            "-p",
            r.public.to_str().unwrap(),
        ],
    )
    .run()
    .ok()
    .says("project:hello\tversion:0.1.0");

    // securesystemslib accepts the DSSE envelope; its subjects are the artifacts.
    let py = peer_tool("python3");
    let out = TestCommand::new(
        &py,
        [
            repo_root().join("tests/py/dsse_verify.py").to_str().unwrap(),
            b.join("provenance.dsse.json").to_str().unwrap(),
            r.public.to_str().unwrap(),
        ],
    )
    .run();
    out.ok();
    assert_eq!(out.stdout.trim(), format!("target/release/hello {hex}"));
    // `vouch export provenance` re-emits the same envelope.
    let exported = TestCommand::vouch(["export", "provenance", b.to_str().unwrap()]).run();
    exported.ok();
    assert_eq!(exported.stdout.as_bytes(), std::fs::read(b.join("provenance.dsse.json")).unwrap());

    // The archive holds exactly the bundle, under one top-level folder.
    let tar = r.bundles.join("hello-0.1.0.tar");
    let list = TestCommand::new("tar", ["-tf", tar.to_str().unwrap()]).run();
    list.ok();
    let mut listed: Vec<String> = list.stdout.lines().map(|l| l.trim_end_matches('/').to_string()).collect();
    listed.sort();
    let mut want = vec![
        "hello-0.1.0".to_string(),
        "hello-0.1.0/artifacts".into(),
        "hello-0.1.0/artifacts/target".into(),
        "hello-0.1.0/artifacts/target/release".into(),
        "hello-0.1.0/artifacts/target/release/hello".into(),
        "hello-0.1.0/manifest.json".into(),
        "hello-0.1.0/provenance.dsse.json".into(),
        "hello-0.1.0/signatures".into(),
        format!("hello-0.1.0/signatures/{}.minisig", r.key_id),
    ];
    want.sort();
    assert_eq!(listed, want);
    assert_eq!(std::fs::read(b.join("artifacts/target/release/hello")).unwrap(), bytes);
}

#[test]
fn two_releases_of_the_same_source_are_byte_identical() {
    let r = Release::new();
    r.release("1.0.0", &["--archive", "--now", "1800000000"]).ok();
    let m1 = std::fs::read(r.bundle("1.0.0").join("manifest.json")).unwrap();
    let t1 = std::fs::read(r.bundles.join("hello-1.0.0.tar")).unwrap();
    // A second engineer, another directory, same source and SOURCE_DATE_EPOCH.
    let r2 = Release::new();
    std::fs::copy(&r.key, &r2.key).unwrap();
    std::fs::copy(&r.public, &r2.public).unwrap();
    r2.release("1.0.0", &["--archive", "--now", "1800000000"]).ok();
    assert_eq!(m1, std::fs::read(r2.bundle("1.0.0").join("manifest.json")).unwrap());
    assert_eq!(t1, std::fs::read(r2.bundles.join("hello-1.0.0.tar")).unwrap());
}

#[test]
fn existing_bundle_is_kept_without_force() {
    let r = Release::new();
    r.record("0.1.0", &[]).code(2).says("target/release/hello").says("does not exist"); // not built yet
    no_partial_bundle(&r.bundles);
    // The example as built once for the whole run: no cargo build here.
    r.install_built();
    r.record("0.1.0", &[]).ok();
    let before = std::fs::read(r.bundle("0.1.0").join("manifest.json")).unwrap();
    std::fs::write(r.src.join("README"), "changed\n").unwrap();
    r.record("0.1.0", &[]).code(2).says("already exists").says("--force");
    assert_eq!(std::fs::read(r.bundle("0.1.0").join("manifest.json")).unwrap(), before);
    r.record("0.1.0", &["--force"]).ok();
    assert_ne!(std::fs::read(r.bundle("0.1.0").join("manifest.json")).unwrap(), before);
}

#[test]
fn a_failing_build_writes_no_bundle() {
    let r = Release::new();
    std::fs::write(r.src.join("src/main.rs"), "fn main() { this does not compile }\n").unwrap();
    let run = r.release("0.1.0", &[]);
    run.code(2).says("build failed").says("hello-0.1.0.build.log").says("error");
    assert!(!r.bundle("0.1.0").exists());
    no_partial_bundle(&r.bundles);
}

fn release_args(r: &Release, src: &str, name: &str, version: &str, out: &str) -> ReleaseArgs {
    ReleaseArgs::new(src, name, version, &r.key, out)
}

#[test]
fn bad_input_is_named_and_leaves_nothing() {
    let r = Release::new();
    let src = r.src.to_str().unwrap();
    let out = r.bundles.to_str().unwrap();
    let t = |args: ReleaseArgs| args.run();

    t(release_args(&r, "/nonexistent/src", "hello", "1", out)).code(2).says("/nonexistent/src");
    t(release_args(&r, src, "hel/lo", "1", out)).code(2).says("hel/lo");
    t(release_args(&r, src, "hello", "1 0", out)).code(2).says("version");
    let a = release_args(&r, src, "hello", "1", out).args([
        "--no-git",
        "--exclude",
        "target",
        "--",
        "no-such-build-tool-xyz",
    ]);
    t(a).code(2).says("no-such-build-tool-xyz").says("not found");
    for (art, why) in
        [("target/nope", "does not exist"), ("src", "not a regular file"), ("../escape", "not a safe relative path")]
    {
        let a = release_args(&r, src, "hello", "1", out).args(["--no-git", "--exclude", "target", "--artifact", art]);
        t(a).code(2).says(art).says(why);
    }
    // A symlink that resolves outside the source.
    std::os::unix::fs::symlink("/etc/hostname", r.src.join("outside")).unwrap();
    let a = release_args(&r, src, "hello", "1", out).args([
        "--no-git",
        "--exclude",
        "target",
        "--exclude",
        "outside",
        "--artifact",
        "outside",
    ]);
    t(a).code(2).says("outside the source directory");
    std::fs::remove_file(r.src.join("outside")).unwrap();
    // An unparseable Cargo.lock.
    let lock = std::fs::read(r.src.join("Cargo.lock")).unwrap();
    std::fs::write(r.src.join("Cargo.lock"), "[[package]\nname = ").unwrap();
    let a =
        release_args(&r, src, "hello", "1", out).args(["--no-git", "--exclude", "target", "--artifact", "Cargo.toml"]);
    t(a).code(2).says("Cargo.lock");
    std::fs::write(r.src.join("Cargo.lock"), lock).unwrap();
    // An unwritable output directory (a file in the way).
    let blocker = r.dir.write("blocker", "file");
    let a = release_args(&r, src, "hello", "1", blocker.to_str().unwrap()).args([
        "--no-git",
        "--exclude",
        "target",
        "--artifact",
        "Cargo.toml",
    ]);
    t(a).code(2).says("blocker");
    no_partial_bundle(&r.bundles);

    // A dirty git checkout without --allow-dirty.
    let g = Dir::new();
    vouch_tests::copy_tree(&r.src, g.path());
    vouch_tests::git(g.path(), &["init", "-q", "-b", "main"]).ok();
    vouch_tests::git(g.path(), &["add", "."]).ok();
    vouch_tests::git(g.path(), &["commit", "-q", "-m", "c"]).ok();
    std::fs::write(g.join("Cargo.toml"), "changed").unwrap();
    let a = release_args(&r, g.path().to_str().unwrap(), "hello", "1", out).args(["--artifact", "Cargo.toml"]);
    t(a).code(2).says("Cargo.toml").says("--allow-dirty");
    no_partial_bundle(&r.bundles);
}

#[test]
fn a_full_disk_leaves_no_partial_bundle() {
    let r = Release::new();
    let mnt = r.dir.mkdir("small");
    let m = TestCommand::new("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", mnt.to_str().unwrap()]).run();
    m.ok();
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _u = Unmount(&mnt);
    // A big artifact copied into the bundle cannot fit in 16 KiB.
    std::fs::write(r.src.join("big.bin"), vec![7u8; 256 * 1024]).unwrap();
    let a = release_args(&r, r.src.to_str().unwrap(), "hello", "1", mnt.to_str().unwrap()).args([
        "--no-git",
        "--exclude",
        "target",
        "--artifact",
        "big.bin",
        "--include-artifacts",
    ]);
    a.run().code(2).says("No space left on device");
    let left: Vec<_> = std::fs::read_dir(&mnt).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind on the full disk: {left:?}");
}

#[test]
fn an_output_directory_inside_the_source_is_not_recorded() {
    let r = Release::new();
    let out = r.src.join("bundles");
    let a = release_args(&r, r.src.to_str().unwrap(), "hello", "1.0.0", out.to_str().unwrap()).args([
        "--no-git",
        "--exclude",
        "target",
        "--artifact",
        "Cargo.toml",
    ]);
    a.run().ok();
    let b = release_args(&r, r.src.to_str().unwrap(), "hello", "1.0.1", out.to_str().unwrap()).args([
        "--no-git",
        "--exclude",
        "target",
        "--artifact",
        "Cargo.toml",
    ]);
    b.run().ok();
    let m = json(&out.join("hello-1.0.1/manifest.json"));
    let paths: Vec<&str> =
        m["source"]["files"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["Cargo.lock", "Cargo.toml", "src/main.rs"]);
}

/// `vouch release` of the example recording Cargo.toml (no build, quick), as
/// version 1 into `r.bundles`, plus `extra`.
fn quick_release(r: &Release, extra: &[&str]) -> vouch_tests::Run {
    let a =
        r.args(&r.src, "hello", "1").args(["--no-git", "--exclude", "target", "--artifact", "Cargo.toml"]).args(extra);
    a.command().env("SOURCE_DATE_EPOCH", "1700000000").run()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

/// Hardening: `release --force` puts the new bundle and archive in place
/// and leaves no temporary directory or file (nor the old bundle) behind.
#[test]
fn force_replaces_bundle_and_archive_leaving_nothing_else() {
    let r = Release::new();
    quick_release(&r, &["--archive"]).ok();
    let manifest = r.bundle("1").join("manifest.json");
    let old = std::fs::read(&manifest).unwrap();
    std::fs::write(r.src.join("README"), "changed\n").unwrap();
    quick_release(&r, &["--archive", "--force"]).ok();
    let new = std::fs::read(&manifest).unwrap();
    assert_ne!(new, old);
    assert!(
        json(&manifest)["source"]["files"].as_array().unwrap().iter().any(|f| f["path"] == "README"),
        "the new source is recorded"
    );
    let tar = r.bundles.join("hello-1.tar");
    let inner = TestCommand::new("tar", ["-xOf", tar.to_str().unwrap(), "hello-1/manifest.json"]).run();
    inner.ok();
    assert_eq!(inner.stdout.as_bytes(), new, "the archive holds the new bundle");
    assert_eq!(names_in(&r.bundles), ["hello-1", "hello-1.tar"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(r.bundle("1")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "a bundle is meant to be read");
    }
}

/// Hardening: at every instant of `release --force` a bundle, old or new, is
/// in place under its name, and so is the archive: a reader polling
/// `manifest.json` and the `.tar` during 20 replacements never misses them.
#[test]
fn force_keeps_a_bundle_in_place_at_every_instant() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let r = Release::new();
    quick_release(&r, &["--archive", "--include-artifacts"]).ok();
    let manifest = r.bundle("1").join("manifest.json");
    let tar = r.bundles.join("hello-1.tar");
    let stop = AtomicBool::new(false);
    let (looks, missing) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mut misses = Vec::new();
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                for p in [&manifest, &tar] {
                    looks.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = std::fs::File::open(p) {
                        missing.fetch_add(1, Ordering::Relaxed);
                        if seen.len() < 5 {
                            seen.push(format!("{}: {e}", p.display()));
                        }
                    }
                }
            }
            seen
        });
        for i in 0..20 {
            std::fs::write(r.src.join("README"), format!("release {i}\n")).unwrap();
            quick_release(&r, &["--archive", "--include-artifacts", "--force"]).ok();
        }
        stop.store(true, Ordering::Relaxed);
        misses = reader.join().unwrap();
    });
    let (looks, missing) = (looks.into_inner(), missing.into_inner());
    assert_eq!(missing, 0, "missing in {missing} of {looks} looks: {misses:?}");
    assert!(json(&manifest)["source"]["files"].as_array().unwrap().iter().any(|f| f["path"] == "README"));
    assert_eq!(names_in(&r.bundles), ["hello-1", "hello-1.tar"]);
}

/// Hardening: an existing `<name>-<version>.tar` is refused without
/// `--force` like the directory, even when the directory is gone.
#[test]
fn an_existing_archive_is_kept_without_force_when_its_directory_is_gone() {
    let r = Release::new();
    quick_release(&r, &["--archive"]).ok();
    std::fs::remove_dir_all(r.bundle("1")).unwrap();
    let tar = r.bundles.join("hello-1.tar");
    let before = std::fs::read(&tar).unwrap();
    std::fs::write(r.src.join("README"), "changed\n").unwrap();
    quick_release(&r, &["--archive"]).code(2).says(tar.to_str().unwrap()).says("already exists").says("--force");
    assert_eq!(std::fs::read(&tar).unwrap(), before);
    assert_eq!(names_in(&r.bundles), ["hello-1.tar"], "no bundle directory without its archive");
    // Without --archive the archive is not touched, so nothing is refused.
    quick_release(&r, &[]).ok();
    assert_eq!(std::fs::read(&tar).unwrap(), before);
    quick_release(&r, &["--archive", "--force"]).ok();
    assert_ne!(std::fs::read(&tar).unwrap(), before);
}
