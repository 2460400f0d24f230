//! `vouch sbom`: generation checked by the real validators (pyspdxtools,
//! cyclonedx-python-lib's strict JSON schema for 1.6), ingestion of every
//! SBOM fixture in tests/fixtures/sbom (CycloneDX documents from the
//! CycloneDX project's examples, SPDX documents written for these tests and
//! checked with pyspdxtools) against counts computed here from the files
//! themselves, diff, check against Cargo.lock and bundles, license
//! summaries, and bad input.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use vouch_tests::{Dir, TestCommand, peer_tool, repo_root};

fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/sbom")
}

/// Every fixture file, sorted.
fn fixture_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["cyclonedx", "spdx"] {
        for e in std::fs::read_dir(fixtures().join(sub)).expect("fixture dir") {
            out.push(e.expect("entry").path());
        }
    }
    out.sort();
    assert!(out.len() >= 10, "expected the SBOM fixtures of tests/fixtures/sbom, found {out:?}");
    out
}

/// A copy of examples/hello in a scratch dir.
fn hello(dir: &Dir) -> PathBuf {
    let p = dir.join("hello");
    vouch_tests::copy_tree(&repo_root().join("examples/hello"), &p);
    p
}

fn cdx_validate(file: &Path) {
    TestCommand::new(peer_tool("python3"), [repo_root().join("scripts/cdx-validate.py").as_os_str(), file.as_os_str()])
        .run()
        .ok()
        .says("valid CycloneDX 1.6");
}

fn spdx_validate(file: &Path) {
    TestCommand::new(peer_tool("pyspdxtools"), [std::ffi::OsStr::new("-i"), file.as_os_str()]).run().ok();
}

fn json_file(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

/// The locked packages of a Cargo.lock, read with plain string handling
/// (independently of vouch's parser): (name, version, checksum).
fn lock_packages(lock: &Path) -> Vec<(String, String, Option<String>)> {
    let text = std::fs::read_to_string(lock).expect("lock");
    let mut out = Vec::new();
    for block in text.split("[[package]]").skip(1) {
        let field = |k: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k} = \"")).map(|v| v.trim_end_matches('"').to_string()))
        };
        out.push((field("name").expect("name"), field("version").expect("version"), field("checksum")));
    }
    out
}

fn generate(project: &Path, format: &str, out: &Path, sde: Option<&str>) -> vouch_tests::Run {
    let mut c = TestCommand::vouch([
        "sbom".as_ref(),
        "generate".as_ref(),
        project.as_os_str(),
        "--format".as_ref(),
        format.as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    if let Some(t) = sde {
        c = c.env("SOURCE_DATE_EPOCH", t);
    }
    c.run()
}

#[test]
fn cyclonedx_generated_for_hello_is_valid_complete_and_deterministic() {
    let d = Dir::new();
    let project = hello(&d);
    let a = d.join("a.cdx.json");
    generate(&project, "cyclonedx", &a, None).ok().says("2 components");
    cdx_validate(&a);

    let doc = json_file(&a);
    assert_eq!(doc["specVersion"], "1.6");
    assert!(doc["metadata"].get("timestamp").is_none(), "no time without SOURCE_DATE_EPOCH");
    assert_eq!(doc["metadata"]["component"]["name"], "hello");
    let comps = doc["components"].as_array().expect("components");
    // Every locked registry package is a component, with its checksum as SHA-256.
    for (name, version, checksum) in lock_packages(&project.join("Cargo.lock")) {
        let Some(sum) = checksum else { continue };
        let c = comps.iter().find(|c| c["name"] == name.as_str()).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(c["version"], version.as_str());
        assert_eq!(c["purl"], format!("pkg:cargo/{name}@{version}").as_str());
        assert_eq!(c["hashes"][0]["alg"], "SHA-256");
        assert_eq!(c["hashes"][0]["content"], sum.as_str());
        assert_eq!(c["scope"], "required");
    }
    let itoa = comps.iter().find(|c| c["name"] == "itoa").expect("itoa");
    assert_eq!(itoa["licenses"][0]["expression"], "MIT OR Apache-2.0");
    let deps = doc["dependencies"].as_array().expect("dependencies");
    let root = deps.iter().find(|d| d["ref"] == "pkg:cargo/hello@0.1.0").expect("root edge");
    assert_eq!(root["dependsOn"], serde_json::json!(["pkg:cargo/itoa@1.0.19"]));

    // Same inputs, same bytes; the serial number follows the content.
    let b = d.join("b.cdx.json");
    generate(&project, "cyclonedx", &b, None).ok();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let c = d.join("c.cdx.json");
    generate(&project, "cyclonedx", &c, Some("1700000000")).ok();
    cdx_validate(&c);
    let cdoc = json_file(&c);
    assert_eq!(cdoc["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    assert_ne!(cdoc["serialNumber"], doc["serialNumber"]);

    // vouch reads back what it wrote.
    let shown: Value =
        TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), a.as_os_str(), "--format".as_ref(), "json".as_ref()])
            .run()
            .ok()
            .json();
    assert_eq!(shown["format"], "cyclonedx");
    assert_eq!(shown["components"][0]["name"], "itoa");
    assert_eq!(shown["components"][0]["hashes"][0]["alg"], "SHA-256");
}

#[test]
fn spdx_generated_for_hello_passes_pyspdxtools_and_is_deterministic() {
    let d = Dir::new();
    let project = hello(&d);
    let a = d.join("a.spdx.json");
    generate(&project, "spdx", &a, None).ok();
    spdx_validate(&a);
    let doc = json_file(&a);
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["creationInfo"]["created"], "1970-01-01T00:00:00Z");
    let pkgs = doc["packages"].as_array().expect("packages");
    assert_eq!(pkgs.len(), lock_packages(&project.join("Cargo.lock")).len());
    assert!(pkgs.iter().all(|p| p["filesAnalyzed"] == false));
    let itoa = pkgs.iter().find(|p| p["name"] == "itoa").expect("itoa");
    assert_eq!(itoa["licenseDeclared"], "MIT OR Apache-2.0");
    assert_eq!(itoa["checksums"][0]["algorithm"], "SHA256");
    assert_eq!(itoa["externalRefs"][0]["referenceLocator"], "pkg:cargo/itoa@1.0.19");
    let rels = doc["relationships"].as_array().expect("relationships");
    assert!(rels.iter().any(|r| r["relationshipType"] == "DEPENDS_ON"
        && r["spdxElementId"] == "SPDXRef-Package-hello-0.1.0"
        && r["relatedSpdxElement"] == "SPDXRef-Package-itoa-1.0.19"));

    let b = d.join("b.spdx.json");
    generate(&project, "spdx", &b, None).ok();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let c = d.join("c.spdx.json");
    generate(&project, "spdx", &c, Some("1700000000")).ok();
    spdx_validate(&c);
    let cdoc = json_file(&c);
    assert_eq!(cdoc["creationInfo"]["created"], "2023-11-14T22:13:20Z");
    assert_ne!(cdoc["documentNamespace"], doc["documentNamespace"]);
}

