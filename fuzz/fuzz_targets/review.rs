#![no_main]
// Entry point and property: vouch_tests::fuzz::review (tests/src/fuzz.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| vouch_tests::fuzz::review(data));
