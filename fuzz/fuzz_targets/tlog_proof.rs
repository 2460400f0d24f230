#![no_main]
// Entry point and property: vouch_tests::fuzz::tlog_proof (tests/src/fuzz.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| vouch_tests::fuzz::tlog_proof(data));
