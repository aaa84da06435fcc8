//! Typed dispatch: plain-data messages handled by `Handle<M>`, sent through a typed `Pid<P>`
//! or a type-erased `Recipient<M, R>`.

use std::{any::TypeId, fmt, sync::Arc};

use crate::{
    Context, Process, Upid,
    continuation::enqueue_continuation,
    event::{Dispatch, Event},
    future::{Future, Promise},
    mailbox::Cell,
};

/// A process that handles plain-data messages of type `M` sent with
/// [`Pid::dispatch`]/[`Pid::call`]; the reply goes back to whoever called.
///
/// ```
/// use libprocess::{Context, Handle, Process, Runtime};
///
/// struct Adder { total: u64 }
/// impl Process for Adder {}
///
/// struct Add(u64);
/// impl Handle<Add> for Adder {
///     type Reply = u64;
///     fn handle(&mut self, add: Add, _ctx: &mut Context<Self>) -> u64 {
///         self.total += add.0;
///         self.total
///     }
/// }
///
/// let runtime = Runtime::builder().build().unwrap();
/// let adder = runtime.spawn("adder", Adder { total: 0 }).unwrap();
/// adder.dispatch(Add(2));
/// assert_eq!(adder.call(Add(3)).block(), Ok(5));
/// ```
pub trait Handle<M: Send + 'static>: Process {
    /// What the handler answers.
    type Reply: Send + 'static;

    /// Handles one message.
    fn handle(&mut self, message: M, ctx: &mut Context<Self>) -> Self::Reply;
}

fn typed_dispatch<P, M>(message: M, reply: Option<Promise<P::Reply>>) -> Event<P>
where
    P: Handle<M>,
    M: Send + 'static,
{
    Event::Dispatch(Dispatch {
        message_type: Some((TypeId::of::<M>(), std::any::type_name::<M>())),
        origin: "dispatch",
        run: Box::new(move |process: &mut P, ctx: &mut Context<P>| {
            let answer = process.handle(message, ctx);
            if let Some(reply) = reply {
                reply.set(answer);
            }
        }),
    })
}

/// A typed handle to a local process: dispatch messages to it, call it, or run closures on it.
///
/// Cheap to clone, `Send` and `Sync`.
pub struct Pid<P: Process> {
    cell: Arc<Cell<P>>,
}

impl<P: Process> Clone for Pid<P> {
    fn clone(&self) -> Self {
        Self {
            cell: self.cell.clone(),
        }
    }
}

impl<P: Process> fmt::Debug for Pid<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pid({})", self.cell.upid)
    }
}

impl<P: Process> Pid<P> {
    pub(crate) fn from_cell(cell: Arc<Cell<P>>) -> Self {
        Self { cell }
    }

    /// The process's address.
    pub fn upid(&self) -> &Upid {
        &self.cell.upid
    }

    /// Queues `message` for the process; the reply, if any, is discarded. If the process has
    /// terminated the message is dropped.
    pub fn dispatch<M>(&self, message: M)
    where
        P: Handle<M>,
        M: Send + 'static,
    {
        if self
            .cell
            .enqueue(typed_dispatch::<P, M>(message, None))
            .is_err()
        {
            tracing::debug!(pid = %self.cell.upid, reason = "no such process", "dropped dispatch");
        }
    }

    /// Queues `message` and returns a future of the reply
    /// ([`Failure::Abandoned`](crate::Failure::Abandoned) if the process terminates first).
    pub fn call<M>(&self, message: M) -> Future<P::Reply>
    where
        P: Handle<M>,
        M: Send + 'static,
    {
        let (promise, future) = Promise::new();
        // If the process is gone the event (and with it the promise) is dropped: abandoned.
        let _ = self
            .cell
            .enqueue(typed_dispatch::<P, M>(message, Some(promise)));
        future
    }

    /// Runs a closure on the process, like a one-off handler.
    pub fn run<F>(&self, action: F)
    where
        F: FnOnce(&mut P, &mut Context<P>) + Send + 'static,
    {
        enqueue_continuation(&self.cell, "run", action);
    }

    /// A type-erased handle that can only send `M` (what a process gives to another that
    /// must not know its type, e.g. the master to its allocator).
    pub fn recipient<M>(&self) -> Recipient<M, P::Reply>
    where
        P: Handle<M>,
        M: Send + 'static,
    {
        Recipient {
            target: self.cell.clone(),
        }
    }

    /// Terminates the process after the event it is handling (see [`Context::terminate`]).
    pub fn terminate(&self) {
        crate::mailbox::Slot::terminate(&*self.cell);
    }

    /// A future set once the process has terminated.
    pub fn wait(&self) -> Future<()> {
        self.cell.wait()
    }
}

trait Target<M, R>: Send + Sync {
    fn upid(&self) -> &Upid;
    fn dispatch(&self, message: M);
    fn call(&self, message: M) -> Future<R>;
}

impl<P, M> Target<M, P::Reply> for Cell<P>
where
    P: Handle<M>,
    M: Send + 'static,
{
    fn upid(&self) -> &Upid {
        &self.upid
    }

    fn dispatch(&self, message: M) {
        if self.enqueue(typed_dispatch::<P, M>(message, None)).is_err() {
            tracing::debug!(pid = %self.upid, reason = "no such process", "dropped dispatch");
        }
    }

    fn call(&self, message: M) -> Future<P::Reply> {
        let (promise, future) = Promise::new();
        let _ = self.enqueue(typed_dispatch::<P, M>(message, Some(promise)));
        future
    }
}

/// A type-erased handle to a process that handles `M` with reply type `R`.
///
/// Cheap to clone, `Send` and `Sync`; the holder does not know (or depend on) the
/// process's type.
pub struct Recipient<M, R = ()> {
    target: Arc<dyn Target<M, R>>,
}

impl<M, R> Clone for Recipient<M, R> {
    fn clone(&self) -> Self {
        Self {
            target: self.target.clone(),
        }
    }
}

impl<M, R> fmt::Debug for Recipient<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({})", self.target.upid())
    }
}

impl<M: Send + 'static, R: Send + 'static> Recipient<M, R> {
    /// The process's address.
    pub fn upid(&self) -> &Upid {
        self.target.upid()
    }

    /// Queues `message`; the reply is discarded.
    pub fn dispatch(&self, message: M) {
        self.target.dispatch(message);
    }

    /// Queues `message` and returns a future of the reply.
    pub fn call(&self, message: M) -> Future<R> {
        self.target.call(message)
    }
}

/// Anything that can be called with `M`: a [`Pid`] or a [`Recipient`] (used by
/// [`Context::call`]).
pub trait Dispatcher<M> {
    /// The reply type.
    type Reply: Send + 'static;

    /// Queues `message` and returns a future of the reply.
    fn call(&self, message: M) -> Future<Self::Reply>;
}

impl<P: Handle<M>, M: Send + 'static> Dispatcher<M> for Pid<P> {
    type Reply = P::Reply;

    fn call(&self, message: M) -> Future<P::Reply> {
        Pid::call(self, message)
    }
}

impl<M: Send + 'static, R: Send + 'static> Dispatcher<M> for Recipient<M, R> {
    type Reply = R;

    fn call(&self, message: M) -> Future<R> {
        Recipient::call(self, message)
    }
}
