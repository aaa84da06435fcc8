//! The v1 scheduler HTTP API: SUBSCRIBE opens the event stream (read as events of the
//! driver's process with `Context::consume`, so in-process tests settle deterministically),
//! the `Mesos-Stream-Id` it answers with goes on every other call, and calls go out one at a
//! time, each after the answer to the previous one, so the master sees them in order.
//! Heartbeats are watched: five intervals without any event mean the master is lost.

use std::{
    collections::VecDeque,
    time::{Duration, SystemTime},
};

use bytes::Bytes;
use libprocess::{
    Body, ConsumerId, Context, Failure, Request, Response, Runtime,
    http::{Client, ClientError},
};
use proto::{
    codec::{self, ContentType},
    convert::evolve,
    recordio::Decoder,
    v0::scheduler::{Call, call},
    v1,
};

use super::{MISSED_HEARTBEATS, inbound, process::SchedulerProcess};

/// The largest event accepted (offers of thousands of agents fit easily).
const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;
/// The header that names the subscription.
const STREAM_ID_HEADER: &str = "Mesos-Stream-Id";

/// Work to do on the process once a call is answered (whatever the answer).
pub(super) type AfterCall =
    Box<dyn FnOnce(&mut SchedulerProcess, &mut Context<SchedulerProcess>) + Send>;

/// The HTTP side of a v1 driver.
pub(crate) struct HttpState {
    client: Client,
    content_type: ContentType,
    /// Counts subscriptions; answers and chunks of older ones are ignored.
    generation: u64,
    /// A SUBSCRIBE is waiting for its answer.
    subscribing: bool,
    stream_id: Option<String>,
    consumer: Option<ConsumerId>,
    outbox: VecDeque<(Call, Option<AfterCall>)>,
    in_flight: bool,
    last_event: Option<SystemTime>,
}

impl HttpState {
    pub(super) fn new(runtime: &Runtime, content_type: ContentType) -> HttpState {
        HttpState {
            client: Client::new(runtime),
            content_type,
            generation: 0,
            subscribing: false,
            stream_id: None,
            consumer: None,
            outbox: VecDeque::new(),
            in_flight: false,
            last_event: None,
        }
    }
}

/// A POST of `call` to the master's scheduler API.
fn request(process: &SchedulerProcess, call: &Call) -> Option<(std::net::SocketAddr, Request)> {
    let master = process.master.as_ref()?;
    let content_type = process.http.content_type;
    let body = codec::encode(content_type, &evolve(call));
    let mut request = Request::post(format!("/{}/api/v1/scheduler", master.id()), body)
        .with_header("Content-Type", content_type.as_str())
        .with_header("Accept", content_type.as_str());
    if let Some(stream_id) = &process.http.stream_id {
        request = request.with_header(STREAM_ID_HEADER, stream_id.clone());
    }
    Some((master.address(), request))
}

/// Sends SUBSCRIBE unless one is under way or subscribed.
pub(super) fn subscribe(process: &mut SchedulerProcess, ctx: &mut Context<SchedulerProcess>) {
    if process.http.subscribing || process.http.consumer.is_some() {
        return;
    }
    let mut call = process.call(call::Type::Subscribe);
    call.subscribe = Some(call::Subscribe {
        framework_info: process.framework.clone(),
        suppressed_roles: process.suppressed_roles.iter().cloned().collect(),
        ..call::Subscribe::default()
    });
    process.http.stream_id = None;
    let Some((address, request)) = request(process, &call) else {
        return;
    };
    process.http.generation += 1;
    process.http.subscribing = true;
    let generation = process.http.generation;
    tracing::debug!(%address, "sending SUBSCRIBE");
    let answer = process
        .http
        .client
        .request(address, request)
        .into_libprocess_future();
    ctx.then(
        answer,
        move |process: &mut SchedulerProcess, ctx, answer| {
            subscribed(process, ctx, generation, answer)
        },
    );
}

fn subscribed(
    process: &mut SchedulerProcess,
    ctx: &mut Context<SchedulerProcess>,
    generation: u64,
    answer: Result<Response, Failure>,
) {
    if generation != process.http.generation {
        return; // Dropping the answer closes its stream.
    }
    process.http.subscribing = false;
    let response = match answer {
        Ok(response) => response,
        Err(failure) => {
            tracing::info!(%failure, "cannot reach the master to subscribe; retrying");
            return;
        }
    };
    if response.status != 200 {
        let body = response
            .full_body()
            .map(|body| String::from_utf8_lossy(body).into_owned())
            .unwrap_or_default();
        tracing::warn!(status = response.status, %body, "SUBSCRIBE refused; retrying");
        return;
    }
    process.http.stream_id = response.headers.get(STREAM_ID_HEADER).map(str::to_string);
    process.http.last_event = Some(ctx.runtime().clock().now());
    let content_type = process.http.content_type;
    let mut decoder = Decoder::new(MAX_EVENT_BYTES);
    let reader = match response.body {
        Body::Stream(reader) => reader,
        Body::Full(bytes) => {
            // A whole body (a refusal: ERROR and the end): every event in it, then the end.
            for inbound in decode(&mut decoder, content_type, &bytes) {
                process.received(ctx, inbound);
            }
            return stream_ended(process, ctx, generation, Ok(()));
        }
    };
    let consumer = ctx.consume(
        reader,
        move |process: &mut SchedulerProcess, ctx, chunk: Bytes| {
            if generation != process.http.generation {
                return;
            }
            process.http.last_event = Some(ctx.runtime().clock().now());
            for inbound in decode(&mut decoder, content_type, &chunk) {
                process.received(ctx, inbound);
                if generation != process.http.generation {
                    return; // The event ended this subscription (an ERROR).
                }
            }
        },
        move |process: &mut SchedulerProcess, ctx, end| {
            if generation == process.http.generation {
                process.http.consumer = None;
                stream_ended(process, ctx, generation, end);
            }
        },
    );
    process.http.consumer = Some(consumer);
}

