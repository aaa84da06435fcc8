//! Frameworks and the agent as a whole going away (Mesos's `shutdownFramework`,
//! `shutdownExecutor`, `shutdown`), and messages between frameworks and executors
//! (`schedulerMessage`, `executorMessage`, `updateFramework`).

use libprocess::{Context, Upid};
use proto::{
    internal::{
        ExecutorToFrameworkMessage, FrameworkToExecutorMessage, ShutdownExecutorMessage,
        ShutdownMessage, UnregisterSlaveMessage, UpdateFrameworkMessage,
    },
    v0::{ExecutorId, FrameworkId, SlaveId},
    v1::executor::{Event, event},
};

use super::{Agent, AgentState, executors::executor_ids};
use crate::books::{ExecutorState, FrameworkState};

impl Agent {
    /// ShutdownExecutorMessage from the master.
    pub(crate) fn shutdown_executor_message(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: ShutdownExecutorMessage,
    ) {
        if !self.is_from_master(from, "shutdown executor") {
            return;
        }
        let (Some(framework_id), Some(executor_id)) = (message.framework_id, message.executor_id)
        else {
            tracing::warn!("ignoring a shutdown executor message without ids");
            return;
        };
        if self.state != AgentState::Running {
            tracing::warn!(executor = %executor_id.value, "ignoring shutdown executor: not registered");
            return;
        }
        let Some(framework) = self.books.framework(&framework_id.value) else {
            tracing::warn!(framework = %framework_id.value, "cannot shut down an executor of an unknown framework");
            return;
        };
        if framework.state == FrameworkState::Terminating {
            return;
        }
        match framework.executors.get(&executor_id.value) {
            None => {
                tracing::warn!(executor = %executor_id.value, "ignoring shutdown of an unknown executor")
            }
            Some(executor)
                if matches!(
                    executor.state,
                    ExecutorState::Terminating | ExecutorState::Terminated
                ) =>
            {
                tracing::warn!(executor = %executor_id.value, "ignoring shutdown: the executor is already going away")
            }
            Some(_) => self.shutdown_executor(ctx, &framework_id.value, &executor_id.value),
        }
    }

    /// ShutdownFrameworkMessage from the master (or the agent shutting down): every
    /// executor of the framework goes.
    pub(crate) fn shutdown_framework(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        framework_id: &str,
    ) {
        if !self.is_from_master(from, "shutdown framework") {
            return;
        }
        if self.state != AgentState::Running {
            tracing::warn!(framework = %framework_id, "ignoring shutdown framework: not registered");
            return;
        }
        self.shutdown_framework_now(ctx, framework_id);
    }

    fn shutdown_framework_now(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        let Some(framework) = self.books.framework_mut(framework_id) else {
            tracing::debug!(framework = %framework_id, "cannot shut down an unknown framework");
            return;
        };
        if framework.state == FrameworkState::Terminating {
            tracing::warn!(framework = %framework_id, "ignoring shutdown: the framework is terminating");
            return;
        }
        tracing::info!(framework = %framework_id, "shutting down framework");
        framework.state = FrameworkState::Terminating;
        for executor_id in executor_ids(self, framework_id) {
            let state = self
                .books
                .executor(framework_id, &executor_id)
                .map(|executor| executor.state);
            match state {
                Some(ExecutorState::Registering | ExecutorState::Running) => {
                    self.shutdown_executor(ctx, framework_id, &executor_id)
                }
                Some(ExecutorState::Terminated) => {
                    self.remove_executor(ctx, framework_id, &executor_id)
                }
                _ => {}
            }
        }
        self.remove_framework_if_idle(ctx, framework_id);
    }

