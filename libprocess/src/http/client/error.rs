//! `ClientError`: everything that can go wrong between asking for a response and reading the
//! last byte of its body, said so that the caller knows what happened.

use std::{io, net::SocketAddr, time::Duration};

/// Why the [`Client`](super::Client) has no response (or why a streaming body ended early).
///
/// An HTTP error status is not an error: `404` or `503` is a [`Response`](crate::Response).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The URL is not `http://host[:port][/path][?query]`.
    #[error("invalid URL '{url}': {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The request cannot be sent as HTTP/1.1 (a method, path or header with characters
    /// that would break the framing).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The host name of a URL did not resolve to any address.
    #[error("cannot resolve host '{host}': {reason}")]
    Resolve {
        /// The host name.
        host: String,
        /// What the resolver said.
        reason: String,
    },
    /// The TCP connection could not be made (`kind` is `ConnectionRefused` when nothing
    /// listens there).
    #[error("cannot connect to {address}: {reason}")]
    Connect {
        /// The server's address.
        address: SocketAddr,
        /// The OS error's kind.
        kind: io::ErrorKind,
        /// The OS error.
        reason: String,
    },
    /// The TCP connection was not made within the connect timeout.
    #[error("connecting to {address} took longer than {timeout:?}")]
    ConnectTimedOut {
        /// The server's address.
        address: SocketAddr,
        /// The configured connect timeout.
        timeout: Duration,
    },
    /// The server did not send the response head within the response timeout, or stopped
    /// sending a body for longer than that.
    #[error("{address} sent nothing for {timeout:?} while a response was due")]
    ResponseTimedOut {
        /// The server's address.
        address: SocketAddr,
        /// The timeout that passed.
        timeout: Duration,
    },
    /// The server's bytes are not an HTTP/1.x response (or a chunk of one).
    #[error("{address} sent a malformed response: {reason}")]
    Malformed {
        /// The server's address.
        address: SocketAddr,
        /// What is wrong.
        reason: String,
    },
    /// The server closed the connection before the response (head or body) was complete.
    #[error("{address} closed the connection before the response was complete")]
    ClosedEarly {
        /// The server's address.
        address: SocketAddr,
    },
    /// A body read whole is larger than allowed (see `ClientConfig::max_body_bytes`).
    #[error("the response body is over the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// Reading or writing the connection failed (reset by the server, ...).
    #[error("the connection to {address} failed: {reason}")]
    Io {
        /// The server's address.
        address: SocketAddr,
        /// The OS error's kind.
        kind: io::ErrorKind,
        /// The OS error.
        reason: String,
    },
    /// The client's threads are gone: its runtime was shut down.
    #[error("the HTTP client has stopped (its runtime was shut down)")]
    Stopped,
}

impl ClientError {
    /// Whether a timeout (connect, response head, or body) caused this.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            ClientError::ConnectTimedOut { .. } | ClientError::ResponseTimedOut { .. }
        )
    }

    pub(crate) fn io(address: SocketAddr, error: &io::Error) -> Self {
        ClientError::Io {
            address,
            kind: error.kind(),
            reason: error.to_string(),
        }
    }
}
