//! What the Mesos binaries share: Mesos's flag syntax, `/version`, and the v1 HTTP API glue.
//!
//! This is our counterpart of Mesos's `src/common`: code the master, the agent, the executors
//! and `mesos-local` would otherwise each write again. It knows Mesos (its flag syntax, its
//! version string, its API content types) but holds no component's behaviour.

pub mod api;
pub mod flags;
pub mod logging;
pub mod state;
pub mod version;
pub mod wait_status;
