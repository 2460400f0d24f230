//! The append-only release log. Interop with independent code
//! (Go's sumdb/note and sumdb/tlog, the transparency-dev/merkle test vectors,
//! a Python cosignature check written from the C2SP text), and the attacks
//! the log must refuse.

use serde::Deserialize;
use sha2_free::sha256_hex;
use std::path::{Path, PathBuf};
use vouch_tests::{Dir, Run, TestCommand, go_program, key_pair, manifest_bundle, peer_tool, repo_root};

fn vouch<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    TestCommand::vouch(args).run()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// SHA-256 without a crypto dependency in the test crate: the manifests crate's digest.
mod sha2_free {
    pub fn sha256_hex(bytes: &[u8]) -> String {
        vouch_manifests::Digest::of(bytes).hex()
    }
}

const ORIGIN: &str = "acme.example/vouch-log";
const T1: &str = "1767225600";

/// A scratch set-up: keys for the log and two witnesses, a template bundle.
struct Fx {
    d: Dir,
    log: PathBuf,
    log_key: PathBuf,
    template: Vec<u8>,
}

impl Fx {
    fn new() -> Fx {
        let d = Dir::new();
        d.write("src/a.txt", "hello\n");
        for name in ["log", "other", "wa", "wb"] {
            key_pair(&d.join("keys"), name);
        }
        let b = manifest_bundle(&d, "src", "hello", "1.0.0");
        let template = std::fs::read(b.join("manifest.json")).unwrap();
        std::fs::remove_dir_all(d.join("bundles")).unwrap();
        let log = d.join("log");
        let log_key = d.join("keys/log.key");
        vouch(["log", "init", s(&log), "--origin", ORIGIN, "--key", s(&log_key)]).ok().says(&format!("{ORIGIN}+"));
        Fx { d, log, log_key, template }
    }

    fn key(&self, name: &str) -> PathBuf {
        self.d.join(format!("keys/{name}.key"))
    }

    /// A bundle of `hello <version>`, its manifest made from the template
    /// (`salt` changes the manifest's bytes, not its name and version).
    fn bundle(&self, version: &str, salt: &str) -> PathBuf {
        let dir = self.d.mkdir(format!("bundles{salt}/hello-{version}"));
        let text = String::from_utf8(self.template.clone()).unwrap().replace("\"1.0.0\"", &format!("\"{version}\""));
        // Trailing whitespace changes the manifest's bytes, not its content.
        let text = text + &" ".repeat(salt.len());
        std::fs::write(dir.join("manifest.json"), text).unwrap();
        dir
    }

    fn bundles(&self, versions: impl IntoIterator<Item = String>) -> Vec<PathBuf> {
        versions.into_iter().map(|v| self.bundle(&v, "")).collect()
    }

    fn append(&self, bundles: &[PathBuf]) -> Run {
        let mut a = vec!["log".to_string(), "append".into(), self.log.display().to_string()];
        a.extend(bundles.iter().map(|b| b.display().to_string()));
        a.extend(["--key".into(), self.log_key.display().to_string()]);
        vouch(a)
    }

    fn witness(&self, log: &Path, name: &str, state: &str) -> Run {
        witness(s(log), s(&self.key(name)), &format!("{name}.example"), s(&self.d.join(state)))
    }

    fn public_line(&self) -> String {
        String::from_utf8(self.d.read("keys/log.pub")).unwrap().lines().nth(1).unwrap().to_string()
    }

    fn vkey(&self) -> String {
        String::from_utf8(self.d.read("log/vkey")).unwrap().trim().to_string()
    }

    /// A witness's cosignature verifier key, as `vouch log witness` prints it.
    fn witness_key(run: &Run) -> String {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix("witness key (for the policy's [log] witnesses): "))
            .unwrap()
            .to_string()
    }

    fn policy(&self, file: &str, witnesses: &[&str], threshold: u32) -> PathBuf {
        let w: Vec<String> = witnesses.iter().map(|w| format!("{w:?}")).collect();
        self.d.write(
            file,
            format!(
                "[keys.acme]\npublic = {:?}\nroles = [\"release\"]\n\n[roles.release]\nthreshold = 1\n\n[log]\norigin = {ORIGIN:?}\nkey = {:?}\nwitnesses = [{}]\nwitness-threshold = {threshold}\n",
                self.public_line(),
                self.vkey(),
                w.join(", ")
            ),
        )
    }
}

