//! Task status: updates from agents forwarded to schedulers, acknowledgements back to agents,
//! KILL and SHUTDOWN, executors exiting (Mesos's `statusUpdate`, `forward`, `acknowledge`,
//! `kill`, `shutdown`, `exitedExecutor`, `updateTask`, `removeTask`, `removeExecutor`).
//!
//! The master expects from agents `StatusUpdateMessage` (with `update.uuid` and the agent's
//! pid in `pid`) and `ExitedExecutorMessage`; it sends agents
//! `StatusUpdateAcknowledgementMessage`, `KillTaskMessage` and `ShutdownExecutorMessage`.

use libprocess::{Context, Upid};
use proto::{
    internal::{
        ExitedExecutorMessage, KillTaskMessage, ShutdownExecutorMessage, StatusUpdate,
        StatusUpdateAcknowledgementMessage, StatusUpdateMessage,
    },
    v0::{
        FrameworkId, TaskState,
        scheduler::call::{Acknowledge, Kill, Reconcile, Shutdown, reconcile},
    },
};

use super::{Master, agent_key, events, framework_key};

impl Master {
    /// Sends a status update to its framework as an UPDATE event; agents' updates (with a
    /// uuid) ask for an acknowledgement, the master's own never do.
    pub(crate) fn forward(&mut self, update: &StatusUpdate, acknowledgeable: bool) {
        let framework_id = &update.framework_id.value;
        let connected = self
            .books
            .frameworks
            .get(framework_id)
            .is_some_and(|framework| framework.connected());
        if !connected {
            tracing::debug!(%framework_id, task_id = %update.status.task_id.value,
                "dropping a status update for a disconnected or unknown framework");
            return;
        }
        if acknowledgeable {
            self.books.note_forwarded(update);
        }
        self.send_event(framework_id, &events::update(update, acknowledgeable));
    }

    /// Applies a status update to a live task; when the task just ended, its resources go
    /// back to the allocator and the ending is counted. Returns whether the task was known.
    pub(crate) fn apply_status(&mut self, update: &StatusUpdate) -> bool {
        let framework_id = &update.framework_id.value;
        let task_id = &update.status.task_id.value;
        let Some((transition, released)) = self.books.update_task(framework_id, task_id, update)
        else {
            return false;
        };
        if let Some(resources) = released {
            if let Some(entry) = self.books.task(framework_id, task_id) {
                self.allocator.recover_resources(
                    framework_key(framework_id),
                    agent_key(&entry.task.slave_id.value),
                    resources,
                    None,
                    true,
                );
            }
            if transition.released
                && let Ok(state) = TaskState::try_from(update.status.state)
                && let Some(metrics) = &self.metrics
            {
                metrics.task_ended(state);
            }
        }
        true
    }

    /// A master-made terminal update: apply it and remove the task at once (no ack comes).
    pub(crate) fn update_and_remove_task(
        &mut self,
        _ctx: &mut Context<Self>,
        update: &StatusUpdate,
        unreachable: bool,
    ) {
        self.apply_status(update);
        let framework_id = &update.framework_id.value;
        let task_id = &update.status.task_id.value;
        self.remove_task(framework_id, task_id, unreachable);
    }

    /// Removes a task from the books; resources still in use go back to the allocator.
    pub(crate) fn remove_task(&mut self, framework_id: &str, task_id: &str, unreachable: bool) {
        if let Some((task, Some(resources))) =
            self.books.remove_task(framework_id, task_id, unreachable)
        {
            self.allocator.recover_resources(
                framework_key(framework_id),
                agent_key(&task.slave_id.value),
                resources,
                None,
                true,
            );
        }
    }

    /// Removes an executor; its resources go back to the allocator.
    pub(crate) fn remove_executor(
        &mut self,
        _ctx: &mut Context<Self>,
        framework_id: &str,
        agent_id: &str,
        executor_id: &str,
    ) {
        if let Some(resources) = self
            .books
            .remove_executor(framework_id, agent_id, executor_id)
        {
            self.allocator.recover_resources(
                framework_key(framework_id),
                agent_key(agent_id),
                resources,
                None,
                true,
            );
        }
    }

    pub(crate) fn status_update(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: StatusUpdateMessage,
    ) {
        self.count("messages_status_update");
        let update = message.update;
        let agent_id = update
            .slave_id
            .as_ref()
            .map(|id| id.value.clone())
            .unwrap_or_default();
        if self.books.agents.removed.contains(&agent_id) {
            tracing::warn!(%agent_id, %from, "ignoring a status update from a removed agent");
            self.count("invalid_status_updates");
            return;
        }
        let Some(agent) = self.books.agents.get(&agent_id) else {
            tracing::warn!(%agent_id, %from, "ignoring a status update from an unknown agent");
            self.count("invalid_status_updates");
            return;
        };
        if agent.pid != from {
            tracing::warn!(%agent_id, %from, expected = %agent.pid,
                "ignoring a status update from a pid that is not the agent's");
            self.count("invalid_status_updates");
            return;
        }
        if update.uuid.as_ref().is_none_or(|uuid| uuid.len() != 16) {
            tracing::warn!(%agent_id, "ignoring a status update without a valid uuid");
            self.count("invalid_status_updates");
            return;
        }
        let framework_id = update.framework_id.value.clone();
        let connected = self
            .books
            .frameworks
            .get(&framework_id)
            .is_some_and(|framework| framework.connected());
        if connected {
            self.forward(&update, true);
        } else {
            tracing::warn!(%framework_id, task_id = %update.status.task_id.value,
                "received a status update for an unknown or disconnected framework");
        }
        let known = self
            .books
            .agents
            .get(&agent_id)
            .is_some_and(|agent| agent.has_task(&framework_id, &update.status.task_id.value));
        if !known || !self.apply_status(&update) {
            tracing::warn!(%framework_id, task_id = %update.status.task_id.value,
                "could not find the task of a status update");
            self.count("invalid_status_updates");
            return;
        }
        self.count(if connected {
            "valid_status_updates"
        } else {
            "invalid_status_updates"
        });
        let _ = ctx;
    }

