//! `Resources` arithmetic, containment and equality, as tables of Mesos's own cases: scalars,
//! ranges, sets, reservations, disks, revocable, shared and allocated resources.

mod common;

use common::{disk, dynamic, dynamic_with_labels, fixed, parse, resources, role, scalar};
use resources::{
    DiskSource, DiskSourceType, Label, Labels, Resource, ResourceConversion, Resources, Scalar,
};

/// One `left op right == expected` case in the text form.
struct Case {
    left: &'static str,
    right: &'static str,
    expected: &'static str,
}

#[test]
fn addition_table() {
    let cases = [
        Case {
            left: "cpus:1;mem:5",
            right: "cpus:2;mem:10",
            expected: "cpus:3;mem:15",
        },
        Case {
            left: "cpus(role1):1;cpus(role2):3",
            right: "cpus(role1):5",
            expected: "cpus(role1):6;cpus(role2):3",
        },
        Case {
            left: "ports:[20000-40000]",
            right: "ports:[30000-50000, 10000-20000]",
            expected: "ports:[10000-50000]",
        },
        Case {
            left: "ports:[1-10, 5-30, 50-60]",
            right: "ports:[1-65, 70-80]",
            expected: "ports:[1-65, 70-80]",
        },
        Case {
            left: "ports:[1-2]",
            right: "ports:[3-4]",
            expected: "ports:[1-4]",
        },
        Case {
            left: "ports:[1-4, 9-10, 20-22, 26-30]",
            right: "ports:[5-8, 23-25]",
            expected: "ports:[1-10, 20-30]",
        },
        Case {
            left: "disks:{sda1,sda2,sda3}",
            right: "disks:{sda1,sda2,sda3,sda4}",
            expected: "disks:{sda1,sda2,sda3,sda4}",
        },
        Case {
            left: "cpus:1.001",
            right: "cpus:0",
            expected: "cpus:1.001",
        },
        Case {
            left: "",
            right: "cpus:2",
            expected: "cpus:2",
        },
    ];
    for case in cases {
        let sum = &parse(case.left) + &parse(case.right);
        assert_eq!(sum, parse(case.expected), "{} + {}", case.left, case.right);
        let mut in_place = parse(case.left);
        in_place += parse(case.right);
        assert_eq!(in_place, sum, "{} += {}", case.left, case.right);
    }
}

#[test]
fn subtraction_table() {
    let cases = [
        Case {
            left: "cpus:50;mem:4096",
            right: "cpus:0.5;mem:1024",
            expected: "cpus:49.5;mem:3072",
        },
        Case {
            left: "cpus:50;mem:4096",
            right: "cpus:50;mem:4096",
            expected: "",
        },
        Case {
            left: "cpus(role1):5;cpus(role2):3",
            right: "cpus(role1):1",
            expected: "cpus(role1):4;cpus(role2):3",
        },
        Case {
            left: "ports:[20000-40000]",
            right: "ports:[10000-20000, 30000-50000]",
            expected: "ports:[20001-29999]",
        },
        Case {
            left: "ports:[50000-60000]",
            right: "ports:[50000-50001]",
            expected: "ports:[50002-60000]",
        },
        Case {
            left: "ports:[50000-60000]",
            right: "ports:[50000-50000]",
            expected: "ports:[50001-60000]",
        },
        Case {
            left: "ports:[50000-60000]",
            right: "ports:[50000-60000]",
            expected: "",
        },
        Case {
            left: "ports:[1-10, 20-30, 40-50]",
            right: "ports:[2-9, 15-45, 48-50]",
            expected: "ports:[1-1, 10-10, 46-47]",
        },
        Case {
            left: "ports:[1-10]",
            right: "ports:[11-20]",
            expected: "ports:[1-10]",
        },
        Case {
            left: "disks:{sda1,sda2,sda3,sda4}",
            right: "disks:{sda2,sda3,sda4}",
            expected: "disks:{sda1}",
        },
        Case {
            left: "cpus:1",
            right: "cpus:2",
            expected: "",
        },
        Case {
            left: "cpus:1",
            right: "mem:2",
            expected: "cpus:1",
        },
        Case {
            left: "cpus(role):1",
            right: "cpus:1",
            expected: "cpus(role):1",
        },
    ];
    for case in cases {
        let difference = &parse(case.left) - &parse(case.right);
        assert_eq!(
            difference,
            parse(case.expected),
            "{} - {}",
            case.left,
            case.right
        );
    }
}

