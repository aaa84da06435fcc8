//! Framework failover, disconnection, `failover_timeout` removal and TEARDOWN.

mod support;

use std::time::Duration;

use master::config::MasterConfig;
use proto::{
    internal::{ShutdownFrameworkMessage, UpdateFrameworkMessage},
    v1::scheduler::event,
};
use serde_json::{Value, json};
use support::{
    Cluster,
    agent::AgentHandle,
    scheduler::{Scheduler, body_text, command_task, framework_info, launch, post_json},
};

fn info_with_timeout(seconds: f64) -> Value {
    let mut info = framework_info("f");
    info["failover_timeout"] = json!(seconds);
    info
}

fn resubscribe(cluster: &Cluster, framework_id: &str, seconds: f64) -> Scheduler {
    let mut info = info_with_timeout(seconds);
    info["id"] = json!({"value": framework_id});
    Scheduler::subscribe(&cluster.runtime, info)
}

/// A cluster with one agent and a framework running task `t1`.
fn with_task(seconds: f64) -> (Cluster, AgentHandle, Scheduler) {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, info_with_timeout(seconds));
    let offer_id = scheduler.offers()[0].id.value.clone();
    scheduler.call(launch(
        &[&offer_id],
        vec![command_task("t1", &agent_id, "cpus:1;mem:128")],
    ));
    (cluster, agent, scheduler)
}

#[test]
fn resubscribing_takes_over_the_framework() {
    let (cluster, agent, mut old) = with_task(3600.0);
    assert_eq!(old.offers().len(), 1, "the unused cpu is offered");
    let framework_id = old.framework_id.clone();
    agent.inbox.clear();
    cluster.advance(Duration::from_secs(1));

    let mut new = resubscribe(&cluster, &framework_id, 3600.0);
    assert_eq!(new.framework_id, framework_id);
    assert_ne!(new.stream_id, old.stream_id);
    let errors = old.events_of(event::Type::Error);
    assert_eq!(
        errors[0].error.as_ref().unwrap().message,
        "Framework failed over"
    );
    assert!(old.is_closed());
    // The old offer is withdrawn and the resources offered again on the new stream.
    assert_eq!(new.offers().len(), 1);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(
        state["frameworks"][0]["offers"].as_array().unwrap().len(),
        1
    );
    assert_eq!(state["frameworks"][0]["tasks"][0]["id"], "t1");
    assert!(state["frameworks"][0]["reregistered_time"].is_number());
    // Agents learn the framework's info.
    assert_eq!(agent.inbox.count::<UpdateFrameworkMessage>(), 1);
    // The old stream id no longer works.
    let stale = post_json(
        &cluster.runtime,
        &json!({"type": "REVIVE", "framework_id": {"value": framework_id}}),
        Some(&old.stream_id),
    );
    assert_eq!(stale.status, 400);
}

#[test]
fn a_disconnected_framework_is_removed_after_its_failover_timeout() {
    let (cluster, agent, scheduler) = with_task(60.0);
    let framework_id = scheduler.framework_id.clone();
    let stream_id = scheduler.stream_id.clone();
    scheduler.disconnect();
    let (_, state) = cluster.get_json("/state");
    let framework = &state["frameworks"][0];
    assert_eq!(framework["active"], false);
    assert_eq!(framework["connected"], false);
    assert_eq!(framework["offers"], json!([]), "offers are rescinded");
    assert_eq!(cluster.metric("master/frameworks_disconnected"), 1.0);
    let forbidden = post_json(
        &cluster.runtime,
        &json!({"type": "REVIVE", "framework_id": {"value": framework_id}}),
        Some(&stream_id),
    );
    assert_eq!(forbidden.status, 403);

    cluster.advance(Duration::from_secs(59));
    assert_eq!(agent.inbox.count::<ShutdownFrameworkMessage>(), 0);
    cluster.advance(Duration::from_secs(1));
    assert_eq!(
        agent
            .inbox
            .last::<ShutdownFrameworkMessage>()
            .unwrap()
            .framework_id
            .value,
        framework_id
    );
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["frameworks"], json!([]));
    let completed = &state["completed_frameworks"][0];
    assert_eq!(completed["id"], framework_id.as_str());
    assert_eq!(completed["completed_tasks"][0]["state"], "TASK_KILLED");
    assert!(completed["unregistered_time"].as_f64().unwrap() > 0.0);
    assert_eq!(state["slaves"][0]["used_resources"]["cpus"], 0.0);

    // It cannot come back.
    let mut info = info_with_timeout(60.0);
    info["id"] = json!({"value": framework_id});
    let call = json!({"type": "SUBSCRIBE", "framework_id": {"value": framework_id}, "subscribe": {"framework_info": info}});
    let mut refused = Scheduler::open(&cluster.runtime, &call).ok().unwrap();
    cluster.settle();
    let errors = refused.events_of(event::Type::Error);
    assert_eq!(
        errors[0].error.as_ref().unwrap().message,
        "Framework has been removed"
    );
}

#[test]
fn resubscribing_within_the_timeout_keeps_the_tasks() {
    let (cluster, agent, scheduler) = with_task(60.0);
    let framework_id = scheduler.framework_id.clone();
    scheduler.disconnect();
    cluster.advance(Duration::from_secs(30));
    let mut back = resubscribe(&cluster, &framework_id, 60.0);
    assert_eq!(back.offers().len(), 1);
    cluster.advance(Duration::from_secs(120));
    assert_eq!(agent.inbox.count::<ShutdownFrameworkMessage>(), 0);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["active"], true);
    assert_eq!(state["frameworks"][0]["tasks"][0]["state"], "TASK_STAGING");
}

#[test]
fn teardown_removes_the_framework_and_ends_its_stream() {
    let (cluster, agent, mut scheduler) = with_task(3600.0);
    let response = scheduler.call(json!({"type": "TEARDOWN"}));
    assert_eq!(response.status, 202, "{}", body_text(&response));
    assert!(scheduler.is_closed());
    assert_eq!(agent.inbox.count::<ShutdownFrameworkMessage>(), 1);
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["frameworks"], json!([]));
    assert_eq!(
        state["completed_frameworks"][0]["completed_tasks"][0]["statuses"][0]["state"],
        "TASK_KILLED"
    );
    assert!(
        cluster
            .allocator_log
            .lock()
            .unwrap()
            .contains(&"remove_framework".to_string())
    );
}
