//! What an allocation run decides: offers and inverse offers per framework, as plain data,
//! plus the small value types that travel with them.

use std::collections::{BTreeMap, HashSet};

use resources::{Resources, Role};

use crate::{AgentId, FrameworkId};

/// Resources offered to one framework in one allocation run: role -> agent -> resources, the
/// shape of Mesos's offer callback. Each offer to the master is one (role, agent) entry, and
/// its resources carry `allocation_info.role`.
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    /// The framework offered the resources.
    pub framework_id: FrameworkId,
    /// Role -> agent -> resources, allocated to that role.
    pub resources: BTreeMap<Role, BTreeMap<AgentId, Resources>>,
}

impl Offer {
    /// Every (role, agent, resources) entry.
    pub fn entries(&self) -> impl Iterator<Item = (&Role, &AgentId, &Resources)> {
        self.resources.iter().flat_map(|(role, agents)| {
            agents
                .iter()
                .map(move |(agent, resources)| (role, agent, resources))
        })
    }

    /// How many (role, agent) offers this is.
    pub fn offer_count(&self) -> usize {
        self.resources.values().map(BTreeMap::len).sum()
    }
}

/// Resources on an agent that will become unavailable, and when (Mesos's
/// `UnavailableResources`). The hierarchical allocator sends empty resources: maintenance
/// concerns the whole agent.
#[derive(Clone, Debug, PartialEq)]
pub struct UnavailableResources {
    /// What becomes unavailable (empty: the whole agent).
    pub resources: Resources,
    /// When, and for how long.
    pub unavailability: proto::v1::Unavailability,
}

/// Inverse offers to one framework: agent -> what the framework should give back.
#[derive(Clone, Debug, PartialEq)]
pub struct InverseOffer {
    /// The framework asked to give resources back.
    pub framework_id: FrameworkId,
    /// Agent -> unavailable resources.
    pub agents: BTreeMap<AgentId, UnavailableResources>,
}

/// The outcome of one allocation run, sorted by framework id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Allocation {
    /// Offers, one entry per framework that is offered anything.
    pub offers: Vec<Offer>,
    /// Inverse offers, one entry per framework asked to give something back.
    pub inverse_offers: Vec<InverseOffer>,
}

impl Allocation {
    /// True when nothing is offered or inversely offered.
    pub fn is_empty(&self) -> bool {
        self.offers.is_empty() && self.inverse_offers.is_empty()
    }

    /// How many (framework, role, agent) offers were made.
    pub fn offer_count(&self) -> usize {
        self.offers.iter().map(Offer::offer_count).sum()
    }
}

/// Agents whose events asked for an allocation since the last time the caller looked
/// (Mesos's `allocationCandidates`): the actor shell turns these into one coalesced run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AllocationRequest {
    /// Nothing asked for an allocation.
    #[default]
    None,
    /// These agents did (e.g. they were added or updated).
    Agents(HashSet<AgentId>),
    /// Every agent (e.g. a framework was added, activated or revived).
    All,
}

impl AllocationRequest {
    /// True when nothing was asked for.
    pub fn is_none(&self) -> bool {
        matches!(self, AllocationRequest::None)
    }

    /// Merges `other` into `self`.
    pub fn merge(&mut self, other: AllocationRequest) {
        match (&mut *self, other) {
            (_, AllocationRequest::None) | (AllocationRequest::All, _) => {}
            (_, AllocationRequest::All) => *self = AllocationRequest::All,
            (AllocationRequest::None, request) => *self = request,
            (AllocationRequest::Agents(mine), AllocationRequest::Agents(theirs)) => {
                mine.extend(theirs)
            }
        }
    }

    /// Adds one agent.
    pub fn add_agent(&mut self, agent: &AgentId) {
        match self {
            AllocationRequest::All => {}
            AllocationRequest::Agents(agents) => {
                agents.insert(agent.clone());
            }
            AllocationRequest::None => {
                *self = AllocationRequest::Agents(HashSet::from([agent.clone()]));
            }
        }
    }
}

/// A snapshot of an allocator's gauges, keyed by Mesos's metric names
/// (`allocator/mesos/resources/cpus/total`, `allocator/mesos/roles/<role>/shares/dominant`,
/// ...). The actor shell publishes them with libprocess metrics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AllocatorMetrics {
    /// Metric name -> value.
    pub gauges: BTreeMap<String, f64>,
}
