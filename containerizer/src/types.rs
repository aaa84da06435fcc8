//! The plain data that crosses the [`Containerizer`](crate::Containerizer) boundary: what to
//! launch, how a launch went, and how a container ended.

use std::{collections::BTreeMap, path::PathBuf};

use proto::v0;
use resources::Resources;

use crate::wait_status;

/// Mesos's `ContainerID`: a unique string (a UUID, chosen by the agent), optionally nested
/// under a parent. A nested container runs under its parent's sandbox, at
/// `<root sandbox>/containers/<child>[/containers/<grandchild>...]`, and goes when its parent
/// goes.
pub type ContainerId = v0::ContainerId;

/// A container id as Mesos prints it: the values from the root down, joined by `.`
/// (`<root>.<child>.<grandchild>`). Unique per container, so the containerizers key their
/// books by it.
pub fn container_key(id: &ContainerId) -> String {
    match &id.parent {
        Some(parent) => format!("{}.{}", container_key(parent), id.value),
        None => id.value.clone(),
    }
}

/// The sandbox of nested container `id` under its root container's sandbox `root`:
/// `<root>/containers/<child>/containers/<grandchild>...`, as Mesos lays them out. A
/// top-level id gives `root` itself.
pub fn nested_sandbox(root: &std::path::Path, id: &ContainerId) -> PathBuf {
    match &id.parent {
        Some(parent) => nested_sandbox(root, parent)
            .join("containers")
            .join(&id.value),
        None => root.to_path_buf(),
    }
}

/// Everything needed to launch one container: Mesos's `mesos.slave.ContainerConfig` plus the
/// environment the agent computed (Mesos passes that as a separate argument).
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerConfig {
    /// The executor this container runs (for a command task, the command executor the agent
    /// made up for it).
    pub executor_info: Option<v0::ExecutorInfo>,
    /// The task, when the container runs a command task's executor (as Mesos sets it).
    pub task_info: Option<v0::TaskInfo>,
    /// What to run: with `shell` (the default) `/bin/sh -c <value>`; otherwise `value` is the
    /// program and `arguments` its whole argv (`arguments[0]` is argv\[0\]). Its
    /// `environment` overrides [`environment`](ContainerConfig::environment).
    pub command: v0::CommandInfo,
    /// The resources allocated to the container (executor plus tasks).
    pub resources: Resources,
    /// The sandbox: an existing directory that becomes the working directory and receives
    /// the `stdout` and `stderr` files. Ignored for a nested container: the containerizer
    /// makes its sandbox under the root container's (see [`nested_sandbox`]).
    pub directory: PathBuf,
    /// Run as this user (only possible when the agent runs as root, or as that user).
    /// `None` runs as the agent's user.
    pub user: Option<String>,
    /// The environment the agent passes to the executor (`MESOS_FRAMEWORK_ID`,
    /// `MESOS_EXECUTOR_ID`, `MESOS_AGENT_ENDPOINT`, ...). The container gets exactly this,
    /// overridden by the command's own variables, plus `MESOS_SANDBOX` (the directory) and
    /// a default `PATH` when none is given, as Mesos does. Nothing is inherited from the
    /// agent's own environment.
    pub environment: BTreeMap<String, String>,
}

impl ContainerConfig {
    /// A config running `command` in `directory` with nothing else set (tests, tools).
    pub fn new(command: v0::CommandInfo, directory: impl Into<PathBuf>) -> Self {
        Self {
            executor_info: None,
            task_info: None,
            command,
            resources: Resources::default(),
            directory: directory.into(),
            user: None,
            environment: BTreeMap::new(),
        }
    }
}

/// How a launch went (Mesos's `Containerizer::LaunchResult`). A launch that was attempted
/// and failed is a failed future instead, with a message saying why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LaunchResult {
    /// The container is running.
    Success,
    /// A container with this id already exists; nothing was done.
    AlreadyLaunched,
    /// This containerizer cannot run this config; another containerizer may.
    NotSupported,
}

/// How a container ended (Mesos's `mesos.slave.ContainerTermination`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerTermination {
    /// The executor's wait status (as `waitpid` reports it), when it was reaped.
    pub status: Option<i32>,
    /// Why the container ended, for people (e.g. `Executor exited with status 0`,
    /// `Container destroyed`).
    pub message: Option<String>,
    /// Machine-readable reasons (e.g. a resource limitation), if any.
    pub reasons: Vec<v0::task_status::Reason>,
    /// The state the container's tasks should take, when the containerizer decides it
    /// (e.g. after a resource limitation); otherwise the agent decides.
    pub state: Option<v0::TaskState>,
}

impl ContainerTermination {
    /// The executor's exit code, if it exited normally.
    pub fn exit_code(&self) -> Option<i32> {
        self.status.and_then(wait_status::exit_code)
    }

    /// The signal that terminated the executor, if one did.
    pub fn signal(&self) -> Option<i32> {
        self.status.and_then(wait_status::signal)
    }

    /// Whether the executor exited with status 0.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(wait_status::succeeded)
    }
}
