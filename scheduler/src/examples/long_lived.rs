//! `long-lived-framework` (Mesos's src/examples/long_lived_framework.cpp): keeps
//! `--num_tasks` long-running tasks up, at most one per agent, and launches a new one
//! whenever one ends (whatever the reason: failed, killed, lost with its agent, even
//! finished). Upstream runs its own multi-task `long-lived-executor`; ours runs each task as
//! a command (`--command`, default `sleep 3600`) through the agent's command executor.
//!
//! Offers it cannot use are declined for ten minutes (as upstream); when a task ends or
//! an agent is lost it revives offers to find a place for the replacement.

use std::{collections::BTreeMap, sync::Arc};

use clap::Parser;
use libprocess::Runtime;
use parking_lot::Mutex;
use proto::v0::{
    CommandInfo, Filters, FrameworkId, MasterInfo, Offer, SlaveId, TaskId, TaskInfo, TaskState,
    TaskStatus, task_status::Reason,
};
use resources::{Resources, Role};

use super::{ExampleFlags, Output, parse_resources, take};
use crate::{DriverConfig, Scheduler, SchedulerDriver, Status};

/// The framework's name.
pub const FRAMEWORK_NAME: &str = "Long Lived Framework (Rust)";
/// How long an unusable offer is declined for (upstream's `refuse_seconds`).
pub const DECLINE_SECONDS: f64 = 600.0;

/// `long-lived-framework`'s flags (also read from `MESOS_EXAMPLE_<FLAG>` variables).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "long-lived-framework",
    about = "Keeps --num_tasks long-running tasks up (at most one per agent) and relaunches \
             each that ends; runs until interrupted or the master refuses the framework."
)]
pub struct LongLivedFlags {
    /// The flags every example takes.
    #[command(flatten)]
    pub example: ExampleFlags,
    /// How many tasks to keep running (one per agent, so at most the number of agents).
    #[arg(long = "num_tasks", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub num_tasks: u32,
    /// The shell command each task runs.
    #[arg(long = "command", default_value = "sleep 3600")]
    pub command: String,
    /// What each task takes.
    #[arg(long = "resources", default_value = "cpus:0.1;mem:32", value_parser = parse_resources)]
    pub resources: Resources,
}

impl LongLivedFlags {
    /// The driver configuration these flags ask for.
    pub fn driver_config(&self) -> DriverConfig {
        let mut config = DriverConfig::new(self.example.framework(FRAMEWORK_NAME));
        config.protocol = self.example.protocol;
        config
    }
}

/// What the framework has done so far (upstream's metrics, and the tasks it keeps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Offers received.
    pub offers_received: u64,
    /// Tasks launched, first launches and replacements alike.
    pub tasks_launched: u64,
    /// Tasks that ended other than TASK_FINISHED (launches on invalid offers aside).
    pub abnormal_terminations: u64,
    /// The tasks it believes are up (launched and not ended), by task id: their agent.
    pub running: BTreeMap<String, String>,
    /// The error from the master that ended the run, if any.
    pub error: Option<String>,
}

/// The long-lived framework's scheduler.
pub struct LongLivedScheduler {
    role: Role,
    task_resources: Resources,
    command: String,
    wanted: usize,
    stats: Arc<Mutex<Stats>>,
    output: Output,
}

impl LongLivedScheduler {
    /// A scheduler for `flags`, printing to `output`; the shared stats tell what it did.
    pub fn new(flags: &LongLivedFlags, output: Output) -> (LongLivedScheduler, Arc<Mutex<Stats>>) {
        let stats = Arc::new(Mutex::new(Stats::default()));
        let scheduler = LongLivedScheduler {
            role: flags.example.role.clone(),
            task_resources: flags.resources.clone(),
            command: flags.command.clone(),
            wanted: flags.num_tasks as usize,
            stats: stats.clone(),
            output,
        };
        (scheduler, stats)
    }

    /// The tasks of `agent_id` are gone: forget them and look for room for replacements.
    fn forget_agent(&mut self, driver: &SchedulerDriver, agent_id: &SlaveId) {
        let mut stats = self.stats.lock();
        let before = stats.running.len();
        stats.running.retain(|_, agent| *agent != agent_id.value);
        if stats.running.len() < before {
            driver.revive_offers(&[]);
        }
    }
}

