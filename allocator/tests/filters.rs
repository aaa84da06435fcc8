//! Offer filters and what decides whether a framework may be offered something: declines with
//! `refuse_seconds`, suppress and revive, minimum allocatable resources, capabilities (GPUs,
//! revocable, shared, refined reservations, multi-role, hierarchical roles), reservations
//! and the whitelist.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};

use allocator::{AllocatorOptions, FrameworkOptions, create};
use common::*;
use proto::v1::{
    OfferFilters,
    framework_info::capability::Type as Capability,
    offer_filters::{MinAllocatableResources, ResourceQuantities as FilterQuantities},
    value::Scalar,
};
use resources::{Resource, Resources, Role};

fn one_framework_one_agent(allocator: &mut dyn allocator::Allocator) -> Flat {
    add_framework(allocator, "framework", &["role"]);
    add_agent(allocator, "agent", "cpus:1;mem:512");
    let offers = allocate(allocator, t0());
    assert_eq!(offers.len(), 1);
    offers[0].clone()
}

#[test]
fn declined_resources_are_not_offered_again_until_the_filter_expires() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        let offer = one_framework_one_agent(a);
        decline(a, t0(), &offer, Some(10.0));
        assert!(allocate(a, at(1.0)).is_empty(), "{name}");
        assert!(allocate(a, at(9.9)).is_empty(), "{name}");
        assert_eq!(allocate(a, at(10.0)), vec![offer], "{name}");
    });
}

#[test]
fn declining_without_filters_lets_the_next_run_offer_again() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        let offer = one_framework_one_agent(a);
        decline(a, t0(), &offer, None);
        assert_eq!(allocate(a, at(0.0)), vec![offer], "{name}");
    });
}

/// Filters without `refuse_seconds` last its default, 5 s; negative or NaN values too.
#[test]
fn refuse_seconds_default_to_five_seconds() {
    for refuse in [None, Some(-3.0), Some(f64::NAN)] {
        let mut allocator = drf();
        let a = allocator.as_mut();
        let offer = one_framework_one_agent(a);
        let filters = proto::v1::Filters {
            refuse_seconds: refuse,
        };
        a.recover_resources(
            t0(),
            &fw("framework"),
            &agent("agent"),
            &offer.resources,
            Some(&filters),
            false,
        )
        .expect("declined");
        assert!(allocate(a, at(4.9)).is_empty(), "{refuse:?}");
        assert_eq!(allocate(a, at(5.0)).len(), 1, "{refuse:?}");
    }
}

/// `refuse_seconds: 0` installs no filter; over 365 days is 365 days.
#[test]
fn zero_means_no_filter_and_long_refusals_are_capped() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    let offer = one_framework_one_agent(a);
    decline(a, t0(), &offer, Some(0.0));
    let again = allocate(a, t0());
    assert_eq!(again.len(), 1);
    decline(a, t0(), &again[0], Some(1e12));
    let year = 365.0 * 24.0 * 3600.0;
    assert!(allocate(a, at(year - 1.0)).is_empty());
    assert_eq!(allocate(a, at(year)).len(), 1);
}

/// A filter lasts at least one allocation interval (MESOS-4302).
#[test]
fn filters_last_at_least_one_allocation_interval() {
    let options = AllocatorOptions {
        allocation_interval: std::time::Duration::from_secs(3),
        ..AllocatorOptions::default()
    };
    let mut allocator = create("hierarchical", options).expect("known allocator");
    let a = allocator.as_mut();
    let offer = one_framework_one_agent(a);
    decline(a, t0(), &offer, Some(0.5));
    assert!(allocate(a, at(2.9)).is_empty());
    assert_eq!(allocate(a, at(3.0)).len(), 1);
}

/// A filter applies only to subsets of what was declined: more resources on the agent make
/// a new offer.
#[test]
fn filters_apply_to_subsets_of_the_declined_resources() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "framework", &["role"]);
    add_agent(a, "agent", "cpus:2;mem:1024");
    let first = allocate(a, t0());
    // Keep half (as if a task runs on it), decline the other half for an hour.
    let half = allocated("cpus:1;mem:512", "role");
    let declined = Flat {
        resources: half.clone(),
        ..first[0].clone()
    };
    decline(a, t0(), &declined, Some(3600.0));
    assert!(allocate(a, at(1.0)).is_empty());
    // The task ends: the whole agent is available, a superset of the declined part.
    let finished = Flat {
        resources: half,
        ..first[0].clone()
    };
    decline(a, at(1.0), &finished, None);
    let offers = allocate(a, at(2.0));
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].resources, allocated("cpus:2;mem:1024", "role"));
}

