//! Changes to what is held where (offer operations, recovered resources, tasks launched),
//! suppression and revival, quota and weights, and maintenance answers.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::SystemTime,
};

use proto::v1::{Filters, Unavailability, WeightInfo, allocator::InverseOfferStatus};
use resources::{ResourceConversion, Resources};

use crate::{
    AgentId, AllocationRequest, AllocatorError, FrameworkId, Quota,
    hierarchical::{
        HierarchicalAllocator, Recovery, RoleId,
        events::parse_role,
        filters::{Expiry, OfferFilter, refuse_duration},
        state::Maintenance,
    },
    sorter::Sorter,
};

/// The one role `resources` are allocated to.
fn single_role(resources: &Resources) -> Result<resources::Role, AllocatorError> {
    let mut roles = resources.iter().map(|resource| resource.allocation_role());
    let first = roles.next().flatten().cloned();
    match first {
        Some(role) if roles.all(|other| other == Some(&role)) => Ok(role),
        _ => Err(AllocatorError::NotSingleRole {
            resources: resources.to_string(),
        }),
    }
}

/// `conversions` without allocation roles, for applying to an agent's unallocated books.
fn unallocated_conversions(conversions: &[ResourceConversion]) -> Vec<ResourceConversion> {
    conversions
        .iter()
        .map(|conversion| {
            let mut consumed = conversion.consumed.clone();
            let mut converted = conversion.converted.clone();
            consumed.unallocate();
            converted.unallocate();
            ResourceConversion {
                consumed,
                converted,
            }
        })
        .collect()
}

fn apply_all(
    resources: &Resources,
    conversions: &[ResourceConversion],
    agent: &AgentId,
) -> Result<Resources, AllocatorError> {
    let mut result = resources.clone();
    for conversion in conversions {
        result = result
            .apply(conversion)
            .map_err(|error| AllocatorError::Conversion {
                agent: agent.clone(),
                error,
            })?;
    }
    Ok(result)
}

impl<R: Sorter, F: Sorter> HierarchicalAllocator<R, F> {
    pub(super) fn update_allocation_impl(
        &mut self,
        framework_id: &FrameworkId,
        agent_id: &AgentId,
        offered: &Resources,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        let framework = self.framework_idx(framework_id)?;
        let agent = self.agent_idx(agent_id)?;
        single_role(offered)?;
        let Some(state) = self.agents.get(agent) else {
            return Err(AllocatorError::UnknownAgent(agent_id.clone()));
        };
        let held = state.held_by(framework_id).cloned().unwrap_or_default();
        if !held.contains(offered) {
            return Err(AllocatorError::NotHeld {
                framework: framework_id.clone(),
                agent: agent_id.clone(),
                wanted: offered.to_string(),
                held: held.to_string(),
            });
        }
        let updated = apply_all(offered, conversions, agent_id)?;
        // The total changes only by conversions that consume something (a conversion with
        // nothing consumed is one more copy of a shared resource, which the total has).
        let total_conversions: Vec<ResourceConversion> = unallocated_conversions(conversions)
            .into_iter()
            .filter(|conversion| !conversion.consumed.is_empty())
            .collect();
        let updated_total = apply_all(&state.total, &total_conversions, agent_id)?;
        self.release(framework, agent, offered, true);
        self.hold(framework, agent, &updated, true);
        self.update_agent_total(agent, updated_total);
        Ok(())
    }

    pub(super) fn update_available_impl(
        &mut self,
        agent_id: &AgentId,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        let agent = self.agent_idx(agent_id)?;
        let Some(state) = self.agents.get(agent) else {
            return Err(AllocatorError::UnknownAgent(agent_id.clone()));
        };
        let conversions = unallocated_conversions(conversions);
        // Fails (changing nothing) when the available resources do not hold what is
        // consumed, e.g. because they were offered in the meantime.
        apply_all(&state.available, &conversions, agent_id)?;
        let updated_total = apply_all(&state.total, &conversions, agent_id)?;
        self.update_agent_total(agent, updated_total);
        Ok(())
    }

    pub(super) fn transition_offered_to_allocated_impl(
        &mut self,
        agent_id: &AgentId,
        resources: &Resources,
    ) -> Result<(), AllocatorError> {
        let agent = self.agent_idx(agent_id)?;
        super::events::check_allocated(resources)?;
        if let Some(state) = self.agents.get_mut(agent) {
            state.allocated += resources;
        }
        self.track_allocated(resources);
        Ok(())
    }

