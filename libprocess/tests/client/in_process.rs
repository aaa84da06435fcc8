//! The in-process short cut: requests to the runtime's own address go through
//! `Runtime::http` (no socket, counted by settle); libprocess messages still go over the
//! socket; the short cut can be turned off; a stopped runtime's client says so.

use std::sync::{Arc, Mutex};

use libprocess::{
    Context, Failure, Process, Request, Response, Upid,
    http::{Client, ClientConfig, ClientError},
};

use crate::{
    api::{next_text, server, stream, test_config, text},
    support::{DEADLINE, Recorder, wait_until},
};

#[test]
fn requests_to_the_runtimes_own_address_skip_the_socket() {
    let (runtime, _) = server();
    let client = Client::with_config(&runtime, test_config());
    for address in [runtime.address(), runtime.bound_address()] {
        let response = client
            .request(address, Request::get("/api/peer"))
            .block()
            .unwrap();
        assert_eq!(text(&response), "none", "no socket, so no peer address");
    }
    // Streams come back as the same reader type.
    let response = client
        .request(runtime.address(), Request::get("/api/events"))
        .block()
        .unwrap();
    let mut reader = stream(response);
    assert_eq!(next_text(&mut reader).as_deref(), Some("peer=none"));

    // Turned off, the same request goes over a socket.
    let over_socket = Client::with_config(
        &runtime,
        ClientConfig {
            in_process: false,
            ..test_config()
        },
    );
    let response = over_socket
        .request(runtime.address(), Request::get("/api/peer"))
        .block()
        .unwrap();
    assert!(
        text(&response).parse::<u16>().is_ok(),
        "{}",
        text(&response)
    );
}

/// Asks its own runtime for `/api/echo` when told to, and keeps the answer.
struct Caller {
    client: Client,
    answers: Arc<Mutex<Vec<Result<String, Failure>>>>,
}

impl Process for Caller {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install("go", |caller: &mut Self, ctx: &mut Context<Self>, _| {
            let own = ctx.runtime().address();
            let answer = caller
                .client
                .request(own, Request::post("/api/echo", "payload"))
                .into_libprocess_future();
            ctx.then(
                answer,
                |caller: &mut Self, _: &mut Context<Self>, result: Result<Response, Failure>| {
                    caller
                        .answers
                        .lock()
                        .unwrap()
                        .push(result.map(|response| text(&response)));
                },
            );
        });
    }
}

#[test]
fn settle_waits_for_in_process_requests_and_their_continuations() {
    let (runtime, _) = server();
    runtime.clock().pause();
    let answers = Arc::new(Mutex::new(Vec::new()));
    let caller = runtime
        .spawn(
            "caller",
            Caller {
                client: Client::new(&runtime),
                answers: answers.clone(),
            },
        )
        .unwrap();
    for _ in 0..3 {
        runtime.send(caller.upid(), "go", "");
        // No waiting on a condition: settle alone covers the request and the continuation.
        runtime.clock().settle_blocking();
    }
    let answers = answers.lock().unwrap();
    assert_eq!(answers.len(), 3);
    for answer in answers.iter() {
        let body = answer.as_ref().unwrap();
        assert!(body.starts_with("POST /api/echo "), "{body}");
        assert!(body.ends_with("peer=none\npayload"), "{body}");
    }
}

#[test]
fn libprocess_messages_to_the_own_address_still_go_over_the_socket() {
    let (runtime, _) = server();
    let recorder = Recorder::default();
    runtime.spawn("recorder", recorder.clone()).unwrap();
    let client = Client::new(&runtime);
    let sender = Upid::new("outsider", ([127, 0, 0, 1], 1).into());
    let request =
        Request::post("/recorder/ping", "body").with_header("Libprocess-From", sender.to_string());
    let response = client
        .request(runtime.address(), request)
        .block_timeout(DEADLINE)
        .expect("an answer within the deadline")
        .unwrap();
    assert_eq!(response.status, 202);
    wait_until("the message", || recorder.len() == 1);
    let message = recorder.seen.lock().unwrap()[0].clone();
    assert_eq!((message.name.as_str(), message.from), ("ping", sender));
}

#[test]
fn a_shut_down_runtimes_client_reports_stopped() {
    let (server, _) = server();
    let (runtime, _) = crate::api::server();
    let client = Client::with_config(&runtime, test_config());
    runtime.shutdown();
    let error = client
        .request(server.address(), Request::get("/api/peer"))
        .block_timeout(DEADLINE)
        .expect("an answer within the deadline")
        .unwrap_err();
    assert_eq!(error, ClientError::Stopped);
}
