//! Killing tasks, shutting executors and frameworks down, the master shutting the agent
//! down, and messages between frameworks and executors.

use std::time::Duration;

use containerizer::FakeCall;
use proto::{
    internal::{
        ExecutorToFrameworkMessage, FrameworkToExecutorMessage, KillTaskMessage,
        ShutdownExecutorMessage, ShutdownFrameworkMessage, ShutdownMessage, StatusUpdateMessage,
        UnregisterSlaveMessage, UpdateFrameworkMessage,
    },
    v0::{ExecutorId, FrameworkId, SlaveId, TaskId, TaskState, task_status::Reason},
    v1::{self, executor::call, executor::event},
};

use crate::support::{FRAMEWORK, Harness, body_text};

fn framework_id() -> FrameworkId {
    FrameworkId {
        value: FRAMEWORK.into(),
    }
}

fn kill(task: &str) -> KillTaskMessage {
    KillTaskMessage {
        framework_id: framework_id(),
        task_id: TaskId { value: task.into() },
        kill_policy: None,
    }
}

fn destroys(harness: &Harness) -> usize {
    harness
        .containerizer
        .calls()
        .iter()
        .filter(|call| matches!(call, FakeCall::Destroy(_)))
        .count()
}

#[test]
fn a_queued_task_is_killed_before_delivery_and_the_idle_executor_shut_down() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    harness.send(&kill("t1"));
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1);
    let status = &updates[0].update.status;
    assert_eq!(status.state, TaskState::TaskKilled as i32);
    assert_eq!(status.reason, Some(Reason::TaskKilledDuringLaunch as i32));
    assert_eq!(
        status.message.as_deref(),
        Some("Killed before delivery to the executor")
    );

    // When the executor subscribes it has nothing to do: it is shut down.
    let mut fake = harness.subscribe("t1");
    assert_eq!(fake.event_types(), vec![event::Type::Shutdown]);
    harness.advance(Duration::from_secs(5));
    assert_eq!(destroys(&harness), 1, "destroyed after the grace period");
}

#[test]
fn a_launched_task_is_the_executors_to_kill() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    let mut fake = harness.subscribe("t1");
    fake.events();
    harness.send(&KillTaskMessage {
        kill_policy: Some(proto::v0::KillPolicy {
            grace_period: Some(proto::v0::DurationInfo {
                nanoseconds: 1_000_000_000,
            }),
        }),
        ..kill("t1")
    });
    let events = fake.events();
    assert_eq!(events.len(), 1);
    let kill_event = events[0].kill.as_ref().expect("KILL");
    assert_eq!(kill_event.task_id.value, "t1");
    assert_eq!(
        kill_event
            .kill_policy
            .as_ref()
            .unwrap()
            .grace_period
            .as_ref()
            .unwrap()
            .nanoseconds,
        1_000_000_000
    );
    harness.executor_update("t1", "t1", v1::TaskState::TaskKilled, 1);
    assert_eq!(
        harness.update_states(),
        vec![("t1".to_string(), TaskState::TaskKilled)]
    );
}

#[test]
fn killing_an_unknown_task_reports_it_lost() {
    let harness = Harness::registered();
    // Unknown framework: nothing to say.
    harness.send(&kill("nope"));
    assert!(harness.messages::<StatusUpdateMessage>().is_empty());
    harness.run_task(harness.command_task("t1", "sleep 100"));
    harness.send(&kill("nope"));
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1);
    let status = &updates[0].update.status;
    assert_eq!(status.task_id.value, "nope");
    assert_eq!(status.state, TaskState::TaskLost as i32);
    assert_eq!(status.message.as_deref(), Some("Cannot find executor"));
}

#[test]
fn shutting_a_framework_down_stops_its_executors_after_the_grace_period() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    harness.run_task(harness.command_task("t2", "sleep 100"));
    let mut first = harness.subscribe("t1");
    first.events();
    harness.send(&ShutdownFrameworkMessage {
        framework_id: framework_id(),
    });
    assert_eq!(first.event_types(), vec![event::Type::Shutdown]);
    // A late subscription of the other executor is told to shut down too.
    let mut second = harness.subscribe("t2");
    assert_eq!(second.event_types(), vec![event::Type::Shutdown]);
    assert_eq!(destroys(&harness), 0);
    harness.advance(Duration::from_secs(5));
    assert_eq!(destroys(&harness), 2);
    let state = harness.state();
    assert!(state["frameworks"].as_array().unwrap().is_empty());
    assert_eq!(state["completed_frameworks"][0]["id"], FRAMEWORK);
    assert!(
        harness.messages::<StatusUpdateMessage>().is_empty(),
        "a framework that is gone hears nothing"
    );
    assert!(harness.containerizer.running().is_empty());
}

#[test]
fn shutting_an_executor_down_fails_its_tasks_when_it_is_destroyed() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    let mut fake = harness.subscribe("t1");
    fake.events();
    harness.send(&ShutdownExecutorMessage {
        executor_id: Some(ExecutorId { value: "t1".into() }),
        framework_id: Some(framework_id()),
    });
    assert_eq!(fake.event_types(), vec![event::Type::Shutdown]);
    harness.advance(Duration::from_secs(5));
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].update.status.state, TaskState::TaskFailed as i32);
    assert_eq!(
        updates[0].update.status.reason,
        Some(Reason::ExecutorTerminated as i32)
    );
}

