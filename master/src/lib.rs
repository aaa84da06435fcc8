//! The Mesos master: the book of agents, frameworks, offers and tasks, and the handlers that
//! keep it (Mesos's src/master).
//!
//! - [`master::Master`]: the `master` process. Agents talk to it with Mesos's internal
//!   messages (`mesos.internal.RegisterSlaveMessage`, ...); schedulers with the v1 scheduler
//!   HTTP API at `/api/v1/scheduler`; operators read `/state` and friends.
//! - [`registrar`]: the registry of agents (admitted, unreachable, gone), weights and quota,
//!   behind a [`registrar::RegistryStore`] (in memory, or a durable file in `--work_dir`).
//! - [`books`]: the master's state as plain data; [`validation`]: Mesos's checks.
//! - [`flags`] and [`config`]: `mesos-master`'s flags and the configuration they make.
//!
//! [`spawn`] starts a registrar and a master on a runtime, given an allocator.
//!
//! ```no_run
//! use allocator::shell::process::AllocatorProcess;
//! use master::{config::MasterConfig, registrar::InMemoryStore};
//! let runtime = libprocess::Runtime::builder().build()?;
//! let config = MasterConfig::default();
//! let allocator = allocator::create("hierarchical", config.allocator.clone())?;
//! let allocator = AllocatorProcess::spawn(&runtime, allocator)?;
//! let pid = master::spawn(&runtime, config, Box::new(InMemoryStore::new()), allocator)?;
//! runtime.set_delegate(master::master::Master::ID);
//! # let _ = pid;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod books;
pub mod config;
pub mod constants;
pub mod flags;
#[doc(hidden)]
pub mod fuzzing;
mod http;
pub mod master;
pub mod registrar;
pub mod validation;

use allocator::AllocatorHandle;
use libprocess::{Pid, Runtime, SpawnError};

/// Spawns a registrar over `store` and the `master` process using `allocator`.
pub fn spawn(
    runtime: &Runtime,
    config: config::MasterConfig,
    store: Box<dyn registrar::RegistryStore>,
    allocator: AllocatorHandle,
) -> Result<Pid<master::Master>, SpawnError> {
    let registrar = registrar::Registrar::spawn(runtime, store)?;
    runtime.spawn(
        master::Master::ID,
        master::Master::new(config, registrar, allocator),
    )
}
