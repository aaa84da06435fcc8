//! Launching: a command task goes TASK_STARTING, TASK_RUNNING, TASK_FINISHED through the
//! agent's status update manager to the scheduler; invalid launches fail with Mesos's
//! reasons and leave nothing behind; an offer used twice is refused; task groups.

use std::time::Duration;

use proto::v1::{TaskState, task_status::Reason};
use testkit::{Cluster, TaskBehavior, fixtures};

fn states(statuses: &[proto::v1::TaskStatus]) -> Vec<TaskState> {
    statuses.iter().map(|status| status.state()).collect()
}

#[test]
fn a_command_task_runs_and_finishes_with_every_update_acknowledged() {
    let cluster = Cluster::start();
    cluster
        .script
        .set("task-1", TaskBehavior::FinishAfter(Duration::from_secs(5)));
    let scheduler = cluster.subscribe(fixtures::framework_info("launch"));
    let offers = cluster.offers(&scheduler);
    let task = fixtures::task(&offers[0], "task-1");
    assert_eq!(scheduler.launch(&offers[0], vec![task]).status, 202);

    let updates = scheduler.updates();
    assert_eq!(
        states(&updates),
        [TaskState::TaskStarting, TaskState::TaskRunning],
        "each update comes once the previous one is acknowledged"
    );
    for status in &updates {
        assert_eq!(status.task_id.value, "task-1");
        assert_eq!(status.agent_id.as_ref().unwrap().value, cluster.agent_id(0));
        assert_eq!(status.uuid.as_ref().map(Vec::len), Some(16));
    }
    let (_, tasks) = cluster.get_json("/master/tasks");
    assert_eq!(tasks["tasks"][0]["state"], "TASK_RUNNING");
    assert_eq!(tasks["tasks"][0]["executor_id"], "");
    assert_eq!(cluster.metric("master/tasks_running"), 1.0);

    cluster.advance(Duration::from_secs(5));
    let updates = scheduler.updates();
    assert_eq!(states(&updates), [TaskState::TaskFinished]);
    assert!(scheduler.failed_acknowledgements().is_empty());
    assert_eq!(cluster.metric("master/tasks_finished"), 1.0);
    // The command executor exits once its terminal update is acknowledged.
    cluster.settle();
    assert!(cluster.agent(0).containerizer.running().is_empty());
    let (_, state) = cluster.get_json("/master/state");
    let framework = &state["frameworks"][0];
    assert_eq!(framework["completed_tasks"][0]["state"], "TASK_FINISHED");
    let statuses: Vec<&str> = framework["completed_tasks"][0]["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|status| status["state"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
}

#[test]
fn a_failing_task_is_reported_failed_with_its_message() {
    let cluster = Cluster::start();
    cluster.script.set(
        "bad",
        TaskBehavior::FailAfter(
            Duration::from_secs(1),
            "Command exited with status 3".into(),
        ),
    );
    let scheduler = cluster.subscribe(fixtures::framework_info("fail"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "bad")]);
    cluster.advance(Duration::from_secs(1));
    let last = scheduler.updates().pop().expect("updates");
    assert_eq!(last.state(), TaskState::TaskFailed);
    assert_eq!(
        last.message.as_deref(),
        Some("Command exited with status 3")
    );
}

#[test]
fn an_invalid_launch_fails_with_mesos_reason_and_returns_the_resources() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("invalid"));
    let offers = cluster.offers(&scheduler);
    // More cpus than the offer holds.
    let greedy = fixtures::command_task(&offers[0], "greedy", "cpus:64;mem:32", "true");
    assert_eq!(scheduler.launch(&offers[0], vec![greedy]).status, 202);
    let updates = scheduler.updates();
    assert_eq!(states(&updates), [TaskState::TaskError]);
    assert_eq!(updates[0].reason(), Reason::TaskInvalid);
    assert!(
        updates[0].uuid.is_none(),
        "a master-made error needs no acknowledgement"
    );
    assert!(cluster.agent(0).containerizer.launches().is_empty());
    // A task id with characters Mesos refuses.
    cluster.advance(cluster.config().allocator.allocation_interval);
    let offers = scheduler.offers();
    assert_eq!(offers.len(), 1, "the whole offer came back");
    let slashed = fixtures::task(&offers[0], "bad/id");
    scheduler.launch(&offers[0], vec![slashed]);
    let updates = scheduler.updates();
    assert_eq!(states(&updates), [TaskState::TaskError]);
    assert_eq!(updates[0].reason(), Reason::TaskInvalid);
    assert_eq!(cluster.metric("master/tasks_running"), 0.0);
}

