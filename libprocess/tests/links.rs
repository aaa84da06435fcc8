//! Local links: exited on termination, at once for a dead pid, unlink, and the filter that
//! awaits exit notices.

mod support;

use std::sync::{Arc, Mutex};

use libprocess::{Context, Process, Upid};
use support::{DEADLINE, Recorder, runtime};

struct Watcher {
    targets: Vec<Upid>,
    unlink: Option<Upid>,
    exited: Arc<Mutex<Vec<Upid>>>,
}

impl Process for Watcher {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        for target in &self.targets {
            ctx.link(target);
        }
        if let Some(target) = &self.unlink {
            ctx.unlink(target);
        }
    }

    fn exited(&mut self, _ctx: &mut Context<Self>, pid: &Upid) {
        self.exited.lock().unwrap().push(pid.clone());
    }
}

#[test]
fn linkers_hear_about_termination_once() {
    let runtime = runtime();
    runtime.clock().pause();
    let target = runtime.spawn("target", Recorder::default()).unwrap();
    let other = runtime.spawn("other", Recorder::default()).unwrap();
    let exited = Arc::new(Mutex::new(Vec::new()));
    let watcher = Watcher {
        targets: vec![target.upid().clone(), other.upid().clone()],
        unlink: Some(other.upid().clone()),
        exited: exited.clone(),
    };
    let watcher = runtime.spawn("watcher", watcher).unwrap();
    runtime.clock().settle_blocking();
    let notice = runtime
        .filters()
        .expect_exited(Some(target.upid().clone()), Some(watcher.upid().clone()));
    target.terminate();
    other.terminate();
    runtime.clock().settle_blocking();
    notice.block_timeout(DEADLINE).unwrap().unwrap();
    assert_eq!(*exited.lock().unwrap(), vec![target.upid().clone()]);
}

#[test]
fn linking_to_a_dead_pid_reports_at_once() {
    let runtime = runtime();
    runtime.clock().pause();
    let ghost = Upid::new("ghost", runtime.address());
    let exited = Arc::new(Mutex::new(Vec::new()));
    runtime
        .spawn(
            "watcher",
            Watcher {
                targets: vec![ghost.clone()],
                unlink: None,
                exited: exited.clone(),
            },
        )
        .unwrap();
    runtime.clock().settle_blocking();
    assert_eq!(*exited.lock().unwrap(), vec![ghost]);
}
