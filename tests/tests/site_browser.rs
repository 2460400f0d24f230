//! The review site in a real browser: headless Chromium (Debian's
//! `chromium`, driven by `playwright-core` from npm) opens the site from
//! `file://`, follows links from the index to a source file and back, opens
//! the changes page and a line diff, searches and opens a result, and runs
//! the hostile names through search. Every request must be a `file://` one
//! that succeeds, no script error may occur, and the `window.__xss` canary
//! must stay unset. Screenshots land in `target/test-screenshots/`.

use std::path::PathBuf;
use vouch_tests::{Dir, TestCommand, peer_tool, repo_root};

/// A path that is really three nested directories and a file, and that
/// would end a script element and start another if it reached one raw.
const BREAKOUT: &str = "</script><script>window.__xss=1</script>";
const IMG: &str = "<img src=x onerror=window.__xss=2>.rs";

fn manifest(d: &Dir, src: &str, version: &str) -> PathBuf {
    vouch_tests::manifest_bundle(d, src, "demo", version)
}

/// Adds an SBOM and a build record to a bundle's manifest.
fn record(bundle: &std::path::Path, serde: &str, rustc: &str, extra: &[(&str, &str, Option<&str>)]) {
    let mut components = vec![serde_json::json!({
        "type": "library", "bom-ref": format!("serde@{serde}"), "name": "serde", "version": serde,
        "purl": format!("pkg:cargo/serde@{serde}"), "licenses": [{ "expression": "MIT OR Apache-2.0" }]
    })];
    let mut deps = vec![
        serde_json::json!({ "name": "serde", "version": serde, "source": "registry+https://github.com/rust-lang/crates.io-index" }),
    ];
    for (name, version, license) in extra {
        let mut c = serde_json::json!({ "type": "library", "bom-ref": format!("{name}@{version}"), "name": name, "version": version });
        if let Some(l) = license {
            c["licenses"] = serde_json::json!([{ "expression": l }]);
        }
        components.push(c);
        deps.push(serde_json::json!({ "name": name, "version": version, "source": "registry+https://github.com/rust-lang/crates.io-index" }));
    }
    let sbom = serde_json::to_vec(&serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": { "component": { "type": "application", "name": "demo" } },
        "components": components,
    }))
    .unwrap();
    std::fs::create_dir_all(bundle.join("sbom")).unwrap();
    std::fs::write(bundle.join("sbom/demo.cdx.json"), &sbom).unwrap();
    let mpath = bundle.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&mpath).unwrap()).unwrap();
    m["sboms"] = serde_json::json!([{ "path": "sbom/demo.cdx.json", "format": "cyclonedx",
        "digest": format!("sha256:{}", vouch_manifests::Digest::of(&sbom).hex()) }]);
    m["build"] = serde_json::json!({
        "command": ["cargo", "build", "--release", "--locked"],
        "workdir": ".",
        "toolchain": { "rustc": rustc, "cargo": "cargo 1.95.0" },
        "env": { "SOURCE_DATE_EPOCH": "1767225600" },
        "host": "x86_64-unknown-linux-gnu",
        "dependencies": deps,
    });
    std::fs::write(&mpath, serde_json::to_vec(&m).unwrap()).unwrap();
}

