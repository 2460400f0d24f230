//! `vouch site build`: the review site is valid HTML (Nu HTML Checker),
//! every relative link resolves, hostile names are escaped on every page
//! type, builds are deterministic, template overrides work, and bad input
//! fails cleanly without leaving a partial site.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vouch_tests::{Dir, TestCommand, peer_tool, repo_root, site_build};

const SCRIPT: &str = "<script>alert(1)</script>.rs";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

/// Writes a source tree and `vouch manifest create`s it into
/// `<tmp>/bundles/<name>-<version>/manifest.json`.
fn manifest(d: &Dir, src: &str, name: &str, version: &str) -> PathBuf {
    vouch_tests::manifest_bundle(d, src, name, version)
}

/// Base64, for a structurally valid minisign signature file.
fn b64(bytes: &[u8]) -> String {
    vouch_tests::base64(bytes)
}

/// The fixture: project `hello` 1.0.0 (directory, with sources, hostile
/// names in files, artifacts, SBOM paths, build record and signatures) and
/// 0.9.0 (a `.tar` archive); project `other` 2.0 (not SemVer).
fn fixture(d: &Dir) {
    d.write("src/main.rs", "fn main() {\n    println!(\"<script>alert(1)</script>\");\n}\n");
    d.write(format!("src/{SCRIPT}"), format!("// {IMG}\nfn x() {{}}\n"));
    d.write(format!("src/{IMG}"), "<img src=x onerror=alert(1)>\n");
    d.write("src/docs/guide.md", "# Guide\n\nSee `main.rs`.\n\tTabbed \u{1b}[0m line\n");
    d.write("src/docs/index", "a file named index\n");
    d.write("src/docs/index.html/inner.txt", "a directory named index.html\n");
    d.write("src/data/blob.bin", [0u8, 159, 146, 150, 1, 2, 3, 0, 255]);
    d.write("src/data/big.txt", "x".repeat(1_100_000));
    d.write("src/empty", "");
    #[cfg(unix)]
    std::os::unix::fs::symlink("main.rs", d.join("src/link")).unwrap();
    let b = manifest(d, "src", "hello", "1.0.0");

    // Add a build record, artifacts and SBOM references with hostile names
    // (the sections `vouch release` fills).
    let mpath = b.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&mpath).unwrap()).unwrap();
    let art = b"the artifact bytes";
    let art_digest = format!("sha256:{}", sha256_hex(art));
    d.write(format!("bundles/hello-1.0.0/artifacts/{IMG}"), art);
    let sbom = serde_json::to_string(&serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": { "component": { "type": "application", "name": "hello", "version": "1.0.0" } },
        "components": [
            {
                "type": "library", "bom-ref": "serde@1.0.200", "name": "serde", "version": "1.0.200",
                "purl": "pkg:cargo/serde@1.0.200",
                "licenses": [{ "expression": "MIT OR Apache-2.0" }],
                "hashes": [{ "alg": "SHA-256", "content": "a".repeat(64) }]
            },
            { "type": "library", "bom-ref": "evil", "name": IMG, "version": SCRIPT, "description": SCRIPT,
              "purl": format!("pkg:cargo/{}@1", "x") }
        ]
    }))
    .unwrap();
    let sbom_path = format!("sbom/{}.cdx.json", IMG);
    d.write(format!("bundles/hello-1.0.0/{sbom_path}"), &sbom);
    m["artifacts"] =
        serde_json::json!([{ "path": format!("target/release/{IMG}"), "size": art.len(), "digest": art_digest }]);
    m["sboms"] = serde_json::json!([{ "path": sbom_path, "format": "cyclonedx", "digest": format!("sha256:{}", sha256_hex(sbom.as_bytes())) }]);
    m["build"] = serde_json::json!({
        "command": ["cargo", "build", "--release", SCRIPT],
        "workdir": ".",
        "env": { "RUSTFLAGS": IMG },
        "toolchain": { "rustc": "rustc 1.95.0 <script>alert(1)</script>" },
        "host": "x86_64-unknown-linux-gnu",
        "dependencies": [
            { "name": "serde", "version": "1.0.200", "source": "registry+https://github.com/rust-lang/crates.io-index" },
            { "name": "gone", "version": "0.1.0", "source": "registry+https://github.com/rust-lang/crates.io-index" }
        ],
    });
    std::fs::write(&mpath, serde_json::to_vec(&m).unwrap()).unwrap();

    // Signatures: one well-formed, one whose file name and comment are hostile.
    let mut blob = b"Ed".to_vec();
    blob.extend_from_slice(&0x1122334455667788u64.to_le_bytes());
    blob.extend_from_slice(&[7u8; 64]);
    let sig = format!(
        "untrusted comment: signature from minisign secret key\n{}\ntrusted comment: timestamp:1767225600\tfile:manifest.json\tvouch:v1\tproject:hello\tversion:1.0.0\tsha256:{}\n{}\n",
        b64(&blob),
        "0".repeat(64),
        b64(&[9u8; 64])
    );
    d.write("bundles/hello-1.0.0/signatures/1122334455667788.minisig", &sig);
    d.write(
        format!("bundles/hello-1.0.0/signatures/{IMG}.minisig"),
        format!("untrusted comment: {SCRIPT}\nnot base64 {IMG}\ntrusted comment: timestamp:1\tnote:{SCRIPT}\n!!\n"),
    );
    d.write(
        "bundles/hello-1.0.0/reports/rebuild-1.json",
        format!("{{\"rebuilder\":\"{}\",\"matches\":true}}", IMG.replace('"', "\\\"")),
    );

    // 0.9.0 as an archive.
    manifest(d, "src", "hello", "0.9.0");
    TestCommand::new("tar", ["cf", "hello-0.9.0.tar", "hello-0.9.0"]).current_dir(d.join("bundles")).run().ok();
    std::fs::remove_dir_all(d.join("bundles/hello-0.9.0")).unwrap();

    // 1.1.0: a changed copy of the source (one file modified with hostile
    // text, one added, one removed, the symlink dropped), a newer toolchain,
    // an upgraded dependency and SBOM component.
    vouch_tests::copy_tree(&d.join("src"), &d.join("src2"));
    d.write("src2/main.rs", format!("fn main() {{\n    println!(\"<script>alert(1)</script>\");\n    // {IMG}\n}}\n"));
    d.write("src2/new/added.rs", "pub fn added() {}\n");
    std::fs::remove_file(d.join("src2/empty")).unwrap();
    let b2 = manifest(d, "src2", "hello", "1.1.0");
    let mpath = b2.join("manifest.json");
    let mut m2: serde_json::Value = serde_json::from_slice(&std::fs::read(&mpath).unwrap()).unwrap();
    let sbom2 = sbom.replace("1.0.200", "1.0.210").replace("\"components\": [", "\"components\":[").replace(
        "\"components\":[",
        &format!(
            "\"components\":[{{\"type\":\"library\",\"bom-ref\":\"nolicense\",\"name\":\"{}\",\"version\":\"0.1.0\"}},",
            "un<b>licensed"
        ),
    );
    assert!(sbom2.contains("un<b>licensed"), "{sbom2}");
    d.write(format!("bundles/hello-1.1.0/{sbom_path}"), &sbom2);
    m2["sboms"] = serde_json::json!([{ "path": sbom_path, "format": "cyclonedx", "digest": format!("sha256:{}", sha256_hex(sbom2.as_bytes())) }]);
    m2["build"] = serde_json::json!({
        "command": ["cargo", "build", "--release", "--locked"],
        "workdir": ".",
        "env": { "RUSTFLAGS": IMG },
        "toolchain": { "rustc": "rustc 1.96.0" },
        "host": "x86_64-unknown-linux-gnu",
        "dependencies": [
            { "name": "serde", "version": "1.0.210", "source": "registry+https://github.com/rust-lang/crates.io-index" },
            { "name": SCRIPT, "version": "2.0.0", "source": "registry+https://github.com/rust-lang/crates.io-index" }
        ],
    });
    std::fs::write(&mpath, serde_json::to_vec(&m2).unwrap()).unwrap();

    // Another project whose version is not SemVer.
    d.write("other/README", "other\n");
    manifest(d, "other", "other", "2.0");
}

fn sha256_hex(bytes: &[u8]) -> String {
    // The digest the manifests crate computes (a real SHA-256).
    vouch_manifests::Digest::of(bytes).hex()
}

fn build(d: &Dir, out: &str, extra: &[&str]) -> vouch_tests::Run {
    let (v1, v2) =
        (format!("hello@1.0.0={}", d.join("src").display()), format!("hello@1.1.0={}", d.join("src2").display()));
    let args: Vec<&str> = ["--source", &v1, "--source", &v2].into_iter().chain(extra.iter().copied()).collect();
    site_build(&d.join("bundles"), &d.join(out), &args).run()
}

/// Every file of a tree, by relative path.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_str().unwrap().replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn pages(site: &Path) -> BTreeMap<String, String> {
    tree(site)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
        .collect()
}

/// One release of a file page's path, from the history script the page
/// loads: version, digest, state, the release's page and its line diff
/// (both relative to the site, `None` when there is none).
#[derive(Debug)]
struct HistoryRow {
    version: String,
    digest: String,
    state: String,
    page: String,
    diff: Option<String>,
}

