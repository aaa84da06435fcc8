//! Tests of the command executor's info and of the executor environment.

use std::path::PathBuf;

use proto::v0::{FrameworkId, KillPolicy, Resource, command_info::Uri, resource::AllocationInfo};

use super::*;
use crate::test_support::task_info;

fn framework() -> FrameworkInfo {
    FrameworkInfo {
        user: "u".into(),
        name: "n".into(),
        id: Some(FrameworkId {
            value: "F-0000".into(),
        }),
        ..Default::default()
    }
}

fn allocated(mut resources: Vec<Resource>, role: &str) -> Vec<Resource> {
    for resource in &mut resources {
        resource.allocation_info = Some(AllocationInfo {
            role: Some(role.into()),
        });
    }
    resources
}

#[test]
fn command_executors_are_made_up_as_mesos_does() {
    let mut task = task_info("t1", "cpus:1;mem:128");
    task.resources = allocated(task.resources, "web");
    let command = task.command.as_mut().unwrap();
    command.value = Some("echo hello".into());
    command.uris = vec![Uri {
        value: "http://x/y".into(),
        ..Default::default()
    }];
    command.user = Some("alice".into());
    task.kill_policy = Some(KillPolicy {
        grace_period: Some(DurationInfo {
            nanoseconds: 3_000_000_000,
        }),
    });
    let launcher = PathBuf::from("/opt/mesos/libexec");
    let program = launcher.join("mesos-executor");
    let info = command_executor_info(&framework(), &task, &launcher, Ok(&program));

    assert_eq!(info.executor_id.value, "t1");
    assert_eq!(info.framework_id.as_ref().unwrap().value, "F-0000");
    assert_eq!(
        info.name.as_deref(),
        Some("Command Executor (Task: t1) (Command: sh -c 'echo hello')")
    );
    #[allow(deprecated)]
    let source = info.source.as_deref();
    assert_eq!(source, Some("t1"));
    let executor_command = info.command.as_ref().unwrap();
    assert_eq!(executor_command.shell, Some(false));
    assert_eq!(
        executor_command.value.as_deref(),
        Some("/opt/mesos/libexec/mesos-executor")
    );
    assert_eq!(
        executor_command.arguments,
        vec![
            "mesos-executor".to_string(),
            "--launcher_dir=/opt/mesos/libexec".to_string()
        ]
    );
    assert_eq!(executor_command.uris.len(), 1);
    assert_eq!(executor_command.user.as_deref(), Some("alice"));
    assert_eq!(
        info.shutdown_grace_period.unwrap().nanoseconds,
        5_000_000_000
    );
    let mut expected = Resources::parse_unreserved("cpus:0.1;mem:32").unwrap();
    expected.allocate(&Role::new("web").unwrap());
    assert_eq!(Resources::from_proto_v0(&info.resources).unwrap(), expected);
}

#[test]
fn names_shorten_long_commands_and_describe_argv() {
    let mut task = task_info("t", "cpus:1");
    task.command.as_mut().unwrap().value = Some("sleep 1000 && echo done".into());
    let missing = command_executor_info(
        &framework(),
        &task,
        Path::new("/nowhere"),
        Err("No such file or directory"),
    );
    assert_eq!(
        missing.name.as_deref(),
        Some("Command Executor (Task: t) (Command: sh -c 'sleep 1000 &...')")
    );
    let command = missing.command.unwrap();
    assert_eq!(command.shell, Some(true));
    assert_eq!(
        command.value.as_deref(),
        Some("echo 'No such file or directory'; exit 1")
    );
    assert_eq!(missing.shutdown_grace_period, None);

    let argv = task.command.as_mut().unwrap();
    argv.shell = Some(false);
    argv.value = Some("/bin/ls".into());
    argv.arguments = vec!["ls".into()];
    let info = command_executor_info(&framework(), &task, Path::new("/x"), Err("gone"));
    assert_eq!(
        info.name.as_deref(),
        Some("Command Executor (Task: t) (Command: [/bin/ls, ls])")
    );
    argv_none(&mut task);
    let info = command_executor_info(&framework(), &task, Path::new("/x"), Err("gone"));
    assert_eq!(
        info.name.as_deref(),
        Some("Command Executor (Task: t) (Command: NO EXECUTABLE)")
    );
}

fn argv_none(task: &mut TaskInfo) {
    task.command.as_mut().unwrap().value = None;
}

#[test]
fn the_environment_has_everything_executors_read() {
    let executor = ExecutorInfo {
        executor_id: ExecutorId { value: "e".into() },
        ..Default::default()
    };
    let extra = BTreeMap::from([
        ("PATH".to_string(), "/usr/bin".to_string()),
        ("MESOS_SLAVE_ID".to_string(), "overridden".to_string()),
    ]);
    let directory = PathBuf::from("/work/slaves/A/frameworks/F/executors/e/runs/c");
    let mut environment = ExecutorEnvironment {
        executor: &executor,
        framework_id: "F",
        directory: &directory,
        agent_id: "A-S0",
        agent_pid: "slave(1)@127.0.0.1:5051",
        agent_endpoint: "127.0.0.1:5051",
        agent_ip: "127.0.0.1",
        checkpoint: false,
        http_command_executor: true,
        shutdown_grace_period: Duration::from_secs(5),
        recovery_timeout: Duration::from_secs(900),
        reregistration_timeout: Duration::from_secs(2),
        extra: &extra,
    };
    let variables = environment.variables();
    let get = |name: &str| variables.get(name).map(String::as_str);
    assert_eq!(get("MESOS_AGENT_ENDPOINT"), Some("127.0.0.1:5051"));
    assert_eq!(get("MESOS_FRAMEWORK_ID"), Some("F"));
    assert_eq!(get("MESOS_EXECUTOR_ID"), Some("e"));
    assert_eq!(get("MESOS_SLAVE_ID"), Some("A-S0"));
    assert_eq!(get("MESOS_SLAVE_PID"), Some("slave(1)@127.0.0.1:5051"));
    assert_eq!(
        get("MESOS_DIRECTORY"),
        Some("/work/slaves/A/frameworks/F/executors/e/runs/c")
    );
    assert_eq!(get("MESOS_SANDBOX"), get("MESOS_DIRECTORY"));
    assert_eq!(get("MESOS_CHECKPOINT"), Some("0"));
    assert_eq!(get("MESOS_HTTP_COMMAND_EXECUTOR"), Some("1"));
    assert_eq!(get("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"), Some("5secs"));
    assert_eq!(get("LIBPROCESS_PORT"), Some("0"));
    assert_eq!(get("LIBPROCESS_IP"), Some("127.0.0.1"));
    assert_eq!(get("PATH"), Some("/usr/bin"));
    assert_eq!(get("MESOS_RECOVERY_TIMEOUT"), None);

    environment.checkpoint = true;
    let with_grace = ExecutorInfo {
        shutdown_grace_period: Some(DurationInfo {
            nanoseconds: 1_500_000_000,
        }),
        ..executor.clone()
    };
    environment.executor = &with_grace;
    let variables = environment.variables();
    assert_eq!(variables["MESOS_CHECKPOINT"], "1");
    assert_eq!(variables["MESOS_RECOVERY_TIMEOUT"], "15mins");
    assert_eq!(variables["MESOS_SUBSCRIPTION_BACKOFF_MAX"], "2secs");
    assert_eq!(variables["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"], "1500ms");
}
