//! Offers: made when a framework subscribes (a triggered allocation, as Mesos's allocator
//! runs one on `addFramework`) with the agents' resources, declined offers
//! come back only after their filter, and SUPPRESS / REVIVE stop and restart them.

use std::time::Duration;

use proto::v1::Filters;
use testkit::{Cluster, fixtures};

#[test]
fn a_new_framework_is_offered_every_agents_resources() {
    let cluster = Cluster::builder().agents(2).start();
    let scheduler = cluster.subscribe(fixtures::framework_info("offers"));
    let offers = cluster.offers(&scheduler);
    assert_eq!(offers.len(), 2, "one offer per agent");
    let mut agents: Vec<String> = offers
        .iter()
        .map(|offer| offer.agent_id.value.clone())
        .collect();
    agents.sort();
    let mut expected = vec![cluster.agent_id(0), cluster.agent_id(1)];
    expected.sort();
    assert_eq!(agents, expected);
    let master_id = cluster.get_json("/master/state").1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for offer in &offers {
        assert!(
            offer.id.value.starts_with(&format!("{master_id}-O")),
            "offer ids are <master id>-O<n>: {}",
            offer.id.value
        );
        assert_eq!(offer.framework_id.value, scheduler.framework_id());
        let names: Vec<&str> = offer.resources.iter().map(|r| r.name.as_str()).collect();
        for name in ["cpus", "mem", "disk", "ports"] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        assert!(offer.hostname.ends_with(".testkit"));
    }
    assert_eq!(cluster.metric("master/outstanding_offers"), 2.0);
}

#[test]
fn a_declined_offer_comes_back_only_after_its_filter_expires() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("decline"));
    let offers = cluster.offers(&scheduler);
    assert_eq!(offers.len(), 1);
    let response = scheduler.decline(
        &[offers[0].id.clone()],
        Some(Filters {
            refuse_seconds: Some(10.0),
        }),
    );
    assert_eq!(response.status, 202);
    cluster.advance(Duration::from_secs(5));
    assert!(scheduler.offers().is_empty(), "filtered for 10 s");
    cluster.advance(Duration::from_secs(6));
    assert_eq!(scheduler.offers().len(), 1, "the filter expired");
}

#[test]
fn suppress_stops_offers_and_revive_brings_them_back() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("suppress"));
    let offers = cluster.offers(&scheduler);
    assert_eq!(scheduler.suppress(&[]).status, 202);
    assert_eq!(scheduler.decline(&[offers[0].id.clone()], None).status, 202);
    cluster.advance(Duration::from_secs(30));
    assert!(scheduler.offers().is_empty(), "suppressed");
    assert_eq!(scheduler.revive(&[]).status, 202);
    cluster.advance(cluster.config().allocator.allocation_interval);
    assert_eq!(scheduler.offers().len(), 1, "revived");
}

#[test]
fn unused_resources_are_offered_again_at_the_next_allocation() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("leftovers"));
    let offers = cluster.offers(&scheduler);
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "small")]);
    assert!(scheduler.offers().is_empty());
    cluster.advance(cluster.config().allocator.allocation_interval);
    let again = scheduler.offers();
    assert_eq!(again.len(), 1);
    let cpus: f64 = again[0]
        .resources
        .iter()
        .filter(|resource| resource.name == "cpus")
        .filter_map(|resource| resource.scalar.as_ref().map(|scalar| scalar.value))
        .sum();
    // As in Mesos, the master does not account the command executor the agent adds
    // (MESOS-1718): only the task's 0.1 cpus are gone.
    assert!(
        (cpus - 1.9).abs() < 1e-9,
        "2 cpus less the task's 0.1: {cpus}"
    );
}
