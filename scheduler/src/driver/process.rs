//! The driver's libprocess process (Mesos's `SchedulerProcess`): follows the detector to the
//! leading master, registers with randomised doubling backoff, turns what the master says
//! into callbacks (acknowledging updates itself with implicit acknowledgements), and carries
//! the scheduler's calls (`calls.rs`) over the chosen protocol.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::Duration,
};

use detector::MasterDetector;
use libprocess::{Context, Failure, Process, Runtime, TimerId, Upid};
use proto::v0::{
    FrameworkId, FrameworkInfo, MasterInfo, SlaveId, TaskStatus,
    scheduler::{Call, call},
};

use super::{
    DriverConfig, Protocol, REGISTRATION_RETRY_INTERVAL_MAX, SchedulerDriver, Shared,
    inbound::Inbound, v0, v1,
};
use crate::Scheduler;

pub(crate) struct SchedulerProcess {
    scheduler: Box<dyn Scheduler>,
    pub(super) framework: FrameworkInfo,
    pub(super) suppressed_roles: BTreeSet<String>,
    pub(super) protocol: Protocol,
    pub(super) implicit_acknowledgements: bool,
    backoff_factor: Duration,
    detector: Arc<dyn MasterDetector>,
    pub(super) shared: Arc<Shared>,
    /// The leading master, as detected.
    pub(super) master: Option<Upid>,
    /// Registered with `master`.
    pub(super) connected: bool,
    /// The framework came with an id: its first registration is a failover.
    pub(super) failover: bool,
    registration_timer: Option<TimerId>,
    /// Agent pids of outstanding offers (offer id -> agent id -> pid).
    pub(super) saved_offers: HashMap<String, HashMap<String, Upid>>,
    /// Agent pids of agents the framework launched on (for direct framework messages).
    pub(super) saved_agent_pids: HashMap<String, Upid>,
    pub(super) http: v1::HttpState,
}

impl SchedulerProcess {
    pub(super) fn new(
        scheduler: Box<dyn Scheduler>,
        config: DriverConfig,
        detector: Arc<dyn MasterDetector>,
        shared: Arc<Shared>,
        runtime: &Runtime,
    ) -> SchedulerProcess {
        let failover = config
            .framework
            .id
            .as_ref()
            .is_some_and(|id| !id.value.is_empty());
        let content_type = match config.protocol {
            Protocol::V1(content_type) => content_type,
            Protocol::V0 => proto::codec::ContentType::Protobuf,
        };
        SchedulerProcess {
            scheduler,
            framework: config.framework,
            suppressed_roles: config.suppressed_roles,
            protocol: config.protocol,
            implicit_acknowledgements: config.implicit_acknowledgements,
            backoff_factor: config.registration_backoff_factor,
            detector,
            shared,
            master: None,
            connected: false,
            failover,
            registration_timer: None,
            saved_offers: HashMap::new(),
            saved_agent_pids: HashMap::new(),
            http: v1::HttpState::new(runtime, content_type),
        }
    }

    /// Calls `callback` with the scheduler and a driver handle.
    pub(super) fn callback(
        &mut self,
        ctx: &Context<Self>,
        callback: impl FnOnce(&mut dyn Scheduler, &SchedulerDriver),
    ) {
        let driver = SchedulerDriver::from_parts(ctx.pid(), self.shared.clone());
        callback(self.scheduler.as_mut(), &driver);
    }

    pub(super) fn framework_id(&self) -> FrameworkId {
        self.framework.id.clone().unwrap_or_default()
    }

    /// A call of `kind` for this framework.
    pub(super) fn call(&self, kind: call::Type) -> Call {
        Call {
            framework_id: self.framework.id.clone(),
            r#type: Some(kind as i32),
            ..Call::default()
        }
    }

    /// Sends `call` to the master over the protocol.
    pub(super) fn send(&mut self, ctx: &mut Context<Self>, call: Call) {
        match self.protocol {
            Protocol::V0 => {
                if let Some(master) = &self.master {
                    ctx.send_protobuf(master, &call);
                }
            }
            Protocol::V1(_) => v1::post(self, ctx, call, None),
        }
    }

    pub(super) fn start(&mut self, ctx: &mut Context<Self>) {
        tracing::info!(framework = %self.framework.name, protocol = %self.protocol,
            "starting the scheduler driver");
        self.detect(ctx);
    }

    fn detect(&mut self, ctx: &mut Context<Self>) {
        let leader = self.detector.detect(self.master.as_ref());
        ctx.then(leader, |process: &mut Self, ctx, leader| {
            process.detected(ctx, leader)
        });
    }

    /// The detector named a (new) leader, or none.
    fn detected(&mut self, ctx: &mut Context<Self>, leader: Result<Option<Upid>, Failure>) {
        if !self.shared.is_running() {
            return;
        }
        let leader = match leader {
            Ok(leader) => leader,
            Err(failure) => {
                return self.fail(ctx, format!("Failed to detect a master: {failure}"));
            }
        };
        if self.connected {
            self.connected = false;
            self.callback(ctx, |scheduler, driver| scheduler.disconnected(driver));
        }
        v1::close(self, ctx);
        self.master = leader;
        self.cancel_registration(ctx);
        match &self.master {
            Some(master) => {
                tracing::info!(%master, "new master detected");
                self.register(ctx, self.backoff_factor);
            }
            None => tracing::info!("no master detected"),
        }
        self.detect(ctx);
    }

