//! Fuzzes `master::fuzzing::scheduler_call`: the master's handling of that input must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| master::fuzzing::scheduler_call(data));
