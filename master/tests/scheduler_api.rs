//! The v1 scheduler API's HTTP contract: status codes, stream ids, content types, SUBSCRIBED
//! and HEARTBEAT events, refused subscriptions, UPDATE_FRAMEWORK.

mod support;

use std::time::Duration;

use libprocess::{
    Method,
    http::{Body, Request},
};
use master::config::MasterConfig;
use proto::{
    codec::{self, ContentType},
    recordio::Decoder,
    v1::scheduler::{Call, Event, call, event},
};
use serde_json::json;
use support::{
    Cluster,
    scheduler::{SCHEDULER_API, Scheduler, body_text, framework_info, post_json},
};

#[test]
fn request_checks_answer_as_mesos() {
    let cluster = Cluster::start(MasterConfig::default());
    let runtime = &cluster.runtime;

    let get = runtime.http(Request::get(SCHEDULER_API)).block().unwrap();
    assert_eq!(get.status, 405);
    assert_eq!(get.headers.get("Allow"), Some("POST"));

    let untyped = runtime
        .http(Request::post(SCHEDULER_API, "{}"))
        .block()
        .unwrap();
    assert_eq!(untyped.status, 400);
    assert_eq!(
        body_text(&untyped),
        "Expecting 'Content-Type' to be present"
    );

    let text = runtime
        .http(Request::post(SCHEDULER_API, "{}").with_header("Content-Type", "text/plain"))
        .block()
        .unwrap();
    assert_eq!(text.status, 415);

    let bad = runtime
        .http(
            Request::post(SCHEDULER_API, "{not json")
                .with_header("Content-Type", "application/json"),
        )
        .block()
        .unwrap();
    assert_eq!(bad.status, 400);
    assert!(body_text(&bad).starts_with("Failed to convert JSON into Call protobuf"));

    let subscribe =
        json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": framework_info("f")}});
    let not_acceptable = runtime
        .http(
            Request::post(SCHEDULER_API, subscribe.to_string())
                .with_header("Content-Type", "application/json")
                .with_header("Accept", "text/html"),
        )
        .block()
        .unwrap();
    assert_eq!(not_acceptable.status, 406);

    let with_stream_id = post_json(runtime, &subscribe, Some("abc"));
    assert_eq!(with_stream_id.status, 400);
    assert!(body_text(&with_stream_id).contains("should not include the 'Mesos-Stream-Id'"));

    let no_type = post_json(runtime, &json!({"framework_id": {"value": "x"}}), None);
    assert_eq!(no_type.status, 400);
    assert!(body_text(&no_type).contains("Expecting 'type' to be present"));

    let unknown = post_json(
        runtime,
        &json!({"type": "REVIVE", "framework_id": {"value": "nope"}}),
        Some("abc"),
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(body_text(&unknown), "Framework cannot be found");

    let missing_payload = post_json(
        runtime,
        &json!({"type": "ACCEPT", "framework_id": {"value": "x"}}),
        None,
    );
    assert_eq!(missing_payload.status, 400);
    assert!(body_text(&missing_payload).contains("Expecting 'accept' to be present"));
}

#[test]
fn calls_need_the_current_stream_id() {
    let cluster = Cluster::start(MasterConfig::default());
    let mut info = framework_info("f");
    info["failover_timeout"] = json!(60.0);
    let scheduler = Scheduler::subscribe(&cluster.runtime, info);
    let revive = json!({"type": "REVIVE", "framework_id": {"value": scheduler.framework_id}});
    let missing = post_json(&cluster.runtime, &revive, None);
    assert_eq!(missing.status, 400);
    assert!(body_text(&missing).contains("should include the 'Mesos-Stream-Id'"));
    let wrong = post_json(&cluster.runtime, &revive, Some("not-the-stream"));
    assert_eq!(wrong.status, 400);
    assert!(body_text(&wrong).contains("didn't match the stream ID"));
    assert_eq!(scheduler.call(json!({"type": "REVIVE"})).status, 202);
    assert_eq!(scheduler.call(json!({"type": "SUPPRESS"})).status, 202);
    assert_eq!(
        scheduler
            .call(json!({"type": "REQUEST", "request": {}}))
            .status,
        202
    );

    // Once the stream is gone, calls are forbidden.
    let framework_id = scheduler.framework_id.clone();
    let stream_id = scheduler.stream_id.clone();
    scheduler.disconnect();
    let forbidden = post_json(
        &cluster.runtime,
        &json!({"type": "REVIVE", "framework_id": {"value": framework_id}}),
        Some(&stream_id),
    );
    assert_eq!(forbidden.status, 403);
    assert_eq!(body_text(&forbidden), "Framework is not subscribed");
}

#[test]
fn subscribed_then_heartbeats_every_fifteen_seconds() {
    let cluster = Cluster::start(MasterConfig::default());
    let response = post_json(
        &cluster.runtime,
        &json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": framework_info("f")}}),
        None,
    );
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers.get("Content-Type"),
        Some("application/json")
    );
    let stream_id = response.headers.get("Mesos-Stream-Id").unwrap().to_string();
    assert_eq!(uuid::Uuid::parse_str(&stream_id).map(|_| ()), Ok(()));
    let Body::Stream(mut reader) = response.body else {
        panic!("SUBSCRIBE must answer a stream");
    };
    cluster.settle();
    let first = reader.try_next().unwrap();
    let text = String::from_utf8(first.to_vec()).unwrap();
    let (length, json) = text.split_once('\n').unwrap();
    assert_eq!(length.parse::<usize>().unwrap(), json.len());
    let subscribed: Event = proto::json::from_str(json).unwrap();
    assert_eq!(subscribed.r#type, Some(event::Type::Subscribed as i32));
    let subscribed = subscribed.subscribed.unwrap();
    assert_eq!(subscribed.heartbeat_interval_seconds, Some(15.0));
    let master_id = cluster.inspect(|master| master.info().id.clone());
    assert_eq!(subscribed.framework_id.value, format!("{master_id}-0000"));
    assert_eq!(subscribed.master_info.unwrap().id, master_id);
    assert_eq!(
        &reader.try_next().unwrap()[..],
        b"20\n{\"type\":\"HEARTBEAT\"}"
    );
    assert!(reader.try_next().is_none());
    cluster.advance(Duration::from_secs(14));
    assert!(reader.try_next().is_none());
    cluster.advance(Duration::from_secs(1));
    assert_eq!(
        &reader.try_next().unwrap()[..],
        b"20\n{\"type\":\"HEARTBEAT\"}"
    );
}

#[test]
fn protobuf_subscription_streams_protobuf() {
    let cluster = Cluster::start(MasterConfig::default());
    let call = Call {
        r#type: Some(call::Type::Subscribe as i32),
        subscribe: Some(call::Subscribe {
            framework_info: proto::v1::FrameworkInfo {
                user: "u".into(),
                name: "protobuf".into(),
                ..Default::default()
            },
            ..Default::default()
        }),
        ..Call::default()
    };
    let request = Request::post(SCHEDULER_API, codec::encode(ContentType::Protobuf, &call))
        .with_header("Content-Type", "application/x-protobuf")
        .with_header("Accept", "application/x-protobuf");
    let response = cluster.runtime.http(request).block().unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers.get("Content-Type"),
        Some("application/x-protobuf")
    );
    let Body::Stream(mut reader) = response.body else {
        panic!("not a stream")
    };
    cluster.settle();
    let mut decoder = Decoder::new(1 << 20);
    let records = decoder.decode(&reader.try_next().unwrap()).unwrap();
    let event: Event = prost::Message::decode(records[0].as_ref()).unwrap();
    assert_eq!(event.r#type, Some(event::Type::Subscribed as i32));
}

#[test]
fn refused_subscriptions_get_an_error_event_and_the_stream_ends() {
    let cluster = Cluster::start(MasterConfig {
        roles: Some(["web".to_string()].into()),
        ..MasterConfig::default()
    });
    let mut info = framework_info("f");
    info["role"] = json!("batch");
    let call = json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": info}});
    let mut scheduler = Scheduler::open(&cluster.runtime, &call).ok().unwrap();
    cluster.settle();
    let events = scheduler.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let message = &events[0].error.as_ref().unwrap().message;
    assert!(
        message.contains("are not present in the master's --roles"),
        "{message}"
    );
    assert!(scheduler.is_closed());

    let mut bad_role = framework_info("g");
    bad_role["role"] = json!("/bad");
    let call = json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": bad_role}});
    let mut scheduler = Scheduler::open(&cluster.runtime, &call).ok().unwrap();
    cluster.settle();
    let error = scheduler.events_of(event::Type::Error);
    assert!(
        error[0]
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("is not a valid role")
    );
}

#[test]
fn update_framework_answers_200_or_400() {
    let cluster = Cluster::start(MasterConfig::default());
    let scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    let mut info = framework_info("renamed");
    info["id"] = json!({"value": scheduler.framework_id});
    let ok = scheduler
        .call(json!({"type": "UPDATE_FRAMEWORK", "update_framework": {"framework_info": info}}));
    assert_eq!(ok.status, 200, "{}", body_text(&ok));
    let name = cluster.inspect(|master| {
        master
            .books()
            .frameworks
            .registered
            .values()
            .next()
            .unwrap()
            .info
            .name
            .clone()
    });
    assert_eq!(name, "renamed");

    let mut changed = info.clone();
    changed["principal"] = json!("someone");
    let refused = scheduler
        .call(json!({"type": "UPDATE_FRAMEWORK", "update_framework": {"framework_info": changed}}));
    assert_eq!(refused.status, 400);
    assert!(body_text(&refused).contains("principal"));

    let mut other = info;
    other["id"] = json!({"value": "someone-else"});
    let mismatch = scheduler
        .call(json!({"type": "UPDATE_FRAMEWORK", "update_framework": {"framework_info": other}}));
    assert_eq!(mismatch.status, 400);
    assert!(body_text(&mismatch).contains("differs"));
}

#[test]
fn unprefixed_path_and_methods() {
    let cluster = Cluster::start(MasterConfig::default());
    let request = Request::new(Method::Put, "/api/v1/scheduler");
    let response = cluster.runtime.http(request).block().unwrap();
    assert_eq!(response.status, 405);
}
