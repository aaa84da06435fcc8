//! Schedulers speaking the v0 driver protocol: registration (legacy messages and the
//! `mesos.scheduler.Call` SUBSCRIBE), offers as `ResourceOffersMessage`, launches, status
//! updates and acknowledgements, kills, reconciliation, framework messages, failover of the
//! scheduler's pid, and a broken link leading to disconnection and removal after the
//! `failover_timeout`. All on the paused clock with a fake agent and a recording scheduler.

mod support;

use std::time::Duration;

use master::config::MasterConfig;
use proto::{
    internal::{
        DeactivateFrameworkMessage, ExecutorToFrameworkMessage, FrameworkErrorMessage,
        FrameworkRegisteredMessage, FrameworkReregisteredMessage, FrameworkToExecutorMessage,
        KillTaskMessage, LaunchTasksMessage, ReconcileTasksMessage, ReregisterFrameworkMessage,
        RescindResourceOfferMessage, ResourceOffersMessage, RunTaskMessage,
        ShutdownFrameworkMessage, StatusUpdateAcknowledgementMessage, StatusUpdateMessage,
        UnregisterFrameworkMessage, UpdateFrameworkMessage,
    },
    v0::{
        CommandInfo, ExecutorId, Filters, FrameworkId, Offer, SlaveId, TaskId, TaskInfo, TaskState,
        TaskStatus,
        scheduler::{
            Call,
            call::{Kill, Reconcile, Subscribe, Type as CallType},
        },
        task_status::Reason,
    },
};
use serde_json::json;
use support::{
    Cluster,
    agent::AgentHandle,
    scheduler::{body_text, post_json},
    v0_scheduler::{V0Scheduler, framework_info},
};

struct Setup {
    cluster: Cluster,
    agent: AgentHandle,
    agent_id: String,
    scheduler: V0Scheduler,
    framework_id: FrameworkId,
}

/// A master, one agent (cpus:2;mem:1024) and a registered v0 scheduler (`scheduler(1)`).
fn setup(failover_timeout: f64) -> Setup {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let scheduler = V0Scheduler::spawn(&cluster.runtime, "scheduler(1)", &cluster.master_pid());
    let framework_id = scheduler.register(framework_info("v0", failover_timeout));
    Setup {
        cluster,
        agent,
        agent_id,
        scheduler,
        framework_id,
    }
}

fn task(task_id: &str, agent_id: &str, resources: &str) -> TaskInfo {
    let resources = resources::Resources::parse(resources, &resources::Role::star()).unwrap();
    TaskInfo {
        name: task_id.into(),
        task_id: TaskId {
            value: task_id.into(),
        },
        slave_id: SlaveId {
            value: agent_id.into(),
        },
        resources: resources.to_proto_v0(),
        command: Some(CommandInfo {
            value: Some("sleep 1000".into()),
            ..CommandInfo::default()
        }),
        ..TaskInfo::default()
    }
}

fn offers(scheduler: &V0Scheduler) -> Vec<Offer> {
    scheduler
        .inbox
        .all::<ResourceOffersMessage>()
        .into_iter()
        .flat_map(|message| message.offers)
        .collect()
}

fn call(framework_id: &FrameworkId, kind: CallType) -> Call {
    Call {
        framework_id: Some(framework_id.clone()),
        r#type: Some(kind as i32),
        ..Call::default()
    }
}

impl Setup {
    /// Launches `t1` (cpus:1;mem:128) on the first offer with `LaunchTasksMessage`.
    fn launch_t1(&self) {
        let offer_id = offers(&self.scheduler)[0].id.clone();
        self.scheduler.send(&LaunchTasksMessage {
            framework_id: self.framework_id.clone(),
            tasks: vec![task("t1", &self.agent_id, "cpus:1;mem:128")],
            filters: Filters::default(),
            offer_ids: vec![offer_id],
        });
    }

    /// The agent reports `state` for `t1`; returns the update's uuid.
    fn agent_reports(&self, state: TaskState) -> Vec<u8> {
        let message =
            self.agent
                .status_update(&self.agent_id, &self.framework_id.value, "t1", state);
        let uuid = message.update.uuid.clone().unwrap();
        self.agent
            .send(&self.cluster.runtime, &self.cluster.master_pid(), &message);
        self.cluster.settle();
        uuid
    }

