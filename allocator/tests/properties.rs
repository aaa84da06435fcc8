//! A property test against a simple reference model: random sequences of agents and
//! frameworks coming and going, declines with filters, recoveries, launches, suppress and
//! revive, quota limits and time passing. After every allocation run:
//!
//! - nothing is offered beyond what an agent has free;
//! - reservations go only to their role or its subroles;
//! - offers go only to active frameworks, in subscribed roles they have not suppressed;
//! - quota limits are never exceeded by offers;
//! - filters are honoured until they expire;
//! - nothing offerable is left free: if some active framework could use free resources on
//!   some agent (not filtered, within limits, above the minimum), the run offered them (the
//!   bound on waiting is one run), unless quota guarantees are holding headroom back;
//! - the allocator's `offered_or_allocated` gauges agree with the model.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, SystemTime},
};

use allocator::{Allocator, Quota, SorterKind, create};
use common::*;
use proptest::prelude::*;
use resources::{ResourceQuantities, Resources, Scalar};

const ROLES: [&str; 3] = ["a", "b", "a/x"];
const INTERVAL: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
enum Op {
    AddAgent {
        shape: usize,
        reserve_for: Option<usize>,
    },
    RemoveAgent(usize),
    AddFramework {
        roles: Vec<usize>,
    },
    RemoveFramework(usize),
    Deactivate(usize),
    Activate(usize),
    Suppress {
        framework: usize,
        role: usize,
    },
    Revive {
        framework: usize,
        role: Option<usize>,
    },
    Allocate {
        seconds: u8,
    },
    Decline {
        pick: u64,
        refuse: Option<i8>,
    },
    Launch {
        pick: u64,
    },
    Recover {
        pick: u64,
    },
    Limit {
        role: usize,
        cpus: u8,
        mem: u16,
    },
    Guarantee {
        role: usize,
        cpus: u8,
    },
    ClearQuota {
        role: usize,
    },
}

const SHAPES: [&str; 4] = [
    "cpus:4;mem:1024",
    "cpus:1;mem:64",
    "cpus:2;mem:512;disk:100;ports:[31000-31003]",
    "cpus:0.5;mem:16",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..SHAPES.len(), proptest::option::of(0..2usize))
            .prop_map(|(shape, reserve_for)| Op::AddAgent { shape, reserve_for }),
        1 => (0..8usize).prop_map(Op::RemoveAgent),
        3 => proptest::collection::vec(0..ROLES.len(), 1..3)
            .prop_map(|roles| Op::AddFramework { roles }),
        1 => (0..8usize).prop_map(Op::RemoveFramework),
        1 => (0..8usize).prop_map(Op::Deactivate),
        1 => (0..8usize).prop_map(Op::Activate),
        1 => (0..8usize, 0..ROLES.len()).prop_map(|(framework, role)| Op::Suppress { framework, role }),
        1 => (0..8usize, proptest::option::of(0..ROLES.len()))
            .prop_map(|(framework, role)| Op::Revive { framework, role }),
        6 => (0..8u8).prop_map(|seconds| Op::Allocate { seconds }),
        4 => (any::<u64>(), proptest::option::of(-2i8..12))
            .prop_map(|(pick, refuse)| Op::Decline { pick, refuse }),
        2 => any::<u64>().prop_map(|pick| Op::Launch { pick }),
        2 => any::<u64>().prop_map(|pick| Op::Recover { pick }),
        1 => (0..2usize, 0..6u8, 0..2048u16).prop_map(|(role, cpus, mem)| Op::Limit { role, cpus, mem }),
        1 => (0..2usize, 1..4u8).prop_map(|(role, cpus)| Op::Guarantee { role, cpus }),
        1 => (0..2usize).prop_map(|role| Op::ClearQuota { role }),
    ]
}

struct ModelFramework {
    id: String,
    roles: BTreeSet<String>,
    active: bool,
    suppressed: BTreeSet<String>,
}

struct Filter {
    framework: String,
    role: String,
    agent: String,
    refused: Resources,
    expires: SystemTime,
}

/// What one framework holds on one agent in one role.
#[derive(Clone)]
struct Holding {
    framework: String,
    agent: String,
    role: String,
    resources: Resources,
    launched: bool,
}

struct Model {
    allocator: Box<dyn Allocator>,
    now: SystemTime,
    agents: BTreeMap<String, Resources>,
    frameworks: Vec<ModelFramework>,
    holdings: Vec<Holding>,
    filters: Vec<Filter>,
    quotas: BTreeMap<String, Quota>,
    next_id: usize,
}

fn unallocated(resources: &Resources) -> Resources {
    let mut copy = resources.clone();
    copy.unallocate();
    copy
}

