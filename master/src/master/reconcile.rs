//! Task reconciliation (Mesos's `Master::reconcile`, docs/reconciliation.md).
//!
//! Implicit (no tasks named): the latest state of every task the master knows for the
//! framework. Explicit, per task: (1) known -> its latest state; (2) unknown and its agent (or,
//! with no agent named, any agent) is recovered but not yet reregistered -> no answer; (3)
//! unknown on a registered agent -> TASK_GONE; (4) agent unreachable -> TASK_UNREACHABLE with
//! the unreachable time; (5) agent gone -> TASK_GONE_BY_OPERATOR; (6) agent unknown ->
//! TASK_UNKNOWN. Frameworks that are not PARTITION_AWARE get TASK_LOST for (3)-(6). Answers
//! are UPDATE events with `REASON_RECONCILIATION` and no uuid.

use libprocess::Context;
use proto::v0::{TaskState, scheduler::call::Reconcile, task_status::Reason};

use super::{Master, now};
use crate::books::MasterUpdate;

impl Master {
    pub(crate) fn reconcile(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        reconcile: Reconcile,
    ) {
        self.count("messages_reconcile_tasks");
        let Some(framework) = self.books.frameworks.get(framework_id) else {
            return;
        };
        let partition_aware = framework.partition_aware();
        let time = now(ctx);
        let mut updates = Vec::new();
        if reconcile.tasks.is_empty() {
            for entry in framework.tasks.values() {
                let state = entry.task.status_update_state.unwrap_or(entry.task.state);
                let state = TaskState::try_from(state).unwrap_or(TaskState::TaskStaging);
                updates.push(
                    MasterUpdate::for_task(
                        &entry.task,
                        state,
                        Reason::Reconciliation,
                        "Reconciliation: Latest task state",
                    )
                    .with_latest_of(&entry.task)
                    .build(time),
                );
            }
        } else {
            let agents = &self.books.agents;
            let or_lost = |state: TaskState| {
                if partition_aware {
                    state
                } else {
                    TaskState::TaskLost
                }
            };
            for wanted in &reconcile.tasks {
                let agent_id = wanted.slave_id.as_ref().map(|id| id.value.as_str());
                let task_id = &wanted.task_id;
                let update = if let Some(entry) = framework.tasks.get(&task_id.value) {
                    let state = entry.task.status_update_state.unwrap_or(entry.task.state);
                    let state = TaskState::try_from(state).unwrap_or(TaskState::TaskStaging);
                    Some(
                        MasterUpdate::for_task(
                            &entry.task,
                            state,
                            Reason::Reconciliation,
                            "Reconciliation: Latest task state",
                        )
                        .with_latest_of(&entry.task),
                    )
                } else if match agent_id {
                    Some(agent_id) => agents.recovered.contains_key(agent_id),
                    None => !agents.recovered.is_empty(),
                } {
                    tracing::info!(%framework_id, task_id = %task_id.value,
                        "not answering reconciliation: agents have not reregistered yet");
                    None
                } else if let Some(agent_id) = agent_id.filter(|id| agents.get(id).is_some()) {
                    Some(MasterUpdate::new(
                        framework_id,
                        Some(agent_id),
                        task_id,
                        or_lost(TaskState::TaskGone),
                        Reason::Reconciliation,
                        "Reconciliation: Task is unknown to the agent",
                    ))
                } else if let Some((agent_id, time)) =
                    agent_id.and_then(|id| agents.unreachable.get_key_value(id))
                {
                    let mut update = MasterUpdate::new(
                        framework_id,
                        Some(agent_id),
                        task_id,
                        or_lost(TaskState::TaskUnreachable),
                        Reason::Reconciliation,
                        "Reconciliation: Task is unreachable",
                    );
                    update.unreachable_time = Some(*time);
                    Some(update)
                } else if let Some(agent_id) = agent_id.filter(|id| agents.gone.contains_key(*id)) {
                    Some(MasterUpdate::new(
                        framework_id,
                        Some(agent_id),
                        task_id,
                        or_lost(TaskState::TaskGoneByOperator),
                        Reason::Reconciliation,
                        "Reconciliation: Task is gone",
                    ))
                } else {
                    Some(MasterUpdate::new(
                        framework_id,
                        agent_id,
                        task_id,
                        or_lost(TaskState::TaskUnknown),
                        Reason::Reconciliation,
                        "Reconciliation: Task is unknown",
                    ))
                };
                if let Some(update) = update {
                    updates.push(update.build(time));
                }
            }
        }
        for update in &updates {
            self.forward(update, false);
        }
    }
}
