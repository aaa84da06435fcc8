//! `Cluster`: a master (real hierarchical allocator, in-memory registry) and N agents with
//! `FakeContainerizer`s running scripted in-process executors, all on one runtime whose
//! clock is paused, so a test moves time itself and settles.

use std::{path::PathBuf, sync::Arc, time::Duration};

use agent::{Agent, AgentOptions};
use allocator::shell::process::AllocatorProcess;
use containerizer::FakeContainerizer;
use detector::StandaloneDetector;
use libprocess::{Pid, Request, Runtime, Upid};
use master::{config::MasterConfig, master::Master, registrar::InMemoryStore};
use resources::Resources;
use serde_json::Value;

use crate::{
    executors::{Script, TaskBehavior},
    scheduler::{Scheduler, SubscribeOptions},
};

/// Mesos's test agent: `cpus:2;gpus:0;mem:1024;disk:1024;ports:[31000-32000]`.
pub const DEFAULT_AGENT_RESOURCES: &str = "cpus:2;gpus:0;mem:1024;disk:1024;ports:[31000-32000]";

/// How many clock steps [`Cluster::advance_until`] takes before it gives up.
pub const MAX_STEPS: usize = 200;

type AdjustAgent = Box<dyn Fn(usize, &mut AgentOptions)>;

/// Configures a [`Cluster`]; from [`Cluster::builder`].
pub struct ClusterBuilder {
    agents: usize,
    agent_resources: String,
    master: MasterConfig,
    adjust_agent: Option<AdjustAgent>,
    default_behavior: TaskBehavior,
    report_starting: bool,
    register: bool,
    workers: Option<usize>,
}

impl ClusterBuilder {
    /// How many agents (default 1).
    pub fn agents(mut self, count: usize) -> Self {
        self.agents = count;
        self
    }

    /// Every agent's resources in Mesos's text form (default [`DEFAULT_AGENT_RESOURCES`]).
    pub fn agent_resources(mut self, text: &str) -> Self {
        self.agent_resources = text.to_owned();
        self
    }

    /// Changes the master's configuration.
    pub fn master(mut self, adjust: impl FnOnce(&mut MasterConfig)) -> Self {
        adjust(&mut self.master);
        self
    }

    /// The allocation interval (default 1 s, as Mesos).
    pub fn allocation_interval(self, interval: Duration) -> Self {
        self.master(|config| config.allocator.allocation_interval = interval)
    }

    /// `--offer_timeout`.
    pub fn offer_timeout(self, timeout: Duration) -> Self {
        self.master(|config| config.offer_timeout = Some(timeout))
    }

    /// `--agent_ping_timeout` and `--max_agent_ping_timeouts`.
    pub fn agent_ping_timeout(self, timeout: Duration, max_timeouts: u32) -> Self {
        self.master(|config| {
            config.agent_ping_timeout = timeout;
            config.max_agent_ping_timeouts = max_timeouts;
        })
    }

    /// Changes each agent's options (given its index) before it starts.
    pub fn agent_options(mut self, adjust: impl Fn(usize, &mut AgentOptions) + 'static) -> Self {
        self.adjust_agent = Some(Box::new(adjust));
        self
    }

    /// How fake executors play tasks without an override (default
    /// [`TaskBehavior::RunUntilKilled`]).
    pub fn default_behavior(mut self, behavior: TaskBehavior) -> Self {
        self.default_behavior = behavior;
        self
    }

    /// Whether fake executors send TASK_STARTING before TASK_RUNNING (default true, as the
    /// command executor does).
    pub fn report_starting(mut self, report: bool) -> Self {
        self.report_starting = report;
        self
    }

    /// Whether [`start`](Self::start) waits until every agent has registered (default
    /// true).
    pub fn register_agents(mut self, register: bool) -> Self {
        self.register = register;
        self
    }

