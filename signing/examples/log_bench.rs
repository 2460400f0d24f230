//! Builds a release log of N synthetic entries and times the library's
//! append, inclusion proof and consistency proof on it (used by
//! bench/log.sh, which also times the CLI with hyperfine; not run in CI).
//!
//! usage: log_bench DIR N SECRET_KEY [ORIGIN]

use std::path::PathBuf;
use std::time::{Duration, Instant};
use vouch_manifests::Digest;
use vouch_manifests::log::{Log, ReleaseEntry, tree};
use vouch_signing::keys::SecretKey;
use vouch_signing::note::Checkpoint;

fn entry(i: u64) -> ReleaseEntry {
    ReleaseEntry { name: "bench".into(), version: format!("0.0.{i}"), digest: Digest::of(&i.to_be_bytes()) }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let (dir, n, key) = (PathBuf::from(&a[0]), a[1].parse::<u64>()?, SecretKey::read(a[2].as_ref(), None)?);
    let origin = a.get(3).cloned().unwrap_or_else(|| "bench.example/log".into());
    vouch_signing::log::init(&dir, &origin, &key)?;
    let log = Log::open(&dir);
    let t = Instant::now();
    let mut size = 0;
    let mut root = tree::empty_root();
    while size < n {
        let batch: Vec<Vec<u8>> = (size..(size + 65536).min(n)).map(|i| entry(i).data().into_bytes()).collect();
        let r = log.append(size, &batch)?;
        size = r.new_size;
        root = r.root;
    }
    let cp = Checkpoint { origin: origin.clone(), size, root, extensions: vec![] };
    log.write_checkpoint(&cp.sign(&key)?.to_bytes())?;
    eprintln!("built {n} entries in {:.2?}", t.elapsed());

    // Library timings, median of 21 runs each, on copies of nothing: append
    // writes new names only, so each run appends at the same size.
    let mut app = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let r = log.append(size, &[entry(n).data().into_bytes()])?;
        let cp = Checkpoint { origin: origin.clone(), size: r.new_size, root: r.root, extensions: vec![] };
        let _ = cp.sign(&key)?.to_bytes();
        app.push(t.elapsed());
    }
    let mut inc = Vec::new();
    let mut con = Vec::new();
    for i in 0..21u64 {
        let idx = (i * 7919 * 104729) % size;
        let t = Instant::now();
        let p = tree::inclusion_proof(&mut log.tree(size), idx, size)?;
        tree::verify_inclusion(&tree::leaf_hash(entry(idx).data().as_bytes()), idx, size, &p, &root)?;
        inc.push(t.elapsed());
        let old = (idx / 2).max(1);
        let t = Instant::now();
        let mut tt = log.tree(size);
        let old_root = tree::tree_hash(&mut tt, old)?;
        let p = tree::consistency_proof(&mut tt, old, size)?;
        tree::verify_consistency(old, size, &p, &old_root, &root)?;
        con.push(t.elapsed());
    }
    println!(
        "library n={n}: append 1 entry + sign {:.3?}, inclusion proof+verify {:.3?}, consistency proof+verify {:.3?} (medians of 21)",
        median(app),
        median(inc),
        median(con)
    );
    Ok(())
}