/// Filters are per framework and role: another framework is still offered the agent.
#[test]
fn filters_are_per_framework() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework1", &["role1"]);
        add_framework(a, "framework2", &["role2"]);
        add_agent(a, "agent", "cpus:1;mem:512");
        let offers = allocate(a, t0());
        let declined_by = offers[0].framework.clone();
        decline(a, t0(), &offers[0], Some(60.0));
        let again = allocate(a, at(1.0));
        assert_eq!(again.len(), 1, "{name}");
        assert_ne!(again[0].framework, declined_by, "{name}");
    });
}

#[test]
fn suppress_stops_offers_and_revive_resumes_them_and_clears_filters() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        let offer = one_framework_one_agent(a);
        decline(a, t0(), &offer, Some(3600.0));
        a.suppress_offers(&fw("framework"), &BTreeSet::new())
            .expect("suppressed");
        // The filter has expired, but the framework is suppressed.
        assert!(allocate(a, at(7200.0)).is_empty(), "{name}: suppressed");
        a.revive_offers(&fw("framework"), &BTreeSet::new())
            .expect("revived");
        let offers = allocate(a, at(7200.0));
        assert_eq!(offers, vec![offer.clone()], "{name}: revived");
        // Revive also clears filters before they expire.
        decline(a, at(7200.0), &offers[0], Some(3600.0));
        assert!(allocate(a, at(7201.0)).is_empty(), "{name}: filtered");
        a.revive_offers(&fw("framework"), &BTreeSet::from(["role".to_string()]))
            .expect("revived");
        assert_eq!(
            allocate(a, at(7201.0)),
            vec![offer],
            "{name}: filter cleared"
        );
    });
}

/// Suppressing one role of a multi-role framework keeps offers coming for the other.
#[test]
fn suppression_is_per_role() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "framework", &["role1", "role2"]);
    a.suppress_offers(&fw("framework"), &BTreeSet::from(["role1".to_string()]))
        .expect("suppressed");
    add_agent(a, "agent1", "cpus:1;mem:512");
    add_agent(a, "agent2", "cpus:1;mem:512");
    let offers = allocate(a, t0());
    assert_eq!(offers.len(), 2);
    assert!(offers.iter().all(|offer| offer.role == "role2"));
}

/// Frameworks can be added suppressed (FrameworkOptions) and revived later.
#[test]
fn frameworks_can_start_suppressed() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    a.add_framework(
        fw("framework"),
        framework_info("framework", &["role"], &[]),
        HashMap::new(),
        true,
        FrameworkOptions {
            suppressed_roles: BTreeSet::from(["role".to_string()]),
            ..FrameworkOptions::default()
        },
    )
    .expect("added");
    add_agent(a, "agent", "cpus:1;mem:512");
    assert!(allocate(a, t0()).is_empty());
    a.revive_offers(&fw("framework"), &BTreeSet::new())
        .expect("revived");
    assert_eq!(allocate(a, t0()).len(), 1);
}

#[test]
fn deactivated_frameworks_are_skipped_and_lose_their_filters() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        let offer = one_framework_one_agent(a);
        decline(a, t0(), &offer, Some(3600.0));
        a.deactivate_framework(&fw("framework"))
            .expect("deactivated");
        assert!(allocate(a, t0()).is_empty(), "{name}");
        a.activate_framework(&fw("framework")).expect("activated");
        assert_eq!(allocate(a, t0()), vec![offer], "{name}: filters gone");
    });
}

/// Offers hold at least one of the minimum quantity sets (default `cpus:0.01|mem:32`).
#[test]
fn agents_below_the_minimum_are_not_offered() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        add_agent(a, "tiny", "cpus:0.005;mem:16");
        assert!(allocate(a, t0()).is_empty(), "{name}");
        add_agent(a, "memory", "cpus:0.005;mem:32");
        assert_eq!(
            pairs(&allocate(a, t0())),
            [("framework".into(), "memory".into())].into()
        );
        add_agent(a, "cpu", "cpus:0.01;mem:1");
        assert_eq!(
            pairs(&allocate(a, t0())),
            [("framework".into(), "cpu".into())].into()
        );
    });
}