/// The history rows of the file page `page` (relative to `site`), read as
/// `static/release.js` does: the project's `history.js` the page loads,
/// then each release's `<version>/history/<shard>.js` for the page's shard;
/// each page and diff named is checked to exist.
fn history(site: &Path, page: &str, html: &str) -> Vec<HistoryRow> {
    let src = attrs(html, "src")
        .into_iter()
        .find(|s| s.ends_with("/history.js"))
        .unwrap_or_else(|| panic!("{page}: no history script"));
    let dir = Path::new(page).parent().unwrap();
    let script_rel = normalize(&dir.join(unescape_attr(src)));
    let js = std::fs::read_to_string(site.join(&script_rel)).unwrap_or_else(|e| panic!("{script_rel}: {e}"));
    let json =
        js.strip_prefix("window.VOUCH_HISTORY=").and_then(|j| j.strip_suffix(";\n")).expect("history script shape");
    let h: serde_json::Value = serde_json::from_str(json).unwrap();
    let project_dir = Path::new(&script_rel).parent().unwrap().to_path_buf();
    let path = attrs(html, "data-vouch-path").first().map(|p| unescape_attr(p)).expect("no data-vouch-path");
    let shard = attrs(html, "data-vouch-shard").first().map(|p| unescape_attr(p)).expect("no data-vouch-shard");
    let at = |s: &str| {
        let p = normalize(&project_dir.join(s));
        assert!(site.join(&p).is_file(), "{page}: history names {p}, which is not in the site");
        p
    };
    let mut out = Vec::new();
    for r in h["releases"].as_array().unwrap() {
        let file = project_dir.join(r[2].as_str().unwrap()).join(format!("{shard}.js"));
        let Ok(js) = std::fs::read_to_string(site.join(&file)) else { continue };
        let json = js
            .strip_prefix(
                "(window.VOUCH_HISTORY_ROWS = window.VOUCH_HISTORY_ROWS || []).push([document.currentScript, ",
            )
            .and_then(|j| j.strip_suffix("]);\n"))
            .unwrap_or_else(|| panic!("{}: not a history shard", file.display()));
        let rows: serde_json::Value = serde_json::from_str(json).unwrap();
        if let Some(row) = rows.as_array().unwrap().iter().find(|x| x[0] == path.as_str()) {
            out.push(HistoryRow {
                version: r[0].as_str().unwrap().to_string(),
                digest: row[1].as_str().unwrap().to_string(),
                state: row[2].as_str().unwrap().to_string(),
                page: at(row[3].as_str().unwrap()),
                diff: row[4].as_str().filter(|d| !d.is_empty()).map(at),
            });
        }
    }
    out
}

/// `a/b/../c` as `a/c`, with `/` separators.
fn normalize(p: &Path) -> String {
    let mut out: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(n) => out.push(n.to_str().unwrap().to_string()),
            _ => {}
        }
    }
    out.join("/")
}

