//! Conversions to and from the protobuf `Resource` lists of `mesos.v1` and `mesos` (v0):
//! round trips, wire bytes, the pre-refinement format in both directions, and bad input.

#![allow(deprecated)] // `Resource.role` is deprecated in Mesos's protos but still on the wire.

mod common;

use common::{disk, dynamic, fixed, parse, resources, role, scalar};
use prost::Message;
use proto::{v0, v1};
use resources::{
    DiskSource, InvalidResource, ResourceFormat, Resources, resource_from_v1, resource_to_v1,
};

fn sample() -> Resources {
    let mut volume = disk(
        64.0,
        "eng",
        Some("id1"),
        Some("/data"),
        Some(DiskSource::path(Some("/mnt"))),
        true,
    );
    volume.push_reservation(dynamic("eng/web", Some("web")));
    resources(vec![
        scalar("cpus", 2.5)
            .reserved(fixed("eng"))
            .allocated_to(role("eng")),
        scalar("cpus", 1.0)
            .with_revocable(true)
            .with_provider_id("rp-1"),
        volume,
    ]) + parse("mem:1024;ports:[31000-31005,31010-32000];bugs:{a,b}")
}

fn v1_cpus() -> v1::Resource {
    v1::Resource {
        name: "cpus".into(),
        r#type: v1::value::Type::Scalar as i32,
        scalar: Some(v1::value::Scalar { value: 555.5 }),
        ..Default::default()
    }
}

#[test]
fn v1_and_v0_round_trip_through_bytes() {
    let all = sample();
    let list = all.to_proto_v1();
    assert_eq!(list.len(), all.len());
    let bytes: Vec<Vec<u8>> = list.iter().map(Message::encode_to_vec).collect();
    let decoded: Vec<v1::Resource> = bytes
        .iter()
        .map(|b| v1::Resource::decode(b.as_slice()).expect("decodes"))
        .collect();
    assert_eq!(Resources::from_proto_v1(&decoded), Ok(all.clone()));
    let list = all.to_proto_v0();
    assert_eq!(Resources::from_proto_v0(&list), Ok(all.clone()));
    let endpoint = all
        .to_proto_v1_in(ResourceFormat::Endpoint)
        .expect("writable");
    assert_eq!(Resources::from_proto_v1(&endpoint), Ok(all));
}

