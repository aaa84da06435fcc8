//! Frameworks and agents coming and going, resources in use, offer operations, maintenance
//! and recovery; and bad input, which is refused with an error and changes nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use allocator::{AllocationRequest, AllocatorError, FrameworkOptions, Quota};
use common::*;
use proto::v1::{
    DurationInfo, Filters, TimeInfo, Unavailability,
    allocator::{InverseOfferStatus, inverse_offer_status::Status},
};
use resources::{ReservationInfo, ResourceConversion, ResourceQuantities, Role};

/// Resources in use when an agent (re)registers are not offered until recovered.
#[test]
fn used_resources_are_not_offered_until_recovered() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        let used = allocated("cpus:1;mem:256", "role");
        a.add_agent(
            agent("agent"),
            agent_info("agent"),
            agent_capabilities(),
            None,
            res("cpus:2;mem:512"),
            HashMap::from([(fw("framework"), used.clone())]),
        )
        .expect("added");
        let offers = allocate(a, t0());
        assert_eq!(offers.len(), 1, "{name}");
        assert_eq!(
            offers[0].resources,
            allocated("cpus:1;mem:256", "role"),
            "{name}"
        );
        // The task finishes.
        a.recover_resources(t0(), &fw("framework"), &agent("agent"), &used, None, true)
            .expect("recovered");
        assert_eq!(allocate(a, t0()).len(), 1, "{name}");
    });
}

/// Resources of frameworks the allocator does not know yet stay unavailable, and count once
/// the framework is added.
#[test]
fn resources_of_frameworks_not_yet_added_are_kept_aside() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    a.add_agent(
        agent("agent"),
        agent_info("agent"),
        agent_capabilities(),
        None,
        res("cpus:2;mem:512"),
        HashMap::from([(fw("later"), allocated("cpus:2;mem:512", "role"))]),
    )
    .expect("added");
    add_framework(a, "now", &["role"]);
    assert!(allocate(a, t0()).is_empty());
    a.add_framework(
        fw("later"),
        framework_info("later", &["role"], &[]),
        HashMap::from([(agent("agent"), allocated("cpus:2;mem:512", "role"))]),
        true,
        FrameworkOptions::default(),
    )
    .expect("added");
    let gauges = a.metrics().gauges;
    assert_eq!(
        gauges["allocator/mesos/resources/cpus/offered_or_allocated"],
        2.0
    );
    assert!(allocate(a, t0()).is_empty());
    a.remove_framework(&fw("later")).expect("removed");
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("now".into(), "agent".into())].into()
    );
}

#[test]
fn removed_agents_and_frameworks_are_forgotten() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        add_agent(a, "agent1", "cpus:1;mem:512");
        let offers = allocate(a, t0());
        a.remove_agent(&agent("agent1")).expect("removed");
        // The master may still recover resources of the removed agent: ignored.
        decline(a, t0(), &offers[0], Some(10.0));
        add_agent(a, "agent2", "cpus:1;mem:512");
        assert_eq!(
            pairs(&allocate(a, t0())),
            [("framework".into(), "agent2".into())].into(),
            "{name}"
        );
        a.remove_framework(&fw("framework")).expect("removed");
        assert!(allocate(a, t0()).is_empty(), "{name}");
        add_framework(a, "framework2", &["role"]);
        assert_eq!(
            pairs(&allocate(a, t0())),
            [("framework2".into(), "agent2".into())].into(),
            "{name}: the removed framework's offer came back"
        );
        let gauges = a.metrics().gauges;
        assert_eq!(
            gauges["allocator/mesos/resources/cpus/total"], 1.0,
            "{name}"
        );
    });
}

#[test]
fn deactivated_agents_are_skipped_until_reactivated() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        add_agent(a, "agent", "cpus:1;mem:512");
        a.deactivate_agent(&agent("agent")).expect("deactivated");
        assert!(allocate(a, t0()).is_empty(), "{name}");
        a.activate_agent(&agent("agent")).expect("activated");
        assert_eq!(allocate(a, t0()).len(), 1, "{name}");
    });
}

