//! Executors' lives (Mesos's `addExecutor`, `launchExecutor`, `executorLaunched`,
//! `registerExecutorTimeout`, `executorTerminated`, `shutdownExecutor`, `removeExecutor`):
//! a sandbox and a container per executor, a deadline to subscribe, a grace period to shut
//! down, and TASK_FAILED (or the container's own verdict) for tasks it leaves unfinished.

use containerizer::{ContainerConfig, ContainerTermination, LaunchResult};
use libprocess::{Context, Failure};
use proto::{
    internal::ExitedExecutorMessage,
    v0::{
        ContainerId, ExecutorId, ExecutorInfo, FrameworkId, KillPolicy, SlaveId, TaskInfo,
        TaskState, task_status::Reason,
    },
    v1,
};

use super::Agent;
use crate::{
    books::{Executor, ExecutorState, FrameworkState, Termination, executor::to_resources},
    command_executor::ExecutorEnvironment,
    paths::create_executor_directory,
};

fn container(id: &str) -> ContainerId {
    ContainerId {
        value: id.to_owned(),
        parent: None,
    }
}

impl Agent {
    /// Creates the executor's book and sandbox and launches its container with the
    /// executor's resources plus those of its first tasks. Fails with a message (for the
    /// tasks' TASK_LOST/DROPPED) when the sandbox cannot be made.
    pub(crate) fn add_executor(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        info: ExecutorInfo,
        tasks: &[TaskInfo],
        single_task: bool,
        command_executor: bool,
    ) -> Result<(), String> {
        let container_id = self.random.uuid_string();
        let agent_id = self.agent_id().to_owned();
        let Some(framework) = self.books.framework(framework_id) else {
            return Err(format!("Unknown framework {framework_id}"));
        };
        let user = if self.options.switch_user {
            info.command
                .as_ref()
                .and_then(|command| command.user.clone())
                .or_else(|| Some(framework.info.user.clone()))
                .filter(|user| !user.is_empty())
        } else {
            None
        };
        let checkpoint = framework.info.checkpoint.unwrap_or(false);
        self.sandbox_in_use(framework_id, &info.executor_id.value);
        let directory = create_executor_directory(
            &self.options.work_dir,
            &agent_id,
            framework_id,
            &info.executor_id.value,
            &container_id,
        )
        .map_err(|error| format!("Failed to create executor directory: {error}"))?;
        self.attach_sandbox(framework_id, &info.executor_id.value, &directory);
        tracing::info!(
            executor = %info.executor_id.value,
            framework = %framework_id,
            container = %container_id,
            directory = %directory.display(),
            "launching executor"
        );

        let environment = ExecutorEnvironment {
            executor: &info,
            framework_id,
            directory: &directory,
            agent_id: &agent_id,
            agent_pid: &ctx.self_pid().to_string(),
            agent_endpoint: &ctx.self_pid().address().to_string(),
            agent_ip: &ctx.self_pid().address().ip().to_string(),
            checkpoint,
            http_command_executor: self.options.http_command_executor,
            shutdown_grace_period: self.options.executor_shutdown_grace_period,
            recovery_timeout: self.options.recovery_timeout,
            reregistration_timeout: self.options.executor_reregistration_timeout,
            extra: &self.options.executor_environment_variables,
        }
        .variables();

        // The container holds the executor and its first tasks.
        let mut resources = to_resources(&info.resources);
        for task in tasks {
            resources += to_resources(&task.resources);
        }
        let mut launched_info = info.clone();
        launched_info.resources = resources.to_proto_v0();
        if super::default_executor::is_default(&info) {
            let program = self
                .default_executor_program
                .as_deref()
                .map_err(String::as_str);
            launched_info.command = Some(super::default_executor::command(
                &self.options.launcher_dir,
                program,
                None,
            ));
        }
        let config = ContainerConfig {
            executor_info: Some(launched_info.clone()),
            task_info: (command_executor && single_task)
                .then(|| tasks.first().cloned())
                .flatten(),
            command: launched_info.command.clone().unwrap_or_default(),
            resources,
            directory: directory.clone(),
            user: user.clone(),
            environment,
        };

        let executor_id = info.executor_id.value.clone();
        let executor = Executor::new(
            framework_id,
            info,
            container_id.clone(),
            directory,
            user,
            checkpoint,
            command_executor,
        );
        if let Some(framework) = self.books.framework_mut(framework_id) {
            framework.executors.insert(executor_id.clone(), executor);
        }

        let launch = self.containerizer.launch(&container(&container_id), config);
        let (framework, executor, run) = (
            framework_id.to_owned(),
            executor_id.clone(),
            container_id.clone(),
        );
        ctx.then(launch, move |agent: &mut Self, ctx, result| {
            agent.executor_launched(ctx, &framework, &executor, &run, result);
            agent.refresh_metrics();
        });
        let (framework, executor, run) = (framework_id.to_owned(), executor_id, container_id);
        ctx.delay(
            self.options.executor_registration_timeout,
            move |agent: &mut Self, ctx| {
                agent.registration_timeout(ctx, &framework, &executor, &run);
                agent.refresh_metrics();
            },
        );
        Ok(())
    }

