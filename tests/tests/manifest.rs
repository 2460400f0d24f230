//! End-to-end tests of `vouch manifest ...`: determinism, entry
//! kinds, git selection and dirty detection, Merkle roots and proofs against
//! an independent Python recomputation, diff/check exit codes, bad input.

use serde_json::Value;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use vouch_tests::{Dir, TestCommand, git, repo_root};

fn create(dir: &Path, out: &Path, extra: &[&str]) -> vouch_tests::Run {
    let mut args = vec![
        "manifest",
        "create",
        dir.to_str().unwrap(),
        "--name",
        "demo",
        "--version",
        "1.0.0",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    TestCommand::vouch(args).run()
}

fn manifest(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn files(m: &Value) -> Vec<(String, String)> {
    m["source"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap().to_string(), e["kind"].as_str().unwrap().to_string()))
        .collect()
}

fn sample_tree(d: &Dir, order: &[usize]) {
    let items: [(&str, &str); 5] = [
        ("b.txt", "bee\n"),
        ("a/z.rs", "fn z() {}\n"),
        ("a/b/c.md", "# c\n"),
        ("A.txt", "upper\n"),
        ("é.txt", "accent\n"),
    ];
    for &i in order {
        d.write(items[i].0, items[i].1);
    }
}

#[test]
fn same_tree_same_bytes_whatever_the_disk_order() {
    let one = Dir::new();
    let two = Dir::new();
    sample_tree(&one, &[0, 1, 2, 3, 4]);
    sample_tree(&two, &[4, 2, 3, 0, 1]);
    let out = Dir::new();
    create(one.path(), &out.join("1.json"), &["--no-git"]).ok();
    create(one.path(), &out.join("1b.json"), &["--no-git"]).ok();
    create(two.path(), &out.join("2.json"), &["--no-git"]).ok();
    let a = out.read("1.json");
    assert_eq!(a, out.read("1b.json"));
    assert_eq!(a, out.read("2.json"));
    // Canonical: no whitespace between tokens, no trailing newline, sorted by path bytes.
    assert!(!a.ends_with(b"\n"));
    let m = manifest(&out.join("1.json"));
    let paths: Vec<String> = files(&m).into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["A.txt", "a/b/c.md", "a/z.rs", "b.txt", "é.txt"]);
    assert_eq!(m["schema"], "vouch.manifest/v1");
    assert_eq!(m["source"]["count"], 5);
    assert!(m.get("created").is_none(), "no SOURCE_DATE_EPOCH and no git: no created");
    let reserialized = serde_json::to_vec(&m).unwrap();
    assert_eq!(reserialized, a, "serde_json's compact form of sorted ASCII keys equals JCS here");
}

#[test]
fn source_date_epoch_sets_created() {
    let d = Dir::new();
    d.write("x", "x");
    let out = Dir::new();
    let o = out.join("m.json");
    TestCommand::vouch([
        "manifest",
        "create",
        d.path().to_str().unwrap(),
        "--name",
        "n",
        "--version",
        "1",
        "-o",
        o.to_str().unwrap(),
    ])
    .env("SOURCE_DATE_EPOCH", "1700000000")
    .run()
    .ok();
    assert_eq!(manifest(&o)["created"], "2023-11-14T22:13:20Z");
    TestCommand::vouch(["manifest", "create", d.path().to_str().unwrap(), "--name", "n", "--version", "1"])
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .run()
        .code(2)
        .says("SOURCE_DATE_EPOCH");
}

#[test]
fn every_entry_kind() {
    let d = Dir::new();
    d.write("plain.txt", "plain");
    let exe = d.write("run.sh", "#!/bin/sh\necho hi\n");
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    symlink("plain.txt", d.join("link")).unwrap();
    symlink("../../outside/secret", d.join("escaping")).unwrap();
    let out = Dir::new();
    create(d.path(), &out.join("m.json"), &["--no-git"]).ok();
    let m = manifest(&out.join("m.json"));
    let by_path = |p: &str| m["source"]["files"].as_array().unwrap().iter().find(|e| e["path"] == p).unwrap().clone();
    assert_eq!(by_path("plain.txt")["kind"], "file");
    assert_eq!(by_path("run.sh")["kind"], "exec");
    let link = by_path("link");
    assert_eq!(link["kind"], "symlink");
    assert_eq!(link["target"], "plain.txt");
    assert_eq!(link["size"], 9);
    assert_eq!(link["digest"], format!("{}", vouch_manifests::Digest::of(b"plain.txt")));
    // A symlink out of the tree is recorded, never followed.
    assert_eq!(by_path("escaping")["target"], "../../outside/secret");
    assert_eq!(by_path("plain.txt")["digest"], vouch_manifests::Digest::of(b"plain").to_string());
}

