//! The agent's books: the frameworks with work on this agent, their executors and tasks,
//! and the recently completed ones (kept for `/state`). Plain data with the bookkeeping
//! rules of Mesos's `Framework` and `Executor`; the agent process decides what to do.

pub mod executor;
pub mod framework;

use std::collections::{BTreeMap, VecDeque};

pub use executor::{
    Executor, ExecutorState, MAX_COMPLETED_TASKS_PER_EXECUTOR, Subscription, Termination,
};
pub use framework::{Framework, FrameworkState};

/// How many completed frameworks the agent remembers (Mesos's `MAX_COMPLETED_FRAMEWORKS`).
pub const MAX_COMPLETED_FRAMEWORKS: usize = 50;

/// Every framework on this agent.
#[derive(Debug, Default)]
pub struct Books {
    /// Frameworks with executors here, by id.
    pub frameworks: BTreeMap<String, Framework>,
    /// Frameworks that left, oldest first, at most [`MAX_COMPLETED_FRAMEWORKS`].
    pub completed_frameworks: VecDeque<Framework>,
}

impl Books {
    /// A framework by id.
    pub fn framework(&self, framework_id: &str) -> Option<&Framework> {
        self.frameworks.get(framework_id)
    }

    /// A framework by id, for changing.
    pub fn framework_mut(&mut self, framework_id: &str) -> Option<&mut Framework> {
        self.frameworks.get_mut(framework_id)
    }

    /// An executor by framework and executor id.
    pub fn executor(&self, framework_id: &str, executor_id: &str) -> Option<&Executor> {
        self.frameworks
            .get(framework_id)?
            .executors
            .get(executor_id)
    }

    /// An executor by framework and executor id, for changing.
    pub fn executor_mut(&mut self, framework_id: &str, executor_id: &str) -> Option<&mut Executor> {
        self.frameworks
            .get_mut(framework_id)?
            .executors
            .get_mut(executor_id)
    }

    /// Moves a framework to the completed frameworks (bounded). A framework that comes back
    /// later takes its completed executors with it (see [`Books::take_completed`]).
    pub fn complete_framework(&mut self, framework_id: &str) -> bool {
        let Some(framework) = self.frameworks.remove(framework_id) else {
            return false;
        };
        self.completed_frameworks
            .retain(|completed| completed.id != framework_id);
        self.completed_frameworks.push_back(framework);
        while self.completed_frameworks.len() > MAX_COMPLETED_FRAMEWORKS {
            self.completed_frameworks.pop_front();
        }
        true
    }

    /// Removes and returns a completed framework (it is running tasks here again).
    pub fn take_completed(&mut self, framework_id: &str) -> Option<Framework> {
        let index = self
            .completed_frameworks
            .iter()
            .position(|framework| framework.id == framework_id)?;
        self.completed_frameworks.remove(index)
    }

    /// Every executor of every running framework.
    pub fn executors(&self) -> impl Iterator<Item = &Executor> {
        self.frameworks
            .values()
            .flat_map(|framework| framework.executors.values())
    }
}
