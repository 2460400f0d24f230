//! Minisign keys and signatures against the real `minisign` 0.11
//! CLI (both ways), bundle signing and co-signing, the trust policy, and
//! rollback state.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use vouch_tests::{Dir, Run, TestCommand, peer_tool};

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const DAY: i64 = 86_400;

fn vouch<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    TestCommand::vouch(args).run()
}

fn minisign<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    TestCommand::new(peer_tool("minisign"), args).run()
}

/// Runs minisign with `input` on stdin (for its password prompts).
fn minisign_stdin(args: &[&str], input: &str, dir: &Path) -> Run {
    TestCommand::new(peer_tool("minisign"), args).current_dir(dir).stdin(input).run()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `vouch key generate --unencrypted`; returns (secret, public, key id).
fn vouch_key(d: &Dir, name: &str) -> (PathBuf, PathBuf, String) {
    let k = vouch_tests::key_pair(d.path(), name);
    (k.secret, k.public, k.key_id)
}

fn pub_line(p: &Path) -> String {
    vouch_tests::public_key_line(p)
}

/// A bundle folder with a manifest of a small tree, for `version`.
fn bundle(d: &Dir, name: &str, version: &str) -> PathBuf {
    let src = d.mkdir(format!("src-{name}-{version}"));
    std::fs::write(src.join("main.rs"), format!("fn main() {{ println!(\"{version}\"); }}\n")).unwrap();
    std::fs::write(src.join("README"), "hello\n").unwrap();
    let b = d.mkdir(format!("{name}-{version}"));
    vouch_tests::manifest_create(&src, name, version, &b.join("manifest.json"), None);
    b
}

#[test]
fn vouch_signatures_verify_with_minisign() {
    let d = Dir::new();
    let (sk, pk, id) = vouch_key(&d, "rel");
    // The public key file names the key id as minisign does.
    assert!(std::fs::read_to_string(&pk).unwrap().contains(&format!("minisign public key {id}")));
    let f = d.write("data.bin", b"some bytes\n");
    vouch(["sign", &s(&f), "--key", &s(&sk), "--now", "1767225600"]).ok();
    let r = minisign(["-V", "-H", "-m", &s(&f), "-p", &s(&pk)]);
    r.ok().says("timestamp:1767225600\tfile:data.bin\thashed");
    // The key id is the one minisign prints for it.
    let r = minisign(["-V", "-m", &s(&f), "-P", &pub_line(&pk)]);
    r.ok();
    // A changed file fails with minisign too.
    std::fs::write(&f, b"other bytes\n").unwrap();
    assert_ne!(minisign(["-V", "-m", &s(&f), "-p", &s(&pk)]).code, 0);
    let _ = id;
}

#[test]
fn vouch_keys_sign_with_minisign() {
    let d = Dir::new();
    let (sk, pk, _) = vouch_key(&d, "rel");
    let f = d.write("f.txt", b"hello\n");
    minisign(["-S", "-s", &s(&sk), "-m", &s(&f)]).ok();
    vouch(["verify-signature", &s(&f), "--key", &s(&pk)]).ok().says("signature ok");
    // The bare base64 line works as --key too.
    vouch(["verify-signature", &s(&f), "--key", &pub_line(&pk), "--format", "json"]).ok();
}

#[test]
fn minisign_unencrypted_keys_sign_with_vouch() {
    let d = Dir::new();
    let sk = d.join("m.key");
    let pk = d.join("m.pub");
    minisign(["-G", "-W", "-p", &s(&pk), "-s", &s(&sk)]).ok();
    let show = vouch(["key", "show", &s(&sk), "--format", "json"]);
    #[derive(Deserialize)]
    struct Info {
        key_id: Option<String>,
        kind: String,
    }
    let info: Info = show.ok().json();
    assert_eq!(info.kind, "secret");
    let id = info.key_id.expect("unencrypted key id");
    // minisign writes the id in its comment as `%X` (no leading zeros):
    // compare the numbers, not the text (an id starting with 0 is 1 in 16).
    let text = std::fs::read_to_string(&pk).unwrap();
    let theirs = text
        .lines()
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .expect("minisign's key id comment");
    assert_eq!(u64::from_str_radix(&id, 16).unwrap(), theirs, "key id {id} is not minisign's ({text})");
    let f = d.write("f.txt", b"hello\n");
    vouch(["sign", &s(&f), "--key", &s(&sk)]).ok();
    minisign(["-V", "-H", "-m", &s(&f), "-p", &s(&pk)]).ok();
    // A bundle signed with the minisign key verifies with -x signatures/<KEYID>.minisig.
    let b = bundle(&d, "hello", "1.0.0");
    vouch(["sign", &s(&b), "--key", &s(&sk)]).ok();
    let sig = b.join(format!("signatures/{id}.minisig"));
    minisign(["-V", "-H", "-m", &s(&b.join("manifest.json")), "-x", &s(&sig), "-p", &s(&pk)])
        .ok()
        .says("file:manifest.json\tvouch:v1\tproject:hello\tversion:1.0.0\tsha256:");
}

#[test]
fn encrypted_keys_both_ways() {
    // The only test that pays for scrypt at minisign's cost (N=2^20).
    let d = Dir::new();
    let pw = d.write("pw.txt", "correct horse\n");
    let wrong = d.write("wrong.txt", "wrong\n");
    // minisign -G (encrypted) → vouch signs → minisign verifies.
    minisign_stdin(&["-G", "-p", "m.pub", "-s", "m.key"], "correct horse\ncorrect horse\n", d.path()).ok();
    let f = d.write("f.txt", b"hello\n");
    vouch(["sign", &s(&f), "--key", &s(&d.join("m.key")), "--password-file", &s(&pw)]).ok();
    minisign(["-V", "-H", "-m", &s(&f), "-p", &s(&d.join("m.pub"))]).ok();
    vouch(["sign", &s(&f), "--key", &s(&d.join("m.key")), "--password-file", &s(&wrong)])
        .code(2)
        .says("wrong password for secret key")
        .says("m.key");
    // No password source and no terminal: a clear error, nothing written.
    std::fs::remove_file(d.join("f.txt.minisig")).unwrap();
    vouch(["sign", &s(&f), "--key", &s(&d.join("m.key"))]).code(2).says("--password-file");
    assert!(!d.join("f.txt.minisig").exists());
    // vouch key generate (encrypted) → minisign signs with it → vouch verifies.
    let r = TestCommand::vouch(["key", "generate", "--out", &s(d.path()), "--name", "v", "--password-env", "VOUCH_PW"])
        .env("VOUCH_PW", "s3cret")
        .run();
    r.ok();
    assert!(std::fs::read_to_string(d.join("v.key")).unwrap().contains("encrypted secret key"));
    let g = d.write("g.txt", b"more\n");
    minisign_stdin(&["-S", "-s", "v.key", "-m", "g.txt"], "s3cret\n", d.path()).ok();
    vouch(["verify-signature", &s(&g), "--key", &s(&d.join("v.pub"))]).ok();
    vouch(["key", "show", &s(&d.join("v.key"))]).ok().says("encrypted (scrypt N=2^20, r=8, p=1)");
}

#[test]
fn minisign_signatures_verify_with_vouch_legacy_only_when_allowed() {
    let d = Dir::new();
    minisign(["-G", "-W", "-p", &s(&d.join("m.pub")), "-s", &s(&d.join("m.key"))]).ok();
    let f = d.write("f.txt", b"hello\n");
    minisign(["-S", "-s", &s(&d.join("m.key")), "-m", &s(&f)]).ok();
    minisign(["-S", "-l", "-s", &s(&d.join("m.key")), "-m", &s(&f), "-x", &s(&d.join("legacy.minisig"))]).ok();
    let pk = s(&d.join("m.pub"));
    vouch(["verify-signature", &s(&f), "--key", &pk]).ok().says("file:f.txt");
    vouch(["verify-signature", &s(&f), "--key", &pk, "--sig", &s(&d.join("legacy.minisig"))])
        .code(1)
        .says("legacy")
        .says("--allow-legacy");
    vouch(["verify-signature", &s(&f), "--key", &pk, "--sig", &s(&d.join("legacy.minisig")), "--allow-legacy"]).ok();
}

/// `fuzz/regressions/signature/trailing-carriage-returns.minisig`: a
/// minisign signature whose comment lines end in `\r\r\n` verifies with
/// `minisign -V` (its `trim()` drops every trailing `\r`), and so with vouch.
#[test]
fn trailing_carriage_returns() {
    let d = Dir::new();
    minisign(["-G", "-W", "-p", &s(&d.join("m.pub")), "-s", &s(&d.join("m.key"))]).ok();
    let f = d.write("f.txt", b"hello\n");
    minisign(["-S", "-s", &s(&d.join("m.key")), "-m", &s(&f)]).ok();
    let sig = d.join("f.txt.minisig");
    // The comment lines: minisign trims them, not the base64 lines.
    let text: Vec<String> = std::fs::read_to_string(&sig)
        .unwrap()
        .split('\n')
        .map(|l| if l.contains("comment: ") { format!("{l}\r\r") } else { l.to_string() })
        .collect();
    std::fs::write(&sig, text.join("\n")).unwrap();
    minisign(["-V", "-p", &s(&d.join("m.pub")), "-m", &s(&f)]).ok();
    vouch(["verify-signature", &s(&f), "--key", &s(&d.join("m.pub"))]).ok().says("file:f.txt");
}

#[test]
fn bad_signatures_and_inputs() {
    let d = Dir::new();
    let (sk, pk, _) = vouch_key(&d, "a");
    let (_, other_pk, _) = vouch_key(&d, "b");
    let f = d.write("f.txt", b"hello\n");
    vouch(["sign", &s(&f), "--key", &s(&sk)]).ok();
    let good = std::fs::read_to_string(d.join("f.txt.minisig")).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let verify = |sig: &str| {
        let p = d.write("bad.minisig", sig);
        vouch(["verify-signature", &s(&f), "--key", &s(&pk), "--sig", &s(&p)])
    };
    // A signature over other bytes.
    std::fs::write(d.join("g.txt"), b"other\n").unwrap();
    vouch(["verify-signature", &s(&d.join("g.txt")), "--key", &s(&pk), "--sig", &s(&d.join("f.txt.minisig"))])
        .code(1)
        .says("does not match");
    // Wrong key; with --format json, the failure is a JSON report.
    vouch(["verify-signature", &s(&f), "--key", &s(&other_pk)]).code(1).says("not by key");
    let r = vouch(["verify-signature", &s(&f), "--key", &s(&other_pk), "--format", "json"]);
    let o: serde_json::Value = r.code(1).json();
    assert_eq!(o["held"], false);
    assert!(o["error"].as_str().unwrap().contains("not by key"), "{o}");
    // Altered trusted comment.
    verify(&good.replace("file:f.txt", "file:g.txt")).code(1).says("trusted comment").says("altered");
    // Corrupt base64, truncated, comments over the limits.
    verify(&good.replace(lines[1], &format!("!{}", &lines[1][1..]))).code(1).says("bad.minisig").says("base64");
    verify(&good[..good.len() / 2]).code(1).says("bad.minisig");
    // Comments at and over minisign's limits (1,024- and 8,192-byte lines):
    // vouch accepts and refuses exactly what minisign 0.11 does.
    let minisign_ok = |sig: &str| {
        let p = d.write("probe.minisig", sig);
        minisign(["-V", "-q", "-m", &s(&f), "-x", &s(&p), "-p", &s(&pk)]).code == 0
    };
    let u_max = good.replace(lines[0], &format!("untrusted comment: {}", "u".repeat(1003)));
    assert!(minisign_ok(&u_max));
    verify(&u_max).ok();
    let u_over = good.replace(lines[0], &format!("untrusted comment: {}", "u".repeat(1004)));
    assert!(!minisign_ok(&u_over));
    verify(&u_over).code(1).says("1024-byte line");
    let key = vouch_signing::SecretKey::read(&sk, None).unwrap();
    let t_max = vouch_signing::sig::sign(&key, b"hello\n", &"t".repeat(8173), None).unwrap().to_text();
    assert!(minisign_ok(&t_max));
    verify(&t_max).ok();
    let t_over = t_max.replace("trusted comment: t", "trusted comment: tt");
    assert!(!minisign_ok(&t_over));
    verify(&t_over).code(1).says("8192-byte line");
    // Unreadable inputs: exit 2, naming the file.
    vouch(["verify-signature", &s(&f), "--key", &s(&pk), "--sig", &s(&d.join("missing.minisig"))])
        .code(2)
        .says("missing.minisig");
    vouch(["verify-signature", &s(&f), "--key", &s(&d.join("missing.pub"))]).code(2).says("missing.pub");
    let badpk = d.write("bad.pub", "untrusted comment: x\nRWQnotbase64!!\n");
    vouch(["verify-signature", &s(&f), "--key", &s(&badpk)]).code(2).says("bad.pub");
    let badsk = d.write("bad.key", "untrusted comment: x\nRWQAAEIy\n");
    vouch(["sign", &s(&f), "--key", &s(&badsk)]).code(2).says("bad.key");
}

#[test]
fn key_generate_never_overwrites_and_is_private() {
    let d = Dir::new();
    let (sk, _, _) = vouch_key(&d, "k");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&sk).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let before = std::fs::read(&sk).unwrap();
    vouch(["key", "generate", "--out", &s(d.path()), "--name", "k", "--unencrypted"]).code(2).says("--force");
    assert_eq!(std::fs::read(&sk).unwrap(), before);
    vouch(["key", "generate", "--out", &s(d.path()), "--name", "k", "--unencrypted", "--force"]).ok();
    assert_ne!(std::fs::read(&sk).unwrap(), before);
    // Encrypted by default: without a password source or a terminal it stops.
    vouch(["key", "generate", "--out", &s(d.path()), "--name", "e"]).code(2).says("--unencrypted");
    assert!(!d.join("e.key").exists());
}

