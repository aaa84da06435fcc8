//! An HTTP/1.1 client: requests to Mesos masters and agents (or any HTTP/1.1 server), with
//! keep-alive reuse and streaming response bodies.
//!
//! ```
//! use libprocess::{
//!     Context, Process, Request, Response, Runtime,
//!     http::{Body, Client},
//! };
//!
//! struct Hello;
//!
//! impl Process for Hello {
//!     fn initialize(&mut self, ctx: &mut Context<Self>) {
//!         ctx.route("/greeting", |_: &mut Self, _: &mut Context<Self>, request: Request| {
//!             Response::ok(format!("hello {}", request.query_value("name").unwrap_or("?")))
//!         });
//!     }
//! }
//!
//! let server = Runtime::builder().build()?;
//! server.spawn("hello", Hello)?;
//!
//! // From synchronous code, without a runtime of our own (as a CLI does).
//! let client = Client::standalone()?;
//! let url = format!("http://{}/hello/greeting?name=mesos", server.address());
//! let response = client.get(&url).block()?;
//! assert_eq!(response.status, 200);
//! let Body::Full(body) = response.body else { panic!("a Content-Length body is read whole") };
//! assert_eq!(body, "hello mesos");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Behaviour
//!
//! - **Threads.** [`Client::new`] runs connections on the runtime's worker threads (each
//!   server's connections on one of them); [`Client::standalone`] starts one small thread of
//!   its own, which ends when the last client handle and the last open stream are gone.
//! - **Bodies.** A `Content-Length` response body is read whole into
//!   [`Body::Full`](crate::Body::Full) (over [`ClientConfig::max_body_bytes`] it is an error
//!   and is never allocated). A chunked or close-delimited body is a
//!   [`Body::Stream`](crate::Body::Stream): the future completes with the head, and the
//!   [`StreamReader`](crate::StreamReader) yields the body chunk by chunk as it arrives, for
//!   as long as the server keeps it open (a SUBSCRIBE stream: hours). The client stops
//!   reading the socket while 16 chunks wait unread; dropping the reader closes the
//!   connection. Request bodies go out with `Content-Length`.
//! - **Connections.** One request at a time per connection (no pipelining). A connection is
//!   reused for the next request to the same address once its response, body included, has
//!   been read completely, unless either side said `Connection: close`; a streaming body
//!   holds its connection until it ends. Idle connections are kept up to
//!   [`ClientConfig::max_idle_per_address`] per address and for
//!   [`ClientConfig::idle_timeout`]. A `GET`, `HEAD`, `PUT`, `DELETE` or `OPTIONS` sent on
//!   a kept connection the server had meanwhile closed is sent again on a new one; other
//!   methods are never repeated.
//! - **Headers.** `Host` is the address (or the URL's `host:port`) unless the request sets
//!   one; every request header is passed through except `Content-Length` and
//!   `Transfer-Encoding`, which the client writes itself. A method, path or header that
//!   would break the framing (spaces in the path, CR/LF in a value) is refused with
//!   [`ClientError::InvalidRequest`], never sent.
//! - **Timeouts** (real time, [`ClientConfig`]): connecting; the response head (from the
//!   first byte written); each wait for bytes of a body read whole; optionally each wait
//!   for the next bytes of a stream. Whatever a server does (refuse, stall, answer garbage,
//!   close early), the answer is a [`ClientError`] saying so, never a panic or a hang.
//! - **In-process short cut.** A client made with [`Client::new`] answers requests to its
//!   runtime's own address (advertised or bound) through [`Runtime::http`], without a
//!   socket: routing is the server's, the answer is the same (a handler's failed future is
//!   a `503`, as the server sends), and [`settle`](crate::Clock::settle) counts the request
//!   like any event, so in-process tests stay deterministic (chain the answer with
//!   [`Context::then`](crate::Context::then) after
//!   [`into_libprocess_future`](ResponseFuture::into_libprocess_future)). Libprocess
//!   messages (a `POST` with `Libprocess-From`) still go over the socket, to be delivered
//!   as messages. Turn it off with [`ClientConfig::in_process`].

mod connection;
mod encode;
mod error;
mod exchange;
mod future;
mod pool;
mod threads;
pub(crate) mod url;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use bytes::{Bytes, BytesMut};

pub use error::ClientError;
use exchange::{Destination, Job};
pub use future::ResponseFuture;
use pool::Pool;
use threads::{Standalone, Threads};
use url::HttpUrl;

