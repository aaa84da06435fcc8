//! Losing agents: ping timeouts mark them unreachable, broken links disconnect them,
//! unregistration removes them; partition-aware tasks come back when the agent does; a new
//! agent at a disconnected agent's address replaces it; reregistration reconciles.

mod support;

use std::time::Duration;

use master::{config::MasterConfig, registrar::InMemoryStore};
use proto::{
    internal::{
        PingSlaveMessage, ReregisterSlaveMessage, SlaveRegisteredMessage, SlaveReregisteredMessage,
        UnregisterSlaveMessage,
    },
    v0::{FrameworkInfo, SlaveId, SlaveInfo, TaskState as V0State},
    v1::{TaskState, scheduler::event, task_status::Reason},
};
use serde_json::{Value, json};
use support::{
    Cluster,
    agent::{AgentHandle, FirstMessage, register_message},
    scheduler::{Scheduler, command_task, framework_info, launch},
};

const PING: Duration = Duration::from_secs(15);

fn partition_aware() -> Value {
    let mut info = framework_info("pa");
    info["capabilities"] = json!([{"type": "PARTITION_AWARE"}]);
    info["failover_timeout"] = json!(3600.0);
    info
}

/// Launches `t1` on the agent and returns the scheduler.
fn run_task(cluster: &Cluster, agent_id: &str, info: Value) -> Scheduler {
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, info);
    let offer_id = scheduler.offers()[0].id.value.clone();
    scheduler.call(launch(
        &[&offer_id],
        vec![command_task("t1", agent_id, "cpus:1;mem:128")],
    ));
    scheduler
}

#[test]
fn missed_pings_mark_the_agent_unreachable() {
    let store = InMemoryStore::new();
    let cluster = Cluster::start_with_store(MasterConfig::default(), Box::new(store.clone()));
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = run_task(&cluster, &agent_id, framework_info("f"));
    agent.stop_answering_pings();
    // The first ping (at registration) was answered; five unanswered ones follow.
    cluster.advance_by_steps(PING * 5, PING);
    assert_eq!(cluster.metric("master/slaves_active"), 1.0);
    assert_eq!(agent.inbox.count::<PingSlaveMessage>(), 6);
    cluster.advance(PING);

    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["slaves"], json!([]));
    assert_eq!(state["unreachable_slaves"], 1);
    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].state, TaskState::TaskLost as i32);
    assert_eq!(updates[0].reason, Some(Reason::AgentRemoved as i32));
    assert!(updates[0].unreachable_time.is_some());
    let failures = scheduler.events_of(event::Type::Failure);
    assert_eq!(
        failures[0]
            .failure
            .as_ref()
            .unwrap()
            .agent_id
            .as_ref()
            .unwrap()
            .value,
        agent_id
    );
    assert_eq!(state["frameworks"][0]["unreachable_tasks"][0]["id"], "t1");
    assert!(
        cluster
            .allocator_log
            .lock()
            .unwrap()
            .contains(&"remove_agent".to_string())
    );
    let registry = store.snapshot().unwrap();
    assert!(registry.slaves.unwrap().slaves.is_empty());
    assert_eq!(registry.unreachable.unwrap().slaves[0].id.value, agent_id);
    assert_eq!(
        cluster.metric("master/slave_removals/reason_unhealthy"),
        1.0
    );
}

#[test]
fn pongs_keep_the_agent() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, _) = cluster.add_agent("host1", "cpus:2;mem:1024");
    cluster.advance_by_steps(Duration::from_secs(600), PING);
    assert_eq!(cluster.metric("master/slaves_active"), 1.0);
    assert!(agent.inbox.count::<PingSlaveMessage>() >= 40);
}

fn reregister_message(
    agent: &AgentHandle,
    agent_id: &str,
    framework: FrameworkInfo,
    state: V0State,
) -> ReregisterSlaveMessage {
    let mut register = register_message("host1", "cpus:2;mem:1024");
    register.slave.id = Some(SlaveId {
        value: agent_id.into(),
    });
    let mut task = proto::v0::Task {
        name: "t1".into(),
        task_id: proto::v0::TaskId { value: "t1".into() },
        framework_id: framework.id.clone().unwrap(),
        slave_id: SlaveId {
            value: agent_id.into(),
        },
        state: state as i32,
        resources: resources::Resources::parse("cpus:1;mem:128", &resources::Role::star())
            .unwrap()
            .to_proto_v0(),
        ..proto::v0::Task::default()
    };
    for resource in &mut task.resources {
        resource.allocation_info = Some(proto::v0::resource::AllocationInfo {
            role: Some("*".into()),
        });
    }
    let _ = agent;
    ReregisterSlaveMessage {
        slave: register.slave,
        tasks: vec![task],
        frameworks: vec![framework],
        version: Some("1.11.0".into()),
        ..ReregisterSlaveMessage::default()
    }
}

