//! Frameworks: SUBSCRIBE (new, failover, after a master failover), heartbeats, disconnection
//! and `failover_timeout`, TEARDOWN and removal, UPDATE_FRAMEWORK, and frameworks recovered
//! from agents' reports (Mesos's `subscribe`, `failoverFramework`, `_exited`,
//! `removeFramework`, `updateFramework`, `recoverFramework`).

use std::collections::{BTreeSet, HashMap};

use allocator::{FrameworkOptions, OfferConstraintsFilter};
use common::api::{EventStream, STREAM_ID_HEADER};
use libprocess::{Context, Response};
use proto::{
    codec::ContentType,
    convert::evolve,
    internal::{ShutdownFrameworkMessage, UpdateFrameworkMessage},
    v0::{
        FrameworkId, FrameworkInfo, TaskState,
        scheduler::{
            OfferConstraints,
            call::{Subscribe, UpdateFramework},
        },
        task_status::Reason,
    },
};

use super::{Master, agent_key, events, framework_key, now, seconds};
use crate::{
    books::{Connection, Framework, HttpConnection, MasterUpdate, roles_of},
    validation::framework::{
        validate_framework_info, validate_roles_allowed, validate_suppressed_roles, validate_update,
    },
};

pub(crate) fn allocator_options(
    suppressed_roles: &[String],
    offer_constraints: Option<&OfferConstraints>,
) -> FrameworkOptions {
    FrameworkOptions {
        suppressed_roles: suppressed_roles.iter().cloned().collect(),
        offer_constraints: offer_constraints
            .map(|constraints| OfferConstraintsFilter::new(evolve(constraints)))
            .unwrap_or_default(),
    }
}

impl Master {
    /// Checks a subscribing or updating framework's info against the master's rules.
    pub(crate) fn check_framework(
        &self,
        info: &FrameworkInfo,
        suppressed_roles: &[String],
    ) -> Result<(), String> {
        validate_framework_info(info)?;
        validate_roles_allowed(info, self.config.roles.as_ref())?;
        if let Some(id) = &info.id
            && self.books.frameworks.is_completed(&id.value)
        {
            return Err("Framework has been removed".into());
        }
        validate_suppressed_roles(&roles_of(info), suppressed_roles)
    }

    /// SUBSCRIBE over HTTP: answers `200 OK` with the event stream (SUBSCRIBED first, or ERROR
    /// and the end of the stream when the subscription is refused).
    pub(crate) fn subscribe(
        &mut self,
        ctx: &mut Context<Self>,
        subscribe: Subscribe,
        content_type: ContentType,
    ) -> Response {
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
        let stream_id = uuid::Uuid::new_v4().to_string();
        let (response, stream) = EventStream::open(content_type, &[(STREAM_ID_HEADER, &stream_id)]);
        if let Err(error) = self.check_framework(&info, &subscribe.suppressed_roles) {
            tracing::info!(name = %info.name, %error, "refusing the subscription of a framework");
            let _ = stream.send(&events::error(error));
            return response;
        }
        let options = allocator_options(
            &subscribe.suppressed_roles,
            subscribe.offer_constraints.as_ref(),
        );
        let connection = Connection::Http(HttpConnection { stream, stream_id });
        let time = now(ctx);
        let Some(framework_id) = existing_id else {
            let framework_id = self.ids.next_framework_id();
            info.id = Some(FrameworkId {
                value: framework_id.clone(),
            });
            tracing::info!(%framework_id, name = %info.name, "subscribing a new framework");
            let framework = Framework::new(info, Some(connection), time);
            self.add_framework(framework, options);
            self.announce_subscription(ctx, &framework_id);
            return response;
        };

        if self.books.frameworks.get(&framework_id).is_none() {
            self.recover_framework(ctx, info.clone());
        }
        let Some(framework) = self.books.frameworks.get(&framework_id) else {
            return response;
        };
        // `user` and `checkpoint` cannot change; Mesos keeps the old values.
        info.user = framework.info.user.clone();
        info.checkpoint = framework.info.checkpoint;
        if let Err(error) = validate_update(&framework.info, &info) {
            self.send_to(&framework_id, &connection, &events::error(error));
            return response;
        }
        let recovered = framework.recovered;
        self.update_framework_info(&framework_id, info, options);
        if recovered {
            tracing::info!(%framework_id, "framework resubscribed after a master failover");
        } else {
            tracing::info!(%framework_id, "framework failed over");
        }
        self.take_over(ctx, &framework_id, connection, time);
        self.send_framework_updates(ctx, &framework_id);
        response
    }

