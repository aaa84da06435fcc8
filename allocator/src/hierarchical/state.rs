//! The allocator's book: agents and frameworks with what they hold, their capabilities, and
//! the slab that gives each a dense index for the hot loop.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::SystemTime,
};

use proto::v1::{
    AgentInfo, FrameworkInfo, Unavailability, agent_info::capability::Type as AgentCapabilityType,
    allocator::InverseOfferStatus, framework_info::capability::Type as FrameworkCapabilityType,
};
use resources::{ResourceQuantities, Resources, Value};

use crate::{
    AgentId, FrameworkId, OfferConstraintsFilter,
    fast::FastMap,
    hierarchical::{AgentIdx, RoleId, filters::OfferFilter},
    quantities::Quantities,
};

/// Dense, reusable indices for values that come and go.
#[derive(Debug)]
pub(crate) struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Slab<T> {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slab<T> {
    pub(crate) fn insert(&mut self, item: T) -> u32 {
        self.len += 1;
        match self.free.pop() {
            Some(index) => {
                self.items[index as usize] = Some(item);
                index
            }
            None => {
                self.items.push(Some(item));
                (self.items.len() - 1) as u32
            }
        }
    }

    pub(crate) fn remove(&mut self, index: u32) -> Option<T> {
        let item = self.items.get_mut(index as usize)?.take()?;
        self.free.push(index);
        self.len -= 1;
        Some(item)
    }

    #[inline]
    pub(crate) fn get(&self, index: u32) -> Option<&T> {
        self.items.get(index as usize)?.as_ref()
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, index: u32) -> Option<&mut T> {
        self.items.get_mut(index as usize)?.as_mut()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| item.as_ref().map(|item| (index as u32, item)))
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> {
        self.items
            .iter_mut()
            .enumerate()
            .filter_map(|(index, item)| item.as_mut().map(|item| (index as u32, item)))
    }
}

/// What a framework said it can handle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FrameworkCapabilities {
    pub(crate) revocable_resources: bool,
    pub(crate) gpu_resources: bool,
    pub(crate) shared_resources: bool,
    pub(crate) multi_role: bool,
    pub(crate) reservation_refinement: bool,
    pub(crate) region_aware: bool,
}

impl FrameworkCapabilities {
    pub(crate) fn of(info: &FrameworkInfo) -> FrameworkCapabilities {
        let mut capabilities = FrameworkCapabilities::default();
        for capability in &info.capabilities {
            match capability.r#type() {
                FrameworkCapabilityType::RevocableResources => {
                    capabilities.revocable_resources = true
                }
                FrameworkCapabilityType::GpuResources => capabilities.gpu_resources = true,
                FrameworkCapabilityType::SharedResources => capabilities.shared_resources = true,
                FrameworkCapabilityType::MultiRole => capabilities.multi_role = true,
                FrameworkCapabilityType::ReservationRefinement => {
                    capabilities.reservation_refinement = true
                }
                FrameworkCapabilityType::RegionAware => capabilities.region_aware = true,
                _ => {}
            }
        }
        capabilities
    }
}

/// What an agent said it can handle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct AgentCapabilities {
    pub(crate) multi_role: bool,
    pub(crate) hierarchical_role: bool,
    pub(crate) reservation_refinement: bool,
    pub(crate) resource_provider: bool,
}

impl AgentCapabilities {
    pub(crate) fn of(capabilities: &[proto::v1::agent_info::Capability]) -> AgentCapabilities {
        let mut result = AgentCapabilities::default();
        for capability in capabilities {
            match capability.r#type() {
                AgentCapabilityType::MultiRole => result.multi_role = true,
                AgentCapabilityType::HierarchicalRole => result.hierarchical_role = true,
                AgentCapabilityType::ReservationRefinement => result.reservation_refinement = true,
                AgentCapabilityType::ResourceProvider => result.resource_provider = true,
                _ => {}
            }
        }
        result
    }
}

/// Hot fields first (`repr(C)` keeps the order): the allocation loop reads them for every
/// agent it considers; the rest is read on updates.
#[repr(C)]
pub(crate) struct Framework {
    pub(crate) capabilities: FrameworkCapabilities,
    pub(crate) active: bool,
    pub(crate) offer_filters: FastMap<(RoleId, AgentIdx), Vec<OfferFilter>>,
    /// Per-role `offer_filters.min_allocatable_resources`; a role present with an empty list
    /// makes anything allocatable.
    pub(crate) min_allocatable: FastMap<RoleId, Vec<ResourceQuantities>>,
    pub(crate) id: FrameworkId,
    pub(crate) offer_constraints: OfferConstraintsFilter,
    /// Subscribed roles, sorted.
    pub(crate) roles: Vec<RoleId>,
    /// Suppressed roles (a subset of `roles`).
    pub(crate) suppressed: BTreeSet<RoleId>,
    /// Agent -> until when inverse offers for it are filtered.
    pub(crate) inverse_offer_filters: FastMap<AgentIdx, SystemTime>,
    pub(crate) info: Box<FrameworkInfo>,
}

impl Framework {
    pub(crate) fn is_suppressed(&self, role: RoleId) -> bool {
        self.suppressed.contains(&role)
    }

    pub(crate) fn is_subscribed(&self, role: RoleId) -> bool {
        self.roles.binary_search(&role).is_ok()
    }
}

