//! Task reconciliation, implicit and explicit, for partition-aware and other frameworks.

mod support;

use std::time::Duration;

use master::config::MasterConfig;
use proto::v1::{TaskState, task_status::Reason};
use serde_json::{Value, json};
use support::{
    Cluster,
    scheduler::{Scheduler, command_task, framework_info, launch},
};

fn reconcile(tasks: &[(&str, Option<&str>)]) -> Value {
    let tasks: Vec<Value> = tasks
        .iter()
        .map(|(task_id, agent_id)| match agent_id {
            Some(agent_id) => {
                json!({"task_id": {"value": task_id}, "agent_id": {"value": agent_id}})
            }
            None => json!({"task_id": {"value": task_id}}),
        })
        .collect();
    json!({"type": "RECONCILE", "reconcile": {"tasks": tasks}})
}

fn states(statuses: &[proto::v1::TaskStatus]) -> Vec<(String, i32)> {
    statuses
        .iter()
        .map(|status| (status.task_id.value.clone(), status.state))
        .collect()
}

#[test]
fn implicit_reconciliation_reports_every_known_task() {
    let cluster = Cluster::start(MasterConfig::default());
    let (_agent, agent_id) = cluster.add_agent("host1", "cpus:4;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    let offer_id = scheduler.offers()[0].id.value.clone();
    scheduler.call(launch(
        &[&offer_id],
        vec![
            command_task("a", &agent_id, "cpus:1"),
            command_task("b", &agent_id, "cpus:1"),
        ],
    ));
    assert_eq!(scheduler.call(reconcile(&[])).status, 202);
    let mut updates = scheduler.updates();
    updates.sort_by(|x, y| x.task_id.value.cmp(&y.task_id.value));
    assert_eq!(
        states(&updates),
        [
            ("a".to_string(), TaskState::TaskStaging as i32),
            ("b".to_string(), TaskState::TaskStaging as i32)
        ]
    );
    for status in &updates {
        assert_eq!(status.reason, Some(Reason::Reconciliation as i32));
        assert_eq!(status.uuid, None);
        assert_eq!(status.agent_id.as_ref().unwrap().value, agent_id);
        assert_eq!(
            status.message.as_deref(),
            Some("Reconciliation: Latest task state")
        );
    }
}

#[test]
fn explicit_reconciliation_covers_mesos_cases() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:4;mem:1024");
    let (_other, other_id) = cluster.add_agent("host2", "cpus:4;mem:1024");
    let mut info = framework_info("pa");
    info["capabilities"] = json!([{"type": "PARTITION_AWARE"}]);
    info["failover_timeout"] = json!(3600.0);
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, info);
    let offers = scheduler.offers();
    for offer in &offers {
        let task_id = if offer.agent_id.value == agent_id {
            "partitioned"
        } else {
            "known"
        };
        scheduler.call(launch(
            &[&offer.id.value],
            vec![command_task(task_id, &offer.agent_id.value, "cpus:1")],
        ));
    }

    // The first agent becomes unreachable.
    agent.stop_answering_pings();
    cluster.advance_by_steps(Duration::from_secs(90), Duration::from_secs(15));
    scheduler.updates();

    scheduler.call(reconcile(&[
        ("known", None),
        ("partitioned", None),
        ("on-registered", Some(&other_id)),
        ("on-unreachable", Some(&agent_id)),
        ("nowhere", Some("no-such-agent")),
        ("no-agent", None),
    ]));
    let updates = scheduler.updates();
    assert_eq!(
        states(&updates),
        [
            ("known".to_string(), TaskState::TaskStaging as i32),
            // Unreachable tasks are not live tasks: without an agent id, Mesos answers UNKNOWN.
            ("partitioned".to_string(), TaskState::TaskUnknown as i32),
            ("on-registered".to_string(), TaskState::TaskGone as i32),
            (
                "on-unreachable".to_string(),
                TaskState::TaskUnreachable as i32
            ),
            ("nowhere".to_string(), TaskState::TaskUnknown as i32),
            ("no-agent".to_string(), TaskState::TaskUnknown as i32),
        ]
    );
    assert!(updates[3].unreachable_time.is_some());
    assert_eq!(
        updates[4].message.as_deref(),
        Some("Reconciliation: Task is unknown")
    );
    assert!(updates.iter().all(|status| status.uuid.is_none()));
}

#[test]
fn frameworks_that_are_not_partition_aware_get_task_lost() {
    let cluster = Cluster::start(MasterConfig::default());
    let (_agent, agent_id) = cluster.add_agent("host1", "cpus:4;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    scheduler.call(reconcile(&[("x", Some(&agent_id)), ("y", Some("gone?"))]));
    let updates = scheduler.updates();
    assert_eq!(
        states(&updates),
        [
            ("x".to_string(), TaskState::TaskLost as i32),
            ("y".to_string(), TaskState::TaskLost as i32)
        ]
    );
}
