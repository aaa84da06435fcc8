//! ACCEPT: launching tasks and task groups on offered resources (Mesos's `accept` and
//! `_accept`).
//!
//! Offers are validated first; bad offers turn every task of the call into TASK_DROPPED
//! (PARTITION_AWARE) or TASK_LOST with `REASON_INVALID_OFFERS`. Each task (or task group) is
//! then validated against what is left of the offers; an invalid one gets TASK_ERROR with
//! `REASON_TASK_INVALID` (`REASON_TASK_GROUP_INVALID`) and Mesos's message, and uses nothing. A
//! valid one is recorded as TASK_STAGING and sent to the agent as `RunTaskMessage` (or
//! `RunTaskGroupMessage`). Whatever the operations leave unused goes back to the allocator with
//! the call's filters. Reservation and volume operations are not supported yet: they are
//! dropped (with an OPERATION_ERROR update when the framework asked for feedback), leaving the
//! resources unused.

use libprocess::Context;
use proto::{
    internal::{RunTaskGroupMessage, RunTaskMessage, StatusUpdate},
    v0::{
        ExecutorInfo, FrameworkId, Resource, TaskInfo, TaskState, health_check,
        offer::{Operation, operation::Type as OperationType},
        resource::AllocationInfo,
        scheduler::call::Accept,
        task_status::Reason,
    },
    v1,
};
use resources::Resources;

use super::{Master, agent_key, framework_key, now};
use crate::{
    books::{MasterUpdate, TaskEntry, create_task},
    validation::{
        offers::validate_offers,
        task::{validate_task, validate_task_group},
    },
};

