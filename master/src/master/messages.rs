//! Framework messages: MESSAGE calls become `FrameworkToExecutorMessage`s to the agent, and
//! `ExecutorToFrameworkMessage`s from agents become MESSAGE events (Mesos's `message` and
//! `executorMessage`).

use libprocess::{Context, Upid};
use proto::{
    internal::{ExecutorToFrameworkMessage, FrameworkToExecutorMessage},
    v0::{FrameworkId, scheduler::call::Message},
};

use super::{Master, events};

impl Master {
    pub(crate) fn framework_message(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        message: Message,
    ) {
        self.count("messages_framework_to_executor");
        let Some(agent) = self.books.agents.get(&message.slave_id.value) else {
            tracing::warn!(agent_id = %message.slave_id.value, "cannot send a framework message: unknown agent");
            self.count("invalid_framework_to_executor_messages");
            return;
        };
        if !agent.connected {
            tracing::warn!(agent_id = %agent.id, "cannot send a framework message: agent disconnected");
            self.count("invalid_framework_to_executor_messages");
            return;
        }
        ctx.send_protobuf(
            &agent.pid,
            &FrameworkToExecutorMessage {
                slave_id: message.slave_id,
                framework_id: FrameworkId {
                    value: framework_id.to_string(),
                },
                executor_id: message.executor_id,
                data: message.data,
            },
        );
        self.count("valid_framework_to_executor_messages");
    }

    pub(crate) fn executor_message(
        &mut self,
        _ctx: &mut Context<Self>,
        from: Upid,
        message: ExecutorToFrameworkMessage,
    ) {
        self.count("messages_executor_to_framework");
        let agent_id = &message.slave_id.value;
        let Some(agent) = self.books.agents.get(agent_id) else {
            tracing::warn!(%agent_id, "ignoring an executor message from an unknown or removed agent");
            self.count("invalid_executor_to_framework_messages");
            return;
        };
        if agent.pid != from {
            tracing::warn!(%agent_id, %from, "ignoring an executor message from a pid that is not the agent's");
            self.count("invalid_executor_to_framework_messages");
            return;
        }
        let framework_id = &message.framework_id.value;
        let connected = self
            .books
            .frameworks
            .get(framework_id)
            .is_some_and(|framework| framework.connected());
        if !connected {
            tracing::warn!(%framework_id, "not forwarding an executor message: framework unknown or disconnected");
            self.count("invalid_executor_to_framework_messages");
            return;
        }
        let event = events::message(
            &message.slave_id,
            &message.executor_id,
            message.data.clone(),
        );
        self.send_event(framework_id, &event);
        self.count("valid_executor_to_framework_messages");
    }
}
