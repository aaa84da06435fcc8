//! Taking agents out: marking them unreachable (failed health checks, no reregistration in
//! time) or removing them (they unregistered, or a new agent took their address). The registry
//! changes first; only then do their tasks become TASK_LOST / TASK_UNREACHABLE, their offers
//! rescinded, and frameworks told with a FAILURE event (Mesos's `markUnreachable`,
//! `removeSlave`, `_removeSlave`, `__removeSlave`).

use libprocess::Context;
use proto::v0::{SlaveId, TaskState, TimeInfo, task_status::Reason};

use super::{Master, agent_key, events, now, time_info};
use crate::{books::MasterUpdate, registrar::Operation};

/// Why an agent leaves the registered set.
enum Departure {
    /// It unregistered or was replaced: its tasks are lost.
    Removed,
    /// It is unreachable since `time`: tasks of PARTITION_AWARE frameworks become
    /// TASK_UNREACHABLE, others TASK_LOST; both are remembered as unreachable tasks.
    Unreachable(TimeInfo),
}

impl Master {
    /// Marks a registered agent unreachable in the registry, then removes it from the books.
    pub(crate) fn mark_unreachable(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: &str,
        message: String,
    ) {
        let agents = &self.books.agents;
        let Some(agent) = agents.get(agent_id) else {
            tracing::warn!(%agent_id, "not marking unreachable: the agent is not registered");
            return;
        };
        if agents.reregistering.contains(agent_id)
            || agents.marking_unreachable.contains(agent_id)
            || agents.removing.contains(agent_id)
        {
            tracing::info!(%agent_id, "not marking unreachable: another transition is in progress");
            return;
        }
        let info = agent.info.clone();
        tracing::info!(%agent_id, %message, "marking agent unreachable");
        self.books
            .agents
            .marking_unreachable
            .insert(agent_id.to_string());
        let time = time_info(ctx);
        let apply = self
            .registrar
            .apply(Operation::MarkAgentUnreachable { info, time });
        let agent_id = agent_id.to_string();
        ctx.then(apply, move |master: &mut Master, ctx, result| {
            master.books.agents.marking_unreachable.remove(&agent_id);
            if master.registry_result(ctx, result).is_none() {
                return;
            }
            master.count("slave_removals");
            master.count("slave_removals/reason_unhealthy");
            master.count("slave_unreachable_completed");
            master
                .books
                .agents
                .unreachable
                .insert(agent_id.clone(), time);
            master.depart(ctx, &agent_id, &message, Departure::Unreachable(time));
            tracing::info!(%agent_id, "marked agent unreachable");
        });
    }

    /// Removes a registered agent from the registry, then from the books.
    pub(crate) fn remove_agent(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: &str,
        message: String,
        reason_counter: &'static str,
    ) {
        let agents = &self.books.agents;
        if agents.get(agent_id).is_none()
            || agents.marking_unreachable.contains(agent_id)
            || agents.removing.contains(agent_id)
        {
            tracing::warn!(%agent_id, "not removing the agent: unknown or already leaving");
            return;
        }
        tracing::info!(%agent_id, %message, "removing agent");
        self.books.agents.removing.insert(agent_id.to_string());
        let apply = self.registrar.apply(Operation::RemoveAgent {
            id: SlaveId {
                value: agent_id.to_string(),
            },
        });
        let agent_id = agent_id.to_string();
        ctx.then(apply, move |master: &mut Master, ctx, result| {
            master.books.agents.removing.remove(&agent_id);
            if master.registry_result(ctx, result).is_none() {
                return;
            }
            master.count("slave_removals");
            master.count(reason_counter);
            master.depart(ctx, &agent_id, &message, Departure::Removed);
            tracing::info!(%agent_id, "removed agent");
        });
    }

    /// Takes an agent out of the books after the registry changed.
    fn depart(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: &str,
        message: &str,
        departure: Departure,
    ) {
        let Some(agent) = self.books.agents.get(agent_id) else {
            return;
        };
        let hostname = agent.info.hostname.clone();
        // Out of the allocator first, so that nothing recovered below is offered again.
        self.allocator.remove_agent(agent_key(agent_id));
        let time = now(ctx);
        for (framework_id, task_id) in self.books.tasks_on_agent(agent_id) {
            let Some(framework) = self.books.frameworks.get(&framework_id) else {
                continue;
            };
            let partition_aware = framework.partition_aware();
            let Some(entry) = framework.tasks.get(&task_id) else {
                continue;
            };
            let (update, unreachable) = match &departure {
                Departure::Removed => (
                    MasterUpdate::for_task(
                        &entry.task,
                        TaskState::TaskLost,
                        Reason::SlaveRemoved,
                        format!("Agent {hostname} removed: {message}"),
                    ),
                    false,
                ),
                Departure::Unreachable(unreachable_time) => {
                    let state = if partition_aware {
                        TaskState::TaskUnreachable
                    } else {
                        TaskState::TaskLost
                    };
                    let mut update =
                        MasterUpdate::for_task(&entry.task, state, Reason::SlaveRemoved, message);
                    update.unreachable_time = Some(*unreachable_time);
                    (update, true)
                }
            };
            let update = update.build(time);
            self.update_and_remove_task(ctx, &update, unreachable);
            self.forward(&update, false);
        }
        let executors: Vec<(String, String)> = self
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
        for (framework_id, executor_id) in executors {
            // The allocator already forgot the agent: no resources to recover there.
            self.books
                .remove_executor(&framework_id, agent_id, &executor_id);
        }
        let offers: Vec<String> = self
            .books
            .agents
            .get(agent_id)
            .map(|agent| agent.offers.iter().cloned().collect())
            .unwrap_or_default();
        for offer_id in offers {
            self.remove_offer(ctx, &offer_id, true, false, None);
        }
        if let Some(agent) = self.books.agents.take(agent_id) {
            ctx.unlink(&agent.pid);
        }
        let lost = SlaveId {
            value: agent_id.to_string(),
        };
        let event = events::agent_lost(&lost);
        let connected: Vec<String> = self
            .books
            .frameworks
            .registered
            .values()
            .filter(|framework| framework.connected())
            .map(|framework| framework.id.clone())
            .collect();
        for framework_id in connected {
            self.send_event(&framework_id, &event);
        }
        self.schedule_metrics_refresh(ctx);
    }

    /// Tells every connected framework that an agent is lost (an agent recovered from the
    /// registry that never came back).
    pub(crate) fn send_agent_lost(&self, agent_id: &str) {
        let event = events::agent_lost(&SlaveId {
            value: agent_id.to_string(),
        });
        for framework in self.books.frameworks.registered.values() {
            if framework.connected() {
                self.send_event(&framework.id, &event);
            }
        }
    }
}
