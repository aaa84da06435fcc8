//! Running and killing tasks (Mesos's `runTask`, `runTaskGroup`, `run`, `__run`,
//! `killTask`): a task joins its executor's queue (launching the executor first if needed)
//! and reaches the executor once it subscribes.

use std::collections::BTreeSet;

use libprocess::{Context, Upid};
use proto::{
    internal::{KillTaskMessage, RunTaskGroupMessage, RunTaskMessage},
    v0::{
        ExecutorInfo, FrameworkInfo, Resource, TaskGroupInfo, TaskInfo, TaskState,
        resource::AllocationInfo, task_status::Reason,
    },
};

use super::{Agent, AgentState};
use crate::{
    books::{ExecutorState, Framework, FrameworkState, framework::roles_of},
    command_executor::command_executor_info,
    paths::safe_component,
};

/// What the master asked to run.
pub(crate) struct RunRequest {
    pub framework: FrameworkInfo,
    pub framework_pid: Option<Upid>,
    pub executor: ExecutorInfo,
    pub tasks: Vec<TaskInfo>,
    pub group: Option<TaskGroupInfo>,
    pub launch_executor: Option<bool>,
    pub command_executor: bool,
}

impl Agent {
    /// RunTaskMessage: one task, with its own executor or a command.
    pub(crate) fn run_task(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: RunTaskMessage,
    ) {
        if !self.is_from_master(from, "run task") {
            return;
        }
        let task = message.task;
        if task.executor.is_some() == task.command.is_some() {
            tracing::error!(
                task = %task.task_id.value,
                "ignoring a task that has both or neither of an executor and a command"
            );
            return;
        }
        let command_executor = task.executor.is_none();
        let executor = match &task.executor {
            Some(executor) => executor.clone(),
            None => {
                let program = self.executor_program.as_deref().map_err(String::as_str);
                command_executor_info(
                    &message.framework,
                    &task,
                    &self.options.launcher_dir,
                    program,
                )
            }
        };
        let framework_pid = message
            .pid
            .as_deref()
            .filter(|pid| !pid.is_empty())
            .and_then(|pid| pid.parse().ok());
        self.run(
            ctx,
            RunRequest {
                framework: message.framework,
                framework_pid,
                executor,
                tasks: vec![task],
                group: None,
                launch_executor: message.launch_executor,
                command_executor,
            },
        );
    }

    /// RunTaskGroupMessage: tasks that share one executor and start together.
    pub(crate) fn run_task_group(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: RunTaskGroupMessage,
    ) {
        if !self.is_from_master(from, "run task group") {
            return;
        }
        if message.task_group.tasks.is_empty() {
            tracing::error!("ignoring a task group without tasks");
            return;
        }
        self.run(
            ctx,
            RunRequest {
                framework: message.framework,
                framework_pid: None,
                executor: message.executor,
                tasks: message.task_group.tasks.clone(),
                group: Some(message.task_group),
                launch_executor: message.launch_executor,
                command_executor: false,
            },
        );
    }