#[test]
fn bundle_signing_cosigning_and_binding() {
    let d = Dir::new();
    let (ska, pka, ida) = vouch_key(&d, "a");
    let (skb, pkb, idb) = vouch_key(&d, "b");
    let b = bundle(&d, "hello", "1.0.0");
    vouch(["sign", &s(&b), "--key", &s(&ska)]).ok().says(&ida);
    vouch(["sign", &s(&b), "--key", &s(&skb)]).ok();
    assert!(b.join(format!("signatures/{ida}.minisig")).is_file());
    assert!(b.join(format!("signatures/{idb}.minisig")).is_file());
    for (pk, id) in [(&pka, &ida), (&pkb, &idb)] {
        minisign([
            "-V",
            "-H",
            "-m",
            &s(&b.join("manifest.json")),
            "-x",
            &s(&b.join(format!("signatures/{id}.minisig"))),
            "-p",
            &s(pk),
        ])
        .ok();
        vouch(["verify-signature", &s(&b), "--key", &s(pk)]).ok().says("hello 1.0.0");
    }
    // The trusted comment is the pinned form, with the manifest's digest.
    let sig = std::fs::read_to_string(b.join(format!("signatures/{ida}.minisig"))).unwrap();
    let digest = {
        use std::process::Command;
        let o = Command::new("sha256sum").arg(b.join("manifest.json")).output().unwrap();
        String::from_utf8(o.stdout).unwrap().split_whitespace().next().unwrap().to_string()
    };
    let tc = sig.lines().nth(2).unwrap();
    let fields: Vec<&str> = tc.strip_prefix("trusted comment: ").unwrap().split('\t').collect();
    assert!(fields[0].starts_with("timestamp:"));
    assert_eq!(
        &fields[1..],
        ["file:manifest.json", "vouch:v1", "project:hello", "version:1.0.0", &format!("sha256:{digest}")]
    );
    // A different manifest under the same signatures: exit 1, both digests named.
    let b2 = bundle(&d, "hello", "1.0.1");
    std::fs::copy(b2.join("manifest.json"), b.join("manifest.json")).unwrap();
    vouch(["verify-signature", &s(&b), "--key", &s(&pka)])
        .code(1)
        .says(&format!("sha256:{digest}"))
        .says(&format!("sha256:{}", sha256_hex(&b2.join("manifest.json"))));
    // Also through bundle/manifest.json (no manifest.json.minisig: the bundle's signatures).
    vouch(["sign", &s(&b2), "--key", &s(&skb)]).ok();
    vouch(["verify-signature", &s(&b2.join("manifest.json")), "--key", &s(&pka)])
        .code(1)
        .says("has no signature by key");
    vouch(["sign", &s(&b2), "--key", &s(&ska)]).ok();
    vouch(["verify-signature", &s(&b2.join("manifest.json")), "--key", &s(&pka)]).ok().says("hello 1.0.1");
    // No signature by this key in the bundle: exit 1.
    let (_, pkc, _) = vouch_key(&d, "c");
    vouch(["verify-signature", &s(&b2), "--key", &s(&pkc)]).code(1).says("has no signature by key");
}

