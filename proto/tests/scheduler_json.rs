//! Scheduler API JSON: every Call and Event type, with JSON written from the examples of
//! Mesos's scheduler HTTP API documentation, through JSON and protobuf round trips.

mod common;

use common::round_trip;
use proto::v1::scheduler::{Call, Event, call, event};
use proto::v1::{TaskState, task_status};

/// Framework info fields with non-deprecated defaults, which Mesos always writes.
fn framework_defaults(prefix: &str) -> Vec<String> {
    vec![
        format!("{prefix}.checkpoint"),
        format!("{prefix}.failover_timeout"),
    ]
}

#[test]
fn subscribe() {
    let (call, extra, dropped) = round_trip::<Call>(
        r#"{
          "type": "SUBSCRIBE",
          "subscribe": {
            "framework_info": {
              "user": "foo",
              "name": "Example HTTP Framework",
              "roles": ["test1", "test2"],
              "capabilities": [{"type": "MULTI_ROLE"}]
            },
            "suppressed_roles": ["test2"],
            "offer_constraints": {
              "role_constraints": {
                "test1": {
                  "groups": [{
                    "attribute_constraints": [{
                      "selector": {"attribute_name": "foo"},
                      "predicate": {"exists": {}}
                    }]
                  }]
                }
              }
            }
          }
        }"#,
    );
    assert_eq!(call.r#type, Some(call::Type::Subscribe as i32));
    let subscribe = call.subscribe.unwrap();
    assert_eq!(subscribe.framework_info.roles, ["test1", "test2"]);
    assert_eq!(subscribe.suppressed_roles, ["test2"]);
    assert!(
        subscribe
            .offer_constraints
            .unwrap()
            .role_constraints
            .contains_key("test1")
    );
    assert_eq!(extra, framework_defaults("subscribe.framework_info"));
    assert!(dropped.is_empty());
}

#[test]
fn teardown_decline_kill_shutdown_reconcile() {
    for (json, kind) in [
        (
            r#"{"framework_id": {"value": "12220-3440-12532-2345"}, "type": "TEARDOWN"}"#,
            call::Type::Teardown,
        ),
        (
            r#"{"framework_id": {"value": "12220-3440-12532-2345"}, "type": "DECLINE",
                "decline": {"offer_ids": [{"value": "12220-3440-12532-O12"},
                                          {"value": "12220-3440-12532-O13"}],
                            "filters": {"refuse_seconds": 5.0}}}"#,
            call::Type::Decline,
        ),
        (
            r#"{"framework_id": {"value": "12220-3440-12532-2345"}, "type": "KILL",
                "kill": {"task_id": {"value": "12220-3440-12532-my-task"},
                         "agent_id": {"value": "12220-3440-12532-S1233"}}}"#,
            call::Type::Kill,
        ),
        (
            r#"{"framework_id": {"value": "12220-3440-12532-2345"}, "type": "SHUTDOWN",
                "shutdown": {"executor_id": {"value": "123450-2340-1232-my-executor"},
                             "agent_id": {"value": "12220-3440-12532-S1233"}}}"#,
            call::Type::Shutdown,
        ),
        (
            r#"{"framework_id": {"value": "12220-3440-12532-2345"}, "type": "RECONCILE",
                "reconcile": {"tasks": [{"task_id": {"value": "312325"},
                                         "agent_id": {"value": "123535"}}]}}"#,
            call::Type::Reconcile,
        ),
        (
            r#"{"framework_id": {"value": "12220-3440-12532-2345"}, "type": "RECONCILE_OPERATIONS",
                "reconcile_operations": {"operations": [{
                  "operation_id": {"value": "312325"},
                  "agent_id": {"value": "123535"},
                  "resource_provider_id": {"value": "927695"}}]}}"#,
            call::Type::ReconcileOperations,
        ),
    ] {
        let (call, extra, dropped) = round_trip::<Call>(json);
        assert_eq!(call.r#type, Some(kind as i32), "{json}");
        assert_eq!(call.framework_id.unwrap().value, "12220-3440-12532-2345");
        assert!(
            extra.is_empty() && dropped.is_empty(),
            "{extra:?} {dropped:?}"
        );
    }
}