fn init_repo(d: &Dir) {
    git(d.path(), &["init", "-q", "-b", "main"]).ok();
    git(d.path(), &["config", "core.autocrlf", "false"]).ok();
}

#[test]
fn git_tracked_untracked_ignored_and_dirty() {
    let d = Dir::new();
    init_repo(&d);
    d.write(".gitignore", "*.log\n");
    d.write("src/lib.rs", "pub fn f() {}\n");
    d.write("README", "read me\n");
    git(d.path(), &["add", "."]).ok();
    git(d.path(), &["commit", "-q", "-m", "one"]).ok();
    git(d.path(), &["tag", "v1.0.0"]).ok();
    git(d.path(), &["remote", "add", "origin", "https://user:s3cret@example.org/acme/demo.git"]).ok();
    d.write("untracked.txt", "not tracked\n");
    d.write("debug.log", "ignored\n");
    let out = Dir::new();
    create(d.path(), &out.join("m.json"), &[]).ok();
    let m = manifest(&out.join("m.json"));
    let paths: Vec<String> = files(&m).into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, [".gitignore", "README", "src/lib.rs"], "exactly the tracked files");
    let vcs = &m["source"]["vcs"];
    let head = git(d.path(), &["rev-parse", "HEAD"]).ok().stdout.trim().to_string();
    let tree = git(d.path(), &["rev-parse", "HEAD^{tree}"]).ok().stdout.trim().to_string();
    assert_eq!(vcs["commit"], head);
    assert_eq!(vcs["tree"], tree);
    assert_eq!(vcs["tag"], "v1.0.0");
    assert_eq!(vcs["remote"], "https://example.org/acme/demo.git");
    assert_eq!(vcs["dirty"], false);
    assert_eq!(m["created"], "2026-01-02T03:04:05Z", "commit time without SOURCE_DATE_EPOCH");
    assert!(!String::from_utf8(out.read("m.json")).unwrap().contains("s3cret"));

    // --no-git takes every file but .git/.
    create(d.path(), &out.join("all.json"), &["--no-git", "--exclude", "*.log"]).ok();
    let all: Vec<String> = files(&manifest(&out.join("all.json"))).into_iter().map(|(p, _)| p).collect();
    assert_eq!(all, [".gitignore", "README", "src/lib.rs", "untracked.txt"]);

    // A modified tracked file makes the tree dirty: refused, named, nothing written.
    d.write("README", "changed\n");
    let before = out.read("m.json");
    create(d.path(), &out.join("m.json"), &[]).code(2).says("README").says("--allow-dirty");
    assert_eq!(out.read("m.json"), before, "a refused run leaves the old output alone");
    create(d.path(), &out.join("dirty.json"), &["--allow-dirty"]).ok();
    let dm = manifest(&out.join("dirty.json"));
    assert_eq!(dm["source"]["vcs"]["dirty"], true);
    let readme = dm["source"]["files"].as_array().unwrap().iter().find(|e| e["path"] == "README").unwrap().clone();
    assert_eq!(readme["digest"], vouch_manifests::Digest::of(b"changed\n").to_string(), "hashed as on disk");

    // Untracked files alone do not make a tree dirty.
    git(d.path(), &["checkout", "-q", "README"]).ok();
    create(d.path(), &out.join("again.json"), &[]).ok();
    assert_eq!(out.read("again.json"), before);
}

