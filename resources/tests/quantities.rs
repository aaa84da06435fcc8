//! `ResourceQuantities`, `ResourceLimits` and shrinking, plus the master-side validation
//! helpers, as tables of Mesos's cases.

mod common;

use common::{disk, dynamic, parse, resources, scalar};
use resources::{
    DiskSource, InvalidResource, QuantityParseError, ResourceLimits, ResourceQuantities, Scalar,
    limits_json, parse_min_allocatable_resources, quantities_json, validate_disk_infos,
    validate_gpus, validate_id,
};
use serde_json::json;

fn quantities(text: &str) -> ResourceQuantities {
    ResourceQuantities::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn limits(text: &str) -> ResourceLimits {
    ResourceLimits::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn pairs(quantities: &ResourceQuantities) -> Vec<(String, f64)> {
    quantities
        .iter()
        .map(|(name, amount)| (name.to_string(), amount.as_f64()))
        .collect()
}

#[test]
fn quantity_parsing_table() {
    let cases: &[(&str, &[(&str, f64)])] = &[
        ("cpus:10", &[("cpus", 10.0)]),
        ("cpus:3.25", &[("cpus", 3.25)]),
        (
            " cpus : 3.25 ; disk : 10 ",
            &[("cpus", 3.25), ("disk", 10.0)],
        ),
        ("cpus:0", &[]),
        ("cpus:10.5;ports:1", &[("cpus", 10.5), ("ports", 1.0)]),
        ("ports:3;cpus:10.5", &[("cpus", 10.5), ("ports", 3.0)]),
        (
            "ports:3;cpus:1;cpus:10.5",
            &[("cpus", 11.5), ("ports", 3.0)],
        ),
        ("", &[]),
    ];
    for (text, expected) in cases {
        let expected: Vec<(String, f64)> =
            expected.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        assert_eq!(pairs(&quantities(text)), expected, "{text}");
    }
    for text in [
        "cpus:a10",
        "cpus:3.25c",
        "ports:3,cpus:1",
        "ports:3,cpus:-1",
        "cpus:nan",
        "cpus:-nan",
        "cpus:inf",
        "cpus:-inf",
        "cpus:infinity",
        "cpus:-infinity",
        "cpus:[1-2]",
        "cpus",
    ] {
        assert!(ResourceQuantities::parse(text).is_err(), "{text}");
        assert!(ResourceLimits::parse(text).is_err(), "{text}");
    }
    assert_eq!(
        ResourceQuantities::parse("cpus:-1"),
        Err(QuantityParseError::Negative("-1".into()))
    );
    assert_eq!(
        ResourceLimits::parse("cpus:1;cpus:2"),
        Err(QuantityParseError::Duplicate("cpus".into()))
    );
    assert_eq!(limits("cpus:0").get("cpus"), Some(Scalar::ZERO));
    assert_eq!(
        quantities("cpus:1;mem:1024").to_string(),
        "cpus:1; mem:1024"
    );
    assert_eq!(ResourceQuantities::new().to_string(), "{}");
    let alternatives = parse_min_allocatable_resources("cpus:0.01|mem:32").expect("valid");
    assert_eq!(
        alternatives,
        vec![quantities("cpus:0.01"), quantities("mem:32")]
    );
}

#[test]
fn quantities_from_resources() {
    let all = parse("cpus:1;mem:512;ports:[5000-6000];zones:{a,b};disk:800");
    let expected = [
        ("cpus", 1.0),
        ("disk", 800.0),
        ("mem", 512.0),
        ("ports", 1001.0),
        ("zones", 2.0),
    ];
    let expected: Vec<(String, f64)> = expected.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    assert_eq!(pairs(&all.quantities()), expected);
    assert_eq!(
        pairs(&all.scalar_quantities()),
        vec![
            ("cpus".into(), 1.0),
            ("disk".into(), 800.0),
            ("mem".into(), 512.0)
        ]
    );
    assert!(ResourceQuantities::from_resources(&resources(vec![])).is_empty());
}

#[test]
fn quantity_arithmetic_table() {
    // (left, right, left + right, left - right)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("cpus:10", "", "cpus:10", "cpus:10"),
        ("cpus:10", "cpus:0.1", "cpus:10.1", "cpus:9.9"),
        ("cpus:10.1", "alphas:1", "alphas:1;cpus:10.1", "cpus:10.1"),
        ("cpus:10.1", "mem:1", "cpus:10.1;mem:1", "cpus:10.1"),
        (
            "alphas:1;cpus:10.1",
            "cpus:1;mem:100",
            "alphas:1;cpus:11.1;mem:100",
            "alphas:1;cpus:9.1",
        ),
        ("", "cpus:1", "cpus:1", ""),
        ("cpus:1", "cpus:1", "cpus:2", ""),
        ("cpus:1", "cpus:1.4", "cpus:2.4", ""),
        (
            "cpus:1;mem:100",
            "alphas:1;cpus:0.5",
            "alphas:1;cpus:1.5;mem:100",
            "cpus:0.5;mem:100",
        ),
    ];
    for (left, right, sum, difference) in cases {
        assert_eq!(
            &quantities(left) + &quantities(right),
            quantities(sum),
            "{left} + {right}"
        );
        assert_eq!(
            &quantities(left) - &quantities(right),
            quantities(difference),
            "{left} - {right}"
        );
    }
}

#[test]
fn quantity_containment_table() {
    let cases: &[(&str, &str, bool)] = &[
        ("", "", true),
        ("cpus:1", "", true),
        ("", "cpus:1", false),
        ("cpus:1;mem:1", "cpus:1;mem:1", true),
        ("cpus:1;mem:1;disk:1", "cpus:1;mem:1", true),
        ("cpus:1;mem:1", "cpus:1;mem:1;disk:1", false),
        ("cpus:1;mem:1", "cpus:1;disk:1", false),
        ("cpus:1;mem:1", "gpu:1;disk:1", false),
        ("cpus:2;mem:2", "cpus:2;mem:1", true),
        ("cpus:2;mem:1", "cpus:2;mem:2", false),
    ];
    for (left, right, expected) in cases {
        assert_eq!(
            quantities(left).contains(&quantities(right)),
            *expected,
            "{left} contains {right}"
        );
    }
}

#[test]
fn resources_contain_quantities() {
    let cases: &[(&str, &str, bool)] = &[
        ("", "", true),
        ("", "cpus:1", false),
        ("cpus:1", "", true),
        ("cpus:2", "cpus:1", true),
        ("cpus:1", "cpus:1", true),
        ("cpus:0.5", "cpus:1", false),
        ("ports:[1-3]", "ports:2", true),
        ("ports:[1-2]", "ports:2", true),
        ("ports:[1-1]", "ports:2", false),
        ("features:{a,b,c}", "features:2", true),
        ("features:{a}", "features:2", false),
        (
            "cpus:3;ports:[1-3];features:{a,b,c};mem:10",
            "cpus:3;ports:3;features:3",
            true,
        ),
        (
            "cpus:1;ports:[1-3];features:{a,b,c}",
            "cpus:3;ports:3;features:3",
            false,
        ),
        ("cpus:3;ports:[1-3]", "cpus:3;ports:3;features:3", false),
        ("cpus(role1):2", "cpus:3", false),
        ("cpus(role1):2;cpus:1", "cpus:3", true),
    ];
    for (have, wanted, expected) in cases {
        assert_eq!(
            parse(have).contains_quantities(&quantities(wanted)),
            *expected,
            "{have} has {wanted}"
        );
    }
    let mixed = parse("cpus(role1):2;cpus:1;mem(role2):64");
    assert!(
        mixed.contains_quantities_where(&quantities("cpus:3"), |r| r.is_allocatable_to("role1"))
    );
    assert!(
        !mixed.contains_quantities_where(&quantities("cpus:2"), |r| r.is_allocatable_to("role2"))
    );
    assert!(
        !mixed.contains_quantities_where(&quantities("mem:32"), |r| r.is_allocatable_to("role1"))
    );
    let reserved = parse("ports:[1-10]")
        .push_reservation(&dynamic("role", Some("principal")))
        .expect("valid");
    assert!(!reserved.contains_quantities(&quantities("ports:12")));
    assert!((&reserved + &parse("ports:[20-25]")).contains_quantities(&quantities("ports:12")));
    let volume = resources(vec![disk(
        64.0,
        "role1",
        Some("id1"),
        Some("path1"),
        None,
        true,
    )]);
    let doubled = &volume + &volume;
    assert!(
        !doubled.contains_quantities(&quantities("disk:128")),
        "shared copies count once"
    );
    assert!((&doubled + &parse("disk:64")).contains_quantities(&quantities("disk:128")));
}

#[test]
fn limits_table() {
    let cases: &[(&str, &str, bool)] = &[
        ("", "", true),
        ("", "cpus:1", true),
        ("cpus:1", "", false),
        ("cpus:1;mem:1", "cpus:1;mem:1", true),
        ("cpus:1;mem:1", "cpus:1;mem:1;disk:1", true),
        ("cpus:1;mem:1;disk:1", "cpus:1;mem:1", false),
        ("cpus:1;mem:1", "cpus:1;disk:1", false),
        ("cpus:1;mem:1", "gpu:1;disk:1", false),
        ("cpus:2;mem:2", "cpus:2;mem:1", true),
        ("cpus:2;mem:1", "cpus:2;mem:2", false),
    ];
    for (left, right, expected) in cases {
        assert_eq!(
            limits(left).contains(&limits(right)),
            *expected,
            "{left} contains {right}"
        );
    }
    let with_quantities: &[(&str, &str, bool)] = &[
        ("", "", true),
        ("cpus:1", "", true),
        ("cpus:1;mem:1", "cpus:1;mem:1", true),
        ("cpus:1;mem:1;disk:1", "cpus:1;mem:1", true),
        ("cpus:1;mem:1", "cpus:1;mem:1;disk:1", true),
        ("cpus:1;mem:1", "gpu:1;disk:1", true),
        ("cpus:2;mem:1", "cpus:2;mem:2", false),
    ];
    for (left, right, expected) in with_quantities {
        assert_eq!(
            limits(left).contains_quantities(&quantities(right)),
            *expected,
            "{left} has room for {right}"
        );
    }
    let lowered = &limits("cpus:2;mem:1;gpus:0") - &quantities("cpus:1;mem:5;disk:3");
    assert_eq!(lowered, limits("cpus:1;mem:0;gpus:0"));
    assert_eq!(
        limits_json(&lowered),
        json!({"cpus":1.0,"gpus":0.0,"mem":0.0})
    );
    assert_eq!(
        quantities_json(&quantities("cpus:1.5")),
        json!({"cpus":1.5})
    );
}

#[test]
fn shrinking_table() {
    let mount = |value: f64| {
        resources(vec![disk(
            value,
            "role",
            None,
            None,
            Some(DiskSource::mount(Some("mnt"))),
            false,
        )])
    };
    let cases = [
        (parse(""), "", parse("")),
        (parse(""), "cpus:1", parse("")),
        (parse("cpus:1"), "", parse("")),
        (parse("cpus:2"), "cpus:1", parse("cpus:1")),
        (
            parse("cpus:2;mem:20"),
            "cpus:1;mem:10",
            parse("cpus:1;mem:10"),
        ),
        (
            parse("cpus:2;mem:20"),
            "cpus:1;mem:10;disk:10",
            parse("cpus:1;mem:10"),
        ),
        (parse("cpus:2;mem:20"), "cpus:1", parse("cpus:1")),
        (mount(20.0), "disk:10", parse("")),
        (&mount(10.0) + &parse("disk:10"), "disk:10", mount(10.0)),
        (
            &parse("disk:10") + &mount(10.0),
            "disk:10",
            parse("disk:10"),
        ),
    ];
    for (have, target, expected) in cases {
        assert_eq!(
            have.shrink_to_quantities(&quantities(target)),
            expected,
            "{have} to {target}"
        );
    }
    let limit_cases = [
        (parse(""), "", parse("")),
        (parse("cpus:1"), "", parse("cpus:1")),
        (parse("cpus:2"), "cpus:1", parse("cpus:1")),
        (
            parse("cpus:2;mem:20"),
            "cpus:1;mem:10",
            parse("cpus:1;mem:10"),
        ),
        (parse("cpus:2;mem:20"), "cpus:1", parse("cpus:1;mem:20")),
        (mount(20.0), "disk:10", parse("")),
        (parse("cpus:2;ports:[1-5]"), "cpus:0", parse("ports:[1-5]")),
    ];
    for (have, target, expected) in limit_cases {
        assert_eq!(
            have.shrink_to_limits(&limits(target)),
            expected,
            "{have} within {target}"
        );
    }
}

#[test]
fn master_validation_table() {
    assert_eq!(validate_gpus(&parse("gpus:2;cpus:0.5")), Ok(()));
    assert_eq!(
        validate_gpus(&parse("gpus:0.5")),
        Err(InvalidResource::FractionalGpus)
    );
    let volume = |role: &str, id: &str| disk(10.0, role, Some(id), Some("/data"), None, false);
    let cases: Vec<(resources::Resource, Option<&str>)> = vec![
        (volume("role", "v1"), None),
        (
            volume("*", "v1"),
            Some(
                "Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources",
            ),
        ),
        (
            volume("role", "v1").with_revocable(true),
            Some("Invalid DiskInfo: Persistent volumes cannot be created from revocable resources"),
        ),
        (
            volume("role", "a/b"),
            Some(
                "Invalid DiskInfo: Invalid persistence ID for persistent volume: 'a/b' contains invalid characters",
            ),
        ),
        (
            volume("role", ".."),
            Some(
                "Invalid DiskInfo: Invalid persistence ID for persistent volume: '..' is disallowed",
            ),
        ),
        (
            disk(10.0, "role", None, Some("/data"), None, false),
            Some("Invalid DiskInfo: Non-persistent volume not supported"),
        ),
        (
            scalar("disk", 1.0).with_disk(resources::DiskInfo::default()),
            Some("Invalid DiskInfo: DiskInfo is set but empty"),
        ),
        (
            disk(
                10.0,
                "role",
                None,
                None,
                Some(DiskSource::path(None)),
                false,
            ),
            None,
        ),
    ];
    for (resource, expected) in cases {
        let got = validate_disk_infos([&resource])
            .err()
            .map(|error| error.to_string());
        assert_eq!(got.as_deref(), expected, "{resource}");
    }
    assert_eq!(validate_id(""), Err("ID must not be empty".into()));
    assert_eq!(
        validate_id(&"x".repeat(256)),
        Err("ID must not be greater than 255 characters".into())
    );
    assert_eq!(
        validate_id("a\u{1}"),
        Err("'a\u{1}' contains invalid characters".into())
    );
}
