//! Reconciliation as Mesos does it: explicit (the listed tasks, unknown ones answered too)
//! and implicit (every task of the framework); answers carry REASON_RECONCILIATION and no
//! uuid.

use proto::v1::{TaskState, task_status::Reason};
use testkit::{Cluster, fixtures};

#[test]
fn implicit_reconciliation_answers_every_task_of_the_framework() {
    let cluster = Cluster::builder().agents(2).start();
    let scheduler = cluster.subscribe(fixtures::framework_info("implicit"));
    let offers = cluster.offers(&scheduler);
    for (n, offer) in offers.iter().enumerate() {
        scheduler.launch(offer, vec![fixtures::task(offer, &format!("task-{n}"))]);
    }
    scheduler.updates();
    assert_eq!(scheduler.reconcile(&[]).status, 202);
    let mut updates = scheduler.updates();
    updates.sort_by(|a, b| a.task_id.value.cmp(&b.task_id.value));
    assert_eq!(updates.len(), 2, "{updates:?}");
    for (n, status) in updates.iter().enumerate() {
        assert_eq!(status.task_id.value, format!("task-{n}"));
        assert_eq!(status.state(), TaskState::TaskRunning);
        assert_eq!(status.reason(), Reason::Reconciliation);
        assert!(status.uuid.is_none(), "reconciliation answers need no ack");
        assert!(status.agent_id.is_some());
    }
}

#[test]
fn explicit_reconciliation_answers_the_listed_tasks_known_or_not() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("explicit"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(
        &offers[0],
        vec![
            fixtures::task(&offers[0], "known"),
            fixtures::task(&offers[0], "other"),
        ],
    );
    scheduler.updates();
    let agent_id = cluster.agent_id(0);
    scheduler.reconcile(&[("known", Some(agent_id.as_str())), ("never-launched", None)]);
    let updates = scheduler.updates();
    assert_eq!(updates.len(), 2, "only the listed tasks: {updates:?}");
    let known = updates.iter().find(|s| s.task_id.value == "known").unwrap();
    assert_eq!(known.state(), TaskState::TaskRunning);
    assert_eq!(known.reason(), Reason::Reconciliation);
    let unknown = updates
        .iter()
        .find(|s| s.task_id.value == "never-launched")
        .unwrap();
    // No agent given and the task is unknown: Mesos answers TASK_LOST (or TASK_UNKNOWN
    // for partition-aware frameworks).
    assert_eq!(unknown.state(), TaskState::TaskLost);
    assert!(unknown.uuid.is_none());
}

#[test]
fn a_finished_task_is_unknown_to_reconciliation_as_in_mesos() {
    let cluster = Cluster::start();
    cluster.script.set(
        "done",
        testkit::TaskBehavior::FinishAfter(std::time::Duration::from_secs(1)),
    );
    let info = fixtures::with_capability(
        fixtures::framework_info("completed"),
        proto::v1::framework_info::capability::Type::PartitionAware,
    );
    let scheduler = cluster.subscribe(info);
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "done")]);
    cluster.advance(std::time::Duration::from_secs(1));
    assert_eq!(
        scheduler.updates().last().map(|s| s.state()),
        Some(TaskState::TaskFinished)
    );
    // Mesos looks only at live tasks: a completed one is unknown. With its (registered)
    // agent named it is TASK_GONE, without TASK_UNKNOWN (partition-aware framework).
    let agent_id = cluster.agent_id(0);
    scheduler.reconcile(&[("done", Some(agent_id.as_str()))]);
    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].state(), TaskState::TaskGone);
    scheduler.reconcile(&[("done", None)]);
    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].state(), TaskState::TaskUnknown);
    assert_eq!(updates[0].reason(), Reason::Reconciliation);
}
