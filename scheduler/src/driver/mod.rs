//! [`SchedulerDriver`]: the handle a framework holds, and the configuration it is built
//! from. The work happens in a libprocess process (`process.rs`) speaking either protocol
//! (`v0.rs`, `v1.rs`).

mod calls;
mod inbound;
mod process;
mod v0;
mod v1;

use std::{collections::BTreeSet, fmt, str::FromStr, sync::Arc, time::Duration};

use detector::MasterDetector;
use libprocess::{Pid, Runtime, SpawnError};
use parking_lot::{Condvar, Mutex};
use proto::{
    codec::ContentType,
    v0::{
        ExecutorId, Filters, FrameworkInfo, OfferId, Request, SlaveId, Status, TaskId, TaskInfo,
        TaskStatus,
        offer::{Operation, operation},
    },
};

use crate::Scheduler;
use process::SchedulerProcess;

/// How long the driver waits, at most and initially, before registering again when the
/// master has not answered (Mesos's `--registration_backoff_factor` default for schedulers;
/// the wait is random in `[0, factor]`, doubling on each retry).
pub const DEFAULT_REGISTRATION_BACKOFF_FACTOR: Duration = Duration::from_secs(2);
/// The longest wait between registration attempts (Mesos's
/// `REGISTRATION_RETRY_INTERVAL_MAX`).
pub const REGISTRATION_RETRY_INTERVAL_MAX: Duration = Duration::from_secs(60);
/// How many heartbeat intervals without any event make a v1 driver consider the master
/// lost (Mesos's advice to HTTP schedulers).
pub const MISSED_HEARTBEATS: u32 = 5;

/// Which protocol the driver speaks to the master.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Mesos's libprocess driver protocol: `mesos.scheduler.Call` messages to the master's
    /// pid, the legacy messages (`FrameworkRegisteredMessage`, `ResourceOffersMessage`, ...)
    /// back to the driver's pid. The master must be able to connect to the driver's runtime.
    V0,
    /// The v1 scheduler HTTP API (`/api/v1/scheduler`): one SUBSCRIBE stream of events,
    /// calls as POSTs, in `ContentType` (JSON or protobuf).
    V1(ContentType),
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::V0 => f.write_str("v0"),
            Protocol::V1(ContentType::Protobuf) => f.write_str("v1"),
            Protocol::V1(ContentType::Json) => f.write_str("v1+json"),
        }
    }
}

impl FromStr for Protocol {
    type Err = String;

    /// `v0`, `v1` (protobuf bodies) or `v1+json`.
    fn from_str(text: &str) -> Result<Protocol, String> {
        match text {
            "v0" => Ok(Protocol::V0),
            "v1" | "v1+protobuf" => Ok(Protocol::V1(ContentType::Protobuf)),
            "v1+json" => Ok(Protocol::V1(ContentType::Json)),
            other => Err(format!(
                "unknown protocol '{other}': use 'v0', 'v1' or 'v1+json'"
            )),
        }
    }
}

/// What a driver is built from.
#[derive(Debug, Clone)]
pub struct DriverConfig {
    /// The framework. An empty `user` becomes the current user and an empty `hostname` this
    /// host's name, as Mesos's driver fills them. With an `id` the driver fails over to that
    /// framework (its first registration takes it over from any older scheduler).
    pub framework: FrameworkInfo,
    /// The protocol; default v1 with protobuf bodies.
    pub protocol: Protocol,
    /// Acknowledge every status update once [`Scheduler::status_update`] returns (default);
    /// `false` leaves it to the scheduler
    /// ([`SchedulerDriver::acknowledge_status_update`]).
    pub implicit_acknowledgements: bool,
    /// Roles the framework subscribes with offers suppressed.
    pub suppressed_roles: BTreeSet<String>,
    /// See [`DEFAULT_REGISTRATION_BACKOFF_FACTOR`].
    pub registration_backoff_factor: Duration,
}