/// The events in `chunk`; a frame or event that does not decode is logged and skipped.
fn decode(decoder: &mut Decoder, content_type: ContentType, chunk: &[u8]) -> Vec<inbound::Inbound> {
    let records = match decoder.decode(chunk) {
        Ok(records) => records,
        Err(error) => {
            tracing::warn!(%error, "the master's event stream is malformed");
            return Vec::new();
        }
    };
    records
        .iter()
        .filter_map(
            |record| match codec::decode::<v1::scheduler::Event>(content_type, record) {
                Ok(event) => Some(inbound::from_event(event)),
                Err(error) => {
                    tracing::warn!(%error, "dropping an event that does not decode");
                    None
                }
            },
        )
        .collect()
}

fn stream_ended(
    process: &mut SchedulerProcess,
    ctx: &mut Context<SchedulerProcess>,
    generation: u64,
    end: Result<(), ClientError>,
) {
    if generation != process.http.generation {
        return;
    }
    let reason = match end {
        Ok(()) => "the master closed the event stream".to_string(),
        Err(error) => format!("the event stream from the master broke: {error}"),
    };
    process.lost_master(ctx, &reason);
}

/// Ends the current subscription (if any): its stream is closed and queued calls dropped.
pub(super) fn close(process: &mut SchedulerProcess, ctx: &mut Context<SchedulerProcess>) {
    let http = &mut process.http;
    http.generation += 1;
    http.subscribing = false;
    http.stream_id = None;
    http.in_flight = false;
    http.last_event = None;
    let dropped = std::mem::take(&mut http.outbox);
    if let Some(consumer) = http.consumer.take() {
        ctx.stop_consuming(consumer);
    }
    for (_, after) in dropped {
        if let Some(after) = after {
            after(process, ctx);
        }
    }
}

/// Queues `call` (then runs `after`, whatever the answer). Calls need a subscription: without
/// one the call is dropped (and `after` runs at once).
pub(super) fn post(
    process: &mut SchedulerProcess,
    ctx: &mut Context<SchedulerProcess>,
    call: Call,
    after: Option<AfterCall>,
) {
    if process.http.stream_id.is_none() {
        tracing::debug!("dropping a call: not subscribed");
        if let Some(after) = after {
            after(process, ctx);
        }
        return;
    }
    process.http.outbox.push_back((call, after));
    send_next(process, ctx);
}

fn send_next(process: &mut SchedulerProcess, ctx: &mut Context<SchedulerProcess>) {
    if process.http.in_flight {
        return;
    }
    let Some((call, after)) = process.http.outbox.pop_front() else {
        return;
    };
    let Some((address, request)) = request(process, &call) else {
        if let Some(after) = after {
            after(process, ctx);
        }
        return;
    };
    process.http.in_flight = true;
    let generation = process.http.generation;
    let kind = call.r#type().as_str_name();
    let answer = process
        .http
        .client
        .request(address, request)
        .into_libprocess_future();
    ctx.then(
        answer,
        move |process: &mut SchedulerProcess, ctx, answer| {
            match answer {
                Ok(response) if response.status == 202 || response.status == 200 => {}
                Ok(response) => {
                    let body = response
                        .full_body()
                        .map(|body| String::from_utf8_lossy(body).into_owned())
                        .unwrap_or_default();
                    tracing::warn!(call = kind, status = response.status, %body,
                    "the master refused a call");
                }
                Err(failure) => {
                    tracing::warn!(call = kind, %failure, "a call did not reach the master")
                }
            }
            if let Some(after) = after {
                after(process, ctx);
            }
            if generation == process.http.generation {
                process.http.in_flight = false;
                send_next(process, ctx);
            }
        },
    );
}

/// After SUBSCRIBED: checks every heartbeat interval that some event came in the last
/// [`MISSED_HEARTBEATS`] intervals, else the master is lost.
pub(super) fn watch_heartbeats(
    process: &mut SchedulerProcess,
    ctx: &mut Context<SchedulerProcess>,
    seconds: f64,
) {
    let Ok(interval) = Duration::try_from_secs_f64(seconds) else {
        return;
    };
    if interval.is_zero() {
        return;
    }
    let generation = process.http.generation;
    ctx.delay(interval, move |process: &mut SchedulerProcess, ctx| {
        if generation != process.http.generation || !process.connected {
            return;
        }
        let now = ctx.runtime().clock().now();
        let quiet = process
            .http
            .last_event
            .and_then(|last| now.duration_since(last).ok())
            .unwrap_or_default();
        if quiet >= interval * MISSED_HEARTBEATS {
            process.lost_master(ctx, "no heartbeat from the master");
        } else {
            watch_heartbeats(process, ctx, seconds);
        }
    });
}