/// Two releases of project `demo` with sources, SBOMs and build records,
/// and hostile file names.
fn fixture(d: &Dir) {
    let main_v1 = "use std::env;\n\n/// Greets.\nfn main() {\n    let who = env::args().nth(1).unwrap_or_else(|| \"world\".into());\n    println!(\"hello, {who}\");\n}\n";
    for src in ["v1", "v2"] {
        d.write(format!("{src}/README.md"), "# demo\n\nA small program for the review site's browser test.\n");
        d.write(format!("{src}/Cargo.toml"), "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n");
        d.write(format!("{src}/src/lib.rs"), "pub fn greet(who: &str) -> String {\n    format!(\"hello, {who}\")\n}\n");
        d.write(format!("{src}/docs/guide.md"), "# Guide\n\nRun `demo NAME`.\n");
        d.write(format!("{src}/src/{BREAKOUT}"), "hostile path\n");
        d.write(format!("{src}/src/{IMG}"), "// <script>window.__xss=3</script>\n");
    }
    // A right-to-left override in a name and "Trojan Source"
    // bidi controls in code.
    d.write("v2/src/evil\u{202e}gnp.exe", "not really a program\n");
    d.write(
        "v2/src/trojan.rs",
        "fn is_admin(role: &str) -> bool {\n    role == \"user\u{202e} \u{2066}// admin\u{2069}\u{2066}\"\n}\n",
    );
    d.write("v1/src/main.rs", main_v1);
    d.write("v1/docs/old.md", "to be removed\n");
    d.write(
        "v2/src/main.rs",
        main_v1.replace(
            "println!(\"hello, {who}\");",
            "println!(\"{}\", demo::greet(&who));\n    // </script><script>window.__xss=4</script>",
        ),
    );
    d.write("v2/src/util.rs", "pub fn shout(s: &str) -> String {\n    s.to_uppercase()\n}\n");
    // Result lists longer than a page: 2,100 lines of words with one
    // prefix, 2,001 file names with one part.
    let items: String = (0..2100).map(|n| format!("pub const ITEM_{n:04}: u32 = {n};\n")).collect();
    d.write("v2/src/items.rs", items);
    for n in 0..2001 {
        d.write(format!("v2/gen/f{n:04}.txt"), "generated\n");
    }
    let b1 = manifest(d, "v1", "1.0.0");
    record(&b1, "1.0.200", "rustc 1.94.0", &[("itoa", "1.0.11", Some("MIT OR Apache-2.0"))]);
    let b2 = manifest(d, "v2", "1.1.0");
    record(
        &b2,
        "1.0.210",
        "rustc 1.95.0",
        &[("unlicensed-thing", "0.3.0", None), ("<b>bold</b>", "1.0.0", Some("MIT"))],
    );
}

fn node_modules() -> PathBuf {
    let dir = std::env::var_os("VOUCH_TEST_NODE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/test-node"))
        .join("node_modules");
    assert!(
        dir.join("playwright-core").is_dir(),
        "playwright-core is not installed in {}: run `bash scripts/test.sh`, which installs it",
        dir.display()
    );
    dir
}

