//! Fuzz target: an executor's environment (`NAME=value` lines) read into its settings.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    executor::fuzzing::settings(data);
});