fn framework_of(cluster: &Cluster) -> FrameworkInfo {
    cluster.inspect(|master| {
        master
            .books()
            .frameworks
            .registered
            .values()
            .next()
            .unwrap()
            .info
            .clone()
    })
}

#[test]
fn partition_aware_tasks_become_unreachable_then_come_back() {
    let store = InMemoryStore::new();
    let cluster = Cluster::start_with_store(MasterConfig::default(), Box::new(store.clone()));
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = run_task(&cluster, &agent_id, partition_aware());
    let framework = framework_of(&cluster);
    agent.stop_answering_pings();
    cluster.advance_by_steps(PING * 6, PING);
    let updates = scheduler.updates();
    assert_eq!(updates[0].state, TaskState::TaskUnreachable as i32);
    assert_eq!(
        cluster.metric("master/tasks_unreachable"),
        0.0,
        "unreachable tasks are not live"
    );

    // The partition heals: the agent reregisters with its running task.
    let message = reregister_message(&agent, &agent_id, framework, V0State::TaskRunning);
    agent.send(&cluster.runtime, &cluster.master_pid(), &message);
    cluster.settle();
    let reregistered = agent.inbox.last::<SlaveReregisteredMessage>().unwrap();
    assert_eq!(reregistered.slave_id.value, agent_id);
    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].state, TaskState::TaskRunning as i32);
    assert_eq!(updates[0].reason, Some(Reason::AgentReregistered as i32));
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["unreachable_slaves"], 0);
    assert_eq!(state["slaves"][0]["id"], agent_id.as_str());
    assert_eq!(state["frameworks"][0]["tasks"][0]["state"], "TASK_RUNNING");
    assert_eq!(state["frameworks"][0]["unreachable_tasks"], json!([]));
    assert_eq!(state["slaves"][0]["used_resources"]["cpus"], 1.0);
    let registry = store.snapshot().unwrap();
    assert_eq!(registry.slaves.unwrap().slaves.len(), 1);
    assert!(registry.unreachable.unwrap().slaves.is_empty());
}

#[test]
fn a_broken_link_disconnects_the_agent() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = run_task(&cluster, &agent_id, framework_info("f"));
    assert_eq!(scheduler.offers().len(), 1);
    cluster.runtime.terminate(&agent.pid);
    cluster.settle();
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["slaves"][0]["active"], false);
    assert_eq!(cluster.metric("master/slaves_disconnected"), 1.0);
    assert_eq!(scheduler.events_of(event::Type::Rescind).len(), 1);
    // A framework that does not checkpoint loses its tasks at once.
    let updates = scheduler.updates();
    assert_eq!(updates[0].state, TaskState::TaskLost as i32);
    assert_eq!(updates[0].reason, Some(Reason::AgentDisconnected as i32));
    // No pongs come back: after the ping timeouts it is unreachable.
    cluster.advance_by_steps(PING * 6, PING);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["unreachable_slaves"], 1);
}

#[test]
fn unregistering_removes_the_agent_and_rescinds_its_offers() {
    let store = InMemoryStore::new();
    let cluster = Cluster::start_with_store(MasterConfig::default(), Box::new(store.clone()));
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = run_task(&cluster, &agent_id, framework_info("f"));
    let offer_id = scheduler.offers()[0].id.value.clone();
    let unregister = UnregisterSlaveMessage {
        slave_id: SlaveId {
            value: agent_id.clone(),
        },
    };
    // From a stranger: ignored.
    let stranger = libprocess::Upid::new("slave(42)", cluster.runtime.address());
    cluster.runtime.send_from(
        &stranger,
        &cluster.master_pid(),
        "mesos.internal.UnregisterSlaveMessage",
        prost::Message::encode_to_vec(&unregister),
    );
    cluster.settle();
    assert_eq!(cluster.metric("master/slaves_active"), 1.0);

    agent.send(&cluster.runtime, &cluster.master_pid(), &unregister);
    cluster.settle();
    let rescinds = scheduler.events_of(event::Type::Rescind);
    assert_eq!(
        rescinds[0].rescind.as_ref().unwrap().offer_id.value,
        offer_id
    );
    let updates = scheduler.updates();
    assert_eq!(updates[0].state, TaskState::TaskLost as i32);
    assert_eq!(updates[0].reason, Some(Reason::AgentRemoved as i32));
    assert!(
        updates[0]
            .message
            .as_deref()
            .unwrap()
            .starts_with("Agent host1 removed")
    );
    assert_eq!(scheduler.events_of(event::Type::Failure).len(), 1);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["slaves"], json!([]));
    assert_eq!(
        state["frameworks"][0]["completed_tasks"][0]["state"],
        "TASK_LOST"
    );
    assert!(store.snapshot().unwrap().slaves.unwrap().slaves.is_empty());
}

