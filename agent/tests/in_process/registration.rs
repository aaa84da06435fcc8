//! Finding the master, registering with backoff, pings, and re-registering when the master
//! goes silent, says we are disconnected, breaks the link, or is replaced.

use std::time::{Duration, UNIX_EPOCH};

use proto::{
    internal::{
        PingSlaveMessage, PongSlaveMessage, ReconcileTasksMessage, RegisterSlaveMessage,
        ReregisterSlaveMessage, SlaveRegisteredMessage, SlaveReregisteredMessage,
        StatusUpdateMessage,
    },
    v0::{FrameworkId, SlaveId, TaskId, TaskState, TaskStatus, task_status::Reason},
};

use crate::support::{FRAMEWORK, Harness};

fn secs(at: std::time::SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

#[test]
fn registers_with_doubling_backoff_until_answered_then_stops() {
    let harness = Harness::start();
    let start = secs(harness.runtime.clock().now());
    for _ in 0..240 {
        harness.advance(Duration::from_secs(1));
    }
    let attempts: Vec<f64> = harness
        .received::<RegisterSlaveMessage>()
        .into_iter()
        .map(|(_, at)| secs(at) - start)
        .collect();
    assert!(attempts.len() >= 5, "attempts at {attempts:?}");
    assert!(
        attempts[0] <= 1.0,
        "first attempt within the backoff factor: {attempts:?}"
    );
    for (index, pair) in attempts.windows(2).enumerate() {
        // Attempt k waits at most min(2^k, 60) seconds (plus the 1s advance step).
        let bound = 2f64.powi(index as i32 + 1).min(60.0) + 1.0;
        let gap = pair[1] - pair[0];
        assert!(
            gap <= bound,
            "gap {gap} after attempt {} exceeds {bound}: {attempts:?}",
            index + 1
        );
    }
    let last = attempts.last().copied().unwrap_or_default();
    assert!(
        240.0 - last <= 61.0,
        "retries continue at most a minute apart: {attempts:?}"
    );

    let first = harness.messages::<RegisterSlaveMessage>().remove(0);
    assert_eq!(first.version.as_deref(), Some("1.11.0"));
    assert_eq!(first.slave.hostname, "agent.test");
    assert_eq!(
        first.slave.port,
        Some(i32::from(harness.agent.address().port()))
    );
    assert!(first.slave.id.is_none());
    assert!(!first.agent_capabilities.is_empty());
    assert_eq!(
        resources::Resources::from_proto_v0(&first.slave.resources).unwrap(),
        resources::Resources::parse_unreserved(crate::support::RESOURCES).unwrap()
    );

    harness.send(&SlaveRegisteredMessage {
        slave_id: SlaveId {
            value: "M-S7".into(),
        },
        connection: None,
    });
    assert_eq!(harness.metric("slave/registered"), 1.0);
    let count = harness.messages::<RegisterSlaveMessage>().len();
    harness.advance(Duration::from_secs(120));
    assert_eq!(
        harness.messages::<RegisterSlaveMessage>().len(),
        count,
        "no attempts once registered"
    );
    assert_eq!(harness.state()["id"], "M-S7");
    assert!(
        harness
            .work_dir
            .path()
            .join("agent/meta/slaves/M-S7/slave.info")
            .is_file()
    );
}

#[test]
fn ignores_registration_from_anyone_but_the_master() {
    let harness = Harness::start();
    harness.advance(Duration::from_secs(1));
    let (impostor, _) = harness.spawn_recorder("master-impostor");
    harness.send_from(
        &impostor,
        &SlaveRegisteredMessage {
            slave_id: SlaveId {
                value: "X-S1".into(),
            },
            connection: None,
        },
    );
    assert_eq!(harness.metric("slave/registered"), 0.0);
    assert_eq!(harness.state()["id"], "");
    // A duplicate registration from the real master is harmless.
    for _ in 0..2 {
        harness.send(&SlaveRegisteredMessage {
            slave_id: SlaveId {
                value: "M-S1".into(),
            },
            connection: None,
        });
    }
    assert_eq!(harness.metric("slave/registered"), 1.0);
    assert_eq!(harness.state()["id"], "M-S1");
}

#[test]
fn answers_pings_and_reregisters_when_they_stop() {
    let harness = Harness::registered();
    let (observer, observer_record) = harness.spawn_recorder("slave-observer(1)");
    for _ in 0..3 {
        harness.advance(Duration::from_secs(70));
        harness.send_from(&observer, &PingSlaveMessage { connected: true });
    }
    assert_eq!(observer_record.messages::<PongSlaveMessage>().len(), 3);
    assert!(harness.messages::<ReregisterSlaveMessage>().is_empty());
    assert_eq!(harness.metric("slave/registered"), 1.0);

    // 75 seconds (the master's total ping timeout) without a ping: re-register.
    harness.advance(Duration::from_secs(76));
    assert_eq!(harness.metric("slave/registered"), 0.0);
    harness.advance(Duration::from_secs(1));
    let reregistrations = harness.messages::<ReregisterSlaveMessage>();
    assert_eq!(reregistrations.len(), 1);
    assert_eq!(reregistrations[0].slave.id.as_ref().unwrap().value, "M-S0");

    harness.send(&SlaveReregisteredMessage {
        slave_id: SlaveId {
            value: "M-S0".into(),
        },
        reconciliations: Vec::new(),
        connection: None,
    });
    assert_eq!(harness.metric("slave/registered"), 1.0);
    harness.advance(Duration::from_secs(30));
    assert_eq!(harness.messages::<ReregisterSlaveMessage>().len(), 1);
}

#[test]
fn a_ping_saying_disconnected_forces_reregistration() {
    let harness = Harness::registered();
    harness.send(&PingSlaveMessage { connected: false });
    assert_eq!(
        harness.messages::<PongSlaveMessage>().len(),
        1,
        "always answered"
    );
    assert_eq!(harness.metric("slave/registered"), 0.0);
    harness.advance(Duration::from_secs(1));
    assert_eq!(harness.messages::<ReregisterSlaveMessage>().len(), 1);
}

#[test]
fn reregisters_with_its_tasks_after_the_master_link_breaks() {
    let mut harness = Harness::registered();
    let task = harness.command_task("t1", "sleep 100");
    harness.run_task(task);
    assert_eq!(harness.launches().len(), 1);

    harness.restart_master();
    assert_eq!(harness.metric("slave/registered"), 0.0);
    harness.advance(Duration::from_secs(1));
    let reregistrations = harness.messages::<ReregisterSlaveMessage>();
    assert_eq!(
        reregistrations.len(),
        1,
        "re-registered with the new master process"
    );
    let message = &reregistrations[0];
    assert_eq!(message.slave.id.as_ref().unwrap().value, "M-S0");
    assert_eq!(message.frameworks.len(), 1);
    assert_eq!(message.frameworks[0].id.as_ref().unwrap().value, FRAMEWORK);
    assert_eq!(message.tasks.len(), 1);
    assert_eq!(message.tasks[0].task_id.value, "t1");
    assert_eq!(message.tasks[0].state, TaskState::TaskStaging as i32);
    assert!(
        message.executor_infos.is_empty(),
        "command executors are the agent's own"
    );

    // The master asks about a task the agent never heard of: it is lost.
    harness.send(&SlaveReregisteredMessage {
        slave_id: SlaveId {
            value: "M-S0".into(),
        },
        reconciliations: vec![ReconcileTasksMessage {
            framework_id: FrameworkId {
                value: FRAMEWORK.into(),
            },
            statuses: vec![
                TaskStatus {
                    task_id: TaskId { value: "t1".into() },
                    state: TaskState::TaskStaging as i32,
                    ..Default::default()
                },
                TaskStatus {
                    task_id: TaskId {
                        value: "ghost".into(),
                    },
                    state: TaskState::TaskRunning as i32,
                    ..Default::default()
                },
            ],
            framework: None,
        }],
        connection: None,
    });
    let updates = harness.messages::<StatusUpdateMessage>();
    assert_eq!(updates.len(), 1, "only the unknown task is reported");
    let status = &updates[0].update.status;
    assert_eq!(status.task_id.value, "ghost");
    assert_eq!(status.state, TaskState::TaskLost as i32);
    assert_eq!(status.reason, Some(Reason::Reconciliation as i32));
    assert_eq!(
        status.message.as_deref(),
        Some("Reconciliation: task unknown to the agent")
    );
}

#[test]
fn follows_a_newly_appointed_master() {
    let harness = Harness::registered();
    let (new_master, record) = harness.spawn_recorder("master2");
    harness.detector.appoint(Some(new_master.clone()));
    harness.settle();
    assert_eq!(harness.metric("slave/registered"), 0.0);
    harness.advance(Duration::from_secs(1));
    let reregistrations = record.messages::<ReregisterSlaveMessage>();
    assert_eq!(reregistrations.len(), 1);
    // Messages from the old master are now ignored.
    harness.send(&SlaveReregisteredMessage {
        slave_id: SlaveId {
            value: "M-S0".into(),
        },
        reconciliations: Vec::new(),
        connection: None,
    });
    assert_eq!(harness.metric("slave/registered"), 0.0);
    harness.send_from(
        &new_master,
        &SlaveReregisteredMessage {
            slave_id: SlaveId {
                value: "M-S0".into(),
            },
            reconciliations: Vec::new(),
            connection: None,
        },
    );
    assert_eq!(harness.metric("slave/registered"), 1.0);

    // No leader at all: the agent waits, disconnected.
    harness.detector.appoint(None);
    harness.settle();
    harness.advance(Duration::from_secs(120));
    assert_eq!(harness.metric("slave/registered"), 0.0);
    assert_eq!(record.messages::<ReregisterSlaveMessage>().len(), 1);
}
