//! Fuzzes everything that parses outside input: UPIDs, request heads, the request decoder
//! (pipelined heads and chunked bodies), the response decoder and answer reader, and the
//! HTTP client's URLs.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    libprocess::transport::fuzz_entry(data);
});
