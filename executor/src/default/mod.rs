//! Mesos's default executor (`mesos-default-executor`, src/launcher/default_executor.cpp):
//! runs a LAUNCH_GROUP's tasks, each in a nested container of its own that the agent
//! launches through its operator API (LAUNCH_CONTAINER under the executor's container),
//! reports TASK_STARTING, TASK_RUNNING and, from WAIT_NESTED_CONTAINER, how each ended. As
//! Mesos's, it kills the rest of a task group when one of its tasks fails or is killed,
//! kills a task with SIGTERM and SIGKILL after its grace period, and exits once no task is
//! left and every update is acknowledged.
//!
//! It is a libprocess process driving an [`Executor`], so it runs the same over real HTTP
//! (the binary) and in-process (tests), reaching the agent through one [`Transport`].

mod agent_api;

use std::{collections::BTreeMap, collections::BTreeSet, sync::Arc, time::Duration};

use libprocess::{Context, Future, Pid, Process, Promise, Response, Runtime, SpawnError, TimerId};
use proto::v1::{
    ContainerId, ContainerStatus, ExecutorId, FrameworkInfo, KillPolicy, TaskGroupInfo, TaskId,
    TaskInfo, TaskState, TaskStatus, executor::event,
    framework_info::capability::Type as Capability, task_status::Reason,
};

use common::wait_status;

use crate::{Executor, ExecutorEvent, ExecutorSettings, Transport};
use agent_api::{AgentApi, Waited};

/// The kill grace period when neither the KILL event nor the task has a kill policy.
pub const DEFAULT_KILL_GRACE_PERIOD: Duration = Duration::from_secs(3);
/// How long the executor waits for outstanding acknowledgements before it gives up and
/// exits once it has nothing left to run (Mesos's 60 s).
pub const ACKNOWLEDGEMENT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a failed WAIT or SIGKILL waits before it is tried again.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(1);

const SIGTERM: i32 = 15;
const SIGKILL: i32 = 9;

/// Starts a default executor on `runtime`, reaching the agent's executor API through
/// `transport` and its operator API through `operator` (which must not time out a
/// WAIT_NESTED_CONTAINER long poll too eagerly: a broken wait is retried, but each retry is
/// a warning; in-process both are the same [`InProcessTransport`](crate::InProcessTransport)).
/// Returns a future of the exit code the executor's OS process should end with (`0` when
/// it is done, `1` if it could not start its driver).
///
/// # Errors
/// The runtime has shut down.
pub fn start(
    runtime: &Runtime,
    settings: ExecutorSettings,
    transport: Arc<dyn Transport>,
    operator: Arc<dyn Transport>,
) -> Result<Future<i32>, SpawnError> {
    let (promise, exit) = Promise::new();
    let id = runtime.generate_id("default-executor");
    let api = AgentApi::new(&settings);
    runtime.spawn(
        id,
        DefaultExecutor {
            settings: Some(settings),
            transport,
            operator,
            api,
            exit: Some(promise),
            driver: None,
            executor_id: ExecutorId::default(),
            sandbox: None,
            subscribed: false,
            connection: 0,
            framework: None,
            executor_container: None,
            containers: BTreeMap::new(),
            unacknowledged: BTreeSet::new(),
            shutting_down: false,
        },
    )?;
    Ok(exit)
}

/// One task and its nested container.
struct Container {
    container_id: ContainerId,
    task: TaskInfo,
    /// The ids of every task of its group (this one included).
    group: Vec<TaskId>,
    /// The agent said 200 to LAUNCH_CONTAINER.
    launched: bool,
    /// What the agent said when the launch failed.
    launch_error: Option<String>,
    /// A WAIT_NESTED_CONTAINER is in flight.
    waiting: bool,
    killing: bool,
    killing_task_group: bool,
    killed_by_completion: bool,
    completion_timer: Option<TimerId>,
}

struct DefaultExecutor {
    /// Taken by `initialize` to start the driver.
    settings: Option<ExecutorSettings>,
    transport: Arc<dyn Transport>,
    /// How operator calls reach the agent.
    operator: Arc<dyn Transport>,
    api: AgentApi,
    exit: Option<Promise<i32>>,
    driver: Option<Executor>,
    executor_id: ExecutorId,
    /// `MESOS_DIRECTORY`, where `tasks/<task id>` links to each task's sandbox.
    sandbox: Option<String>,
    subscribed: bool,
    /// Counts subscriptions; WAIT answers of an earlier one are ignored (the waits are
    /// made again on resubscription).
    connection: u64,
    framework: Option<FrameworkInfo>,
    /// The executor's own container, the parent of every task's.
    executor_container: Option<ContainerId>,
    /// The tasks not yet terminated, by task id.
    containers: BTreeMap<String, Container>,
    /// The uuids of updates the agent has not acknowledged.
    unacknowledged: BTreeSet<Vec<u8>>,
    shutting_down: bool,
}

