//! Frameworks and agents coming, going and changing (Mesos's `addFramework` ...
//! `deactivateSlave`). Every call validates its input first and changes nothing when it fails.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proto::v1::{
    AgentInfo, FrameworkInfo, Unavailability, agent_info::Capability as AgentCapability,
};
use resources::{Resource, ResourceQuantities, Resources, Role, Scalar, validate_id};

use crate::{
    AgentId, AllocatorError, FrameworkId, FrameworkOptions,
    fast::FastMap,
    hierarchical::{
        AgentIdx, FwIdx, HierarchicalAllocator, RoleId,
        state::{
            Agent, AgentCapabilities, Framework, FrameworkCapabilities, Maintenance, ResourceFlags,
        },
        tracking::single_allocation_role,
    },
    quantities::Quantities,
    sorter::Sorter,
};

/// A framework's roles, options and capabilities, validated.
pub(super) struct ParsedFramework {
    pub(super) roles: Vec<Role>,
    pub(super) suppressed: Vec<Role>,
    pub(super) min_allocatable: Vec<(Role, Vec<ResourceQuantities>)>,
    pub(super) capabilities: FrameworkCapabilities,
}

pub(super) fn parse_role(role: &str) -> Result<Role, AllocatorError> {
    Role::new(role).map_err(|error| AllocatorError::InvalidRole {
        role: role.to_string(),
        error,
    })
}

/// Mesos's `getRoles`: `roles` for MULTI_ROLE frameworks, else `role` (default `*`).
pub(super) fn parse_framework(
    id: &FrameworkId,
    info: &FrameworkInfo,
    options: &FrameworkOptions,
) -> Result<ParsedFramework, AllocatorError> {
    let capabilities = FrameworkCapabilities::of(info);
    let names: Vec<&str> = if capabilities.multi_role {
        info.roles.iter().map(String::as_str).collect()
    } else {
        // The deprecated single role is what non-MULTI_ROLE frameworks use.
        #[allow(deprecated)]
        let role = info.role.as_deref().unwrap_or("*");
        vec![role]
    };
    let mut roles = names
        .into_iter()
        .map(parse_role)
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort();
    roles.dedup();
    let suppressed = options
        .suppressed_roles
        .iter()
        .map(|role| parse_role(role))
        .collect::<Result<Vec<_>, _>>()?;
    let mut min_allocatable = Vec::new();
    for (role, filters) in &info.offer_filters {
        let role = parse_role(role)?;
        let Some(min) = &filters.min_allocatable_resources else {
            continue;
        };
        let mut alternatives = Vec::new();
        for quantities in &min.quantities {
            let mut parsed = ResourceQuantities::new();
            for (name, value) in &quantities.quantities {
                let amount = Scalar::from_f64(value.value).map_err(|error| {
                    AllocatorError::InvalidOfferFilters {
                        framework: id.clone(),
                        role: role.to_string(),
                        reason: format!("quantity of '{name}': {error}"),
                    }
                })?;
                parsed.insert(name, amount);
            }
            alternatives.push(parsed);
        }
        min_allocatable.push((role, alternatives));
    }
    Ok(ParsedFramework {
        roles,
        suppressed,
        min_allocatable,
        capabilities,
    })
}

/// Checks that every resource carries an allocation role.
pub(super) fn check_allocated(resources: &Resources) -> Result<(), AllocatorError> {
    if resources
        .iter()
        .any(|resource| resource.allocation_role().is_none())
    {
        return Err(AllocatorError::NotSingleRole {
            resources: resources.to_string(),
        });
    }
    Ok(())
}

impl<R: Sorter, F: Sorter> HierarchicalAllocator<R, F> {
    /// Activates or deactivates the framework's client in `role` by the one rule: active,
    /// subscribed and not suppressed.
    pub(super) fn refresh_activation(&mut self, framework: FwIdx, role: RoleId) {
        let Some(state) = self.frameworks.get(framework) else {
            return;
        };
        let wanted = state.active && state.is_subscribed(role) && !state.is_suppressed(role);
        if let Some(node) = self.roles.get_mut(role)
            && let Some(client) = node.frameworks.get(&framework).copied()
            && let Some(sorter) = node.sorter.as_mut()
        {
            if wanted {
                sorter.activate(client);
            } else {
                sorter.deactivate(client);
            }
        }
    }

