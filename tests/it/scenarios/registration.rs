//! Agents register with the master (with Mesos's ids), a duplicate registration is
//! re-acknowledged, and an agent whose master link breaks re-registers and keeps its id.

use std::time::Duration;

use libprocess::MessageMatcher;
use testkit::Cluster;

#[test]
fn agents_register_with_mesos_ids_and_show_in_the_masters_state() {
    let cluster = Cluster::builder().agents(3).start();
    assert_eq!(cluster.registered_agents(), 3);
    let (status, state) = cluster.get_json("/master/state");
    assert_eq!(status, 200);
    let master_id = state["id"].as_str().expect("a master id").to_owned();
    let mut ids: Vec<String> = (0..3).map(|index| cluster.agent_id(index)).collect();
    ids.sort();
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            *id,
            format!("{master_id}-S{n}"),
            "agent ids are <master id>-S<n>"
        );
    }
    assert_eq!(state["activated_slaves"], 3);
    assert_eq!(cluster.metric("master/slaves_active"), 3.0);
    assert_eq!(cluster.metric("slave/registered"), 1.0);
}

#[test]
fn registration_waits_for_the_master_and_is_retried_with_backoff() {
    let cluster = Cluster::builder().register_agents(false).start();
    // Drop the first registration: the agent retries after its backoff.
    let dropped = cluster
        .runtime
        .filters()
        .drop_message(MessageMatcher::name("mesos.internal.RegisterSlaveMessage"));
    cluster.advance_until_by(
        "the first registration is sent",
        Duration::from_millis(100),
        || dropped.is_ready(),
    );
    assert_eq!(cluster.registered_agents(), 0);
    cluster.advance_until_by(
        "the agent registers on a retry",
        Duration::from_millis(500),
        || cluster.registered_agents() == 1,
    );
}

#[test]
fn agents_reregister_with_a_restarted_master_and_keep_their_ids() {
    let mut cluster = Cluster::builder().agents(2).start();
    let ids = [cluster.agent_id(0), cluster.agent_id(1)];
    let (_, before) = cluster.get_json("/master/state");
    cluster.restart_master();
    let (_, after) = cluster.get_json("/master/state");
    assert_ne!(before["id"], after["id"], "a new master");
    assert_eq!(
        after["recovered_slaves"].as_array().map(Vec::len),
        Some(2),
        "the registry remembers both agents"
    );
    // Each agent saw its master link break and re-registers after its backoff.
    cluster.advance_until_by(
        "both agents re-register",
        Duration::from_millis(500),
        || cluster.registered_agents() == 2,
    );
    assert_eq!([cluster.agent_id(0), cluster.agent_id(1)], ids);
    assert_eq!(cluster.metric("master/slave_reregistrations"), 2.0);
}