impl Process for DefaultExecutor {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let Some(settings) = self.settings.take() else {
            return;
        };
        self.executor_id = ExecutorId {
            value: settings.executor_id.clone(),
        };
        self.sandbox.clone_from(&settings.directory);
        let me: Pid<Self> = ctx.pid();
        let driver = Executor::start(
            ctx.runtime(),
            settings,
            self.transport.clone(),
            move |event| me.run(move |executor, ctx| executor.on_event(ctx, event)),
        );
        match driver {
            Ok(driver) => self.driver = Some(driver),
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
            exit.set(0);
        }
    }
}

impl DefaultExecutor {
    fn on_event(&mut self, ctx: &mut Context<Self>, event: ExecutorEvent) {
        let event = match event {
            ExecutorEvent::Received(event) => *event,
            ExecutorEvent::Disconnected { reason } => {
                tracing::warn!(%reason, "disconnected from the agent");
                self.subscribed = false;
                self.connection += 1;
                for container in self.containers.values_mut() {
                    container.waiting = false;
                }
                return;
            }
        };
        tracing::info!(event = event.r#type().as_str_name(), "received event");
        match event.r#type() {
            event::Type::Subscribed => {
                let Some(subscribed) = event.subscribed else {
                    return;
                };
                self.framework = Some(subscribed.framework_info);
                self.executor_container = subscribed.container_id;
                self.subscribed = true;
                self.connection += 1;
                if self.executor_container.is_none() {
                    tracing::error!("SUBSCRIBED names no container: cannot launch nested ones");
                }
                // After a reconnection, wait for the tasks again.
                let ids: Vec<String> = self.containers.keys().cloned().collect();
                for task_id in ids {
                    self.wait(ctx, &task_id);
                }
            }
            event::Type::Launch => {
                tracing::error!("LAUNCH is not supported by the default executor");
                self.shutdown(ctx);
            }
            event::Type::LaunchGroup => {
                if let Some(launch) = event.launch_group {
                    self.launch_group(ctx, launch.task_group);
                }
            }
            event::Type::Kill => {
                if let Some(kill) = event.kill {
                    self.kill_task(ctx, &kill.task_id, kill.kill_policy);
                }
            }
            event::Type::Acknowledged => {
                if let Some(acknowledged) = event.acknowledged {
                    self.unacknowledged.remove(&acknowledged.uuid);
                }
                if self.containers.is_empty() && self.unacknowledged.is_empty() {
                    tracing::info!("every task ended and every update is acknowledged");
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

    /// A status of a task (Mesos's `createTaskStatus`): the executor, the task's container.
    fn status(&self, task_id: &TaskId, state: TaskState) -> TaskStatus {
        let mut status = TaskStatus {
            task_id: task_id.clone(),
            executor_id: Some(self.executor_id.clone()),
            container_status: self.containers.get(&task_id.value).map(|container| {
                ContainerStatus {
                    container_id: Some(container.container_id.clone()),
                    ..Default::default()
                }
            }),
            ..Default::default()
        };
        status.set_state(state);
        status
    }

    fn forward(&mut self, status: TaskStatus) {
        tracing::info!(
            task = %status.task_id.value,
            state = status.state().as_str_name(),
            message = status.message.as_deref().unwrap_or(""),
            "sending status update"
        );
        if let Some(driver) = &self.driver {
            self.unacknowledged.insert(driver.update(status));
        }
    }

    fn send(&self, call: &proto::v1::agent::Call) -> Future<Response> {
        self.operator.send(self.api.request(call))
    }

    fn launch_group(&mut self, ctx: &mut Context<Self>, group: TaskGroupInfo) {
        if self.shutting_down {
            tracing::warn!("ignoring LAUNCH_GROUP: the executor is shutting down");
            return;
        }
        let Some(parent) = self.executor_container.clone() else {
            return self.drop_task_group(&group);
        };
        let ids: Vec<TaskId> = group
            .tasks
            .iter()
            .map(|task| task.task_id.clone())
            .collect();
        let container_ip = ctx.runtime().address().ip().to_string();
        let mut launches = Vec::new();
        for task in group.tasks {
            let container_id = ContainerId {
                value: uuid::Uuid::new_v4().to_string(),
                parent: Some(Box::new(parent.clone())),
            };
            if task.check.is_some() || task.health_check.is_some() {
                tracing::warn!(task = %task.task_id.value, "checks and health checks are not run yet");
            }
            let call = agent_api::launch(&container_id, &task, &container_ip);
            let task_id = task.task_id.value.clone();
            self.containers.insert(
                task_id.clone(),
                Container {
                    container_id,
                    task,
                    group: ids.clone(),
                    launched: false,
                    launch_error: None,
                    waiting: false,
                    killing: false,
                    killing_task_group: false,
                    killed_by_completion: false,
                    completion_timer: None,
                },
            );
            let starting = self.status(&TaskId { value: task_id }, TaskState::TaskStarting);
            self.forward(starting);
            launches.push(self.send(&call));
        }
        ctx.then(
            Future::all(launches),
            move |executor: &mut Self, ctx, responses| executor.launched(ctx, &ids, responses),
        );
    }

    /// The agent answered every LAUNCH_CONTAINER of a group: the launched tasks are
    /// RUNNING, and every task of the group is waited for.
    fn launched(
        &mut self,
        ctx: &mut Context<Self>,
        ids: &[TaskId],
        responses: Result<Vec<Response>, libprocess::Failure>,
    ) {
        if self.shutting_down {
            tracing::warn!("ignoring the launch answers: the executor is shutting down");
            return;
        }
        let responses = match responses {
            Ok(responses) => responses,
            Err(failure) => {
                tracing::error!(%failure, "the agent did not answer LAUNCH_CONTAINER");
                return self.exit_when_acknowledged(ctx);
            }
        };
        for (task_id, response) in ids.iter().zip(responses) {
            let Some(container) = self.containers.get_mut(&task_id.value) else {
                continue;
            };
            if response.status != 200 {
                let body = agent_api::body_text(&response);
                tracing::error!(
                    task = %task_id.value,
                    status = response.status,
                    %body,
                    "the agent refused to launch the task's container"
                );
                container.launch_error = Some(body);
                continue;
            }
            container.launched = true;
            if let Some(limit) = container.task.max_completion_time.as_ref()
                && limit.nanoseconds > 0
            {
                let limit = Duration::from_nanos(limit.nanoseconds.unsigned_abs());
                let key = task_id.value.clone();
                container.completion_timer =
                    Some(ctx.delay(limit, move |executor: &mut Self, ctx| {
                        executor.max_completion(ctx, &key, limit)
                    }));
            }
            self.link_sandbox(task_id);
            let running = self.status(task_id, TaskState::TaskRunning);
            self.forward(running);
        }
        if self.subscribed {
            for task_id in ids {
                self.wait(ctx, &task_id.value);
            }
        }
    }

    /// `tasks/<task id>` -> the task's sandbox, so people find it (Mesos does the same).
    fn link_sandbox(&self, task_id: &TaskId) {
        let (Some(sandbox), Some(container)) = (&self.sandbox, self.containers.get(&task_id.value))
        else {
            return;
        };
        let sandbox = std::path::Path::new(sandbox);
        let tasks = sandbox.join("tasks");
        let target = sandbox
            .join("containers")
            .join(&container.container_id.value);
        let linked = std::fs::create_dir_all(&tasks)
            .and_then(|()| std::os::unix::fs::symlink(&target, tasks.join(&task_id.value)));
        if let Err(error) = linked {
            tracing::warn!(task = %task_id.value, %error, "could not link the task's sandbox");
        }
    }

    /// Sends WAIT_NESTED_CONTAINER for a task's container (once at a time).
    fn wait(&mut self, ctx: &mut Context<Self>, task_id: &str) {
        if !self.subscribed {
            return;
        }
        let Some(container) = self.containers.get_mut(task_id) else {
            return;
        };
        if container.waiting {
            return;
        }
        container.waiting = true;
        let call = agent_api::wait(&container.container_id);
        let (connection, key) = (self.connection, task_id.to_string());
        ctx.then(
            self.send(&call),
            move |executor: &mut Self, ctx, response| {
                executor.waited(ctx, connection, &key, response)
            },
        );
    }

    fn waited(
        &mut self,
        ctx: &mut Context<Self>,
        connection: u64,
        task_id: &str,
        response: Result<Response, libprocess::Failure>,
    ) {
        if connection != self.connection {
            return;
        }
        let Some(container) = self.containers.get_mut(task_id) else {
            return;
        };
        container.waiting = false;
        let response = match response {
            Ok(response) if response.status != 503 => response,
            other => {
                let why = match other {
                    Ok(response) => {
                        format!("{} {}", response.status, agent_api::body_text(&response))
                    }
                    Err(failure) => failure.to_string(),
                };
                tracing::warn!(task = task_id, %why, "waiting for the task's container broke; retrying");
                let key = task_id.to_string();
                ctx.delay(RETRY_INTERVAL, move |executor: &mut Self, ctx| {
                    executor.wait(ctx, &key)
                });
                return;
            }
        };
        if response.status != 200 && response.status != 404 {
            tracing::error!(
                task = task_id,
                status = response.status,
                body = %agent_api::body_text(&response),
                "the agent refused to wait for the task's container"
            );
            return self.exit_when_acknowledged(ctx);
        }
        let waited = if response.status == 404 {
            None
        } else {
            match self.api.wait_answer(&response) {
                Ok(waited) => Some(waited),
                Err(error) => {
                    tracing::error!(task = task_id, %error, "unreadable WAIT answer");
                    Some(Waited::default())
                }
            }
        };
        self.task_ended(ctx, task_id, waited);
    }

    /// The task's container is gone: its terminal update, and the group's other tasks are
    /// killed if it failed or was killed.
    fn task_ended(&mut self, ctx: &mut Context<Self>, task_id: &str, waited: Option<Waited>) {
        let Some(container) = self.containers.get(task_id) else {
            return;
        };
        let (mut state, mut reason, mut message) = (TaskState::TaskFailed, None, None);
        match waited {
            None => {
                if container.killing {
                    state = TaskState::TaskKilled;
                } else if let Some(error) = &container.launch_error {
                    message = Some(error.clone());
                } else {
                    message = Some("Unable to retrieve command's termination information".into());
                }
            }
            Some(waited) => {
                match waited.exit_status {
                    None => {
                        message =
                            Some(container.launch_error.clone().unwrap_or_else(|| {
                                "Command terminated with unknown status".into()
                            }));
                    }
                    Some(status) => {
                        if container.killed_by_completion {
                            reason = Some(Reason::MaxCompletionTimeReached);
                        } else if container.killing {
                            state = TaskState::TaskKilled;
                        } else if wait_status::succeeded(status) {
                            state = TaskState::TaskFinished;
                        }
                        message = Some(format!("Command {}", wait_status::describe(status)));
                    }
                }
                // The agent knows best why the container ended (e.g. a limitation).
                if let Some(agent_state) = waited.state {
                    state = agent_state;
                }
                if waited.reason.is_some() {
                    reason = waited.reason;
                }
                if let Some(extra) = waited.message {
                    message = Some(match message {
                        Some(message) => format!("{message}: {extra}"),
                        None => extra,
                    });
                }
            }
        }
        let task = TaskId {
            value: task_id.to_string(),
        };
        let mut status = self.status(&task, state);
        status.message = message;
        if let Some(reason) = reason {
            status.set_reason(reason);
        }
        self.forward(status);

        let Some(container) = self.containers.remove(task_id) else {
            return;
        };
        if let Some(timer) = container.completion_timer {
            ctx.cancel(timer);
        }
        tracing::info!(task = task_id, state = state.as_str_name(), "task ended");
        // Mesos's default restart policy: a task that fails or is killed takes its group.
        if !self.shutting_down
            && !container.killing_task_group
            && matches!(state, TaskState::TaskFailed | TaskState::TaskKilled)
        {
            tracing::info!(
                tasks = ?container.group.iter().map(|id| id.value.as_str()).collect::<Vec<_>>(),
                "killing the task group"
            );
            for other in &container.group {
                let Some(sibling) = self.containers.get_mut(&other.value) else {
                    continue;
                };
                sibling.killing_task_group = true;
                if !sibling.killing {
                    self.kill(ctx, &other.value, None);
                }
            }
        }
        if self.containers.is_empty() {
            self.exit_when_acknowledged(ctx);
        }
    }

    /// SIGTERM to a task's container and SIGKILL after the grace period (3 s unless told).
    fn kill(&mut self, ctx: &mut Context<Self>, task_id: &str, grace: Option<Duration>) {
        let killing_state = self.framework.as_ref().is_some_and(|framework| {
            framework
                .capabilities
                .iter()
                .any(|capability| capability.r#type() == Capability::TaskKillingState)
        });
        let Some(container) = self.containers.get_mut(task_id) else {
            return;
        };
        if !container.launched || container.killing {
            return;
        }
        if let Some(timer) = container.completion_timer.take() {
            ctx.cancel(timer);
        }
        container.killing = true;
        let grace = grace.unwrap_or(DEFAULT_KILL_GRACE_PERIOD);
        let container_id = container.container_id.clone();
        let announce = killing_state && !container.killed_by_completion;
        tracing::info!(task = task_id, ?grace, "killing the task with SIGTERM");
        let key = task_id.to_string();
        ctx.delay(grace, move |executor: &mut Self, ctx| {
            executor.escalate(ctx, &key)
        });
        if announce {
            let task = TaskId {
                value: task_id.to_string(),
            };
            let killing = self.status(&task, TaskState::TaskKilling);
            self.forward(killing);
        }
        self.signal(ctx, task_id, &container_id, SIGTERM);
    }

    fn signal(
        &self,
        ctx: &mut Context<Self>,
        task_id: &str,
        container_id: &ContainerId,
        signal: i32,
    ) {
        let key = task_id.to_string();
        ctx.then(
            self.send(&agent_api::kill(container_id, signal)),
            move |_executor: &mut Self, ctx, response| {
                let failed = match response {
                    Ok(response) if response.status == 200 => return,
                    Ok(response) => agent_api::body_text(&response),
                    Err(failure) => failure.to_string(),
                };
                tracing::warn!(task = %key, signal, %failed, "the agent failed to signal the task's container");
                if signal == SIGKILL {
                    ctx.delay(RETRY_INTERVAL, move |executor: &mut Self, ctx| {
                        executor.escalate(ctx, &key)
                    });
                }
            },
        );
    }

    /// The grace period is over and the task is still there: SIGKILL (retried until the
    /// agent takes it).
    fn escalate(&mut self, ctx: &mut Context<Self>, task_id: &str) {
        let Some(container) = self.containers.get(task_id) else {
            return;
        };
        tracing::info!(task = task_id, "grace period over: sending SIGKILL");
        let container_id = container.container_id.clone();
        self.signal(ctx, task_id, &container_id, SIGKILL);
    }

    fn max_completion(&mut self, ctx: &mut Context<Self>, task_id: &str, limit: Duration) {
        let Some(container) = self.containers.get_mut(task_id) else {
            return;
        };
        tracing::info!(
            task = task_id,
            ?limit,
            "task exceeded its maximum completion time"
        );
        container.completion_timer = None;
        container.killed_by_completion = true;
        self.kill(ctx, task_id, Some(Duration::ZERO));
    }

    fn kill_task(&mut self, ctx: &mut Context<Self>, task_id: &TaskId, policy: Option<KillPolicy>) {
        if self.shutting_down {
            tracing::warn!(task = %task_id.value, "ignoring kill: the executor is shutting down");
            return;
        }
        let Some(container) = self.containers.get(&task_id.value) else {
            tracing::warn!(task = %task_id.value, "ignoring kill of a task that is no longer active");
            return;
        };
        if container.killing {
            tracing::warn!(task = %task_id.value, "ignoring kill: the task is being killed");
            return;
        }
        let grace = [policy.as_ref(), container.task.kill_policy.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|policy| policy.grace_period.as_ref())
            .map(|grace| Duration::from_nanos(grace.nanoseconds.max(0).unsigned_abs()));
        self.kill(ctx, &task_id.value.clone(), grace);
    }

    fn shutdown(&mut self, ctx: &mut Context<Self>) {
        if self.shutting_down {
            return;
        }
        tracing::info!("shutting down");
        self.shutting_down = true;
        if self.containers.is_empty() || !self.subscribed {
            return self.exit_when_acknowledged(ctx);
        }
        let ids: Vec<String> = self.containers.keys().cloned().collect();
        for task_id in ids {
            self.kill(ctx, &task_id, None);
        }
    }

    /// TASK_DROPPED (partition-aware frameworks) or TASK_LOST for a group that cannot run.
    fn drop_task_group(&mut self, group: &TaskGroupInfo) {
        let partition_aware = self.framework.as_ref().is_some_and(|framework| {
            framework
                .capabilities
                .iter()
                .any(|capability| capability.r#type() == Capability::PartitionAware)
        });
        let state = if partition_aware {
            TaskState::TaskDropped
        } else {
            TaskState::TaskLost
        };
        for task in &group.tasks {
            let status = self.status(&task.task_id, state);
            self.forward(status);
        }
    }

    /// Nothing left to run: exit now if every update is acknowledged, else after
    /// [`ACKNOWLEDGEMENT_TIMEOUT`] at the latest (the last acknowledgement exits sooner).
    fn exit_when_acknowledged(&mut self, ctx: &mut Context<Self>) {
        if self.unacknowledged.is_empty() {
            return self.finish(ctx, 0);
        }
        tracing::info!(timeout = ?ACKNOWLEDGEMENT_TIMEOUT, "waiting for the last acknowledgements");
        ctx.delay(ACKNOWLEDGEMENT_TIMEOUT, |executor: &mut Self, ctx| {
            executor.finish(ctx, 0)
        });
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
