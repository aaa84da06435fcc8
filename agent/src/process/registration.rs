//! Finding the master, registering and re-registering with backoff, and staying registered:
//! pings, ping timeouts, a broken link (Mesos's `detected`, `doReliableRegistration`,
//! `registered`, `reregistered`, `ping`, `pingTimeout`; mesos.md 2.3 and 2.4).

use std::time::Duration;

use libprocess::{Context, Upid};
use proto::{
    internal::{
        MasterSlaveConnection, PongSlaveMessage, RegisterSlaveMessage, ReregisterSlaveMessage,
        SlaveRegisteredMessage, SlaveReregisteredMessage,
    },
    v0::{TaskState, Uuid, task_status::Reason},
};

use super::{Agent, AgentState, DEFAULT_MASTER_PING_TIMEOUT};
use crate::{books::ExecutorState, updates::AgentReport, updates::create_task};

/// The longest wait between registration attempts (Mesos's `REGISTER_RETRY_INTERVAL_MAX`).
pub const REGISTER_RETRY_INTERVAL_MAX: Duration = Duration::from_secs(60);

/// The version the agent reports to the master.
const AGENT_VERSION: &str = common::version::MESOS_VERSION;

impl Agent {
    /// Asks the detector for the leader once it differs from `previous`, and keeps asking.
    pub(crate) fn watch_master(&mut self, ctx: &mut Context<Self>, previous: Option<Upid>) {
        let detection = self.detector.detect(previous.as_ref());
        ctx.then(detection, |agent: &mut Self, ctx, result| match result {
            Ok(leader) => agent.detected(ctx, leader),
            Err(error) => {
                // A detector that fails cannot tell us about masters any more; Mesos exits.
                tracing::error!(%error, "failed to detect a master; stopping the agent");
                agent.terminate_agent(ctx);
            }
        });
    }

    /// A (new) leading master, or none.
    fn detected(&mut self, ctx: &mut Context<Self>, leader: Option<Upid>) {
        match &leader {
            Some(master) => tracing::info!(%master, "new master detected"),
            None => tracing::info!("lost the leading master"),
        }
        self.master = leader.clone();
        self.disconnect(ctx);
        if self.master.is_some() && self.state != AgentState::Terminating {
            self.schedule_first_registration(ctx);
        }
        self.watch_master(ctx, leader);
    }

    /// Forgets the registration (keeping the master) and registers again, as after a ping
    /// timeout or a broken link: Mesos's re-detection with a standalone detector.
    pub(crate) fn redetect(&mut self, ctx: &mut Context<Self>) {
        self.disconnect(ctx);
        if let Some(master) = &self.master {
            // A fresh connection: the old one may be half-open.
            ctx.relink(master);
            if self.state != AgentState::Terminating {
                self.schedule_first_registration(ctx);
            }
        }
    }

    /// Stops everything that assumes a registration: sending status updates, ping timers,
    /// pending registration attempts.
    fn disconnect(&mut self, ctx: &mut Context<Self>) {
        if self.state != AgentState::Terminating {
            self.state = AgentState::Disconnected;
        }
        self.status_updates.pause();
        if let Some(timer) = self.registration_timer.take() {
            ctx.cancel(timer);
        }
        if let Some(timer) = self.ping_timer.take() {
            ctx.cancel(timer);
        }
        self.refresh_metrics();
    }

    /// The first attempt waits uniformly in `[0, registration_backoff_factor]` so agents do
    /// not all register at once; retries then double the bound.
    fn schedule_first_registration(&mut self, ctx: &mut Context<Self>) {
        let factor = self.options.registration_backoff_factor;
        let delay = factor.mul_f64(self.random.fraction());
        let timer = ctx.delay(delay, move |agent: &mut Self, ctx| {
            agent.registration_timer = None;
            agent.register_reliably(ctx, factor * 2);
        });
        self.registration_timer = Some(timer);
    }