    /// Adds a new framework to the books and the allocator.
    pub(crate) fn add_framework(&mut self, framework: Framework, options: FrameworkOptions) {
        let framework_id = framework.id.clone();
        let mut used = HashMap::new();
        for (agent_id, resources) in &framework.used_resources {
            used.insert(agent_key(agent_id), resources.clone());
        }
        self.allocator.add_framework(
            framework_key(&framework_id),
            evolve(&framework.info),
            used,
            framework.active,
            options,
        );
        self.books
            .frameworks
            .registered
            .insert(framework_id, framework);
    }

    /// Sends SUBSCRIBED on the framework's current stream, starts its heartbeats and watches
    /// for the stream to close; a v0 scheduler gets `FrameworkRegisteredMessage` and a link.
    pub(crate) fn announce_subscription(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        let connection = match self
            .books
            .frameworks
            .get(framework_id)
            .and_then(|framework| framework.connection.clone())
        {
            Some(Connection::Http(connection)) => connection,
            Some(Connection::Pid(connection)) => {
                return self.announce_registration(ctx, framework_id, &connection, false);
            }
            None => return,
        };
        let heartbeat = self.config.heartbeat_interval.as_secs_f64();
        let _ = connection
            .stream
            .send(&events::subscribed(framework_id, heartbeat, &self.info));
        let target = framework_id.to_string();
        let stream_id = connection.stream_id.clone();
        ctx.on_closed(
            connection.stream.writer(),
            move |master: &mut Master, ctx| {
                master.stream_closed(ctx, &target, &stream_id);
            },
        );
        self.heartbeat(ctx, framework_id, connection.stream_id);
    }

    fn heartbeat(&mut self, ctx: &mut Context<Self>, framework_id: &str, stream_id: String) {
        let current = self
            .books
            .frameworks
            .get(framework_id)
            .and_then(|framework| framework.connection.as_ref())
            .is_some_and(|connection| connection.stream_id() == Some(stream_id.as_str()));
        if !current {
            return;
        }
        self.send_event(framework_id, &events::heartbeat());
        let target = framework_id.to_string();
        ctx.delay(
            self.config.heartbeat_interval,
            move |master: &mut Master, ctx| master.heartbeat(ctx, &target, stream_id),
        );
    }

    /// A known framework subscribes again: the new stream (or pid) replaces the old one
    /// (which gets an ERROR "Framework failed over" first, unless it is the same pid), its
    /// offers are withdrawn to be made anew, and it is activated (Mesos's `failoverFramework`
    /// / `connectAndActivateRecoveredFramework`).
    pub(crate) fn take_over(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        connection: Connection,
        time: f64,
    ) {
        let Some(framework) = self.books.frameworks.get_mut(framework_id) else {
            return;
        };
        let old = framework.connection.take();
        if let Some(timer) = framework.failover_timer.take() {
            ctx.cancel(timer);
        }
        let recovered = framework.recovered;
        framework.recovered = false;
        framework.reregistered_time = time;
        // A v0 scheduler subscribing again from the same pid is that scheduler (a retry, or
        // a restart on the same pid): it is not told it failed over.
        let replaced = old.filter(|old| old.pid().is_none() || old.pid() != connection.pid());
        framework.connect(connection);
        let was_active = framework.active;
        framework.active = true;
        if let Some(old) = replaced {
            self.send_to(framework_id, &old, &events::error("Framework failed over"));
        }
        for offer_id in self.offers_of(framework_id) {
            self.discard_offer(ctx, &offer_id, None);
        }
        if !was_active || recovered {
            self.allocator
                .activate_framework(framework_key(framework_id));
        }
        self.announce_subscription(ctx, framework_id);
    }

