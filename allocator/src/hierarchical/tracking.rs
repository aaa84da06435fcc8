//! Bookkeeping shared by every path that offers, allocates or recovers resources: tracking a
//! framework under a role (its client in the role's sorter, the role's client in the role
//! sorter) and accounting held resources in the sorters and the role tree.

use resources::{Resource, Resources, Role, Value};

use crate::{
    FrameworkId,
    hierarchical::{
        AgentIdx, FwIdx, HierarchicalAllocator, RoleId, roles::counts_toward_quota, state::Agent,
    },
    quantities::{Quantities, ResourceNames},
    sorter::Sorter,
};

/// The quantities one (framework, role) change of holdings moves.
#[derive(Debug, Default)]
pub(crate) struct HeldQuantities {
    /// For the framework's client: all resources, shared ones once per agent.
    pub(super) framework: Quantities,
    /// For the role's client and the role tree: all resources, shared ones once per agent.
    pub(super) role: Quantities,
    /// Reserved scalars (role-level).
    pub(super) reserved: Quantities,
    /// Unreserved non-revocable scalars (role-level).
    pub(super) unreserved: Quantities,
    /// All scalars (role-level).
    pub(super) scalars: Quantities,
}

impl HeldQuantities {
    fn clear(&mut self) {
        self.framework.clear();
        self.role.clear();
        self.reserved.clear();
        self.unreserved.clear();
        self.scalars.clear();
    }

    /// Computes what `resources` (allocated to one role, held by `framework` on `agent`) add
    /// or remove. Shared resources count only when the framework (or the role) holds no copy
    /// on the agent: call it before holding new resources, and after releasing old ones.
    pub(super) fn compute(
        &mut self,
        agent: &Agent,
        framework: &FrameworkId,
        resources: &Resources,
        names: &mut ResourceNames,
    ) {
        self.clear();
        for resource in resources {
            let (framework_new, role_new) = if resource.is_shared() {
                let framework_has = agent
                    .held_by(framework)
                    .is_some_and(|held| held.contains_resource(resource));
                let role_has = agent
                    .held
                    .iter()
                    .any(|(_, held)| held.contains_resource(resource));
                (!framework_has, !role_has)
            } else {
                (true, true)
            };
            self.add(resource, framework_new, role_new, names);
        }
    }

    /// Computes the quantities of `resources` without shared-resource deduplication (for the
    /// hot loop, on agents without shared resources).
    pub(super) fn compute_plain(&mut self, resources: &Resources, names: &mut ResourceNames) {
        self.clear();
        for resource in resources {
            self.add(resource, true, true, names);
        }
    }

    fn add(&mut self, resource: &Resource, framework: bool, role: bool, names: &mut ResourceNames) {
        let id = names.intern(resource.name());
        let amount = resource.value().quantity().millis();
        if framework {
            self.framework.add_to(id, amount);
        }
        if !role {
            return;
        }
        self.role.add_to(id, amount);
        if matches!(resource.value(), Value::Scalar(_)) {
            self.scalars.add_to(id, amount);
            if resource.is_reserved() {
                self.reserved.add_to(id, amount);
            } else if counts_toward_quota(resource) {
                self.unreserved.add_to(id, amount);
            }
        }
    }
}

impl<R: Sorter, F: Sorter> HierarchicalAllocator<R, F> {
    /// Whether `framework` is tracked under `role`.
    pub(super) fn is_tracked(&self, framework: FwIdx, role: RoleId) -> bool {
        self.roles
            .get(role)
            .is_some_and(|node| node.frameworks.contains_key(&framework))
    }

    /// Tracks `framework` under `role` with an inactive client, creating the role's framework
    /// sorter and role sorter client for its first framework.
    pub(super) fn track_framework_under_role(&mut self, framework: FwIdx, role: &Role) -> RoleId {
        let id = self.roles.ensure(role);
        if self.is_tracked(framework, id) {
            return id;
        }
        let first = self
            .roles
            .get(id)
            .is_some_and(|node| node.frameworks.is_empty());
        if first {
            match self.role_sorter.lookup(role.as_str()) {
                Some(client) => self.set_role_client(id, client),
                None => {
                    if let Ok(client) = self.role_sorter.add(role.as_str()) {
                        self.role_sorter.activate(client);
                        self.set_role_client(id, client);
                    }
                }
            }
            self.roles.start_sorter(id, &self.sorter_options);
        }
        let Some(path) = self.frameworks.get(framework).map(|f| f.id.clone()) else {
            return id;
        };
        if let Some(node) = self.roles.get_mut(id)
            && let Some(sorter) = node.sorter.as_mut()
        {
            let client = match sorter.lookup(path.as_str()) {
                Some(client) => client,
                None => match sorter.add(path.as_str()) {
                    Ok(client) => client,
                    Err(_) => return id,
                },
            };
            if node.framework_of_client.len() <= client.index() {
                node.framework_of_client
                    .resize(client.index() + 1, FwIdx::MAX);
            }
            node.framework_of_client[client.index()] = framework;
            node.frameworks.insert(framework, client);
        }
        id
    }