fn unescape_attr(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Attribute values of `name="..."` in `html`.
fn attrs<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let pat = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&pat) {
        rest = &rest[i + pat.len()..];
        let end = rest.find('"').unwrap();
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

/// The Nu HTML Checker finds no errors on any of `pages` under `site`.
fn assert_valid_html(site: &Path, pages: &BTreeMap<String, String>) {
    let mut args: Vec<String> = vec![
        "-jar".into(),
        vnu_jar().to_str().unwrap().into(),
        "--errors-only".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pages.keys().map(|p| site.join(p).to_str().unwrap().to_string()));
    let run = TestCommand::new(peer_tool("java"), &args).run();
    let report: serde_json::Value =
        serde_json::from_str(&run.stderr).unwrap_or_else(|e| panic!("vnu output is not JSON ({e}): {}", run.stderr));
    let errors: Vec<_> = report["messages"].as_array().unwrap().iter().filter(|m| m["type"] != "info").collect();
    assert!(errors.is_empty(), "vnu found errors:\n{}", serde_json::to_string_pretty(&errors).unwrap());
    assert_eq!(run.code, 0, "vnu exit {}: {}", run.code, run.stderr);
}

fn vnu_jar() -> PathBuf {
    let node =
        std::env::var_os("VOUCH_TEST_NODE").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target/test-node"));
    let jar = node.join("node_modules/vnu-jar/build/dist/vnu.jar");
    assert!(
        jar.is_file(),
        "the Nu HTML Checker is not installed at {}: run `bash scripts/test.sh`, which installs it",
        jar.display()
    );
    jar
}

#[test]
fn fixture_site_is_valid_html_and_every_link_resolves() {
    let d = Dir::new();
    fixture(&d);
    build(&d, "site", &[]).ok().says("pages").says("index.html");
    let site = d.join("site");
    let pages = pages(&site);

    // The pages a reviewer needs exist.
    for p in [
        "index.html",
        "keys.html",
        "r/hello/1.0.0/index.html",
        "r/hello/1.0.0/components.html",
        "r/hello/1.0.0/tree/index.html",
        "r/hello/1.0.0/tree/docs/index.html",
        "r/hello/1.0.0/file/main.rs.html",
        "r/hello/1.0.0/file/docs/index.html",
        "r/hello/1.0.0/file/docs/index~2Ehtml/inner.txt.html",
        "r/hello/0.9.0/index.html",
        "r/other/2.0/index.html",
        "search.html",
        "r/hello/1.0.0/licenses.html",
        "r/hello/1.0.0/changes.html",
        "r/hello/0.9.0/changes.html",
        "r/hello/1.1.0/changes.html",
        "r/hello/1.1.0/diff/main.rs.html",
    ] {
        assert!(pages.contains_key(p), "missing page {p}; pages: {:?}", pages.keys().collect::<Vec<_>>());
    }
    // No file pages without --source.
    assert!(!pages.keys().any(|p| p.starts_with("r/hello/0.9.0/file/")));

    // The Nu HTML Checker: no errors on any page (and the style sheet).
    assert_valid_html(&site, &pages);
    let (java, jar) = (peer_tool("java"), vnu_jar());
    let css = TestCommand::new(
        &java,
        ["-jar", jar.to_str().unwrap(), "--errors-only", "--css", site.join("static/style.css").to_str().unwrap()],
    )
    .run();
    assert_eq!(css.code, 0, "vnu on style.css: {}", css.stderr);

    // Every link is relative and resolves to a file (and its #fragment to an id).
    let mut checked = 0;
    for (page, html) in &pages {
        let dir = Path::new(page).parent().unwrap_or(Path::new(""));
        let mut links: Vec<&str> = attrs(html, "href");
        links.extend(attrs(html, "src"));
        links.extend(attrs(html, "data-src"));
        for raw in links {
            let link = unescape_attr(raw);
            assert!(
                !link.contains("://") && !link.starts_with("//") && !link.starts_with('/'),
                "{page}: link {link:?} is not relative"
            );
            let (path, frag) = match link.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (link.clone(), None),
            };
            let target = if path.is_empty() {
                page.clone()
            } else {
                let joined = site.join(dir).join(percent_decode(&path));
                let canon = joined
                    .canonicalize()
                    .unwrap_or_else(|_| panic!("{page}: link {link:?} does not resolve ({})", joined.display()));
                assert!(canon.starts_with(site.canonicalize().unwrap()), "{page}: link {link:?} leaves the site");
                assert!(canon.is_file(), "{page}: link {link:?} is not a file");
                canon.strip_prefix(site.canonicalize().unwrap()).unwrap().to_str().unwrap().to_string()
            };
            if let Some(f) = frag {
                let body =
                    pages.get(&target).unwrap_or_else(|| panic!("{page}: {link:?} has a fragment but is not a page"));
                assert!(
                    body.contains(&format!("id=\"{}\"", raw.split_once('#').unwrap().1)),
                    "{page}: {link:?}: no id {f:?} in {target}"
                );
            }
            checked += 1;
        }
        // Nothing loads from elsewhere, and scripts (if any) are classic.
        assert!(!html.contains("type=\"module\""), "{page}: module script");
        assert!(!html.contains("fetch("), "{page}: fetch");
    }
    assert!(checked > 100, "only {checked} links checked");
    let css = String::from_utf8(std::fs::read(site.join("static/style.css")).unwrap()).unwrap();
    assert!(!css.contains("url(") && !css.contains("@import"), "style.css loads something");

    // Content checks: the file page shows numbered, escaped source; the
    // not-rendered states say why.
    let main = &pages["r/hello/1.0.0/file/main.rs.html"];
    assert!(main.contains("<span id=\"L2\">    println!(\"&lt;script&gt;alert(1)&lt;/script&gt;\");</span>"), "{main}");
    assert!(main.contains("matches the manifest"));
    assert!(pages["r/hello/1.0.0/file/data/blob.bin.html"].contains("Not rendered: binary file"));
    assert!(pages["r/hello/1.0.0/file/data/big.txt.html"].contains("Not rendered: larger than 1 MiB"));
    assert!(pages["r/hello/1.0.0/file/docs/guide.md.html"].contains("<span class=\"ctl\">\u{241b}</span>"));
    assert!(pages["r/hello/1.0.0/file/link.html"].contains("A symbolic link to <code>main.rs</code>"));
    // The index orders releases newest first and says how.
    let index = &pages["index.html"];
    let (a, b) = (index.find(">1.0.0</a>").unwrap(), index.find(">0.9.0</a>").unwrap());
    assert!(a < b, "1.0.0 must come before 0.9.0");
    assert!(index.contains("by creation time"), "project other is not SemVer");
    // Signatures are listed, never given a status nobody checked.
    let release = &pages["r/hello/1.0.0/index.html"];
    assert!(release.contains("1122334455667788") && release.contains("not checked"));
    assert!(!release.contains("status-valid\">valid"));
    assert!(release.contains("vouch verify hello-1.0.0 --trust trust.toml --artifact"));
    assert!(release.contains("sha256sum"));
    assert!(release.contains("rebuild-1.json"));
    // The components page renders the SBOM's components as a table.
    let comps = &pages["r/hello/1.0.0/components.html"];
    assert!(
        comps.contains("<th scope=\"row\">serde</th>")
            && comps.contains("MIT OR Apache-2.0")
            && comps.contains("pkg:cargo/serde@1.0.200"),
        "{comps}"
    );
    assert!(comps.contains("2 components"), "{comps}");

    // The changes page of 1.1.0: files, dependencies, components, build.
    let changes = &pages["r/hello/1.1.0/changes.html"];
    assert!(changes.contains("Compared with the previous release"), "{changes}");
    assert!(changes.contains(">1.0.0</a>"), "links to 1.0.0");
    for needle in [
        "<code>new/added.rs</code>",
        "<code>empty</code>",
        "<code>link</code>",
        "href=\"../../../r/hello/1.1.0/diff/main.rs.html\">line diff</a>",
        "href=\"../../../r/hello/1.0.0/file/main.rs.html\">1.0.0</a>",
        "href=\"../../../r/hello/1.1.0/file/main.rs.html\">1.1.0</a>",
        "<code>toolchain.rustc</code>",
        "rustc 1.96.0",
        "chg-upgraded\">upgraded",
        "un&lt;b&gt;licensed",
        "&lt;script&gt;alert(1)&lt;/script&gt;.rs",
        "<svg class=\"chart\" role=\"img\"",
    ] {
        assert!(changes.contains(needle), "changes page lacks {needle:?}");
    }
    // Exactly the changes made: 1 modified, 1 added, 2 removed (empty, the
    // symlink copy_tree drops).
    assert!(changes.contains("4 source files (1 added, 1 modified, 2 removed)"), "{changes}");
    // The line diff shows the added line, escaped, and numbers lines.
    let diff = &pages["r/hello/1.1.0/diff/main.rs.html"];
    assert!(
        diff.contains("<tr class=\"d-add\"><td class=\"ln\"></td><td class=\"ln\">3</td><td class=\"op\">+</td><td><pre>    // &quot;&gt;&lt;img src=x onerror=alert(1)&gt;</pre></td></tr>"),
        "{diff}"
    );
    assert!(diff.contains("1 line added, 0 removed"), "{diff}");
    // The file page's history says it changed and links to its line diff.
    let site_dir = site.as_path();
    let main11 = history(site_dir, "r/hello/1.1.0/file/main.rs.html", &pages["r/hello/1.1.0/file/main.rs.html"]);
    assert_eq!(
        (main11[0].version.as_str(), main11[0].state.as_str(), main11[0].diff.as_deref()),
        ("1.1.0", "changed", Some("r/hello/1.1.0/diff/main.rs.html")),
        "{main11:?}"
    );
    let added =
        history(site_dir, "r/hello/1.1.0/file/new/added.rs.html", &pages["r/hello/1.1.0/file/new/added.rs.html"]);
    assert_eq!((added.len(), added[0].state.as_str()), (1, "first"), "{added:?}");
    let guide =
        history(site_dir, "r/hello/1.1.0/file/docs/guide.md.html", &pages["r/hello/1.1.0/file/docs/guide.md.html"]);
    assert_eq!(guide[0].state, "unchanged", "{guide:?}");
    // The oldest release has nothing to compare with; 1.0.0 has the same
    // source as 0.9.0 and adds a build record.
    assert!(pages["r/hello/0.9.0/changes.html"].contains("oldest release"));
    let c100 = &pages["r/hello/1.0.0/changes.html"];
    assert!(c100.contains("No source file changed") && c100.contains("<code>build record</code>"), "{c100}");
    // The index shows a change count for every release but the oldest.
    assert!(index.contains("href=\"r/hello/1.1.0/changes.html\" title=\"since 1.0.0\">"), "{index}");
    // Licenses: the unlicensed component first, then each expression.
    let lic = &pages["r/hello/1.1.0/licenses.html"];
    let (none, mit) = (lic.find("No license declared").unwrap(), lic.find("<code>MIT OR Apache-2.0</code>").unwrap());
    assert!(none < mit, "unlicensed first");
    assert!(lic.contains("un&lt;b&gt;licensed"));
    // The release page's size chart, accessible and escaped.
    let rel = &pages["r/hello/1.1.0/index.html"];
    assert!(rel.contains("<svg class=\"chart\" role=\"img\" aria-labelledby=\"size-chart-title size-chart-desc\""));
    assert!(rel.contains("<title id=\"size-chart-title\">Source size of hello 1.1.0 by top-level directory</title>"));
    // The search index: classic scripts whose strings cannot end a script,
    // the project's list of parts and one part per release.
    let list = String::from_utf8(std::fs::read(site.join("search/hello.js")).unwrap()).unwrap();
    assert!(list.starts_with("window.VOUCH_SEARCH = window.VOUCH_SEARCH || {};"));
    assert!(
        list.contains("= {\"parts\": [\"search/parts/hello/1.1.0.js\", \"search/parts/hello/1.0.0.js\", "),
        "{list}"
    );
    let mut js = list.clone();
    for v in ["1.1.0", "1.0.0"] {
        let part = std::fs::read_to_string(site.join(format!("search/parts/hello/{v}.js"))).unwrap();
        assert!(part.starts_with(
            "(window.VOUCH_SEARCH_PARTS = window.VOUCH_SEARCH_PARTS || []).push([document.currentScript,"
        ));
        js.push_str(&part);
    }
    assert!(!js.contains('<') && !js.contains('>'), "raw < or > in the search index");
    assert!(js.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e.rs"));
    // A plain path's page is implied (""); an encoded one is spelled out.
    assert!(js.contains("\"main.rs\",\"\""), "{js}");
    assert!(js.contains("\"file/~3Cscript~3Ealert~281~29~3C/script~3E.rs.html\""), "{js}");
}

#[test]
fn hostile_names_are_escaped_on_every_page_type() {
    let d = Dir::new();
    fixture(&d);
    build(&d, "site", &[]).ok();
    let pages = pages(&d.join("site"));
    for (page, html) in &pages {
        // The only scripts are the site's own classic scripts from static/.
        let mut rest = html.as_str();
        let mut stripped = String::new();
        while let Some(i) = rest.find("<script src=\"") {
            stripped.push_str(&rest[..i]);
            let tail = &rest[i + "<script src=\"".len()..];
            let end = tail.find("\"></script>").unwrap_or_else(|| panic!("{page}: a script tag with more than src"));
            let src = &tail[..end];
            let file = src.trim_start_matches("../");
            let name = |dir: &str, ok: fn(u8) -> bool| {
                file.strip_prefix(dir)
                    .and_then(|f| f.strip_suffix(".js"))
                    .is_some_and(|f| !f.is_empty() && f.bytes().all(ok))
            };
            assert!(
                name("static/", |b| b.is_ascii_lowercase() || b == b'-') || file == "history.js",
                "{page}: script {src:?} is not one of the site's own scripts"
            );
            rest = &tail[end + "\"></script>".len()..];
        }
        stripped.push_str(rest);
        for raw in ["<script>alert", "<img src=x", "<script", "onerror=alert(1)>"] {
            assert!(!stripped.contains(raw), "{page} contains raw {raw:?}");
        }
    }
    assert!(pages["search.html"].contains("<script src=\"static/search.js\"></script>"));
    // The hostile strings did reach every page type, escaped.
    let script = "&lt;script&gt;alert(1)&lt;";
    let img = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;";
    let kinds: [(&str, &[&str]); 9] = [
        ("index.html", &[img]),
        ("r/hello/1.1.0/changes.html", &[script]),
        ("r/hello/1.0.0/licenses.html", &[img, script]),
        ("r/hello/1.1.0/diff/main.rs.html", &[img]),
        ("keys.html", &[img]),
        ("r/hello/1.0.0/index.html", &[script, img]),
        ("r/hello/1.0.0/components.html", &[img, script]),
        ("r/hello/1.0.0/tree/index.html", &[script, img]),
        ("r/hello/1.0.0/file/~22~3E~3Cimg~20src~3Dx~20onerror~3Dalert~281~29~3E.html", &[img]),
    ];
    for (page, needles) in kinds {
        let html = pages.get(page).unwrap_or_else(|| panic!("no page {page}"));
        for n in needles {
            assert!(html.contains(n), "{page} does not show {n:?}");
        }
    }
    let dir_page = pages
        .iter()
        .find(|(p, _)| p.starts_with("r/hello/1.0.0/tree/~3Cscript~3Ealert~281~29~3C/"))
        .expect("the directory page of <script>alert(1)<");
    assert!(dir_page.1.contains("script&gt;.rs"));
}

#[test]
fn same_bundles_give_the_same_bytes() {
    let d = Dir::new();
    fixture(&d);
    build(&d, "one", &[]).ok();
    build(&d, "two", &[]).ok();
    let (a, b) = (tree(&d.join("one")), tree(&d.join("two")));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs between two builds");
    }
    // Rebuilding over an existing site replaces it whole.
    d.write("one/r/hello/1.0.0/stale.html", "old");
    build(&d, "one", &[]).ok();
    assert!(!d.join("one/r/hello/1.0.0/stale.html").exists());
    assert_eq!(tree(&d.join("one")), b);
}

