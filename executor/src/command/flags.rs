//! The `mesos-executor` command line (Mesos's command executor flags), and how it and the
//! environment become [`CommandOptions`].

use std::{collections::BTreeMap, ffi::OsString, path::PathBuf};

use clap::Parser;
use proto::v1::{CommandInfo, Environment, environment::variable::Type as VariableType};

use super::{CommandOptions, TaskEnvironment};

/// `mesos-executor`'s flags, with Mesos's names. Unknown flags are an error, as in Mesos.
#[derive(Debug, Clone, Default, PartialEq, Eq, Parser)]
#[command(
    name = "mesos-executor",
    about = "Mesos's command executor: runs one task's command for a Mesos agent.",
    long_about = None
)]
pub struct Flags {
    /// Directory of the Mesos binaries (accepted for compatibility; nothing else is run
    /// from it).
    #[arg(long = "launcher_dir")]
    pub launcher_dir: Option<String>,
    /// The task's root filesystem (not supported: the posix launcher runs tasks on the host
    /// filesystem).
    #[arg(long = "rootfs")]
    pub rootfs: Option<String>,
    /// Where the sandbox is mapped in the task's root filesystem (only with --rootfs).
    #[arg(long = "sandbox_directory")]
    pub sandbox_directory: Option<String>,
    /// The task's working directory (default: the sandbox, i.e. the executor's own).
    #[arg(long = "working_directory")]
    pub working_directory: Option<String>,
    /// Run the task as this user (needs root unless it is the current user).
    #[arg(long = "user")]
    pub user: Option<String>,
    /// A JSON `CommandInfo` to run instead of the task's command.
    #[arg(long = "task_command")]
    pub task_command: Option<String>,
    /// A JSON `Environment` added to the executor's environment for the task.
    #[arg(long = "task_environment")]
    pub task_environment: Option<String>,
}

impl Flags {
    /// Parses the command line (no environment variables: Mesos's command executor takes
    /// its flags from the command line only).
    ///
    /// # Errors
    /// clap's error, naming the flag.
    pub fn parse_from(
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Result<Self, clap::Error> {
        common::flags::try_parse_from(args, Vec::<(OsString, OsString)>::new(), "MESOS_")
    }

    /// The command executor's options from these flags and the executor's environment.
    ///
    /// # Errors
    /// A message naming the flag whose value cannot be used.
    pub fn options(
        &self,
        environment: &BTreeMap<String, String>,
    ) -> Result<CommandOptions, String> {
        if self.rootfs.is_some() {
            return Err(
                "--rootfs is not supported: the posix launcher runs tasks on the host filesystem"
                    .to_string(),
            );
        }
        let task_command = self
            .task_command
            .as_deref()
            .map(|json| {
                proto::json::from_str::<CommandInfo>(json)
                    .map_err(|error| format!("Failed to parse --task_command: {error}"))
            })
            .transpose()?;
        let mut variables = environment.clone();
        if let Some(json) = &self.task_environment {
            let extra = proto::json::from_str::<Environment>(json)
                .map_err(|error| format!("Failed to parse --task_environment: {error}"))?;
            for variable in extra.variables {
                if variable.r#type != Some(VariableType::Secret as i32) {
                    variables.insert(variable.name, variable.value.unwrap_or_default());
                }
            }
        }
        Ok(CommandOptions {
            task: TaskEnvironment {
                variables,
                working_directory: self.working_directory.as_ref().map(PathBuf::from),
                user: self.user.clone(),
            },
            task_command,
            kill_process_group_on_shutdown: !environment.contains_key("MESOS_LOCAL"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_mesos_flag_names_and_refuses_unknown_ones() {
        let flags = Flags::parse_from([
            "mesos-executor",
            "--launcher_dir=/usr/libexec/mesos",
            "--user=nobody",
            "--task_command={\"value\":\"echo hi\"}",
            "--task_environment={\"variables\":[{\"name\":\"X\",\"value\":\"1\"}]}",
        ])
        .unwrap();
        assert_eq!(flags.launcher_dir.as_deref(), Some("/usr/libexec/mesos"));
        let environment = BTreeMap::from([("PATH".to_string(), "/bin".to_string())]);
        let options = flags.options(&environment).unwrap();
        assert_eq!(
            options
                .task_command
                .and_then(|command| command.value)
                .as_deref(),
            Some("echo hi")
        );
        assert_eq!(options.task.variables["X"], "1");
        assert_eq!(options.task.variables["PATH"], "/bin");
        assert_eq!(options.task.user.as_deref(), Some("nobody"));
        assert!(options.kill_process_group_on_shutdown);

        let local = BTreeMap::from([("MESOS_LOCAL".to_string(), "1".to_string())]);
        assert!(
            !Flags::default()
                .options(&local)
                .unwrap()
                .kill_process_group_on_shutdown
        );

        assert!(Flags::parse_from(["mesos-executor", "--no_such_flag=1"]).is_err());
    }

    #[test]
    fn bad_values_name_their_flag() {
        let flags = Flags {
            task_command: Some("{not json".into()),
            ..Default::default()
        };
        let error = flags.options(&BTreeMap::new()).unwrap_err();
        assert!(error.contains("--task_command"), "{error}");
        let flags = Flags {
            rootfs: Some("/images/x".into()),
            ..Default::default()
        };
        assert!(
            flags
                .options(&BTreeMap::new())
                .unwrap_err()
                .contains("--rootfs")
        );
    }
}
