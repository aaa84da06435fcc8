//! One allocation run (Mesos's `__generateOffers`): agents in shuffled order; stage 1 offers
//! roles with unsatisfied quota guarantees what moves them toward their guarantees; stage 2
//! offers every role its fair share within quota limits, holding back the headroom that
//! unsatisfied guarantees still need.
//!
//! The loops follow Mesos's, with the costs taken out: sorters hand out their order lazily
//! (no sorted copy per agent), an agent whose whole available resources go to one framework
//! moves them instead of copying, and quota arithmetic uses fixed-point vectors.

use std::{
    collections::{BTreeMap, HashSet},
    mem,
    time::SystemTime,
};

use resources::{Resources, Role};

use crate::{
    AgentId, Offer,
    fast::FastMap,
    hierarchical::{
        AgentIdx, FwIdx, HierarchicalAllocator, RoleId,
        quota_run::{QuotaRun, is_scalar, name_bits, shrink_to_limits, shrink_to_quantities},
        roles::counts_toward_quota,
        state::{Agent, Framework},
        tracking::HeldQuantities,
    },
    offers::Allocation,
    quantities::{NameId, Quantities},
    sorter::{ClientId, Sorter},
};

/// An offer made in this run.
pub(super) struct Made {
    framework: FwIdx,
    role: RoleId,
    agent: AgentIdx,
    resources: Resources,
}

/// What to offer: everything the agent has available (moved, not copied), or a part.
enum Composed {
    Whole,
    Part(Resources),
}

/// What happened when a framework was considered for an agent.
enum Step {
    /// Offered, or skipped: go on with the next framework.
    Next,
    /// Nothing left on the agent for this role: go on with the next role.
    RoleDone,
}

/// Scratch state of one run.
#[derive(Default)]
struct Run {
    quota: QuotaRun,
    made: Vec<Made>,
    /// Shared resources offered on each agent in this run (offered at most once a run).
    offered_shared: FastMap<AgentIdx, Resources>,
    held: HeldQuantities,
}

impl<R: Sorter, F: Sorter> HierarchicalAllocator<R, F> {
    pub(super) fn allocate_impl(
        &mut self,
        now: SystemTime,
        agents: Option<&HashSet<AgentId>>,
    ) -> Allocation {
        if let Some(recovery) = self.recovery
            && now >= recovery.deadline
        {
            self.recovery = None;
            self.paused = false;
        }
        if self.paused {
            return Allocation::default();
        }
        self.expire_filters(now);
        let mut all: Vec<AgentIdx> = match agents {
            None => self.agents.iter().map(|(index, _)| index).collect(),
            Some(ids) => ids
                .iter()
                .filter_map(|id| self.agent_index.get(id).copied())
                .collect(),
        };
        all.sort_unstable();
        let mut candidates: Vec<AgentIdx> = all
            .iter()
            .copied()
            .filter(|agent| {
                self.agents.get(*agent).is_some_and(|state| {
                    state.active
                        && self
                            .whitelist
                            .as_ref()
                            .is_none_or(|hosts| hosts.contains(&state.info.hostname))
                })
            })
            .collect();
        self.rng.shuffle(&mut candidates);
        let mut run = Run {
            quota: self.quota_run(),
            ..Run::default()
        };
        if run.quota.unsatisfied_roles > 0 {
            for agent in &candidates {
                self.stage_one(*agent, &mut run);
            }
        }
        // Spread out the first stage's tendency to take from the front of the list.
        self.rng.shuffle(&mut candidates);
        for agent in &candidates {
            self.stage_two(*agent, &mut run);
        }
        let inverse_offers = self.generate_inverse_offers(now, &all);
        Allocation {
            offers: self.group_offers(run.made),
            inverse_offers,
        }
    }

