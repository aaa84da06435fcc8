//! The posix launcher: executors as plain processes, each leading its own session, watched
//! through `/proc` and pidfds. No cgroups or namespaces: isolation is `posix/cpu,posix/mem`
//! (usage reporting, no enforcement), as Mesos's posix launcher gives.

pub(crate) mod procfs;
pub(crate) mod session;
pub(crate) mod spawn;
pub(crate) mod usage;

pub use spawn::SpawnError;
