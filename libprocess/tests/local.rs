//! Processes in one runtime: spawn/terminate/wait, ordering, send, protobuf handlers,
//! dispatch/call/recipient, delay with a paused clock, defer from a foreign thread.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use libprocess::{
    Context, Failure, Handle, Message, Process, Runtime, SpawnError, SpawnOptions, Upid,
};

const DEADLINE: Duration = Duration::from_secs(10);

fn runtime() -> Runtime {
    Runtime::builder()
        .workers(2)
        .build()
        .expect("runtime starts")
}

/// Records the names of every message it gets, in order.
#[derive(Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Process for Recorder {
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        self.seen.lock().unwrap().push(message.name);
    }
}

#[test]
fn spawn_terminate_wait() {
    let runtime = runtime();
    let pid = runtime.spawn("recorder", Recorder::default()).unwrap();
    assert!(runtime.is_alive(pid.upid()));
    pid.terminate();
    pid.wait().block_timeout(DEADLINE).unwrap().unwrap();
    assert!(!runtime.is_alive(pid.upid()));
    // The id is free again.
    runtime.spawn("recorder", Recorder::default()).unwrap();
}

#[test]
fn duplicate_and_invalid_ids_are_errors() {
    let runtime = runtime();
    runtime.spawn("same", Recorder::default()).unwrap();
    assert_eq!(
        runtime.spawn("same", Recorder::default()).unwrap_err(),
        SpawnError::DuplicateId("same".into())
    );
    assert!(matches!(
        runtime.spawn("a/b", Recorder::default()),
        Err(SpawnError::InvalidId(_))
    ));
    assert_eq!(runtime.generate_id("slave"), "slave(1)");
    assert_eq!(runtime.generate_id("slave"), "slave(2)");
}

#[test]
fn messages_arrive_one_at_a_time_in_order() {
    let runtime = runtime();
    runtime.clock().pause();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let pid = runtime
        .spawn("recorder", Recorder { seen: seen.clone() })
        .unwrap();
    for index in 0..1000 {
        runtime.send(pid.upid(), format!("m{index}"), "");
    }
    runtime.clock().settle_blocking();
    let expected: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    assert_eq!(*seen.lock().unwrap(), expected);
}

struct Counter {
    count: u64,
}

impl Process for Counter {}

struct Add(u64);

impl Handle<Add> for Counter {
    type Reply = u64;
    fn handle(&mut self, add: Add, _ctx: &mut Context<Self>) -> u64 {
        self.count += add.0;
        self.count
    }
}

#[test]
fn dispatch_call_and_recipient() {
    let runtime = runtime();
    let pid = runtime.spawn("counter", Counter { count: 0 }).unwrap();
    pid.dispatch(Add(1));
    assert_eq!(pid.call(Add(2)).block_timeout(DEADLINE).unwrap(), Ok(3));
    let recipient = pid.recipient::<Add>();
    recipient.dispatch(Add(10));
    assert_eq!(
        recipient.call(Add(0)).block_timeout(DEADLINE).unwrap(),
        Ok(13)
    );
    pid.terminate();
    pid.wait().block_timeout(DEADLINE).unwrap().unwrap();
    assert_eq!(
        pid.call(Add(1)).block_timeout(DEADLINE).unwrap(),
        Err(Failure::Abandoned)
    );
}

/// Asks the counter through `Context::call` and records the answer.
struct Asker {
    counter: libprocess::Recipient<Add, u64>,
    answers: Arc<Mutex<Vec<u64>>>,
}

impl Process for Asker {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.call(
            &self.counter,
            Add(5),
            |asker: &mut Self, _ctx: &mut Context<Self>, reply| {
                asker.answers.lock().unwrap().push(reply.unwrap());
            },
        );
    }
}

#[test]
fn call_continuation_runs_on_the_caller_and_settle_waits_for_it() {
    let runtime = runtime();
    runtime.clock().pause();
    let counter = runtime.spawn("counter", Counter { count: 0 }).unwrap();
    let answers = Arc::new(Mutex::new(Vec::new()));
    let options = SpawnOptions::default().colocate_with(counter.upid());
    runtime
        .spawn_with(
            "asker",
            Asker {
                counter: counter.recipient(),
                answers: answers.clone(),
            },
            options,
        )
        .unwrap();
    runtime.clock().settle_blocking();
    assert_eq!(*answers.lock().unwrap(), vec![5]);
}

/// Fires timers and records when.
struct Sleeper {
    fired: Arc<Mutex<Vec<&'static str>>>,
}

impl Process for Sleeper {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.delay(
            Duration::from_secs(10),
            |s: &mut Self, _ctx: &mut Context<Self>| s.fired.lock().unwrap().push("ten"),
        );
        let cancelled = ctx.delay(
            Duration::from_secs(5),
            |s: &mut Self, _: &mut Context<Self>| s.fired.lock().unwrap().push("cancelled"),
        );
        ctx.delay(
            Duration::from_secs(1),
            move |s: &mut Self, ctx: &mut Context<Self>| {
                s.fired.lock().unwrap().push("one");
                assert!(ctx.cancel(cancelled));
            },
        );
    }
}