    fn set_role_client(&mut self, role: RoleId, client: crate::sorter::ClientId) {
        if self.role_of_client.len() <= client.index() {
            self.role_of_client.resize(client.index() + 1, RoleId::MAX);
        }
        self.role_of_client[client.index()] = role;
        if let Some(node) = self.roles.get_mut(role) {
            node.client = Some(client);
        }
    }

    /// Untracks `framework` under `role` unless it still holds resources allocated to it.
    /// Returns whether it was untracked.
    pub(super) fn try_untrack_framework_under_role(
        &mut self,
        framework: FwIdx,
        role: RoleId,
    ) -> bool {
        let Some(node) = self.roles.get_mut(role) else {
            return true;
        };
        let Some(client) = node.frameworks.get(&framework).copied() else {
            return true;
        };
        let Some(sorter) = node.sorter.as_mut() else {
            return true;
        };
        if !sorter.allocation(client).is_empty() {
            return false;
        }
        sorter.remove(client);
        node.frameworks.remove(&framework);
        if node.frameworks.is_empty() {
            node.sorter = None;
            node.framework_of_client.clear();
            if let Some(role_client) = node.client.take() {
                self.role_sorter.remove(role_client);
            }
        }
        self.roles.try_remove(role);
        true
    }

    /// Brings a role's framework sorter up to the current cluster total.
    pub(super) fn sync_sorter_total(&mut self, role: RoleId) {
        let version = self.total_version;
        if let Some(node) = self.roles.get_mut(role)
            && node.sorter_total_version != version
            && let Some(sorter) = node.sorter.as_mut()
        {
            let stale = sorter.total().clone();
            sorter.remove_from_total(&stale);
            sorter.add_to_total(&self.total);
            node.sorter_total_version = version;
        }
    }

    /// Accounts `quantities` of resources allocated to `role` newly held by `framework` in
    /// the sorters and the role tree.
    pub(super) fn account_hold(
        &mut self,
        framework: FwIdx,
        role: RoleId,
        quantities: &HeldQuantities,
    ) {
        let role_client = self.roles.get(role).and_then(|node| node.client);
        if let Some(client) = role_client {
            self.role_sorter.allocated(client, &quantities.role);
        }
        if let Some(node) = self.roles.get_mut(role)
            && let Some(client) = node.frameworks.get(&framework).copied()
            && let Some(sorter) = node.sorter.as_mut()
        {
            sorter.allocated(client, &quantities.framework);
        }
        self.roles.for_role_and_ancestors(role, |node| {
            node.held_reserved.add(&quantities.reserved);
            node.held_unreserved.add(&quantities.unreserved);
        });
        self.held_scalars.add(&quantities.scalars);
    }

    /// The opposite of [`account_hold`](HierarchicalAllocator::account_hold).
    pub(super) fn account_release(
        &mut self,
        framework: FwIdx,
        role: RoleId,
        quantities: &HeldQuantities,
    ) {
        let role_client = self.roles.get(role).and_then(|node| node.client);
        if let Some(client) = role_client {
            self.role_sorter.unallocated(client, &quantities.role);
        }
        if let Some(node) = self.roles.get_mut(role)
            && let Some(client) = node.frameworks.get(&framework).copied()
            && let Some(sorter) = node.sorter.as_mut()
        {
            sorter.unallocated(client, &quantities.framework);
        }
        self.roles.for_role_and_ancestors(role, |node| {
            node.held_reserved.subtract(&quantities.reserved);
            node.held_unreserved.subtract(&quantities.unreserved);
        });
        self.held_scalars.subtract(&quantities.scalars);
    }

    /// Records resources (each allocated to a role) as held by `framework` on `agent`: on the
    /// agent when `on_agent`, and in the sorters and the role tree. Tracks the framework under
    /// roles it is not subscribed to if it holds resources there.
    pub(super) fn hold(
        &mut self,
        framework: FwIdx,
        agent: AgentIdx,
        resources: &Resources,
        on_agent: bool,
    ) {
        match single_allocation_role(resources) {
            Some(role) => {
                let role = role.clone();
                self.hold_in_role(framework, agent, &role, resources, on_agent);
            }
            None => {
                for (role, part) in resources.allocations() {
                    self.hold_in_role(framework, agent, &role, &part, on_agent);
                }
            }
        }
    }

