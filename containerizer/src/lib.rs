//! The agent's containerizers: how an executor is started in an isolated context, watched,
//! signalled and destroyed.
//!
//! [`Containerizer`] is the boundary the agent programs against (Mesos's
//! `mesos::internal::slave::Containerizer`): launch a container for an executor from a
//! [`ContainerConfig`], [`wait`](Containerizer::wait) for its [`ContainerTermination`],
//! [`destroy`](Containerizer::destroy) it, and so on. Every operation answers with a
//! libprocess [`Future`](libprocess::Future), so the agent chains the answer onto its own
//! process with `Context::then`.
//!
//! Containers are named by Mesos's `ContainerID` ([`ContainerId`], a UUID string chosen by
//! the agent); their sandbox directory is chosen and created by the agent (see mesos.md 4.7
//! for the layout) and handed over in the config. A nested container (an id with a
//! `parent`, as the default executor launches one per task) gets a sandbox under its root
//! container's (`<sandbox>/containers/<child>`), its parent's user unless the command names
//! one, and is destroyed with its parent; its termination stays readable with `wait` until
//! the parent is gone, so a waiter that comes late still learns how it ended.

mod containerizer;
mod fake;
mod mesos;
mod posix;
mod types;

pub use common::wait_status;
pub use containerizer::Containerizer;
pub use fake::{
    FakeCall, FakeContainerizer, FakeExecutor, FakeExecutorFactory, FakeExit, FakeLaunch,
};
pub use mesos::{MesosContainerizer, MesosContainerizerOptions};
pub use posix::SpawnError;
pub use types::{
    ContainerConfig, ContainerId, ContainerTermination, LaunchResult, container_key, nested_sandbox,
};
