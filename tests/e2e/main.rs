//! End-to-end acceptance tests: the real `mesos-master`, `mesos-agent`, `mesos-executor` and
//! `mesos-local` binaries on loopback, driven by real pymesos schedulers and executors (and a
//! protobuf client), the way users run them. Build the binaries first:
//! `cargo build -p master -p agent -p executor -p local --bins` (`cargo test --workspace`
//! does), and the venv with `scripts/install-test-deps.sh`.

mod agent_restart;
mod cluster;
mod command_tasks;
mod custom_executor;
mod protobuf;
mod pymesos;
