//! Idle keep-alive connections per server address, newest first, each reused at most once
//! at a time and only while it looks alive and young enough.

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use parking_lot::Mutex;
use tokio::time::Instant;

use super::connection::Connection;

struct Idle {
    connection: Connection,
    since: Instant,
}

/// The idle connections of one client.
pub(super) struct Pool {
    idle: Mutex<HashMap<SocketAddr, Vec<Idle>>>,
    max_per_address: usize,
    idle_timeout: Duration,
}

impl Pool {
    pub(super) fn new(max_per_address: usize, idle_timeout: Duration) -> Self {
        Self {
            idle: Mutex::new(HashMap::new()),
            max_per_address,
            idle_timeout,
        }
    }

    /// The most recently used idle connection to `address` that still looks usable; the
    /// stale ones met on the way are closed.
    pub(super) fn take(&self, address: SocketAddr) -> Option<Connection> {
        let mut idle = self.idle.lock();
        let connections = idle.get_mut(&address)?;
        let mut found = None;
        while let Some(candidate) = connections.pop() {
            if candidate.since.elapsed() < self.idle_timeout && candidate.connection.looks_alive() {
                found = Some(candidate.connection);
                break;
            }
        }
        if connections.is_empty() {
            idle.remove(&address);
        }
        found
    }

    /// Keeps `connection` for the next request to its address (closes it if enough are kept).
    pub(super) fn put(&self, connection: Connection) {
        if self.max_per_address == 0 || !connection.is_clean() {
            return;
        }
        let mut idle = self.idle.lock();
        let connections = idle.entry(connection.address).or_default();
        connections.retain(|idle| idle.since.elapsed() < self.idle_timeout);
        if connections.len() >= self.max_per_address {
            connections.remove(0);
        }
        connections.push(Idle {
            connection,
            since: Instant::now(),
        });
    }
}
