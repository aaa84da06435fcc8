//! What the agent makes up for an executor: the command executor's `ExecutorInfo` for a task
//! that brings only a command (Mesos's `Slave::getExecutorInfo`), and the environment every
//! executor starts with (Mesos's `executorEnvironment`, mesos.md 3.3, clients.md 3).

use std::{collections::BTreeMap, path::Path, time::Duration};

use common::flags::format_duration;
use proto::v0::{CommandInfo, DurationInfo, ExecutorId, ExecutorInfo, FrameworkInfo, TaskInfo};
use resources::{Resources, Role};

/// The command executor's program name in `--launcher_dir`.
pub const MESOS_EXECUTOR: &str = "mesos-executor";

/// What every command executor takes on top of its task (Mesos's `DEFAULT_EXECUTOR_CPUS`
/// and `DEFAULT_EXECUTOR_MEM`).
pub const COMMAND_EXECUTOR_RESOURCES: &str = "cpus:0.1;mem:32";

/// The `ExecutorInfo` of the command executor that runs `task`: executor id = task id, the
/// `mesos-executor` program from `launcher_dir` (or, when it is missing, a shell command
/// that says so and fails), the task's environment, URIs, labels, discovery and user, a
/// shutdown grace period covering the task's kill grace period, and `cpus:0.1;mem:32`
/// allocated to the task's role.
///
/// `executor_path` is `launcher_dir/mesos-executor` resolved, or why it could not be.
pub fn command_executor_info(
    framework: &FrameworkInfo,
    task: &TaskInfo,
    launcher_dir: &Path,
    executor_path: Result<&Path, &str>,
) -> ExecutorInfo {
    let command = task.command.clone().unwrap_or_default();
    let mut executor_command = CommandInfo {
        uris: command.uris.clone(),
        environment: command.environment.clone(),
        user: command.user.clone(),
        ..Default::default()
    };
    match executor_path {
        Ok(path) => {
            executor_command.shell = Some(false);
            executor_command.value = Some(path.display().to_string());
            executor_command.arguments = vec![
                MESOS_EXECUTOR.to_owned(),
                format!("--launcher_dir={}", launcher_dir.display()),
            ];
        }
        Err(error) => {
            executor_command.shell = Some(true);
            executor_command.value = Some(format!("echo '{error}'; exit 1"));
        }
    }

    let shutdown_grace_period = task
        .kill_policy
        .as_ref()
        .and_then(|policy| policy.grace_period.as_ref())
        .map(|grace| DurationInfo {
            // Mesos adds the reaper's interval (1 s) and another second of slack.
            nanoseconds: grace.nanoseconds.saturating_add(2_000_000_000),
        });

    let role = task.resources.iter().find_map(|resource| {
        resource
            .allocation_info
            .as_ref()
            .and_then(|allocation| allocation.role.clone())
    });
    let mut overhead = Resources::parse_unreserved(COMMAND_EXECUTOR_RESOURCES)
        .expect("the command executor's resources are valid");
    if let Some(role) = role.as_deref().and_then(|role| Role::new(role).ok()) {
        overhead.allocate(&role);
    }

    #[allow(deprecated)]
    ExecutorInfo {
        r#type: None,
        executor_id: ExecutorId {
            value: task.task_id.value.clone(),
        },
        framework_id: framework.id.clone(),
        command: Some(executor_command),
        container: task.container.clone(),
        resources: overhead.to_proto_v0(),
        name: Some(format!(
            "Command Executor {}",
            command_description(&task.task_id.value, &command)
        )),
        source: Some(task.task_id.value.clone()),
        data: None,
        discovery: task.discovery.clone(),
        shutdown_grace_period,
        labels: task.labels.clone(),
    }
}

