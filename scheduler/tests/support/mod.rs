//! Shared test support: a scheduler that records its callbacks and runs the test's plan for
//! offers and updates, on the testkit's in-process cluster (real master and agents, scripted
//! executors, paused clock).
#![allow(dead_code)]

use std::{sync::Arc, time::Duration};

use parking_lot::Mutex;
use proto::v0::{
    CommandInfo, ExecutorId, FrameworkId, FrameworkInfo, MasterInfo, Offer, OfferId, SlaveId,
    TaskId, TaskInfo, TaskState, TaskStatus,
};
use scheduler::{DriverConfig, Protocol, Scheduler, SchedulerDriver};
use testkit::Cluster;

/// A callback the scheduler got.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Registered(String),
    Reregistered,
    Disconnected,
    Offers(Vec<Offer>),
    Rescinded(String),
    Update(Box<TaskStatus>),
    Message(String, Vec<u8>),
    AgentLost(String),
    ExecutorLost(String, i32),
    Error(String),
}

type OnOffers = Box<dyn FnMut(&SchedulerDriver, &[Offer]) + Send>;
type OnUpdate = Box<dyn FnMut(&SchedulerDriver, &TaskStatus) + Send>;

/// The recording scheduler.
pub struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
    on_offers: Option<OnOffers>,
    on_update: Option<OnUpdate>,
}

impl Scheduler for Recorder {
    fn registered(&mut self, _: &SchedulerDriver, framework_id: &FrameworkId, _: &MasterInfo) {
        self.seen
            .lock()
            .push(Seen::Registered(framework_id.value.clone()));
    }

    fn reregistered(&mut self, _: &SchedulerDriver, _: &MasterInfo) {
        self.seen.lock().push(Seen::Reregistered);
    }

    fn disconnected(&mut self, _: &SchedulerDriver) {
        self.seen.lock().push(Seen::Disconnected);
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        self.seen.lock().push(Seen::Offers(offers.to_vec()));
        if let Some(on_offers) = &mut self.on_offers {
            on_offers(driver, offers);
        }
    }

    fn offer_rescinded(&mut self, _: &SchedulerDriver, offer_id: &OfferId) {
        self.seen
            .lock()
            .push(Seen::Rescinded(offer_id.value.clone()));
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        self.seen
            .lock()
            .push(Seen::Update(Box::new(status.clone())));
        if let Some(on_update) = &mut self.on_update {
            on_update(driver, status);
        }
    }

    fn framework_message(
        &mut self,
        _: &SchedulerDriver,
        executor_id: &ExecutorId,
        _: &SlaveId,
        data: &[u8],
    ) {
        self.seen
            .lock()
            .push(Seen::Message(executor_id.value.clone(), data.to_vec()));
    }

    fn agent_lost(&mut self, _: &SchedulerDriver, agent_id: &SlaveId) {
        self.seen
            .lock()
            .push(Seen::AgentLost(agent_id.value.clone()));
    }

    fn executor_lost(
        &mut self,
        _: &SchedulerDriver,
        executor_id: &ExecutorId,
        _: &SlaveId,
        status: i32,
    ) {
        self.seen
            .lock()
            .push(Seen::ExecutorLost(executor_id.value.clone(), status));
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        self.seen.lock().push(Seen::Error(message.to_string()));
    }
}

/// The test's side of a recording scheduler and its driver.
pub struct Framework {
    pub driver: SchedulerDriver,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// How a test framework is made.
pub struct Plan {
    pub config: DriverConfig,
    pub on_offers: Option<OnOffers>,
    pub on_update: Option<OnUpdate>,
}

/// A framework named `name` (user `tester`) with a failover timeout of an hour.
pub fn framework_info(name: &str) -> FrameworkInfo {
    FrameworkInfo {
        user: "tester".into(),
        name: name.into(),
        failover_timeout: Some(3600.0),
        ..FrameworkInfo::default()
    }
}

impl Plan {
    /// A plan for framework `name` over `protocol` that does nothing with offers.
    pub fn new(name: &str, protocol: Protocol) -> Plan {
        let mut config = DriverConfig::new(framework_info(name));
        config.protocol = protocol;
        // Registration retries are random; a short factor keeps them within a few steps.
        config.registration_backoff_factor = Duration::from_millis(100);
        Plan {
            config,
            on_offers: None,
            on_update: None,
        }
    }

