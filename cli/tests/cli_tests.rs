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
//! and read the diff before committing it. Exit codes are not overwritten:
//! change `status.code` in the case by hand.

#[test]
fn cli_tests() {
    trycmd::TestCases::new()
        .register_bin("vouch", std::path::Path::new(env!("CARGO_BIN_EXE_vouch")))
        // A fixed environment: reproducible times, no colour, no password.
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("NO_COLOR", "1")
        // clap wraps help and usage errors to COLUMNS when it is set.
        .env("COLUMNS", "100")
        .env("VOUCH_TEST_PASSWORD", "secret")
        .case("../tests/cmd/*.toml");
}
