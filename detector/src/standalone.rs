//! `StandaloneDetector`: a leader given up front (from `--master`) or appointed by hand (in
//! tests), with waiters told when it changes.

use std::sync::Arc;

use libprocess::{Future, Promise, Upid};
use parking_lot::Mutex;

use crate::MasterDetector;

#[derive(Default)]
struct State {
    leader: Option<Upid>,
    /// Callers waiting for the leader to differ from the one they know.
    waiters: Vec<Promise<Option<Upid>>>,
}

/// A detector whose leader is fixed unless [`appoint`](StandaloneDetector::appoint)ed, as
/// Mesos's `StandaloneMasterDetector`.
///
/// Clones share the leader, so a test can keep a clone and appoint a new master (or none)
/// while an agent follows the original.
#[derive(Clone, Default)]
pub struct StandaloneDetector {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for StandaloneDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.lock();
        f.debug_struct("StandaloneDetector")
            .field("leader", &state.leader)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}

impl StandaloneDetector {
    /// A detector naming `leader` (or no leader yet).
    pub fn new(leader: Option<Upid>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                leader,
                waiters: Vec::new(),
            })),
        }
    }

    /// Makes `leader` the leader and tells everyone waiting (even if it did not change, as
    /// Mesos does: an appointment is news).
    pub fn appoint(&self, leader: Option<Upid>) {
        let waiters = {
            let mut state = self.state.lock();
            state.leader = leader.clone();
            std::mem::take(&mut state.waiters)
        };
        tracing::info!(leader = ?leader, "master appointed");
        for waiter in waiters {
            waiter.set(leader.clone());
        }
    }

    /// The current leader.
    pub fn leader(&self) -> Option<Upid> {
        self.state.lock().leader.clone()
    }
}

impl MasterDetector for StandaloneDetector {
    fn detect(&self, previous: Option<&Upid>) -> Future<Option<Upid>> {
        let mut state = self.state.lock();
        if state.leader.as_ref() != previous {
            return Future::ready(state.leader.clone());
        }
        let (promise, future) = Promise::new();
        state.waiters.push(promise);
        future
    }
}
