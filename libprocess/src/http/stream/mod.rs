//! Streaming bodies: `StreamWriter` (a process writing a response over time) and
//! `StreamReader` (whoever reads it: the server sending it, an in-process caller of
//! `Runtime::http`, a process consuming it with `Context::consume`, or a caller of the HTTP
//! client reading a remote server's stream).

mod feed;
mod local;

use std::{
    fmt,
    pin::Pin,
    sync::{Arc, OnceLock},
    task::{Context as TaskContext, Poll},
    time::{Duration, Instant},
};

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;

pub(crate) use feed::StreamFeed;
use local::LocalStream;
pub(crate) use local::Sink;

use super::ClientError;
use crate::block::block_on_until;

/// The error of writing to a stream whose reader (the client) went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the stream is closed: the client went away or the stream ended")]
pub struct StreamClosed;

/// The writing end of a streaming [`Response`](super::Response); `Send`, so any thread may
/// write.
///
/// The stream ends (cleanly, after every chunk written) once every clone is
/// [`close`](StreamWriter::close)d or dropped.
pub struct StreamWriter {
    stream: Arc<LocalStream>,
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Clone for StreamWriter {
    fn clone(&self) -> Self {
        self.stream.add_writer();
        Self {
            stream: self.stream.clone(),
        }
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        self.stream.remove_writer();
    }
}

impl StreamWriter {
    /// A connected writer and reader.
    pub(crate) fn new() -> (StreamWriter, StreamReader) {
        let stream = Arc::new(LocalStream::new());
        let reader = StreamReader {
            source: Source::Local(LocalReader {
                stream: stream.clone(),
            }),
        };
        (StreamWriter { stream }, reader)
    }

    /// Queues a chunk for the client.
    ///
    /// When a process consumes the stream ([`Context::consume`](crate::Context::consume)),
    /// the chunk is queued on that process before `write` returns, so
    /// [`Clock::settle`](crate::Clock::settle) waits for it to be handled.
    pub fn write(&self, chunk: impl Into<Bytes>) -> Result<(), StreamClosed> {
        self.stream.write(chunk.into())
    }

    /// Whether the stream has ended (client gone or closed).
    pub fn is_closed(&self) -> bool {
        self.stream.is_closed()
    }

    /// Ends the stream once every queued chunk is sent (when all clones are closed or dropped).
    pub fn close(self) {}

    /// Runs `callback` once the stream ends (at once if it already has).
    pub(crate) fn on_closed(&self, callback: impl FnOnce() + Send + 'static) {
        self.stream.on_closed(Box::new(callback));
    }
}

/// The reading side of an in-process stream; dropping it tells the writers the client went
/// away.
pub(crate) struct LocalReader {
    stream: Arc<LocalStream>,
}

impl LocalReader {
    /// Hands the stream to a consuming process (see [`LocalStream::attach`]); the stream
    /// stays consumed for as long as this reader lives.
    pub(crate) fn attach(&self, sink: Box<dyn Sink>) {
        self.stream.attach(sink);
    }
}

impl Drop for LocalReader {
    fn drop(&mut self) {
        self.stream.close();
    }
}

/// A reader taken apart for [`Context::consume`](crate::Context::consume).
pub(crate) enum Consumable {
    /// An in-process stream, to attach a sink to.
    Local(LocalReader),
    /// A stream the HTTP client receives, to read chunk by chunk.
    Remote(StreamReader),
}

/// Where a reader's chunks come from.
enum Source {
    /// A [`StreamWriter`] in this OS process.
    Local(LocalReader),
    /// A connection of the HTTP client, read by a task that stops reading the socket while
    /// this bounded channel is full.
    Remote {
        receiver: mpsc::Receiver<Bytes>,
        failure: Arc<OnceLock<ClientError>>,
    },
}

/// The reading end of a streaming body, one type for every source: a route's
/// [`StreamWriter`] (in-process, through [`Runtime::http`](crate::Runtime::http), or what the
/// server sends), or a chunked or close-delimited response the [`Client`](super::Client)
/// receives from a server.
///
/// A process reads it with [`Context::consume`](crate::Context::consume): each chunk, then
/// the end, arrives as an event of the process, and for an in-process stream every write
/// is queued on the process at once, so [`Clock::settle`](crate::Clock::settle) covers it.
/// Elsewhere, read chunk by chunk with [`next`](StreamReader::next) (async),
/// [`block_next`](StreamReader::block_next) (sync code), or as a `futures::Stream`. A remote
/// stream yields each chunk as the server framed it (chunks over 1 MiB arrive in pieces).
/// `None` means the stream ended: [`failure`](StreamReader::failure) tells whether it ended
/// cleanly. Dropping the reader tells the writer the client went away, or closes the
/// client's connection.
pub struct StreamReader {
    source: Source,
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match self.source {
            Source::Local(_) => "local",
            Source::Remote { .. } => "remote",
        };
        f.debug_struct("StreamReader")
            .field("source", &source)
            .finish()
    }
}

