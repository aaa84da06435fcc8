//! Offer rescinds: on `--offer_timeout`, and when the offer's agent goes away.

use std::time::Duration;

use testkit::{Cluster, fixtures};

#[test]
fn offers_are_rescinded_after_the_offer_timeout() {
    let cluster = Cluster::builder()
        .offer_timeout(Duration::from_secs(30))
        .start();
    let scheduler = cluster.subscribe(fixtures::framework_info("slow"));
    let offers = cluster.offers(&scheduler);
    cluster.advance(Duration::from_secs(29));
    assert!(scheduler.rescinds().is_empty());
    cluster.advance(Duration::from_secs(1));
    assert_eq!(scheduler.rescinds(), [offers[0].id.value.clone()]);
    // Using it now fails.
    scheduler.launch(&offers[0], vec![fixtures::task(&offers[0], "late")]);
    let updates = scheduler.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(
        updates[0].reason(),
        proto::v1::task_status::Reason::InvalidOffers
    );
}

#[test]
fn an_agents_offers_are_rescinded_when_it_goes_away() {
    let cluster = Cluster::builder().agents(2).start();
    let scheduler = cluster.subscribe(fixtures::framework_info("rescind"));
    let offers = cluster.offers(&scheduler);
    assert_eq!(offers.len(), 2);
    let agent_id = cluster.agent_id(0);
    let doomed = offers
        .iter()
        .find(|offer| offer.agent_id.value == agent_id)
        .unwrap()
        .id
        .value
        .clone();
    cluster.stop_agent(0);
    assert_eq!(scheduler.rescinds(), [doomed]);
    let (_, slaves) = cluster.get_json("/master/slaves");
    let agent = slaves["slaves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|agent| agent["id"] == agent_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(agent["active"], false, "disconnected");
}
