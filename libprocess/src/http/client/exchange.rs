//! One request's work on the client's thread: resolve the host, take an idle connection or
//! open one, send, read the head, then read the body whole or feed it to a `StreamReader`
//! chunk by chunk, and put the connection back for reuse once its response is complete.

use std::{net::SocketAddr, sync::Arc};

use bytes::{Bytes, BytesMut};

use super::{ClientError, Shared, connection::Connection, encode::asks_to_close};
use crate::{
    future::Promise,
    http::{Body, Method, Request, Response, StreamFeed},
    transport::response::{Framing, ResponseEvent, ResponseHead},
};

/// Unread chunks a streaming body may hold before the client stops reading the socket.
const STREAM_CAPACITY: usize = 16;

/// A chunk bigger than this reaches the reader in pieces of about this size.
const MAX_PIECE: usize = 1024 * 1024;

/// Where a request goes.
pub(super) enum Destination {
    /// This address.
    Address(SocketAddr),
    /// A host name to resolve, and the port.
    Host { host: String, port: u16 },
}

/// What a task needs to carry out one request.
pub(super) struct Job {
    pub(super) destination: Destination,
    /// The request itself, for a host name that turns out to be the runtime's own address.
    pub(super) request: Request,
    /// The request as bytes on the wire.
    pub(super) encoded: Bytes,
    pub(super) promise: Promise<Result<Response, ClientError>>,
}

/// The response as far as the exchange reads it.
enum Exchanged {
    /// The whole response, and its connection if it may carry another request.
    Whole(Response, Option<Connection>),
    /// A head whose body is a stream, the connection it arrives on, and whether that
    /// connection may be reused once the body is complete.
    Streaming(ResponseHead, Connection, bool),
}

/// Carries out `job`, completing its promise.
pub(super) async fn run(shared: Arc<Shared>, job: Job) {
    let Job {
        destination,
        request,
        encoded,
        promise,
    } = job;
    let addresses = match resolve(destination, &shared).await {
        Ok(addresses) => addresses,
        Err(error) => return promise.set(Err(error)),
    };
    if let Some(runtime) = shared.in_process_runtime(&addresses, &request) {
        // A host name naming this runtime: answered in-process, as for its address.
        let response = runtime.http(request).await;
        return promise.set(Ok(response.unwrap_or_else(super::no_response)));
    }
    match exchange(&shared, &addresses, &request, &encoded).await {
        Err(error) => promise.set(Err(error)),
        Ok(Exchanged::Whole(response, connection)) => {
            // Back in the pool before the caller hears, so its next request reuses it.
            if let Some(connection) = connection {
                shared.pool.put(connection);
            }
            promise.set(Ok(response));
        }
        Ok(Exchanged::Streaming(head, connection, reusable)) => {
            let (feed, reader) = StreamFeed::channel(STREAM_CAPACITY);
            promise.set(Ok(response(head, Body::Stream(reader))));
            pump(&shared, connection, reusable, feed).await;
        }
    }
}

async fn resolve(
    destination: Destination,
    shared: &Shared,
) -> Result<Vec<SocketAddr>, ClientError> {
    let (host, port) = match destination {
        Destination::Address(address) => return Ok(vec![address]),
        Destination::Host { host, port } => (host, port),
    };
    let timeout = shared.config.connect_timeout;
    let resolve_error = |reason: String| ClientError::Resolve {
        host: host.clone(),
        reason,
    };
    match tokio::time::timeout(timeout, tokio::net::lookup_host((host.as_str(), port))).await {
        Ok(Ok(addresses)) => {
            let addresses: Vec<SocketAddr> = addresses.collect();
            if addresses.is_empty() {
                Err(resolve_error("no addresses".into()))
            } else {
                Ok(addresses)
            }
        }
        Ok(Err(error)) => Err(resolve_error(error.to_string())),
        Err(_) => Err(resolve_error(format!("no answer within {timeout:?}"))),
    }
}

