//! The scheduler API's answers as Mesos gives them: 200 + stream + `Mesos-Stream-Id` for
//! SUBSCRIBE, 202 for calls, 400 for a missing or wrong stream id or a bad body, and
//! SUBSCRIBED then HEARTBEAT every 15 s on the stream, in JSON and in protobuf.

use std::time::Duration;

use libprocess::Request;
use proto::{
    codec::ContentType,
    v1::scheduler::{Call, call, event},
};
use testkit::{Cluster, SCHEDULER_API, Scheduler, SubscribeOptions, body_text, fixtures};

#[test]
fn subscribed_comes_first_then_heartbeats_every_15_seconds_in_both_encodings() {
    for content_type in [ContentType::Json, ContentType::Protobuf] {
        let cluster = Cluster::start();
        let scheduler = cluster.subscribe_with(
            fixtures::framework_info("heartbeats"),
            SubscribeOptions {
                content_type,
                auto_acknowledge: true,
            },
        );
        let events = scheduler.events();
        assert_eq!(events[0].r#type(), event::Type::Subscribed);
        let subscribed = events[0].subscribed.as_ref().unwrap();
        assert_eq!(subscribed.heartbeat_interval_seconds, Some(15.0));
        assert!(subscribed.master_info.is_some());
        assert_eq!(scheduler.stream_id().len(), 36, "a UUID");
        cluster.advance(Duration::from_secs(15));
        let heartbeats = scheduler.events_of(event::Type::Heartbeat);
        assert_eq!(heartbeats.len(), 1, "{content_type:?}");
    }
}

#[test]
fn calls_need_the_right_stream_id() {
    let cluster = Cluster::start();
    let scheduler = cluster.subscribe(fixtures::framework_info("stream-ids"));
    let mut revive = Call::default();
    revive.set_type(call::Type::Revive);
    revive.framework_id = Some(proto::v1::FrameworkId {
        value: scheduler.framework_id(),
    });
    let missing = scheduler.raw_call(&revive, None);
    assert_eq!(missing.status, 400, "{}", body_text(&missing));
    let wrong = scheduler.raw_call(&revive, Some("00000000-0000-0000-0000-000000000000"));
    assert_eq!(wrong.status, 400, "{}", body_text(&wrong));
    let right = scheduler.raw_call(&revive, Some(&scheduler.stream_id()));
    assert_eq!(right.status, 202);
    assert!(right.full_body().is_none_or(|body| body.is_empty()));
}

#[test]
fn bad_requests_get_mesos_status_codes() {
    let cluster = Cluster::start();
    let post = |content_type: Option<&str>, body: &str| {
        let mut request = Request::post(SCHEDULER_API, body.to_owned());
        if let Some(content_type) = content_type {
            request = request.with_header("Content-Type", content_type);
        }
        cluster.runtime.http(request).block().unwrap()
    };
    assert_eq!(post(Some("application/json"), "{not json").status, 400);
    assert_eq!(post(None, "{}").status, 400, "no Content-Type");
    assert_eq!(post(Some("text/plain"), "{}").status, 415);
    let get = cluster
        .runtime
        .http(Request::get(SCHEDULER_API))
        .block()
        .unwrap();
    assert_eq!(get.status, 405);
    // A call for a framework that does not exist.
    let unknown = post(
        Some("application/json"),
        r#"{"type":"REVIVE","framework_id":{"value":"no-such-framework"}}"#,
    );
    assert_eq!(unknown.status, 400, "{}", body_text(&unknown));
    // A SUBSCRIBE that carries a stream id.
    let mut subscribe = Call::default();
    subscribe.set_type(call::Type::Subscribe);
    subscribe.subscribe = Some(call::Subscribe {
        framework_info: fixtures::framework_info("early"),
        ..Default::default()
    });
    let request = Request::post(
        SCHEDULER_API,
        proto::codec::encode(ContentType::Json, &subscribe),
    )
    .with_header("Content-Type", "application/json")
    .with_header("Mesos-Stream-Id", "00000000-0000-0000-0000-000000000000");
    assert_eq!(cluster.runtime.http(request).block().unwrap().status, 400);
    // And one that is fine, but only accepts text.
    let request = Request::post(
        SCHEDULER_API,
        proto::codec::encode(ContentType::Json, &subscribe),
    )
    .with_header("Content-Type", "application/json")
    .with_header("Accept", "text/html");
    assert_eq!(cluster.runtime.http(request).block().unwrap().status, 406);
    let refused = Scheduler::try_subscribe_with(
        &cluster.runtime,
        Call::default(),
        SubscribeOptions::default(),
    )
    .expect_err("a call without a type is no SUBSCRIBE");
    assert_eq!(refused.status, 400);
}
