//! Fair sharing scenarios: DRF between roles and between frameworks of a role, weights,
//! nested roles, fairness exclusions, ties; and the basics every implementation shares.

mod common;

use allocator::{AllocatorOptions, SorterKind, create};
use common::*;
use proto::v1::WeightInfo;

/// Each new agent goes to the role (then framework) with the lowest dominant share.
#[test]
fn unreserved_resources_go_to_the_lowest_dominant_share() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_agent(a, "agent1", "cpus:2;mem:1024;disk:0");
    add_framework(a, "framework1", &["role1"]);
    let offers = allocate(a, t0());
    assert_eq!(
        pairs(&offers),
        [("framework1".into(), "agent1".into())].into()
    );
    assert_eq!(offers[0].role, "role1");
    assert_eq!(offers[0].resources, allocated("cpus:2;mem:1024", "role1"));

    add_framework(a, "framework2", &["role2"]);
    add_agent(a, "agent2", "cpus:1;mem:512;disk:0");
    // role1 holds 100% of the cluster, role2 nothing.
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("framework2".into(), "agent2".into())].into()
    );
    add_agent(a, "agent3", "cpus:3;mem:2048;disk:0");
    // role1: 2/6 cpus, 1024/3584 mem (33%); role2: 1/6 cpus, 512/3584 mem (17%).
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("framework2".into(), "agent3".into())].into()
    );
    add_framework(a, "framework3", &["role1"]);
    add_agent(a, "agent4", "cpus:4;mem:4096;disk:0");
    // role1 (20%) is below role2 (40%); inside role1 framework3 holds nothing.
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("framework3".into(), "agent4".into())].into()
    );
    add_framework(a, "framework4", &["role1"]);
    add_agent(a, "agent5", "cpus:1;mem:512;disk:0");
    // role1 holds 6/10 cpus and 5120/7680 mem (67%), role2 4/10 cpus (40%).
    assert_eq!(
        pairs(&allocate(a, t0())),
        [("framework2".into(), "agent5".into())].into()
    );
}

/// Frameworks in one role share it by DRF; a tie goes to the framework allocated fewer
/// times, then to the smaller id.
#[test]
fn frameworks_in_a_role_share_it_fairly() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "framework-b", &["role"]);
    add_framework(a, "framework-a", &["role"]);
    add_agent(a, "agent1", "cpus:1;mem:100");
    // Equal shares, equal counts: the smaller id first.
    assert_eq!(allocate(a, t0())[0].framework, "framework-a");
    add_agent(a, "agent2", "cpus:1;mem:100");
    assert_eq!(allocate(a, t0())[0].framework, "framework-b");
    // Both hold one agent; a third goes to the one allocated fewer times (a tie again), so
    // by id.
    add_agent(a, "agent3", "cpus:1;mem:100");
    assert_eq!(allocate(a, t0())[0].framework, "framework-a");
}

/// In one run, each agent goes to whoever is lowest at that moment: two frameworks split
/// four identical agents evenly.
#[test]
fn one_run_spreads_agents_fairly() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework1", &["role1"]);
        add_framework(a, "framework2", &["role2"]);
        for i in 0..4 {
            add_agent(a, &format!("agent{i}"), "cpus:4;mem:1024");
        }
        let offers = allocate(a, t0());
        assert_eq!(offers.len(), 4, "{name}");
        if name == "hierarchical(drf, drf)" {
            let per_framework = totals_by_framework(&offers);
            assert_eq!(
                per_framework["framework1"],
                res("cpus:8;mem:2048"),
                "{name}"
            );
            assert_eq!(
                per_framework["framework2"],
                res("cpus:8;mem:2048"),
                "{name}"
            );
        }
    });
}

/// Weights divide shares: a role with weight 2 gets twice as much.
#[test]
fn weights_scale_fair_shares() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    a.update_weights(&[WeightInfo {
        weight: 2.0,
        role: Some("heavy".into()),
    }])
    .expect("valid weights");
    add_framework(a, "framework-heavy", &["heavy"]);
    add_framework(a, "framework-light", &["light"]);
    for i in 0..6 {
        add_agent(a, &format!("agent{i}"), "cpus:1;mem:100");
    }
    let per_framework = totals_by_framework(&allocate(a, t0()));
    assert_eq!(per_framework["framework-heavy"], res("cpus:4;mem:400"));
    assert_eq!(per_framework["framework-light"], res("cpus:2;mem:200"));
    let metrics = a.metrics().gauges;
    let heavy = metrics["allocator/mesos/roles/heavy/shares/dominant"];
    let light = metrics["allocator/mesos/roles/light/shares/dominant"];
    assert!((heavy - light).abs() < 1e-9, "{heavy} vs {light}");
}

