//! Agents in the books: one `Agent` per registered agent (its info, pid, resources, the tasks,
//! executors and offers on it, its health-check state) and the `Agents` collection with the
//! registry's view (recovered, unreachable, gone) and the transitions in flight.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use libprocess::{TimerId, Upid};
use proto::v0::{ExecutorInfo, SlaveInfo, TimeInfo, slave_info};
use resources::Resources;

/// A registered agent.
#[derive(Debug)]
pub struct Agent {
    /// The agent id.
    pub id: String,
    /// Its info, id included.
    pub info: SlaveInfo,
    /// Its process (`slave(1)@ip:port`).
    pub pid: Upid,
    /// The Mesos version it reported.
    pub version: String,
    /// The capabilities it reported.
    pub capabilities: Vec<slave_info::Capability>,
    /// When it registered (seconds since the epoch).
    pub registered_time: f64,
    /// When it last reregistered.
    pub reregistered_time: Option<f64>,
    /// Whether its link is up.
    pub connected: bool,
    /// Whether its resources are offered.
    pub active: bool,
    /// Its total resources.
    pub total_resources: Resources,
    /// Resources used by tasks and executors, per framework.
    pub used_resources: HashMap<String, Resources>,
    /// Resources currently offered.
    pub offered_resources: Resources,
    /// Ids of the (non-removed) tasks on it, per framework.
    pub tasks: HashMap<String, HashSet<String>>,
    /// Executors on it, per framework.
    pub executors: HashMap<String, HashMap<String, ExecutorInfo>>,
    /// Ids of outstanding offers of its resources.
    pub offers: HashSet<String>,
    /// Tasks a framework asked to kill (re-sent if the agent comes back with them).
    pub killed_tasks: HashSet<(String, String)>,
    /// A ping was sent and no pong has come since.
    pub pinged: bool,
    /// Consecutive ping timeouts.
    pub ping_timeouts: u32,
    /// Bumped whenever a new health-check cycle starts, so stale timers do nothing.
    pub ping_epoch: u64,
    /// The timer that marks a disconnected agent unreachable if it does not reregister.
    pub reregistration_timer: Option<TimerId>,
}

impl Agent {
    /// A freshly (re)registered, connected and active agent.
    pub fn new(
        info: SlaveInfo,
        pid: Upid,
        version: String,
        capabilities: Vec<slave_info::Capability>,
        total_resources: Resources,
        now: f64,
    ) -> Agent {
        Agent {
            id: info
                .id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default(),
            info,
            pid,
            version,
            capabilities,
            registered_time: now,
            reregistered_time: None,
            connected: true,
            active: true,
            total_resources,
            used_resources: HashMap::new(),
            offered_resources: Resources::new(),
            tasks: HashMap::new(),
            executors: HashMap::new(),
            offers: HashSet::new(),
            killed_tasks: HashSet::new(),
            pinged: false,
            ping_timeouts: 0,
            ping_epoch: 0,
            reregistration_timer: None,
        }
    }

    /// Whether the agent runs `executor_id` of `framework_id`.
    pub fn has_executor(&self, framework_id: &str, executor_id: &str) -> bool {
        self.executors
            .get(framework_id)
            .is_some_and(|executors| executors.contains_key(executor_id))
    }

    /// Whether `task_id` of `framework_id` is on this agent.
    pub fn has_task(&self, framework_id: &str, task_id: &str) -> bool {
        self.tasks
            .get(framework_id)
            .is_some_and(|tasks| tasks.contains(task_id))
    }

    /// Every resource in use on the agent.
    pub fn total_used(&self) -> Resources {
        let mut total = Resources::new();
        for used in self.used_resources.values() {
            total += used;
        }
        total
    }

    /// Every framework with tasks or executors here.
    pub fn framework_ids(&self) -> HashSet<String> {
        self.tasks
            .keys()
            .chain(self.executors.keys())
            .cloned()
            .collect()
    }

    pub(crate) fn add_used(&mut self, framework_id: &str, resources: &Resources) {
        *self
            .used_resources
            .entry(framework_id.to_string())
            .or_default() += resources;
    }

    pub(crate) fn remove_used(&mut self, framework_id: &str, resources: &Resources) {
        if let Some(used) = self.used_resources.get_mut(framework_id) {
            *used -= resources;
            if used.is_empty() {
                self.used_resources.remove(framework_id);
            }
        }
    }
}

/// A set that remembers the most recent `capacity` entries.
#[derive(Debug, Default)]
pub struct BoundedSet {
    order: VecDeque<String>,
    members: HashSet<String>,
    capacity: usize,
}