#[test]
fn a_paused_allocator_makes_no_offers() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        add_agent(a, "agent", "cpus:1;mem:512");
        a.pause();
        assert!(a.is_paused());
        assert!(allocate(a, t0()).is_empty(), "{name}");
        a.resume();
        assert_eq!(allocate(a, t0()).len(), 1, "{name}");
    });
}

/// Only the agents asked for are considered.
#[test]
fn allocation_can_be_limited_to_some_agents() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "framework", &["role"]);
    add_agent(a, "agent1", "cpus:1;mem:512");
    add_agent(a, "agent2", "cpus:1;mem:512");
    let only = [agent("agent2"), agent("unknown")].into_iter().collect();
    let offers = flatten(&a.allocate(t0(), Some(&only)));
    assert_eq!(
        pairs(&offers),
        [("framework".into(), "agent2".into())].into()
    );
}

/// Events say which agents an allocation should look at (for the shell's coalescing).
#[test]
fn events_ask_for_allocations() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    assert_eq!(a.take_allocation_request(), AllocationRequest::None);
    add_agent(a, "agent1", "cpus:1;mem:512");
    match a.take_allocation_request() {
        AllocationRequest::Agents(agents) => assert_eq!(agents.len(), 1),
        other => panic!("expected one agent, got {other:?}"),
    }
    add_framework(a, "framework", &["role"]);
    assert_eq!(a.take_allocation_request(), AllocationRequest::All);
    assert_eq!(a.take_allocation_request(), AllocationRequest::None);
    a.revive_offers(&fw("framework"), &BTreeSet::new())
        .expect("revived");
    assert_eq!(a.take_allocation_request(), AllocationRequest::All);
}

/// RESERVE on offered resources: the agent's total follows, and the reservation goes back
/// to the role when recovered.
#[test]
fn offer_operations_update_allocation_and_total() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        add_agent(a, "agent", "cpus:2;mem:1024");
        let offer = allocate(a, t0()).remove(0);
        let unreserved = allocated("cpus:1;mem:512", "role");
        let mut reserved = res("cpus:1;mem:512")
            .push_reservation(&ReservationInfo::dynamic_for(
                Role::new("role").expect("role"),
                Some("principal"),
            ))
            .expect("valid reservation");
        reserved.allocate(&Role::new("role").expect("role"));
        let reserve = ResourceConversion {
            consumed: unreserved,
            converted: reserved.clone(),
        };
        a.update_allocation(
            &fw("framework"),
            &agent("agent"),
            &offer.resources,
            &[reserve],
        )
        .expect("applied");
        let mut held = allocated("cpus:1;mem:512", "role");
        held += reserved.clone();
        a.recover_resources(t0(), &fw("framework"), &agent("agent"), &held, None, false)
            .expect("recovered");
        add_framework(a, "other", &["other"]);
        let offers = allocate(a, t0());
        let framework_offer = offers
            .iter()
            .find(|offer| offer.framework == "framework")
            .expect("the reservation goes to its role");
        assert!(framework_offer.resources.contains(&reserved), "{name}");
        assert!(
            offers
                .iter()
                .filter(|offer| offer.framework == "other")
                .all(|offer| offer.resources.reserved(None).is_empty()),
            "{name}: reservations go only to their role"
        );
    });
}

