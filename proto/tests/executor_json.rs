//! Executor API JSON: every Call and Event type, with JSON written from the examples of
//! Mesos's executor HTTP API documentation, through JSON and protobuf round trips.

mod common;

use common::round_trip;
use proto::v1::executor::{Call, Event, call, event};

const EXECUTOR: &str = r#""executor_id": {"value": "387aa966-8fc5-4428-a794-5a868a60d3eb"},
    "framework_id": {"value": "49154f1b-8cf6-4421-bf13-8bd11dccd1f1"}"#;

#[test]
fn subscribe_with_unacknowledged_tasks_and_updates() {
    // Each unacknowledged update is a Call.Update, which has only `status`: the example's
    // `framework_id` there names no field and is ignored.
    let (call, extra, dropped) = round_trip::<Call>(&format!(
        r#"{{"type": "SUBSCRIBE", {EXECUTOR},
            "subscribe": {{
              "unacknowledged_tasks": [{{
                "name": "dummy-task",
                "task_id": {{"value": "d40f3f3e-bbe3-44af-a230-4cb1eae72f67"}},
                "agent_id": {{"value": "f1c9cdc5-195e-41a7-a0d7-adaa9af07f81"}},
                "command": {{"value": "ls", "arguments": ["-l", "\/tmp"]}}}}],
              "unacknowledged_updates": [{{
                "framework_id": {{"value": "49154f1b-8cf6-4421-bf13-8bd11dccd1f1"}},
                "status": {{
                  "source": "SOURCE_EXECUTOR",
                  "task_id": {{"value": "d40f3f3e-bbe3-44af-a230-4cb1eae72f67"}},
                  "state": "TASK_RUNNING",
                  "uuid": "ZDQwZjNmM2UtYmJlMy00NGFmLWEyMzAtNGNiMWVhZTcyZjY3Cg=="}}}}]}}}}"#
    ));
    assert_eq!(call.r#type, Some(call::Type::Subscribe as i32));
    let subscribe = call.subscribe.unwrap();
    assert_eq!(
        subscribe.unacknowledged_tasks[0]
            .command
            .as_ref()
            .unwrap()
            .arguments,
        ["-l", "/tmp"]
    );
    assert_eq!(
        subscribe.unacknowledged_updates[0].status.uuid.as_deref(),
        Some(&b"d40f3f3e-bbe3-44af-a230-4cb1eae72f67\n"[..])
    );
    // CommandInfo.shell defaults to true.
    assert_eq!(extra, ["subscribe.unacknowledged_tasks[0].command.shell"]);
    assert_eq!(
        dropped,
        ["subscribe.unacknowledged_updates[0].framework_id"]
    );
}