impl DriverConfig {
    /// The defaults for `framework`.
    pub fn new(framework: FrameworkInfo) -> DriverConfig {
        DriverConfig {
            framework,
            protocol: Protocol::V1(ContentType::Protobuf),
            implicit_acknowledgements: true,
            suppressed_roles: BTreeSet::new(),
            registration_backoff_factor: DEFAULT_REGISTRATION_BACKOFF_FACTOR,
        }
    }
}

/// Why a driver could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The `--master` text names no master we can find.
    #[error(transparent)]
    Master(#[from] detector::DetectorError),
    /// The runtime is shutting down.
    #[error("cannot start the scheduler driver's process: {0}")]
    Spawn(#[from] SpawnError),
}

/// The status every driver method answers with (Mesos's `Status`): `DriverRunning` while
/// the call was taken; otherwise the state that refused it.
pub type DriverStatus = Status;

/// What the handle and the process share: the driver's status and the end of its run.
pub(crate) struct Shared {
    state: Mutex<SharedState>,
    changed: Condvar,
}

struct SharedState {
    status: Status,
    /// The process finished stopping or aborting: `join` returns.
    finished: bool,
}

impl Shared {
    pub(crate) fn is_running(&self) -> bool {
        self.state.lock().status == Status::DriverRunning
    }

    /// Marks the run over (the process has sent what stop or abort must send).
    pub(crate) fn finish(&self) {
        self.state.lock().finished = true;
        self.changed.notify_all();
    }

    /// The driver refuses further calls and callbacks (an ERROR from the master).
    pub(crate) fn abort(&self) -> bool {
        let mut state = self.state.lock();
        if state.status != Status::DriverRunning {
            return false;
        }
        state.status = Status::DriverAborted;
        true
    }
}

/// A scheduler driver: connects a [`Scheduler`] to the leading master, delivers its
/// callbacks, and carries its calls (Mesos's `MesosSchedulerDriver`). Cheap to clone; every
/// clone drives the same framework.
///
/// ```no_run
/// use scheduler::{DriverConfig, Protocol, Scheduler, SchedulerDriver, Status};
/// use proto::v0::{FrameworkInfo, Offer};
///
/// struct Decliner;
///
/// impl Scheduler for Decliner {
///     fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
///         for offer in offers {
///             driver.decline_offer(&offer.id, Default::default());
///         }
///     }
/// }
///
/// let runtime = libprocess::Runtime::builder().build()?;
/// let framework = FrameworkInfo { name: "decliner".into(), ..FrameworkInfo::default() };
/// let mut config = DriverConfig::new(framework);
/// config.protocol = Protocol::V0;
/// let driver = SchedulerDriver::new(&runtime, Decliner, config, "127.0.0.1:5050")?;
/// assert_eq!(driver.run(), Status::DriverStopped);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Every method answers with the driver's [`Status`]: `DriverRunning` when the call was
/// taken (it is carried out later, on the driver's process); `DriverNotStarted`,
/// `DriverStopped` or `DriverAborted` when it was refused. Calls made while the driver is not
/// registered are dropped (with a debug log) as Mesos's driver drops them, except launches,
/// whose tasks come back as TASK_LOST (TASK_DROPPED for PARTITION_AWARE frameworks) with
/// `REASON_MASTER_DISCONNECTED`.
#[derive(Clone)]
pub struct SchedulerDriver {
    process: Pid<SchedulerProcess>,
    shared: Arc<Shared>,
}

impl fmt::Debug for SchedulerDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchedulerDriver")
            .field("process", self.process.upid())
            .field("status", &self.shared.state.lock().status)
            .finish()
    }
}

impl SchedulerDriver {
    /// A driver for `scheduler` on `runtime`, finding the master from `master` (`host:port`,
    /// `master@host:port` or `file:///path`, as the `--master` flag). Not started yet.
    ///
    /// # Errors
    /// `master` names no master; the runtime is shutting down.
    pub fn new(
        runtime: &Runtime,
        scheduler: impl Scheduler,
        config: DriverConfig,
        master: &str,
    ) -> Result<SchedulerDriver, DriverError> {
        let detector: Arc<dyn MasterDetector> = Arc::from(detector::create(master)?);
        SchedulerDriver::with_detector(runtime, scheduler, config, detector)
    }

