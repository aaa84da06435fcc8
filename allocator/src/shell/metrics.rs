//! The allocator's metrics in the runtime's registry, under Mesos's names: the shell's own
//! (`allocation_runs`, `allocation_run`, `allocation_run_latency`, `event_queue_dispatches`)
//! and the allocator's gauges, refreshed after every allocation run.

use std::collections::BTreeMap;

use libprocess::{Counter, Gauge, Metrics, Timer};

use crate::AllocatorMetrics;

pub(crate) struct ShellMetrics {
    registry: Metrics,
    pub(crate) allocation_runs: Counter,
    pub(crate) allocation_run: Timer,
    pub(crate) allocation_run_latency: Timer,
    published: BTreeMap<String, Gauge>,
}

impl ShellMetrics {
    pub(crate) fn register(
        registry: &Metrics,
        queued: impl Fn() -> f64 + Send + Sync + Clone + 'static,
    ) -> ShellMetrics {
        registry.pull_gauge("allocator/mesos/event_queue_dispatches", queued.clone());
        registry.pull_gauge("allocator/event_queue_dispatches", queued);
        ShellMetrics {
            allocation_runs: registry.counter("allocator/mesos/allocation_runs"),
            allocation_run: registry.timer("allocator/mesos/allocation_run"),
            allocation_run_latency: registry.timer("allocator/mesos/allocation_run_latency"),
            registry: registry.clone(),
            published: BTreeMap::new(),
        }
    }

    /// Sets every gauge the allocator reports and removes those it no longer does.
    pub(crate) fn publish(&mut self, metrics: AllocatorMetrics) {
        let stale: Vec<String> = self
            .published
            .keys()
            .filter(|key| !metrics.gauges.contains_key(*key))
            .cloned()
            .collect();
        for key in stale {
            self.published.remove(&key);
            self.registry.remove(&key);
        }
        for (key, value) in metrics.gauges {
            match self.published.get(&key) {
                Some(gauge) => gauge.set(value),
                None => {
                    let gauge = self.registry.gauge(&key);
                    gauge.set(value);
                    self.published.insert(key, gauge);
                }
            }
        }
    }
}
