//! Schedulers that speak Mesos's libprocess driver protocol (v0): the master as an actor
//! wired to framework actors by pids (Mesos's `Master::receive(const UPID&, scheduler::Call)`
//! and the legacy handlers `registerFramework`, `launchTasks`, `killTask`, ...).
//!
//! A v0 scheduler is a framework like any other: the same books, the same call handlers
//! (`accept`, `decline`, `kill`, `acknowledge`, `reconcile`, ...), and the same
//! `Master::send_event` seam, which sends it the legacy message for each event
//! ([`legacy`]). What differs is how it arrives and leaves ([`subscribe`]): it subscribes
//! with a `mesos.scheduler.Call` SUBSCRIBE or `RegisterFrameworkMessage` /
//! `ReregisterFrameworkMessage`, every call must come from its pid, and the master links to
//! that pid, so a broken link disconnects the framework.
//!
//! Handled: `mesos.scheduler.Call` (every type), `RegisterFrameworkMessage`,
//! `ReregisterFrameworkMessage`, `UnregisterFrameworkMessage`, `DeactivateFrameworkMessage`,
//! `ResourceRequestMessage`, `LaunchTasksMessage`, `ReviveOffersMessage`, `KillTaskMessage`,
//! `StatusUpdateAcknowledgementMessage`, `FrameworkToExecutorMessage` and
//! `ReconcileTasksMessage`. Messages from a pid that is not the framework's are dropped with
//! a warning, as Mesos drops them.

mod legacy;
mod subscribe;

use libprocess::{Context, Upid};
use proto::{
    internal::{
        DeactivateFrameworkMessage, FrameworkToExecutorMessage, KillTaskMessage,
        LaunchTasksMessage, ReconcileTasksMessage, RegisterFrameworkMessage,
        ReregisterFrameworkMessage, ResourceRequestMessage, ReviveOffersMessage,
        StatusUpdateAcknowledgementMessage, UnregisterFrameworkMessage,
    },
    v0::{
        offer::{Operation, operation},
        scheduler::{
            Call,
            call::{
                Accept, Acknowledge, Decline, Kill, Message, Reconcile, Request, Revive, Subscribe,
                Type as CallType, reconcile,
            },
        },
    },
};

use super::Master;
use crate::validation::framework::validate_call;

/// Installs a handler of v0 scheduler message `M` that drops it until the registry is
/// recovered, as every master handler does.
fn install<M, F>(ctx: &mut Context<Master>, handler: F)
where
    M: prost::Message + prost::Name + Default + 'static,
    F: Fn(&mut Master, &mut Context<Master>, Upid, M) + 'static,
{
    ctx.install_protobuf::<M, _>(move |master: &mut Master, ctx, from, message| {
        if !master.recovered {
            tracing::debug!(%from, "dropping a message: the master has not recovered");
            master.count("dropped_messages");
            return;
        }
        handler(master, ctx, from, message);
        master.schedule_metrics_refresh(ctx);
    });
}