    fn stage_one(&mut self, agent: AgentIdx, run: &mut Run) {
        if run.quota.unsatisfied_roles == 0 {
            return;
        }
        self.role_sorter.begin_pass();
        while let Some(role_client) = self.role_sorter.next_in_pass() {
            let Some(role) = self.role_of_client.get(role_client.index()).copied() else {
                continue;
            };
            // Only roles with quota of their own (top-level) and frameworks, whose
            // guarantees are not met yet.
            let Some(quota) = run.quota.role(role) else {
                continue;
            };
            if !quota.unsatisfied || !quota.has_frameworks {
                continue;
            }
            if self
                .agents
                .get(agent)
                .is_none_or(|state| state.available.is_empty())
            {
                break;
            }
            let mut unsatisfied = quota.guarantees.clone();
            unsatisfied.subtract(&quota.consumed);
            self.for_each_framework(role, |this, framework, client, sorter| {
                if unsatisfied.is_empty() {
                    return Step::RoleDone;
                }
                this.offer_stage_one(
                    agent,
                    role,
                    framework,
                    client,
                    sorter,
                    &mut unsatisfied,
                    run,
                )
            });
            if run.quota.unsatisfied_roles == 0 {
                break;
            }
        }
    }

    fn stage_two(&mut self, agent: AgentIdx, run: &mut Run) {
        let Some(agent_state) = self.agents.get(agent) else {
            return;
        };
        if agent_state.available.is_empty() {
            return;
        }
        let plain = !agent_state.flags.reserved
            && !agent_state.flags.revocable
            && !agent_state.flags.non_scalar
            && !agent_state.flags.shared;
        let agent_names = if plain {
            name_bits(&agent_state.available, &self.names)
        } else {
            None
        };
        if agent_names.is_some() && run.quota.open_clients == 0 {
            // Every role is at its limits for every resource this agent has.
            return;
        }
        self.role_sorter.begin_pass();
        while let Some(role_client) = self.role_sorter.next_in_pass() {
            let Some(agent_state) = self.agents.get(agent) else {
                return;
            };
            if agent_state.available.is_empty() {
                break;
            }
            let Some(role) = self.role_of_client.get(role_client.index()).copied() else {
                continue;
            };
            let Some(node) = self.roles.get(role) else {
                continue;
            };
            if node
                .sorter
                .as_ref()
                .is_none_or(|sorter| sorter.active_len() == 0)
            {
                continue;
            }
            let quota = run.quota.role(node.top);
            if quota.is_some_and(|quota| quota.exhausts(agent_names)) {
                continue;
            }
            // The limits that bind the role, if any (read afresh for every framework:
            // each offer uses some of them up).
            let limited = quota
                .is_some_and(|quota| !quota.limits.is_empty())
                .then_some(node.top);
            self.for_each_framework(role, |this, framework, client, sorter| {
                this.offer_stage_two(agent, role, framework, client, sorter, limited, run)
            });
        }
    }

    /// Runs `step` for each framework of `role` in its sorter's order, until it says the
    /// role is done. The sorter is lent out of the role for the pass.
    fn for_each_framework(
        &mut self,
        role: RoleId,
        mut step: impl FnMut(&mut Self, FwIdx, ClientId, &mut F) -> Step,
    ) {
        self.sync_sorter_total(role);
        let Some(mut sorter) = self.roles.get_mut(role).and_then(|node| node.sorter.take()) else {
            return;
        };
        sorter.begin_pass();
        while let Some(client) = sorter.next_in_pass() {
            let framework = self
                .roles
                .get(role)
                .and_then(|node| node.framework_of_client.get(client.index()).copied());
            let Some(framework) = framework else {
                continue;
            };
            if let Step::RoleDone = step(self, framework, client, &mut sorter) {
                break;
            }
        }
        if let Some(node) = self.roles.get_mut(role) {
            node.sorter = Some(sorter);
        }
    }

    /// The agent's available resources `role` may be offered, minus shared resources
    /// already offered this run; `None` when that is all of them, unchanged.
    fn role_view(
        &self,
        agent: &Agent,
        agent_index: AgentIdx,
        role: &Role,
        run: &Run,
    ) -> Option<Resources> {
        if !agent.flags.reserved && !agent.flags.shared {
            return None;
        }
        let mut view = if agent.flags.reserved {
            agent.available.allocatable_to(role.as_str())
        } else {
            agent.available.clone()
        };
        if let Some(shared) = run.offered_shared.get(&agent_index) {
            view -= shared;
        }
        Some(view)
    }