    /// The container launch finished (well or not): from now on, wait for its end.
    fn executor_launched(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        container_id: &str,
        result: Result<LaunchResult, Failure>,
    ) {
        let wait = self.containerizer.wait(&container(container_id));
        let (framework, executor, run) = (
            framework_id.to_owned(),
            executor_id.to_owned(),
            container_id.to_owned(),
        );
        ctx.then(wait, move |agent: &mut Self, ctx, termination| {
            agent.executor_terminated(ctx, &framework, &executor, &run, termination);
            agent.refresh_metrics();
        });

        match result {
            Err(error) => {
                tracing::error!(container = %container_id, executor = %executor_id, %error, "container failed to start");
                if let Some(metrics) = &self.metrics {
                    metrics.container_launch_errors.inc();
                }
                self.destroy_container(ctx, container_id);
                if let Some(executor) = self.books.executor_mut(framework_id, executor_id)
                    && executor.container_id == container_id
                {
                    executor.pending_termination = Some(Termination {
                        state: TaskState::TaskFailed,
                        reason: Reason::ContainerLaunchFailed,
                        message: format!("Failed to launch container: {}", failure_text(&error)),
                    });
                }
            }
            Ok(LaunchResult::NotSupported) => {
                tracing::error!(container = %container_id, "no containerizer can run this executor");
                if let Some(metrics) = &self.metrics {
                    metrics.container_launch_errors.inc();
                }
            }
            Ok(LaunchResult::AlreadyLaunched) => {
                tracing::error!(container = %container_id, "container was already launched");
            }
            Ok(LaunchResult::Success) => {
                let keep = self.books.framework(framework_id).is_some_and(|framework| {
                    framework.state == FrameworkState::Running
                        && framework
                            .executors
                            .get(executor_id)
                            .is_some_and(|executor| {
                                executor.container_id == container_id
                                    && executor.state != ExecutorState::Terminating
                            })
                });
                if !keep {
                    tracing::warn!(container = %container_id, "killing a container nobody needs any more");
                    self.destroy_container(ctx, container_id);
                }
            }
        }
    }

    /// The executor did not subscribe in time: destroy it; its tasks will fail with
    /// REASON_EXECUTOR_REGISTRATION_TIMEOUT.
    fn registration_timeout(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        container_id: &str,
    ) {
        let timeout = self.options.executor_registration_timeout;
        let Some(framework) = self.books.framework_mut(framework_id) else {
            return;
        };
        if framework.state == FrameworkState::Terminating {
            return;
        }
        let Some(executor) = framework.executors.get_mut(executor_id) else {
            return;
        };
        if executor.container_id != container_id || executor.state != ExecutorState::Registering {
            return;
        }
        tracing::info!(
            executor = %executor_id,
            ?timeout,
            "terminating an executor that did not register in time"
        );
        executor.state = ExecutorState::Terminating;
        executor.pending_termination = Some(Termination {
            state: TaskState::TaskFailed,
            reason: Reason::ExecutorRegistrationTimeout,
            message: format!(
                "Executor did not register within {}",
                common::flags::format_duration(timeout)
            ),
        });
        self.destroy_container(ctx, container_id);
    }

