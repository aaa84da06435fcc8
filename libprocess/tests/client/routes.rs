//! Against a libprocess runtime's routes over real sockets: whole and streaming bodies,
//! keep-alive reuse, `Connection: close`, request headers and binary bodies, URLs.

use std::sync::atomic::Ordering;

use libprocess::{
    Method, Request,
    http::{Body, ClientConfig, ClientError},
};

use crate::{
    api::{client, next_text, server, stream, test_config, text},
    support::{DEADLINE, wait_until},
};

#[test]
fn whole_bodies_headers_and_binary_request_bodies_arrive_intact() {
    let (server, _) = server();
    let client = client();
    let address = server.address();
    // Every byte value, as a protobuf body may carry.
    let body: Vec<u8> = (0..=255u8).collect();
    let request = Request::post("/api/echo", body.clone())
        .with_header("Content-Type", "application/x-protobuf");
    let response = client.request(address, request).block().unwrap();
    assert_eq!(response.status, 200);
    let length = response.headers.get("Content-Length").map(str::to_owned);
    let Body::Full(echoed) = response.body else {
        panic!("not a whole body")
    };
    assert_eq!(length, Some(echoed.len().to_string()));
    let (summary, rest) = echoed.split_at(echoed.iter().position(|&b| b == b'\n').unwrap() + 1);
    let summary = String::from_utf8_lossy(summary);
    assert!(
        summary.starts_with(&format!(
            "POST /api/echo host={address} type=application/x-protobuf peer="
        )),
        "{summary}"
    );
    assert_eq!(rest, &body[..]);

    // A query string and a caller's own Host header pass through.
    let mut request = Request::get("/api/echo?name=a%20b&x=1").with_header("Host", "master:5050");
    request.method = Method::Get;
    let response = client.request(address, request).block().unwrap();
    assert!(
        text(&response).starts_with("GET /api/echo?name=a%20b&x=1 host=master:5050 "),
        "{}",
        text(&response)
    );
    let missing = client
        .request(address, Request::get("/api/nothing"))
        .block()
        .unwrap();
    assert_eq!(missing.status, 404);
}

#[test]
fn keep_alive_connections_are_reused_and_connection_close_is_honoured() {
    let (server, _) = server();
    let client = client();
    let address = server.address();
    let peer = |request: Request| text(&client.request(address, request).block().unwrap());
    let first = peer(Request::get("/api/peer"));
    assert_eq!(
        peer(Request::get("/api/peer")),
        first,
        "the connection was reused"
    );
    // A big body read whole leaves the connection reusable too.
    let big = client
        .request(address, Request::get("/api/big?size=3000000"))
        .block()
        .unwrap();
    assert_eq!(big.full_body().map(|b| b.len()), Some(3_000_000));
    assert_eq!(peer(Request::get("/api/peer")), first);
    // Asking to close: answered, then the connection is not reused.
    let closing = peer(Request::get("/api/peer").with_header("Connection", "close"));
    assert_eq!(
        closing, first,
        "the request itself still used the kept connection"
    );
    let after = peer(Request::get("/api/peer"));
    assert_ne!(after, first, "a closed connection is not reused");
    assert_eq!(peer(Request::get("/api/peer")), after);
}

#[test]
fn a_body_over_the_limit_is_an_error_not_an_allocation() {
    let (server, _) = server();
    let client = libprocess::http::Client::standalone_with_config(ClientConfig {
        max_body_bytes: 1000,
        ..test_config()
    })
    .unwrap();
    let error = client
        .request(server.address(), Request::get("/api/big?size=1001"))
        .block()
        .unwrap_err();
    assert_eq!(error, ClientError::BodyTooLarge { limit: 1000 });
    let fine = client
        .request(server.address(), Request::get("/api/big?size=1000"))
        .block()
        .unwrap();
    assert_eq!(fine.full_body().map(|b| b.len()), Some(1000));
}

