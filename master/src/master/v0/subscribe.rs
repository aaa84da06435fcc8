//! Subscription of v0 schedulers (Mesos's `subscribe(const UPID&, ...)`, `_subscribe`,
//! `failoverFramework(pid)`), and their link breaking (Mesos's `exited(const UPID&)`).
//!
//! - A new framework (no id) gets an id and `FrameworkRegisteredMessage`; the same pid
//!   asking again (the driver retries) is answered again, not registered twice.
//! - A known id with `force` (the driver after a scheduler failover) takes the framework
//!   over: the old scheduler (another pid, or an HTTP stream) is told "Framework failed
//!   over", offers are made anew, and the new one gets `FrameworkRegisteredMessage`.
//! - A known id without `force` (the driver after a master change) is accepted only from the
//!   pid the framework already has; its offers are rescinded and it gets
//!   `FrameworkReregisteredMessage`. From another pid it is refused with "Framework failed
//!   over".
//! - A framework known only from agents' reports (after a master failover) is connected and
//!   gets `FrameworkRegisteredMessage`, as Mesos does (MESOS-786).
//!
//! Refusals are `FrameworkErrorMessage`s to the caller. The master links to every v0
//! scheduler; when the link breaks the framework is disconnected and removed unless it comes
//! back within its `failover_timeout`.

use libprocess::{Context, Upid};
use proto::{
    internal::{FrameworkErrorMessage, FrameworkRegisteredMessage, FrameworkReregisteredMessage},
    v0::{FrameworkId, scheduler::call::Subscribe},
};

use crate::{
    books::{Connection, Framework, PidConnection},
    master::{Master, framework_key, frameworks::allocator_options, now},
    validation::framework::validate_update,
};

impl Master {
    /// A connection to the scheduler at `pid`, on which this master sends.
    fn pid_connection(&self, ctx: &Context<Self>, pid: &Upid) -> PidConnection {
        PidConnection::new(pid.clone(), ctx.self_pid().clone(), ctx.runtime().clone())
    }

    /// Tells `to` why it cannot subscribe or call.
    pub(crate) fn refuse_scheduler(&self, ctx: &Context<Self>, to: &Upid, error: &str) {
        tracing::info!(%to, %error, "refusing a v0 scheduler");
        ctx.send_protobuf(
            to,
            &FrameworkErrorMessage {
                message: error.to_string(),
            },
        );
    }

    /// Sends `FrameworkRegisteredMessage` (or `FrameworkReregisteredMessage`) to a v0
    /// scheduler and links to it.
    pub(crate) fn announce_registration(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        connection: &PidConnection,
        reregistered: bool,
    ) {
        let framework_id = FrameworkId {
            value: framework_id.to_string(),
        };
        let master_info = self.info.clone();
        if reregistered {
            connection.send(&FrameworkReregisteredMessage {
                framework_id,
                master_info,
            });
        } else {
            connection.send(&FrameworkRegisteredMessage {
                framework_id,
                master_info,
            });
        }
        ctx.link(&connection.pid);
    }

