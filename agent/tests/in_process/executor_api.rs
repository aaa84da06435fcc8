//! `/api/v1/executor` answers bad calls as Mesos does, and serves a pymesos-shaped
//! executor (hand-written JSON, base64 uuids, `Connection: close`) end to end.

use base64::Engine;
use libprocess::{Method, Request, http::Body};
use proto::{internal::StatusUpdateMessage, v0::TaskState, v1};
use serde_json::json;

use crate::support::{FRAMEWORK, Harness, answered, body_text};

fn with_subscribed_executor() -> Harness {
    let harness = Harness::registered();
    harness.run_task(harness.command_task("t1", "sleep 100"));
    harness
}

#[test]
fn bad_requests_get_mesoss_status_codes() {
    let harness = with_subscribed_executor();
    let get = answered(
        harness
            .runtime
            .http(Request::new(Method::Get, "/api/v1/executor")),
    );
    assert_eq!(get.status, 405);
    assert_eq!(get.headers.get("Allow"), Some("POST"));

    let plain =
        answered(harness.runtime.http(
            Request::post("/api/v1/executor", "{}").with_header("Content-Type", "text/plain"),
        ));
    assert_eq!(plain.status, 415);

    let no_type = answered(
        harness
            .runtime
            .http(Request::post("/api/v1/executor", "{}")),
    );
    assert_eq!(no_type.status, 400);

    let cases: Vec<(String, u16, &str)> = vec![
        (
            "{not json".into(),
            400,
            "Failed to convert JSON into Call protobuf",
        ),
        (
            json!({"type": "SUBSCRIBE", "framework_id": {"value": FRAMEWORK}}).to_string(),
            400,
            "Failed to convert JSON into Call protobuf",
        ),
        (
            json!({"framework_id": {"value": FRAMEWORK}, "executor_id": {"value": "t1"}})
                .to_string(),
            400,
            "Expecting 'type' to be present",
        ),
        (
            json!({"type": "SUBSCRIBE", "framework_id": {"value": "nope"},
                   "executor_id": {"value": "t1"}, "subscribe": {}})
            .to_string(),
            400,
            "Framework cannot be found",
        ),
        (
            json!({"type": "SUBSCRIBE", "framework_id": {"value": FRAMEWORK},
                   "executor_id": {"value": "nope"}, "subscribe": {}})
            .to_string(),
            400,
            "Executor cannot be found",
        ),
        (
            json!({"type": "MESSAGE", "framework_id": {"value": FRAMEWORK},
                   "executor_id": {"value": "t1"}, "message": {"data": "aGk="}})
            .to_string(),
            403,
            "Executor is not subscribed",
        ),
    ];
    for (body, status, message) in cases {
        let response = harness.post_json(&body);
        assert_eq!(response.status, status, "{body}: {}", body_text(&response));
        assert!(
            body_text(&response).contains(message),
            "{body}: {}",
            body_text(&response)
        );
    }

    // A SUBSCRIBE that accepts neither JSON nor protobuf.
    let subscribe = json!({"type": "SUBSCRIBE", "framework_id": {"value": FRAMEWORK},
                           "executor_id": {"value": "t1"}, "subscribe": {}})
    .to_string();
    let response = answered(
        harness.runtime.http(
            Request::post("/api/v1/executor", subscribe)
                .with_header("Content-Type", "application/json")
                .with_header("Accept", "text/html"),
        ),
    );
    assert_eq!(response.status, 406);

    // Heartbeats need no lookup.
    let heartbeat = json!({"type": "HEARTBEAT", "framework_id": {"value": "x"},
                           "executor_id": {"value": "y"}})
    .to_string();
    assert_eq!(harness.post_json(&heartbeat).status, 202);
}

