//! Quota within one allocation run: each top-level role's consumption, what is left of its
//! limits, whether its guarantees are met, and the headroom unmet guarantees need; plus the
//! shrinking of offers to limits and headroom (Mesos's `shrinkResources`).

use resources::{Resource, Resources, Scalar, Value};

use crate::{
    hierarchical::{HierarchicalAllocator, RoleId},
    quantities::{NameId, Quantities, ResourceNames},
    sorter::Sorter,
};

/// Quota state of one top-level role with quota, for one run.
#[derive(Debug, Default)]
pub(super) struct QuotaRole {
    pub(super) guarantees: Quantities,
    pub(super) consumed: Quantities,
    pub(super) limits: Vec<(NameId, i64)>,
    /// `limits` minus `consumed`.
    pub(super) remaining: Vec<(NameId, i64)>,
    /// Bits of the names (ids below 64) whose limit is used up.
    pub(super) exhausted: u64,
    /// Guarantees not yet met.
    pub(super) unsatisfied: bool,
    /// The role itself has frameworks (stage 1 offers only to the role's own frameworks).
    pub(super) has_frameworks: bool,
    /// Role sorter clients in the role's subtree.
    pub(super) clients: usize,
    /// Every scalar name in the cluster is used up: no unreserved scalar can be offered.
    pub(super) closed: bool,
}

impl QuotaRole {
    fn refresh(&mut self, cluster_names: Option<u64>) {
        self.remaining.clear();
        self.exhausted = 0;
        for (name, limit) in &self.limits {
            let left = (limit - self.consumed.get(*name)).max(0);
            self.remaining.push((*name, left));
            if left == 0 && name.index() < 64 {
                self.exhausted |= 1 << name.index();
            }
        }
        let mut unsatisfied = self.guarantees.clone();
        unsatisfied.subtract(&self.consumed);
        self.unsatisfied = !unsatisfied.is_empty();
        self.closed = cluster_names.is_some_and(|names| names & !self.exhausted == 0);
    }

    /// True when the role can be offered nothing of an agent that has only unreserved
    /// non-revocable scalars with these names.
    pub(super) fn exhausts(&self, agent_names: Option<u64>) -> bool {
        agent_names.is_some_and(|names| names != 0 && names & !self.exhausted == 0)
    }
}

/// Quota bookkeeping for one run.
#[derive(Debug, Default)]
pub(super) struct QuotaRun {
    /// By top-level role id.
    roles: Vec<Option<QuotaRole>>,
    /// Unreserved quantities still owed to unsatisfied guarantees.
    pub(super) required_headroom: Quantities,
    /// Unallocated unreserved non-revocable quantities.
    pub(super) available_headroom: Quantities,
    /// Roles with frameworks and unmet guarantees: stage 1 stops when none is left.
    pub(super) unsatisfied_roles: usize,
    /// Role sorter clients whose top-level role is not closed: when none is, agents with
    /// only unreserved non-revocable scalars have nothing left to offer.
    pub(super) open_clients: usize,
    /// Bits of the cluster's scalar names (`None` if some id is 64 or more).
    cluster_names: Option<u64>,
}

impl QuotaRun {
    pub(super) fn role(&self, top: RoleId) -> Option<&QuotaRole> {
        self.roles.get(top as usize)?.as_ref()
    }

    /// Records that the role's consumption grew.
    pub(super) fn consume(&mut self, top: RoleId, increase: &Quantities) {
        let cluster_names = self.cluster_names;
        let Some(Some(role)) = self.roles.get_mut(top as usize) else {
            return;
        };
        let was_unsatisfied = role.unsatisfied && role.has_frameworks;
        let was_closed = role.closed;
        role.consumed.add(increase);
        role.refresh(cluster_names);
        if was_unsatisfied && !(role.unsatisfied && role.has_frameworks) {
            self.unsatisfied_roles -= 1;
        }
        if !was_closed && role.closed {
            self.open_clients = self.open_clients.saturating_sub(role.clients);
        }
    }
}

/// Bits of the names of scalars in `resources`; `None` when a name's id is 64 or more.
pub(super) fn name_bits(resources: &Resources, names: &ResourceNames) -> Option<u64> {
    let mut bits = 0u64;
    for resource in resources {
        let id = names.get(resource.name())?;
        if id.index() >= 64 {
            return None;
        }
        bits |= 1 << id.index();
    }
    Some(bits)
}

