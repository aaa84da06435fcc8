//! `mesos-execute` (Mesos's src/cli/execute.cpp): runs one command task (`--name`,
//! `--command`, `--resources`, `--env`, `--shell`), a task given as JSON (`--task`), or a
//! task group (`--task_group`, launched with LAUNCH_GROUP on the default executor) on the
//! first offer that fits; prints every status update as it arrives, optionally kills the
//! task `--kill_after` it runs, and stops (tearing the framework down) once every task has
//! ended. Unlike upstream, which always exits 0, the outcome tells whether every task
//! finished (exit 0) or not (exit 1).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use clap::{ArgAction, Parser};
use common::flags::MesosDuration;
use libprocess::{Context, Pid, Process, Runtime};
use parking_lot::Mutex;
use proto::{
    convert::Devolve,
    v0::{
        CommandInfo, Environment, ExecutorId, ExecutorInfo, Filters, FrameworkId, FrameworkInfo,
        MasterInfo, Offer, TaskGroupInfo, TaskId, TaskInfo, TaskState, TaskStatus,
        environment::Variable,
        executor_info,
        framework_info::capability::Type,
        offer::{Operation, operation},
    },
};
use resources::{Resources, Role};

use super::{Output, capabilities, parse_protocol, parse_resources, parse_role, take};
use crate::{DriverConfig, Protocol, Scheduler, SchedulerDriver, Status};

/// What the default executor of a task group takes (upstream's choice).
pub const DEFAULT_EXECUTOR_RESOURCES: &str = "cpus:0.1;mem:32;disk:32";
/// The default executor's id.
pub const DEFAULT_EXECUTOR_ID: &str = "default-executor";

/// `mesos-execute`'s flags (also read from `MESOS_<FLAG>` variables).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "mesos-execute",
    about = "Runs a command, a task or a task group on a Mesos cluster, printing its status \
             updates; exits 0 once every task finished, 1 otherwise."
)]
pub struct ExecuteFlags {
    /// The master: `host:port`, `master@host:port` or `file:///path`.
    #[arg(long = "master", required = true)]
    pub master: String,
    /// The task's name (and id) for a command task.
    #[arg(long = "name")]
    pub name: Option<String>,
    /// The command to run.
    #[arg(long = "command")]
    pub command: Option<String>,
    /// Run `--command` with `sh -c` (`--no-shell`: as an executable without arguments).
    #[arg(long = "shell", num_args = 0..=1, default_missing_value = "true",
          default_value = "true", action = ArgAction::Set)]
    pub shell: bool,
    /// The command's environment: a JSON object of names to values, or a path
    /// (`/path` or `file:///path`) to one.
    #[arg(long = "env")]
    pub env: Option<String>,
    /// What the command task takes.
    #[arg(long = "resources", default_value = "cpus:1;mem:128", value_parser = parse_resources)]
    pub resources: Resources,
    /// A `TaskInfo` as JSON (or a path to it); `agent_id` need not be set.
    #[arg(long = "task")]
    pub task: Option<String>,
    /// A `TaskGroupInfo` as JSON (or a path to it), run by the default executor.
    #[arg(long = "task_group")]
    pub task_group: Option<String>,
    /// The framework's name.
    #[arg(long = "framework_name", default_value = "mesos-execute instance")]
    pub framework_name: String,
    /// The role to register with.
    #[arg(long = "role", default_value = "*", value_parser = parse_role)]
    pub role: Role,
    /// The framework's principal.
    #[arg(long = "principal")]
    pub principal: Option<String>,
    /// Checkpoint the framework (its tasks survive an agent restart).
    #[arg(long = "checkpoint", num_args = 0..=1, default_missing_value = "true",
          default_value = "false", action = ArgAction::Set)]
    pub checkpoint: bool,
    /// Make the framework PARTITION_AWARE.
    #[arg(long = "partition_aware", num_args = 0..=1, default_missing_value = "true",
          default_value = "false", action = ArgAction::Set)]
    pub partition_aware: bool,
    /// Kill the task this long after it is running (`10secs`, `2mins`, ...).
    #[arg(long = "kill_after")]
    pub kill_after: Option<MesosDuration>,
    /// How to talk to the master: `v1` (protobuf), `v1+json` or `v0`.
    #[arg(long = "protocol", default_value = "v1", value_parser = parse_protocol)]
    pub protocol: Protocol,
}