    /// `view` without what the framework cannot take (Mesos's `stripIncapableResources`);
    /// `None` when nothing needs stripping.
    fn strip_incapable(
        agent: &Agent,
        view: &Resources,
        framework: &Framework,
    ) -> Option<Resources> {
        let capabilities = framework.capabilities;
        let strip = (agent.flags.shared && !capabilities.shared_resources)
            || (agent.flags.revocable && !capabilities.revocable_resources)
            || (agent.flags.refined && !capabilities.reservation_refinement);
        strip.then(|| {
            view.filter(|resource| {
                (capabilities.shared_resources || !resource.is_shared())
                    && (capabilities.revocable_resources || !resource.is_revocable())
                    && (capabilities.reservation_refinement || !resource.has_refined_reservations())
            })
        })
    }

    /// Mesos's `allocatable`: non-empty and holding one of the minimum quantity sets (the
    /// framework's for the role if it set any, else the global ones).
    fn allocatable(&self, resources: &Resources, role: RoleId, framework: &Framework) -> bool {
        if resources.is_empty() {
            return false;
        }
        let minimums = framework
            .min_allocatable
            .get(&role)
            .unwrap_or(&self.options.min_allocatable_resources);
        minimums.is_empty()
            || minimums
                .iter()
                .any(|minimum| resources.contains_quantities(minimum))
    }

    /// GPU agents only for GPU frameworks; remote regions only for region-aware ones.
    fn capable(&self, framework: &Framework, agent: &Agent) -> bool {
        if self.options.filter_gpu_resources
            && !framework.capabilities.gpu_resources
            && agent.flags.gpus
        {
            return false;
        }
        framework.capabilities.region_aware || !agent.remote
    }

    /// True when the agent's fault domain is in another region than the master's.
    pub(super) fn is_remote(&self, info: &proto::v1::AgentInfo) -> bool {
        let Some(agent_domain) = info
            .domain
            .as_ref()
            .and_then(|domain| domain.fault_domain.as_ref())
        else {
            return false;
        };
        match self
            .options
            .domain
            .as_ref()
            .and_then(|domain| domain.fault_domain.as_ref())
        {
            Some(master) => master.region.name != agent_domain.region.name,
            None => false,
        }
    }

    /// Mesos's `isFiltered`: agent capabilities the framework or role needs, then the
    /// framework's offer filters for this role and agent.
    fn is_filtered(
        &self,
        framework: &Framework,
        role: RoleId,
        agent: &Agent,
        agent_index: AgentIdx,
        offer: &Resources,
    ) -> bool {
        if framework.capabilities.multi_role && !agent.capabilities.multi_role {
            return true;
        }
        if !agent.capabilities.hierarchical_role
            && self.roles.names.role(role).as_str().contains('/')
        {
            return true;
        }
        if framework.offer_filters.is_empty() {
            return false;
        }
        framework
            .offer_filters
            .get(&(role, agent_index))
            .is_some_and(|filters| filters.iter().any(|filter| filter.filters(offer)))
    }

