//! The agent's `slave/*` metrics in `/metrics/snapshot` (Mesos's src/slave/metrics.cpp):
//! counters bumped as things happen, and gauges the agent refreshes from its books after
//! each event that can change them.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use libprocess::{Counter, Gauge, Runtime};
use proto::v0::TaskState;
use resources::Resources;

use crate::{
    books::{Books, ExecutorState},
    process::{Agent, AgentState},
};

/// Handles to the agent's metrics.
#[derive(Clone)]
pub struct AgentMetrics {
    pub(crate) registered: Gauge,
    pub(crate) frameworks_active: Gauge,
    pub(crate) tasks_staging: Gauge,
    pub(crate) tasks_starting: Gauge,
    pub(crate) tasks_running: Gauge,
    pub(crate) tasks_killing: Gauge,
    pub(crate) tasks_finished: Counter,
    pub(crate) tasks_failed: Counter,
    pub(crate) tasks_killed: Counter,
    pub(crate) tasks_lost: Counter,
    pub(crate) tasks_gone: Counter,
    pub(crate) executors_registering: Gauge,
    pub(crate) executors_running: Gauge,
    pub(crate) executors_terminating: Gauge,
    pub(crate) executors_terminated: Counter,
    pub(crate) valid_status_updates: Counter,
    pub(crate) invalid_status_updates: Counter,
    pub(crate) valid_framework_messages: Counter,
    pub(crate) invalid_framework_messages: Counter,
    pub(crate) container_launch_errors: Counter,
    resources: Vec<(&'static str, Gauge, Gauge, Gauge)>,
}

impl std::fmt::Debug for AgentMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentMetrics").finish_non_exhaustive()
    }
}

impl AgentMetrics {
    /// Registers the metrics with the runtime; `slave/uptime_secs` counts from `start`.
    pub fn register(runtime: &Runtime, start: SystemTime) -> AgentMetrics {
        let metrics = runtime.metrics();
        let clock = Arc::new(runtime.clock().clone());
        metrics.pull_gauge("slave/uptime_secs", move || {
            clock
                .now()
                .duration_since(start)
                .unwrap_or_default()
                .as_secs_f64()
        });
        metrics.gauge("slave/recovery_errors").set(0.0);
        metrics
            .gauge("slave/executor_directory_max_allowed_age_secs")
            .set(0.0);
        let gauge = |name: &str| metrics.gauge(&format!("slave/{name}"));
        let counter = |name: &str| metrics.counter(&format!("slave/{name}"));
        let resources = SCALARS
            .into_iter()
            .map(|name| {
                (
                    name,
                    gauge(&format!("{name}_total")),
                    gauge(&format!("{name}_used")),
                    gauge(&format!("{name}_percent")),
                )
            })
            .collect();
        AgentMetrics {
            registered: gauge("registered"),
            frameworks_active: gauge("frameworks_active"),
            tasks_staging: gauge("tasks_staging"),
            tasks_starting: gauge("tasks_starting"),
            tasks_running: gauge("tasks_running"),
            tasks_killing: gauge("tasks_killing"),
            tasks_finished: counter("tasks_finished"),
            tasks_failed: counter("tasks_failed"),
            tasks_killed: counter("tasks_killed"),
            tasks_lost: counter("tasks_lost"),
            tasks_gone: counter("tasks_gone"),
            executors_registering: gauge("executors_registering"),
            executors_running: gauge("executors_running"),
            executors_terminating: gauge("executors_terminating"),
            executors_terminated: counter("executors_terminated"),
            valid_status_updates: counter("valid_status_updates"),
            invalid_status_updates: counter("invalid_status_updates"),
            valid_framework_messages: counter("valid_framework_messages"),
            invalid_framework_messages: counter("invalid_framework_messages"),
            container_launch_errors: counter("container_launch_errors"),
            resources,
        }
    }

    /// Counts a task reaching a terminal state.
    pub(crate) fn count_terminal(&self, state: TaskState) {
        match state {
            TaskState::TaskFinished => self.tasks_finished.inc(),
            TaskState::TaskFailed => self.tasks_failed.inc(),
            TaskState::TaskKilled => self.tasks_killed.inc(),
            TaskState::TaskLost => self.tasks_lost.inc(),
            TaskState::TaskGone => self.tasks_gone.inc(),
            _ => {}
        }
    }

    fn refresh(&self, state: AgentState, books: &Books, total: &Resources) {
        self.registered.set(if state == AgentState::Running {
            1.0
        } else {
            0.0
        });
        self.frameworks_active.set(books.frameworks.len() as f64);
        let mut counts = [0u64; 14];
        let mut executors = [0u64; 4];
        let mut used = [0.0f64; 4];
        for framework in books.frameworks.values() {
            for executor in framework.executors.values() {
                let index = match executor.state {
                    ExecutorState::Registering => 0,
                    ExecutorState::Running => 1,
                    ExecutorState::Terminating => 2,
                    ExecutorState::Terminated => 3,
                };
                executors[index] += 1;
                counts[TaskState::TaskStaging as usize] += executor.queued_tasks.len() as u64;
                for task in executor.launched_tasks.values() {
                    if let Some(count) = usize::try_from(task.state)
                        .ok()
                        .and_then(|state| counts.get_mut(state))
                    {
                        *count += 1;
                    }
                }
                if executor.state != ExecutorState::Terminated {
                    add_scalars(&mut used, &executor.info.resources);
                    for task in &executor.queued_tasks {
                        add_scalars(&mut used, &task.resources);
                    }
                    for task in executor.launched_tasks.values() {
                        add_scalars(&mut used, &task.resources);
                    }
                }
            }
        }
        let count = |state: TaskState| counts[state as usize] as f64;
        self.tasks_staging.set(count(TaskState::TaskStaging));
        self.tasks_starting.set(count(TaskState::TaskStarting));
        self.tasks_running.set(count(TaskState::TaskRunning));
        self.tasks_killing.set(count(TaskState::TaskKilling));
        self.executors_registering.set(executors[0] as f64);
        self.executors_running.set(executors[1] as f64);
        self.executors_terminating.set(executors[2] as f64);
        for (index, (name, total_gauge, used_gauge, percent_gauge)) in
            self.resources.iter().enumerate()
        {
            let total = total.get_scalar(name).map_or(0.0, |s| s.as_f64());
            let used = used[index];
            total_gauge.set(total);
            used_gauge.set(used);
            percent_gauge.set(if total > 0.0 { used / total } else { 0.0 });
        }
    }
}

/// The scalar names the resource gauges track, in gauge order.
const SCALARS: [&str; 4] = ["cpus", "gpus", "mem", "disk"];

/// Adds a resource list's `cpus`, `gpus`, `mem` and `disk` to `sums` straight from the
/// protobufs: the books hold only valid resources, and this runs after every event, so it
/// skips the conversion to `Resources`.
fn add_scalars(sums: &mut [f64; 4], resources: &[proto::v0::Resource]) {
    for resource in resources {
        if let (Some(index), Some(scalar)) = (
            SCALARS.iter().position(|name| *name == resource.name),
            &resource.scalar,
        ) {
            sums[index] += scalar.value;
        }
    }
}

impl Agent {
    /// Brings the gauges up to date with the books.
    pub(crate) fn refresh_metrics(&self) {
        if let Some(metrics) = &self.metrics {
            metrics.refresh(self.state, &self.books, &self.options.resources);
        }
    }

    /// Seconds since the epoch when the agent started.
    pub(crate) fn start_time_secs(&self) -> f64 {
        self.start_time
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64()
    }
}
