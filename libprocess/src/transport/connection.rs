//! One inbound connection: decode pipelined requests, deliver messages (202/404/400/413),
//! route HTTP requests to processes, and write responses in request order, streaming ones
//! chunk by chunk until the stream ends or the client goes away.

use std::{fmt::Write as _, net::SocketAddr};

use bytes::BytesMut;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::{
    decoder::{DecodeError, RawRequest, RequestDecoder},
    inbound::InboundLimits,
    wire::{self, Classified},
};
use crate::{
    Runtime,
    http::{Body, Headers, Method, Request, Response, StreamReader, routing},
};

const READ_CHUNK: usize = 64 * 1024;

/// Serves one connection until the client closes it or it breaks.
pub(crate) async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    runtime: Runtime,
    limits: InboundLimits,
) {
    let mut decoder = RequestDecoder::new(limits.max_body_bytes);
    let mut buffer = BytesMut::with_capacity(READ_CHUNK);
    let mut out = BytesMut::new();
    loop {
        // Answer every request already buffered, batching the small answers into one write.
        loop {
            let request = match decoder.decode(&mut buffer) {
                Ok(Some(request)) => request,
                Ok(None) => break,
                Err(error) => {
                    let response = match &error {
                        DecodeError::TooLarge(_) => Response::text(413, error.to_string()),
                        DecodeError::Malformed(_) => Response::bad_request(error.to_string()),
                    };
                    tracing::debug!(%peer, %error, "malformed inbound request");
                    encode_full(&response, true, &mut out);
                    let _ = stream.write_all(&out).await;
                    return;
                }
            };
            let keep_alive = request.keep_alive;
            match handle(request, peer, &runtime).await {
                Response {
                    status,
                    headers,
                    body: Body::Full(body),
                } => {
                    encode_full(
                        &Response {
                            status,
                            headers,
                            body: Body::Full(body),
                        },
                        !keep_alive,
                        &mut out,
                    );
                }
                Response {
                    status,
                    headers,
                    body: Body::Stream(reader),
                } => {
                    if !out.is_empty() && stream.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                    let open =
                        stream_response(&mut stream, status, &headers, reader, &mut buffer).await;
                    if !open {
                        return;
                    }
                }
            }
            if !keep_alive {
                let _ = stream.write_all(&out).await;
                return;
            }
        }
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        // Read more; a request that started must finish within the body timeout.
        buffer.reserve(READ_CHUNK);
        let read = if decoder.is_mid_request(&buffer) {
            match tokio::time::timeout(limits.body_timeout, stream.read_buf(&mut buffer)).await {
                Ok(read) => read,
                Err(_) => {
                    encode_full(
                        &Response::text(408, "request did not arrive in time"),
                        true,
                        &mut out,
                    );
                    let _ = stream.write_all(&out).await;
                    return;
                }
            }
        } else {
            stream.read_buf(&mut buffer).await
        };
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Answers one request: a libprocess message is delivered, anything else is routed.
async fn handle(request: RawRequest, peer: SocketAddr, runtime: &Runtime) -> Response {
    let classified = wire::classify(&request.method, request.path(), |name| request.header(name));
    match classified {
        Err(error) => {
            tracing::debug!(%peer, %error, "malformed libprocess message");
            Response::bad_request(error.to_string())
        }
        Ok(Classified::Message(envelope)) => {
            if runtime.inner.deliver_inbound(envelope, request.body) {
                Response::accepted()
            } else {
                Response::not_found()
            }
        }
        Ok(Classified::Http) => {
            let ours = Request {
                method: Method::from(request.method.as_str()),
                path: request.path().to_owned(),
                query: routing::parse_query(request.query()),
                headers: request.headers.iter().cloned().collect::<Headers>(),
                body: request.body,
                peer: Some(peer),
            };
            match runtime.http(ours).await {
                Ok(response) => response,
                Err(failure) => Response::text(503, format!("no response: {failure}")),
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn encode_head(status: u16, headers: &Headers, framing: &str, close: bool, out: &mut BytesMut) {
    let mut head = String::with_capacity(128);
    let _ = write!(head, "HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers.iter() {
        let framing_header = name.eq_ignore_ascii_case("Content-Length")
            || name.eq_ignore_ascii_case("Transfer-Encoding")
            || name.eq_ignore_ascii_case("Connection");
        let clean = !name.contains(['\r', '\n']) && !value.contains(['\r', '\n']);
        if !framing_header && clean {
            let _ = write!(head, "{name}: {value}\r\n");
        }
    }
    head.push_str(framing);
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    out.extend_from_slice(head.as_bytes());
}

fn encode_full(response: &Response, close: bool, out: &mut BytesMut) {
    let body = response.full_body().cloned().unwrap_or_default();
    if response.status == 202 && !close && body.is_empty() && response.headers.is_empty() {
        // The answer to every delivered message: skip the formatting.
        out.extend_from_slice(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    encode_head(
        response.status,
        &response.headers,
        &format!("Content-Length: {}\r\n", body.len()),
        close,
        out,
    );
    out.extend_from_slice(&body);
}

/// Writes a streaming response until the writer ends it (`true`: connection stays usable) or
/// the client goes away (`false`). Dropping the reader tells the writer's owner.
async fn stream_response(
    stream: &mut TcpStream,
    status: u16,
    headers: &Headers,
    mut reader: StreamReader,
    buffer: &mut BytesMut,
) -> bool {
    let mut out = BytesMut::new();
    // Always chunked, even when the client asked to close (pymesos needs it).
    encode_head(
        status,
        headers,
        "Transfer-Encoding: chunked\r\n",
        false,
        &mut out,
    );
    if stream.write_all(&out).await.is_err() {
        return false;
    }
    let (mut read_half, mut write_half) = stream.split();
    loop {
        tokio::select! {
            chunk = reader.next() => {
                let mut frame = BytesMut::new();
                match chunk {
                    Some(chunk) if chunk.is_empty() => continue,
                    Some(chunk) => {
                        frame.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                        frame.extend_from_slice(&chunk);
                        frame.extend_from_slice(b"\r\n");
                        if write_half.write_all(&frame).await.is_err() {
                            return false;
                        }
                    }
                    None => {
                        return write_half.write_all(b"0\r\n\r\n").await.is_ok();
                    }
                }
            }
            read = read_half.read_buf(buffer) => {
                // The client may pipeline more requests; a close means it went away.
                if matches!(read, Ok(0) | Err(_)) {
                    return false;
                }
            }
        }
    }
}

/// The bytes of a full response (for tests of the framing).
#[cfg(test)]
fn encoded(response: &Response, close: bool) -> bytes::Bytes {
    let mut out = BytesMut::new();
    encode_full(response, close, &mut out);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_full_responses() {
        let bytes = encoded(&Response::accepted(), false);
        assert_eq!(
            &bytes[..],
            b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
        );
        let bytes = encoded(&Response::ok("hi").with_header("X-A", "b"), true);
        assert_eq!(
            &bytes[..],
            b"HTTP/1.1 200 OK\r\nX-A: b\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
        );
    }
}
