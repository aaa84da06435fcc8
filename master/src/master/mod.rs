//! The master process: the books plus the handlers that change them. Each concern lives in
//! its own file (agents, health checks, frameworks, offers, launches, status updates,
//! reconciliation, registry recovery); this file holds the process itself, its startup and the
//! helpers they share.

mod accept;
mod agents;
pub mod events;
mod frameworks;
mod health;
mod messages;
pub mod metrics;
mod offers;
mod reconcile;
mod recovery;
mod removal;
mod reregistration;
mod status;
mod v0;

use std::{
    net::IpAddr,
    time::{Duration, UNIX_EPOCH},
};

use allocator::{AgentId, AllocatorHandle, FrameworkId, InverseOffers, Offers};
use libprocess::{Context, Handle, Process, Upid};
use proto::{
    internal::{
        ExecutorToFrameworkMessage, ExitedExecutorMessage, PongSlaveMessage, RegisterSlaveMessage,
        ReregisterSlaveMessage, StatusUpdateMessage, UnregisterSlaveMessage, UpdateSlaveMessage,
    },
    v0::{Address, MasterInfo, TimeInfo},
    v1::scheduler::Event,
};

use crate::{
    books::{Books, IdGenerator, Limits},
    config::MasterConfig,
    registrar::RegistrarHandle,
};
use metrics::MasterMetrics;

/// The master process (`master@ip:port`).
pub struct Master {
    pub(crate) config: MasterConfig,
    pub(crate) info: MasterInfo,
    pub(crate) registrar: RegistrarHandle,
    pub(crate) allocator: AllocatorHandle,
    pub(crate) books: Books,
    pub(crate) ids: IdGenerator,
    /// The registry has been recovered; until then messages are dropped and the HTTP API
    /// answers 503.
    pub(crate) recovered: bool,
    pub(crate) start_time: f64,
    pub(crate) elected_time: Option<f64>,
    pub(crate) metrics: Option<MasterMetrics>,
    metrics_refresh_scheduled: bool,
}

impl Master {
    /// The process id, which makes `/master/...` its HTTP routes.
    pub const ID: &'static str = "master";

    /// A master with `config`, persisting through `registrar`, allocating through `allocator`.
    pub fn new(
        config: MasterConfig,
        registrar: RegistrarHandle,
        allocator: AllocatorHandle,
    ) -> Master {
        let limits = Limits {
            completed_frameworks: config.max_completed_frameworks,
            completed_tasks: config.max_completed_tasks_per_framework,
            unreachable_tasks: config.max_unreachable_tasks_per_framework,
        };
        let master_id = IdGenerator::random_master_id();
        Master {
            config,
            info: MasterInfo {
                id: master_id.clone(),
                ..MasterInfo::default()
            },
            registrar,
            allocator,
            books: Books::new(limits),
            ids: IdGenerator::new(master_id),
            recovered: false,
            start_time: 0.0,
            elected_time: None,
            metrics: None,
            metrics_refresh_scheduled: false,
        }
    }

    /// This master's info.
    pub fn info(&self) -> &MasterInfo {
        &self.info
    }

    /// The books (agents, frameworks, offers, tasks).
    pub fn books(&self) -> &Books {
        &self.books
    }

    /// Whether the registry has been recovered.
    pub fn is_recovered(&self) -> bool {
        self.recovered
    }
}

/// Seconds since the epoch on the runtime's clock.
pub(crate) fn now<P: Process>(ctx: &Context<P>) -> f64 {
    ctx.runtime()
        .clock()
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// The runtime's clock as a `TimeInfo`.
pub(crate) fn time_info<P: Process>(ctx: &Context<P>) -> TimeInfo {
    let since_epoch = ctx
        .runtime()
        .clock()
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    TimeInfo {
        nanoseconds: i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX),
    }
}

/// A `failover_timeout` (seconds, possibly odd) as a timer duration.
pub(crate) fn seconds(value: f64) -> Duration {
    if value.is_finite() && value > 0.0 {
        Duration::try_from_secs_f64(value).unwrap_or(Duration::MAX)
    } else {
        Duration::ZERO
    }
}

pub(crate) fn agent_key(id: &str) -> AgentId {
    AgentId::new(id)
}

pub(crate) fn framework_key(id: &str) -> FrameworkId {
    FrameworkId::new(id)
}

/// The MasterInfo a master at `upid` advertises (Mesos stores the IPv4 address in network
/// byte order inside a little-endian `uint32`).
fn master_info(id: String, upid: &Upid, hostname: Option<String>) -> MasterInfo {
    let address = upid.address();
    let ip = match address.ip() {
        IpAddr::V4(v4) => u32::from_le_bytes(v4.octets()),
        IpAddr::V6(_) => 0,
    };
    let hostname = hostname.unwrap_or_else(|| address.ip().to_string());
    MasterInfo {
        id,
        ip,
        port: u32::from(address.port()),
        pid: Some(upid.to_string()),
        hostname: Some(hostname.clone()),
        version: Some(common::version::MESOS_VERSION.to_string()),
        address: Some(Address {
            hostname: Some(hostname),
            ip: Some(address.ip().to_string()),
            port: i32::from(address.port()),
        }),
        domain: None,
        capabilities: Vec::new(),
    }
}

