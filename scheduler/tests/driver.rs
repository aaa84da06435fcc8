//! The scheduler driver against the real master and agents, in-process on the paused clock
//! (the testkit's cluster), over each protocol: registration, offers, launches and updates
//! with implicit and explicit acknowledgements, kills and reconciliation, framework
//! messages, stop with and without failover, a scheduler failing over to a new driver, the
//! master lost and found again, abort, and errors from the master.

mod support;

use std::time::Duration;

use proto::{
    codec::ContentType,
    v0::{ExecutorId, FrameworkId, TaskId, TaskState, TaskStatus, task_status::Reason},
};
use scheduler::{Protocol, Status};
use support::{Plan, Seen, framework_state, task};
use testkit::{Cluster, TaskBehavior};

const STEP: Duration = Duration::from_secs(1);

/// One test per protocol.
macro_rules! protocols {
    ($($name:ident),* $(,)?) => {
        mod v0 {
            $(#[test] fn $name() { super::$name(scheduler::Protocol::V0) })*
        }
        mod v1 {
            $(#[test] fn $name() {
                super::$name(scheduler::Protocol::V1(proto::codec::ContentType::Protobuf))
            })*
        }
    };
}

protocols!(
    registers_launches_and_finishes_with_implicit_acknowledgements,
    explicit_acknowledgements_are_the_schedulers,
    kills_and_reconciles,
    framework_messages_flow_both_ways,
    stop_without_failover_tears_the_framework_down,
    a_new_driver_fails_over_the_framework,
    the_master_lost_and_found_again,
    abort_stops_callbacks_and_offers,
    errors_from_the_master_abort_the_driver,
    launches_while_disconnected_are_lost,
);

fn registers_launches_and_finishes_with_implicit_acknowledgements(protocol: Protocol) {
    let cluster = Cluster::builder()
        .default_behavior(TaskBehavior::FinishAfter(Duration::from_secs(5)))
        .start();
    let framework = Plan::new("finisher", protocol)
        .launching("task", 2)
        .start(&cluster);
    let framework_id = framework.framework_id().expect("registered");
    assert!(framework_id.ends_with("-0000"));
    assert_eq!(framework_state(&cluster)["connected"], true);

    cluster.advance_until("both tasks finish", || {
        framework
            .states("task-0")
            .contains(&TaskState::TaskFinished)
            && framework
                .states("task-1")
                .contains(&TaskState::TaskFinished)
    });
    assert_eq!(
        framework.states("task-0"),
        [
            TaskState::TaskStarting,
            TaskState::TaskRunning,
            TaskState::TaskFinished
        ]
    );
    // Updates that ask for an acknowledgement name their agent.
    let updates = framework.updates();
    assert!(
        updates
            .iter()
            .all(|status| status.uuid.is_some() && status.slave_id.is_some())
    );
    // Acknowledged: the master moved both to its completed tasks.
    cluster.settle();
    let state = framework_state(&cluster);
    assert_eq!(state["tasks"].as_array().unwrap().len(), 0);
    assert_eq!(state["completed_tasks"].as_array().unwrap().len(), 2);
    if protocol == Protocol::V0 {
        assert_eq!(state["pid"], framework.driver.upid().to_string());
    }
    assert_eq!(framework.driver.status(), Status::DriverRunning);
}

fn explicit_acknowledgements_are_the_schedulers(protocol: Protocol) {
    let cluster = Cluster::builder()
        .default_behavior(TaskBehavior::FinishAfter(Duration::from_secs(2)))
        .start();
    let mut plan = Plan::new("explicit", protocol).launching("task", 1);
    plan.config.implicit_acknowledgements = false;
    let framework = plan.start(&cluster);
    cluster.advance_until("the first update arrives", || {
        !framework.states("task-0").is_empty()
    });
    // Unacknowledged, the first update is all the scheduler hears: the agent resends it and
    // holds the later ones back.
    cluster.advance(Duration::from_secs(11));
    let states = framework.states("task-0");
    assert!(states.len() >= 2, "{states:?}");
    assert!(states.iter().all(|state| *state == TaskState::TaskStarting));

    // Acknowledging what it heard lets the task run, finish and complete at the master.
    cluster.advance_until("the task completes at the master", || {
        for status in framework.updates() {
            assert_eq!(
                framework.driver.acknowledge_status_update(&status),
                Status::DriverRunning
            );
        }
        cluster.settle();
        framework_state(&cluster)["completed_tasks"]
            .as_array()
            .is_some_and(|tasks| tasks.len() == 1)
    });
    let mut states = framework.states("task-0");
    states.dedup();
    assert_eq!(
        states,
        [
            TaskState::TaskStarting,
            TaskState::TaskRunning,
            TaskState::TaskFinished
        ]
    );
}