/// Waiting for a chunk took longer than the caller allowed (the stream is still usable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no chunk arrived within {0:?}")]
pub struct ReadTimedOut(pub Duration);

impl StreamReader {
    /// The next chunk, or `None` once the stream ended (see [`failure`](Self::failure)).
    pub async fn next(&mut self) -> Option<Bytes> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }

    /// The next chunk if one is already here.
    pub fn try_next(&mut self) -> Option<Bytes> {
        match &mut self.source {
            Source::Local(local) => local.stream.try_chunk(),
            Source::Remote { receiver, .. } => receiver.try_recv().ok(),
        }
    }

    /// [`next`](Self::next) for synchronous code: blocks the calling thread until a chunk
    /// arrives or the stream ends. Never call it inside a process handler.
    pub fn block_next(&mut self) -> Option<Bytes> {
        block_on_until(self.next(), None).flatten()
    }

    /// Like [`block_next`](Self::block_next), but gives up after `timeout` of real time; the
    /// stream stays usable, so the caller may wait again.
    pub fn block_next_timeout(&mut self, timeout: Duration) -> Result<Option<Bytes>, ReadTimedOut> {
        block_on_until(self.next(), Some(Instant::now() + timeout)).ok_or(ReadTimedOut(timeout))
    }

    /// Why a remote stream ended early (connection broken, malformed chunk, idle timeout, the
    /// client stopped), once [`next`](Self::next) has returned `None`; `None` while it is
    /// open, after a clean end, and always for an in-process stream.
    pub fn failure(&self) -> Option<&ClientError> {
        match &self.source {
            Source::Local(_) => None,
            Source::Remote { failure, .. } => failure.get(),
        }
    }

    /// Reads the rest of the stream into one buffer: the whole body, or an error if it is
    /// over `limit` bytes or ended early.
    pub async fn read_to_end(mut self, limit: usize) -> Result<Bytes, ClientError> {
        let mut body = BytesMut::new();
        while let Some(chunk) = self.next().await {
            if body.len().saturating_add(chunk.len()) > limit {
                return Err(ClientError::BodyTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        match self.failure() {
            Some(failure) => Err(failure.clone()),
            None => Ok(body.freeze()),
        }
    }

    /// Whether the chunks come from a [`StreamWriter`] in this OS process (through
    /// [`Runtime::http`](crate::Runtime::http) or the client's in-process short cut), rather
    /// than from a socket.
    pub fn is_in_process(&self) -> bool {
        matches!(self.source, Source::Local(_))
    }

    /// Takes the reader apart for [`Context::consume`](crate::Context::consume).
    pub(crate) fn into_consumable(self) -> Consumable {
        match self.source {
            Source::Local(local) => Consumable::Local(local),
            source @ Source::Remote { .. } => Consumable::Remote(StreamReader { source }),
        }
    }

    fn poll_chunk(&mut self, cx: &mut TaskContext<'_>) -> Poll<Option<Bytes>> {
        match &mut self.source {
            Source::Local(local) => local.stream.poll_chunk(cx),
            Source::Remote { receiver, .. } => receiver.poll_recv(cx),
        }
    }
}

impl futures::Stream for StreamReader {
    type Item = Bytes;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Bytes>> {
        self.poll_chunk(cx)
    }
}