#[test]
fn delay_fires_only_when_the_paused_clock_advances() {
    let runtime = runtime();
    runtime.clock().pause();
    let fired = Arc::new(Mutex::new(Vec::new()));
    runtime
        .spawn(
            "sleeper",
            Sleeper {
                fired: fired.clone(),
            },
        )
        .unwrap();
    runtime.clock().settle_blocking();
    assert!(fired.lock().unwrap().is_empty());
    runtime.clock().advance(Duration::from_secs(1));
    runtime.clock().settle_blocking();
    assert_eq!(*fired.lock().unwrap(), vec!["one"]);
    runtime.clock().advance(Duration::from_secs(9));
    runtime.clock().settle_blocking();
    assert_eq!(*fired.lock().unwrap(), vec!["one", "ten"]);
}

/// Hands a deferred callback to a foreign thread.
struct Reaper {
    reported: Arc<Mutex<Vec<i32>>>,
}

impl Process for Reaper {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let report = ctx.defer(|reaper: &mut Self, _ctx: &mut Context<Self>, status: i32| {
            reaper.reported.lock().unwrap().push(status);
        });
        std::thread::spawn(move || report.call(42));
    }
}

#[test]
fn defer_from_a_foreign_thread_runs_on_the_process() {
    let runtime = runtime();
    let reported = Arc::new(Mutex::new(Vec::new()));
    let pid = runtime
        .spawn(
            "reaper",
            Reaper {
                reported: reported.clone(),
            },
        )
        .unwrap();
    // Wait on a condition with a deadline: the foreign thread is outside settle's view.
    let deadline = std::time::Instant::now() + DEADLINE;
    while reported.lock().unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "deferred call never ran"
        );
        std::thread::yield_now();
    }
    assert_eq!(*reported.lock().unwrap(), vec![42]);
    let _ = pid;
}

/// A protobuf message defined here, named like a Mesos message.
#[derive(Clone, PartialEq, prost::Message)]
struct PingMessage {
    #[prost(string, tag = "1")]
    text: String,
}

impl prost::Name for PingMessage {
    const NAME: &'static str = "PingMessage";
    const PACKAGE: &'static str = "test.internal";
}

struct ProtobufReceiver {
    received: Arc<Mutex<Vec<(Upid, String)>>>,
}

impl Process for ProtobufReceiver {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install_protobuf(
            |r: &mut Self, _: &mut Context<Self>, from: Upid, ping: PingMessage| {
                r.received.lock().unwrap().push((from, ping.text));
            },
        );
    }
}

#[test]
fn protobuf_handlers_decode_and_drop_garbage() {
    let runtime = runtime();
    runtime.clock().pause();
    let received = Arc::new(Mutex::new(Vec::new()));
    let pid = runtime
        .spawn(
            "receiver",
            ProtobufReceiver {
                received: received.clone(),
            },
        )
        .unwrap();
    let from: Upid = "someone@10.0.0.1:5050".parse().unwrap();
    let message = PingMessage { text: "hi".into() };
    runtime.send_protobuf_from(&from, pid.upid(), &message);
    runtime.send_from(
        &from,
        pid.upid(),
        "test.internal.PingMessage",
        vec![0xff, 0xff, 0xff],
    );
    runtime.clock().settle_blocking();
    assert_eq!(*received.lock().unwrap(), vec![(from, "hi".to_owned())]);
    assert!(
        runtime.is_alive(pid.upid()),
        "garbage must not kill the process"
    );
}

/// Uses `then` and `spawn_io`.
struct Waiter {
    got: Arc<Mutex<Vec<u32>>>,
}

impl Process for Waiter {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let (first, first_future) = libprocess::Promise::new();
        let (second, second_future) = libprocess::Promise::new();
        ctx.then(
            first_future,
            |w: &mut Self, _: &mut Context<Self>, value: Result<u32, Failure>| {
                w.got.lock().unwrap().push(value.unwrap());
            },
        );
        ctx.then(
            second_future,
            |w: &mut Self, _: &mut Context<Self>, value: Result<u32, Failure>| {
                w.got.lock().unwrap().push(value.unwrap());
            },
        );
        // Continuations run in the order their futures are set.
        second.set(2);
        first.set(1);
        ctx.spawn_io(
            async { 3u32 },
            |w: &mut Self, _: &mut Context<Self>, value: u32| {
                w.got.lock().unwrap().push(value);
            },
        );
    }
}

#[test]
fn then_and_spawn_io_continue_on_the_process() {
    let runtime = runtime();
    let got = Arc::new(Mutex::new(Vec::new()));
    runtime
        .spawn("waiter", Waiter { got: got.clone() })
        .unwrap();
    let deadline = std::time::Instant::now() + DEADLINE;
    while got.lock().unwrap().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "continuations never ran"
        );
        std::thread::yield_now();
    }
    assert_eq!(*got.lock().unwrap(), vec![2, 1, 3]);
}

#[test]
fn handles_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Runtime>();
    send_sync::<libprocess::Pid<Counter>>();
    send_sync::<libprocess::Recipient<Add, u64>>();
    send_sync::<libprocess::StreamWriter>();
    send_sync::<libprocess::Clock>();
    send_sync::<libprocess::Filters>();
    send_sync::<libprocess::Metrics>();
    send::<libprocess::Deferred<u32>>();
    send::<libprocess::Future<u32>>();
    send::<libprocess::Promise<u32>>();
}
