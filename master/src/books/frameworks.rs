//! Frameworks in the books: one `Framework` per registered framework (its info, its scheduler
//! connection, tasks, executors, offers and resources) and the `Frameworks` collection with the
//! bounded list of completed frameworks.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use common::api::EventStream;
use libprocess::{Runtime, TimerId, Upid};
use proto::v0::{
    ExecutorInfo, FrameworkInfo, Task, framework_info::capability::Type as Capability,
};
use resources::Resources;

use super::tasks::TaskEntry;

/// How the master reaches a subscribed scheduler: a v1 HTTP event stream, or the libprocess
/// process of a scheduler driver speaking Mesos's v0 messages. Everything the master tells a
/// framework goes through `Master::send_event`, which serves both.
#[derive(Debug, Clone)]
pub enum Connection {
    /// A v1 subscription (`POST /api/v1/scheduler` SUBSCRIBE).
    Http(HttpConnection),
    /// A v0 scheduler driver (`mesos.scheduler.Call` SUBSCRIBE or
    /// `RegisterFrameworkMessage`).
    Pid(PidConnection),
}

impl Connection {
    /// The stream id of an HTTP subscription.
    pub fn stream_id(&self) -> Option<&str> {
        match self {
            Connection::Http(http) => Some(&http.stream_id),
            Connection::Pid(_) => None,
        }
    }

    /// The scheduler's pid, for a v0 scheduler.
    pub fn pid(&self) -> Option<&Upid> {
        match self {
            Connection::Http(_) => None,
            Connection::Pid(connection) => Some(&connection.pid),
        }
    }
}

/// A scheduler's HTTP subscription: the event stream and its id (`Mesos-Stream-Id`).
#[derive(Debug, Clone)]
pub struct HttpConnection {
    /// Where events go.
    pub stream: EventStream,
    /// The stream id calls must carry.
    pub stream_id: String,
}

/// A v0 scheduler driver's process: the master sends it Mesos's legacy messages
/// (`FrameworkRegisteredMessage`, `ResourceOffersMessage`, `StatusUpdateMessage`, ...) from
/// its own pid.
#[derive(Debug, Clone)]
pub struct PidConnection {
    /// The scheduler's pid.
    pub pid: Upid,
    master: Upid,
    runtime: Runtime,
}

impl PidConnection {
    /// A connection to `pid` on which `master` (on `runtime`) sends.
    pub fn new(pid: Upid, master: Upid, runtime: Runtime) -> PidConnection {
        PidConnection {
            pid,
            master,
            runtime,
        }
    }

    /// Sends `message` to the scheduler, from the master.
    pub fn send<M: prost::Message + prost::Name>(&self, message: &M) {
        self.runtime
            .send_protobuf_from(&self.master, &self.pid, message);
    }
}

/// A registered framework.
#[derive(Debug)]
pub struct Framework {
    /// The framework id.
    pub id: String,
    /// Its info, id included.
    pub info: FrameworkInfo,
    /// Its subscription; `None` while disconnected.
    pub connection: Option<Connection>,
    /// The pid of a v0 scheduler: kept while it is disconnected (as Mesos keeps it), so its
    /// calls are recognised and refused with "Framework disconnected"; cleared when an HTTP
    /// scheduler takes over.
    pub pid: Option<Upid>,
    /// Whether it is offered resources.
    pub active: bool,
    /// Known only from agents' reports after a master failover; not yet resubscribed.
    pub recovered: bool,
    /// When it registered (seconds since the epoch).
    pub registered_time: f64,
    /// When it last (re)subscribed.
    pub reregistered_time: f64,
    /// When it was removed (0 while registered).
    pub unregistered_time: f64,
    /// Its roles.
    pub roles: BTreeSet<String>,
    /// Live tasks by id.
    pub tasks: HashMap<String, TaskEntry>,
    /// Tasks that became unreachable, oldest first (bounded).
    pub unreachable_tasks: VecDeque<Task>,
    /// Finished tasks, oldest first (bounded).
    pub completed_tasks: VecDeque<Task>,
    /// Executors per agent.
    pub executors: HashMap<String, HashMap<String, ExecutorInfo>>,
    /// Ids of its outstanding offers.
    pub offers: HashSet<String>,
    /// Resources its tasks and executors use, per agent.
    pub used_resources: HashMap<String, Resources>,
    /// Resources offered to it.
    pub offered_resources: Resources,
    /// The timer that removes it after `failover_timeout` while disconnected.
    pub failover_timer: Option<TimerId>,
}

impl Framework {
    /// A framework with `info` (id set), created now.
    pub fn new(info: FrameworkInfo, connection: Option<Connection>, now: f64) -> Framework {
        let roles = roles_of(&info);
        Framework {
            id: info
                .id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default(),
            active: connection.is_some(),
            pid: connection.as_ref().and_then(Connection::pid).cloned(),
            connection,
            info,
            recovered: false,
            registered_time: now,
            reregistered_time: now,
            unregistered_time: 0.0,
            roles,
            tasks: HashMap::new(),
            unreachable_tasks: VecDeque::new(),
            completed_tasks: VecDeque::new(),
            executors: HashMap::new(),
            offers: HashSet::new(),
            used_resources: HashMap::new(),
            offered_resources: Resources::new(),
            failover_timer: None,
        }
    }

    /// Whether its scheduler is subscribed.
    pub fn connected(&self) -> bool {
        self.connection.is_some()
    }

