//! HTTP routes: delegate, longest prefix, trailing slash, `/..`, futures as replies,
//! streaming with disconnect notice, `/__processes__` and `/metrics/snapshot`.

mod support;

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use libprocess::{Context, Handle, Headers, Process, Request, Response, Runtime, StreamWriter};
use support::{DEADLINE, runtime, wait_until};

fn get(runtime: &Runtime, target: &str) -> (u16, String) {
    let response = runtime
        .http(Request::get(target))
        .block_timeout(DEADLINE)
        .unwrap()
        .unwrap();
    let body = response
        .full_body()
        .map(|b| String::from_utf8_lossy(b).into_owned());
    (response.status, body.unwrap_or_default())
}

/// A process with a few routes that echo which route matched.
struct Master {
    streams: Vec<StreamWriter>,
    closed: Arc<AtomicUsize>,
}

struct Version;

impl Handle<Version> for Master {
    type Reply = String;
    fn handle(&mut self, _: Version, _ctx: &mut Context<Self>) -> String {
        "1.12.0".into()
    }
}

impl Process for Master {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/state",
            |_: &mut Self, _: &mut Context<Self>, request: Request| {
                Response::ok(format!("state {}", request.path))
            },
        );
        ctx.route("/a", |_: &mut Self, _: &mut Context<Self>, _| {
            Response::ok("a")
        });
        ctx.route("/a/b", |_: &mut Self, _: &mut Context<Self>, _| {
            Response::ok("a/b")
        });
        ctx.route(
            "/query",
            |_: &mut Self, _: &mut Context<Self>, request: Request| {
                Response::ok(request.query_value("x").unwrap_or("none").to_owned())
            },
        );
        ctx.route("/version", |_: &mut Self, ctx: &mut Context<Self>, _| {
            ctx.pid().call(Version).map(Response::ok)
        });
        ctx.route(
            "/stream",
            |master: &mut Self, ctx: &mut Context<Self>, _| {
                let (response, writer) = Response::stream(200, Headers::new());
                writer.write("first").unwrap();
                ctx.on_closed(&writer, |master: &mut Self, _: &mut Context<Self>| {
                    master.closed.fetch_add(1, Ordering::SeqCst);
                });
                master.streams.push(writer);
                response
            },
        );
    }
}

fn cluster() -> (Runtime, Arc<AtomicUsize>) {
    let runtime = runtime();
    let closed = Arc::new(AtomicUsize::new(0));
    runtime
        .spawn(
            "master",
            Master {
                streams: Vec::new(),
                closed: closed.clone(),
            },
        )
        .unwrap();
    (runtime, closed)
}

#[test]
fn routes_match_longest_prefix_and_trim_slashes() {
    let (runtime, _) = cluster();
    assert_eq!(
        get(&runtime, "/master/state"),
        (200, "state /master/state".into())
    );
    assert_eq!(
        get(&runtime, "/master/state/"),
        (200, "state /master/state/".into())
    );
    assert_eq!(get(&runtime, "/master/a/b/c"), (200, "a/b".into()));
    assert_eq!(get(&runtime, "/master/a/x"), (200, "a".into()));
    assert_eq!(get(&runtime, "/master/query?x=1"), (200, "1".into()));
    assert_eq!(get(&runtime, "/master/nothing").0, 404);
    assert_eq!(get(&runtime, "/master/../etc/passwd").0, 404);
    assert_eq!(get(&runtime, "/nobody/state").0, 404);
    assert_eq!(get(&runtime, "/master/version"), (200, "1.12.0".into()));
}

#[test]
fn the_delegate_serves_unprefixed_paths() {
    let (runtime, _) = cluster();
    assert_eq!(get(&runtime, "/state").0, 404);
    runtime.set_delegate("master");
    assert_eq!(get(&runtime, "/state"), (200, "state /state".into()));
    assert_eq!(get(&runtime, "/a/b"), (200, "a/b".into()));
    // A live process still gets its own paths.
    assert_eq!(get(&runtime, "/metrics/snapshot").0, 200);
}

#[test]
fn in_process_stream_reports_the_reader_going_away() {
    let (runtime, closed) = cluster();
    runtime.clock().pause();
    let response = runtime
        .http(Request::get("/master/stream"))
        .block_timeout(DEADLINE)
        .unwrap()
        .unwrap();
    let libprocess::http::Body::Stream(mut reader) = response.body else {
        panic!("not a stream")
    };
    assert_eq!(reader.try_next().as_deref(), Some(&b"first"[..]));
    runtime.clock().settle_blocking();
    assert_eq!(closed.load(Ordering::SeqCst), 0);
    drop(reader);
    runtime.clock().settle_blocking();
    assert_eq!(closed.load(Ordering::SeqCst), 1);
}

#[test]
fn socket_stream_is_chunked_and_reports_disconnect() {
    let (runtime, closed) = cluster();
    let mut client = TcpStream::connect(runtime.bound_address()).unwrap();
    client.set_read_timeout(Some(DEADLINE)).unwrap();
    client
        .write_all(b"GET /master/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&received).contains("first\r\n") {
        let n = client.read(&mut buffer).unwrap();
        assert!(n > 0, "server closed early");
        received.extend_from_slice(&buffer[..n]);
    }
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Transfer-Encoding: chunked\r\n"), "{text}");
    assert!(text.contains("5\r\nfirst\r\n"), "{text}");
    drop(client);
    wait_until("the close notice", || closed.load(Ordering::SeqCst) == 1);
}

#[test]
fn processes_endpoint_lists_processes_and_queued_events() {
    let (runtime, _) = cluster();
    let (status, body) = get(&runtime, "/__processes__");
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["master", "metrics"]);
    assert!(json[0]["events"].is_array());
}

#[test]
fn metrics_snapshot_renders_counters_gauges_and_timers() {
    let runtime = runtime();
    runtime.metrics().counter("test/counter").add(3);
    runtime.metrics().gauge("test/gauge").set(0.5);
    runtime.metrics().pull_gauge("test/pulled", || 7.0);
    runtime
        .metrics()
        .timer("test/timer")
        .record(std::time::Duration::from_millis(2));
    let raw = support::raw_request(
        runtime.bound_address(),
        b"GET /metrics/snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(raw.contains("200"), "{raw}");
    let (_, body) = get(&runtime, "/metrics/snapshot");
    assert!(body.contains(r#""test\/counter":3.0"#), "{body}");
    assert!(body.contains(r#""test\/timer\/count":1"#), "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["test/gauge"], 0.5);
    assert_eq!(json["test/pulled"], 7.0);
    assert_eq!(json["test/timer"], 2.0);
    for suffix in ["min", "max", "p50", "p90", "p95", "p99", "p999", "p9999"] {
        assert_eq!(json[format!("test/timer/{suffix}")], 2.0, "{suffix}");
    }
}
