//! One framework's book on this agent: its info, its executors, and the executors that
//! have finished.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use libprocess::Upid;
use proto::v0::{FrameworkInfo, framework_info::capability::Type as Capability};

use super::executor::Executor;

/// Where a framework is in its life on this agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameworkState {
    /// Running tasks.
    Running,
    /// Being shut down: its executors are going away.
    Terminating,
}

/// A framework with executors on this agent.
#[derive(Debug)]
pub struct Framework {
    /// The framework id.
    pub id: String,
    /// Its info, as the master last sent it.
    pub info: FrameworkInfo,
    /// The scheduler's libprocess address, for v0 (driver-based) frameworks; `None` for
    /// HTTP frameworks, whose messages go through the master.
    pub pid: Option<Upid>,
    /// Where it is in its life.
    pub state: FrameworkState,
    /// Its executors by id.
    pub executors: BTreeMap<String, Executor>,
    /// Executors that finished, oldest first, bounded.
    pub completed_executors: VecDeque<Executor>,
    max_completed_executors: usize,
}

impl Framework {
    /// A running framework with no executors.
    pub fn new(info: FrameworkInfo, pid: Option<Upid>, max_completed_executors: usize) -> Self {
        Self {
            id: info
                .id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default(),
            info,
            pid,
            state: FrameworkState::Running,
            executors: BTreeMap::new(),
            completed_executors: VecDeque::new(),
            max_completed_executors,
        }
    }

    /// Whether the framework has nothing left on this agent.
    pub fn is_idle(&self) -> bool {
        self.executors.is_empty()
    }

    /// Whether the framework declared a capability.
    pub fn has_capability(&self, capability: Capability) -> bool {
        self.info
            .capabilities
            .iter()
            .any(|c| c.r#type == Some(capability as i32))
    }

    /// Whether the framework is partition aware (gets TASK_DROPPED rather than TASK_LOST).
    pub fn is_partition_aware(&self) -> bool {
        self.has_capability(Capability::PartitionAware)
    }

    /// The framework's roles: `roles` for a MULTI_ROLE framework, else its one `role`.
    pub fn roles(&self) -> BTreeSet<String> {
        roles_of(&self.info)
    }

    /// The executor that has a task (queued, launched or terminated).
    pub fn executor_for_task(&self, task_id: &str) -> Option<&Executor> {
        self.executors
            .values()
            .find(|executor| executor.has_task(task_id))
    }

    /// The id of the executor that has a task.
    pub fn executor_id_for_task(&self, task_id: &str) -> Option<String> {
        self.executor_for_task(task_id)
            .map(|executor| executor.id.clone())
    }

    /// Whether any executor knows the task.
    pub fn has_task(&self, task_id: &str) -> bool {
        self.executor_for_task(task_id).is_some()
    }

    /// Moves an executor to the completed executors (bounded), returning whether it was
    /// there.
    pub fn destroy_executor(&mut self, executor_id: &str) -> bool {
        let Some(executor) = self.executors.remove(executor_id) else {
            return false;
        };
        let mut executor = executor;
        executor.subscription = None;
        self.completed_executors.push_back(executor);
        while self.completed_executors.len() > self.max_completed_executors {
            self.completed_executors.pop_front();
        }
        true
    }
}

/// A framework's roles: `roles` for a MULTI_ROLE framework, else its one `role` (`*` by
/// default), as Mesos's `protobuf::framework::getRoles`.
pub fn roles_of(info: &FrameworkInfo) -> BTreeSet<String> {
    let multi_role = info
        .capabilities
        .iter()
        .any(|c| c.r#type == Some(Capability::MultiRole as i32));
    if multi_role {
        info.roles.iter().cloned().collect()
    } else {
        #[allow(deprecated)]
        let role = info.role.clone().unwrap_or_else(|| "*".to_owned());
        BTreeSet::from([role])
    }
}

#[cfg(test)]
mod tests {
    use proto::v0::{ExecutorId, ExecutorInfo, FrameworkId, framework_info};

    use super::*;

    fn info(capabilities: &[Capability]) -> FrameworkInfo {
        FrameworkInfo {
            user: "u".into(),
            name: "n".into(),
            id: Some(FrameworkId { value: "f".into() }),
            roles: vec!["a".into(), "b".into()],
            capabilities: capabilities
                .iter()
                .map(|c| framework_info::Capability {
                    r#type: Some(*c as i32),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn roles_follow_the_multi_role_capability() {
        assert_eq!(roles_of(&info(&[])), BTreeSet::from(["*".to_string()]));
        assert_eq!(
            roles_of(&info(&[Capability::MultiRole])),
            BTreeSet::from(["a".to_string(), "b".to_string()])
        );
        let framework = Framework::new(info(&[Capability::PartitionAware]), None, 2);
        assert!(framework.is_partition_aware());
        assert_eq!(framework.id, "f");
    }

    #[test]
    fn completed_executors_are_bounded() {
        let mut framework = Framework::new(info(&[]), None, 2);
        for index in 0..3 {
            let id = format!("e{index}");
            let executor = Executor::new(
                "f",
                ExecutorInfo {
                    executor_id: ExecutorId { value: id.clone() },
                    ..Default::default()
                },
                format!("c{index}"),
                "/tmp".into(),
                None,
                false,
                false,
            );
            framework.executors.insert(id.clone(), executor);
            assert!(framework.destroy_executor(&id));
        }
        assert!(!framework.destroy_executor("e0"));
        assert!(framework.is_idle());
        let ids: Vec<&str> = framework
            .completed_executors
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(ids, vec!["e1", "e2"]);
    }
}
