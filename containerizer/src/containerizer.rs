//! The `Containerizer` trait: the operations the agent uses to run executors.

use libprocess::Future;
use proto::v0;
use resources::Resources;

use crate::{ContainerConfig, ContainerId, ContainerTermination, LaunchResult};

/// Runs executors in containers: Mesos's `Containerizer` interface (mesos.md section 8),
/// object safe so the agent holds an `Arc<dyn Containerizer>`.
///
/// Every method answers with a [`Future`]; an operation that cannot be done fails it with a
/// message saying why (e.g. `Unknown container '...'`). Methods may be called from any
/// thread, including from inside a process handler: they never block.
pub trait Containerizer: Send + Sync + 'static {
    /// Recovers the containers of a previous agent run and cleans up the rest.
    ///
    /// Agent recovery is not implemented yet (nothing is checkpointed), so there is nothing
    /// to recover: implementations complete at once. The agent calls it once before
    /// launching anything, as Mesos does, so recovery can land without changing callers.
    fn recover(&self) -> Future<()>;

    /// Launches a container named `container_id` running `config.command`.
    ///
    /// Completes with [`LaunchResult::Success`] once the executor process exists (not when
    /// it has registered), [`LaunchResult::AlreadyLaunched`] if the id is taken, or
    /// [`LaunchResult::NotSupported`]; fails if the launch was attempted and failed (bad
    /// sandbox, program not found, unknown user, ...).
    fn launch(&self, container_id: &ContainerId, config: ContainerConfig) -> Future<LaunchResult>;

    /// Changes the resources allocated to a running container (e.g. when a task joins an
    /// executor). Fails for an unknown container.
    fn update(&self, container_id: &ContainerId, resources: Resources) -> Future<()>;

    /// Resource usage of a running container (CPU times, memory) with its limits and a
    /// timestamp. Fails for an unknown container.
    fn usage(&self, container_id: &ContainerId) -> Future<v0::ResourceStatistics>;

    /// The container's run-time status (its executor's pid). Fails for an unknown container.
    fn status(&self, container_id: &ContainerId) -> Future<v0::ContainerStatus>;

    /// Completes when the container has terminated and everything in it is gone, with how
    /// it ended; `None` if there is no such container (never launched, or already gone).
    /// When the executor exits on its own, the containerizer destroys the rest of the
    /// container and then completes this. Any number of callers may wait.
    fn wait(&self, container_id: &ContainerId) -> Future<Option<ContainerTermination>>;

    /// Destroys a container: every process in it is asked to stop, then killed, and the
    /// future completes once none is left (waiters then get the termination). `false` if
    /// there is no such container. Destroying twice is fine.
    fn destroy(&self, container_id: &ContainerId) -> Future<bool>;

    /// Sends `signal` to the container's executor (`SIGKILL` destroys the container).
    /// `false` if there is no such container.
    fn kill(&self, container_id: &ContainerId, signal: i32) -> Future<bool>;

    /// The ids of every container that is launched and not yet fully destroyed, sorted.
    fn containers(&self) -> Future<Vec<ContainerId>>;
}
