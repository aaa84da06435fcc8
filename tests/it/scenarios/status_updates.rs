//! Status updates are delivered at least once and in order: an update the scheduler does
//! not acknowledge is resent by the agent after 10 s (then 20 s, ...), and the next update
//! of the task waits for the acknowledgement.

use std::time::Duration;

use libprocess::MessageMatcher;
use proto::v1::TaskState;
use testkit::{Cluster, SubscribeOptions, fixtures};

#[test]
fn an_unacknowledged_update_is_retried_and_the_next_one_waits() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe_with(
        fixtures::framework_info("manual-acks"),
        SubscribeOptions {
            auto_acknowledge: false,
            ..SubscribeOptions::default()
        },
    );
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "slow-acks")]);
    let first = scheduler.updates();
    assert_eq!(
        first.len(),
        1,
        "RUNNING waits for STARTING's ack: {first:?}"
    );
    assert_eq!(first[0].state(), TaskState::TaskStarting);

    cluster.advance(Duration::from_secs(9));
    assert!(scheduler.updates().is_empty());
    cluster.advance(Duration::from_secs(1));
    let retried = scheduler.updates();
    assert_eq!(retried.len(), 1, "resent after 10 s: {retried:?}");
    assert_eq!(retried[0].uuid, first[0].uuid, "the same update");
    cluster.advance(Duration::from_secs(20));
    assert_eq!(scheduler.updates().len(), 1, "then after 20 s more");

    assert_eq!(scheduler.acknowledge(&first[0]).status, 202);
    let next = scheduler.updates();
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0].state(), TaskState::TaskRunning);
    assert_eq!(scheduler.acknowledge(&next[0]).status, 202);
    cluster.advance(Duration::from_secs(60));
    assert!(
        scheduler.updates().is_empty(),
        "nothing more once acknowledged"
    );
}

#[test]
fn an_update_lost_on_the_way_to_the_master_is_resent() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("lossy"));
    let offers = cluster.offers(&scheduler);
    let dropped = cluster
        .runtime
        .filters()
        .drop_message(MessageMatcher::name("mesos.internal.StatusUpdateMessage"));
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "lossy")]);
    assert!(dropped.is_ready(), "the first update was dropped");
    assert!(scheduler.updates().is_empty());
    cluster.advance(Duration::from_secs(10));
    let updates = scheduler.updates();
    let states: Vec<TaskState> = updates.iter().map(|status| status.state()).collect();
    assert_eq!(states, [TaskState::TaskStarting, TaskState::TaskRunning]);
}
