//! Fuzzes `master::fuzzing::agent_message`: the master's handling of that input must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| master::fuzzing::agent_message(data));
