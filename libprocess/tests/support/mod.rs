//! Helpers shared by the integration tests: runtimes, a recording process, raw sockets,
//! and waiting on a condition with a deadline.

#![allow(dead_code)]

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use libprocess::{Context, Message, Process, Runtime};

/// How long any wait in a test may take before it counts as a failure.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A runtime on loopback, any free port.
pub fn runtime() -> Runtime {
    Runtime::builder()
        .workers(2)
        .build()
        .expect("runtime starts")
}

/// Waits until `condition` holds, failing the test after [`DEADLINE`].
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Records every message it gets.
#[derive(Default, Clone)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Message>>>,
}

impl Recorder {
    pub fn names(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.name.clone())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl Process for Recorder {
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        self.seen.lock().unwrap().push(message);
    }
}

/// Sends raw bytes on a fresh connection and returns the status line of the first response.
pub fn raw_request(address: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(bytes).expect("write");
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buffer[..n]);
                if response.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&response)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