    /// The runtime's worker threads (default: libprocess's, one per core).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Starts the cluster; with `register_agents` (the default), returns once every agent
    /// has registered.
    ///
    /// # Panics
    /// When a component cannot start or the agents do not register.
    pub fn start(self) -> Cluster {
        crate::init_logging();
        let mut builder = Runtime::builder().ip([127, 0, 0, 1].into()).port(0);
        if let Some(workers) = self.workers {
            builder = builder.workers(workers);
        }
        let runtime = builder.build().expect("a runtime");
        runtime.clock().pause();
        let work_dir = tempfile::Builder::new()
            .prefix("testkit-")
            .tempdir()
            .expect("a temporary work directory");

        let store = InMemoryStore::new();
        let master = spawn_master(&runtime, &self.master, &store);
        crate::settle(&runtime);

        let script = Script::new(self.default_behavior, self.report_starting);
        let resources = Resources::parse_unreserved(&self.agent_resources)
            .unwrap_or_else(|error| panic!("bad agent resources: {error}"));
        let detector = Arc::new(StandaloneDetector::new(Some(master.upid().clone())));
        let mut agents = Vec::with_capacity(self.agents);
        for index in 0..self.agents {
            let mut options = AgentOptions::new(
                work_dir.path().join(format!("agent{index}")),
                resources.clone(),
            );
            options.hostname = format!("agent{index}.testkit");
            options.switch_user = false;
            options.seed = Some(index as u64 + 1);
            if let Some(adjust) = &self.adjust_agent {
                adjust(index, &mut options);
            }
            let containerizer = FakeContainerizer::with_executors(script.factory(runtime.clone()));
            let work_dir = options.work_dir.clone();
            let agent = Agent::new(options, Arc::new(containerizer.clone()), detector.clone())
                .expect("an agent")
                .spawn(&runtime)
                .expect("the agent process");
            agents.push(ClusterAgent {
                pid: agent,
                containerizer,
                work_dir,
            });
        }
        // The master answers unprefixed paths (`/state`, `/api/v1/scheduler`).
        runtime.set_delegate(Master::ID);
        let cluster = Cluster {
            runtime,
            master,
            agents,
            script,
            config: self.master,
            store,
            _work_dir: work_dir,
        };
        cluster.settle();
        if self.register {
            let expected = cluster.agents.len();
            cluster.advance_until_by("every agent registers", Duration::from_millis(500), || {
                cluster.registered_agents() == expected
            });
        }
        cluster
    }
}

/// One agent of the cluster.
pub struct ClusterAgent {
    /// The agent process (`slave(N)`).
    pub pid: Pid<Agent>,
    /// Its containerizer (every launch and destroy is recorded).
    pub containerizer: FakeContainerizer,
    /// Its work directory.
    pub work_dir: PathBuf,
}

/// A master and agents on one paused-clock runtime; see the crate documentation.
pub struct Cluster {
    /// The runtime everything runs on (its clock is paused).
    pub runtime: Runtime,
    /// The master.
    pub master: Pid<Master>,
    agents: Vec<ClusterAgent>,
    /// What the fake executors do.
    pub script: Script,
    config: MasterConfig,
    /// The registry, kept across [`restart_master`](Cluster::restart_master).
    store: InMemoryStore,
    _work_dir: tempfile::TempDir,
}