    /// [`new`](SchedulerDriver::new) with a detector of one's own (tests appoint masters).
    ///
    /// # Errors
    /// The runtime is shutting down.
    pub fn with_detector(
        runtime: &Runtime,
        scheduler: impl Scheduler,
        mut config: DriverConfig,
        detector: Arc<dyn MasterDetector>,
    ) -> Result<SchedulerDriver, DriverError> {
        fill_missing_framework_fields(&mut config.framework);
        let shared = Arc::new(Shared {
            state: Mutex::new(SharedState {
                status: Status::DriverNotStarted,
                finished: false,
            }),
            changed: Condvar::new(),
        });
        // A fresh id per driver, so the master tells one scheduler run from the next.
        let id = format!("scheduler-{}", uuid::Uuid::new_v4());
        let process = runtime.spawn(
            id,
            SchedulerProcess::new(
                Box::new(scheduler),
                config,
                detector,
                shared.clone(),
                runtime,
            ),
        )?;
        Ok(SchedulerDriver { process, shared })
    }

    pub(crate) fn from_parts(process: Pid<SchedulerProcess>, shared: Arc<Shared>) -> Self {
        SchedulerDriver { process, shared }
    }

    /// The driver's libprocess pid (what a v0 master sends to).
    pub fn upid(&self) -> &libprocess::Upid {
        self.process.upid()
    }

    /// The driver's status now.
    pub fn status(&self) -> Status {
        self.shared.state.lock().status
    }

    /// Starts detecting the master and registering. Only once.
    pub fn start(&self) -> Status {
        {
            let mut state = self.shared.state.lock();
            if state.status != Status::DriverNotStarted {
                return state.status;
            }
            state.status = Status::DriverRunning;
        }
        self.process.run(|process, ctx| process.start(ctx));
        Status::DriverRunning
    }

    /// Stops the driver. Without `failover` the framework is torn down at the master (its
    /// tasks killed); with it the framework stays, for another scheduler to take over
    /// within its `failover_timeout`. Answers `DriverAborted` if it had been aborted.
    pub fn stop(&self, failover: bool) -> Status {
        let aborted = {
            let mut state = self.shared.state.lock();
            if state.status != Status::DriverRunning && state.status != Status::DriverAborted {
                return state.status;
            }
            let aborted = state.status == Status::DriverAborted;
            state.status = Status::DriverStopped;
            aborted
        };
        self.shared.changed.notify_all();
        self.process
            .run(move |process, ctx| process.stop(ctx, failover));
        if aborted {
            Status::DriverAborted
        } else {
            Status::DriverStopped
        }
    }

    /// Aborts the driver: no more callbacks or calls; a v0 master is asked to stop offering
    /// (`DeactivateFrameworkMessage`), a v1 subscription is closed. The framework stays
    /// registered until its `failover_timeout` runs out.
    pub fn abort(&self) -> Status {
        if !self.shared.abort() {
            return self.status();
        }
        self.shared.changed.notify_all();
        self.process.run(|process, ctx| process.abort(ctx));
        Status::DriverAborted
    }

    /// Blocks until the driver is stopped or aborted; answers the final status. Never call it
    /// from a callback (or any libprocess handler): it would wait for itself.
    pub fn join(&self) -> Status {
        let mut state = self.shared.state.lock();
        if state.status == Status::DriverNotStarted {
            return state.status;
        }
        while !state.finished {
            self.shared.changed.wait(&mut state);
        }
        state.status
    }

    /// [`start`](SchedulerDriver::start) then [`join`](SchedulerDriver::join).
    pub fn run(&self) -> Status {
        let status = self.start();
        if status != Status::DriverRunning {
            return status;
        }
        self.join()
    }

    /// Runs `call` on the process if the driver is running.
    fn call(
        &self,
        call: impl FnOnce(&mut SchedulerProcess, &mut libprocess::Context<SchedulerProcess>)
        + Send
        + 'static,
    ) -> Status {
        let status = self.status();
        if status != Status::DriverRunning {
            return status;
        }
        self.process.run(call);
        Status::DriverRunning
    }

