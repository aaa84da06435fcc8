//! The libprocess wire format, pure: encoding a message as an HTTP request, classifying and
//! parsing inbound request heads, and skipping the responses a peer sends back.
//!
//! No IO happens here, so the fuzz target and property tests drive these functions directly.

use bytes::{BufMut, Bytes, BytesMut};

use super::response::{ResponseDecoder, ResponseEvent};
use crate::{Upid, UpidParseError, http::routing};

/// The longest request or response head we accept, in bytes.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most headers a head may carry.
pub const MAX_HEADERS: usize = 64;

/// Encodes a message as Mesos's libprocess does: `POST /<to.id>/<name> HTTP/1.1` with
/// `User-Agent: libprocess/<from>`, `Libprocess-From: <from>`, `Connection: Keep-Alive`,
/// `Host`, and a non-empty body as one chunk of `Transfer-Encoding: chunked`.
pub fn encode_message(from: &Upid, to: &Upid, name: &str, body: &[u8], out: &mut BytesMut) {
    use std::fmt::Write as _;
    let mut head = String::with_capacity(160 + name.len());
    head.push_str("POST ");
    if !to.id().is_empty() {
        head.push('/');
        head.push_str(to.id());
    }
    let _ = write!(
        head,
        "/{name} HTTP/1.1\r\nUser-Agent: libprocess/{from}\r\nLibprocess-From: {from}\r\n\
         Connection: Keep-Alive\r\nHost: {}\r\n",
        to.address()
    );
    if body.is_empty() {
        head.push_str("\r\n");
        out.put_slice(head.as_bytes());
    } else {
        let _ = write!(
            head,
            "Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            body.len()
        );
        out.reserve(head.len() + body.len() + 7);
        out.put_slice(head.as_bytes());
        out.put_slice(body);
        out.put_slice(b"\r\n0\r\n\r\n");
    }
}

/// [`encode_message`] into a fresh buffer.
pub fn encode_message_bytes(from: &Upid, to: &Upid, name: &str, body: &[u8]) -> Bytes {
    let mut out = BytesMut::new();
    encode_message(from, to, name, body, &mut out);
    out.freeze()
}

/// Who a libprocess message request is from and for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The sender, from `Libprocess-From` (trimmed) or the `User-Agent` suffix.
    pub from: Upid,
    /// The receiver's id: the percent-decoded first path segment.
    pub to_id: String,
    /// The message name: the rest of the path after the second `/`.
    pub name: String,
}

/// What an inbound request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// A libprocess message (a `POST` with `Libprocess-From` or `User-Agent: libprocess/...`).
    Message(Envelope),
    /// Any other HTTP request, for a process route.
    Http,
}

/// Why an inbound request is malformed (answered with 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The sender header is not a UPID.
    #[error("bad libprocess sender: {0}")]
    BadSender(#[from] UpidParseError),
    /// The path is not `/<receiver id>/<message name>`.
    #[error("bad libprocess message path '{0}': expected /<receiver id>/<message name>")]
    BadPath(String),
    /// The bytes are not an HTTP/1.x request head.
    #[error("malformed HTTP request head: {0}")]
    Malformed(String),
}

/// Classifies a request by its method, path (without query) and headers, as Mesos does.
pub fn classify<'a>(
    method: &str,
    path: &str,
    header: impl Fn(&str) -> Option<&'a str>,
) -> Result<Classified, WireError> {
    if method != "POST" {
        return Ok(Classified::Http);
    }
    let user_agent = header("User-Agent").and_then(|ua| ua.strip_prefix("libprocess/"));
    let sender = match header("Libprocess-From") {
        Some(from) => from.trim(),
        None => match user_agent {
            Some(from) => from.trim(),
            None => return Ok(Classified::Http),
        },
    };
    let from: Upid = sender.parse()?;
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| WireError::BadPath(path.to_owned()))?;
    let (id, name) = rest
        .split_once('/')
        .ok_or_else(|| WireError::BadPath(path.to_owned()))?;
    if name.is_empty() {
        return Err(WireError::BadPath(path.to_owned()));
    }
    let to_id = routing::percent_decode(id).ok_or_else(|| WireError::BadPath(path.to_owned()))?;
    Ok(Classified::Message(Envelope {
        from,
        to_id,
        name: name.to_owned(),
    }))
}

