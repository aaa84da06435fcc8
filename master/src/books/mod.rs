//! The master's books: agents, frameworks, offers and tasks as plain data, with the bookkeeping
//! that keeps them consistent (a task is in its framework and indexed on its agent; used and
//! offered resources are counted on both sides). No IO, no clock: callers pass `now`.

mod agents;
mod frameworks;
mod ids;
mod tasks;

pub use agents::{Agent, Agents, BoundedSet};
pub use frameworks::{
    Connection, Framework, Frameworks, HttpConnection, PidConnection, has_capability, roles_of,
};
pub use ids::IdGenerator;
pub use tasks::{
    MasterUpdate, TaskEntry, Transition, apply_update, create_task, is_terminal_or_unreachable,
};

use std::collections::HashMap;

use libprocess::TimerId;
use proto::{
    internal::StatusUpdate,
    v0::{ExecutorInfo, Offer, Task},
};
use resources::Resources;

/// An outstanding offer.
#[derive(Debug)]
pub struct OfferEntry {
    /// The offer as sent (in the master's resource format).
    pub offer: Offer,
    /// Its resources, parsed.
    pub resources: Resources,
    /// The `--offer_timeout` timer.
    pub timer: Option<TimerId>,
}

impl OfferEntry {
    /// The offer id.
    pub fn id(&self) -> &str {
        &self.offer.id.value
    }

    /// The framework it was made to.
    pub fn framework_id(&self) -> &str {
        &self.offer.framework_id.value
    }

    /// The agent whose resources it offers.
    pub fn agent_id(&self) -> &str {
        &self.offer.slave_id.value
    }

    /// The role it is allocated to.
    pub fn role(&self) -> &str {
        self.offer
            .allocation_info
            .as_ref()
            .and_then(|info| info.role.as_deref())
            .unwrap_or("*")
    }
}

/// Why a task could not be recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddTaskError {
    /// Its framework or agent is not registered.
    #[error("the task's framework or agent is not registered")]
    Unknown,
    /// A live task of the framework already has its id.
    #[error("a live task of the framework already has this id")]
    Duplicate,
}

/// Limits on what the books remember.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Completed frameworks kept.
    pub completed_frameworks: usize,
    /// Completed tasks kept per framework.
    pub completed_tasks: usize,
    /// Unreachable tasks kept per framework.
    pub unreachable_tasks: usize,
}

/// Agents, frameworks and offers.
#[derive(Debug)]
pub struct Books {
    /// Agents.
    pub agents: Agents,
    /// Frameworks.
    pub frameworks: Frameworks,
    /// Outstanding offers by id.
    pub offers: HashMap<String, OfferEntry>,
    /// What is remembered.
    pub limits: Limits,
    /// Live tasks per state (for the `master/tasks_*` gauges).
    task_counts: HashMap<i32, usize>,
    /// Resources used by every live task and executor.
    used: Resources,
}

impl Books {
    /// Empty books.
    pub fn new(limits: Limits) -> Books {
        Books {
            agents: Agents::new(crate::constants::MAX_REMOVED_AGENTS),
            frameworks: Frameworks::default(),
            offers: HashMap::new(),
            limits,
            task_counts: HashMap::new(),
            used: Resources::new(),
        }
    }

    /// How many live tasks are in `state`.
    pub fn task_count(&self, state: proto::v0::TaskState) -> usize {
        self.task_counts.get(&(state as i32)).copied().unwrap_or(0)
    }

    /// Resources used by every live task and executor.
    pub fn used_total(&self) -> &Resources {
        &self.used
    }

    fn count_state(&mut self, state: i32, delta: isize) {
        let count = self.task_counts.entry(state).or_default();
        *count = count.saturating_add_signed(delta);
    }

