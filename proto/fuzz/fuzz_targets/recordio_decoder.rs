//! Fuzz target: the incremental RecordIO decoder, fed whole and in chunks.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    proto::fuzzing::recordio_decoder(data);
});