#[test]
fn a_new_agent_at_a_disconnected_agents_address_replaces_it() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, first_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    // Registering again while connected: acknowledged again, same id.
    agent.send(
        &cluster.runtime,
        &cluster.master_pid(),
        &register_message("host1", "cpus:2;mem:1024"),
    );
    cluster.settle();
    let again = agent.inbox.all::<SlaveRegisteredMessage>();
    assert_eq!(again.len(), 2);
    assert_eq!(again[1].slave_id.value, first_id);

    cluster.runtime.terminate(&agent.pid);
    cluster.settle();
    let restarted = AgentHandle::spawn_as(
        &cluster.runtime,
        agent.pid.id(),
        &cluster.master_pid(),
        FirstMessage::Register(Box::new(register_message("host1", "cpus:2;mem:1024"))),
    );
    cluster.settle();
    let registered = restarted.inbox.last::<SlaveRegisteredMessage>().unwrap();
    assert_ne!(registered.slave_id.value, first_id);
    let (_, state) = cluster.get_json("/state");
    let ids: Vec<&str> = state["slaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [registered.slave_id.value.as_str()]);
    assert_eq!(
        cluster.metric("master/slave_removals/reason_registered"),
        1.0
    );
}

#[test]
fn reregistering_without_a_task_asks_the_agent_to_reconcile_it() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let _scheduler = run_task(&cluster, &agent_id, framework_info("f"));
    let framework = framework_of(&cluster);
    let mut message = reregister_message(&agent, &agent_id, framework, V0State::TaskRunning);
    message.tasks.clear();
    agent.send(&cluster.runtime, &cluster.master_pid(), &message);
    cluster.settle();
    let reregistered = agent.inbox.last::<SlaveReregisteredMessage>().unwrap();
    assert_eq!(reregistered.reconciliations.len(), 1);
    let reconcile = &reregistered.reconciliations[0];
    assert_eq!(reconcile.statuses[0].task_id.value, "t1");
    assert_eq!(reconcile.statuses[0].state, V0State::TaskStaging as i32);
    assert_eq!(
        reregistered.connection.unwrap().total_ping_timeout_seconds,
        Some(75.0)
    );

    // Reregistering from another IP or hostname is refused.
    let mut moved = reregister_message(
        &agent,
        &agent_id,
        framework_of(&cluster),
        V0State::TaskRunning,
    );
    moved.slave = SlaveInfo {
        hostname: "elsewhere".into(),
        ..moved.slave
    };
    agent.send(&cluster.runtime, &cluster.master_pid(), &moved);
    cluster.settle();
    let shutdown = agent
        .inbox
        .last::<proto::internal::ShutdownMessage>()
        .unwrap();
    assert!(
        shutdown
            .message
            .unwrap()
            .contains("different IP / hostname")
    );
}

#[test]
fn kills_sent_while_an_agent_was_away_are_resent_when_it_returns() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut info = framework_info("checkpointing");
    info["checkpoint"] = json!(true);
    info["failover_timeout"] = json!(3600.0);
    let scheduler = run_task(&cluster, &agent_id, info);
    let framework = framework_of(&cluster);
    cluster.runtime.terminate(&agent.pid);
    cluster.settle();
    // A checkpointing framework keeps its task while the agent is disconnected.
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["tasks"][0]["state"], "TASK_STAGING");

    scheduler.call(json!({"type": "KILL", "kill": {"task_id": {"value": "t1"}}}));
    let message = reregister_message(&agent, &agent_id, framework, V0State::TaskRunning);
    let back = AgentHandle::spawn_as(
        &cluster.runtime,
        agent.pid.id(),
        &cluster.master_pid(),
        FirstMessage::Reregister(Box::new(message)),
    );
    cluster.settle();
    assert!(back.inbox.last::<SlaveReregisteredMessage>().is_some());
    let kill = back
        .inbox
        .last::<proto::internal::KillTaskMessage>()
        .expect("the kill is resent");
    assert_eq!(kill.task_id.value, "t1");
    assert_eq!(cluster.metric("master/slaves_connected"), 1.0);
}
