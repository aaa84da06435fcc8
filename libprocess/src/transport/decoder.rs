//! An incremental HTTP/1.1 request decoder, pure: feed it bytes as they arrive, take out
//! complete requests (head and whole body, `Content-Length` or chunked) in order.
//!
//! Pipelined requests are decoded one after another from the same buffer; the connection
//! code answers them in order.

use bytes::{Buf, Bytes, BytesMut};

use super::{
    chunked::{ChunkError, ChunkedDecoder, Piece},
    wire::{MAX_HEAD_BYTES, MAX_HEADERS, WireError},
};

/// One complete request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The method, as sent.
    pub method: String,
    /// The request target: path and optional query string.
    pub target: String,
    /// The headers in order.
    pub headers: Vec<(String, String)>,
    /// The whole body (chunked bodies are de-chunked).
    pub body: Bytes,
    /// Whether the client asked to keep the connection open after this request.
    pub keep_alive: bool,
}

impl RawRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path part of the target.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query part of the target, without `?` ("" if none).
    pub fn query(&self) -> &str {
        self.target
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or_default()
    }
}

/// Why decoding stopped for good (the connection answers and closes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not HTTP/1.x, or a malformed head or chunk (400).
    #[error(transparent)]
    Malformed(#[from] WireError),
    /// The body is over the limit (413).
    #[error("request body is over the limit of {0} bytes")]
    TooLarge(usize),
}

#[derive(Debug)]
enum BodyState {
    Length(usize),
    Chunked(ChunkedDecoder),
}

#[derive(Debug)]
struct Pending {
    request: RawRequest,
    body: BytesMut,
    state: BodyState,
}

/// Decodes requests from a byte buffer; see the module docs.
#[derive(Debug)]
pub struct RequestDecoder {
    max_body_bytes: usize,
    pending: Option<Pending>,
}

impl RequestDecoder {
    /// A decoder that rejects bodies over `max_body_bytes`.
    pub fn new(max_body_bytes: usize) -> Self {
        Self {
            max_body_bytes,
            pending: None,
        }
    }

    /// Whether a request has started but is not complete (its head or body is partial).
    pub fn is_mid_request(&self, buffer: &BytesMut) -> bool {
        self.pending.is_some() || !buffer.is_empty()
    }

    /// Takes the next complete request out of `buffer`, or `Ok(None)` if more bytes are needed.
    pub fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<RawRequest>, DecodeError> {
        if self.pending.is_none() {
            match self.decode_head(buffer)? {
                Some(pending) => self.pending = Some(pending),
                None => return Ok(None),
            }
        }
        let Some(pending) = self.pending.as_mut() else {
            return Ok(None);
        };
        loop {
            match pending.state {
                BodyState::Length(remaining) => {
                    let take = remaining.min(buffer.len());
                    pending.body.extend_from_slice(&buffer[..take]);
                    buffer.advance(take);
                    if take < remaining {
                        pending.state = BodyState::Length(remaining - take);
                        return Ok(None);
                    }
                    break;
                }
                BodyState::Chunked(ref mut chunked) => match chunked.decode(buffer) {
                    Ok(Some(Piece::Data { bytes, .. })) => pending.body.extend_from_slice(&bytes),
                    Ok(Some(Piece::End)) => break,
                    Ok(None) => return Ok(None),
                    Err(ChunkError::TooLarge) => {
                        return Err(DecodeError::TooLarge(self.max_body_bytes));
                    }
                    Err(ChunkError::Malformed(error)) => return Err(error.into()),
                },
            }
        }
        let Some(Pending {
            mut request, body, ..
        }) = self.pending.take()
        else {
            return Ok(None);
        };
        request.body = body.freeze();
        Ok(Some(request))
    }

    fn decode_head(&self, buffer: &mut BytesMut) -> Result<Option<Pending>, DecodeError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        let head_len = match parsed.parse(buffer) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) if buffer.len() > MAX_HEAD_BYTES => {
                return Err(WireError::Malformed("request head too long".into()).into());
            }
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(error) => return Err(WireError::Malformed(error.to_string()).into()),
        };
        let version = parsed.version.unwrap_or(1);
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect();
        let request = RawRequest {
            method: parsed.method.unwrap_or_default().to_owned(),
            target: parsed.path.unwrap_or_default().to_owned(),
            headers,
            body: Bytes::new(),
            keep_alive: false,
        };
        buffer.advance(head_len);
        let connection = request.header("Connection").map(str::to_ascii_lowercase);
        let keep_alive = match connection.as_deref() {
            Some(value) if value.contains("close") => false,
            Some(value) if value.contains("keep-alive") => true,
            _ => version >= 1,
        };
        let chunked = request
            .header("Transfer-Encoding")
            .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
        let state = if chunked {
            BodyState::Chunked(ChunkedDecoder::new(self.max_body_bytes as u64))
        } else {
            let length = match request.header("Content-Length") {
                Some(text) => text
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| WireError::Malformed(format!("bad Content-Length '{text}'")))?,
                None => 0,
            };
            if length > self.max_body_bytes {
                return Err(DecodeError::TooLarge(self.max_body_bytes));
            }
            BodyState::Length(length)
        };
        let request = RawRequest {
            keep_alive,
            ..request
        };
        Ok(Some(Pending {
            request,
            body: BytesMut::new(),
            state,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pipelined_requests_byte_by_byte() {
        let wire: &[u8] =
            b"POST /a/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
GET /b HTTP/1.1\r\nConnection: close\r\n\r\nPOST /c/y HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
        let mut decoder = RequestDecoder::new(1024);
        let mut buffer = BytesMut::new();
        let mut requests = Vec::new();
        for byte in wire {
            buffer.extend_from_slice(std::slice::from_ref(byte));
            while let Some(request) = decoder.decode(&mut buffer).unwrap() {
                requests.push(request);
            }
        }
        let summary: Vec<(&str, &[u8], bool)> = requests
            .iter()
            .map(|r| (r.target.as_str(), r.body.as_ref(), r.keep_alive))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/a/x", &b"abc"[..], true),
                ("/b", &b""[..], false),
                ("/c/y", &b"hi"[..], true)
            ]
        );
    }

    #[test]
    fn rejects_large_and_malformed() {
        let mut decoder = RequestDecoder::new(4);
        let mut buffer = BytesMut::from(&b"POST /a/b HTTP/1.1\r\nContent-Length: 5\r\n\r\n"[..]);
        assert_eq!(decoder.decode(&mut buffer), Err(DecodeError::TooLarge(4)));
        let mut decoder = RequestDecoder::new(4);
        let mut buffer = BytesMut::from(&b"\x00garbage\r\n\r\n"[..]);
        assert!(matches!(
            decoder.decode(&mut buffer),
            Err(DecodeError::Malformed(_))
        ));
    }
}