    /// Sends RegisterSlaveMessage (no id yet) or ReregisterSlaveMessage, then retries after
    /// a random wait bounded by `max_backoff` (doubling, at most one minute) until the
    /// master answers.
    fn register_reliably(&mut self, ctx: &mut Context<Self>, max_backoff: Duration) {
        let Some(master) = self.master.clone() else {
            tracing::info!("skipping registration: no master");
            return;
        };
        if self.state != AgentState::Disconnected {
            return;
        }
        ctx.link(&master);
        if self.info.id.is_none() {
            tracing::info!(%master, "registering with the master");
            ctx.send_protobuf(
                &master,
                &RegisterSlaveMessage {
                    slave: self.info.clone(),
                    checkpointed_resources: Vec::new(),
                    version: Some(AGENT_VERSION.to_owned()),
                    agent_capabilities: Self::capabilities(),
                    resource_version_uuid: Some(Uuid {
                        value: self.resource_version.clone(),
                    }),
                },
            );
        } else {
            tracing::info!(%master, "re-registering with the master");
            let message = self.reregister_message();
            ctx.send_protobuf(&master, &message);
        }
        let max_backoff = max_backoff.min(REGISTER_RETRY_INTERVAL_MAX);
        let delay = max_backoff.mul_f64(self.random.fraction());
        let timer = ctx.delay(delay, move |agent: &mut Self, ctx| {
            agent.registration_timer = None;
            agent.register_reliably(ctx, max_backoff * 2);
        });
        self.registration_timer = Some(timer);
    }

    /// Everything the agent runs, for the master to rebuild its view after a disconnection.
    fn reregister_message(&self) -> ReregisterSlaveMessage {
        let mut message = ReregisterSlaveMessage {
            slave: self.info.clone(),
            version: Some(AGENT_VERSION.to_owned()),
            agent_capabilities: Self::capabilities(),
            resource_version_uuid: Some(Uuid {
                value: self.resource_version.clone(),
            }),
            ..Default::default()
        };
        for framework in self.books.frameworks.values() {
            message.frameworks.push(framework.info.clone());
            for executor in framework.executors.values() {
                message
                    .tasks
                    .extend(executor.launched_tasks.values().cloned());
                message
                    .tasks
                    .extend(executor.terminated_tasks.values().cloned());
                message.tasks.extend(
                    executor
                        .queued_tasks
                        .iter()
                        .map(|task| create_task(task, TaskState::TaskStaging, &framework.id)),
                );
                // Command executors are the agent's own; the master does not keep them.
                if !executor.command_executor && executor.state != ExecutorState::Terminated {
                    message.executor_infos.push(executor.info.clone());
                }
            }
        }
        for framework in &self.books.completed_frameworks {
            let mut archived = proto::internal::archive::Framework {
                framework_info: framework.info.clone(),
                pid: framework.pid.as_ref().map(ToString::to_string),
                tasks: Vec::new(),
            };
            for executor in &framework.completed_executors {
                archived
                    .tasks
                    .extend(executor.terminated_tasks.values().cloned());
                archived
                    .tasks
                    .extend(executor.completed_tasks.iter().cloned());
            }
            message.completed_frameworks.push(archived);
        }
        message
    }

    /// The master admitted the agent.
    pub(crate) fn registered(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: SlaveRegisteredMessage,
    ) {
        if !self.is_from_master(from, "registration") {
            return;
        }
        self.master_ping_timeout = ping_timeout(message.connection.as_ref());
        match self.state {
            AgentState::Disconnected => {
                let id = message.slave_id.value.clone();
                if self.info.id.as_ref().is_some_and(|known| known.value != id) {
                    tracing::error!(
                        given = %id,
                        known = %self.agent_id(),
                        "the master registered this agent under another id; ignoring"
                    );
                    return;
                }
                tracing::info!(master = %from, agent_id = %id, "registered with the master");
                self.info.id = Some(message.slave_id);
                self.become_running(ctx);
                let info = prost::Message::encode_to_vec(&self.info);
                if let Err(error) =
                    crate::paths::checkpoint_agent_info(&self.options.work_dir, &id, &info)
                {
                    tracing::warn!(%error, "failed to checkpoint the agent info");
                }
            }
            AgentState::Running => {
                if self.agent_id() != message.slave_id.value {
                    tracing::error!(
                        given = %message.slave_id.value,
                        known = %self.agent_id(),
                        "registered again under another id; ignoring"
                    );
                } else {
                    tracing::warn!(master = %from, "already registered with the master");
                }
            }
            AgentState::Terminating => {
                tracing::warn!("ignoring registration: the agent is terminating");
            }
        }
    }

