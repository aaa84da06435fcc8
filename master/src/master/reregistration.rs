//! Agent reregistration (Mesos's `reregisterSlave`, `__reregisterSlave`,
//! `___reregisterSlave`, `reconcileKnownSlave`): an agent the master has registered gets
//! `SlaveReregisteredMessage` with reconciliation requests for tasks its report lacks; one
//! recovered from the registry or coming back from unreachable is readmitted with the tasks,
//! executors and frameworks it reports (partition-aware frameworks hear their tasks are back).

use std::collections::{HashMap, HashSet};

use libprocess::{Context, Upid};
use proto::{
    convert::evolve,
    internal::{
        KillTaskMessage, ReconcileTasksMessage, ReregisterSlaveMessage, ShutdownFrameworkMessage,
        ShutdownMessage, SlaveReregisteredMessage, UpdateFrameworkMessage,
    },
    v0::{
        SlaveId, TaskStatus,
        task_status::{Reason, Source},
    },
};
use resources::Resources;

use super::{
    Master, agent_key,
    agents::{capabilities_v1, version_ok},
    now,
};
use crate::{
    books::{Agent, MasterUpdate, TaskEntry},
    registrar::Operation,
    validation::agent::validate_reregister,
};

impl Master {
    pub(crate) fn reregister_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: ReregisterSlaveMessage,
    ) {
        self.count("messages_reregister_slave");
        let Some(agent_id) = message.slave.id.as_ref().map(|id| id.value.clone()) else {
            tracing::warn!(%from, "dropping a reregistration without an agent id");
            return;
        };
        let agents = &self.books.agents;
        if agents.reregistering.contains(&agent_id)
            || agents.marking_unreachable.contains(&agent_id)
        {
            tracing::info!(%agent_id, "ignoring a reregistration: another transition is in progress");
            return;
        }
        if agents.gone.contains_key(&agent_id) {
            tracing::warn!(%agent_id, %from, "refusing the reregistration of a gone agent");
            ctx.send_protobuf(
                &from,
                &ShutdownMessage {
                    message: Some("Agent has been marked gone".into()),
                },
            );
            return;
        }
        if let Err(error) = validate_reregister(&message) {
            tracing::warn!(%from, %error, "dropping an invalid agent reregistration");
            return;
        }
        if !version_ok(message.version.as_deref(), &from) {
            return;
        }
        self.books.agents.reregistering.insert(agent_id.clone());
        if let Some(agent) = self.books.agents.get(&agent_id) {
            if agent.pid.address().ip() != from.address().ip()
                || agent.info.hostname != message.slave.hostname
            {
                tracing::warn!(%agent_id, %from, "agent reregistered with another IP or hostname");
                ctx.send_protobuf(
                    &from,
                    &ShutdownMessage {
                        message: Some(
                            "Agent attempted to reregister with different IP / hostname".into(),
                        ),
                    },
                );
                self.books.agents.reregistering.remove(&agent_id);
                return;
            }
            if agent.info == message.slave {
                self.reregister_known_agent(ctx, from, message);
            } else {
                let update = self.registrar.apply(Operation::UpdateAgent {
                    info: message.slave.clone(),
                });
                ctx.then(update, move |master: &mut Master, ctx, result| {
                    if master.registry_result(ctx, result).is_none() {
                        master.books.agents.reregistering.remove(&agent_id);
                        return;
                    }
                    master.reregister_known_agent(ctx, from, message);
                });
            }
            return;
        }
        let operation = match self.books.agents.recovered.get(&agent_id) {
            Some(info) if *info == message.slave => None,
            Some(_) => Some(Operation::UpdateAgent {
                info: message.slave.clone(),
            }),
            None => Some(Operation::MarkAgentReachable {
                info: message.slave.clone(),
            }),
        };
        match operation {
            None => self.readmit_agent(ctx, from, message),
            Some(operation) => {
                let apply = self.registrar.apply(operation);
                ctx.then(apply, move |master: &mut Master, ctx, result| {
                    if master.registry_result(ctx, result).is_none() {
                        master.books.agents.reregistering.remove(&agent_id);
                        return;
                    }
                    master.readmit_agent(ctx, from, message);
                });
            }
        }
    }

    /// Readmits an agent the master did not have registered: one recovered from the registry
    /// after a master failover, or one that was unreachable (Mesos's `__reregisterSlave`).
    fn readmit_agent(
        &mut self,
        ctx: &mut Context<Self>,
        pid: Upid,
        message: ReregisterSlaveMessage,
    ) {
        let agent_id = message
            .slave
            .id
            .as_ref()
            .map(|id| id.value.clone())
            .unwrap_or_default();
        self.books.agents.reregistering.remove(&agent_id);
        let was_recovered = self.books.agents.recovered.remove(&agent_id).is_some();
        let was_unreachable = self.books.agents.unreachable.remove(&agent_id).is_some();
        self.books.agents.unreachable_tasks.remove(&agent_id);
        self.books.agents.removed.remove(&agent_id);

        // Frameworks the master does not know yet come back from the agent's report.
        for info in &message.frameworks {
            let framework_id = info
                .id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default();
            if self.books.frameworks.get(&framework_id).is_none()
                && !self.books.frameworks.is_completed(&framework_id)
            {
                self.recover_framework(ctx, info.clone());
            }
        }

        let time = now(ctx);
        let total = Resources::from_proto_v0(&message.slave.resources).unwrap_or_default();
        let mut agent = Agent::new(
            message.slave.clone(),
            pid.clone(),
            message.version.clone().unwrap_or_default(),
            message.agent_capabilities.clone(),
            total,
            time,
        );
        agent.reregistered_time = Some(time);
        self.books.agents.insert(agent);
        for executor in &message.executor_infos {
            let framework_id = executor
                .framework_id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default();
            if !self.books.frameworks.is_completed(&framework_id) {
                self.books
                    .add_executor(&framework_id, &agent_id, executor.clone());
            }
        }
        for task in &message.tasks {
            let framework_id = &task.framework_id.value;
            if self.books.frameworks.is_completed(framework_id) {
                continue;
            }
            if let Some(framework) = self.books.frameworks.get_mut(framework_id) {
                framework
                    .unreachable_tasks
                    .retain(|known| known.task_id != task.task_id);
                framework
                    .completed_tasks
                    .retain(|known| known.task_id != task.task_id);
            }
            if !was_recovered {
                let text = if was_unreachable {
                    "Unreachable agent re-reregistered"
                } else {
                    "Unknown agent reregistered"
                };
                let state = proto::v0::TaskState::try_from(task.state)
                    .unwrap_or(proto::v0::TaskState::TaskLost);
                let update = MasterUpdate::for_task(task, state, Reason::SlaveReregistered, text)
                    .with_latest_of(task)
                    .build(time);
                self.forward(&update, false);
            }
            let resources = Resources::from_proto_v0(&task.resources).unwrap_or_default();
            let entry = TaskEntry {
                task: task.clone(),
                resources,
            };
            if self.books.add_task(entry).is_err() {
                tracing::warn!(task_id = %task.task_id.value, %framework_id,
                    "ignoring a reported task the master cannot record");
            }
        }
        // The agent now goes to the allocator with what its tasks and executors use.
        let Some(agent) = self.books.agents.registered.remove(&agent_id) else {
            return;
        };
        self.books.agents.by_pid.remove(&agent.pid);
        self.count("slave_reregistrations");
        self.add_agent(ctx, agent);
        ctx.send_protobuf(
            &pid,
            &SlaveReregisteredMessage {
                slave_id: SlaveId {
                    value: agent_id.clone(),
                },
                reconciliations: Vec::new(),
                connection: Some(self.connection()),
            },
        );
        tracing::info!(%agent_id, %pid, "reregistered agent");
        self.shutdown_completed_frameworks(ctx, &pid, &message);
        self.send_framework_infos(ctx, &pid, &message);
        self.schedule_metrics_refresh(ctx);
    }

    /// Reregisters an agent the master has registered (Mesos's `___reregisterSlave`).
    fn reregister_known_agent(
        &mut self,
        ctx: &mut Context<Self>,
        pid: Upid,
        message: ReregisterSlaveMessage,
    ) {
        let agent_id = message
            .slave
            .id
            .as_ref()
            .map(|id| id.value.clone())
            .unwrap_or_default();
        self.books.agents.reregistering.remove(&agent_id);
        if self.books.agents.get(&agent_id).is_none() {
            tracing::warn!(%agent_id, "dropping a reregistration: the agent was removed meanwhile");
            return;
        }
        self.books.agents.update_pid(&agent_id, pid.clone());
        ctx.relink(&pid);
        let time = now(ctx);
        let Some(agent) = self.books.agents.get_mut(&agent_id) else {
            return;
        };
        agent.info = message.slave.clone();
        agent.version = message.version.clone().unwrap_or_default();
        agent.capabilities = message.agent_capabilities.clone();
        agent.total_resources =
            Resources::from_proto_v0(&message.slave.resources).unwrap_or_default();
        agent.reregistered_time = Some(time);
        self.allocator.update_agent(
            agent_key(&agent_id),
            evolve(&agent.info),
            Some(agent.total_resources.clone()),
            Some(capabilities_v1(&agent.capabilities)),
        );
        self.count("slave_reregistrations");
        self.reconcile_known_agent(ctx, &agent_id, &pid, &message, time);

        let Some(agent) = self.books.agents.get_mut(&agent_id) else {
            return;
        };
        if !agent.connected {
            if let Some(timer) = agent.reregistration_timer.take() {
                ctx.cancel(timer);
            }
            agent.connected = true;
            agent.active = true;
            tracing::info!(%agent_id, "reactivating the reregistered agent");
            self.allocator.activate_agent(agent_key(&agent_id));
            self.start_health_checks(ctx, &agent_id);
        }
        self.send_framework_infos(ctx, &pid, &message);
        self.schedule_metrics_refresh(ctx);
    }

    /// Sends `SlaveReregisteredMessage` with reconciliation requests for the tasks the master
    /// has on the agent that its report lacks, forgets executors the agent no longer runs,
    /// re-sends kills, and shuts down completed frameworks (Mesos's `reconcileKnownSlave`).
    fn reconcile_known_agent(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: &str,
        pid: &Upid,
        message: &ReregisterSlaveMessage,
        time: f64,
    ) {
        let reported: HashSet<(String, String)> = message
            .tasks
            .iter()
            .map(|task| (task.framework_id.value.clone(), task.task_id.value.clone()))
            .collect();
        let mut reconciliations = Vec::new();
        let mut by_framework: HashMap<String, Vec<TaskStatus>> = HashMap::new();
        for (framework_id, task_id) in self.books.tasks_on_agent(agent_id) {
            if reported.contains(&(framework_id.clone(), task_id.clone())) {
                continue;
            }
            let Some(entry) = self.books.task(&framework_id, &task_id) else {
                continue;
            };
            let state = entry.task.status_update_state.unwrap_or(entry.task.state);
            by_framework
                .entry(framework_id)
                .or_default()
                .push(TaskStatus {
                    task_id: entry.task.task_id.clone(),
                    state,
                    message: Some("Reconciliation request".into()),
                    source: Some(Source::Master as i32),
                    reason: Some(Reason::Reconciliation as i32),
                    slave_id: Some(SlaveId {
                        value: agent_id.to_string(),
                    }),
                    timestamp: Some(time),
                    ..TaskStatus::default()
                });
        }
        for (framework_id, statuses) in by_framework {
            let framework = self
                .books
                .frameworks
                .get(&framework_id)
                .map(|f| f.info.clone());
            reconciliations.push(ReconcileTasksMessage {
                framework_id: proto::v0::FrameworkId {
                    value: framework_id,
                },
                statuses,
                framework,
            });
        }
        ctx.send_protobuf(
            pid,
            &SlaveReregisteredMessage {
                slave_id: SlaveId {
                    value: agent_id.to_string(),
                },
                reconciliations,
                connection: Some(self.connection()),
            },
        );

        let reported_executors: HashSet<(String, String)> = message
            .executor_infos
            .iter()
            .map(|executor| {
                (
                    executor
                        .framework_id
                        .as_ref()
                        .map(|id| id.value.clone())
                        .unwrap_or_default(),
                    executor.executor_id.value.clone(),
                )
            })
            .collect();
        let known_executors: Vec<(String, String)> = self
            .books
            .agents
            .get(agent_id)
            .map(|agent| {
                agent
                    .executors
                    .iter()
                    .flat_map(|(framework_id, executors)| {
                        executors
                            .keys()
                            .map(move |id| (framework_id.clone(), id.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (framework_id, executor_id) in known_executors {
            if !reported_executors.contains(&(framework_id.clone(), executor_id.clone())) {
                self.remove_executor(ctx, &framework_id, agent_id, &executor_id);
            }
        }
        let killed = self
            .books
            .agents
            .get(agent_id)
            .map(|agent| agent.killed_tasks.clone())
            .unwrap_or_default();
        for task in &message.tasks {
            let state = proto::v0::TaskState::try_from(task.state)
                .unwrap_or(proto::v0::TaskState::TaskLost);
            if !state.is_terminal()
                && killed.contains(&(task.framework_id.value.clone(), task.task_id.value.clone()))
            {
                ctx.send_protobuf(
                    pid,
                    &KillTaskMessage {
                        framework_id: task.framework_id.clone(),
                        task_id: task.task_id.clone(),
                        kill_policy: None,
                    },
                );
            }
        }
        self.shutdown_completed_frameworks(ctx, pid, message);
    }

    fn shutdown_completed_frameworks(
        &self,
        ctx: &mut Context<Self>,
        pid: &Upid,
        message: &ReregisterSlaveMessage,
    ) {
        let mut ids: HashSet<String> = message
            .frameworks
            .iter()
            .filter_map(|info| info.id.as_ref().map(|id| id.value.clone()))
            .collect();
        ids.extend(
            message
                .tasks
                .iter()
                .map(|task| task.framework_id.value.clone()),
        );
        for framework_id in ids {
            if self.books.frameworks.is_completed(&framework_id) {
                tracing::info!(%framework_id, %pid, "shutting down a completed framework on a reregistered agent");
                ctx.send_protobuf(
                    pid,
                    &ShutdownFrameworkMessage {
                        framework_id: proto::v0::FrameworkId {
                            value: framework_id,
                        },
                    },
                );
            }
        }
    }

    /// Tells a (re)registered agent the current info of the frameworks it runs.
    fn send_framework_infos(
        &self,
        ctx: &mut Context<Self>,
        pid: &Upid,
        message: &ReregisterSlaveMessage,
    ) {
        for info in &message.frameworks {
            let Some(framework) = info
                .id
                .as_ref()
                .and_then(|id| self.books.frameworks.get(&id.value))
            else {
                continue;
            };
            ctx.send_protobuf(
                pid,
                &UpdateFrameworkMessage {
                    framework_id: proto::v0::FrameworkId {
                        value: framework.id.clone(),
                    },
                    pid: Some(super::frameworks::framework_pid_text(framework)),
                    framework_info: Some(framework.info.clone()),
                },
            );
        }
    }
}
