//! Tests of v0 <-> v1 conversion: every re-encoded pair shares its wire format, and the
//! important pairs round-trip with their data intact.

use std::collections::{BTreeSet, HashSet};

use prost_reflect::{Kind, MessageDescriptor};

use super::*;
use crate::descriptor_pool;

/// The wire shape of a field: number, wire-relevant kind, list or not.
fn wire_kind(kind: &Kind) -> String {
    match kind {
        Kind::Message(_) => "message".to_owned(),
        Kind::Enum(_) => "enum".to_owned(),
        other => format!("{other:?}"),
    }
}

/// Fails the test unless `v0` and `v1` (and every message they reach) encode alike.
fn assert_same_wire_format(
    v0: &MessageDescriptor,
    v1: &MessageDescriptor,
    seen: &mut HashSet<(String, String)>,
) {
    if !seen.insert((v0.full_name().to_owned(), v1.full_name().to_owned())) {
        return;
    }
    // The only field one twin has and the other lacks: v0's deprecated SlaveInfo.checkpoint,
    // which evolve drops (as Mesos does).
    let shape = |message: &MessageDescriptor| -> BTreeSet<(u32, String, bool, bool)> {
        message
            .fields()
            .filter(|field| field.full_name() != "mesos.SlaveInfo.checkpoint")
            .map(|field| {
                (
                    field.number(),
                    wire_kind(&field.kind()),
                    field.is_list(),
                    field.is_map(),
                )
            })
            .collect()
    };
    assert_eq!(
        shape(v0),
        shape(v1),
        "{} vs {}",
        v0.full_name(),
        v1.full_name()
    );
    for v0_field in v0.fields() {
        let Some(v1_field) = v1.get_field(v0_field.number()) else {
            continue;
        };
        match (v0_field.kind(), v1_field.kind()) {
            (Kind::Message(v0_child), Kind::Message(v1_child)) => {
                assert_same_wire_format(&v0_child, &v1_child, seen);
            }
            (Kind::Enum(v0_enum), Kind::Enum(v1_enum)) => {
                let numbers = |values: prost_reflect::EnumDescriptor| -> BTreeSet<i32> {
                    values.values().map(|value| value.number()).collect()
                };
                assert_eq!(
                    numbers(v0_enum),
                    numbers(v1_enum),
                    "{}",
                    v0_field.full_name()
                );
            }
            _ => {}
        }
    }
}

#[test]
fn every_reencoded_pair_shares_its_wire_format() {
    let pool = descriptor_pool();
    let mut seen = HashSet::new();
    for (v0_name, v1_name) in REENCODED_TWINS {
        let v0 = pool.get_message_by_name(&v0_name()).unwrap();
        let v1 = pool.get_message_by_name(&v1_name()).unwrap();
        assert_same_wire_format(&v0, &v1, &mut seen);
    }
    assert!(seen.len() > REENCODED_TWINS.len());
}

fn sample_resource() -> v1::Resource {
    v1::Resource {
        name: "ports".to_owned(),
        r#type: v1::value::Type::Ranges as i32,
        ranges: Some(v1::value::Ranges {
            range: vec![v1::value::Range {
                begin: 31000,
                end: 32000,
            }],
        }),
        reservations: vec![v1::resource::ReservationInfo {
            r#type: Some(v1::resource::reservation_info::Type::Dynamic as i32),
            role: Some("eng/web".to_owned()),
            principal: Some("ops".to_owned()),
            labels: None,
        }],
        allocation_info: Some(v1::resource::AllocationInfo {
            role: Some("eng/web".to_owned()),
        }),
        ..Default::default()
    }
}

fn sample_task_info() -> v1::TaskInfo {
    v1::TaskInfo {
        name: "web".to_owned(),
        task_id: v1::TaskId {
            value: "web-1".to_owned(),
        },
        agent_id: v1::AgentId {
            value: "S1".to_owned(),
        },
        resources: vec![sample_resource()],
        command: Some(v1::CommandInfo {
            value: Some("sleep 10".to_owned()),
            ..Default::default()
        }),
        data: Some(b"\x00\xffpayload".to_vec()),
        ..Default::default()
    }
}

