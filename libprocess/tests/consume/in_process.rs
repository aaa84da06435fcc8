//! In-process streams on the paused clock: settle alone (no waiting on a condition) covers
//! every chunk written, the end, and the writer hearing that the consumer went away.

use std::{sync::mpsc, time::Duration};

use libprocess::{
    Runtime,
    http::{Client, StreamClosed},
};

use crate::{
    processes::{
        Finish, Pair, Publisher, Seen, StopConsuming, Subscriber, Tick, Via, Write, chunks,
    },
    support::{self, DEADLINE},
};

/// How many times each scenario runs.
const ITERATIONS: usize = 200;

/// A runtime on the paused clock.
fn paused_runtime() -> Runtime {
    let runtime = support::runtime();
    runtime.clock().pause();
    runtime
}

/// Settles, failing the test (instead of hanging) if the runtime never gets quiet.
fn settle(runtime: &Runtime) {
    let (done, settled) = mpsc::channel();
    let clock = runtime.clock().clone();
    std::thread::spawn(move || {
        clock.settle_blocking();
        let _ = done.send(());
    });
    settled
        .recv_timeout(DEADLINE)
        .expect("the runtime did not settle (did a handler panic?)");
}

fn texts(prefix: &str, count: usize) -> Vec<String> {
    (0..count)
        .map(|index| format!("{prefix}-{index}"))
        .collect()
}

/// A fresh pair for one iteration: the subscriber asks for
/// `/publisher-<iteration>/events<query>`, through `Runtime::http` on even iterations and the
/// client's in-process short cut on odd ones.
fn spawn_pair(runtime: &Runtime, iteration: usize, query: &str, stop_after: Option<usize>) -> Pair {
    let (publisher, published) = Publisher::new();
    let publisher = runtime
        .spawn(format!("publisher-{iteration}"), publisher)
        .unwrap();
    let via = if iteration.is_multiple_of(2) {
        Via::Runtime
    } else {
        Via::Client(Client::new(runtime), runtime.address())
    };
    let path = format!("/publisher-{iteration}/events{query}");
    let (mut subscriber, seen) = Subscriber::new(path, via);
    subscriber.stop_after = stop_after;
    let subscriber = runtime
        .spawn(format!("subscriber-{iteration}"), subscriber)
        .unwrap();
    Pair {
        publisher,
        published,
        subscriber,
        seen,
    }
}

/// Writes `chunks` in one handler of the publisher and settles; the write's result.
fn write(pair: &Pair, runtime: &Runtime, chunks: Vec<String>) -> Result<(), StreamClosed> {
    let written = pair.publisher.call(Write(chunks));
    settle(runtime);
    assert!(written.is_ready(), "settle returned before the write ran");
    written.block().unwrap()
}

/// Terminates both processes of `pair` and settles.
fn terminate(pair: Pair, runtime: &Runtime) {
    pair.subscriber.terminate();
    pair.publisher.terminate();
    settle(runtime);
}

#[test]
fn every_chunk_written_in_one_handler_is_handled_when_settle_returns() {
    let runtime = paused_runtime();
    for iteration in 0..ITERATIONS {
        let pair = spawn_pair(&runtime, iteration, "", None);
        settle(&runtime);
        let count = 1 + iteration % 50;
        assert_eq!(write(&pair, &runtime, texts("burst", count)), Ok(()));
        assert_eq!(pair.seen(), chunks("burst", count), "iteration {iteration}");
        // A second burst follows the first, in order.
        assert_eq!(write(&pair, &runtime, texts("again", 3)), Ok(()));
        let mut expected = chunks("burst", count);
        expected.extend(chunks("again", 3));
        assert_eq!(pair.seen(), expected, "iteration {iteration}");
        assert_eq!(pair.closed(), 0);
        terminate(pair, &runtime);
    }
}

#[test]
fn writes_from_timers_are_handled_when_settle_returns_after_advance() {
    let runtime = paused_runtime();
    let pair = spawn_pair(&runtime, 0, "", None);
    settle(&runtime);
    pair.publisher.dispatch(Tick(Duration::from_secs(1)));
    settle(&runtime);
    assert!(pair.seen().is_empty());
    for tick in 1..=ITERATIONS {
        runtime.clock().advance(Duration::from_secs(1));
        settle(&runtime);
        let seen = pair.seen();
        assert_eq!(seen.len(), tick, "{seen:?}");
        assert_eq!(seen.last(), Some(&Seen::Chunk(format!("tick-{tick}"))));
    }
    terminate(pair, &runtime);
}

