//! The processes of the panic tests: a panicker (panicking in the event its `When` names),
//! a watcher linked to it, a bystander on the same worker thread, a victim whose exit it
//! hears and a publisher whose stream it consumes.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc,
    },
    time::Duration,
};

use libprocess::{
    Body, Context, Deferred, Future, Handle, Headers, Message, Pid, Process, Promise, Reply,
    Request, Response, Runtime, SpawnOptions, StreamWriter, Upid,
};

use crate::support::{DEADLINE, Recorder, runtime};

/// The message whose handler always panics.
pub const BOOM: &str = "boom";

/// The message whose handler sends an HTTP request to its own process, then panics.
pub const QUEUE_AND_BOOM: &str = "queue-and-boom";

/// How long the panicker's timer waits.
pub const TIMER: Duration = Duration::from_secs(5);

/// Where the panicker panics on its own; it always panics on [`BOOM`], on a [`Boom`]
/// dispatch and on `GET /panicker/boom`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum When {
    /// Only when asked to.
    OnDemand,
    Initialize,
    /// In `unhandled`, for any message without a handler.
    Unhandled,
    /// In a timer of [`TIMER`] set in `initialize`.
    Timer,
    /// In the continuation of a future whose promise it hands out.
    Then,
    /// In a deferred callback it hands out.
    Deferred,
    /// In `exited`, when the victim terminates.
    Exited,
    /// On the first chunk of the publisher's stream.
    StreamChunk,
    /// In `finalize`.
    Finalize,
}

/// A typed dispatch that panics.
pub struct Boom;

/// A shared slot through which a process hands something to the test.
pub type Slot<T> = Arc<Mutex<Option<T>>>;

/// Panics where told to; also serves `/events` (a stream it writes), `/later` (a reply it
/// keeps until it dies) and `/boom` (a route that panics).
pub struct Panicker {
    when: When,
    promise: Slot<Promise<()>>,
    deferred: Slot<Deferred<()>>,
    /// The answer to the request [`QUEUE_AND_BOOM`] queued.
    queued: Slot<Future<Response>>,
    victim: Option<Upid>,
    /// Held so that the process owes this reply when it dies.
    later: Vec<Promise<Response>>,
    subscribers: Vec<StreamWriter>,
}

impl Panicker {
    pub fn new(when: When) -> Self {
        Self {
            when,
            promise: Slot::default(),
            deferred: Slot::default(),
            queued: Slot::default(),
            victim: None,
            later: Vec::new(),
            subscribers: Vec::new(),
        }
    }
}

impl Process for Panicker {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(BOOM, |_: &mut Self, _: &mut Context<Self>, _: Message| {
            panic!("the boom handler panics")
        });
        ctx.install(
            QUEUE_AND_BOOM,
            |panicker: &mut Self, ctx: &mut Context<Self>, _: Message| {
                let queued = ctx.runtime().http(Request::get("/panicker/queued"));
                *panicker.queued.lock().unwrap() = Some(queued);
                panic!("the queue-and-boom handler panics")
            },
        );
        ctx.route("/queued", |_: &mut Self, _: &mut Context<Self>, _| {
            Response::ok("never served: the process dies first")
        });
        ctx.route(
            "/boom",
            |_: &mut Self, _: &mut Context<Self>, _| -> Response {
                panic!("the boom route panics")
            },
        );
        ctx.route("/later", |panicker: &mut Self, _: &mut Context<Self>, _| {
            let (promise, future) = Promise::new();
            panicker.later.push(promise);
            Reply::Later(future)
        });
        ctx.route(
            "/events",
            |panicker: &mut Self, _: &mut Context<Self>, _| {
                let (response, writer) = Response::stream(200, Headers::new());
                panicker.subscribers.push(writer);
                response
            },
        );
        match self.when {
            When::Initialize => panic!("initialize panics"),
            When::Timer => {
                ctx.delay(TIMER, |_: &mut Self, _: &mut Context<Self>| {
                    panic!("the timer panics")
                });
            }
            When::Then => {
                let (promise, future) = Promise::new();
                *self.promise.lock().unwrap() = Some(promise);
                ctx.then(future, |_: &mut Self, _: &mut Context<Self>, _| {
                    panic!("the continuation panics")
                });
            }
            When::Deferred => {
                let deferred = ctx.defer(|_: &mut Self, _: &mut Context<Self>, ()| {
                    panic!("the deferred callback panics")
                });
                *self.deferred.lock().unwrap() = Some(deferred);
            }
            When::Exited => {
                if let Some(victim) = &self.victim {
                    ctx.link(victim);
                }
            }
            When::StreamChunk => {
                let response = ctx.runtime().http(Request::get("/publisher/events"));
                ctx.then(
                    response,
                    |_: &mut Self, ctx: &mut Context<Self>, response| {
                        let Ok(Response {
                            body: Body::Stream(reader),
                            ..
                        }) = response
                        else {
                            panic!("the publisher streams")
                        };
                        ctx.consume(
                            reader,
                            |_: &mut Self, _: &mut Context<Self>, _| {
                                panic!("the chunk handler panics")
                            },
                            |_: &mut Self, _: &mut Context<Self>, _| {},
                        );
                    },
                );
            }
            When::OnDemand | When::Unhandled | When::Finalize => {}
        }
    }

    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        if self.when == When::Unhandled {
            panic!("unhandled panics on {}", message.name);
        }
    }

    fn exited(&mut self, _ctx: &mut Context<Self>, pid: &Upid) {
        if self.when == When::Exited {
            panic!("exited panics on {pid}");
        }
    }

    fn finalize(&mut self, _ctx: &mut Context<Self>) {
        if self.when == When::Finalize {
            panic!("finalize panics");
        }
    }
}