    fn framework_state(&self) -> serde_json::Value {
        let (_, state) = self.cluster.get_json("/state");
        state["frameworks"][0].clone()
    }
}

#[test]
fn registration_offers_launch_updates_and_acknowledgements() {
    let setup = setup(3600.0);
    let scheduler = &setup.scheduler;
    let registered = scheduler
        .inbox
        .last::<FrameworkRegisteredMessage>()
        .unwrap();
    assert!(registered.framework_id.value.ends_with("-0000"));
    assert_eq!(
        registered.master_info.pid.as_deref(),
        Some(setup.cluster.master_pid().to_string().as_str())
    );

    // Offers come as ResourceOffersMessage with the agent's pid for each offer.
    let message = scheduler.inbox.last::<ResourceOffersMessage>().unwrap();
    assert_eq!(message.offers.len(), 1);
    assert_eq!(message.pids, [setup.agent.pid.to_string()]);
    assert_eq!(message.offers[0].slave_id.value, setup.agent_id);

    setup.launch_t1();
    let run = setup.agent.inbox.last::<RunTaskMessage>().unwrap();
    assert_eq!(run.task.task_id.value, "t1");
    assert_eq!(run.pid.as_deref(), Some(scheduler.pid.to_string().as_str()));
    assert_eq!(run.framework.id.as_ref(), Some(&setup.framework_id));

    // The agent's update reaches the scheduler with the agent as acknowledgee.
    let uuid = setup.agent_reports(TaskState::TaskRunning);
    let update = scheduler.inbox.last::<StatusUpdateMessage>().unwrap();
    assert_eq!(
        update.pid.as_deref(),
        Some(setup.agent.pid.to_string().as_str())
    );
    assert_eq!(update.update.uuid.as_ref(), Some(&uuid));
    assert_eq!(update.update.status.state, TaskState::TaskRunning as i32);
    assert_eq!(update.update.framework_id, setup.framework_id);

    // The legacy acknowledgement goes on to the agent.
    setup.agent.inbox.clear();
    scheduler.send(&StatusUpdateAcknowledgementMessage {
        slave_id: SlaveId {
            value: setup.agent_id.clone(),
        },
        framework_id: setup.framework_id.clone(),
        task_id: TaskId { value: "t1".into() },
        uuid: uuid.clone(),
    });
    let ack = setup
        .agent
        .inbox
        .last::<StatusUpdateAcknowledgementMessage>()
        .unwrap();
    assert_eq!(ack.uuid, uuid);

    // /state shows the scheduler's pid and the running task.
    let framework = setup.framework_state();
    assert_eq!(framework["pid"], scheduler.pid.to_string());
    assert_eq!(framework["tasks"][0]["state"], "TASK_RUNNING");
    assert_eq!(framework["connected"], true);
}

