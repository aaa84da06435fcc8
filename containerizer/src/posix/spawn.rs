//! Starting an executor: its argv and environment from the config, its sandbox as working
//! directory and home of its `stdout`/`stderr`, its own session, and (when asked and
//! allowed) another user.

use std::{
    collections::BTreeMap,
    fs::{File, OpenOptions},
    os::unix::process::CommandExt,
    path::Path,
    process::{Child, Command, Stdio},
};

use nix::unistd::{Gid, Uid, User, chown, getgrouplist, setgid, setgroups, setsid, setuid};
use proto::v0;

use crate::ContainerConfig;

/// Mesos's `os::host_default_path()`, given to containers whose environment has no `PATH`.
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The shell that runs `shell` commands, as Mesos runs them (`sh -c <value>`).
const SHELL: &str = "/bin/sh";

/// Why an executor could not be started; the message goes to the agent (and from there to
/// the framework), so it says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The sandbox directory is missing or not a directory.
    #[error("sandbox directory '{path}' does not exist or is not a directory")]
    MissingSandbox {
        /// The directory given.
        path: String,
    },
    /// The command has no `value` (the shell command line, or the program).
    #[error(
        "the command has no value: a shell command needs a command line, otherwise the program to run"
    )]
    MissingCommand,
    /// `stdout` or `stderr` could not be created in the sandbox.
    #[error("could not create '{path}': {source}")]
    OutputFile {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The user to run as is unknown, or we may not switch to it.
    #[error("cannot run as user '{user}': {reason}")]
    User {
        /// The user asked for.
        user: String,
        /// Why not.
        reason: String,
    },
    /// The program could not be started (not found, not executable, ...).
    #[error("could not start '{program}': {source}")]
    Exec {
        /// The program.
        program: String,
        /// What the system said.
        source: std::io::Error,
    },
}

/// The user to switch to in the child.
struct SwitchUser {
    uid: Uid,
    gid: Gid,
    groups: Vec<Gid>,
}

/// The container's environment: the agent's variables, `MESOS_SANDBOX`, then the command's
/// own (non-secret) variables, and `PATH` when none of them set it.
pub(crate) fn environment(config: &ContainerConfig) -> BTreeMap<String, String> {
    let mut environment = config.environment.clone();
    environment.insert(
        "MESOS_SANDBOX".to_string(),
        config.directory.to_string_lossy().into_owned(),
    );
    if let Some(variables) = &config.command.environment {
        for variable in &variables.variables {
            let secret = variable.r#type == Some(v0::environment::variable::Type::Secret as i32);
            if !secret {
                environment.insert(
                    variable.name.clone(),
                    variable.value.clone().unwrap_or_default(),
                );
            }
        }
    }
    environment
        .entry("PATH".to_string())
        .or_insert_with(|| DEFAULT_PATH.to_string());
    environment
}

/// The program and its argv (`argv[0]` first) for a command, as Mesos runs it.
pub(crate) fn argv(command: &v0::CommandInfo) -> Result<(String, Vec<String>), SpawnError> {
    let value = command
        .value
        .clone()
        .filter(|value| !value.is_empty())
        .ok_or(SpawnError::MissingCommand)?;
    if command.shell.unwrap_or(true) {
        Ok((SHELL.to_string(), vec!["sh".into(), "-c".into(), value]))
    } else if command.arguments.is_empty() {
        Ok((value.clone(), vec![value]))
    } else {
        Ok((value, command.arguments.clone()))
    }
}

/// Starts the executor of `config` in a new session (so it leads its own session and
/// process group, and nothing it starts can signal the agent's group).
pub(crate) fn spawn(config: &ContainerConfig) -> Result<Child, SpawnError> {
    let directory = &config.directory;
    if !directory.is_dir() {
        return Err(SpawnError::MissingSandbox {
            path: directory.display().to_string(),
        });
    }
    let (program, argv) = argv(&config.command)?;
    let switch = config
        .user
        .as_deref()
        .map(switch_user)
        .transpose()?
        .flatten();
    let stdout = output_file(directory, "stdout", switch.as_ref())?;
    let stderr = output_file(directory, "stderr", switch.as_ref())?;

    let mut command = Command::new(&program);
    if let Some((first, rest)) = argv.split_first() {
        command.arg0(first).args(rest);
    }
    command
        .env_clear()
        .envs(environment(config))
        .current_dir(directory)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // calls are allowed: setsid, setgroups, setgid and setuid are plain system calls, and the
    // closure allocates nothing (the group list was built before the fork).
    unsafe {
        command.pre_exec(move || {
            setsid()?;
            if let Some(switch) = &switch {
                setgroups(&switch.groups)?;
                setgid(switch.gid)?;
                setuid(switch.uid)?;
            }
            Ok(())
        });
    }
    command
        .spawn()
        .map_err(|source| SpawnError::Exec { program, source })
}

