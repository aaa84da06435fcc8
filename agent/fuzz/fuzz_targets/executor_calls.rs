//! Fuzz target: executor API bodies (JSON and protobuf) through decoding and the agent's
//! validation, the executor environment flag, and `/proc/meminfo` parsing.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    agent::fuzzing::everything(data);
});