use crate::{
    Runtime,
    future::Failure,
    http::{Method, Request, Response, routing},
    transport::wire::{self, Classified},
};

/// How a [`Client`] behaves; start from [`Default`] and change what you need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// How long connecting may take; default 10 s.
    pub connect_timeout: Duration,
    /// How long the response head may take to arrive, from the request's first byte
    /// written; also the longest gap between the bytes of a body read whole. Default 30 s.
    pub response_timeout: Duration,
    /// The longest gap between the bytes of a streaming body before it ends with
    /// [`ClientError::ResponseTimedOut`]; default none (a SUBSCRIBE stream is quiet between
    /// heartbeats, and its reader decides how long to wait).
    pub stream_idle_timeout: Option<Duration>,
    /// The largest body read whole (`Content-Length`); larger is
    /// [`ClientError::BodyTooLarge`]. Default 64 MiB.
    pub max_body_bytes: usize,
    /// The most idle keep-alive connections kept per server address; default 8 (0 turns
    /// reuse off).
    pub max_idle_per_address: usize,
    /// How long an idle connection is kept for reuse; default 60 s.
    pub idle_timeout: Duration,
    /// Whether a client made with [`Client::new`] answers requests to its runtime's own
    /// address through [`Runtime::http`] (see the module docs); default true.
    pub in_process: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(30),
            stream_idle_timeout: None,
            max_body_bytes: 64 * 1024 * 1024,
            max_idle_per_address: 8,
            idle_timeout: Duration::from_secs(60),
            in_process: true,
        }
    }
}

/// What every handle of a client and every task of it share.
struct Shared {
    config: ClientConfig,
    /// Declared before `threads` so idle connections close before a standalone thread stops.
    pool: Pool,
    threads: Threads,
    /// The runtime whose own address is answered in-process (a handle that does not keep
    /// it alive).
    runtime: Option<Runtime>,
}

impl Shared {
    /// The runtime to answer `request` in-process, if it goes to the runtime's own address
    /// and is not a libprocess message.
    fn in_process_runtime(&self, addresses: &[SocketAddr], request: &Request) -> Option<&Runtime> {
        let runtime = self.runtime.as_ref().filter(|_| self.config.in_process)?;
        let own = addresses
            .iter()
            .any(|a| *a == runtime.address() || *a == runtime.bound_address());
        let http = matches!(
            wire::classify(request.method.as_str(), &request.path, |name| request
                .headers
                .get(name)),
            Ok(Classified::Http)
        );
        (own && http).then_some(runtime)
    }
}

/// What the server answers when a route's future fails (so the short cut answers alike).
fn no_response(failure: Failure) -> Response {
    Response::text(503, format!("no response: {failure}"))
}

