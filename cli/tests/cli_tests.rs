//! CLI transcripts: every case in `tests/cmd/*.toml` runs the freshly built
//! `vouch` (cargo builds it before this test, and hands its path over as
//! `CARGO_BIN_EXE_vouch`) in `tests/cmd/fixtures/` (or a sandboxed copy of it,
//! for cases that write), and compares its exit code with the case's
//! `status.code` and its output with `<case>.stdout` / `<case>.stderr`.
//!
//! After a deliberate change to a message, update the golden files with
//!
//! ```text
//! TRYCMD=overwrite cargo test -p vouch-cli --test cli_tests
//! ```
//!
//! which rewrites the `.stdout` / `.stderr` files and a case's `status`
//! when they differ, and read the diff before committing it (output that
//! varies per run is matched with `[..]`, `...` or `[CWD]`, which overwriting
//! keeps where it still matches).

#[test]
fn cli_tests() {
    trycmd::TestCases::new()
        .register_bin("vouch", std::path::Path::new(env!("CARGO_BIN_EXE_vouch")))
        // A fixed environment: no colour, a fixed width, a test password. (What
        // is set here overrides a case's `env.add`, so a case that needs
        // SOURCE_DATE_EPOCH sets it itself.)
        .env("NO_COLOR", "1")
        // clap wraps help and usage errors to COLUMNS when it is set.
        .env("COLUMNS", "100")
        .env("VOUCH_TEST_PASSWORD", "secret")
        .case("../tests/cmd/*.toml");
}