    fn run(&mut self, ctx: &mut Context<Self>, mut request: RunRequest) {
        let Some(framework_id) = request.framework.id.as_ref().map(|id| id.value.clone()) else {
            tracing::error!("ignoring tasks of a framework without an id");
            return;
        };
        let executor_id = request.executor.executor_id.value.clone();
        for id in [&framework_id, &executor_id] {
            if let Err(error) = safe_component(id) {
                tracing::error!(id = %id, %error, "ignoring tasks: the id cannot name a sandbox");
                return;
            }
        }
        let roles = roles_of(&request.framework);
        let allocated = allocate(&mut request.executor.resources, &roles)
            && request.tasks.iter_mut().all(|task| {
                allocate(&mut task.resources, &roles)
                    && task
                        .executor
                        .as_mut()
                        .is_none_or(|executor| allocate(&mut executor.resources, &roles))
            });
        if let Some(group) = request.group.as_mut() {
            group.tasks.clone_from(&request.tasks);
        }
        for task in &request.tasks {
            if task.slave_id.value != self.agent_id() {
                tracing::warn!(
                    task = %task.task_id.value,
                    intended = %task.slave_id.value,
                    agent = %self.agent_id(),
                    "ignoring a task meant for another agent"
                );
                return;
            }
        }
        if self.state == AgentState::Terminating {
            tracing::warn!("ignoring tasks: the agent is terminating");
            return;
        }
        tracing::info!(
            tasks = ?request.tasks.iter().map(|t| t.task_id.value.as_str()).collect::<Vec<_>>(),
            framework = %framework_id,
            executor = %executor_id,
            "got assigned tasks"
        );

        // The framework: new, back from the completed ones, or known (its info refreshed).
        if !self.books.frameworks.contains_key(&framework_id) {
            let mut framework = Framework::new(
                request.framework.clone(),
                request.framework_pid.clone(),
                self.options.max_completed_executors_per_framework,
            );
            if let Some(completed) = self.books.take_completed(&framework_id) {
                framework.completed_executors = completed.completed_executors;
            }
            self.books
                .frameworks
                .insert(framework_id.clone(), framework);
        }

        if !allocated {
            self.drop_tasks(
                ctx,
                &framework_id,
                &executor_id,
                &request.tasks,
                Reason::TaskInvalid,
                "Missing 'Resource.AllocationInfo' for resources allocated to a MULTI_ROLE \
                 framework",
            );
            self.remove_framework_if_idle(ctx, &framework_id);
            return;
        }

        let Some(framework) = self.books.framework(&framework_id) else {
            return;
        };
        if framework.state == FrameworkState::Terminating {
            tracing::warn!(framework = %framework_id, "ignoring tasks: the framework is terminating");
            if request.launch_executor == Some(true) {
                self.send_exited_executor(ctx, &framework_id, &executor_id, None);
            }
            return;
        }
        let existing = framework
            .executors
            .get(&executor_id)
            .map(|executor| executor.state);

        // The master says whether it expects a new executor; disagreeing drops the tasks.
        if let Some(launch) = request.launch_executor {
            if request.group.is_none() && request.command_executor {
                if existing.is_some() {
                    self.drop_tasks(
                        ctx,
                        &framework_id,
                        &executor_id,
                        &request.tasks,
                        Reason::TaskInvalid,
                        "Cannot reuse an already existing executor for a command task",
                    );
                    return;
                }
            } else if launch && existing.is_some() {
                self.drop_tasks(
                    ctx,
                    &framework_id,
                    &executor_id,
                    &request.tasks,
                    Reason::ExecutorTerminated,
                    "Master wants to launch executor, but one already exists",
                );
                match existing {
                    Some(ExecutorState::Terminated) => {
                        self.send_exited_executor(ctx, &framework_id, &executor_id, None)
                    }
                    Some(ExecutorState::Registering | ExecutorState::Running) => {
                        self.shutdown_executor(ctx, &framework_id, &executor_id)
                    }
                    _ => {}
                }
                return;
            } else if !launch && existing.is_none() {
                self.drop_tasks(
                    ctx,
                    &framework_id,
                    &executor_id,
                    &request.tasks,
                    Reason::ExecutorTerminated,
                    "No executor is expected to launch and there is none running",
                );
                self.remove_framework_if_idle(ctx, &framework_id);
                return;
            }
        }

        let state = match existing {
            Some(state) => state,
            None => {
                let launched = self.add_executor(
                    ctx,
                    &framework_id,
                    request.executor.clone(),
                    &request.tasks,
                    request.group.is_none(),
                    request.command_executor,
                );
                if let Err(error) = launched {
                    self.drop_tasks(
                        ctx,
                        &framework_id,
                        &executor_id,
                        &request.tasks,
                        Reason::ExecutorTerminated,
                        &error,
                    );
                    self.remove_framework_if_idle(ctx, &framework_id);
                    if request.launch_executor == Some(true) {
                        self.send_exited_executor(ctx, &framework_id, &executor_id, None);
                    }
                    return;
                }
                ExecutorState::Registering
            }
        };

        match state {
            ExecutorState::Terminating | ExecutorState::Terminated => {
                let which = if state == ExecutorState::Terminating {
                    "terminating"
                } else {
                    "terminated"
                };
                tracing::warn!(executor = %executor_id, "asked to run tasks on an executor that is {which}");
                self.drop_tasks(
                    ctx,
                    &framework_id,
                    &executor_id,
                    &request.tasks,
                    Reason::ExecutorTerminated,
                    &format!("Executor {which}"),
                );
            }
            ExecutorState::Registering | ExecutorState::Running => {
                let Some(executor) = self.books.executor_mut(&framework_id, &executor_id) else {
                    return;
                };
                match request.group.clone() {
                    Some(group) => executor.enqueue_task_group(group),
                    None => {
                        for task in &request.tasks {
                            executor.enqueue_task(task.clone());
                        }
                    }
                }
                if state == ExecutorState::Running {
                    let (tasks, groups) = match request.group {
                        Some(group) => (Vec::new(), vec![group]),
                        None => (request.tasks, Vec::new()),
                    };
                    self.update_then_deliver(ctx, &framework_id, &executor_id, tasks, groups);
                }
            }
        }
    }