/// What to launch.
#[derive(Debug, Clone, PartialEq)]
pub enum Launch {
    /// One task (LAUNCH; a command task runs on the command executor).
    Task(Box<TaskInfo>),
    /// A task group (LAUNCH_GROUP on the default executor).
    Group(TaskGroupInfo),
}

impl Launch {
    fn tasks(&self) -> Vec<&TaskInfo> {
        match self {
            Launch::Task(task) => vec![&**task],
            Launch::Group(group) => group.tasks.iter().collect(),
        }
    }
}

/// A JSON flag's text: inline, or read from `/path` or `file:///path`.
fn json_text(flag: &str, value: &str) -> Result<String, String> {
    if value.starts_with('/') || value.starts_with("file://") {
        let path = value.strip_prefix("file://").unwrap_or(value);
        std::fs::read_to_string(path)
            .map_err(|error| format!("--{flag}: cannot read '{path}': {error}"))
    } else {
        Ok(value.to_string())
    }
}

impl ExecuteFlags {
    /// What the flags ask to launch, checked as upstream checks them.
    ///
    /// # Errors
    /// Conflicting or missing flags, or a value that does not parse, named by its flag.
    pub fn launch(&self) -> Result<Launch, String> {
        match (&self.task, &self.task_group) {
            (Some(_), Some(_)) => {
                return Err("either --task or --task_group may be set, not both".into());
            }
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => {
                if self.name.is_some() || self.command.is_some() || self.env.is_some() {
                    return Err("--name, --command and --env can only be set when neither \
                                --task nor --task_group is"
                        .into());
                }
            }
        }
        if let Some(task) = &self.task {
            let text = json_text("task", task)?;
            let task: proto::v1::TaskInfo =
                proto::json::from_str(&text).map_err(|error| format!("--task: {error}"))?;
            return Ok(Launch::Task(Box::new(task.devolve())));
        }
        if let Some(group) = &self.task_group {
            let text = json_text("task_group", group)?;
            let group: proto::v1::TaskGroupInfo =
                proto::json::from_str(&text).map_err(|error| format!("--task_group: {error}"))?;
            if group.tasks.is_empty() {
                return Err("--task_group: the group has no tasks".into());
            }
            return Ok(Launch::Group(group.devolve()));
        }
        let name = self.name.clone().ok_or("missing required option --name")?;
        if self.shell && self.command.is_none() {
            return Err("missing required option --command".into());
        }
        let environment = match &self.env {
            None => None,
            Some(env) => {
                let text = json_text("env", env)?;
                let variables: BTreeMap<String, String> =
                    serde_json::from_str(&text).map_err(|error| {
                        format!("--env: expected a JSON object of strings: {error}")
                    })?;
                Some(Environment {
                    variables: variables
                        .into_iter()
                        .map(|(name, value)| Variable {
                            name,
                            value: Some(value),
                            ..Variable::default()
                        })
                        .collect(),
                })
            }
        };
        Ok(Launch::Task(Box::new(TaskInfo {
            name: name.clone(),
            task_id: TaskId { value: name },
            resources: self.resources.to_proto_v0(),
            command: Some(CommandInfo {
                shell: Some(self.shell),
                value: self.command.clone(),
                environment,
                ..CommandInfo::default()
            }),
            ..TaskInfo::default()
        })))
    }

    /// The framework these flags describe.
    pub fn framework(&self) -> FrameworkInfo {
        let mut types = vec![
            Type::MultiRole,
            Type::ReservationRefinement,
            Type::TaskKillingState,
            Type::RevocableResources,
        ];
        if self.partition_aware {
            types.push(Type::PartitionAware);
        }
        FrameworkInfo {
            name: self.framework_name.clone(),
            roles: vec![self.role.to_string()],
            principal: self.principal.clone(),
            checkpoint: Some(self.checkpoint),
            capabilities: capabilities(&types),
            ..FrameworkInfo::default()
        }
    }

