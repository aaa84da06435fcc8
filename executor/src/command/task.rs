//! The command executor's one task as an OS process: started from its `CommandInfo` in a
//! process group of its own, signalled as a whole tree, reaped by a thread.

use std::{
    collections::BTreeMap,
    fs,
    os::unix::process::{CommandExt, ExitStatusExt},
    path::PathBuf,
    process::{Child, Command},
};

use nix::{
    errno::Errno,
    sys::signal::{Signal, kill, killpg},
    unistd::{Pid, User},
};
use proto::v1::{CommandInfo, TaskInfo, environment::variable::Type as VariableType};

/// How to start tasks: the executor's own environment (what the agent gave it), the
/// working directory, and the user to run as.
#[derive(Debug, Clone, Default)]
pub struct TaskEnvironment {
    /// The base environment of the task (the executor's own, normally).
    pub variables: BTreeMap<String, String>,
    /// The task's working directory (the sandbox); `None` keeps the executor's.
    pub working_directory: Option<PathBuf>,
    /// Run the task as this user (`--user`; needs root unless it is the current user).
    pub user: Option<String>,
}

/// The environment of `task`'s command, as Mesos builds it: the executor's environment
/// (without its authentication token), overridden by the command's variables (secrets
/// skipped), plus `MESOS_ALLOCATION_ROLE`.
pub(crate) fn task_variables(
    base: &BTreeMap<String, String>,
    command: &CommandInfo,
    task: &TaskInfo,
) -> BTreeMap<String, String> {
    let mut variables = base.clone();
    variables.remove("MESOS_EXECUTOR_AUTHENTICATION_TOKEN");
    if let Some(environment) = &command.environment {
        for variable in &environment.variables {
            if variable.r#type != Some(VariableType::Secret as i32) {
                variables.insert(
                    variable.name.clone(),
                    variable.value.clone().unwrap_or_default(),
                );
            }
        }
    }
    let role = task
        .resources
        .first()
        .and_then(|resource| resource.allocation_info.as_ref())
        .and_then(|allocation| allocation.role.clone());
    if let Some(role) = role {
        variables.insert("MESOS_ALLOCATION_ROLE".to_string(), role);
    }
    variables
}

/// Starts `command` for `task`: `sh -c <value>` for a shell command, else `value` with
/// `arguments` as its whole argv; in a new process group, so the task's tree can be
/// signalled without signalling the executor.
pub(crate) fn spawn(
    command: &CommandInfo,
    task: &TaskInfo,
    environment: &TaskEnvironment,
) -> Result<Child, String> {
    let value = command
        .value
        .clone()
        .filter(|value| !value.is_empty())
        .ok_or_else(|| "the command has no value".to_string())?;
    let mut process = if command.shell.unwrap_or(true) {
        let mut process = Command::new("/bin/sh");
        process.arg0("sh").arg("-c").arg(&value);
        process
    } else {
        let mut process = Command::new(&value);
        if let Some((first, rest)) = command.arguments.split_first() {
            process.arg0(first).args(rest);
        }
        process
    };
    process
        .env_clear()
        .envs(task_variables(&environment.variables, command, task))
        .process_group(0);
    if let Some(directory) = &environment.working_directory {
        process.current_dir(directory);
    }
    if let Some(name) = &environment.user {
        let user = User::from_name(name)
            .map_err(|error| format!("looking up user '{name}' failed: {error}"))?
            .ok_or_else(|| format!("no user '{name}' on this machine"))?;
        if user.uid != nix::unistd::Uid::effective() {
            process.uid(user.uid.as_raw()).gid(user.gid.as_raw());
        }
    }
    process
        .spawn()
        .map_err(|error| format!("could not start '{value}': {error}"))
}

/// Starts a thread that waits for `child` and calls `done` with its raw wait status
/// (`None` if it could not be read).
pub(crate) fn reap(
    mut child: Child,
    done: impl FnOnce(Option<i32>) + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(format!("task-reaper-{}", child.id()))
        .spawn(move || done(child.wait().ok().map(ExitStatusExt::into_raw)))
        .map(drop)
}

/// Sends `signal` to the task's process group and to every descendant of `pid` (some may
/// have moved to groups of their own). Processes already gone are skipped.
pub(crate) fn signal_tree(pid: i32, signal: Signal) {
    // List the tree first: once a parent dies its children are adopted by init and can no
    // longer be found from the task.
    let tree = descendants(pid);
    match killpg(Pid::from_raw(pid), signal) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(error) => tracing::warn!(pid, %signal, %error, "could not signal the task's group"),
    }
    for descendant in tree {
        let _ = kill(Pid::from_raw(descendant), signal);
    }
}

/// Every live descendant of `root`, from `/proc`.
fn descendants(root: i32) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(i32, i32)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (_, rest) = stat.rsplit_once(')')?;
            let mut fields = rest.split_whitespace();
            let state = fields.next()?;
            let parent = fields.next()?.parse().ok()?;
            (state != "Z").then_some((pid, parent))
        })
        .collect();
    let mut found = vec![root];
    let mut index = 0;
    while index < found.len() {
        let parent = found[index];
        found.extend(
            parents
                .iter()
                .filter(|(_, of)| *of == parent)
                .map(|(pid, _)| *pid),
        );
        index += 1;
    }
    found.remove(0);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::v1::{Environment, Resource, environment::Variable, resource::AllocationInfo};

    #[test]
    fn the_task_environment_is_the_executors_with_the_commands_on_top() {
        let base = BTreeMap::from([
            ("A".to_string(), "executor".to_string()),
            ("B".to_string(), "executor".to_string()),
            (
                "MESOS_EXECUTOR_AUTHENTICATION_TOKEN".to_string(),
                "secret".to_string(),
            ),
        ]);
        let command = CommandInfo {
            environment: Some(Environment {
                variables: vec![
                    Variable {
                        name: "B".into(),
                        value: Some("command".into()),
                        ..Default::default()
                    },
                    Variable {
                        name: "S".into(),
                        r#type: Some(VariableType::Secret as i32),
                        ..Default::default()
                    },
                ],
            }),
            ..Default::default()
        };
        let task = TaskInfo {
            resources: vec![Resource {
                name: "cpus".into(),
                allocation_info: Some(AllocationInfo {
                    role: Some("web".into()),
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        let variables = task_variables(&base, &command, &task);
        assert_eq!(
            variables,
            BTreeMap::from([
                ("A".to_string(), "executor".to_string()),
                ("B".to_string(), "command".to_string()),
                ("MESOS_ALLOCATION_ROLE".to_string(), "web".to_string()),
            ])
        );
    }
}