#[test]
fn the_call_protocol_subscribes_accepts_kills_and_reconciles() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let scheduler = V0Scheduler::spawn(&cluster.runtime, "scheduler(1)", &cluster.master_pid());
    scheduler.send(&Call {
        r#type: Some(CallType::Subscribe as i32),
        subscribe: Some(Subscribe {
            framework_info: framework_info("calls", 60.0),
            ..Subscribe::default()
        }),
        ..Call::default()
    });
    let framework_id = scheduler
        .inbox
        .last::<FrameworkRegisteredMessage>()
        .expect("registered")
        .framework_id;
    let offer = offers(&scheduler).remove(0);

    let mut accept = call(&framework_id, CallType::Accept);
    accept.accept = Some(proto::v0::scheduler::call::Accept {
        offer_ids: vec![offer.id.clone()],
        operations: vec![proto::v0::offer::Operation {
            r#type: Some(proto::v0::offer::operation::Type::Launch as i32),
            launch: Some(proto::v0::offer::operation::Launch {
                task_infos: vec![task("t1", &agent_id, "cpus:1;mem:128")],
            }),
            ..Default::default()
        }],
        filters: None,
    });
    scheduler.send(&accept);
    assert_eq!(
        agent
            .inbox
            .last::<RunTaskMessage>()
            .unwrap()
            .task
            .task_id
            .value,
        "t1"
    );

    let mut kill = call(&framework_id, CallType::Kill);
    kill.kill = Some(Kill {
        task_id: TaskId { value: "t1".into() },
        slave_id: None,
        kill_policy: None,
    });
    scheduler.send(&kill);
    assert_eq!(
        agent.inbox.last::<KillTaskMessage>().unwrap().task_id.value,
        "t1"
    );

    // Implicit reconciliation: the master's own update, with no uuid and no acknowledgee.
    let mut reconcile = call(&framework_id, CallType::Reconcile);
    reconcile.reconcile = Some(Reconcile { tasks: Vec::new() });
    scheduler.send(&reconcile);
    let update = scheduler.inbox.last::<StatusUpdateMessage>().unwrap();
    assert_eq!(update.update.status.task_id.value, "t1");
    assert_eq!(update.update.status.state, TaskState::TaskStaging as i32);
    assert_eq!(
        update.update.status.reason,
        Some(Reason::Reconciliation as i32)
    );
    assert_eq!(update.update.uuid, None);
    assert_eq!(update.pid.as_deref(), Some(""));

    // Explicit reconciliation of an unknown task through the legacy message.
    scheduler.send(&ReconcileTasksMessage {
        framework_id: framework_id.clone(),
        statuses: vec![TaskStatus {
            task_id: TaskId {
                value: "nope".into(),
            },
            slave_id: Some(SlaveId {
                value: agent_id.clone(),
            }),
            ..TaskStatus::default()
        }],
        framework: None,
    });
    let update = scheduler.inbox.last::<StatusUpdateMessage>().unwrap();
    assert_eq!(update.update.status.task_id.value, "nope");
    assert_eq!(update.update.status.state, TaskState::TaskLost as i32);

    // TEARDOWN removes the framework; the agent is told to shut it down.
    scheduler.send(&call(&framework_id, CallType::Teardown));
    assert_eq!(agent.inbox.count::<ShutdownFrameworkMessage>(), 1);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["frameworks"].as_array().unwrap().len(), 0);
    assert_eq!(state["completed_frameworks"][0]["id"], framework_id.value);
}

#[test]
fn messages_from_another_pid_are_dropped() {
    let setup = setup(3600.0);
    let intruder = V0Scheduler::spawn(
        &setup.cluster.runtime,
        "scheduler(2)",
        &setup.cluster.master_pid(),
    );
    let offer_id = offers(&setup.scheduler)[0].id.clone();
    intruder.send(&LaunchTasksMessage {
        framework_id: setup.framework_id.clone(),
        tasks: vec![task("t1", &setup.agent_id, "cpus:1;mem:128")],
        filters: Filters::default(),
        offer_ids: vec![offer_id],
    });
    let mut kill = call(&setup.framework_id, CallType::Teardown);
    kill.framework_id = Some(setup.framework_id.clone());
    intruder.send(&kill);
    intruder.send(&UnregisterFrameworkMessage {
        framework_id: setup.framework_id.clone(),
    });
    assert_eq!(setup.agent.inbox.count::<RunTaskMessage>(), 0);
    assert_eq!(setup.framework_state()["active"], true);
    assert!(intruder.inbox.last::<FrameworkErrorMessage>().is_none());

    // A registration that already carries an id is refused.
    let mut info = framework_info("again", 1.0);
    info.id = Some(setup.framework_id.clone());
    intruder.send(&proto::internal::RegisterFrameworkMessage { framework: info });
    assert_eq!(
        intruder
            .inbox
            .last::<FrameworkErrorMessage>()
            .unwrap()
            .message,
        "Registering with 'id' already set"
    );
}

