//! The allocator's gauges under Mesos's names (src/master/allocator/mesos/metrics.cpp).

use std::collections::BTreeMap;

use crate::{
    AllocatorMetrics,
    fast::FastMap,
    hierarchical::{HierarchicalAllocator, RoleId},
    quantities::Quantities,
    sorter::Sorter,
};

const PREFIX: &str = "allocator/mesos";

impl<R: Sorter, F: Sorter> HierarchicalAllocator<R, F> {
    pub(super) fn metrics_impl(&self) -> AllocatorMetrics {
        let mut gauges = BTreeMap::new();
        for name in ["cpus", "mem", "disk"] {
            let (total, held) = match self.names.get(name) {
                Some(id) => (self.total.scalar(id), self.held_scalars.scalar(id)),
                None => Default::default(),
            };
            gauges.insert(format!("{PREFIX}/resources/{name}/total"), total.as_f64());
            gauges.insert(
                format!("{PREFIX}/resources/{name}/offered_or_allocated"),
                held.as_f64(),
            );
        }
        let mut filters: FastMap<RoleId, usize> = FastMap::default();
        for (_, framework) in self.frameworks.iter() {
            for ((role, _), list) in &framework.offer_filters {
                *filters.entry(*role).or_default() += list.len();
            }
        }
        for (id, node) in self.roles.iter() {
            let role = self.roles.names.role(id);
            gauges.insert(
                format!("{PREFIX}/offer_filters/roles/{role}/active"),
                filters.get(&id).copied().unwrap_or(0) as f64,
            );
            if let Some(client) = node.client {
                gauges.insert(
                    format!("{PREFIX}/roles/{role}/shares/dominant"),
                    self.role_sorter.dominant_share(client),
                );
            }
            let consumed = node.quota_consumed();
            for (name, amount) in consumed.iter() {
                gauges.insert(
                    format!(
                        "{PREFIX}/quota/roles/{role}/resources/{}/consumed",
                        self.names.name(name)
                    ),
                    amount as f64 / 1000.0,
                );
            }
            if node.quota.is_none() {
                continue;
            }
            let allocation = node
                .client
                .map(|client| self.role_sorter.allocation(client).clone())
                .unwrap_or_else(Quantities::new);
            for (name, amount) in node.quota.guarantees.iter() {
                gauges.insert(
                    format!("{PREFIX}/quota/roles/{role}/resources/{name}/guarantee"),
                    amount.as_f64(),
                );
            }
            for (name, limit) in node.quota.limits.iter() {
                gauges.insert(
                    format!("{PREFIX}/quota/roles/{role}/resources/{name}/limit"),
                    limit.as_f64(),
                );
            }
            let names = node
                .quota
                .guarantees
                .iter()
                .map(|(name, _)| name)
                .chain(node.quota.limits.iter().map(|(name, _)| name));
            for name in names {
                let amount = self
                    .names
                    .get(name)
                    .map_or(0.0, |id| allocation.scalar(id).as_f64());
                gauges.insert(
                    format!("{PREFIX}/quota/roles/{role}/resources/{name}/offered_or_allocated"),
                    amount,
                );
            }
        }
        AllocatorMetrics { gauges }
    }
}