#[test]
fn chunks_written_before_consuming_come_first_and_the_end_comes_last() {
    let runtime = paused_runtime();
    for iteration in 0..ITERATIONS {
        let preload = iteration % 4;
        // Every third stream is ended by the publisher before the subscriber consumes it.
        let ended_early = iteration.is_multiple_of(3);
        let query = if ended_early {
            format!("?preload={preload}&end=1")
        } else {
            format!("?preload={preload}")
        };
        let pair = spawn_pair(&runtime, iteration, &query, None);
        settle(&runtime);
        let mut expected = chunks("preload", preload);
        if !ended_early {
            assert_eq!(pair.seen(), expected, "iteration {iteration}");
            assert_eq!(write(&pair, &runtime, texts("live", 2)), Ok(()));
            expected.extend(chunks("live", 2));
            pair.publisher.dispatch(Finish);
            settle(&runtime);
        }
        expected.push(Seen::End(Ok(())));
        assert_eq!(pair.seen(), expected, "iteration {iteration}");
        // The consumer let go of the stream after its end: the writer's side heard it.
        assert_eq!(pair.closed(), 1, "iteration {iteration}");
        terminate(pair, &runtime);
    }
}

#[test]
fn a_terminated_consumer_closes_the_stream_for_the_writer() {
    let runtime = paused_runtime();
    for iteration in 0..ITERATIONS {
        let pair = spawn_pair(&runtime, iteration, "", None);
        settle(&runtime);
        assert_eq!(write(&pair, &runtime, texts("before", 3)), Ok(()));
        if iteration.is_multiple_of(2) {
            pair.subscriber.terminate();
        } else {
            // Terminate while a burst may still be queued on the subscriber.
            let written = pair.publisher.call(Write(texts("racing", 20)));
            pair.subscriber.terminate();
            settle(&runtime);
            assert!(written.is_ready());
        }
        settle(&runtime);
        assert_eq!(pair.closed(), 1, "on_closed ran, iteration {iteration}");
        assert_eq!(write(&pair, &runtime, texts("after", 1)), Err(StreamClosed));
        // What arrived is the chunks in order, never an end.
        let seen = pair.seen();
        let mut expected = chunks("before", 3);
        expected.extend(chunks("racing", 20));
        assert!(
            expected.starts_with(&seen),
            "iteration {iteration}: {seen:?}"
        );
        assert!(seen.len() >= 3);
        terminate(pair, &runtime);
    }
}

#[test]
fn a_consumer_that_stops_closes_the_stream_and_hears_nothing_more() {
    let runtime = paused_runtime();
    for iteration in 0..ITERATIONS {
        // Even iterations stop from inside the chunk handler, after the third chunk of a
        // burst of ten (the other seven are already queued); odd ones stop from outside.
        let stop_after = iteration.is_multiple_of(2).then_some(3);
        let pair = spawn_pair(&runtime, iteration, "", stop_after);
        settle(&runtime);
        if stop_after.is_some() {
            // The subscriber runs on another worker: it may stop before the publisher wrote
            // all ten, whose later writes then fail.
            let written = write(&pair, &runtime, texts("burst", 10));
            assert!(matches!(written, Ok(()) | Err(StreamClosed)));
            assert_eq!(pair.seen(), chunks("burst", 3), "iteration {iteration}");
        } else {
            assert_eq!(write(&pair, &runtime, texts("burst", 2)), Ok(()));
            let stopped = pair.subscriber.call(StopConsuming);
            settle(&runtime);
            assert_eq!(stopped.block(), Ok(true));
            let again = pair.subscriber.call(StopConsuming);
            settle(&runtime);
            assert_eq!(again.block(), Ok(false), "already stopped");
            assert_eq!(pair.seen(), chunks("burst", 2), "iteration {iteration}");
        }
        assert_eq!(pair.closed(), 1, "on_closed ran, iteration {iteration}");
        assert_eq!(write(&pair, &runtime, texts("after", 1)), Err(StreamClosed));
        assert!(!pair.seen().iter().any(|seen| matches!(seen, Seen::End(_))));
        terminate(pair, &runtime);
    }
}
