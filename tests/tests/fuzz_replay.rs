//! Replays every fuzz input kept in the repository, seeds
//! (`fuzz/corpus/<target>/`) and regressions (`fuzz/regressions/<target>/`),
//! through the fuzz targets' own entry points (`vouch_tests::fuzz`), so the
//! stable test run checks them without nightly and without new fuzzing.

use std::path::Path;
use vouch_tests::fuzz::{TARGETS, inputs};
use vouch_tests::repo_root;

fn replay(kind: &str) -> usize {
    let root = repo_root().join("fuzz").join(kind);
    let mut n = 0;
    for t in TARGETS {
        for input in inputs(&root.join(t.name)) {
            let data = std::fs::read(&input).unwrap_or_else(|e| panic!("read {}: {e}", input.display()));
            let run = t.run;
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "fuzz target {} panics on {}", t.name, input.display());
            n += 1;
        }
    }
    n
}

#[test]
fn every_seed_passes_its_target() {
    let n = replay("corpus");
    assert!(n >= TARGETS.len(), "only {n} seeds under fuzz/corpus/");
}

#[test]
fn every_regression_input_passes_its_target() {
    replay("regressions");
}

#[test]
fn every_target_has_a_fuzz_target_file_and_seeds() {
    let root = repo_root().join("fuzz");
    for t in TARGETS {
        let file = root.join("fuzz_targets").join(format!("{}.rs", t.name));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            text.contains(&format!("vouch_tests::fuzz::{}(data)", t.name)),
            "{} does not call vouch_tests::fuzz::{}",
            file.display(),
            t.name
        );
        assert!(!inputs(&root.join("corpus").join(t.name)).is_empty(), "no seeds for {}", t.name);
    }
    let files = std::fs::read_dir(root.join("fuzz_targets")).expect("fuzz/fuzz_targets").count();
    assert_eq!(files, TARGETS.len(), "a file under fuzz/fuzz_targets/ has no entry in vouch_tests::fuzz::TARGETS");
    assert!(Path::new(&root.join("Cargo.toml")).is_file());
}