impl<R: Sorter, F: Sorter> HierarchicalAllocator<R, F> {
    /// The quota state a run starts from.
    pub(super) fn quota_run(&self) -> QuotaRun {
        let mut run = QuotaRun {
            cluster_names: name_bits_of(&self.total),
            ..QuotaRun::default()
        };
        let mut reservations = Quantities::new();
        let mut held_reserved = Quantities::new();
        for top in &self.roles.top_level {
            let Some(node) = self.roles.get(*top) else {
                continue;
            };
            reservations.add(&node.reservations);
            held_reserved.add(&node.held_reserved);
            if node.quota.is_none() {
                continue;
            }
            let mut role = QuotaRole {
                guarantees: node.guarantees.clone(),
                limits: node.limits.clone(),
                has_frameworks: !node.frameworks.is_empty(),
                ..QuotaRole::default()
            };
            node.quota_offered_or_consumed(&mut role.consumed);
            role.refresh(run.cluster_names);
            let mut unsatisfied = role.guarantees.clone();
            unsatisfied.subtract(&role.consumed);
            run.required_headroom.add(&unsatisfied);
            if role.unsatisfied && role.has_frameworks {
                run.unsatisfied_roles += 1;
            }
            if run.roles.len() <= *top as usize {
                run.roles.resize_with(*top as usize + 1, || None);
            }
            run.roles[*top as usize] = Some(role);
        }
        for (_, node) in self.roles.iter() {
            if node.client.is_none() {
                continue;
            }
            match run
                .roles
                .get_mut(node.top as usize)
                .and_then(Option::as_mut)
            {
                Some(role) => {
                    role.clients += 1;
                    if !role.closed {
                        run.open_clients += 1;
                    }
                }
                None => run.open_clients += 1,
            }
        }
        let mut available = self.total.clone();
        available.subtract(self.role_sorter.total_allocation());
        reservations.subtract(&held_reserved);
        available.subtract(&reservations);
        if !run.required_headroom.is_empty() {
            let mut names = self.names.clone();
            for (_, agent) in self.agents.iter() {
                if agent.flags.revocable {
                    available.subtract(&Quantities::from_scalars(
                        &agent.available.revocable(),
                        &mut names,
                    ));
                }
            }
        }
        run.available_headroom = available;
        run
    }
}

/// Bits of the names with a non-zero amount; `None` when a name's id is 64 or more.
fn name_bits_of(quantities: &Quantities) -> Option<u64> {
    let mut bits = 0u64;
    for (id, _) in quantities.iter() {
        if id.index() >= 64 {
            return None;
        }
        bits |= 1 << id.index();
    }
    Some(bits)
}

pub(super) fn is_scalar(resource: &Resource) -> bool {
    matches!(resource.value(), Value::Scalar(_))
}

/// Keeps scalars within what is left of the limits: unlimited names whole, limited ones
/// shrunk (those that cannot be split are dropped when they do not fit).
pub(super) fn shrink_to_limits(
    resources: &Resources,
    remaining: &[(NameId, i64)],
    names: &ResourceNames,
) -> Resources {
    let mut budget = remaining.to_vec();
    let mut result = Resources::new();
    for resource in resources {
        let slot = names
            .get(resource.name())
            .and_then(|id| budget.iter_mut().find(|(name, _)| *name == id));
        match slot {
            None => {
                let _ = result.try_add_resource(resource.clone());
            }
            Some((_, left)) => {
                if *left <= 0 {
                    continue;
                }
                let mut shrunk = resource.clone();
                if shrunk.shrink(Scalar::from_millis(*left)) {
                    *left -= shrunk.value().quantity().millis();
                    let _ = result.try_add_resource(shrunk);
                }
            }
        }
    }
    result
}

/// Takes scalars until `target` is met; names without a target are dropped (Mesos's
/// `shrinkResources` with quantities).
pub(super) fn shrink_to_quantities(
    resources: &Resources,
    target: &Quantities,
    names: &ResourceNames,
) -> Resources {
    let mut budget = target.clone();
    let mut result = Resources::new();
    for resource in resources {
        let Some(id) = names.get(resource.name()) else {
            continue;
        };
        let left = budget.get(id);
        if left <= 0 || !is_scalar(resource) {
            continue;
        }
        let mut shrunk = resource.clone();
        if shrunk.shrink(Scalar::from_millis(left)) {
            budget.add_to(id, -shrunk.value().quantity().millis());
            let _ = result.try_add_resource(shrunk);
        }
    }
    result
}