/// Weights must be positive and finite, and roles valid; a bad entry changes nothing.
#[test]
fn bad_weights_are_refused_whole() {
    for_each_allocator(|mut allocator, name| {
        let weights = [
            WeightInfo {
                weight: 3.0,
                role: Some("fine".into()),
            },
            WeightInfo {
                weight: -1.0,
                role: Some("negative".into()),
            },
        ];
        assert!(allocator.update_weights(&weights).is_err(), "{name}");
        let bad_role = [WeightInfo {
            weight: 1.0,
            role: Some("a//b".into()),
        }];
        assert!(allocator.update_weights(&bad_role).is_err(), "{name}");
        let nan = [WeightInfo {
            weight: f64::NAN,
            role: Some("nan".into()),
        }];
        assert!(allocator.update_weights(&nan).is_err(), "{name}");
    });
}

/// Nested roles are sorted level by level: a subtree's share is what all its roles hold.
#[test]
fn nested_roles_share_by_subtree() {
    let mut allocator = drf();
    let a = allocator.as_mut();
    add_framework(a, "framework-ab", &["a/b"]);
    add_framework(a, "framework-ac", &["a/c"]);
    add_framework(a, "framework-d", &["d"]);
    for i in 0..4 {
        add_agent(a, &format!("agent{i}"), "cpus:1;mem:100");
    }
    let per_framework = totals_by_framework(&allocate(a, t0()));
    // The subtree `a` gets half, split between a/b and a/c; d gets the other half.
    assert_eq!(per_framework["framework-d"], res("cpus:2;mem:200"));
    assert_eq!(per_framework["framework-ab"], res("cpus:1;mem:100"));
    assert_eq!(per_framework["framework-ac"], res("cpus:1;mem:100"));
}

/// `fair_sharing_excluded_resource_names` leaves a resource out of dominant shares.
#[test]
fn excluded_resources_do_not_count_toward_shares() {
    let options = AllocatorOptions {
        fairness_excluded_resource_names: ["gpus".to_string()].into(),
        filter_gpu_resources: false,
        ..AllocatorOptions::default()
    };
    let mut allocator = create("hierarchical", options).expect("known allocator");
    let a = allocator.as_mut();
    add_framework(a, "framework1", &["role1"]);
    add_agent(a, "agent1", "cpus:1;mem:100;gpus:8");
    assert_eq!(allocate(a, t0())[0].framework, "framework1");
    add_framework(a, "framework2", &["role2"]);
    add_agent(a, "agent2", "cpus:4;mem:400");
    // With gpus excluded role1 holds 20% (cpus), so role2 (0%) gets agent2 anyway; then
    // role1 (20%) is below role2 (80%).
    assert_eq!(allocate(a, t0())[0].framework, "framework2");
    add_agent(a, "agent3", "cpus:1;mem:100");
    assert_eq!(allocate(a, t0())[0].framework, "framework1");
}

/// Offers carry their role; a multi-role framework gets each offer in exactly one role.
#[test]
fn multi_role_frameworks_get_one_role_per_offer() {
    for_each_allocator(|mut allocator, name| {
        let a = allocator.as_mut();
        add_framework(a, "framework", &["role1", "role2"]);
        add_agent(a, "agent1", "cpus:1;mem:100");
        add_agent(a, "agent2", "cpus:1;mem:100");
        let offers = allocate(a, t0());
        assert_eq!(offers.len(), 2, "{name}");
        for offer in &offers {
            assert_eq!(
                offer.resources,
                allocated("cpus:1;mem:100", &offer.role),
                "{name}"
            );
        }
        if name == "hierarchical(drf, drf)" {
            let roles: Vec<&str> = offers.iter().map(|o| o.role.as_str()).collect();
            assert!(
                roles.contains(&"role1") && roles.contains(&"role2"),
                "{roles:?}"
            );
        }
    });
}

/// The random sorters still offer every agent, to someone, each run.
#[test]
fn random_sorters_offer_everything() {
    let options = AllocatorOptions {
        role_sorter: SorterKind::Random,
        framework_sorter: SorterKind::Random,
        ..AllocatorOptions::default()
    };
    let mut allocator = create("hierarchical", options).expect("known allocator");
    let a = allocator.as_mut();
    for i in 0..5 {
        add_framework(a, &format!("framework{i}"), &[&format!("role{}", i % 2)]);
    }
    for i in 0..20 {
        add_agent(a, &format!("agent{i}"), "cpus:1;mem:100");
    }
    let offers = allocate(a, t0());
    assert_eq!(offers.len(), 20);
    assert_eq!(allocate(a, t0()), Vec::new());
}

/// Unknown names are refused by `create`.
#[test]
fn create_knows_hierarchical_only() {
    assert!(create("hierarchical", AllocatorOptions::default()).is_ok());
    assert!(create("HierarchicalDRF", AllocatorOptions::default()).is_ok());
    let error = create("fifo", AllocatorOptions::default())
        .err()
        .expect("unknown");
    assert!(error.to_string().contains("fifo"));
}
