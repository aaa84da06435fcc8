//! Status updates from executor to master: acknowledged to the executor at once, forwarded
//! one at a time per task in order, retried with backoff until the master acknowledges,
//! held while disconnected and flushed on re-registration.

use std::time::Duration;

use proto::{
    internal::{
        PingSlaveMessage, ReregisterSlaveMessage, SlaveReregisteredMessage,
        StatusUpdateAcknowledgementMessage, StatusUpdateMessage,
    },
    v0::{SlaveId, TaskState, task_status::Source},
    v1::{self, executor::event},
};

use crate::support::{FRAMEWORK, Harness};

fn running_task() -> (Harness, crate::support::FakeExecutor) {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 10"));
    let mut fake = harness.subscribe("t1");
    assert_eq!(
        fake.event_types(),
        vec![event::Type::Subscribed, event::Type::Launch]
    );
    (harness, fake)
}

#[test]
fn updates_reach_the_master_in_order_one_at_a_time_and_are_retried_until_acknowledged() {
    let (harness, mut fake) = running_task();
    harness.executor_update("t1", "t1", v1::TaskState::TaskStarting, 1);
    harness.executor_update("t1", "t1", v1::TaskState::TaskRunning, 2);
    harness.executor_update("t1", "t1", v1::TaskState::TaskFinished, 3);

    // The executor hears ACKNOWLEDGED for each as soon as the agent has it.
    let acknowledged: Vec<(String, Vec<u8>)> = fake
        .events()
        .into_iter()
        .map(|event| {
            let ack = event.acknowledged.expect("ACKNOWLEDGED");
            (ack.task_id.value, ack.uuid)
        })
        .collect();
    assert_eq!(
        acknowledged,
        vec![
            ("t1".to_string(), vec![1; 16]),
            ("t1".to_string(), vec![2; 16]),
            ("t1".to_string(), vec![3; 16])
        ]
    );

    // Only the first is in flight.
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1);
    let first = &updates[0];
    assert_eq!(
        first.pid.as_deref(),
        Some(harness.agent.to_string().as_str())
    );
    assert_eq!(first.update.uuid, Some(vec![1; 16]));
    assert_eq!(first.update.status.uuid, first.update.uuid);
    assert_eq!(first.update.status.source, Some(Source::Executor as i32));
    assert_eq!(first.update.slave_id.as_ref().unwrap().value, "M-S0");
    assert_eq!(first.update.status.slave_id.as_ref().unwrap().value, "M-S0");
    assert_eq!(
        first.update.latest_state,
        Some(TaskState::TaskStarting as i32)
    );
    let container = first.update.status.container_status.as_ref().unwrap();
    assert_eq!(
        container.container_id.as_ref().unwrap().value,
        harness.launches()[0].0.value
    );

    // Unacknowledged: resent after 10s, then 20s later.
    harness.advance(Duration::from_secs(10));
    assert_eq!(harness.messages::<StatusUpdateMessage>().len(), 2);
    harness.advance(Duration::from_secs(19));
    assert_eq!(harness.messages::<StatusUpdateMessage>().len(), 2);
    harness.advance(Duration::from_secs(1));
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 3);
    assert!(updates.iter().all(|u| u.update.uuid == Some(vec![1; 16])));
    // A resent update tells the master the task's latest state.
    assert_eq!(
        updates[2].update.latest_state,
        Some(TaskState::TaskFinished as i32)
    );

    // Each acknowledgement releases the next update, in order.
    harness.acknowledge(&updates[0]);
    harness.acknowledge(&harness.messages::<StatusUpdateMessage>()[3]);
    harness.acknowledge(&harness.messages::<StatusUpdateMessage>()[4]);
    let states: Vec<TaskState> = harness
        .update_states()
        .into_iter()
        .map(|(_, state)| state)
        .collect();
    assert_eq!(
        states,
        vec![
            TaskState::TaskStarting,
            TaskState::TaskStarting,
            TaskState::TaskStarting,
            TaskState::TaskRunning,
            TaskState::TaskFinished
        ]
    );
    // Acknowledged: no more retries, and the finished task is complete.
    harness.advance(Duration::from_secs(600));
    assert_eq!(harness.messages::<StatusUpdateMessage>().len(), 5);
    let executor = &harness.state()["frameworks"][0]["executors"][0];
    assert_eq!(executor["completed_tasks"][0]["state"], "TASK_FINISHED");
    let statuses = executor["completed_tasks"][0]["statuses"]
        .as_array()
        .unwrap();
    let states: Vec<&str> = statuses
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        vec!["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
    );
    assert_eq!(executor["tasks"].as_array().unwrap().len(), 0);
    assert_eq!(harness.metric("slave/tasks_finished"), 1.0);
    drop(fake);
}

