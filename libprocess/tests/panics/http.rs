//! HTTP and streams of a process that panics: every request it owed gets `500 process
//! <id> failed` (the one whose route panicked, one queued behind the panic, a `Reply::Later`
//! it kept), over a socket too, and the stream it wrote ends.

use libprocess::Request;

use crate::{
    fixture::{Fixture, QUEUE_AND_BOOM, When, body},
    support::{DEADLINE, raw_request},
};

#[test]
fn every_request_the_process_owed_is_answered_500() {
    let fixture = Fixture::new(When::OnDemand);
    let later = fixture.runtime.http(Request::get("/panicker/later"));
    let events = fixture.runtime.http(Request::get("/panicker/events"));
    fixture.settle();
    assert!(
        !later.is_ready(),
        "the process keeps the reply until it dies"
    );
    let events = events.block_timeout(DEADLINE).ok().map(|r| r.unwrap());
    let libprocess::Body::Stream(mut events) = events.expect("answered").body else {
        panic!("/events streams")
    };

    fixture
        .runtime
        .send(fixture.panicker.upid(), QUEUE_AND_BOOM, "");
    fixture.settle();

    let queued = fixture.queued.lock().unwrap().take();
    let queued = queued.expect("the handler queued a request before panicking");
    for (what, reply) in [("kept", later), ("queued", queued)] {
        let response = reply.block_timeout(DEADLINE).ok().map(|r| r.unwrap());
        let response = response.unwrap_or_else(|| panic!("the {what} request is answered"));
        assert_eq!(response.status, 500, "{what}");
        assert_eq!(body(response), "process panicker failed", "{what}");
    }
    assert_eq!(
        events.block_next_timeout(DEADLINE),
        Ok(None),
        "the stream the dead process wrote ends"
    );
    fixture.assert_died_alone();
}

#[test]
fn a_route_that_panics_answers_500_over_a_socket() {
    let fixture = Fixture::new(When::OnDemand);
    let status = raw_request(
        fixture.runtime.address(),
        b"GET /panicker/boom HTTP/1.1\r\nHost: test\r\n\r\n",
    );
    assert!(status.starts_with("HTTP/1.1 500"), "{status}");
    fixture.settle();
    fixture.assert_died_alone();
}
