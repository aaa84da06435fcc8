//! A handler that panics: catching the panic at the event boundary, saying what the process
//! was handling, and the reply its pending HTTP requests get. The actor (`actor.rs`) then
//! terminates the process alone (see the crate docs, "Panics").

use std::{
    any::Any,
    fmt,
    panic::{AssertUnwindSafe, catch_unwind},
    rc::Rc,
};

use crate::{Response, Upid, http::Method};

/// What a process was doing when it panicked, kept cheaply so the log can say it.
pub(crate) enum Handling {
    /// [`Process::initialize`](crate::Process::initialize).
    Initialize,
    /// A message, by an installed handler or by [`Process::unhandled`](crate::Process::unhandled).
    Message(Rc<str>),
    /// A closure run on the process: a typed dispatch, a timer, a continuation. `origin`
    /// says which; `type_name` names a typed dispatch's message.
    Dispatch {
        origin: &'static str,
        type_name: Option<&'static str>,
    },
    /// A route, with the request's method and the path it was routed on.
    Http { method: Method, target: String },
    /// [`Process::exited`](crate::Process::exited) for this linked process.
    Exited(Upid),
    /// [`Process::finalize`](crate::Process::finalize).
    Finalize,
    /// Dropping the process's value once it terminated.
    Drop,
}

impl Handling {
    /// The event kind, as the log's `event` field shows it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Handling::Initialize => "initialize",
            Handling::Message(_) => "message",
            Handling::Dispatch { origin, .. } => origin,
            Handling::Http { .. } => "http",
            Handling::Exited(_) => "exited",
            Handling::Finalize => "finalize",
            Handling::Drop => "drop",
        }
    }
}

impl fmt::Display for Handling {
    /// The specifics of the event: a message's name, a request's method and path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Handling::Message(name) => f.write_str(name),
            Handling::Dispatch {
                type_name: Some(type_name),
                ..
            } => f.write_str(type_name),
            Handling::Http { method, target } => write!(f, "{method} {target}"),
            Handling::Exited(pid) => write!(f, "{pid}"),
            Handling::Initialize
            | Handling::Dispatch {
                type_name: None, ..
            }
            | Handling::Finalize
            | Handling::Drop => Ok(()),
        }
    }
}

/// A panic caught while a process handled an event.
pub(crate) struct Panicked {
    pub(crate) handling: Handling,
    /// The panic's message (its `&str` or `String` payload).
    pub(crate) message: String,
}

impl Panicked {
    /// Names what was being handled when the panic with `payload` happened.
    pub(crate) fn new(handling: Handling, payload: Box<dyn Any + Send>) -> Self {
        let message = match payload.downcast::<String>() {
            Ok(message) => *message,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(message) => (*message).to_owned(),
                Err(_) => "a panic whose payload is not a string".to_owned(),
            },
        };
        Self { handling, message }
    }

    /// Logs the panic at error level for the process `pid`, saying what happens next: the
    /// process alone is terminated, or (`aborting`) the whole OS process aborts.
    pub(crate) fn log(&self, pid: &Upid, aborting: bool) {
        let outcome = if aborting {
            "aborting the OS process (abort_on_panic)"
        } else {
            "terminating the process; its linkers hear exited"
        };
        tracing::error!(
            %pid,
            event = self.handling.kind(),
            detail = %self.handling,
            panic = %self.message,
            "a handler panicked: {outcome}"
        );
    }
}

/// Runs `handler`, catching a panic instead of letting it unwind into the worker thread.
///
/// The handler's state may be half-updated after a panic; the caller never runs it again
/// (the process is terminated), which is why asserting unwind safety is sound here.
pub(crate) fn guard<R>(handler: impl FnOnce() -> R) -> Result<R, Box<dyn Any + Send>> {
    catch_unwind(AssertUnwindSafe(handler))
}

/// The reply to an HTTP request that the failed process `pid` owed.
pub(crate) fn failed_response(pid: &Upid) -> Response {
    Response::internal_error(format!("process {} failed", pid.id()))
}