impl Cluster {
    /// A builder with one agent of [`DEFAULT_AGENT_RESOURCES`] and Mesos's master defaults.
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder {
            agents: 1,
            agent_resources: DEFAULT_AGENT_RESOURCES.to_owned(),
            master: MasterConfig::default(),
            adjust_agent: None,
            default_behavior: TaskBehavior::RunUntilKilled,
            report_starting: true,
            register: true,
            workers: None,
        }
    }

    /// A started cluster with the defaults.
    pub fn start() -> Cluster {
        Cluster::builder().start()
    }

    /// The master's configuration.
    pub fn config(&self) -> &MasterConfig {
        &self.config
    }

    /// The master's pid.
    pub fn master_upid(&self) -> Upid {
        self.master.upid().clone()
    }

    /// The agents, in start order.
    pub fn agents(&self) -> &[ClusterAgent] {
        &self.agents
    }

    /// Agent `index`.
    pub fn agent(&self, index: usize) -> &ClusterAgent {
        &self.agents[index]
    }

    /// Waits until the runtime is quiet (see [`crate::settle`]).
    pub fn settle(&self) {
        crate::settle(&self.runtime);
    }

    /// Moves the paused clock forward by `duration` and settles.
    pub fn advance(&self, duration: Duration) {
        self.settle();
        self.runtime.clock().advance(duration);
        self.settle();
    }

    /// Advances by the allocation interval and settles until `condition` holds; panics
    /// naming `what` after [`MAX_STEPS`] steps.
    pub fn advance_until(&self, what: &str, condition: impl FnMut() -> bool) {
        let step = self.config.allocator.allocation_interval;
        self.advance_until_by(what, step, condition);
    }

    /// Like [`advance_until`](Self::advance_until) in steps of `step`.
    pub fn advance_until_by(
        &self,
        what: &str,
        step: Duration,
        mut condition: impl FnMut() -> bool,
    ) {
        self.settle();
        for _ in 0..MAX_STEPS {
            if condition() {
                return;
            }
            self.advance(step);
        }
        assert!(
            condition(),
            "{what}: still not true after {MAX_STEPS} steps of {step:?} of virtual time"
        );
    }

    /// Subscribes a scheduler (JSON, automatic acknowledgements) for `framework_info`.
    pub fn subscribe(&self, framework_info: proto::v1::FrameworkInfo) -> Scheduler {
        Scheduler::subscribe(&self.runtime, framework_info, SubscribeOptions::default())
    }

    /// Subscribes a scheduler with `options`.
    pub fn subscribe_with(
        &self,
        framework_info: proto::v1::FrameworkInfo,
        options: SubscribeOptions,
    ) -> Scheduler {
        Scheduler::subscribe(&self.runtime, framework_info, options)
    }

    /// Advances until `scheduler` has unread offers, and returns them.
    pub fn offers(&self, scheduler: &Scheduler) -> Vec<proto::v1::Offer> {
        let mut offers = Vec::new();
        self.advance_until("offers arrive", || {
            offers.extend(scheduler.offers());
            !offers.is_empty()
        });
        offers
    }

    /// GETs `path` in-process; returns the status and the body as JSON (`Null` if it is
    /// not JSON).
    pub fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self
            .runtime
            .http(Request::get(path))
            .block()
            .expect("an answer");
        let body = response.full_body().cloned().unwrap_or_default();
        (
            response.status,
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        )
    }

    /// How many agents the master counts as registered and active (`/master/slaves`).
    pub fn registered_agents(&self) -> usize {
        let (_, slaves) = self.get_json("/master/slaves");
        slaves["slaves"].as_array().map_or(0, |slaves| {
            slaves
                .iter()
                .filter(|agent| agent["active"] == true)
                .count()
        })
    }

    /// Agent `index`'s id as its own `/state` reports it (`""` before it registered).
    pub fn agent_id(&self, index: usize) -> String {
        let path = format!("/{}/state", self.agents[index].pid.upid().id());
        let (_, state) = self.get_json(&path);
        state["id"].as_str().unwrap_or_default().to_owned()
    }

    /// The value of metric `key` in `/metrics/snapshot`.
    ///
    /// # Panics
    /// When there is no such metric.
    pub fn metric(&self, key: &str) -> f64 {
        let (_, snapshot) = self.get_json("/metrics/snapshot");
        snapshot[key]
            .as_f64()
            .unwrap_or_else(|| panic!("no metric {key} in /metrics/snapshot"))
    }

    /// Stops agent `index`'s process, as an agent that crashes (its containers stay; the
    /// master sees the link break).
    pub fn stop_agent(&self, index: usize) {
        let pid = &self.agents[index].pid;
        pid.terminate();
        let _ = pid.wait().block();
        self.settle();
    }
}

impl Cluster {
    /// Stops the master and starts a new one (new master id, new allocator) over the same
    /// registry, as a master failover: agents see their master link break and re-register,
    /// schedulers must subscribe again.
    pub fn restart_master(&mut self) {
        self.master.terminate();
        let _ = self.master.wait().block();
        self.settle();
        self.master = spawn_master(&self.runtime, &self.config, &self.store);
        self.runtime.set_delegate(Master::ID);
        self.settle();
    }
}

/// Spawns an allocator and a master over `store`.
fn spawn_master(runtime: &Runtime, config: &MasterConfig, store: &InMemoryStore) -> Pid<Master> {
    let allocator = allocator::create("hierarchical", config.allocator.clone())
        .expect("the hierarchical allocator");
    let allocator = AllocatorProcess::spawn(runtime, allocator).expect("the allocator");
    master::spawn(runtime, config.clone(), Box::new(store.clone()), allocator).expect("the master")
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}