/// `vouch log witness LOG --key KEY --name NAME --state STATE --now T1`.
fn witness(log: &str, key: &str, name: &str, state: &str) -> Run {
    vouch(["log", "witness", log, "--key", key, "--name", name, "--state", state, "--now", T1])
}

fn entry_of(bundle: &Path) -> String {
    let m = std::fs::read(bundle.join("manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&m).unwrap();
    format!(
        "vouch-release/v1 {} {} sha256:{}",
        v["project"]["name"].as_str().unwrap(),
        v["project"]["version"].as_str().unwrap(),
        sha256_hex(&m)
    )
}

fn copy_dir(from: &Path, to: &Path) {
    vouch_tests::copy_tree(from, to);
}

#[test]
fn go_sumdb_note_and_tlog_accept_the_checkpoint_tiles_and_proofs() {
    let fx = Fx::new();
    let go = go_program("tlogcheck");
    let first = fx.bundles((0..300).map(|i| format!("1.0.{i}")));
    fx.append(&first).ok().says("size 0 -> 300");
    // Go opens the note with vouch's verifier key and recomputes the tree
    // hash and every level-0 and level-1 tile (one full, one partial each).
    TestCommand::new(&go, ["log", s(&fx.log)]).run().ok().says("size 300").says("3 tiles");
    for b in [&first[0], &first[255], &first[256], &first[299]] {
        TestCommand::new(&go, ["proof", s(&fx.log.join("vkey")), s(&b.join("log.tlog-proof")), &entry_of(b)])
            .run()
            .ok();
    }
    let old = fx.d.write("old.checkpoint", std::fs::read(fx.log.join("checkpoint")).unwrap());
    let second = fx.bundles((0..213).map(|i| format!("2.0.{i}")));
    fx.append(&second).ok().says("size 300 -> 513");
    // A witness line in the checkpoint is ignored by Go as an unknown signature.
    fx.witness(&fx.log, "wa", "wa.json").ok();
    TestCommand::new(&go, ["log", s(&fx.log)]).run().ok().says("size 513").says("4 tiles");
    TestCommand::new(
        &go,
        ["proof", s(&fx.log.join("vkey")), s(&second[212].join("log.tlog-proof")), &entry_of(&second[212])],
    )
    .run()
    .ok();
    // Go checks vouch's consistency proof between the two signed heads.
    let r = vouch(["log", "consistency", s(&fx.log), "--from", "300"]);
    r.ok();
    let proof = fx.d.write("proof.txt", &r.stdout);
    let new = fx.log.join("checkpoint");
    TestCommand::new(&go, ["consistency", s(&fx.log.join("vkey")), s(&old), s(&new), s(&proof)])
        .run()
        .ok()
        .says("size 300 consistent with size 513");
    // And refuses a proof for another entry.
    TestCommand::new(
        &go,
        ["proof", s(&fx.log.join("vkey")), s(&first[1].join("log.tlog-proof")), &entry_of(&first[2])],
    )
    .run()
    .code(1);
}

#[test]
fn python_cryptography_verifies_a_cosignature_from_the_c2sp_text() {
    let fx = Fx::new();
    fx.append(&fx.bundles(["1.0.0".to_string()])).ok();
    let w = fx.witness(&fx.log, "wa", "wa.json");
    w.ok().says("first use: pinned log acme.example/vouch-log");
    let wk = Fx::witness_key(&w);
    assert!(wk.starts_with("wa.example+"), "{wk}");
    let script = repo_root().join("tests/py/cosignature_verify.py");
    TestCommand::new(peer_tool("python3"), [s(&script), s(&fx.log.join("checkpoint")), &wk])
        .run()
        .ok()
        .says(&format!("ok wa.example {T1}"));
    // A checkpoint whose text was changed no longer carries a valid cosignature.
    let cp = String::from_utf8(fx.d.read("log/checkpoint")).unwrap();
    let forged = fx.d.write("forged.checkpoint", cp.replacen("\n1\n", "\n2\n", 1));
    TestCommand::new(peer_tool("python3"), [s(&script), s(&forged), &wk]).run().code(1).says("does not verify");
}

#[derive(Deserialize)]
struct InclusionVector {
    #[serde(rename = "leafIdx")]
    leaf_idx: u64,
    #[serde(rename = "treeSize")]
    tree_size: u64,
    root: Option<String>,
    #[serde(rename = "leafHash")]
    leaf_hash: Option<String>,
    proof: Option<Vec<String>>,
    #[serde(rename = "wantErr")]
    want_err: bool,
}

#[derive(Deserialize)]
struct ConsistencyVector {
    size1: u64,
    size2: u64,
    root1: Option<String>,
    root2: Option<String>,
    proof: Option<Vec<String>>,
    #[serde(rename = "wantErr")]
    want_err: bool,
}

fn hash(b: &Option<String>) -> Option<[u8; 32]> {
    let raw = base64_decode(b.as_deref().unwrap_or(""))?;
    raw.try_into().ok()
}

/// A root or leaf hash of a vector. A few vectors use placeholder roots that
/// are not 32 bytes ("don't care", equal or not): vouch's API takes SHA-256
/// hashes, so those stand in as the SHA-256 of their bytes, which keeps
/// equal placeholders equal and different ones different.
fn root(b: &Option<String>) -> Option<[u8; 32]> {
    let raw = base64_decode(b.as_deref()?)?;
    Some(raw.clone().try_into().unwrap_or_else(|_| vouch_manifests::Digest::of(&raw).0))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

fn vectors(dir: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = repo_root().join("tests/fixtures/tlog").join(dir);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Runs every vector of `dir` (`holds`: whether vouch accepts it, and
/// whether the vector wants an error) and checks that the happy ones pass,
/// the mutated ones fail, and that there are enough of both.
fn run_vectors<V: serde::de::DeserializeOwned>(dir: &str, holds: impl Fn(V) -> (bool, bool)) {
    let (mut good, mut bad) = (0, 0);
    for (path, bytes) in vectors(dir) {
        let v: V = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (ok, want_err) = holds(v);
        assert_eq!(ok, !want_err, "{}", path.display());
        if want_err { bad += 1 } else { good += 1 }
    }
    assert!(good >= 5 && bad >= 50, "{dir}: {good} happy, {bad} mutated");
}

fn proof_of(p: Option<Vec<String>>) -> Option<Vec<[u8; 32]>> {
    p.unwrap_or_default().iter().map(|p| hash(&Some(p.clone()))).collect()
}

#[test]
fn transparency_dev_inclusion_vectors_pass_and_mutations_fail() {
    use vouch_manifests::log::tree::verify_inclusion;
    run_vectors("inclusion", |v: InclusionVector| {
        let ok = match (hash(&v.leaf_hash), root(&v.root), proof_of(v.proof)) {
            (Some(l), Some(r), Some(p)) => verify_inclusion(&l, v.leaf_idx, v.tree_size, &p, &r).is_ok(),
            _ => false,
        };
        (ok, v.want_err)
    });
}

#[test]
fn transparency_dev_consistency_vectors_pass_and_mutations_fail() {
    use vouch_manifests::log::tree::verify_consistency;
    run_vectors("consistency", |v: ConsistencyVector| {
        let ok = match (root(&v.root1), root(&v.root2), proof_of(v.proof)) {
            (Some(a), Some(b), Some(p)) => verify_consistency(v.size1, v.size2, &p, &a, &b).is_ok(),
            _ => false,
        };
        (ok, v.want_err)
    });
}

#[test]
fn append_twice_is_a_noop_and_another_manifest_for_a_version_is_refused() {
    let fx = Fx::new();
    let b = fx.bundles(["1.0.0".to_string(), "1.1.0".to_string()]);
    fx.append(&b).ok().says("size 0 -> 2");
    let cp = fx.d.read("log/checkpoint");
    fx.append(&b[..1]).ok().says("already in the log at index 0").says("size 2 -> 2");
    assert_eq!(fx.d.read("log/checkpoint"), cp);
    let swapped = fx.bundle("1.0.0", "x");
    let logged = sha256_hex(&std::fs::read(b[0].join("manifest.json")).unwrap());
    let given = sha256_hex(&std::fs::read(swapped.join("manifest.json")).unwrap());
    assert_ne!(logged, given);
    let r = fx.append(&[fx.bundle("2.0.0", ""), swapped]);
    r.code(1).says(&logged).says(&given).says("hello 1.0.0 is already in the log at index 0");
    // Nothing of the refused batch was written.
    assert_eq!(fx.d.read("log/checkpoint"), cp);
    // A vendor that bypasses the lookup (its index removed) logs a second
    // manifest for 1.0.0: witnesses and checkers refuse the log.
    std::fs::remove_file(fx.log.join("index/hello/1.0.0")).unwrap();
    fx.append(&[fx.bundle("1.0.0", "x")]).ok();
    let p = fx.policy("p.toml", &[], 0);
    vouch(["log", "check", s(&fx.log), "--trust", s(&p)])
        .code(1)
        .says("holds hello 1.0.0 twice with different manifests")
        .says(&logged)
        .says(&given);
    fx.witness(&fx.log, "wa", "wa.json").code(1).says("twice with different manifests");
    // The log's own key is needed.
    let o = vouch(["log", "append", s(&fx.log), s(&fx.bundle("3.0.0", "")), "--key", s(&fx.key("other"))]);
    o.code(1).says("not the log's key");
}

#[test]
fn check_and_verify_require_the_policys_key_and_witnesses() {
    let fx = Fx::new();
    let b = fx.bundles(["1.0.0".to_string(), "1.1.0".to_string(), "1.2.0".to_string()]);
    fx.append(&b).ok();
    let wa = Fx::witness_key(&fx.witness(&fx.log, "wa", "wa.json"));
    let wb = Fx::witness_key(&fx.witness(&fx.log, "wb", "wb.json"));
    // Proofs written before the witnesses signed have no cosignatures yet.
    let one = fx.policy("one.toml", &[&wa], 1);
    vouch(["log", "verify", s(&b[0]), "--trust", s(&one)])
        .code(1)
        .says("0 cosignature(s) from listed witnesses; 1 needed");
    let mut args = vec!["log".to_string(), "prove".into(), fx.log.display().to_string()];
    args.extend(b.iter().map(|x| x.display().to_string()));
    vouch(args).ok();
    vouch(["log", "verify", s(&b[0]), s(&b[2]), "--trust", s(&one)]).ok().says("cosigned by wa.example");
    let two = fx.policy("two.toml", &[&wa, &wb], 2);
    vouch(["log", "check", s(&fx.log), "--trust", s(&two)]).ok().says("cosignatures: 2 of 2 needed");
    vouch(["log", "verify", s(&b[1]), "--trust", s(&two)]).ok().says("cosigned by wa.example, wb.example");
    // A policy naming a witness key under another name fails its key id.
    let renamed = fx.policy("renamed.toml", &[&wa.replace("wa.example", "rogue.example")], 1);
    vouch(["log", "check", s(&fx.log), "--trust", s(&renamed)]).code(2).says("key id does not match");

    // Another log: only a witness outside the policy cosigned.
    let fy = Fx::new();
    let c = fy.bundles(["1.0.0".to_string()]);
    fy.append(&c).ok();
    witness(s(&fy.log), s(&fy.key("other")), "wa.example", s(&fy.d.join("rogue.json"))).ok();
    witness(s(&fy.log), s(&fy.key("other")), "rogue.example", s(&fy.d.join("rogue2.json"))).ok();
    vouch(["log", "prove", s(&fy.log), s(&c[0])]).ok();
    let p1 = fy.policy("p1.toml", &[&wa], 1);
    vouch(["log", "check", s(&fy.log), "--trust", s(&p1)])
        .code(1)
        .says("0 cosignature(s) from listed witnesses; 1 needed");
    vouch(["log", "verify", s(&c[0]), "--trust", s(&p1)]).code(1).says("0 cosignature(s)");
    // Below the threshold: wa cosigns, wb does not.
    witness(s(&fy.log), s(&fx.key("wa")), "wa.example", s(&fy.d.join("wa.json"))).ok();
    vouch(["log", "check", s(&fy.log), "--trust", s(&p1)]).ok();
    let p2 = fy.policy("p2.toml", &[&wa, &wb], 2);
    vouch(["log", "check", s(&fy.log), "--trust", s(&p2)])
        .code(1)
        .says("1 cosignature(s) from listed witnesses; 2 needed");
    // A checkpoint signed by another key (fx's log key, same origin).
    let other_policy =
        fy.d.write("other.toml", format!("[log]\norigin = {ORIGIN:?}\nkey = {:?}\nwitness-threshold = 0\n", fx.vkey()));
    vouch(["log", "check", s(&fy.log), "--trust", s(&other_policy)]).code(1).says("no valid signature by");
    vouch(["log", "verify", s(&c[0]), "--trust", s(&other_policy)]).code(1).says("no valid signature by");
}

#[test]
fn a_proof_for_another_entry_or_index_is_refused() {
    let fx = Fx::new();
    let b = fx.bundles(["1.0.0".to_string(), "1.1.0".to_string(), "1.2.0".to_string()]);
    fx.append(&b).ok();
    let p = fx.policy("p.toml", &[], 0);
    vouch(["log", "verify", s(&b[1]), "--trust", s(&p)]).ok().says("included at index 1");
    // Bundle 1.0.0 carrying 1.1.0's proof: another entry.
    std::fs::copy(b[1].join("log.tlog-proof"), b[0].join("log.tlog-proof")).unwrap();
    vouch(["log", "verify", s(&b[0]), "--trust", s(&p)])
        .code(1)
        .says("does not verify for \"vouch-release/v1 hello 1.0.0");
    // 1.1.0's proof with another index.
    let text = String::from_utf8(std::fs::read(b[1].join("log.tlog-proof")).unwrap()).unwrap();
    std::fs::write(b[1].join("log.tlog-proof"), text.replace("index 1\n", "index 2\n")).unwrap();
    vouch(["log", "verify", s(&b[1]), "--trust", s(&p)]).code(1).says("at index 2");
    std::fs::write(b[1].join("log.tlog-proof"), text.replace("index 1\n", "index 01\n")).unwrap();
    vouch(["log", "verify", s(&b[1]), "--trust", s(&p)]).code(1).says("malformed proof");
}

#[test]
fn a_witness_refuses_a_smaller_head_and_a_changed_key_and_keeps_evidence() {
    let fx = Fx::new();
    fx.append(&fx.bundles(["1.0.0".to_string()])).ok();
    let old = std::fs::read(fx.log.join("checkpoint")).unwrap();
    fx.append(&fx.bundles(["1.1.0".to_string()])).ok();
    fx.witness(&fx.log, "wa", "w/state.json").ok().says("first use");
    // The vendor shows the witness an older head.
    std::fs::write(fx.log.join("checkpoint"), &old).unwrap();
    let r = fx.witness(&fx.log, "wa", "w/state.json");
    r.code(1).says("went back from size 2 to size 1").says("evidence");
    let ev: Vec<_> = std::fs::read_dir(fx.d.join("w"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.starts_with("evidence-"))
        .collect();
    assert_eq!(ev.len(), 2, "{ev:?}");
    // log check with a state refuses it too.
    let p = fx.policy("p.toml", &[], 0);
    fx.append(&fx.bundles(["1.2.0".to_string()])).code(0);
    vouch(["log", "check", s(&fx.log), "--trust", s(&p), "--state", s(&fx.d.join("c/state.json"))]).ok();
    std::fs::write(fx.log.join("checkpoint"), &old).unwrap();
    vouch(["log", "check", s(&fx.log), "--trust", s(&p), "--state", s(&fx.d.join("c/state.json"))])
        .code(1)
        .says("went back");
    // A log whose key changed: same origin, another key.
    let forged = fx.d.join("forged");
    vouch(["log", "init", s(&forged), "--origin", ORIGIN, "--key", s(&fx.key("other"))]).ok();
    let r = fx.witness(&forged, "wa", "w/state.json");
    r.code(1).says("the log's key for acme.example/vouch-log changed");
    // A checkpoint signed by another key in the real log.
    std::fs::copy(forged.join("checkpoint"), fx.log.join("checkpoint")).unwrap();
    fx.witness(&fx.log, "wa", "w/state.json").code(1).says("no valid signature by");
}

#[test]
fn rewritten_entries_below_an_old_head_are_refused_with_evidence() {
    let fx = Fx::new();
    let pristine = fx.d.join("pristine");
    copy_dir(&fx.log, &pristine);
    fx.append(&fx.bundles(["1.0.0".to_string(), "1.1.0".to_string()])).ok();
    fx.witness(&fx.log, "wa", "w/state.json").ok();
    // The vendor rebuilds the log from scratch with another 1.0.0 and signs
    // a bigger head with its real key.
    let evil = fx.d.join("evil");
    copy_dir(&pristine, &evil);
    let r = vouch([
        "log",
        "append",
        s(&evil),
        s(&fx.bundle("1.0.0", "y")),
        s(&fx.bundle("1.1.0", "y")),
        s(&fx.bundle("1.2.0", "y")),
        "--key",
        s(&fx.log_key),
    ]);
    r.ok();
    let w = fx.witness(&evil, "wa", "w/state.json");
    w.code(1).says("not consistent with the head of size 2").says("evidence");
    // Rewriting an entry in place (without re-signing) breaks the root.
    let bundle = fx.log.join("tile/entries/000.p/2");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    std::fs::write(&bundle, bytes).unwrap();
    let p = fx.policy("p.toml", &[], 0);
    vouch(["log", "check", s(&fx.log), "--trust", s(&p)]).code(1);
}

#[test]
fn split_view_heads_are_refused_by_compare() {
    let fx = Fx::new();
    let fork = fx.d.join("fork");
    fx.append(&fx.bundles(["1.0.0".to_string()])).ok();
    copy_dir(&fx.log, &fork);
    let a1 = fx.d.write("a1.checkpoint", std::fs::read(fx.log.join("checkpoint")).unwrap());
    fx.append(&fx.bundles(["1.1.0".to_string()])).ok();
    let a2 = fx.d.write("a2.checkpoint", std::fs::read(fx.log.join("checkpoint")).unwrap());
    vouch(["log", "compare", s(&a1), s(&a2), "--log", s(&fx.log)]).ok().says("consistent with the log");
    // The same vendor key signs another size-2 head for another agency.
    vouch(["log", "append", s(&fork), s(&fx.bundle("1.1.0", "z")), "--key", s(&fx.log_key)]).ok();
    let b2 = fx.d.write("b2.checkpoint", std::fs::read(fork.join("checkpoint")).unwrap());
    let r = vouch(["log", "compare", s(&a2), s(&b2), "--log", s(&fx.log), "--evidence", s(&fx.d.join("ev"))]);
    r.code(1).says("split view").says("evidence, head of size 2");
    assert_eq!(std::fs::read_dir(fx.d.join("ev")).unwrap().count(), 2);
    // Against the log alone (a bigger head of the other branch).
    let p = fx.policy("p.toml", &[], 0);
    vouch(["log", "append", s(&fork), s(&fx.bundle("1.2.0", "z")), "--key", s(&fx.log_key)]).ok();
    let b3 = fx.d.write("b3.checkpoint", std::fs::read(fork.join("checkpoint")).unwrap());
    vouch(["log", "compare", s(&b2), "--log", s(&fx.log), "--trust", s(&p)]).code(1).says("split view");
    vouch(["log", "compare", s(&b3), "--log", s(&fx.log)]).code(2).says("beyond the log's size");
    vouch(["log", "compare", s(&a1), "--log", s(&fork)]).ok();
    // A head signed by another key is refused outright.
    let other = fx.d.join("other");
    vouch(["log", "init", s(&other), "--origin", ORIGIN, "--key", s(&fx.key("other"))]).ok();
    vouch(["log", "compare", s(&other.join("checkpoint")), "--log", s(&fx.log)]).code(1).says("no valid signature");
}

#[test]
fn truncated_or_padded_tiles_are_refused() {
    let fx = Fx::new();
    fx.append(&fx.bundles((0..3).map(|i| format!("1.0.{i}")))).ok();
    let p = fx.policy("p.toml", &[], 0);
    vouch(["log", "check", s(&fx.log), "--trust", s(&p)]).ok();
    let tile = fx.log.join("tile/0/000.p/3");
    let good = std::fs::read(&tile).unwrap();
    assert_eq!(good.len(), 96);
    std::fs::write(&tile, &good[..95]).unwrap();
    vouch(["log", "check", s(&fx.log), "--trust", s(&p)]).code(1).says("is 95 bytes");
    let mut padded = good.clone();
    padded.extend_from_slice(&[0; 32]);
    std::fs::write(&tile, &padded).unwrap();
    vouch(["log", "check", s(&fx.log), "--trust", s(&p)]).code(1).says("is 128 bytes");
    let mut altered = good.clone();
    altered[0] ^= 1;
    std::fs::write(&tile, &altered).unwrap();
    vouch(["log", "check", s(&fx.log), "--trust", s(&p)]).code(1).says("does not match the entries");
    std::fs::write(&tile, &good).unwrap();
    vouch(["log", "check", s(&fx.log), "--trust", s(&p)]).ok();
}

#[test]
fn trust_check_lints_the_log_table() {
    let fx = Fx::new();
    let r = witness(s(&fx.log), s(&fx.key("wa")), "wa.example", s(&fx.d.join("s.json")));
    let wa = Fx::witness_key(&r);
    let good = fx.policy("good.toml", &[&wa], 1);
    vouch(["trust", "check", s(&good)]).ok().says("log acme.example/vouch-log").says("1 of 1 witnesses needed");
    let bad = fx.policy("bad.toml", &[&wa], 2);
    vouch(["trust", "check", s(&bad)]).code(1).says("witness-threshold 2 is above the number of witnesses (1)");
    let swapped = fx.d.write(
        "swapped.toml",
        format!("[log]\norigin = {ORIGIN:?}\nkey = {wa:?}\nwitnesses = [{:?}]\nwitness-threshold = 1\n", fx.vkey()),
    );
    vouch(["trust", "check", s(&swapped)]).code(1).says("not an Ed25519 note key").says("not a cosignature/v1 key");
}

#[test]
fn release_appends_to_the_log_and_verify_requires_the_policys_log() {
    let r = vouch_tests::Release::new();
    let artifact = r.src.join("target/release/hello");
    std::fs::create_dir_all(artifact.parent().unwrap()).unwrap();
    std::fs::write(&artifact, "a stand-in for the built binary\n").unwrap();
    let log = r.dir.join("log");
    vouch(["log", "init", s(&log), "--origin", ORIGIN, "--key", s(&r.key)]).ok();
    r.record("1.0.0", &["--archive", "--log", s(&log)]).ok();
    let bundle = r.bundle("1.0.0");
    assert!(bundle.join("log.tlog-proof").is_file());
    // The proof went into the archive too.
    let tar = TestCommand::new("tar", ["tf", s(&r.bundles.join("hello-1.0.0.tar"))]).run();
    tar.ok().says("hello-1.0.0/log.tlog-proof");
    let vkey = String::from_utf8(std::fs::read(log.join("vkey")).unwrap()).unwrap().trim().to_string();
    let base = String::from_utf8(std::fs::read(r.policy("plain.toml", &["release"])).unwrap()).unwrap();
    let with_log = |file: &str, witnesses: &[String], threshold: u32| {
        let w: Vec<String> = witnesses.iter().map(|w| format!("{w:?}")).collect();
        r.dir.write(file, format!("{base}\n[log]\norigin = {ORIGIN:?}\nkey = {vkey:?}\nwitnesses = [{}]\nwitness-threshold = {threshold}\n", w.join(", ")))
    };
    let p0 = with_log("p0.toml", &[], 0);
    for target in [bundle.clone(), r.bundles.join("hello-1.0.0.tar")] {
        vouch(["verify", s(&target), "--trust", s(&p0)]).ok().says("included at index 0 of acme.example/vouch-log");
    }
    // A witness is required: fails until the witness cosigned and the proof was refreshed.
    key_pair(&r.dir.join("wkeys"), "wa");
    let w = witness(s(&log), s(&r.dir.join("wkeys/wa.key")), "wa.example", s(&r.dir.join("wa.json")));
    w.ok();
    let wa = Fx::witness_key(&w);
    let p1 = with_log("p1.toml", &[wa], 1);
    vouch(["verify", s(&bundle), "--trust", s(&p1)]).code(1).says("0 cosignature(s) from listed witnesses; 1 needed");
    vouch(["log", "prove", s(&log), s(&bundle)]).ok();
    vouch(["verify", s(&bundle), "--trust", s(&p1)]).ok().says("cosigned by 1 of 1 required witnesses: wa.example");
    // A bundle without a proof fails when the policy has a [log].
    std::fs::remove_file(bundle.join("log.tlog-proof")).unwrap();
    vouch(["verify", s(&bundle), "--trust", s(&p0)]).code(1).says("requires a release log proof");
    // The same version released again with other bytes is refused by the log.
    std::fs::write(r.src.join("extra.txt"), "changed\n").unwrap();
    r.record("1.0.0", &["--force", "--log", s(&log)]).code(1).says("already in the log at index 0");
}

/// `verify --state --log`: each verified bundle proof's head is checked
/// against the largest head of its origin seen before (a consistency proof
/// from the reviewer's copy of the log), and the larger is recorded with the
/// release; a head of the same size with another root (a split view shown
/// to this reviewer) is refused with both heads as evidence.
#[test]
fn verify_with_a_state_checks_each_proofs_head_against_the_heads_seen() {
    let r = vouch_tests::Release::new();
    let artifact = r.src.join("target/release/hello");
    std::fs::create_dir_all(artifact.parent().unwrap()).unwrap();
    std::fs::write(&artifact, "a stand-in for the built binary\n").unwrap();
    let log = r.dir.join("log");
    vouch(["log", "init", s(&log), "--origin", ORIGIN, "--key", s(&r.key)]).ok();
    r.record("1.0.0", &["--log", s(&log)]).ok();
    let fork = r.dir.join("fork");
    copy_dir(&log, &fork);
    r.record("1.1.0", &["--log", s(&log)]).ok();
    let vkey = String::from_utf8(std::fs::read(log.join("vkey")).unwrap()).unwrap().trim().to_string();
    let base = String::from_utf8(std::fs::read(r.policy("plain.toml", &["release"])).unwrap()).unwrap();
    let p =
        r.dir.write("p.toml", format!("{base}\n[log]\norigin = {ORIGIN:?}\nkey = {vkey:?}\nwitness-threshold = 0\n"));
    let st = r.dir.join("state.json");
    vouch(["verify", s(&r.bundle("1.0.0")), "--trust", s(&p), "--state", s(&st)])
        .ok()
        .says("first head of acme.example/vouch-log seen");
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(&st).unwrap()).unwrap();
    assert!(state["logs"][ORIGIN]["checkpoint"].as_str().unwrap().contains("\n1\n"), "{state}");
    // A bigger head needs the log for its consistency proof.
    vouch(["verify", s(&r.bundle("1.1.0")), "--trust", s(&p), "--state", s(&st)])
        .code(1)
        .says("comparing them needs the log");
    vouch(["verify", s(&r.bundle("1.1.0")), "--trust", s(&p), "--state", s(&st), "--log", s(&log)])
        .ok()
        .says("consistent with the head of size 1 seen before");
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(&st).unwrap()).unwrap();
    assert!(state["logs"][ORIGIN]["checkpoint"].as_str().unwrap().contains("\n2\n"), "{state}");
    // An older proof stays consistent and the larger head is kept.
    vouch(["verify", s(&r.bundle("1.0.0")), "--trust", s(&p), "--state", s(&st), "--log", s(&log)])
        .ok()
        .says("consistent with the head of size 2 seen before");
    // The vendor shows another release at index 1 to this reviewer: a
    // validly signed head of size 2 with another root.
    r.record("1.2.0", &["--log", s(&fork)]).ok();
    vouch(["verify", s(&r.bundle("1.2.0")), "--trust", s(&p), "--state", s(&st)])
        .code(1)
        .says("split view")
        .says("evidence, head of size 2");
    let after: serde_json::Value = serde_json::from_slice(&std::fs::read(&st).unwrap()).unwrap();
    assert_eq!(after, state, "a refused head records nothing");
}

/// `site build --log`: a log page (head, cosignatures, every entry linked
/// to its release), each release page's index, and at the top of the index
/// what the bundles and the log do not agree on — a release not in the log,
/// a logged release not among the bundles, and one release as a directory
/// and an archive with different manifests (before, the archive was dropped
/// silently).
#[test]
fn the_site_shows_the_log_and_names_what_bundles_and_log_disagree_on() {
    let r = vouch_tests::Release::new();
    let artifact = r.src.join("target/release/hello");
    std::fs::create_dir_all(artifact.parent().unwrap()).unwrap();
    std::fs::write(&artifact, "a stand-in for the built binary\n").unwrap();
    let log = r.dir.join("log");
    vouch(["log", "init", s(&log), "--origin", ORIGIN, "--key", s(&r.key)]).ok();
    r.record("1.0.0", &["--log", s(&log)]).ok();
    r.record("1.1.0", &[]).ok();
    r.record("1.2.0", &["--log", s(&log)]).ok();
    std::fs::remove_dir_all(r.bundle("1.2.0")).unwrap();
    r.record("1.3.0", &["--archive"]).ok();
    let m = r.bundle("1.3.0").join("manifest.json");
    let mut text = std::fs::read(&m).unwrap();
    text.push(b' ');
    std::fs::write(&m, text).unwrap();
    let site = r.dir.join("site");
    let run = vouch(["site", "build", s(&r.bundles), "-o", s(&site), "--log", s(&log)]);
    run.ok()
        .says("warning: hello-1.1.0: not in the release log")
        .says("hello 1.2.0 (index 1 of the log) is not among the bundles")
        .says("hello-1.3.0/ and hello-1.3.0.tar are one release with different manifests");
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        index.contains("What the bundles and the release log do not agree on") && index.contains("log.html"),
        "{index}"
    );
    let page = std::fs::read_to_string(site.join("log.html")).unwrap();
    assert!(page.contains("vouch-release/v1 hello 1.0.0 sha256:"), "{page}");
    assert!(page.contains("href=\"r/hello/1.0.0/index.html\""), "{page}");
    assert!(page.contains(">absent<"), "{page}");
    let release = std::fs::read_to_string(site.join("r/hello/1.0.0/index.html")).unwrap();
    assert!(release.contains("index 0 of"), "{release}");
    let unlogged = std::fs::read_to_string(site.join("r/hello/1.1.0/index.html")).unwrap();
    assert!(unlogged.contains("not in the release log"), "{unlogged}");
}
