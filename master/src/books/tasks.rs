//! Tasks in the books: creating a `Task` from a `TaskInfo`, applying a status update to it
//! (Mesos's `Master::updateTask` rules), and the status updates the master makes itself.

use proto::{
    internal::StatusUpdate,
    v0::{
        ExecutorId, FrameworkId, SlaveId, Task, TaskId, TaskInfo, TaskState, TaskStatus, TimeInfo,
        task_status::{Reason, Source},
    },
};
use resources::Resources;

/// A task the master tracks, with its resources parsed once.
#[derive(Clone, Debug)]
pub struct TaskEntry {
    /// The task as Mesos keeps it (state, statuses, ...).
    pub task: Task,
    /// `task.resources`, parsed.
    pub resources: Resources,
}

impl TaskEntry {
    /// The task's state.
    pub fn state(&self) -> TaskState {
        TaskState::try_from(self.task.state).unwrap_or(TaskState::TaskStaging)
    }

    /// Whether its resources are no longer in use (terminal or unreachable).
    pub fn is_done(&self) -> bool {
        is_terminal_or_unreachable(self.state())
    }
}

/// Whether `state` is terminal or `TASK_UNREACHABLE` (its resources are then recovered).
pub fn is_terminal_or_unreachable(state: TaskState) -> bool {
    state.is_terminal() || state == TaskState::TaskUnreachable
}

/// The task the master records for a launched `TaskInfo` (Mesos's `createTask`).
pub fn create_task(info: &TaskInfo, state: TaskState, framework_id: &str) -> Task {
    let user = info
        .command
        .as_ref()
        .and_then(|command| command.user.clone())
        .or_else(|| {
            info.executor
                .as_ref()
                .and_then(|executor| executor.command.as_ref()?.user.clone())
        });
    Task {
        name: info.name.clone(),
        task_id: info.task_id.clone(),
        framework_id: FrameworkId {
            value: framework_id.to_string(),
        },
        executor_id: info
            .executor
            .as_ref()
            .map(|executor| executor.executor_id.clone()),
        slave_id: info.slave_id.clone(),
        state: state as i32,
        resources: info.resources.clone(),
        labels: info.labels.clone(),
        discovery: info.discovery.clone(),
        container: info.container.clone(),
        health_check: info.health_check.clone(),
        kill_policy: info.kill_policy,
        user,
        limits: info.limits.clone(),
        ..Task::default()
    }
}

/// What applying a status update did to a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The task just became terminal or unreachable: its resources are free.
    pub released: bool,
    /// The task's state before the update.
    pub previous: TaskState,
}

/// Applies `update` to `task` as Mesos's `updateTask`: the task takes the update's
/// `latest_state` (or its status's state) unless it is already terminal; the status is
/// appended, replacing the last one when it has the same state; the status's `data` is dropped.
pub fn apply_update(task: &mut Task, update: &StatusUpdate) -> Transition {
    let status = &update.status;
    let latest = update
        .latest_state
        .and_then(|state| TaskState::try_from(state).ok())
        .unwrap_or_else(|| TaskState::try_from(status.state).unwrap_or(TaskState::TaskStaging));
    let previous = TaskState::try_from(task.state).unwrap_or(TaskState::TaskStaging);
    let released = !is_terminal_or_unreachable(previous) && is_terminal_or_unreachable(latest);
    if !previous.is_terminal() {
        task.state = latest as i32;
    }
    if task
        .statuses
        .last()
        .is_some_and(|last| last.state == status.state)
    {
        task.statuses.pop();
    }
    let mut recorded = status.clone();
    recorded.data = None;
    task.statuses.push(recorded);
    Transition { released, previous }
}

/// A status update made by the master (Mesos's `createStatusUpdate` with `SOURCE_MASTER`);
/// it carries no uuid, so schedulers need not acknowledge it.
#[derive(Clone, Debug)]
pub struct MasterUpdate {
    /// The framework.
    pub framework_id: String,
    /// The agent, when known.
    pub agent_id: Option<String>,
    /// The task.
    pub task_id: TaskId,
    /// The state to report.
    pub state: TaskState,
    /// A human-readable message.
    pub message: String,
    /// Why.
    pub reason: Option<Reason>,
    /// The task's executor, for tasks that have one.
    pub executor_id: Option<ExecutorId>,
    /// When the agent became unreachable (`TASK_UNREACHABLE` and friends).
    pub unreachable_time: Option<TimeInfo>,
    /// The task's health, container and check status to repeat (reconciliation).
    pub latest: Option<TaskStatus>,
}

