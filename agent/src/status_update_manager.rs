//! The task status update manager's pure core: one stream of updates per task, delivered to
//! the master at least once and in order (Mesos's `TaskStatusUpdateManager`, mesos.md 4.3).
//!
//! Only the head of a stream is in flight. It is resent after 10 s, then after doubling
//! intervals up to 10 min, until the master acknowledges its uuid; then the next update goes.
//! While the agent is disconnected the manager is paused: nothing is sent, and on resume
//! every stream's head is sent again at once. A stream ends when its terminal update is
//! acknowledged.
//!
//! The core holds no timers: every send comes back as a [`Forward`] carrying a [`Retry`]
//! ticket, the agent arms a timer with it, and hands the ticket back to
//! [`StatusUpdateManager::retry`] when it fires. A stale ticket (the update was acknowledged
//! or resent since) is ignored.

use std::{
    collections::{BTreeMap, HashSet, VecDeque},
    time::Duration,
};

use proto::{internal::StatusUpdate, v0::TaskState};

use crate::ids::format_uuid;

/// The first retry interval (Mesos's `STATUS_UPDATE_RETRY_INTERVAL_MIN`).
pub const RETRY_INTERVAL_MIN: Duration = Duration::from_secs(10);
/// The longest retry interval (Mesos's `STATUS_UPDATE_RETRY_INTERVAL_MAX`).
pub const RETRY_INTERVAL_MAX: Duration = Duration::from_secs(600);

/// Why the manager refused an update or an acknowledgement. The agent logs these; none
/// changes any state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusUpdateError {
    /// Every update needs a uuid to be acknowledged by.
    #[error("Task status update for task {task} is missing 'uuid'")]
    MissingUuid {
        /// The task.
        task: String,
    },
    /// An acknowledgement for a task without a stream.
    #[error("Cannot find the task status update stream for task {task} of framework {framework}")]
    UnknownStream {
        /// The task.
        task: String,
        /// The framework.
        framework: String,
    },
    /// An acknowledgement while nothing is pending.
    #[error(
        "Unexpected task status update acknowledgement (UUID: {uuid}) for task {task} of \
         framework {framework}"
    )]
    NothingPending {
        /// The acknowledged uuid.
        uuid: String,
        /// The task.
        task: String,
        /// The framework.
        framework: String,
    },
    /// An acknowledgement of an update that is not the one in flight.
    #[error(
        "Unexpected task status update acknowledgement (received {received}, expecting \
         {expected}) for task {task} of framework {framework}"
    )]
    UnexpectedUuid {
        /// The acknowledged uuid.
        received: String,
        /// The uuid of the update in flight.
        expected: String,
        /// The task.
        task: String,
        /// The framework.
        framework: String,
    },
    /// An acknowledgement of an update that was already acknowledged.
    #[error("Duplicate task status acknowledgement (UUID: {uuid}) for task {task}")]
    DuplicateAcknowledgement {
        /// The uuid.
        uuid: String,
        /// The task.
        task: String,
    },
}

/// A ticket for the retry timer of one stream: hand it back to
/// [`StatusUpdateManager::retry`] after [`after`](Retry::after).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// The framework of the stream.
    pub framework_id: String,
    /// The task of the stream.
    pub task_id: String,
    /// How long to wait before retrying.
    pub after: Duration,
    generation: u64,
}

/// An update to send to the master now, with its retry ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Forward {
    /// The update (its status carries the same uuid).
    pub update: StatusUpdate,
    /// When to retry if no acknowledgement arrives.
    pub retry: Retry,
}

/// What became of an update handed to [`StatusUpdateManager::update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Accepted {
    /// It is the head of its stream: send it now.
    Forward(Box<Forward>),
    /// It waits behind the update in flight (or the manager is paused).
    Queued,
    /// It was received (or acknowledged) before; ignored.
    Duplicate,
}

/// What an acknowledgement did.
#[derive(Debug, Clone, PartialEq)]
pub struct Acknowledged {
    /// The acknowledged update was terminal: the stream is gone.
    pub terminated: bool,
    /// The state of the acknowledged update.
    pub state: Option<TaskState>,
    /// The next update to send, if any (never when paused or terminated).
    pub next: Option<Forward>,
}

#[derive(Debug, Default)]
struct Stream {
    pending: VecDeque<StatusUpdate>,
    received: HashSet<Vec<u8>>,
    acknowledged: HashSet<Vec<u8>>,
    terminated: bool,
    /// Bumped on every send; a retry ticket is valid only for the latest send.
    generation: u64,
    /// The interval the latest send waits before its retry.
    interval: Duration,
}

/// Per-task streams of status updates; see the module documentation.
#[derive(Debug, Default)]
pub struct StatusUpdateManager {
    /// Keyed by (framework id, task id).
    streams: BTreeMap<(String, String), Stream>,
    paused: bool,
}

fn key(framework_id: &str, task_id: &str) -> (String, String) {
    (framework_id.to_owned(), task_id.to_owned())
}

fn state_of(update: &StatusUpdate) -> Option<TaskState> {
    TaskState::try_from(update.status.state).ok()
}

impl StatusUpdateManager {
    /// An empty manager, paused until the agent registers (as the agent starts disconnected).
    pub fn new() -> Self {
        Self {
            streams: BTreeMap::new(),
            paused: true,
        }
    }

