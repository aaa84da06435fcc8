//! A SUBSCRIBE-like exchange, as the executor driver has it with an agent: a process on one
//! runtime subscribes to a process on another over a real socket, reads the RecordIO event
//! stream event by event, and meanwhile POSTs calls (answered 202) whose acknowledgements
//! arrive on the stream.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use libprocess::{
    Context, Failure, Headers, Process, Request, Response, StreamReader, StreamWriter,
    http::{Body, Client},
};

use crate::support::{runtime, wait_until};

const UPDATES: usize = 20;

/// The agent side: a subscription stream, calls acknowledged on it.
#[derive(Default)]
struct Agent {
    subscriber: Option<StreamWriter>,
}

/// Writes `event` as one RecordIO record; odd ones split across two chunks, as a server may.
fn write_record(writer: &StreamWriter, event: &str, split: bool) {
    let header = format!("{}\n", event.len());
    if split {
        let _ = writer.write(header);
        let _ = writer.write(event.to_owned());
    } else {
        let _ = writer.write(format!("{header}{event}"));
    }
}

impl Process for Agent {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/executor",
            |agent: &mut Self, _: &mut Context<Self>, request: Request| {
                let call = String::from_utf8_lossy(&request.body).into_owned();
                if call == "SUBSCRIBE" {
                    let (response, writer) = Response::stream(200, Headers::new());
                    let peer = request.peer.map(|p| p.port()).unwrap_or_default();
                    write_record(&writer, &format!("SUBSCRIBED peer={peer}"), false);
                    agent.subscriber = Some(writer);
                    return response;
                }
                let Some(number) = call.strip_prefix("UPDATE ") else {
                    return Response::bad_request("unknown call");
                };
                let Some(subscriber) = &agent.subscriber else {
                    return Response::new(403);
                };
                let split = number.parse::<usize>().unwrap_or_default() % 2 == 1;
                write_record(subscriber, &format!("ACKNOWLEDGED {number}"), split);
                Response::accepted()
            },
        );
        ctx.route("/shutdown", |agent: &mut Self, _: &mut Context<Self>, _| {
            if let Some(subscriber) = agent.subscriber.take() {
                write_record(&subscriber, "SHUTDOWN", false);
            }
            Response::accepted()
        });
    }
}

/// What the executor saw.
#[derive(Default)]
struct Seen {
    events: Vec<String>,
    statuses: Vec<u16>,
    ended: bool,
}

/// The executor side: subscribes on start, sends UPDATE 1..=20 one after the other once
/// subscribed, and decodes RecordIO records from the stream.
struct Executor {
    client: Client,
    agent: SocketAddr,
    buffer: Vec<u8>,
    seen: Arc<Mutex<Seen>>,
}

impl Executor {
    fn call(&self, body: String) -> libprocess::Future<Response> {
        let request = Request::post("/agent/executor", body)
            .with_header("Content-Type", "application/recordio");
        self.client
            .request(self.agent, request)
            .into_libprocess_future()
    }

    fn read(ctx: &mut Context<Self>, mut reader: StreamReader) {
        ctx.spawn_io(
            async move {
                let chunk = reader.next().await;
                (reader, chunk)
            },
            |executor: &mut Self, ctx: &mut Context<Self>, (reader, chunk)| match chunk {
                Some(chunk) => {
                    executor.buffer.extend_from_slice(&chunk);
                    for event in take_records(&mut executor.buffer) {
                        let subscribed = event.starts_with("SUBSCRIBED");
                        executor.seen.lock().unwrap().events.push(event);
                        if subscribed {
                            executor.update(ctx, 1);
                        }
                    }
                    Executor::read(ctx, reader);
                }
                None => executor.seen.lock().unwrap().ended = reader.failure().is_none(),
            },
        );
    }

    fn update(&mut self, ctx: &mut Context<Self>, number: usize) {
        let answer = self.call(format!("UPDATE {number}"));
        ctx.then(
            answer,
            move |executor: &mut Self,
                  ctx: &mut Context<Self>,
                  result: Result<Response, Failure>| {
                let status = result.map_or(0, |response| response.status);
                executor.seen.lock().unwrap().statuses.push(status);
                if number < UPDATES {
                    executor.update(ctx, number + 1);
                }
            },
        );
    }
}

/// Takes every complete `<length>\n<record>` out of `buffer`.
fn take_records(buffer: &mut Vec<u8>) -> Vec<String> {
    let mut records = Vec::new();
    while let Some(newline) = buffer.iter().position(|&b| b == b'\n') {
        let length: usize = String::from_utf8_lossy(&buffer[..newline]).parse().unwrap();
        if buffer.len() < newline + 1 + length {
            break;
        }
        let record = buffer[newline + 1..newline + 1 + length].to_vec();
        buffer.drain(..newline + 1 + length);
        records.push(String::from_utf8(record).unwrap());
    }
    records
}

impl Process for Executor {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let answer = self.call("SUBSCRIBE".into());
        ctx.then(
            answer,
            |executor: &mut Self, ctx: &mut Context<Self>, result: Result<Response, Failure>| {
                match result.map(|response| response.body) {
                    Ok(Body::Stream(reader)) => Executor::read(ctx, reader),
                    other => executor
                        .seen
                        .lock()
                        .unwrap()
                        .events
                        .push(format!("no stream: {other:?}")),
                }
            },
        );
    }
}

#[test]
fn a_subscription_stream_is_read_event_by_event_while_calls_proceed() {
    let agent_runtime = runtime();
    agent_runtime.spawn("agent", Agent::default()).unwrap();
    let executor_runtime = runtime();
    let seen = Arc::new(Mutex::new(Seen::default()));
    executor_runtime
        .spawn(
            "executor",
            Executor {
                client: Client::new(&executor_runtime),
                agent: agent_runtime.address(),
                buffer: Vec::new(),
                seen: seen.clone(),
            },
        )
        .unwrap();
    wait_until("every acknowledgement", || {
        seen.lock().unwrap().events.len() == 1 + UPDATES
    });
    {
        let seen = seen.lock().unwrap();
        assert!(
            seen.events[0].starts_with("SUBSCRIBED peer="),
            "{:?}",
            seen.events
        );
        let acks: Vec<String> = (1..=UPDATES).map(|n| format!("ACKNOWLEDGED {n}")).collect();
        assert_eq!(seen.events[1..], acks[..]);
    }
    wait_until("every call answered", || {
        seen.lock().unwrap().statuses.len() == UPDATES
    });
    assert_eq!(seen.lock().unwrap().statuses, vec![202; UPDATES]);

    // The agent ends the subscription: the last event, then a clean end.
    let client = Client::standalone().unwrap();
    let response = client
        .request(
            agent_runtime.address(),
            Request::post("/agent/shutdown", ""),
        )
        .block()
        .unwrap();
    assert_eq!(response.status, 202);
    wait_until("the end of the stream", || seen.lock().unwrap().ended);
    assert_eq!(
        seen.lock().unwrap().events.last().map(String::as_str),
        Some("SHUTDOWN")
    );
}
