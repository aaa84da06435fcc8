//! The client's end of a remote stream: the connection task feeds what the server sends
//! to the `StreamReader` of the response, through a bounded channel.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::{Source, StreamReader};
use crate::http::ClientError;

/// The client's end of a remote stream: what the connection task feeds the reader through.
///
/// Dropped without [`end`](StreamFeed::end) or [`fail`](StreamFeed::fail) (the client's thread
/// stopped), the reader learns [`ClientError::Stopped`].
pub(crate) struct StreamFeed {
    sender: mpsc::Sender<Bytes>,
    failure: Arc<OnceLock<ClientError>>,
    finished: bool,
}

impl StreamFeed {
    /// A feed and its reader, holding at most `capacity` unread chunks.
    pub(crate) fn channel(capacity: usize) -> (StreamFeed, StreamReader) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let failure = Arc::new(OnceLock::new());
        let reader = StreamReader {
            source: Source::Remote {
                receiver,
                failure: failure.clone(),
            },
        };
        let feed = StreamFeed {
            sender,
            failure,
            finished: false,
        };
        (feed, reader)
    }

    /// Hands a chunk to the reader, waiting while it has `capacity` unread; `false` if the
    /// reader is gone.
    pub(crate) async fn send(&self, chunk: Bytes) -> bool {
        self.sender.send(chunk).await.is_ok()
    }

    /// Completes when the reader has been dropped.
    pub(crate) async fn reader_gone(&self) {
        self.sender.closed().await;
    }

    /// The stream ended cleanly.
    pub(crate) fn end(mut self) {
        self.finished = true;
    }

    /// The stream ended because of `error`.
    pub(crate) fn fail(mut self, error: ClientError) {
        let _ = self.failure.set(error);
        self.finished = true;
    }
}

impl Drop for StreamFeed {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.failure.set(ClientError::Stopped);
        }
        // The sender drops after the failure is recorded, so a reader that sees the end
        // also sees why.
    }
}