#[test]
fn manifest_comment_must_match_the_manifest() {
    // Signatures made by the real minisign with a vouch comment naming another
    // project, or another digest: the signature verifies, the binding fails.
    let d = Dir::new();
    let (sk, pk, _) = vouch_key(&d, "a");
    let b = bundle(&d, "hello", "1.0.0");
    let m = b.join("manifest.json");
    let bytes = std::fs::read(&m).unwrap();
    let hex = {
        let o = Command::new("sha256sum").arg(&m).output().unwrap();
        String::from_utf8(o.stdout).unwrap().split_whitespace().next().unwrap().to_string()
    };
    let cases = [
        (
            format!("timestamp:{T0}\tfile:manifest.json\tvouch:v1\tproject:other\tversion:1.0.0\tsha256:{hex}"),
            "project",
        ),
        (
            format!("timestamp:{T0}\tfile:manifest.json\tvouch:v1\tproject:hello\tversion:9.9.9\tsha256:{hex}"),
            "version",
        ),
        (
            format!(
                "timestamp:{T0}\tfile:manifest.json\tvouch:v1\tproject:hello\tversion:1.0.0\tsha256:{}",
                "0".repeat(64)
            ),
            "digest",
        ),
        (
            format!("timestamp:{T0}\tvouch:v1\tfile:manifest.json\tproject:hello\tversion:1.0.0\tsha256:{hex}"),
            "not a vouch manifest comment",
        ),
    ];
    for (comment, says) in cases {
        let sig = d.join("m.minisig");
        vouch_tests::minisign_sign(&sk, &m, &sig, &comment).ok();
        vouch(["verify-signature", &s(&m), "--sig", &s(&sig), "--key", &s(&pk)]).code(1).says(says);
    }
    assert_eq!(std::fs::read(&m).unwrap(), bytes);
}