    fn intern_roles(&mut self, roles: &[Role]) -> Vec<RoleId> {
        let mut ids: Vec<RoleId> = roles
            .iter()
            .map(|role| self.roles.names.intern(role))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub(super) fn add_framework_impl(
        &mut self,
        id: FrameworkId,
        info: FrameworkInfo,
        used: HashMap<AgentId, Resources>,
        active: bool,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        if let Some(info_id) = &info.id
            && info_id.value != id.as_str()
        {
            return Err(AllocatorError::MismatchedFrameworkId {
                given: id,
                info: info_id.value.clone(),
            });
        }
        validate_id(id.as_str()).map_err(|reason| AllocatorError::InvalidFrameworkId {
            id: id.clone(),
            reason,
        })?;
        if self.framework_index.contains_key(&id) {
            return Err(AllocatorError::DuplicateFramework(id));
        }
        let parsed = parse_framework(&id, &info, &options)?;
        for resources in used.values() {
            check_allocated(resources)?;
        }
        let roles = self.intern_roles(&parsed.roles);
        let suppressed: BTreeSet<RoleId> =
            self.intern_roles(&parsed.suppressed).into_iter().collect();
        let min_allocatable = parsed
            .min_allocatable
            .into_iter()
            .map(|(role, alternatives)| (self.roles.names.intern(&role), alternatives))
            .collect();
        let framework = self.frameworks.insert(Framework {
            id: id.clone(),
            info: Box::new(info),
            roles: roles.clone(),
            suppressed,
            capabilities: parsed.capabilities,
            active,
            min_allocatable,
            offer_constraints: options.offer_constraints,
            offer_filters: FastMap::default(),
            inverse_offer_filters: FastMap::default(),
        });
        self.framework_index.insert(id.clone(), framework);
        for role in &parsed.roles {
            let role_id = self.track_framework_under_role(framework, role);
            self.refresh_activation(framework, role_id);
        }
        let mut used: Vec<(AgentId, Resources)> = used.into_iter().collect();
        used.sort_by(|a, b| a.0.cmp(&b.0));
        for (agent_id, resources) in used {
            let Some(agent) = self.agent_index.get(&agent_id).copied() else {
                continue;
            };
            // The agent normally knows these already (from `add_agent`); adopt what it does
            // not, so the books stay consistent either way.
            let missing = {
                let held = self.agents.get(agent).and_then(|a| a.held_by(&id));
                match held {
                    Some(held) => &resources - held,
                    None => resources.clone(),
                }
            };
            if let Some(state) = self.agents.get_mut(agent)
                && !missing.is_empty()
            {
                state.hold(&id, &missing);
                state.allocated += &missing;
            }
            self.hold(framework, agent, &resources, false);
            self.track_allocated(&resources);
        }
        if active {
            self.request.merge(crate::AllocationRequest::All);
        }
        Ok(())
    }

    pub(super) fn remove_framework_impl(&mut self, id: &FrameworkId) -> Result<(), AllocatorError> {
        let framework = self.framework_idx(id)?;
        // Removal is rare: find the framework's agents by looking at every agent rather than
        // keeping an index the allocation loop would have to maintain.
        let agents: Vec<AgentIdx> = self
            .agents
            .iter()
            .filter(|(_, agent)| agent.held_by(id).is_some())
            .map(|(index, _)| index)
            .collect();
        for agent in agents {
            let held = self.agents.get(agent).and_then(|a| a.held_by(id)).cloned();
            if let Some(held) = held {
                self.release(framework, agent, &held, true);
            }
        }
        let tracked: Vec<RoleId> = self
            .roles
            .iter()
            .filter(|(_, node)| node.frameworks.contains_key(&framework))
            .map(|(role, _)| role)
            .collect();
        for role in tracked {
            self.try_untrack_framework_under_role(framework, role);
        }
        self.frameworks.remove(framework);
        self.framework_index.remove(id);
        Ok(())
    }

    pub(super) fn activate_framework_impl(
        &mut self,
        id: &FrameworkId,
    ) -> Result<(), AllocatorError> {
        let framework = self.framework_idx(id)?;
        let roles = match self.frameworks.get_mut(framework) {
            Some(state) => {
                state.active = true;
                state.roles.clone()
            }
            None => Vec::new(),
        };
        for role in roles {
            self.refresh_activation(framework, role);
        }
        self.request.merge(crate::AllocationRequest::All);
        Ok(())
    }

    pub(super) fn deactivate_framework_impl(
        &mut self,
        id: &FrameworkId,
    ) -> Result<(), AllocatorError> {
        let framework = self.framework_idx(id)?;
        let roles = match self.frameworks.get_mut(framework) {
            Some(state) => {
                state.active = false;
                state.offer_filters.clear();
                state.inverse_offer_filters.clear();
                state.roles.clone()
            }
            None => Vec::new(),
        };
        for role in roles {
            self.refresh_activation(framework, role);
        }
        Ok(())
    }

    pub(super) fn update_framework_impl(
        &mut self,
        id: &FrameworkId,
        info: FrameworkInfo,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        let framework = self.framework_idx(id)?;
        let parsed = parse_framework(id, &info, &options)?;
        let new_roles = self.intern_roles(&parsed.roles);
        let new_suppressed: BTreeSet<RoleId> =
            self.intern_roles(&parsed.suppressed).into_iter().collect();
        let min_allocatable: FastMap<RoleId, Vec<ResourceQuantities>> = parsed
            .min_allocatable
            .into_iter()
            .map(|(role, alternatives)| (self.roles.names.intern(&role), alternatives))
            .collect();
        let Some(state) = self.frameworks.get_mut(framework) else {
            return Err(AllocatorError::UnknownFramework(id.clone()));
        };
        let old_roles = std::mem::replace(&mut state.roles, new_roles.clone());
        let old_suppressed = std::mem::replace(&mut state.suppressed, new_suppressed.clone());
        *state.info = info;
        state.capabilities = parsed.capabilities;
        state.min_allocatable = min_allocatable;
        state.offer_constraints = options.offer_constraints;
        let revived: Vec<RoleId> = old_suppressed
            .difference(&new_suppressed)
            .filter(|role| new_roles.contains(role))
            .copied()
            .collect();
        if !revived.is_empty() {
            state.inverse_offer_filters.clear();
        }
        for role in &revived {
            state
                .offer_filters
                .retain(|(filtered, _), _| filtered != role);
        }
        for role in old_roles.iter().filter(|role| !new_roles.contains(role)) {
            state
                .offer_filters
                .retain(|(filtered, _), _| filtered != role);
        }
        for role in parsed.roles.iter() {
            let role_id = self.track_framework_under_role(framework, role);
            self.refresh_activation(framework, role_id);
        }
        for role in old_roles.iter().filter(|role| !new_roles.contains(role)) {
            self.refresh_activation(framework, *role);
            self.try_untrack_framework_under_role(framework, *role);
        }
        Ok(())
    }

    pub(super) fn add_agent_impl(
        &mut self,
        id: AgentId,
        info: AgentInfo,
        capabilities: Vec<AgentCapability>,
        unavailability: Option<Unavailability>,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        if let Some(info_id) = &info.id
            && info_id.value != id.as_str()
        {
            return Err(AllocatorError::MismatchedAgentId {
                given: id,
                info: info_id.value.clone(),
            });
        }
        if self.agent_index.contains_key(&id) {
            return Err(AllocatorError::DuplicateAgent(id));
        }
        for resources in used.values() {
            check_allocated(resources)?;
        }
        let mut used: Vec<(FrameworkId, Resources)> = used
            .into_iter()
            .filter(|(_, resources)| !resources.is_empty())
            .collect();
        used.sort_by(|a, b| a.0.cmp(&b.0));
        let mut held_unallocated = Resources::new();
        let mut allocated = Resources::new();
        for (_, resources) in &used {
            allocated += resources;
            let mut unallocated = resources.clone();
            unallocated.unallocate();
            held_unallocated += unallocated;
        }
        let total_scalars = Quantities::from_scalars(&total, &mut self.names);
        let remote = self.is_remote(&info);
        // Shared resources need the slow path (their counting depends on what else the
        // agent holds), so keep a copy only then.
        let shared = used
            .iter()
            .any(|(_, resources)| resources.iter().any(Resource::is_shared));
        let slow: Vec<(FrameworkId, Resources)> = if shared { used.clone() } else { Vec::new() };
        let mut agent = Agent {
            id: id.clone(),
            info: Box::new(info),
            capabilities: AgentCapabilities::of(&capabilities),
            active: true,
            remote,
            flags: ResourceFlags::of(&total),
            total,
            total_scalars: Box::new(total_scalars),
            held: used,
            held_unallocated,
            held_unallocated_stale: false,
            allocated,
            available: Resources::new(),
            maintenance: unavailability.map(|u| Box::new(Maintenance::new(u))),
        };
        agent.recompute_available();
        self.roles
            .track_reservations(&agent.total.reserved(None), &mut self.names);
        self.total.add(&agent.total_scalars);
        self.role_sorter.add_to_total(&agent.total_scalars);
        self.total_version += 1;
        let agent_idx = self.agents.insert(agent);
        self.agent_index.insert(id.clone(), agent_idx);
        if shared {
            for (framework_id, resources) in &slow {
                if let Some(framework) = self.framework_index.get(framework_id).copied() {
                    self.hold(framework, agent_idx, resources, false);
                    self.track_allocated(resources);
                }
            }
        } else {
            self.account_used(agent_idx);
        }
        if self.paused
            && let Some(recovery) = self.recovery
            && self.agents.len() >= recovery.expected_agents
        {
            self.recovery = None;
            self.paused = false;
        }
        self.request.add_agent(&id);
        Ok(())
    }

    pub(super) fn remove_agent_impl(&mut self, id: &AgentId) -> Result<(), AllocatorError> {
        let agent = self.agent_idx(id)?;
        let (held, allocated) = match self.agents.get(agent) {
            Some(state) => (state.held.clone(), state.allocated.clone()),
            None => return Err(AllocatorError::UnknownAgent(id.clone())),
        };
        self.untrack_allocated(&allocated);
        for (framework_id, resources) in &held {
            if let Some(framework) = self.framework_index.get(framework_id).copied() {
                self.release(framework, agent, resources, true);
            }
        }
        let Some(state) = self.agents.remove(agent) else {
            return Err(AllocatorError::UnknownAgent(id.clone()));
        };
        self.agent_index.remove(id);
        self.role_sorter.remove_from_total(&state.total_scalars);
        self.total.subtract(&state.total_scalars);
        self.total_version += 1;
        self.roles
            .untrack_reservations(&state.total.reserved(None), &mut self.names);
        self.remove_filters_for_agent(agent);
        Ok(())
    }

    /// Accounts what known frameworks use on a newly added agent (without shared resources)
    /// in the sorters and the role tree, reading the agent's book in place.
    fn account_used(&mut self, agent: AgentIdx) {
        let count = self.agents.get(agent).map_or(0, |state| state.held.len());
        for index in 0..count {
            let Some(state) = self.agents.get(agent) else {
                return;
            };
            let (framework_id, resources) = &state.held[index];
            let Some(framework) = self.framework_index.get(framework_id).copied() else {
                continue;
            };
            let Some(role) = single_allocation_role(resources).cloned() else {
                let resources = resources.clone();
                self.hold(framework, agent, &resources, false);
                self.track_allocated(&resources);
                continue;
            };
            let mut quantities = std::mem::take(&mut self.scratch);
            quantities.compute_plain(resources, &mut self.names);
            let role_id = self.track_framework_under_role(framework, &role);
            self.account_hold(framework, role_id, &quantities);
            self.roles.for_role_and_ancestors(role_id, |node| {
                node.allocated_unreserved.add(&quantities.unreserved);
            });
            self.scratch = quantities;
        }
    }

    /// Drops every offer and inverse offer filter on `agent` (Mesos's `removeFilters`).
    pub(super) fn remove_filters_for_agent(&mut self, agent: AgentIdx) {
        for (_, framework) in self.frameworks.iter_mut() {
            framework.inverse_offer_filters.remove(&agent);
            if !framework.offer_filters.is_empty() {
                framework
                    .offer_filters
                    .retain(|(_, filtered), _| *filtered != agent);
            }
        }
    }

    pub(super) fn update_agent_impl(
        &mut self,
        id: &AgentId,
        info: AgentInfo,
        total: Option<Resources>,
        capabilities: Option<Vec<AgentCapability>>,
    ) -> Result<(), AllocatorError> {
        let agent = self.agent_idx(id)?;
        if let Some(info_id) = &info.id
            && info_id.value != id.as_str()
        {
            return Err(AllocatorError::MismatchedAgentId {
                given: id.clone(),
                info: info_id.value.clone(),
            });
        }
        let remote = self.is_remote(&info);
        let Some(state) = self.agents.get_mut(agent) else {
            return Err(AllocatorError::UnknownAgent(id.clone()));
        };
        let mut updated = false;
        let attributes_changed = state.info.attributes != info.attributes;
        if *state.info != info {
            updated = true;
            *state.info = info;
            state.remote = remote;
        }
        if let Some(capabilities) = capabilities {
            let capabilities = AgentCapabilities::of(&capabilities);
            if capabilities != state.capabilities {
                state.capabilities = capabilities;
                updated = true;
            }
        }
        if attributes_changed {
            self.remove_filters_for_agent(agent);
        }
        if let Some(total) = total {
            updated |= self.update_agent_total(agent, total);
        }
        if updated {
            self.request.add_agent(id);
        }
        Ok(())
    }

    /// Replaces an agent's total; returns whether it changed.
    pub(super) fn update_agent_total(&mut self, agent: AgentIdx, total: Resources) -> bool {
        let Some(state) = self.agents.get_mut(agent) else {
            return false;
        };
        if state.total == total {
            return false;
        }
        let old_total = std::mem::replace(&mut state.total, total);
        let old_scalars = std::mem::take(&mut state.total_scalars);
        *state.total_scalars = Quantities::from_scalars(&state.total, &mut self.names);
        state.flags = ResourceFlags::of(&state.total);
        state.recompute_available();
        let new_reserved = state.total.reserved(None);
        let new_scalars = state.total_scalars.clone();
        self.roles
            .untrack_reservations(&old_total.reserved(None), &mut self.names);
        self.roles
            .track_reservations(&new_reserved, &mut self.names);
        self.total.subtract(&old_scalars);
        self.total.add(&new_scalars);
        self.role_sorter.remove_from_total(&old_scalars);
        self.role_sorter.add_to_total(&new_scalars);
        self.total_version += 1;
        true
    }

    pub(super) fn add_resource_provider_impl(
        &mut self,
        id: &AgentId,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        let agent = self.agent_idx(id)?;
        for resources in used.values() {
            check_allocated(resources)?;
        }
        let grown = match self.agents.get(agent) {
            Some(state) => &state.total + &total,
            None => return Err(AllocatorError::UnknownAgent(id.clone())),
        };
        self.update_agent_total(agent, grown);
        let used: BTreeMap<FrameworkId, Resources> = used.into_iter().collect();
        for (framework_id, resources) in &used {
            if let Some(framework) = self.framework_index.get(framework_id).copied() {
                self.hold(framework, agent, resources, true);
            }
        }
        Ok(())
    }

    pub(super) fn set_agent_active(
        &mut self,
        id: &AgentId,
        active: bool,
    ) -> Result<(), AllocatorError> {
        let agent = self.agent_idx(id)?;
        if let Some(state) = self.agents.get_mut(agent) {
            state.active = active;
        }
        Ok(())
    }
}
