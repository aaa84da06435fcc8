//! Fuzzes `master::fuzzing::registry`: the master's handling of that input must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| master::fuzzing::registry(data));
