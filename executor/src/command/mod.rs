//! Mesos's command executor (`mesos-executor`, src/launcher/executor.cpp): runs the one task
//! it is given, reports TASK_STARTING, TASK_RUNNING and then how the command ended, kills it
//! with its kill policy's grace period, and exits once the agent has acknowledged the
//! terminal update.
//!
//! It is a libprocess process driving an [`Executor`], so it runs the same over real HTTP
//! (the `mesos-executor` binary) and in-process (tests), with real task processes either
//! way.

mod flags;
mod task;

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use libprocess::{Context, Future, Pid, Process, Promise, Runtime, SpawnError, TimerId};
use nix::sys::signal::Signal;
use proto::v1::{
    CommandInfo, ExecutorId, FrameworkInfo, KillPolicy, TaskId, TaskInfo, TaskState, TaskStatus,
    executor::event, framework_info::capability::Type as Capability, task_status::Reason,
};

use common::wait_status;

use crate::{Executor, ExecutorEvent, ExecutorSettings, Transport};
pub use flags::Flags;
pub use task::TaskEnvironment;

/// The kill grace period when neither the KILL event nor the task has a kill policy (Mesos
/// keeps 3 s for backwards compatibility).
pub const DEFAULT_KILL_GRACE_PERIOD: Duration = Duration::from_secs(3);
/// How long the executor waits for the agent to acknowledge the terminal update before it
/// gives up and exits with a failure (Mesos's fail-safe).
pub const TERMINAL_ACKNOWLEDGEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// What a command executor is given besides its driver settings.
#[derive(Debug, Clone, Default)]
pub struct CommandOptions {
    /// How its task is started.
    pub task: TaskEnvironment,
    /// Run this command instead of the task's (`--task_command`).
    pub task_command: Option<CommandInfo>,
    /// After a SHUTDOWN, kill this OS process's group once the shutdown grace period is
    /// over if the executor has not exited by then (see [`Executor::exit_on_shutdown`]).
    /// Only for a real `mesos-executor` process.
    pub kill_process_group_on_shutdown: bool,
}

/// Starts a command executor on `runtime`, talking to the agent through `transport`.
/// Returns a future of the exit code the executor's OS process should end with: `0` once
/// the terminal update is acknowledged (or after a shutdown with nothing to kill), `1` when
/// the acknowledgement never came or the executor was asked something it cannot do.
///
/// # Errors
/// The runtime has shut down.
pub fn start(
    runtime: &Runtime,
    settings: ExecutorSettings,
    transport: Arc<dyn Transport>,
    options: CommandOptions,
) -> Result<Future<i32>, SpawnError> {
    let (promise, exit) = Promise::new();
    let id = runtime.generate_id("command-executor");
    runtime.spawn(
        id,
        CommandExecutor {
            settings: Some(settings),
            transport,
            options,
            exit: Some(promise),
            shutdown_grace_period: crate::DEFAULT_SHUTDOWN_GRACE_PERIOD,
            executor_id: None,
            driver: None,
            framework: None,
            task: None,
            pid: None,
            killed: false,
            killed_by_max_completion: false,
            terminated: false,
            kill_policy: None,
            kill_started: None,
            escalation: None,
            completion_timer: None,
            terminal_update: None,
        },
    )?;
    Ok(exit)
}

struct CommandExecutor {
    /// Taken by `initialize` to start the driver.
    settings: Option<ExecutorSettings>,
    transport: Arc<dyn Transport>,
    options: CommandOptions,
    exit: Option<Promise<i32>>,
    /// `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`: what a SHUTDOWN leaves to kill the task.
    shutdown_grace_period: Duration,
    driver: Option<Executor>,
    executor_id: Option<ExecutorId>,
    framework: Option<FrameworkInfo>,
    /// The task, once launched (a command executor runs exactly one).
    task: Option<TaskInfo>,
    /// The task's process (and process group) id, once it runs.
    pid: Option<i32>,
    killed: bool,
    killed_by_max_completion: bool,
    terminated: bool,
    kill_policy: Option<KillPolicy>,
    kill_started: Option<SystemTime>,
    /// The SIGKILL timer and when it fires.
    escalation: Option<(TimerId, SystemTime)>,
    completion_timer: Option<TimerId>,
    /// The uuid of the terminal update, whose acknowledgement ends the executor.
    terminal_update: Option<Vec<u8>>,
}

impl Process for CommandExecutor {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let Some(settings) = self.settings.take() else {
            return;
        };
        self.shutdown_grace_period = settings.shutdown_grace_period;
        self.executor_id = Some(ExecutorId {
            value: settings.executor_id.clone(),
        });
        let me: Pid<Self> = ctx.pid();
        let driver = Executor::start(
            ctx.runtime(),
            settings,
            self.transport.clone(),
            move |event| me.run(move |executor, ctx| executor.on_event(ctx, event)),
        );
        match driver {
            Ok(driver) => {
                if self.options.kill_process_group_on_shutdown {
                    driver.exit_on_shutdown();
                }
                self.driver = Some(driver);
            }
            Err(error) => {
                tracing::error!(%error, "could not start the executor driver");
                self.finish(ctx, 1);
            }
        }
    }

    fn finalize(&mut self, _ctx: &mut Context<Self>) {
        if let Some(driver) = self.driver.take() {
            driver.stop();
        }
        if let Some(exit) = self.exit.take() {
            exit.set(1);
        }
    }
}

