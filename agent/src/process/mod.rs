//! The agent process (`slave(N)`): a thin shell of message, HTTP and timer handlers around the
//! books and the status update manager. Each concern has its own file:
//! [`registration`](self) (finding the master, registering, pings), tasks (run, kill),
//! executors (launch, subscribe, exit, shutdown), status (updates and acknowledgements),
//! frameworks (shutdown, messages), and the HTTP endpoints in `crate::http`.

mod default_executor;
mod executors;
mod frameworks;
mod registration;
mod status;
mod subscribe;
mod tasks;

pub(crate) use status::UpdateOrigin;

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use containerizer::Containerizer;
use detector::MasterDetector;
use libprocess::{Context, Handle, Pid, Process, Runtime, SpawnError, TimerId, Upid};
use proto::{
    internal::{
        FrameworkToExecutorMessage, KillTaskMessage, PingSlaveMessage, RunTaskGroupMessage,
        RunTaskMessage, ShutdownExecutorMessage, ShutdownFrameworkMessage, ShutdownMessage,
        SlaveRegisteredMessage, SlaveReregisteredMessage, StatusUpdateAcknowledgementMessage,
        UpdateFrameworkMessage,
    },
    v0::{SlaveInfo, slave_info},
    v1,
};

use crate::{
    books::Books,
    command_executor::MESOS_EXECUTOR,
    ids::RandomSource,
    metrics::AgentMetrics,
    options::{AGENT_CAPABILITIES, AgentOptions},
    status_update_manager::StatusUpdateManager,
};

/// Where the agent is with its master (Mesos's `Slave::State`, without recovery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    /// Not registered: looking for a master or registering with it.
    Disconnected,
    /// Registered with the master.
    Running,
    /// Shutting down: executors are going away.
    Terminating,
}

/// Why the agent could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The work directory could not be created.
    #[error("Failed to create the work directory '{path}': {error}")]
    WorkDir {
        /// The directory.
        path: PathBuf,
        /// The IO error.
        error: std::io::Error,
    },
    /// The process could not be spawned.
    #[error("Failed to start the agent process: {0}")]
    Spawn(#[from] SpawnError),
}

/// The Mesos agent as a libprocess process; see the crate documentation.
pub struct Agent {
    pub(crate) options: AgentOptions,
    pub(crate) containerizer: Arc<dyn Containerizer>,
    pub(crate) detector: Arc<dyn MasterDetector>,
    /// What the agent tells the master about itself; `id` once registered.
    pub(crate) info: SlaveInfo,
    pub(crate) state: AgentState,
    /// The leading master, once detected.
    pub(crate) master: Option<Upid>,
    pub(crate) master_ping_timeout: Duration,
    pub(crate) registration_timer: Option<TimerId>,
    pub(crate) ping_timer: Option<TimerId>,
    pub(crate) books: Books,
    pub(crate) status_updates: StatusUpdateManager,
    pub(crate) random: RandomSource,
    pub(crate) resource_version: Vec<u8>,
    pub(crate) start_time: SystemTime,
    pub(crate) next_subscription: u64,
    /// `launcher_dir/mesos-executor` resolved, or why it could not be.
    pub(crate) executor_program: Result<PathBuf, String>,
    /// `launcher_dir/mesos-default-executor` resolved, or why it could not be.
    pub(crate) default_executor_program: Result<PathBuf, String>,
    pub(crate) metrics: Option<AgentMetrics>,
    /// The `files` process serving sandboxes (see `crate::sandboxes`).
    pub(crate) files: Option<libprocess::Pid<crate::files::FilesProcess>>,
    /// Sandbox garbage collection (see `crate::gc`).
    pub(crate) gc: crate::gc::GarbageCollector,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("state", &self.state)
            .field("master", &self.master)
            .field("frameworks", &self.books.frameworks.len())
            .finish_non_exhaustive()
    }
}

/// The default interval between the master's pings times the misses it tolerates (Mesos's
/// `DEFAULT_MASTER_PING_TIMEOUT`: 15 s x 5), until the master says otherwise.
pub const DEFAULT_MASTER_PING_TIMEOUT: Duration = Duration::from_secs(75);

impl Agent {
    /// An agent with `options`, running executors through `containerizer` and following the
    /// master `detector` names. Creates the work directory.
    pub fn new(
        options: AgentOptions,
        containerizer: Arc<dyn Containerizer>,
        detector: Arc<dyn MasterDetector>,
    ) -> Result<Agent, AgentError> {
        std::fs::create_dir_all(&options.work_dir).map_err(|error| AgentError::WorkDir {
            path: options.work_dir.clone(),
            error,
        })?;
        let executor_program = std::fs::canonicalize(options.launcher_dir.join(MESOS_EXECUTOR))
            .map_err(|error| error.to_string());
        let default_executor_program = default_executor::locate(&options.launcher_dir);
        let mut random = RandomSource::new(options.seed);
        let resource_version = random.uuid_bytes().to_vec();
        let info = SlaveInfo {
            hostname: options.hostname.clone(),
            resources: options.resources.to_proto_v0(),
            attributes: options.attributes.clone(),
            checkpoint: Some(true),
            ..Default::default()
        };
        Ok(Agent {
            options,
            containerizer,
            detector,
            info,
            state: AgentState::Disconnected,
            master: None,
            master_ping_timeout: DEFAULT_MASTER_PING_TIMEOUT,
            registration_timer: None,
            ping_timer: None,
            books: Books::default(),
            status_updates: StatusUpdateManager::new(),
            random,
            resource_version,
            start_time: UNIX_EPOCH,
            next_subscription: 0,
            executor_program,
            default_executor_program,
            metrics: None,
            files: None,
            gc: crate::gc::GarbageCollector::default(),
        })
    }