/// Installs a protobuf message handler that drops the message until the registry is
/// recovered, as Mesos's master does.
macro_rules! install {
    ($ctx:expr, $message:ty, $handler:expr) => {
        $ctx.install_protobuf::<$message, _>(
            move |master: &mut Master, ctx: &mut Context<Master>, from: Upid, message| {
                if !master.recovered {
                    tracing::debug!(%from, "dropping a message: the master has not recovered");
                    master.count("dropped_messages");
                    return;
                }
                #[allow(clippy::redundant_closure_call)]
                ($handler)(master, ctx, from, message);
                master.schedule_metrics_refresh(ctx);
            },
        )
    };
}

impl Master {
    /// Bumps the counter `master/<name>`.
    pub(crate) fn count(&self, name: &'static str) {
        if let Some(metrics) = &self.metrics {
            metrics.increment(name);
        }
    }

    /// Refreshes the gauges once the events already queued are handled.
    pub(crate) fn schedule_metrics_refresh(&mut self, ctx: &mut Context<Self>) {
        if self.metrics_refresh_scheduled {
            return;
        }
        self.metrics_refresh_scheduled = true;
        ctx.pid().run(|master, _ctx| {
            master.metrics_refresh_scheduled = false;
            if let Some(metrics) = &master.metrics {
                metrics.refresh(&master.books, master.elected_time.is_some());
            }
        });
    }

    /// Sends `event` to the framework's scheduler, if it is subscribed: on its HTTP stream,
    /// or to a v0 scheduler's pid as the legacy message Mesos sends for it.
    pub(crate) fn send_event(&self, framework_id: &str, event: &Event) {
        let Some(connection) = self
            .books
            .frameworks
            .get(framework_id)
            .and_then(|framework| framework.connection.as_ref())
        else {
            return;
        };
        self.send_to(framework_id, connection, event);
    }

    /// Sends `event` over `connection` of framework `framework_id` (see
    /// [`send_event`](Master::send_event)).
    pub(crate) fn send_to(
        &self,
        framework_id: &str,
        connection: &crate::books::Connection,
        event: &Event,
    ) {
        match connection {
            crate::books::Connection::Http(http) => {
                if http.stream.send(event).is_err() {
                    tracing::debug!("event dropped: the scheduler's stream is closed");
                }
            }
            crate::books::Connection::Pid(pid) => self.send_legacy(framework_id, pid, event),
        }
    }

    fn install_handlers(&self, ctx: &mut Context<Self>) {
        install!(ctx, RegisterSlaveMessage, Master::register_agent);
        install!(ctx, ReregisterSlaveMessage, Master::reregister_agent);
        install!(ctx, UnregisterSlaveMessage, Master::unregister_agent);
        install!(
            ctx,
            PongSlaveMessage,
            |master: &mut Master,
             _ctx: &mut Context<Master>,
             from: Upid,
             _message: PongSlaveMessage| { master.pong(&from) }
        );
        install!(ctx, StatusUpdateMessage, Master::status_update);
        install!(ctx, ExitedExecutorMessage, Master::exited_executor);
        install!(ctx, ExecutorToFrameworkMessage, Master::executor_message);
        v0::install_handlers(ctx);
        install!(
            ctx,
            UpdateSlaveMessage,
            |master: &mut Master,
             _ctx: &mut Context<Master>,
             from: Upid,
             message: UpdateSlaveMessage| {
                master.count("messages_update_slave");
                tracing::debug!(%from, agent_id = %message.slave_id.value,
                "ignoring UpdateSlaveMessage: oversubscription and resource providers are not \
                 supported");
            }
        );
    }
}

impl Process for Master {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        self.info = master_info(
            self.info.id.clone(),
            ctx.self_pid(),
            self.config.hostname.clone(),
        );
        self.start_time = now(ctx);
        let metrics = MasterMetrics::register(ctx.runtime().metrics());
        let clock = ctx.runtime().clock().clone();
        let start = clock.now();
        ctx.runtime()
            .metrics()
            .pull_gauge("master/uptime_secs", move || {
                clock
                    .now()
                    .duration_since(start)
                    .unwrap_or_default()
                    .as_secs_f64()
            });
        self.metrics = Some(metrics);
        tracing::info!(master_id = %self.info.id, pid = %ctx.self_pid(), "master started");

        self.allocator.initialize(
            self.config.allocator.clone(),
            ctx.pid().recipient::<Offers>(),
            ctx.pid().recipient::<InverseOffers>(),
        );
        self.install_handlers(ctx);
        crate::http::install_routes(ctx);

        // Standalone: this master is the leader from the start.
        self.elected_time = Some(now(ctx));
        let recovery = self.registrar.recover(self.info.clone());
        ctx.then(recovery, |master: &mut Master, ctx, result| {
            master.recovered_registry(ctx, result)
        });
    }

    fn exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        if !self.scheduler_exited(ctx, pid) {
            self.agent_exited(ctx, pid);
        }
        self.schedule_metrics_refresh(ctx);
    }
}

impl Handle<Offers> for Master {
    type Reply = ();

    fn handle(&mut self, offers: Offers, ctx: &mut Context<Self>) {
        for offer in offers.offers {
            self.make_offers(ctx, offer);
        }
        self.schedule_metrics_refresh(ctx);
    }
}

impl Handle<InverseOffers> for Master {
    type Reply = ();

    fn handle(&mut self, inverse_offers: InverseOffers, _ctx: &mut Context<Self>) {
        // Maintenance (and so inverse offers) is not supported yet; nothing is scheduled, so
        // the allocator has nothing to ask back.
        tracing::debug!(
            frameworks = inverse_offers.inverse_offers.len(),
            "ignoring inverse offers: maintenance is not supported"
        );
    }
}
