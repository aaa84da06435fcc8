//! The in-process half of a stream: what a `StreamWriter` and the reader of its response
//! share. Chunks wait in a buffer for a reader that polls, or, once a process consumes the
//! stream (`Context::consume`), each write hands its chunk to that process at once.

use std::{
    collections::VecDeque,
    mem,
    sync::atomic::{AtomicUsize, Ordering},
    task::{Context as TaskContext, Poll, Waker},
};

use bytes::Bytes;
use parking_lot::Mutex;

use super::StreamClosed;

type OnClosed = Box<dyn FnOnce() + Send>;

/// Where the chunks of a consumed stream go: the consuming process's mailbox.
pub(crate) trait Sink: Send {
    /// Queues `chunk` for the consumer, in order; `false` if the consumer is gone.
    fn chunk(&mut self, chunk: Bytes) -> bool;

    /// Queues the end of the stream (every writer closed); called at most once, after the
    /// last chunk.
    fn end(&mut self);
}

/// How chunks reach the reading side.
enum Delivery {
    /// Chunks wait until the reader polls; `waker` is the reader waiting for one.
    Buffered {
        chunks: VecDeque<Bytes>,
        waker: Option<Waker>,
    },
    /// A process consumes the stream: every write queues its chunk on that process.
    Consumer(Box<dyn Sink>),
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery::Buffered {
            chunks: VecDeque::new(),
            waker: None,
        }
    }
}

#[derive(Default)]
struct State {
    delivery: Delivery,
    /// Every writer has closed: the stream ends after the chunks already written.
    ended: bool,
    /// The reading side is gone (reader dropped, consumer stopped or terminated): writes
    /// fail from now on.
    closed: bool,
    on_closed: Vec<OnClosed>,
}

impl State {
    /// Marks the stream closed; gives back what must be dropped or run outside the lock.
    fn close(&mut self) -> (Delivery, Vec<OnClosed>) {
        self.closed = true;
        (
            mem::take(&mut self.delivery),
            mem::take(&mut self.on_closed),
        )
    }
}

/// Runs the callbacks of a closed stream, after dropping what its reading side held (a
/// sink holds a process's mailbox: its queued events may hold writers of this stream).
fn finish_close((delivery, callbacks): (Delivery, Vec<OnClosed>)) {
    drop(delivery);
    for callback in callbacks {
        callback();
    }
}

/// The state shared by the writers of one in-process stream and its reading side.
pub(crate) struct LocalStream {
    state: Mutex<State>,
    /// Live [`StreamWriter`](super::StreamWriter) clones; the stream ends when it reaches zero.
    writers: AtomicUsize,
}

impl LocalStream {
    /// A stream with one writer.
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::default(),
            writers: AtomicUsize::new(1),
        }
    }

    /// Hands `chunk` to the reading side: buffered for a reader, or queued at once on the
    /// consuming process.
    pub(crate) fn write(&self, chunk: Bytes) -> Result<(), StreamClosed> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(StreamClosed);
        }
        match &mut state.delivery {
            Delivery::Buffered { chunks, waker } => {
                chunks.push_back(chunk);
                let waker = waker.take();
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
                Ok(())
            }
            Delivery::Consumer(sink) => {
                if sink.chunk(chunk) {
                    return Ok(());
                }
                // The consumer terminated before it could stop consuming.
                let closed = state.close();
                drop(state);
                finish_close(closed);
                Err(StreamClosed)
            }
        }
    }

    /// Whether the reading side is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Runs `callback` once the reading side is gone (at once if it is).
    pub(crate) fn on_closed(&self, callback: OnClosed) {
        let mut state = self.state.lock();
        if state.closed {
            drop(state);
            callback();
        } else {
            state.on_closed.push(callback);
        }
    }

    /// One more writer (a clone).
    pub(crate) fn add_writer(&self) {
        self.writers.fetch_add(1, Ordering::Relaxed);
    }

    /// One writer fewer; the last one ends the stream.
    pub(crate) fn remove_writer(&self) {
        if self.writers.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let mut state = self.state.lock();
        state.ended = true;
        if state.closed {
            return;
        }
        match &mut state.delivery {
            Delivery::Buffered { waker, .. } => {
                let waker = waker.take();
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            Delivery::Consumer(sink) => sink.end(),
        }
    }

    /// The reading side went away: writes fail from now on and `on_closed` callbacks run.
    pub(crate) fn close(&self) {
        let mut state = self.state.lock();
        if state.closed {
            return;
        }
        let closed = state.close();
        drop(state);
        finish_close(closed);
    }

    /// The next buffered chunk, `None` at the end, or pending (remembering `cx`'s waker).
    pub(crate) fn poll_chunk(&self, cx: &mut TaskContext<'_>) -> Poll<Option<Bytes>> {
        let mut state = self.state.lock();
        let ended = state.ended || state.closed;
        match &mut state.delivery {
            Delivery::Buffered { chunks, waker } => match chunks.pop_front() {
                Some(chunk) => Poll::Ready(Some(chunk)),
                None if ended => Poll::Ready(None),
                None => {
                    *waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            },
            // A consumed stream has no reader left to poll it.
            Delivery::Consumer(_) => Poll::Ready(None),
        }
    }

    /// The next buffered chunk, if one is here.
    pub(crate) fn try_chunk(&self) -> Option<Bytes> {
        match &mut self.state.lock().delivery {
            Delivery::Buffered { chunks, .. } => chunks.pop_front(),
            Delivery::Consumer(_) => None,
        }
    }

    /// Hands the stream to a consuming process: the chunks buffered so far (and the end, if
    /// every writer has closed) are queued on it at once, in order, and every later write
    /// queues its chunk as it happens.
    pub(crate) fn attach(&self, mut sink: Box<dyn Sink>) {
        let mut state = self.state.lock();
        if state.closed {
            return;
        }
        if let Delivery::Buffered { chunks, .. } = &mut state.delivery {
            for chunk in mem::take(chunks) {
                if !sink.chunk(chunk) {
                    let closed = state.close();
                    drop(state);
                    finish_close(closed);
                    return;
                }
            }
        }
        if state.ended {
            sink.end();
        }
        state.delivery = Delivery::Consumer(sink);
    }
}
