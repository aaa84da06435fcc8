//! The Rust framework API for Mesos: write a framework's scheduler as a set of callbacks
//! ([`Scheduler`]) and let a [`SchedulerDriver`] connect it to the leading master, over
//! either protocol a master speaks ([`Protocol`]):
//!
//! - **v1**: the scheduler HTTP API (`/api/v1/scheduler`): one SUBSCRIBE event stream,
//!   calls as POSTs, JSON or protobuf;
//! - **v0**: Mesos's libprocess driver protocol: the driver is an actor wired to the master
//!   by pids (`mesos.scheduler.Call` messages out, the legacy messages back).
//!
//! The driver is a libprocess process on a runtime the framework gives it, so a framework
//! built of actors embeds it like any other, and tests drive it on a paused clock. The master
//! is found with the `detector` crate (`host:port`, `master@host:port`, `file://`).
//!
//! The example frameworks (`test-framework`, `long-lived-framework`) and `mesos-execute`
//! are binaries of this crate, their logic in [`examples`].

mod callbacks;
mod driver;
pub mod examples;

pub use callbacks::Scheduler;
pub use driver::{
    DEFAULT_REGISTRATION_BACKOFF_FACTOR, DriverConfig, DriverError, DriverStatus,
    MISSED_HEARTBEATS, Protocol, REGISTRATION_RETRY_INTERVAL_MAX, SchedulerDriver,
};
pub use proto::v0::Status;
