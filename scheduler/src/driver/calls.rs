//! The scheduler's calls, as the driver's process carries them (Mesos's
//! `SchedulerProcess::acceptOffers`, `declineOffer`, `killTask`, ...): dropped while not
//! registered (launches then come back as lost tasks), otherwise sent as `Call`s over the
//! protocol; a v0 driver sends framework messages straight to agents it knows.

use std::time::UNIX_EPOCH;

use libprocess::Context;
use proto::{
    internal::FrameworkToExecutorMessage,
    v0::{
        ExecutorId, Filters, OfferId, Request, SlaveId, TaskId, TaskState, TaskStatus,
        framework_info::capability::Type as Capability,
        offer::{Operation, operation::Type as OperationType},
        scheduler::call,
        task_status::{Reason, Source},
    },
};

use super::{Protocol, process::SchedulerProcess};

/// The tasks a LAUNCH or LAUNCH_GROUP operation starts.
fn launched_tasks(operation: &Operation) -> Vec<&proto::v0::TaskInfo> {
    match OperationType::try_from(operation.r#type.unwrap_or_default()) {
        Ok(OperationType::Launch) => operation
            .launch
            .iter()
            .flat_map(|launch| &launch.task_infos)
            .collect(),
        Ok(OperationType::LaunchGroup) => operation
            .launch_group
            .iter()
            .flat_map(|launch| &launch.task_group.tasks)
            .collect(),
        _ => Vec::new(),
    }
}

impl SchedulerProcess {
    fn dropped(&self, what: &str) -> bool {
        if self.connected {
            return false;
        }
        tracing::debug!("ignoring {what}: the driver is not registered with a master");
        true
    }

