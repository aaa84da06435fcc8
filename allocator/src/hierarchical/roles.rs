//! The role tree: every role that has frameworks, reservations, quota or a weight (and their
//! ancestors), with the quantities quota accounting needs per subtree, and each role's
//! framework sorter.

use resources::{Resource, Resources, Role, Value};

use crate::{
    Quota,
    fast::FastMap,
    hierarchical::{FwIdx, RoleId},
    quantities::{NameId, Quantities, ResourceNames},
    sorter::{ClientId, Sorter, SorterOptions},
};

/// Role names interned to stable ids (append-only, so ids in filters never change meaning).
#[derive(Debug, Default)]
pub(crate) struct RoleNames {
    roles: Vec<Role>,
    index: FastMap<Role, RoleId>,
}

impl RoleNames {
    pub(crate) fn intern(&mut self, role: &Role) -> RoleId {
        if let Some(id) = self.index.get(role) {
            return *id;
        }
        let id = self.roles.len() as RoleId;
        self.roles.push(role.clone());
        self.index.insert(role.clone(), id);
        id
    }

    pub(crate) fn get(&self, role: &str) -> Option<RoleId> {
        self.index.get(role).copied()
    }

    pub(crate) fn role(&self, id: RoleId) -> &Role {
        &self.roles[id as usize]
    }
}

/// A tracked role.
pub(crate) struct RoleNode<F> {
    pub(crate) parent: Option<RoleId>,
    pub(crate) children: Vec<RoleId>,
    /// The top-level ancestor (the role itself when top-level): the only place quota lives.
    pub(crate) top: RoleId,
    pub(crate) quota: Quota,
    pub(crate) guarantees: Quantities,
    /// `(name, limit)` pairs; names not listed are unlimited.
    pub(crate) limits: Vec<(NameId, i64)>,
    pub(crate) weight: f64,
    /// Frameworks tracked under the role (subscribed, or holding resources allocated to it)
    /// and their clients in `sorter`.
    pub(crate) frameworks: FastMap<FwIdx, ClientId>,
    /// Orders the role's frameworks; exists while `frameworks` is not empty.
    pub(crate) sorter: Option<F>,
    /// The framework of each client of `sorter`.
    pub(crate) framework_of_client: Vec<FwIdx>,
    /// Which version of the cluster total `sorter` has.
    pub(crate) sorter_total_version: u64,
    /// The role's client in the role sorter, while it has frameworks.
    pub(crate) client: Option<ClientId>,
    /// Reserved scalar quantities on all agents, of the role and its subroles.
    pub(crate) reservations: Quantities,
    /// Offered or allocated reserved scalars (subtree).
    pub(crate) held_reserved: Quantities,
    /// Offered or allocated unreserved non-revocable scalars (subtree).
    pub(crate) held_unreserved: Quantities,
    /// Allocated (used by tasks) unreserved non-revocable scalars (subtree).
    pub(crate) allocated_unreserved: Quantities,
}

impl<F> RoleNode<F> {
    fn is_empty(&self) -> bool {
        self.children.is_empty()
            && self.frameworks.is_empty()
            && self.reservations.is_empty()
            && self.quota.is_none()
            && self.weight == 1.0
    }

    /// Quota consumption as the allocator enforces it: reservations plus offered or allocated
    /// unreserved non-revocable scalars (Mesos's `quotaOfferedOrConsumed`).
    pub(crate) fn quota_offered_or_consumed(&self, into: &mut Quantities) {
        into.copy_from(&self.held_unreserved);
        into.add(&self.reservations);
    }

    /// Quota consumption as reported: reservations plus allocated unreserved non-revocable
    /// scalars (Mesos's `quotaConsumed`).
    pub(crate) fn quota_consumed(&self) -> Quantities {
        let mut consumed = self.allocated_unreserved.clone();
        consumed.add(&self.reservations);
        consumed
    }
}

/// Every tracked role.
pub(crate) struct RoleTree<F> {
    pub(crate) names: RoleNames,
    nodes: Vec<Option<RoleNode<F>>>,
    pub(crate) top_level: Vec<RoleId>,
}

impl<F: Sorter> RoleTree<F> {
    pub(crate) fn new() -> RoleTree<F> {
        RoleTree {
            names: RoleNames::default(),
            nodes: Vec::new(),
            top_level: Vec::new(),
        }
    }

