//! Status updates (Mesos's `statusUpdate`, `forward`, `statusUpdateAcknowledgement`): updates
//! from executors and from the agent itself go into the books and the status update
//! manager, which sends them to the master one at a time per task until acknowledged.

use libprocess::{Context, Upid};
use proto::{
    internal::{StatusUpdate, StatusUpdateAcknowledgementMessage, StatusUpdateMessage},
    v0::{
        ContainerId, ContainerStatus, NetworkInfo, TaskState, network_info,
        task_status::{Reason, Source},
    },
    v1,
};

use super::{Agent, AgentState};
use crate::{
    books::{ExecutorState, FrameworkState},
    status_update_manager::{Accepted, Forward},
    updates::{AgentReport, is_terminal},
};

/// Who sent a status update, which decides its source and who hears the acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpdateOrigin {
    /// The agent made it up (`SOURCE_SLAVE`); nobody is told it was taken.
    Agent,
    /// An executor sent it over its v1 API (`SOURCE_EXECUTOR`); it gets ACKNOWLEDGED once
    /// the status update manager has it.
    Executor,
}

impl Agent {
    /// Reports a task's new state as the agent (`SOURCE_SLAVE`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn report(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        task_id: &str,
        state: TaskState,
        reason: Reason,
        message: &str,
        executor_id: Option<&str>,
    ) {
        let uuid = self.random.uuid_bytes();
        let update = AgentReport {
            framework_id,
            agent_id: self.agent_id(),
            task_id,
            state,
            message: message.to_owned(),
            reason: Some(reason),
            executor_id,
        }
        .into_update(Self::now_secs(ctx), uuid);
        self.status_update(ctx, update, UpdateOrigin::Agent);
    }

    /// A status update entering the agent: checked, applied to the task's record, handed to
    /// the status update manager, and (for an executor's) acknowledged to the executor.
    pub(crate) fn status_update(
        &mut self,
        ctx: &mut Context<Self>,
        mut update: StatusUpdate,
        origin: UpdateOrigin,
    ) {
        let task_id = update.status.task_id.value.clone();
        let framework_id = update.framework_id.value.clone();
        if update.uuid.is_none() {
            tracing::warn!(task = %task_id, "ignoring a status update without 'uuid'");
            self.count_status_update(false);
            return;
        }
        let agent_id = self.agent_id().to_owned();
        let agent_mismatch = update.slave_id.as_ref().map(|id| id.value.as_str())
            != Some(agent_id.as_str())
            || update.status.slave_id.as_ref().map(|id| id.value.as_str())
                != Some(agent_id.as_str());
        if agent_mismatch {
            tracing::warn!(task = %task_id, expected = %agent_id, "ignoring a status update for another agent id");
            self.count_status_update(false);
            return;
        }
        update.status.uuid = update.uuid.clone();
        update.status.source = Some(match origin {
            UpdateOrigin::Agent => Source::Slave as i32,
            UpdateOrigin::Executor => Source::Executor as i32,
        });
        if let Some(executor_id) = &update.executor_id {
            update.status.executor_id = Some(executor_id.clone());
        }

        let Some(framework) = self.books.framework(&framework_id) else {
            tracing::warn!(task = %task_id, framework = %framework_id, "ignoring a status update for an unknown framework");
            self.count_status_update(false);
            return;
        };
        if framework.state == FrameworkState::Terminating {
            tracing::warn!(task = %task_id, framework = %framework_id, "ignoring a status update for a terminating framework");
            self.count_status_update(false);
            return;
        }
        let Some(executor) = framework.executor_for_task(&task_id) else {
            tracing::warn!(task = %task_id, "no executor knows the task of this status update");
            self.count_status_update(true);
            self.manage_update(ctx, update.clone());
            self.after_update_taken(&update, origin);
            return;
        };
        let executor_id = executor.id.clone();
        let container_id = executor.container_id.clone();
        if origin == UpdateOrigin::Executor && update.status.state == TaskState::TaskStaging as i32
        {
            tracing::error!(executor = %executor_id, "received TASK_STAGING from an executor; shutting it down");
            self.shutdown_executor(ctx, &framework_id, &executor_id);
            return;
        }
        self.count_status_update(true);

        // What the containerizer would report: the container and the agent's address.
        if update.status.container_status.is_none() {
            update.status.container_status = Some(ContainerStatus {
                container_id: Some(ContainerId {
                    value: container_id.clone(),
                    parent: None,
                }),
                network_infos: vec![NetworkInfo {
                    ip_addresses: vec![network_info::IpAddress {
                        ip_address: Some(ctx.self_pid().address().ip().to_string()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            });
        }

        let Some(executor) = self.books.executor_mut(&framework_id, &executor_id) else {
            return;
        };
        executor.add_pending_status(&update.status);
        if let Err(error) = executor.update_task_state(&update.status) {
            tracing::error!(
                task = %task_id,
                state = update.status.state,
                %error,
                "failed to update the task's state; the update is not forwarded"
            );
            self.after_update_taken(&update, origin);
            return;
        }
        if is_terminal(&update.status) {
            if let (Some(metrics), Ok(state)) =
                (&self.metrics, TaskState::try_from(update.status.state))
            {
                metrics.count_terminal(state);
            }
            let resources = executor.allocated_resources();
            let update_future = self.containerizer.update(
                &ContainerId {
                    value: container_id.clone(),
                    parent: None,
                },
                resources,
            );
            ctx.then(update_future, move |_agent: &mut Self, _ctx, result| {
                if let Err(error) = result {
                    tracing::warn!(container = %container_id, %error, "failed to shrink the container's resources");
                }
            });
        }
        self.manage_update(ctx, update.clone());
        self.after_update_taken(&update, origin);
    }

    /// Hands an update to the status update manager and sends what it says to send.
    pub(crate) fn manage_update(&mut self, ctx: &mut Context<Self>, update: StatusUpdate) {
        match self.status_updates.update(update) {
            Ok(Accepted::Forward(forward)) => self.forward(ctx, *forward),
            Ok(Accepted::Queued) => {}
            Ok(Accepted::Duplicate) => tracing::warn!("ignoring a duplicate status update"),
            Err(error) => tracing::error!(%error, "the status update manager refused an update"),
        }
    }

    /// The update is in the manager's hands: stop counting it as pending and, for an
    /// executor's update, tell the executor (ACKNOWLEDGED), as Mesos does once the update
    /// is safely with the agent.
    fn after_update_taken(&mut self, update: &StatusUpdate, origin: UpdateOrigin) {
        let framework_id = update.framework_id.value.as_str();
        let task_id = update.status.task_id.value.as_str();
        let Some(executor_id) = self
            .books
            .framework(framework_id)
            .and_then(|framework| framework.executor_id_for_task(task_id))
        else {
            return;
        };
        let Some(executor) = self.books.executor_mut(framework_id, &executor_id) else {
            return;
        };
        executor.remove_pending_status(&update.status);
        if origin == UpdateOrigin::Executor {
            let event = v1::executor::Event {
                r#type: Some(v1::executor::event::Type::Acknowledged as i32),
                acknowledged: Some(v1::executor::event::Acknowledged {
                    task_id: v1::TaskId {
                        value: task_id.to_owned(),
                    },
                    uuid: update.uuid.clone().unwrap_or_default(),
                }),
                ..Default::default()
            };
            self.send_to_executor(framework_id, &executor_id, &event);
        }
    }

    /// Sends an update to the master (if registered) and arms its retry timer.
    pub(crate) fn forward(&mut self, ctx: &mut Context<Self>, forward: Forward) {
        let retry = forward.retry;
        ctx.delay(retry.after, move |agent: &mut Self, ctx| {
            if let Some(again) = agent.status_updates.retry(&retry) {
                tracing::warn!(task = %again.update.status.task_id.value, "resending a status update");
                agent.forward(ctx, again);
            }
        });
        if self.state != AgentState::Running {
            tracing::warn!(state = ?self.state, "not sending a status update: not registered");
            return;
        }
        let Some(master) = self.master.clone() else {
            return;
        };
        let mut update = forward.update;
        update.status.uuid = update.uuid.clone();
        let framework_id = update.framework_id.value.clone();
        let task_id = update.status.task_id.value.clone();
        let executor_id = self
            .books
            .framework(&framework_id)
            .and_then(|framework| framework.executor_id_for_task(&task_id));
        if let Some(task) = executor_id
            .and_then(|executor_id| self.books.executor_mut(&framework_id, &executor_id))
            .and_then(|executor| executor.task_mut(&task_id))
        {
            task.status_update_state = Some(update.status.state);
            task.status_update_uuid = update.uuid.clone();
            update.latest_state = Some(task.state);
        }
        tracing::info!(
            task = %task_id,
            state = update.status.state,
            %master,
            "forwarding a status update"
        );
        ctx.send_protobuf(
            &master,
            &StatusUpdateMessage {
                update,
                pid: Some(ctx.self_pid().to_string()),
            },
        );
    }

    /// The master's acknowledgement of an update: the next update of the task goes out,
    /// and a task whose terminal update is acknowledged completes.
    pub(crate) fn acknowledgement(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: StatusUpdateAcknowledgementMessage,
    ) {
        if self.state != AgentState::Running {
            tracing::warn!(state = ?self.state, "dropping a status update acknowledgement: not registered");
            return;
        }
        if !self.is_from_master(from, "status update acknowledgement") {
            return;
        }
        let framework_id = message.framework_id.value;
        let task_id = message.task_id.value;
        let acknowledged =
            match self
                .status_updates
                .acknowledge(&framework_id, &task_id, &message.uuid)
            {
                Ok(acknowledged) => acknowledged,
                Err(error) => {
                    tracing::error!(%error, "failed to handle a status update acknowledgement");
                    return;
                }
            };
        if let Some(next) = acknowledged.next {
            self.forward(ctx, next);
        }
        let Some(executor_id) = self
            .books
            .framework(&framework_id)
            .and_then(|framework| framework.executor_id_for_task(&task_id))
        else {
            tracing::warn!(task = %task_id, "acknowledgement for a task no executor knows");
            self.remove_framework_if_idle(ctx, &framework_id);
            return;
        };
        let Some(executor) = self.books.executor_mut(&framework_id, &executor_id) else {
            return;
        };
        if acknowledged.terminated && executor.terminated_tasks.contains_key(&task_id) {
            executor.complete_task(&task_id);
        }
        if executor.state == ExecutorState::Terminated && !executor.has_incomplete_tasks() {
            self.remove_executor(ctx, &framework_id, &executor_id);
        }
        self.remove_framework_if_idle(ctx, &framework_id);
    }

    fn count_status_update(&self, valid: bool) {
        if let Some(metrics) = &self.metrics {
            if valid {
                metrics.valid_status_updates.inc();
            } else {
                metrics.invalid_status_updates.inc();
            }
        }
    }
}