    /// Launches one `sleep` task per offer, named `prefix-N`, of `cpus:1;mem:128`, until
    /// `count` are launched; declines the rest.
    pub fn launching(mut self, prefix: &str, count: usize) -> Plan {
        let prefix = prefix.to_string();
        let mut launched = 0;
        self.on_offers = Some(Box::new(move |driver, offers| {
            for offer in offers {
                if launched < count {
                    let task = task(offer, &format!("{prefix}-{launched}"));
                    launched += 1;
                    driver.launch_tasks(
                        std::slice::from_ref(&offer.id),
                        vec![task],
                        Default::default(),
                    );
                } else {
                    driver.decline_offer(&offer.id, Default::default());
                }
            }
        }));
        self
    }

    /// Starts the driver on `cluster` (master found by a detector naming the cluster's
    /// master) and settles.
    pub fn start(self, cluster: &Cluster) -> Framework {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder {
            seen: seen.clone(),
            on_offers: self.on_offers,
            on_update: self.on_update,
        };
        let driver = SchedulerDriver::new(
            &cluster.runtime,
            recorder,
            self.config,
            &cluster.master_upid().to_string(),
        )
        .expect("a driver");
        assert_eq!(driver.start(), scheduler::Status::DriverRunning);
        cluster.settle();
        Framework { driver, seen }
    }
}

/// A `sleep` command task of `cpus:1;mem:128` on `offer`'s agent.
pub fn task(offer: &Offer, task_id: &str) -> TaskInfo {
    let mut resources = resources::Resources::parse_unreserved("cpus:1;mem:128")
        .expect("resources")
        .to_proto_v0();
    let allocation = offer
        .resources
        .iter()
        .find_map(|resource| resource.allocation_info.clone());
    for resource in &mut resources {
        resource.allocation_info = allocation.clone();
    }
    TaskInfo {
        name: task_id.into(),
        task_id: TaskId {
            value: task_id.into(),
        },
        slave_id: offer.slave_id.clone(),
        resources,
        command: Some(CommandInfo {
            value: Some("sleep 1000".into()),
            ..CommandInfo::default()
        }),
        ..TaskInfo::default()
    }
}

impl Framework {
    /// Every callback so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().clone()
    }

    /// The framework id it registered with.
    pub fn framework_id(&self) -> Option<String> {
        self.seen().iter().find_map(|seen| match seen {
            Seen::Registered(id) => Some(id.clone()),
            _ => None,
        })
    }

    /// The states `task_id` went through, in order.
    pub fn states(&self, task_id: &str) -> Vec<TaskState> {
        self.seen()
            .iter()
            .filter_map(|seen| match seen {
                Seen::Update(status) if status.task_id.value == task_id => Some(status.state()),
                _ => None,
            })
            .collect()
    }

    /// The updates so far.
    pub fn updates(&self) -> Vec<TaskStatus> {
        self.seen()
            .into_iter()
            .filter_map(|seen| match seen {
                Seen::Update(status) => Some(*status),
                _ => None,
            })
            .collect()
    }

    /// Every offer so far.
    pub fn offers(&self) -> Vec<Offer> {
        self.seen()
            .into_iter()
            .flat_map(|seen| match seen {
                Seen::Offers(offers) => offers,
                _ => Vec::new(),
            })
            .collect()
    }

    /// How many callbacks equal `wanted`.
    pub fn count(&self, wanted: &Seen) -> usize {
        self.seen().iter().filter(|seen| *seen == wanted).count()
    }
}

/// The first framework in the master's `/state`.
pub fn framework_state(cluster: &Cluster) -> serde_json::Value {
    let (_, state) = cluster.get_json("/state");
    state["frameworks"][0].clone()
}
