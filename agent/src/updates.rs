//! Building status updates and task records as Mesos's `protobuf::createStatusUpdate` and
//! `createTask` do: updates the agent makes up itself (TASK_LOST, TASK_KILLED before
//! delivery, TASK_FAILED after an executor died, ...) and updates an executor sent.

use proto::{
    internal::StatusUpdate,
    v0::{
        ExecutorId, FrameworkId, SlaveId, Task, TaskId, TaskInfo, TaskState, TaskStatus,
        task_status::{Reason, Source},
    },
};

/// An update the agent itself reports about a task (source `SOURCE_SLAVE`).
#[derive(Debug, Clone)]
pub struct AgentReport<'a> {
    /// The task's framework.
    pub framework_id: &'a str,
    /// This agent.
    pub agent_id: &'a str,
    /// The task.
    pub task_id: &'a str,
    /// Its new state.
    pub state: TaskState,
    /// Why, for people.
    pub message: String,
    /// Why, for programs.
    pub reason: Option<Reason>,
    /// The task's executor, when known.
    pub executor_id: Option<&'a str>,
}

impl AgentReport<'_> {
    /// The update, stamped with `timestamp` (seconds) and `uuid`.
    pub fn into_update(self, timestamp: f64, uuid: [u8; 16]) -> StatusUpdate {
        let agent_id = SlaveId {
            value: self.agent_id.to_owned(),
        };
        let executor_id = self.executor_id.map(|id| ExecutorId {
            value: id.to_owned(),
        });
        StatusUpdate {
            framework_id: FrameworkId {
                value: self.framework_id.to_owned(),
            },
            executor_id: executor_id.clone(),
            slave_id: Some(agent_id.clone()),
            status: TaskStatus {
                task_id: TaskId {
                    value: self.task_id.to_owned(),
                },
                state: self.state as i32,
                message: Some(self.message),
                source: Some(Source::Slave as i32),
                reason: self.reason.map(|reason| reason as i32),
                slave_id: Some(agent_id),
                executor_id,
                timestamp: Some(timestamp),
                uuid: Some(uuid.to_vec()),
                ..Default::default()
            },
            timestamp,
            uuid: Some(uuid.to_vec()),
            latest_state: None,
        }
    }
}

/// The update for a status an executor sent: the agent's id filled in where the executor
/// left it out, the status's timestamp (or `now`) and uuid carried over.
pub fn executor_update(
    framework_id: &FrameworkId,
    status: TaskStatus,
    agent_id: &str,
    now: f64,
) -> StatusUpdate {
    let agent_id = SlaveId {
        value: agent_id.to_owned(),
    };
    let mut status = status;
    if status.slave_id.is_none() {
        status.slave_id = Some(agent_id.clone());
    }
    StatusUpdate {
        framework_id: framework_id.clone(),
        executor_id: status.executor_id.clone(),
        slave_id: Some(agent_id),
        timestamp: status.timestamp.unwrap_or(now),
        uuid: status.uuid.clone(),
        latest_state: None,
        status,
    }
}

/// The record of a task the agent keeps (Mesos's `protobuf::createTask`).
pub fn create_task(task: &TaskInfo, state: TaskState, framework_id: &str) -> Task {
    let user = task
        .command
        .as_ref()
        .and_then(|command| command.user.clone())
        .or_else(|| {
            task.executor
                .as_ref()
                .and_then(|executor| executor.command.as_ref())
                .and_then(|command| command.user.clone())
        });
    Task {
        name: task.name.clone(),
        task_id: task.task_id.clone(),
        framework_id: FrameworkId {
            value: framework_id.to_owned(),
        },
        executor_id: task
            .executor
            .as_ref()
            .map(|executor| executor.executor_id.clone()),
        slave_id: task.slave_id.clone(),
        state: state as i32,
        resources: task.resources.clone(),
        statuses: Vec::new(),
        status_update_state: None,
        status_update_uuid: None,
        labels: task.labels.clone(),
        discovery: task.discovery.clone(),
        container: task.container.clone(),
        health_check: task.health_check.clone(),
        kill_policy: task.kill_policy,
        user,
        limits: task.limits.clone(),
    }
}

/// The state of a status, if it is a known one.
pub fn status_state(status: &TaskStatus) -> Option<TaskState> {
    TaskState::try_from(status.state).ok()
}

/// Whether a status is in a terminal state (unknown states are not terminal).
pub fn is_terminal(status: &TaskStatus) -> bool {
    status_state(status).is_some_and(TaskState::is_terminal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::v0::{CommandInfo, ExecutorInfo};

    #[test]
    fn agent_reports_carry_the_uuid_and_source_twice() {
        let update = AgentReport {
            framework_id: "f",
            agent_id: "a",
            task_id: "t",
            state: TaskState::TaskLost,
            message: "gone".into(),
            reason: Some(Reason::ExecutorTerminated),
            executor_id: Some("e"),
        }
        .into_update(12.5, [3; 16]);
        assert_eq!(update.uuid, Some(vec![3; 16]));
        assert_eq!(update.status.uuid, update.uuid);
        assert_eq!(update.status.source, Some(Source::Slave as i32));
        assert_eq!(update.status.timestamp, Some(12.5));
        assert_eq!(update.slave_id.as_ref().unwrap().value, "a");
        assert_eq!(update.status.executor_id.as_ref().unwrap().value, "e");
        assert_eq!(
            update.status.reason,
            Some(Reason::ExecutorTerminated as i32)
        );
    }

    #[test]
    fn executor_updates_get_the_agent_id_and_a_timestamp() {
        let status = TaskStatus {
            task_id: TaskId { value: "t".into() },
            state: TaskState::TaskRunning as i32,
            uuid: Some(vec![1; 16]),
            ..Default::default()
        };
        let framework = FrameworkId { value: "f".into() };
        let update = executor_update(&framework, status.clone(), "a", 99.0);
        assert_eq!(update.timestamp, 99.0);
        assert_eq!(update.uuid, Some(vec![1; 16]));
        assert_eq!(update.status.slave_id.unwrap().value, "a");
        assert_eq!(update.executor_id, None);

        let mut stamped = status;
        stamped.timestamp = Some(5.0);
        stamped.executor_id = Some(ExecutorId { value: "e".into() });
        let update = executor_update(&framework, stamped, "a", 99.0);
        assert_eq!(update.timestamp, 5.0);
        assert_eq!(update.executor_id.unwrap().value, "e");
    }

    #[test]
    fn tasks_take_the_user_of_their_command_or_executor() {
        let mut info = TaskInfo {
            name: "n".into(),
            task_id: TaskId { value: "t".into() },
            command: Some(CommandInfo {
                user: Some("alice".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let task = create_task(&info, TaskState::TaskStaging, "f");
        assert_eq!(task.user.as_deref(), Some("alice"));
        assert_eq!(task.executor_id, None);
        assert_eq!(task.state, TaskState::TaskStaging as i32);

        info.command = None;
        info.executor = Some(ExecutorInfo {
            executor_id: ExecutorId { value: "e".into() },
            command: Some(CommandInfo {
                user: Some("bob".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        let task = create_task(&info, TaskState::TaskStaging, "f");
        assert_eq!(task.user.as_deref(), Some("bob"));
        assert_eq!(task.executor_id.unwrap().value, "e");
    }
}