#[test]
fn bad_updates_are_refused_and_change_nothing() {
    let harness = with_subscribed_executor();
    let mut fake = harness.subscribe("t1");
    fake.events();
    let mut cases = Vec::new();
    let staging = harness.update_call("t1", "t1", v1::TaskState::TaskStaging, 1);
    cases.push((staging.clone(), "TASK_STAGING"));
    let mut short_uuid = harness.update_call("t1", "t1", v1::TaskState::TaskRunning, 1);
    short_uuid.update.as_mut().unwrap().status.uuid = Some(vec![1; 4]);
    cases.push((short_uuid, "Not a valid UUID"));
    let mut no_uuid = harness.update_call("t1", "t1", v1::TaskState::TaskRunning, 1);
    no_uuid.update.as_mut().unwrap().status.uuid = None;
    cases.push((no_uuid, "Expecting 'uuid' to be present"));
    let mut wrong_source = harness.update_call("t1", "t1", v1::TaskState::TaskRunning, 1);
    wrong_source.update.as_mut().unwrap().status.source =
        Some(v1::task_status::Source::Master as i32);
    cases.push((wrong_source, "expecting 'SOURCE_EXECUTOR'"));
    let mut wrong_executor = harness.update_call("t1", "t1", v1::TaskState::TaskRunning, 1);
    wrong_executor.update.as_mut().unwrap().status.executor_id =
        Some(v1::ExecutorId { value: "e2".into() });
    cases.push((wrong_executor, "does not match ExecutorID"));
    for (call, message) in cases {
        let response = harness.call(&call);
        assert_eq!(response.status, 400, "{}", body_text(&response));
        assert!(
            body_text(&response).contains(message),
            "{}",
            body_text(&response)
        );
    }
    // An update for a task no executor has goes to the master as it is (as Mesos does),
    // but no executor is told it was taken.
    harness.executor_update("t1", "unknown-task", v1::TaskState::TaskRunning, 5);
    let forwarded = harness.messages::<StatusUpdateMessage>();
    assert_eq!(forwarded.len(), 1);
    assert_eq!(forwarded[0].update.status.task_id.value, "unknown-task");
    assert!(
        fake.events().is_empty(),
        "no ACKNOWLEDGED for a task nobody has"
    );
    assert_eq!(
        harness.state()["frameworks"][0]["executors"][0]["tasks"][0]["state"],
        "TASK_STAGING"
    );
}

#[test]
fn a_pymesos_shaped_executor_works_end_to_end() {
    let harness = with_subscribed_executor();
    // pymesos's SUBSCRIBE: JSON, Connection: close, the tasks it has not had acknowledged.
    let subscribe = json!({
        "type": "SUBSCRIBE",
        "framework_id": {"value": FRAMEWORK},
        "executor_id": {"value": "t1"},
        "subscribe": {"unacknowledged_tasks": [], "unacknowledged_updates": []}
    });
    let response = answered(
        harness.runtime.http(
            Request::post("/api/v1/executor", subscribe.to_string())
                .with_header("Content-Type", "application/json")
                .with_header("Accept", "application/json")
                .with_header("Connection", "close"),
        ),
    );
    assert_eq!(response.status, 200);
    assert!(response.headers.get("Mesos-Stream-Id").is_none());
    let Body::Stream(mut reader) = response.body else {
        panic!("not a stream")
    };
    harness.settle();
    let mut decoder = proto::recordio::Decoder::new(1 << 20);
    let mut records = Vec::new();
    while let Some(chunk) = reader.try_next() {
        records.extend(decoder.decode(&chunk).unwrap());
    }
    let first: serde_json::Value = serde_json::from_slice(&records[0]).unwrap();
    assert_eq!(first["type"], "SUBSCRIBED");
    // pymesos compares these two objects by equality.
    assert_eq!(
        first["subscribed"]["executor_info"]["executor_id"],
        json!({"value": "t1"})
    );
    assert_eq!(
        first["subscribed"]["framework_info"]["id"],
        json!({"value": FRAMEWORK})
    );
    assert!(first["subscribed"]["agent_info"].is_object());
    let second: serde_json::Value = serde_json::from_slice(&records[1]).unwrap();
    assert_eq!(second["type"], "LAUNCH");
    assert_eq!(second["launch"]["task"]["task_id"]["value"], "t1");

    // pymesos's UPDATE: base64 uuid, integer timestamp, no agent or executor id.
    let uuid = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
    let update = json!({
        "type": "UPDATE",
        "framework_id": {"value": FRAMEWORK},
        "executor_id": {"value": "t1"},
        "update": {"status": {
            "task_id": {"value": "t1"},
            "state": "TASK_RUNNING",
            "timestamp": 1234,
            "uuid": uuid,
            "source": "SOURCE_EXECUTOR"
        }}
    });
    let response = harness.post_json(&update.to_string());
    assert_eq!(response.status, 202, "{}", body_text(&response));
    let mut acked = Vec::new();
    while let Some(chunk) = reader.try_next() {
        acked.extend(decoder.decode(&chunk).unwrap());
    }
    let ack: serde_json::Value = serde_json::from_slice(&acked[0]).unwrap();
    assert_eq!(ack["type"], "ACKNOWLEDGED");
    assert_eq!(ack["acknowledged"]["uuid"], uuid);
    assert_eq!(ack["acknowledged"]["task_id"]["value"], "t1");

    let forwarded = harness.messages::<StatusUpdateMessage>();
    assert_eq!(forwarded.len(), 1);
    let status = &forwarded[0].update.status;
    assert_eq!(status.state, TaskState::TaskRunning as i32);
    assert_eq!(status.timestamp, Some(1234.0));
    assert_eq!(status.slave_id.as_ref().unwrap().value, "M-S0");
    assert_eq!(
        status.executor_id, None,
        "kept only when the executor sent it"
    );
}
