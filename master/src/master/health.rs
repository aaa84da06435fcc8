//! Agent health checks (Mesos's `SlaveObserver`): the master pings each agent every
//! `agent_ping_timeout` with `PingSlaveMessage{connected}` and expects a `PongSlaveMessage` back
//! from the agent's pid; after `max_agent_ping_timeouts` consecutive timeouts without a pong the
//! agent is marked unreachable. Pinging continues until the agent is removed.

use libprocess::{Context, Upid};
use proto::internal::PingSlaveMessage;

use super::Master;

impl Master {
    /// Starts (or restarts, after a reregistration) the health checks of an agent: ping now.
    pub(crate) fn start_health_checks(&mut self, ctx: &mut Context<Self>, agent_id: &str) {
        let Some(agent) = self.books.agents.get_mut(agent_id) else {
            return;
        };
        agent.ping_epoch += 1;
        agent.pinged = false;
        agent.ping_timeouts = 0;
        let epoch = agent.ping_epoch;
        self.ping(ctx, agent_id, epoch);
    }

    fn ping(&mut self, ctx: &mut Context<Self>, agent_id: &str, epoch: u64) {
        let Some(agent) = self.books.agents.get_mut(agent_id) else {
            return;
        };
        if agent.ping_epoch != epoch {
            return;
        }
        ctx.send_protobuf(
            &agent.pid,
            &PingSlaveMessage {
                connected: agent.connected,
            },
        );
        agent.pinged = true;
        let agent_id = agent_id.to_string();
        ctx.delay(
            self.config.agent_ping_timeout,
            move |master: &mut Master, ctx| master.ping_timeout(ctx, &agent_id, epoch),
        );
    }

    fn ping_timeout(&mut self, ctx: &mut Context<Self>, agent_id: &str, epoch: u64) {
        let Some(agent) = self.books.agents.get_mut(agent_id) else {
            return;
        };
        if agent.ping_epoch != epoch {
            return;
        }
        if agent.pinged {
            agent.ping_timeouts += 1;
            if agent.ping_timeouts >= self.config.max_agent_ping_timeouts {
                let timeouts = agent.ping_timeouts;
                tracing::warn!(%agent_id, timeouts, "agent failed health checks");
                self.count("slave_unreachable_scheduled");
                let message = format!(
                    "health check timed out after {timeouts} missed pings of {}",
                    common::flags::format_duration(self.config.agent_ping_timeout)
                );
                self.mark_unreachable(ctx, agent_id, message);
            }
        }
        self.ping(ctx, agent_id, epoch);
    }

    /// A pong from `from`: the agent at that pid is alive.
    pub(crate) fn pong(&mut self, from: &Upid) {
        let Some(agent_id) = self.books.agents.id_by_pid(from).map(str::to_string) else {
            tracing::debug!(%from, "ignoring a pong from an unknown pid");
            return;
        };
        if let Some(agent) = self.books.agents.get_mut(&agent_id) {
            agent.pinged = false;
            agent.ping_timeouts = 0;
        }
    }
}
