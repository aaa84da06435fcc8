//! Fuzzes the files endpoints' path handling: any bytes as a requested path, checked, looked
//! up and resolved against a sandbox with symlinks in and out; nothing outside is reached.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    agent::files::fuzzing::requested_path(data);
});
