//! An incremental HTTP/1.1 response decoder, pure: feed it bytes as they arrive and take out
//! events in order: a response head, body pieces (`Content-Length`, chunked, or delimited by
//! the connection closing), and the end of each response.
//!
//! The HTTP client reads its responses with it, and the outbound message connections skip
//! their peers' `202 Accepted` answers with it ([`ResponseReader`](super::wire::ResponseReader)).

use bytes::{Buf, Bytes, BytesMut};

use super::{
    chunked::{ChunkError, ChunkedDecoder, Piece},
    wire::{MAX_HEAD_BYTES, MAX_HEADERS, WireError},
};

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body: `204`, `304`, an answer to `HEAD`, or `Content-Length: 0`.
    Empty,
    /// Exactly this many bytes (`Content-Length`).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection (no length, or a transfer coding
    /// other than chunked last).
    UntilClose,
}

/// A response's status line and headers, and what they say about the body and the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// The reason phrase as sent.
    pub reason: String,
    /// The minor HTTP version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub version: u8,
    /// The headers in order (values decoded lossily as UTF-8).
    pub headers: Vec<(String, String)>,
    /// How the body is delimited.
    pub framing: Framing,
    /// Whether the connection may carry another request once this response is complete
    /// (HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`, and
    /// the body not delimited by the close).
    pub keep_alive: bool,
}

impl ResponseHead {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What decoding yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseEvent {
    /// The head of the next response.
    Head(ResponseHead),
    /// Body bytes of the current response.
    Data {
        /// The bytes.
        bytes: Bytes,
        /// Whether this piece ends a chunk as the server framed it (always set for bodies
        /// that are not chunked).
        chunk_complete: bool,
    },
    /// The current response is complete.
    End,
}

#[derive(Debug, Clone)]
enum State {
    Head,
    Empty,
    Length(u64),
    Chunked(ChunkedDecoder),
    UntilClose,
}

/// Decodes responses from a byte buffer; see the module docs.
#[derive(Debug, Clone)]
pub struct ResponseDecoder {
    state: State,
    answers_head: bool,
    message_answers: bool,
}

impl Default for ResponseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseDecoder {
    /// A decoder following RFC 9112: a response with neither `Content-Length` nor
    /// `Transfer-Encoding` has a body that lasts until the connection closes.
    pub fn new() -> Self {
        Self {
            state: State::Head,
            answers_head: false,
            message_answers: false,
        }
    }

    /// A decoder for the answers to pipelined libprocess messages, where a response without
    /// a length has no body (a peer that omits `Content-Length: 0` on its `202` must not make
    /// every later answer part of a close-delimited body). Only the status and framing of
    /// each head are kept: its `reason` and `headers` are left empty.
    pub fn for_message_answers() -> Self {
        Self {
            message_answers: true,
            ..Self::new()
        }
    }

    /// Says that the next response answers a `HEAD` request, so it has no body whatever its
    /// headers say.
    pub fn expect_answer_to_head(&mut self) {
        self.answers_head = true;
    }