fn operation_type(operation: &Operation) -> OperationType {
    OperationType::try_from(operation.r#type.unwrap_or_default()).unwrap_or(OperationType::Unknown)
}

/// The tasks a LAUNCH or LAUNCH_GROUP operation would start.
fn launched_tasks(operation: &Operation) -> Vec<&TaskInfo> {
    match operation_type(operation) {
        OperationType::Launch => operation
            .launch
            .iter()
            .flat_map(|launch| &launch.task_infos)
            .collect(),
        OperationType::LaunchGroup => operation
            .launch_group
            .iter()
            .flat_map(|launch| &launch.task_group.tasks)
            .collect(),
        _ => Vec::new(),
    }
}

fn inject_role(resources: &mut [Resource], role: &str) {
    for resource in resources {
        if resource.allocation_info.is_none() {
            resource.allocation_info = Some(AllocationInfo {
                role: Some(role.to_string()),
            });
        }
    }
}

/// Mesos's normalization of a task before validation: the offer's allocation role on its
/// resources, the framework id on its executor, a health check type inferred from its fields.
fn normalize_task(task: &mut TaskInfo, framework_id: &str, role: &str) {
    inject_role(&mut task.resources, role);
    if let Some(executor) = &mut task.executor {
        inject_role(&mut executor.resources, role);
        if executor.framework_id.is_none() {
            executor.framework_id = Some(FrameworkId {
                value: framework_id.to_string(),
            });
        }
    }
    if let Some(check) = &mut task.health_check
        && check.r#type.is_none()
    {
        if check.command.is_some() && check.http.is_none() {
            check.r#type = Some(health_check::Type::Command as i32);
        } else if check.http.is_some() && check.command.is_none() {
            check.r#type = Some(health_check::Type::Http as i32);
        }
    }
}

impl Master {
    /// A TASK_ERROR / TASK_LOST / TASK_DROPPED for a task that never launched.
    fn refuse_task(
        &mut self,
        framework_id: &str,
        task: &TaskInfo,
        state: TaskState,
        reason: Reason,
        message: &str,
        time: f64,
    ) {
        let update: StatusUpdate = MasterUpdate::new(
            framework_id,
            Some(&task.slave_id.value),
            &task.task_id,
            state,
            reason,
            message,
        )
        .build(time);
        if let Some(metrics) = &self.metrics {
            metrics.task_ended(state);
        }
        self.forward(&update, false);
    }

    pub(crate) fn accept(&mut self, ctx: &mut Context<Self>, framework_id: &str, accept: Accept) {
        for operation in &accept.operations {
            if operation_type(operation) == OperationType::Launch {
                let empty = operation
                    .launch
                    .as_ref()
                    .is_none_or(|l| l.task_infos.is_empty());
                self.count(if empty {
                    "messages_decline_offers"
                } else {
                    "messages_launch_tasks"
                });
            }
        }
        let time = now(ctx);
        let partition_aware = self
            .books
            .frameworks
            .get(framework_id)
            .is_some_and(|framework| framework.partition_aware());
        let lost_state = if partition_aware {
            TaskState::TaskDropped
        } else {
            TaskState::TaskLost
        };
        let valid = match validate_offers(&accept.offer_ids, &self.books, framework_id) {
            Ok(valid) => valid,
            Err(error) => {
                tracing::warn!(%framework_id, %error, "ACCEPT used invalid offers");
                for offer_id in &accept.offer_ids {
                    let owned = self
                        .books
                        .offers
                        .get(&offer_id.value)
                        .is_some_and(|offer| offer.framework_id() == framework_id);
                    if owned {
                        self.discard_offer(ctx, &offer_id.value, None);
                    }
                }
                let message = format!("Task launched with invalid offers: {error}");
                for operation in &accept.operations {
                    for task in launched_tasks(operation) {
                        self.refuse_task(
                            framework_id,
                            task,
                            lost_state,
                            Reason::InvalidOffers,
                            &message,
                            time,
                        );
                    }
                }
                return;
            }
        };
        let agent_id = valid.agent_id;
        let role = valid.role;

        // The offers are used up now, whatever happens to the operations.
        let mut offered = Resources::new();
        for offer_id in &accept.offer_ids {
            if let Some(entry) = self.books.remove_offer(&offer_id.value) {
                if let Some(timer) = entry.timer {
                    ctx.cancel(timer);
                }
                offered += &entry.resources;
            }
        }
        let connected = self
            .books
            .agents
            .get(&agent_id)
            .is_some_and(|agent| agent.connected);
        if !connected {
            for operation in &accept.operations {
                for task in launched_tasks(operation) {
                    self.refuse_task(
                        framework_id,
                        task,
                        lost_state,
                        Reason::SlaveDisconnected,
                        "Agent disconnected",
                        time,
                    );
                }
            }
            self.allocator.recover_resources(
                framework_key(framework_id),
                agent_key(&agent_id),
                offered,
                None,
                false,
            );
            return;
        }

        let mut remaining = offered.clone();
        let mut launched = Resources::new();
        for mut operation in accept.operations {
            match operation_type(&operation) {
                OperationType::Launch => {
                    let tasks = operation
                        .launch
                        .take()
                        .map(|l| l.task_infos)
                        .unwrap_or_default();
                    if operation.id.is_some() {
                        for task in &tasks {
                            self.refuse_task(
                                framework_id,
                                task,
                                TaskState::TaskError,
                                Reason::TaskInvalid,
                                "The `id` field cannot be set on LAUNCH operations",
                                time,
                            );
                        }
                        continue;
                    }
                    for mut task in tasks {
                        normalize_task(&mut task, framework_id, &role);
                        match self.launch_task(ctx, framework_id, &agent_id, &task, &remaining) {
                            Ok(consumed) => {
                                remaining -= &consumed;
                                launched += &consumed;
                            }
                            Err(error) => self.refuse_task(
                                framework_id,
                                &task,
                                TaskState::TaskError,
                                Reason::TaskInvalid,
                                &error,
                                time,
                            ),
                        }
                    }
                }
                OperationType::LaunchGroup => {
                    let Some(mut launch) = operation.launch_group.take() else {
                        continue;
                    };
                    if operation.id.is_some() {
                        for task in &launch.task_group.tasks {
                            self.refuse_task(
                                framework_id,
                                task,
                                TaskState::TaskError,
                                Reason::TaskGroupInvalid,
                                "The `id` field cannot be set on LAUNCH_GROUP operations",
                                time,
                            );
                        }
                        continue;
                    }
                    inject_role(&mut launch.executor.resources, &role);
                    for task in &mut launch.task_group.tasks {
                        normalize_task(task, framework_id, &role);
                        if task.executor.is_none() {
                            task.executor = Some(launch.executor.clone());
                        }
                    }
                    match self.launch_group(
                        ctx,
                        framework_id,
                        &agent_id,
                        launch.executor,
                        launch.task_group.tasks,
                        &remaining,
                    ) {
                        Ok(consumed) => {
                            remaining -= &consumed;
                            launched += &consumed;
                        }
                        Err((tasks, error)) => {
                            for task in &tasks {
                                self.refuse_task(
                                    framework_id,
                                    task,
                                    TaskState::TaskError,
                                    Reason::TaskGroupInvalid,
                                    &error,
                                    time,
                                );
                            }
                        }
                    }
                }
                other => self.unsupported_operation(framework_id, &agent_id, &operation, other),
            }
        }

        self.allocator.pause();
        if !remaining.is_empty() {
            self.allocator.recover_resources(
                framework_key(framework_id),
                agent_key(&agent_id),
                remaining,
                accept
                    .filters
                    .map(|filters| proto::convert::evolve(&filters)),
                false,
            );
        }
        if !launched.is_empty() {
            self.allocator
                .transition_offered_to_allocated(agent_key(&agent_id), launched);
        }
        self.allocator.resume();
    }

    /// Validates and launches one task; returns what it consumed, or the task and why not.
    fn launch_task(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        agent_id: &str,
        task: &TaskInfo,
        available: &Resources,
    ) -> Result<Resources, String> {
        let (Some(framework), Some(agent)) = (
            self.books.frameworks.get(framework_id),
            self.books.agents.get(agent_id),
        ) else {
            return Err("Framework or agent is gone".into());
        };
        validate_task(task, framework, agent, available)?;
        let info = framework.info.clone();
        let scheduler_pid = super::frameworks::framework_pid_text(framework);
        let pid = agent.pid.clone();
        let mut consumed = Resources::from_proto_v0(&task.resources).unwrap_or_default();
        let mut launch_executor = true;
        if let Some(executor) = &task.executor {
            launch_executor = !agent.has_executor(framework_id, &executor.executor_id.value);
            if launch_executor {
                consumed += &Resources::from_proto_v0(&executor.resources).unwrap_or_default();
                self.books
                    .add_executor(framework_id, agent_id, executor.clone());
            }
        }
        self.record_task(framework_id, task);
        tracing::debug!(%framework_id, task_id = %task.task_id.value, %agent_id, "launching task");
        ctx.send_protobuf(
            &pid,
            &RunTaskMessage {
                framework: info,
                task: task.clone(),
                pid: Some(scheduler_pid),
                launch_executor: Some(launch_executor),
                ..RunTaskMessage::default()
            },
        );
        Ok(consumed)
    }

    /// Validates and launches a task group; returns what it consumed, or the tasks and why not.
    fn launch_group(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        agent_id: &str,
        executor: ExecutorInfo,
        tasks: Vec<TaskInfo>,
        available: &Resources,
    ) -> Result<Resources, (Vec<TaskInfo>, String)> {
        let (Some(framework), Some(agent)) = (
            self.books.frameworks.get(framework_id),
            self.books.agents.get(agent_id),
        ) else {
            return Err((tasks, "Framework or agent is gone".into()));
        };
        let group = proto::v0::TaskGroupInfo { tasks };
        if let Err(error) = validate_task_group(&group, &executor, framework, agent, available) {
            return Err((group.tasks, error));
        }
        let info = framework.info.clone();
        let pid = agent.pid.clone();
        let launch_executor = !agent.has_executor(framework_id, &executor.executor_id.value);
        let mut consumed = Resources::new();
        if launch_executor {
            consumed += &Resources::from_proto_v0(&executor.resources).unwrap_or_default();
            self.books
                .add_executor(framework_id, agent_id, executor.clone());
        }
        for task in &group.tasks {
            consumed += &Resources::from_proto_v0(&task.resources).unwrap_or_default();
            self.record_task(framework_id, task);
        }
        tracing::debug!(%framework_id, %agent_id, tasks = group.tasks.len(), "launching task group");
        ctx.send_protobuf(
            &pid,
            &RunTaskGroupMessage {
                framework: info,
                executor,
                task_group: group,
                resource_version_uuids: Vec::new(),
                launch_executor: Some(launch_executor),
            },
        );
        Ok(consumed)
    }

    fn record_task(&mut self, framework_id: &str, task: &TaskInfo) {
        let entry = TaskEntry {
            task: create_task(task, TaskState::TaskStaging, framework_id),
            resources: Resources::from_proto_v0(&task.resources).unwrap_or_default(),
        };
        if self.books.add_task(entry).is_err() {
            tracing::error!(task_id = %task.task_id.value, "a validated task could not be recorded");
        }
    }

    /// Reservation, volume and disk operations are not supported yet.
    fn unsupported_operation(
        &mut self,
        framework_id: &str,
        agent_id: &str,
        operation: &Operation,
        kind: OperationType,
    ) {
        tracing::warn!(%framework_id, operation = kind.as_str_name(), "dropping an unsupported operation");
        let Some(id) = &operation.id else {
            return;
        };
        let event = v1::scheduler::Event {
            r#type: Some(v1::scheduler::event::Type::UpdateOperationStatus as i32),
            update_operation_status: Some(v1::scheduler::event::UpdateOperationStatus {
                status: v1::OperationStatus {
                    operation_id: Some(proto::convert::evolve(id)),
                    state: v1::OperationState::OperationError as i32,
                    message: Some(format!(
                        "Operation {} is not supported by this master yet",
                        kind.as_str_name()
                    )),
                    agent_id: Some(v1::AgentId {
                        value: agent_id.to_string(),
                    }),
                    ..v1::OperationStatus::default()
                },
            }),
            ..v1::scheduler::Event::default()
        };
        self.send_event(framework_id, &event);
    }
}