/// Cheap facts about an agent's total, to skip work in the hot loop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ResourceFlags {
    pub(crate) reserved: bool,
    pub(crate) revocable: bool,
    pub(crate) shared: bool,
    pub(crate) refined: bool,
    pub(crate) non_scalar: bool,
    pub(crate) gpus: bool,
}

impl ResourceFlags {
    pub(crate) fn of(resources: &Resources) -> ResourceFlags {
        let mut flags = ResourceFlags::default();
        for resource in resources {
            flags.reserved |= resource.is_reserved();
            flags.revocable |= resource.is_revocable();
            flags.shared |= resource.is_shared();
            flags.refined |= resource.has_refined_reservations();
            flags.non_scalar |= !matches!(resource.value(), Value::Scalar(_));
            flags.gpus |= resource.name() == "gpus" && !resource.is_empty();
        }
        flags
    }
}

/// Scheduled maintenance of an agent and the frameworks' answers to it.
#[derive(Clone, Debug)]
pub(crate) struct Maintenance {
    pub(crate) unavailability: Unavailability,
    pub(crate) statuses: BTreeMap<FrameworkId, InverseOfferStatus>,
    /// Frameworks with an inverse offer out for this agent.
    pub(crate) outstanding: BTreeSet<FrameworkId>,
}

impl Maintenance {
    pub(crate) fn new(unavailability: Unavailability) -> Maintenance {
        Maintenance {
            unavailability,
            statuses: BTreeMap::new(),
            outstanding: BTreeSet::new(),
        }
    }
}

/// Hot fields first (`repr(C)` keeps the order): the allocation loop reads them for every
/// agent it visits; the cold ones are boxed or last.
#[repr(C)]
pub(crate) struct Agent {
    /// What can be offered: total minus held, plus shared resources (always offerable).
    pub(crate) available: Resources,
    /// Offered or allocated resources per framework (known or not yet added), with their
    /// allocation roles.
    pub(crate) held: Vec<(FrameworkId, Resources)>,
    pub(crate) flags: ResourceFlags,
    pub(crate) capabilities: AgentCapabilities,
    pub(crate) active: bool,
    /// In another region than the master (offered only to REGION_AWARE frameworks).
    pub(crate) remote: bool,
    /// Set by the allocation loop, which updates `held` and `available` but not
    /// `held_unallocated`.
    pub(crate) held_unallocated_stale: bool,
    pub(crate) id: AgentId,
    /// The sum of `held`, without allocation roles (rebuilt from `held` when stale).
    pub(crate) held_unallocated: Resources,
    /// Resources used by tasks (Mesos's `totalAllocated`), with allocation roles.
    pub(crate) allocated: Resources,
    pub(crate) total: Resources,
    pub(crate) total_scalars: Box<Quantities>,
    pub(crate) maintenance: Option<Box<Maintenance>>,
    pub(crate) info: Box<AgentInfo>,
}

impl Agent {
    pub(crate) fn held_by(&self, framework: &FrameworkId) -> Option<&Resources> {
        self.held
            .iter()
            .find(|(id, _)| id == framework)
            .map(|(_, resources)| resources)
    }

    pub(crate) fn held_by_mut(&mut self, framework: &FrameworkId) -> &mut Resources {
        let position = match self.held.iter().position(|(id, _)| id == framework) {
            Some(position) => position,
            None => {
                self.held.push((framework.clone(), Resources::new()));
                self.held.len() - 1
            }
        };
        &mut self.held[position].1
    }

    /// Drops frameworks that hold nothing any more.
    pub(crate) fn prune_held(&mut self) {
        self.held.retain(|(_, resources)| !resources.is_empty());
    }

    /// Rebuilds `held_unallocated` from `held` if the allocation loop left it stale.
    pub(crate) fn refresh_held_unallocated(&mut self) {
        if !self.held_unallocated_stale {
            return;
        }
        let mut sum = Resources::new();
        for (_, resources) in &self.held {
            let mut unallocated = resources.clone();
            unallocated.unallocate();
            sum += unallocated;
        }
        self.held_unallocated = sum;
        self.held_unallocated_stale = false;
    }

    /// Recomputes `available` from `total` and `held_unallocated`.
    pub(crate) fn recompute_available(&mut self) {
        self.refresh_held_unallocated();
        if self.flags.shared {
            let mut available = self.total.non_shared();
            available -= &self.held_unallocated.non_shared();
            available += &self.total.shared();
            self.available = available;
        } else {
            self.available = &self.total - &self.held_unallocated;
        }
    }

    /// Records `resources` (allocated to a role) as held by `framework`.
    pub(crate) fn hold(&mut self, framework: &FrameworkId, resources: &Resources) {
        if resources.is_empty() {
            return;
        }
        self.refresh_held_unallocated();
        *self.held_by_mut(framework) += resources;
        let mut unallocated = resources.clone();
        unallocated.unallocate();
        self.held_unallocated += unallocated;
        self.recompute_available();
    }

    /// Releases `resources` held by `framework` (which the caller checked it holds).
    pub(crate) fn release(&mut self, framework: &FrameworkId, resources: &Resources) {
        if resources.is_empty() {
            return;
        }
        self.refresh_held_unallocated();
        *self.held_by_mut(framework) -= resources;
        self.prune_held();
        let mut unallocated = resources.clone();
        unallocated.unallocate();
        self.held_unallocated -= &unallocated;
        self.recompute_available();
    }
}