#[test]
fn framework_messages_flow_both_ways_and_failures_are_reported() {
    let setup = setup(3600.0);
    setup.launch_t1();
    let executor_id = ExecutorId { value: "e1".into() };
    let agent_id = SlaveId {
        value: setup.agent_id.clone(),
    };
    setup.scheduler.send(&FrameworkToExecutorMessage {
        slave_id: agent_id.clone(),
        framework_id: setup.framework_id.clone(),
        executor_id: executor_id.clone(),
        data: b"ping".to_vec(),
    });
    let to_executor = setup
        .agent
        .inbox
        .last::<FrameworkToExecutorMessage>()
        .unwrap();
    assert_eq!(to_executor.data, b"ping");

    setup.agent.send(
        &setup.cluster.runtime,
        &setup.cluster.master_pid(),
        &ExecutorToFrameworkMessage {
            slave_id: agent_id.clone(),
            framework_id: setup.framework_id.clone(),
            executor_id: executor_id.clone(),
            data: b"pong".to_vec(),
        },
    );
    setup.cluster.settle();
    let to_scheduler = setup
        .scheduler
        .inbox
        .last::<ExecutorToFrameworkMessage>()
        .unwrap();
    assert_eq!(to_scheduler.data, b"pong");
    assert_eq!(to_scheduler.executor_id, executor_id);

    // The agent unregisters: its task is lost and the scheduler hears LostSlaveMessage.
    setup.agent.send(
        &setup.cluster.runtime,
        &setup.cluster.master_pid(),
        &proto::internal::UnregisterSlaveMessage {
            slave_id: agent_id.clone(),
        },
    );
    setup.cluster.settle();
    let lost = setup
        .scheduler
        .inbox
        .last::<proto::internal::LostSlaveMessage>()
        .expect("LostSlaveMessage");
    assert_eq!(lost.slave_id, agent_id);
}

#[test]
fn a_new_pid_fails_over_with_failover_set_and_is_refused_without() {
    let setup = setup(3600.0);
    let old = &setup.scheduler;
    let mut info = framework_info("v0", 3600.0);
    info.id = Some(setup.framework_id.clone());
    let new = V0Scheduler::spawn(
        &setup.cluster.runtime,
        "scheduler(2)",
        &setup.cluster.master_pid(),
    );

    // Without failover, another pid cannot take the framework.
    new.send(&ReregisterFrameworkMessage {
        framework: info.clone(),
        failover: false,
    });
    assert_eq!(
        new.inbox.last::<FrameworkErrorMessage>().unwrap().message,
        "Framework failed over"
    );
    assert!(old.inbox.last::<FrameworkErrorMessage>().is_none());

    // With failover it does: the old scheduler is told, offers are made anew to the new one.
    setup.agent.inbox.clear();
    new.send(&ReregisterFrameworkMessage {
        framework: info.clone(),
        failover: true,
    });
    assert_eq!(
        old.inbox.last::<FrameworkErrorMessage>().unwrap().message,
        "Framework failed over"
    );
    let registered = new.inbox.last::<FrameworkRegisteredMessage>().unwrap();
    assert_eq!(registered.framework_id, setup.framework_id);
    assert_eq!(
        offers(&new).len(),
        1,
        "the offer is made again to the new pid"
    );
    let update = setup.agent.inbox.last::<UpdateFrameworkMessage>().unwrap();
    assert_eq!(update.pid.as_deref(), Some(new.pid.to_string().as_str()));
    assert_eq!(setup.framework_state()["pid"], new.pid.to_string());

    // The old pid's calls are no longer the framework's.
    old.send(&call(&setup.framework_id, CallType::Teardown));
    assert_eq!(setup.framework_state()["active"], true);

    // The same pid subscribing again without failover (a master change it noticed) gets
    // FrameworkReregisteredMessage, and its outstanding offer is rescinded and made anew.
    new.send(&ReregisterFrameworkMessage {
        framework: info,
        failover: false,
    });
    assert!(new.inbox.last::<FrameworkReregisteredMessage>().is_some());
    assert_eq!(new.inbox.count::<RescindResourceOfferMessage>(), 1);
    assert_eq!(offers(&new).len(), 2);
}

