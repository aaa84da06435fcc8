//! A process with the routes the client tests call: echo, peer port, big bodies, and
//! streams the test can write to and end.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use bytes::Bytes;
use libprocess::{
    Context, Headers, Process, Request, Response, Runtime, StreamWriter,
    http::{Body, Client, ClientConfig},
};

use crate::support::DEADLINE;

/// Serves `/api/...`.
#[derive(Default)]
pub struct Api {
    streams: Vec<StreamWriter>,
    /// How many streams the client went away from (or that ended).
    pub closed: Arc<AtomicUsize>,
}

fn peer(request: &Request) -> String {
    request
        .peer
        .map_or_else(|| "none".to_owned(), |peer| peer.port().to_string())
}

impl Process for Api {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/echo",
            |_: &mut Self, _: &mut Context<Self>, request: Request| {
                let summary = format!(
                    "{} {} host={} type={} peer={}\n",
                    request.method,
                    request.url(),
                    request.headers.get("Host").unwrap_or("-"),
                    request.headers.get("Content-Type").unwrap_or("-"),
                    peer(&request),
                );
                let mut body = summary.into_bytes();
                body.extend_from_slice(&request.body);
                Response::ok(body)
            },
        );
        ctx.route(
            "/peer",
            |_: &mut Self, _: &mut Context<Self>, request: Request| Response::ok(peer(&request)),
        );
        ctx.route(
            "/big",
            |_: &mut Self, _: &mut Context<Self>, request: Request| {
                let size = request
                    .query_value("size")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                Response::ok(vec![b'x'; size])
            },
        );
        ctx.route(
            "/events",
            |api: &mut Self, ctx: &mut Context<Self>, request: Request| {
                let (response, writer) = Response::stream(200, Headers::new());
                let _ = writer.write(format!("peer={}", peer(&request)));
                let closed = api.closed.clone();
                ctx.on_closed(&writer, move |_: &mut Self, _: &mut Context<Self>| {
                    closed.fetch_add(1, Ordering::SeqCst);
                });
                api.streams.push(writer);
                response
            },
        );
        ctx.route(
            "/emit",
            |api: &mut Self, _: &mut Context<Self>, request: Request| {
                for stream in &api.streams {
                    let _ = stream.write(request.body.clone());
                }
                Response::accepted()
            },
        );
        ctx.route("/end", |api: &mut Self, _: &mut Context<Self>, _| {
            api.streams.clear();
            Response::accepted()
        });
    }
}

/// A runtime serving [`Api`] as process `api`, and its stream-closed counter.
pub fn server() -> (Runtime, Arc<AtomicUsize>) {
    let runtime = crate::support::runtime();
    let api = Api::default();
    let closed = api.closed.clone();
    runtime.spawn("api", api).expect("spawn api");
    (runtime, closed)
}

/// A standalone client with short enough timeouts for tests.
pub fn client() -> Client {
    Client::standalone_with_config(test_config()).expect("client thread starts")
}

/// The default configuration with timeouts bounded by the test deadline.
pub fn test_config() -> ClientConfig {
    ClientConfig {
        connect_timeout: DEADLINE,
        response_timeout: DEADLINE,
        ..ClientConfig::default()
    }
}

/// The whole body of `response` as text (panics on a stream).
pub fn text(response: &Response) -> String {
    match &response.body {
        Body::Full(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Body::Stream(_) => panic!("expected a whole body, got a stream"),
    }
}

/// The stream of `response` (panics on a whole body).
pub fn stream(response: Response) -> libprocess::StreamReader {
    match response.body {
        Body::Stream(reader) => reader,
        Body::Full(bytes) => panic!("expected a stream, got {} bytes", bytes.len()),
    }
}

/// The next chunk of `reader` as text, failing the test after the deadline.
pub fn next_text(reader: &mut libprocess::StreamReader) -> Option<String> {
    reader
        .block_next_timeout(DEADLINE)
        .expect("a chunk within the deadline")
        .map(|chunk: Bytes| String::from_utf8_lossy(&chunk).into_owned())
}