    /// Launches `tasks` on the resources of `offer_ids` (one LAUNCH operation); what they do
    /// not use goes back with `filters`. No tasks declines the offers.
    pub fn launch_tasks(
        &self,
        offer_ids: &[OfferId],
        tasks: Vec<TaskInfo>,
        filters: Filters,
    ) -> Status {
        let operation = Operation {
            r#type: Some(operation::Type::Launch as i32),
            launch: Some(operation::Launch { task_infos: tasks }),
            ..Operation::default()
        };
        self.accept_offers(offer_ids, vec![operation], filters)
    }

    /// Applies `operations` (LAUNCH, LAUNCH_GROUP, ...) to the resources of `offer_ids`.
    pub fn accept_offers(
        &self,
        offer_ids: &[OfferId],
        operations: Vec<Operation>,
        filters: Filters,
    ) -> Status {
        let offer_ids = offer_ids.to_vec();
        self.call(move |process, ctx| process.accept_offers(ctx, offer_ids, operations, filters))
    }

    /// Gives an offer back; `filters` says how long not to offer its resources again.
    pub fn decline_offer(&self, offer_id: &OfferId, filters: Filters) -> Status {
        let offer_id = offer_id.clone();
        self.call(move |process, ctx| process.decline_offer(ctx, offer_id, filters))
    }

    /// Asks for offers again: clears the filters of `roles` (every role when empty) and
    /// unsuppresses them.
    pub fn revive_offers(&self, roles: &[String]) -> Status {
        let roles = roles.to_vec();
        self.call(move |process, ctx| process.revive_offers(ctx, roles))
    }

    /// Stops offers to `roles` (every role when empty) until revived.
    pub fn suppress_offers(&self, roles: &[String]) -> Status {
        let roles = roles.to_vec();
        self.call(move |process, ctx| process.suppress_offers(ctx, roles))
    }

    /// Kills a task; its end comes as a status update.
    pub fn kill_task(&self, task_id: &TaskId) -> Status {
        let task_id = task_id.clone();
        self.call(move |process, ctx| process.kill_task(ctx, task_id))
    }

    /// Acknowledges a status update (only with explicit acknowledgements; statuses without
    /// a `uuid` need none).
    pub fn acknowledge_status_update(&self, status: &TaskStatus) -> Status {
        let status = status.clone();
        self.call(move |process, ctx| process.acknowledge(ctx, status))
    }

    /// Asks for the latest state of `statuses`' tasks (their `task_id` and `slave_id`), or
    /// of every task the master knows of the framework when empty; answers come as status
    /// updates.
    pub fn reconcile_tasks(&self, statuses: &[TaskStatus]) -> Status {
        let statuses = statuses.to_vec();
        self.call(move |process, ctx| process.reconcile(ctx, statuses))
    }

    /// Sends `data` to an executor (best effort). A v0 driver sends it straight to the
    /// agent when it knows the agent's pid from an offer.
    pub fn send_framework_message(
        &self,
        executor_id: &ExecutorId,
        agent_id: &SlaveId,
        data: Vec<u8>,
    ) -> Status {
        let (executor_id, agent_id) = (executor_id.clone(), agent_id.clone());
        self.call(move |process, ctx| process.framework_message(ctx, executor_id, agent_id, data))
    }

    /// Passes resource requests to the allocator (Mesos's allocator ignores them).
    pub fn request_resources(&self, requests: Vec<Request>) -> Status {
        self.call(move |process, ctx| process.request(ctx, requests))
    }
}

/// Mesos's `fillMissingFrameworkInfoFields`: the current user and this host's name.
fn fill_missing_framework_fields(framework: &mut FrameworkInfo) {
    if framework.user.is_empty() {
        framework.user = nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
            .map(|user| user.name)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_default();
    }
    if framework.hostname.as_deref().unwrap_or_default().is_empty()
        && let Ok(hostname) = nix::unistd::gethostname()
    {
        framework.hostname = Some(hostname.to_string_lossy().into_owned());
    }
}