impl Handle<Boom> for Panicker {
    type Reply = ();

    fn handle(&mut self, _: Boom, _: &mut Context<Self>) {
        panic!("the Boom dispatch panics")
    }
}

/// Links to `watched` and records every exit it hears.
pub struct Watcher {
    watched: Upid,
    exited: Arc<Mutex<Vec<Upid>>>,
}

impl Process for Watcher {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.link(&self.watched);
    }

    fn exited(&mut self, _ctx: &mut Context<Self>, pid: &Upid) {
        self.exited.lock().unwrap().push(pid.clone());
    }
}

/// Counts `ping`s.
pub struct Bystander {
    pings: Arc<AtomicUsize>,
}

impl Process for Bystander {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install("ping", |bystander: &mut Self, _: &mut Context<Self>, _| {
            bystander.pings.fetch_add(1, Ordering::SeqCst);
        });
    }
}

/// Streams `tick` bodies to whoever GETs `/events`, noting when the reader goes.
pub struct Publisher {
    subscriber: Option<StreamWriter>,
    saw_close: Arc<AtomicBool>,
}

impl Process for Publisher {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/events",
            |publisher: &mut Self, ctx: &mut Context<Self>, _| {
                let (response, writer) = Response::stream(200, Headers::new());
                ctx.on_closed(&writer, |publisher: &mut Self, _: &mut Context<Self>| {
                    publisher.saw_close.store(true, Ordering::SeqCst);
                });
                publisher.subscriber = Some(writer);
                response
            },
        );
        ctx.install(
            "tick",
            |publisher: &mut Self, _: &mut Context<Self>, message| {
                if let Some(subscriber) = &publisher.subscriber {
                    let _ = subscriber.write(message.body);
                }
            },
        );
    }
}

/// One runtime (paused clock) with a panicker and the processes around it.
pub struct Fixture {
    pub runtime: Runtime,
    pub panicker: Pid<Panicker>,
    pub promise: Slot<Promise<()>>,
    pub deferred: Slot<Deferred<()>>,
    pub queued: Slot<Future<Response>>,
    pub victim: Pid<Recorder>,
    pub publisher: Pid<Publisher>,
    pub publisher_saw_close: Arc<AtomicBool>,
    exited: Arc<Mutex<Vec<Upid>>>,
    bystander: Pid<Bystander>,
    pings: Arc<AtomicUsize>,
}