    /// The driver configuration these flags ask for.
    pub fn driver_config(&self) -> DriverConfig {
        let mut config = DriverConfig::new(self.framework());
        config.protocol = self.protocol;
        config
    }
}

/// How the run ended, once it has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The last state of each task, by task id.
    pub states: BTreeMap<String, TaskState>,
    /// Every task has reached a terminal state.
    pub done: bool,
    /// The error from the master that ended the run, if any.
    pub error: Option<String>,
}

impl Outcome {
    /// Every task finished and no error came.
    pub fn succeeded(&self) -> bool {
        self.done
            && self.error.is_none()
            && self
                .states
                .values()
                .all(|state| *state == TaskState::TaskFinished)
    }
}

/// Runs the `--kill_after` timers on the runtime's clock.
struct Timers;

impl Process for Timers {}

/// `mesos-execute`'s scheduler.
pub struct ExecuteScheduler {
    launch: Launch,
    role: Role,
    kill_after: Option<Duration>,
    framework_id: Option<FrameworkId>,
    launched: bool,
    timers: Pid<Timers>,
    outcome: Arc<Mutex<Outcome>>,
    output: Output,
}

impl ExecuteScheduler {
    /// A scheduler launching `launch` in `role`, printing to `output`; the shared outcome
    /// tells how the run went.
    ///
    /// # Errors
    /// The runtime is shutting down.
    pub fn new(
        runtime: &Runtime,
        launch: Launch,
        role: Role,
        kill_after: Option<Duration>,
        output: Output,
    ) -> Result<(ExecuteScheduler, Arc<Mutex<Outcome>>), String> {
        let timers = runtime
            .spawn(runtime.generate_id("mesos-execute-timers"), Timers)
            .map_err(|error| error.to_string())?;
        let outcome = Arc::new(Mutex::new(Outcome::default()));
        let scheduler = ExecuteScheduler {
            launch,
            role,
            kill_after,
            framework_id: None,
            launched: false,
            timers,
            outcome: outcome.clone(),
            output,
        };
        Ok((scheduler, outcome))
    }

    /// The operation that launches everything on `offer`, or `None` if it does not fit.
    fn operation(&self, offer: &Offer) -> Option<Operation> {
        let mut remaining = Resources::from_proto_v0(&offer.resources).ok()?;
        let mut tasks = Vec::new();
        for task in self.launch.tasks() {
            let wanted = Resources::from_proto_v0(&task.resources).ok()?;
            let resources = take(&remaining, &wanted, &self.role)?;
            remaining -= &resources;
            let mut task = task.clone();
            task.slave_id = offer.slave_id.clone();
            task.resources = resources.to_proto_v0();
            tasks.push(task);
        }
        Some(match &self.launch {
            Launch::Task(_) => Operation {
                r#type: Some(operation::Type::Launch as i32),
                launch: Some(operation::Launch { task_infos: tasks }),
                ..Operation::default()
            },
            Launch::Group(_) => {
                let wanted = Resources::parse_unreserved(DEFAULT_EXECUTOR_RESOURCES)
                    .expect("DEFAULT_EXECUTOR_RESOURCES parses");
                let executor_resources = take(&remaining, &wanted, &self.role)?;
                let executor = ExecutorInfo {
                    r#type: Some(executor_info::Type::Default as i32),
                    executor_id: ExecutorId {
                        value: DEFAULT_EXECUTOR_ID.into(),
                    },
                    framework_id: self.framework_id.clone(),
                    resources: executor_resources.to_proto_v0(),
                    ..ExecutorInfo::default()
                };
                Operation {
                    r#type: Some(operation::Type::LaunchGroup as i32),
                    launch_group: Some(operation::LaunchGroup {
                        executor,
                        task_group: TaskGroupInfo { tasks },
                    }),
                    ..Operation::default()
                }
            }
        })
    }
}