    /// Records a task launched (or reported) on an agent; its resources become used. Refused
    /// when the framework or agent is unknown or the id is taken.
    pub fn add_task(&mut self, entry: TaskEntry) -> Result<(), AddTaskError> {
        let framework_id = entry.task.framework_id.value.clone();
        let agent_id = entry.task.slave_id.value.clone();
        let task_id = entry.task.task_id.value.clone();
        let (Some(framework), Some(agent)) = (
            self.frameworks.registered.get_mut(&framework_id),
            self.agents.registered.get_mut(&agent_id),
        ) else {
            return Err(AddTaskError::Unknown);
        };
        if framework.tasks.contains_key(&task_id) {
            return Err(AddTaskError::Duplicate);
        }
        if !entry.is_done() {
            framework.add_used(&agent_id, &entry.resources);
            agent.add_used(&framework_id, &entry.resources);
            self.used += &entry.resources;
        }
        agent
            .tasks
            .entry(framework_id)
            .or_default()
            .insert(task_id.clone());
        let state = entry.task.state;
        framework.tasks.insert(task_id, entry);
        self.count_state(state, 1);
        Ok(())
    }

    /// The live task `task_id` of `framework_id`.
    pub fn task(&self, framework_id: &str, task_id: &str) -> Option<&TaskEntry> {
        self.frameworks.get(framework_id)?.tasks.get(task_id)
    }

    /// Applies a status update to a live task. When the task just became terminal or
    /// unreachable, its resources stop being used and are returned for the allocator.
    pub fn update_task(
        &mut self,
        framework_id: &str,
        task_id: &str,
        update: &StatusUpdate,
    ) -> Option<(Transition, Option<Resources>)> {
        let framework = self.frameworks.registered.get_mut(framework_id)?;
        let entry = framework.tasks.get_mut(task_id)?;
        let transition = apply_update(&mut entry.task, update);
        let state = entry.task.state;
        if state != transition.previous as i32 {
            self.count_state(transition.previous as i32, -1);
            self.count_state(state, 1);
        }
        let framework = self.frameworks.registered.get_mut(framework_id)?;
        let entry = framework.tasks.get(task_id)?;
        if !transition.released {
            return Some((transition, None));
        }
        let agent_id = entry.task.slave_id.value.clone();
        let resources = entry.resources.clone();
        framework.remove_used(&agent_id, &resources);
        if let Some(agent) = self.agents.registered.get_mut(&agent_id) {
            agent.remove_used(framework_id, &resources);
        }
        self.used -= &resources;
        Some((transition, Some(resources)))
    }

    /// Records the state and uuid of the update last forwarded for a task, so its
    /// acknowledgement can be matched (Mesos's `status_update_state`/`status_update_uuid`).
    pub fn note_forwarded(&mut self, update: &StatusUpdate) {
        let Some(uuid) = update.uuid.as_ref() else {
            return;
        };
        if let Some(entry) = self
            .frameworks
            .get_mut(&update.framework_id.value)
            .and_then(|framework| framework.tasks.get_mut(&update.status.task_id.value))
        {
            entry.task.status_update_state = Some(update.status.state);
            entry.task.status_update_uuid = Some(uuid.clone());
        }
    }

    /// Removes a live task: out of its framework and off its agent, into the framework's
    /// completed (or, with `unreachable`, unreachable) tasks. Returns the task and, if it was
    /// still using resources, those resources (for the allocator).
    pub fn remove_task(
        &mut self,
        framework_id: &str,
        task_id: &str,
        unreachable: bool,
    ) -> Option<(Task, Option<Resources>)> {
        let framework = self.frameworks.registered.get_mut(framework_id)?;
        let entry = framework.tasks.remove(task_id)?;
        let agent_id = entry.task.slave_id.value.clone();
        let released = if entry.is_done() {
            None
        } else {
            framework.remove_used(&agent_id, &entry.resources);
            Some(entry.resources.clone())
        };
        let state = entry.task.state;
        if unreachable {
            framework.add_unreachable_task(entry.task.clone(), self.limits.unreachable_tasks);
            self.agents
                .unreachable_tasks
                .entry(agent_id.clone())
                .or_default()
                .entry(framework_id.to_string())
                .or_default()
                .push(task_id.to_string());
        } else {
            framework.add_completed_task(entry.task.clone(), self.limits.completed_tasks);
        }
        self.count_state(state, -1);
        if let Some(resources) = &released {
            self.used -= resources;
        }
        if let Some(agent) = self.agents.registered.get_mut(&agent_id) {
            if let Some(resources) = &released {
                agent.remove_used(framework_id, resources);
            }
            if let Some(tasks) = agent.tasks.get_mut(framework_id) {
                tasks.remove(task_id);
                if tasks.is_empty() {
                    agent.tasks.remove(framework_id);
                }
            }
        }
        Some((entry.task, released))
    }

