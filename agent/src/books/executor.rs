//! One executor's book: its state, its container, and its tasks as they move from queued
//! (waiting for the executor to subscribe) to launched (sent to it) to terminated (a terminal
//! update is not yet acknowledged) to completed.

use std::{
    collections::{BTreeMap, VecDeque},
    path::PathBuf,
};

use common::api::EventStream;
use proto::v0::{
    self, ExecutorInfo, Task, TaskGroupInfo, TaskInfo, TaskState, TaskStatus,
    task_status::{Reason, Source},
};
use resources::Resources;

use crate::updates::{create_task, is_terminal, status_state};

/// How many completed tasks an executor remembers (Mesos's
/// `MAX_COMPLETED_TASKS_PER_EXECUTOR`).
pub const MAX_COMPLETED_TASKS_PER_EXECUTOR: usize = 200;

/// Where an executor is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorState {
    /// Launched, not yet subscribed.
    Registering,
    /// Subscribed.
    Running,
    /// Being shut down or destroyed.
    Terminating,
    /// Its container is gone; terminal updates may still wait for acknowledgement.
    Terminated,
}

impl ExecutorState {
    /// The name Mesos logs and counts by.
    pub fn name(self) -> &'static str {
        match self {
            ExecutorState::Registering => "REGISTERING",
            ExecutorState::Running => "RUNNING",
            ExecutorState::Terminating => "TERMINATING",
            ExecutorState::Terminated => "TERMINATED",
        }
    }
}

/// How the agent ended an executor before its container reported why (Mesos's
/// `pendingTermination`): the state, reason and message its unfinished tasks get.
#[derive(Debug, Clone, PartialEq)]
pub struct Termination {
    /// The state for unfinished tasks.
    pub state: TaskState,
    /// The reason.
    pub reason: Reason,
    /// The message.
    pub message: String,
}

/// The executor's open event stream (its v1 SUBSCRIBE connection).
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Distinguishes this connection from earlier ones of the same executor.
    pub id: u64,
    /// The stream of events to the executor.
    pub stream: EventStream,
}

/// One executor of a framework on this agent.
#[derive(Debug)]
pub struct Executor {
    /// The executor id.
    pub id: String,
    /// The framework id.
    pub framework_id: String,
    /// What the executor is (for a command task, the command executor the agent made up).
    pub info: ExecutorInfo,
    /// Its container (a UUID).
    pub container_id: String,
    /// Its sandbox.
    pub directory: PathBuf,
    /// The user it runs as, when the agent switches users.
    pub user: Option<String>,
    /// Whether its framework checkpoints.
    pub checkpoint: bool,
    /// Whether the agent made it up for a command task.
    pub command_executor: bool,
    /// Where it is in its life.
    pub state: ExecutorState,
    /// Tasks waiting for the executor to subscribe, in arrival order.
    pub queued_tasks: Vec<TaskInfo>,
    /// Task groups among the queued tasks.
    pub queued_task_groups: Vec<TaskGroupInfo>,
    /// Tasks sent to the executor and not terminal.
    pub launched_tasks: BTreeMap<String, Task>,
    /// Terminal tasks whose terminal update is not yet acknowledged.
    pub terminated_tasks: BTreeMap<String, Task>,
    /// Finished tasks, oldest first, at most [`MAX_COMPLETED_TASKS_PER_EXECUTOR`].
    pub completed_tasks: VecDeque<Task>,
    /// Set when the agent ends the executor itself (timeout, failed launch).
    pub pending_termination: Option<Termination>,
    /// The executor's event stream, while subscribed.
    pub subscription: Option<Subscription>,
    /// Statuses handed to the status update manager and not yet confirmed, per task.
    pending_statuses: BTreeMap<String, Vec<TaskStatus>>,
}