    /// Makes `connection` its subscription (a v0 scheduler's pid is remembered, an HTTP one
    /// forgets it).
    pub fn connect(&mut self, connection: Connection) {
        self.pid = connection.pid().cloned();
        self.connection = Some(connection);
    }

    /// Whether it declared capability `capability`.
    pub fn has_capability(&self, capability: Capability) -> bool {
        has_capability(&self.info, capability)
    }

    /// Whether it is PARTITION_AWARE.
    pub fn partition_aware(&self) -> bool {
        self.has_capability(Capability::PartitionAware)
    }

    /// Every resource its tasks and executors use.
    pub fn total_used(&self) -> Resources {
        let mut total = Resources::new();
        for used in self.used_resources.values() {
            total += used;
        }
        total
    }

    /// Replaces the info (on resubscription or UPDATE_FRAMEWORK) and recomputes the roles.
    pub fn update_info(&mut self, info: FrameworkInfo) {
        self.roles = roles_of(&info);
        self.info = info;
    }

    /// Records a finished task, forgetting the oldest beyond `capacity`.
    pub fn add_completed_task(&mut self, task: Task, capacity: usize) {
        push_bounded(&mut self.completed_tasks, task, capacity);
    }

    /// Records a task that became unreachable, forgetting the oldest beyond `capacity`.
    pub fn add_unreachable_task(&mut self, task: Task, capacity: usize) {
        push_bounded(&mut self.unreachable_tasks, task, capacity);
    }

    /// Whether an unreachable task has this id.
    pub fn has_unreachable_task(&self, task_id: &str) -> bool {
        self.unreachable_tasks
            .iter()
            .any(|task| task.task_id.value == task_id)
    }

    /// Whether it runs `executor_id` on `agent_id`.
    pub fn has_executor(&self, agent_id: &str, executor_id: &str) -> bool {
        self.executors
            .get(agent_id)
            .is_some_and(|executors| executors.contains_key(executor_id))
    }

    pub(crate) fn add_used(&mut self, agent_id: &str, resources: &Resources) {
        *self.used_resources.entry(agent_id.to_string()).or_default() += resources;
    }

    pub(crate) fn remove_used(&mut self, agent_id: &str, resources: &Resources) {
        if let Some(used) = self.used_resources.get_mut(agent_id) {
            *used -= resources;
            if used.is_empty() {
                self.used_resources.remove(agent_id);
            }
        }
    }
}

fn push_bounded(list: &mut VecDeque<Task>, task: Task, capacity: usize) {
    if capacity == 0 {
        return;
    }
    list.push_back(task);
    while list.len() > capacity {
        list.pop_front();
    }
}

/// Whether `info` declares `capability`.
pub fn has_capability(info: &FrameworkInfo, capability: Capability) -> bool {
    info.capabilities
        .iter()
        .any(|declared| declared.r#type() == capability)
}

/// The roles of a framework: `roles` for MULTI_ROLE frameworks, else `role` (default `*`).
pub fn roles_of(info: &FrameworkInfo) -> BTreeSet<String> {
    if has_capability(info, Capability::MultiRole) {
        info.roles.iter().cloned().collect()
    } else {
        #[allow(deprecated)] // `role` is the single role of non-MULTI_ROLE frameworks.
        let role = info.role.clone().unwrap_or_else(|| "*".to_string());
        BTreeSet::from([role])
    }
}

/// Every framework the master knows of.
#[derive(Debug, Default)]
pub struct Frameworks {
    /// Registered frameworks by id.
    pub registered: BTreeMap<String, Framework>,
    /// Removed frameworks, oldest first (bounded).
    pub completed: VecDeque<Framework>,
    completed_ids: HashSet<String>,
}

impl Frameworks {
    /// The registered framework `id`.
    pub fn get(&self, id: &str) -> Option<&Framework> {
        self.registered.get(id)
    }

    /// The registered framework `id`, mutably.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Framework> {
        self.registered.get_mut(id)
    }

    /// Whether `id` was removed (and is still remembered).
    pub fn is_completed(&self, id: &str) -> bool {
        self.completed_ids.contains(id)
    }

    /// Moves a removed framework to the completed list, keeping at most `capacity`.
    pub fn complete(&mut self, framework: Framework, capacity: usize) {
        if capacity == 0 {
            return;
        }
        self.completed_ids.insert(framework.id.clone());
        self.completed.push_back(framework);
        while self.completed.len() > capacity {
            if let Some(oldest) = self.completed.pop_front() {
                self.completed_ids.remove(&oldest.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::v0::{FrameworkId, framework_info};

    fn info(id: &str) -> FrameworkInfo {
        FrameworkInfo {
            user: "u".into(),
            name: "n".into(),
            id: Some(FrameworkId { value: id.into() }),
            ..FrameworkInfo::default()
        }
    }

    #[test]
    fn roles_and_completion() {
        let framework = Framework::new(info("f"), None, 1.0);
        assert_eq!(framework.roles, BTreeSet::from(["*".to_string()]));
        assert!(!framework.active);
        let mut multi = info("g");
        multi.capabilities.push(framework_info::Capability {
            r#type: Some(Capability::MultiRole as i32),
        });
        multi.roles = vec!["a".into(), "b".into()];
        assert_eq!(roles_of(&multi).len(), 2);

        let mut frameworks = Frameworks::default();
        frameworks.complete(Framework::new(info("1"), None, 0.0), 1);
        frameworks.complete(Framework::new(info("2"), None, 0.0), 1);
        assert!(!frameworks.is_completed("1"));
        assert!(frameworks.is_completed("2"));
    }
}
