//! The two sides of a consumed stream: a `Publisher` serving `/events` as a stream it
//! writes to on command or on a timer, and a `Subscriber` that asks for it (through
//! `Runtime::http` or the HTTP client) and consumes it with `Context::consume`, logging
//! every chunk and the end.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use libprocess::{
    Body, ConsumerId, Context, Failure, Handle, Headers, Pid, Process, Request, Response,
    StreamWriter,
    http::{Client, ClientError, StreamClosed},
};

/// What the publisher's side saw.
#[derive(Debug, Default)]
pub struct PublisherLog {
    /// How many times an `on_closed` continuation of a subscriber's stream ran.
    pub closed: usize,
}

/// Serves `GET /events[?preload=K][&end=1]`: a stream with K chunks `preload-0..K` already
/// written (and ended at once with `end=1`). The latest stream is the one written to.
pub struct Publisher {
    subscriber: Option<StreamWriter>,
    /// Set with [`Tick`]: writes `tick-<n>` every period.
    tick_period: Option<Duration>,
    ticks: usize,
    pub log: Arc<Mutex<PublisherLog>>,
}

impl Publisher {
    pub fn new() -> (Publisher, Arc<Mutex<PublisherLog>>) {
        let log = Arc::new(Mutex::new(PublisherLog::default()));
        let publisher = Publisher {
            subscriber: None,
            tick_period: None,
            ticks: 0,
            log: log.clone(),
        };
        (publisher, log)
    }

    fn tick(&mut self, ctx: &mut Context<Self>) {
        let Some(period) = self.tick_period else {
            return;
        };
        ctx.delay(period, |publisher: &mut Self, ctx: &mut Context<Self>| {
            publisher.ticks += 1;
            if let Some(subscriber) = &publisher.subscriber {
                let _ = subscriber.write(format!("tick-{}", publisher.ticks));
            }
            publisher.tick(ctx);
        });
    }
}

impl Process for Publisher {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/events",
            |publisher: &mut Self, ctx: &mut Context<Self>, request: Request| {
                let (response, writer) = Response::stream(200, Headers::new());
                let preload: usize = request
                    .query_value("preload")
                    .and_then(|k| k.parse().ok())
                    .unwrap_or(0);
                for index in 0..preload {
                    writer.write(format!("preload-{index}")).unwrap();
                }
                ctx.on_closed(&writer, |publisher: &mut Self, _: &mut Context<Self>| {
                    publisher.log.lock().unwrap().closed += 1;
                });
                if request.query_value("end") != Some("1") {
                    publisher.subscriber = Some(writer);
                }
                response
            },
        );
    }
}

/// Writes each string as one chunk, in one handler; answers the first failure.
pub struct Write(pub Vec<String>);

impl Handle<Write> for Publisher {
    type Reply = Result<(), StreamClosed>;

    fn handle(&mut self, write: Write, _: &mut Context<Self>) -> Result<(), StreamClosed> {
        let subscriber = self.subscriber.as_ref().ok_or(StreamClosed)?;
        write
            .0
            .into_iter()
            .try_for_each(|chunk| subscriber.write(chunk))
    }
}

/// Ends the subscriber's stream cleanly (drops the writer).
pub struct Finish;

impl Handle<Finish> for Publisher {
    type Reply = ();

    fn handle(&mut self, _: Finish, _: &mut Context<Self>) {
        self.subscriber = None;
    }
}

/// Writes `tick-<n>` on the subscriber's stream every period, from a timer.
pub struct Tick(pub Duration);

impl Handle<Tick> for Publisher {
    type Reply = ();

    fn handle(&mut self, tick: Tick, ctx: &mut Context<Self>) {
        self.tick_period = Some(tick.0);
        self.tick(ctx);
    }
}

/// What reached a subscriber, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A chunk, as text.
    Chunk(String),
    /// The end of the stream.
    End(Result<(), ClientError>),
    /// The response was not a stream (or never came).
    NoStream(String),
}

/// The chunks `prefix-0..count`, as the subscriber logs them.
pub fn chunks(prefix: &str, count: usize) -> Vec<Seen> {
    (0..count)
        .map(|index| Seen::Chunk(format!("{prefix}-{index}")))
        .collect()
}

/// How the subscriber asks for the stream.
pub enum Via {
    /// `Runtime::http` on its own runtime.
    Runtime,
    /// The HTTP client, to this address (the own runtime's address takes the in-process
    /// short cut).
    Client(Client, SocketAddr),
}

/// Asks for `path` when it starts and consumes the stream, logging what it sees; stops
/// consuming on its own after `stop_after` chunks if set.
pub struct Subscriber {
    pub path: String,
    pub via: Via,
    pub stop_after: Option<usize>,
    pub log: Arc<Mutex<Vec<Seen>>>,
    consumer: Option<ConsumerId>,
    chunks: usize,
}

impl Subscriber {
    pub fn new(path: String, via: Via) -> (Subscriber, Arc<Mutex<Vec<Seen>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let subscriber = Subscriber {
            path,
            via,
            stop_after: None,
            log: log.clone(),
            consumer: None,
            chunks: 0,
        };
        (subscriber, log)
    }

    fn seen(&self, seen: Seen) {
        self.log.lock().unwrap().push(seen);
    }

    fn subscribed(&mut self, ctx: &mut Context<Self>, response: Result<Response, Failure>) {
        let reader = match response.map(|response| response.body) {
            Ok(Body::Stream(reader)) => reader,
            other => return self.seen(Seen::NoStream(format!("{other:?}"))),
        };
        let consumer = ctx.consume(
            reader,
            |subscriber: &mut Self, ctx: &mut Context<Self>, chunk| {
                subscriber.seen(Seen::Chunk(String::from_utf8_lossy(&chunk).into_owned()));
                subscriber.chunks += 1;
                if Some(subscriber.chunks) == subscriber.stop_after
                    && let Some(consumer) = subscriber.consumer
                {
                    assert!(ctx.stop_consuming(consumer));
                    assert!(!ctx.is_consuming(consumer));
                }
            },
            |subscriber: &mut Self, _: &mut Context<Self>, end| subscriber.seen(Seen::End(end)),
        );
        self.consumer = Some(consumer);
    }
}

impl Process for Subscriber {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let request = Request::get(self.path.as_str());
        let response = match &self.via {
            Via::Runtime => ctx.runtime().http(request),
            Via::Client(client, address) => {
                client.request(*address, request).into_libprocess_future()
            }
        };
        ctx.then(
            response,
            |subscriber: &mut Self, ctx: &mut Context<Self>, response| {
                subscriber.subscribed(ctx, response)
            },
        );
    }
}

/// Stops consuming the stream (as a driver does when it moves to a new subscription).
pub struct StopConsuming;

impl Handle<StopConsuming> for Subscriber {
    type Reply = bool;

    fn handle(&mut self, _: StopConsuming, ctx: &mut Context<Self>) -> bool {
        self.consumer
            .is_some_and(|consumer| ctx.stop_consuming(consumer))
    }
}

/// A publisher and a subscriber of its `/events`, with what each saw.
pub struct Pair {
    pub publisher: Pid<Publisher>,
    pub published: Arc<Mutex<PublisherLog>>,
    pub subscriber: Pid<Subscriber>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Pair {
    /// What the subscriber saw so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many times the publisher heard a subscriber's stream close.
    pub fn closed(&self) -> usize {
        self.published.lock().unwrap().closed
    }
}
