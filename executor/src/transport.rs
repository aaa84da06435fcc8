//! How calls reach the agent: a [`Transport`] sends one HTTP request and answers with the
//! response (a stream, for SUBSCRIBE). [`HttpTransport`] speaks HTTP/1.1 to an agent over
//! TCP with libprocess's client; [`InProcessTransport`] routes requests to an agent in the
//! same OS process through [`Runtime::http`], without a socket.

use libprocess::{Future, Request, Response, Runtime, http::Client};

/// Sends HTTP requests to the agent's executor API.
///
/// The request carries the method, path, headers and body; the transport knows where the
/// agent is. The response's body is a [`Body::Stream`](libprocess::Body::Stream) when the
/// agent streams (SUBSCRIBE). The future fails when the agent cannot be reached at all (no
/// connection); an HTTP error status is a response, not a failure.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` and answers with the agent's response.
    fn send(&self, request: Request) -> Future<Response>;
}

/// Reaches an agent running on `runtime` in this OS process (in-process tests, fake
/// executors of the testkit).
///
/// Calls are answered through [`Runtime::http`], and the driver consumes the SUBSCRIBE
/// stream with `Context::consume`, so [`Clock::settle`](libprocess::Clock::settle) counts
/// both: once the runtime has settled, every event the agent wrote has reached the
/// executor's handler, and every call the handler made has reached the agent.
#[derive(Debug, Clone)]
pub struct InProcessTransport {
    runtime: Runtime,
}

impl InProcessTransport {
    /// A transport to the agent on `runtime`.
    pub fn new(runtime: Runtime) -> Self {
        Self { runtime }
    }
}

impl Transport for InProcessTransport {
    fn send(&self, request: Request) -> Future<Response> {
        self.runtime.http(request)
    }
}

/// Reaches the agent at `host:port` over HTTP/1.1 (what a real executor process uses).
/// Streaming answers (SUBSCRIBE) come back as [`Body::Stream`](libprocess::Body::Stream);
/// connections are kept alive and reused between calls.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: Client,
    base: String,
}

impl HttpTransport {
    /// A transport to the agent at `address` (`host:port`, e.g. from
    /// [`AgentEndpoint::address`](crate::AgentEndpoint::address)) through `client`.
    pub fn new(client: Client, address: &str) -> Self {
        Self {
            client,
            base: format!("http://{address}"),
        }
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: Request) -> Future<Response> {
        self.client
            .request_url(&self.base, request)
            .into_libprocess_future()
    }
}