#[test]
fn downgrade_writes_role_and_reservation() {
    let unreserved = scalar("cpus", 555.5);
    let statically = scalar("cpus", 555.5).reserved(fixed("foo"));
    let dynamically = scalar("cpus", 555.5).reserved(dynamic("bar", Some("principal1")));
    let list = resources(vec![unreserved, statically, dynamically])
        .to_proto_v0_in(ResourceFormat::PreRefinement)
        .expect("no refinements");
    let shape: Vec<(Option<String>, Option<Option<String>>, usize)> = list
        .iter()
        .map(|r| {
            (
                r.role.clone(),
                r.reservation.as_ref().map(|x| x.principal.clone()),
                r.reservations.len(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (Some("*".into()), None, 0),
            (Some("foo".into()), None, 0),
            (Some("bar".into()), Some(Some("principal1".into())), 0),
        ]
    );
    let refined = parse("cpus:1")
        .push_reservation(&dynamic("bar", Some("p1")))
        .and_then(|r| r.push_reservation(&dynamic("bar/baz", Some("p2"))))
        .expect("valid");
    let error = refined
        .to_proto_v0_in(ResourceFormat::PreRefinement)
        .expect_err("refined");
    assert_eq!(
        error.to_string(),
        "Invalid resource format: Cannot downgrade resources containing refined reservations"
    );
}

#[test]
fn upgrade_reads_role_and_reservation() {
    let mut statically = v1_cpus();
    statically.role = Some("foo".into());
    assert_eq!(
        resource_from_v1(&statically),
        Ok(scalar("cpus", 555.5).reserved(fixed("foo")))
    );
    let mut dynamically = statically.clone();
    dynamically.reservation = Some(v1::resource::ReservationInfo {
        principal: Some("p".into()),
        ..Default::default()
    });
    assert_eq!(
        resource_from_v1(&dynamically),
        Ok(scalar("cpus", 555.5).reserved(dynamic("foo", Some("p"))))
    );
    let mut star = v1_cpus();
    star.role = Some("*".into());
    assert_eq!(resource_from_v1(&star), Ok(scalar("cpus", 555.5)));
    assert_eq!(resource_to_v1(&scalar("cpus", 555.5)), v1_cpus());
}

#[test]
fn endpoint_format_must_agree_with_itself() {
    let reservation = |kind: i32, role: &str, principal: &str| v1::resource::ReservationInfo {
        r#type: Some(kind),
        role: Some(role.into()),
        principal: Some(principal.into()),
        labels: None,
    };
    let mut endpoint = v1_cpus();
    endpoint.role = Some("r1".into());
    endpoint.reservation = Some(v1::resource::ReservationInfo {
        principal: Some("principal1".into()),
        ..Default::default()
    });
    endpoint.reservations = vec![reservation(2, "r1", "principal1")];
    assert!(resource_from_v1(&endpoint).is_ok());

    let mut cases: Vec<(v1::Resource, &str)> = Vec::new();
    let mut wrong_role = endpoint.clone();
    wrong_role.reservations[0].role = Some("r2".into());
    cases.push((wrong_role, "Invalid resource format: 'Resource.role' field with 'r1' does not match the role 'r2' in 'Resource.reservations'"));
    let mut wrong_type = endpoint.clone();
    wrong_type.reservations[0].r#type = Some(1);
    cases.push((wrong_type, "Invalid resource format: 'Resource.reservation' must not be set if the single reservation in 'Resource.reservations' is STATIC"));
    let mut wrong_principal = endpoint.clone();
    wrong_principal.reservation = Some(v1::resource::ReservationInfo {
        principal: Some("principal2".into()),
        ..Default::default()
    });
    cases.push((wrong_principal, "Invalid resource format: 'Resource.reservation.principal' field with 'principal2' does not match the principal 'principal1' in 'Resource.reservations'"));
    let mut refined = endpoint.clone();
    refined
        .reservations
        .push(reservation(2, "r1/r2", "principal1"));
    cases.push((refined, "Invalid resource format: 'Resource.role' must not be set if there is more than one reservation in 'Resource.reservations'"));
    let mut typed = v1_cpus();
    typed.role = Some("r".into());
    typed.reservation = Some(reservation(2, "r", "p"));
    cases.push((
        typed,
        "'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field",
    ));
    let mut unknown_type = v1_cpus();
    unknown_type.r#type = 7;
    cases.push((unknown_type, "Invalid resource type: unknown type 7"));
    let mut unknown_source = v1_cpus();
    unknown_source.name = "disk".into();
    unknown_source.disk = Some(v1::resource::DiskInfo {
        source: Some(v1::resource::disk_info::Source {
            r#type: 0,
            ..Default::default()
        }),
        ..Default::default()
    });
    cases.push((unknown_source, "Unsupported 'DiskInfo.Source.Type': 0"));
    for (resource, message) in cases {
        let error = resource_from_v1(&resource).expect_err(message);
        assert_eq!(error.to_string(), message);
    }
    let invalid = Resources::from_proto_v1(&[v1::Resource {
        name: String::new(),
        ..v1_cpus()
    }]);
    assert!(
        matches!(invalid, Err(ref e) if e.error == InvalidResource::EmptyName),
        "{invalid:?}"
    );
}

#[test]
fn v0_and_v1_agree() {
    let all = sample();
    let through_v0 = Resources::from_proto_v0(&all.to_proto_v0()).expect("valid");
    let through_v1 = Resources::from_proto_v1(&all.to_proto_v1()).expect("valid");
    assert_eq!(through_v0, through_v1);
    let bytes_v0: Vec<Vec<u8>> = all
        .to_proto_v0()
        .iter()
        .map(Message::encode_to_vec)
        .collect();
    let bytes_v1: Vec<Vec<u8>> = all
        .to_proto_v1()
        .iter()
        .map(Message::encode_to_vec)
        .collect();
    assert_eq!(bytes_v0, bytes_v1, "the two packages share field numbers");
    let decoded: Vec<v0::Resource> = bytes_v1
        .iter()
        .map(|b| v0::Resource::decode(b.as_slice()).expect("decodes"))
        .collect();
    assert_eq!(Resources::from_proto_v0(&decoded), Ok(all));
}
