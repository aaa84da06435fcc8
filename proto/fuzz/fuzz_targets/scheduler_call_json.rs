//! Fuzz target: the JSON decoder of v1 scheduler Calls (what POST /api/v1/scheduler parses).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    proto::fuzzing::scheduler_call_json(data);
});