impl Executor {
    /// A new executor in `Registering`.
    pub fn new(
        framework_id: &str,
        info: ExecutorInfo,
        container_id: String,
        directory: PathBuf,
        user: Option<String>,
        checkpoint: bool,
        command_executor: bool,
    ) -> Self {
        Self {
            id: info.executor_id.value.clone(),
            framework_id: framework_id.to_owned(),
            info,
            container_id,
            directory,
            user,
            checkpoint,
            command_executor,
            state: ExecutorState::Registering,
            queued_tasks: Vec::new(),
            queued_task_groups: Vec::new(),
            launched_tasks: BTreeMap::new(),
            terminated_tasks: BTreeMap::new(),
            completed_tasks: VecDeque::new(),
            pending_termination: None,
            subscription: None,
            pending_statuses: BTreeMap::new(),
        }
    }

    /// Queues a task for delivery once the executor runs.
    pub fn enqueue_task(&mut self, task: TaskInfo) {
        self.queued_tasks.push(task);
    }

    /// Queues a task group for delivery once the executor runs.
    pub fn enqueue_task_group(&mut self, group: TaskGroupInfo) {
        self.queued_tasks.extend(group.tasks.iter().cloned());
        self.queued_task_groups.push(group);
    }

    /// Whether a task is queued.
    pub fn is_queued(&self, task_id: &str) -> bool {
        self.queued_tasks
            .iter()
            .any(|task| task.task_id.value == task_id)
    }

    /// Takes a task off the queue (and its group off the group queue once the whole group
    /// has left the queue).
    pub fn dequeue_task(&mut self, task_id: &str) -> Option<TaskInfo> {
        let index = self
            .queued_tasks
            .iter()
            .position(|task| task.task_id.value == task_id)?;
        let task = self.queued_tasks.remove(index);
        let queued = &self.queued_tasks;
        self.queued_task_groups.retain(|group| {
            let contains = group.tasks.iter().any(|t| t.task_id.value == task_id);
            !contains
                || group
                    .tasks
                    .iter()
                    .any(|t| queued.iter().any(|q| q.task_id == t.task_id))
        });
        Some(task)
    }

    /// The queued group a task belongs to.
    pub fn queued_task_group(&self, task_id: &str) -> Option<&TaskGroupInfo> {
        self.queued_task_groups
            .iter()
            .find(|group| group.tasks.iter().any(|task| task.task_id.value == task_id))
    }

    /// Records a task as sent to the executor, in `TASK_STAGING`.
    pub fn add_launched_task(&mut self, task: &TaskInfo) -> &Task {
        let record = create_task(task, TaskState::TaskStaging, &self.framework_id);
        self.launched_tasks
            .entry(task.task_id.value.clone())
            .or_insert(record)
    }

    /// Whether the executor knows the task in any of its queues.
    pub fn has_task(&self, task_id: &str) -> bool {
        self.is_queued(task_id)
            || self.launched_tasks.contains_key(task_id)
            || self.terminated_tasks.contains_key(task_id)
    }

    /// The task record, launched or terminated.
    pub fn task(&self, task_id: &str) -> Option<&Task> {
        self.launched_tasks
            .get(task_id)
            .or_else(|| self.terminated_tasks.get(task_id))
    }

    /// The task record, launched or terminated, for changing.
    pub fn task_mut(&mut self, task_id: &str) -> Option<&mut Task> {
        match self.launched_tasks.get_mut(task_id) {
            Some(task) => Some(task),
            None => self.terminated_tasks.get_mut(task_id),
        }
    }

    /// Applies a status to the task's record (Mesos's `Executor::updateTaskState`): a queued
    /// task may only end; a launched task takes the state (a terminal one moves it to the
    /// terminated tasks, and only the first terminal update counts); a terminated or
    /// unknown task refuses.
    pub fn update_task_state(&mut self, status: &TaskStatus) -> Result<(), String> {
        let terminal = is_terminal(status);
        let task_id = status.task_id.value.as_str();
        let mut task = if self.is_queued(task_id) {
            if !terminal {
                return Err("Cannot send non-terminal update for queued task".into());
            }
            let Some(info) = self.dequeue_task(task_id) else {
                return Err("Task is unknown".into());
            };
            create_task(
                &info,
                status_state(status).unwrap_or(TaskState::TaskLost),
                &self.framework_id,
            )
        } else if self.launched_tasks.contains_key(task_id) {
            if terminal {
                if let Some(first) = self
                    .pending_statuses
                    .get(task_id)
                    .and_then(|pending| pending.iter().find(|s| is_terminal(s)))
                    && first.uuid != status.uuid
                {
                    return Err(format!(
                        "Unexpected terminal status update after first status update {}",
                        state_name(first.state)
                    ));
                }
                match self.launched_tasks.remove(task_id) {
                    Some(task) => task,
                    None => return Err("Task is unknown".into()),
                }
            } else {
                let Some(task) = self.launched_tasks.get_mut(task_id) else {
                    return Err("Task is unknown".into());
                };
                record_status(task, status);
                return Ok(());
            }
        } else if let Some(task) = self.terminated_tasks.get(task_id) {
            return Err(format!(
                "Task is already terminated with state {}",
                state_name(task.state)
            ));
        } else {
            return Err("Task is unknown".into());
        };
        record_status(&mut task, status);
        self.terminated_tasks.insert(task_id.to_owned(), task);
        Ok(())
    }