    /// The executor's container is gone: its unfinished tasks fail, the master hears of it
    /// (for executors the framework launched), and the books let go of what is done.
    fn executor_terminated(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        container_id: &str,
        termination: Result<Option<ContainerTermination>, Failure>,
    ) {
        let status = match &termination {
            Ok(Some(termination)) => termination.status,
            _ => None,
        };
        tracing::info!(
            executor = %executor_id,
            framework = %framework_id,
            ?status,
            "executor terminated"
        );
        let Some(framework) = self.books.framework_mut(framework_id) else {
            return;
        };
        let framework_terminating = framework.state == FrameworkState::Terminating;
        let Some(executor) = framework.executors.get_mut(executor_id) else {
            return;
        };
        if executor.container_id != container_id || executor.state == ExecutorState::Terminated {
            return;
        }
        executor.state = ExecutorState::Terminated;
        executor.subscription = None;
        if let Some(metrics) = &self.metrics {
            metrics.executors_terminated.inc();
        }
        let command_executor = executor.command_executor;
        let unfinished: Vec<String> = if framework_terminating {
            // Nobody will hear about these; they just end.
            let launched: Vec<_> = std::mem::take(&mut executor.launched_tasks)
                .into_iter()
                .collect();
            executor.terminated_tasks.extend(launched);
            Vec::new()
        } else {
            executor
                .launched_tasks
                .iter()
                .filter(|(_, task)| {
                    !TaskState::try_from(task.state).is_ok_and(TaskState::is_terminal)
                })
                .map(|(id, _)| id.clone())
                .chain(
                    executor
                        .queued_tasks
                        .iter()
                        .map(|task| task.task_id.value.clone()),
                )
                .collect()
        };
        let (state, reason, message) = termination_verdict(executor, &termination);
        for task_id in unfinished {
            self.report(
                ctx,
                framework_id,
                &task_id,
                state,
                reason,
                &message,
                Some(executor_id),
            );
        }
        if !command_executor {
            self.send_exited_executor(ctx, framework_id, executor_id, status);
        }
        let done = self
            .books
            .executor(framework_id, executor_id)
            .is_none_or(|executor| !executor.has_incomplete_tasks());
        if self.state == super::AgentState::Terminating || framework_terminating || done {
            self.remove_executor(ctx, framework_id, executor_id);
        }
        self.remove_framework_if_idle(ctx, framework_id);
    }

    /// Asks an executor to shut down (SHUTDOWN), destroying its container after the grace
    /// period if it is still there.
    pub(crate) fn shutdown_executor(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
    ) {
        let default_grace = self.options.executor_shutdown_grace_period;
        let Some(executor) = self.books.executor_mut(framework_id, executor_id) else {
            return;
        };
        if !matches!(
            executor.state,
            ExecutorState::Registering | ExecutorState::Running
        ) {
            return;
        }
        tracing::info!(executor = %executor_id, framework = %framework_id, "shutting down executor");
        executor.state = ExecutorState::Terminating;
        let grace = executor
            .info
            .shutdown_grace_period
            .as_ref()
            .map(|grace| std::time::Duration::from_nanos(grace.nanoseconds.max(0) as u64))
            .unwrap_or(default_grace);
        let container_id = executor.container_id.clone();
        let event = v1::executor::Event {
            r#type: Some(v1::executor::event::Type::Shutdown as i32),
            ..Default::default()
        };
        self.send_to_executor(framework_id, executor_id, &event);
        let (framework, executor) = (framework_id.to_owned(), executor_id.to_owned());
        ctx.delay(grace, move |agent: &mut Self, ctx| {
            let still_there = agent
                .books
                .executor(&framework, &executor)
                .is_some_and(|e| {
                    e.container_id == container_id && e.state == ExecutorState::Terminating
                });
            if still_there {
                tracing::info!(executor = %executor, "killing an executor that did not shut down in time");
                agent.destroy_container(ctx, &container_id);
            }
        });
    }

    /// Destroys a container; its termination arrives through `wait`.
    pub(crate) fn destroy_container(&mut self, ctx: &mut Context<Self>, container_id: &str) {
        let destroyed = self.containerizer.destroy(&container(container_id));
        let id = container_id.to_owned();
        ctx.then(destroyed, move |_agent: &mut Self, _ctx, result| {
            if let Err(error) = result {
                tracing::error!(container = %id, %error, "failed to destroy a container");
            }
        });
    }

    /// Moves a finished executor to its framework's completed executors.
    pub(crate) fn remove_executor(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
    ) {
        tracing::info!(executor = %executor_id, framework = %framework_id, "cleaning up executor");
        self.executor_sandbox_done(ctx, framework_id, executor_id);
        if let Some(framework) = self.books.framework_mut(framework_id) {
            framework.destroy_executor(executor_id);
        }
    }