    pub(crate) fn get(&self, role: RoleId) -> Option<&RoleNode<F>> {
        self.nodes.get(role as usize)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, role: RoleId) -> Option<&mut RoleNode<F>> {
        self.nodes.get_mut(role as usize)?.as_mut()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (RoleId, &RoleNode<F>)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(id, node)| node.as_ref().map(|node| (id as RoleId, node)))
    }

    /// Tracks `role` and its ancestors, returning its id.
    pub(crate) fn ensure(&mut self, role: &Role) -> RoleId {
        let id = self.names.intern(role);
        if self.get(id).is_some() {
            return id;
        }
        let parent = role
            .as_str()
            .rfind('/')
            .map(|slash| &role.as_str()[..slash])
            .and_then(|parent| Role::new(parent).ok())
            .map(|parent| self.ensure(&parent));
        let top = match parent {
            Some(parent) => self.get(parent).map_or(parent, |node| node.top),
            None => id,
        };
        if self.nodes.len() <= id as usize {
            self.nodes.resize_with(id as usize + 1, || None);
        }
        self.nodes[id as usize] = Some(RoleNode {
            parent,
            children: Vec::new(),
            top,
            quota: Quota::none(),
            guarantees: Quantities::new(),
            limits: Vec::new(),
            weight: 1.0,
            frameworks: FastMap::default(),
            sorter: None,
            framework_of_client: Vec::new(),
            sorter_total_version: 0,
            client: None,
            reservations: Quantities::new(),
            held_reserved: Quantities::new(),
            held_unreserved: Quantities::new(),
            allocated_unreserved: Quantities::new(),
        });
        match parent.and_then(|parent| self.get_mut(parent)) {
            Some(parent) => parent.children.push(id),
            None => self.top_level.push(id),
        }
        id
    }

    /// Stops tracking `role` (and then its ancestors) if nothing keeps it.
    pub(crate) fn try_remove(&mut self, role: RoleId) {
        let mut current = Some(role);
        while let Some(id) = current {
            let Some(node) = self.get(id) else {
                return;
            };
            if !node.is_empty() {
                return;
            }
            let parent = node.parent;
            self.nodes[id as usize] = None;
            match parent.and_then(|parent| self.get_mut(parent)) {
                Some(parent) => parent.children.retain(|child| *child != id),
                None => self.top_level.retain(|top| *top != id),
            }
            current = parent;
        }
    }

    /// Applies `change` to `role` and each of its ancestors.
    pub(crate) fn for_role_and_ancestors(
        &mut self,
        role: RoleId,
        mut change: impl FnMut(&mut RoleNode<F>),
    ) {
        let mut current = Some(role);
        while let Some(id) = current {
            let Some(node) = self.get_mut(id) else {
                return;
            };
            change(node);
            current = node.parent;
        }
    }

    /// Counts an agent's reserved scalars toward their roles' reservations.
    pub(crate) fn track_reservations(&mut self, total: &Resources, names: &mut ResourceNames) {
        for (role, quantity) in reserved_scalars(total, names) {
            let id = self.ensure(&role);
            self.for_role_and_ancestors(id, |node| node.reservations.add(&quantity));
        }
    }

    /// The opposite of [`track_reservations`](RoleTree::track_reservations).
    pub(crate) fn untrack_reservations(&mut self, total: &Resources, names: &mut ResourceNames) {
        for (role, quantity) in reserved_scalars(total, names) {
            let Some(id) = self.names.get(role.as_str()) else {
                continue;
            };
            self.for_role_and_ancestors(id, |node| node.reservations.subtract(&quantity));
            self.try_remove(id);
        }
    }

    /// Sets a role's quota.
    pub(crate) fn set_quota(&mut self, role: &Role, quota: Quota, names: &mut ResourceNames) {
        let id = self.ensure(role);
        if let Some(node) = self.get_mut(id) {
            node.guarantees = Quantities::from_resource_quantities(&quota.guarantees, names);
            node.limits = quota
                .limits
                .iter()
                .map(|(name, limit)| (names.intern(name), limit.millis()))
                .collect();
            node.quota = quota;
        }
        self.try_remove(id);
    }

    /// Sets a role's weight.
    pub(crate) fn set_weight(&mut self, role: &Role, weight: f64) {
        let id = self.ensure(role);
        if let Some(node) = self.get_mut(id) {
            node.weight = weight;
        }
        self.try_remove(id);
    }

    /// Creates the framework sorter of a role that gets its first framework.
    pub(crate) fn start_sorter(&mut self, role: RoleId, options: &SorterOptions) {
        if let Some(node) = self.get_mut(role)
            && node.sorter.is_none()
        {
            node.sorter = Some(F::new(options));
            node.sorter_total_version = 0;
        }
    }
}

/// Reserved scalar resources grouped by reservation role, as quantities.
fn reserved_scalars(resources: &Resources, names: &mut ResourceNames) -> Vec<(Role, Quantities)> {
    let mut result: Vec<(Role, Quantities)> = Vec::new();
    for resource in resources {
        let (Some(role), Value::Scalar(amount)) = (resource.reservation_role(), resource.value())
        else {
            continue;
        };
        let id = names.intern(resource.name());
        match result.iter_mut().find(|(have, _)| have == role) {
            Some((_, quantities)) => quantities.add_to(id, amount.millis()),
            None => {
                let mut quantities = Quantities::new();
                quantities.add_to(id, amount.millis());
                result.push((role.clone(), quantities));
            }
        }
    }
    result
}

/// Whether a resource counts toward quota consumption when offered or allocated: an
/// unreserved, non-revocable scalar.
pub(crate) fn counts_toward_quota(resource: &Resource) -> bool {
    resource.is_unreserved()
        && !resource.is_revocable()
        && matches!(resource.value(), Value::Scalar(_))
}