impl MasterUpdate {
    /// A master update for `task_id` of `framework_id`.
    pub fn new(
        framework_id: &str,
        agent_id: Option<&str>,
        task_id: &TaskId,
        state: TaskState,
        reason: Reason,
        message: impl Into<String>,
    ) -> MasterUpdate {
        MasterUpdate {
            framework_id: framework_id.to_string(),
            agent_id: agent_id.map(str::to_string),
            task_id: task_id.clone(),
            state,
            message: message.into(),
            reason: Some(reason),
            executor_id: None,
            unreachable_time: None,
            latest: None,
        }
    }

    /// The same update about a known task (its agent, executor and latest health).
    pub fn for_task(
        task: &Task,
        state: TaskState,
        reason: Reason,
        message: impl Into<String>,
    ) -> MasterUpdate {
        let mut update = MasterUpdate::new(
            &task.framework_id.value,
            Some(&task.slave_id.value),
            &task.task_id,
            state,
            reason,
            message,
        );
        update.executor_id = task.executor_id.clone();
        update
    }

    /// Repeats the task's latest health, check status and container status (reconciliation).
    pub fn with_latest_of(mut self, task: &Task) -> MasterUpdate {
        let mut latest = TaskStatus::default();
        if let Some(last) = task.statuses.last() {
            latest.healthy = last.healthy;
            latest.check_status = last.check_status;
        }
        latest.container_status = task
            .statuses
            .iter()
            .rev()
            .find_map(|status| status.container_status.clone());
        self.latest = Some(latest);
        self
    }

    /// The `StatusUpdate`, stamped `now` (seconds since the epoch).
    pub fn build(self, now: f64) -> StatusUpdate {
        let agent_id = self.agent_id.map(|value| SlaveId { value });
        let latest = self.latest.unwrap_or_default();
        StatusUpdate {
            framework_id: FrameworkId {
                value: self.framework_id,
            },
            executor_id: self.executor_id.clone(),
            slave_id: agent_id.clone(),
            status: TaskStatus {
                task_id: self.task_id,
                state: self.state as i32,
                message: Some(self.message),
                source: Some(Source::Master as i32),
                reason: self.reason.map(|reason| reason as i32),
                slave_id: agent_id,
                executor_id: self.executor_id,
                timestamp: Some(now),
                healthy: latest.healthy,
                check_status: latest.check_status,
                container_status: latest.container_status,
                unreachable_time: self.unreachable_time,
                ..TaskStatus::default()
            },
            timestamp: now,
            uuid: None,
            latest_state: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(state: TaskState, latest: Option<TaskState>) -> StatusUpdate {
        let mut update = MasterUpdate::new(
            "f",
            Some("a"),
            &TaskId { value: "t".into() },
            state,
            Reason::Reconciliation,
            "m",
        )
        .build(1.0);
        update.status.data = Some(b"big".to_vec());
        update.latest_state = latest.map(|state| state as i32);
        update
    }

    #[test]
    fn updates_follow_mesos_rules() {
        let info = TaskInfo {
            name: "n".into(),
            task_id: TaskId { value: "t".into() },
            slave_id: SlaveId { value: "a".into() },
            ..TaskInfo::default()
        };
        let mut task = create_task(&info, TaskState::TaskStaging, "f");
        assert_eq!(task.framework_id.value, "f");

        let transition = apply_update(&mut task, &update(TaskState::TaskRunning, None));
        assert!(!transition.released);
        assert_eq!(task.state, TaskState::TaskRunning as i32);
        assert_eq!(task.statuses[0].data, None);

        // A second RUNNING replaces the first.
        apply_update(&mut task, &update(TaskState::TaskRunning, None));
        assert_eq!(task.statuses.len(), 1);

        // The agent's latest_state wins over the status's state.
        let transition = apply_update(
            &mut task,
            &update(TaskState::TaskRunning, Some(TaskState::TaskFinished)),
        );
        assert!(transition.released);
        assert_eq!(task.state, TaskState::TaskFinished as i32);

        // Terminal tasks keep their state; statuses still accumulate.
        let transition = apply_update(&mut task, &update(TaskState::TaskLost, None));
        assert!(!transition.released);
        assert_eq!(task.state, TaskState::TaskFinished as i32);
        assert_eq!(task.statuses.len(), 2);
    }

    #[test]
    fn master_updates_carry_no_uuid() {
        let update = update(TaskState::TaskLost, None);
        assert_eq!(update.uuid, None);
        assert_eq!(update.status.uuid, None);
        assert_eq!(update.status.source, Some(Source::Master as i32));
        assert_eq!(update.status.slave_id.unwrap().value, "a");
    }
}
