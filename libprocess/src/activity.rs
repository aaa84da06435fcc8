//! The runtime-wide count of outstanding work that `Clock::settle` waits to reach zero.
//!
//! A unit of work is a scheduled process (one whose mailbox is non-empty or whose batch is
//! running) or an in-process HTTP request in flight. A process that enqueues onto another
//! does so while it is itself still counted, so the count never falls to zero in a gap:
//! this holds for messages, dispatches, continuations of futures, timers, and the chunks
//! of an in-process stream a process consumes (a write queues the chunk on the consumer).

use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;

/// Outstanding work, with a way to wait for it to reach zero.
#[derive(Default)]
pub(crate) struct Activity {
    pending: AtomicUsize,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
    notify: Notify,
}

impl Activity {
    /// One more unit of work.
    pub(crate) fn begin(&self) {
        self.pending.fetch_add(1, Ordering::AcqRel);
    }

    /// One unit of work is done; wakes settlers when nothing is left.
    pub(crate) fn end(&self) {
        let before = self.pending.fetch_sub(1, Ordering::AcqRel);
        debug_assert!(before > 0, "activity count went below zero");
        if before == 1 && self.waiters.load(Ordering::Acquire) > 0 {
            self.wake();
        }
    }

    /// Wakes every settler so it re-checks (also used when timers fire or the clock moves).
    pub(crate) fn wake(&self) {
        drop(self.lock.lock());
        self.condvar.notify_all();
        self.notify.notify_waiters();
    }

    /// Whether no work is outstanding.
    pub(crate) fn is_idle(&self) -> bool {
        self.pending.load(Ordering::Acquire) == 0
    }

    /// Blocks until `done()` holds, re-checking whenever the count reaches zero.
    pub(crate) fn wait_blocking(&self, mut done: impl FnMut() -> bool) {
        self.waiters.fetch_add(1, Ordering::AcqRel);
        let mut guard = self.lock.lock();
        while !done() {
            // `done` is re-checked under the lock that `wake` takes, so no wake-up is lost.
            self.condvar.wait(&mut guard);
        }
        drop(guard);
        self.waiters.fetch_sub(1, Ordering::AcqRel);
    }

    /// Waits until `done()` holds, re-checking whenever the count reaches zero.
    pub(crate) async fn wait(&self, mut done: impl FnMut() -> bool) {
        self.waiters.fetch_add(1, Ordering::AcqRel);
        loop {
            let notified = self.notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if done() {
                break;
            }
            notified.await;
        }
        self.waiters.fetch_sub(1, Ordering::AcqRel);
    }
}
