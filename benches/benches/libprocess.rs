//! libprocess message throughput and latency: local one-way send, local request/response,
//! cross-process one-way send over loopback HTTP (pipelined), and cross-process round trips.
//!
//! The cross-process benches need a peer OS process: this binary re-executes itself with
//! `LIBPROCESS_BENCH_PEER=1`, and the peer prints its address, then serves until its stdin
//! closes. Fixed parameters: 64-byte bodies; local pairs share one worker thread.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use criterion::{Criterion, Throughput};
use libprocess::{Context, Handle, Message, Process, Promise, Runtime, SpawnOptions, Upid};

const PEER_ENV: &str = "LIBPROCESS_BENCH_PEER";
const BODY: &[u8] = &[b'x'; 64];
/// How many messages a sender queues before letting the receiver run.
const BURST: u64 = 4096;

/// Counts messages; completes the armed promise when the count reaches its target.
#[derive(Default)]
struct Sink {
    count: u64,
    target: u64,
    done: Option<Promise<()>>,
}

struct Arm(u64, Promise<()>);

impl Handle<Arm> for Sink {
    type Reply = ();
    fn handle(&mut self, Arm(target, done): Arm, _ctx: &mut Context<Self>) {
        self.count = 0;
        self.target = target;
        self.done = Some(done);
    }
}

impl Process for Sink {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install("m", |sink: &mut Self, _: &mut Context<Self>, _: Message| {
            sink.count += 1;
            if sink.count == sink.target
                && let Some(done) = sink.done.take()
            {
                done.set(());
            }
        });
        // Remote: answers `flush` once every earlier message from the sender is handled.
        ctx.install(
            "flush",
            |_: &mut Self, ctx: &mut Context<Self>, message: Message| {
                ctx.send(&message.from, "flushed", "");
            },
        );
    }
}

/// Sends `remaining` messages to `to` in bursts, yielding between bursts.
struct Sender;

struct Send {
    to: Upid,
    remaining: u64,
}

impl Handle<Send> for Sender {
    type Reply = ();
    fn handle(&mut self, send: Send, ctx: &mut Context<Self>) {
        let burst = send.remaining.min(BURST);
        for _ in 0..burst {
            ctx.send(&send.to, "m", BODY);
        }
        if send.remaining > burst {
            ctx.pid().dispatch(Send {
                to: send.to,
                remaining: send.remaining - burst,
            });
        }
    }
}

impl Process for Sender {}

/// Answers `ping` with `pong`.
struct Ponger;

impl Process for Ponger {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "ping",
            |_: &mut Self, ctx: &mut Context<Self>, message: Message| {
                ctx.send(&message.from, "pong", message.body);
            },
        );
    }
}

/// Pings with one message in flight until `remaining` pongs came back; records latencies.
#[derive(Default)]
struct Pinger {
    remaining: u64,
    sent_at: Option<Instant>,
    to: Option<Upid>,
    latencies: Option<Arc<Mutex<Vec<Duration>>>>,
    done: Option<Promise<()>>,
}

struct Start {
    to: Upid,
    count: u64,
    latencies: Option<Arc<Mutex<Vec<Duration>>>>,
    done: Promise<()>,
}

impl Handle<Start> for Pinger {
    type Reply = ();
    fn handle(&mut self, start: Start, ctx: &mut Context<Self>) {
        self.remaining = start.count;
        self.latencies = start.latencies;
        self.done = Some(start.done);
        self.sent_at = Some(Instant::now());
        ctx.send(&start.to, "ping", BODY);
        self.to = Some(start.to);
    }
}

impl Process for Pinger {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "pong",
            |pinger: &mut Self, ctx: &mut Context<Self>, message: Message| {
                if let (Some(latencies), Some(sent_at)) = (&pinger.latencies, pinger.sent_at) {
                    latencies.lock().expect("lock").push(sent_at.elapsed());
                }
                pinger.remaining -= 1;
                if pinger.remaining == 0 {
                    if let Some(done) = pinger.done.take() {
                        done.set(());
                    }
                    return;
                }
                if let Some(to) = &pinger.to {
                    pinger.sent_at = Some(Instant::now());
                    ctx.send(to, "ping", message.body);
                }
            },
        );
    }
}

/// Waits for `flushed` from the remote sink.
#[derive(Default)]
struct Flusher {
    waiting: Arc<Mutex<Option<Promise<()>>>>,
}

impl Process for Flusher {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "flushed",
            |flusher: &mut Self, _: &mut Context<Self>, _: Message| {
                if let Some(done) = flusher.waiting.lock().expect("lock").take() {
                    done.set(());
                }
            },
        );
    }
}

