//! Fuzz target: the agent's `--resources` text and JSON parsers, quantity, limit and attribute
//! parsers, and the round trips that must hold when a parse succeeds.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        resources::parse_everything(text);
    }
});