#[test]
fn containment_table() {
    let cases: [(&str, &str, bool); 16] = [
        ("cpus:1;mem:4096", "cpus:1;mem:3072", true),
        ("cpus:1;mem:3072", "cpus:1;mem:4096", false),
        ("cpus(role2):1", "cpus(role1):1", false),
        ("cpus(role1):3", "cpus(role1):1", true),
        ("cpus(role1):1", "cpus(role1):3", false),
        ("ports:[1-10]", "ports:[2-2, 4-5]", true),
        ("ports:[2-2, 4-5]", "ports:[1-10]", false),
        ("ports:[2-3]", "ports:[2-2, 4-5]", false),
        ("ports:[1-2, 4-6]", "ports:[2-2, 4-5]", true),
        ("ports:[1-4, 5-5]", "ports:[2-2, 4-5]", true),
        ("disks:{sda1,sda3,sda4,sda2}", "disks:{sda1,sda2}", true),
        ("disks:{sda1,sda2}", "disks:{sda1,sda3,sda4,sda2}", false),
        ("cpus:1", "", true),
        ("", "cpus:1", false),
        ("cpus(role1):2;cpus:1", "cpus:1", true),
        ("cpus(role1):2", "cpus:1", false),
    ];
    for (left, right, expected) in cases {
        assert_eq!(
            parse(left).contains(&parse(right)),
            expected,
            "{left} contains {right}"
        );
    }
}

#[test]
fn equality_coalesces_ranges_and_scalars() {
    assert_eq!(parse("ports:[20-40]"), parse("ports:[20-30, 31-39, 40-40]"));
    assert_eq!(parse("cpus:3;mem:3072"), parse("mem:3072;cpus:1;cpus:2"));
    assert_ne!(parse("cpus(role1):3"), parse("cpus(role2):3"));
    assert_ne!(parse(""), parse("cpus:2"));
    assert!(parse("gpus:0").is_empty());
}

#[test]
fn precision_survives_many_operations() {
    let start = parse("cpus:1.001");
    let mut current = start.clone();
    for _ in 0..2500 {
        let next = &(&(&(&current + &current) + &current) - &current) - &current;
        assert_eq!(next.cpus(), Some(Scalar::from_millis(1001)));
        current = next;
    }
    assert_eq!(current, start);
    assert_eq!(parse("cpus:1.5011").cpus(), Some(Scalar::from_millis(1501)));
    assert_eq!(parse("cpus:1.5015").cpus(), Some(Scalar::from_millis(1502)));
    assert_eq!(&parse("cpus:0.1") + &parse("cpus:0.2"), parse("cpus:0.3"));
}

