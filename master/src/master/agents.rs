//! Agent registration, unregistration and disconnection (Mesos's `registerSlave`,
//! `unregisterSlave`, `exited`); reregistration is in `reregistration.rs`.
//!
//! The master sends an agent `SlaveRegisteredMessage` / `SlaveReregisteredMessage` (with
//! `connection.total_ping_timeout_seconds`), `ShutdownMessage` when it must stop (gone, or
//! reregistering from another IP or hostname), `ShutdownFrameworkMessage` for frameworks the
//! master has removed, `KillTaskMessage` for tasks killed while it was away, and
//! `UpdateFrameworkMessage` with the current `FrameworkInfo` of its frameworks.

use std::collections::HashMap;

use libprocess::{Context, Failure, Upid};
use proto::{
    convert::evolve,
    internal::{
        MasterSlaveConnection, RegisterSlaveMessage, SlaveRegisteredMessage, UnregisterSlaveMessage,
    },
    v0::{SlaveId, slave_info, task_status::Reason},
    v1,
};
use resources::Resources;

use super::{Master, agent_key, framework_key, now};
use crate::{
    books::{Agent, MasterUpdate},
    constants::MINIMUM_AGENT_VERSION,
    registrar::{Operation, RegistrarError},
    validation::agent::validate_register,
};

/// Parses `major.minor.patch` (anything after the patch number, like `-dev`, is ignored).
pub(crate) fn parse_version(version: &str) -> Option<(u64, u64, u64)> {
    let mut parts = version.splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let rest = parts.next()?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((major, minor, digits.parse().ok()?))
}

pub(super) fn version_ok(version: Option<&str>, from: &Upid) -> bool {
    match version.and_then(parse_version) {
        Some(parsed) if parsed >= MINIMUM_AGENT_VERSION => true,
        Some(parsed) => {
            tracing::warn!(%from, ?parsed, "ignoring an agent older than 1.0.0");
            false
        }
        None => {
            tracing::warn!(%from, version = version.unwrap_or(""),
                "ignoring an agent whose version does not parse (send e.g. '1.11.0')");
            false
        }
    }
}

pub(super) fn capabilities_v1(
    capabilities: &[slave_info::Capability],
) -> Vec<v1::agent_info::Capability> {
    capabilities
        .iter()
        .map(|capability| v1::agent_info::Capability {
            r#type: capability.r#type,
        })
        .collect()
}

impl Master {
    pub(super) fn connection(&self) -> MasterSlaveConnection {
        MasterSlaveConnection {
            total_ping_timeout_seconds: Some(self.config.total_ping_timeout().as_secs_f64()),
        }
    }

    /// A registrar failure is fatal: the books and the registry could diverge. Mesos aborts
    /// the master; we log and terminate the master process (the binary then exits).
    pub(crate) fn registry_failed(
        &mut self,
        ctx: &mut Context<Self>,
        error: impl std::fmt::Display,
    ) {
        tracing::error!(%error, "the registry could not be updated: terminating the master");
        ctx.terminate();
    }

    /// Turns a registrar answer into `Some(mutated)`, `None` for a refused operation, and
    /// terminates the master on a storage failure.
    pub(crate) fn registry_result(
        &mut self,
        ctx: &mut Context<Self>,
        result: Result<Result<bool, RegistrarError>, Failure>,
    ) -> Option<bool> {
        match result {
            Ok(Ok(mutated)) => Some(mutated),
            Ok(Err(RegistrarError::Refused(error))) => {
                tracing::warn!(%error, "registry operation refused");
                None
            }
            Ok(Err(error)) => {
                self.registry_failed(ctx, error);
                None
            }
            Err(failure) => {
                self.registry_failed(ctx, failure);
                None
            }
        }
    }