    /// Whether the decoder is between responses (no head or body partly decoded).
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Head)
    }

    /// Takes the next event out of `buffer`, or `Ok(None)` if more bytes are needed.
    ///
    /// Any input gives a value, never a panic. Informational (`1xx`) responses other than
    /// `101` are skipped.
    pub fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<ResponseEvent>, WireError> {
        loop {
            match &mut self.state {
                State::Head => {
                    let Some(head) = self.decode_head(buffer)? else {
                        return Ok(None);
                    };
                    if (100..200).contains(&head.status) && head.status != 101 {
                        continue;
                    }
                    self.state = match head.framing {
                        Framing::Empty | Framing::Length(0) => State::Empty,
                        Framing::Length(length) => State::Length(length),
                        Framing::Chunked => State::Chunked(ChunkedDecoder::new(u64::MAX)),
                        Framing::UntilClose => State::UntilClose,
                    };
                    return Ok(Some(ResponseEvent::Head(head)));
                }
                State::Empty => {
                    self.state = State::Head;
                    return Ok(Some(ResponseEvent::End));
                }
                State::Length(remaining) => {
                    if buffer.is_empty() {
                        return Ok(None);
                    }
                    let take = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(buffer.len());
                    *remaining -= take as u64;
                    if *remaining == 0 {
                        self.state = State::Empty;
                    }
                    return Ok(Some(ResponseEvent::Data {
                        bytes: buffer.split_to(take).freeze(),
                        chunk_complete: true,
                    }));
                }
                State::Chunked(chunked) => {
                    return match chunked.decode(buffer) {
                        Ok(Some(Piece::Data {
                            bytes,
                            chunk_complete,
                        })) => Ok(Some(ResponseEvent::Data {
                            bytes,
                            chunk_complete,
                        })),
                        Ok(Some(Piece::End)) => {
                            self.state = State::Head;
                            Ok(Some(ResponseEvent::End))
                        }
                        Ok(None) => Ok(None),
                        Err(ChunkError::Malformed(error)) => Err(error),
                        Err(ChunkError::TooLarge) => {
                            Err(WireError::Malformed("chunked body too large".into()))
                        }
                    };
                }
                State::UntilClose => {
                    if buffer.is_empty() {
                        return Ok(None);
                    }
                    return Ok(Some(ResponseEvent::Data {
                        bytes: buffer.split().freeze(),
                        chunk_complete: true,
                    }));
                }
            }
        }
    }

    /// The server closed the connection: ends a body delimited by the close
    /// (`Some(End)`); `None` otherwise, which is an early close unless
    /// [`is_idle`](ResponseDecoder::is_idle) and nothing is left in the buffer.
    pub fn finish(&mut self) -> Option<ResponseEvent> {
        match self.state {
            State::UntilClose => {
                self.state = State::Head;
                Some(ResponseEvent::End)
            }
            _ => None,
        }
    }

    fn decode_head(&mut self, buffer: &mut BytesMut) -> Result<Option<ResponseHead>, WireError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut headers);
        let head_len = match parsed.parse(buffer) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) if buffer.len() > MAX_HEAD_BYTES => {
                return Err(WireError::Malformed("response head too long".into()));
            }
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(error) => return Err(WireError::Malformed(error.to_string())),
        };
        let status = parsed.code.unwrap_or_default();
        let version = parsed.version.unwrap_or(1);
        let answers_head = std::mem::take(&mut self.answers_head);
        let framing = if (100..200).contains(&status) && status != 101 {
            Framing::Empty
        } else if status == 101 {
            Framing::UntilClose
        } else if answers_head || status == 204 || status == 304 {
            Framing::Empty
        } else {
            self.body_framing(parsed.headers)?
        };
        let close = tokens(parsed.headers, "Connection").any(|t| t.eq_ignore_ascii_case(b"close"));
        let keep_alive_asked =
            tokens(parsed.headers, "Connection").any(|t| t.eq_ignore_ascii_case(b"keep-alive"));
        let keep_alive =
            !close && (version >= 1 || keep_alive_asked) && framing != Framing::UntilClose;
        // The answers to messages are only counted: no copies of what nobody reads.
        let (reason, headers) = if self.message_answers {
            (String::new(), Vec::new())
        } else {
            let headers = parsed
                .headers
                .iter()
                .map(|h| {
                    let value = String::from_utf8_lossy(h.value.trim_ascii()).into_owned();
                    (h.name.to_owned(), value)
                })
                .collect();
            (parsed.reason.unwrap_or_default().to_owned(), headers)
        };
        buffer.advance(head_len);
        Ok(Some(ResponseHead {
            status,
            reason,
            version,
            headers,
            framing,
            keep_alive,
        }))
    }

    fn body_framing(&self, headers: &[httparse::Header<'_>]) -> Result<Framing, WireError> {
        if let Some(last) = tokens(headers, "Transfer-Encoding")
            .filter(|t| !t.is_empty())
            .last()
        {
            return Ok(if last.eq_ignore_ascii_case(b"chunked") {
                Framing::Chunked
            } else {
                Framing::UntilClose
            });
        }
        let mut length: Option<u64> = None;
        for token in tokens(headers, "Content-Length") {
            let parsed = std::str::from_utf8(token)
                .ok()
                .filter(|text| text.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|text| text.parse::<u64>().ok())
                .ok_or_else(|| {
                    WireError::Malformed(format!(
                        "bad Content-Length '{}'",
                        String::from_utf8_lossy(token)
                    ))
                })?;
            if length.is_some_and(|known| known != parsed) {
                return Err(WireError::Malformed(
                    "conflicting Content-Length values".into(),
                ));
            }
            length = Some(parsed);
        }
        Ok(match length {
            Some(0) => Framing::Empty,
            Some(length) => Framing::Length(length),
            None if self.message_answers => Framing::Empty,
            None => Framing::UntilClose,
        })
    }
}