#[test]
fn a_template_override_takes_effect() {
    let d = Dir::new();
    fixture(&d);
    d.write(
        "theme/page.html",
        "{% extends \"base.html\" %}{% block main %}<p id=\"custom\">CUSTOM {{ file.path }}</p>{{ file.content.code_html | safe }}{% endblock main %}",
    );
    d.write("theme/partials/breadcrumbs.html", "<nav aria-label=\"Breadcrumb\"><p>CRUMBS</p></nav>");
    d.write("theme/static/style.css", "body { color: black; }\n");
    build(&d, "site", &["--templates", d.join("theme").to_str().unwrap()]).ok();
    let pages = pages(&d.join("site"));
    let main = &pages["r/hello/1.0.0/file/main.rs.html"];
    assert!(main.contains("<p id=\"custom\">CUSTOM main.rs</p>"), "{main}");
    assert!(main.contains("CRUMBS"));
    assert!(pages["index.html"].contains("CRUMBS"), "partials override everywhere");
    assert!(pages["r/hello/1.0.0/index.html"].contains("Build record"), "other templates stay built-in");
    assert_eq!(std::fs::read_to_string(d.join("site/static/style.css")).unwrap(), "body { color: black; }\n");

    // A broken override is a clear error naming the template.
    d.write(
        "bad/page.html",
        "{% extends \"base.html\" %}{% block main %}{{ file.path | nosuchfilter }}{% endblock main %}",
    );
    build(&d, "site2", &["--templates", d.join("bad").to_str().unwrap()]).code(2).says("nosuchfilter");
    assert!(!d.join("site2").exists());
}

#[test]
fn a_source_file_that_differs_from_the_manifest_is_flagged() {
    let d = Dir::new();
    fixture(&d);
    d.write("src/main.rs", "fn main() { evil() }\n");
    build(&d, "site", &[]).ok();
    let html = std::fs::read_to_string(d.join("site/r/hello/1.0.0/file/main.rs.html")).unwrap();
    assert!(html.contains("does not match the manifest"), "{html}");
    assert!(html.contains(&sha256_hex(b"fn main() { evil() }\n")), "names the digest on disk");
    assert!(!html.contains("evil()"), "the modified text is not shown as the release's");
    std::fs::remove_file(d.join("src/empty")).unwrap();
    build(&d, "site", &[]).ok();
    let html = std::fs::read_to_string(d.join("site/r/hello/1.0.0/file/empty.html")).unwrap();
    assert!(html.contains("not in the source directory"), "{html}");
}