    /// TASK_DROPPED (partition-aware frameworks) or TASK_LOST for tasks that cannot run.
    pub(crate) fn drop_tasks(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        tasks: &[TaskInfo],
        reason: Reason,
        message: &str,
    ) {
        let state = self.lost_or_dropped(framework_id);
        for task in tasks {
            self.report(
                ctx,
                framework_id,
                &task.task_id.value,
                state,
                reason,
                message,
                Some(executor_id),
            );
        }
    }

    /// TASK_DROPPED for partition-aware frameworks, else TASK_LOST.
    pub(crate) fn lost_or_dropped(&self, framework_id: &str) -> TaskState {
        match self.books.framework(framework_id) {
            Some(framework) if framework.is_partition_aware() => TaskState::TaskDropped,
            _ => TaskState::TaskLost,
        }
    }

    /// KillTaskMessage: a queued task is killed here; a launched one is the executor's to kill.
    pub(crate) fn kill_task(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: KillTaskMessage,
    ) {
        if !self.is_from_master(from, "kill task") {
            return;
        }
        let framework_id = message.framework_id.value;
        let task_id = message.task_id.value;
        tracing::info!(task = %task_id, framework = %framework_id, "asked to kill task");
        if self.state == AgentState::Terminating {
            tracing::warn!(task = %task_id, "cannot kill task: the agent is terminating");
            return;
        }
        let Some(framework) = self.books.framework(&framework_id) else {
            tracing::warn!(task = %task_id, framework = %framework_id, "ignoring kill of a task of an unknown framework");
            return;
        };
        if framework.state == FrameworkState::Terminating {
            tracing::warn!(task = %task_id, "ignoring kill: the framework is terminating");
            return;
        }
        let Some(executor) = framework.executor_for_task(&task_id) else {
            tracing::warn!(task = %task_id, "cannot kill task: no executor runs it");
            let state = self.lost_or_dropped(&framework_id);
            self.report(
                ctx,
                &framework_id,
                &task_id,
                state,
                Reason::ExecutorTerminated,
                "Cannot find executor",
                None,
            );
            return;
        };
        let executor_id = executor.id.clone();
        match executor.state {
            ExecutorState::Registering => {
                self.kill_queued(ctx, &framework_id, &executor_id, &task_id);
            }
            ExecutorState::Terminating | ExecutorState::Terminated => {
                tracing::warn!(
                    task = %task_id,
                    executor = %executor_id,
                    state = executor.state.name(),
                    "ignoring kill: the executor is going away"
                );
            }
            ExecutorState::Running => {
                if executor.is_queued(&task_id) {
                    self.kill_queued(ctx, &framework_id, &executor_id, &task_id);
                    let idle = self
                        .books
                        .executor(&framework_id, &executor_id)
                        .is_some_and(|e| !e.ever_sent_task() && e.queued_tasks.is_empty());
                    if idle {
                        tracing::warn!(
                            executor = %executor_id,
                            "shutting down an executor that was never sent a task and whose \
                             queued tasks were all killed"
                        );
                        self.shutdown_executor(ctx, &framework_id, &executor_id);
                    }
                } else {
                    self.send_kill_event(
                        &framework_id,
                        &executor_id,
                        &task_id,
                        message.kill_policy,
                    );
                }
            }
        }
    }

    /// TASK_KILLED for a queued task (and the rest of its group) before delivery.
    fn kill_queued(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        task_id: &str,
    ) {
        let group = self
            .books
            .executor(framework_id, executor_id)
            .and_then(|executor| executor.queued_task_group(task_id).cloned());
        let (ids, message) = match group {
            Some(group) => (
                group
                    .tasks
                    .iter()
                    .map(|task| task.task_id.value.clone())
                    .collect(),
                "A task within the task group was killed before delivery to the executor",
            ),
            None => (
                vec![task_id.to_owned()],
                "Killed before delivery to the executor",
            ),
        };
        for id in ids {
            self.report(
                ctx,
                framework_id,
                &id,
                TaskState::TaskKilled,
                Reason::TaskKilledDuringLaunch,
                message,
                Some(executor_id),
            );
        }
    }
}

/// Gives every resource without an allocation the framework's role; `false` when the
/// framework has several roles, so the role cannot be guessed.
fn allocate(resources: &mut [Resource], roles: &BTreeSet<String>) -> bool {
    for resource in resources.iter_mut() {
        if resource.allocation_info.is_none() {
            let [role] = roles.iter().collect::<Vec<_>>()[..] else {
                return false;
            };
            resource.allocation_info = Some(AllocationInfo {
                role: Some(role.clone()),
            });
        }
    }
    true
}
