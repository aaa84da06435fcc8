//! The master with the real hierarchical DRF allocator actor (the other scenario tests use a
//! recording fake): offers, launches, recovered resources on the next allocation, decline
//! filters and REVIVE, and fair sharing between two frameworks.

mod support;

use std::time::Duration;

use master::config::MasterConfig;
use proto::{internal::RunTaskMessage, v0::TaskState as V0State};
use serde_json::json;
use support::{
    Cluster,
    scheduler::{Scheduler, command_task, framework_info, launch},
};

const INTERVAL: Duration = Duration::from_secs(1);

fn cpus(offer: &proto::v1::Offer) -> f64 {
    offer
        .resources
        .iter()
        .filter(|resource| resource.name == "cpus")
        .map(|resource| resource.scalar.unwrap().value)
        .sum()
}

#[test]
fn offers_launches_and_recovered_resources() {
    let cluster = Cluster::start_with_real_allocator(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    cluster.advance(INTERVAL);
    let offers = scheduler.offers();
    assert_eq!(offers.len(), 1);
    assert_eq!(cpus(&offers[0]), 2.0);

    scheduler.call(launch(
        &[&offers[0].id.value],
        vec![command_task("t1", &agent_id, "cpus:1;mem:128")],
    ));
    assert!(agent.inbox.last::<RunTaskMessage>().is_some());
    cluster.advance(INTERVAL);
    let offers = scheduler.offers();
    assert_eq!(offers.len(), 1, "the unused half is offered again");
    assert_eq!(cpus(&offers[0]), 1.0);
    scheduler.call(json!({
        "type": "DECLINE",
        "decline": {"offer_ids": [{"value": offers[0].id.value}], "filters": {"refuse_seconds": 0.0}},
    }));

    let update = agent.status_update(
        &agent_id,
        &scheduler.framework_id,
        "t1",
        V0State::TaskFinished,
    );
    agent.send(&cluster.runtime, &cluster.master_pid(), &update);
    cluster.settle();
    assert_eq!(
        scheduler.updates()[0].state,
        proto::v1::TaskState::TaskFinished as i32
    );
    cluster.advance(INTERVAL);
    let offers = scheduler.offers();
    assert_eq!(offers.len(), 1);
    assert_eq!(
        cpus(&offers[0]),
        2.0,
        "the finished task's resources are back"
    );
}

#[test]
fn decline_filters_hold_resources_back_until_they_expire_or_revive() {
    let cluster = Cluster::start_with_real_allocator(MasterConfig::default());
    cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    cluster.advance(INTERVAL);
    let offer_id = scheduler.offers()[0].id.value.clone();
    scheduler.call(json!({
        "type": "DECLINE",
        "decline": {"offer_ids": [{"value": offer_id}], "filters": {"refuse_seconds": 10.0}},
    }));
    cluster.advance_by_steps(Duration::from_secs(5), INTERVAL);
    assert!(scheduler.offers().is_empty());
    cluster.advance_by_steps(Duration::from_secs(6), INTERVAL);
    let offers = scheduler.offers();
    assert_eq!(offers.len(), 1, "the filter expired");

    scheduler.call(json!({
        "type": "DECLINE",
        "decline": {"offer_ids": [{"value": offers[0].id.value}], "filters": {"refuse_seconds": 3600.0}},
    }));
    cluster.advance(INTERVAL);
    assert!(scheduler.offers().is_empty());
    scheduler.call(json!({"type": "REVIVE"}));
    cluster.advance(INTERVAL);
    assert_eq!(scheduler.offers().len(), 1, "REVIVE cleared the filter");
}

#[test]
fn two_frameworks_share_two_agents() {
    let cluster = Cluster::start_with_real_allocator(MasterConfig::default());
    let mut first = Scheduler::subscribe(&cluster.runtime, framework_info("first"));
    let mut second = Scheduler::subscribe(&cluster.runtime, framework_info("second"));
    // Each agent's arrival is allocated on its own: to whichever framework has the lower share.
    cluster.add_agent("host1", "cpus:2;mem:1024");
    cluster.add_agent("host2", "cpus:2;mem:1024");
    cluster.advance(INTERVAL);
    let first_offers = first.offers();
    let second_offers = second.offers();
    assert_eq!(
        first_offers.len() + second_offers.len(),
        2,
        "{first_offers:?} {second_offers:?}"
    );
    assert_eq!(first_offers.len(), 1, "each framework gets one agent");
    assert_ne!(first_offers[0].agent_id, second_offers[0].agent_id);
}
