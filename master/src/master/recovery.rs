//! Registry recovery at startup (Mesos's `_recover` and `recoveredSlavesTimeout`): agents in
//! the registry become "recovered" and have `agent_reregister_timeout` to reregister before
//! they are marked unreachable; unreachable and gone agents and weights are restored; and the
//! registry is pruned of old unreachable and gone agents every `registry_gc_interval`.

use std::{collections::BTreeSet, time::Duration};

use libprocess::{Context, Failure};
use proto::{
    internal::Registry,
    v0::{SlaveInfo, WeightInfo},
};

use super::{Master, now, time_info};
use crate::registrar::{Operation, RegistrarError};

impl Master {
    pub(crate) fn recovered_registry(
        &mut self,
        ctx: &mut Context<Self>,
        result: Result<Result<Registry, RegistrarError>, Failure>,
    ) {
        let registry = match result {
            Ok(Ok(registry)) => registry,
            Ok(Err(error)) => return self.registry_failed(ctx, error),
            Err(failure) => return self.registry_failed(ctx, failure),
        };
        let admitted: Vec<SlaveInfo> = registry
            .slaves
            .iter()
            .flat_map(|slaves| &slaves.slaves)
            .map(|slave| slave.info.clone())
            .collect();
        for info in &admitted {
            if let Some(id) = &info.id {
                self.books
                    .agents
                    .recovered
                    .insert(id.value.clone(), info.clone());
            }
        }
        for unreachable in registry.unreachable.iter().flat_map(|list| &list.slaves) {
            self.books
                .agents
                .unreachable
                .insert(unreachable.id.value.clone(), unreachable.timestamp);
        }
        for gone in registry.gone.iter().flat_map(|list| &list.slaves) {
            self.books
                .agents
                .gone
                .insert(gone.id.value.clone(), gone.timestamp);
        }

        let mut quotas = std::collections::BTreeMap::new();
        for config in &registry.quota_configs {
            match allocator::Quota::from_config(&proto::convert::evolve(config)) {
                Ok(quota) => {
                    quotas.insert(config.role.clone(), quota);
                }
                Err(error) => {
                    tracing::warn!(role = %config.role, %error, "ignoring an invalid quota")
                }
            }
        }
        self.allocator.recover(admitted.len(), quotas);

        let weights: Vec<WeightInfo> = if registry.weights.is_empty() {
            let from_flags: Vec<WeightInfo> = self
                .config
                .weights
                .iter()
                .map(|(role, weight)| WeightInfo {
                    weight: *weight,
                    role: Some(role.clone()),
                })
                .collect();
            if !from_flags.is_empty() {
                let store = self.registrar.apply(Operation::UpdateWeights {
                    weights: from_flags.clone(),
                });
                ctx.then(store, |master: &mut Master, ctx, result| {
                    master.registry_result(ctx, result);
                });
            }
            from_flags
        } else {
            if !self.config.weights.is_empty() {
                tracing::warn!("ignoring --weights: the registry holds weights");
            }
            registry
                .weights
                .iter()
                .map(|weight| weight.info.clone())
                .collect()
        };
        if !weights.is_empty() {
            self.allocator
                .update_weights(weights.iter().map(proto::convert::evolve).collect());
        }

        if !admitted.is_empty() {
            let timeout = self.config.agent_reregister_timeout;
            ctx.delay(timeout, |master: &mut Master, ctx| {
                master.recovered_agents_timeout(ctx)
            });
        }
        self.schedule_registry_gc(ctx);
        self.recovered = true;
        tracing::info!(
            agents = admitted.len(),
            unreachable = self.books.agents.unreachable.len(),
            gone = self.books.agents.gone.len(),
            "recovered the registry; agents have {} to reregister",
            common::flags::format_duration(self.config.agent_reregister_timeout)
        );
        self.schedule_metrics_refresh(ctx);
    }

    /// Recovered agents that did not reregister in time are marked unreachable.
    fn recovered_agents_timeout(&mut self, ctx: &mut Context<Self>) {
        let late: Vec<SlaveInfo> = self
            .books
            .agents
            .recovered
            .iter()
            .filter(|(id, _)| !self.books.agents.reregistering.contains(*id))
            .map(|(_, info)| info.clone())
            .collect();
        for info in late {
            let agent_id = info
                .id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default();
            self.count("slave_unreachable_scheduled");
            let time = time_info(ctx);
            let apply = self
                .registrar
                .apply(Operation::MarkAgentUnreachable { info, time });
            ctx.then(apply, move |master: &mut Master, ctx, result| {
                if master.registry_result(ctx, result).is_none() {
                    return;
                }
                // It may have reregistered while the registry was being updated.
                if master.books.agents.recovered.remove(&agent_id).is_none() {
                    master.count("slave_unreachable_canceled");
                    return;
                }
                tracing::info!(%agent_id, "a recovered agent did not reregister: marked unreachable");
                master.books.agents.unreachable.insert(agent_id.clone(), time);
                master.count("slave_unreachable_completed");
                master.count("recovery_slave_removals");
                master.send_agent_lost(&agent_id);
                master.schedule_metrics_refresh(ctx);
            });
        }
    }

    fn schedule_registry_gc(&mut self, ctx: &mut Context<Self>) {
        let interval = self.config.registry_gc_interval;
        if interval.is_zero() {
            return;
        }
        ctx.delay(interval, |master: &mut Master, ctx| {
            master.registry_gc(ctx);
            master.schedule_registry_gc(ctx);
        });
    }

    /// Prunes unreachable and gone agents older than `registry_max_agent_age`, and the oldest
    /// beyond `registry_max_agent_count` (Mesos's `doRegistryGc`).
    fn registry_gc(&mut self, ctx: &mut Context<Self>) {
        let now_seconds = now(ctx);
        let max_age = self.config.registry_max_agent_age;
        let max_count = self.config.registry_max_agent_count;
        let select = |entries: Vec<(String, i64)>| -> BTreeSet<String> {
            let mut entries = entries;
            entries.sort_by_key(|(_, nanos)| *nanos);
            let excess = entries.len().saturating_sub(max_count);
            entries
                .iter()
                .enumerate()
                .filter(|(index, (_, nanos))| {
                    let age = now_seconds - (*nanos as f64 / 1e9);
                    *index < excess
                        || Duration::try_from_secs_f64(age.max(0.0)).unwrap_or_default() > max_age
                })
                .map(|(_, (id, _))| id.clone())
                .collect()
        };
        let agents = &self.books.agents;
        let unreachable = select(
            agents
                .unreachable
                .iter()
                .map(|(id, t)| (id.clone(), t.nanoseconds))
                .collect(),
        );
        let gone = select(
            agents
                .gone
                .iter()
                .map(|(id, t)| (id.clone(), t.nanoseconds))
                .collect(),
        );
        if unreachable.is_empty() && gone.is_empty() {
            return;
        }
        let apply = self.registrar.apply(Operation::Prune {
            unreachable: unreachable.clone(),
            gone: gone.clone(),
        });
        ctx.then(apply, move |master: &mut Master, ctx, result| {
            if master.registry_result(ctx, result).is_none() {
                return;
            }
            for id in &unreachable {
                master.books.agents.unreachable.remove(id);
            }
            for id in &gone {
                master.books.agents.gone.remove(id);
            }
            tracing::info!(
                pruned = unreachable.len() + gone.len(),
                "pruned the registry"
            );
        });
    }
}