    /// Spawns the agent on `runtime` as `slave(N)`.
    pub fn spawn(self, runtime: &Runtime) -> Result<Pid<Agent>, SpawnError> {
        runtime.spawn(runtime.generate_id("slave"), self)
    }

    /// This agent's id, or `""` before the first registration.
    pub(crate) fn agent_id(&self) -> &str {
        self.info.id.as_ref().map_or("", |id| id.value.as_str())
    }

    /// The clock's time in seconds since the epoch (for timestamps).
    pub(crate) fn now_secs(ctx: &Context<Self>) -> f64 {
        ctx.runtime()
            .clock()
            .now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64()
    }

    /// The agent's info in the v1 API's form (for executors' SUBSCRIBED).
    pub(crate) fn agent_info_v1(&self) -> v1::AgentInfo {
        proto::convert::evolve(&self.info)
    }

    /// The capabilities the agent registers with.
    pub(crate) fn capabilities() -> Vec<slave_info::Capability> {
        AGENT_CAPABILITIES
            .iter()
            .map(|capability| slave_info::Capability {
                r#type: Some(*capability as i32),
            })
            .collect()
    }

    /// Whether a message comes from the master the agent follows; logs a drop otherwise.
    pub(crate) fn is_from_master(&self, from: &Upid, what: &str) -> bool {
        if self.master.as_ref() == Some(from) {
            return true;
        }
        tracing::warn!(
            %from,
            master = ?self.master,
            "ignoring {what} message because it is not from the expected master"
        );
        false
    }
}

/// Asks the agent to go away cleanly (the binary sends it on SIGINT/SIGTERM): it
/// unregisters from the master, shuts every executor down (destroying its container after
/// the grace period) and then terminates. Agent recovery is roadmap, so nothing is left
/// running for a later agent to find.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shutdown;

impl Handle<Shutdown> for Agent {
    type Reply = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        tracing::info!("asked to shut down");
        self.terminate_agent(ctx);
        self.refresh_metrics();
    }
}

impl Process for Agent {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        self.start_time = ctx.runtime().clock().now();
        self.info.port = Some(i32::from(ctx.self_pid().address().port()));
        self.metrics = Some(AgentMetrics::register(ctx.runtime(), self.start_time));
        tracing::info!(
            pid = %ctx.self_pid(),
            resources = %self.options.resources,
            hostname = %self.info.hostname,
            "agent started"
        );
        if let Err(error) = &self.executor_program {
            tracing::warn!(
                launcher_dir = %self.options.launcher_dir.display(),
                %error,
                "mesos-executor not found: command tasks will fail"
            );
        }

        ctx.install_protobuf(
            |agent: &mut Self, ctx, from, message: SlaveRegisteredMessage| {
                agent.registered(ctx, &from, message);
                agent.refresh_metrics();
            },
        );
        ctx.install_protobuf(
            |agent: &mut Self, ctx, from, message: SlaveReregisteredMessage| {
                agent.reregistered(ctx, &from, message);
                agent.refresh_metrics();
            },
        );
        ctx.install_protobuf(|agent: &mut Self, ctx, from, message: PingSlaveMessage| {
            agent.ping(ctx, &from, message.connected);
        });
        ctx.install_protobuf(|agent: &mut Self, ctx, from, message: RunTaskMessage| {
            agent.run_task(ctx, &from, message);
            agent.refresh_metrics();
        });
        ctx.install_protobuf(
            |agent: &mut Self, ctx, from, message: RunTaskGroupMessage| {
                agent.run_task_group(ctx, &from, message);
                agent.refresh_metrics();
            },
        );
        ctx.install_protobuf(|agent: &mut Self, ctx, from, message: KillTaskMessage| {
            agent.kill_task(ctx, &from, message);
            agent.refresh_metrics();
        });
        ctx.install_protobuf(
            |agent: &mut Self, ctx, from, message: ShutdownExecutorMessage| {
                agent.shutdown_executor_message(ctx, &from, message);
                agent.refresh_metrics();
            },
        );
        ctx.install_protobuf(
            |agent: &mut Self, ctx, from, message: ShutdownFrameworkMessage| {
                agent.shutdown_framework(ctx, &from, &message.framework_id.value);
                agent.refresh_metrics();
            },
        );
        ctx.install_protobuf(
            |agent: &mut Self, ctx, from, message: FrameworkToExecutorMessage| {
                agent.framework_message(ctx, &from, message);
            },
        );
        ctx.install_protobuf(
            |agent: &mut Self, ctx, from, message: UpdateFrameworkMessage| {
                agent.update_framework(ctx, &from, message);
            },
        );
        ctx.install_protobuf(
            |agent: &mut Self, ctx, from, message: StatusUpdateAcknowledgementMessage| {
                agent.acknowledgement(ctx, &from, message);
                agent.refresh_metrics();
            },
        );
        ctx.install_protobuf(|agent: &mut Self, ctx, from, message: ShutdownMessage| {
            agent.shutdown_message(ctx, &from, message);
            agent.refresh_metrics();
        });
        crate::http::install_routes(ctx);
        self.start_sandboxes(ctx);

        // Recover the containerizer first, as Mesos does; then look for the master.
        ctx.then(
            self.containerizer.recover(),
            |agent: &mut Self, ctx, result| {
                if let Err(error) = result {
                    tracing::error!(%error, "containerizer recovery failed; continuing");
                }
                agent.watch_master(ctx, None);
            },
        );
        self.refresh_metrics();
    }

    fn finalize(&mut self, ctx: &mut Context<Self>) {
        self.stop_sandboxes(ctx);
    }

    fn exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        self.master_exited(ctx, pid);
    }
}
