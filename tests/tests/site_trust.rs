//! `vouch site build --trust`: signature status on the pages comes from the
//! same policy evaluation as `vouch verify`.

use vouch_tests::{Release, site_build};

#[test]
fn trust_policy_status_reaches_the_pages() {
    let r = Release::new();
    r.release("0.1.0", &["--archive"]).ok();
    let trusted = r.policy("trust.toml", &["release"]);
    let site = r.dir.join("site");
    site_build(&r.bundles, &site, &["--trust", trusted.to_str().unwrap()]).run().ok();
    let release = std::fs::read_to_string(site.join("r/hello/0.1.0/index.html")).unwrap();
    assert!(release.contains("meets trust.toml"), "{release}");
    let keys = std::fs::read_to_string(site.join("keys.html")).unwrap();
    assert!(keys.contains("acme-release") && keys.contains(&r.key_id), "keys page lists the policy's key");
    let policy_sum = vouch_manifests::Digest::of(&std::fs::read(&trusted).unwrap()).hex();
    assert!(keys.contains(&policy_sum), "keys page shows the policy's sha256");

    // Another policy: the same signature is untrusted, and the page says so.
    let other = vouch_tests::Release::new();
    let untrusted = other.policy("other.toml", &["release"]);
    site_build(&r.bundles, &site, &["--trust", untrusted.to_str().unwrap()]).run().ok();
    let release = std::fs::read_to_string(site.join("r/hello/0.1.0/index.html")).unwrap();
    assert!(release.contains("does not meet the policy"), "{release}");
    assert!(release.contains("untrusted"));
    assert!(!release.contains("meets trust.toml"));
}