#[test]
fn update_message_and_heartbeat_calls() {
    let (call, extra, dropped) = round_trip::<Call>(&format!(
        r#"{{{EXECUTOR}, "type": "UPDATE",
            "update": {{"status": {{
              "executor_id": {{"value": "387aa966-8fc5-4428-a794-5a868a60d3eb"}},
              "source": "SOURCE_EXECUTOR", "state": "TASK_RUNNING",
              "task_id": {{"value": "66724cec-2609-4fa0-8d93-c5fb2099d0f8"}},
              "uuid": "ZDQwZjNmM2UtYmJlMy00NGFmLWEyMzAtNGNiMWVhZTcyZjY3Cg=="}}}}}}"#
    ));
    assert_eq!(
        call.update.unwrap().status.task_id.value,
        "66724cec-2609-4fa0-8d93-c5fb2099d0f8"
    );
    assert!(extra.is_empty() && dropped.is_empty());

    let (call, _, _) = round_trip::<Call>(&format!(
        r#"{{{EXECUTOR}, "type": "MESSAGE", "message": {{"data": "t+Wonz5fRFKMzCnEptlv5A=="}}}}"#
    ));
    assert_eq!(call.message.unwrap().data.len(), 16);

    let (call, _, _) = round_trip::<Call>(&format!(r#"{{{EXECUTOR}, "type": "HEARTBEAT"}}"#));
    assert_eq!(call.r#type, Some(call::Type::Heartbeat as i32));
}

#[test]
fn calls_require_executor_and_framework_ids() {
    let error =
        proto::json::from_str::<Call>(r#"{"type": "HEARTBEAT", "executor_id": {"value": "e"}}"#)
            .unwrap_err();
    assert_eq!(error.to_string(), "missing required field 'framework_id'");
}

#[test]
fn subscribed_event() {
    // The documentation's example gives agent_info as {"host", "port"}; AgentInfo requires
    // `hostname`, so Mesos (and we) reject it, naming the field.
    let documented = r#"{"type": "SUBSCRIBED", "subscribed": {
        "executor_info": {"executor_id": {"value": "387aa966"},
                          "command": {"value": "\/path\/to\/executor"},
                          "framework_id": {"value": "49154f1b"}},
        "framework_info": {"user": "foo", "name": "my_framework"},
        "agent_id": {"value": "f1c9cdc5"},
        "agent_info": {"host": "agenthost", "port": 5051}}}"#;
    let error = proto::json::from_str::<Event>(documented).unwrap_err();
    assert_eq!(
        error.to_string(),
        "missing required field 'subscribed.agent_info.hostname'"
    );

    let (event, extra, dropped) =
        round_trip::<Event>(&documented.replace("\"host\"", "\"hostname\""));
    let subscribed = event.subscribed.unwrap();
    assert_eq!(subscribed.agent_info.hostname, "agenthost");
    assert_eq!(subscribed.agent_info.port, Some(5051));
    assert_eq!(
        extra,
        [
            "subscribed.executor_info.command.shell",
            "subscribed.framework_info.checkpoint",
            "subscribed.framework_info.failover_timeout",
        ]
    );
    assert_eq!(dropped, ["subscribed.agent_id"]);
}

#[test]
fn launch_and_launch_group_events() {
    let task = r#"{"name": "dummy-task",
        "task_id": {"value": "d40f3f3e-bbe3-44af-a230-4cb1eae72f67"},
        "agent_id": {"value": "f1c9cdc5-195e-41a7-a0d7-adaa9af07f81"},
        "command": {"value": "sleep", "arguments": ["100"]}}"#;
    let (event, _, dropped) = round_trip::<Event>(&format!(
        r#"{{"type": "LAUNCH", "launch": {{
              "framework_info": {{"id": {{"value": "49154f1b"}}, "user": "foo", "name": "f"}},
              "task": {task}}}}}"#
    ));
    assert_eq!(event.launch.unwrap().task.name, "dummy-task");
    assert_eq!(dropped, ["launch.framework_info"]);

    let (event, _, _) = round_trip::<Event>(&format!(
        r#"{{"type": "LAUNCH_GROUP", "launch_group": {{"task_group": {{"tasks": [{task}]}}}}}}"#
    ));
    assert_eq!(event.launch_group.unwrap().task_group.tasks.len(), 1);
}

#[test]
fn kill_acknowledged_message_shutdown_error_heartbeat_events() {
    let (event, _, _) =
        round_trip::<Event>(r#"{"type": "KILL", "kill": {"task_id": {"value": "d40f3f3e"}}}"#);
    assert_eq!(event.kill.unwrap().task_id.value, "d40f3f3e");

    let (event, _, _) = round_trip::<Event>(
        r#"{"type": "ACKNOWLEDGED", "acknowledged": {"task_id": {"value": "d40f3f3e"},
            "uuid": "ZDQwZjNmM2UtYmJlMy00NGFmLWEyMzAtNGNiMWVhZTcyZjY3Cg=="}}"#,
    );
    assert_eq!(event.acknowledged.unwrap().uuid.len(), 37);

    let (event, _, _) =
        round_trip::<Event>(r#"{"type": "MESSAGE", "message": {"data": "c2FtcGxlIGRhdGE="}}"#);
    assert_eq!(event.message.unwrap().data, b"sample data");

    for (json, kind) in [
        (r#"{"type": "SHUTDOWN"}"#, event::Type::Shutdown),
        (r#"{"type": "HEARTBEAT"}"#, event::Type::Heartbeat),
        (
            r#"{"type": "ERROR", "error": {"message": "Unrecoverable error"}}"#,
            event::Type::Error,
        ),
    ] {
        let (event, extra, dropped) = round_trip::<Event>(json);
        assert_eq!(event.r#type, Some(kind as i32));
        assert!(extra.is_empty() && dropped.is_empty());
    }
}