fn kills_and_reconciles(protocol: Protocol) {
    let cluster = Cluster::start();
    let framework = Plan::new("killer", protocol)
        .launching("task", 1)
        .start(&cluster);
    cluster.advance_until("the task runs", || {
        framework.states("task-0").contains(&TaskState::TaskRunning)
    });
    // Reconciliation answers with the latest state and no uuid.
    framework.driver.reconcile_tasks(&[]);
    cluster.settle();
    let last = framework.updates().pop().unwrap();
    assert_eq!(last.state(), TaskState::TaskRunning);
    assert_eq!(last.reason(), Reason::Reconciliation);
    assert_eq!(last.uuid, None);
    // An unknown task on a known agent is lost (the framework is not partition aware).
    let agent_id = framework.offers()[0].slave_id.clone();
    framework.driver.reconcile_tasks(&[TaskStatus {
        task_id: TaskId {
            value: "nope".into(),
        },
        slave_id: Some(agent_id),
        ..TaskStatus::default()
    }]);
    cluster.settle();
    assert_eq!(framework.states("nope"), [TaskState::TaskLost]);

    framework.driver.kill_task(&TaskId {
        value: "task-0".into(),
    });
    cluster.advance_until("the task is killed", || {
        framework.states("task-0").contains(&TaskState::TaskKilled)
    });
}

fn framework_messages_flow_both_ways(protocol: Protocol) {
    let cluster = Cluster::start();
    let framework = Plan::new("messenger", protocol)
        .launching("task", 1)
        .start(&cluster);
    cluster.advance_until("the task runs", || {
        framework.states("task-0").contains(&TaskState::TaskRunning)
    });
    let agent_id = framework.offers()[0].slave_id.clone();
    let executor_id = ExecutorId {
        value: "task-0".into(),
    };
    framework
        .driver
        .send_framework_message(&executor_id, &agent_id, b"ping".to_vec());
    cluster.settle();
    assert_eq!(
        cluster.script.messages(),
        [("task-0".to_string(), b"ping".to_vec())]
    );
    let executor = cluster
        .script
        .executor("task-0")
        .expect("the executor runs");
    executor.message(b"pong".to_vec());
    cluster.settle();
    assert_eq!(
        framework.count(&Seen::Message("task-0".into(), b"pong".to_vec())),
        1
    );
}

fn stop_without_failover_tears_the_framework_down(protocol: Protocol) {
    let cluster = Cluster::start();
    let framework = Plan::new("stopper", protocol)
        .launching("task", 1)
        .start(&cluster);
    cluster.advance_until("the task runs", || {
        framework.states("task-0").contains(&TaskState::TaskRunning)
    });
    assert_eq!(framework.driver.stop(false), Status::DriverStopped);
    cluster.settle();
    assert_eq!(framework.driver.join(), Status::DriverStopped);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["frameworks"].as_array().unwrap().len(), 0);
    assert_eq!(
        state["completed_frameworks"][0]["id"],
        framework.framework_id().unwrap()
    );
    // A stopped driver takes no more calls.
    assert_eq!(framework.driver.revive_offers(&[]), Status::DriverStopped);
    assert_eq!(framework.driver.start(), Status::DriverStopped);
}

fn a_new_driver_fails_over_the_framework(protocol: Protocol) {
    let cluster = Cluster::start();
    let first = Plan::new("failover", protocol)
        .launching("task", 1)
        .start(&cluster);
    cluster.advance_until("the task runs", || {
        first.states("task-0").contains(&TaskState::TaskRunning)
    });
    let framework_id = first.framework_id().unwrap();
    assert_eq!(first.driver.stop(true), Status::DriverStopped);
    cluster.settle();
    assert_eq!(first.driver.join(), Status::DriverStopped);
    assert_eq!(framework_state(&cluster)["connected"], false);

    // A new scheduler with the framework's id takes it over: `registered`, same id, and the
    // task is still there (its updates reach the new scheduler).
    let mut plan = Plan::new("failover", protocol);
    plan.config.framework.id = Some(FrameworkId {
        value: framework_id.clone(),
    });
    let second = plan.start(&cluster);
    assert_eq!(second.framework_id(), Some(framework_id.clone()));
    assert_eq!(second.count(&Seen::Reregistered), 0);
    let state = framework_state(&cluster);
    assert_eq!(state["connected"], true);
    assert_eq!(state["tasks"][0]["id"], "task-0");
    second.driver.kill_task(&TaskId {
        value: "task-0".into(),
    });
    cluster.advance_until("the task is killed", || {
        second.states("task-0").contains(&TaskState::TaskKilled)
    });
}