#[test]
fn bad_input_fails_cleanly_with_no_partial_site() {
    let d = Dir::new();
    // A missing bundles directory.
    TestCommand::vouch(["site", "build", d.join("nope").to_str().unwrap(), "-o", d.join("site").to_str().unwrap()])
        .run()
        .code(2)
        .says("nope");
    assert!(!d.join("site").exists());

    // A bundle with a malformed manifest: the error names it, exit 2, no site,
    // and an existing site is left as it was.
    fixture(&d);
    build(&d, "site", &[]).ok();
    let before = tree(&d.join("site"));
    d.write("bundles/broken-1.0/manifest.json", "{\"schema\": \"vouch.manifest/v1\", \"project\": ");
    build(&d, "site", &[]).code(2).says("broken-1.0");
    assert_eq!(tree(&d.join("site")), before, "a failed build leaves the old site");
    build(&d, "fresh", &[]).code(2).says("broken-1.0");
    assert!(!d.join("fresh").exists());
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".vouch-site"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left: {leftovers:?}");
    std::fs::remove_dir_all(d.join("bundles/broken-1.0")).unwrap();

    // A bundle whose folder name and manifest disagree.
    std::fs::rename(d.join("bundles/other-2.0"), d.join("bundles/other-3.0")).unwrap();
    build(&d, "fresh", &[]).code(2).says("other-3.0").says("other-2.0");
    std::fs::rename(d.join("bundles/other-3.0"), d.join("bundles/other-2.0")).unwrap();

    // Archives with unsafe entries are refused, naming the archive and entry.
    let py = peer_tool("python3");
    for (name, script) in [
        ("dotdot", "t.addfile(info('evil-1.0/../x'), io.BytesIO(b'x'))"),
        ("absolute", "t.addfile(info('/evil-1.0/manifest.json'), io.BytesIO(b'x'))"),
        (
            "symlink",
            "i = info('evil-1.0/manifest.json'); i.type = tarfile.SYMTYPE; i.linkname = '/etc/passwd'; t.addfile(i)",
        ),
        ("device", "i = info('evil-1.0/dev'); i.type = tarfile.CHRTYPE; t.addfile(i)"),
        (
            "duplicate",
            "t.addfile(info('evil-1.0/a'), io.BytesIO(b'x')); t.addfile(info('evil-1.0/a'), io.BytesIO(b'x'))",
        ),
    ] {
        let bundles = d.mkdir(format!("tars-{name}"));
        let code = format!(
            "import tarfile, io\ndef info(n):\n    i = tarfile.TarInfo(n); i.size = 1; return i\nt = tarfile.open('{}', 'w', format=tarfile.GNU_FORMAT)\n{script}\nt.close()\n",
            bundles.join("evil-1.0.tar").display()
        );
        TestCommand::new(&py, ["-c", &code]).run().ok();
        let out = d.join(format!("site-{name}"));
        TestCommand::vouch(["site", "build", bundles.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .run()
            .code(2)
            .says("evil-1.0.tar");
        assert!(!out.exists(), "{name}: a site was written");
    }

    // A directory bundle holding a symlink is refused too.
    #[cfg(unix)]
    {
        let bundles = d.mkdir("linked");
        manifest(&d, "other", "other", "2.0");
        std::fs::rename(d.join("bundles/other-2.0"), bundles.join("other-2.0")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", bundles.join("other-2.0/provenance.dsse.json")).unwrap();
        let out = d.join("site-linked");
        TestCommand::vouch(["site", "build", bundles.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .run()
            .code(2)
            .says("provenance.dsse.json");
        assert!(!out.exists());
        manifest(&d, "other", "other", "2.0");
    }

    // An output folder that is not a vouch site is never replaced.
    d.write("precious/notes.txt", "keep me");
    build(&d, "precious", &[]).code(2).says("not a vouch site");
    assert_eq!(std::fs::read_to_string(d.join("precious/notes.txt")).unwrap(), "keep me");

    // --source for a release that is not there.
    site_build(&d.join("bundles"), &d.join("x"), &["--source", &format!("nothere@1.0={}", d.join("src").display())])
        .run()
        .code(2)
        .says("nothere-1.0");
}

/// The file names and code that hold bidirectional and invisible
/// characters (a "Trojan Source" comment, a right-to-left override in a
/// name that would display `evilexe.png`).
const EVIL: &str = "evil\u{202e}gnp.exe";
const TROJAN: &str = "fn check(role: &str) -> bool {\n    let admin = \"user\u{202e} \u{2066}// admin\u{2069}\u{2066}\";\n    role == admin\u{200b}\n}\n";
const HIDDEN: [char; 20] = [
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    '\u{200b}', '\u{200c}', '\u{200d}', '\u{200e}', '\u{200f}', '\u{2060}', '\u{2061}', '\u{2062}', '\u{2063}',
    '\u{2064}', '\u{feff}',
];

/// Two releases of `code` with sources: `src/lib.rs` modified, `README.md`
/// unchanged, `src/trojan.rs` with bidi controls in both, `src/EVIL` and
/// `src/new.rs` added in 1.1.0.
fn code_fixture(d: &Dir) {
    let lib1 =
        "/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\npub struct HiArgs {\n    pub n: u32,\n}\n";
    for src in ["c1", "c2"] {
        d.write(format!("{src}/README.md"), "# code\n\nA fixture.\n");
        d.write(format!("{src}/src/trojan.rs"), TROJAN);
    }
    d.write("c1/src/lib.rs", lib1);
    d.write("c2/src/lib.rs", lib1.replace("a + b", "a.wrapping_add(b)"));
    d.write(format!("c2/src/{EVIL}"), "MZ not really\n");
    d.write("c2/src/new.rs", "pub fn new() {}\n");
    d.write("c2/static/min.js", format!("var a={};\n", "1,".repeat(1200)));
    manifest(d, "c1", "code", "1.0.0");
    manifest(d, "c2", "code", "1.1.0");
}

fn code_site(d: &Dir) -> BTreeMap<String, String> {
    code_fixture(d);
    code_site_of(d)
}

/// The site of the code fixture as it is now in `d`.
fn code_site_of(d: &Dir) -> BTreeMap<String, String> {
    code_build(d, "bundles", "site", &[("1.0.0", "c1"), ("1.1.0", "c2")], &[]);
    pages(&d.join("site"))
}

#[test]
fn every_line_of_a_file_page_links_to_itself() {
    let d = Dir::new();
    let pages = code_site(&d);
    let html = &pages["r/code/1.1.0/file/src/lib.rs.html"];
    // The code stays in one <pre>, each line an anchor `L<n>`...
    assert_eq!(html.matches("<pre").count(), 1, "{html}");
    for n in 1..=8 {
        assert!(html.contains(&format!("<span id=\"L{n}\">")), "no anchor L{n}");
        // ...and a line-number link to itself, in the page without JavaScript.
        assert!(html.contains(&format!("<a href=\"#L{n}\">{n}</a>")), "no link to L{n}");
    }
    assert!(!html.contains("id=\"L9\"") && !html.contains("href=\"#L9\""));
    // The range script is the site's own classic script, on file pages only.
    assert!(html.contains("<script src=\"../../../../../static/lines.js\"></script>"), "{html}");
    assert!(!pages["r/code/1.1.0/index.html"].contains("lines.js"));
    let js = std::fs::read_to_string(d.join("site/static/lines.js")).unwrap();
    assert!(!js.contains("fetch(") && !js.contains("import ") && !js.contains("innerHTML"));
}

#[test]
fn bidi_and_invisible_characters_are_visible_marks_on_every_page() {
    let d = Dir::new();
    let pages = code_site(&d);
    // No page holds any of them raw: they are never interpreted.
    for (page, html) in &pages {
        for c in HIDDEN {
            assert!(!html.contains(c), "{page} holds U+{:04X} raw", c as u32);
        }
    }
    let mark = "<span class='bidi' title='U+202E RIGHT-TO-LEFT OVERRIDE'>\u{27e8}U+202E\u{27e9}</span>";
    let evil_page = "r/code/1.1.0/file/src/evil~E2~80~AEgnp.exe.html";
    for page in ["r/code/1.1.0/tree/src/index.html", "r/code/1.1.0/changes.html", evil_page] {
        let html = pages.get(page).unwrap_or_else(|| panic!("no page {page}: {:?}", pages.keys()));
        assert!(html.contains(&format!("evil{mark}gnp.exe")), "{page} does not show the mark: {html}");
        assert!(!html.contains("evilexe.png") && !html.contains("evilgnp.exe"), "{page}");
    }
    // Where no markup can go (the title, an aria-label) the mark is plain text.
    let evil = &pages[evil_page];
    assert!(evil.contains("<title>src/evil\u{27e8}U+202E\u{27e9}gnp.exe — code</title>"), "{evil}");
    assert!(evil.contains("aria-label=\"Contents of evil\u{27e8}U+202E\u{27e9}gnp.exe\""), "{evil}");
    // In code: every control a mark with its name, and a warning banner.
    for page in ["r/code/1.0.0/file/src/trojan.rs.html", "r/code/1.1.0/file/src/trojan.rs.html"] {
        let html = &pages[page];
        assert!(html.contains("class=\"alert bidi-warning\""), "{page}: no warning");
        assert!(html.contains("This file contains 5 bidirectional or invisible Unicode characters"), "{page}");
        for (u, name) in [
            ("202E", "RIGHT-TO-LEFT OVERRIDE"),
            ("2066", "LEFT-TO-RIGHT ISOLATE"),
            ("2069", "POP DIRECTIONAL ISOLATE"),
            ("200B", "ZERO WIDTH SPACE"),
        ] {
            assert!(
                html.contains(&format!("<span class=\"bidi\" title=\"U+{u} {name}\">\u{27e8}U+{u}\u{27e9}</span>")),
                "{page}: no mark for U+{u}"
            );
        }
        assert!(html.contains("<span class=k>let</span> admin = \"user<span class=\"bidi\""), "{html}");
    }
    assert!(!pages["r/code/1.1.0/file/src/lib.rs.html"].contains("bidi-warning"));
    // The search index keeps the real name (as a \u escape or raw in a JS
    // string, never HTML), for search.js to show with marks.
    let js: String = std::fs::read_dir(d.join("site/search/parts/code"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(js.contains("src/evil\u{202e}gnp.exe") || js.contains("src/evil\\u202egnp.exe"), "{js}");
    let search_js = std::fs::read_to_string(d.join("site/static/search.js")).unwrap();
    assert!(search_js.contains("className = 'bidi'"));
}

#[test]
fn a_file_page_lists_its_history_with_digests_and_line_diffs() {
    let d = Dir::new();
    let pages = code_site(&d);
    let lib = &pages["r/code/1.1.0/file/src/lib.rs.html"];
    let old_lib = sha256_hex(std::fs::read(d.join("c1/src/lib.rs")).unwrap().as_slice());
    let new_lib = sha256_hex(std::fs::read(d.join("c2/src/lib.rs")).unwrap().as_slice());
    let site = d.join("site");
    let rows = history(&site, "r/code/1.1.0/file/src/lib.rs.html", lib);
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Newest first: 1.1.0 changed (with its line diff), then 1.0.0, the first.
    assert_eq!(
        (rows[0].version.as_str(), rows[0].digest.as_str(), rows[0].state.as_str()),
        ("1.1.0", new_lib.as_str(), "changed")
    );
    assert_eq!(rows[0].page, "r/code/1.1.0/file/src/lib.rs.html");
    assert_eq!(rows[0].diff.as_deref(), Some("r/code/1.1.0/diff/src/lib.rs.html"));
    assert_eq!(
        (rows[1].version.as_str(), rows[1].digest.as_str(), rows[1].state.as_str()),
        ("1.0.0", old_lib.as_str(), "first")
    );
    assert_eq!((rows[1].page.as_str(), rows[1].diff.as_deref()), ("r/code/1.0.0/file/src/lib.rs.html", None));
    // The older release's page lists the newer release too.
    let old = &pages["r/code/1.0.0/file/src/lib.rs.html"];
    let old_rows = history(&site, "r/code/1.0.0/file/src/lib.rs.html", old);
    assert_eq!(old_rows.iter().map(|r| r.version.as_str()).collect::<Vec<_>>(), ["1.1.0", "1.0.0"]);
    // Unchanged bytes, and a path new in 1.1.0.
    let readme = history(&site, "r/code/1.1.0/file/README.md.html", &pages["r/code/1.1.0/file/README.md.html"]);
    assert_eq!(readme[0].state, "unchanged", "{readme:?}");
    let new = history(&site, "r/code/1.1.0/file/src/new.rs.html", &pages["r/code/1.1.0/file/src/new.rs.html"]);
    assert_eq!((new.len(), new[0].state.as_str()), (1, "first"), "{new:?}");
    // Without JavaScript the page says where the history is, and names no
    // release it would be wrong in: its bytes serve both releases.
    assert!(lib.contains("<noscript><p class=\"note\">The releases of code with this path"), "{lib}");
    assert!(!lib.contains("1.1.0") && !lib.contains("1.0.0"), "{lib}");
    // Every link of the page resolves.
    for (page, html) in [("r/code/1.1.0/file/src/lib.rs.html", lib), ("r/code/1.0.0/file/src/lib.rs.html", old)] {
        let dir = Path::new(page).parent().unwrap();
        for href in attrs(html, "href").into_iter().chain(attrs(html, "src")) {
            let href = unescape_attr(href);
            if href.starts_with('#') {
                continue;
            }
            let target = href.split('#').next().unwrap();
            let p = site.join(dir).join(percent_decode(target));
            assert!(p.exists(), "{page}: {href} does not resolve");
        }
    }
}

#[test]
fn code_pages_are_valid_html() {
    let d = Dir::new();
    let pages = code_site(&d);
    let site = d.join("site");
    assert_valid_html(&site, &pages);
}

/// The data a code index script hands to the search page.
fn code_data(path: &std::path::Path) -> serde_json::Value {
    let js = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let data = js
        .strip_prefix("(window.VOUCH_CODE = window.VOUCH_CODE || []).push([document.currentScript, ")
        .and_then(|r| r.strip_suffix("]);\n"))
        .unwrap_or_else(|| panic!("{} is not a code index script: {js}", path.display()));
    serde_json::from_str(data).unwrap_or_else(|e| panic!("{}: {e}: {data}", path.display()))
}

#[test]
fn the_code_search_index_is_sharded_classic_scripts() {
    let d = Dir::new();
    let pages = code_site(&d);
    let project = d.join("site/search/code/code");
    assert!(pages["search.html"].contains("data-code=\"search/code/code/\""), "{}", pages["search.html"]);
    // The project lists its releases with an index, newest first.
    let releases = code_data(&project.join("_releases.js"));
    assert_eq!(
        releases,
        serde_json::json!([
            ["1.1.0", "search/code/code/1.1.0/", "r/code/1.1.0/", 1],
            ["1.0.0", "search/code/code/1.0.0/", "r/code/1.0.0/", 1]
        ])
    );
    let dir = project.join("1.1.0");
    let files = code_data(&dir.join("files.js"));
    // The shards listed are the shard files there are.
    let listed: Vec<String> = serde_json::from_value(files[1].clone()).unwrap();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap().trim_end_matches(".js").to_string())
        .filter(|n| n != "files" && !n.starts_with("lines-"))
        .collect();
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, on_disk);
    assert!(listed.contains(&"hi".to_string()));
    let f: Vec<String> = serde_json::from_value(files[0].clone()).unwrap();
    let lib = f.iter().position(|p| p == "src/lib.rs").expect("lib.rs indexed");
    assert_eq!(f[lib + 1], "", "a page spelled as its path is left out");
    let evil = f.iter().position(|p| p.starts_with("src/evil")).expect("the hostile name is indexed");
    assert_eq!(f[evil + 1], "file/src/evil~E2~80~AEgnp.exe.html");
    // Minified files are left out, and their page says so.
    assert!(!f.contains(&"static/min.js".to_string()));
    assert!(
        pages["r/code/1.1.0/file/static/min.js.html"]
            .contains("Not in the code search: a line longer than 1,000 bytes")
    );
    // The shard of `hi` holds `HiArgs` with its line, in this release only.
    let arr = code_data(&dir.join("hi.js"));
    let arr = arr.as_array().unwrap();
    let k = arr.iter().position(|w| w == "hiargs").expect("hiargs in its shard");
    assert_eq!(arr[k + 1], 1);
    assert_eq!(arr[k + 2], serde_json::json!([lib / 2, 6]));
    // Its text is in the chunk of lines that holds the file.
    let starts: Vec<usize> = serde_json::from_value(files[2].clone()).unwrap();
    let chunk = starts.iter().rposition(|&s| s <= lib / 2).unwrap();
    let lines = code_data(&dir.join(format!("lines-{chunk}.js")));
    let at = lines.as_array().unwrap().iter().step_by(2).position(|f| f == lib / 2).unwrap();
    let l = lines[2 * at + 1].as_array().unwrap();
    assert_eq!(l[l.iter().position(|n| n == 6).unwrap() + 1], "pub struct HiArgs {");
    // Every shard is named by two word characters and is a classic script
    // that only hands over data.
    for rel in ["1.0.0", "1.1.0"] {
        for e in std::fs::read_dir(project.join(rel)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            let stem = name.strip_suffix(".js").unwrap();
            let stem = stem.strip_prefix("def-").unwrap_or(stem);
            assert!(
                stem == "files"
                    || stem.strip_prefix("lines-").is_some_and(|k| k.parse::<usize>().is_ok())
                    || (stem.len() == 2
                        && stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')),
                "{name}"
            );
            code_data(&project.join(rel).join(&name));
            let js = std::fs::read_to_string(project.join(rel).join(&name)).unwrap();
            assert!(!js.contains('<') && !js.contains('>'), "{name}: markup characters are \\u escapes");
        }
    }
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree_bytes(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_release_code_index_does_not_change_when_a_release_is_added() {
    let d = Dir::new();
    code_fixture(&d);
    let build = |out: &str, sources: &[(&str, &str)]| {
        let mut args = vec![
            "site".to_string(),
            "build".into(),
            d.join("bundles").to_str().unwrap().into(),
            "-o".into(),
            d.join(out).to_str().unwrap().into(),
        ];
        for (v, dir) in sources {
            args.push("--source".into());
            args.push(format!("code@{v}={}", d.join(dir).display()));
        }
        TestCommand::vouch(args).run().ok();
    };
    build("one", &[("1.0.0", "c1")]);
    build("both", &[("1.1.0", "c2"), ("1.0.0", "c1")]);
    let one = tree_bytes(&d.join("one/search/code/code/1.0.0"));
    assert!(one.contains_key("files.js") && one.contains_key("hi.js"), "{:?}", one.keys());
    assert_eq!(one, tree_bytes(&d.join("both/search/code/code/1.0.0")), "the 1.0.0 index changed");
    assert!(!d.join("one/search/code/code/1.1.0").exists());
    assert_ne!(
        std::fs::read(d.join("one/search/code/code/_releases.js")).unwrap(),
        std::fs::read(d.join("both/search/code/code/_releases.js")).unwrap()
    );
}

#[test]
fn definitions_from_universal_ctags_on_file_pages_and_in_the_index() {
    // Fails, never skips, without universal-ctags (scripts/setup-test-deps.sh installs it).
    let ctags = peer_tool("ctags");
    let v = TestCommand::new(&ctags, ["--version"]).run();
    assert!(v.stdout.contains("Universal Ctags"), "{} is not universal-ctags: {}", ctags.display(), v.stdout);
    let d = Dir::new();
    let pages = code_site(&d);
    let lib = &pages["r/code/1.1.0/file/src/lib.rs.html"];
    assert!(lib.contains("<summary>Definitions (3)</summary>"), "{lib}");
    assert!(
        lib.contains("<a href=\"#L2\"><code>add</code></a> <span class=\"reason\">function, line 2</span>"),
        "{lib}"
    );
    assert!(
        lib.contains("<a href=\"#L6\"><code>HiArgs</code></a> <span class=\"reason\">struct, line 6</span>"),
        "{lib}"
    );
    assert!(
        lib.contains(
            "<a href=\"#L7\"><code>n</code></a> <span class=\"reason\">field in <code>HiArgs</code>, line 7</span>"
        ),
        "{lib}"
    );
    assert!(!pages["search.html"].contains("Definitions are not indexed"));
    assert!(pages["search.html"].contains("data-defs=\"1\""));
    for rel in ["1.0.0", "1.1.0"] {
        let hi = code_data(&d.join("site/search/code/code").join(rel).join("def-hi.js"));
        let k = hi.as_array().unwrap().iter().position(|w| w == "hiargs").expect("hiargs defined");
        assert_eq!(hi[k + 1], 1, "{hi}");
        assert_eq!(hi[k + 2][0][1], 6, "{hi}");
        assert_eq!(hi[k + 2][0][2], "struct HiArgs", "{hi}");
    }
}

#[test]
fn without_ctags_the_site_says_definitions_are_not_indexed() {
    let d = Dir::new();
    code_fixture(&d);
    let empty = d.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    site_build(&d.join("bundles"), &d.join("site"), &["--source", &format!("code@1.1.0={}", d.join("c2").display())])
        .env("PATH", &empty)
        .run()
        .ok();
    let pages = pages(&d.join("site"));
    let lib = &pages["r/code/1.1.0/file/src/lib.rs.html"];
    assert!(
        lib.contains("<p class=\"note defs-note\">Definitions are not indexed: universal-ctags is not installed"),
        "{lib}"
    );
    assert!(pages["search.html"].contains("Definitions are not indexed: universal-ctags is not installed"));
    assert!(!pages["search.html"].contains("data-defs"));
    assert!(
        !std::fs::read_dir(d.join("site/search/code/code/1.1.0"))
            .unwrap()
            .any(|e| { e.unwrap().file_name().to_string_lossy().starts_with("def-") })
    );
    // The code search itself still works.
    assert!(d.join("site/search/code/code/1.1.0/hi.js").is_file());
    assert_eq!(code_data(&d.join("site/search/code/code/_releases.js"))[0][3], 0, "definitions not indexed");
}

/// `vouch site build` of the code fixture's site from `bundles` into `out`
/// with the given `--source` specs (as `version=dir`), its JSON summary on
/// stdout and the user's cache in `<d>/cache`.
fn code_site_cmd(d: &Dir, bundles: &str, out: &str, sources: &[(&str, &str)], extra: &[&str]) -> TestCommand {
    let mut args: Vec<String> = vec!["site".into(), "build".into(), d.join(bundles).to_str().unwrap().into()];
    args.extend(["-o".into(), d.join(out).to_str().unwrap().into(), "--format".into(), "json".into()]);
    for (v, dir) in sources {
        args.extend(["--source".into(), format!("code@{v}={}", d.join(dir).display())]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    TestCommand::vouch(&args).env("XDG_CACHE_HOME", d.join("cache"))
}

/// [`code_site_cmd`], run: returns the JSON summary.
fn code_build(d: &Dir, bundles: &str, out: &str, sources: &[(&str, &str)], extra: &[&str]) -> serde_json::Value {
    let run = code_site_cmd(d, bundles, out, sources, extra).run();
    let run = run.ok();
    serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()
}

/// How many records a code-words cache file holds (`vouch code words 1`,
/// the binary's SHA-256, then digest, length and record for each file).
fn words_records(b: &[u8]) -> usize {
    let head = b"vouch code words 1\n";
    assert!(b.starts_with(head), "not a words cache");
    let (mut k, mut n) = (head.len() + 32, 0);
    while k < b.len() {
        let len = u32::from_le_bytes(b[k + 32..k + 36].try_into().unwrap()) as usize;
        k += 36 + len;
        n += 1;
    }
    assert_eq!(k, b.len(), "a cut words cache");
    n
}

#[cfg(unix)]
fn inode(p: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(p).unwrap();
    (m.dev(), m.ino())
}

/// A `ctags` that appends the file list it is given to `log`, then runs
/// the real one (found on `PATH` now) with it.
#[cfg(unix)]
fn logging_ctags(d: &Dir, log: &Path) -> PathBuf {
    let real =
        String::from_utf8(std::process::Command::new("sh").args(["-c", "command -v ctags"]).output().unwrap().stdout)
            .unwrap();
    let bin = d.join("logging-bin");
    d.write(
        "logging-bin/ctags",
        format!(
            "#!/bin/sh\nlist=$(cat)\nprintf '%s\\n' \"$list\" >> '{}'\nprintf '%s\\n' \"$list\" | exec '{}' \"$@\"\n",
            log.display(),
            real.trim()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("ctags"), std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[cfg(unix)]
#[test]
fn ctags_parses_only_bytes_no_build_of_the_site_parsed() {
    let d = Dir::new();
    code_fixture(&d);
    let log = d.join("ctags.log");
    let bin = logging_ctags(&d, &log);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let build = |bundles: &str, out: &str, sources: &[(&str, &str)]| {
        code_site_cmd(&d, bundles, out, sources, &[]).env("PATH", &path).run().ok();
    };
    let parsed = || {
        let mut l: Vec<String> = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        std::fs::remove_file(&log).ok();
        l.sort();
        l
    };
    // Both releases from scratch: each Rust file's bytes parsed once, in
    // the copy shown (1.1.0's trojan.rs is 1.0.0's bytes).
    build("bundles", "scratch", &[("1.0.0", "c1"), ("1.1.0", "c2")]);
    assert_eq!(parsed(), ["src/lib.rs", "src/lib.rs", "src/new.rs", "src/trojan.rs", "static/min.js"]);
    // 1.0.0 alone, then 1.1.0 added: only the bytes 1.0.0 lacks are parsed.
    vouch_tests::copy_tree(&d.join("bundles/code-1.0.0"), &d.join("first/code-1.0.0"));
    build("first", "grown", &[("1.0.0", "c1")]);
    assert_eq!(parsed(), ["src/lib.rs", "src/trojan.rs"]);
    build("bundles", "grown", &[("1.0.0", "c1"), ("1.1.0", "c2")]);
    assert_eq!(parsed(), ["src/lib.rs", "src/new.rs", "static/min.js"]);
    // The same site either way, definitions and their index included.
    assert!(tree(&d.join("grown")) == tree(&d.join("scratch")), "grown and scratch differ");
    let trojan = std::fs::read_to_string(d.join("grown/r/code/1.1.0/file/src/trojan.rs.html")).unwrap();
    assert!(trojan.contains("<summary>Definitions ("), "{trojan}");
    // Building again parses nothing (both code indexes are kept), with or
    // without the cache, and the site stays the same.
    std::fs::remove_dir_all(d.join("cache")).unwrap();
    build("bundles", "grown", &[("1.0.0", "c1"), ("1.1.0", "c2")]);
    assert_eq!(parsed(), Vec::<String>::new());
    assert!(tree(&d.join("grown")) == tree(&d.join("scratch")), "grown without its cache differs");
    // A build that asks ctags nothing (1.0.0's index kept) keeps what the
    // cache knows: adding 1.1.0 after it still parses only the new bytes.
    build("first", "again", &[("1.0.0", "c1")]);
    assert_eq!(parsed(), ["src/lib.rs", "src/trojan.rs"]);
    build("first", "again", &[("1.0.0", "c1")]);
    assert_eq!(parsed(), Vec::<String>::new());
    build("bundles", "again", &[("1.0.0", "c1"), ("1.1.0", "c2")]);
    assert_eq!(parsed(), ["src/lib.rs", "src/new.rs", "static/min.js"]);
    assert!(tree(&d.join("again")) == tree(&d.join("scratch")), "grown after a rebuild differs");
}

#[cfg(unix)]
#[test]
fn bytes_already_checked_in_one_release_are_shown_for_every_release_with_them() {
    let d = Dir::new();
    code_fixture(&d);
    // After the manifests were made, 1.1.0's copy of README.md is altered
    // and its src/trojan.rs is gone: both are bytes 1.0.0's copy holds,
    // checked there, so their pages show those bytes, the same page in
    // both releases, and 1.1.0's copies are never read.
    d.write("c2/README.md", "# altered\n");
    std::fs::remove_file(d.join("c2/src/trojan.rs")).unwrap();
    let pages = code_site_of(&d);
    for f in ["README.md", "src/trojan.rs"] {
        let (old, new) =
            (&pages[&format!("r/code/1.0.0/file/{f}.html")], &pages[&format!("r/code/1.1.0/file/{f}.html")]);
        assert_eq!(old, new, "{f}");
        assert!(new.contains("matches the manifest") && !new.contains("does not match"), "{new}");
    }
    assert!(pages["r/code/1.1.0/file/README.md.html"].contains("A fixture."));
    // Where 1.0.0's copy is the one altered, 1.1.0's is read and shown.
    let d = Dir::new();
    code_fixture(&d);
    d.write("c1/README.md", "# altered\n");
    let pages = code_site_of(&d);
    assert!(pages["r/code/1.0.0/file/README.md.html"].contains("does not match the manifest"));
    let new = &pages["r/code/1.1.0/file/README.md.html"];
    assert!(new.contains("matches the manifest") && new.contains("A fixture."), "{new}");
}

#[cfg(unix)]
#[test]
fn concurrent_builds_into_one_site_take_turns_and_each_leaves_a_whole_site() {
    let d = Dir::new();
    code_fixture(&d);
    vouch_tests::copy_tree(&d.join("bundles/code-1.0.0"), &d.join("first/code-1.0.0"));
    code_build(&d, "first", "site", &[("1.0.0", "c1")], &[]);
    code_build(&d, "bundles", "scratch", &[("1.0.0", "c1"), ("1.1.0", "c2")], &[]);
    // Three builds adding 1.1.0 at once: each moves or links the pages of
    // the site it replaces, so none may take a folder from under another.
    let runs: Vec<serde_json::Value> = std::thread::scope(|s| {
        let builds: Vec<_> = (0..3)
            .map(|_| s.spawn(|| code_build(&d, "bundles", "site", &[("1.0.0", "c1"), ("1.1.0", "c2")], &[])))
            .collect();
        builds.into_iter().map(|b| b.join().unwrap()).collect()
    });
    // Each after the first found the site the one before it left, 1.1.0
    // in it, and kept all nine file pages.
    let mut reused: Vec<u64> = runs.iter().map(|r| r["reused"].as_u64().unwrap()).collect();
    reused.sort();
    assert_eq!(reused, [5, 9, 9], "{runs:?}");
    assert!(tree(&d.join("site")) == tree(&d.join("scratch")), "the site differs from the scratch site");
    let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!left.iter().any(|n| n.to_string_lossy().starts_with(".vouch-site")), "{left:?}");
}

#[cfg(unix)]
#[test]
fn a_site_grown_release_by_release_is_the_site_built_from_scratch() {
    let d = Dir::new();
    code_fixture(&d);
    // Files changed in the second before a build are always read again;
    // older ones are recorded, and not read again while unchanged.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // The first release alone, then both (bundles moved to another folder
    // and --source given in the other order): the second build keeps what
    // the first rendered.
    vouch_tests::copy_tree(&d.join("bundles/code-1.0.0"), &d.join("first/code-1.0.0"));
    let first = code_build(&d, "first", "grown", &[("1.0.0", "c1")], &[]);
    assert_eq!((first["reused"].as_u64(), first["kept_pages"].as_u64()), (Some(0), Some(0)), "{first}");
    let src_folder = d.join("grown/r/code/1.0.0/tree/src/index.html");
    let first_folder_page = inode(&src_folder);
    let files_folder = d.join("grown/r/code/1.0.0/file");
    let first_files_folder = inode(&files_folder);
    let shard_of = |dir: &str| {
        let e = std::fs::read_dir(d.join(dir)).unwrap().next().unwrap().unwrap();
        (e.file_name(), inode(&e.path()))
    };
    let (shard, first_shard) = shard_of("grown/r/code/1.0.0/history");
    let search_part = d.join("grown/search/parts/code/1.0.0.js");
    let first_search_part = inode(&search_part);
    let grown = code_build(&d, "bundles", "grown", &[("1.1.0", "c2"), ("1.0.0", "c1")], &[]);
    let scratch = code_build(&d, "bundles", "scratch", &[("1.0.0", "c1"), ("1.1.0", "c2")], &[]);
    assert_eq!((scratch["reused"].as_u64(), scratch["kept_pages"].as_u64()), (Some(0), Some(0)), "{scratch}");
    // 1.0.0's five file pages came from the first build, and so did
    // its folder pages, which adding a release does not change.
    assert_eq!(grown["reused"], 5, "{grown}");
    assert_eq!(inode(&src_folder), first_folder_page);
    // 1.0.0's folder of file pages, all kept, was moved whole.
    assert_eq!(inode(&files_folder), first_files_folder);
    // 1.0.0's history, which a newer release does not change, was kept;
    // only the project's list of releases is new.
    assert_eq!(inode(&d.join("grown/r/code/1.0.0/history").join(&shard)), first_shard);
    // So was its part of the path search index.
    assert_eq!(inode(&search_part), first_search_part);
    assert!(grown["kept_pages"].as_u64().is_some_and(|n| n >= 2), "{grown}");
    // ...and so did 1.0.0's code search index.
    assert_eq!((first["kept_indexes"].as_u64(), grown["kept_indexes"].as_u64()), (Some(0), Some(1)), "{grown}");
    assert_eq!(grown["pages"], scratch["pages"]);
    let pages_of = |site: &str| tree(&d.join(site));
    // What each build found the source files to be, kept in the user's
    // cache (not in the site), by the site's marker: the three files of c1
    // for the site of 1.0.0 alone, and for the site of both (grown and
    // scratch are the same site) those three and the four of c2 whose
    // bytes c1 does not hold: c2's README.md and src/trojan.rs, the bytes
    // of 1.0.0's, are shown from c1's copy and not read.
    let mut cached: Vec<usize> = std::fs::read_dir(d.join("cache/vouch/site"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "checked"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .inspect(|c| assert!(c.starts_with("vouch source check 1\n"), "{c}"))
        .map(|c| c.lines().count() - 1)
        .collect();
    cached.sort();
    assert_eq!(cached, [3, 7]);
    // The code search's words of each text file, by its bytes, beside them:
    // c1's three and the four of c2's own bytes. The grown build took the
    // words of c2's README.md and src/trojan.rs, c1's bytes, from the first
    // build's file, and kept that file (linked under its own marker's name)
    // with c2's four appended; the scratch build wrote its own.
    let mut words: Vec<usize> = std::fs::read_dir(d.join("cache/vouch/site"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "words"))
        .map(|p| words_records(&std::fs::read(p).unwrap()))
        .collect();
    words.sort();
    assert_eq!(words, [7, 7]);
    let (g, s) = (pages_of("grown"), pages_of("scratch"));
    assert_eq!(g.keys().collect::<Vec<_>>(), s.keys().collect::<Vec<_>>());
    for (p, bytes) in &g {
        assert!(bytes == &s[p], "{p} differs between the grown and the scratch site");
    }
    // Unchanged bytes are one file in both releases; changed bytes are not.
    for site in ["grown", "scratch"] {
        let page = |v: &str, f: &str| d.join(format!("{site}/r/code/{v}/file/{f}.html"));
        assert_eq!(inode(&page("1.0.0", "README.md")), inode(&page("1.1.0", "README.md")), "{site}");
        assert_eq!(inode(&page("1.0.0", "src/trojan.rs")), inode(&page("1.1.0", "src/trojan.rs")), "{site}");
        assert_ne!(inode(&page("1.0.0", "src/lib.rs")), inode(&page("1.1.0", "src/lib.rs")), "{site}");
    }
    // Building again over a grown site changes nothing and renders no file page.
    let again = code_build(&d, "bundles", "grown", &[("1.0.0", "c1"), ("1.1.0", "c2")], &[]);
    assert_eq!((again["reused"].as_u64(), again["kept_indexes"].as_u64()), (Some(9), Some(2)), "{again}");
    // Every other page too: the same inputs, the same keys.
    let (all, files) = (again["pages"].as_u64().unwrap(), again["reused"].as_u64().unwrap());
    assert_eq!(again["kept_pages"].as_u64(), Some(all - files), "{again}");
    assert!(pages_of("grown") == s);
    // A file or a symlink planted in a release's folder of file pages
    // keeps the folder from being moved: its pages are linked one by one,
    // and what was planted is not in the new site.
    let planted = d.join("grown/r/code/1.0.0/file/src");
    std::os::unix::fs::symlink("/etc/hostname", planted.join("planted.html")).unwrap();
    std::fs::write(planted.join("extra.html"), "planted").unwrap();
    let before = inode(&files_folder);
    let relinked = code_build(&d, "bundles", "grown", &[("1.0.0", "c1"), ("1.1.0", "c2")], &[]);
    assert_eq!(relinked["reused"].as_u64(), Some(9), "{relinked}");
    assert_ne!(inode(&files_folder), before);
    assert!(pages_of("grown") == s);
    // A page gone from the site is rendered again, its definitions asked of
    // ctags for its one file (the release's index is kept, ctags not run).
    std::fs::remove_file(d.join("grown/r/code/1.0.0/file/src/lib.rs.html")).unwrap();
    let lost = code_build(&d, "bundles", "grown", &[("1.0.0", "c1"), ("1.1.0", "c2")], &[]);
    assert_eq!((lost["reused"].as_u64(), lost["kept_indexes"].as_u64()), (Some(8), Some(2)), "{lost}");
    let lib = String::from_utf8(pages_of("grown")["r/code/1.0.0/file/src/lib.rs.html"].clone()).unwrap();
    assert!(lib.contains("<summary>Definitions (") && lib.contains("<code>HiArgs</code>"), "{lib}");
    assert!(pages_of("grown") == s);
    // Another option renders everything again.
    let titled = code_build(&d, "bundles", "grown", &[("1.0.0", "c1"), ("1.1.0", "c2")], &["--title", "Other"]);
    assert_eq!((titled["reused"].as_u64(), titled["kept_indexes"].as_u64()), (Some(0), Some(0)), "{titled}");
    // A source copy edited since the last build is checked again: its page
    // is not reused, and says it does not match.
    d.write("c1/README.md", "# edited\n");
    let edited = code_build(&d, "bundles", "grown", &[("1.0.0", "c1"), ("1.1.0", "c2")], &["--title", "Other"]);
    // 1.0.0's index is built again (its README is not indexed now), 1.1.0's kept.
    assert_eq!((edited["reused"].as_u64(), edited["kept_indexes"].as_u64()), (Some(8), Some(1)), "{edited}");
    let readme = std::fs::read_to_string(d.join("grown/r/code/1.0.0/file/README.md.html")).unwrap();
    assert!(readme.contains("does not match the manifest"), "{readme}");
    let other = std::fs::read_to_string(d.join("grown/r/code/1.1.0/file/README.md.html")).unwrap();
    assert!(other.contains("matches the manifest") && !other.contains("does not match"), "{other}");
    // And that site too is the one built from scratch.
    code_build(&d, "bundles", "scratch2", &[("1.0.0", "c1"), ("1.1.0", "c2")], &["--title", "Other"]);
    assert!(pages_of("grown") == pages_of("scratch2"), "grown and scratch differ after an edit");
}

#[test]
fn long_directory_and_changes_pages_are_split_into_linked_parts() {
    let d = Dir::new();
    for (src, body) in [("m1", "one"), ("m2", "two")] {
        for k in 0..2001 {
            d.write(format!("{src}/many/f{k:04}.txt"), body);
        }
    }
    manifest(&d, "m1", "big", "1.0.0");
    manifest(&d, "m2", "big", "1.1.0");
    let (bundles, site) = (d.join("bundles"), d.join("site"));
    TestCommand::vouch(["site", "build", bundles.to_str().unwrap(), "-o", site.to_str().unwrap()]).run().ok();
    let pages = pages(&d.join("site"));
    for (first, second, row) in [
        ("r/big/1.1.0/tree/many/index.html", "r/big/1.1.0/tree/many/index~2.html", "<tr class=\"k-file\">"),
        ("r/big/1.1.0/changes.html", "r/big/1.1.0/changes~2.html", "<tr class=\"c-modified\">"),
    ] {
        let (a, b) = (&pages[first], &pages[second]);
        assert!(!pages.contains_key(&first.replace(".html", "~3.html")), "{first}: a third part");
        assert_eq!((a.matches(row).count(), b.matches(row).count()), (2000, 1), "{first}");
        // Each part links to the other, and says which it is.
        assert!(a.contains("in 2 parts; this is part 1.") && b.contains("in 2 parts; this is part 2."), "{first}");
        let name = |p: &str| Path::new(p).file_name().unwrap().to_str().unwrap().to_string();
        assert!(a.contains(&format!("{}\">2001–2001</a>", name(second))), "{a}");
        assert!(b.contains(&format!("{}\">1–2000</a>", name(first))), "{b}");
    }
    // Every file is listed on exactly one part, in order.
    let both = format!("{}{}", pages["r/big/1.1.0/tree/many/index.html"], pages["r/big/1.1.0/tree/many/index~2.html"]);
    for k in [0, 1999, 2000] {
        assert_eq!(both.matches(&format!(">f{k:04}.txt<")).count(), 1, "f{k:04}.txt");
    }
    // The counts on a part are the whole list's.
    assert!(pages["r/big/1.1.0/changes~2.html"].contains("Modified (1 of 2001)"));
}

/// A release of more folders than the process may open files: the site
/// builds, and grows keeping every page it can, whatever the limit.
#[cfg(unix)]
#[test]
fn a_site_of_more_folders_than_open_files_allowed_grows() {
    let d = Dir::new();
    for src in ["m1", "m2"] {
        for i in 0..120 {
            d.write(format!("{src}/d{i:03}/e/f.rs"), format!("pub fn f{i}() {{}}\n"));
        }
    }
    d.write("m2/d007/e/f.rs", "pub fn changed() {}\n");
    manifest(&d, "m1", "code", "1.0.0");
    manifest(&d, "m2", "code", "1.1.0");
    vouch_tests::copy_tree(&d.join("bundles/code-1.0.0"), &d.join("first/code-1.0.0"));
    // Soft and hard limit both 64 (not to be raised): fewer than the 240
    // folders of file pages a release has.
    let limited = |bundles: &str, out: &str, sources: &[(&str, &str)]| -> serde_json::Value {
        let mut args = vec!["-c".to_string(), "ulimit -n 64 && exec \"$0\" \"$@\"".into()];
        args.push(vouch_tests::vouch_bin().to_str().unwrap().into());
        args.extend(["site", "build"].map(String::from));
        args.push(d.join(bundles).to_str().unwrap().into());
        args.extend(["-o".into(), d.join(out).to_str().unwrap().into(), "--format".into(), "json".into()]);
        for (v, dir) in sources {
            args.extend(["--source".into(), format!("code@{v}={}", d.join(dir).display())]);
        }
        let run = TestCommand::new("sh", &args).env("XDG_CACHE_HOME", d.join("cache")).run();
        serde_json::from_str(&run.ok().stdout).unwrap()
    };
    limited("first", "grown", &[("1.0.0", "m1")]);
    let grown = limited("bundles", "grown", &[("1.0.0", "m1"), ("1.1.0", "m2")]);
    // Every file page kept but the one changed file's.
    assert_eq!(grown["reused"], 239, "{grown}");
    code_build(&d, "bundles", "scratch", &[("1.0.0", "m1"), ("1.1.0", "m2")], &[]);
    assert!(tree(&d.join("grown")) == tree(&d.join("scratch")), "grown and scratch differ");
}