    pub(super) fn recover_resources_impl(
        &mut self,
        now: SystemTime,
        framework_id: &FrameworkId,
        agent_id: &AgentId,
        resources: &Resources,
        filters: Option<&Filters>,
        is_allocated: bool,
    ) -> Result<(), AllocatorError> {
        if resources.is_empty() {
            return Ok(());
        }
        let agent = self.agent_index.get(agent_id).copied();
        let framework = self.framework_index.get(framework_id).copied();
        // Validate everything before changing anything.
        if is_allocated
            && let Some(state) = agent.and_then(|agent| self.agents.get(agent))
            && !state.allocated.contains(resources)
        {
            return Err(AllocatorError::NotHeld {
                framework: framework_id.clone(),
                agent: agent_id.clone(),
                wanted: resources.to_string(),
                held: state.allocated.to_string(),
            });
        }
        let role = match (framework, agent) {
            (Some(_), Some(agent)) => {
                let role = single_role(resources)?;
                let held = self
                    .agents
                    .get(agent)
                    .and_then(|state| state.held_by(framework_id))
                    .cloned()
                    .unwrap_or_default();
                if !held.contains(resources) {
                    return Err(AllocatorError::NotHeld {
                        framework: framework_id.clone(),
                        agent: agent_id.clone(),
                        wanted: resources.to_string(),
                        held: held.to_string(),
                    });
                }
                Some(role)
            }
            _ => None,
        };
        if is_allocated && let Some(agent) = agent {
            if let Some(state) = self.agents.get_mut(agent) {
                state.allocated -= resources;
            }
            self.untrack_allocated(resources);
        }
        // The master may race with removals: resources of a framework or an agent that is
        // gone were already recovered.
        let (Some(framework), Some(agent), Some(role)) = (framework, agent, role) else {
            return Ok(());
        };
        self.release(framework, agent, resources, true);
        let Some(filters) = filters else {
            return Ok(());
        };
        let refuse = refuse_duration(filters.refuse_seconds());
        if refuse.is_zero() {
            return Ok(());
        }
        // Never expire before the next batch allocation has seen the agent (MESOS-4302).
        let timeout = refuse.max(self.options.allocation_interval);
        // A `now` so late that the expiry cannot be represented gets no filter.
        let Some(expires) = now.checked_add(timeout) else {
            return Ok(());
        };
        let role_id = self.roles.names.intern(&role);
        let mut refused = resources.clone();
        refused.unallocate();
        let id = self.expiries.next_id();
        if let Some(state) = self.frameworks.get_mut(framework) {
            state
                .offer_filters
                .entry((role_id, agent))
                .or_default()
                .push(OfferFilter { id, refused });
        }
        self.expiries.push(Expiry {
            at: expires,
            filter: id,
            framework,
            role: role_id,
            agent,
        });
        Ok(())
    }

    /// Removes filters whose time has come.
    pub(super) fn expire_filters(&mut self, now: SystemTime) {
        while let Some(expiry) = self.expiries.pop_due(now) {
            let Some(framework) = self.frameworks.get_mut(expiry.framework) else {
                continue;
            };
            let key = (expiry.role, expiry.agent);
            if let Some(filters) = framework.offer_filters.get_mut(&key) {
                filters.retain(|filter| filter.id != expiry.filter);
                if filters.is_empty() {
                    framework.offer_filters.remove(&key);
                }
            }
        }
    }

