//! Framework failover: a re-SUBSCRIBE with the framework's id takes over (new stream id, the
//! old stream gets an ERROR and ends, tasks keep running); a framework whose stream breaks
//! is removed after its `failover_timeout`, and its tasks are killed.

use std::time::Duration;

use proto::v1::{FrameworkId, TaskState, scheduler::event};
use testkit::{Cluster, fixtures};

#[test]
fn a_resubscription_takes_the_framework_over_and_its_tasks_survive() {
    let cluster = Cluster::start();
    let mut info = fixtures::framework_info("failover");
    info.failover_timeout = Some(3600.0);
    let first = cluster.subscribe(info.clone());
    let offers = cluster.offers(&first);
    first.launch(&offers[0], vec![fixtures::task(&offers[0], "survivor")]);
    assert_eq!(
        first.updates().last().unwrap().state(),
        TaskState::TaskRunning
    );

    info.id = Some(FrameworkId {
        value: first.framework_id(),
    });
    let second = cluster.subscribe(info);
    assert_eq!(second.framework_id(), first.framework_id());
    assert_ne!(second.stream_id(), first.stream_id(), "a new stream id");
    let errors = first.events_of(event::Type::Error);
    assert_eq!(errors.len(), 1, "the old stream is told");
    assert_eq!(
        errors[0].error.as_ref().unwrap().message,
        "Framework failed over"
    );
    assert!(first.is_closed(), "the old stream ends");
    // Calls on the old stream id are refused now.
    assert_eq!(first.revive(&[]).status, 400);

    assert_eq!(cluster.metric("master/tasks_running"), 1.0);
    assert_eq!(second.kill("survivor", None).status, 202);
    assert_eq!(
        second.updates().last().map(|status| status.state()),
        Some(TaskState::TaskKilled)
    );
}

#[test]
fn a_disconnected_framework_is_removed_after_its_failover_timeout() {
    let cluster = Cluster::start();
    let mut info = fixtures::framework_info("gone");
    info.failover_timeout = Some(60.0);
    let scheduler = cluster.subscribe(info);
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "orphan")]);
    scheduler.updates();
    scheduler.disconnect();

    let (_, frameworks) = cluster.get_json("/master/frameworks");
    assert_eq!(frameworks["frameworks"][0]["active"], false, "disconnected");
    assert_eq!(frameworks["frameworks"][0]["connected"], false);
    assert_eq!(
        cluster.metric("master/tasks_running"),
        1.0,
        "tasks run on meanwhile"
    );

    cluster.advance(Duration::from_secs(59));
    assert_eq!(cluster.metric("master/tasks_running"), 1.0);
    cluster.advance(Duration::from_secs(1));
    assert_eq!(
        cluster.metric("master/tasks_running"),
        0.0,
        "removed: tasks killed"
    );
    let (_, frameworks) = cluster.get_json("/master/frameworks");
    assert_eq!(frameworks["frameworks"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        frameworks["completed_frameworks"].as_array().map(Vec::len),
        Some(1)
    );
    cluster.advance(Duration::from_secs(5));
    assert!(cluster.agent(0).containerizer.running().is_empty());
}

#[test]
fn a_framework_that_comes_back_in_time_keeps_its_tasks() {
    let cluster = Cluster::start();
    let mut info = fixtures::framework_info("back");
    info.failover_timeout = Some(60.0);
    let scheduler = cluster.subscribe(info.clone());
    let framework_id = scheduler.framework_id();
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "kept")]);
    scheduler.disconnect();
    cluster.advance(Duration::from_secs(30));
    info.id = Some(FrameworkId {
        value: framework_id.clone(),
    });
    let again = cluster.subscribe(info);
    assert_eq!(again.framework_id(), framework_id);
    cluster.advance(Duration::from_secs(60));
    assert_eq!(cluster.metric("master/tasks_running"), 1.0);
    // Implicit reconciliation tells the new subscription what runs.
    again.reconcile(&[]);
    let updates = again.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].task_id.value, "kept");
    assert_eq!(updates[0].state(), TaskState::TaskRunning);
}
