//! One client connection: connect with a timeout, send a request while watching for an early
//! answer, and read response events through the shared pure decoder.

use std::{io, net::SocketAddr, pin::pin, time::Duration};

use bytes::{Bytes, BytesMut};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::ClientError;
use crate::transport::response::{ResponseDecoder, ResponseEvent, ResponseHead};

const READ_CHUNK: usize = 64 * 1024;

/// Why sending a request and reading its head failed, and whether retrying on a fresh
/// connection is safe.
pub(super) struct HeadFailure {
    pub(super) error: ClientError,
    /// Nothing came back from the server: a reused connection the server had already
    /// closed looks like this.
    pub(super) nothing_received: bool,
}

/// A connection to one server and the bytes it sent that are not decoded yet.
pub(super) struct Connection {
    pub(super) address: SocketAddr,
    stream: TcpStream,
    buffer: BytesMut,
    decoder: ResponseDecoder,
}

impl Connection {
    /// Connects to `address` within `timeout`.
    pub(super) async fn connect(
        address: SocketAddr,
        timeout: Duration,
    ) -> Result<Connection, ClientError> {
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                return Err(ClientError::Connect {
                    address,
                    kind: error.kind(),
                    reason: error.to_string(),
                });
            }
            Err(_) => return Err(ClientError::ConnectTimedOut { address, timeout }),
        };
        let _ = stream.set_nodelay(true);
        Ok(Connection {
            address,
            stream,
            buffer: BytesMut::new(),
            decoder: ResponseDecoder::new(),
        })
    }

    /// Whether the connection is between responses with nothing unread, so it may carry
    /// another request.
    pub(super) fn is_clean(&self) -> bool {
        self.decoder.is_idle() && self.buffer.is_empty()
    }

    /// Whether an idle connection still looks usable: the server has neither closed it nor
    /// sent anything unasked.
    pub(super) fn looks_alive(&self) -> bool {
        let mut probe = [0u8; 1];
        let read = self.stream.try_read(&mut probe);
        matches!(read, Err(error) if error.kind() == io::ErrorKind::WouldBlock)
    }

    /// Writes `request` and reads until the response head, all within `timeout`. The head
    /// is read while the request is still being written, so a server that answers early
    /// (and stops reading) is heard, and the connection is then not reused; `answers_head`
    /// says the request is a `HEAD`.
    pub(super) async fn send(
        &mut self,
        request: &Bytes,
        answers_head: bool,
        timeout: Duration,
    ) -> Result<ResponseHead, HeadFailure> {
        let address = self.address;
        if answers_head {
            self.decoder.expect_answer_to_head();
        }
        let Connection {
            stream,
            buffer,
            decoder,
            ..
        } = self;
        let (mut read_half, mut write_half) = stream.split();
        let mut write = pin!(write_half.write_all(request));
        let mut writing = true;
        let mut write_error: Option<io::Error> = None;
        let mut received = false;
        let mut deadline = pin!(tokio::time::sleep(timeout));
        let failure = |error: ClientError, received: bool| HeadFailure {
            error,
            nothing_received: !received,
        };
        loop {
            match decoder.decode(buffer) {
                Ok(Some(ResponseEvent::Head(mut head))) => {
                    // Answered before the whole request went out: never reuse.
                    head.keep_alive &= !writing && write_error.is_none();
                    return Ok(head);
                }
                Ok(Some(_)) | Ok(None) => {}
                Err(error) => {
                    let error = ClientError::Malformed {
                        address,
                        reason: error.to_string(),
                    };
                    return Err(failure(error, true));
                }
            }
            buffer.reserve(READ_CHUNK);
            tokio::select! {
                written = &mut write, if writing => {
                    writing = false;
                    write_error = written.err();
                }
                read = read_half.read_buf(buffer) => match read {
                    Ok(0) => {
                        let error = match write_error.take() {
                            Some(error) => ClientError::io(address, &error),
                            None => ClientError::ClosedEarly { address },
                        };
                        return Err(failure(error, received));
                    }
                    Ok(_) => received = true,
                    Err(error) => return Err(failure(ClientError::io(address, &error), received)),
                },
                () = &mut deadline => {
                    let error = ClientError::ResponseTimedOut { address, timeout };
                    return Err(failure(error, received));
                }
            }
        }
    }

    /// The next body event, reading as needed; each wait for bytes is bounded by `idle` if
    /// given. The server closing the connection ends a close-delimited body and is an early
    /// close otherwise.
    pub(super) async fn next_event(
        &mut self,
        idle: Option<Duration>,
    ) -> Result<ResponseEvent, ClientError> {
        let address = self.address;
        loop {
            match self.decoder.decode(&mut self.buffer) {
                Ok(Some(event)) => return Ok(event),
                Ok(None) => {}
                Err(error) => {
                    return Err(ClientError::Malformed {
                        address,
                        reason: error.to_string(),
                    });
                }
            }
            self.buffer.reserve(READ_CHUNK);
            let read = self.stream.read_buf(&mut self.buffer);
            let read = match idle {
                Some(timeout) => match tokio::time::timeout(timeout, read).await {
                    Ok(read) => read,
                    Err(_) => return Err(ClientError::ResponseTimedOut { address, timeout }),
                },
                None => read.await,
            };
            match read {
                Ok(0) => {
                    return match self.decoder.finish() {
                        Some(event) => Ok(event),
                        None => Err(ClientError::ClosedEarly { address }),
                    };
                }
                Ok(_) => {}
                Err(error) => return Err(ClientError::io(address, &error)),
            }
        }
    }
}