impl BoundedSet {
    /// An empty set remembering at most `capacity` entries.
    pub fn new(capacity: usize) -> BoundedSet {
        BoundedSet {
            order: VecDeque::new(),
            members: HashSet::new(),
            capacity,
        }
    }

    /// Adds `value`, forgetting the oldest entry when full.
    pub fn insert(&mut self, value: String) {
        if self.capacity == 0 || !self.members.insert(value.clone()) {
            return;
        }
        self.order.push_back(value);
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.members.remove(&oldest);
            }
        }
    }

    /// Forgets `value`.
    pub fn remove(&mut self, value: &str) {
        if self.members.remove(value) {
            self.order.retain(|entry| entry != value);
        }
    }

    /// Whether `value` is remembered.
    pub fn contains(&self, value: &str) -> bool {
        self.members.contains(value)
    }
}

/// Every agent the master knows of, in each of Mesos's states.
#[derive(Debug)]
pub struct Agents {
    /// Registered agents by id (sorted, so endpoints list them in a stable order).
    pub registered: BTreeMap<String, Agent>,
    /// Registered agents' ids by pid.
    pub by_pid: HashMap<Upid, String>,
    /// Agents from the registry that have not reregistered since this master recovered.
    pub recovered: BTreeMap<String, SlaveInfo>,
    /// Pids whose registration is waiting for the registrar.
    pub registering: HashSet<Upid>,
    /// Ids whose reregistration is waiting for the registrar.
    pub reregistering: HashSet<String>,
    /// Ids being marked unreachable.
    pub marking_unreachable: HashSet<String>,
    /// Ids being removed.
    pub removing: HashSet<String>,
    /// Unreachable agents and when they became so.
    pub unreachable: BTreeMap<String, TimeInfo>,
    /// Gone agents and when they went.
    pub gone: BTreeMap<String, TimeInfo>,
    /// Recently removed agents, whose late messages are dropped.
    pub removed: BoundedSet,
    /// Unreachable agent -> framework -> ids of its tasks that became unreachable.
    pub unreachable_tasks: HashMap<String, HashMap<String, Vec<String>>>,
}

impl Agents {
    /// No agents; remember up to `max_removed` removed ids.
    pub fn new(max_removed: usize) -> Agents {
        Agents {
            registered: BTreeMap::new(),
            by_pid: HashMap::new(),
            recovered: BTreeMap::new(),
            registering: HashSet::new(),
            reregistering: HashSet::new(),
            marking_unreachable: HashSet::new(),
            removing: HashSet::new(),
            unreachable: BTreeMap::new(),
            gone: BTreeMap::new(),
            removed: BoundedSet::new(max_removed),
            unreachable_tasks: HashMap::new(),
        }
    }

    /// Adds a registered agent.
    pub fn insert(&mut self, agent: Agent) {
        self.by_pid.insert(agent.pid.clone(), agent.id.clone());
        self.registered.insert(agent.id.clone(), agent);
    }

    /// Removes a registered agent (it goes to `removed`).
    pub fn take(&mut self, agent_id: &str) -> Option<Agent> {
        let agent = self.registered.remove(agent_id)?;
        if self.by_pid.get(&agent.pid).is_some_and(|id| id == agent_id) {
            self.by_pid.remove(&agent.pid);
        }
        self.removed.insert(agent_id.to_string());
        Some(agent)
    }

    /// The registered agent `agent_id`.
    pub fn get(&self, agent_id: &str) -> Option<&Agent> {
        self.registered.get(agent_id)
    }

    /// The registered agent `agent_id`, mutably.
    pub fn get_mut(&mut self, agent_id: &str) -> Option<&mut Agent> {
        self.registered.get_mut(agent_id)
    }

    /// The registered agent at `pid`.
    pub fn id_by_pid(&self, pid: &Upid) -> Option<&str> {
        self.by_pid.get(pid).map(String::as_str)
    }

    /// Points `agent_id` at a new pid (after it reregistered from another address).
    pub fn update_pid(&mut self, agent_id: &str, pid: Upid) {
        if let Some(agent) = self.registered.get_mut(agent_id) {
            if self.by_pid.get(&agent.pid).is_some_and(|id| id == agent_id) {
                self.by_pid.remove(&agent.pid);
            }
            agent.pid = pid.clone();
            self.by_pid.insert(pid, agent_id.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_set_forgets_the_oldest() {
        let mut set = BoundedSet::new(2);
        set.insert("a".into());
        set.insert("b".into());
        set.insert("c".into());
        assert!(!set.contains("a"));
        assert!(set.contains("b") && set.contains("c"));
        set.remove("b");
        assert!(!set.contains("b"));
    }
}
