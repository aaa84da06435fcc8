//! `Runtime`: the handle to one running actor system (its processes, clock, metrics, filters
//! and network endpoint).

mod config;
mod inner;
pub(crate) mod system;

use std::{net::SocketAddr, sync::Arc};

use bytes::Bytes;

pub use config::{BuildError, RuntimeBuilder, RuntimeConfig};
pub(crate) use inner::RuntimeInner;

use crate::{
    Clock, Filters, Metrics, Pid, Process, Upid,
    future::Future,
    http::{Request, Response},
};

/// Why a process could not be spawned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpawnError {
    /// A live process already has this id; pick another (see [`Runtime::generate_id`]).
    #[error("a process with id '{0}' is already running")]
    DuplicateId(String),
    /// The id is empty or contains `/`, `@`, whitespace or control characters.
    #[error("'{0}' cannot be a process id: it must be non-empty without '/', '@' or whitespace")]
    InvalidId(String),
    /// The runtime has been shut down.
    #[error("the runtime has been shut down")]
    RuntimeStopped,
}

/// Where to run a new process.
#[derive(Debug, Clone, Default)]
pub struct SpawnOptions {
    pub(crate) colocate_with: Option<Upid>,
}

impl SpawnOptions {
    /// Runs the new process on the same worker thread as the local process `upid`, so that
    /// a chatty pair never crosses threads. Ignored if `upid` is not a live local process.
    pub fn colocate_with(mut self, upid: &Upid) -> Self {
        self.colocate_with = Some(upid.clone());
        self
    }
}

/// Shuts the runtime down when the last owning handle goes.
pub(crate) struct Owner {
    inner: Arc<RuntimeInner>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.inner.shutdown();
    }
}

/// A running libprocess runtime: worker threads running processes, an HTTP endpoint at
/// [`address`](Runtime::address), a [`Clock`], [`Metrics`] and test [`Filters`].
///
/// Cheap to clone, `Send` and `Sync`, usable from any thread. Several runtimes may live in
/// one OS process (each with its own port, clock and processes). The runtime shuts down when
/// [`shutdown`](Runtime::shutdown) is called or the last handle from
/// [`build`](RuntimeBuilder::build) (and its clones) is dropped; handles obtained inside a
/// process with [`Context::runtime`](crate::Context::runtime) do not keep it alive.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<RuntimeInner>,
    /// Held only so that dropping the last owning handle shuts the runtime down.
    pub(crate) _owner: Option<Arc<Owner>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A builder with the default configuration (listen on `127.0.0.1`, any free port).
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// A handle that does not keep the runtime alive (what processes hold).
    pub(crate) fn non_owning(&self) -> Runtime {
        Runtime {
            inner: self.inner.clone(),
            _owner: None,
        }
    }

    /// The address UPIDs of this runtime show (the advertised one, if configured).
    pub fn address(&self) -> SocketAddr {
        self.inner.address
    }

    /// The address the HTTP listener is bound to.
    pub fn bound_address(&self) -> SocketAddr {
        self.inner.bound
    }

    /// The configuration the runtime was built with.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// Spawns `process` with id `id` on a worker thread (round-robin). Its
    /// [`initialize`](Process::initialize) is the first event it handles.
    pub fn spawn<P: Process>(
        &self,
        id: impl Into<String>,
        process: P,
    ) -> Result<Pid<P>, SpawnError> {
        self.spawn_with(id, process, SpawnOptions::default())
    }

    /// [`spawn`](Runtime::spawn) with options (e.g. colocation with another process).
    pub fn spawn_with<P: Process>(
        &self,
        id: impl Into<String>,
        process: P,
        options: SpawnOptions,
    ) -> Result<Pid<P>, SpawnError> {
        self.inner
            .spawn(self.non_owning(), id.into(), process, options)
    }

    /// A fresh id `prefix(N)`, counted per prefix from 1 (e.g. `slave(1)`).
    pub fn generate_id(&self, prefix: &str) -> String {
        self.inner.ids.generate(prefix)
    }

    /// Sends a message to `to` from this runtime itself (sender id empty, as Mesos's `post`).
    pub fn send(&self, to: &Upid, name: impl Into<String>, body: impl Into<Bytes>) {
        let from = Upid::new("", self.address());
        self.send_from(&from, to, name, body);
    }

    /// Sends a message to `to` that appears to come from `from`.
    pub fn send_from(
        &self,
        from: &Upid,
        to: &Upid,
        name: impl Into<String>,
        body: impl Into<Bytes>,
    ) {
        self.inner.send(from, to, name.into(), body.into());
    }

    /// Sends a protobuf message, named by its full protobuf name, that appears to come from
    /// `from` (for tests and code outside processes).
    pub fn send_protobuf_from<M: prost::Message + prost::Name>(
        &self,
        from: &Upid,
        to: &Upid,
        message: &M,
    ) {
        self.send_from(from, to, M::full_name(), message.encode_to_vec());
    }

    /// Terminates the local process `upid` after the event it is handling; `false` if there
    /// is no such live process.
    pub fn terminate(&self, upid: &Upid) -> bool {
        match self.inner.lookup(upid) {
            Some(slot) => {
                slot.terminate();
                true
            }
            None => false,
        }
    }

    /// A future set when the local process `upid` has terminated (at once if it is not live).
    pub fn wait(&self, upid: &Upid) -> Future<()> {
        match self.inner.lookup(upid) {
            Some(slot) => slot.wait(),
            None => Future::ready(()),
        }
    }

    /// Whether `upid` is a live process of this runtime.
    pub fn is_alive(&self, upid: &Upid) -> bool {
        self.inner.lookup(upid).is_some()
    }

    /// The UPIDs of every live process, sorted.
    pub fn processes(&self) -> Vec<Upid> {
        self.inner.upids()
    }

    /// Makes process `id` the delegate: HTTP requests whose first path segment is not a live
    /// process (or whose path is `/`) go to `/<id><path>`, so `/state` serves `/master/state`.
    pub fn set_delegate(&self, id: impl Into<String>) {
        *self.inner.delegate.write() = Some(id.into());
    }

    /// Routes `request` exactly as the HTTP server would (delegate, longest prefix,
    /// built-in endpoints), without a socket. Settle counts it like any event.
    pub fn http(&self, request: Request) -> Future<Response> {
        self.inner.http(request)
    }

    /// The runtime's clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The runtime's metrics registry (served at `/metrics/snapshot`).
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The runtime's test filters.
    pub fn filters(&self) -> &Filters {
        &self.inner.filters
    }

    /// Terminates every process, closes connections, stops the HTTP server and the threads.
    /// Idempotent. Called from inside a process it only signals the stop.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}
