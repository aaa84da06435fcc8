//! The in-process cluster harness for scenario tests and benches (a dev-dependency only).
//!
//! - [`Cluster`]: a master (with the real hierarchical allocator and an in-memory registry)
//!   and N agents on ONE libprocess runtime with a paused clock. Agents run
//!   `FakeContainerizer`s whose containers run in-process executors: the `executor`
//!   crate's real driver over `InProcessTransport`, playing each task as the test's
//!   [`Script`] says ([`TaskBehavior`]: run until killed, finish or fail after some virtual
//!   time, never subscribe, crash, or a closure).
//! - [`Scheduler`]: a v1 scheduler client (JSON or protobuf) whose event stream is read by a
//!   libprocess process with `Context::consume`, so after a settle every event the master
//!   wrote has been received; typed helpers for the calls, optional automatic
//!   acknowledgements, and the raw HTTP responses for status-code tests.
//! - [`fixtures`]: framework infos, resources, tasks and executors.
//!
//! Everything stays inside the runtime, so [`Cluster::settle`] (the clock's settle with a
//! real-time deadline that turns a hang into a failure) is the only wait a test needs;
//! [`Cluster::advance`] moves virtual time and [`Cluster::advance_until`] steps it by the
//! allocation interval until a condition holds.
//!
//! ```no_run
//! use testkit::{Cluster, fixtures};
//!
//! let cluster = Cluster::builder().agents(2).start();
//! let scheduler = cluster.subscribe(fixtures::framework_info("example"));
//! let offers = cluster.offers(&scheduler);
//! scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "task-1")]);
//! cluster.settle();
//! let states: Vec<_> = scheduler.updates().iter().map(|status| status.state()).collect();
//! # let _ = states;
//! ```

mod cluster;
mod executors;
pub mod fixtures;
mod scheduler;

use std::{sync::mpsc, time::Duration};

pub use cluster::{Cluster, ClusterAgent, ClusterBuilder, DEFAULT_AGENT_RESOURCES, MAX_STEPS};
pub use executors::{CustomExecutor, FakeExecutorControl, Script, TaskBehavior, status};
pub use scheduler::{SCHEDULER_API, Scheduler, SubscribeOptions, body_text, launch_operation};

/// How long a settle may take in real time before the test fails: a runtime that does not
/// get quiet has a process spinning, or a handler panicked and its event never finished.
pub const SETTLE_DEADLINE: Duration = Duration::from_secs(60);

/// Sends the components' logs to the test's output when `RUST_LOG` is set (e.g.
/// `RUST_LOG=info`); does nothing otherwise. [`Cluster`] calls it.
pub fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// Settles `runtime`'s clock, failing (instead of hanging) after [`SETTLE_DEADLINE`].
///
/// # Panics
/// When the runtime does not get quiet in time.
pub fn settle(runtime: &libprocess::Runtime) {
    let clock = runtime.clock().clone();
    let (done, settled) = mpsc::channel();
    std::thread::spawn(move || {
        clock.settle_blocking();
        let _ = done.send(());
    });
    settled.recv_timeout(SETTLE_DEADLINE).unwrap_or_else(|_| {
        panic!(
            "the runtime did not settle within {SETTLE_DEADLINE:?} (did a handler panic? look for \
             a panic in the output)"
        )
    });
}