/// The user to switch to, or `None` when we already run as `name`.
fn switch_user(name: &str) -> Result<Option<SwitchUser>, SpawnError> {
    let refuse = |reason: String| SpawnError::User {
        user: name.to_string(),
        reason,
    };
    let user = User::from_name(name)
        .map_err(|error| refuse(format!("looking it up failed: {error}")))?
        .ok_or_else(|| refuse("no such user on this machine".to_string()))?;
    let current = Uid::effective();
    if user.uid == current {
        return Ok(None);
    }
    if !current.is_root() {
        return Err(refuse(format!(
            "the agent runs as uid {current}, not as root, so it cannot switch users"
        )));
    }
    let c_name = std::ffi::CString::new(name)
        .map_err(|_| refuse("the name contains a NUL byte".to_string()))?;
    let groups = getgrouplist(&c_name, user.gid)
        .map_err(|error| refuse(format!("listing its groups failed: {error}")))?;
    Ok(Some(SwitchUser {
        uid: user.uid,
        gid: user.gid,
        groups,
    }))
}

/// Creates (or appends to) `<sandbox>/<name>`, owned by the user the executor runs as.
fn output_file(
    directory: &Path,
    name: &str,
    switch: Option<&SwitchUser>,
) -> Result<File, SpawnError> {
    let path = directory.join(name);
    let failed = |source| SpawnError::OutputFile {
        path: path.display().to_string(),
        source,
    };
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(failed)?;
    if let Some(switch) = switch {
        chown(&path, Some(switch.uid), Some(switch.gid))
            .map_err(|error| failed(std::io::Error::from(error)))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(shell: Option<bool>, value: &str, arguments: &[&str]) -> v0::CommandInfo {
        v0::CommandInfo {
            shell,
            value: Some(value.to_string()),
            arguments: arguments.iter().map(|a| a.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn shell_commands_run_under_sh_and_others_take_their_argv() {
        assert_eq!(
            argv(&command(None, "echo hi", &[])).unwrap(),
            (
                "/bin/sh".into(),
                vec!["sh".into(), "-c".into(), "echo hi".into()]
            )
        );
        assert_eq!(
            argv(&command(Some(false), "/bin/echo", &["echo", "a", "b"])).unwrap(),
            (
                "/bin/echo".into(),
                vec!["echo".into(), "a".into(), "b".into()]
            )
        );
        assert_eq!(
            argv(&command(Some(false), "/bin/true", &[])).unwrap(),
            ("/bin/true".into(), vec!["/bin/true".into()])
        );
        assert!(matches!(
            argv(&v0::CommandInfo::default()),
            Err(SpawnError::MissingCommand)
        ));
    }

    #[test]
    fn environment_is_the_agents_then_the_commands_with_sandbox_and_default_path() {
        let mut config = ContainerConfig::new(command(None, "true", &[]), "/sandbox");
        config.environment.insert("A".into(), "agent".into());
        config.environment.insert("B".into(), "agent".into());
        config.command.environment = Some(v0::Environment {
            variables: vec![
                v0::environment::Variable {
                    name: "B".into(),
                    value: Some("command".into()),
                    ..Default::default()
                },
                v0::environment::Variable {
                    name: "SECRET".into(),
                    r#type: Some(v0::environment::variable::Type::Secret as i32),
                    ..Default::default()
                },
            ],
        });
        let environment = environment(&config);
        assert_eq!(environment["A"], "agent");
        assert_eq!(environment["B"], "command");
        assert_eq!(environment["MESOS_SANDBOX"], "/sandbox");
        assert_eq!(environment["PATH"], DEFAULT_PATH);
        assert!(!environment.contains_key("SECRET"));
        assert_eq!(environment.len(), 4);

        config
            .environment
            .insert("PATH".into(), "/only/here".into());
        assert_eq!(super::environment(&config)["PATH"], "/only/here");
    }
}
