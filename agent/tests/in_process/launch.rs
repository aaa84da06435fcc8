//! Running tasks: the command executor is made up and launched in its sandbox with Mesos's
//! environment, tasks wait for the executor to subscribe and then arrive as LAUNCH (or
//! LAUNCH_GROUP), and executors that never subscribe, fail to start, or exit are handled.

use std::time::Duration;

use proto::{
    internal::{ExitedExecutorMessage, RunTaskGroupMessage, RunTaskMessage, StatusUpdateMessage},
    v0::{CommandInfo, ExecutorId, ExecutorInfo, TaskGroupInfo, TaskState, task_status::Reason},
    v1::{self, executor::event},
};

use crate::support::{FRAMEWORK, Harness};

#[test]
fn a_command_task_launches_its_executor_in_a_sandbox_and_arrives_on_subscribe() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "echo hello"));

    let launches = harness.launches();
    assert_eq!(launches.len(), 1);
    let (container_id, config) = &launches[0];
    let sandbox = harness.work_dir.path().join(format!(
        "agent/slaves/M-S0/frameworks/{FRAMEWORK}/executors/t1/runs/{}",
        container_id.value
    ));
    assert_eq!(config.directory, sandbox);
    assert!(sandbox.is_dir());
    let latest = sandbox.parent().unwrap().join("latest");
    assert_eq!(std::fs::read_link(latest).unwrap(), sandbox);

    let executor = config.executor_info.as_ref().unwrap();
    assert_eq!(executor.executor_id.value, "t1");
    assert_eq!(
        executor.name.as_deref(),
        Some("Command Executor (Task: t1) (Command: sh -c 'echo hello')")
    );
    // mesos-executor is missing from the test's launcher_dir: Mesos's fallback command.
    assert_eq!(config.command.shell, Some(true));
    assert_eq!(
        config.resources,
        resources::Resources::parse("cpus:1.1;mem:160", &resources::Role::star())
            .map(|mut r| {
                r.allocate(&resources::Role::star());
                r
            })
            .unwrap()
    );
    assert_eq!(config.task_info.as_ref().unwrap().task_id.value, "t1");
    let env = &config.environment;
    let agent_address = harness.agent.address().to_string();
    assert_eq!(env["MESOS_AGENT_ENDPOINT"], agent_address);
    assert_eq!(env["MESOS_FRAMEWORK_ID"], FRAMEWORK);
    assert_eq!(env["MESOS_EXECUTOR_ID"], "t1");
    assert_eq!(env["MESOS_SLAVE_ID"], "M-S0");
    assert_eq!(env["MESOS_SLAVE_PID"], harness.agent.to_string());
    assert_eq!(env["MESOS_DIRECTORY"], sandbox.display().to_string());
    assert_eq!(env["MESOS_CHECKPOINT"], "0");
    assert_eq!(env["MESOS_HTTP_COMMAND_EXECUTOR"], "1");
    assert_eq!(env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"], "5secs");
    assert_eq!(env["LIBPROCESS_PORT"], "0");

    let state = harness.state();
    let executor_state = &state["frameworks"][0]["executors"][0];
    assert_eq!(executor_state["queued_tasks"][0]["id"], "t1");
    assert_eq!(harness.metric("slave/tasks_staging"), 1.0);
    assert_eq!(harness.metric("slave/executors_registering"), 1.0);

    let mut fake = harness.subscribe("t1");
    let events = fake.events();
    assert_eq!(events.len(), 2, "{events:?}");
    let subscribed = events[0].subscribed.as_ref().expect("SUBSCRIBED first");
    assert_eq!(
        proto::json::to_value(&subscribed.executor_info.executor_id),
        serde_json::json!({"value": "t1"})
    );
    assert_eq!(
        proto::json::to_value(subscribed.framework_info.id.as_ref().unwrap()),
        serde_json::json!({"value": FRAMEWORK})
    );
    assert_eq!(subscribed.agent_info.id.as_ref().unwrap().value, "M-S0");
    assert_eq!(
        subscribed.container_id.as_ref().unwrap().value,
        container_id.value
    );
    let launch = events[1].launch.as_ref().expect("then LAUNCH");
    assert_eq!(launch.task.task_id.value, "t1");
    assert_eq!(harness.metric("slave/executors_running"), 1.0);
    assert_eq!(
        harness.state()["frameworks"][0]["executors"][0]["tasks"][0]["state"],
        "TASK_STAGING"
    );

    // Heartbeats keep the stream alive.
    harness.advance(Duration::from_secs(30));
    assert_eq!(fake.event_types(), vec![event::Type::Heartbeat]);
}

#[test]
fn tasks_for_a_running_executor_are_sent_at_once_and_groups_as_launch_group() {
    let harness = Harness::registered();
    let executor = ExecutorInfo {
        executor_id: ExecutorId { value: "e".into() },
        command: Some(CommandInfo {
            value: Some("my-executor".into()),
            ..Default::default()
        }),
        resources: resources::Resources::parse_unreserved("cpus:0.5;mem:64")
            .unwrap()
            .to_proto_v0(),
        ..Default::default()
    };
    let group = TaskGroupInfo {
        tasks: vec![
            harness.command_task("a", "x"),
            harness.command_task("b", "y"),
        ]
        .into_iter()
        .map(|mut task| {
            task.command = None;
            task
        })
        .collect(),
    };
    harness.send(&RunTaskGroupMessage {
        framework: harness.framework_info(),
        executor: executor.clone(),
        task_group: group,
        ..Default::default()
    });
    let mut fake = harness.subscribe("e");
    let types = fake.event_types();
    assert_eq!(
        types,
        vec![event::Type::Subscribed, event::Type::LaunchGroup]
    );

    let mut task = harness.command_task("c", "z");
    task.command = None;
    task.executor = Some(executor);
    harness.send(&RunTaskMessage {
        framework: harness.framework_info(),
        task,
        ..Default::default()
    });
    let events = fake.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].launch.as_ref().unwrap().task.task_id.value, "c");
    assert_eq!(
        harness.launches().len(),
        1,
        "one executor for all three tasks"
    );
    let tasks = harness.state()["frameworks"][0]["executors"][0]["tasks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(tasks, 3);
}