/// Build dependencies are scoped as such in both formats; dev dependencies
/// are not compiled by the build, so they are not listed. The crates (hex,
/// memchr) are dependencies of vouch itself, so they are in the local
/// registry cache wherever vouch was built.
#[test]
fn build_and_dev_dependencies_are_scoped() {
    let d = Dir::new();
    let project = hello(&d);
    std::fs::remove_file(project.join("Cargo.lock")).unwrap();
    let mut toml = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    toml.push_str("\n[build-dependencies]\nhex = \"0.4\"\n\n[dev-dependencies]\nmemchr = \"2\"\n");
    std::fs::write(project.join("Cargo.toml"), toml).unwrap();
    TestCommand::new("cargo", ["generate-lockfile", "--offline"]).current_dir(&project).run().ok();

    let cdx = d.join("s.cdx.json");
    generate(&project, "cyclonedx", &cdx, None).ok().says("3 components compiled for");
    cdx_validate(&cdx);
    let doc = json_file(&cdx);
    let comp = |n: &str| doc["components"].as_array().unwrap().iter().find(|c| c["name"] == n).cloned().expect(n);
    assert_eq!(comp("itoa")["scope"], "required");
    assert!(!doc["components"].as_array().unwrap().iter().any(|c| c["name"] == "memchr"), "a dev dependency is listed");
    // A build dependency is listed, scoped as excluded, with its kind.
    let c = comp("hex");
    assert_eq!(c["scope"], "excluded", "hex");
    assert!(
        c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "vouch:cargo:dependency-kind" && p["value"] == "build"),
        "hex: {c}"
    );

    // Read back: the model's scope says build and dev.
    let shown: Value =
        TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), cdx.as_os_str(), "--format".as_ref(), "json".as_ref()])
            .run()
            .ok()
            .json();
    let scope =
        |n: &str| shown["components"].as_array().unwrap().iter().find(|c| c["name"] == n).unwrap()["scope"].clone();
    assert_eq!((scope("hex"), scope("itoa")), ("build".into(), "required".into()));

    let spdx = d.join("s.spdx.json");
    generate(&project, "spdx", &spdx, None).ok();
    spdx_validate(&spdx);
    let sdoc = json_file(&spdx);
    let rels = sdoc["relationships"].as_array().unwrap();
    let has = |from: &str, kind: &str, to: &str| {
        rels.iter()
            .any(|r| r["spdxElementId"] == from && r["relationshipType"] == kind && r["relatedSpdxElement"] == to)
    };
    assert!(has("SPDXRef-Package-hex-0.4.3", "BUILD_DEPENDENCY_OF", "SPDXRef-Package-hello-0.1.0"), "{rels:?}");
    assert!(!rels.iter().any(|r| r["relationshipType"] == "DEV_DEPENDENCY_OF"), "{rels:?}");
    // Read back: the scope comes out of the SPDX relationships.
    let shown: Value =
        TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), spdx.as_os_str(), "--format".as_ref(), "json".as_ref()])
            .run()
            .ok()
            .json();
    let scope =
        |n: &str| shown["components"].as_array().unwrap().iter().find(|c| c["name"] == n).unwrap()["scope"].clone();
    assert_eq!(scope("hex"), "build");
    assert_eq!(scope("itoa"), Value::Null);
    // Checked against its lock, memchr is named as not compiled for the target.
    TestCommand::vouch([
        "sbom".as_ref(),
        "check".as_ref(),
        "--lock".as_ref(),
        project.join("Cargo.lock").as_os_str(),
        cdx.as_os_str(),
    ])
    .run()
    .ok()
    .says("1 locked packages not compiled for")
    .says(": memchr@");
}

