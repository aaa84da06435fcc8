//! The registry's durability across master restarts (the file store in a temporary work
//! directory): recovered agents reregister or are marked unreachable after
//! `agent_reregister_timeout`; gone agents are shut down; reconciliation waits for recovered
//! agents.

mod support;

use std::time::Duration;

use master::{
    config::MasterConfig,
    registrar::{FileStore, Operation, RegistryState, RegistryStore},
};
use proto::{
    internal::{ReregisterSlaveMessage, ShutdownMessage, SlaveReregisteredMessage},
    v0::{SlaveId, TimeInfo},
};
use serde_json::json;
use support::{
    Cluster,
    agent::{AgentHandle, FirstMessage, register_message},
    scheduler::{Scheduler, framework_info},
};

fn file_cluster(dir: &std::path::Path) -> Cluster {
    Cluster::start_with_store(
        MasterConfig::default(),
        Box::new(FileStore::open(dir).unwrap()),
    )
}

fn reregister(cluster: &Cluster, agent_id: &str) -> AgentHandle {
    let mut register = register_message("host1", "cpus:2;mem:1024");
    register.slave.id = Some(SlaveId {
        value: agent_id.into(),
    });
    let message = ReregisterSlaveMessage {
        slave: register.slave,
        version: Some("1.11.0".into()),
        ..ReregisterSlaveMessage::default()
    };
    let agent = AgentHandle::spawn(
        &cluster.runtime,
        &cluster.master_pid(),
        FirstMessage::Reregister(Box::new(message)),
    );
    cluster.settle();
    agent
}

#[test]
fn a_restarted_master_remembers_its_agents() {
    let dir = tempfile::tempdir().unwrap();
    let agent_id = {
        let cluster = file_cluster(dir.path());
        let (_agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
        agent_id
    };

    let cluster = file_cluster(dir.path());
    let (_, slaves) = cluster.get_json("/master/slaves");
    assert_eq!(slaves["slaves"], json!([]));
    assert_eq!(slaves["recovered_slaves"][0]["id"], agent_id.as_str());
    assert_eq!(slaves["recovered_slaves"][0]["hostname"], "host1");

    // While it has not come back, reconciliation of its tasks gets no answer.
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    scheduler.call(json!({
        "type": "RECONCILE",
        "reconcile": {"tasks": [{"task_id": {"value": "t"}, "agent_id": {"value": agent_id}}]},
    }));
    assert!(scheduler.updates().is_empty());

    let agent = reregister(&cluster, &agent_id);
    let reregistered = agent.inbox.last::<SlaveReregisteredMessage>().unwrap();
    assert_eq!(reregistered.slave_id.value, agent_id);
    let (_, slaves) = cluster.get_json("/master/slaves");
    assert_eq!(slaves["slaves"][0]["id"], agent_id.as_str());
    assert_eq!(slaves["recovered_slaves"], json!([]));
    // Its resources are offered again.
    assert_eq!(scheduler.offers().len(), 1);
}

#[test]
fn recovered_agents_that_do_not_come_back_become_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let agent_id = {
        let cluster = file_cluster(dir.path());
        cluster.add_agent("host1", "cpus:2;mem:1024").1
    };
    let cluster = file_cluster(dir.path());
    cluster.advance(Duration::from_secs(599));
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["recovered_slaves"].as_array().unwrap().len(), 1);
    cluster.advance(Duration::from_secs(1));
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["recovered_slaves"], json!([]));
    assert_eq!(state["unreachable_slaves"], 1);
    drop(cluster);

    let registry = FileStore::open(dir.path()).unwrap().fetch().unwrap();
    assert!(registry.slaves.unwrap().slaves.is_empty());
    assert_eq!(registry.unreachable.unwrap().slaves[0].id.value, agent_id);
    assert!(registry.master.is_some());

    // It may still come back later, and is then reachable again.
    let cluster = file_cluster(dir.path());
    reregister(&cluster, &agent_id);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["slaves"][0]["id"], agent_id.as_str());
    assert_eq!(state["unreachable_slaves"], 0);
}