    pub(super) fn accept_offers(
        &mut self,
        ctx: &mut Context<Self>,
        offer_ids: Vec<OfferId>,
        operations: Vec<Operation>,
        filters: Filters,
    ) {
        if !self.connected {
            // The tasks cannot reach a master: they are lost (dropped for a partition-aware
            // framework), as the driver itself reports.
            let partition_aware = self
                .framework
                .capabilities
                .iter()
                .any(|capability| capability.r#type() == Capability::PartitionAware);
            let state = if partition_aware {
                TaskState::TaskDropped
            } else {
                TaskState::TaskLost
            };
            let timestamp = ctx
                .runtime()
                .clock()
                .now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            let statuses: Vec<TaskStatus> = operations
                .iter()
                .flat_map(launched_tasks)
                .map(|task| TaskStatus {
                    task_id: task.task_id.clone(),
                    state: state as i32,
                    source: Some(Source::Master as i32),
                    reason: Some(Reason::MasterDisconnected as i32),
                    message: Some("Master disconnected".into()),
                    timestamp: Some(timestamp),
                    ..TaskStatus::default()
                })
                .collect();
            for status in statuses {
                self.deliver_update(ctx, status);
            }
            return;
        }
        for offer_id in &offer_ids {
            let Some(agents) = self.saved_offers.remove(&offer_id.value) else {
                tracing::debug!(offer_id = %offer_id.value, "accepting an offer the driver does not know");
                continue;
            };
            // Keep the pids of agents tasks go to, for direct framework messages.
            for task in operations.iter().flat_map(launched_tasks) {
                if let Some(pid) = agents.get(&task.slave_id.value) {
                    self.saved_agent_pids
                        .insert(task.slave_id.value.clone(), pid.clone());
                }
            }
        }
        let mut call = self.call(call::Type::Accept);
        call.accept = Some(call::Accept {
            offer_ids,
            operations,
            filters: Some(filters),
        });
        self.send(ctx, call);
    }

    pub(super) fn decline_offer(
        &mut self,
        ctx: &mut Context<Self>,
        offer_id: OfferId,
        filters: Filters,
    ) {
        if self.dropped("DECLINE") {
            return;
        }
        self.saved_offers.remove(&offer_id.value);
        let mut call = self.call(call::Type::Decline);
        call.decline = Some(call::Decline {
            offer_ids: vec![offer_id],
            filters: Some(filters),
        });
        self.send(ctx, call);
    }

    /// REVIVE; the suppressed roles are remembered for the next subscription either way.
    pub(super) fn revive_offers(&mut self, ctx: &mut Context<Self>, roles: Vec<String>) {
        if roles.is_empty() {
            self.suppressed_roles.clear();
        } else {
            for role in &roles {
                self.suppressed_roles.remove(role);
            }
        }
        if self.dropped("REVIVE") {
            return;
        }
        let mut call = self.call(call::Type::Revive);
        call.revive = Some(call::Revive { roles });
        self.send(ctx, call);
    }

    /// SUPPRESS; the suppressed roles are remembered for the next subscription either way.
    pub(super) fn suppress_offers(&mut self, ctx: &mut Context<Self>, roles: Vec<String>) {
        if roles.is_empty() {
            self.suppressed_roles = self.roles();
        } else {
            self.suppressed_roles.extend(roles.iter().cloned());
        }
        if self.dropped("SUPPRESS") {
            return;
        }
        let mut call = self.call(call::Type::Suppress);
        call.suppress = Some(call::Suppress { roles });
        self.send(ctx, call);
    }

    /// The framework's roles (its `roles` when MULTI_ROLE, else its `role`, default `*`).
    fn roles(&self) -> std::collections::BTreeSet<String> {
        let multi_role = self
            .framework
            .capabilities
            .iter()
            .any(|capability| capability.r#type() == Capability::MultiRole);
        if multi_role {
            self.framework.roles.iter().cloned().collect()
        } else {
            #[allow(deprecated)] // The single role of a framework that is not MULTI_ROLE.
            let role = self.framework.role.clone().unwrap_or_else(|| "*".into());
            [role].into()
        }
    }

    pub(super) fn kill_task(&mut self, ctx: &mut Context<Self>, task_id: TaskId) {
        if self.dropped("KILL") {
            return;
        }
        let mut call = self.call(call::Type::Kill);
        call.kill = Some(call::Kill {
            task_id,
            slave_id: None,
            kill_policy: None,
        });
        self.send(ctx, call);
    }

    pub(super) fn acknowledge(&mut self, ctx: &mut Context<Self>, status: TaskStatus) {
        if self.implicit_acknowledgements {
            tracing::error!(task_id = %status.task_id.value,
                "acknowledge_status_update needs a driver with explicit acknowledgements; ignored");
            return;
        }
        if self.dropped("ACKNOWLEDGE") {
            return;
        }
        // Updates the master or the driver made carry no uuid and need no acknowledgement.
        if let (Some(uuid), Some(agent_id)) = (status.uuid.clone(), status.slave_id.clone()) {
            self.send_acknowledgement(ctx, agent_id, &status, uuid);
        }
    }

    pub(super) fn reconcile(&mut self, ctx: &mut Context<Self>, statuses: Vec<TaskStatus>) {
        if self.dropped("RECONCILE") {
            return;
        }
        let tasks = statuses
            .into_iter()
            .map(|status| call::reconcile::Task {
                task_id: status.task_id,
                slave_id: status.slave_id,
            })
            .collect();
        let mut call = self.call(call::Type::Reconcile);
        call.reconcile = Some(call::Reconcile { tasks });
        self.send(ctx, call);
    }

    pub(super) fn framework_message(
        &mut self,
        ctx: &mut Context<Self>,
        executor_id: ExecutorId,
        agent_id: SlaveId,
        data: Vec<u8>,
    ) {
        if self.dropped("MESSAGE") {
            return;
        }
        if self.protocol == Protocol::V0
            && let Some(agent) = self.saved_agent_pids.get(&agent_id.value)
        {
            let message = FrameworkToExecutorMessage {
                slave_id: agent_id,
                framework_id: self.framework_id(),
                executor_id,
                data,
            };
            ctx.send_protobuf(agent, &message);
            return;
        }
        let mut call = self.call(call::Type::Message);
        call.message = Some(call::Message {
            slave_id: agent_id,
            executor_id,
            data,
        });
        self.send(ctx, call);
    }

    pub(super) fn request(&mut self, ctx: &mut Context<Self>, requests: Vec<Request>) {
        if self.dropped("REQUEST") {
            return;
        }
        let mut call = self.call(call::Type::Request);
        call.request = Some(call::Request { requests });
        self.send(ctx, call);
    }
}