#[derive(Debug, Deserialize)]
struct Out {
    held: bool,
    policy: Option<PolicyReport>,
    state: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct PolicyReport {
    policy_sha256: String,
    signatures: Vec<Check>,
    roles: Vec<RoleCheck>,
}

#[derive(Debug, Deserialize)]
struct Check {
    key_name: Option<String>,
    counted: bool,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RoleCheck {
    role: String,
    threshold: u32,
    valid: u32,
    held: bool,
}

fn sha256_hex(p: &Path) -> String {
    let o = Command::new("sha256sum").arg(p).output().unwrap();
    String::from_utf8(o.stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

#[test]
fn trust_policy_thresholds_cosigning_validity_revocation() {
    let d = Dir::new();
    let (ska, pka, _) = vouch_key(&d, "a");
    let (skb, pkb, _) = vouch_key(&d, "b");
    let (skr, pkr, _) = vouch_key(&d, "r");
    let policy = |extra_a: &str, release_threshold: u32| {
        d.write(
            "trust.toml",
            format!(
                "[keys.alice]\npublic = \"{}\"\nroles = [\"release\"]\n{extra_a}\n\
                 [keys.bob]\npublic = \"{}\"\nroles = [\"release\"]\n\
                 [keys.rita]\npublic = \"{}\"\nroles = [\"reviewer\"]\n\
                 [roles.release]\nthreshold = {release_threshold}\n[roles.reviewer]\nthreshold = 1\n",
                pub_line(&pka),
                pub_line(&pkb),
                pub_line(&pkr)
            ),
        )
    };
    let b = bundle(&d, "hello", "1.0.0");
    let check = |p: &Path| -> (Run, Out) {
        let r = vouch(["verify-signature", &s(&b), "--trust", &s(p), "--format", "json"]);
        let o: Out = r.json();
        (r, o)
    };
    let p = policy("", 2);
    vouch(["trust", "check", &s(&p)]).ok().says("usable");
    // One release signature of two needed, no reviewer: does not hold.
    vouch(["sign", &s(&b), "--key", &s(&ska), "--now", &(T0 + DAY).to_string()]).ok();
    let (r, o) = check(&p);
    r.code(1);
    assert!(!o.held);
    let rep = o.policy.unwrap();
    assert_eq!(rep.policy_sha256, format!("sha256:{}", sha256_hex(&p)));
    let rel = rep.roles.iter().find(|r| r.role == "release").unwrap();
    assert_eq!((rel.valid, rel.threshold, rel.held), (1, 2, false));
    // A copy of alice's signature under another name does not count twice.
    let sigs: Vec<PathBuf> = std::fs::read_dir(b.join("signatures")).unwrap().map(|e| e.unwrap().path()).collect();
    std::fs::copy(&sigs[0], b.join("signatures/copy.minisig")).unwrap();
    let (_, o) = check(&p);
    let rep = o.policy.unwrap();
    assert_eq!(rep.roles.iter().find(|r| r.role == "release").unwrap().valid, 1);
    std::fs::remove_file(b.join("signatures/copy.minisig")).unwrap();
    // Co-signing by bob and the reviewer: holds.
    vouch(["sign", &s(&b), "--key", &s(&skb), "--now", &(T0 + DAY).to_string()]).ok();
    vouch(["sign", &s(&b), "--key", &s(&skr), "--now", &(T0 + 2 * DAY).to_string()]).ok();
    let (r, o) = check(&p);
    r.ok();
    assert!(o.held);
    vouch(["verify-signature", &s(&b), "--trust", &s(&p)]).ok().says("policy").says(&sha256_hex(&p)).says("held");
    // Validity window against the signature's timestamp.
    let p = policy("not-before = 2026-01-03T00:00:00Z", 2);
    let (r, o) = check(&p);
    r.code(1);
    let rep = o.policy.unwrap();
    let alice = rep.signatures.iter().find(|c| c.key_name.as_deref() == Some("alice")).unwrap();
    assert!(!alice.counted && alice.reason.as_ref().unwrap().to_string().contains("not-before"), "{alice:?}");
    let p = policy("not-after = 2026-01-01T12:00:00Z", 2);
    check(&p).0.code(1).says("not-after");
    // Revoked after signing: still counts; revoked before: does not.
    let p = policy("revoked = 2026-01-05T00:00:00Z", 2);
    check(&p).0.ok();
    let p = policy("revoked = 2026-01-01T12:00:00Z", 2);
    check(&p).0.code(1).says("revoked");
    // Compromised: every signature fails, whatever its date (1 of 1 would otherwise hold).
    let p = policy("compromised = true", 1);
    let (r, o) = check(&p);
    r.ok(); // bob alone meets threshold 1
    let rep = o.policy.unwrap();
    let alice = rep.signatures.iter().find(|c| c.key_name.as_deref() == Some("alice")).unwrap();
    assert!(!alice.counted && alice.reason.as_ref().unwrap().to_string().contains("compromised"));
    let p = policy("compromised = true", 2);
    check(&p).0.code(1);
    // A malformed signature file in the bundle is reported, not fatal.
    d.write(b.join("signatures/garbage.minisig"), "not a signature");
    let p = policy("", 2);
    let (r, o) = check(&p);
    r.ok();
    assert!(
        o.policy
            .unwrap()
            .signatures
            .iter()
            .any(|c| !c.counted && c.reason.as_ref().is_some_and(|r| r.to_string().contains("garbage")))
    );
}

#[test]
fn trust_check_lints() {
    let d = Dir::new();
    let (_, pka, _) = vouch_key(&d, "a");
    let pk = pub_line(&pka);
    let p = d.write(
        "trust.toml",
        format!(
            "[keys.one]\npublic = \"{pk}\"\nroles = [\"release\", \"auditor\"]\nnot-before = 2027-01-01T00:00:00Z\nnot-after = 2026-01-01T00:00:00Z\n\
             [keys.two]\npublic = \"{pk}\"\nroles = [\"release\"]\n[roles.release]\nthreshold = 3\n"
        ),
    );
    vouch(["trust", "check", &s(&p)])
        .code(1)
        .says("unknown role \"auditor\"")
        .says("inverted window")
        .says("are the same key")
        .says("threshold 3 is above");
    // A policy with errors is refused for verification (exit 2), with a hint.
    let b = bundle(&d, "hello", "1.0.0");
    vouch(["verify-signature", &s(&b), "--trust", &s(&p)]).code(2).says("vouch trust check");
    // A policy naming a key that is not a key: exit 2, naming the file and key.
    let bad = d.write(
        "bad.toml",
        "[keys.ghost]\npublic = \"RWQAAAA\"\nroles = [\"release\"]\n[roles.release]\nthreshold = 1\n",
    );
    vouch(["trust", "check", &s(&bad)]).code(2).says("bad.toml").says("ghost");
    let bad = d.write("syntax.toml", "[keys.x\n");
    vouch(["trust", "check", &s(&bad)]).code(2).says("syntax.toml");
}

#[test]
fn rollback_state() {
    let d = Dir::new();
    let (sk, pk, _) = vouch_key(&d, "a");
    let state = d.join("state.json");
    let sign = |b: &Path, t: i64| vouch(["sign", &s(b), "--key", &s(&sk), "--now", &t.to_string()]).ok().code;
    let verify =
        |b: &Path| vouch(["verify-signature", &s(b), "--key", &s(&pk), "--state", &s(&state), "--format", "json"]);
    let v100 = bundle(&d, "hello", "1.0.0");
    let v110 = bundle(&d, "hello", "1.10.0");
    let v19 = bundle(&d, "hello", "1.9.0");
    sign(&v100, T0);
    sign(&v110, T0 + DAY);
    sign(&v19, T0 + 2 * DAY); // signed later, but older as SemVer
    let o: Out = verify(&v100).ok().json();
    assert!(o.held && o.state.is_some());
    verify(&v110).ok();
    let before = std::fs::read(&state).unwrap();
    verify(&v19).code(1).says("rollback").says("1.10.0").says("SemVer");
    assert_eq!(std::fs::read(&state).unwrap(), before, "a refused release must not be recorded");
    // --format json reports the refusal as JSON, exit 1.
    let r = verify(&v19);
    r.code(1);
    let o: serde_json::Value = r.json();
    assert_eq!(o["held"], false);
    assert!(o["error"].as_str().unwrap().contains("rollback"), "{o}");
    // Re-verifying an accepted release is fine.
    verify(&v100).ok();
    // The same version with another manifest digest is refused, naming both digests.
    let other = d.mkdir("other/hello-1.10.0");
    let src = d.mkdir("other-src");
    std::fs::write(src.join("x"), "changed\n").unwrap();
    vouch([
        "manifest",
        "create",
        &s(&src),
        "--no-git",
        "--name",
        "hello",
        "--version",
        "1.10.0",
        "-o",
        &s(&other.join("manifest.json")),
    ])
    .ok();
    sign(&other, T0 + 3 * DAY);
    verify(&other)
        .code(1)
        .says(&format!("sha256:{}", sha256_hex(&v110.join("manifest.json"))))
        .says(&format!("sha256:{}", sha256_hex(&other.join("manifest.json"))));
    // Non-SemVer versions are ordered by signing time, and the report says so.
    let n1 = bundle(&d, "nightly", "2026.05");
    let n2 = bundle(&d, "nightly", "2026.06");
    let n0 = bundle(&d, "nightly", "2026.04");
    sign(&n1, T0 + DAY);
    sign(&n2, T0 + 2 * DAY);
    sign(&n0, T0);
    verify(&n1).ok();
    let o: Out = verify(&n2).ok().json();
    assert!(o.state.unwrap().to_string().contains("signing time"));
    verify(&n0).code(1).says("signing time");
    // Human output says it too.
    vouch(["verify-signature", &s(&n2), "--key", &s(&pk), "--state", &s(&state)]).ok().says("already accepted");
    // A corrupt state file: exit 2, naming it.
    let bad = d.write("bad-state.json", "{");
    vouch(["verify-signature", &s(&v100), "--key", &s(&pk), "--state", &s(&bad)]).code(2).says("bad-state.json");
}

const DSSE_PY: &str = r#"
import json, sys
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey, CryptoSigner
from securesystemslib.exceptions import VerificationError
mode = sys.argv[1]
if mode == "verify":
    env = Envelope.from_dict(json.load(open(sys.argv[2])))
    key = SSlibKey(sys.argv[3], "ed25519", "ed25519", {"public": sys.argv[4]})
    try:
        env.verify([key], 1)
        print("verified")
    except VerificationError as e:
        print("refused:", e)
        sys.exit(1)
else:
    s = CryptoSigner.generate_ed25519(keyid=sys.argv[3])
    env = Envelope(payload=b'{"from":"securesystemslib"}', payload_type="application/vnd.in-toto+json", signatures={})
    env.sign(s)
    json.dump(env.to_dict(), open(sys.argv[2], "w"))
    print(s.public_key.keyval["public"])
"#;

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn dsse_envelopes_interoperate_with_securesystemslib() {
    use vouch_signing::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
    let d = Dir::new();
    let (sk, _, id) = vouch_key(&d, "p");
    let key = vouch_signing::SecretKey::read(&sk, None).unwrap();
    let pk_hex: String = key.public_key().ed25519_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let py = d.write("dsse.py", DSSE_PY);
    let python = peer_tool("python3");
    // vouch signs → securesystemslib verifies (keyid = the minisign key id).
    let env = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{\"_type\":\"https://in-toto.io/Statement/v1\"}", &key);
    assert_eq!(env.signatures[0].keyid, id);
    let f = d.write("env.json", env.to_json());
    TestCommand::new(&python, [s(&py), "verify".into(), s(&f), id.clone(), pk_hex.clone()]).run().ok().says("verified");
    let mut tampered = env.clone();
    tampered.payload_type = "text/plain".into();
    let t = d.write("tampered.json", tampered.to_json());
    TestCommand::new(&python, [s(&py), "verify".into(), s(&t), id.clone(), pk_hex]).run().code(1).says("refused");
    // securesystemslib signs → vouch verifies with the Ed25519 key as a minisign key.
    let theirs = d.join("theirs.json");
    let r = TestCommand::new(&python, [s(&py), "sign".into(), s(&theirs), "0123456789ABCDEF".into()]).run();
    r.ok();
    let raw: [u8; 32] = unhex(r.stdout.trim()).try_into().unwrap();
    let id = vouch_signing::KeyId::from_hex("0123456789ABCDEF").unwrap();
    let pk = vouch_signing::PublicKey::from_ed25519(id, raw);
    let env = Envelope::from_slice(&std::fs::read(&theirs).unwrap(), "theirs.json").unwrap();
    assert_eq!(env.verify(&pk, "theirs.json").unwrap(), b"{\"from\":\"securesystemslib\"}");
    let other = vouch_signing::SecretKey::generate().unwrap().public_key();
    assert!(env.verify(&vouch_signing::PublicKey::from_ed25519(id, *other.ed25519_bytes()), "theirs.json").is_err());
}

#[test]
fn trust_policy_with_rollback_state() {
    let d = Dir::new();
    let (sk, pk, _) = vouch_key(&d, "a");
    let policy = d.write(
        "trust.toml",
        format!(
            "[keys.alice]\npublic = \"{}\"\nroles = [\"release\"]\n[roles.release]\nthreshold = 1\n",
            pub_line(&pk)
        ),
    );
    let state = d.join("state.json");
    let v2 = bundle(&d, "hello", "2.0.0");
    let v1 = bundle(&d, "hello", "1.0.0");
    for b in [&v2, &v1] {
        vouch(["sign", &s(b), "--key", &s(&sk)]).ok();
    }
    let verify = |b: &Path| vouch(["verify-signature", &s(b), "--trust", &s(&policy), "--state", &s(&state)]);
    // An untrusted release is never recorded.
    let (_, other_pk, _) = vouch_key(&d, "b");
    let other = d.write(
        "other.toml",
        format!(
            "[keys.bob]\npublic = \"{}\"\nroles = [\"release\"]\n[roles.release]\nthreshold = 1\n",
            pub_line(&other_pk)
        ),
    );
    vouch(["verify-signature", &s(&v2), "--trust", &s(&other), "--state", &s(&state)]).code(1);
    assert!(!state.exists());
    verify(&v2).ok().says("first release for this project; recorded");
    verify(&v1).code(1).says("rollback").says("2.0.0");
}
