//! Killing: KILL reaches the executor and TASK_KILLED comes back; an unknown task gets
//! Mesos's answer; SHUTDOWN of an executor and TEARDOWN of a framework kill their tasks.

use proto::v1::{TaskState, scheduler::event};
use testkit::{Cluster, fixtures};

#[test]
fn a_killed_task_is_reported_killed_and_its_resources_come_back() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("kill"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "victim")]);
    assert_eq!(
        scheduler.updates().last().unwrap().state(),
        TaskState::TaskRunning
    );

    assert_eq!(scheduler.kill("victim", None).status, 202);
    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].state(), TaskState::TaskKilled);
    assert_eq!(cluster.metric("master/tasks_killed"), 1.0);
    cluster.settle();
    assert!(
        cluster.agent(0).containerizer.running().is_empty(),
        "the executor exited"
    );
    // The task's resources are offered again.
    cluster.advance(cluster.config().allocator.allocation_interval);
    let offers = scheduler.offers();
    let cpus: f64 = offers
        .iter()
        .flat_map(|offer| &offer.resources)
        .filter(|resource| resource.name == "cpus")
        .filter_map(|resource| resource.scalar.as_ref().map(|scalar| scalar.value))
        .sum();
    assert!((cpus - 2.0).abs() < 1e-9, "{cpus}");
}

#[test]
fn killing_an_unknown_task_answers_lost() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("unknown"));
    assert_eq!(scheduler.kill("nobody", None).status, 202);
    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].task_id.value, "nobody");
    assert_eq!(updates[0].state(), TaskState::TaskLost);
    assert!(updates[0].uuid.is_none());
}

#[test]
fn shutting_an_executor_down_kills_its_task() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("shutdown"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "doomed")]);
    scheduler.updates();
    let agent_id = cluster.agent_id(0);
    // A command task's executor is named after the task.
    assert_eq!(scheduler.shutdown_executor(&agent_id, "doomed").status, 202);
    let updates = scheduler.updates();
    assert_eq!(
        updates.last().map(|status| status.state()),
        Some(TaskState::TaskKilled)
    );
    assert!(cluster.agent(0).containerizer.running().is_empty());
}

#[test]
fn teardown_kills_every_task_and_ends_the_stream() {
    let cluster = Cluster::builder().agents(2).start();
    let scheduler = cluster.subscribe(fixtures::framework_info("teardown"));
    let offers = cluster.offers(&scheduler);
    for (n, offer) in offers.iter().enumerate() {
        scheduler.launch(offer, vec![fixtures::task(offer, &format!("task-{n}"))]);
    }
    assert_eq!(cluster.metric("master/tasks_running"), 2.0);
    assert_eq!(scheduler.teardown().status, 202);
    assert!(scheduler.is_closed(), "the master ends the stream");
    assert_eq!(cluster.metric("master/tasks_running"), 0.0);
    assert_eq!(cluster.metric("master/tasks_killed"), 2.0);
    // The agents told the executors to shut down; what is left after the shutdown grace
    // period is destroyed.
    cluster.advance(std::time::Duration::from_secs(5));
    for agent in cluster.agents() {
        assert!(agent.containerizer.running().is_empty());
    }
    let (_, frameworks) = cluster.get_json("/master/frameworks");
    assert_eq!(
        frameworks["completed_frameworks"].as_array().map(Vec::len),
        Some(1)
    );
    assert!(scheduler.events_of(event::Type::Error).is_empty());
}
