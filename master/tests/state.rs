//! The state endpoints' shapes (`/master/state`, `/state-summary`, `/frameworks`, `/slaves`,
//! `/tasks`), `/health`, `/redirect`, `/flags`, jsonp, trailing slashes and metrics.

mod support;

use std::collections::BTreeMap;

use libprocess::http::Request;
use master::config::MasterConfig;
use proto::v0::TaskState as V0State;
use serde_json::{Value, json};
use support::{
    Cluster,
    agent::AgentHandle,
    scheduler::{Scheduler, command_task, framework_info, launch},
};

/// One agent, one framework with `count` tasks `t0..` of cpus:0.01.
fn with_tasks(count: usize) -> (Cluster, AgentHandle, String, Scheduler) {
    let cluster = Cluster::start(MasterConfig {
        cluster: Some("test-cluster".into()),
        flags: BTreeMap::from([("port".to_string(), "5050".to_string())]),
        ..MasterConfig::default()
    });
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:8;mem:4096");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    let offer_id = scheduler.offers()[0].id.value.clone();
    let tasks = (0..count)
        .map(|index| command_task(&format!("t{index}"), &agent_id, "cpus:0.01;mem:1"))
        .collect();
    scheduler.call(launch(&[&offer_id], tasks));
    (cluster, agent, agent_id, scheduler)
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn state_has_mesos_fields() {
    let (cluster, agent, agent_id, scheduler) = with_tasks(1);
    let (status, state) = cluster.get_json("/master/state");
    assert_eq!(status, 200);
    for key in [
        "version",
        "build_date",
        "build_time",
        "build_user",
        "start_time",
        "elected_time",
        "id",
        "pid",
        "hostname",
        "capabilities",
        "activated_slaves",
        "deactivated_slaves",
        "unreachable_slaves",
        "leader",
        "leader_info",
        "cluster",
        "flags",
        "slaves",
        "recovered_slaves",
        "frameworks",
        "completed_frameworks",
        "orphan_tasks",
        "unregistered_frameworks",
    ] {
        assert!(state.get(key).is_some(), "missing {key}");
    }
    assert_eq!(state["version"], "1.11.0");
    assert_eq!(state["cluster"], "test-cluster");
    assert_eq!(state["flags"]["port"], "5050");
    assert_eq!(state["pid"], cluster.master_pid().to_string());
    assert_eq!(state["leader"], state["pid"]);
    assert_eq!(state["leader_info"]["id"], state["id"]);
    assert_eq!(state["activated_slaves"], 1);

    let slave = &state["slaves"][0];
    assert_eq!(
        keys(slave),
        [
            "active",
            "attributes",
            "capabilities",
            "deactivated",
            "hostname",
            "id",
            "offered_resources",
            "pid",
            "port",
            "registered_time",
            "reserved_resources",
            "resources",
            "unreserved_resources",
            "used_resources",
            "version"
        ]
    );
    assert_eq!(slave["pid"], agent.pid.to_string());
    assert_eq!(slave["id"], agent_id.as_str());

    let framework = &state["frameworks"][0];
    for key in [
        "id",
        "name",
        "used_resources",
        "offered_resources",
        "capabilities",
        "hostname",
        "webui_url",
        "active",
        "connected",
        "recovered",
        "user",
        "failover_timeout",
        "checkpoint",
        "registered_time",
        "unregistered_time",
        "resources",
        "role",
        "tasks",
        "unreachable_tasks",
        "completed_tasks",
        "offers",
        "executors",
        "offer_constraints",
    ] {
        assert!(framework.get(key).is_some(), "framework is missing {key}");
    }
    assert_eq!(framework["id"], scheduler.framework_id.as_str());
    assert_eq!(framework["role"], "*");
    assert!(
        framework.get("pid").is_none(),
        "HTTP frameworks have no pid"
    );
    let task = &framework["tasks"][0];
    for key in [
        "id",
        "name",
        "framework_id",
        "executor_id",
        "slave_id",
        "state",
        "resources",
        "role",
        "statuses",
    ] {
        assert!(task.get(key).is_some(), "task is missing {key}");
    }
    assert_eq!(framework["offers"][0]["slave_id"], agent_id.as_str());
    assert!(
        framework["offers"][0]["resources"]["cpus"]
            .as_f64()
            .unwrap()
            > 7.9
    );
}

#[test]
fn state_summary_counts_tasks() {
    let (cluster, agent, agent_id, scheduler) = with_tasks(2);
    let update = agent.status_update(
        &agent_id,
        &scheduler.framework_id,
        "t0",
        V0State::TaskRunning,
    );
    agent.send(&cluster.runtime, &cluster.master_pid(), &update);
    cluster.settle();
    let (_, summary) = cluster.get_json("/master/state-summary");
    assert_eq!(summary["cluster"], "test-cluster");
    let slave = &summary["slaves"][0];
    assert_eq!(slave["TASK_RUNNING"], 1);
    assert_eq!(slave["TASK_STAGING"], 1);
    assert_eq!(slave["framework_ids"], json!([scheduler.framework_id]));
    let framework = &summary["frameworks"][0];
    assert_eq!(framework["TASK_RUNNING"], 1);
    assert_eq!(framework["slave_ids"], json!([agent_id]));
    assert!(framework.get("tasks").is_none());
}

#[test]
fn frameworks_and_slaves_filter_by_id() {
    let (cluster, _agent, agent_id, scheduler) = with_tasks(1);
    let (_, all) = cluster.get_json("/master/frameworks");
    assert_eq!(all["frameworks"].as_array().unwrap().len(), 1);
    assert_eq!(all["completed_frameworks"], json!([]));
    assert_eq!(all["unregistered_frameworks"], json!([]));
    let (_, none) = cluster.get_json("/master/frameworks?framework_id=nope");
    assert_eq!(none["frameworks"], json!([]));
    let (_, one) = cluster.get_json(&format!(
        "/frameworks?framework_id={}",
        scheduler.framework_id
    ));
    assert_eq!(one["frameworks"][0]["id"], scheduler.framework_id.as_str());

    let (_, slaves) = cluster.get_json("/master/slaves/");
    assert_eq!(slaves["slaves"][0]["id"], agent_id.as_str());
    assert_eq!(slaves["recovered_slaves"], json!([]));
    let (_, none) = cluster.get_json("/slaves?slave_id=nope");
    assert_eq!(none["slaves"], json!([]));
}

#[test]
fn tasks_page_and_sort() {
    let (cluster, agent, agent_id, scheduler) = with_tasks(120);
    let (_, page) = cluster.get_json("/master/tasks");
    assert_eq!(page["tasks"].as_array().unwrap().len(), 100);
    let (_, all) = cluster.get_json("/master/tasks?limit=-1");
    assert_eq!(all["tasks"].as_array().unwrap().len(), 120);
    let (_, tail) = cluster.get_json("/tasks/?limit=50&offset=100");
    assert_eq!(tail["tasks"].as_array().unwrap().len(), 20);
    let (_, one) = cluster.get_json("/master/tasks?task_id=t7");
    assert_eq!(one["tasks"][0]["id"], "t7");

    for (task_id, timestamp) in [("t1", 5.0), ("t2", 9.0)] {
        let mut update = agent.status_update(
            &agent_id,
            &scheduler.framework_id,
            task_id,
            V0State::TaskRunning,
        );
        update.update.status.timestamp = Some(timestamp);
        agent.send(&cluster.runtime, &cluster.master_pid(), &update);
    }
    cluster.settle();
    let (_, descending) = cluster.get_json("/master/tasks?limit=2");
    let ids: Vec<&str> = descending["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["t2", "t1"]);
    let (_, ascending) = cluster.get_json("/master/tasks?order=asc&limit=-1");
    let tasks = ascending["tasks"].as_array().unwrap();
    assert_eq!(tasks[tasks.len() - 2]["id"], "t1");
    assert_eq!(tasks[tasks.len() - 1]["id"], "t2");
}

#[test]
fn health_redirect_flags_and_jsonp() {
    let cluster = Cluster::start(MasterConfig {
        hostname: Some("master.example".into()),
        flags: BTreeMap::from([("registry".to_string(), "in_memory".to_string())]),
        ..MasterConfig::default()
    });
    let health = cluster
        .runtime
        .http(Request::get("/master/health"))
        .block()
        .unwrap();
    assert_eq!(health.status, 200);
    assert!(health.full_body().unwrap().is_empty());
    let redirect = cluster
        .runtime
        .http(Request::get("/master/redirect"))
        .block()
        .unwrap();
    assert_eq!(redirect.status, 307);
    let port = cluster.master_pid().address().port();
    assert_eq!(
        redirect.headers.get("Location"),
        Some(format!("//master.example:{port}").as_str())
    );
    let below = cluster
        .runtime
        .http(Request::get("/master/redirect/x"))
        .block()
        .unwrap();
    assert_eq!(below.status, 404);
    let (_, flags) = cluster.get_json("/master/flags");
    assert_eq!(flags["flags"]["registry"], "in_memory");
    let jsonp = cluster
        .runtime
        .http(Request::get("/master/state?jsonp=cb"))
        .block()
        .unwrap();
    let body = String::from_utf8(jsonp.full_body().unwrap().to_vec()).unwrap();
    assert!(body.starts_with("cb({") && body.ends_with("});"), "{body}");
    assert_eq!(jsonp.headers.get("Content-Type"), Some("text/javascript"));
    let (status, _) = cluster.get_json("/state/");
    assert_eq!(status, 200);
}

#[test]
fn metrics_follow_the_books() {
    let (cluster, _agent, _agent_id, _scheduler) = with_tasks(3);
    assert_eq!(cluster.metric("master/elected"), 1.0);
    assert_eq!(cluster.metric("master/slaves_active"), 1.0);
    assert_eq!(cluster.metric("master/frameworks_active"), 1.0);
    assert_eq!(cluster.metric("master/frameworks_connected"), 1.0);
    assert_eq!(cluster.metric("master/tasks_staging"), 3.0);
    assert_eq!(cluster.metric("master/cpus_total"), 8.0);
    assert!((cluster.metric("master/cpus_used") - 0.03).abs() < 1e-9);
    assert_eq!(cluster.metric("master/mem_used"), 3.0);
    assert_eq!(cluster.metric("master/messages_register_slave"), 1.0);
    assert_eq!(cluster.metric("master/messages_launch_tasks"), 1.0);
    assert!(cluster.metric("master/uptime_secs") >= 0.0);
}