fn top(role: &str) -> &str {
    role.split('/').next().unwrap_or(role)
}

impl Model {
    fn new(sorters: (SorterKind, SorterKind)) -> Model {
        Model {
            allocator: create("hierarchical", options(sorters)).expect("known allocator"),
            now: t0(),
            agents: BTreeMap::new(),
            frameworks: Vec::new(),
            holdings: Vec::new(),
            filters: Vec::new(),
            quotas: BTreeMap::new(),
            next_id: 0,
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    fn free(&self, agent: &str) -> Resources {
        let mut free = self.agents[agent].clone();
        for holding in self.holdings.iter().filter(|h| h.agent == agent) {
            free -= &unallocated(&holding.resources);
        }
        free
    }

    fn framework(&self, index: usize) -> Option<&ModelFramework> {
        if self.frameworks.is_empty() {
            None
        } else {
            self.frameworks.get(index % self.frameworks.len())
        }
    }

    /// Consumption of a top-level role as quota counts it: reservations anywhere in its
    /// subtree plus held unreserved non-revocable scalars.
    fn consumed(&self, top_role: &str, name: &str) -> Scalar {
        let mut total = Scalar::ZERO;
        for resources in self.agents.values() {
            for resource in resources {
                if resource.name() == name
                    && resource
                        .reservation_role()
                        .is_some_and(|r| top(r.as_str()) == top_role)
                {
                    total += resource.as_scalar().unwrap_or_default();
                }
            }
        }
        for holding in self.holdings.iter().filter(|h| top(&h.role) == top_role) {
            for resource in &holding.resources {
                if resource.name() == name && resource.is_unreserved() {
                    total += resource.as_scalar().unwrap_or_default();
                }
            }
        }
        total
    }

    fn filtered(&self, framework: &str, role: &str, agent: &str, offer: &Resources) -> bool {
        self.filters.iter().any(|filter| {
            filter.framework == framework
                && filter.role == role
                && filter.agent == agent
                && filter.expires > self.now
                && filter.refused.contains(offer)
        })
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::AddAgent { shape, reserve_for } => {
                let id = self.fresh("agent");
                let mut total = res(SHAPES[*shape]);
                if let Some(role_index) = reserve_for {
                    total += reserved("cpus:1;mem:128", ROLES[*role_index]);
                }
                add_agent_resources(self.allocator.as_mut(), &id, total.clone());
                self.agents.insert(id, total);
            }
            Op::RemoveAgent(index) => {
                let Some(id) = self
                    .agents
                    .keys()
                    .nth(index % self.agents.len().max(1))
                    .cloned()
                else {
                    return Ok(());
                };
                self.allocator
                    .remove_agent(&agent(&id))
                    .expect("known agent");
                self.agents.remove(&id);
                self.holdings.retain(|h| h.agent != id);
                self.filters.retain(|f| f.agent != id);
            }
            Op::AddFramework { roles } => {
                let id = self.fresh("framework");
                let roles: BTreeSet<String> = roles.iter().map(|r| ROLES[*r].to_string()).collect();
                let names: Vec<&str> = roles.iter().map(String::as_str).collect();
                add_framework(self.allocator.as_mut(), &id, &names);
                self.frameworks.push(ModelFramework {
                    id,
                    roles,
                    active: true,
                    suppressed: BTreeSet::new(),
                });
            }
            Op::RemoveFramework(index) => {
                let Some(id) = self.framework(*index).map(|f| f.id.clone()) else {
                    return Ok(());
                };
                self.allocator
                    .remove_framework(&fw(&id))
                    .expect("known framework");
                self.frameworks.retain(|f| f.id != id);
                self.holdings.retain(|h| h.framework != id);
                self.filters.retain(|f| f.framework != id);
            }
            Op::Deactivate(index) | Op::Activate(index) => {
                let active = matches!(op, Op::Activate(_));
                let Some(id) = self.framework(*index).map(|f| f.id.clone()) else {
                    return Ok(());
                };
                if active {
                    self.allocator.activate_framework(&fw(&id)).expect("known");
                } else {
                    self.allocator
                        .deactivate_framework(&fw(&id))
                        .expect("known");
                    self.filters.retain(|f| f.framework != id);
                }
                if let Some(framework) = self.frameworks.iter_mut().find(|f| f.id == id) {
                    framework.active = active;
                }
            }
            Op::Suppress { framework, role } => {
                let Some(id) = self.framework(*framework).map(|f| f.id.clone()) else {
                    return Ok(());
                };
                let role = ROLES[*role].to_string();
                self.allocator
                    .suppress_offers(&fw(&id), &BTreeSet::from([role.clone()]))
                    .expect("known");
                if let Some(framework) = self.frameworks.iter_mut().find(|f| f.id == id) {
                    framework.suppressed.insert(role);
                }
            }
            Op::Revive { framework, role } => {
                let Some(model) = self.framework(*framework) else {
                    return Ok(());
                };
                let id = model.id.clone();
                let roles: BTreeSet<String> = match role {
                    Some(role) => BTreeSet::from([ROLES[*role].to_string()]),
                    None => BTreeSet::new(),
                };
                let cleared: BTreeSet<String> = if roles.is_empty() {
                    model.roles.clone()
                } else {
                    roles.clone()
                };
                self.allocator
                    .revive_offers(&fw(&id), &roles)
                    .expect("known");
                self.filters
                    .retain(|f| !(f.framework == id && cleared.contains(&f.role)));
                if let Some(framework) = self.frameworks.iter_mut().find(|f| f.id == id) {
                    for role in &cleared {
                        framework.suppressed.remove(role);
                    }
                }
            }
            Op::Allocate { seconds } => {
                self.now += Duration::from_secs(u64::from(*seconds));
                let allocation = self.allocator.allocate(self.now, None);
                let offers = flatten(&allocation);
                self.check_offers(&offers)?;
                self.check_nothing_left()?;
                self.check_gauges()?;
            }
            Op::Decline { pick, refuse } => {
                let Some(index) = self.pick_holding(*pick, |h| !h.launched) else {
                    return Ok(());
                };
                let holding = self.holdings.remove(index);
                let filters = refuse.map(|seconds| proto::v1::Filters {
                    refuse_seconds: Some(f64::from(seconds)),
                });
                self.allocator
                    .recover_resources(
                        self.now,
                        &fw(&holding.framework),
                        &agent(&holding.agent),
                        &holding.resources,
                        filters.as_ref(),
                        false,
                    )
                    .expect("held");
                if let Some(seconds) = refuse {
                    let refuse = if *seconds < 0 {
                        Duration::from_secs(5)
                    } else {
                        Duration::from_secs(u64::from(seconds.unsigned_abs()))
                    };
                    if !refuse.is_zero() {
                        self.filters.push(Filter {
                            framework: holding.framework,
                            role: holding.role,
                            agent: holding.agent,
                            refused: unallocated(&holding.resources),
                            expires: self.now + refuse.max(INTERVAL),
                        });
                    }
                }
            }
            Op::Launch { pick } => {
                let Some(index) = self.pick_holding(*pick, |h| !h.launched) else {
                    return Ok(());
                };
                let holding = &mut self.holdings[index];
                self.allocator
                    .transition_offered_to_allocated(&agent(&holding.agent), &holding.resources)
                    .expect("known agent");
                holding.launched = true;
            }
            Op::Recover { pick } => {
                let Some(index) = self.pick_holding(*pick, |h| h.launched) else {
                    return Ok(());
                };
                let holding = self.holdings.remove(index);
                self.allocator
                    .recover_resources(
                        self.now,
                        &fw(&holding.framework),
                        &agent(&holding.agent),
                        &holding.resources,
                        None,
                        true,
                    )
                    .expect("held");
            }
            Op::Limit { role, cpus, mem } => {
                let name = ROLES[*role];
                let mut quota = self.quotas.get(name).cloned().unwrap_or_default();
                quota
                    .limits
                    .set("cpus", Scalar::from_units(u64::from(*cpus)));
                quota.limits.set("mem", Scalar::from_units(u64::from(*mem)));
                quota.guarantees = ResourceQuantities::new();
                self.set_quota(name, quota);
            }
            Op::Guarantee { role, cpus } => {
                let name = ROLES[*role];
                let mut quota = Quota::none();
                quota
                    .guarantees
                    .insert("cpus", Scalar::from_units(u64::from(*cpus)));
                self.set_quota(name, quota);
            }
            Op::ClearQuota { role } => self.set_quota(ROLES[*role], Quota::none()),
        }
        Ok(())
    }

    fn set_quota(&mut self, role: &str, quota: Quota) {
        self.allocator
            .update_quota(role, quota.clone())
            .expect("valid quota");
        if quota.is_none() {
            self.quotas.remove(role);
        } else {
            self.quotas.insert(role.to_string(), quota);
        }
    }

    fn pick_holding(&self, pick: u64, wanted: impl Fn(&Holding) -> bool) -> Option<usize> {
        let candidates: Vec<usize> = (0..self.holdings.len())
            .filter(|index| wanted(&self.holdings[*index]))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        Some(candidates[(pick % candidates.len() as u64) as usize])
    }

    fn check_offers(&mut self, offers: &[Flat]) -> Result<(), TestCaseError> {
        let mut added: BTreeMap<(String, String), Scalar> = BTreeMap::new();
        for offer in offers {
            let framework = self
                .frameworks
                .iter()
                .find(|f| f.id == offer.framework)
                .ok_or_else(|| TestCaseError::fail(format!("offer to unknown {offer:?}")))?;
            prop_assert!(framework.active, "offer to inactive framework: {offer:?}");
            prop_assert!(
                framework.roles.contains(&offer.role),
                "unsubscribed role: {offer:?}"
            );
            prop_assert!(
                !framework.suppressed.contains(&offer.role),
                "suppressed: {offer:?}"
            );
            let plain = unallocated(&offer.resources);
            prop_assert!(
                self.free(&offer.agent).contains(&plain),
                "offered {} but {} has only {} free",
                plain,
                offer.agent,
                self.free(&offer.agent)
            );
            for resource in &plain {
                prop_assert!(
                    resource.is_allocatable_to(&offer.role),
                    "reservation {resource} offered to role {}",
                    offer.role
                );
            }
            prop_assert!(
                !self.filtered(&offer.framework, &offer.role, &offer.agent, &plain),
                "filter ignored: {offer:?}"
            );
            for resource in &plain {
                if resource.is_unreserved()
                    && let Some(amount) = resource.as_scalar()
                {
                    *added
                        .entry((top(&offer.role).to_string(), resource.name().to_string()))
                        .or_default() += amount;
                }
            }
            self.holdings.push(Holding {
                framework: offer.framework.clone(),
                agent: offer.agent.clone(),
                role: offer.role.clone(),
                resources: offer.resources.clone(),
                launched: false,
            });
        }
        // Limits: what this run offered stays within what was left of them.
        for ((top_role, name), amount) in added {
            let Some(limit) = self.quotas.get(&top_role).and_then(|q| q.limits.get(&name)) else {
                continue;
            };
            let after = self.consumed(&top_role, &name);
            let before = after.saturating_sub(amount);
            prop_assert!(
                after <= limit.max(before),
                "{top_role} {name}: {before} + {amount} offered over the limit {limit}"
            );
        }
        Ok(())
    }

    /// After a run, nothing a framework could be offered is left free.
    fn check_nothing_left(&self) -> Result<(), TestCaseError> {
        if self
            .quotas
            .values()
            .any(|quota| !quota.guarantees.is_empty())
        {
            return Ok(());
        }
        let minimum = allocator::AllocatorOptions::default().min_allocatable_resources;
        for agent_id in self.agents.keys() {
            let free = self.free(agent_id);
            for framework in self.frameworks.iter().filter(|f| f.active) {
                for role_name in framework.roles.difference(&framework.suppressed) {
                    let mut candidate = free.allocatable_to(role_name);
                    if let Some(limits) = self.quotas.get(top(role_name)).map(|q| &q.limits) {
                        let mut left = resources::ResourceLimits::new();
                        for (name, limit) in limits.iter() {
                            left.set(
                                name,
                                limit.saturating_sub(self.consumed(top(role_name), name)),
                            );
                        }
                        let reserved = candidate.reserved(None);
                        candidate = candidate.unreserved().shrink_to_limits(&left);
                        candidate += reserved;
                    }
                    if candidate.is_empty()
                        || !minimum.iter().any(|m| candidate.contains_quantities(m))
                        || self.filtered(&framework.id, role_name, agent_id, &candidate)
                    {
                        continue;
                    }
                    return Err(TestCaseError::fail(format!(
                        "{candidate} on {agent_id} left free, but {} in {role_name} could use it",
                        framework.id
                    )));
                }
            }
        }
        Ok(())
    }

    fn check_gauges(&self) -> Result<(), TestCaseError> {
        let gauges = self.allocator.metrics().gauges;
        for name in ["cpus", "mem"] {
            let mut held = Scalar::ZERO;
            for holding in &self.holdings {
                held += holding.resources.get_scalar(name).unwrap_or_default();
            }
            let reported =
                gauges[&format!("allocator/mesos/resources/{name}/offered_or_allocated")];
            prop_assert!(
                (reported - held.as_f64()).abs() < 1e-6,
                "{name}: allocator reports {reported} offered or allocated, model has {held}"
            );
        }
        Ok(())
    }
}

fn run(sorters: (SorterKind, SorterKind), ops: &[Op]) -> Result<(), TestCaseError> {
    let mut model = Model::new(sorters);
    for op in ops {
        model.apply(op)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn allocations_respect_the_books(
        sorters in prop::sample::select(ALL_SORTERS.to_vec()),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        run(sorters, &ops)?;
    }
}