impl Scheduler for LongLivedScheduler {
    fn registered(&mut self, _: &SchedulerDriver, framework_id: &FrameworkId, _: &MasterInfo) {
        self.output
            .line(format!("Subscribed with ID '{}'", framework_id.value));
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        let mut stats = self.stats.lock();
        stats.offers_received += offers.len() as u64;
        for offer in offers {
            let busy = stats
                .running
                .values()
                .any(|agent| *agent == offer.slave_id.value);
            let resources = Resources::from_proto_v0(&offer.resources)
                .ok()
                .and_then(|offered| take(&offered, &self.task_resources, &self.role));
            let (false, true, Some(resources)) =
                (busy, stats.running.len() < self.wanted, resources)
            else {
                let filters = Filters {
                    refuse_seconds: Some(DECLINE_SECONDS),
                };
                driver.decline_offer(&offer.id, filters);
                continue;
            };
            let task_id = stats.tasks_launched.to_string();
            stats.tasks_launched += 1;
            self.output.line(format!(
                "Starting task {task_id} on {}",
                if offer.hostname.is_empty() {
                    &offer.slave_id.value
                } else {
                    &offer.hostname
                }
            ));
            stats
                .running
                .insert(task_id.clone(), offer.slave_id.value.clone());
            let task = TaskInfo {
                name: format!("Task {task_id}"),
                task_id: TaskId { value: task_id },
                slave_id: offer.slave_id.clone(),
                resources: resources.to_proto_v0(),
                command: Some(CommandInfo {
                    shell: Some(true),
                    value: Some(self.command.clone()),
                    ..CommandInfo::default()
                }),
                ..TaskInfo::default()
            };
            driver.launch_tasks(
                std::slice::from_ref(&offer.id),
                vec![task],
                Filters::default(),
            );
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let state = status.state();
        self.output.line(format!(
            "Task {} is in state {}{}",
            status.task_id.value,
            state.as_str_name(),
            status
                .message
                .as_deref()
                .map(|message| format!(" with message: {message}"))
                .unwrap_or_default()
        ));
        if !state.is_terminal() {
            return;
        }
        let mut stats = self.stats.lock();
        if state != TaskState::TaskFinished && status.reason() != Reason::InvalidOffers {
            stats.abnormal_terminations += 1;
        }
        if stats.running.remove(&status.task_id.value).is_some() {
            // Its agent may have room again, or another agent may: ask for offers.
            driver.revive_offers(&[]);
        }
    }

    fn agent_lost(&mut self, driver: &SchedulerDriver, agent_id: &SlaveId) {
        self.output.line(format!("Agent lost: {}", agent_id.value));
        self.forget_agent(driver, agent_id);
    }

    fn executor_lost(
        &mut self,
        _: &SchedulerDriver,
        executor_id: &proto::v0::ExecutorId,
        agent_id: &SlaveId,
        status: i32,
    ) {
        // The task's own terminal update follows; that is what frees its place.
        self.output.line(format!(
            "Executor '{}' lost on agent '{}' with status: {status}",
            executor_id.value, agent_id.value
        ));
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        self.output.line(format!("Error: {message}"));
        self.stats.lock().error = Some(message.to_string());
    }
}

/// Runs the long-lived framework on `runtime` until the driver stops or aborts (an error
/// from the master); answers the driver's final status and what the framework did.
///
/// # Errors
/// `--master` names no master we can find (or the runtime is shutting down).
pub fn run(
    flags: &LongLivedFlags,
    runtime: &Runtime,
    output: Output,
) -> Result<(Status, Stats), String> {
    let (scheduler, stats) = LongLivedScheduler::new(flags, output);
    let driver = SchedulerDriver::new(
        runtime,
        scheduler,
        flags.driver_config(),
        &flags.example.master,
    )
    .map_err(|error| format!("--master: {error}"))?;
    let status = driver.run();
    let stats = stats.lock().clone();
    Ok((status, stats))
}
