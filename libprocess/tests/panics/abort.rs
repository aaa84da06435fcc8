//! `abort_on_panic`: the panic is logged, then the OS process aborts. The test runs itself
//! again as a child process (this test binary, this one test) and checks how the child died.

use std::{os::unix::process::ExitStatusExt, process::Command};

use libprocess::{Context, Process, Runtime};

use crate::support::DEADLINE;

/// Set in the child's environment: run the panicking runtime instead of checking on it.
const CHILD: &str = "LIBPROCESS_TEST_ABORT_ON_PANIC_CHILD";

/// `SIGABRT`, which `std::process::abort` raises (6 on every Unix we build for).
const SIGABRT: i32 = 6;

/// The test's own name, as the child is told to run it.
const NAME: &str = "abort::a_panic_aborts_the_os_process_when_asked_to";

/// Panics as it starts.
struct PanicsAtOnce;

impl Process for PanicsAtOnce {
    fn initialize(&mut self, _ctx: &mut Context<Self>) {
        panic!("initialize panics in the child");
    }
}

/// The child's side: a runtime built with `abort_on_panic`, a process that panics. If the
/// runtime does not abort, the process's waiter resolves and the child exits normally,
/// which the parent reports as a failure.
fn child() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = Runtime::builder()
        .workers(1)
        .abort_on_panic(true)
        .build()
        .expect("runtime starts");
    let pid = runtime.spawn("doomed", PanicsAtOnce).expect("spawns");
    let _ = pid.wait().block_timeout(DEADLINE);
}

#[test]
fn a_panic_aborts_the_os_process_when_asked_to() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let executable = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(executable)
        .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("the child runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.signal(),
        Some(SIGABRT),
        "the child aborts (status {:?}); its stderr:\n{stderr}",
        output.status
    );
    assert!(
        stderr.contains("a handler panicked: aborting") && stderr.contains("pid=doomed@"),
        "the panic is logged before the abort:\n{stderr}"
    );
    assert!(
        stderr.contains("initialize panics in the child"),
        "{stderr}"
    );
}