    /// Moves a framework with no executors left to the completed frameworks, dropping its
    /// status update streams.
    pub(crate) fn remove_framework_if_idle(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        let idle = self
            .books
            .framework(framework_id)
            .is_some_and(|framework| framework.is_idle());
        if !idle {
            return;
        }
        tracing::info!(framework = %framework_id, "cleaning up framework");
        self.status_updates.cleanup(framework_id);
        self.books.complete_framework(framework_id);
        self.framework_sandbox_done(ctx, framework_id);
        if self.state == super::AgentState::Terminating && self.books.frameworks.is_empty() {
            tracing::info!("every framework is gone; agent terminated");
            ctx.terminate();
        }
    }

    /// ExitedExecutorMessage to the master (for executors the framework asked for).
    pub(crate) fn send_exited_executor(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        status: Option<i32>,
    ) {
        let Some(master) = self.master.clone() else {
            return;
        };
        ctx.send_protobuf(
            &master,
            &ExitedExecutorMessage {
                slave_id: SlaveId {
                    value: self.agent_id().to_owned(),
                },
                framework_id: FrameworkId {
                    value: framework_id.to_owned(),
                },
                executor_id: ExecutorId {
                    value: executor_id.to_owned(),
                },
                status: status.unwrap_or(-1),
            },
        );
    }

    /// Sends an event on the executor's stream, if it is subscribed.
    pub(crate) fn send_to_executor(
        &mut self,
        framework_id: &str,
        executor_id: &str,
        event: &v1::executor::Event,
    ) {
        let Some(executor) = self.books.executor(framework_id, executor_id) else {
            return;
        };
        match &executor.subscription {
            Some(subscription) => {
                if subscription.stream.send(event).is_err() {
                    tracing::warn!(executor = %executor_id, "unable to send an event: the connection is closed");
                }
            }
            None => {
                tracing::warn!(executor = %executor_id, state = executor.state.name(), "unable to send an event: the executor is not connected");
            }
        }
    }

    /// KILL to the executor running the task.
    pub(crate) fn send_kill_event(
        &mut self,
        framework_id: &str,
        executor_id: &str,
        task_id: &str,
        kill_policy: Option<KillPolicy>,
    ) {
        let event = v1::executor::Event {
            r#type: Some(v1::executor::event::Type::Kill as i32),
            kill: Some(v1::executor::event::Kill {
                task_id: v1::TaskId {
                    value: task_id.to_owned(),
                },
                kill_policy: kill_policy.map(|policy| proto::convert::evolve(&policy)),
            }),
            ..Default::default()
        };
        self.send_to_executor(framework_id, executor_id, &event);
    }
}

/// The state, reason and message for the tasks an executor left unfinished (Mesos's
/// `sendExecutorTerminatedStatusUpdate`): the container's verdict, else what the agent
/// decided when it ended the executor, else TASK_FAILED / REASON_EXECUTOR_TERMINATED.
fn termination_verdict(
    executor: &Executor,
    termination: &Result<Option<ContainerTermination>, Failure>,
) -> (TaskState, Reason, String) {
    let known = match termination {
        Ok(Some(termination)) => Some(termination),
        _ => None,
    };
    let pending = executor.pending_termination.as_ref();
    let state = known
        .and_then(|termination| termination.state)
        .or(pending.map(|pending| pending.state))
        .unwrap_or(TaskState::TaskFailed);
    let reason = known
        .and_then(|termination| termination.reasons.first().copied())
        .or(pending.map(|pending| pending.reason))
        .unwrap_or(Reason::ExecutorTerminated);
    let mut messages = Vec::new();
    if let Some(pending) = pending {
        messages.push(pending.message.clone());
    }
    match termination {
        Err(error) => messages.push(format!(
            "Abnormal executor termination: {}",
            failure_text(error)
        )),
        Ok(None) => messages.push("Abnormal executor termination: unknown container".into()),
        Ok(Some(termination)) => messages.extend(termination.message.clone()),
    }
    let message = if messages.is_empty() {
        "Executor terminated".to_owned()
    } else {
        messages.join("; ")
    };
    (state, reason, message)
}

fn failure_text(failure: &Failure) -> String {
    match failure {
        Failure::Failed(message) => message.clone(),
        Failure::Abandoned => "the containerizer went away".into(),
    }
}

/// The ids of the executors of a framework, for iterating while changing the books.
pub(crate) fn executor_ids(agent: &Agent, framework_id: &str) -> Vec<String> {
    agent
        .books
        .framework(framework_id)
        .map(|framework| framework.executors.keys().cloned().collect())
        .unwrap_or_default()
}
