//! The runtime's clock: current time, timers, and pause/advance/settle for deterministic tests.

use std::{
    collections::BTreeMap,
    sync::{Arc, Weak},
    thread::JoinHandle,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use parking_lot::{Condvar, Mutex};

use crate::activity::Activity;

type TimerAction = Box<dyn FnOnce() + Send>;

/// Identifies a timer set with [`Context::delay`](crate::Context::delay), for cancelling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId {
    deadline: Duration,
    sequence: u64,
}

struct ClockState {
    /// Set while paused: the frozen time since the epoch.
    paused_at: Option<Duration>,
    /// Added to real time so that time never runs backwards after a resume.
    offset: Duration,
    timers: BTreeMap<TimerId, TimerAction>,
    next_sequence: u64,
    shutdown: bool,
}

pub(crate) struct ClockInner {
    state: Mutex<ClockState>,
    /// Wakes the real-time timer thread.
    condvar: Condvar,
    activity: Arc<Activity>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// The one clock of a [`Runtime`](crate::Runtime): every timer and every reading of "now" in
/// the runtime goes through it.
///
/// Tests [`pause`](Clock::pause) it, [`advance`](Clock::advance) it to fire timers, and
/// [`settle`](Clock::settle) the runtime: wait until every mailbox is empty and no timer is due.
///
/// ```
/// use std::time::Duration;
/// use libprocess::Runtime;
///
/// let runtime = Runtime::builder().build().unwrap();
/// let clock = runtime.clock();
/// clock.pause();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now().duration_since(before).unwrap(), Duration::from_secs(60));
/// clock.settle_blocking();
/// ```
#[derive(Clone)]
pub struct Clock {
    inner: Arc<ClockInner>,
}

fn real_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

impl ClockState {
    fn now(&self) -> Duration {
        self.paused_at.unwrap_or_else(|| real_now() + self.offset)
    }
}

impl Clock {
    pub(crate) fn new(activity: Arc<Activity>) -> std::io::Result<Self> {
        let inner = Arc::new(ClockInner {
            state: Mutex::new(ClockState {
                paused_at: None,
                offset: Duration::ZERO,
                timers: BTreeMap::new(),
                next_sequence: 0,
                shutdown: false,
            }),
            condvar: Condvar::new(),
            activity,
            thread: Mutex::new(None),
        });
        let weak = Arc::downgrade(&inner);
        let thread = std::thread::Builder::new()
            .name("libprocess-clock".into())
            .spawn(move || timer_thread(weak))?;
        *inner.thread.lock() = Some(thread);
        Ok(Self { inner })
    }

    /// The current time (frozen while paused).
    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + self.inner.state.lock().now()
    }

    /// Freezes time. Timers then fire only through [`advance`](Clock::advance).
    pub fn pause(&self) {
        let mut state = self.inner.state.lock();
        if state.paused_at.is_none() {
            state.paused_at = Some(state.now());
        }
        drop(state);
        self.inner.condvar.notify_all();
    }

    /// Lets time run again from where it was (it never runs backwards).
    pub fn resume(&self) {
        let mut state = self.inner.state.lock();
        if let Some(paused_at) = state.paused_at.take() {
            let real = real_now();
            state.offset = state.offset.max(paused_at.saturating_sub(real));
        }
        drop(state);
        self.inner.condvar.notify_all();
    }

    /// Whether time is frozen.
    pub fn is_paused(&self) -> bool {
        self.inner.state.lock().paused_at.is_some()
    }

    /// Moves paused time forward by `duration` and fires every timer that is then due, in
    /// deadline order. Does nothing but fire due timers when the clock is not paused.
    pub fn advance(&self, duration: Duration) {
        {
            let mut state = self.inner.state.lock();
            match state.paused_at.as_mut() {
                Some(paused_at) => *paused_at += duration,
                None => tracing::debug!("Clock::advance called while the clock is not paused"),
            }
        }
        self.fire_due_timers();
    }

    /// Waits until the runtime is quiet: no timer is due at the current time and no process
    /// has an event queued or running (nor an in-process HTTP request in flight).
    ///
    /// Chunks written to an in-process stream that a process reads with
    /// [`Context::consume`](crate::Context::consume) are events of that process from the
    /// moment they are written, so they are waited for too; a stream read any other way
    /// (awaiting [`StreamReader::next`](crate::StreamReader::next) in
    /// [`spawn_io`](crate::Context::spawn_io)) is not. Work arriving from outside (sockets,
    /// foreign threads) while settling is waited for only if it arrives before quiescence
    /// is observed. See the crate docs' "Testing" section.
    pub async fn settle(&self) {
        let inner = self.inner.clone();
        self.inner.activity.wait(move || settled(&inner)).await;
    }

    /// [`settle`](Clock::settle) for synchronous code: blocks the calling thread.
    ///
    /// Never call it from inside a process handler (it would wait for itself).
    pub fn settle_blocking(&self) {
        let inner = self.inner.clone();
        self.inner.activity.wait_blocking(move || settled(&inner));
    }

    /// Runs `action` once the clock reaches `now + after`.
    pub(crate) fn schedule(&self, after: Duration, action: TimerAction) -> TimerId {
        let mut state = self.inner.state.lock();
        let deadline = state.now() + after;
        let id = TimerId {
            deadline,
            sequence: state.next_sequence,
        };
        state.next_sequence += 1;
        let earliest = state.timers.keys().next().is_none_or(|first| id < *first);
        state.timers.insert(id, action);
        drop(state);
        if earliest {
            self.inner.condvar.notify_all();
        }
        id
    }

    /// Cancels a timer; `false` if it already fired or was cancelled.
    pub(crate) fn cancel(&self, id: TimerId) -> bool {
        self.inner.state.lock().timers.remove(&id).is_some()
    }

    /// Runs every timer due at the current time.
    pub(crate) fn fire_due_timers(&self) {
        fire_due(&self.inner);
    }

    pub(crate) fn shutdown(&self) {
        self.inner.state.lock().shutdown = true;
        self.inner.condvar.notify_all();
        let thread = self.inner.thread.lock().take();
        if let Some(thread) = thread
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

/// Fires due timers, then reports whether the runtime is quiet.
fn settled(inner: &ClockInner) -> bool {
    fire_due(inner);
    if !inner.activity.is_idle() {
        return false;
    }
    let state = inner.state.lock();
    let now = state.now();
    state
        .timers
        .keys()
        .next()
        .is_none_or(|first| first.deadline > now)
}

fn fire_due(inner: &ClockInner) {
    loop {
        let action = {
            let mut state = inner.state.lock();
            let now = state.now();
            match state.timers.first_key_value() {
                Some((id, _)) if id.deadline <= now => state.timers.pop_first().map(|(_, a)| a),
                _ => None,
            }
        };
        match action {
            Some(action) => action(),
            None => break,
        }
    }
}

/// Fires timers in real time while the clock is not paused.
fn timer_thread(inner: Weak<ClockInner>) {
    loop {
        let Some(inner) = inner.upgrade() else { return };
        let mut state = inner.state.lock();
        if state.shutdown {
            return;
        }
        let wait_for = match (state.paused_at, state.timers.first_key_value()) {
            (None, Some((id, _))) => {
                let now = state.now();
                if id.deadline <= now {
                    drop(state);
                    fire_due(&inner);
                    continue;
                }
                Some(id.deadline - now)
            }
            _ => None,
        };
        // Wake at least once a second so a dropped clock lets this thread end.
        let wait_for = wait_for
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(1));
        inner
            .condvar
            .wait_until(&mut state, Instant::now() + wait_for);
    }
}