    /// Whether sending is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Stops sending (the agent lost its master).
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Starts sending again: every stream's head is to be sent now.
    pub fn resume(&mut self) -> Vec<Forward> {
        self.paused = false;
        let keys: Vec<(String, String)> = self
            .streams
            .iter()
            .filter(|(_, stream)| !stream.pending.is_empty())
            .map(|(key, _)| key.clone())
            .collect();
        keys.into_iter()
            .filter_map(|(framework, task)| self.send_head(&framework, &task, RETRY_INTERVAL_MIN))
            .collect()
    }

    /// Takes an update for the master. The update's status gets the update's uuid.
    pub fn update(&mut self, mut update: StatusUpdate) -> Result<Accepted, StatusUpdateError> {
        let task = update.status.task_id.value.clone();
        let Some(uuid) = update.uuid.clone() else {
            return Err(StatusUpdateError::MissingUuid { task });
        };
        update.status.uuid = Some(uuid.clone());
        let framework = update.framework_id.value.clone();
        let stream = self.streams.entry(key(&framework, &task)).or_default();
        if stream.acknowledged.contains(&uuid) || stream.received.contains(&uuid) {
            return Ok(Accepted::Duplicate);
        }
        stream.received.insert(uuid);
        stream.pending.push_back(update);
        if self.paused || stream.pending.len() > 1 {
            return Ok(Accepted::Queued);
        }
        Ok(self
            .send_head(&framework, &task, RETRY_INTERVAL_MIN)
            .map_or(Accepted::Queued, |forward| {
                Accepted::Forward(Box::new(forward))
            }))
    }

    /// Takes the master's acknowledgement of the update in flight for a task.
    pub fn acknowledge(
        &mut self,
        framework_id: &str,
        task_id: &str,
        uuid: &[u8],
    ) -> Result<Acknowledged, StatusUpdateError> {
        let stream_key = key(framework_id, task_id);
        let Some(stream) = self.streams.get_mut(&stream_key) else {
            return Err(StatusUpdateError::UnknownStream {
                task: task_id.to_owned(),
                framework: framework_id.to_owned(),
            });
        };
        let Some(head) = stream.pending.front() else {
            return Err(StatusUpdateError::NothingPending {
                uuid: format_uuid(uuid),
                task: task_id.to_owned(),
                framework: framework_id.to_owned(),
            });
        };
        if stream.acknowledged.contains(uuid) {
            return Err(StatusUpdateError::DuplicateAcknowledgement {
                uuid: format_uuid(uuid),
                task: task_id.to_owned(),
            });
        }
        let expected = head.uuid.clone().unwrap_or_default();
        if expected != uuid {
            return Err(StatusUpdateError::UnexpectedUuid {
                received: format_uuid(uuid),
                expected: format_uuid(&expected),
                task: task_id.to_owned(),
                framework: framework_id.to_owned(),
            });
        }
        let acknowledged = stream.pending.pop_front();
        let state = acknowledged.as_ref().and_then(state_of);
        stream.acknowledged.insert(expected);
        stream.generation += 1;
        if state.is_some_and(TaskState::is_terminal) {
            stream.terminated = true;
        }
        if stream.terminated {
            if !stream.pending.is_empty() {
                tracing::warn!(
                    task = task_id,
                    framework = framework_id,
                    "acknowledged a terminal status update but updates are still pending"
                );
            }
            self.streams.remove(&stream_key);
            return Ok(Acknowledged {
                terminated: true,
                state,
                next: None,
            });
        }
        let next = if self.paused {
            None
        } else {
            self.send_head(framework_id, task_id, RETRY_INTERVAL_MIN)
        };
        Ok(Acknowledged {
            terminated: false,
            state,
            next,
        })
    }

    /// A retry timer fired: the head to send again with a doubled interval, unless the
    /// ticket is stale, the stream is gone or empty, or the manager is paused.
    pub fn retry(&mut self, ticket: &Retry) -> Option<Forward> {
        if self.paused {
            return None;
        }
        let stream = self
            .streams
            .get(&key(&ticket.framework_id, &ticket.task_id))?;
        if stream.generation != ticket.generation || stream.pending.is_empty() {
            return None;
        }
        let interval = (stream.interval * 2).min(RETRY_INTERVAL_MAX);
        self.send_head(&ticket.framework_id, &ticket.task_id, interval)
    }

    /// Drops every stream of a framework (the framework is gone from this agent).
    pub fn cleanup(&mut self, framework_id: &str) {
        self.streams
            .retain(|(framework, _), _| framework != framework_id);
    }

    /// The updates of a task not yet acknowledged, head first.
    pub fn pending(&self, framework_id: &str, task_id: &str) -> Vec<&StatusUpdate> {
        self.streams
            .get(&key(framework_id, task_id))
            .map(|stream| stream.pending.iter().collect())
            .unwrap_or_default()
    }

    /// Whether any update of this framework waits for an acknowledgement.
    pub fn has_pending(&self, framework_id: &str) -> bool {
        self.streams
            .iter()
            .any(|((framework, _), stream)| framework == framework_id && !stream.pending.is_empty())
    }

    /// The number of open streams.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    fn send_head(&mut self, framework: &str, task: &str, interval: Duration) -> Option<Forward> {
        let stream = self.streams.get_mut(&key(framework, task))?;
        let head = stream.pending.front()?.clone();
        stream.generation += 1;
        stream.interval = interval;
        Some(Forward {
            update: head,
            retry: Retry {
                framework_id: framework.to_owned(),
                task_id: task.to_owned(),
                after: interval,
                generation: stream.generation,
            },
        })
    }
}

#[cfg(test)]
mod tests;
