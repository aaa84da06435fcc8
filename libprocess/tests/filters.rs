//! Test filters: await and drop messages by name, sender and receiver; await and drop
//! typed dispatches.

mod support;

use libprocess::{Context, Handle, MessageMatcher, Process, Upid};
use support::{DEADLINE, Recorder, runtime};

#[test]
fn expect_and_drop_messages() {
    let runtime = runtime();
    runtime.clock().pause();
    let recorder = Recorder::default();
    let pid = runtime.spawn("recorder", recorder.clone()).unwrap();
    let from: Upid = "peer@10.0.0.1:5050".parse().unwrap();

    let expected = runtime
        .filters()
        .expect_message(MessageMatcher::name("a").from(from.clone()));
    let dropped = runtime
        .filters()
        .drop_message(MessageMatcher::name("b").to(pid.upid().clone()));
    runtime.send_from(&from, pid.upid(), "b", "1");
    runtime.send_from(&from, pid.upid(), "a", "2");
    runtime.send_from(&from, pid.upid(), "b", "3");
    runtime.clock().settle_blocking();
    assert_eq!(expected.block_timeout(DEADLINE).unwrap().unwrap().body, "2");
    assert_eq!(dropped.block_timeout(DEADLINE).unwrap().unwrap().body, "1");
    // The first `b` was dropped, `a` and the second `b` delivered.
    assert_eq!(recorder.names(), vec!["a", "b"]);

    let guard = runtime.filters().drop_messages(MessageMatcher::name("c"));
    runtime.send_from(&from, pid.upid(), "c", "");
    runtime.send_from(&from, pid.upid(), "c", "");
    runtime.clock().settle_blocking();
    drop(guard);
    runtime.send_from(&from, pid.upid(), "c", "");
    runtime.clock().settle_blocking();
    assert_eq!(recorder.names(), vec!["a", "b", "c"]);
}

struct Counter(u64);

impl Process for Counter {}

struct Bump;

impl Handle<Bump> for Counter {
    type Reply = u64;
    fn handle(&mut self, _: Bump, _: &mut Context<Self>) -> u64 {
        self.0 += 1;
        self.0
    }
}

#[test]
fn expect_and_drop_dispatches() {
    let runtime = runtime();
    runtime.clock().pause();
    let pid = runtime.spawn("counter", Counter(0)).unwrap();
    let seen = runtime
        .filters()
        .expect_dispatch::<Bump>(Some(pid.upid().clone()));
    pid.dispatch(Bump);
    runtime.clock().settle_blocking();
    seen.block_timeout(DEADLINE).unwrap().unwrap();
    let dropped = runtime.filters().drop_dispatch::<Bump>(None);
    pid.dispatch(Bump);
    runtime.clock().settle_blocking();
    dropped.block_timeout(DEADLINE).unwrap().unwrap();
    assert_eq!(pid.call(Bump).block_timeout(DEADLINE).unwrap(), Ok(2));
}