    fn hold_in_role(
        &mut self,
        framework: FwIdx,
        agent: AgentIdx,
        role: &Role,
        part: &Resources,
        on_agent: bool,
    ) {
        let Some(framework_id) = self.frameworks.get(framework).map(|f| f.id.clone()) else {
            return;
        };
        let role_id = self.track_framework_under_role(framework, role);
        let mut quantities = std::mem::take(&mut self.scratch);
        let shared = part.iter().any(Resource::is_shared);
        if !shared {
            quantities.compute_plain(part, &mut self.names);
        } else if let Some(agent_state) = self.agents.get(agent) {
            if on_agent {
                quantities.compute(agent_state, &framework_id, part, &mut self.names);
            } else {
                // The agent already holds them: count as if they were just released.
                let mut without = clone_agent_holdings(agent_state);
                without.release(&framework_id, part);
                quantities.compute(&without, &framework_id, part, &mut self.names);
            }
        }
        if on_agent && let Some(agent_state) = self.agents.get_mut(agent) {
            agent_state.hold(&framework_id, part);
        }
        self.account_hold(framework, role_id, &quantities);
        self.scratch = quantities;
    }

    /// Releases resources (each allocated to a role) held by `framework` on `agent`, from
    /// the agent when `on_agent`, and from the sorters and the role tree; untracks the
    /// framework from roles it no longer subscribes to and holds nothing in.
    pub(super) fn release(
        &mut self,
        framework: FwIdx,
        agent: AgentIdx,
        resources: &Resources,
        on_agent: bool,
    ) {
        let Some(framework_id) = self.frameworks.get(framework).map(|f| f.id.clone()) else {
            return;
        };
        match single_allocation_role(resources) {
            Some(role) => {
                let role = role.clone();
                self.release_in_role(framework, &framework_id, agent, &role, resources, on_agent);
            }
            None => {
                for (role, part) in resources.allocations() {
                    self.release_in_role(framework, &framework_id, agent, &role, &part, on_agent);
                }
            }
        }
    }

    fn release_in_role(
        &mut self,
        framework: FwIdx,
        framework_id: &FrameworkId,
        agent: AgentIdx,
        role: &Role,
        part: &Resources,
        on_agent: bool,
    ) {
        let Some(role_id) = self.roles.names.get(role.as_str()) else {
            return;
        };
        let mut quantities = std::mem::take(&mut self.scratch);
        if on_agent && let Some(agent_state) = self.agents.get_mut(agent) {
            agent_state.release(framework_id, part);
        }
        if part.iter().any(Resource::is_shared) {
            if let Some(agent_state) = self.agents.get(agent) {
                quantities.compute(agent_state, framework_id, part, &mut self.names);
            }
        } else {
            quantities.compute_plain(part, &mut self.names);
        }
        self.account_release(framework, role_id, &quantities);
        self.scratch = quantities;
        let subscribed = self
            .frameworks
            .get(framework)
            .is_some_and(|f| f.is_subscribed(role_id));
        if !subscribed {
            self.try_untrack_framework_under_role(framework, role_id);
        }
    }

    /// Counts resources (allocated to roles) as used by tasks: quota consumption.
    pub(super) fn track_allocated(&mut self, resources: &Resources) {
        self.change_allocated(resources, true);
    }

    /// Stops counting resources as used by tasks.
    pub(super) fn untrack_allocated(&mut self, resources: &Resources) {
        self.change_allocated(resources, false);
    }

    fn change_allocated(&mut self, resources: &Resources, add: bool) {
        match single_allocation_role(resources) {
            Some(role) => {
                let role = role.clone();
                self.change_allocated_in_role(&role, resources, add);
            }
            None => {
                for (role, part) in resources.allocations() {
                    self.change_allocated_in_role(&role, &part, add);
                }
            }
        }
    }

    fn change_allocated_in_role(&mut self, role: &Role, part: &Resources, add: bool) {
        let Some(role_id) = self.roles.names.get(role.as_str()) else {
            return;
        };
        let mut quantities = Quantities::new();
        for resource in part {
            if counts_toward_quota(resource) {
                quantities.add_to(
                    self.names.intern(resource.name()),
                    resource.value().quantity().millis(),
                );
            }
        }
        if quantities.is_empty() {
            return;
        }
        self.roles.for_role_and_ancestors(role_id, |node| {
            if add {
                node.allocated_unreserved.add(&quantities);
            } else {
                node.allocated_unreserved.subtract(&quantities);
            }
        });
    }
}

/// The role every resource is allocated to, when there is exactly one.
pub(super) fn single_allocation_role(resources: &Resources) -> Option<&Role> {
    let mut roles = resources.iter().map(|resource| resource.allocation_role());
    let first = roles.next()??;
    roles.all(|role| role == Some(first)).then_some(first)
}

/// A copy of an agent's holdings (for deduplicating shared resources held twice).
fn clone_agent_holdings(agent: &Agent) -> Agent {
    Agent {
        id: agent.id.clone(),
        info: agent.info.clone(),
        capabilities: agent.capabilities,
        active: agent.active,
        remote: agent.remote,
        total: agent.total.clone(),
        total_scalars: agent.total_scalars.clone(),
        flags: agent.flags,
        held: agent.held.clone(),
        held_unallocated: agent.held_unallocated.clone(),
        held_unallocated_stale: agent.held_unallocated_stale,
        allocated: agent.allocated.clone(),
        available: Resources::new(),
        maintenance: None,
    }
}