    /// Moves a terminated task to the completed tasks (its terminal update was
    /// acknowledged).
    pub fn complete_task(&mut self, task_id: &str) {
        if let Some(task) = self.terminated_tasks.remove(task_id) {
            self.completed_tasks.push_back(task);
            while self.completed_tasks.len() > MAX_COMPLETED_TASKS_PER_EXECUTOR {
                self.completed_tasks.pop_front();
            }
        }
    }

    /// Whether any task is queued, launched, or terminated without acknowledgement.
    pub fn has_incomplete_tasks(&self) -> bool {
        !self.queued_tasks.is_empty()
            || !self.launched_tasks.is_empty()
            || !self.terminated_tasks.is_empty()
    }

    /// Whether the agent ever sent the executor a task (Mesos's `everSentTask`).
    pub fn ever_sent_task(&self) -> bool {
        let from_executor = |task: &Task| {
            task.statuses
                .iter()
                .any(|status| status.source == Some(Source::Executor as i32))
        };
        !self.launched_tasks.is_empty()
            || self.terminated_tasks.values().any(from_executor)
            || self.completed_tasks.iter().any(from_executor)
    }

    /// Notes a status handed to the status update manager.
    pub fn add_pending_status(&mut self, status: &TaskStatus) {
        self.pending_statuses
            .entry(status.task_id.value.clone())
            .or_default()
            .push(status.clone());
    }

    /// Forgets a status the status update manager has taken.
    pub fn remove_pending_status(&mut self, status: &TaskStatus) {
        let task_id = &status.task_id.value;
        if let Some(pending) = self.pending_statuses.get_mut(task_id) {
            pending.retain(|s| s.uuid != status.uuid);
            if pending.is_empty() {
                self.pending_statuses.remove(task_id);
            }
        }
    }

    /// What the executor holds: its own resources plus those of its queued and launched
    /// tasks (resources that do not convert are left out; the books only hold valid ones).
    pub fn allocated_resources(&self) -> Resources {
        let mut total = to_resources(&self.info.resources);
        for task in &self.queued_tasks {
            total += to_resources(&task.resources);
        }
        for task in self.launched_tasks.values() {
            total += to_resources(&task.resources);
        }
        total
    }
}

/// Appends a status to a task, replacing the last one when it has the same state (as
/// Mesos does, so repeated health updates do not pile up), and sets the task's state.
fn record_status(task: &mut Task, status: &TaskStatus) {
    if task
        .statuses
        .last()
        .is_some_and(|last| last.state == status.state)
    {
        task.statuses.pop();
    }
    task.statuses.push(status.clone());
    task.state = status.state;
}

/// A task state's name (`TASK_RUNNING`), or its number when unknown.
pub fn state_name(state: i32) -> String {
    TaskState::try_from(state)
        .map(|state| state.as_str_name().to_owned())
        .unwrap_or_else(|_| state.to_string())
}

/// Converts a protobuf resource list, leaving out what does not convert.
pub fn to_resources(list: &[v0::Resource]) -> Resources {
    Resources::from_proto_v0(list).unwrap_or_else(|error| {
        tracing::warn!(%error, "ignoring resources that do not convert");
        Resources::default()
    })
}

#[cfg(test)]
#[path = "executor_tests.rs"]
mod tests;
