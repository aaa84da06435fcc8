//! `test-framework` (Mesos's src/examples/test_framework.cpp): launches `--num_tasks` tasks
//! of `cpus:1;mem:128`, as many per offer as fit, and stops once every one has finished; a
//! task that ends any other way (failed, killed, lost, ...) or an error from the master
//! aborts it. Upstream runs its own `test-executor`; ours runs each task as a command
//! (`--command`, default `echo`) through the agent's command executor (`mesos-executor`).

use std::sync::Arc;

use clap::{ArgAction, Parser};
use libprocess::Runtime;
use parking_lot::Mutex;
use proto::v0::{
    CommandInfo, Filters, FrameworkId, MasterInfo, Offer, TaskId, TaskInfo, TaskState, TaskStatus,
};
use resources::{Resources, Role};

use super::{ExampleFlags, Output, take};
use crate::{DriverConfig, Scheduler, SchedulerDriver, Status};

/// The framework's name.
pub const FRAMEWORK_NAME: &str = "Test Framework (Rust)";
/// What each task takes (Mesos's `CPUS_PER_TASK` and `MEM_PER_TASK`).
pub const TASK_RESOURCES: &str = "cpus:1;mem:128";

/// `test-framework`'s flags (also read from `MESOS_EXAMPLE_<FLAG>` variables, as upstream).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "test-framework",
    about = "Runs --num_tasks tasks (cpus:1;mem:128 each) through the command executor and \
             exits 0 once all have finished, 1 if one ends otherwise or the master refuses \
             the framework."
)]
pub struct TestFrameworkFlags {
    /// The flags every example takes.
    #[command(flatten)]
    pub example: ExampleFlags,
    /// How many tasks to run.
    #[arg(long = "num_tasks", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub num_tasks: u32,
    /// The shell command each task runs.
    #[arg(long = "command", default_value = "echo 'Hello from test-framework'")]
    pub command: String,
    /// Acknowledge status updates from the scheduler rather than the driver (upstream's
    /// `MESOS_EXPLICIT_ACKNOWLEDGEMENTS`).
    #[arg(long = "explicit_acknowledgements", num_args = 0..=1,
          default_missing_value = "true", default_value = "false", action = ArgAction::Set)]
    pub explicit_acknowledgements: bool,
}

impl TestFrameworkFlags {
    /// The driver configuration these flags ask for.
    pub fn driver_config(&self) -> DriverConfig {
        let mut config = DriverConfig::new(self.example.framework(FRAMEWORK_NAME));
        config.protocol = self.example.protocol;
        config.implicit_acknowledgements = !self.explicit_acknowledgements;
        config
    }
}

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Tasks are still to launch or to finish.
    Running,
    /// Every task finished.
    Finished,
    /// A task ended otherwise, or the master sent an error: why.
    Failed(String),
}

/// The test framework's scheduler.
pub struct TestScheduler {
    role: Role,
    task_resources: Resources,
    command: String,
    total: u32,
    launched: u32,
    finished: u32,
    explicit_acknowledgements: bool,
    outcome: Arc<Mutex<Outcome>>,
    output: Output,
}

impl TestScheduler {
    /// A scheduler for `flags`, printing to `output`; the shared outcome tells how the run
    /// went.
    pub fn new(flags: &TestFrameworkFlags, output: Output) -> (TestScheduler, Arc<Mutex<Outcome>>) {
        let outcome = Arc::new(Mutex::new(Outcome::Running));
        let scheduler = TestScheduler {
            role: flags.example.role.clone(),
            task_resources: Resources::parse_unreserved(TASK_RESOURCES)
                .expect("TASK_RESOURCES parses"),
            command: flags.command.clone(),
            total: flags.num_tasks,
            launched: 0,
            finished: 0,
            explicit_acknowledgements: flags.explicit_acknowledgements,
            outcome: outcome.clone(),
            output,
        };
        (scheduler, outcome)
    }

    fn fail(&mut self, driver: &SchedulerDriver, why: String) {
        self.output.line(&why);
        let mut outcome = self.outcome.lock();
        if *outcome == Outcome::Running {
            *outcome = Outcome::Failed(why);
        }
        drop(outcome);
        driver.abort();
    }
}

impl Scheduler for TestScheduler {
    fn registered(&mut self, _: &SchedulerDriver, framework_id: &FrameworkId, _: &MasterInfo) {
        self.output.line(format!(
            "Registered with framework ID {}",
            framework_id.value
        ));
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            let mut remaining = match Resources::from_proto_v0(&offer.resources) {
                Ok(resources) => resources,
                Err(error) => {
                    self.output
                        .line(format!("Declining offer {}: {error}", offer.id.value));
                    driver.decline_offer(&offer.id, Filters::default());
                    continue;
                }
            };
            self.output.line(format!(
                "Received offer {} with {remaining}",
                offer.id.value
            ));
            let mut tasks = Vec::new();
            while self.launched < self.total {
                let Some(resources) = take(&remaining, &self.task_resources, &self.role) else {
                    break;
                };
                remaining -= &resources;
                let task_id = self.launched.to_string();
                self.launched += 1;
                self.output.line(format!(
                    "Launching task {task_id} using offer {}",
                    offer.id.value
                ));
                tasks.push(TaskInfo {
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
                });
            }
            // No tasks declines the offer.
            driver.launch_tasks(std::slice::from_ref(&offer.id), tasks, Filters::default());
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let state = status.state();
        self.output.line(format!(
            "Task {} is in state {}",
            status.task_id.value,
            state.as_str_name()
        ));
        if state == TaskState::TaskFinished {
            self.finished += 1;
        } else if state.is_terminal() {
            self.fail(
                driver,
                format!(
                    "Aborting because task {} is in unexpected state {} with reason {} from \
                     source {} with message '{}'",
                    status.task_id.value,
                    state.as_str_name(),
                    status.reason().as_str_name(),
                    status.source().as_str_name(),
                    status.message(),
                ),
            );
            return;
        }
        if self.explicit_acknowledgements {
            driver.acknowledge_status_update(status);
        }
        if self.finished == self.total {
            *self.outcome.lock() = Outcome::Finished;
            self.output.line("All tasks finished");
            driver.stop(false);
        }
    }

    fn error(&mut self, driver: &SchedulerDriver, message: &str) {
        self.fail(driver, format!("Error from the master: {message}"));
    }
}

/// Runs the test framework on `runtime` against `--master` until it stops or aborts.
///
/// # Errors
/// `--master` names no master we can find (or the runtime is shutting down).
pub fn run(
    flags: &TestFrameworkFlags,
    runtime: &Runtime,
    output: Output,
) -> Result<Outcome, String> {
    let (scheduler, outcome) = TestScheduler::new(flags, output);
    let driver = SchedulerDriver::new(
        runtime,
        scheduler,
        flags.driver_config(),
        &flags.example.master,
    )
    .map_err(|error| format!("--master: {error}"))?;
    let status = driver.run();
    let outcome = outcome.lock().clone();
    Ok(match (status, outcome) {
        (Status::DriverStopped, Outcome::Finished) => Outcome::Finished,
        (_, Outcome::Failed(why)) => Outcome::Failed(why),
        (status, _) => Outcome::Failed(format!("the driver ended {}", status.as_str_name())),
    })
}