/// The comma-separated, trimmed values of every `name` header, in order.
fn tokens<'h>(
    headers: &'h [httparse::Header<'h>],
    name: &'h str,
) -> impl Iterator<Item = &'h [u8]> + 'h {
    headers
        .iter()
        .filter(move |header| header.name.eq_ignore_ascii_case(name))
        .flat_map(|header| header.value.split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` byte by byte and collects the events as text.
    fn events(decoder: &mut ResponseDecoder, wire: &[u8]) -> Vec<String> {
        let mut buffer = BytesMut::new();
        let mut out = Vec::new();
        for byte in wire {
            buffer.extend_from_slice(std::slice::from_ref(byte));
            while let Some(event) = decoder.decode(&mut buffer).unwrap() {
                out.push(match event {
                    ResponseEvent::Head(head) => format!(
                        "{} {:?} keep_alive={}",
                        head.status, head.framing, head.keep_alive
                    ),
                    ResponseEvent::Data { bytes, .. } => {
                        String::from_utf8_lossy(&bytes).into_owned()
                    }
                    ResponseEvent::End => "end".into(),
                });
            }
        }
        if let Some(ResponseEvent::End) = decoder.finish() {
            out.push("end at close".into());
        }
        out
    }

    #[test]
    fn decodes_each_framing_in_order() {
        let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi\
HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n\
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
1;x=y\r\na\r\n0\r\n\r\nHTTP/1.0 200 OK\r\n\r\nrest";
        let mut decoder = ResponseDecoder::new();
        let mut seen = events(&mut decoder, wire);
        // A close-delimited body arrives byte by byte here; join its pieces.
        let tail: String = seen.drain(10..seen.len() - 1).collect();
        assert_eq!(
            seen,
            vec![
                "200 Length(2) keep_alive=true",
                "h",
                "i",
                "end",
                "202 Empty keep_alive=true",
                "end",
                "200 Chunked keep_alive=true",
                "a",
                "end",
                "200 UntilClose keep_alive=false",
                "end at close",
            ]
        );
        assert_eq!(tail, "rest");
    }

    #[test]
    fn honours_head_requests_and_connection_close() {
        let mut decoder = ResponseDecoder::new();
        decoder.expect_answer_to_head();
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n";
        assert_eq!(
            events(&mut decoder, wire),
            vec!["200 Empty keep_alive=false", "end"]
        );
        let mut decoder = ResponseDecoder::for_message_answers();
        assert_eq!(
            events(&mut decoder, b"HTTP/1.1 202 Accepted\r\n\r\n"),
            vec!["202 Empty keep_alive=true", "end"]
        );
    }

    #[test]
    fn rejects_malformed_heads() {
        for wire in [
            &b"hello world\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ] {
            let mut decoder = ResponseDecoder::new();
            let mut buffer = BytesMut::from(wire);
            assert!(decoder.decode(&mut buffer).is_err(), "{wire:?}");
        }
    }
}