impl Fixture {
    pub fn new(when: When) -> Self {
        let runtime = runtime();
        runtime.clock().pause();
        let pings = Arc::new(AtomicUsize::new(0));
        let bystander = Bystander {
            pings: pings.clone(),
        };
        let bystander = runtime.spawn("bystander", bystander).unwrap();
        let victim = runtime.spawn("victim", Recorder::default()).unwrap();
        let publisher_saw_close = Arc::new(AtomicBool::new(false));
        let publisher = Publisher {
            subscriber: None,
            saw_close: publisher_saw_close.clone(),
        };
        let publisher = runtime.spawn("publisher", publisher).unwrap();
        let mut panicker = Panicker::new(when);
        panicker.victim = Some(victim.upid().clone());
        let promise = panicker.promise.clone();
        let deferred = panicker.deferred.clone();
        let queued = panicker.queued.clone();
        // On the bystander's thread, so that a panic that took the thread down would show.
        let colocated = SpawnOptions::default().colocate_with(bystander.upid());
        let panicker = runtime.spawn_with("panicker", panicker, colocated).unwrap();
        let exited = Arc::new(Mutex::new(Vec::new()));
        let watcher = Watcher {
            watched: panicker.upid().clone(),
            exited: exited.clone(),
        };
        runtime.spawn("watcher", watcher).unwrap();
        Self {
            runtime,
            panicker,
            promise,
            deferred,
            queued,
            victim,
            publisher,
            publisher_saw_close,
            exited,
            bystander,
            pings,
        }
    }

    /// Settles the runtime, failing the test (rather than hanging it) if settle does not
    /// return within [`DEADLINE`].
    pub fn settle(&self) {
        settle_within_deadline(&self.runtime);
    }

    /// The panicker is gone and nothing else is: see the crate docs, "Panics".
    pub fn assert_died_alone(&self) {
        let panicker = self.panicker.upid();
        assert!(!self.runtime.is_alive(panicker), "the panicker still lives");
        assert!(
            self.panicker.wait().block_timeout(DEADLINE).is_ok(),
            "waiters on the panicker resolve"
        );
        assert!(self.runtime.wait(panicker).block_timeout(DEADLINE).is_ok());
        assert_eq!(
            *self.exited.lock().unwrap(),
            std::slice::from_ref(panicker),
            "the linker hears exited once"
        );

        let before = self.pings.load(Ordering::SeqCst);
        self.runtime.send(self.bystander.upid(), "ping", "");
        self.settle();
        assert_eq!(
            self.pings.load(Ordering::SeqCst),
            before + 1,
            "the process on the same thread keeps working"
        );

        let ids = process_ids(&self.runtime);
        assert!(!ids.contains(&"panicker".to_owned()), "{ids:?}");
        for id in ["bystander", "watcher", "publisher"] {
            assert!(ids.contains(&id.to_owned()), "{id} is listed: {ids:?}");
        }
        let response = self.runtime.http(Request::get("/panicker/later"));
        let response = response.block_timeout(DEADLINE).ok().map(|r| r.unwrap());
        assert_eq!(response.map(|r| r.status), Some(404), "no such process now");
    }
}

/// Settles `runtime` on another thread, failing the test if it has not returned within
/// [`DEADLINE`].
pub fn settle_within_deadline(runtime: &Runtime) {
    let (settled, done) = mpsc::channel();
    let runtime = runtime.clone();
    std::thread::spawn(move || {
        runtime.clock().settle_blocking();
        let _ = settled.send(());
    });
    done.recv_timeout(DEADLINE)
        .expect("settle returns: the dead process no longer counts as pending work");
}

/// The ids `/__processes__` lists.
pub fn process_ids(runtime: &Runtime) -> Vec<String> {
    let response = runtime.http(Request::get("/__processes__"));
    let response = response.block_timeout(DEADLINE).ok().map(|r| r.unwrap());
    let json: serde_json::Value =
        serde_json::from_str(&body(response.expect("answered"))).expect("/__processes__ is JSON");
    json.as_array()
        .expect("an array")
        .iter()
        .filter_map(|entry| entry["id"].as_str().map(str::to_owned))
        .collect()
}

/// The text of a whole response body.
pub fn body(response: Response) -> String {
    match response.body {
        Body::Full(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Body::Stream(_) => panic!("expected a whole body"),
    }
}