#[test]
fn git_submodule_is_recorded_not_descended() {
    let sub = Dir::new();
    init_repo(&sub);
    sub.write("inner.txt", "inner\n");
    git(sub.path(), &["add", "."]).ok();
    git(sub.path(), &["commit", "-q", "-m", "inner"]).ok();
    let sub_head = git(sub.path(), &["rev-parse", "HEAD"]).ok().stdout.trim().to_string();

    let d = Dir::new();
    init_repo(&d);
    d.write("top.txt", "top\n");
    git(
        d.path(),
        &["-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.path().to_str().unwrap(), "vendor/sub"],
    )
    .ok();
    git(d.path(), &["add", "."]).ok();
    git(d.path(), &["commit", "-q", "-m", "with submodule"]).ok();
    let out = Dir::new();
    create(d.path(), &out.join("m.json"), &[]).ok();
    let m = manifest(&out.join("m.json"));
    assert_eq!(
        files(&m),
        [
            (".gitmodules".into(), "file".into()),
            ("top.txt".into(), "file".into()),
            ("vendor/sub".into(), "submodule".into())
        ]
    );
    let e = m["source"]["files"].as_array().unwrap().iter().find(|e| e["path"] == "vendor/sub").unwrap().clone();
    assert_eq!(e["commit"], sub_head);
    assert!(e.get("digest").is_none());
    python_root_matches(&out.join("m.json"));
}

fn python_root_matches(manifest_path: &Path) {
    let script = repo_root().join("tests/py/merkle_root.py");
    let r = TestCommand::new(
        vouch_tests::peer_tool("python3"),
        [script.to_str().unwrap(), manifest_path.to_str().unwrap()],
    )
    .run();
    r.ok();
    let root = manifest(manifest_path)["source"]["merkle_root"].as_str().unwrap().to_string();
    assert_eq!(format!("sha256:{}", r.stdout.trim()), root, "independent recomputation of the Merkle root");
}

#[test]
fn merkle_root_and_proofs_match_an_independent_implementation() {
    let script = repo_root().join("tests/py/merkle_root.py");
    let out = Dir::new();
    // Sizes around powers of two, including the empty tree.
    for n in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 13] {
        let d = Dir::new();
        for i in 0..n {
            d.write(format!("f{i:02}.txt"), format!("content {i}\n"));
        }
        let m = out.join(format!("m{n}.json"));
        create(d.path(), &m, &["--no-git"]).ok();
        python_root_matches(&m);
        let root = manifest(&m)["source"]["merkle_root"].as_str().unwrap().to_string();
        if n == 0 {
            assert_eq!(root, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        }
        // Every leaf position class: first, last, and one in each subtree.
        let mut picks: Vec<usize> = [0, n / 2, n.saturating_sub(1), n / 3].into_iter().filter(|&i| i < n).collect();
        picks.dedup();
        for i in picks {
            let p = out.join(format!("p{n}-{i}.json"));
            TestCommand::vouch([
                "manifest",
                "prove",
                m.to_str().unwrap(),
                &format!("f{i:02}.txt"),
                "-o",
                p.to_str().unwrap(),
            ])
            .run()
            .ok();
            TestCommand::vouch(["manifest", "verify-proof", p.to_str().unwrap(), "--root", &root])
                .run()
                .ok()
                .says("OK");
            TestCommand::new(
                vouch_tests::peer_tool("python3"),
                [script.to_str().unwrap(), "--proof", p.to_str().unwrap(), &root[7..]],
            )
            .run()
            .ok();
        }
    }
    // A proof against another root, and a tampered proof, fail with exit 1.
    let m = out.join("m5.json");
    let p = out.join("p5-0.json");
    let other = manifest(&out.join("m4.json"))["source"]["merkle_root"].as_str().unwrap().to_string();
    TestCommand::vouch(["manifest", "verify-proof", p.to_str().unwrap(), "--root", &other])
        .run()
        .code(1)
        .says("MISMATCH");
    let mut proof: Value = manifest(&p);
    proof["entry"]["size"] = Value::from(999);
    std::fs::write(&p, serde_json::to_vec(&proof).unwrap()).unwrap();
    let root = manifest(&m)["source"]["merkle_root"].as_str().unwrap().to_string();
    TestCommand::vouch(["manifest", "verify-proof", p.to_str().unwrap(), "--root", &root]).run().code(1);
    TestCommand::new(
        vouch_tests::peer_tool("python3"),
        [script.to_str().unwrap(), "--proof", p.to_str().unwrap(), &root[7..]],
    )
    .run()
    .code(1);
    TestCommand::vouch(["manifest", "prove", m.to_str().unwrap(), "nope.txt"]).run().code(2).says("nope.txt");
    TestCommand::vouch(["manifest", "verify-proof", p.to_str().unwrap(), "--root", "sha256:abc"])
        .run()
        .code(2)
        .says("--root");
}

#[test]
fn diff_and_check_exit_codes() {
    let d = Dir::new();
    d.write("keep.txt", "same\n");
    d.write("change.txt", "old\n");
    d.write("gone.txt", "bye\n");
    let out = Dir::new();
    let old = out.join("old.json");
    create(d.path(), &old, &["--no-git"]).ok();
    TestCommand::vouch(["manifest", "diff", old.to_str().unwrap(), old.to_str().unwrap()])
        .run()
        .ok()
        .says("0 added, 0 removed, 0 changed");
    TestCommand::vouch(["manifest", "check", old.to_str().unwrap(), "--source", d.path().to_str().unwrap()])
        .run()
        .ok()
        .says("MATCH");

    d.write("change.txt", "new\n");
    std::fs::remove_file(d.join("gone.txt")).unwrap();
    d.write("added.txt", "hi\n");
    let new = out.join("new.json");
    create(d.path(), &new, &["--no-git"]).ok();
    let old_digest = vouch_manifests::Digest::of(b"old\n").to_string();
    let new_digest = vouch_manifests::Digest::of(b"new\n").to_string();
    TestCommand::vouch(["manifest", "diff", old.to_str().unwrap(), new.to_str().unwrap()])
        .run()
        .code(1)
        .says("added     added.txt")
        .says("removed   gone.txt")
        .says("modified  change.txt")
        .says(&old_digest)
        .says(&new_digest);
    let j: Value =
        TestCommand::vouch(["manifest", "diff", old.to_str().unwrap(), new.to_str().unwrap(), "--format", "json"])
            .run()
            .code(1)
            .json();
    assert_eq!(j["added"][0]["path"], "added.txt");
    assert_eq!(j["removed"][0]["path"], "gone.txt");
    assert_eq!(j["changed"][0]["old"], old_digest.as_str());
    assert_eq!(j["changed"][0]["new"], new_digest.as_str());
    TestCommand::vouch(["manifest", "check", old.to_str().unwrap(), "--source", d.path().to_str().unwrap()])
        .run()
        .code(1)
        .says("MISMATCH")
        .says("change.txt")
        .says(&old_digest)
        .says(&new_digest)
        .says("gone.txt")
        .says("added.txt");

    // A kind change (file -> symlink) is reported as such.
    std::fs::remove_file(d.join("keep.txt")).unwrap();
    symlink("added.txt", d.join("keep.txt")).unwrap();
    let kinds = out.join("kinds.json");
    create(d.path(), &kinds, &["--no-git"]).ok();
    TestCommand::vouch(["manifest", "diff", new.to_str().unwrap(), kinds.to_str().unwrap()])
        .run()
        .code(1)
        .says("file -> symlink");

    // check in a git checkout compares tracked files only.
    let g = Dir::new();
    init_repo(&g);
    g.write("t.txt", "tracked\n");
    git(g.path(), &["add", "."]).ok();
    git(g.path(), &["commit", "-q", "-m", "c"]).ok();
    let gm = out.join("g.json");
    create(g.path(), &gm, &[]).ok();
    g.write("scratch.txt", "untracked\n");
    TestCommand::vouch(["manifest", "check", gm.to_str().unwrap(), "--source", g.path().to_str().unwrap()]).run().ok();
    g.write("t.txt", "edited\n");
    TestCommand::vouch(["manifest", "check", gm.to_str().unwrap(), "--source", g.path().to_str().unwrap()])
        .run()
        .code(1)
        .says("t.txt");
}

#[test]
fn bad_input_is_named_with_exit_2() {
    let out = Dir::new();
    let o = out.join("m.json");

    // Missing directory.
    create(&out.join("nope"), &o, &[]).code(2).says("nope");
    // Bad names and versions.
    let d = Dir::new();
    d.write("ok.txt", "ok");
    TestCommand::vouch(["manifest", "create", d.path().to_str().unwrap(), "--name", "../evil", "--version", "1"])
        .run()
        .code(2)
        .says("../evil");
    TestCommand::vouch(["manifest", "create", d.path().to_str().unwrap(), "--name", "ok", "--version", "1 2"])
        .run()
        .code(2)
        .says("version");

    // A non-UTF-8 file name.
    {
        use std::os::unix::ffi::OsStrExt;
        let d = Dir::new();
        std::fs::write(d.path().join(std::ffi::OsStr::from_bytes(b"bad\xffname")), "x").unwrap();
        create(d.path(), &o, &["--no-git"]).code(2).says("not valid UTF-8").says("bad");
    }
    // Backslash and control characters.
    for name in ["back\\slash", "tab\there", "new\nline"] {
        let d = Dir::new();
        d.write(name, "x");
        create(d.path(), &o, &["--no-git"]).code(2).says("unsafe path");
    }
    // A FIFO and a socket.
    {
        let d = Dir::new();
        TestCommand::new("mkfifo", [d.join("pipe").to_str().unwrap()]).run().ok();
        create(d.path(), &o, &["--no-git"]).code(2).says("FIFO").says("pipe");
    }
    {
        let d = Dir::new();
        let _l = std::os::unix::net::UnixListener::bind(d.join("sock")).unwrap();
        create(d.path(), &o, &["--no-git"]).code(2).says("socket").says("sock");
    }
    assert!(!o.exists(), "no output after a refused run");
    // Malformed manifests: not JSON, wrong root, unsorted files.
    let d = Dir::new();
    d.write("a", "a");
    d.write("b", "b");
    let good = out.join("good.json");
    create(d.path(), &good, &["--no-git"]).ok();
    let mut m = manifest(&good);
    std::fs::write(out.join("notjson.json"), "{").unwrap();
    TestCommand::vouch(["manifest", "show", out.join("notjson.json").to_str().unwrap()])
        .run()
        .code(2)
        .says("notjson.json");
    m["source"]["merkle_root"] = Value::from(format!("{}", vouch_manifests::Digest::of(b"x")));
    std::fs::write(out.join("root.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    TestCommand::vouch(["manifest", "show", out.join("root.json").to_str().unwrap()]).run().code(2).says("merkle_root");
    let mut m = manifest(&good);
    m["source"]["files"].as_array_mut().unwrap().reverse();
    std::fs::write(out.join("order.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    TestCommand::vouch(["manifest", "show", out.join("order.json").to_str().unwrap()]).run().code(2).says("sorted");
    let mut m = manifest(&good);
    m["source"]["files"][0]["path"] = Value::from("../a");
    std::fs::write(out.join("path.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    TestCommand::vouch(["manifest", "show", out.join("path.json").to_str().unwrap()]).run().code(2).says("../a");
    TestCommand::vouch(["manifest", "show", out.join("missing.json").to_str().unwrap()])
        .run()
        .code(2)
        .says("missing.json");
}

#[test]
fn demo_manifests_the_example_project() {
    let out = Dir::new();
    let run = TestCommand::vouch(["demo", "--out", out.path().to_str().unwrap()]).run();
    run.ok().says("src/main.rs").says("VERIFIED").says("REPRODUCED");
    let index = run.stdout.lines().last().unwrap().to_string();
    assert!(
        index.ends_with("site/index.html") && std::path::Path::new(&index).is_file(),
        "the demo ends with the site index: {index}"
    );
}

#[test]
fn a_tracked_file_replaced_by_a_fifo_or_socket_is_named() {
    let d = Dir::new();
    init_repo(&d);
    d.write("a", "a\n");
    d.write("b", "b\n");
    git(d.path(), &["add", "."]).ok();
    git(d.path(), &["commit", "-q", "-m", "c"]).ok();
    std::fs::remove_file(d.join("a")).unwrap();
    TestCommand::new("mkfifo", [d.join("a").to_str().unwrap()]).run().ok();
    std::fs::remove_file(d.join("b")).unwrap();
    let _l = std::os::unix::net::UnixListener::bind(d.join("b")).unwrap();
    let out = Dir::new();
    create(d.path(), &out.join("m.json"), &["--allow-dirty"]).code(2).says(" is a ");
    TestCommand::vouch([
        "manifest",
        "check",
        out.join("none.json").to_str().unwrap(),
        "--source",
        d.path().to_str().unwrap(),
    ])
    .run()
    .code(2);
}