#[test]
fn tasks_from_strangers_or_for_other_agents_are_ignored() {
    let harness = Harness::registered();
    let (stranger, _) = harness.spawn_recorder("scheduler-1");
    harness.send_from(
        &stranger,
        &RunTaskMessage {
            framework: harness.framework_info(),
            task: harness.command_task("t1", "true"),
            ..Default::default()
        },
    );
    let mut elsewhere = harness.command_task("t2", "true");
    elsewhere.slave_id.value = "M-S99".into();
    harness.run_task(elsewhere);
    let mut both = harness.command_task("t3", "true");
    both.executor = Some(ExecutorInfo::default());
    harness.run_task(both);
    let mut escaping = harness.command_task("../../etc", "true");
    escaping.task_id.value = "../../etc".into();
    harness.run_task(escaping);
    assert!(harness.launches().is_empty());
    assert!(harness.messages::<StatusUpdateMessage>().is_empty());
}

#[test]
fn an_executor_that_never_subscribes_is_destroyed_and_its_tasks_fail() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "true"));
    harness.advance(Duration::from_secs(59));
    assert!(harness.messages::<StatusUpdateMessage>().is_empty());
    harness.advance(Duration::from_secs(1));
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1);
    let status = &updates[0].update.status;
    assert_eq!(status.state, TaskState::TaskFailed as i32);
    assert_eq!(
        status.reason,
        Some(Reason::ExecutorRegistrationTimeout as i32)
    );
    let message = status.message.as_deref().unwrap();
    assert!(
        message.starts_with("Executor did not register within 1mins"),
        "{message}"
    );
    assert!(
        harness.containerizer.running().is_empty(),
        "container destroyed"
    );
    assert!(
        harness.messages::<ExitedExecutorMessage>().is_empty(),
        "the master never knew the command executor"
    );
}

#[test]
fn an_exited_executor_fails_its_unfinished_tasks() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "true"));
    let mut fake = harness.subscribe("t1");
    fake.events();
    harness.executor_update("t1", "t1", v1::TaskState::TaskRunning, 1);
    let (container, _) = harness.launches().remove(0);
    assert!(harness.containerizer.exit(&container, 1 << 8));
    harness.settle();
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(
        updates.len(),
        1,
        "the failure waits behind the unacknowledged RUNNING"
    );
    harness.acknowledge(&updates[0]);
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 2);
    let failed = &updates[1].update;
    assert_eq!(failed.status.state, TaskState::TaskFailed as i32);
    assert_eq!(
        failed.status.reason,
        Some(Reason::ExecutorTerminated as i32)
    );
    assert_eq!(failed.latest_state, Some(TaskState::TaskFailed as i32));
    assert!(failed.status.message.as_deref().unwrap().contains("exited"));
    harness.acknowledge(&updates[1]);
    let state = harness.state();
    assert_eq!(state["frameworks"].as_array().unwrap().len(), 0);
    let completed = &state["completed_frameworks"][0]["completed_executors"][0];
    assert_eq!(completed["completed_tasks"][0]["state"], "TASK_FAILED");
    assert_eq!(harness.metric("slave/tasks_failed"), 1.0);
}

#[test]
fn a_custom_executor_exit_is_reported_to_the_master() {
    let harness = Harness::registered();
    let mut task = harness.command_task("t1", "true");
    task.command = None;
    task.executor = Some(ExecutorInfo {
        executor_id: ExecutorId {
            value: "custom".into(),
        },
        command: Some(CommandInfo {
            value: Some("./executor".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    harness.run_task(task);
    let (container, _) = harness.launches().remove(0);
    harness.containerizer.exit(&container, 0);
    harness.settle();
    let exited = harness.messages::<ExitedExecutorMessage>();
    assert_eq!(exited.len(), 1);
    assert_eq!(exited[0].executor_id.value, "custom");
    assert_eq!(exited[0].status, 0);
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates[0].update.status.state, TaskState::TaskFailed as i32);
}

#[test]
fn a_container_that_fails_to_launch_fails_its_tasks() {
    let harness = Harness::registered();
    harness
        .containerizer
        .fail_launches(Some("no such program".into()));
    harness.run_task(harness.command_task("t1", "true"));
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1);
    let status = &updates[0].update.status;
    assert_eq!(status.state, TaskState::TaskFailed as i32);
    assert_eq!(status.reason, Some(Reason::ContainerLaunchFailed as i32));
    assert!(
        status
            .message
            .as_deref()
            .unwrap()
            .contains("no such program"),
        "{:?}",
        status.message
    );
    assert_eq!(harness.metric("slave/container_launch_errors"), 1.0);
}