#[test]
fn the_master_can_shut_the_agent_down() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    let mut fake = harness.subscribe("t1");
    fake.events();
    harness.send(&ShutdownMessage {
        message: Some("Agent has been marked gone".into()),
    });
    assert_eq!(harness.messages::<UnregisterSlaveMessage>().len(), 1);
    assert_eq!(fake.event_types(), vec![event::Type::Shutdown]);
    assert!(
        harness.runtime.is_alive(&harness.agent),
        "waits for its executors"
    );
    harness.advance(Duration::from_secs(5));
    assert!(!harness.runtime.is_alive(&harness.agent), "then terminates");
    assert!(harness.containerizer.running().is_empty());
}

#[test]
fn messages_flow_between_framework_and_executor() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    // Before the executor runs, a framework message has nowhere to go.
    let to_executor = FrameworkToExecutorMessage {
        slave_id: SlaveId {
            value: "M-S0".into(),
        },
        framework_id: framework_id(),
        executor_id: ExecutorId { value: "t1".into() },
        data: b"hello".to_vec(),
    };
    harness.send(&to_executor);
    let mut fake = harness.subscribe("t1");
    fake.events();
    harness.send(&to_executor);
    let events = fake.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message.as_ref().unwrap().data, b"hello");

    let response = harness.call(&v1::executor::Call {
        executor_id: v1::ExecutorId { value: "t1".into() },
        framework_id: v1::FrameworkId {
            value: FRAMEWORK.into(),
        },
        r#type: Some(call::Type::Message as i32),
        message: Some(call::Message {
            data: b"world".to_vec(),
        }),
        ..Default::default()
    });
    assert_eq!(response.status, 202, "{}", body_text(&response));
    let messages = harness.messages::<ExecutorToFrameworkMessage>();
    assert_eq!(
        messages.len(),
        1,
        "through the master (an HTTP framework has no pid)"
    );
    assert_eq!(messages[0].data, b"world");
    assert_eq!(messages[0].executor_id.value, "t1");
    assert_eq!(messages[0].slave_id.value, "M-S0");
    assert_eq!(harness.metric("slave/valid_framework_messages"), 2.0);
    assert_eq!(harness.metric("slave/invalid_framework_messages"), 1.0);
}

#[test]
fn an_executor_whose_stream_breaks_is_shut_down_unless_its_framework_checkpoints() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    let fake = harness.subscribe("t1");
    fake.disconnect();
    harness.settle();
    assert_eq!(destroys(&harness), 0);
    harness.advance(Duration::from_secs(5));
    assert_eq!(destroys(&harness), 1);

    // A checkpointing framework's executor may come back.
    let mut info = harness.framework_info();
    info.id = Some(FrameworkId {
        value: "M-0001".into(),
    });
    info.checkpoint = Some(true);
    harness.send(&proto::internal::RunTaskMessage {
        framework: info,
        task: harness.command_task("t2", "sleep 100"),
        ..Default::default()
    });
    let call = |kind: call::Type| v1::executor::Call {
        executor_id: v1::ExecutorId { value: "t2".into() },
        framework_id: v1::FrameworkId {
            value: "M-0001".into(),
        },
        r#type: Some(kind as i32),
        subscribe: Some(call::Subscribe::default()),
        ..Default::default()
    };
    let response = harness.call(&call(call::Type::Subscribe));
    assert_eq!(response.status, 200);
    drop(response);
    harness.advance(Duration::from_secs(10));
    assert_eq!(
        destroys(&harness),
        1,
        "the checkpointing framework's executor stays"
    );
    let again = harness.call(&call(call::Type::Subscribe));
    assert_eq!(again.status, 200, "and may subscribe again");
}

#[test]
fn a_shutdown_request_stops_executors_unregisters_and_terminates() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    harness.agent_pid.dispatch(agent::Shutdown);
    harness.settle();
    assert_eq!(harness.messages::<UnregisterSlaveMessage>().len(), 1);
    assert!(harness.runtime.is_alive(&harness.agent));
    harness.advance(Duration::from_secs(5));
    assert!(!harness.runtime.is_alive(&harness.agent));
    assert!(
        harness.containerizer.running().is_empty(),
        "nothing outlives the agent"
    );
}

#[test]
fn a_framework_with_a_scheduler_pid_gets_executor_messages_directly() {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    let mut fake = harness.subscribe("t1");
    fake.events();
    let (scheduler, scheduler_record) = harness.spawn_recorder("scheduler-x");
    let mut info = harness.framework_info();
    info.name = "renamed".into();
    harness.send(&UpdateFrameworkMessage {
        framework_id: framework_id(),
        pid: Some(scheduler.to_string()),
        framework_info: Some(info),
    });
    assert_eq!(harness.state()["frameworks"][0]["name"], "renamed");
    let response = harness.call(&v1::executor::Call {
        executor_id: v1::ExecutorId { value: "t1".into() },
        framework_id: v1::FrameworkId {
            value: FRAMEWORK.into(),
        },
        r#type: Some(call::Type::Message as i32),
        message: Some(call::Message {
            data: b"direct".to_vec(),
        }),
        ..Default::default()
    });
    assert_eq!(response.status, 202);
    assert_eq!(
        scheduler_record.messages::<ExecutorToFrameworkMessage>()[0].data,
        b"direct"
    );
    assert!(harness.messages::<ExecutorToFrameworkMessage>().is_empty());
}