/// With an empty CARGO_HOME (no registry cache), cargo tree cannot run
/// offline: crates are still listed from the lock, without a license, and
/// the command names each one and why. Both documents stay valid.
#[test]
fn uncached_crates_are_listed_without_license() {
    let d = Dir::new();
    let project = hello(&d);
    let home = d.mkdir("empty-cargo-home");
    for (format, file) in [("cyclonedx", "u.cdx.json"), ("spdx", "u.spdx.json")] {
        let out = d.join(file);
        TestCommand::vouch([
            "sbom".as_ref(),
            "generate".as_ref(),
            project.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
        ])
        .env("CARGO_HOME", &home)
        .run()
        .ok()
        .says("1 without a license: itoa@1.0.19")
        .says("no license for itoa@1.0.19: its .crate is not in the cargo registry cache")
        .says("cargo tree --offline failed");
        if format == "cyclonedx" {
            cdx_validate(&out);
            let doc = json_file(&out);
            let itoa = doc["components"].as_array().unwrap().iter().find(|c| c["name"] == "itoa").cloned().unwrap();
            assert!(itoa.get("licenses").is_none());
            assert_eq!(
                itoa["hashes"][0]["content"],
                "3bd1574e617a9a6c1f8f8181bd7e841e1f20e4277607ef28945765188d6284d4"
            );
            // The project's own license still comes from its Cargo.toml.
            assert_eq!(doc["metadata"]["component"]["licenses"][0]["expression"], "Apache-2.0");
            let method = doc["metadata"]["properties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == "vouch:sbom:method")
                .cloned()
                .expect("the document says how it was made");
            assert!(method["value"].as_str().unwrap().starts_with("every package of Cargo.lock, for every target"));
        } else {
            spdx_validate(&out);
        }
    }
}

/// The components the file itself lists, counted with serde_json::Value:
/// CycloneDX components (nested ones included), SPDX 2 packages, SPDX 3
/// software_Package elements; each as (name, version).
fn independent_components(doc: &Value) -> Vec<(String, Option<String>)> {
    fn walk(list: &Value, out: &mut Vec<(String, Option<String>)>) {
        for c in list.as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap().to_string();
            let name = match c.get("group").and_then(Value::as_str).filter(|g| !g.is_empty()) {
                Some(g) => format!("{g}/{name}"),
                None => name,
            };
            out.push((name, c.get("version").and_then(Value::as_str).map(str::to_string)));
            if let Some(n) = c.get("components") {
                walk(n, out);
            }
        }
    }
    let mut out = Vec::new();
    if doc.get("bomFormat").is_some() {
        walk(&doc["components"], &mut out);
    } else if doc.get("spdxVersion").is_some() {
        for p in doc["packages"].as_array().into_iter().flatten() {
            let v = p.get("versionInfo").and_then(Value::as_str).map(str::to_string);
            out.push((p["name"].as_str().unwrap().to_string(), v));
        }
    } else {
        for e in doc["@graph"].as_array().into_iter().flatten() {
            if e["type"] == "software_Package" {
                let v = e.get("software_packageVersion").and_then(Value::as_str).map(str::to_string);
                out.push((e["name"].as_str().unwrap().to_string(), v));
            }
        }
    }
    out
}

#[test]
fn every_fixture_is_ingested_with_the_right_components() {
    for f in fixture_files() {
        let doc = json_file(&f);
        let want = independent_components(&doc);
        assert!(!want.is_empty(), "{}: no components found independently", f.display());
        let got: Value =
            TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), f.as_os_str(), "--format".as_ref(), "json".as_ref()])
                .run()
                .ok()
                .json();
        let comps = got["components"].as_array().expect("components");
        assert_eq!(comps.len(), want.len(), "{}: component count", f.display());
        // A sample: first, middle and last, in document order.
        for i in [0, want.len() / 2, want.len() - 1] {
            assert_eq!(comps[i]["name"].as_str().unwrap(), want[i].0, "{} component {i}", f.display());
            assert_eq!(comps[i]["version"].as_str().map(str::to_string), want[i].1, "{} component {i}", f.display());
        }
        let format = if doc.get("bomFormat").is_some() { "cyclonedx" } else { "spdx" };
        assert_eq!(got["format"], format, "{}", f.display());
        // Human output names the count too.
        TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), f.as_os_str()])
            .run()
            .ok()
            .says(&format!("components  {}", want.len()));
    }
}

