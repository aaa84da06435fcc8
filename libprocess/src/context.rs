//! `Context`: what a running process can do: install handlers and routes, send, link,
//! spawn and terminate.

use std::{rc::Rc, sync::Arc};

use bytes::Bytes;

use crate::{
    Message, Pid, Process, Runtime, SpawnError, Upid,
    consume::Consumers,
    hash::FastMap,
    http::{Reply, Request, routing},
    mailbox::Cell,
};

pub(crate) type MessageHandler<P> = Rc<dyn Fn(&mut P, &mut Context<P>, Message)>;

/// An installed message handler with its message name (shared, so naming the message in a
/// panic's log costs no copy).
pub(crate) struct Installed<P: Process> {
    pub(crate) name: Rc<str>,
    pub(crate) handler: MessageHandler<P>,
}
pub(crate) type RouteHandler<P> = Rc<dyn Fn(&mut P, &mut Context<P>, Request) -> Reply>;

/// The handle a process gets with every event: its own address, its handlers and routes, and
/// every way to talk to the rest of the runtime.
///
/// It lives on the process's worker thread; to reach the process from elsewhere use its
/// [`Pid`], a [`Recipient`](crate::Recipient), or a [`Deferred`](crate::Deferred).
pub struct Context<P: Process> {
    pub(crate) cell: Arc<Cell<P>>,
    pub(crate) runtime: Runtime,
    pub(crate) handlers: FastMap<String, Installed<P>>,
    pub(crate) routes: FastMap<String, RouteHandler<P>>,
    pub(crate) terminating: bool,
    pub(crate) consumers: Consumers<P>,
}

impl<P: Process> Context<P> {
    pub(crate) fn new(runtime: Runtime, cell: Arc<Cell<P>>) -> Self {
        Self {
            cell,
            runtime,
            handlers: FastMap::default(),
            routes: FastMap::default(),
            terminating: false,
            consumers: Consumers::default(),
        }
    }

    /// This process's address.
    pub fn self_pid(&self) -> &Upid {
        &self.cell.upid
    }

    /// This process's typed handle (for handing to others, e.g. as a reply address).
    pub fn pid(&self) -> Pid<P> {
        Pid::from_cell(self.cell.clone())
    }

    /// The runtime this process runs on. (This handle does not keep the runtime alive.)
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Handles messages named `name` with `handler`; installing a name again replaces it.
    pub fn install<F>(&mut self, name: impl Into<String>, handler: F)
    where
        F: Fn(&mut P, &mut Context<P>, Message) + 'static,
    {
        let name: String = name.into();
        let installed = Installed {
            name: Rc::from(name.as_str()),
            handler: Rc::new(handler),
        };
        self.handlers.insert(name, installed);
    }

    /// Handles protobuf messages of type `M`, named by their full protobuf name
    /// (`M::full_name()`, e.g. `mesos.internal.RegisterSlaveMessage`). The handler gets the
    /// sender and the decoded message; a body that does not decode is logged and dropped.
    pub fn install_protobuf<M, F>(&mut self, handler: F)
    where
        M: prost::Message + prost::Name + Default + 'static,
        F: Fn(&mut P, &mut Context<P>, Upid, M) + 'static,
    {
        self.install(
            M::full_name(),
            move |process, ctx, message: Message| match M::decode(message.body.as_ref()) {
                Ok(decoded) => handler(process, ctx, message.from, decoded),
                Err(error) => tracing::warn!(
                    to = %ctx.self_pid(),
                    from = %message.from,
                    name = %message.name,
                    reason = "decode failure",
                    %error,
                    "dropped message"
                ),
            },
        );
    }

    /// Removes the handler for `name`.
    pub fn uninstall(&mut self, name: &str) {
        self.handlers.remove(name);
    }

    /// Serves HTTP requests for `/<id><path>` (and, by longest-prefix match, paths below it)
    /// with `handler`. `path` is like `"/state"`; a trailing slash is ignored.
    pub fn route<F, R>(&mut self, path: &str, handler: F)
    where
        F: Fn(&mut P, &mut Context<P>, Request) -> R + 'static,
        R: Into<Reply>,
    {
        self.routes.insert(
            routing::normalize_route(path),
            Rc::new(move |process, ctx, request| handler(process, ctx, request).into()),
        );
    }

    /// Sends a message from this process to `to`, local or remote.
    pub fn send(&self, to: &Upid, name: impl Into<String>, body: impl Into<Bytes>) {
        self.runtime.send_from(&self.cell.upid, to, name, body);
    }

    /// Sends a protobuf message named by its full protobuf name.
    pub fn send_protobuf<M: prost::Message + prost::Name>(&self, to: &Upid, message: &M) {
        self.send(to, M::full_name(), message.encode_to_vec());
    }

    /// Links to `to`: [`Process::exited`] runs when it terminates (local) or when the
    /// connection to its address breaks (remote). Linking to a dead local process reports
    /// the exit at once.
    pub fn link(&self, to: &Upid) {
        self.runtime.inner.link(&self.cell.upid, to, false);
    }

    /// Like [`link`](Context::link), but first replaces the connection to a remote address
    /// with a fresh one (the old one closes without an exit notice), as after a failover.
    pub fn relink(&self, to: &Upid) {
        self.runtime.inner.link(&self.cell.upid, to, true);
    }

    /// Stops hearing about `to`.
    pub fn unlink(&self, to: &Upid) {
        self.runtime.inner.links.forget(&self.cell.upid, to);
    }

    /// Spawns another process (see [`Runtime::spawn`]).
    pub fn spawn<Q: Process>(
        &self,
        id: impl Into<String>,
        process: Q,
    ) -> Result<Pid<Q>, SpawnError> {
        self.runtime.spawn(id, process)
    }

    /// Terminates this process once the current event is handled: [`Process::finalize`]
    /// runs, queued events are dropped, and linked processes hear [`Process::exited`].
    pub fn terminate(&mut self) {
        self.terminating = true;
    }
}
