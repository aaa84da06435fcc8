//! Agent loss: an agent that stops answering pings is marked unreachable after
//! `agent_ping_timeout` x `max_agent_ping_timeouts`; its tasks become TASK_LOST, or
//! TASK_UNREACHABLE for PARTITION_AWARE frameworks; frameworks get a FAILURE event and the
//! agent's offers are rescinded.

use std::time::Duration;

use libprocess::MessageMatcher;
use proto::v1::{
    TaskState, framework_info::capability::Type as Capability, scheduler::event,
    task_status::Reason,
};
use testkit::{Cluster, Scheduler, fixtures};

/// Launches one task per agent, then silences agent 0's pongs until it is unreachable.
fn lose_agent_zero(cluster: &Cluster, scheduler: &Scheduler) {
    let offers = cluster.offers(scheduler);
    for offer in &offers {
        let task_id = if offer.agent_id.value == cluster.agent_id(0) {
            "on-lost-agent"
        } else {
            "on-healthy-agent"
        };
        scheduler.launch(offer, vec![fixtures::task(offer, task_id)]);
    }
    scheduler.updates();
    let _pongs = cluster.runtime.filters().drop_messages(
        MessageMatcher::name("mesos.internal.PongSlaveMessage")
            .from(cluster.agent(0).pid.upid().clone()),
    );
    cluster.advance_until_by("the agent is unreachable", Duration::from_secs(15), || {
        cluster.registered_agents() == 1
    });
}

#[test]
fn tasks_on_a_silent_agent_are_lost() {
    let cluster = Cluster::builder()
        .agents(2)
        .agent_ping_timeout(Duration::from_secs(15), 5)
        .start();
    let scheduler = cluster.subscribe(fixtures::framework_info("lost"));
    lose_agent_zero(&cluster, &scheduler);

    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].task_id.value, "on-lost-agent");
    assert_eq!(updates[0].state(), TaskState::TaskLost);
    assert_eq!(updates[0].reason(), Reason::AgentRemoved);
    let failures = scheduler.events_of(event::Type::Failure);
    assert_eq!(failures.len(), 1, "the agent's loss is a FAILURE event");
    let failure = failures[0].failure.as_ref().unwrap();
    assert_eq!(
        failure.agent_id.as_ref().unwrap().value,
        cluster.agent_id(0)
    );
    assert!(failure.executor_id.is_none());
    let (_, state) = cluster.get_json("/master/state");
    assert_eq!(
        state["unreachable_slaves"], 1,
        "/state counts unreachable agents"
    );
    assert_eq!(
        cluster.metric("master/tasks_running"),
        1.0,
        "the other agent's task"
    );
}

#[test]
fn partition_aware_frameworks_see_their_tasks_unreachable() {
    let cluster = Cluster::builder().agents(2).start();
    let info = fixtures::with_capability(
        fixtures::framework_info("partition-aware"),
        Capability::PartitionAware,
    );
    let scheduler = cluster.subscribe(info);
    lose_agent_zero(&cluster, &scheduler);

    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].state(), TaskState::TaskUnreachable);
    assert!(updates[0].unreachable_time.is_some());
}

#[test]
fn a_rescued_agent_reregisters_and_its_task_is_reconciled() {
    let cluster = Cluster::builder().agents(2).start();
    let info = fixtures::with_capability(
        fixtures::framework_info("rescue"),
        Capability::PartitionAware,
    );
    let scheduler = cluster.subscribe(info);
    lose_agent_zero(&cluster, &scheduler);
    scheduler.updates();
    // Pongs flow again, but the master stopped pinging; the agent notices the silence and
    // re-registers, which makes it reachable again.
    cluster.advance_until_by("the agent is back", Duration::from_secs(15), || {
        cluster.registered_agents() == 2
    });
    let updates = scheduler.updates();
    assert!(
        updates
            .iter()
            .any(|status| status.task_id.value == "on-lost-agent"
                && status.state() == TaskState::TaskRunning),
        "the task is running again: {updates:?}"
    );
}