#[test]
fn reservations_combine_only_when_identical() {
    let labels = |value: &str| Labels(vec![Label::new("foo", value)]);
    let with =
        |amount: f64, reservation| resources(vec![scalar("cpus", amount).reserved(reservation)]);
    let by_principal = dynamic("role", Some("principal"));
    assert_eq!(
        &with(8.0, fixed("role")) + &with(4.0, fixed("role")),
        with(12.0, fixed("role"))
    );
    assert_eq!(
        &with(8.0, by_principal.clone()) + &with(4.0, by_principal.clone()),
        with(12.0, by_principal)
    );
    let bar = dynamic_with_labels("role", "principal", labels("bar"));
    let baz = dynamic_with_labels("role", "principal", labels("baz"));
    assert_eq!(
        &with(8.0, bar.clone()) + &with(4.0, bar.clone()),
        with(12.0, bar.clone())
    );
    let mixed = &with(6.0, bar.clone()) + &with(6.0, baz.clone());
    assert_eq!(mixed.len(), 2);
    assert_ne!(mixed, &with(6.0, bar.clone()) + &with(6.0, bar.clone()));

    let unique = [
        resources(vec![scalar("cpus", 8.0)]),
        with(8.0, fixed("role1")),
        with(8.0, fixed("role2")),
        with(8.0, dynamic("role1", Some("principal1"))),
        with(8.0, dynamic("role1", Some("principal2"))),
        with(8.0, dynamic("role2", Some("principal1"))),
        with(8.0, bar.clone()),
        with(8.0, baz.clone()),
    ];
    for (i, left) in unique.iter().enumerate() {
        for (j, right) in unique.iter().enumerate() {
            assert_eq!(left == right, i == j, "{left} vs {right}");
        }
    }

    let statically = with(8.0, fixed("role"));
    let dynamically = with(8.0, bar.clone());
    assert_eq!(&statically - &dynamically, statically);
    let total = &statically + &dynamically;
    assert_eq!(
        &(&total - &with(2.0, fixed("role"))) - &with(4.0, bar.clone()),
        &with(6.0, fixed("role")) + &with(4.0, bar)
    );
    assert!(total.contains(&statically) && total.contains(&dynamically) && total.contains(&total));
    assert!(!statically.contains(&total));
}

#[test]
fn reservation_filters_and_hierarchy() {
    let unreserved = parse("cpus:1;mem:2;disk:4");
    let role1 = parse("cpus(role1):2;mem(role1):4;disk(role1):8");
    let role2 = parse("cpus(role2):4;mem(role2):8;disk(role2):6");
    let all = &(&unreserved + &role1) + &role2;
    let by_role = all.reservations();
    assert_eq!(by_role.len(), 2);
    assert_eq!(by_role[&role("role1")], role1);
    assert_eq!(all.reserved(Some("role1")), role1);
    assert_eq!(all.reserved(Some("*")), Resources::new());
    assert_eq!(all.unreserved(), unreserved);
    assert_eq!(all.reserved(None), &role1 + &role2);
    assert_eq!(all.to_unreserved(), parse("cpus:7;mem:14;disk:18"));

    let grandfather = parse("cpus(a):2;mem(a):4");
    let father = parse("cpus(a/bx):4;mem(a/bx):8");
    let uncle = parse("cpus(a/b):4;mem(a/b):8");
    let child = parse("cpus(a/bx/c):8;mem(a/bx/c):16");
    let family = [&unreserved, &grandfather, &father, &uncle, &child]
        .into_iter()
        .fold(Resources::new(), |total, part| total + part);
    assert_eq!(family.allocatable_to("*"), unreserved);
    assert_eq!(family.allocatable_to("a"), &grandfather + &unreserved);
    assert_eq!(
        family.allocatable_to("a/bx"),
        &(&grandfather + &father) + &unreserved
    );
    assert_eq!(
        family.allocatable_to("a/bx/c"),
        &(&(&grandfather + &father) + &child) + &unreserved
    );
    assert_eq!(family.reserved_to_role_subtree("a/bx"), &father + &child);
}

#[test]
fn push_pop_and_ancestors_of_reservations() {
    let base = parse("cpus:2;mem:10");
    let foo = base
        .push_reservation(&dynamic("foo", None))
        .expect("refines");
    let foo_bar = foo
        .push_reservation(&dynamic("foo/bar", None))
        .expect("refines");
    assert!(foo_bar.iter().all(Resource::has_refined_reservations));
    assert_eq!(foo_bar.pop_reservation(), Some(foo.clone()));
    assert_eq!(base.pop_reservation(), None);
    let error = foo
        .push_reservation(&dynamic("other", None))
        .expect_err("does not refine");
    assert!(
        error
            .to_string()
            .contains("role 'other' is not a refinement of 'foo'"),
        "{error}"
    );
    let cpus = |resources: &Resources| {
        resources
            .named("cpus")
            .iter()
            .next()
            .cloned()
            .expect("cpus")
    };
    assert_eq!(
        Resources::reservation_ancestor(&cpus(&foo_bar), &cpus(&base)),
        cpus(&base)
    );
    let foo_baz = foo
        .push_reservation(&dynamic("foo/baz", None))
        .expect("refines");
    assert_eq!(
        Resources::reservation_ancestor(&cpus(&foo_bar), &cpus(&foo_baz)),
        cpus(&foo)
    );
    assert_eq!(base.flatten(&role("r")), parse("cpus(r):2;mem(r):10"));
}