    /// The master re-admitted the agent; it may ask about tasks the agent does not know.
    pub(crate) fn reregistered(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: SlaveReregisteredMessage,
    ) {
        if !self.is_from_master(from, "re-registration") {
            return;
        }
        if self.agent_id() != message.slave_id.value {
            tracing::error!(
                given = %message.slave_id.value,
                known = %self.agent_id(),
                "re-registered under another id; ignoring"
            );
            return;
        }
        self.master_ping_timeout = ping_timeout(message.connection.as_ref());
        match self.state {
            AgentState::Disconnected => {
                tracing::info!(master = %from, "re-registered with the master");
                self.become_running(ctx);
            }
            AgentState::Running => {
                tracing::warn!(master = %from, "already re-registered with the master");
            }
            AgentState::Terminating => {
                tracing::warn!("ignoring re-registration: the agent is terminating");
                return;
            }
        }
        // Tasks the master knows and the agent does not are gone: say so, so the master
        // can clean up (TASK_DROPPED for partition-aware frameworks, else TASK_LOST).
        for reconcile in message.reconciliations {
            let framework_id = reconcile.framework_id.value.clone();
            let partition_aware = reconcile.framework.as_ref().is_some_and(|info| {
                info.capabilities.iter().any(|capability| {
                    capability.r#type
                        == Some(proto::v0::framework_info::capability::Type::PartitionAware as i32)
                })
            });
            for status in reconcile.statuses {
                let task_id = status.task_id.value;
                let known = self
                    .books
                    .framework(&framework_id)
                    .is_some_and(|framework| framework.has_task(&task_id));
                if known {
                    continue;
                }
                let state = if partition_aware {
                    TaskState::TaskDropped
                } else {
                    TaskState::TaskLost
                };
                tracing::warn!(
                    task = %task_id,
                    framework = %framework_id,
                    state = state.as_str_name(),
                    "reconciling a task unknown to the agent"
                );
                let uuid = self.random.uuid_bytes();
                let update = AgentReport {
                    framework_id: &framework_id,
                    agent_id: self.agent_id(),
                    task_id: &task_id,
                    state,
                    message: "Reconciliation: task unknown to the agent".into(),
                    reason: Some(Reason::Reconciliation),
                    executor_id: None,
                }
                .into_update(Self::now_secs(ctx), uuid);
                // Straight to the status update manager: the framework may be unknown here.
                self.manage_update(ctx, update);
            }
        }
    }

    /// Registered: updates flow again and pings are expected.
    fn become_running(&mut self, ctx: &mut Context<Self>) {
        self.state = AgentState::Running;
        if let Some(timer) = self.registration_timer.take() {
            ctx.cancel(timer);
        }
        for forward in self.status_updates.resume() {
            self.forward(ctx, forward);
        }
        self.arm_ping_timer(ctx);
    }

    /// A ping: always answered. A ping saying the master thinks we are disconnected while we
    /// think we are registered forces a re-registration (a one-way partition).
    pub(crate) fn ping(&mut self, ctx: &mut Context<Self>, from: &Upid, connected: bool) {
        if !connected && self.state == AgentState::Running {
            tracing::info!(
                "the master marked this agent disconnected but it considers itself \
                 registered; re-registering"
            );
            self.redetect(ctx);
        }
        self.arm_ping_timer(ctx);
        ctx.send_protobuf(from, &PongSlaveMessage {});
    }

    fn arm_ping_timer(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.ping_timer.take() {
            ctx.cancel(timer);
        }
        let timeout = self.master_ping_timeout;
        let timer = ctx.delay(timeout, move |agent: &mut Self, ctx| {
            agent.ping_timer = None;
            tracing::info!(?timeout, "no pings from the master; re-registering");
            agent.redetect(ctx);
            agent.refresh_metrics();
        });
        self.ping_timer = Some(timer);
    }

    /// A linked process went away: if it is the master, register again.
    pub(crate) fn master_exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        if self.master.as_ref() != Some(pid) {
            return;
        }
        if self.state == AgentState::Running {
            tracing::warn!(master = %pid, "master disconnected; re-registering");
            self.redetect(ctx);
        }
    }
}

/// The master's `total_ping_timeout_seconds`, else the default (75 s).
fn ping_timeout(connection: Option<&MasterSlaveConnection>) -> Duration {
    connection
        .and_then(|connection| connection.total_ping_timeout_seconds)
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .map_or(DEFAULT_MASTER_PING_TIMEOUT, |seconds| {
            Duration::from_secs(seconds as u64)
        })
}