/// Installs the handlers of every message a v0 scheduler driver sends.
pub(crate) fn install_handlers(ctx: &mut Context<Master>) {
    install(ctx, Master::receive_call);
    install(
        ctx,
        |master, ctx, from, message: RegisterFrameworkMessage| {
            master.register_framework(ctx, from, message)
        },
    );
    install(
        ctx,
        |master, ctx, from, message: ReregisterFrameworkMessage| {
            master.reregister_framework(ctx, from, message)
        },
    );
    install(
        ctx,
        |master, ctx, from, message: UnregisterFrameworkMessage| {
            if master.is_schedulers_pid(&from, &message.framework_id.value, "unregister") {
                master.teardown_pid(ctx, &message.framework_id.value);
            }
        },
    );
    install(ctx, Master::deactivate_pid_framework);
    install(
        ctx,
        |master, _ctx, from, message: ResourceRequestMessage| {
            let framework_id = message.framework_id.value;
            if master.is_schedulers_pid(&from, &framework_id, "resource request") {
                let requests = message.requests;
                master.request(&framework_id, Request { requests });
            }
        },
    );
    install(ctx, Master::launch_tasks);
    install(ctx, |master, _ctx, from, message: ReviveOffersMessage| {
        let framework_id = message.framework_id.value;
        if master.is_schedulers_pid(&from, &framework_id, "revive offers") {
            let roles = message.roles;
            master.revive(&framework_id, Revive { roles });
        }
    });
    install(ctx, |master, ctx, from, message: KillTaskMessage| {
        let framework_id = message.framework_id.value;
        if master.is_schedulers_pid(&from, &framework_id, "kill task") {
            // A kill policy in KillTaskMessage is not honoured, as in Mesos.
            let kill = Kill {
                task_id: message.task_id,
                slave_id: None,
                kill_policy: None,
            };
            master.kill(ctx, &framework_id, kill);
        }
    });
    install(
        ctx,
        |master, ctx, from, message: StatusUpdateAcknowledgementMessage| {
            let framework_id = message.framework_id.value;
            if message.uuid.len() != 16 {
                tracing::warn!(%framework_id, task_id = %message.task_id.value,
                    "ignoring an acknowledgement without a valid uuid");
                master.count("invalid_status_update_acknowledgements");
                return;
            }
            if !master.is_schedulers_pid(&from, &framework_id, "acknowledgement") {
                master.count("invalid_status_update_acknowledgements");
                return;
            }
            let acknowledge = Acknowledge {
                slave_id: message.slave_id,
                task_id: message.task_id,
                uuid: message.uuid,
            };
            master.acknowledge(ctx, &framework_id, acknowledge);
        },
    );
    install(
        ctx,
        |master, ctx, from, message: FrameworkToExecutorMessage| {
            let framework_id = message.framework_id.value;
            if !master.is_schedulers_pid(&from, &framework_id, "framework message") {
                master.count("invalid_framework_to_executor_messages");
                return;
            }
            let call = Message {
                slave_id: message.slave_id,
                executor_id: message.executor_id,
                data: message.data,
            };
            master.framework_message(ctx, &framework_id, call);
        },
    );
    install(ctx, |master, ctx, from, message: ReconcileTasksMessage| {
        let framework_id = message.framework_id.value;
        if master.is_schedulers_pid(&from, &framework_id, "reconcile tasks") {
            let tasks = message
                .statuses
                .into_iter()
                .map(|status| reconcile::Task {
                    task_id: status.task_id,
                    slave_id: status.slave_id,
                })
                .collect();
            master.reconcile(ctx, &framework_id, Reconcile { tasks });
        }
    });
}

impl Master {
    /// Whether framework `framework_id` exists and `from` is its scheduler's pid; warns and
    /// says no otherwise (Mesos drops such messages).
    fn is_schedulers_pid(&self, from: &Upid, framework_id: &str, what: &str) -> bool {
        let Some(framework) = self.books.frameworks.get(framework_id) else {
            tracing::warn!(%framework_id, %from, "ignoring a {what} message: unknown framework");
            return false;
        };
        if framework.pid.as_ref() != Some(from) {
            tracing::warn!(%framework_id, %from,
                "ignoring a {what} message: it is not from the framework's scheduler");
            return false;
        }
        true
    }

