//! Offers: their shape per framework capabilities, `--offer_timeout`, DECLINE with filters,
//! REVIVE and SUPPRESS.

mod support;

use std::time::Duration;

use master::config::MasterConfig;
use proto::v1::scheduler::event;
use serde_json::json;
use support::{
    Cluster,
    scheduler::{Scheduler, framework_info},
};

#[test]
fn offers_look_as_mesos_makes_them() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024;ports:[31000-31005]");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    let offers = scheduler.offers();
    assert_eq!(offers.len(), 1);
    let offer = &offers[0];
    let master_id = cluster.inspect(|master| master.info().id.clone());
    assert_eq!(offer.id.value, format!("{master_id}-O0"));
    assert_eq!(offer.agent_id.value, agent_id);
    assert_eq!(offer.framework_id.value, scheduler.framework_id);
    assert_eq!(offer.hostname, "host1");
    let url = offer.url.as_ref().unwrap();
    assert_eq!(
        url.path.as_deref(),
        Some(format!("/{}", agent.pid.id()).as_str())
    );
    // Not MULTI_ROLE: no allocation info, and resources in the pre-refinement format.
    assert!(offer.allocation_info.is_none());
    assert!(offer.resources.iter().all(|r| r.allocation_info.is_none()));
    #[allow(deprecated)] // The pre-refinement format is the deprecated `role` field.
    let roles_are_star = offer
        .resources
        .iter()
        .all(|r| r.role.as_deref() == Some("*"));
    assert!(roles_are_star);

    let mut multi = framework_info("multi");
    multi["capabilities"] = json!([{"type": "MULTI_ROLE"}, {"type": "RESERVATION_REFINEMENT"}]);
    multi["roles"] = json!(["web"]);
    // The first framework holds everything; make it give the offer back.
    scheduler.call(json!({
        "type": "DECLINE",
        "decline": {"offer_ids": [{"value": offer.id.value}], "filters": {"refuse_seconds": 0.0}},
    }));
    scheduler.call(json!({"type": "SUPPRESS"}));
    scheduler.call(json!({"type": "TEARDOWN"}));
    let mut multi = Scheduler::subscribe(&cluster.runtime, multi);
    let offers = multi.offers();
    assert_eq!(offers.len(), 1, "{offers:?}");
    assert_eq!(
        offers[0].allocation_info.as_ref().unwrap().role.as_deref(),
        Some("web")
    );
    assert!(
        offers[0]
            .resources
            .iter()
            .all(|r| r.allocation_info.is_some())
    );
}

#[test]
fn offers_time_out() {
    let cluster = Cluster::start(MasterConfig {
        offer_timeout: Some(Duration::from_secs(30)),
        ..MasterConfig::default()
    });
    cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    let offer_id = scheduler.offers()[0].id.value.clone();
    cluster.advance(Duration::from_secs(29));
    assert!(scheduler.events_of(event::Type::Rescind).is_empty());
    cluster.advance(Duration::from_secs(1));
    let rescinds = scheduler.events_of(event::Type::Rescind);
    assert_eq!(rescinds.len(), 1);
    assert_eq!(
        rescinds[0].rescind.as_ref().unwrap().offer_id.value,
        offer_id
    );
    // The resources went back to the allocator, which offers them again.
    let offers = scheduler.offers();
    assert_eq!(offers.len(), 1);
    assert_ne!(offers[0].id.value, offer_id);
    assert_eq!(cluster.metric("master/outstanding_offers"), 1.0);
}

#[test]
fn declined_offers_go_back_with_their_filters_until_revive() {
    let cluster = Cluster::start(MasterConfig::default());
    cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    let offer_id = scheduler.offers()[0].id.value.clone();

    // Another framework cannot decline it.
    let other = Scheduler::subscribe(&cluster.runtime, framework_info("other"));
    other.call(json!({"type": "DECLINE", "decline": {"offer_ids": [{"value": offer_id}]}}));
    assert_eq!(cluster.metric("master/outstanding_offers"), 1.0);

    let response = scheduler.call(json!({
        "type": "DECLINE",
        "decline": {"offer_ids": [{"value": offer_id}], "filters": {"refuse_seconds": 3600.0}},
    }));
    assert_eq!(response.status, 202);
    assert_eq!(cluster.metric("master/outstanding_offers"), 0.0);
    assert!(
        scheduler.offers().is_empty(),
        "the filter holds the resources back"
    );
    let log = cluster.allocator_log.lock().unwrap().clone();
    assert_eq!(log.last().map(String::as_str), Some("recover_resources"));

    scheduler.call(json!({"type": "REVIVE"}));
    assert_eq!(scheduler.offers().len(), 1);
}

#[test]
fn suppress_and_revive_check_their_roles() {
    let cluster = Cluster::start(MasterConfig::default());
    let scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    let count = |name: &str| {
        cluster
            .allocator_log
            .lock()
            .unwrap()
            .iter()
            .filter(|call| *call == name)
            .count()
    };
    scheduler.call(json!({"type": "SUPPRESS", "suppress": {"roles": ["*"]}}));
    assert_eq!(count("suppress_offers"), 1);
    // A role the framework does not have drops the whole call.
    scheduler.call(json!({"type": "SUPPRESS", "suppress": {"roles": ["*", "other"]}}));
    assert_eq!(count("suppress_offers"), 1);
    scheduler.call(json!({"type": "REVIVE", "revive": {"roles": ["bad/"]}}));
    assert_eq!(count("revive_offers"), 0);
    scheduler.call(json!({"type": "REVIVE"}));
    assert_eq!(count("revive_offers"), 1);
}