fn the_master_lost_and_found_again(protocol: Protocol) {
    let mut cluster = Cluster::start();
    let framework = Plan::new("survivor", protocol)
        .launching("task", 1)
        .start(&cluster);
    cluster.advance_until("the task runs", || {
        framework.states("task-0").contains(&TaskState::TaskRunning)
    });
    // A master failover: the driver notices (a broken link, an ended stream), registers
    // with the new master and hears `reregistered`.
    cluster.restart_master();
    assert_eq!(framework.count(&Seen::Disconnected), 1);
    cluster.advance_until("the framework reregisters", || {
        framework.count(&Seen::Reregistered) == 1
    });
    cluster.advance_until("the agent's task is known again", || {
        framework_state(&cluster)["tasks"]
            .as_array()
            .is_some_and(|tasks| tasks.len() == 1)
    });
    assert_eq!(
        framework_state(&cluster)["id"],
        framework.framework_id().unwrap()
    );
    assert_eq!(framework.driver.status(), Status::DriverRunning);
}

fn abort_stops_callbacks_and_offers(protocol: Protocol) {
    let cluster = Cluster::start();
    let framework = Plan::new("aborter", protocol).start(&cluster);
    cluster.advance_until("an offer arrives", || !framework.offers().is_empty());
    assert_eq!(framework.driver.abort(), Status::DriverAborted);
    cluster.settle();
    assert_eq!(framework.driver.join(), Status::DriverAborted);
    let seen = framework.seen().len();
    cluster.advance(Duration::from_secs(5));
    assert_eq!(framework.seen().len(), seen, "no callbacks after abort");
    let state = framework_state(&cluster);
    assert_eq!(state["active"], false);
    assert_eq!(state["offers"].as_array().unwrap().len(), 0);
    // Stopping an aborted driver says it was aborted.
    assert_eq!(framework.driver.stop(false), Status::DriverAborted);
}

fn errors_from_the_master_abort_the_driver(protocol: Protocol) {
    let cluster = Cluster::start();
    let mut plan = Plan::new("refused", protocol);
    plan.config.framework.roles = vec!["not-multi-role".into()];
    let framework = plan.start(&cluster);
    cluster.settle();
    let errors: Vec<_> = framework
        .seen()
        .into_iter()
        .filter(|seen| matches!(seen, Seen::Error(_)))
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", framework.seen());
    assert_eq!(framework.driver.status(), Status::DriverAborted);
    assert_eq!(framework.driver.join(), Status::DriverAborted);
}

fn launches_while_disconnected_are_lost(protocol: Protocol) {
    let cluster = Cluster::start();
    let framework = Plan::new("early", protocol).start(&cluster);
    cluster.advance_until("an offer arrives", || !framework.offers().is_empty());
    let offer = framework.offers()[0].clone();
    // The master goes away before the launch is sent.
    cluster.master.terminate();
    cluster.settle();
    framework.driver.launch_tasks(
        std::slice::from_ref(&offer.id),
        vec![task(&offer, "late")],
        Default::default(),
    );
    cluster.settle();
    let statuses: Vec<_> = framework
        .updates()
        .into_iter()
        .filter(|status| status.task_id.value == "late")
        .collect();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].state(), TaskState::TaskLost);
    assert_eq!(statuses[0].reason(), Reason::MasterDisconnected);
    assert_eq!(statuses[0].uuid, None);
}

#[test]
fn protocols_parse_and_print() {
    assert_eq!("v0".parse::<Protocol>(), Ok(Protocol::V0));
    assert_eq!(
        "v1".parse::<Protocol>(),
        Ok(Protocol::V1(ContentType::Protobuf))
    );
    assert_eq!(
        "v1+json".parse::<Protocol>(),
        Ok(Protocol::V1(ContentType::Json))
    );
    assert!(
        "v2".parse::<Protocol>()
            .unwrap_err()
            .contains("unknown protocol")
    );
    assert_eq!(Protocol::V1(ContentType::Json).to_string(), "v1+json");
    let _ = STEP;
}
