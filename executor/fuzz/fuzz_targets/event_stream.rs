//! Fuzz target: bytes from an agent as the executor's event stream, whole and in chunks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    executor::fuzzing::event_stream(data);
});
