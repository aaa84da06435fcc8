//! Outbound connections: one persistent TCP connection per peer address. Senders encode
//! requests straight into the peer's byte queue; a writer task on a worker thread swaps the
//! queue out and writes it whole (pipelining: many requests per write, never waiting for an
//! answer), and a reader discards the peer's `202 Accepted` answers.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use bytes::BytesMut;
use parking_lot::Mutex;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::{Notify, oneshot},
};

use super::wire::{self, ResponseReader};
use crate::Upid;

/// Limits for outbound connections.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutboundLimits {
    pub(crate) max_queued_bytes: usize,
    pub(crate) write_timeout: Duration,
    pub(crate) connect_timeout: Duration,
}

/// Encoded requests waiting for the writer.
#[derive(Default)]
struct Queue {
    bytes: BytesMut,
    messages: usize,
    /// Set when the connection ended: the next send starts a new one.
    closed: bool,
}

struct Peer {
    queue: Arc<Mutex<Queue>>,
    wake: Arc<Notify>,
    generation: u64,
}

type OnBroken = Box<dyn Fn(SocketAddr) + Send + Sync>;

struct Shared {
    peers: Mutex<HashMap<SocketAddr, Peer>>,
    limits: OutboundLimits,
    on_broken: OnBroken,
    next_generation: AtomicU64,
}

/// The outbound side of the transport.
pub(crate) struct Outbound {
    shared: Arc<Shared>,
    /// The threads connections run on, chosen round-robin.
    threads: Vec<actix_rt::ArbiterHandle>,
    next_thread: AtomicUsize,
}

impl Outbound {
    /// `on_broken` runs (on a connection's thread) whenever a connection fails or closes.
    pub(crate) fn new(
        threads: Vec<actix_rt::ArbiterHandle>,
        limits: OutboundLimits,
        on_broken: OnBroken,
    ) -> Self {
        let shared = Arc::new(Shared {
            peers: Mutex::new(HashMap::new()),
            limits,
            on_broken,
            next_generation: AtomicU64::new(1),
        });
        Self {
            shared,
            threads,
            next_thread: AtomicUsize::new(0),
        }
    }

    /// Encodes a message into the queue of `to`'s address, connecting first if needed.
    pub(crate) fn send(&self, from: &Upid, to: &Upid, name: &str, body: &[u8]) {
        let address = to.address();
        let (queue, wake) = {
            let mut peers = self.shared.peers.lock();
            if peers
                .get(&address)
                .is_none_or(|peer| peer.queue.lock().closed)
            {
                let peer = self.connect(address);
                peers.insert(address, peer);
            }
            let Some(peer) = peers.get(&address) else {
                return;
            };
            (peer.queue.clone(), peer.wake.clone())
        };
        let mut queue = queue.lock();
        if queue.bytes.len() + body.len() > self.shared.limits.max_queued_bytes {
            let queued = queue.bytes.len();
            drop(queue);
            tracing::warn!(peer = %address, queued, %name, reason = "over limit", "dropped message");
            return;
        }
        let was_empty = queue.bytes.is_empty();
        wire::encode_message(from, to, name, body, &mut queue.bytes);
        queue.messages += 1;
        drop(queue);
        if was_empty {
            wake.notify_one();
        }
    }

    /// Makes sure a connection to `address` exists (for links).
    pub(crate) fn ensure(&self, address: SocketAddr) {
        let mut peers = self.shared.peers.lock();
        if peers
            .get(&address)
            .is_none_or(|peer| peer.queue.lock().closed)
        {
            let peer = self.connect(address);
            peers.insert(address, peer);
        }
    }

    /// Replaces the connection to `address` with a fresh one; the old one closes quietly.
    pub(crate) fn reconnect(&self, address: SocketAddr) {
        let peer = self.connect(address);
        if let Some(old) = self.shared.peers.lock().insert(address, peer) {
            close_quietly(&old);
        }
    }

    /// Closes every connection quietly.
    pub(crate) fn close_all(&self) {
        for (_, peer) in self.shared.peers.lock().drain() {
            close_quietly(&peer);
        }
    }

