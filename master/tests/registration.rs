//! Agent registration: ids, acknowledgements, duplicates, reregistration, unregistration.

mod support;

use master::config::MasterConfig;
use proto::internal::{PingSlaveMessage, SlaveRegisteredMessage};
use support::Cluster;

#[test]
fn an_agent_registers_and_is_pinged() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let master_id = cluster.inspect(|master| master.info().id.clone());
    assert_eq!(agent_id, format!("{master_id}-S0"));
    let registered = agent.inbox.last::<SlaveRegisteredMessage>().unwrap();
    assert_eq!(
        registered.connection.unwrap().total_ping_timeout_seconds,
        Some(75.0)
    );
    assert_eq!(agent.inbox.count::<PingSlaveMessage>(), 1);
    assert!(
        cluster
            .allocator_log
            .lock()
            .unwrap()
            .contains(&"add_agent".to_string())
    );
    let (status, state) = cluster.get_json("/state");
    assert_eq!(status, 200);
    assert_eq!(state["slaves"][0]["id"], agent_id.as_str());
    assert_eq!(state["slaves"][0]["resources"]["cpus"], 2.0);
    assert_eq!(cluster.metric("master/slaves_active"), 1.0);
}

#[test]
fn invalid_registrations_are_dropped() {
    use proto::v0::{Resource, value};
    use support::agent::{AgentHandle, FirstMessage, register_message};

    let cluster = Cluster::start(MasterConfig::default());
    let mut old = register_message("old", "cpus:1");
    old.version = Some("0.28.0".into());
    let mut unversioned = register_message("unversioned", "cpus:1");
    unversioned.version = None;
    let mut negative = register_message("negative", "cpus:1");
    negative.slave.resources.push(Resource {
        name: "mem".into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: -5.0 }),
        ..Resource::default()
    });
    let mut checkpointed = register_message("checkpointed", "cpus:1");
    checkpointed.checkpointed_resources = checkpointed.slave.resources.clone();
    for message in [old, unversioned, negative, checkpointed] {
        let agent = AgentHandle::spawn(
            &cluster.runtime,
            &cluster.master_pid(),
            FirstMessage::Register(Box::new(message)),
        );
        cluster.settle();
        assert!(agent.inbox.last::<SlaveRegisteredMessage>().is_none());
    }
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["slaves"], serde_json::json!([]));
    assert_eq!(cluster.metric("master/messages_register_slave"), 4.0);
}

#[test]
fn agents_get_distinct_ids() {
    let cluster = Cluster::start(MasterConfig::default());
    let (_a, first) = cluster.add_agent("host1", "cpus:1;mem:128");
    let (_b, second) = cluster.add_agent("host2", "cpus:1;mem:128");
    assert!(first.ends_with("-S0") && second.ends_with("-S1"));
    assert_eq!(cluster.metric("master/slave_registrations"), 2.0);
    assert_eq!(cluster.metric("master/cpus_total"), 2.0);
}