#[test]
fn accept_with_launch() {
    // The documentation writes `limits` values as bare numbers; the field is a
    // map<string, Value.Scalar>, so they are objects here.
    let (call, extra, dropped) = round_trip::<Call>(
        r#"{
          "framework_id": {"value": "12220-3440-12532-2345"},
          "type": "ACCEPT",
          "accept": {
            "offer_ids": [{"value": "12220-3440-12532-O12"}],
            "operations": [{
              "type": "LAUNCH",
              "launch": {
                "task_infos": [{
                  "name": "My Task",
                  "task_id": {"value": "12220-3440-12532-my-task"},
                  "agent_id": {"value": "12220-3440-12532-S1233"},
                  "executor": {
                    "command": {"shell": true, "value": "sleep 1000"},
                    "executor_id": {"value": "12214-23523-my-executor"}
                  },
                  "resources": [
                    {"allocation_info": {"role": "engineering"}, "name": "cpus", "role": "*",
                     "type": "SCALAR", "scalar": {"value": 1.0}},
                    {"allocation_info": {"role": "engineering"}, "name": "mem", "role": "*",
                     "type": "SCALAR", "scalar": {"value": 128.0}}
                  ],
                  "limits": {"cpus": {"value": "Infinity"}, "mem": {"value": 512.0}}
                }]
              }
            }],
            "filters": {"refuse_seconds": 5.0}
          }
        }"#,
    );
    let accept = call.accept.unwrap();
    let task = &accept.operations[0].launch.as_ref().unwrap().task_infos[0];
    assert_eq!(task.resources[1].scalar.unwrap().value, 128.0);
    #[allow(deprecated)]
    let role = task.resources[0].role.as_deref();
    assert_eq!(role, Some("*"));
    assert!(task.limits["cpus"].value.is_infinite());
    assert_eq!(accept.filters.unwrap().refuse_seconds, Some(5.0));
    assert!(
        extra.is_empty() && dropped.is_empty(),
        "{extra:?} {dropped:?}"
    );
}

#[test]
fn inverse_offers_revive_suppress_request() {
    for (json, kind, expect_extra) in [
        (
            r#"{"framework_id": {"value": "f"}, "type": "ACCEPT_INVERSE_OFFERS",
                "accept_inverse_offers": {"inverse_offer_ids": [{"value": "o1"}]}}"#,
            call::Type::AcceptInverseOffers,
            false,
        ),
        (
            r#"{"framework_id": {"value": "f"}, "type": "DECLINE_INVERSE_OFFERS",
                "decline_inverse_offers": {"inverse_offer_ids": [{"value": "o1"}],
                                           "filters": {}}}"#,
            call::Type::DeclineInverseOffers,
            true,
        ),
        (
            r#"{"framework_id": {"value": "f"}, "type": "REVIVE", "revive": {"roles": ["eng"]}}"#,
            call::Type::Revive,
            false,
        ),
        (
            r#"{"framework_id": {"value": "f"}, "type": "SUPPRESS",
                "suppress": {"roles": ["eng", "ops"]}}"#,
            call::Type::Suppress,
            false,
        ),
        (
            r#"{"framework_id": {"value": "f"}, "type": "REQUEST",
                "request": {"requests": [{"agent_id": {"value": "12220-3440-12532-S1233"},
                                          "resources": []}]}}"#,
            call::Type::Request,
            false,
        ),
    ] {
        let (call, extra, dropped) = round_trip::<Call>(json);
        assert_eq!(call.r#type, Some(kind as i32));
        if expect_extra {
            // An empty Filters object comes back with its default.
            assert_eq!(extra, ["decline_inverse_offers.filters.refuse_seconds"]);
        } else {
            assert!(extra.is_empty(), "{extra:?}");
        }
        // Empty arrays are omitted on output.
        assert!(
            dropped.is_empty() || dropped == ["request.requests[0].resources"],
            "{dropped:?}"
        );
    }
}

#[test]
fn acknowledge_and_message_carry_base64_bytes() {
    let (call, extra, dropped) = round_trip::<Call>(
        r#"{"framework_id": {"value": "12220-3440-12532-2345"}, "type": "ACKNOWLEDGE",
            "acknowledge": {"agent_id": {"value": "12220-3440-12532-S1233"},
                            "task_id": {"value": "12220-3440-12532-my-task"},
                            "uuid": "AAECAwQFBgcICQoLDA0ODw=="}}"#,
    );
    assert_eq!(
        call.acknowledge.unwrap().uuid,
        (0u8..16).collect::<Vec<_>>()
    );
    assert!(extra.is_empty() && dropped.is_empty());

    let (call, _, _) = round_trip::<Call>(
        r#"{"framework_id": {"value": "12220-3440-12532-2345"}, "type": "MESSAGE",
            "message": {"agent_id": {"value": "12220-3440-12532-S1233"},
                        "executor_id": {"value": "my-framework-executor"},
                        "data": "aGVsbG8gZXhlY3V0b3I="}}"#,
    );
    assert_eq!(call.message.unwrap().data, b"hello executor");
}

