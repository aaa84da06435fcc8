//! Helpers for the allocator's integration tests: every implementation by name, resources and
//! infos from short strings, a test clock, and offers flattened for assertions.

#![allow(dead_code)]

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use allocator::{
    AgentId, Allocation, Allocator, AllocatorOptions, FrameworkId, FrameworkOptions, SorterKind,
    create,
};
use proto::v1::{
    AgentInfo, Filters, FrameworkInfo,
    agent_info::{Capability as AgentCapability, capability::Type as AgentCapabilityType},
    framework_info::{Capability, capability::Type as CapabilityType},
};
use resources::{Resources, Role};

/// Every combination of role and framework sorters.
pub const ALL_SORTERS: [(SorterKind, SorterKind); 4] = [
    (SorterKind::Drf, SorterKind::Drf),
    (SorterKind::Drf, SorterKind::Random),
    (SorterKind::Random, SorterKind::Drf),
    (SorterKind::Random, SorterKind::Random),
];

/// Default options with the given sorters.
pub fn options(sorters: (SorterKind, SorterKind)) -> AllocatorOptions {
    AllocatorOptions {
        role_sorter: sorters.0,
        framework_sorter: sorters.1,
        ..AllocatorOptions::default()
    }
}

/// The hierarchical allocator with DRF sorters.
pub fn drf() -> Box<dyn Allocator> {
    create("hierarchical", AllocatorOptions::default()).expect("known allocator")
}

/// Runs `test` against every implementation (for order-independent behaviour).
pub fn for_each_allocator(test: impl Fn(Box<dyn Allocator>, &str)) {
    for sorters in ALL_SORTERS {
        let name = format!("hierarchical({}, {})", sorters.0, sorters.1);
        test(
            create("hierarchical", options(sorters)).expect("known allocator"),
            &name,
        );
    }
}

/// A fixed start of time.
pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// `t0` plus `seconds`.
pub fn at(seconds: f64) -> SystemTime {
    t0() + Duration::from_secs_f64(seconds)
}

/// Unreserved resources from Mesos's text form.
pub fn res(text: &str) -> Resources {
    Resources::parse(text, &Role::star()).expect("valid resources")
}

/// Resources from text, allocated to `role`.
pub fn allocated(text: &str, role: &str) -> Resources {
    let mut resources = res(text);
    resources.allocate(&Role::new(role).expect("valid role"));
    resources
}

/// Resources statically reserved for `role`.
pub fn reserved(text: &str, role: &str) -> Resources {
    res(text).flatten(&Role::new(role).expect("valid role"))
}

pub fn fw(id: &str) -> FrameworkId {
    FrameworkId::new(id)
}

pub fn agent(id: &str) -> AgentId {
    AgentId::new(id)
}

/// A MULTI_ROLE framework in `roles` with extra capabilities.
pub fn framework_info(id: &str, roles: &[&str], capabilities: &[CapabilityType]) -> FrameworkInfo {
    let mut all: Vec<CapabilityType> = vec![CapabilityType::MultiRole];
    all.extend_from_slice(capabilities);
    FrameworkInfo {
        user: "user".into(),
        name: id.into(),
        id: Some(fw(id).to_proto()),
        roles: roles.iter().map(|role| role.to_string()).collect(),
        capabilities: all
            .into_iter()
            .map(|kind| Capability {
                r#type: Some(kind as i32),
            })
            .collect(),
        ..FrameworkInfo::default()
    }
}

/// The capabilities of a current agent (Mesos's `AGENT_CAPABILITIES()`).
pub fn agent_capabilities() -> Vec<AgentCapability> {
    [
        AgentCapabilityType::MultiRole,
        AgentCapabilityType::HierarchicalRole,
        AgentCapabilityType::ReservationRefinement,
    ]
    .into_iter()
    .map(|kind| AgentCapability {
        r#type: Some(kind as i32),
    })
    .collect()
}

pub fn agent_info(id: &str) -> AgentInfo {
    AgentInfo {
        hostname: format!("{id}.example.com"),
        id: Some(agent(id).to_proto()),
        ..AgentInfo::default()
    }
}

/// Adds an active framework with no resources in use.
pub fn add_framework(allocator: &mut dyn Allocator, id: &str, roles: &[&str]) {
    allocator
        .add_framework(
            fw(id),
            framework_info(id, roles, &[]),
            HashMap::new(),
            true,
            FrameworkOptions::default(),
        )
        .expect("framework added");
}

/// Adds an agent with `total` resources and nothing in use.
pub fn add_agent(allocator: &mut dyn Allocator, id: &str, total: &str) {
    add_agent_resources(allocator, id, res(total));
}

pub fn add_agent_resources(allocator: &mut dyn Allocator, id: &str, total: Resources) {
    allocator
        .add_agent(
            agent(id),
            agent_info(id),
            agent_capabilities(),
            None,
            total,
            HashMap::new(),
        )
        .expect("agent added");
}

/// One (framework, role, agent) offer.
#[derive(Clone, Debug, PartialEq)]
pub struct Flat {
    pub framework: String,
    pub role: String,
    pub agent: String,
    pub resources: Resources,
}

/// The offers of a run, one entry per (framework, role, agent).
pub fn flatten(allocation: &Allocation) -> Vec<Flat> {
    let mut result = Vec::new();
    for offer in &allocation.offers {
        for (role, agent, resources) in offer.entries() {
            result.push(Flat {
                framework: offer.framework_id.to_string(),
                role: role.to_string(),
                agent: agent.to_string(),
                resources: resources.clone(),
            });
        }
    }
    result
}

/// Runs an allocation over every agent at `now`.
pub fn allocate(allocator: &mut dyn Allocator, now: SystemTime) -> Vec<Flat> {
    flatten(&allocator.allocate(now, None))
}

/// Declines an offer with `refuse_seconds` (None: no filter).
pub fn decline(allocator: &mut dyn Allocator, now: SystemTime, offer: &Flat, refuse: Option<f64>) {
    let filters = refuse.map(|seconds| Filters {
        refuse_seconds: Some(seconds),
    });
    allocator
        .recover_resources(
            now,
            &fw(&offer.framework),
            &agent(&offer.agent),
            &offer.resources,
            filters.as_ref(),
            false,
        )
        .expect("declined");
}

/// (framework, agent) pairs of the offers.
pub fn pairs(offers: &[Flat]) -> BTreeSet<(String, String)> {
    offers
        .iter()
        .map(|offer| (offer.framework.clone(), offer.agent.clone()))
        .collect()
}

/// Total offered per framework, by resource name.
pub fn totals_by_framework(offers: &[Flat]) -> BTreeMap<String, Resources> {
    let mut totals: BTreeMap<String, Resources> = BTreeMap::new();
    for offer in offers {
        let mut resources = offer.resources.clone();
        resources.unallocate();
        *totals.entry(offer.framework.clone()).or_default() += resources.stripped_scalar_quantity();
    }
    totals
}