#[test]
fn fixture_details_licenses_hashes_edges() {
    // CycloneDX: dependency edges as the file lists them.
    let f = fixtures().join("cyclonedx/dropwizard-1.3.15.cdx.json");
    let doc = json_file(&f);
    let got: Value =
        TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), f.as_os_str(), "--format".as_ref(), "json".as_ref()])
            .run()
            .ok()
            .json();
    let mut want_edges = 0;
    for d in doc["dependencies"].as_array().unwrap() {
        let r = d["ref"].as_str().unwrap();
        let n = d.get("dependsOn").and_then(Value::as_array).map_or(0, Vec::len);
        want_edges += n;
        if n > 0 {
            assert_eq!(got["dependencies"][r].as_array().unwrap().len(), n, "{r}");
        }
    }
    let got_edges: usize = got["dependencies"].as_object().unwrap().values().map(|v| v.as_array().unwrap().len()).sum();
    assert_eq!(got_edges, want_edges);
    let first = &doc["components"][0];
    assert_eq!(got["components"][0]["hashes"].as_array().unwrap().len(), first["hashes"].as_array().unwrap().len());
    assert_eq!(got["components"][0]["licenses"][0], first["licenses"][0]["license"]["id"]);
    assert_eq!(got["components"][0]["supplier"], first["publisher"]);

    // SPDX 2.3: declared licenses, SHA1 → SHA-1, purl from externalRefs.
    let f = fixtures().join("spdx/minimal-2.3.spdx.json");
    let got: Value =
        TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), f.as_os_str(), "--format".as_ref(), "json".as_ref()])
            .run()
            .ok()
            .json();
    let c = &got["components"][0];
    assert_eq!(c["hashes"][0]["alg"], "SHA-1");
    assert_eq!(c["hashes"][0]["value"], "e1e026aea0baba3c228ca5e04c3b79fbdb115eb0");
    assert_eq!(c["purl"], "pkg:cargo/hello@0.1.0");
    // "Organization: vouch examples (hello@example.invalid)": the name alone.
    assert_eq!(c["supplier"], "vouch examples");
    assert_eq!(c["licenses"], serde_json::json!(["Apache-2.0"]));

    // SPDX 3.0: the declared license comes through the relationship graph.
    let f = fixtures().join("spdx/hello-source-3.0.spdx3.json");
    let doc = json_file(&f);
    let graph = doc["@graph"].as_array().unwrap();
    let pkg = graph.iter().find(|e| e["type"] == "software_Package").unwrap();
    let lic_ref = graph
        .iter()
        .find(|e| e["relationshipType"] == "hasDeclaredLicense" && e["from"] == pkg["spdxId"])
        .map(|r| r["to"][0].clone())
        .unwrap();
    let lic = graph.iter().find(|e| e["spdxId"] == lic_ref).unwrap()["simplelicensing_licenseExpression"].clone();
    let got: Value =
        TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), f.as_os_str(), "--format".as_ref(), "json".as_ref()])
            .run()
            .ok()
            .json();
    assert_eq!(got["spec_version"], "3.0.1");
    assert!(got["components"][0]["licenses"].as_array().unwrap().contains(&lic), "{got}");
    // dependsOn edges, from a plain and from a lifecycle-scoped relationship.
    let base = "https://example.invalid/vouch/spdx/hello-source-3.0/Package/";
    assert_eq!(
        got["dependencies"][format!("{base}hello")],
        serde_json::json!([format!("{base}itoa"), format!("{base}hex")]),
        "{got}"
    );
}

/// The SPDX 2 fixtures were written for these tests: each passes pyspdxtools.
#[test]
fn spdx_fixtures_pass_pyspdxtools() {
    let mut n = 0;
    for f in fixture_files() {
        if json_file(&f).get("spdxVersion").is_some() {
            spdx_validate(&f);
            n += 1;
        }
    }
    assert!(n >= 5, "{n} SPDX 2 fixtures");
}