#[test]
fn a_reviewer_browses_searches_and_no_script_runs() {
    let node = peer_tool("node");
    // Definitions need universal-ctags: missing, the test fails.
    peer_tool("ctags");
    let modules = node_modules();
    assert!(
        std::path::Path::new("/usr/bin/chromium").is_file(),
        "/usr/bin/chromium is not installed: run `bash scripts/test.sh`, which installs it"
    );
    let d = Dir::new();
    fixture(&d);
    let site = d.join("site");
    vouch_tests::site_build(
        &d.join("bundles"),
        &site,
        &[
            "--source",
            &format!("demo@1.0.0={}", d.join("v1").display()),
            "--source",
            &format!("demo@1.1.0={}", d.join("v2").display()),
        ],
    )
    .run()
    .ok();

    let shots = repo_root().join("target/test-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    let run = TestCommand::new(
        &node,
        [
            repo_root().join("tests/js/browse.js").to_str().unwrap(),
            site.to_str().unwrap(),
            shots.to_str().unwrap(),
            "demo",
            "1.1.0",
            "1.0.0",
        ],
    )
    .env("NODE_PATH", &modules)
    .run();
    run.ok();
    let report: serde_json::Value = run.json();
    let strs = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap_or_else(|| panic!("not a list: {v}"))
            .iter()
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect()
    };

    // Every request is a file:// one, and none failed; no script error.
    let requests = strs(&report["requests"]);
    assert!(requests.len() > 10, "only {} requests recorded", requests.len());
    let outside: Vec<_> = requests.iter().filter(|u| !u.starts_with("file://")).collect();
    assert!(outside.is_empty(), "requests outside file://: {outside:?}");
    assert!(strs(&report["failed"]).is_empty(), "failed requests: {:?}", report["failed"]);
    assert!(strs(&report["errors"]).is_empty(), "script errors: {:?}", report["errors"]);
    // The search index script was loaded, and only on the search page.
    assert!(requests.iter().any(|u| u.ends_with("/search/demo.js")), "{requests:?}");
    assert!(requests.iter().any(|u| u.ends_with("/static/search.js")));

    // The walk went where a reviewer expects.
    let steps = &report["steps"];
    let step = |k: &str| steps[k].as_str().unwrap_or_else(|| panic!("no step {k}: {steps}")).to_string();
    assert_eq!(step("index"), "index.html");
    assert_eq!(step("release"), "r/demo/1.1.0/index.html");
    assert_eq!(step("tree"), "r/demo/1.1.0/tree/index.html");
    assert_eq!(step("directory"), "r/demo/1.1.0/tree/src/index.html");
    assert_eq!(step("file"), "r/demo/1.1.0/file/src/main.rs.html");
    assert_eq!(step("back"), "r/demo/1.1.0/tree/src/index.html");
    assert_eq!(step("back_to_release"), "r/demo/1.1.0/index.html");
    assert_eq!(step("changes"), "r/demo/1.1.0/changes.html");
    assert_eq!(step("diff"), "r/demo/1.1.0/diff/src/main.rs.html");
    assert_eq!(step("licenses"), "r/demo/1.1.0/licenses.html");
    assert_eq!(step("search"), "search.html?q=main.rs");
    let hits = strs(&steps["search_hits"]);
    assert!(
        hits.iter().any(|h| h.contains("src/main.rs") && h.contains("demo 1.1.0"))
            && hits.iter().any(|h| h.contains("src/main.rs") && h.contains("demo 1.0.0")),
        "{hits:?}"
    );
    assert!(step("search_result").ends_with("/file/src/main.rs.html"), "{}", step("search_result"));

    // Hostile names: found as text, nothing injected, the canary unset.
    let hostile = &steps["hostile"];
    for q in ["__xss", "onerror", "script"] {
        let h = &hostile[q];
        assert_eq!(h["xss"], "undefined", "{q}: window.__xss was set: {h}");
        assert_eq!(h["injected"], 0, "{q}: markup from data reached the results: {h}");
        if let Some(after) = h.get("xss_after") {
            assert_eq!(after, "undefined", "{q}: window.__xss set on the opened page: {h}");
        }
    }
    let xss_hits = strs(&hostile["__xss"]["hits"]);
    assert!(xss_hits.iter().any(|t| t == &format!("src/{BREAKOUT}")), "{xss_hits:?}");
    assert!(xss_hits.iter().any(|t| t == &format!("src/{IMG}")), "{xss_hits:?}");
    assert!(hostile["__xss"]["opened"].as_str().is_some_and(|p| p.contains("/file/src/")));

    // Without JavaScript the search page says why and links still lead on.
    assert!(step("nojs_note").contains("needs JavaScript"), "{}", step("nojs_note"));
    assert_eq!(step("nojs_browse"), "index.html#p-demo");

    // A #L range is marked, a line number links to its line.
    // The shared file page, filled in by release.js for the release whose
    // address it is opened at.
    let h = &steps["history"];
    assert_eq!(h["title"], "src/main.rs — demo 1.1.0", "{h}");
    assert_eq!(h["versions"], serde_json::json!(["1.1.0", "1.1.0"]), "{h}");
    let rows = strs(&h["rows"]);
    assert!(
        rows.len() == 2 && rows[0].starts_with("1.1.0 (this page)") && rows[0].ends_with("changed — line diff"),
        "{rows:?}"
    );
    assert!(rows[1].starts_with("1.0.0 ") && rows[1].ends_with("first release with this path"), "{rows:?}");
    assert_eq!(h["since"], "Since 1.0.0: modified — line diff (all changes)", "{h}");
    assert_eq!(step("history_old"), "r/demo/1.0.0/file/src/main.rs.html");
    assert_eq!(steps["history_old_versions"], serde_json::json!(["1.0.0", "1.0.0"]), "{steps}");
    assert_eq!(steps["range"], serde_json::json!(["L2", "L3", "L4"]), "{steps}");
    assert_eq!(step("line_link"), "r/demo/1.1.0/file/src/main.rs.html#L5");
    assert_eq!(step("line_target"), "L5");
    assert_eq!(steps["range_after"], serde_json::json!(["L5"]), "{steps}");
    // Bidi controls: visible marks in results and pages, never interpreted.
    let bidi = &steps["bidi"];
    assert!(strs(&bidi["hits"]).iter().any(|h| h == "src/evil\u{27e8}U+202E\u{27e9}gnp.exe"), "{bidi}");
    assert!(strs(&bidi["marks"]).iter().any(|m| m == "\u{27e8}U+202E\u{27e9} U+202E RIGHT-TO-LEFT OVERRIDE"), "{bidi}");
    assert_eq!(bidi["opened"], "r/demo/1.1.0/file/src/evil~E2~80~AEgnp.exe.html", "{bidi}");
    assert!(bidi["h1"].as_str().unwrap_or_default().contains("evil\u{27e8}U+202E\u{27e9}gnp.exe"), "{bidi}");
    assert_eq!(bidi["raw"], false, "{bidi}");
    assert_eq!(bidi["warning"], 1, "{bidi}");
    assert_eq!(
        bidi["code_marks"],
        serde_json::json!([
            "\u{27e8}U+202E\u{27e9}",
            "\u{27e8}U+2066\u{27e9}",
            "\u{27e8}U+2069\u{27e9}",
            "\u{27e8}U+2066\u{27e9}"
        ]),
        "{bidi}"
    );
    assert_eq!(bidi["code_raw"], false, "{bidi}");
    assert_eq!(bidi["xss"], "undefined");

    // Code search: the definition and the uses of an identifier, any
    // case, a prefix and a phrase, in the newest release by default; a
    // result opens the file at the line.
    let code = &steps["code"];
    let greet = strs(&code["greet"]["hits"]);
    assert_eq!(
        greet,
        [
            "src/lib.rs:1 in demo 1.1.0 | pub fn greet(who: &str) -> String {",
            "src/main.rs:6 in demo 1.1.0 | println!(\"{}\", demo::greet(&who));"
        ],
        "{greet:?}"
    );
    let prefix = strs(&code["GRE*"]["hits"]);
    assert!(greet.iter().all(|h| prefix.contains(h)), "the prefix finds every line of greet: {prefix:?}");
    assert!(prefix.contains(&"src/main.rs:3 in demo 1.1.0 | /// Greets.".to_string()), "{prefix:?}");
    assert_eq!(
        strs(&code["\"demo::greet\""]["hits"]),
        ["src/main.rs:6 in demo 1.1.0 | println!(\"{}\", demo::greet(&who));"]
    );
    assert!(strs(&code["nosuchword"]["hits"]).is_empty());
    // def: finds the definition only (universal-ctags).
    assert_eq!(strs(&code["def:greet"]["hits"]), ["src/lib.rs:1 in demo 1.1.0 | function greet"]);
    assert_eq!(strs(&code["def:shout"]["hits"]), ["src/util.rs:1 in demo 1.1.0 | function shout"]);
    assert_eq!(
        strs(&code["def:greet"]["loaded"]),
        ["search/code/demo/_releases.js", "search/code/demo/1.1.0/files.js", "search/code/demo/1.1.0/def-gr.js"]
    );
    // Only the scripts a query needs: the releases, the files table and `gr`
    // of the newest release, and the chunks of lines shown.
    let loaded = strs(&code["greet"]["loaded"]);
    assert_eq!(
        loaded[..3],
        ["search/code/demo/_releases.js", "search/code/demo/1.1.0/files.js", "search/code/demo/1.1.0/gr.js"],
        "{loaded:?}"
    );
    assert!(
        !loaded[3..].is_empty() && loaded[3..].iter().all(|u| u.starts_with("search/code/demo/1.1.0/lines-")),
        "{loaded:?}"
    );
    let phrase_loaded = strs(&code["\"demo::greet\""]["loaded"]);
    assert!(phrase_loaded.contains(&"search/code/demo/1.1.0/de.js".to_string()), "{phrase_loaded:?}");
    assert!(strs(&code["greet"]["hrefs"]).iter().all(|h| h.contains("/file/src/") && h.contains(".rs.html#L")));
    assert_eq!(code["opened"], "r/demo/1.1.0/file/src/lib.rs.html#L1", "{code}");
    assert_eq!(code["target"], "L1");
    // Another release chosen on the page, or all of them (each release's
    // shards loaded).
    assert_eq!(strs(&code["releases"]), ["the newest release", "all releases", "demo 1.1.0", "demo 1.0.0"], "{code}");
    assert_eq!(strs(&code["older"]["hits"]), ["src/lib.rs:1 in demo 1.0.0 | pub fn greet(who: &str) -> String {"]);
    let older = strs(&code["older"]["loaded"]);
    assert_eq!(older[..2], ["search/code/demo/1.0.0/files.js", "search/code/demo/1.0.0/gr.js"], "{code}");
    assert!(older[2..].iter().all(|u| u.starts_with("search/code/demo/1.0.0/lines-")), "{code}");
    assert_eq!(code["older"]["from_url"], code["older"]["hits"], "{code}");
    assert_eq!(code["older"]["selected"], "demo/1.0.0", "{code}");
    let all = strs(&code["all"]["hits"]);
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all.contains(&"src/lib.rs:1 in demo 1.0.0 | pub fn greet(who: &str) -> String {".to_string()), "{all:?}");
    assert_eq!(
        strs(&code["all"]["def"]),
        ["src/lib.rs:1 in demo 1.1.0 | function greet", "src/lib.rs:1 in demo 1.0.0 | function greet"]
    );
    // A long result list is split into pages, each linked.
    let paged = &code["paged"];
    assert_eq!(paged["rows"], 2000, "{paged}");
    assert!(paged["status"].as_str().unwrap_or_default().starts_with("2100 lines, 1\u{2013}2000 shown"), "{paged}");
    assert_eq!(paged["links"], serde_json::json!(["2"]), "{paged}");
    assert_eq!(paged["page2_rows"], 100, "{paged}");
    assert_eq!(paged["page2_first"], "src/items.rs:2001", "{paged}");
    assert_eq!(paged["page2_links"], serde_json::json!(["1"]), "{paged}");
    let files = &steps["paged_files"];
    assert_eq!(files["rows"], 2000, "{files}");
    assert!(files["status"].as_str().unwrap_or_default().starts_with("2001 results, 1\u{2013}2000 shown"), "{files}");
    assert_eq!(files["page2_rows"], 1, "{files}");
    assert_eq!(files["page2_first"], "gen/f2000.txt", "{files}");

    // Screenshots a person can look at.
    for name in [
        "search-code",
        "file-range",
        "file-light",
        "file-dark",
        "search-bidi",
        "file-bidi",
        "index",
        "release",
        "directory",
        "file",
        "changes",
        "changes-dark",
        "diff",
        "licenses",
        "search",
        "search-hostile",
        "search-nojs",
    ] {
        let p = shots.join(format!("{name}.png"));
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("no screenshot {}: {e}", p.display()));
        assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "{} is not a real screenshot", p.display());
    }
}