fn min_allocatable(role: &str, quantities: &[(&str, f64)]) -> (String, OfferFilters) {
    let quantities = FilterQuantities {
        quantities: quantities
            .iter()
            .map(|(name, value)| (name.to_string(), Scalar { value: *value }))
            .collect(),
    };
    (
        role.to_string(),
        OfferFilters {
            min_allocatable_resources: Some(MinAllocatableResources {
                quantities: if quantities.quantities.is_empty() {
                    Vec::new()
                } else {
                    vec![quantities]
                },
            }),
        },
    )
}

/// A framework's own `offer_filters` replace the global minimum for its role.
#[test]
fn frameworks_can_ask_for_bigger_or_smaller_offers() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    let mut picky = framework_info("picky", &["role"], &[]);
    picky.offer_filters = [min_allocatable("role", &[("cpus", 2.0)])].into();
    a.add_framework(
        fw("picky"),
        picky,
        HashMap::new(),
        true,
        FrameworkOptions::default(),
    )
    .expect("added");
    add_agent(a, "small", "cpus:1;mem:512");
    assert!(
        allocate(a, t0()).is_empty(),
        "too small for the picky framework"
    );
    add_agent(a, "big", "cpus:4;mem:512");
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("picky".into(), "big".into())].into()
    );
    let mut anything = framework_info("anything", &["role"], &[]);
    anything.offer_filters = [min_allocatable("role", &[])].into();
    a.add_framework(
        fw("anything"),
        anything,
        HashMap::new(),
        true,
        FrameworkOptions::default(),
    )
    .expect("added");
    add_agent(a, "crumbs", "cpus:0.001");
    let offers = allocate(a, t0());
    assert_eq!(
        pairs(&offers),
        [
            ("anything".into(), "crumbs".into()),
            ("anything".into(), "small".into())
        ]
        .into()
    );
}

#[test]
fn gpu_agents_go_only_to_gpu_frameworks() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "plain", &["role"]);
        add_agent(a, "gpu-agent", "cpus:1;mem:512;gpus:1");
        assert!(allocate(a, t0()).is_empty(), "{name}");
        a.add_framework(
            fw("gpu"),
            framework_info("gpu", &["role"], &[Capability::GpuResources]),
            HashMap::new(),
            true,
            FrameworkOptions::default(),
        )
        .expect("added");
        let offers = allocate(a, t0());
        assert_eq!(
            pairs(&offers),
            [("gpu".into(), "gpu-agent".into())].into(),
            "{name}"
        );
        assert_eq!(
            offers[0].resources,
            allocated("cpus:1;mem:512;gpus:1", "role")
        );
    });
}

#[test]
fn gpu_filtering_can_be_turned_off() {
    let options = AllocatorOptions {
        filter_gpu_resources: false,
        ..AllocatorOptions::default()
    };
    let mut allocator = create("hierarchical", options).expect("known allocator");
    let a = allocator.as_mut();
    add_framework(a, "plain", &["role"]);
    add_agent(a, "gpu-agent", "cpus:1;mem:512;gpus:1");
    assert_eq!(allocate(a, t0()).len(), 1);
}

fn revocable(text: &str) -> Resources {
    let mut result = Resources::new();
    for resource in &res(text) {
        result
            .try_add_resource(resource.clone().with_revocable(true))
            .expect("valid");
    }
    result
}

#[test]
fn revocable_resources_go_only_to_frameworks_that_accept_them() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "plain", &["role1"]);
        let mut total = res("cpus:1;mem:512");
        total += revocable("cpus:4");
        add_agent_resources(a, "agent", total);
        let offers = allocate(a, t0());
        assert_eq!(offers.len(), 1, "{name}");
        assert_eq!(
            offers[0].resources,
            allocated("cpus:1;mem:512", "role1"),
            "{name}"
        );
        a.add_framework(
            fw("revocable"),
            framework_info("revocable", &["role2"], &[Capability::RevocableResources]),
            HashMap::new(),
            true,
            FrameworkOptions::default(),
        )
        .expect("added");
        let offers = allocate(a, t0());
        assert_eq!(
            pairs(&offers),
            [("revocable".into(), "agent".into())].into(),
            "{name}"
        );
        let mut expected = revocable("cpus:4");
        expected.allocate(&Role::new("role2").expect("role"));
        assert_eq!(offers[0].resources, expected, "{name}");
    });
}