    #[allow(clippy::too_many_arguments)]
    fn offer_stage_one(
        &mut self,
        agent: AgentIdx,
        role: RoleId,
        framework: FwIdx,
        client: ClientId,
        sorter: &mut F,
        unsatisfied: &mut Quantities,
        run: &mut Run,
    ) -> Step {
        let (Some(agent_state), Some(framework_state)) =
            (self.agents.get(agent), self.frameworks.get(framework))
        else {
            return Step::Next;
        };
        let role_name = self.roles.names.role(role);
        if framework_state
            .offer_constraints
            .is_agent_excluded(role_name.as_str(), &agent_state.info)
        {
            return Step::Next;
        }
        let role_view = self.role_view(agent_state, agent, role_name, run);
        let visible = role_view.as_ref().unwrap_or(&agent_state.available);
        if visible.is_empty() {
            return Step::RoleDone;
        }
        if !self.allocatable(visible, role, framework_state)
            || !self.capable(framework_state, agent_state)
        {
            return Step::Next;
        }
        let view = match Self::strip_incapable(agent_state, visible, framework_state) {
            Some(stripped) => stripped,
            None => role_view.unwrap_or_else(|| agent_state.available.clone()),
        };
        let mut names = mem::take(&mut self.names);
        let quota_resources = view.filter(counts_toward_quota);
        let guarantees = shrink_to_quantities(&quota_resources, unsatisfied, &names);
        if guarantees.is_empty() {
            self.names = names;
            return Step::Next;
        }
        let guaranteed = Quantities::from_scalars(&guarantees, &mut names);
        let mut offer = view.filter(|resource| {
            resource.is_reserved_to(role_name.as_str())
                || !is_scalar(resource)
                || resource.is_revocable()
        });
        offer += &guarantees;
        let mut additional = &quota_resources - &guarantees;
        if let Some(quota) = run.quota.role(role)
            && !quota.limits.is_empty()
        {
            let remaining: Vec<(NameId, i64)> = quota
                .remaining
                .iter()
                .map(|(name, left)| (*name, (left - guaranteed.get(*name)).max(0)))
                .collect();
            additional = shrink_to_limits(&additional, &remaining, &names);
        }
        if !run.quota.required_headroom.is_empty() && !additional.is_empty() {
            let mut surplus = run.quota.available_headroom.clone();
            surplus.subtract(&run.quota.required_headroom);
            additional = shrink_to_quantities(&additional, &surplus, &names);
        }
        let mut increase = Quantities::from_scalars(&additional, &mut names);
        self.names = names;
        offer += &additional;
        if !self.allocatable(&offer, role, framework_state)
            || self.is_filtered(framework_state, role, agent_state, agent, &offer)
        {
            return Step::Next;
        }
        increase.add(&guaranteed);
        self.apply_offer(
            agent,
            framework,
            role,
            client,
            sorter,
            Composed::Part(offer),
            run,
        );
        unsatisfied.subtract(&increase);
        run.quota.consume(role, &increase);
        run.quota.required_headroom.subtract(&guaranteed);
        run.quota.available_headroom.subtract(&increase);
        Step::Next
    }

    #[allow(clippy::too_many_arguments)]
    fn offer_stage_two(
        &mut self,
        agent: AgentIdx,
        role: RoleId,
        framework: FwIdx,
        client: ClientId,
        sorter: &mut F,
        limited: Option<RoleId>,
        run: &mut Run,
    ) -> Step {
        let (Some(agent_state), Some(framework_state)) =
            (self.agents.get(agent), self.frameworks.get(framework))
        else {
            return Step::Next;
        };
        let role_name = self.roles.names.role(role);
        if framework_state
            .offer_constraints
            .is_agent_excluded(role_name.as_str(), &agent_state.info)
        {
            return Step::Next;
        }
        let role_view = self.role_view(agent_state, agent, role_name, run);
        let visible = role_view.as_ref().unwrap_or(&agent_state.available);
        if visible.is_empty() {
            return Step::RoleDone;
        }
        if !self.allocatable(visible, role, framework_state)
            || !self.capable(framework_state, agent_state)
        {
            return Step::Next;
        }
        let view = match Self::strip_incapable(agent_state, visible, framework_state) {
            Some(stripped) => Some(stripped),
            None => role_view,
        };
        let visible = view.as_ref().unwrap_or(&agent_state.available);
        let headroom = !run.quota.required_headroom.is_empty();
        let remaining = limited
            .and_then(|top| run.quota.role(top))
            .map(|quota| quota.remaining.as_slice());
        let (composed, increase) = if remaining.is_none() && !headroom {
            // Nothing to cut: offer everything the role sees.
            let composed = match view {
                None => Composed::Whole,
                Some(view) => Composed::Part(view),
            };
            (composed, None)
        } else {
            let mut offer = visible.filter(|resource| !counts_toward_quota(resource));
            let mut additional = visible.filter(counts_toward_quota);
            if let Some(remaining) = remaining {
                additional = shrink_to_limits(&additional, remaining, &self.names);
            }
            if headroom && !additional.is_empty() {
                let mut surplus = run.quota.available_headroom.clone();
                surplus.subtract(&run.quota.required_headroom);
                additional = shrink_to_quantities(&additional, &surplus, &self.names);
            }
            let mut names = mem::take(&mut self.names);
            let increase = Quantities::from_scalars(&additional, &mut names);
            self.names = names;
            offer += additional;
            (Composed::Part(offer), Some(increase))
        };
        let offer = match &composed {
            Composed::Whole => &agent_state.available,
            Composed::Part(offer) => offer,
        };
        // The whole of what was checked above needs no second look; a cut or stripped offer
        // may have fallen below the minimum.
        let whole = matches!(composed, Composed::Whole);
        if (!whole && !self.allocatable(offer, role, framework_state))
            || self.is_filtered(framework_state, role, agent_state, agent, offer)
        {
            return Step::Next;
        }
        self.apply_offer(agent, framework, role, client, sorter, composed, run);
        if let Some(increase) = increase {
            let top = self.roles.get(role).map_or(role, |node| node.top);
            run.quota.consume(top, &increase);
            run.quota.available_headroom.subtract(&increase);
        }
        Step::Next
    }