    /// Records an executor on an agent; its resources become used.
    pub fn add_executor(&mut self, framework_id: &str, agent_id: &str, executor: ExecutorInfo) {
        let resources = Resources::from_proto_v0(&executor.resources).unwrap_or_default();
        let executor_id = executor.executor_id.value.clone();
        self.used += &resources;
        if let Some(framework) = self.frameworks.registered.get_mut(framework_id) {
            framework.add_used(agent_id, &resources);
            framework
                .executors
                .entry(agent_id.to_string())
                .or_default()
                .insert(executor_id.clone(), executor.clone());
        }
        if let Some(agent) = self.agents.registered.get_mut(agent_id) {
            agent.add_used(framework_id, &resources);
            agent
                .executors
                .entry(framework_id.to_string())
                .or_default()
                .insert(executor_id, executor);
        }
    }

    /// Removes an executor from an agent; returns its resources (for the allocator).
    pub fn remove_executor(
        &mut self,
        framework_id: &str,
        agent_id: &str,
        executor_id: &str,
    ) -> Option<Resources> {
        let agent = self.agents.registered.get_mut(agent_id)?;
        let executors = agent.executors.get_mut(framework_id)?;
        let executor = executors.remove(executor_id)?;
        if executors.is_empty() {
            agent.executors.remove(framework_id);
        }
        let resources = Resources::from_proto_v0(&executor.resources).unwrap_or_default();
        agent.remove_used(framework_id, &resources);
        self.used -= &resources;
        if let Some(framework) = self.frameworks.registered.get_mut(framework_id) {
            framework.remove_used(agent_id, &resources);
            if let Some(executors) = framework.executors.get_mut(agent_id) {
                executors.remove(executor_id);
                if executors.is_empty() {
                    framework.executors.remove(agent_id);
                }
            }
        }
        Some(resources)
    }

    /// Records an outstanding offer on its framework and agent.
    pub fn add_offer(&mut self, entry: OfferEntry) {
        let id = entry.id().to_string();
        if let Some(framework) = self.frameworks.registered.get_mut(entry.framework_id()) {
            framework.offers.insert(id.clone());
            framework.offered_resources += &entry.resources;
        }
        if let Some(agent) = self.agents.registered.get_mut(entry.agent_id()) {
            agent.offers.insert(id.clone());
            agent.offered_resources += &entry.resources;
        }
        self.offers.insert(id, entry);
    }

    /// Removes an offer from the books (the caller tells the allocator and cancels its timer).
    pub fn remove_offer(&mut self, offer_id: &str) -> Option<OfferEntry> {
        let entry = self.offers.remove(offer_id)?;
        if let Some(framework) = self.frameworks.registered.get_mut(entry.framework_id()) {
            framework.offers.remove(offer_id);
            framework.offered_resources -= &entry.resources;
        }
        if let Some(agent) = self.agents.registered.get_mut(entry.agent_id()) {
            agent.offers.remove(offer_id);
            agent.offered_resources -= &entry.resources;
        }
        Some(entry)
    }

    /// Every live task on `agent_id`, as (framework id, task id) pairs.
    pub fn tasks_on_agent(&self, agent_id: &str) -> Vec<(String, String)> {
        self.agents
            .get(agent_id)
            .map(|agent| {
                agent
                    .tasks
                    .iter()
                    .flat_map(|(framework_id, tasks)| {
                        tasks
                            .iter()
                            .map(move |task_id| (framework_id.clone(), task_id.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