#[test]
fn a_streaming_body_is_read_chunk_by_chunk_and_holds_its_connection() {
    let (server, _) = server();
    let client = client();
    let address = server.address();
    let response = client
        .request(address, Request::get("/api/events"))
        .block()
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.headers.get("Transfer-Encoding"), Some("chunked"));
    let mut reader = stream(response);
    let stream_peer = next_text(&mut reader).unwrap();
    assert!(stream_peer.starts_with("peer="), "{stream_peer}");
    for event in ["one", "two", "three"] {
        let emitted = client
            .request(address, Request::post("/api/emit", event))
            .block()
            .unwrap();
        assert_eq!(emitted.status, 202);
        assert_eq!(next_text(&mut reader).as_deref(), Some(event));
    }
    // Other requests used another connection while the stream was open.
    let other = text(
        &client
            .request(address, Request::get("/api/peer"))
            .block()
            .unwrap(),
    );
    assert_ne!(format!("peer={other}"), stream_peer);
    // The server ends the stream: a clean end, and the connection is free again.
    client
        .request(address, Request::post("/api/end", ""))
        .block()
        .unwrap();
    assert_eq!(next_text(&mut reader), None);
    assert_eq!(reader.failure(), None);
    // Two requests at once take both idle connections.
    let pending: Vec<_> = (0..2)
        .map(|_| client.request(address, Request::get("/api/peer")))
        .collect();
    let peers: Vec<String> = pending
        .into_iter()
        .map(|future| text(&future.block().unwrap()))
        .collect();
    assert!(
        peers.iter().any(|p| format!("peer={p}") == stream_peer),
        "the stream's connection went back to the pool: {peers:?} vs {stream_peer}"
    );
}

#[test]
fn dropping_the_reader_closes_the_connection() {
    let (server, closed) = server();
    let client = client();
    let response = client
        .request(server.address(), Request::get("/api/events"))
        .block()
        .unwrap();
    let mut reader = stream(response);
    assert!(next_text(&mut reader).is_some());
    assert_eq!(closed.load(Ordering::SeqCst), 0);
    drop(reader);
    wait_until("the server to see the client go", || {
        closed.load(Ordering::SeqCst) == 1
    });
}

#[test]
fn urls_with_host_names_paths_and_queries() {
    let (server, _) = server();
    let client = client();
    let port = server.address().port();
    // `localhost` may resolve to ::1 first, where nothing listens: the next address is tried.
    let response = client
        .get(&format!("http://localhost:{port}/api/echo?a=1"))
        .block()
        .unwrap();
    assert!(
        text(&response).starts_with(&format!("GET /api/echo?a=1 host=localhost:{port} ")),
        "{}",
        text(&response)
    );
    let response = client
        .request_url(
            &format!("http://127.0.0.1:{port}/api?a=1"),
            Request::get("/echo?b=2"),
        )
        .block()
        .unwrap();
    assert!(
        text(&response).starts_with("GET /api/echo?a=1&b=2 "),
        "{}",
        text(&response)
    );
    let response = client
        .post(
            &format!("http://127.0.0.1:{port}/api/echo"),
            "application/json",
            r#"{"type":"SUBSCRIBE"}"#,
        )
        .block()
        .unwrap();
    let echoed = text(&response);
    assert!(
        echoed.starts_with(&format!(
            "POST /api/echo host=127.0.0.1:{port} type=application/json peer="
        )),
        "{echoed}"
    );
    assert!(echoed.ends_with("\n{\"type\":\"SUBSCRIBE\"}"), "{echoed}");
    let error = client.get("https://127.0.0.1/").block().unwrap_err();
    assert!(matches!(error, ClientError::InvalidUrl { .. }), "{error}");
    let error = client
        .get("http://no-such-host.invalid/")
        .block_timeout(DEADLINE)
        .expect("resolution ends within the deadline")
        .unwrap_err();
    assert!(matches!(error, ClientError::Resolve { .. }), "{error}");
}