#[test]
fn disk_sources_decide_what_splits_and_merges() {
    let kinds = [
        DiskSourceType::Raw,
        DiskSourceType::Path,
        DiskSourceType::Block,
        DiskSourceType::Mount,
    ];
    for kind in kinds {
        for vendor in [false, true] {
            for identity in [false, true] {
                for profile in [false, true] {
                    let source = DiskSource {
                        kind,
                        path: None,
                        mount: None,
                        vendor: vendor.then(|| "vendor".into()),
                        id: identity.then(|| "id".into()),
                        metadata: None,
                        profile: profile.then(|| "profile".into()),
                    };
                    let one = resources(vec![disk(
                        1.0,
                        "*",
                        None,
                        None,
                        Some(source.clone()),
                        false,
                    )]);
                    let two = resources(vec![disk(2.0, "*", None, None, Some(source), false)]);
                    assert!(one.contains(&one));
                    let divisible =
                        kind == DiskSourceType::Path || (kind == DiskSourceType::Raw && !identity);
                    let doubled = &one + &one;
                    assert_eq!(two.contains(&one), divisible, "{kind:?} id={identity}");
                    assert_eq!(two == doubled, divisible, "{kind:?} id={identity}");
                    assert_eq!(
                        doubled.len(),
                        if divisible { 1 } else { 2 },
                        "{kind:?} id={identity}"
                    );
                }
            }
        }
    }
}

#[test]
fn disks_persistent_volumes_and_paths() {
    let path = |root: &str| Some(DiskSource::path(Some(root)));
    let mount = |root: &str| Some(DiskSource::mount(Some(root)));
    let r = |value: f64, role_name: &str, id: Option<&str>, container: Option<&str>, source| {
        resources(vec![disk(value, role_name, id, container, source, false)])
    };
    // The container path does not matter for equality; the persistence id does.
    assert_ne!(
        r(10.0, "*", None, None, None),
        r(10.0, "*", None, Some("path1"), None)
    );
    assert_eq!(
        r(10.0, "*", None, Some("path1"), None),
        r(10.0, "*", None, Some("path2"), None)
    );
    assert_eq!(
        r(10.0, "role", Some("1"), Some("path1"), None),
        r(10.0, "role", Some("1"), Some("path2"), None)
    );
    assert_ne!(
        r(10.0, "role", Some("1"), Some("path2"), None),
        r(10.0, "role", Some("2"), Some("path2"), None)
    );
    assert_ne!(
        r(10.0, "*", None, None, path("mnt")),
        r(10.0, "*", None, None, path("mnt2"))
    );
    assert_ne!(
        r(10.0, "*", None, None, path("mnt")),
        r(10.0, "*", None, None, mount("mnt"))
    );

    // Volumes never merge, and are matched one to one.
    let v1 = r(10.0, "role", Some("1"), Some("path"), None);
    let v2 = r(10.0, "role", Some("2"), Some("path"), None);
    let sum = &v1 + &v2;
    assert!(sum.contains(&v1) && sum.contains(&v2));
    assert!(!sum.contains(&r(20.0, "role", Some("1"), Some("path"), None)));
    assert!(!v1.contains(&(&v1 + &v1)));
    assert!((&v1 + &v1).contains(&(&v1 + &v1)));
    assert_eq!(&v1 - &v2, v1);
    assert!((&v1 - &v1).is_empty());
    assert_eq!(
        r(20.0, "role", None, None, path("mnt")),
        &r(10.0, "role", None, None, path("mnt")) + &r(10.0, "role", None, None, path("mnt"))
    );
    assert!(!r(20.0, "role", None, None, mount("mnt")).contains(&r(
        10.0,
        "role",
        None,
        None,
        mount("mnt")
    )));
    assert_eq!(
        &r(20.0, "role", None, None, mount("mnt")) - &r(10.0, "role", None, None, mount("mnt")),
        r(20.0, "role", None, None, mount("mnt"))
    );
    assert!(
        (&r(10.0, "role", None, None, mount("mnt")) - &r(10.0, "role", None, None, mount("mnt")))
            .is_empty()
    );

    let all = &(&parse("cpus:1;mem:512;disk:1000") + &v1) + &r(20.0, "role2", None, None, None);
    assert_eq!(all.persistent_volumes(), v1);
    assert!(all.contains_resource(&disk(10.0, "role", Some("1"), Some("other"), None, false)));
}