/// Operator reservations on available resources; refused (changing nothing) when the
/// resources are not available.
#[test]
fn update_available_applies_or_refuses_whole() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_agent(a, "agent", "cpus:2;mem:1024");
    let reserved = res("cpus:1;mem:512")
        .push_reservation(&ReservationInfo::dynamic_for(
            Role::new("role").expect("role"),
            Some("ops"),
        ))
        .expect("valid");
    let reserve = ResourceConversion {
        consumed: res("cpus:1;mem:512"),
        converted: reserved.clone(),
    };
    a.update_available(&agent("agent"), std::slice::from_ref(&reserve))
        .expect("applied");
    let too_much = ResourceConversion {
        consumed: res("cpus:5"),
        converted: res("cpus:5"),
    };
    assert!(matches!(
        a.update_available(&agent("agent"), &[too_much]),
        Err(AllocatorError::Conversion { .. })
    ));
    add_framework(a, "framework", &["role"]);
    let offers = allocate(a, t0());
    let mut expected = res("cpus:1;mem:512");
    expected += reserved;
    expected.allocate(&Role::new("role").expect("role"));
    assert_eq!(offers[0].resources, expected);
}

/// Launched tasks count as consumed quota; finished tasks stop counting.
#[test]
fn allocated_resources_count_as_consumed_quota() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    a.update_quota(
        "role",
        Quota::guaranteed_and_limited(&ResourceQuantities::parse("cpus:4").expect("valid")),
    )
    .expect("valid quota");
    add_framework(a, "framework", &["role"]);
    add_agent(a, "agent", "cpus:2;mem:512");
    let offer = allocate(a, t0()).remove(0);
    let consumed = "allocator/mesos/quota/roles/role/resources/cpus/consumed";
    assert!(!a.metrics().gauges.contains_key(consumed));
    a.transition_offered_to_allocated(&agent("agent"), &offer.resources)
        .expect("allocated");
    assert_eq!(a.metrics().gauges[consumed], 2.0);
    a.recover_resources(
        t0(),
        &fw("framework"),
        &agent("agent"),
        &offer.resources,
        None,
        true,
    )
    .expect("recovered");
    assert!(!a.metrics().gauges.contains_key(consumed));
}

fn unavailability(start_seconds: i64) -> Unavailability {
    Unavailability {
        start: TimeInfo {
            nanoseconds: start_seconds * 1_000_000_000,
        },
        duration: Some(DurationInfo {
            nanoseconds: 3_600_000_000_000,
        }),
    }
}

/// Frameworks holding resources on an agent with maintenance scheduled get one inverse
/// offer per unavailability until they answer.
#[test]
fn maintenance_sends_inverse_offers_to_frameworks_on_the_agent() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        add_framework(a, "bystander", &["role"]);
        add_agent(a, "agent", "cpus:1;mem:512");
        let offers = allocate(a, t0());
        let holder = offers[0].framework.clone();
        a.update_unavailability(&agent("agent"), Some(unavailability(1000)))
            .expect("scheduled");
        let allocation = a.allocate(t0(), None);
        assert_eq!(allocation.inverse_offers.len(), 1, "{name}");
        let inverse = &allocation.inverse_offers[0];
        assert_eq!(inverse.framework_id.as_str(), holder, "{name}");
        assert_eq!(
            inverse.agents[&agent("agent")].unavailability,
            unavailability(1000)
        );
        // Outstanding: not sent again.
        assert!(a.allocate(t0(), None).inverse_offers.is_empty(), "{name}");
        let status = InverseOfferStatus {
            status: Status::Accept as i32,
            framework_id: fw(&holder).to_proto(),
            timestamp: TimeInfo { nanoseconds: 1 },
        };
        a.update_inverse_offer(
            t0(),
            &agent("agent"),
            &fw(&holder),
            None,
            Some(status.clone()),
            Some(Filters {
                refuse_seconds: Some(60.0),
            }),
        )
        .expect("answered");
        let statuses = a.inverse_offer_statuses();
        assert_eq!(statuses[&agent("agent")][&fw(&holder)], status, "{name}");
        // Answered and filtered for a minute: nothing until the filter expires.
        assert!(
            a.allocate(at(30.0), None).inverse_offers.is_empty(),
            "{name}"
        );
        assert_eq!(a.allocate(at(60.0), None).inverse_offers.len(), 1, "{name}");
        a.update_unavailability(&agent("agent"), None)
            .expect("cancelled");
        assert!(a.inverse_offer_statuses().is_empty(), "{name}");
    });
}

