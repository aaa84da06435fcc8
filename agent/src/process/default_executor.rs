//! The default executor (`mesos-default-executor` in `--launcher_dir`), which runs a task
//! group whose `ExecutorInfo` has type `DEFAULT` and no command: the agent gives it the
//! command, as Mesos's `defaultExecutorCommandInfo` does, when it launches the container.

use std::path::{Path, PathBuf};

use proto::v0::{CommandInfo, ExecutorInfo, executor_info};

/// The default executor's program name in `--launcher_dir`.
pub(crate) const MESOS_DEFAULT_EXECUTOR: &str = "mesos-default-executor";

/// `launcher_dir/mesos-default-executor` resolved, or why it could not be.
pub(crate) fn locate(launcher_dir: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(launcher_dir.join(MESOS_DEFAULT_EXECUTOR)).map_err(|error| {
        format!(
            "{MESOS_DEFAULT_EXECUTOR} not found in '{}': {error}",
            launcher_dir.display()
        )
    })
}

/// Whether `info` asks for the default executor (type DEFAULT, no command of its own).
pub(crate) fn is_default(info: &ExecutorInfo) -> bool {
    info.r#type == Some(executor_info::Type::Default as i32) && info.command.is_none()
}

/// The command that starts the default executor: the program with `--launcher_dir`, run
/// as `user` when given; when the program is missing, a shell command that says so and
/// fails, so the task group fails with that message.
pub(crate) fn command(
    launcher_dir: &Path,
    program: Result<&Path, &str>,
    user: Option<String>,
) -> CommandInfo {
    match program {
        Ok(path) => CommandInfo {
            shell: Some(false),
            value: Some(path.display().to_string()),
            arguments: vec![
                MESOS_DEFAULT_EXECUTOR.to_owned(),
                format!("--launcher_dir={}", launcher_dir.display()),
            ],
            user,
            ..Default::default()
        },
        Err(error) => CommandInfo {
            shell: Some(true),
            value: Some(format!("echo '{}'; exit 1", error.replace('\'', ""))),
            user,
            ..Default::default()
        },
    }
}