#[test]
fn shared_resources_count_copies() {
    let volume = disk(50.0, "role1", Some("1"), Some("path"), None, true);
    let one = resources(vec![volume.clone()]);
    let two = &one + &one;
    assert_eq!(one.count(&volume), 1);
    assert_eq!(two.count(&volume), 2);
    assert_eq!(two.len(), 1);
    assert_eq!(
        two.to_string(),
        "disk(reservations: [(STATIC,role1)])[1:path]<SHARED>:50<2>"
    );
    let r1 = &parse("cpus:2;mem:10") + &(&two + &two);
    let r2 = &parse("cpus:2;mem:10") + &(&two + &one);
    assert_eq!(r1.count(&volume), 4);
    assert_eq!(&(&r1 + &r1) - &r1, r1);
    assert_eq!(&(&r1 + &r2) - &r1, r2);
    assert_eq!(&(&r2 - &r1) + &r1, r1);
    assert!((&r2 - &r1).is_empty());
    assert_eq!((&r1 - &r2).count(&volume), 1);
    assert!(!(&r2 - &r1).contains_resource(&volume));

    let plain = disk(100.0, "role1", Some("1"), Some("path"), None, false);
    let shared = disk(100.0, "role1", Some("1"), Some("path"), None, true);
    let mut mixed = resources(vec![shared.clone(), shared.clone(), plain.clone()]);
    assert_eq!(mixed.len(), 2);
    assert_eq!(mixed.get_scalar("disk"), Some(Scalar::from_units(200)));
    assert_eq!(mixed.count(&shared), 2);
    assert_eq!(mixed.count(&plain), 1);
    mixed.try_subtract_resource(&shared).expect("valid");
    assert_eq!(mixed.count(&shared), 1);
    let only_plain = resources(vec![plain.clone()]);
    assert_eq!(&only_plain - &resources(vec![shared.clone()]), only_plain);
    assert!(!only_plain.contains(&resources(vec![shared])));
    assert_eq!(
        resources(vec![plain.clone(), plain.clone()]).count(&plain),
        1
    );
}

#[test]
fn revocable_and_allocated_resources_stay_apart() {
    let revocable = resources(vec![scalar("cpus", 1.0).with_revocable(true)]);
    let plain = parse("cpus:1");
    assert_ne!(revocable, plain);
    assert_eq!(
        &revocable + &revocable,
        resources(vec![scalar("cpus", 2.0).with_revocable(true)])
    );
    let sum = &revocable + &plain;
    assert_eq!(sum.len(), 2);
    assert_eq!(sum.revocable(), revocable);
    assert_eq!(sum.non_revocable(), plain);
    assert_eq!(&revocable - &plain, revocable);

    let mut first = parse("cpus:1");
    first.allocate(&role("role1"));
    let mut second = parse("cpus:1");
    second.allocate(&role("role2"));
    assert_ne!(first, second);
    let both = &first + &second;
    assert_eq!(both.len(), 2);
    assert!(both.contains(&first) && both.contains(&second));
    assert_eq!(&first - &second, first);
    let allocations = both.allocations();
    assert_eq!(allocations[&role("role1")], first);
    let mut everything = both.clone();
    everything.allocate(&role("role3"));
    assert_eq!(
        everything.len(),
        1,
        "re-allocation recombines: {everything}"
    );
    everything.unallocate();
    assert_eq!(everything, parse("cpus:2"));
}