/// Reserved resources go only to their role and its subroles.
#[test]
fn reservations_are_offered_only_to_their_role_and_subroles() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "other", &["other"]);
        let mut total = res("cpus:1;mem:512");
        total += reserved("cpus:2;mem:1024", "web");
        add_agent_resources(a, "agent", total);
        let offers = allocate(a, t0());
        assert_eq!(offers.len(), 1, "{name}");
        assert_eq!(
            offers[0].resources,
            allocated("cpus:1;mem:512", "other"),
            "{name}"
        );
        add_framework(a, "child", &["web/frontend"]);
        let offers = allocate(a, t0());
        assert_eq!(
            pairs(&offers),
            [("child".into(), "agent".into())].into(),
            "{name}"
        );
        let mut expected = reserved("cpus:2;mem:1024", "web");
        expected.allocate(&Role::new("web/frontend").expect("role"));
        assert_eq!(offers[0].resources, expected, "{name}");
    });
}

/// Resources with refined reservations go only to RESERVATION_REFINEMENT frameworks.
#[test]
fn refined_reservations_need_the_capability() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "old", &["eng/web"]);
    let refined = res("cpus:2;mem:256")
        .push_reservation(&resources::ReservationInfo::dynamic_for(
            Role::new("eng").expect("role"),
            Some("ops"),
        ))
        .and_then(|r| {
            r.push_reservation(&resources::ReservationInfo::dynamic_for(
                Role::new("eng/web").expect("role"),
                Some("web"),
            ))
        })
        .expect("valid refinement");
    add_agent_resources(a, "agent", refined);
    assert!(allocate(a, t0()).is_empty());
    a.add_framework(
        fw("new"),
        framework_info("new", &["eng/web"], &[Capability::ReservationRefinement]),
        HashMap::new(),
        true,
        FrameworkOptions::default(),
    )
    .expect("added");
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("new".into(), "agent".into())].into()
    );
}

fn shared_volume(role: &str) -> Resources {
    let volume = Resource::scalar("disk", 100.0)
        .expect("valid")
        .reserved(resources::ReservationInfo::dynamic_for(
            Role::new(role).expect("role"),
            Some("ops"),
        ))
        .with_disk(resources::DiskInfo::persistent_volume(
            "id1",
            Some("ops"),
            "path",
        ))
        .with_shared(true);
    Resources::from_resources([volume]).expect("valid volume")
}

/// Shared volumes go only to SHARED_RESOURCES frameworks, at most once per run, and stay
/// offerable while in use.
#[test]
fn shared_resources_are_offered_once_per_run_and_stay_available() {
    // No minimum, so that a volume alone is an offer.
    let options = AllocatorOptions {
        min_allocatable_resources: Vec::new(),
        ..AllocatorOptions::default()
    };
    let mut allocator = create("hierarchical", options).expect("known allocator");
    let a = allocator.as_mut();
    let mut total = res("cpus:2;mem:1024");
    total += shared_volume("role");
    add_agent_resources(a, "agent", total);
    add_framework(a, "plain", &["role"]);
    let offers = allocate(a, t0());
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].resources, allocated("cpus:2;mem:1024", "role"));
    a.add_framework(
        fw("sharing"),
        framework_info("sharing", &["role"], &[Capability::SharedResources]),
        HashMap::new(),
        true,
        FrameworkOptions::default(),
    )
    .expect("added");
    let offers = allocate(a, t0());
    assert_eq!(pairs(&offers), [("sharing".into(), "agent".into())].into());
    let mut volume = shared_volume("role");
    volume.allocate(&Role::new("role").expect("role"));
    assert_eq!(offers[0].resources, volume);
    // Offered once per run, but offerable again in the next run while still held.
    let again = allocate(a, t0());
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].resources, volume);
}