/// Sends the request on a reused or new connection and reads the head, and the body if it
/// is read whole. An idempotent request whose reused connection turns out closed (nothing
/// came back) is sent once more on a new connection.
async fn exchange(
    shared: &Shared,
    addresses: &[SocketAddr],
    request: &Request,
    encoded: &Bytes,
) -> Result<Exchanged, ClientError> {
    let config = &shared.config;
    let answers_head = request.method == Method::Head;
    let idempotent = matches!(
        request.method,
        Method::Get | Method::Head | Method::Put | Method::Delete | Method::Options
    );
    let mut may_reuse = true;
    let (mut connection, head) = loop {
        let idle = if may_reuse {
            addresses
                .iter()
                .find_map(|address| shared.pool.take(*address))
        } else {
            None
        };
        let reused = idle.is_some();
        let mut connection = match idle {
            Some(connection) => connection,
            None => connect_any(addresses, config.connect_timeout).await?,
        };
        match connection
            .send(encoded, answers_head, config.response_timeout)
            .await
        {
            Ok(head) => break (connection, head),
            Err(failure) if reused && failure.nothing_received && idempotent => may_reuse = false,
            Err(failure) => return Err(failure.error),
        }
    };
    let reusable = head.keep_alive && !asks_to_close(request);
    let length = match head.framing {
        Framing::Chunked | Framing::UntilClose => {
            return Ok(Exchanged::Streaming(head, connection, reusable));
        }
        Framing::Empty => 0,
        Framing::Length(length) => length,
    };
    let limit = config.max_body_bytes;
    if length > limit as u64 {
        return Err(ClientError::BodyTooLarge { limit });
    }
    let mut body = BytesMut::with_capacity((length as usize).min(MAX_PIECE));
    loop {
        match connection.next_event(Some(config.response_timeout)).await? {
            ResponseEvent::Data { bytes, .. } => body.extend_from_slice(&bytes),
            ResponseEvent::End => break,
            ResponseEvent::Head(_) => return Err(head_inside_body(connection.address)),
        }
    }
    let response = response(head, Body::Full(body.freeze()));
    Ok(Exchanged::Whole(response, reusable.then_some(connection)))
}

/// Connects to the first address that accepts; the last error if none does.
async fn connect_any(
    addresses: &[SocketAddr],
    timeout: std::time::Duration,
) -> Result<Connection, ClientError> {
    let mut last = ClientError::Stopped;
    for address in addresses {
        match Connection::connect(*address, timeout).await {
            Ok(connection) => return Ok(connection),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// Feeds a streaming body to its reader chunk by chunk until it ends, breaks, or the reader
/// is dropped (which closes the connection).
async fn pump(shared: &Shared, mut connection: Connection, reusable: bool, feed: StreamFeed) {
    let idle = shared.config.stream_idle_timeout;
    let mut pending = BytesMut::new();
    loop {
        let event = tokio::select! {
            () = feed.reader_gone() => return,
            event = connection.next_event(idle) => event,
        };
        match event {
            Ok(ResponseEvent::Data {
                bytes,
                chunk_complete,
            }) => {
                let piece = if pending.is_empty() && chunk_complete {
                    bytes
                } else {
                    pending.extend_from_slice(&bytes);
                    if !chunk_complete && pending.len() < MAX_PIECE {
                        continue;
                    }
                    pending.split().freeze()
                };
                if !piece.is_empty() && !feed.send(piece).await {
                    return;
                }
            }
            Ok(ResponseEvent::End) => {
                if !pending.is_empty() && !feed.send(pending.split().freeze()).await {
                    return;
                }
                if reusable {
                    shared.pool.put(connection);
                }
                return feed.end();
            }
            Ok(ResponseEvent::Head(_)) => return feed.fail(head_inside_body(connection.address)),
            Err(error) => {
                // What arrived of a broken chunk is still the reader's.
                if !pending.is_empty() && !feed.send(pending.split().freeze()).await {
                    return;
                }
                return feed.fail(error);
            }
        }
    }
}

fn head_inside_body(address: SocketAddr) -> ClientError {
    ClientError::Malformed {
        address,
        reason: "a response head where the body was due".into(),
    }
}

fn response(head: ResponseHead, body: Body) -> Response {
    Response {
        status: head.status,
        headers: head.headers.into_iter().collect(),
        body,
    }
}