#[test]
fn a_broken_link_disconnects_and_the_failover_timeout_removes() {
    let setup = setup(60.0);
    setup.launch_t1();
    setup.scheduler.stop();
    let framework = setup.framework_state();
    assert_eq!(framework["connected"], false);
    assert_eq!(framework["active"], false);
    assert_eq!(framework["offers"].as_array().unwrap().len(), 0);

    // A call from the disconnected framework's pid (a scheduler behind a one-way partition)
    // is answered with an error that makes its driver abort.
    let same_pid = V0Scheduler::spawn(
        &setup.cluster.runtime,
        "scheduler(1)",
        &setup.cluster.master_pid(),
    );
    assert_eq!(same_pid.pid, setup.scheduler.pid);
    same_pid.send(&call(&setup.framework_id, CallType::Revive));
    assert_eq!(
        same_pid
            .inbox
            .last::<FrameworkErrorMessage>()
            .unwrap()
            .message,
        "Framework disconnected"
    );
    same_pid.stop();

    setup.cluster.advance(Duration::from_secs(59));
    assert_eq!(setup.framework_state()["id"], setup.framework_id.value);
    setup.cluster.advance(Duration::from_secs(1));
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(state["frameworks"].as_array().unwrap().len(), 0);
    assert_eq!(
        state["completed_frameworks"][0]["completed_tasks"][0]["state"],
        "TASK_KILLED"
    );
    assert_eq!(setup.agent.inbox.count::<ShutdownFrameworkMessage>(), 1);
}

#[test]
fn failing_over_within_the_timeout_keeps_the_framework() {
    let setup = setup(60.0);
    setup.launch_t1();
    setup.scheduler.stop();
    setup.cluster.advance(Duration::from_secs(30));

    let new = V0Scheduler::spawn(
        &setup.cluster.runtime,
        "scheduler(2)",
        &setup.cluster.master_pid(),
    );
    let mut info = framework_info("v0", 60.0);
    info.id = Some(setup.framework_id.clone());
    new.send(&ReregisterFrameworkMessage {
        framework: info,
        failover: true,
    });
    assert!(new.inbox.last::<FrameworkRegisteredMessage>().is_some());
    setup.cluster.advance(Duration::from_secs(60));
    let framework = setup.framework_state();
    assert_eq!(framework["connected"], true);
    assert_eq!(framework["tasks"][0]["id"], "t1");
    assert_eq!(setup.agent.inbox.count::<ShutdownFrameworkMessage>(), 0);

    // Updates reach the new pid.
    setup.agent_reports(TaskState::TaskFinished);
    let update = new.inbox.last::<StatusUpdateMessage>().unwrap();
    assert_eq!(update.update.status.state, TaskState::TaskFinished as i32);
}

#[test]
fn deactivation_rescinds_offers_and_unregistration_removes() {
    let setup = setup(3600.0);
    setup.scheduler.send(&DeactivateFrameworkMessage {
        framework_id: setup.framework_id.clone(),
    });
    assert_eq!(
        setup.scheduler.inbox.count::<RescindResourceOfferMessage>(),
        1
    );
    let framework = setup.framework_state();
    assert_eq!(framework["active"], false);
    assert_eq!(framework["connected"], true);

    setup.scheduler.send(&UnregisterFrameworkMessage {
        framework_id: setup.framework_id.clone(),
    });
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(state["frameworks"].as_array().unwrap().len(), 0);
    assert_eq!(
        state["completed_frameworks"][0]["id"],
        setup.framework_id.value
    );
}

#[test]
fn http_calls_of_a_pid_framework_are_forbidden_and_an_http_subscription_takes_over() {
    let setup = setup(3600.0);
    let id = &setup.framework_id.value;
    let response = post_json(
        &setup.cluster.runtime,
        &json!({"type": "REVIVE", "framework_id": {"value": id}}),
        Some("any"),
    );
    assert_eq!(response.status, 403);
    assert_eq!(body_text(&response), "Framework is not connected via HTTP");

    // The framework moves to HTTP: the pid is told it failed over and forgotten.
    let mut info = support::scheduler::framework_info("v0");
    info["id"] = json!({"value": id});
    info["failover_timeout"] = json!(3600.0);
    let mut http = support::scheduler::Scheduler::subscribe(&setup.cluster.runtime, info);
    assert_eq!(&http.framework_id, id);
    assert_eq!(
        setup
            .scheduler
            .inbox
            .last::<FrameworkErrorMessage>()
            .unwrap()
            .message,
        "Framework failed over"
    );
    assert_eq!(http.offers().len(), 1);
    assert!(setup.framework_state().get("pid").is_none());
    // The old pid's calls are dropped.
    setup
        .scheduler
        .send(&call(&setup.framework_id, CallType::Teardown));
    assert_eq!(setup.framework_state()["connected"], true);
}