impl Scheduler for ExecuteScheduler {
    fn registered(&mut self, _: &SchedulerDriver, framework_id: &FrameworkId, _: &MasterInfo) {
        self.output
            .line(format!("Subscribed with ID {}", framework_id.value));
        self.framework_id = Some(framework_id.clone());
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            let operation = if self.launched {
                None
            } else {
                self.operation(offer)
            };
            let Some(operation) = operation else {
                driver.decline_offer(&offer.id, Filters::default());
                if self.launched {
                    driver.suppress_offers(&[]);
                }
                continue;
            };
            driver.accept_offers(
                std::slice::from_ref(&offer.id),
                vec![operation],
                Filters::default(),
            );
            self.launched = true;
            let ids: Vec<&str> = self
                .launch
                .tasks()
                .into_iter()
                .map(|task| task.task_id.value.as_str())
                .collect();
            match &self.launch {
                Launch::Task(task) => self.output.line(format!(
                    "Submitted task '{}' to agent '{}'",
                    task.name, offer.slave_id.value
                )),
                Launch::Group(_) => self.output.line(format!(
                    "Submitted task group with tasks [ {} ] to agent '{}'",
                    ids.join(", "),
                    offer.slave_id.value
                )),
            }
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let state = status.state();
        self.output.line(format!(
            "Received status update {} for task '{}'",
            state.as_str_name(),
            status.task_id.value
        ));
        if let Some(message) = &status.message {
            self.output.line(format!("  message: '{message}'"));
        }
        if status.source.is_some() {
            self.output
                .line(format!("  source: {}", status.source().as_str_name()));
        }
        if status.reason.is_some() {
            self.output
                .line(format!("  reason: {}", status.reason().as_str_name()));
        }
        if let Some(healthy) = status.healthy {
            self.output.line(format!("  healthy?: {healthy}"));
        }

        if let (Some(after), TaskState::TaskRunning) = (self.kill_after, state) {
            let (driver, output) = (driver.clone(), self.output.clone());
            let task_id = status.task_id.clone();
            let agent = status
                .slave_id
                .as_ref()
                .map(|agent| agent.value.clone())
                .unwrap_or_default();
            self.timers.run(move |_, ctx: &mut Context<Timers>| {
                ctx.delay(after, move |_, _| {
                    output.line(format!(
                        "Asked to kill task '{}' on agent '{agent}'",
                        task_id.value
                    ));
                    driver.kill_task(&task_id);
                });
            });
        }

        let done = {
            let mut outcome = self.outcome.lock();
            outcome.states.insert(status.task_id.value.clone(), state);
            let tasks = self.launch.tasks();
            outcome.done = tasks.iter().all(|task| {
                outcome
                    .states
                    .get(&task.task_id.value)
                    .is_some_and(|state| state.is_terminal())
            });
            outcome.done
        };
        if done {
            driver.stop(false);
        }
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        self.output
            .line(format!("Received an ERROR event: {message}"));
        self.outcome.lock().error = Some(message.to_string());
    }
}

/// Runs `mesos-execute` on `runtime` until every task has ended or the master refuses the
/// framework.
///
/// # Errors
/// A flag is missing, conflicting or unparsable, or `--master` names no master.
pub fn run(flags: &ExecuteFlags, runtime: &Runtime, output: Output) -> Result<Outcome, String> {
    let launch = flags.launch()?;
    let (scheduler, outcome) = ExecuteScheduler::new(
        runtime,
        launch,
        flags.role.clone(),
        flags.kill_after.map(|after| after.0),
        output,
    )?;
    let driver = SchedulerDriver::new(runtime, scheduler, flags.driver_config(), &flags.master)
        .map_err(|error| format!("--master: {error}"))?;
    let status = driver.run();
    let mut outcome = outcome.lock().clone();
    if status != Status::DriverStopped && outcome.error.is_none() {
        outcome.error = Some(format!("the driver ended {}", status.as_str_name()));
    }
    Ok(outcome)
}