    /// FrameworkToExecutorMessage: MESSAGE to a running executor.
    pub(crate) fn framework_message(
        &mut self,
        _ctx: &mut Context<Self>,
        from: &Upid,
        message: FrameworkToExecutorMessage,
    ) {
        let framework_id = message.framework_id.value;
        let executor_id = message.executor_id.value;
        let running = self.state == AgentState::Running
            && self
                .books
                .framework(&framework_id)
                .is_some_and(|framework| framework.state == FrameworkState::Running)
            && self
                .books
                .executor(&framework_id, &executor_id)
                .is_some_and(|executor| executor.state == ExecutorState::Running);
        if !running {
            tracing::warn!(
                %from,
                framework = %framework_id,
                executor = %executor_id,
                "dropping a framework message: no such running executor"
            );
            self.count_framework_message(false);
            return;
        }
        let event = Event {
            r#type: Some(event::Type::Message as i32),
            message: Some(event::Message { data: message.data }),
            ..Default::default()
        };
        self.send_to_executor(&framework_id, &executor_id, &event);
        self.count_framework_message(true);
    }

    /// An executor's MESSAGE call: to the framework's scheduler (directly for a v0
    /// framework with a pid, else through the master).
    pub(crate) fn executor_message(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        data: Vec<u8>,
    ) {
        let framework = self.books.framework(framework_id);
        let usable = self.state == AgentState::Running
            && framework.is_some_and(|framework| framework.state == FrameworkState::Running);
        let (Some(framework), Some(master), true) = (framework, self.master.clone(), usable) else {
            tracing::warn!(framework = %framework_id, executor = %executor_id, "dropping an executor message");
            self.count_framework_message(false);
            return;
        };
        let to = framework.pid.clone().unwrap_or(master);
        ctx.send_protobuf(
            &to,
            &ExecutorToFrameworkMessage {
                slave_id: SlaveId {
                    value: self.agent_id().to_owned(),
                },
                framework_id: FrameworkId {
                    value: framework_id.to_owned(),
                },
                executor_id: ExecutorId {
                    value: executor_id.to_owned(),
                },
                data,
            },
        );
        self.count_framework_message(true);
    }

    /// UpdateFrameworkMessage: new framework info or scheduler pid.
    pub(crate) fn update_framework(
        &mut self,
        _ctx: &mut Context<Self>,
        from: &Upid,
        message: UpdateFrameworkMessage,
    ) {
        if !self.is_from_master(from, "update framework") {
            return;
        }
        let Some(framework) = self.books.framework_mut(&message.framework_id.value) else {
            tracing::debug!(framework = %message.framework_id.value, "ignoring an update of an unknown framework");
            return;
        };
        if let Some(info) = message.framework_info {
            framework.info = info;
        }
        if let Some(pid) = message.pid {
            framework.pid = pid.parse().ok();
        }
        tracing::info!(framework = %framework.id, "updated framework");
    }

    /// ShutdownMessage from the master: the agent must go away, with all its executors.
    pub(crate) fn shutdown_message(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: ShutdownMessage,
    ) {
        if !self.is_from_master(from, "shutdown") {
            return;
        }
        tracing::info!(
            reason = message.message.as_deref().unwrap_or(""),
            "the master asked this agent to shut down"
        );
        self.terminate_agent(ctx);
    }

    /// Shuts every framework down and terminates the agent process once they are gone.
    pub(crate) fn terminate_agent(&mut self, ctx: &mut Context<Self>) {
        if self.state == AgentState::Terminating {
            return;
        }
        if self.state == AgentState::Running
            && let Some(master) = self.master.clone()
        {
            ctx.send_protobuf(
                &master,
                &UnregisterSlaveMessage {
                    slave_id: SlaveId {
                        value: self.agent_id().to_owned(),
                    },
                },
            );
        }
        self.state = AgentState::Terminating;
        let frameworks: Vec<String> = self.books.frameworks.keys().cloned().collect();
        for framework_id in frameworks {
            self.shutdown_framework_now(ctx, &framework_id);
        }
        if self.books.frameworks.is_empty() {
            tracing::info!("agent terminated");
            ctx.terminate();
        }
    }

    fn count_framework_message(&self, valid: bool) {
        if let Some(metrics) = &self.metrics {
            if valid {
                metrics.valid_framework_messages.inc();
            } else {
                metrics.invalid_framework_messages.inc();
            }
        }
    }
}