/// A parsed request head: what it is and how long the head was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The classification of the request.
    pub classified: Classified,
    /// The method.
    pub method: String,
    /// The path without query string.
    pub path: String,
    /// The length of the head in bytes, including the blank line.
    pub head_len: usize,
}

/// Parses a raw request head and classifies it: `Ok(None)` if more bytes are needed.
///
/// This is the entry point of the fuzz target: any input gives a value, never a panic.
pub fn parse_request_head(bytes: &[u8]) -> Result<Option<RequestHead>, WireError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if bytes.len() > MAX_HEAD_BYTES => {
            return Err(WireError::Malformed("request head too long".into()));
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(WireError::Malformed(error.to_string())),
    };
    let method = request.method.unwrap_or_default().to_owned();
    let target = request.path.unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let headers = request.headers;
    let lookup = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
    };
    let classified = classify(&method, &path, lookup)?;
    Ok(Some(RequestHead {
        classified,
        method,
        path,
        head_len,
    }))
}

/// Consumes the responses a peer sends on an outbound connection (normally `202 Accepted`)
/// and reports their status codes; bodies are skipped.
#[derive(Debug)]
pub struct ResponseReader {
    buffer: BytesMut,
    decoder: ResponseDecoder,
}

impl Default for ResponseReader {
    fn default() -> Self {
        Self {
            buffer: BytesMut::new(),
            decoder: ResponseDecoder::for_message_answers(),
        }
    }
}

impl ResponseReader {
    /// Feeds received bytes; returns the statuses of the responses whose heads they completed.
    pub fn feed(&mut self, data: &[u8]) -> Result<Vec<u16>, WireError> {
        self.buffer.extend_from_slice(data);
        let mut statuses = Vec::new();
        while let Some(event) = self.decoder.decode(&mut self.buffer)? {
            if let ResponseEvent::Head(head) = event {
                statuses.push(head.status);
            }
        }
        Ok(statuses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upid(text: &str) -> Upid {
        text.parse().unwrap()
    }

    #[test]
    fn encodes_exactly_as_libprocess() {
        let bytes = encode_message_bytes(
            &upid("a@1.2.3.4:5"),
            &upid("b@6.7.8.9:10"),
            "ping",
            b"hello",
        );
        assert_eq!(
            &bytes[..],
            b"POST /b/ping HTTP/1.1\r\nUser-Agent: libprocess/a@1.2.3.4:5\r\n\
Libprocess-From: a@1.2.3.4:5\r\nConnection: Keep-Alive\r\nHost: 6.7.8.9:10\r\n\
Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        );
        let empty = encode_message_bytes(&upid("a@1.2.3.4:5"), &upid("b@6.7.8.9:10"), "x", b"");
        assert!(empty.ends_with(b"Host: 6.7.8.9:10\r\n\r\n"));
    }

    #[test]
    fn parses_what_it_encodes() {
        let bytes = encode_message_bytes(
            &upid("a@1.2.3.4:5"),
            &upid("slave(1)@6.7.8.9:10"),
            "m/x",
            b"b",
        );
        let head = parse_request_head(&bytes).unwrap().unwrap();
        assert_eq!(
            head.classified,
            Classified::Message(Envelope {
                from: upid("a@1.2.3.4:5"),
                to_id: "slave(1)".into(),
                name: "m/x".into()
            })
        );
    }

    #[test]
    fn classifies_like_mesos() {
        let none = |_: &str| None;
        assert_eq!(classify("GET", "/a/b", none), Ok(Classified::Http));
        assert_eq!(classify("POST", "/a/b", none), Ok(Classified::Http));
        let from = |name: &str| (name == "Libprocess-From").then_some(" x@1.2.3.4:5 ");
        assert!(matches!(
            classify("POST", "/a/b", from),
            Ok(Classified::Message(_))
        ));
        assert!(matches!(
            classify("POST", "/a", from),
            Err(WireError::BadPath(_))
        ));
        let agent = |name: &str| (name == "User-Agent").then_some("libprocess/bad");
        assert!(matches!(
            classify("POST", "/a/b", agent),
            Err(WireError::BadSender(_))
        ));
    }

    #[test]
    fn skips_pipelined_responses() {
        let mut reader = ResponseReader::default();
        let wire = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\nHTTP/1.1 404 Not Found\r\n\
Content-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
        let mut statuses = Vec::new();
        for byte in wire.iter() {
            statuses.extend(reader.feed(std::slice::from_ref(byte)).unwrap());
        }
        assert_eq!(statuses, vec![202, 404, 200]);
    }
}