    /// A `mesos.scheduler.Call` from a v0 scheduler driver.
    fn receive_call(&mut self, ctx: &mut Context<Self>, from: Upid, call: Call) {
        if let Err(error) = validate_call(&call) {
            tracing::warn!(%from, %error, "dropping an invalid scheduler call");
            return;
        }
        let kind = CallType::try_from(call.r#type.unwrap_or_default()).unwrap_or(CallType::Unknown);
        if kind == CallType::Subscribe {
            if let Some(subscribe) = call.subscribe {
                self.subscribe_pid(ctx, from, subscribe);
            }
            return;
        }
        let framework_id = call
            .framework_id
            .as_ref()
            .map(|id| id.value.clone())
            .unwrap_or_default();
        let Some(framework) = self.books.frameworks.get(&framework_id) else {
            tracing::warn!(%framework_id, %from, call = kind.as_str_name(),
                "dropping a call: framework cannot be found");
            return;
        };
        if framework.pid.as_ref() != Some(&from) {
            tracing::warn!(%framework_id, %from, call = kind.as_str_name(),
                "dropping a call: it is not from the registered framework");
            return;
        }
        // Without heartbeats a v0 scheduler cannot tell that the master lost it (a one-way
        // partition); the error makes its driver abort.
        if !framework.connected() {
            return self.refuse_scheduler(ctx, &from, "Framework disconnected");
        }
        match kind {
            CallType::Teardown => self.teardown_pid(ctx, &framework_id),
            CallType::Accept => {
                if let Some(accept) = call.accept {
                    self.accept(ctx, &framework_id, accept);
                }
            }
            CallType::Decline => {
                if let Some(decline) = call.decline {
                    self.decline(ctx, &framework_id, decline);
                }
            }
            CallType::Revive => self.revive(&framework_id, call.revive.unwrap_or_default()),
            CallType::Suppress => self.suppress(&framework_id, call.suppress.unwrap_or_default()),
            CallType::Kill => {
                if let Some(kill) = call.kill {
                    self.kill(ctx, &framework_id, kill);
                }
            }
            CallType::Shutdown => {
                if let Some(shutdown) = call.shutdown {
                    self.shutdown_executor(ctx, &framework_id, shutdown);
                }
            }
            CallType::Acknowledge => {
                if let Some(acknowledge) = call.acknowledge {
                    self.acknowledge(ctx, &framework_id, acknowledge);
                }
            }
            CallType::Reconcile => {
                if let Some(reconcile) = call.reconcile {
                    self.reconcile(ctx, &framework_id, reconcile);
                }
            }
            CallType::Message => {
                if let Some(message) = call.message {
                    self.framework_message(ctx, &framework_id, message);
                }
            }
            CallType::Request => {
                if let Some(request) = call.request {
                    self.request(&framework_id, request);
                }
            }
            CallType::UpdateFramework => {
                if let Some(update) = call.update_framework
                    && let Err(error) = self.update_framework(ctx, update)
                {
                    self.refuse_scheduler(ctx, &from, &error);
                }
            }
            // Nothing outstanding: maintenance is not supported, so no inverse offers.
            CallType::AcceptInverseOffers | CallType::DeclineInverseOffers => {}
            CallType::AcknowledgeOperationStatus | CallType::ReconcileOperations => {
                tracing::warn!(%framework_id, call = kind.as_str_name(),
                    "dropping a call the v0 API does not support");
            }
            CallType::Subscribe | CallType::Unknown => {
                tracing::warn!(%framework_id, "dropping an UNKNOWN call");
            }
        }
    }

    /// `RegisterFrameworkMessage`: SUBSCRIBE without an id.
    fn register_framework(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: RegisterFrameworkMessage,
    ) {
        let info = message.framework;
        if info.id.as_ref().is_some_and(|id| !id.value.is_empty()) {
            self.count("messages_register_framework");
            return self.refuse_scheduler(ctx, &from, "Registering with 'id' already set");
        }
        let subscribe = Subscribe {
            framework_info: info,
            ..Subscribe::default()
        };
        self.subscribe_pid(ctx, from, subscribe);
    }

    /// `ReregisterFrameworkMessage`: SUBSCRIBE with an id; `failover` becomes `force`.
    fn reregister_framework(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: ReregisterFrameworkMessage,
    ) {
        let info = message.framework;
        if info.id.as_ref().is_none_or(|id| id.value.is_empty()) {
            self.count("messages_reregister_framework");
            return self.refuse_scheduler(ctx, &from, "Re-registering without an 'id'");
        }
        let subscribe = Subscribe {
            framework_info: info,
            force: Some(message.failover),
            ..Subscribe::default()
        };
        self.subscribe_pid(ctx, from, subscribe);
    }

    /// TEARDOWN (or `UnregisterFrameworkMessage`): the framework is removed and its
    /// scheduler's pid is no longer watched.
    fn teardown_pid(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        self.count("messages_unregister_framework");
        let pid = self
            .books
            .frameworks
            .get(framework_id)
            .and_then(|framework| framework.pid.clone());
        self.remove_framework(ctx, framework_id);
        if let Some(pid) = pid {
            ctx.unlink(&pid);
        }
    }

    /// `DeactivateFrameworkMessage` (the driver aborted): no more offers, outstanding ones
    /// rescinded, until the scheduler subscribes again.
    fn deactivate_pid_framework(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: DeactivateFrameworkMessage,
    ) {
        self.count("messages_deactivate_framework");
        let framework_id = message.framework_id.value;
        if !self.is_schedulers_pid(&from, &framework_id, "deactivate framework") {
            return;
        }
        let connected = self
            .books
            .frameworks
            .get(&framework_id)
            .is_some_and(|framework| framework.connected());
        if !connected {
            tracing::info!(%framework_id, "ignoring the deactivation of a disconnected framework");
            return;
        }
        tracing::info!(%framework_id, "deactivating framework");
        self.deactivate_framework(ctx, &framework_id, true);
    }

    /// `LaunchTasksMessage`: ACCEPT with one LAUNCH of its tasks; without tasks, a DECLINE
    /// of its offers.
    fn launch_tasks(&mut self, ctx: &mut Context<Self>, from: Upid, message: LaunchTasksMessage) {
        let framework_id = message.framework_id.value;
        if !self.is_schedulers_pid(&from, &framework_id, "launch tasks") {
            return;
        }
        let filters = Some(message.filters);
        if message.tasks.is_empty() {
            let decline = Decline {
                offer_ids: message.offer_ids,
                filters,
            };
            return self.decline(ctx, &framework_id, decline);
        }
        let launch = Operation {
            r#type: Some(operation::Type::Launch as i32),
            launch: Some(operation::Launch {
                task_infos: message.tasks,
            }),
            ..Operation::default()
        };
        let accept = Accept {
            offer_ids: message.offer_ids,
            operations: vec![launch],
            filters,
        };
        self.accept(ctx, &framework_id, accept);
    }
}