    fn cancel_registration(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.registration_timer.take() {
            ctx.cancel(timer);
        }
    }

    /// Subscribes, and again after a random part of `max_backoff` (doubling, at most a
    /// minute and a tenth of the failover timeout) until registered (Mesos's
    /// `doReliableRegistration`).
    pub(super) fn register(&mut self, ctx: &mut Context<Self>, max_backoff: Duration) {
        self.cancel_registration(ctx);
        if !self.shared.is_running() || self.connected || self.master.is_none() {
            return;
        }
        match self.protocol {
            Protocol::V0 => v0::subscribe(self, ctx),
            Protocol::V1(_) => v1::subscribe(self, ctx),
        }
        let mut max_backoff = max_backoff.min(REGISTRATION_RETRY_INTERVAL_MAX);
        let failover_timeout = self.framework.failover_timeout.unwrap_or_default();
        if failover_timeout > 0.0
            && let Ok(timeout) = Duration::try_from_secs_f64(failover_timeout / 10.0)
        {
            max_backoff = max_backoff.min(timeout);
        }
        let delay = max_backoff.mul_f64(rand::random::<f64>());
        tracing::debug!(?delay, "will retry registration if necessary");
        self.registration_timer = Some(ctx.delay(delay, move |process: &mut Self, ctx| {
            process.registration_timer = None;
            process.register(ctx, max_backoff.saturating_mul(2));
        }));
    }

    /// The master is lost without the detector saying so (a v0 link broke, a v1 stream
    /// ended or went quiet): tell the scheduler and register again.
    pub(super) fn lost_master(&mut self, ctx: &mut Context<Self>, reason: &str) {
        tracing::info!(%reason, "lost the master");
        v1::close(self, ctx);
        if self.connected {
            self.connected = false;
            self.callback(ctx, |scheduler, driver| scheduler.disconnected(driver));
        }
        self.saved_offers.clear();
        self.register(ctx, self.backoff_factor);
    }

    /// The driver cannot go on: it is aborted and the scheduler told why.
    pub(super) fn fail(&mut self, ctx: &mut Context<Self>, message: String) {
        if !self.shared.abort() {
            return;
        }
        tracing::info!(%message, "aborting the driver on an error");
        self.abort(ctx);
        self.callback(ctx, |scheduler, driver| scheduler.error(driver, &message));
    }

    /// The master info to hand the scheduler when the protocol carries none.
    fn master_info(&self) -> MasterInfo {
        let Some(master) = &self.master else {
            return MasterInfo::default();
        };
        let address = master.address();
        MasterInfo {
            pid: Some(master.to_string()),
            hostname: Some(address.ip().to_string()),
            port: u32::from(address.port()),
            ..MasterInfo::default()
        }
    }

    /// Whether a message claiming to be from the master is (else it is dropped, as Mesos's
    /// driver drops messages from anyone but the leading master).
    pub(super) fn is_leading_master(&self, from: &Upid, what: &str) -> bool {
        if self.master.as_ref() == Some(from) {
            return true;
        }
        tracing::debug!(%from, master = ?self.master, "ignoring {what}: not from the leading master");
        false
    }

    /// What the master told the driver.
    pub(super) fn received(&mut self, ctx: &mut Context<Self>, inbound: Inbound) {
        if !self.shared.is_running() {
            tracing::debug!("ignoring an event: the driver is not running");
            return;
        }
        match inbound {
            Inbound::Subscribed {
                framework_id,
                master,
                heartbeat_seconds,
            } => self.subscribed(ctx, framework_id, master, heartbeat_seconds),
            Inbound::Offers { offers, agent_pids } => {
                if !self.connected || offers.is_empty() {
                    return;
                }
                for (offer, pid) in offers.iter().zip(agent_pids) {
                    if let Some(pid) = pid {
                        self.saved_offers
                            .entry(offer.id.value.clone())
                            .or_default()
                            .insert(offer.slave_id.value.clone(), pid);
                    }
                }
                self.callback(ctx, |scheduler, driver| {
                    scheduler.resource_offers(driver, &offers)
                });
            }
            Inbound::Rescind(offer_id) => {
                if !self.connected {
                    return;
                }
                self.saved_offers.remove(&offer_id.value);
                self.callback(ctx, |scheduler, driver| {
                    scheduler.offer_rescinded(driver, &offer_id)
                });
            }
            Inbound::Update(status) => {
                if self.connected {
                    self.deliver_update(ctx, *status);
                }
            }
            Inbound::Message {
                agent_id,
                executor_id,
                data,
            } => self.callback(ctx, |scheduler, driver| {
                scheduler.framework_message(driver, &executor_id, &agent_id, &data)
            }),
            Inbound::AgentLost(agent_id) => {
                if !self.connected {
                    return;
                }
                self.saved_agent_pids.remove(&agent_id.value);
                self.callback(ctx, |scheduler, driver| {
                    scheduler.agent_lost(driver, &agent_id)
                });
            }
            Inbound::ExecutorLost {
                executor_id,
                agent_id,
                status,
            } => {
                if self.connected {
                    self.callback(ctx, |scheduler, driver| {
                        scheduler.executor_lost(driver, &executor_id, &agent_id, status)
                    });
                }
            }
            Inbound::Error(message) => self.fail(ctx, message),
            Inbound::Nothing => {}
        }
    }