    pub(crate) fn register_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: RegisterSlaveMessage,
    ) {
        self.count("messages_register_slave");
        if let Err(error) = validate_register(&message) {
            tracing::warn!(%from, %error, "dropping an invalid agent registration");
            return;
        }
        if self.books.agents.registering.contains(&from) {
            tracing::info!(%from, "ignoring a registration already in progress");
            return;
        }
        if !version_ok(message.version.as_deref(), &from) {
            return;
        }
        if message.slave.domain.is_some() && self.info.domain.is_none() {
            tracing::warn!(%from, "ignoring an agent with a domain: the master has none");
            return;
        }
        if let Some(existing) = self.books.agents.id_by_pid(&from).map(str::to_string) {
            let connected = self
                .books
                .agents
                .get(&existing)
                .is_some_and(|agent| agent.connected);
            if connected {
                tracing::info!(agent_id = %existing, "agent already registered, resending the acknowledgement");
                ctx.send_protobuf(
                    &from,
                    &SlaveRegisteredMessage {
                        slave_id: SlaveId { value: existing },
                        connection: Some(self.connection()),
                    },
                );
                return;
            }
            tracing::info!(agent_id = %existing, %from,
                "removing the old disconnected agent: a new agent registered at its address");
            self.remove_agent(
                ctx,
                &existing,
                "a new agent registered at the same address".into(),
                "slave_removals/reason_registered",
            );
        }
        let agent_id = self.ids.next_agent_id();
        let mut message = message;
        message.slave.id = Some(SlaveId {
            value: agent_id.clone(),
        });
        tracing::info!(%from, %agent_id, hostname = %message.slave.hostname, "registering agent");
        self.books.agents.registering.insert(from.clone());
        let admission = self.registrar.apply(Operation::AdmitAgent {
            info: message.slave.clone(),
        });
        ctx.then(admission, move |master: &mut Master, ctx, result| {
            master.books.agents.registering.remove(&from);
            if master.registry_result(ctx, result) != Some(true) {
                return;
            }
            master.admitted_agent(ctx, from, message);
        });
    }

    fn admitted_agent(
        &mut self,
        ctx: &mut Context<Self>,
        pid: Upid,
        message: RegisterSlaveMessage,
    ) {
        let total = Resources::from_proto_v0(&message.slave.resources).unwrap_or_default();
        let agent = Agent::new(
            message.slave,
            pid.clone(),
            message.version.unwrap_or_default(),
            message.agent_capabilities,
            total,
            now(ctx),
        );
        let agent_id = agent.id.clone();
        self.count("slave_registrations");
        self.add_agent(ctx, agent);
        ctx.send_protobuf(
            &pid,
            &SlaveRegisteredMessage {
                slave_id: SlaveId {
                    value: agent_id.clone(),
                },
                connection: Some(self.connection()),
            },
        );
        tracing::info!(%agent_id, %pid, "registered agent");
        self.schedule_metrics_refresh(ctx);
    }

    /// Puts an agent in the books, links to it, tells the allocator, starts its health checks.
    pub(super) fn add_agent(&mut self, ctx: &mut Context<Self>, agent: Agent) {
        let agent_id = agent.id.clone();
        ctx.link(&agent.pid);
        let mut used: HashMap<allocator::FrameworkId, Resources> = HashMap::new();
        for (framework_id, resources) in &agent.used_resources {
            used.insert(framework_key(framework_id), resources.clone());
        }
        self.allocator.add_agent(
            agent_key(&agent_id),
            evolve(&agent.info),
            capabilities_v1(&agent.capabilities),
            None,
            agent.total_resources.clone(),
            used,
        );
        self.books.agents.insert(agent);
        self.start_health_checks(ctx, &agent_id);
    }

    pub(crate) fn unregister_agent(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: UnregisterSlaveMessage,
    ) {
        self.count("messages_unregister_slave");
        let agent_id = message.slave_id.value;
        let Some(agent) = self.books.agents.get(&agent_id) else {
            tracing::warn!(%agent_id, %from, "ignoring the unregistration of an unknown agent");
            return;
        };
        if agent.pid != from {
            tracing::warn!(%agent_id, %from, expected = %agent.pid,
                "ignoring an unregistration from a pid that is not the agent's");
            return;
        }
        self.remove_agent(
            ctx,
            &agent_id,
            "the agent unregistered".into(),
            "slave_removals/reason_unregistered",
        );
    }

    /// The link to an agent broke: disconnect it (Mesos's `exited` for agents).
    pub(crate) fn agent_exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        let Some(agent_id) = self.books.agents.id_by_pid(pid).map(str::to_string) else {
            return;
        };
        let Some(agent) = self.books.agents.get_mut(&agent_id) else {
            return;
        };
        if !agent.connected {
            tracing::warn!(%agent_id, "ignoring a duplicate exited notice");
            return;
        }
        tracing::info!(%agent_id, %pid, "agent disconnected");
        agent.connected = false;
        self.deactivate_agent(ctx, &agent_id);
        // Non-checkpointing frameworks lose their tasks on this agent at once.
        let framework_ids = self
            .books
            .agents
            .get(&agent_id)
            .map(Agent::framework_ids)
            .unwrap_or_default();
        for framework_id in framework_ids {
            let checkpointing = self
                .books
                .frameworks
                .get(&framework_id)
                .is_some_and(|framework| framework.info.checkpoint());
            if !checkpointing {
                self.remove_framework_from_agent(ctx, &agent_id, &framework_id);
            }
        }
        let timeout = self.config.agent_reregister_timeout;
        let target = agent_id.clone();
        let timer = ctx.delay(timeout, move |master: &mut Master, ctx| {
            master.agent_reregister_timeout(ctx, &target)
        });
        if let Some(agent) = self.books.agents.get_mut(&agent_id) {
            agent.reregistration_timer = Some(timer);
        }
    }

    fn agent_reregister_timeout(&mut self, ctx: &mut Context<Self>, agent_id: &str) {
        let Some(agent) = self.books.agents.get(agent_id) else {
            return;
        };
        if agent.connected {
            return;
        }
        self.count("slave_unreachable_scheduled");
        let message = format!(
            "agent did not reregister within {} after disconnecting",
            common::flags::format_duration(self.config.agent_reregister_timeout)
        );
        self.mark_unreachable(ctx, agent_id, message);
    }

    /// Stops offering an agent's resources and rescinds its offers.
    pub(crate) fn deactivate_agent(&mut self, ctx: &mut Context<Self>, agent_id: &str) {
        let Some(agent) = self.books.agents.get_mut(agent_id) else {
            return;
        };
        agent.active = false;
        let offers: Vec<String> = agent.offers.iter().cloned().collect();
        self.allocator.deactivate_agent(agent_key(agent_id));
        for offer_id in offers {
            self.rescind_offer(ctx, &offer_id, None);
        }
    }

    /// A non-checkpointing framework's tasks on a disconnected agent become TASK_LOST and its
    /// executors there are forgotten (Mesos's `removeFramework(Slave*, Framework*)`).
    fn remove_framework_from_agent(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: &str,
        framework_id: &str,
    ) {
        let hostname = self
            .books
            .agents
            .get(agent_id)
            .map(|agent| agent.info.hostname.clone())
            .unwrap_or_default();
        let task_ids: Vec<String> = self
            .books
            .agents
            .get(agent_id)
            .and_then(|agent| agent.tasks.get(framework_id))
            .map(|tasks| tasks.iter().cloned().collect())
            .unwrap_or_default();
        let time = now(ctx);
        for task_id in task_ids {
            let Some(entry) = self.books.task(framework_id, &task_id) else {
                continue;
            };
            let update = MasterUpdate::for_task(
                &entry.task,
                proto::v0::TaskState::TaskLost,
                Reason::SlaveDisconnected,
                format!("Agent {hostname} disconnected"),
            )
            .build(time);
            self.update_and_remove_task(ctx, &update, false);
            self.forward(&update, false);
        }
        let executor_ids: Vec<String> = self
            .books
            .agents
            .get(agent_id)
            .and_then(|agent| agent.executors.get(framework_id))
            .map(|executors| executors.keys().cloned().collect())
            .unwrap_or_default();
        for executor_id in executor_ids {
            self.remove_executor(ctx, framework_id, agent_id, &executor_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.11.0"), Some((1, 11, 0)));
        assert_eq!(parse_version("1.2.3-rc1"), Some((1, 2, 3)));
        assert_eq!(parse_version("1.2"), None);
        assert_eq!(parse_version("x.1.1"), None);
    }
}
