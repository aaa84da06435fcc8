//! `Response`, its `Body` and `Reply`.

use std::fmt;

use bytes::Bytes;

use super::{Headers, StreamReader, StreamWriter};
use crate::future::Future;

/// An HTTP response from a process route.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers (the server adds `Content-Length` or `Transfer-Encoding` itself).
    pub headers: Headers,
    /// The body.
    pub body: Body,
}

/// A response body: all at once, or streamed chunk by chunk.
pub enum Body {
    /// The whole body.
    Full(Bytes),
    /// A body that arrives over time, read chunk by chunk with a [`StreamReader`]: written by
    /// a [`StreamWriter`] in this OS process (the server sends it with
    /// `Transfer-Encoding: chunked`), or a chunked or close-delimited body the
    /// [`Client`](super::Client) is receiving from a server.
    Stream(StreamReader),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Full(bytes) => write!(f, "Full({} bytes)", bytes.len()),
            Body::Stream(_) => f.write_str("Stream"),
        }
    }
}

impl Response {
    /// A response with `status` and an empty body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Headers::new(),
            body: Body::Full(Bytes::new()),
        }
    }

    /// `200 OK` with `body`.
    pub fn ok(body: impl Into<Bytes>) -> Self {
        Self::new(200).with_body(body)
    }

    /// `200 OK` with a JSON body (`Content-Type: application/json`).
    pub fn json(body: impl Into<Bytes>) -> Self {
        Self::ok(body).with_header("Content-Type", "application/json")
    }

    /// `202 Accepted`, empty.
    pub fn accepted() -> Self {
        Self::new(202)
    }

    /// `400 Bad Request` with a message saying what is wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::text(400, message)
    }

    /// `404 Not Found`.
    pub fn not_found() -> Self {
        Self::new(404)
    }

    /// `500 Internal Server Error` with a message.
    pub fn internal_error(message: impl Into<String>) -> Self {
        Self::text(500, message)
    }

    /// `status` with a plain-text body.
    pub fn text(status: u16, message: impl Into<String>) -> Self {
        Self::new(status)
            .with_body(message.into())
            .with_header("Content-Type", "text/plain; charset=utf-8")
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Body::Full(body.into());
        self
    }

    /// Sets a header (builder style).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// A streaming response: send the [`Response`] now, then write chunks with the
    /// [`StreamWriter`] for as long as the stream is open (hours, for a scheduler's events).
    ///
    /// The body goes out with `Transfer-Encoding: chunked`.
    pub fn stream(status: u16, headers: Headers) -> (Response, StreamWriter) {
        let (writer, reader) = StreamWriter::new();
        (
            Response {
                status,
                headers,
                body: Body::Stream(reader),
            },
            writer,
        )
    }

    /// The whole body, if it is not a stream.
    pub fn full_body(&self) -> Option<&Bytes> {
        match &self.body {
            Body::Full(bytes) => Some(bytes),
            Body::Stream(_) => None,
        }
    }
}

/// What a route handler returns: a response now, or a future response when the answer needs
/// other processes first.
pub enum Reply {
    /// The response, ready now.
    Now(Response),
    /// The response, once the future is set (a failure becomes a 500).
    Later(Future<Response>),
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Reply::Now(response)
    }
}

impl From<Future<Response>> for Reply {
    fn from(future: Future<Response>) -> Self {
        Reply::Later(future)
    }
}