/// After a failover with quota, allocation waits for 80 % of the agents or the timeout.
#[test]
fn recovery_with_quota_pauses_until_agents_return() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    let quotas = BTreeMap::from([(
        "role".to_string(),
        Quota::guaranteed_and_limited(&ResourceQuantities::parse("cpus:1").expect("valid")),
    )]);
    a.recover(t0(), 5, quotas).expect("recovered");
    assert!(a.is_paused());
    add_framework(a, "framework", &["role"]);
    for i in 0..3 {
        add_agent(a, &format!("agent{i}"), "cpus:1;mem:512");
    }
    assert!(allocate(a, at(1.0)).is_empty());
    add_agent(a, "agent3", "cpus:1;mem:512");
    assert!(!a.is_paused(), "4 of 5 agents are back");
    assert!(!allocate(a, at(1.0)).is_empty());

    let mut allocator = drf();
    let a = allocator.as_mut();
    let quotas = BTreeMap::from([("role".to_string(), Quota::none())]);
    a.recover(t0(), 100, quotas).expect("recovered");
    add_framework(a, "framework", &["role"]);
    add_agent(a, "agent", "cpus:1;mem:512");
    assert!(allocate(a, at(599.0)).is_empty());
    assert_eq!(
        allocate(a, at(600.0)).len(),
        1,
        "the recovery timeout passed"
    );
    assert!(matches!(
        a.recover(t0(), 1, BTreeMap::new()),
        Err(AllocatorError::RecoverAfterAgents { agents: 1 })
    ));
}

/// Recovery without quota does not pause.
#[test]
fn recovery_without_quota_does_not_pause() {
    let mut allocator = drf();
    allocator
        .recover(t0(), 100, BTreeMap::new())
        .expect("recovered");
    assert!(!allocator.is_paused());
}

