//! An actor runtime wire-compatible with Apache Mesos's libprocess.
//!
//! Every component is a *process*: an addressed actor (`id@ip:port`, a [`Upid`]) with one
//! mailbox, handling one event at a time. Processes talk by *messages* (a name and bytes),
//! locally through memory and between OS processes as HTTP/1.1 `POST /<id>/<name>` requests
//! exactly as Mesos's libprocess sends them, so Mesos peers and ours interoperate. Typed,
//! plain-data *dispatch* ([`Handle`], [`Pid`], [`Recipient`]) serves calls between processes
//! of one OS process.
//!
//! ```
//! use libprocess::{Context, Message, MessageMatcher, Process, Runtime, Upid};
//!
//! /// Answers every `ping` with a `pong` carrying the same body.
//! struct Ponger;
//!
//! impl Process for Ponger {
//!     fn initialize(&mut self, ctx: &mut Context<Self>) {
//!         ctx.install("ping", |_: &mut Self, ctx: &mut Context<Self>, message: Message| {
//!             ctx.send(&message.from, "pong", message.body);
//!         });
//!     }
//! }
//!
//! /// Pings once when it starts.
//! struct Pinger {
//!     ponger: Upid,
//! }
//!
//! impl Process for Pinger {
//!     fn initialize(&mut self, ctx: &mut Context<Self>) {
//!         ctx.send(&self.ponger, "ping", "hello");
//!     }
//! }
//!
//! let runtime = Runtime::builder().build()?;
//! let ponger = runtime.spawn("ponger", Ponger)?;
//!
//! // A test filter sees the pong as the pinger dequeues it.
//! let pong = runtime.filters().expect_message(MessageMatcher::name("pong"));
//! runtime.spawn("pinger", Pinger { ponger: ponger.upid().clone() })?;
//! assert_eq!(pong.block()?.body, "hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The pieces
//!
//! - [`Runtime`]: one running actor system with its worker threads, HTTP endpoint,
//!   [`Clock`], [`Metrics`] and [`Filters`]. Build with [`Runtime::builder`]; several may
//!   live in one OS process.
//! - [`Process`] and [`Context`]: what a process is and what it can do while handling an
//!   event: [`install`](Context::install) handlers (or
//!   [`install_protobuf`](Context::install_protobuf)), [`route`](Context::route) HTTP,
//!   [`send`](Context::send), [`link`](Context::link), [`delay`](Context::delay),
//!   [`defer`](Context::defer), [`then`](Context::then), [`call`](Context::call),
//!   [`consume`](Context::consume) a streaming body.
//! - [`Future`] and [`Promise`]: one-shot values; `.await` them, [`block`](Future::block)
//!   on them in tests, or chain them onto a process with [`Context::then`].
//! - HTTP: [`Request`], [`Response`] (also streaming, with [`StreamWriter`] and
//!   [`StreamReader`]), [`Reply`]; [`Runtime::http`] routes a request without a socket.
//! - HTTP client: [`http::Client`] sends requests to any HTTP/1.1 server (Mesos masters and
//!   agents), on a runtime's threads or standalone for CLIs, with keep-alive reuse and
//!   streaming bodies read through the same [`StreamReader`]; requests to the runtime's own
//!   address take the in-process short cut through [`Runtime::http`].
//! - Testing: pause, advance and [`settle`](Clock::settle) the [`Clock`]; await or drop
//!   messages and dispatches with [`Filters`] (see [Testing](#testing)).
//!
//! # Threads
//!
//! A runtime starts `workers` threads (default: one per core; `LIBPROCESS_NUM_WORKER_THREADS`)
//! that run processes and sockets alike, plus one clock thread. A process handles one event
//! at a time, to completion, so handlers must not block: hand blocking work to a thread and
//! come back with [`Context::defer`], or await IO with [`Context::spawn_io`]. Typed,
//! plain-data calls between processes go through [`Pid::call`] or [`Context::call`].
//!
//! # Panics
//!
//! A panic in a handler is a bug, and the process that hit it dies of it, as an actor does
//! in Erlang; the rest of the runtime carries on. The runtime catches the panic at the
//! event boundary (any event: [`initialize`](Process::initialize), a message, a route, a
//! dispatch, a timer, a continuation, [`exited`](Process::exited),
//! [`finalize`](Process::finalize)), logs it at error level (the process, the event kind,
//! the panic's message) and terminates that process alone: [`finalize`](Process::finalize)
//! does not run (its state may be half-updated; the state is just dropped), its queued
//! events are dropped, the streams it writes and reads close, the HTTP requests it owed
//! (the one that panicked, those queued, and [`Reply::Later`] replies it never set) get
//! `500` with `process <id> failed`, its waiters ([`Runtime::wait`], [`Pid::wait`]) resolve,
//! and every process linked to it hears [`exited`](Process::exited), which is how a
//! supervisor learns of it. Other processes, on the same worker thread or not, keep running,
//! and [`Clock::settle`] stops counting the dead process. A binary that prefers Mesos's
//! fail-fast (crash the daemon, let its supervisor restart it) builds its runtime with
//! [`RuntimeBuilder::abort_on_panic`]: the panic is logged, then the OS process aborts.
//!
//! # Testing
//!
//! A test [`pause`](Clock::pause)s the clock, makes something happen, and
//! [`settle`](Clock::settle)s: settle returns once no process has an event queued or
//! running and no timer is due. [`advance`](Clock::advance) then fires the timers of the
//! time passed, and another settle runs everything they set off. Nothing else is needed
//! (no sleeps, no polling) for work that stays inside the runtime, because every step
//! queues the next before it counts as done:
//!
//! - messages, dispatches and HTTP requests to local processes ([`Runtime::http`], and the
//!   [`http::Client`]'s in-process short cut to the runtime's own address);
//! - continuations: [`then`](Context::then) and [`call`](Context::call) are queued by
//!   whoever sets the future, [`delay`](Context::delay) by the timer,
//!   [`on_closed`](Context::on_closed) by whoever closes the stream;
//! - **streams a process reads with [`Context::consume`]**: for an in-process stream, every
//!   [`StreamWriter::write`] queues the chunk on the consuming process before it returns,
//!   and closing the last writer queues the end. This is how a process reads another
//!   process's event stream deterministically (a scheduler or executor reading a master's
//!   or agent's subscription stream through [`Runtime::http`]).
//!
//! Settle does not see work outside the runtime: bytes on sockets, other threads (until
//! they call a [`Deferred`] or send), and the IO of [`Context::spawn_io`]. So a process
//! must not read a stream by awaiting [`StreamReader::next`] in `spawn_io` (or any std
//! future): such a reader is woken asynchronously, and settle can return while a written
//! chunk is still unhandled. Use [`Context::consume`], which takes the same
//! [`StreamReader`] whether it is in-process or from a socket (remote chunks are then
//! handed over as they arrive; a test over real sockets waits on a condition with a
//! deadline). Test code that is not a process may read an in-process stream with
//! [`StreamReader::try_next`] after settling: every chunk written by then is there.
//!
//! Each [`Runtime`] has its own clock: with several runtimes in one test, settle each.
//!
//! # Wire protocol
//!
//! A message to a process in another OS process is one request on a persistent connection
//! per peer address, pipelined (the next request never waits for the previous answer):
//! `POST /<to.id>/<name> HTTP/1.1` with `User-Agent: libprocess/<from>`,
//! `Libprocess-From: <from>`, and the body as one chunk. The receiver answers `202 Accepted`
//! when it delivered, `404` when there is no such process, `400` for a malformed sender or
//! path, `413` for a body over the limit. Replies always go out on the replier's own
//! connection, never on the inbound socket. [`transport::wire`] holds the pure codec.
//!
//! Tracing events: process spawn and exit (debug), link breaks (info), dropped messages
//! (warn, with a `reason`), malformed inbound requests (debug), panicking handlers (error,
//! with `pid`, `event`, `detail` and `panic`).

#![warn(missing_docs)]

mod activity;
mod actor;
mod block;
mod builtin;
mod clock;
mod consume;
mod context;
mod continuation;
mod dispatch;
mod event;
mod filter;
mod future;
mod hash;
pub mod http;
mod id;
mod link;
mod mailbox;
mod metrics;
mod panics;
mod process;
mod runtime;
pub mod transport;
mod upid;

pub use clock::{Clock, TimerId};
pub use consume::ConsumerId;
pub use context::Context;
pub use continuation::Deferred;
pub use dispatch::{Dispatcher, Handle, Pid, Recipient};
pub use event::Message;
pub use filter::{DropGuard, Filters, MessageMatcher};
pub use future::{Failure, Future, Promise};
pub use http::{Body, Headers, Method, Reply, Request, Response, StreamReader, StreamWriter};
pub use metrics::{Counter, Gauge, Metrics, SnapshotValue, Timer};
pub use process::Process;
pub use runtime::{BuildError, Runtime, RuntimeBuilder, RuntimeConfig, SpawnError, SpawnOptions};
pub use upid::{Upid, UpidParseError};