#[test]
fn proton_bridge_diff_matches_the_files() {
    let old = fixtures().join("cyclonedx/proton-bridge-v1.6.3.cdx.json");
    let new = fixtures().join("cyclonedx/proton-bridge-v1.8.0.cdx.json");
    let versions = |p: &Path| -> BTreeMap<String, String> {
        json_file(p)["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap().to_string(), c["version"].as_str().unwrap().to_string()))
            .collect()
    };
    let (a, b) = (versions(&old), versions(&new));
    let want_changed: BTreeSet<(String, String, String)> =
        a.iter().filter_map(|(n, v)| b.get(n).filter(|w| *w != v).map(|w| (n.clone(), v.clone(), w.clone()))).collect();
    let want_added: BTreeSet<&String> = b.keys().filter(|n| !a.contains_key(*n)).collect();
    let want_removed: BTreeSet<&String> = a.keys().filter(|n| !b.contains_key(*n)).collect();
    assert!(!want_changed.is_empty());

    let run = TestCommand::vouch([
        "sbom".as_ref(),
        "diff".as_ref(),
        old.as_os_str(),
        new.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
    .run();
    let d: Value = run.code(1).json();
    let got_changed: BTreeSet<(String, String, String)> = d["version_changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["name"].as_str().unwrap().into(), c["old"].as_str().unwrap().into(), c["new"].as_str().unwrap().into())
        })
        .collect();
    assert_eq!(got_changed, want_changed);
    let names = |k: &str| -> BTreeSet<String> {
        d[k].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names("added"), want_added.into_iter().cloned().collect());
    assert_eq!(names("removed"), want_removed.into_iter().cloned().collect());

    let human = TestCommand::vouch(["sbom".as_ref(), "diff".as_ref(), old.as_os_str(), new.as_os_str()]).run();
    human.code(1).says("version   github.com/miekg/dns  v1.1.30 -> v1.1.41");
    TestCommand::vouch(["sbom".as_ref(), "diff".as_ref(), old.as_os_str(), old.as_os_str()])
        .run()
        .ok()
        .says("0 added, 0 removed, 0 version changed, 0 license changed");
}

#[test]
fn diff_reports_license_changes_across_formats() {
    let d = Dir::new();
    let project = hello(&d);
    let cdx = d.join("h.cdx.json");
    let spdx = d.join("h.spdx.json");
    generate(&project, "cyclonedx", &cdx, None).ok();
    generate(&project, "spdx", &spdx, None).ok();
    // Same crates, but the SPDX document also lists the project itself.
    let r = TestCommand::vouch([
        "sbom".as_ref(),
        "diff".as_ref(),
        cdx.as_os_str(),
        spdx.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
    .run();
    let v: Value = r.code(1).json();
    assert_eq!(v["added"][0]["name"], "hello");
    assert_eq!(v["version_changed"].as_array().unwrap().len(), 0);
    // Change itoa's license in a copy.
    let mut doc = json_file(&cdx);
    doc["components"][0]["licenses"] = serde_json::json!([{"expression": "MIT"}]);
    let changed = d.write("changed.cdx.json", serde_json::to_vec(&doc).unwrap());
    TestCommand::vouch(["sbom".as_ref(), "diff".as_ref(), cdx.as_os_str(), changed.as_os_str()])
        .run()
        .code(1)
        .says("license   itoa@1.0.19  MIT OR Apache-2.0 -> MIT");
}

#[test]
fn check_against_cargo_lock() {
    let d = Dir::new();
    let project = hello(&d);
    let lock = project.join("Cargo.lock");
    for (format, file) in [("cyclonedx", "h.cdx.json"), ("spdx", "h.spdx.json")] {
        let out = d.join(file);
        generate(&project, format, &out, None).ok();
        TestCommand::vouch(["sbom".as_ref(), "check".as_ref(), "--lock".as_ref(), lock.as_os_str(), out.as_os_str()])
            .run()
            .ok()
            .says("ok");
    }
    // A lock that moved itoa to another version: both directions reported.
    let text = std::fs::read_to_string(&lock).unwrap().replace("1.0.19", "1.0.20");
    let other = d.write("other/Cargo.lock", text);
    let r = TestCommand::vouch([
        "sbom".as_ref(),
        "check".as_ref(),
        "--lock".as_ref(),
        other.as_os_str(),
        d.join("h.cdx.json").as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
    .run();
    let v: Value = r.code(1).json();
    assert_eq!(v["only_in_sbom"], serde_json::json!(["itoa@1.0.19"]));
    assert_eq!(v["only_in_lock"], serde_json::json!(["itoa@1.0.20"]));
    // A non-Cargo SBOM shares nothing with the lock.
    let proton = fixtures().join("cyclonedx/proton-bridge-v1.6.3.cdx.json");
    TestCommand::vouch(["sbom".as_ref(), "check".as_ref(), "--lock".as_ref(), lock.as_os_str(), proton.as_os_str()])
        .run()
        .code(1)
        .says("not in SBOM: itoa@1.0.19");
    // An unparseable lock is refused, naming it.
    let bad = d.write("bad/Cargo.lock", "this is [not toml");
    TestCommand::vouch([
        "sbom".as_ref(),
        "check".as_ref(),
        "--lock".as_ref(),
        bad.as_os_str(),
        d.join("h.cdx.json").as_os_str(),
    ])
    .run()
    .code(2)
    .says("bad/Cargo.lock");
}

fn sha256_of(p: &Path) -> String {
    let out = TestCommand::new("sha256sum", [p]).run();
    out.ok();
    format!("sha256:{}", &out.stdout[..64])
}

#[test]
fn check_bundle_against_its_build_record() {
    let d = Dir::new();
    let project = hello(&d);
    let bundle = d.mkdir("hello-0.1.0");
    d.mkdir("hello-0.1.0/sbom");
    let cdx = bundle.join("sbom/hello.cdx.json");
    let spdx = bundle.join("sbom/hello.spdx.json");
    generate(&project, "cyclonedx", &cdx, None).ok();
    generate(&project, "spdx", &spdx, None).ok();
    let manifest = bundle.join("manifest.json");
    TestCommand::vouch([
        "manifest".as_ref(),
        "create".as_ref(),
        project.as_os_str(),
        "--no-git".as_ref(),
        "--name".as_ref(),
        "hello".as_ref(),
        "--version".as_ref(),
        "0.1.0".as_ref(),
        "-o".as_ref(),
        manifest.as_os_str(),
    ])
    .run()
    .ok();
    let deps: Vec<Value> = lock_packages(&project.join("Cargo.lock"))
        .into_iter()
        .map(|(name, version, checksum)| {
            let mut v = serde_json::json!({"name": name, "version": version});
            if let Some(c) = checksum {
                v["checksum"] = c.into();
                v["source"] = "registry+https://github.com/rust-lang/crates.io-index".into();
            }
            v
        })
        .collect();
    let write_manifest = |deps: &[Value], cdx_digest: &str| {
        let mut m = json_file(&manifest);
        m["build"] = serde_json::json!({"command": [], "workdir": ".", "dependencies": deps, "no_build": true});
        m["sboms"] = serde_json::json!([
            {"path": "sbom/hello.cdx.json", "format": "cyclonedx", "digest": cdx_digest},
            {"path": "sbom/hello.spdx.json", "format": "spdx", "digest": sha256_of(&spdx)},
        ]);
        std::fs::write(&manifest, serde_json::to_vec(&m).unwrap()).unwrap();
    };
    write_manifest(&deps, &sha256_of(&cdx));
    TestCommand::vouch(["sbom".as_ref(), "check".as_ref(), bundle.as_os_str()]).run().ok().says("sbom/hello.spdx.json");

    // The build record gains a dependency the SBOMs do not declare.
    let mut more = deps.clone();
    more.push(serde_json::json!({"name": "ryu", "version": "1.0.0", "source": "registry+https://github.com/rust-lang/crates.io-index"}));
    write_manifest(&more, &sha256_of(&cdx));
    TestCommand::vouch(["sbom".as_ref(), "check".as_ref(), bundle.as_os_str()])
        .run()
        .code(1)
        .says("not in SBOM: ryu@1.0.0");

    // An SBOM whose bytes differ from the recorded digest: both digests named.
    let wrong = format!("sha256:{}", "0".repeat(64));
    write_manifest(&deps, &wrong);
    let actual = sha256_of(&cdx);
    TestCommand::vouch(["sbom".as_ref(), "check".as_ref(), bundle.as_os_str()])
        .run()
        .code(1)
        .says(&wrong)
        .says(&actual);
}

#[test]
fn license_summary_matches_the_file() {
    let f = fixtures().join("cyclonedx/dropwizard-1.3.15.cdx.json");
    let doc = json_file(&f);
    let mut want: BTreeMap<String, usize> = BTreeMap::new();
    let mut none = 0;
    for c in doc["components"].as_array().unwrap() {
        let mut ls: Vec<String> = c
            .get("licenses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| {
                l.get("expression")
                    .or_else(|| l["license"].get("id"))
                    .or_else(|| l["license"].get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        ls.sort();
        ls.dedup();
        if ls.is_empty() {
            none += 1;
        }
        for l in ls {
            *want.entry(l).or_default() += 1;
        }
    }
    let got: Value =
        TestCommand::vouch(["sbom".as_ref(), "licenses".as_ref(), f.as_os_str(), "--format".as_ref(), "json".as_ref()])
            .run()
            .ok()
            .json();
    let got_counts: BTreeMap<String, usize> =
        got["licenses"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_array().unwrap().len())).collect();
    assert_eq!(got_counts, want);
    assert_eq!(got["none"].as_array().unwrap().len(), none);
    assert!(want.contains_key("Apache-2.0"));
    TestCommand::vouch(["sbom".as_ref(), "licenses".as_ref(), f.as_os_str()])
        .run()
        .ok()
        .says(&format!("{:>5}  Apache-2.0", want["Apache-2.0"]));
}

#[test]
fn bad_input_is_a_clear_error() {
    let d = Dir::new();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not-json.json", b"this is not json".to_vec(), "is not valid JSON"),
        ("truncated.json", br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a""#.to_vec(), "is not valid JSON"),
        ("neither.json", br#"{"hello":"world"}"#.to_vec(), "neither a CycloneDX nor an SPDX"),
        ("array.json", b"[1, 2, 3]".to_vec(), "neither a CycloneDX nor an SPDX"),
        ("cdx-9.json", br#"{"bomFormat":"CycloneDX","specVersion":"9.9","components":[]}"#.to_vec(), "spec version \"9.9\""),
        ("cdx-1.1.json", br#"{"bomFormat":"CycloneDX","specVersion":"1.1"}"#.to_vec(), "spec version \"1.1\""),
        ("spdx-2.1.json", br#"{"spdxVersion":"SPDX-2.1","SPDXID":"SPDXRef-DOCUMENT","packages":[]}"#.to_vec(), "spec version \"SPDX-2.1\""),
        ("spdx-3.1.json", br#"{"@context":"https://spdx.org/rdf/3.1/spdx-context.jsonld","@graph":[]}"#.to_vec(), "spec version \"3.1\""),
        (
            "dup-cdx.json",
            br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"a","bom-ref":"r1"},{"type":"library","name":"b","bom-ref":"r1"}]}"#.to_vec(),
            "reference \"r1\" more than once",
        ),
        (
            "dup-spdx.json",
            br#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[{"SPDXID":"SPDXRef-a","name":"a"},{"SPDXID":"SPDXRef-a","name":"b"}]}"#.to_vec(),
            "reference \"SPDXRef-a\" more than once",
        ),
        ("wrong-type.json", br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":5}]}"#.to_vec(), "not a valid CycloneDX document"),
    ];
    for (name, body, want) in cases {
        let p = d.write(name, body);
        for cmd in ["show", "licenses"] {
            TestCommand::vouch(["sbom".as_ref(), cmd.as_ref(), p.as_os_str()]).run().code(2).says(want).says(name);
        }
    }
    TestCommand::vouch(["sbom", "show", "/nonexistent/x.json"]).run().code(2).says("/nonexistent/x.json");

    // Nesting far beyond serde_json's recursion limit: an error, no stack overflow.
    let mut deep = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":"#);
    for _ in 0..100_000 {
        deep.push_str(r#"[{"name":"n","components":"#);
    }
    let p = d.write("deep.json", deep);
    TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), p.as_os_str()]).run().code(2).says("deep.json");

    // Missing Cargo.lock / Cargo.toml.
    let project = hello(&d);
    std::fs::remove_file(project.join("Cargo.lock")).unwrap();
    TestCommand::vouch([
        "sbom".as_ref(),
        "generate".as_ref(),
        project.as_os_str(),
        "--format".as_ref(),
        "spdx".as_ref(),
    ])
    .run()
    .code(2)
    .says("has no Cargo.lock")
    .says("cargo generate-lockfile");
    // A workspace member: the lock is at the workspace root, named in the hint.
    let member = repo_root().join("cli");
    TestCommand::vouch([
        "sbom".as_ref(),
        "generate".as_ref(),
        member.as_os_str(),
        "--format".as_ref(),
        "spdx".as_ref(),
    ])
    .run()
    .code(2)
    .says("has no Cargo.lock")
    .says(&repo_root().join("Cargo.lock").display().to_string());
    let empty = d.mkdir("empty");
    TestCommand::vouch([
        "sbom".as_ref(),
        "generate".as_ref(),
        empty.as_os_str(),
        "--format".as_ref(),
        "cyclonedx".as_ref(),
    ])
    .run()
    .code(2)
    .says("has no Cargo.toml");
    // check BUNDLE on a file points at --lock.
    let f = fixtures().join("spdx/minimal-2.3.spdx.json");
    TestCommand::vouch(["sbom".as_ref(), "check".as_ref(), f.as_os_str()]).run().code(2).says("--lock");
}

/// A 100 MB CycloneDX document: read correctly, within a memory bound
/// (the process runs under `ulimit -v`), and refused with a clear error when
/// it is over the size limit.
#[test]
fn a_100_mb_sbom_is_bounded() {
    let d = Dir::new();
    let p = d.join("big.cdx.json");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    use std::io::Write;
    write!(f, r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":["#).unwrap();
    let filler = "x".repeat(400);
    let mut n = 0usize;
    let mut size = 0usize;
    while size < 100 * 1024 * 1024 {
        let comp = format!(
            r#"{}{{"type":"library","bom-ref":"c{n}","name":"crate-{n}","version":"1.0.{n}","purl":"pkg:cargo/crate-{n}@1.0.{n}","licenses":[{{"expression":"MIT"}}],"hashes":[{{"alg":"SHA-256","content":"{:064x}"}}],"properties":[{{"name":"filler","value":"{filler}"}}]}}"#,
            if n == 0 { "" } else { "," },
            n
        );
        size += comp.len();
        f.write_all(comp.as_bytes()).unwrap();
        n += 1;
    }
    f.write_all(b"]}").unwrap();
    f.flush().unwrap();
    drop(f);
    assert!(std::fs::metadata(&p).unwrap().len() >= 100 * 1024 * 1024);

    // Correct: every component counted, the last one present; under 1 GiB
    // of address space (`vouch sbom diff` of two such files peaks near 380 MB
    // resident, measured with /usr/bin/time; too slow to repeat in a debug
    // build here).
    let script = format!(
        "ulimit -v 1048576; exec {} sbom licenses {} --format json",
        vouch_tests::vouch_bin().display(),
        p.display()
    );
    let r = TestCommand::new("sh", ["-c", &script]).run();
    let v: Value = r.ok().json();
    assert_eq!(v["licenses"]["MIT"].as_array().unwrap().len(), n);
    assert!(v["licenses"]["MIT"].as_array().unwrap().contains(&Value::from(format!("crate-{}@1.0.{}", n - 1, n - 1))));

    // Over the limit: refused before parsing, naming the file.
    TestCommand::vouch(["sbom".as_ref(), "show".as_ref(), p.as_os_str(), "--max-bytes".as_ref(), "1000000".as_ref()])
        .run()
        .code(2)
        .says("big.cdx.json")
        .says("more than the limit of 1000000 bytes");
}

/// `CARGO_HOME` as cargo (and vouch) resolve it.
fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"))
}

/// (name, version) of every package cargo itself says a host build of
/// `root` compiles (normal and build dependencies), read independently of
/// vouch's parser (`--prefix none`).
fn compiled_for_host(root: &Path) -> BTreeSet<(String, String)> {
    let r = TestCommand::new(
        "cargo",
        ["tree", "--offline", "--locked", "-e", "normal,build", "--prefix", "none", "--format", "{p}"],
    )
    .current_dir(root)
    .run();
    r.ok();
    r.stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut w = l.split_whitespace();
            (w.next().unwrap().to_string(), w.next().unwrap().trim_start_matches('v').to_string())
        })
        .collect()
}

/// (name, version) of every package a host `cargo build` of `root`
/// downloads: reachable from the workspace members through the non-dev
/// edges of cargo's own resolve for the host (`cargo metadata
/// --filter-platform`; like cargo's download step, features aside).
fn downloaded_by_a_host_build(root: &Path) -> BTreeSet<(String, String)> {
    let host = TestCommand::new("rustc", ["-vV"]).run();
    let host = host.stdout.lines().find_map(|l| l.strip_prefix("host: ")).expect("host").to_string();
    let r = TestCommand::new(
        "cargo",
        ["metadata", "--offline", "--locked", "--format-version", "1", "--filter-platform", host.as_str()],
    )
    .current_dir(root)
    .run();
    let meta: Value = r.ok().json();
    let ids: BTreeMap<&str, (String, String)> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["id"].as_str().unwrap(), (p["name"].as_str().unwrap().into(), p["version"].as_str().unwrap().into()))
        })
        .collect();
    let nodes: BTreeMap<&str, &Value> =
        meta["resolve"]["nodes"].as_array().unwrap().iter().map(|n| (n["id"].as_str().unwrap(), n)).collect();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> =
        meta["workspace_members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            if dep["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"] != "dev") {
                stack.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    seen.into_iter().map(|id| ids[id].clone()).collect()
}

/// The workspace members listed in vouch's own Cargo.toml.
fn vouch_members() -> usize {
    let toml = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let members_line = toml.lines().find(|l| l.starts_with("members")).expect("members");
    members_line.matches('"').count() / 2
}

fn describes(doc: &Value) -> usize {
    doc["relationships"].as_array().unwrap().iter().filter(|r| r["relationshipType"] == "DESCRIBES").count()
}

/// vouch's own workspace (a virtual manifest, 100+ locked crates, real
/// license expressions, crates for other platforms): both documents pass the
/// validators, list exactly what cargo says a host build compiles, each with
/// the lock's checksum, one DESCRIBES per member, and check clean against
/// the lock, which names the packages not compiled for the host.
#[test]
fn vouch_workspace_sbom_is_valid_and_matches_its_lock() {
    let d = Dir::new();
    let root = repo_root();
    let lock = root.join("Cargo.lock");
    let locked = lock_packages(&lock);
    let compiled = compiled_for_host(&root);
    assert!(compiled.len() > 50 && compiled.len() < locked.len(), "{} of {}", compiled.len(), locked.len());
    for (format, file) in [("cyclonedx", "ws.cdx.json"), ("spdx", "ws.spdx.json")] {
        let out = d.join(file);
        generate(&root, format, &out, Some("1767225600"))
            .ok()
            .says(&format!("{} components compiled for", compiled.len()));
        let listed: BTreeSet<(String, String)> = if format == "cyclonedx" {
            cdx_validate(&out);
            // A virtual workspace has no single subject: every member is a component.
            let doc = json_file(&out);
            assert!(doc["metadata"].get("component").is_none());
            for c in doc["components"].as_array().unwrap() {
                let name = c["name"].as_str().unwrap();
                let version = c["version"].as_str().unwrap();
                let (_, _, sum) = locked.iter().find(|(n, v, _)| n == name && v == version).expect(name);
                if let Some(sum) = sum {
                    assert_eq!(c["hashes"][0]["content"], sum.as_str(), "{name}");
                }
                if name.starts_with("vouch-") {
                    assert_eq!(c["licenses"][0]["expression"], "Apache-2.0", "{name}: inherited from the workspace");
                }
            }
            doc["components"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["name"].as_str().unwrap().to_string(), c["version"].as_str().unwrap().to_string()))
                .collect()
        } else {
            spdx_validate(&out);
            let doc = json_file(&out);
            assert_eq!(describes(&doc), vouch_members(), "one DESCRIBES per workspace member");
            assert!(doc["creationInfo"]["comment"].as_str().unwrap().contains("cargo tree --offline --locked"));
            doc["packages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["name"].as_str().unwrap().to_string(), c["versionInfo"].as_str().unwrap().to_string()))
                .collect()
        };
        assert_eq!(listed, compiled, "{format}: the SBOM lists what cargo compiles for the host");
        TestCommand::vouch(["sbom".as_ref(), "check".as_ref(), "--lock".as_ref(), lock.as_os_str(), out.as_os_str()])
            .run()
            .ok()
            .says(&format!("{} matched, 0 only in the SBOM, 0 only in the lock", compiled.len()))
            .says(&format!("{} locked packages not compiled for", locked.len() - compiled.len()))
            .says("anstyle-wincon@");
    }
    // A package the SBOM leaves out that it does not say is compiled for
    // another target is a mismatch: a lock with one more package.
    let text = std::fs::read_to_string(&lock).unwrap();
    let extra = d.write(
        "extra/Cargo.lock",
        format!("{text}\n[[package]]\nname = \"zzz-extra\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n", "0".repeat(64)),
    );
    TestCommand::vouch([
        "sbom".as_ref(),
        "check".as_ref(),
        "--lock".as_ref(),
        extra.as_os_str(),
        d.join("ws.cdx.json").as_os_str(),
    ])
    .run()
    .code(1)
    .says("not in SBOM: zzz-extra@1.0.0");
}

/// The same document whether the cargo cache holds every locked crate (the
/// test setup runs `cargo fetch --locked`) or only those a host build needed
/// (a fresh CI runner after `cargo build`): a cargo home holding the index
/// and just the `.crate` files a host build downloads.
#[test]
fn the_same_sbom_from_a_full_and_a_host_only_cache() {
    let d = Dir::new();
    let root = repo_root();
    let full = cargo_home();
    let cache = full.join("registry/cache");
    let index_dirs: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap_or_else(|e| panic!("{}: {e}", cache.display()))
        .map(|e| e.unwrap().path())
        .collect();
    let crates_dir =
        index_dirs.iter().find(|dir| dir.join("anstyle-wincon-3.0.11.crate").is_file()).unwrap_or_else(|| {
            panic!(
                "{} lacks crates for other platforms: the test setup fetches every locked crate \
                 (`cargo fetch --locked` in scripts/setup-test-deps.sh)",
                cache.display()
            )
        });
    let host = d.mkdir("host-only-home");
    vouch_tests::copy_tree(&full.join("registry/index"), &host.join("registry/index"));
    let host_crates = host.join("registry/cache").join(crates_dir.file_name().unwrap());
    std::fs::create_dir_all(&host_crates).unwrap();
    let locked = lock_packages(&root.join("Cargo.lock"));
    let downloaded = downloaded_by_a_host_build(&root);
    assert!(!downloaded.iter().any(|(n, _)| n == "anstyle-wincon"), "{downloaded:?}");
    for (name, version) in &downloaded {
        if locked.iter().any(|(n, v, sum)| n == name && v == version && sum.is_some()) {
            let f = format!("{name}-{version}.crate");
            std::fs::copy(crates_dir.join(&f), host_crates.join(&f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
    }
    assert!(!host_crates.join("anstyle-wincon-3.0.11.crate").exists());
    for format in ["cyclonedx", "spdx"] {
        let a = d.join(format!("full.{format}.json"));
        let b = d.join(format!("host.{format}.json"));
        generate(&root, format, &a, None).ok().says("compiled for");
        TestCommand::vouch([
            "sbom".as_ref(),
            "generate".as_ref(),
            root.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
            "-o".as_ref(),
            b.as_os_str(),
        ])
        .env("CARGO_HOME", &host)
        .run()
        .ok()
        .says("compiled for");
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "{format}: {} and {} differ",
            a.display(),
            b.display()
        );
    }
    // An empty cache: cargo tree cannot run; the document lists the whole
    // lock, says so, stays valid with its DESCRIBES relationships, and the
    // workspace's own crates keep their (inherited) license.
    let empty = d.mkdir("empty-home");
    let out = d.join("empty.spdx.json");
    let r = TestCommand::vouch([
        "sbom".as_ref(),
        "generate".as_ref(),
        root.as_os_str(),
        "--format".as_ref(),
        "spdx".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .env("CARGO_HOME", &empty)
    .run();
    r.ok().says(&format!("{} components", locked.len())).says("cargo tree --offline failed");
    assert!(!r.stderr.contains("no license for vouch-"), "{}", r.stderr);
    spdx_validate(&out);
    let doc = json_file(&out);
    assert_eq!(describes(&doc), vouch_members());
    assert!(doc["creationInfo"]["comment"].as_str().unwrap().starts_with("every package of Cargo.lock"));
    for p in doc["packages"].as_array().unwrap() {
        if p["name"].as_str().unwrap().starts_with("vouch-") {
            assert_eq!(p["licenseDeclared"], "Apache-2.0", "{p}");
        }
    }
}