#[test]
fn duplicate_task_ids_in_one_launch_are_refused() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("duplicates"));
    let offers = cluster.offers(&scheduler);
    let first = fixtures::task(&offers[0], "same");
    let second = fixtures::task(&offers[0], "same");
    scheduler.launch(&offers[0], vec![first, second]);
    let updates = scheduler.updates();
    assert!(
        updates
            .iter()
            .any(|status| status.state() == TaskState::TaskError
                && status.reason() == Reason::TaskInvalid),
        "{updates:?}"
    );
    assert_eq!(cluster.agent(0).containerizer.launches().len(), 1);
}

#[test]
fn an_offer_used_twice_is_refused() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("twice"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "first")]);
    let first = scheduler.updates();
    assert_eq!(
        states(&first),
        [TaskState::TaskStarting, TaskState::TaskRunning]
    );
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "second")]);
    let second = scheduler.updates();
    assert_eq!(second.len(), 1, "{second:?}");
    assert!(
        matches!(
            second[0].state(),
            TaskState::TaskDropped | TaskState::TaskLost
        ),
        "{:?}",
        second[0]
    );
    assert_eq!(second[0].reason(), Reason::InvalidOffers);
    assert_eq!(cluster.agent(0).containerizer.launches().len(), 1);
}

#[test]
fn a_task_group_runs_on_one_default_executor() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("group"));
    let offers = cluster.offers(&scheduler);
    let executor = fixtures::default_executor(
        &offers[0],
        &scheduler.framework_id(),
        "group-executor",
        "cpus:0.1;mem:32;disk:32",
    );
    let tasks = vec![
        fixtures::group_task(&offers[0], "member-1", "cpus:0.1;mem:32"),
        fixtures::group_task(&offers[0], "member-2", "cpus:0.1;mem:32"),
    ];
    assert_eq!(
        scheduler.launch_group(&offers[0], executor, tasks).status,
        202
    );
    let updates = scheduler.updates();
    for member in ["member-1", "member-2"] {
        let mine: Vec<TaskState> = updates
            .iter()
            .filter(|status| status.task_id.value == member)
            .map(|status| status.state())
            .collect();
        assert_eq!(
            mine,
            [TaskState::TaskStarting, TaskState::TaskRunning],
            "{member}"
        );
    }
    assert_eq!(
        cluster.agent(0).containerizer.launches().len(),
        1,
        "one executor"
    );
}

#[test]
fn an_executor_that_never_subscribes_fails_its_task_after_the_registration_timeout() {
    let cluster = Cluster::start();
    cluster.script.set("silent", TaskBehavior::NeverSubscribe);
    let scheduler = cluster.subscribe(fixtures::framework_info("silent"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "silent")]);
    assert!(scheduler.updates().is_empty());
    cluster.advance(Duration::from_secs(60));
    let updates = scheduler.updates();
    assert_eq!(states(&updates), [TaskState::TaskFailed]);
    assert_eq!(updates[0].reason(), Reason::ExecutorRegistrationTimeout);
    assert!(cluster.agent(0).containerizer.running().is_empty());
}

#[test]
fn an_executor_that_crashes_fails_its_task() {
    let cluster = Cluster::start();
    cluster
        .script
        .set("crash", TaskBehavior::Crash { status: 1 << 8 });
    let scheduler = cluster.subscribe(fixtures::framework_info("crash"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "crash")]);
    let updates = scheduler.updates();
    assert_eq!(states(&updates), [TaskState::TaskFailed], "{updates:?}");
    assert_eq!(updates[0].reason(), Reason::ExecutorTerminated);
    // Mesos's agent tells the master about exited executors, except the command
    // executors it made up itself: no FAILURE event.
    let failures = scheduler.events_of(proto::v1::scheduler::event::Type::Failure);
    assert!(failures.is_empty(), "{failures:?}");
}
