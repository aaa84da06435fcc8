//! Remote streams through the HTTP client, consumed with the same API: chunks arrive in
//! order, then the end (clean, or the error that broke the connection); a consumer that
//! terminates closes the connection, and the server's writer hears the client go. Real
//! sockets are not settled: these tests wait on conditions with a deadline.

use std::{
    io::{Read, Write as _},
    net::TcpListener,
};

use libprocess::{
    Runtime,
    http::{Client, ClientError, StreamClosed},
};

use crate::{
    processes::{Finish, Pair, Publisher, Seen, Subscriber, Via, Write, chunks},
    support::{self, DEADLINE, wait_until},
};

/// How many times each scenario runs (each over fresh connections).
const ITERATIONS: usize = 20;

/// Spawns a publisher on `server` and a subscriber on `client_runtime` that consumes its
/// `/events?preload=1` over a socket; waits until the preloaded chunk arrived.
fn subscribe(server: &Runtime, client_runtime: &Runtime, iteration: usize) -> Pair {
    let (publisher, published) = Publisher::new();
    let publisher = server
        .spawn(format!("publisher-{iteration}"), publisher)
        .unwrap();
    let via = Via::Client(Client::new(client_runtime), server.address());
    let path = format!("/publisher-{iteration}/events?preload=1");
    let (subscriber, seen) = Subscriber::new(path, via);
    let subscriber = client_runtime
        .spawn(format!("subscriber-{iteration}"), subscriber)
        .unwrap();
    wait_until("the preloaded chunk", || !seen.lock().unwrap().is_empty());
    assert_eq!(*seen.lock().unwrap(), chunks("preload", 1));
    Pair {
        publisher,
        published,
        subscriber,
        seen,
    }
}

#[test]
fn a_remote_stream_is_consumed_in_order_to_a_clean_end() {
    let server = support::runtime();
    let client_runtime = support::runtime();
    for iteration in 0..ITERATIONS {
        let Pair {
            publisher,
            published,
            subscriber,
            seen,
        } = subscribe(&server, &client_runtime, iteration);
        let burst: Vec<String> = (0..40).map(|index| format!("burst-{index}")).collect();
        assert_eq!(publisher.call(Write(burst)).block(), Ok(Ok(())));
        wait_until("the burst", || seen.lock().unwrap().len() == 41);
        let mut expected = chunks("preload", 1);
        expected.extend(chunks("burst", 40));
        assert_eq!(*seen.lock().unwrap(), expected, "iteration {iteration}");
        publisher.dispatch(Finish);
        wait_until("the end", || seen.lock().unwrap().len() == 42);
        assert_eq!(seen.lock().unwrap().last(), Some(&Seen::End(Ok(()))));
        wait_until("the server to let go of the stream", || {
            published.lock().unwrap().closed == 1
        });
        subscriber.terminate();
        publisher.terminate();
        subscriber.wait().block().unwrap();
        publisher.wait().block().unwrap();
    }
}

#[test]
fn a_consumer_that_terminates_closes_the_remote_connection() {
    let server = support::runtime();
    let client_runtime = support::runtime();
    for iteration in 0..ITERATIONS {
        let Pair {
            publisher,
            published,
            subscriber,
            seen,
        } = subscribe(&server, &client_runtime, iteration);
        subscriber.terminate();
        subscriber.wait().block().unwrap();
        wait_until("the server to hear the client go", || {
            published.lock().unwrap().closed == 1
        });
        assert_eq!(
            publisher.call(Write(vec!["late".into()])).block(),
            Ok(Err(StreamClosed))
        );
        assert_eq!(*seen.lock().unwrap(), chunks("preload", 1));
        publisher.terminate();
        publisher.wait().block().unwrap();
    }
}

#[test]
fn a_broken_remote_stream_ends_with_the_error() {
    let client_runtime = support::runtime();
    for iteration in 0..ITERATIONS {
        // A server that sends one chunk and then closes without the last chunk.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            socket.set_read_timeout(Some(DEADLINE)).unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        });
        let via = Via::Client(Client::new(&client_runtime), address);
        let (subscriber, seen) = Subscriber::new("/events".into(), via);
        let subscriber = client_runtime
            .spawn(format!("subscriber-{iteration}"), subscriber)
            .unwrap();
        wait_until("the end", || seen.lock().unwrap().len() == 2);
        server.join().unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen[0], Seen::Chunk("hello".into()));
        assert!(
            matches!(seen[1], Seen::End(Err(ClientError::ClosedEarly { .. }))),
            "{seen:?}"
        );
        subscriber.terminate();
        subscriber.wait().block().unwrap();
    }
}
