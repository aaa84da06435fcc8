//! `Transfer-Encoding: chunked` body decoding, pure: one state machine shared by the request
//! decoder (the server reading request bodies) and the response decoder (the client reading
//! response bodies and the outbound side skipping answers).

use bytes::{Buf, Bytes, BytesMut};

use super::wire::{MAX_HEAD_BYTES, WireError};

/// What the next step of a chunked body yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Body bytes: at most what is buffered of the current chunk. `chunk_complete` is set on
    /// the last piece of a chunk.
    Data {
        /// The bytes.
        bytes: Bytes,
        /// Whether this piece ends the chunk the sender framed.
        chunk_complete: bool,
    },
    /// The terminal chunk and the trailers have been read: the body is complete.
    End,
}

/// Why a chunked body cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChunkError {
    /// A malformed size line, a chunk not followed by CRLF, or overlong trailers.
    Malformed(WireError),
    /// The chunks announced more than the allowed total.
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

/// Decodes one chunked body; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct ChunkedDecoder {
    state: State,
    announced: u64,
    max_total: u64,
}

impl ChunkedDecoder {
    /// A decoder that fails with [`ChunkError::TooLarge`] once the chunk sizes announced add up
    /// to more than `max_total` bytes (checked as each size line arrives, before its data).
    pub(crate) fn new(max_total: u64) -> Self {
        Self {
            state: State::Size,
            announced: 0,
            max_total,
        }
    }

    /// Takes the next piece of the body out of `buffer`, or `Ok(None)` if more bytes are needed.
    pub(crate) fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<Piece>, ChunkError> {
        loop {
            match self.state {
                State::Size => match httparse::parse_chunk_size(buffer) {
                    Ok(httparse::Status::Complete((len, size))) => {
                        buffer.advance(len);
                        if size == 0 {
                            self.state = State::Trailers;
                            continue;
                        }
                        self.announced = self.announced.saturating_add(size);
                        if self.announced > self.max_total {
                            return Err(ChunkError::TooLarge);
                        }
                        self.state = State::Data(size);
                    }
                    Ok(httparse::Status::Partial) if buffer.len() > MAX_HEAD_BYTES => {
                        return Err(malformed("chunk size line too long"));
                    }
                    Ok(httparse::Status::Partial) => return Ok(None),
                    Err(_) => return Err(malformed("bad chunk size")),
                },
                State::Data(remaining) => {
                    if buffer.is_empty() {
                        return Ok(None);
                    }
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(buffer.len());
                    let left = remaining - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                    return Ok(Some(Piece::Data {
                        bytes: buffer.split_to(take).freeze(),
                        chunk_complete: left == 0,
                    }));
                }
                State::DataEnd => {
                    if buffer.len() < 2 {
                        return Ok(None);
                    }
                    if &buffer[..2] != b"\r\n" {
                        return Err(malformed("chunk not followed by CRLF"));
                    }
                    buffer.advance(2);
                    self.state = State::Size;
                }
                State::Trailers => match buffer.windows(2).position(|w| w == b"\r\n") {
                    Some(0) => {
                        buffer.advance(2);
                        self.state = State::Done;
                        return Ok(Some(Piece::End));
                    }
                    Some(end) => buffer.advance(end + 2),
                    None if buffer.len() > MAX_HEAD_BYTES => {
                        return Err(malformed("trailers too long"));
                    }
                    None => return Ok(None),
                },
                State::Done => return Ok(Some(Piece::End)),
            }
        }
    }
}

fn malformed(reason: &str) -> ChunkError {
    ChunkError::Malformed(WireError::Malformed(reason.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(wire: &[u8], max: u64) -> Result<(Vec<u8>, usize), ChunkError> {
        let mut decoder = ChunkedDecoder::new(max);
        let mut buffer = BytesMut::new();
        let mut body = Vec::new();
        let mut chunks = 0;
        for byte in wire {
            buffer.extend_from_slice(std::slice::from_ref(byte));
            while let Some(piece) = decoder.decode(&mut buffer)? {
                match piece {
                    Piece::Data {
                        bytes,
                        chunk_complete,
                    } => {
                        body.extend_from_slice(&bytes);
                        chunks += usize::from(chunk_complete);
                    }
                    Piece::End => return Ok((body, chunks)),
                }
            }
        }
        Err(malformed("unfinished"))
    }

    #[test]
    fn decodes_chunks_with_extensions_and_trailers() {
        let wire = b"3;name=value\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n";
        assert_eq!(decode_all(wire, 100), Ok((b"abcde".to_vec(), 2)));
    }

    #[test]
    fn rejects_bad_framing_and_oversized_bodies() {
        assert!(matches!(
            decode_all(b"3\r\nabcX\r\n0\r\n\r\n", 100),
            Err(ChunkError::Malformed(_))
        ));
        assert!(matches!(
            decode_all(b"zz\r\n", 100),
            Err(ChunkError::Malformed(_))
        ));
        assert_eq!(
            decode_all(b"3\r\nabc\r\n3\r\n", 5),
            Err(ChunkError::TooLarge)
        );
    }
}