#[test]
fn provider_ids_separate_resources() {
    let cpus = scalar("cpus", 4.0).with_provider_id("RESOURCE_PROVIDER_ID");
    let plain_disk = disk(1.0, "*", None, None, None, false);
    let provided_disk = plain_disk.clone().with_provider_id("RESOURCE_PROVIDER_ID");
    let r1 = resources(vec![cpus.clone(), provided_disk.clone()]);
    assert!(r1.contains_resource(&cpus) && r1.contains_resource(&provided_disk));
    assert!(!r1.contains_resource(&plain_disk));
    let r3 = resources(vec![plain_disk.clone(), provided_disk.clone()]);
    assert_eq!(r3.len(), 2);
    assert_eq!(r3.get_scalar("disk"), Some(Scalar::from_units(2)));
    assert_eq!(&r1 - &resources(vec![provided_disk]), resources(vec![cpus]));
}

#[test]
fn getters_names_and_stripping() {
    let all =
        parse("cpus(role1):2;cpus:4;mem(role1):10;mem:10;ports:[1-10];ports:[11-20];disks:{a}");
    assert_eq!(all.named("cpus"), parse("cpus(role1):2;cpus:4"));
    assert_eq!(all.names(), ["cpus", "disks", "mem", "ports"]);
    assert_eq!(all.cpus(), Some(Scalar::from_units(6)));
    assert_eq!(
        all.ports().map(|ports| ports.to_string()),
        Some("[1-20]".to_string())
    );
    assert_eq!(
        all.get("disks").map(|value| value.to_string()),
        Some("{a}".to_string())
    );
    assert_eq!(all.gpus(), None);
    let stripped = all.stripped_scalar_quantity();
    assert_eq!(stripped, parse("cpus:6;mem:20"));
    let volume = resources(vec![disk(
        200.0,
        "role",
        Some("1"),
        Some("path"),
        None,
        false,
    )]);
    assert!(
        volume
            .stripped_scalar_quantity()
            .persistent_volumes()
            .is_empty()
    );
}

#[test]
fn conversions_check_containment() {
    let total = parse("cpus:1;mem:512;disk(role):1000");
    let volume = resources(vec![disk(
        200.0,
        "role",
        Some("1"),
        Some("path"),
        None,
        false,
    )]);
    let create = ResourceConversion {
        consumed: parse("disk(role):200"),
        converted: volume.clone(),
    };
    let created = total.apply(&create).expect("enough disk");
    assert_eq!(created, &parse("cpus:1;mem:512;disk(role):800") + &volume);
    let too_big = resources(vec![disk(
        2000.0,
        "role",
        Some("1"),
        Some("path"),
        None,
        false,
    )]);
    let create = ResourceConversion {
        consumed: parse("disk(role):2000"),
        converted: too_big,
    };
    let error = total.apply(&create).expect_err("not enough disk");
    assert!(error.to_string().contains("does not contain"), "{error}");

    let unreserved = parse("cpus:1;mem:512");
    let reserved = parse("cpus:1")
        .push_reservation(&dynamic("role", Some("principal")))
        .expect("valid");
    let reserve = ResourceConversion {
        consumed: parse("cpus:1"),
        converted: reserved.clone(),
    };
    assert_eq!(
        unreserved.apply(&reserve),
        Ok(&parse("mem:512") + &reserved)
    );
}

#[test]
fn checked_subtraction_reports_what_is_missing() {
    assert_eq!(
        parse("cpus:2").checked_sub(&parse("cpus:1")),
        Some(parse("cpus:1"))
    );
    assert_eq!(parse("cpus:1").checked_sub(&parse("cpus:2")), None);
    let mut retained = parse("cpus:1;mem:2;ports:[1-2]");
    retained.retain(|resource| resource.name() != "mem");
    assert_eq!(retained, parse("cpus:1;ports:[1-2]"));
}