    pub(crate) fn acknowledge(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        acknowledge: Acknowledge,
    ) {
        self.count("messages_status_update_acknowledgement");
        let agent_id = acknowledge.slave_id.value.clone();
        let task_id = acknowledge.task_id.value.clone();
        let Some(agent) = self.books.agents.get(&agent_id) else {
            tracing::warn!(%agent_id, %task_id, "cannot acknowledge: the agent is not registered");
            self.count("invalid_status_update_acknowledgements");
            return;
        };
        if !agent.connected {
            tracing::warn!(%agent_id, %task_id, "cannot acknowledge: the agent is disconnected");
            self.count("invalid_status_update_acknowledgements");
            return;
        }
        let pid = agent.pid.clone();
        if agent.has_task(framework_id, &task_id) {
            let Some(entry) = self.books.task(framework_id, &task_id) else {
                return;
            };
            let (Some(state), Some(uuid)) = (
                entry.task.status_update_state,
                entry.task.status_update_uuid.as_ref(),
            ) else {
                tracing::warn!(%task_id, "ignoring an acknowledgement for an update this master did not send");
                self.count("invalid_status_update_acknowledgements");
                return;
            };
            let terminal = TaskState::try_from(state).is_ok_and(TaskState::is_terminal);
            if terminal && *uuid == acknowledge.uuid {
                self.remove_task(framework_id, &task_id, false);
            }
        }
        ctx.send_protobuf(
            &pid,
            &StatusUpdateAcknowledgementMessage {
                slave_id: acknowledge.slave_id,
                framework_id: FrameworkId {
                    value: framework_id.to_string(),
                },
                task_id: acknowledge.task_id,
                uuid: acknowledge.uuid,
            },
        );
        self.count("valid_status_update_acknowledgements");
    }

    pub(crate) fn kill(&mut self, ctx: &mut Context<Self>, framework_id: &str, kill: Kill) {
        self.count("messages_kill_task");
        let task_id = kill.task_id.value.clone();
        let Some(entry) = self.books.task(framework_id, &task_id) else {
            tracing::warn!(%framework_id, %task_id, "cannot kill an unknown task: reconciling it");
            self.reconcile(
                ctx,
                framework_id,
                Reconcile {
                    tasks: vec![reconcile::Task {
                        task_id: kill.task_id,
                        slave_id: kill.slave_id,
                    }],
                },
            );
            return;
        };
        let agent_id = entry.task.slave_id.value.clone();
        if kill
            .slave_id
            .as_ref()
            .is_some_and(|id| id.value != agent_id)
        {
            tracing::warn!(%framework_id, %task_id, "cannot kill: the task is on another agent");
            return;
        }
        let Some(agent) = self.books.agents.get_mut(&agent_id) else {
            return;
        };
        agent
            .killed_tasks
            .insert((framework_id.to_string(), task_id.clone()));
        if agent.connected {
            ctx.send_protobuf(
                &agent.pid,
                &KillTaskMessage {
                    framework_id: FrameworkId {
                        value: framework_id.to_string(),
                    },
                    task_id: kill.task_id,
                    kill_policy: kill.kill_policy,
                },
            );
        } else {
            tracing::warn!(%task_id, %agent_id,
                "the agent is disconnected: the kill is retried when it reregisters");
        }
    }

    pub(crate) fn shutdown_executor(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        shutdown: Shutdown,
    ) {
        let Some(agent) = self.books.agents.get(&shutdown.slave_id.value) else {
            tracing::warn!(agent_id = %shutdown.slave_id.value, "cannot shut down an executor of an unknown agent");
            return;
        };
        ctx.send_protobuf(
            &agent.pid,
            &ShutdownExecutorMessage {
                executor_id: Some(shutdown.executor_id),
                framework_id: Some(FrameworkId {
                    value: framework_id.to_string(),
                }),
            },
        );
    }

    pub(crate) fn exited_executor(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: ExitedExecutorMessage,
    ) {
        self.count("messages_exited_executor");
        let agent_id = message.slave_id.value.clone();
        let framework_id = message.framework_id.value.clone();
        let executor_id = message.executor_id.value.clone();
        let Some(agent) = self.books.agents.get(&agent_id) else {
            tracing::warn!(%agent_id, %executor_id, "ignoring an exited executor of an unknown or removed agent");
            return;
        };
        if agent.pid != from {
            tracing::warn!(%agent_id, %from, "ignoring an exited executor from a pid that is not the agent's");
            return;
        }
        if !agent.has_executor(&framework_id, &executor_id) {
            tracing::warn!(%agent_id, %executor_id, %framework_id, "ignoring an unknown exited executor");
            return;
        }
        tracing::info!(%agent_id, %executor_id, %framework_id, status = message.status, "executor exited");
        self.remove_executor(ctx, &framework_id, &agent_id, &executor_id);
        let event =
            events::executor_exited(&message.slave_id, &message.executor_id, message.status);
        self.send_event(&framework_id, &event);
    }
}
