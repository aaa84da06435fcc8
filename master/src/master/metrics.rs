//! The master's `master/*` metrics (Mesos's src/master/metrics.cpp names): counters bumped as
//! messages arrive and tasks end, and gauges the master refreshes from its books after the
//! events that change them, so `/metrics/snapshot` never has to walk the books.

use libprocess::{Counter, Gauge, Metrics};
use proto::v0::TaskState;
use resources::Resources;

use crate::books::Books;

/// Every `master/*` metric.
#[derive(Clone)]
pub struct MasterMetrics {
    /// `master/messages_register_slave`, ... by short name.
    counters: std::collections::HashMap<&'static str, Counter>,
    gauges: std::collections::HashMap<String, Gauge>,
}

const COUNTERS: &[&str] = &[
    "dropped_messages",
    "messages_register_slave",
    "messages_reregister_slave",
    "messages_unregister_slave",
    "messages_status_update",
    "messages_exited_executor",
    "messages_executor_to_framework",
    "messages_framework_to_executor",
    "messages_register_framework",
    "messages_reregister_framework",
    "messages_unregister_framework",
    "messages_deactivate_framework",
    "messages_launch_tasks",
    "messages_decline_offers",
    "messages_revive_offers",
    "messages_suppress_offers",
    "messages_kill_task",
    "messages_status_update_acknowledgement",
    "messages_reconcile_tasks",
    "messages_resource_request",
    "messages_update_slave",
    "valid_status_updates",
    "invalid_status_updates",
    "valid_status_update_acknowledgements",
    "invalid_status_update_acknowledgements",
    "valid_framework_to_executor_messages",
    "invalid_framework_to_executor_messages",
    "valid_executor_to_framework_messages",
    "invalid_executor_to_framework_messages",
    "slave_registrations",
    "slave_reregistrations",
    "slave_removals",
    "slave_removals/reason_registered",
    "slave_removals/reason_unhealthy",
    "slave_removals/reason_unregistered",
    "slave_unreachable_scheduled",
    "slave_unreachable_completed",
    "slave_unreachable_canceled",
    "recovery_slave_removals",
    "tasks_finished",
    "tasks_failed",
    "tasks_killed",
    "tasks_lost",
    "tasks_error",
    "tasks_dropped",
    "tasks_gone",
    "tasks_gone_by_operator",
];

const GAUGES: &[&str] = &[
    "elected",
    "slaves_active",
    "slaves_inactive",
    "slaves_connected",
    "slaves_disconnected",
    "slaves_unreachable",
    "frameworks_active",
    "frameworks_inactive",
    "frameworks_connected",
    "frameworks_disconnected",
    "outstanding_offers",
    "tasks_staging",
    "tasks_starting",
    "tasks_running",
    "tasks_killing",
    "tasks_unreachable",
];

const RESOURCES: &[&str] = &["cpus", "gpus", "mem", "disk"];

impl MasterMetrics {
    /// Registers every metric in `metrics`.
    pub fn register(metrics: &Metrics) -> MasterMetrics {
        let counters = COUNTERS
            .iter()
            .map(|name| (*name, metrics.counter(&format!("master/{name}"))))
            .collect();
        let mut gauges: std::collections::HashMap<String, Gauge> = GAUGES
            .iter()
            .map(|name| (name.to_string(), metrics.gauge(&format!("master/{name}"))))
            .collect();
        for resource in RESOURCES {
            for suffix in ["total", "used", "percent"] {
                let name = format!("{resource}_{suffix}");
                gauges.insert(name.clone(), metrics.gauge(&format!("master/{name}")));
            }
        }
        MasterMetrics { counters, gauges }
    }

    /// Bumps the counter `master/<name>`.
    pub fn increment(&self, name: &'static str) {
        if let Some(counter) = self.counters.get(name) {
            counter.inc();
        }
    }

    /// Counts a task that just ended in `state` (`master/tasks_finished`, ...).
    pub fn task_ended(&self, state: TaskState) {
        let name = match state {
            TaskState::TaskFinished => "tasks_finished",
            TaskState::TaskFailed => "tasks_failed",
            TaskState::TaskKilled => "tasks_killed",
            TaskState::TaskLost => "tasks_lost",
            TaskState::TaskError => "tasks_error",
            TaskState::TaskDropped => "tasks_dropped",
            TaskState::TaskGone => "tasks_gone",
            TaskState::TaskGoneByOperator => "tasks_gone_by_operator",
            _ => return,
        };
        self.increment(name);
    }

    fn set(&self, name: &str, value: f64) {
        if let Some(gauge) = self.gauges.get(name) {
            gauge.set(value);
        }
    }

    /// Refreshes every gauge from the books.
    pub fn refresh(&self, books: &Books, elected: bool) {
        self.set("elected", if elected { 1.0 } else { 0.0 });
        let agents = books.agents.registered.values();
        let (mut active, mut connected, mut total) = (0.0, 0.0, 0.0);
        let mut total_resources = Resources::new();
        for agent in agents {
            total += 1.0;
            active += f64::from(u8::from(agent.active));
            connected += f64::from(u8::from(agent.connected));
            total_resources += &agent.total_resources;
        }
        self.set("slaves_active", active);
        self.set("slaves_inactive", total - active);
        self.set("slaves_connected", connected);
        self.set("slaves_disconnected", total - connected);
        self.set("slaves_unreachable", books.agents.unreachable.len() as f64);

        let (mut active, mut connected, mut total) = (0.0, 0.0, 0.0);
        for framework in books.frameworks.registered.values() {
            total += 1.0;
            active += f64::from(u8::from(framework.active));
            connected += f64::from(u8::from(framework.connected()));
        }
        self.set("frameworks_active", active);
        self.set("frameworks_inactive", total - active);
        self.set("frameworks_connected", connected);
        self.set("frameworks_disconnected", total - connected);
        self.set("outstanding_offers", books.offers.len() as f64);

        for (state, name) in [
            (TaskState::TaskStaging, "tasks_staging"),
            (TaskState::TaskStarting, "tasks_starting"),
            (TaskState::TaskRunning, "tasks_running"),
            (TaskState::TaskKilling, "tasks_killing"),
            (TaskState::TaskUnreachable, "tasks_unreachable"),
        ] {
            self.set(name, books.task_count(state) as f64);
        }

        let used = books.used_total();
        for resource in RESOURCES {
            let total = total_resources
                .get_scalar(resource)
                .map_or(0.0, |amount| amount.as_f64());
            let used = used
                .get_scalar(resource)
                .map_or(0.0, |amount| amount.as_f64());
            self.set(&format!("{resource}_total"), total);
            self.set(&format!("{resource}_used"), used);
            self.set(
                &format!("{resource}_percent"),
                if total > 0.0 { used / total } else { 0.0 },
            );
        }
    }
}