    /// SUBSCRIBE from the v0 scheduler at `from` (also what `RegisterFrameworkMessage` and
    /// `ReregisterFrameworkMessage` become).
    pub(crate) fn subscribe_pid(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        subscribe: Subscribe,
    ) {
        let mut info = subscribe.framework_info;
        let existing_id = info
            .id
            .as_ref()
            .map(|id| id.value.clone())
            .filter(|id| !id.is_empty());
        self.count(if existing_id.is_some() {
            "messages_reregister_framework"
        } else {
            "messages_register_framework"
        });
        if let Err(error) = self.check_framework(&info, &subscribe.suppressed_roles) {
            return self.refuse_scheduler(ctx, &from, &error);
        }
        let options = allocator_options(
            &subscribe.suppressed_roles,
            subscribe.offer_constraints.as_ref(),
        );
        let time = now(ctx);
        let connection = self.pid_connection(ctx, &from);

        let Some(framework_id) = existing_id else {
            // The driver retries until it hears back: a pid already registered is answered
            // again instead of registering a second framework.
            let known = self
                .books
                .frameworks
                .registered
                .values()
                .find(|framework| framework.pid.as_ref() == Some(&from))
                .map(|framework| framework.id.clone());
            if let Some(framework_id) = known {
                tracing::info!(%framework_id, %from, "framework already registered: answering again");
                return self.announce_registration(ctx, &framework_id, &connection, false);
            }
            let framework_id = self.ids.next_framework_id();
            info.id = Some(FrameworkId {
                value: framework_id.clone(),
            });
            tracing::info!(%framework_id, name = %info.name, %from, "registering a v0 framework");
            let framework = Framework::new(info, Some(Connection::Pid(connection)), time);
            self.add_framework(framework, options);
            self.announce_subscription(ctx, &framework_id);
            return;
        };

        // A pid that already serves another framework cannot take this one too; nothing is
        // answered, since the answer would reach the other framework's scheduler.
        let other =
            self.books.frameworks.registered.values().any(|framework| {
                framework.pid.as_ref() == Some(&from) && framework.id != framework_id
            });
        if other {
            tracing::error!(%framework_id, %from, "dropping SUBSCRIBE: the pid serves another framework");
            return;
        }
        if self.books.frameworks.get(&framework_id).is_none() {
            self.recover_framework(ctx, info.clone());
        }
        let Some(framework) = self.books.frameworks.get(&framework_id) else {
            return;
        };
        // `user` and `checkpoint` cannot change; Mesos keeps the old values.
        info.user = framework.info.user.clone();
        info.checkpoint = framework.info.checkpoint;
        if let Err(error) = validate_update(&framework.info, &info) {
            return self.refuse_scheduler(ctx, &from, &error);
        }
        let recovered = framework.recovered;
        let force = subscribe.force.unwrap_or(false);
        if !recovered && framework.pid.as_ref() != Some(&from) && !force {
            tracing::warn!(%framework_id, %from, "refusing a resubscription without failover from a new pid");
            return self.refuse_scheduler(ctx, &from, "Framework failed over");
        }
        self.update_framework_info(&framework_id, info, options);
        if recovered || force {
            tracing::info!(%framework_id, %from, recovered, "v0 framework failed over");
            self.take_over(ctx, &framework_id, Connection::Pid(connection), time);
        } else {
            tracing::info!(%framework_id, %from, "v0 framework resubscribed with its id");
            self.resubscribe_pid(ctx, &framework_id, connection, time);
        }
        self.send_framework_updates(ctx, &framework_id);
    }

    /// The same scheduler subscribing again without failing over (after it lost sight of
    /// the master): outstanding offers are rescinded (its answers to them may have been
    /// dropped), it is connected and activated, and it gets `FrameworkReregisteredMessage`.
    fn resubscribe_pid(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        connection: PidConnection,
        time: f64,
    ) {
        for offer_id in self.offers_of(framework_id) {
            self.rescind_offer(ctx, &offer_id, None);
        }
        let Some(framework) = self.books.frameworks.get_mut(framework_id) else {
            return;
        };
        if let Some(timer) = framework.failover_timer.take() {
            ctx.cancel(timer);
        }
        framework.reregistered_time = time;
        framework.connect(Connection::Pid(connection.clone()));
        let activate = !framework.active;
        framework.active = true;
        if activate {
            self.allocator
                .activate_framework(framework_key(framework_id));
        }
        ctx.relink(&connection.pid);
        self.announce_registration(ctx, framework_id, &connection, true);
    }

    /// A linked process exited: if it is a connected v0 scheduler, its framework is
    /// disconnected (after a "Framework disconnected" error, which reaches a scheduler that
    /// is still there behind a one-way partition). Whether `pid` is a scheduler's.
    pub(crate) fn scheduler_exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) -> bool {
        let mut scheduler = false;
        let mut connected = Vec::new();
        for framework in self.books.frameworks.registered.values() {
            if framework.pid.as_ref() == Some(pid) {
                scheduler = true;
                if framework
                    .connection
                    .as_ref()
                    .is_some_and(|connection| connection.pid() == Some(pid))
                {
                    connected.push(framework.id.clone());
                }
            }
        }
        for framework_id in connected {
            self.refuse_scheduler(ctx, pid, "Framework disconnected");
            self.disconnect_framework(ctx, &framework_id);
        }
        scheduler
    }
}