/// MULTI_ROLE frameworks are not offered agents without MULTI_ROLE; hierarchical roles are
/// not offered agents without HIERARCHICAL_ROLE.
#[test]
fn old_agents_are_not_offered_to_new_frameworks_or_nested_roles() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "multi", &["role"]);
    a.add_agent(
        agent("old"),
        agent_info("old"),
        Vec::new(),
        None,
        res("cpus:1;mem:512"),
        HashMap::new(),
    )
    .expect("added");
    assert!(allocate(a, t0()).is_empty());
    #[allow(deprecated)]
    let single = proto::v1::FrameworkInfo {
        role: Some("role".into()),
        capabilities: Vec::new(),
        ..framework_info("single", &[], &[])
    };
    a.add_framework(
        fw("single"),
        single,
        HashMap::new(),
        true,
        FrameworkOptions::default(),
    )
    .expect("added");
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("single".into(), "old".into())].into()
    );
    add_framework(a, "nested", &["a/b"]);
    add_agent(a, "new", "cpus:1;mem:512");
    let capable = a.update_agent(&agent("old"), agent_info("old"), None, Some(Vec::new()));
    assert!(capable.is_ok());
    let offers = allocate(a, t0());
    assert!(
        offers.iter().all(|offer| offer.agent == "new"),
        "{offers:?}"
    );
}

#[test]
fn the_whitelist_restricts_offers_to_its_hosts() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        add_agent(a, "agent1", "cpus:1;mem:512");
        add_agent(a, "agent2", "cpus:1;mem:512");
        a.update_whitelist(Some(HashSet::from(["agent2.example.com".to_string()])));
        assert_eq!(
            pairs(&allocate(a, t0())),
            [("framework".into(), "agent2".into())].into()
        );
        a.update_whitelist(None);
        assert_eq!(
            pairs(&allocate(a, t0())),
            [("framework".into(), "agent1".into())].into(),
            "{name}"
        );
    });
}

/// Changed agent attributes clear the agent's filters (schedulers may now want it).
#[test]
fn new_attributes_clear_the_agents_filters() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    let offer = one_framework_one_agent(a);
    decline(a, t0(), &offer, Some(3600.0));
    let mut info = agent_info("agent");
    info.attributes = vec![proto::v1::Attribute {
        name: "rack".into(),
        r#type: proto::v1::value::Type::Text as i32,
        text: Some(proto::v1::value::Text { value: "a".into() }),
        ..proto::v1::Attribute::default()
    }];
    a.update_agent(&agent("agent"), info, None, None)
        .expect("updated");
    assert_eq!(allocate(a, at(1.0)), vec![offer]);
}

fn domain(region: &str) -> proto::v1::DomainInfo {
    use proto::v1::domain_info::{
        FaultDomain,
        fault_domain::{RegionInfo, ZoneInfo},
    };
    proto::v1::DomainInfo {
        fault_domain: Some(FaultDomain {
            region: RegionInfo {
                name: region.into(),
            },
            zone: ZoneInfo { name: "z1".into() },
        }),
    }
}

/// Agents in another region than the master go only to REGION_AWARE frameworks.
#[test]
fn remote_agents_go_only_to_region_aware_frameworks() {
    let options = AllocatorOptions {
        domain: Some(domain("east")),
        ..AllocatorOptions::default()
    };
    let mut allocator = create("hierarchical", options).expect("known allocator");
    let a = allocator.as_mut();
    add_framework(a, "local-only", &["role"]);
    let mut info = agent_info("far");
    info.domain = Some(domain("west"));
    a.add_agent(
        agent("far"),
        info,
        agent_capabilities(),
        None,
        res("cpus:1;mem:512"),
        HashMap::new(),
    )
    .expect("added");
    let mut near = agent_info("near");
    near.domain = Some(domain("east"));
    a.add_agent(
        agent("near"),
        near,
        agent_capabilities(),
        None,
        res("cpus:1;mem:512"),
        HashMap::new(),
    )
    .expect("added");
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("local-only".into(), "near".into())].into()
    );
    a.add_framework(
        fw("aware"),
        framework_info("aware", &["role"], &[Capability::RegionAware]),
        HashMap::new(),
        true,
        FrameworkOptions::default(),
    )
    .expect("added");
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("aware".into(), "far".into())].into()
    );
}
