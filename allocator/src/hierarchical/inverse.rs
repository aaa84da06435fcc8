//! Inverse offers for maintenance (Mesos's `generateInverseOffers`): frameworks holding
//! resources on an agent with scheduled unavailability are asked, once per outstanding
//! unavailability, to give them back.

use std::{collections::BTreeMap, time::SystemTime};

use resources::Resources;

use crate::{
    InverseOffer,
    fast::FastMap,
    hierarchical::{AgentIdx, FwIdx, HierarchicalAllocator},
    offers::UnavailableResources,
    sorter::Sorter,
};

impl<R: Sorter, F: Sorter> HierarchicalAllocator<R, F> {
    pub(super) fn generate_inverse_offers(
        &mut self,
        now: SystemTime,
        candidates: &[AgentIdx],
    ) -> Vec<InverseOffer> {
        let mut offers: FastMap<FwIdx, InverseOffer> = FastMap::default();
        for agent in candidates {
            let Some(state) = self.agents.get(*agent) else {
                continue;
            };
            let Some(maintenance) = &state.maintenance else {
                continue;
            };
            let mut sent = Vec::new();
            for (framework_id, _) in &state.held {
                let Some(framework) = self.framework_index.get(framework_id).copied() else {
                    // Holding resources on the agent but not yet re-added.
                    continue;
                };
                let Some(framework_state) = self.frameworks.get(framework) else {
                    continue;
                };
                if !framework_state.active || maintenance.outstanding.contains(framework_id) {
                    continue;
                }
                let filtered = framework_state
                    .inverse_offer_filters
                    .get(agent)
                    .is_some_and(|until| now < *until);
                if filtered {
                    continue;
                }
                offers
                    .entry(framework)
                    .or_insert_with(|| InverseOffer {
                        framework_id: framework_id.clone(),
                        agents: BTreeMap::new(),
                    })
                    .agents
                    .insert(
                        state.id.clone(),
                        UnavailableResources {
                            resources: Resources::new(),
                            unavailability: maintenance.unavailability,
                        },
                    );
                sent.push(framework_id.clone());
            }
            if let Some(maintenance) = self
                .agents
                .get_mut(*agent)
                .and_then(|state| state.maintenance.as_mut())
            {
                maintenance.outstanding.extend(sent);
            }
        }
        let mut offers: Vec<InverseOffer> = offers.into_values().collect();
        offers.sort_by(|a, b| a.framework_id.cmp(&b.framework_id));
        offers
    }
}