    /// The roles named, or all of the framework's roles when none are.
    fn roles_or_all(
        &mut self,
        framework_id: &FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(u32, Vec<RoleId>), AllocatorError> {
        let framework = self.framework_idx(framework_id)?;
        if roles.is_empty() {
            let all = self
                .frameworks
                .get(framework)
                .map(|state| state.roles.clone())
                .unwrap_or_default();
            return Ok((framework, all));
        }
        let parsed = roles
            .iter()
            .map(|role| parse_role(role))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((
            framework,
            parsed
                .iter()
                .map(|role| self.roles.names.intern(role))
                .collect(),
        ))
    }

    pub(super) fn suppress_offers_impl(
        &mut self,
        framework_id: &FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        let (framework, roles) = self.roles_or_all(framework_id, roles)?;
        if let Some(state) = self.frameworks.get_mut(framework) {
            state.suppressed.extend(roles.iter().copied());
        }
        for role in roles {
            self.refresh_activation(framework, role);
        }
        Ok(())
    }

    pub(super) fn revive_offers_impl(
        &mut self,
        framework_id: &FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        let (framework, roles) = self.roles_or_all(framework_id, roles)?;
        if let Some(state) = self.frameworks.get_mut(framework) {
            state.inverse_offer_filters.clear();
            for role in &roles {
                state.suppressed.remove(role);
                state
                    .offer_filters
                    .retain(|(filtered, _), _| filtered != role);
            }
        }
        for role in roles {
            self.refresh_activation(framework, role);
        }
        self.request.merge(AllocationRequest::All);
        Ok(())
    }

    pub(super) fn check_quota(
        role: &str,
        quota: &Quota,
    ) -> Result<resources::Role, AllocatorError> {
        let parsed = parse_role(role)?;
        if role.contains('/') {
            return Err(AllocatorError::NestedQuota(role.to_string()));
        }
        quota
            .validate()
            .map_err(|error| AllocatorError::InvalidQuota {
                role: role.to_string(),
                error,
            })?;
        Ok(parsed)
    }

    pub(super) fn update_quota_impl(
        &mut self,
        role: &str,
        quota: Quota,
    ) -> Result<(), AllocatorError> {
        let parsed = Self::check_quota(role, &quota)?;
        self.roles.set_quota(&parsed, quota, &mut self.names);
        Ok(())
    }

    pub(super) fn update_weights_impl(
        &mut self,
        weights: &[WeightInfo],
    ) -> Result<(), AllocatorError> {
        let mut parsed = Vec::with_capacity(weights.len());
        for info in weights {
            let name = info.role.as_deref().unwrap_or("");
            let role = parse_role(name)?;
            if !(info.weight.is_finite() && info.weight > 0.0) {
                return Err(AllocatorError::InvalidWeight {
                    role: name.to_string(),
                    weight: info.weight,
                });
            }
            parsed.push((role, info.weight));
        }
        for (role, weight) in parsed {
            self.roles.set_weight(&role, weight);
            self.role_sorter.update_weight(role.as_str(), weight);
        }
        Ok(())
    }

    pub(super) fn recover_impl(
        &mut self,
        now: SystemTime,
        expected_agent_count: usize,
        quotas: BTreeMap<String, Quota>,
    ) -> Result<(), AllocatorError> {
        if self.agents.len() > 0 {
            return Err(AllocatorError::RecoverAfterAgents {
                agents: self.agents.len(),
            });
        }
        if quotas.is_empty() {
            return Ok(());
        }
        let mut parsed = Vec::with_capacity(quotas.len());
        for (role, quota) in quotas {
            parsed.push((Self::check_quota(&role, &quota)?, quota));
        }
        for (role, quota) in parsed {
            self.roles.set_quota(&role, quota, &mut self.names);
        }
        let factor = self.options.agent_recovery_factor;
        let expected = (expected_agent_count as f64 * factor).floor();
        let expected = if expected.is_finite() && expected > 0.0 {
            expected as usize
        } else {
            0
        };
        if expected == 0 {
            return Ok(());
        }
        self.paused = true;
        self.recovery = Some(Recovery {
            expected_agents: expected,
            deadline: now
                .checked_add(self.options.recovery_timeout)
                .unwrap_or(now),
        });
        Ok(())
    }

    pub(super) fn update_unavailability_impl(
        &mut self,
        agent_id: &AgentId,
        unavailability: Option<Unavailability>,
    ) -> Result<(), AllocatorError> {
        let agent = self.agent_idx(agent_id)?;
        for (_, framework) in self.frameworks.iter_mut() {
            framework.inverse_offer_filters.remove(&agent);
        }
        if let Some(state) = self.agents.get_mut(agent) {
            state.maintenance = unavailability.map(|u| Box::new(Maintenance::new(u)));
        }
        self.request.add_agent(agent_id);
        Ok(())
    }

    pub(super) fn update_inverse_offer_impl(
        &mut self,
        now: SystemTime,
        agent_id: &AgentId,
        framework_id: &FrameworkId,
        status: Option<InverseOfferStatus>,
        filters: Option<Filters>,
    ) -> Result<(), AllocatorError> {
        let framework = self.framework_idx(framework_id)?;
        let agent = self.agent_idx(agent_id)?;
        if let Some(status) = &status
            && status.status != proto::v1::allocator::inverse_offer_status::Status::Accept as i32
            && status.status != proto::v1::allocator::inverse_offer_status::Status::Decline as i32
        {
            return Err(AllocatorError::InvalidInverseOfferStatus(status.status));
        }
        let Some(maintenance) = self
            .agents
            .get_mut(agent)
            .and_then(|state| state.maintenance.as_mut())
        else {
            return Err(AllocatorError::NoUnavailability(agent_id.clone()));
        };
        if maintenance.outstanding.remove(framework_id)
            && let Some(status) = status
        {
            maintenance.statuses.insert(framework_id.clone(), status);
        }
        let Some(filters) = filters else {
            return Ok(());
        };
        let refuse = refuse_duration(filters.refuse_seconds());
        if !refuse.is_zero()
            && let Some(state) = self.frameworks.get_mut(framework)
        {
            let until = now.checked_add(refuse).unwrap_or(now);
            let entry = state.inverse_offer_filters.entry(agent).or_insert(until);
            *entry = (*entry).max(until);
        }
        Ok(())
    }

    pub(super) fn inverse_offer_statuses_impl(
        &self,
    ) -> BTreeMap<AgentId, BTreeMap<FrameworkId, InverseOfferStatus>> {
        self.agents
            .iter()
            .filter_map(|(_, agent)| {
                agent
                    .maintenance
                    .as_ref()
                    .map(|maintenance| (agent.id.clone(), maintenance.statuses.clone()))
            })
            .collect()
    }
}
