//! A panicking handler terminates its process alone: whatever kind of event panicked, the
//! process dies, its linker hears `exited`, its waiters resolve, a process on the same worker
//! thread keeps working, settle returns, and `/__processes__` no longer lists it; HTTP
//! requests it owed get `500`; with `abort_on_panic` the OS process aborts instead.

#[path = "../support/mod.rs"]
mod support;

mod abort;
mod fixture;
mod http;

use std::sync::atomic::Ordering;

use fixture::{Fixture, When};
use libprocess::{Failure, Request};
use support::DEADLINE;

/// Spawns a process that panics `when`, sets the panic off with `trigger`, and checks that
/// it died alone.
fn dies_alone(when: When, trigger: impl FnOnce(&Fixture)) {
    let fixture = Fixture::new(when);
    trigger(&fixture);
    fixture.settle();
    fixture.assert_died_alone();
}

#[test]
fn a_panic_in_initialize() {
    dies_alone(When::Initialize, |_| {});
}

#[test]
fn a_panic_in_a_message_handler() {
    dies_alone(When::OnDemand, |fixture| {
        fixture
            .runtime
            .send(fixture.panicker.upid(), fixture::BOOM, "");
    });
}

#[test]
fn a_panic_in_unhandled() {
    dies_alone(When::Unhandled, |fixture| {
        fixture
            .runtime
            .send(fixture.panicker.upid(), "nobody-handles-this", "");
    });
}

#[test]
fn a_panic_in_a_dispatch_abandons_its_call() {
    dies_alone(When::OnDemand, |fixture| {
        let reply = fixture.panicker.call(fixture::Boom);
        fixture.settle();
        assert_eq!(
            reply.block_timeout(DEADLINE).ok(),
            Some(Err(Failure::Abandoned))
        );
    });
}

#[test]
fn a_panic_in_a_closure_run_on_the_process() {
    dies_alone(When::OnDemand, |fixture| {
        fixture.panicker.run(|_, _| panic!("run"));
    });
}

#[test]
fn a_panic_in_a_timer() {
    dies_alone(When::Timer, |fixture| {
        fixture.settle();
        assert!(fixture.runtime.is_alive(fixture.panicker.upid()));
        fixture.runtime.clock().advance(fixture::TIMER);
    });
}

#[test]
fn a_panic_in_a_continuation_of_a_future() {
    dies_alone(When::Then, |fixture| {
        fixture.settle();
        let promise = fixture.promise.lock().unwrap().take();
        promise
            .expect("the panicker handed out its promise")
            .set(());
    });
}

#[test]
fn a_panic_in_a_deferred_callback() {
    dies_alone(When::Deferred, |fixture| {
        fixture.settle();
        let deferred = fixture.deferred.lock().unwrap().take();
        deferred
            .expect("the panicker handed out its callback")
            .call(());
    });
}

#[test]
fn a_panic_in_a_route() {
    dies_alone(When::OnDemand, |fixture| {
        let response = fixture.runtime.http(Request::get("/panicker/boom"));
        let response = response.block_timeout(DEADLINE).ok().map(|r| r.unwrap());
        let response = response.expect("the request is answered, not left hanging");
        assert_eq!(response.status, 500);
        assert_eq!(fixture::body(response), "process panicker failed");
    });
}

#[test]
fn a_panic_in_exited() {
    dies_alone(When::Exited, |fixture| {
        fixture.settle();
        assert!(fixture.runtime.terminate(fixture.victim.upid()));
    });
}

#[test]
fn a_panic_in_a_chunk_of_a_consumed_stream_closes_that_stream() {
    dies_alone(When::StreamChunk, |fixture| {
        fixture.settle();
        fixture.runtime.send(fixture.publisher.upid(), "tick", "1");
        fixture.settle();
        assert!(
            fixture.publisher_saw_close.load(Ordering::SeqCst),
            "the stream the dead process consumed is closed"
        );
    });
}

#[test]
fn a_panic_in_finalize() {
    dies_alone(When::Finalize, |fixture| {
        fixture.settle();
        fixture.panicker.terminate();
    });
}

#[test]
fn several_panics_in_a_row_each_take_only_their_process() {
    let fixture = Fixture::new(When::OnDemand);
    for round in 0..20 {
        let id = format!("again{round}");
        let pid = fixture
            .runtime
            .spawn(id.as_str(), fixture::Panicker::new(When::OnDemand))
            .unwrap();
        fixture.runtime.send(pid.upid(), fixture::BOOM, "");
        fixture.settle();
        assert!(!fixture.runtime.is_alive(pid.upid()), "round {round}");
    }
    fixture
        .runtime
        .send(fixture.panicker.upid(), fixture::BOOM, "");
    fixture.settle();
    fixture.assert_died_alone();
}
