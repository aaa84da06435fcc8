//! Encoding a `Request` as HTTP/1.1 bytes, pure, refusing anything that would break the
//! framing (a request-smuggling guard: no CR/LF in header values, no spaces in the target).

use std::fmt::Write as _;

use bytes::{BufMut, BytesMut};

use super::ClientError;
use crate::http::{Method, Request};

/// Whether `byte` may appear in a method or header name (RFC 9110 `tchar`).
fn is_token(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Encodes `request` into `out`: the request line with the path and re-encoded query, a
/// `Host` header (`host` unless the request carries its own), the request's headers except
/// `Content-Length` and `Transfer-Encoding` (the client frames the body itself), and the
/// body with `Content-Length`.
pub(crate) fn encode_request(
    request: &Request,
    host: &str,
    out: &mut BytesMut,
) -> Result<(), ClientError> {
    let invalid = |what: String| Err(ClientError::InvalidRequest(what));
    let method = request.method.as_str();
    if method.is_empty() || !method.bytes().all(is_token) {
        return invalid(format!("'{method}' is not an HTTP method"));
    }
    let path = if request.path.is_empty() {
        "/"
    } else {
        request.path.as_str()
    };
    if !path.starts_with('/') {
        return invalid(format!("the path '{path}' does not start with '/'"));
    }
    if path.bytes().any(|b| b <= b' ' || b >= 0x7f || b == b'?') {
        return invalid(format!(
            "the path '{path}' has spaces, '?', control or non-ASCII characters (percent-encode \
             them; put query parameters in `query`)"
        ));
    }
    let mut head = String::with_capacity(128);
    let _ = write!(head, "{method} {path}");
    let query = request.url();
    if let Some((_, query)) = query.split_once('?') {
        head.push('?');
        head.push_str(query);
    }
    head.push_str(" HTTP/1.1\r\n");
    if !request.headers.contains("Host") {
        let _ = write!(head, "Host: {host}\r\n");
    }
    for (name, value) in request.headers.iter() {
        if name.is_empty() || !name.bytes().all(is_token) {
            return invalid(format!("'{name}' is not a header name"));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return invalid(format!("the value of header '{name}' has CR, LF or NUL"));
        }
        if name.eq_ignore_ascii_case("Content-Length")
            || name.eq_ignore_ascii_case("Transfer-Encoding")
        {
            continue;
        }
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let carries_body = !request.body.is_empty()
        || matches!(request.method, Method::Post | Method::Put | Method::Patch);
    if carries_body {
        let _ = write!(head, "Content-Length: {}\r\n", request.body.len());
    }
    head.push_str("\r\n");
    out.reserve(head.len() + request.body.len());
    out.put_slice(head.as_bytes());
    out.put_slice(&request.body);
    Ok(())
}

/// Whether the request asks the server to close the connection after answering.
pub(crate) fn asks_to_close(request: &Request) -> bool {
    request.headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("Connection")
            && value
                .split(',')
                .any(|token| token.trim().eq_ignore_ascii_case("close"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(request: &Request) -> Result<String, ClientError> {
        let mut out = BytesMut::new();
        encode_request(request, "10.0.0.1:5050", &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn frames_requests_with_host_and_length() {
        let request = Request::post("/api/v1/scheduler", "{}")
            .with_header("Content-Type", "application/json")
            .with_header("Transfer-Encoding", "chunked");
        assert_eq!(
            encoded(&request).unwrap(),
            "POST /api/v1/scheduler HTTP/1.1\r\nHost: 10.0.0.1:5050\r\n\
             Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        );
        let request = Request::get("/state?jsonp=a b").with_header("Host", "master:5050");
        assert_eq!(
            encoded(&request).unwrap(),
            "GET /state?jsonp=a%20b HTTP/1.1\r\nHost: master:5050\r\n\r\n"
        );
        let empty_post = Request::post("/x", "");
        assert!(
            encoded(&empty_post)
                .unwrap()
                .ends_with("Content-Length: 0\r\n\r\n")
        );
    }

    #[test]
    fn refuses_what_would_break_the_framing() {
        for (request, expected) in [
            (Request::get("/a b"), "the path"),
            (Request::new(Method::Get, "state"), "does not start"),
            (Request::new(Method::Other("GE T".into()), "/"), "method"),
            (Request::get("/").with_header("X", "a\r\nEvil: 1"), "CR, LF"),
            (
                Request::get("/").with_header("Bad Name", "1"),
                "header name",
            ),
        ] {
            let error = encoded(&request).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        assert!(asks_to_close(
            &Request::get("/").with_header("connection", "Close")
        ));
    }
}