/// Bad input is refused with an error that names it, and changes nothing.
#[test]
fn bad_input_is_refused_and_changes_nothing() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role"]);
        add_agent(a, "agent", "cpus:2;mem:1024");
        let unknown_fw = fw("nobody");
        let unknown_agent = agent("nowhere");
        let errors = [
            a.remove_framework(&unknown_fw).err(),
            a.activate_framework(&unknown_fw).err(),
            a.deactivate_framework(&unknown_fw).err(),
            a.suppress_offers(&unknown_fw, &BTreeSet::new()).err(),
            a.revive_offers(&unknown_fw, &BTreeSet::new()).err(),
            a.remove_agent(&unknown_agent).err(),
            a.activate_agent(&unknown_agent).err(),
            a.update_unavailability(&unknown_agent, None).err(),
            a.transition_offered_to_allocated(&unknown_agent, &allocated("cpus:1", "role"))
                .err(),
            a.update_allocation(&fw("framework"), &unknown_agent, &res("cpus:1"), &[])
                .err(),
            a.request_resources(&unknown_fw, Vec::new()).err(),
        ];
        for error in &errors {
            let error = error.as_ref().expect("an error");
            assert!(
                error.to_string().contains("nobody") || error.to_string().contains("nowhere"),
                "{name}: {error}"
            );
        }
        assert!(matches!(
            a.add_framework(
                fw("framework"),
                framework_info("framework", &["role"], &[]),
                HashMap::new(),
                true,
                FrameworkOptions::default()
            ),
            Err(AllocatorError::DuplicateFramework(_))
        ));
        assert!(matches!(
            a.add_framework(
                fw("mismatch"),
                framework_info("other-id", &["role"], &[]),
                HashMap::new(),
                true,
                FrameworkOptions::default()
            ),
            Err(AllocatorError::MismatchedFrameworkId { .. })
        ));
        assert!(matches!(
            a.add_framework(
                fw("a/b"),
                framework_info("a/b", &["role"], &[]),
                HashMap::new(),
                true,
                FrameworkOptions::default()
            ),
            Err(AllocatorError::InvalidFrameworkId { .. })
        ));
        assert!(matches!(
            a.add_framework(
                fw("badrole"),
                framework_info("badrole", &["a//b"], &[]),
                HashMap::new(),
                true,
                FrameworkOptions::default()
            ),
            Err(AllocatorError::InvalidRole { .. })
        ));
        assert!(matches!(
            a.add_agent(
                agent("agent"),
                agent_info("agent"),
                agent_capabilities(),
                None,
                res("cpus:1"),
                HashMap::new()
            ),
            Err(AllocatorError::DuplicateAgent(_))
        ));
        assert!(matches!(
            a.add_agent(
                agent("unallocated-use"),
                agent_info("unallocated-use"),
                agent_capabilities(),
                None,
                res("cpus:1"),
                HashMap::from([(fw("framework"), res("cpus:1"))])
            ),
            Err(AllocatorError::NotSingleRole { .. })
        ));
        // Nothing offered yet: recovering or converting resources the framework does not
        // hold is refused.
        assert!(matches!(
            a.recover_resources(
                t0(),
                &fw("framework"),
                &agent("agent"),
                &allocated("cpus:1", "role"),
                None,
                false
            ),
            Err(AllocatorError::NotHeld { .. })
        ));
        assert!(matches!(
            a.update_allocation(
                &fw("framework"),
                &agent("agent"),
                &allocated("cpus:1", "role"),
                &[]
            ),
            Err(AllocatorError::NotHeld { .. })
        ));
        assert!(matches!(
            a.update_inverse_offer(t0(), &agent("agent"), &fw("framework"), None, None, None),
            Err(AllocatorError::NoUnavailability(_))
        ));
        // Resources spanning two roles are not one allocation.
        let offer = allocate(a, t0()).remove(0);
        let mut two_roles = offer.resources.clone();
        two_roles += allocated("mem:1", "other");
        assert!(matches!(
            a.recover_resources(
                t0(),
                &fw("framework"),
                &agent("agent"),
                &two_roles,
                None,
                false
            ),
            Err(AllocatorError::NotSingleRole { .. })
        ));
        // After all that, the books are intact: the offer comes back whole.
        decline(a, t0(), &offer, None);
        assert_eq!(allocate(a, t0()), vec![offer], "{name}");
        assert_eq!(
            a.metrics().gauges["allocator/mesos/resources/cpus/total"],
            2.0
        );
    });
}

/// Changing a framework's roles moves it between roles.
#[test]
fn updating_a_framework_changes_its_roles() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "framework", &["old"]);
    add_agent(a, "agent1", "cpus:1;mem:512");
    assert_eq!(allocate(a, t0())[0].role, "old");
    a.update_framework(
        &fw("framework"),
        framework_info("framework", &["new"], &[]),
        FrameworkOptions::default(),
    )
    .expect("updated");
    add_agent(a, "agent2", "cpus:1;mem:512");
    let offers = allocate(a, t0());
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].role, "new");
    let gauges = a.metrics().gauges;
    assert!(gauges.contains_key("allocator/mesos/roles/old/shares/dominant"));
    assert!(gauges.contains_key("allocator/mesos/roles/new/shares/dominant"));
}

/// The latest time the platform can represent.
fn end_of_time() -> std::time::SystemTime {
    let mut time = std::time::UNIX_EPOCH;
    let mut step = std::time::Duration::from_secs(1 << 62);
    while !step.is_zero() {
        match time.checked_add(step) {
            Some(later) => time = later,
            None => step /= 2,
        }
    }
    time
}

/// Times near the end of representable time do not panic (a filter that cannot expire in
/// representable time is not installed).
#[test]
fn times_at_the_end_of_time_do_not_panic() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "framework", &["role"]);
    add_agent(a, "agent", "cpus:1;mem:512");
    let late = end_of_time();
    let offers = allocate(a, late);
    decline(a, late, &offers[0], Some(60.0));
    assert_eq!(allocate(a, late).len(), 1);
    a.recover(late, 1, BTreeMap::new()).err();
}
