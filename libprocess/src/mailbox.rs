//! One process's mailbox: the event queue, its scheduling flag, and the type-erased `Slot`
//! through which the runtime delivers to a process without knowing its type.

use std::{
    collections::VecDeque,
    sync::{Arc, OnceLock},
};

use parking_lot::Mutex;

use crate::{
    Message, Process, Upid,
    activity::Activity,
    actor::Run,
    event::{Event, HttpEvent},
    future::{Future, Promise},
};

struct Queue<P: Process> {
    events: VecDeque<Event<P>>,
    /// Set while the process counts as active: events queued or a batch running.
    scheduled: bool,
    /// Set once the process terminated: nothing more is accepted.
    closed: bool,
}

struct ExitState {
    exited: bool,
    /// Set when a handler panicked: the process is terminating as failed.
    failed: bool,
    waiters: Vec<Promise<()>>,
}

/// The shared half of a process: its address, mailbox and exit notification.
pub(crate) struct Cell<P: Process> {
    pub(crate) upid: Upid,
    queue: Mutex<Queue<P>>,
    /// Wakes the actor; set once the actor is started.
    pub(crate) actor: OnceLock<tokio::sync::mpsc::UnboundedSender<Run>>,
    pub(crate) activity: Arc<Activity>,
    pub(crate) worker: usize,
    exit: Mutex<ExitState>,
}

// Rejected events are given back whole: boxing them would cost an allocation per enqueue.
#[allow(clippy::result_large_err)]
impl<P: Process> Cell<P> {
    /// A cell whose mailbox already holds the initialize event and counts as scheduled
    /// (the spawner calls `activity.begin()` once the process is in the table).
    pub(crate) fn new(upid: Upid, activity: Arc<Activity>, worker: usize) -> Self {
        let mut events = VecDeque::new();
        events.push_back(Event::Initialize);
        Self {
            upid,
            queue: Mutex::new(Queue {
                events,
                scheduled: true,
                closed: false,
            }),
            actor: OnceLock::new(),
            activity,
            worker,
            exit: Mutex::new(ExitState {
                exited: false,
                failed: false,
                waiters: Vec::new(),
            }),
        }
    }

    /// Queues `event` at the back; gives it back if the process has terminated.
    pub(crate) fn enqueue(&self, event: Event<P>) -> Result<(), Event<P>> {
        self.push(event, false)
    }

    /// Queues `event` ahead of everything else (used for terminate, as Mesos injects it).
    pub(crate) fn enqueue_front(&self, event: Event<P>) -> Result<(), Event<P>> {
        self.push(event, true)
    }

    fn push(&self, event: Event<P>, front: bool) -> Result<(), Event<P>> {
        let mut queue = self.queue.lock();
        if queue.closed {
            return Err(event);
        }
        if front {
            queue.events.push_front(event);
        } else {
            queue.events.push_back(event);
        }
        let wake = !queue.scheduled;
        if wake {
            queue.scheduled = true;
            self.activity.begin();
        }
        drop(queue);
        if wake {
            self.wake();
        }
        Ok(())
    }

    /// Asks the actor to run a batch.
    pub(crate) fn wake(&self) {
        if let Some(actor) = self.actor.get() {
            let _ = actor.send(Run);
        }
    }

    /// Swaps the whole queue with `batch` (which must be empty): no event is copied.
    pub(crate) fn take_all(&self, batch: &mut VecDeque<Event<P>>) {
        debug_assert!(
            batch.is_empty(),
            "the actor's backlog must be drained first"
        );
        std::mem::swap(&mut self.queue.lock().events, batch);
    }

    /// Ends a batch: `true` if more events wait (the caller reschedules), else the process
    /// stops counting as active.
    pub(crate) fn finish_batch(&self) -> bool {
        let mut queue = self.queue.lock();
        if !queue.events.is_empty() || queue.closed {
            return !queue.closed;
        }
        queue.scheduled = false;
        drop(queue);
        self.activity.end();
        false
    }

    /// Closes the mailbox and returns what was still queued.
    pub(crate) fn close(&self) -> VecDeque<Event<P>> {
        let mut queue = self.queue.lock();
        queue.closed = true;
        std::mem::take(&mut queue.events)
    }

    /// A future set once the process has terminated.
    pub(crate) fn wait(&self) -> Future<()> {
        let mut exit = self.exit.lock();
        if exit.exited {
            return Future::ready(());
        }
        let (promise, future) = Promise::new();
        exit.waiters.push(promise);
        future
    }

    /// Records that a handler panicked, before the process's state is dropped (so that
    /// replies it owed can say why they are abandoned).
    pub(crate) fn mark_failed(&self) {
        self.exit.lock().failed = true;
    }

    /// Whether a handler of the process panicked.
    pub(crate) fn has_failed(&self) -> bool {
        self.exit.lock().failed
    }

    /// Marks the process terminated and wakes its waiters.
    pub(crate) fn mark_exited(&self) {
        let waiters = {
            let mut exit = self.exit.lock();
            exit.exited = true;
            std::mem::take(&mut exit.waiters)
        };
        for waiter in waiters {
            waiter.set(());
        }
    }
}

/// How the runtime reaches a process of any type.
#[allow(clippy::result_large_err)] // see `Cell`
pub(crate) trait Slot: Send + Sync {
    fn upid(&self) -> &Upid;
    fn worker(&self) -> usize;
    /// Queues a message; `Err` gives it back if the process has terminated.
    fn deliver_message(&self, message: Message) -> Result<(), Message>;
    fn deliver_exited(&self, pid: Upid);
    fn deliver_http(&self, event: HttpEvent);
    fn terminate(&self);
    fn wait(&self) -> Future<()>;
    /// The queued events as `/__processes__` shows them.
    fn describe(&self) -> Vec<serde_json::Value>;
}

impl<P: Process> Slot for Cell<P> {
    fn upid(&self) -> &Upid {
        &self.upid
    }

    fn worker(&self) -> usize {
        self.worker
    }

    fn deliver_message(&self, message: Message) -> Result<(), Message> {
        self.enqueue(Event::Message(message))
            .map_err(|event| match event {
                Event::Message(message) => message,
                _ => unreachable!("enqueue gives back the event it was given"),
            })
    }

    fn deliver_exited(&self, pid: Upid) {
        let _ = self.enqueue(Event::Exited(pid));
    }

    fn deliver_http(&self, event: HttpEvent) {
        if let Err(Event::Http(event)) = self.enqueue(Event::Http(event)) {
            event.respond.set(crate::http::Response::not_found());
        }
    }

    fn terminate(&self) {
        let _ = self.enqueue_front(Event::Terminate);
    }

    fn wait(&self) -> Future<()> {
        Cell::wait(self)
    }

    fn describe(&self) -> Vec<serde_json::Value> {
        self.queue
            .lock()
            .events
            .iter()
            .map(Event::describe)
            .collect()
    }
}