    /// Takes the offer out of the agent's available resources and records it as held by
    /// the framework in the role: on the agent, in both sorters and in the role tree.
    #[allow(clippy::too_many_arguments)]
    fn apply_offer(
        &mut self,
        agent: AgentIdx,
        framework: FwIdx,
        role: RoleId,
        client: ClientId,
        sorter: &mut F,
        composed: Composed,
        run: &mut Run,
    ) {
        let Some(framework_id) = self.frameworks.get(framework).map(|f| f.id.clone()) else {
            return;
        };
        let role_name = self.roles.names.role(role).clone();
        let Some(agent_state) = self.agents.get_mut(agent) else {
            return;
        };
        let shared = agent_state.flags.shared;
        let offer = match composed {
            Composed::Whole => mem::take(&mut agent_state.available),
            Composed::Part(offer) => {
                if shared {
                    agent_state.available -= &offer.non_shared();
                } else {
                    agent_state.available -= &offer;
                }
                offer
            }
        };
        agent_state.held_unallocated_stale = true;
        if shared {
            *run.offered_shared.entry(agent).or_default() += &offer.shared();
        }
        let mut allocated = offer;
        allocated.allocate(&role_name);
        if shared {
            run.held
                .compute(agent_state, &framework_id, &allocated, &mut self.names);
        } else {
            run.held.compute_plain(&allocated, &mut self.names);
        }
        match agent_state
            .held
            .iter_mut()
            .find(|(id, _)| *id == framework_id)
        {
            Some((_, held)) => *held += &allocated,
            None => agent_state.held.push((framework_id, allocated.clone())),
        }
        if let Some(role_client) = self.roles.get(role).and_then(|node| node.client) {
            self.role_sorter.allocated(role_client, &run.held.role);
        }
        sorter.allocated(client, &run.held.framework);
        let held = &run.held;
        self.roles.for_role_and_ancestors(role, |node| {
            node.held_reserved.add(&held.reserved);
            node.held_unreserved.add(&held.unreserved);
        });
        self.held_scalars.add(&run.held.scalars);
        run.made.push(Made {
            framework,
            role,
            agent,
            resources: allocated,
        });
    }

    /// Groups the run's offers by framework, role and agent (merging the two stages').
    fn group_offers(&self, made: Vec<Made>) -> Vec<Offer> {
        let mut grouped: FastMap<FwIdx, BTreeMap<Role, BTreeMap<AgentId, Resources>>> =
            FastMap::default();
        for offer in made {
            let (Some(agent), role) = (
                self.agents.get(offer.agent),
                self.roles.names.role(offer.role),
            ) else {
                continue;
            };
            let by_agent = grouped
                .entry(offer.framework)
                .or_default()
                .entry(role.clone())
                .or_default();
            match by_agent.get_mut(&agent.id) {
                Some(resources) => *resources += offer.resources,
                None => {
                    by_agent.insert(agent.id.clone(), offer.resources);
                }
            }
        }
        let mut offers: Vec<Offer> = grouped
            .into_iter()
            .filter_map(|(framework, resources)| {
                self.frameworks.get(framework).map(|state| Offer {
                    framework_id: state.id.clone(),
                    resources,
                })
            })
            .collect();
        offers.sort_by(|a, b| a.framework_id.cmp(&b.framework_id));
        offers
    }
}
