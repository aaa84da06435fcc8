//! What a mailbox holds: messages, dispatches, HTTP requests, exit notices and terminate.

use std::{any::TypeId, fmt};

use bytes::Bytes;

use crate::{
    Context, Process, Upid,
    future::Promise,
    http::{Request, Response},
};

/// A libprocess message: a name and opaque bytes from one process to another.
///
/// Messages between OS processes travel as `POST /<to.id>/<name>` with the body as the bytes;
/// protobuf messages are named by their full protobuf name (`mesos.internal.PingSlaveMessage`).
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// The sender.
    pub from: Upid,
    /// The receiver.
    pub to: Upid,
    /// The message name.
    pub name: String,
    /// The message body.
    pub body: Bytes,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("name", &self.name)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A closure run on a process with its context.
pub(crate) type DispatchFn<P> = Box<dyn FnOnce(&mut P, &mut Context<P>) + Send>;

/// A closure to run on a process, with what filters and `/__processes__` need to know of it.
pub(crate) struct Dispatch<P: Process> {
    /// The `TypeId` and type name of a typed `Handle<M>` message; `None` for continuations.
    pub(crate) message_type: Option<(TypeId, &'static str)>,
    /// What queued it (`dispatch`, `timer`, `stream chunk`, ...), for the log if it panics.
    pub(crate) origin: &'static str,
    pub(crate) run: DispatchFn<P>,
}

/// An HTTP request for one of the process's routes, with where its response goes.
pub(crate) struct HttpEvent {
    pub(crate) request: Request,
    /// The path routed on: the request's path, or `/<delegate><path>` after delegation.
    pub(crate) target: String,
    pub(crate) respond: Promise<Response>,
}

/// One entry of a mailbox.
pub(crate) enum Event<P: Process> {
    Initialize,
    Message(Message),
    Dispatch(Dispatch<P>),
    Http(HttpEvent),
    Exited(Upid),
    Terminate,
}

impl<P: Process> Event<P> {
    /// The JSON object `/__processes__` shows for this event, as Mesos renders it.
    pub(crate) fn describe(&self) -> serde_json::Value {
        match self {
            Event::Message(message) => {
                serde_json::json!({"type": "MESSAGE", "name": message.name})
            }
            Event::Http(http) => serde_json::json!({
                "type": "HTTP",
                "method": http.request.method.as_str(),
                "url": http.request.url(),
            }),
            Event::Initialize | Event::Dispatch(_) => serde_json::json!({"type": "DISPATCH"}),
            Event::Exited(_) => serde_json::json!({"type": "EXITED"}),
            Event::Terminate => serde_json::json!({"type": "TERMINATE"}),
        }
    }
}
