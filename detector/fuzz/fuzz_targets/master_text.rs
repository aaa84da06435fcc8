//! Fuzz target: the `--master` text splitter (and, for IP addresses, the whole parse).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        detector::fuzz_master_text(text);
    }
});