#[test]
fn duplicate_and_stray_acknowledgements_change_nothing() {
    let (harness, _fake) = running_task();
    harness.executor_update("t1", "t1", v1::TaskState::TaskRunning, 1);
    // The same update again (an executor resending) is acknowledged but not queued twice.
    harness.executor_update("t1", "t1", v1::TaskState::TaskRunning, 1);
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1);

    let stray = StatusUpdateAcknowledgementMessage {
        slave_id: SlaveId {
            value: "M-S0".into(),
        },
        framework_id: updates[0].update.framework_id.clone(),
        task_id: updates[0].update.status.task_id.clone(),
        uuid: vec![9; 16],
    };
    harness.send(&stray);
    let (stranger, _) = harness.spawn_recorder("not-the-master");
    harness.send_from(
        &stranger,
        &StatusUpdateAcknowledgementMessage {
            uuid: vec![1; 16],
            ..stray.clone()
        },
    );
    harness.advance(Duration::from_secs(10));
    assert_eq!(
        harness.messages::<StatusUpdateMessage>().len(),
        2,
        "still unacknowledged: resent"
    );
    harness.acknowledge(&updates[0]);
    harness.acknowledge(&updates[0]);
    harness.advance(Duration::from_secs(60));
    assert_eq!(harness.messages::<StatusUpdateMessage>().len(), 2);
    assert_eq!(
        harness.state()["frameworks"][0]["executors"][0]["tasks"][0]["state"],
        "TASK_RUNNING"
    );
}

#[test]
fn updates_wait_while_disconnected_and_flush_on_reregistration() {
    let (harness, _fake) = running_task();
    harness.send(&PingSlaveMessage { connected: false });
    harness.executor_update("t1", "t1", v1::TaskState::TaskRunning, 1);
    harness.advance(Duration::from_secs(30));
    assert!(
        harness.messages::<StatusUpdateMessage>().is_empty(),
        "nothing is sent while disconnected"
    );
    let reregister = harness.messages::<ReregisterSlaveMessage>();
    assert!(!reregister.is_empty());
    let task = &reregister.last().unwrap().tasks[0];
    assert_eq!(task.state, TaskState::TaskRunning as i32);

    harness.send(&SlaveReregisteredMessage {
        slave_id: SlaveId {
            value: "M-S0".into(),
        },
        reconciliations: Vec::new(),
        connection: None,
    });
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1, "flushed at once");
    assert_eq!(
        updates[0].update.status.state,
        TaskState::TaskRunning as i32
    );
    assert_eq!(updates[0].update.framework_id.value, FRAMEWORK);
}

#[test]
fn acknowledgements_while_disconnected_are_dropped() {
    let (harness, _fake) = running_task();
    harness.executor_update("t1", "t1", v1::TaskState::TaskRunning, 1);
    let update = harness.messages::<StatusUpdateMessage>().remove(0);
    harness.send(&PingSlaveMessage { connected: false });
    harness.acknowledge(&update);
    harness.send(&SlaveReregisteredMessage {
        slave_id: SlaveId {
            value: "M-S0".into(),
        },
        reconciliations: Vec::new(),
        connection: None,
    });
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(
        updates.len(),
        2,
        "the update is resent after re-registration"
    );
    assert_eq!(updates[1].update.uuid, update.update.uuid);
}
