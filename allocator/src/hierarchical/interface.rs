//! `Allocator` for the hierarchical allocator: each operation delegates to the module that
//! implements it.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    time::SystemTime,
};

use proto::v1::{
    AgentInfo, Filters, FrameworkInfo, Request, Unavailability, WeightInfo,
    agent_info::Capability as AgentCapability, allocator::InverseOfferStatus,
};
use resources::{ResourceConversion, Resources};

use crate::{
    AgentId, Allocation, AllocationRequest, Allocator, AllocatorError, AllocatorMetrics,
    AllocatorOptions, FrameworkId, FrameworkOptions, Quota, UnavailableResources,
    hierarchical::HierarchicalAllocator, sorter::Sorter,
};

impl<R: Sorter, F: Sorter> Allocator for HierarchicalAllocator<R, F> {
    /// Before any framework or agent is added this starts over with `options`; afterwards it
    /// replaces the options except the sorters and fairness exclusions, which stay as they
    /// were created.
    fn initialize(&mut self, options: AllocatorOptions) -> Result<(), AllocatorError> {
        if self.frameworks.len() == 0 && self.agents.len() == 0 {
            *self = HierarchicalAllocator::new(options);
        } else {
            self.options = options;
            // The master's domain may have changed: which agents are remote follows it.
            let remote: Vec<(u32, bool)> = self
                .agents
                .iter()
                .map(|(index, agent)| (index, self.is_remote(&agent.info)))
                .collect();
            for (index, remote) in remote {
                if let Some(agent) = self.agents.get_mut(index) {
                    agent.remote = remote;
                }
            }
        }
        Ok(())
    }

    fn recover(
        &mut self,
        now: SystemTime,
        expected_agent_count: usize,
        quotas: BTreeMap<String, Quota>,
    ) -> Result<(), AllocatorError> {
        self.recover_impl(now, expected_agent_count, quotas)
    }

    fn add_framework(
        &mut self,
        framework_id: FrameworkId,
        info: FrameworkInfo,
        used: HashMap<AgentId, Resources>,
        active: bool,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        self.add_framework_impl(framework_id, info, used, active, options)
    }

    fn remove_framework(&mut self, framework_id: &FrameworkId) -> Result<(), AllocatorError> {
        self.remove_framework_impl(framework_id)
    }

    fn activate_framework(&mut self, framework_id: &FrameworkId) -> Result<(), AllocatorError> {
        self.activate_framework_impl(framework_id)
    }

    fn deactivate_framework(&mut self, framework_id: &FrameworkId) -> Result<(), AllocatorError> {
        self.deactivate_framework_impl(framework_id)
    }

    fn update_framework(
        &mut self,
        framework_id: &FrameworkId,
        info: FrameworkInfo,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        self.update_framework_impl(framework_id, info, options)
    }

    fn add_agent(
        &mut self,
        agent_id: AgentId,
        info: AgentInfo,
        capabilities: Vec<AgentCapability>,
        unavailability: Option<Unavailability>,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        self.add_agent_impl(agent_id, info, capabilities, unavailability, total, used)
    }

    fn remove_agent(&mut self, agent_id: &AgentId) -> Result<(), AllocatorError> {
        self.remove_agent_impl(agent_id)
    }

    fn update_agent(
        &mut self,
        agent_id: &AgentId,
        info: AgentInfo,
        total: Option<Resources>,
        capabilities: Option<Vec<AgentCapability>>,
    ) -> Result<(), AllocatorError> {
        self.update_agent_impl(agent_id, info, total, capabilities)
    }

    fn add_resource_provider(
        &mut self,
        agent_id: &AgentId,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        self.add_resource_provider_impl(agent_id, total, used)
    }

    fn activate_agent(&mut self, agent_id: &AgentId) -> Result<(), AllocatorError> {
        self.set_agent_active(agent_id, true)
    }

    fn deactivate_agent(&mut self, agent_id: &AgentId) -> Result<(), AllocatorError> {
        self.set_agent_active(agent_id, false)
    }

    fn update_whitelist(&mut self, whitelist: Option<HashSet<String>>) {
        self.whitelist = whitelist;
    }

    /// Mesos's hierarchical allocator only logs requests; so does this one (after checking
    /// the framework exists).
    fn request_resources(
        &mut self,
        framework_id: &FrameworkId,
        requests: Vec<Request>,
    ) -> Result<(), AllocatorError> {
        self.framework_idx(framework_id)?;
        tracing::debug!(framework = %framework_id, requests = requests.len(), "resource request");
        Ok(())
    }

    fn update_allocation(
        &mut self,
        framework_id: &FrameworkId,
        agent_id: &AgentId,
        offered: &Resources,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        self.update_allocation_impl(framework_id, agent_id, offered, conversions)
    }

    fn update_available(
        &mut self,
        agent_id: &AgentId,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        self.update_available_impl(agent_id, conversions)
    }

    fn update_unavailability(
        &mut self,
        agent_id: &AgentId,
        unavailability: Option<Unavailability>,
    ) -> Result<(), AllocatorError> {
        self.update_unavailability_impl(agent_id, unavailability)
    }

    /// `unavailable_resources` is not needed: inverse offers here cover whole agents.
    fn update_inverse_offer(
        &mut self,
        now: SystemTime,
        agent_id: &AgentId,
        framework_id: &FrameworkId,
        unavailable_resources: Option<UnavailableResources>,
        status: Option<InverseOfferStatus>,
        filters: Option<Filters>,
    ) -> Result<(), AllocatorError> {
        let _ = unavailable_resources;
        self.update_inverse_offer_impl(now, agent_id, framework_id, status, filters)
    }

    fn inverse_offer_statuses(
        &self,
    ) -> BTreeMap<AgentId, BTreeMap<FrameworkId, InverseOfferStatus>> {
        self.inverse_offer_statuses_impl()
    }

    fn transition_offered_to_allocated(
        &mut self,
        agent_id: &AgentId,
        resources: &Resources,
    ) -> Result<(), AllocatorError> {
        self.transition_offered_to_allocated_impl(agent_id, resources)
    }

    fn recover_resources(
        &mut self,
        now: SystemTime,
        framework_id: &FrameworkId,
        agent_id: &AgentId,
        resources: &Resources,
        filters: Option<&Filters>,
        is_allocated: bool,
    ) -> Result<(), AllocatorError> {
        self.recover_resources_impl(
            now,
            framework_id,
            agent_id,
            resources,
            filters,
            is_allocated,
        )
    }

    fn suppress_offers(
        &mut self,
        framework_id: &FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        self.suppress_offers_impl(framework_id, roles)
    }

    fn revive_offers(
        &mut self,
        framework_id: &FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        self.revive_offers_impl(framework_id, roles)
    }

    fn update_quota(&mut self, role: &str, quota: Quota) -> Result<(), AllocatorError> {
        self.update_quota_impl(role, quota)
    }

    fn update_weights(&mut self, weights: &[WeightInfo]) -> Result<(), AllocatorError> {
        self.update_weights_impl(weights)
    }

    fn pause(&mut self) {
        self.paused = true;
    }

    fn resume(&mut self) {
        self.paused = false;
    }

    fn is_paused(&self) -> bool {
        self.paused
    }

    fn allocate(&mut self, now: SystemTime, agents: Option<&HashSet<AgentId>>) -> Allocation {
        self.allocate_impl(now, agents)
    }

    fn take_allocation_request(&mut self) -> AllocationRequest {
        std::mem::take(&mut self.request)
    }

    fn metrics(&self) -> AllocatorMetrics {
        self.metrics_impl()
    }
}
