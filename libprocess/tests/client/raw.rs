//! Against hand-written TCP servers: garbage, early closes, chunk extensions and trailers,
//! broken chunks, close-delimited bodies, stalls (timeouts), refused connections, and a
//! kept connection the server closed meanwhile.

use std::{
    io::{ErrorKind, Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    thread::JoinHandle,
    time::Duration,
};

use libprocess::{
    Request,
    http::{Client, ClientConfig, ClientError},
};

use crate::{
    api::{next_text, stream, test_config, text},
    support::DEADLINE,
};

/// A server that hands each of its next `connections` accepted connections to `handle`
/// (with the connection's index), then ends.
fn raw_server(
    connections: usize,
    handle: impl Fn(usize, TcpStream) + Send + 'static,
) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let thread = std::thread::spawn(move || {
        for index in 0..connections {
            let (stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(DEADLINE)).unwrap();
            handle(index, stream);
        }
    });
    (address, thread)
}

/// Reads one request head (the tests send no bodies).
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Waits until the client closes the connection (or the deadline passes).
fn until_closed(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
}

fn answering(answer: &'static [u8]) -> impl Fn(usize, TcpStream) + Send + 'static {
    move |_, mut stream| {
        read_head(&mut stream);
        let _ = stream.write_all(answer);
    }
}

fn short(timeout: Duration) -> Client {
    Client::standalone_with_config(ClientConfig {
        response_timeout: timeout,
        stream_idle_timeout: Some(timeout),
        ..test_config()
    })
    .unwrap()
}

fn get(client: &Client, address: SocketAddr) -> Result<libprocess::Response, ClientError> {
    client
        .request(address, Request::get("/"))
        .block_timeout(DEADLINE)
        .expect("an answer within the deadline")
}

#[test]
fn garbage_is_a_malformed_response() {
    let (address, server) = raw_server(1, answering(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"));
    let error = get(&Client::standalone().unwrap(), address).unwrap_err();
    assert!(
        matches!(&error, ClientError::Malformed { address: a, .. } if *a == address),
        "{error}"
    );
    server.join().unwrap();
}

#[test]
fn closing_early_is_an_error_at_every_point() {
    let client = Client::standalone().unwrap();
    for answer in [
        &b""[..],
        b"HTTP/1.1 200 OK\r\nContent-Le",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf",
    ] {
        let (address, server) = raw_server(1, answering(answer));
        let error = get(&client, address).unwrap_err();
        assert_eq!(error, ClientError::ClosedEarly { address }, "{answer:?}");
        server.join().unwrap();
    }
    // In a stream, the reader sees the end and why.
    let (address, server) = raw_server(
        1,
        answering(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\nab"),
    );
    let mut reader = stream(get(&client, address).unwrap());
    assert_eq!(next_text(&mut reader).as_deref(), Some("abc"));
    // What arrived of the broken chunk is still handed over.
    assert_eq!(next_text(&mut reader).as_deref(), Some("ab"));
    assert_eq!(next_text(&mut reader), None);
    assert_eq!(
        reader.failure(),
        Some(&ClientError::ClosedEarly { address })
    );
    server.join().unwrap();
}

#[test]
fn chunks_with_extensions_and_trailers_arrive_one_by_one() {
    let (address, server) = raw_server(1, |_, mut stream| {
        read_head(&mut stream);
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;name=value\r\nabc\r\n",
        );
        // The second chunk arrives byte by byte: still one chunk for the reader.
        for byte in b"5;x\r\nhello\r\n0\r\nExpires: never\r\n\r\n" {
            let _ = stream.write_all(std::slice::from_ref(byte));
            let _ = stream.flush();
        }
        until_closed(&mut stream);
    });
    let client = Client::standalone().unwrap();
    let mut reader = stream(get(&client, address).unwrap());
    assert_eq!(next_text(&mut reader).as_deref(), Some("abc"));
    assert_eq!(next_text(&mut reader).as_deref(), Some("hello"));
    assert_eq!(next_text(&mut reader), None);
    assert_eq!(reader.failure(), None);
    drop(client);
    server.join().unwrap();
}

#[test]
fn a_broken_chunk_ends_the_stream_with_the_reason() {
    let (address, server) = raw_server(
        1,
        answering(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n"),
    );
    let mut reader = stream(get(&Client::standalone().unwrap(), address).unwrap());
    assert_eq!(next_text(&mut reader).as_deref(), Some("ok"));
    assert_eq!(next_text(&mut reader), None);
    assert!(
        matches!(reader.failure(), Some(ClientError::Malformed { .. })),
        "{:?}",
        reader.failure()
    );
    server.join().unwrap();
}

#[test]
fn a_close_delimited_body_is_a_stream_that_ends_cleanly() {
    let (address, server) = raw_server(
        1,
        answering(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"),
    );
    let response = get(&Client::standalone().unwrap(), address).unwrap();
    let body = futures::executor::block_on(stream(response).read_to_end(1024)).unwrap();
    assert_eq!(body, "until the end");
    server.join().unwrap();
}

#[test]
fn stalls_time_out() {
    // No head at all.
    let (address, server) = raw_server(1, |_, mut stream| {
        read_head(&mut stream);
        until_closed(&mut stream);
    });
    let timeout = Duration::from_millis(200);
    let client = short(timeout);
    let error = get(&client, address).unwrap_err();
    assert_eq!(error, ClientError::ResponseTimedOut { address, timeout });
    assert!(error.is_timeout());
    server.join().unwrap();

    // Half a body read whole.
    let (address, server) = raw_server(1, |_, mut stream| {
        read_head(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf");
        until_closed(&mut stream);
    });
    let error = get(&client, address).unwrap_err();
    assert_eq!(error, ClientError::ResponseTimedOut { address, timeout });
    server.join().unwrap();

    // A stream that goes quiet, with an idle timeout configured.
    let (address, server) = raw_server(1, |_, mut stream| {
        read_head(&mut stream);
        let _ =
            stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n");
        until_closed(&mut stream);
    });
    let mut reader = stream(get(&client, address).unwrap());
    assert_eq!(next_text(&mut reader).as_deref(), Some("hi"));
    assert_eq!(next_text(&mut reader), None);
    assert_eq!(
        reader.failure(),
        Some(&ClientError::ResponseTimedOut { address, timeout })
    );
    server.join().unwrap();
}

#[test]
fn a_refused_connection_says_so() {
    let address = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let error = get(&Client::standalone().unwrap(), address).unwrap_err();
    let ClientError::Connect {
        address: refused,
        kind,
        ..
    } = error
    else {
        panic!("not a connect error: {error}")
    };
    assert_eq!((refused, kind), (address, ErrorKind::ConnectionRefused));
}

#[test]
fn a_kept_connection_the_server_closed_is_replaced() {
    let (address, server) = raw_server(2, |index, mut stream| {
        read_head(&mut stream);
        let body = format!("connection {index}");
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes());
        // Keep-alive as far as the client knows, but closed right away.
    });
    let client = Client::standalone().unwrap();
    assert_eq!(text(&get(&client, address).unwrap()), "connection 0");
    assert_eq!(text(&get(&client, address).unwrap()), "connection 1");
    server.join().unwrap();
}

#[test]
fn a_server_that_says_close_gets_a_new_connection_next_time() {
    let (address, server) = raw_server(2, |index, mut stream| {
        let head = read_head(&mut stream);
        assert!(
            head.starts_with("GET / HTTP/1.1\r\nHost: 127.0.0.1:"),
            "{head}"
        );
        let answer =
            format!("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n{index}");
        let _ = stream.write_all(answer.as_bytes());
        until_closed(&mut stream);
    });
    let client = Client::standalone().unwrap();
    assert_eq!(text(&get(&client, address).unwrap()), "0");
    assert_eq!(text(&get(&client, address).unwrap()), "1");
    server.join().unwrap();
}

/// Answers the first request on its first connection, then reads the next request and closes
/// without answering (a server closing an idle connection just as a request arrives); later
/// connections answer once each.
fn closes_on_second_request(index: usize, mut stream: TcpStream) {
    read_head(&mut stream);
    let body = format!("connection {index}");
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes());
    if index == 0 {
        read_head(&mut stream);
    }
}

#[test]
fn a_get_on_a_connection_closed_meanwhile_is_repeated_once_but_a_post_is_not() {
    let (address, server) = raw_server(2, closes_on_second_request);
    let client = Client::standalone().unwrap();
    assert_eq!(text(&get(&client, address).unwrap()), "connection 0");
    assert_eq!(text(&get(&client, address).unwrap()), "connection 1");
    server.join().unwrap();

    let (address, server) = raw_server(1, closes_on_second_request);
    assert_eq!(text(&get(&client, address).unwrap()), "connection 0");
    let error = client
        .request(address, Request::post("/", "not repeated"))
        .block_timeout(DEADLINE)
        .expect("an answer within the deadline")
        .unwrap_err();
    // Closed with the body unread, the server's kernel resets the connection.
    assert!(
        matches!(
            error,
            ClientError::ClosedEarly { .. }
                | ClientError::Io {
                    kind: ErrorKind::ConnectionReset,
                    ..
                }
        ),
        "{error}"
    );
    server.join().unwrap();
}

#[test]
fn a_connect_nobody_answers_times_out() {
    // A listener that never accepts: once its accept queue is full, the kernel stops
    // answering connection attempts.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    loop {
        match TcpStream::connect_timeout(&address, Duration::from_millis(100)) {
            Ok(stream) => queued.push(stream),
            Err(error) if error.kind() == ErrorKind::TimedOut => break,
            Err(error) => panic!("filling the accept queue: {error}"),
        }
        assert!(queued.len() < 10_000, "the accept queue never filled");
    }
    let timeout = Duration::from_millis(200);
    let client = Client::standalone_with_config(ClientConfig {
        connect_timeout: timeout,
        ..test_config()
    })
    .unwrap();
    let error = get(&client, address).unwrap_err();
    assert_eq!(error, ClientError::ConnectTimedOut { address, timeout });
    assert!(error.is_timeout());
}