#[test]
fn task_info_and_resource_round_trip() {
    let task = sample_task_info();
    let v0_task: v0::TaskInfo = devolve(&task);
    assert_eq!(v0_task.slave_id.value, "S1");
    assert_eq!(
        v0_task.resources[0].ranges,
        Some(v0::value::Ranges {
            range: vec![v0::value::Range {
                begin: 31000,
                end: 32000
            }],
        })
    );
    assert_eq!(evolve(&v0_task), task);
    assert_eq!(evolve(&devolve(&sample_resource())), sample_resource());
}

#[test]
fn task_status_framework_info_executor_info_and_offer_round_trip() {
    let status = v1::TaskStatus {
        task_id: v1::TaskId {
            value: "t".to_owned(),
        },
        state: v1::TaskState::TaskRunning as i32,
        source: Some(v1::task_status::Source::Agent as i32),
        reason: Some(v1::task_status::Reason::AgentRestarted as i32),
        agent_id: Some(v1::AgentId {
            value: "S1".to_owned(),
        }),
        uuid: Some(vec![7; 16]),
        ..Default::default()
    };
    let v0_status: v0::TaskStatus = devolve(&status);
    assert_eq!(
        v0_status.source,
        Some(v0::task_status::Source::Slave as i32)
    );
    assert_eq!(
        v0_status.reason,
        Some(v0::task_status::Reason::SlaveRestarted as i32)
    );
    assert_eq!(evolve(&v0_status), status);

    let framework = v1::FrameworkInfo {
        user: "root".to_owned(),
        name: "marathon".to_owned(),
        roles: vec!["a".to_owned(), "b/c".to_owned()],
        failover_timeout: Some(604800.0),
        ..Default::default()
    };
    assert_eq!(evolve(&devolve(&framework)), framework);

    let executor = v1::ExecutorInfo {
        executor_id: v1::ExecutorId {
            value: "e".to_owned(),
        },
        resources: vec![sample_resource()],
        ..Default::default()
    };
    assert_eq!(evolve(&devolve(&executor)), executor);

    let offer = v1::Offer {
        id: v1::OfferId {
            value: "O1".to_owned(),
        },
        framework_id: v1::FrameworkId {
            value: "F1".to_owned(),
        },
        agent_id: v1::AgentId {
            value: "S1".to_owned(),
        },
        hostname: "host".to_owned(),
        resources: vec![sample_resource()],
        ..Default::default()
    };
    let v0_offer: v0::Offer = devolve(&offer);
    assert_eq!(v0_offer.slave_id.value, "S1");
    assert_eq!(evolve(&v0_offer), offer);
}

#[test]
fn agent_info_and_slave_info_convert_and_v0_checkpoint_is_dropped() {
    let agent = v1::AgentInfo {
        hostname: "host".to_owned(),
        port: Some(5051),
        id: Some(v1::AgentId {
            value: "S1".to_owned(),
        }),
        resources: vec![sample_resource()],
        ..Default::default()
    };
    let mut slave: v0::SlaveInfo = devolve(&agent);
    assert_eq!(slave.hostname, "host");
    assert_eq!(
        slave.id,
        Some(v0::SlaveId {
            value: "S1".to_owned()
        })
    );
    slave.checkpoint = Some(true);
    assert_eq!(evolve(&slave), agent);
}

#[test]
fn scheduler_subscribe_moves_between_shifted_field_numbers() {
    let call = v1::scheduler::Call {
        r#type: Some(v1::scheduler::call::Type::Subscribe as i32),
        subscribe: Some(v1::scheduler::call::Subscribe {
            framework_info: v1::FrameworkInfo {
                user: "u".to_owned(),
                name: "n".to_owned(),
                ..Default::default()
            },
            suppressed_roles: vec!["quiet".to_owned()],
            offer_constraints: Some(v1::scheduler::OfferConstraints::default()),
        }),
        ..Default::default()
    };
    let v0_call: v0::scheduler::Call = devolve(&call);
    let v0_subscribe = v0_call.subscribe.clone().unwrap();
    assert_eq!(v0_subscribe.suppressed_roles, vec!["quiet".to_owned()]);
    assert_eq!(v0_subscribe.force, None);
    assert!(v0_subscribe.offer_constraints.is_some());
    assert_eq!(evolve(&v0_call), call);

    let mut forced = v0_call;
    if let Some(subscribe) = forced.subscribe.as_mut() {
        subscribe.force = Some(true);
    }
    assert_eq!(evolve(&forced), call);
}