    fn connect(&self, address: SocketAddr) -> Peer {
        let queue = Arc::new(Mutex::new(Queue::default()));
        let wake = Arc::new(Notify::new());
        let generation = self.shared.next_generation.fetch_add(1, Ordering::Relaxed);
        let index = self.next_thread.fetch_add(1, Ordering::Relaxed) % self.threads.len().max(1);
        let peer = Peer {
            queue: queue.clone(),
            wake: wake.clone(),
            generation,
        };
        let Some(thread) = self.threads.get(index) else {
            return peer;
        };
        let shared = self.shared.clone();
        let spawned = thread.spawn(async move {
            let outcome = run_connection(address, &queue, &wake, shared.limits).await;
            if let Err(reason) = outcome {
                finish_broken(&shared, address, generation, &reason, &queue);
            }
        });
        if !spawned {
            tracing::debug!(peer = %address, "worker thread is gone; connection not started");
        }
        peer
    }
}

fn close_quietly(peer: &Peer) {
    peer.queue.lock().closed = true;
    peer.wake.notify_one();
}

fn finish_broken(
    shared: &Shared,
    address: SocketAddr,
    generation: u64,
    reason: &str,
    queue: &Mutex<Queue>,
) {
    let mut peers = shared.peers.lock();
    let current = peers
        .get(&address)
        .is_some_and(|peer| peer.generation == generation);
    if current {
        peers.remove(&address);
    }
    drop(peers);
    let dropped = {
        let mut queue = queue.lock();
        queue.closed = true;
        queue.bytes.clear();
        std::mem::take(&mut queue.messages)
    };
    if dropped > 0 {
        tracing::warn!(peer = %address, dropped, %reason, reason = "peer unreachable", "dropped message");
    }
    if current {
        tracing::info!(peer = %address, %reason, "connection to peer broke");
        (shared.on_broken)(address);
    }
}

/// Runs one connection until it is closed quietly (`Ok`) or breaks (`Err` with the reason).
async fn run_connection(
    address: SocketAddr,
    queue: &Mutex<Queue>,
    wake: &Notify,
    limits: OutboundLimits,
) -> Result<(), String> {
    let stream =
        match tokio::time::timeout(limits.connect_timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(format!("connect failed: {error}")),
            Err(_) => return Err("connect timed out".into()),
        };
    let _ = stream.set_nodelay(true);
    let (mut read_half, mut write_half) = stream.into_split();
    let (reader_done_sender, mut reader_done) = oneshot::channel::<String>();
    let reader = actix_rt::spawn(async move {
        let mut responses = ResponseReader::default();
        let mut buffer = vec![0u8; 16 * 1024];
        let reason = loop {
            match read_half.read(&mut buffer).await {
                Ok(0) => break "peer closed the connection".to_owned(),
                Ok(n) => match responses.feed(&buffer[..n]) {
                    Ok(statuses) => {
                        for status in statuses.into_iter().filter(|s| *s != 202) {
                            tracing::debug!(peer = %address, status, "peer answered a message with non-202");
                        }
                    }
                    Err(error) => break format!("peer sent a malformed response: {error}"),
                },
                Err(error) => break format!("read failed: {error}"),
            }
        };
        let _ = reader_done_sender.send(reason);
    });
    let mut writing = BytesMut::new();
    let outcome = loop {
        {
            let mut queue = queue.lock();
            if queue.closed {
                break Ok(());
            }
            if !queue.bytes.is_empty() {
                std::mem::swap(&mut writing, &mut queue.bytes);
                queue.messages = 0;
            }
        }
        if writing.is_empty() {
            tokio::select! {
                () = wake.notified() => continue,
                reason = &mut reader_done => {
                    break Err(reason.unwrap_or_else(|_| "reader ended".to_owned()));
                }
            }
        }
        match tokio::time::timeout(limits.write_timeout, write_half.write_all(&writing)).await {
            Ok(Ok(())) => writing.clear(),
            Ok(Err(error)) => break Err(format!("write failed: {error}")),
            Err(_) => break Err("peer stopped reading (write timed out)".to_owned()),
        }
    };
    reader.abort();
    outcome
}
