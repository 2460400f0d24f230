#![no_main]
// Entry point and property: vouch_tests::fuzz::checkpoint (tests/src/fuzz.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| vouch_tests::fuzz::checkpoint(data));
