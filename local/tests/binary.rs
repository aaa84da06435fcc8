//! `mesos-local` as a real process: `--version` answers with the version we speak. Having an
//! integration test here also makes `cargo test --workspace` build the binary, which the
//! end-to-end tests (`tests/e2e`) run.

use std::process::Command;

#[test]
fn version_flag_prints_the_version() {
    let output = Command::new(env!("CARGO_BIN_EXE_mesos-local"))
        .arg("--version")
        .output()
        .expect("run mesos-local --version");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.trim(),
        format!("mesos {}", common::version::MESOS_VERSION)
    );
}