fn block(future: libprocess::Future<()>) {
    future
        .block_timeout(Duration::from_secs(120))
        .expect("bench step timed out")
        .expect("bench step");
}

fn local_benches(c: &mut Criterion) {
    let runtime = Runtime::builder().build().expect("runtime");
    let sink = runtime.spawn("sink", Sink::default()).expect("sink");
    let colocated = SpawnOptions::default().colocate_with(sink.upid());
    let sender = runtime
        .spawn_with("sender", Sender, colocated.clone())
        .expect("sender");
    let ponger = runtime
        .spawn_with("ponger", Ponger, colocated.clone())
        .expect("ponger");
    let pinger = runtime
        .spawn_with("pinger", Pinger::default(), colocated)
        .expect("pinger");

    let mut group = c.benchmark_group("libprocess");
    group.throughput(Throughput::Elements(1));
    group.bench_function("local_send", |b| {
        b.iter_custom(|iters| {
            let (done, finished) = Promise::new();
            block(sink.call(Arm(iters, done)).map(|_| ()));
            let started = Instant::now();
            sender.dispatch(Send {
                to: sink.upid().clone(),
                remaining: iters,
            });
            block(finished);
            started.elapsed()
        })
    });
    group.bench_function("local_request_response", |b| {
        b.iter_custom(|iters| {
            let (done, finished) = Promise::new();
            let started = Instant::now();
            pinger.dispatch(Start {
                to: ponger.upid().clone(),
                count: iters,
                latencies: None,
                done,
            });
            block(finished);
            started.elapsed()
        })
    });
    group.finish();
}

/// The peer OS process, killed when dropped.
struct Peer {
    child: Child,
    address: std::net::SocketAddr,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_peer() -> Peer {
    let exe = std::env::current_exe().expect("bench binary");
    let mut child = Command::new(exe)
        .env(PEER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("peer starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("peer address");
    let address = line.trim().parse().expect("peer prints its address");
    Peer { child, address }
}

fn run_peer() {
    let runtime = Runtime::builder().workers(1).build().expect("peer runtime");
    let sink = runtime.spawn("sink", Sink::default()).expect("sink");
    runtime
        .spawn_with(
            "ponger",
            Ponger,
            SpawnOptions::default().colocate_with(sink.upid()),
        )
        .expect("ponger");
    println!("{}", runtime.address());
    // Serve until the bench closes our stdin (or dies).
    let mut ignored = String::new();
    let _ = std::io::stdin().read_line(&mut ignored);
}

fn remote_benches(c: &mut Criterion) {
    let peer = start_peer();
    let runtime = Runtime::builder().build().expect("runtime");
    let flusher = Flusher::default();
    let waiting = flusher.waiting.clone();
    let flusher = runtime.spawn("flusher", flusher).expect("flusher");
    let pinger = runtime.spawn("pinger", Pinger::default()).expect("pinger");
    let remote_sink = Upid::new("sink", peer.address);
    let remote_ponger = Upid::new("ponger", peer.address);

    let mut group = c.benchmark_group("libprocess");
    group.throughput(Throughput::Elements(1));
    group.bench_function("remote_send_pipelined", |b| {
        b.iter_custom(|iters| {
            let (done, flushed) = Promise::new();
            *waiting.lock().expect("lock") = Some(done);
            let started = Instant::now();
            for _ in 0..iters {
                runtime.send_from(flusher.upid(), &remote_sink, "m", BODY);
            }
            runtime.send_from(flusher.upid(), &remote_sink, "flush", "");
            block(flushed);
            started.elapsed()
        })
    });
    group.bench_function("remote_round_trip", |b| {
        b.iter_custom(|iters| {
            let (done, finished) = Promise::new();
            let started = Instant::now();
            pinger.dispatch(Start {
                to: remote_ponger.clone(),
                count: iters,
                latencies: None,
                done,
            });
            block(finished);
            started.elapsed()
        })
    });
    group.finish();

    // Latency percentiles of single round trips, which criterion's per-sample means hide.
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(20_000)));
    let (done, finished) = Promise::new();
    pinger.dispatch(Start {
        to: remote_ponger,
        count: 20_000,
        latencies: Some(latencies.clone()),
        done,
    });
    block(finished);
    let mut latencies = latencies.lock().expect("lock").clone();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "libprocess/remote_round_trip latency over 20000 round trips: p50 {:?}, p90 {:?}, p99 {:?}",
        at(0.5),
        at(0.9),
        at(0.99)
    );
}

fn main() {
    if std::env::var_os(PEER_ENV).is_some() {
        run_peer();
        return;
    }
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    local_benches(&mut criterion);
    remote_benches(&mut criterion);
    criterion.final_summary();
}