    /// Replaces a framework's info and tells the allocator.
    pub(crate) fn update_framework_info(
        &mut self,
        framework_id: &str,
        info: FrameworkInfo,
        options: FrameworkOptions,
    ) {
        if let Some(framework) = self.books.frameworks.get_mut(framework_id) {
            framework.update_info(info.clone());
            self.allocator
                .update_framework(framework_key(framework_id), evolve(&info), options);
        }
    }

    /// Tells every agent the framework's current info and scheduler pid
    /// (`UpdateFrameworkMessage`).
    pub(crate) fn send_framework_updates(&self, ctx: &mut Context<Self>, framework_id: &str) {
        let Some(framework) = self.books.frameworks.get(framework_id) else {
            return;
        };
        let message = UpdateFrameworkMessage {
            framework_id: FrameworkId {
                value: framework_id.to_string(),
            },
            pid: Some(framework_pid_text(framework)),
            framework_info: Some(framework.info.clone()),
        };
        for agent in self.books.agents.registered.values() {
            ctx.send_protobuf(&agent.pid, &message);
        }
    }

    /// A framework known only from an agent's report (after a master failover): inactive and
    /// disconnected until its scheduler subscribes.
    pub(crate) fn recover_framework(&mut self, ctx: &mut Context<Self>, info: FrameworkInfo) {
        let mut framework = Framework::new(info, None, now(ctx));
        framework.recovered = true;
        framework.active = false;
        tracing::info!(framework_id = %framework.id, "recovering a framework from an agent's report");
        self.add_framework(framework, FrameworkOptions::default());
    }

    /// The scheduler's stream ended: if it is the current one, the framework is disconnected
    /// (Mesos's `exited`).
    fn stream_closed(&mut self, ctx: &mut Context<Self>, framework_id: &str, stream_id: &str) {
        let current = self
            .books
            .frameworks
            .get(framework_id)
            .and_then(|framework| framework.connection.as_ref())
            .is_some_and(|connection| connection.stream_id() == Some(stream_id));
        if current {
            self.disconnect_framework(ctx, framework_id);
        }
    }

    /// The framework's scheduler went away (its stream closed, or its pid exited): it is
    /// disconnected, its offers rescinded, and it is removed unless it resubscribes within
    /// its `failover_timeout` (Mesos's `_exited`).
    pub(crate) fn disconnect_framework(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        let Some(framework) = self.books.frameworks.get_mut(framework_id) else {
            return;
        };
        if framework.connection.is_none() {
            return;
        }
        tracing::info!(%framework_id, "framework disconnected");
        framework.connection = None;
        let reregistered_time = framework.reregistered_time;
        let timeout = seconds(framework.info.failover_timeout());
        self.deactivate_framework(ctx, framework_id, true);
        let target = framework_id.to_string();
        let timer = ctx.delay(timeout, move |master: &mut Master, ctx| {
            let expired = master
                .books
                .frameworks
                .get(&target)
                .is_some_and(|f| !f.connected() && f.reregistered_time == reregistered_time);
            if expired {
                tracing::info!(framework_id = %target, "framework failover timeout: removing it");
                master.remove_framework(ctx, &target);
            }
        });
        if let Some(framework) = self.books.frameworks.get_mut(framework_id) {
            framework.failover_timer = Some(timer);
        }
        tracing::info!(%framework_id, timeout = ?timeout, "waiting for the framework to fail over");
        self.schedule_metrics_refresh(ctx);
    }

    /// Stops offering to a framework; its offers are rescinded (or silently discarded).
    pub(crate) fn deactivate_framework(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        rescind: bool,
    ) {
        if let Some(framework) = self.books.frameworks.get_mut(framework_id) {
            if !framework.active {
                return;
            }
            framework.active = false;
        }
        self.allocator
            .deactivate_framework(framework_key(framework_id));
        for offer_id in self.offers_of(framework_id) {
            if rescind {
                self.rescind_offer(ctx, &offer_id, None);
            } else {
                self.discard_offer(ctx, &offer_id, None);
            }
        }
    }