/// An HTTP/1.1 client; see the [module docs](self). Cheap to clone (clones share the
/// connections), `Send` and `Sync`.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.shared.config)
            .field(
                "runtime",
                &self.shared.runtime.as_ref().map(Runtime::address),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client whose connections run on `runtime`'s worker threads, answering requests to
    /// the runtime's own address in-process. It does not keep the runtime alive; once the
    /// runtime is shut down, requests fail with [`ClientError::Stopped`].
    pub fn new(runtime: &Runtime) -> Client {
        Client::with_config(runtime, ClientConfig::default())
    }

    /// [`new`](Client::new) with `config`.
    pub fn with_config(runtime: &Runtime, config: ClientConfig) -> Client {
        let workers = runtime
            .inner
            .system
            .get()
            .map(|system| system.workers.clone())
            .unwrap_or_default();
        Client::build(
            config,
            Threads::Runtime(workers),
            Some(runtime.non_owning()),
        )
    }

    /// A client without a runtime (for CLIs): its connections run on one small thread of its
    /// own, which ends when the last handle and the last open stream are gone.
    pub fn standalone() -> std::io::Result<Client> {
        Client::standalone_with_config(ClientConfig::default())
    }

    /// [`standalone`](Client::standalone) with `config`.
    pub fn standalone_with_config(config: ClientConfig) -> std::io::Result<Client> {
        Ok(Client::build(
            config,
            Threads::Standalone(Standalone::start()?),
            None,
        ))
    }

    fn build(config: ClientConfig, threads: Threads, runtime: Option<Runtime>) -> Client {
        let pool = Pool::new(config.max_idle_per_address, config.idle_timeout);
        Client {
            shared: Arc::new(Shared {
                config,
                pool,
                threads,
                runtime,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// Sends `request` (its method, path, query, headers and body) to the server at
    /// `address`, with `Host: <address>` unless the request has one.
    pub fn request(&self, address: SocketAddr, request: Request) -> ResponseFuture {
        if let Some(runtime) = self.shared.in_process_runtime(&[address], &request) {
            return in_process(runtime, request);
        }
        self.start(Destination::Address(address), &address.to_string(), request)
    }

    /// Sends `request` to the server of `url` (`http://host[:port][/path][?query]`; the host
    /// may be a name, resolved on the client's thread): the URL's path is joined in front of
    /// the request's (`http://m:5050` + `/state`), the URL's query parameters in front of the
    /// request's, and `Host` is the URL's `host[:port]`.
    pub fn request_url(&self, url: &str, mut request: Request) -> ResponseFuture {
        let url = match HttpUrl::parse(url) {
            Ok(url) => url,
            Err(error) => return ResponseFuture::ready(Err(error)),
        };
        request.path = join_paths(&url.path, &request.path);
        let mut query = routing::parse_query(&url.query);
        query.append(&mut request.query);
        request.query = query;
        match url.ip() {
            Some(ip) => {
                let address = SocketAddr::new(ip, url.port);
                if let Some(runtime) = self.shared.in_process_runtime(&[address], &request) {
                    return in_process(runtime, request);
                }
                self.start(Destination::Address(address), &url.authority, request)
            }
            None => {
                let destination = Destination::Host {
                    host: url.host,
                    port: url.port,
                };
                self.start(destination, &url.authority, request)
            }
        }
    }

    /// `GET url`.
    pub fn get(&self, url: &str) -> ResponseFuture {
        self.request_url(url, Request::new(Method::Get, ""))
    }

    /// `POST url` with `body` of type `content_type` (e.g. `application/json` or
    /// `application/x-protobuf`).
    pub fn post(&self, url: &str, content_type: &str, body: impl Into<Bytes>) -> ResponseFuture {
        let request = Request::post("", body).with_header("Content-Type", content_type);
        self.request_url(url, request)
    }

    fn start(&self, destination: Destination, host: &str, request: Request) -> ResponseFuture {
        let mut encoded = BytesMut::new();
        if let Err(error) = encode::encode_request(&request, host, &mut encoded) {
            return ResponseFuture::ready(Err(error));
        }
        let thread_key = match destination {
            Destination::Address(address) => Some(address),
            Destination::Host { .. } => None,
        };
        let (promise, future) = ResponseFuture::pending();
        let job = Job {
            destination,
            request,
            encoded: encoded.freeze(),
            promise,
        };
        // If the threads are gone the job is dropped with its promise: `Stopped`.
        let _ = self
            .shared
            .threads
            .spawn(thread_key, exchange::run(self.shared.clone(), job));
        future
    }
}

/// Routes `request` through `runtime` without a socket; the answer is set by whoever sets
/// the route's response, so settle sees no gap.
fn in_process(runtime: &Runtime, request: Request) -> ResponseFuture {
    let (promise, future) = ResponseFuture::pending();
    runtime
        .http(request)
        .on_complete(move |result| promise.set(Ok(result.unwrap_or_else(no_response))));
    future
}

/// `base` (a URL's path, maybe empty or with a trailing slash) followed by `path`.
fn join_paths(base: &str, path: &str) -> String {
    let trimmed = base.trim_end_matches('/');
    let joined = match path {
        "" => base.to_owned(),
        path if path.starts_with('/') => format!("{trimmed}{path}"),
        path => format!("{trimmed}/{path}"),
    };
    if joined.is_empty() {
        "/".into()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::join_paths;

    #[test]
    fn joins_a_base_path_and_a_request_path() {
        assert_eq!(join_paths("", ""), "/");
        assert_eq!(join_paths("/", ""), "/");
        assert_eq!(join_paths("", "/state"), "/state");
        assert_eq!(join_paths("/master/", "/state"), "/master/state");
        assert_eq!(join_paths("/master", "state"), "/master/state");
        assert_eq!(join_paths("/metrics/snapshot", ""), "/metrics/snapshot");
        assert_eq!(join_paths("/files/", ""), "/files/");
    }
}