/// `(Task: <id>) (Command: sh -c '<cmd>')`, the command cut to 12 characters and `...`
/// when longer than 15, as Mesos names command executors.
fn command_description(task_id: &str, command: &CommandInfo) -> String {
    let shorten = |text: &str| {
        if text.chars().count() > 15 {
            format!("{}...", text.chars().take(12).collect::<String>())
        } else {
            text.to_owned()
        }
    };
    let described = if command.shell.unwrap_or(true) {
        match &command.value {
            None => "(Command: NO COMMAND)".to_owned(),
            Some(value) => format!("(Command: sh -c '{}')", shorten(value)),
        }
    } else {
        match &command.value {
            None => "(Command: NO EXECUTABLE)".to_owned(),
            Some(value) => {
                let args = format!("{value}, {}", command.arguments.join(", "));
                format!("(Command: [{}])", shorten(&args))
            }
        }
    };
    format!("(Task: {task_id}) {described}")
}

/// What the executor environment needs to know about the agent and the executor.
#[derive(Debug, Clone)]
pub struct ExecutorEnvironment<'a> {
    /// The executor.
    pub executor: &'a ExecutorInfo,
    /// Its framework id.
    pub framework_id: &'a str,
    /// Its sandbox.
    pub directory: &'a Path,
    /// This agent's id.
    pub agent_id: &'a str,
    /// This agent's UPID (`slave(1)@ip:port`).
    pub agent_pid: &'a str,
    /// This agent's `ip:port`.
    pub agent_endpoint: &'a str,
    /// This agent's IP, passed as `LIBPROCESS_IP`.
    pub agent_ip: &'a str,
    /// Whether the framework checkpoints.
    pub checkpoint: bool,
    /// `--http_command_executor`.
    pub http_command_executor: bool,
    /// `--executor_shutdown_grace_period` (the executor's own grace period wins).
    pub shutdown_grace_period: Duration,
    /// `--recovery_timeout` (passed when checkpointing).
    pub recovery_timeout: Duration,
    /// `--executor_reregistration_timeout` (passed when checkpointing).
    pub reregistration_timeout: Duration,
    /// `--executor_environment_variables`, which the agent's variables override.
    pub extra: &'a BTreeMap<String, String>,
}

impl ExecutorEnvironment<'_> {
    /// The variables, as Mesos sets them.
    pub fn variables(&self) -> BTreeMap<String, String> {
        let mut environment = self.extra.clone();
        let mut set = |name: &str, value: String| {
            environment.insert(name.to_owned(), value);
        };
        set("LIBPROCESS_IP", self.agent_ip.to_owned());
        set("LIBPROCESS_PORT", "0".to_owned());
        set("MESOS_FRAMEWORK_ID", self.framework_id.to_owned());
        set("MESOS_EXECUTOR_ID", self.executor.executor_id.value.clone());
        let directory = self.directory.display().to_string();
        set("MESOS_DIRECTORY", directory.clone());
        set("MESOS_SANDBOX", directory);
        set("MESOS_SLAVE_ID", self.agent_id.to_owned());
        set("MESOS_SLAVE_PID", self.agent_pid.to_owned());
        set("MESOS_AGENT_ENDPOINT", self.agent_endpoint.to_owned());
        set("MESOS_CHECKPOINT", flag(self.checkpoint));
        set(
            "MESOS_HTTP_COMMAND_EXECUTOR",
            flag(self.http_command_executor),
        );
        let grace = self
            .executor
            .shutdown_grace_period
            .as_ref()
            .map(|grace| Duration::from_nanos(grace.nanoseconds.max(0) as u64))
            .unwrap_or(self.shutdown_grace_period);
        set(
            "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
            format_duration(grace),
        );
        if self.checkpoint {
            set(
                "MESOS_RECOVERY_TIMEOUT",
                format_duration(self.recovery_timeout),
            );
            set(
                "MESOS_SUBSCRIPTION_BACKOFF_MAX",
                format_duration(self.reregistration_timeout),
            );
        }
        environment
    }
}

fn flag(value: bool) -> String {
    if value { "1" } else { "0" }.to_owned()
}

#[cfg(test)]
#[path = "command_executor_tests.rs"]
mod tests;