#[test]
fn acknowledge_operation_status_rejects_the_documented_string_operation_id() {
    // The documentation's example gives operation_id as a string; it is an OperationID
    // message, so Mesos (and we) reject it, naming the field.
    let error = proto::json::from_str::<Call>(
        r#"{"framework_id": {"value": "f"}, "type": "ACKNOWLEDGE_OPERATION_STATUS",
            "acknowledge_operation_status": {
              "agent_id": {"value": "12220-3440-12532-S1233"},
              "resource_provider_id": {"value": "12220-3440-12532-rp"},
              "uuid": "AAECAwQFBgcICQoLDA0ODw==",
              "operation_id": "73jhakdlfha723adf"}}"#,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("acknowledge_operation_status.operation_id"),
        "{error}"
    );

    let (call, _, _) = round_trip::<Call>(
        r#"{"framework_id": {"value": "f"}, "type": "ACKNOWLEDGE_OPERATION_STATUS",
            "acknowledge_operation_status": {
              "agent_id": {"value": "12220-3440-12532-S1233"},
              "resource_provider_id": {"value": "12220-3440-12532-rp"},
              "uuid": "AAECAwQFBgcICQoLDA0ODw==",
              "operation_id": {"value": "73jhakdlfha723adf"}}}"#,
    );
    assert_eq!(
        call.acknowledge_operation_status
            .unwrap()
            .operation_id
            .value,
        "73jhakdlfha723adf"
    );
}

#[test]
fn update_framework() {
    let (call, extra, _) = round_trip::<Call>(
        r#"{"type": "UPDATE_FRAMEWORK",
            "update_framework": {
              "framework_info": {"user": "foo", "name": "Example HTTP Framework",
                                 "roles": ["test1", "test2"],
                                 "capabilities": [{"type": "MULTI_ROLE"}]},
              "suppressed_roles": ["test2"]}}"#,
    );
    assert_eq!(call.update_framework.unwrap().suppressed_roles, ["test2"]);
    assert_eq!(extra, framework_defaults("update_framework.framework_info"));
}

#[test]
fn subscribed_offers_and_rescind_events() {
    let (event, extra, dropped) = round_trip::<Event>(
        r#"{"type": "SUBSCRIBED",
            "subscribed": {"framework_id": {"value": "12220-3440-12532-2345"},
                           "heartbeat_interval_seconds": 15}}"#,
    );
    assert_eq!(
        event.subscribed.unwrap().heartbeat_interval_seconds,
        Some(15.0)
    );
    assert!(extra.is_empty() && dropped.is_empty());

    let (event, extra, dropped) = round_trip::<Event>(
        r#"{"type": "OFFERS",
            "offers": {"offers": [{
              "allocation_info": {"role": "engineering"},
              "id": {"value": "12214-23523-O235235"},
              "framework_id": {"value": "12124-235325-32425"},
              "agent_id": {"value": "12325-23523-S23523"},
              "hostname": "agent.host",
              "resources": [{"allocation_info": {"role": "engineering"}, "name": "cpus",
                             "type": "SCALAR", "scalar": {"value": 2}, "role": "*"}],
              "attributes": [{"name": "os", "type": "TEXT", "text": {"value": "ubuntu16.04"}}],
              "executor_ids": [{"value": "12214-23523-my-executor"}]}]}}"#,
    );
    let offer = &event.offers.unwrap().offers[0];
    assert_eq!(offer.agent_id.value, "12325-23523-S23523");
    assert_eq!(
        offer.attributes[0].text.as_ref().unwrap().value,
        "ubuntu16.04"
    );
    assert!(extra.is_empty() && dropped.is_empty());

    let (event, _, _) = round_trip::<Event>(
        r#"{"type": "RESCIND", "rescind": {"offer_id": {"value": "12214-23523-O235235"}}}"#,
    );
    assert_eq!(event.rescind.unwrap().offer_id.value, "12214-23523-O235235");

    let (event, _, _) = round_trip::<Event>(
        r#"{"type": "INVERSE_OFFERS", "inverse_offers": {"inverse_offers": [{
              "id": {"value": "io1"}, "framework_id": {"value": "f"},
              "agent_id": {"value": "a"},
              "unavailability": {"start": {"nanoseconds": 1500000000000000000}}}]}}"#,
    );
    let inverse = &event.inverse_offers.unwrap().inverse_offers[0];
    assert_eq!(
        inverse.unavailability.start.nanoseconds,
        1_500_000_000_000_000_000
    );

    let (event, _, _) = round_trip::<Event>(
        r#"{"type": "RESCIND_INVERSE_OFFER",
            "rescind_inverse_offer": {"inverse_offer_id": {"value": "io1"}}}"#,
    );
    assert_eq!(event.r#type, Some(event::Type::RescindInverseOffer as i32));
}

