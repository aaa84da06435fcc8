//! Dropping the last runtime handle stops every thread it started (alone in its own test
//! binary, so no other test's threads are counted).

mod support;

use libprocess::{Runtime, Upid};
use support::{Recorder, wait_until};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| tasks.count())
        .unwrap_or(0)
}

#[test]
fn dropping_the_runtime_joins_its_threads() {
    let before = threads();
    {
        let (left, right) = (
            Runtime::builder().build().unwrap(),
            Runtime::builder().build().unwrap(),
        );
        let recorder = Recorder::default();
        let pid = right.spawn("recorder", recorder.clone()).unwrap();
        left.send_from(&Upid::new("x", left.address()), pid.upid(), "hello", "");
        wait_until("the remote message", || recorder.len() == 1);
        assert!(threads() > before);
    }
    assert_eq!(threads(), before, "threads left behind after shutdown");
}
