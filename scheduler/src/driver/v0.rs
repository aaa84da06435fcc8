//! The libprocess driver protocol (v0): the driver's process subscribes with a
//! `mesos.scheduler.Call` to the master's pid and hears Mesos's legacy messages (or
//! `mesos.scheduler.Event`s) back, as Mesos's `SchedulerProcess` does.

use libprocess::{Context, Upid};
use proto::{
    convert::evolve,
    internal::{
        ExecutorToFrameworkMessage, ExitedExecutorMessage, FrameworkErrorMessage,
        FrameworkRegisteredMessage, FrameworkReregisteredMessage, LostSlaveMessage,
        RescindResourceOfferMessage, ResourceOffersMessage,
    },
    v0::scheduler::{Call, Event, call},
};

use super::{
    inbound::{self, Inbound},
    process::SchedulerProcess,
};

/// Installs handler `handler` for `M`, feeding what it makes of a message from the leading
/// master (when `from_master_only`) into the process.
fn install<M, F>(ctx: &mut Context<SchedulerProcess>, from_master_only: bool, handler: F)
where
    M: prost::Message + prost::Name + Default + 'static,
    F: Fn(M) -> Inbound + 'static,
{
    ctx.install_protobuf::<M, _>(
        move |process: &mut SchedulerProcess, ctx, from: Upid, message: M| {
            if from_master_only && !process.is_leading_master(&from, M::NAME) {
                return;
            }
            process.received(ctx, handler(message));
        },
    );
}

/// Installs the handlers of every message a v0 master sends a scheduler.
pub(super) fn install_handlers(ctx: &mut Context<SchedulerProcess>) {
    install(ctx, true, |message: FrameworkRegisteredMessage| {
        Inbound::Subscribed {
            framework_id: message.framework_id,
            master: Some(message.master_info),
            heartbeat_seconds: None,
        }
    });
    install(ctx, true, |message: FrameworkReregisteredMessage| {
        Inbound::Subscribed {
            framework_id: message.framework_id,
            master: Some(message.master_info),
            heartbeat_seconds: None,
        }
    });
    install(ctx, true, |message: ResourceOffersMessage| {
        inbound::from_offers(message.offers, &message.pids)
    });
    install(ctx, true, |message: RescindResourceOfferMessage| {
        Inbound::Rescind(message.offer_id)
    });
    install(ctx, true, inbound::from_status_update);
    install(ctx, true, |message: LostSlaveMessage| {
        Inbound::AgentLost(message.slave_id)
    });
    install(ctx, true, |message: ExitedExecutorMessage| {
        Inbound::ExecutorLost {
            executor_id: message.executor_id,
            agent_id: message.slave_id,
            status: message.status,
        }
    });
    // Framework messages may come straight from agents.
    install(ctx, false, |message: ExecutorToFrameworkMessage| {
        Inbound::Message {
            agent_id: message.slave_id,
            executor_id: message.executor_id,
            data: message.data,
        }
    });
    install(ctx, false, |message: FrameworkErrorMessage| {
        Inbound::Error(message.message)
    });
    // Newer masters may send v0 events instead of the legacy messages.
    install(ctx, true, |event: Event| {
        inbound::from_event(evolve(&event))
    });
}

/// Sends SUBSCRIBE to the master (linking to it first, so a broken connection is noticed):
/// with the framework id and `force` set after a scheduler failover.
pub(super) fn subscribe(process: &mut SchedulerProcess, ctx: &mut Context<SchedulerProcess>) {
    let Some(master) = process.master.clone() else {
        return;
    };
    ctx.link(&master);
    let mut subscribe = call::Subscribe {
        framework_info: process.framework.clone(),
        suppressed_roles: process.suppressed_roles.iter().cloned().collect(),
        ..call::Subscribe::default()
    };
    let mut call = Call {
        r#type: Some(call::Type::Subscribe as i32),
        ..Call::default()
    };
    if process
        .framework
        .id
        .as_ref()
        .is_some_and(|id| !id.value.is_empty())
    {
        subscribe.force = Some(process.failover);
        call.framework_id = process.framework.id.clone();
    }
    call.subscribe = Some(subscribe);
    tracing::debug!(%master, "sending SUBSCRIBE");
    ctx.send_protobuf(&master, &call);
}
