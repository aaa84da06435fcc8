//! Work that comes back to a process later: timers (`delay`), callbacks from other threads
//! (`defer`), and continuations on futures (`then`, `call`, `spawn_io`, `on_closed`).
//! Streams consumed by a process are in `consume.rs`.

use std::{fmt, sync::Arc, time::Duration};

use crate::{
    Context, Process,
    clock::TimerId,
    dispatch::Dispatcher,
    event::{Dispatch, Event},
    future::{Failure, Future},
    http::StreamWriter,
    mailbox::Cell,
};

/// Queues `run` on the process of `cell` as a continuation (no-op if it has terminated).
/// `origin` says what queued it (`timer`, `stream chunk`, ...) for the log if it panics.
pub(crate) fn enqueue_continuation<P: Process>(
    cell: &Cell<P>,
    origin: &'static str,
    run: impl FnOnce(&mut P, &mut Context<P>) + Send + 'static,
) {
    try_enqueue_continuation(cell, origin, run);
}

/// [`enqueue_continuation`] that says whether it queued: `false` (and nothing happens) if
/// the process has terminated.
pub(crate) fn try_enqueue_continuation<P: Process>(
    cell: &Cell<P>,
    origin: &'static str,
    run: impl FnOnce(&mut P, &mut Context<P>) + Send + 'static,
) -> bool {
    let event = Event::Dispatch(Dispatch {
        message_type: None,
        origin,
        run: Box::new(run),
    });
    if cell.enqueue(event).is_err() {
        tracing::debug!(pid = %cell.upid, "continuation for a terminated process dropped");
        return false;
    }
    true
}

/// A callback into a process, callable once from any thread (from [`Context::defer`]).
///
/// Calling it queues the continuation on the process that made it; if that process has
/// terminated, nothing happens.
pub struct Deferred<T> {
    run: Box<dyn FnOnce(T) + Send>,
}

impl<T> fmt::Debug for Deferred<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferred").finish_non_exhaustive()
    }
}

impl<T> Deferred<T> {
    /// Queues the continuation with `value`.
    pub fn call(self, value: T) {
        (self.run)(value);
    }
}

impl<P: Process> Context<P> {
    /// Runs `action` on this process after `after` on the runtime's clock (so a paused
    /// clock fires it only on [`Clock::advance`](crate::Clock::advance)).
    pub fn delay<F>(&self, after: Duration, action: F) -> TimerId
    where
        F: FnOnce(&mut P, &mut Context<P>) + Send + 'static,
    {
        let cell = self.cell.clone();
        self.runtime.clock().schedule(
            after,
            Box::new(move || enqueue_continuation(&cell, "timer", action)),
        )
    }

    /// Cancels a timer from [`delay`](Context::delay); `false` if it already fired.
    pub fn cancel(&self, timer: TimerId) -> bool {
        self.runtime.clock().cancel(timer)
    }

    /// A `Send` callback that, called from any thread with a `T`, runs `continuation` on
    /// this process (e.g. a reaper thread reporting a child's exit).
    pub fn defer<T, F>(&self, continuation: F) -> Deferred<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut P, &mut Context<P>, T) + Send + 'static,
    {
        let cell = self.cell.clone();
        Deferred {
            run: Box::new(move |value| {
                enqueue_continuation(&cell, "deferred", move |process, ctx| {
                    continuation(process, ctx, value)
                })
            }),
        }
    }

    /// Runs `continuation` on this process once `future` is set.
    ///
    /// The continuation is queued by whoever sets the future, before that event counts as
    /// done, so [`Clock::settle`](crate::Clock::settle) never sees a false idle gap.
    pub fn then<T, F>(&self, future: Future<T>, continuation: F)
    where
        T: Send + 'static,
        F: FnOnce(&mut P, &mut Context<P>, Result<T, Failure>) + Send + 'static,
    {
        let cell: Arc<Cell<P>> = self.cell.clone();
        future.on_complete(move |result| {
            enqueue_continuation(&cell, "future continuation", move |process, ctx| {
                continuation(process, ctx, result)
            })
        });
    }

    /// Dispatches `message` to `target` (a [`Pid`](crate::Pid) or
    /// [`Recipient`](crate::Recipient)) and runs `continuation` on this process with the reply.
    pub fn call<M, D, F>(&self, target: &D, message: M, continuation: F)
    where
        D: Dispatcher<M>,
        F: FnOnce(&mut P, &mut Context<P>, Result<D::Reply, Failure>) + Send + 'static,
    {
        self.then(target.call(message), continuation);
    }

    /// Runs an IO future on this process's worker thread and `continuation` on this process
    /// with its output. Unlike other events, the IO itself is not waited for by settle.
    ///
    /// To read a streaming body, use [`consume`](Context::consume) instead: it hands every
    /// chunk of an in-process stream to the process in a way settle counts.
    pub fn spawn_io<Fut, F>(&self, future: Fut, continuation: F)
    where
        Fut: std::future::Future + 'static,
        Fut::Output: Send + 'static,
        F: FnOnce(&mut P, &mut Context<P>, Fut::Output) + Send + 'static,
    {
        let cell = self.cell.clone();
        actix_rt::spawn(async move {
            let output = future.await;
            enqueue_continuation(&cell, "io continuation", move |process, ctx| {
                continuation(process, ctx, output)
            });
        });
    }

    /// Runs `continuation` on this process when the stream of `writer` ends: the client
    /// went away (or the stream was closed). At once if it already has.
    ///
    /// The client has gone when the reader is dropped: the server's connection closed, the
    /// caller of [`Runtime::http`](crate::Runtime::http) dropped it, or the process
    /// [consuming](Context::consume) it stopped, terminated, or handled its end.
    pub fn on_closed<F>(&self, writer: &StreamWriter, continuation: F)
    where
        F: FnOnce(&mut P, &mut Context<P>) + Send + 'static,
    {
        let cell = self.cell.clone();
        writer.on_closed(move || enqueue_continuation(&cell, "stream closed", continuation));
    }
}
