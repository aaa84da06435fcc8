//! The `Process` trait: what a process does when it starts, stops, loses a link, or gets a
//! message nobody installed a handler for.

use crate::{Context, Message, Upid};

/// An actor: state plus handlers, run one event at a time on the runtime's worker threads.
///
/// Everything a process reacts to arrives through its mailbox: messages (to handlers
/// installed with [`Context::install`]), typed dispatches ([`Handle`](crate::Handle)),
/// HTTP requests (routes from [`Context::route`]), timers, continuations and exit notices.
/// Install handlers and routes in [`initialize`](Process::initialize), which is always the
/// first event. A handler that panics terminates its process alone (see the crate docs,
/// "Panics").
///
/// ```
/// use libprocess::{Context, Message, Process, Runtime};
///
/// struct Greeter;
///
/// impl Process for Greeter {
///     fn initialize(&mut self, ctx: &mut Context<Self>) {
///         ctx.install("hello", |_greeter, ctx, message: Message| {
///             ctx.send(&message.from, "hi", message.body);
///         });
///     }
/// }
///
/// let runtime = Runtime::builder().build().unwrap();
/// let greeter = runtime.spawn("greeter", Greeter).unwrap();
/// # let _ = greeter;
/// ```
pub trait Process: Send + Sized + 'static {
    /// The first event: install handlers and routes, link, start timers.
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx;
    }

    /// The last event, before the process is removed and its linkers are told. It does not
    /// run when the process dies of a panicking handler.
    fn finalize(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx;
    }

    /// A linked process terminated (local) or its connection broke (remote).
    fn exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        let _ = (ctx, pid);
    }

    /// A message arrived with no handler installed for its name; the default drops it
    /// with a debug log, as Mesos does.
    fn unhandled(&mut self, ctx: &mut Context<Self>, message: Message) {
        tracing::debug!(
            to = %ctx.self_pid(),
            from = %message.from,
            name = %message.name,
            reason = "no handler",
            "dropped message"
        );
    }
}
