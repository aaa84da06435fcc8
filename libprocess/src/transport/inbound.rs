//! The inbound HTTP/1.1 server: accepts connections on the runtime's HTTP threads and hands
//! each to [`connection`](super::connection).
//!
//! We serve HTTP ourselves rather than through actix-web: actix-http 3.20 closes a keep-alive
//! connection whenever a response is sent while the *next* pipelined request's body is
//! still arriving (`send_response` checks the dispatcher's current payload, which by then
//! belongs to the next request), so a libprocess peer that pipelines, as every peer does,
//! loses messages; the releases without that behaviour also lack 3.12.1's request-smuggling
//! fix. Our server answers pipelined requests strictly in order.

use std::{
    net::TcpListener,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use super::connection;
use crate::Runtime;

/// What the server needs to know.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InboundLimits {
    pub(crate) max_body_bytes: usize,
    pub(crate) body_timeout: Duration,
}

/// Accepts connections forever on the first HTTP thread, spreading them over `threads`.
pub(crate) fn start(
    listener: TcpListener,
    runtime: Runtime,
    limits: InboundLimits,
    threads: Vec<actix_rt::ArbiterHandle>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let Some(first) = threads.first().cloned() else {
        return Err(std::io::Error::other("no HTTP threads"));
    };
    let spawned = first.spawn(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot register the HTTP listener");
                return;
            }
        };
        let next = AtomicUsize::new(0);
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::debug!(%error, "accept failed");
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let thread = &threads[next.fetch_add(1, Ordering::Relaxed) % threads.len()];
            let runtime = runtime.clone();
            match stream.into_std() {
                Ok(stream) => {
                    thread.spawn(async move {
                        match tokio::net::TcpStream::from_std(stream) {
                            Ok(stream) => connection::serve(stream, peer, runtime, limits).await,
                            Err(error) => tracing::debug!(%error, "cannot register a connection"),
                        }
                    });
                }
                Err(error) => tracing::debug!(%error, "cannot move a connection"),
            }
        }
    });
    if spawned {
        Ok(())
    } else {
        Err(std::io::Error::other("the HTTP thread is gone"))
    }
}
