//! The hierarchical DRF allocator (Mesos's `HierarchicalDRFAllocatorProcess`) as a pure
//! structure: the book of agents, frameworks and roles, and the two-stage allocation run
//! (quota guarantees first, then fair shares within quota limits).
//!
//! Roles are ordered by the role sorter `R`, frameworks within a role by one `F` per role;
//! [`HierarchicalAllocator::new`] picks them by [`SorterKind`] through [`create`].

mod allocate;
mod events;
pub(crate) mod filters;
mod interface;
mod inverse;
mod metrics;
mod quota_run;
mod roles;
mod state;
mod tracking;
mod updates;

use std::{collections::HashSet, time::SystemTime};

use crate::{
    AgentId, Allocator, AllocatorOptions, FrameworkId, SorterKind, UnknownAllocator,
    fast::{FastMap, Rng},
    hierarchical::{
        filters::Expiries,
        roles::RoleTree,
        state::{Agent, Framework, Slab},
    },
    offers::AllocationRequest,
    quantities::{Quantities, ResourceNames},
    sorter::{DrfSorter, RandomSorter, Sorter, SorterOptions},
};

/// A framework's dense index.
pub(crate) type FwIdx = u32;
/// An agent's dense index.
pub(crate) type AgentIdx = u32;
/// A role's stable id.
pub(crate) type RoleId = u32;

/// The name `create` knows the hierarchical allocator by (Mesos's `--allocator` default is
/// `HierarchicalDRF`, also accepted).
pub const HIERARCHICAL: &str = "hierarchical";

/// Creates the allocator called `name`, initialized with `options`; the options' sorter
/// kinds pick the role and framework sorters.
pub fn create(
    name: &str,
    options: AllocatorOptions,
) -> Result<Box<dyn Allocator>, UnknownAllocator> {
    if name != HIERARCHICAL && name != "HierarchicalDRF" {
        return Err(UnknownAllocator(name.to_string()));
    }
    Ok(match (options.role_sorter, options.framework_sorter) {
        (SorterKind::Drf, SorterKind::Drf) => {
            Box::new(HierarchicalAllocator::<DrfSorter, DrfSorter>::new(options))
        }
        (SorterKind::Drf, SorterKind::Random) => Box::new(HierarchicalAllocator::<
            DrfSorter,
            RandomSorter,
        >::new(options)),
        (SorterKind::Random, SorterKind::Drf) => Box::new(HierarchicalAllocator::<
            RandomSorter,
            DrfSorter,
        >::new(options)),
        (SorterKind::Random, SorterKind::Random) => Box::new(HierarchicalAllocator::<
            RandomSorter,
            RandomSorter,
        >::new(options)),
    })
}

/// Allocation is paused after a failover with quota until enough agents are back.
#[derive(Clone, Copy, Debug)]
struct Recovery {
    expected_agents: usize,
    deadline: SystemTime,
}

/// The hierarchical allocator with role sorter `R` and framework sorter `F`.
pub struct HierarchicalAllocator<R: Sorter = DrfSorter, F: Sorter = DrfSorter> {
    options: AllocatorOptions,
    paused: bool,
    recovery: Option<Recovery>,
    names: ResourceNames,
    sorter_options: SorterOptions,
    frameworks: Slab<Framework>,
    framework_index: FastMap<FrameworkId, FwIdx>,
    agents: Slab<Agent>,
    agent_index: FastMap<AgentId, AgentIdx>,
    roles: RoleTree<F>,
    role_sorter: R,
    /// The role of each role sorter client.
    role_of_client: Vec<RoleId>,
    /// Scalar quantities of all agents.
    total: Quantities,
    /// Bumped whenever `total` changes, so framework sorters catch up lazily.
    total_version: u64,
    /// Offered or allocated scalars on all agents (for metrics).
    held_scalars: Quantities,
    whitelist: Option<HashSet<String>>,
    expiries: Expiries,
    rng: Rng,
    request: AllocationRequest,
    /// Reused for every change of holdings outside the allocation loop.
    scratch: tracking::HeldQuantities,
}

/// The hierarchical allocator with DRF sorters (Mesos's `HierarchicalDRFAllocator`).
pub type HierarchicalDrfAllocator = HierarchicalAllocator<DrfSorter, DrfSorter>;

impl<R: Sorter, F: Sorter> HierarchicalAllocator<R, F> {
    /// An allocator with `options`, running (not paused) and empty.
    pub fn new(options: AllocatorOptions) -> HierarchicalAllocator<R, F> {
        let mut names = ResourceNames::new();
        let sorter_options = SorterOptions {
            excluded_names: options
                .fairness_excluded_resource_names
                .iter()
                .map(|name| names.intern(name))
                .collect(),
            seed: options.random_seed ^ 0x5eed,
        };
        HierarchicalAllocator {
            paused: false,
            recovery: None,
            role_sorter: R::new(&sorter_options),
            sorter_options,
            names,
            frameworks: Slab::default(),
            framework_index: FastMap::default(),
            agents: Slab::default(),
            agent_index: FastMap::default(),
            roles: RoleTree::new(),
            role_of_client: Vec::new(),
            total: Quantities::new(),
            total_version: 1,
            held_scalars: Quantities::new(),
            whitelist: None,
            expiries: Expiries::default(),
            rng: Rng::new(options.random_seed),
            request: AllocationRequest::None,
            scratch: tracking::HeldQuantities::default(),
            options,
        }
    }

    /// The options in force.
    pub fn options(&self) -> &AllocatorOptions {
        &self.options
    }

    /// How many frameworks are known.
    pub fn framework_count(&self) -> usize {
        self.frameworks.len()
    }

    /// How many agents are known.
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// How many offer filters exist (including expired ones not yet collected).
    pub fn offer_filter_count(&self) -> usize {
        self.frameworks
            .iter()
            .map(|(_, framework)| {
                framework
                    .offer_filters
                    .values()
                    .map(Vec::len)
                    .sum::<usize>()
            })
            .sum()
    }

    /// When the earliest offer filter expires, if any filter is pending.
    pub fn next_filter_expiry(&self) -> Option<SystemTime> {
        self.expiries.next_due()
    }

    fn framework_idx(&self, id: &FrameworkId) -> Result<FwIdx, crate::AllocatorError> {
        self.framework_index
            .get(id)
            .copied()
            .ok_or_else(|| crate::AllocatorError::UnknownFramework(id.clone()))
    }

    fn agent_idx(&self, id: &AgentId) -> Result<AgentIdx, crate::AllocatorError> {
        self.agent_index
            .get(id)
            .copied()
            .ok_or_else(|| crate::AllocatorError::UnknownAgent(id.clone()))
    }
}
