//! `ResponseFuture`: the response a client request will get, or the `ClientError` saying why
//! there is none. Awaitable, blockable, and convertible into a plain libprocess `Future`.

use std::{
    pin::Pin,
    task::{Context as TaskContext, Poll},
    time::Duration,
};

use super::ClientError;
use crate::{
    future::{Failure, Future, Promise},
    http::Response,
};

/// The answer to a [`Client`](super::Client) request.
///
/// - `.await` it (output `Result<Response, ClientError>`), or [`block`](Self::block) on it from
///   synchronous code;
/// - in a process, chain it with [`Context::then`](crate::Context::then) after
///   [`into_libprocess_future`](Self::into_libprocess_future) (or `.into()`): the failure then
///   carries the error's message. Requests the client answers in-process (see
///   [`Client`](super::Client)) keep [`settle`](crate::Clock::settle) exact that way.
#[must_use = "a ResponseFuture does nothing unless awaited, blocked on, or chained"]
#[derive(Debug)]
pub struct ResponseFuture {
    inner: Future<Result<Response, ClientError>>,
}

impl ResponseFuture {
    /// A pending response and the promise that completes it.
    pub(crate) fn pending() -> (Promise<Result<Response, ClientError>>, ResponseFuture) {
        let (promise, inner) = Promise::new();
        (promise, ResponseFuture { inner })
    }

    /// An answer that is already known (typically an error found before any IO).
    pub(crate) fn ready(result: Result<Response, ClientError>) -> ResponseFuture {
        ResponseFuture {
            inner: Future::ready(result),
        }
    }

    /// Whether the response (or error) is already here.
    pub fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    /// Blocks the calling thread until the response head has arrived (and, for a body read
    /// whole, the body). Never call it inside a process handler.
    pub fn block(self) -> Result<Response, ClientError> {
        flatten(self.inner.block())
    }

    /// Like [`block`](Self::block), but gives the future back if there is no answer within
    /// `timeout` of real time.
    pub fn block_timeout(self, timeout: Duration) -> Result<Result<Response, ClientError>, Self> {
        self.inner
            .block_timeout(timeout)
            .map(flatten)
            .map_err(|inner| ResponseFuture { inner })
    }

    /// A libprocess [`Future`] of the response; a [`ClientError`] becomes
    /// [`Failure::Failed`] with the error's message.
    pub fn into_libprocess_future(self) -> Future<Response> {
        let (promise, future) = Promise::new();
        self.inner
            .on_complete(move |result| promise.complete_with(flatten(result).map_err(failed)));
        future
    }
}

fn failed(error: ClientError) -> Failure {
    Failure::Failed(error.to_string())
}

/// A dropped promise means the client's thread went away with the request.
fn flatten(
    result: Result<Result<Response, ClientError>, Failure>,
) -> Result<Response, ClientError> {
    result.unwrap_or(Err(ClientError::Stopped))
}

impl From<ResponseFuture> for Future<Response> {
    fn from(future: ResponseFuture) -> Self {
        future.into_libprocess_future()
    }
}

impl std::future::Future for ResponseFuture {
    type Output = Result<Response, ClientError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner).poll(cx).map(flatten)
    }
}