impl CommandExecutor {
    fn on_event(&mut self, ctx: &mut Context<Self>, event: ExecutorEvent) {
        let event = match event {
            ExecutorEvent::Received(event) => *event,
            ExecutorEvent::Disconnected { reason } => {
                tracing::warn!(%reason, "disconnected from the agent");
                return;
            }
        };
        tracing::info!(event = event.r#type().as_str_name(), "received event");
        match event.r#type() {
            event::Type::Subscribed => {
                self.framework = event.subscribed.map(|subscribed| subscribed.framework_info);
            }
            event::Type::Launch => {
                if let Some(launch) = event.launch {
                    self.launch(ctx, launch.task);
                }
            }
            event::Type::LaunchGroup => {
                tracing::error!(
                    "LAUNCH_GROUP is for the default executor, not the command executor"
                );
                self.shutdown(ctx);
            }
            event::Type::Kill => {
                if let Some(kill) = event.kill {
                    self.kill(ctx, &kill.task_id, kill.kill_policy);
                }
            }
            event::Type::Acknowledged => {
                let terminal = event.acknowledged.as_ref().is_some_and(|acknowledged| {
                    self.terminal_update.as_deref() == Some(&acknowledged.uuid[..])
                });
                if terminal {
                    tracing::info!("terminal update acknowledged; exiting");
                    self.finish(ctx, 0);
                }
            }
            event::Type::Shutdown => self.shutdown(ctx),
            event::Type::Error => {
                let message = event.error.map(|error| error.message).unwrap_or_default();
                tracing::error!(%message, "error from the executor library");
            }
            _ => {}
        }
    }

    /// A status of the task, from scratch (Mesos's `createTaskStatus`).
    fn status(&self, task_id: &TaskId, state: TaskState, message: Option<String>) -> TaskStatus {
        let mut status = TaskStatus {
            task_id: task_id.clone(),
            executor_id: self.executor_id.clone(),
            message,
            ..Default::default()
        };
        status.set_state(state);
        status
    }

    fn forward(&mut self, status: TaskStatus) -> Vec<u8> {
        match &self.driver {
            Some(driver) => driver.update(status),
            None => Vec::new(),
        }
    }

    fn launch(&mut self, ctx: &mut Context<Self>, task: TaskInfo) {
        if self.task.is_some() {
            let status = self.status(
                &task.task_id,
                TaskState::TaskFailed,
                Some("Attempted to run multiple tasks using a \"command\" executor".into()),
            );
            self.forward(status);
            return;
        }
        let task_id = task.task_id.clone();
        self.kill_policy = task.kill_policy;
        self.task = Some(task.clone());
        let starting = self.status(&task_id, TaskState::TaskStarting, None);
        self.forward(starting);

        let command = self.options.task_command.clone().or(task.command.clone());
        let launched = match &command {
            Some(command) => task::spawn(command, &task, &self.options.task),
            None => Err(format!("task '{}' has no command", task_id.value)),
        };
        let child = match launched {
            Ok(child) => child,
            Err(reason) => return self.fail_to_launch(ctx, &task_id, reason),
        };
        let pid = i32::try_from(child.id()).unwrap_or_default();
        let reaped =
            ctx.defer(|executor: &mut Self, ctx, status: Option<i32>| executor.reaped(ctx, status));
        if let Err(error) = task::reap(child, move |status| reaped.call(status)) {
            task::signal_tree(pid, Signal::SIGKILL);
            return self.fail_to_launch(ctx, &task_id, format!("cannot watch it: {error}"));
        }
        tracing::info!(task = %task_id.value, pid, "started the task");
        self.pid = Some(pid);

        if let Some(limit) = task.max_completion_time.as_ref()
            && limit.nanoseconds > 0
        {
            let limit = Duration::from_nanos(limit.nanoseconds.unsigned_abs());
            self.completion_timer = Some(ctx.delay(limit, move |executor: &mut Self, ctx| {
                executor.completion_timer = None;
                tracing::info!(
                    ?limit,
                    "task exceeded its maximum completion time; killing it"
                );
                executor.killed_by_max_completion = true;
                executor.kill_with_grace(ctx, Duration::ZERO);
            }));
        }
        let running = self.status(&task_id, TaskState::TaskRunning, None);
        self.forward(running);
    }

    fn fail_to_launch(&mut self, ctx: &mut Context<Self>, task_id: &TaskId, reason: String) {
        tracing::error!(%reason, "could not launch the task");
        self.terminated = true;
        let failed = self.status(
            task_id,
            TaskState::TaskFailed,
            Some(format!("Failed to launch the command: {reason}")),
        );
        self.terminal(ctx, failed);
    }