    fn subscribed(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: FrameworkId,
        master: Option<MasterInfo>,
        heartbeat_seconds: Option<f64>,
    ) {
        if self.connected {
            tracing::debug!("ignoring a registration: already registered");
            return;
        }
        self.cancel_registration(ctx);
        let master = master.unwrap_or_else(|| self.master_info());
        let first = self
            .framework
            .id
            .as_ref()
            .is_none_or(|id| id.value.is_empty())
            || self.failover;
        if !first && self.framework.id.as_ref() != Some(&framework_id) {
            tracing::warn!(framework_id = %framework_id.value, "registered under another id");
        }
        tracing::info!(framework_id = %framework_id.value, "framework registered");
        self.framework.id = Some(framework_id.clone());
        self.connected = true;
        self.failover = false;
        if let Some(seconds) = heartbeat_seconds {
            v1::watch_heartbeats(self, ctx, seconds);
        }
        if first {
            self.callback(ctx, |scheduler, driver| {
                scheduler.registered(driver, &framework_id, &master)
            });
        } else {
            self.callback(ctx, |scheduler, driver| {
                scheduler.reregistered(driver, &master)
            });
        }
    }

    /// Delivers a status update; with implicit acknowledgements, acknowledges it after the
    /// callback if it asks for it (and the callback did not stop or abort the driver).
    pub(super) fn deliver_update(&mut self, ctx: &mut Context<Self>, status: TaskStatus) {
        self.callback(ctx, |scheduler, driver| {
            scheduler.status_update(driver, &status)
        });
        if !self.implicit_acknowledgements || !self.shared.is_running() || !self.connected {
            return;
        }
        if let (Some(uuid), Some(agent_id)) = (&status.uuid, &status.slave_id) {
            self.send_acknowledgement(ctx, agent_id.clone(), &status, uuid.clone());
        }
    }

    pub(super) fn send_acknowledgement(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: SlaveId,
        status: &TaskStatus,
        uuid: Vec<u8>,
    ) {
        let mut call = self.call(call::Type::Acknowledge);
        call.acknowledge = Some(call::Acknowledge {
            slave_id: agent_id,
            task_id: status.task_id.clone(),
            uuid,
        });
        self.send(ctx, call);
    }

    /// `stop(failover)`: a TEARDOWN unless failing over, then the process ends.
    pub(super) fn stop(&mut self, ctx: &mut Context<Self>, failover: bool) {
        tracing::info!(framework_id = ?self.framework.id.as_ref().map(|id| &id.value),
            failover, "stopping the scheduler driver");
        self.cancel_registration(ctx);
        let teardown = self.connected && !failover;
        if teardown {
            let call = self.call(call::Type::Teardown);
            match self.protocol {
                Protocol::V0 => self.send(ctx, call),
                Protocol::V1(_) => {
                    // The subscription stays open until the master has taken the TEARDOWN.
                    return v1::post(
                        self,
                        ctx,
                        call,
                        Some(Box::new(|process: &mut Self, ctx: &mut Context<Self>| {
                            process.shared.finish();
                            ctx.terminate();
                        })),
                    );
                }
            }
        }
        self.shared.finish();
        ctx.terminate();
    }

    /// `abort()`: a v0 master is asked to stop offering; a v1 subscription is closed.
    pub(super) fn abort(&mut self, ctx: &mut Context<Self>) {
        tracing::info!(framework_id = ?self.framework.id.as_ref().map(|id| &id.value),
            "aborting the scheduler driver");
        self.cancel_registration(ctx);
        match self.protocol {
            Protocol::V0 => {
                if self.connected
                    && let Some(master) = &self.master
                {
                    ctx.send_protobuf(
                        master,
                        &proto::internal::DeactivateFrameworkMessage {
                            framework_id: self.framework_id(),
                        },
                    );
                }
            }
            Protocol::V1(_) => v1::close(self, ctx),
        }
        self.shared.finish();
    }
}

impl Process for SchedulerProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        if self.protocol == Protocol::V0 {
            v0::install_handlers(ctx);
        }
    }

    fn finalize(&mut self, _ctx: &mut Context<Self>) {
        // Whatever ended the process, `join` must not wait forever.
        self.shared.finish();
    }

    fn exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        if self.protocol == Protocol::V0 && self.master.as_ref() == Some(pid) && self.connected {
            self.lost_master(ctx, "the connection to the master broke");
        }
    }
}