#[test]
fn gone_agents_are_told_to_shut_down() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = FileStore::open(dir.path()).unwrap();
    let mut state = RegistryState::new(store.fetch().unwrap());
    let info = register_message("host1", "cpus:1").slave;
    let info = proto::v0::SlaveInfo {
        id: Some(SlaveId {
            value: "old-S0".into(),
        }),
        ..info
    };
    state.apply(&Operation::AdmitAgent { info }).unwrap();
    state
        .apply(&Operation::MarkAgentGone {
            id: SlaveId {
                value: "old-S0".into(),
            },
            time: TimeInfo { nanoseconds: 1 },
        })
        .unwrap();
    store.store(state.registry()).unwrap();

    let cluster = file_cluster(dir.path());
    let agent = reregister(&cluster, "old-S0");
    let shutdown = agent.inbox.last::<ShutdownMessage>().unwrap();
    assert_eq!(
        shutdown.message.as_deref(),
        Some("Agent has been marked gone")
    );
    assert!(agent.inbox.last::<SlaveReregisteredMessage>().is_none());
}

#[test]
fn frameworks_come_back_from_agents_and_their_schedulers() {
    let dir = tempfile::tempdir().unwrap();
    let (agent_id, framework) = {
        let cluster = file_cluster(dir.path());
        let (_agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
        let mut info = framework_info("f");
        info["failover_timeout"] = json!(3600.0);
        let _scheduler = Scheduler::subscribe(&cluster.runtime, info);
        let framework = cluster.inspect(|master| {
            master
                .books()
                .frameworks
                .registered
                .values()
                .next()
                .unwrap()
                .info
                .clone()
        });
        (agent_id, framework)
    };

    // The new master learns of the framework from the agent's report...
    let cluster = file_cluster(dir.path());
    let mut register = register_message("host1", "cpus:2;mem:1024");
    register.slave.id = Some(SlaveId {
        value: agent_id.clone(),
    });
    let mut task = proto::v0::Task {
        name: "t1".into(),
        task_id: proto::v0::TaskId { value: "t1".into() },
        framework_id: framework.id.clone().unwrap(),
        slave_id: SlaveId {
            value: agent_id.clone(),
        },
        state: proto::v0::TaskState::TaskRunning as i32,
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
    let message = ReregisterSlaveMessage {
        slave: register.slave,
        tasks: vec![task],
        frameworks: vec![framework.clone()],
        version: Some("1.11.0".into()),
        ..ReregisterSlaveMessage::default()
    };
    AgentHandle::spawn(
        &cluster.runtime,
        &cluster.master_pid(),
        FirstMessage::Reregister(Box::new(message)),
    );
    cluster.settle();
    let (_, state) = cluster.get_json("/state");
    let recovered = &state["frameworks"][0];
    assert_eq!(recovered["recovered"], true);
    assert_eq!(recovered["active"], false);
    assert_eq!(recovered["tasks"][0]["state"], "TASK_RUNNING");
    assert_eq!(state["slaves"][0]["used_resources"]["cpus"], 1.0);

    // ... and its scheduler resubscribes with its id.
    let mut info = framework_info("f");
    info["failover_timeout"] = json!(3600.0);
    info["id"] = json!({"value": framework.id.unwrap().value});
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, info);
    assert_eq!(scheduler.offers().len(), 1);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["recovered"], false);
    assert_eq!(state["frameworks"][0]["active"], true);
    assert_eq!(state["frameworks"][0]["connected"], true);
}

#[test]
fn old_unreachable_agents_are_pruned_from_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let config = MasterConfig {
        registry_gc_interval: Duration::from_secs(60),
        registry_max_agent_age: Duration::from_secs(300),
        ..MasterConfig::default()
    };
    let cluster = Cluster::start_with_store(config, Box::new(FileStore::open(dir.path()).unwrap()));
    let (agent, _agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    agent.stop_answering_pings();
    cluster.advance_by_steps(Duration::from_secs(90), Duration::from_secs(15));
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["unreachable_slaves"], 1);
    // Collections run every minute from recovery: at 360s it is 270s old and stays...
    cluster.advance_by_steps(Duration::from_secs(300), Duration::from_secs(30));
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["unreachable_slaves"], 1);
    // ... at 420s it is older than 300s and goes.
    cluster.advance(Duration::from_secs(30));
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["unreachable_slaves"], 0);
    drop(cluster);
    let registry = FileStore::open(dir.path()).unwrap().fetch().unwrap();
    assert!(registry.unreachable.unwrap().slaves.is_empty());
}