#[test]
fn update_events() {
    // The documentation's UPDATE example also carries a "bytes" key, which names no field and
    // is ignored.
    let (event, extra, dropped) = round_trip::<Event>(
        r#"{"type": "UPDATE",
            "update": {"status": {"task_id": {"value": "12344-my-task"},
                                  "state": "TASK_RUNNING",
                                  "source": "SOURCE_EXECUTOR",
                                  "uuid": "adfadfadbhgvjayd23r2uahj",
                                  "bytes": "uhdjfhuagdj63d7hadkf"}}}"#,
    );
    let status = event.update.unwrap().status;
    assert_eq!(status.state, TaskState::TaskRunning as i32);
    assert_eq!(status.source, Some(task_status::Source::Executor as i32));
    assert_eq!(status.uuid.as_ref().map(Vec::len), Some(18));
    assert!(extra.is_empty());
    assert_eq!(dropped, ["update.status.bytes"]);

    let (event, _, _) = round_trip::<Event>(
        r#"{"type": "UPDATE_OPERATION_STATUS",
            "update_operation_status": {"status": {
              "operation_id": {"value": "operation-1234"},
              "state": "OPERATION_FAILED",
              "uuid": {"value": "AAECAwQFBgcICQoLDA0ODw=="},
              "agent_id": {"value": "12214-23523-S235235"},
              "resource_provider_id": {"value": "83978-17885-1089645"}}}}"#,
    );
    let status = event.update_operation_status.unwrap().status;
    assert_eq!(
        status.state,
        proto::v1::OperationState::OperationFailed as i32
    );
    assert_eq!(status.uuid.unwrap().value.len(), 16);
}

#[test]
fn message_failure_error_heartbeat_events() {
    let (event, _, _) = round_trip::<Event>(
        r#"{"type": "MESSAGE",
            "message": {"agent_id": {"value": "12214-23523-S235235"},
                        "executor_id": {"value": "12214-23523-my-executor"},
                        "data": "adfadf3t2wa3353dfadf"}}"#,
    );
    assert_eq!(event.message.unwrap().data.len(), 15);

    let (event, _, _) = round_trip::<Event>(
        r#"{"type": "FAILURE",
            "failure": {"agent_id": {"value": "12214-23523-S235235"},
                        "executor_id": {"value": "12214-23523-my-executor"},
                        "status": 1}}"#,
    );
    assert_eq!(event.failure.unwrap().status, Some(1));

    // The documentation puts "message" at the top level, where `message` is the MESSAGE
    // event's payload (an object), so the example is rejected naming the field;
    // Event.error.message is where the text goes.
    let error = proto::json::from_str::<Event>(
        r#"{"type": "ERROR", "message": "Framework is not authorized"}"#,
    )
    .unwrap_err();
    assert_eq!(error.to_string(), "expected a JSON object for message");
    let (event, _, _) = round_trip::<Event>(
        r#"{"type": "ERROR", "error": {"message": "Framework is not authorized"}}"#,
    );
    assert_eq!(event.error.unwrap().message, "Framework is not authorized");

    let (event, extra, dropped) = round_trip::<Event>(r#"{"type": "HEARTBEAT"}"#);
    assert_eq!(event.r#type, Some(event::Type::Heartbeat as i32));
    assert!(extra.is_empty() && dropped.is_empty());
    assert_eq!(proto::json::to_string(&event), r#"{"type":"HEARTBEAT"}"#);
}