    /// TEARDOWN, or the failover timeout expired: the framework's tasks are killed, agents
    /// told to shut it down, and it moves to the completed frameworks.
    pub(crate) fn remove_framework(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        if self.books.frameworks.get(framework_id).is_none() {
            return;
        }
        tracing::info!(%framework_id, "removing framework");
        self.deactivate_framework(ctx, framework_id, false);
        let shutdown = ShutdownFrameworkMessage {
            framework_id: FrameworkId {
                value: framework_id.to_string(),
            },
        };
        for agent in self.books.agents.registered.values() {
            ctx.send_protobuf(&agent.pid, &shutdown);
        }
        let time = now(ctx);
        let message = format!("Framework {framework_id} removed");
        let task_ids: Vec<String> = self
            .books
            .frameworks
            .get(framework_id)
            .map(|framework| framework.tasks.keys().cloned().collect())
            .unwrap_or_default();
        for task_id in task_ids {
            let Some(entry) = self.books.task(framework_id, &task_id) else {
                continue;
            };
            let update = MasterUpdate::for_task(
                &entry.task,
                TaskState::TaskKilled,
                Reason::FrameworkRemoved,
                message.clone(),
            )
            .build(time);
            self.update_and_remove_task(ctx, &update, false);
        }
        let executors: Vec<(String, String)> = self
            .books
            .frameworks
            .get(framework_id)
            .map(|framework| {
                framework
                    .executors
                    .iter()
                    .flat_map(|(agent_id, executors)| {
                        executors
                            .keys()
                            .map(move |id| (agent_id.clone(), id.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (agent_id, executor_id) in executors {
            self.remove_executor(ctx, framework_id, &agent_id, &executor_id);
        }
        let Some(mut framework) = self.books.frameworks.registered.remove(framework_id) else {
            return;
        };
        // Unreachable tasks are killed too, and kept as completed.
        let capacity = self.books.limits.completed_tasks;
        for mut task in std::mem::take(&mut framework.unreachable_tasks) {
            let update = MasterUpdate::for_task(
                &task,
                TaskState::TaskKilled,
                Reason::FrameworkRemoved,
                message.clone(),
            )
            .build(time);
            crate::books::apply_update(&mut task, &update);
            framework.add_completed_task(task, capacity);
        }
        if let Some(timer) = framework.failover_timer.take() {
            ctx.cancel(timer);
        }
        // Closing the stream ends the scheduler's subscription.
        framework.connection = None;
        framework.unregistered_time = time;
        self.allocator.remove_framework(framework_key(framework_id));
        let capacity = self.books.limits.completed_frameworks;
        self.books.frameworks.complete(framework, capacity);
        self.schedule_metrics_refresh(ctx);
    }

    /// UPDATE_FRAMEWORK: `Ok` (200) or the reason it is refused (400).
    pub(crate) fn update_framework(
        &mut self,
        ctx: &mut Context<Self>,
        update: UpdateFramework,
    ) -> Result<(), String> {
        let info = update.framework_info;
        let framework_id = info
            .id
            .as_ref()
            .map(|id| id.value.clone())
            .unwrap_or_default();
        let Some(framework) = self.books.frameworks.get(&framework_id) else {
            return Err("Framework cannot be found".into());
        };
        validate_framework_info(&info)?;
        validate_roles_allowed(&info, self.config.roles.as_ref())?;
        validate_update(&framework.info, &info)?;
        validate_suppressed_roles(&roles_of(&info), &update.suppressed_roles)?;
        let options =
            allocator_options(&update.suppressed_roles, update.offer_constraints.as_ref());
        // Offers made to roles the framework no longer has are rescinded.
        let roles: BTreeSet<String> = roles_of(&info);
        let stale: Vec<String> = framework
            .offers
            .iter()
            .filter(|offer_id| {
                self.books
                    .offers
                    .get(*offer_id)
                    .is_some_and(|offer| !roles.contains(offer.role()))
            })
            .cloned()
            .collect();
        for offer_id in stale {
            self.rescind_offer(ctx, &offer_id, None);
        }
        self.update_framework_info(&framework_id, info, options);
        self.send_framework_updates(ctx, &framework_id);
        Ok(())
    }
}

/// The scheduler pid agents are told for a framework: a v0 scheduler's pid, or empty (Mesos
/// sends `UPID()` for HTTP frameworks).
pub(crate) fn framework_pid_text(framework: &Framework) -> String {
    framework
        .pid
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}