    fn kill(&mut self, ctx: &mut Context<Self>, task_id: &TaskId, policy: Option<KillPolicy>) {
        if self.terminated {
            return;
        }
        if self.pid.is_none() {
            // Mesos terminates the executor too: there is nothing to kill and no task to
            // report on (MESOS-8297).
            tracing::error!(task = %task_id.value, "kill before the task was launched; exiting");
            return self.finish(ctx, 1);
        }
        let grace = [policy.as_ref(), self.kill_policy.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|policy| policy.grace_period.as_ref())
            .map_or(DEFAULT_KILL_GRACE_PERIOD, |grace| {
                Duration::from_nanos(grace.nanoseconds.max(0).unsigned_abs())
            });
        tracing::info!(task = %task_id.value, ?grace, "killing the task");
        self.kill_with_grace(ctx, grace);
    }

    /// SIGTERM the task's tree now and SIGKILL it after `grace`; a later kill may only
    /// shorten the grace period (retries are no-ops), as Mesos does.
    fn kill_with_grace(&mut self, ctx: &mut Context<Self>, grace: Duration) {
        let Some(pid) = self.pid else { return };
        if self.terminated {
            return;
        }
        let now = ctx.runtime().clock().now();
        if self.killed {
            let (Some(started), Some((timer, deadline))) = (self.kill_started, self.escalation)
            else {
                return;
            };
            let wanted = started + grace;
            if wanted >= deadline {
                return;
            }
            ctx.cancel(timer);
            let remaining = wanted.duration_since(now).unwrap_or_default();
            let timer = ctx.delay(remaining, |executor: &mut Self, _ctx| executor.escalate());
            self.escalation = Some((timer, now + remaining));
            return;
        }
        if let Some(timer) = self.completion_timer.take() {
            ctx.cancel(timer);
        }
        let killing_capable = self.framework.as_ref().is_some_and(|framework| {
            framework
                .capabilities
                .iter()
                .any(|capability| capability.r#type() == Capability::TaskKillingState)
        });
        if killing_capable
            && !self.killed_by_max_completion
            && let Some(task) = &self.task
        {
            let killing = self.status(&task.task_id.clone(), TaskState::TaskKilling, None);
            self.forward(killing);
        }
        task::signal_tree(pid, Signal::SIGTERM);
        task::signal_tree(pid, Signal::SIGCONT);
        let timer = ctx.delay(grace, |executor: &mut Self, _ctx| executor.escalate());
        self.escalation = Some((timer, now + grace));
        self.kill_started = Some(now);
        self.killed = true;
    }

    fn escalate(&mut self) {
        self.escalation = None;
        if let (Some(pid), false) = (self.pid, self.terminated) {
            tracing::info!(pid, "grace period over: sending SIGKILL to the task's tree");
            task::signal_tree(pid, Signal::SIGKILL);
        }
    }

    fn reaped(&mut self, ctx: &mut Context<Self>, status: Option<i32>) {
        self.terminated = true;
        for timer in [
            self.escalation.take().map(|(timer, _)| timer),
            self.completion_timer.take(),
        ]
        .into_iter()
        .flatten()
        {
            ctx.cancel(timer);
        }
        let Some(task_id) = self.task.as_ref().map(|task| task.task_id.clone()) else {
            return;
        };
        let (state, message) = match status {
            None => (
                TaskState::TaskFailed,
                "Failed to get exit status for Command".to_string(),
            ),
            Some(status) => {
                let state = if self.killed_by_max_completion {
                    TaskState::TaskFailed
                } else if self.killed {
                    TaskState::TaskKilled
                } else if wait_status::succeeded(status) {
                    TaskState::TaskFinished
                } else {
                    TaskState::TaskFailed
                };
                (state, format!("Command {}", wait_status::describe(status)))
            }
        };
        tracing::info!(%message, state = state.as_str_name(), "task ended");
        let mut update = self.status(&task_id, state, Some(message));
        if self.killed_by_max_completion {
            update.set_reason(Reason::MaxCompletionTimeReached);
        }
        self.terminal(ctx, update);
    }

    /// Sends the terminal update and waits (bounded) for its acknowledgement.
    fn terminal(&mut self, ctx: &mut Context<Self>, update: TaskStatus) {
        self.terminal_update = Some(self.forward(update));
        ctx.delay(
            TERMINAL_ACKNOWLEDGEMENT_TIMEOUT,
            |executor: &mut Self, ctx| {
                tracing::error!(
                    "Did not receive ACK for the terminal status update from the agent"
                );
                executor.finish(ctx, 1);
            },
        );
    }

    fn shutdown(&mut self, ctx: &mut Context<Self>) {
        tracing::info!("shutting down");
        if self.pid.is_some() && !self.terminated {
            // Leave a moment to report TASK_KILLED before the agent destroys the container.
            let grace = self
                .shutdown_grace_period
                .saturating_sub(Duration::from_secs(1));
            self.kill_with_grace(ctx, grace);
        } else if self.terminal_update.is_none() {
            self.finish(ctx, 0);
        }
    }

    fn finish(&mut self, ctx: &mut Context<Self>, code: i32) {
        if let Some(exit) = self.exit.take() {
            exit.set(code);
        }
        if let Some(driver) = self.driver.take() {
            driver.stop();
        }
        ctx.terminate();
    }
}
