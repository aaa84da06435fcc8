//! The allocator under Mesos's own benchmark parameters, so the figures compare line for line
//! (`../shared/reference/benchmarks.md` sections 2.1-2.3):
//!
//! - `decline_offers/<agents>x<frameworks>`: HierarchicalAllocator_BENCHMARK_Test.DeclineOffers.
//!   Agents `cpus:24;mem:4096;disk:4096;ports:[31000-32000]`, each with
//!   `cpus:16;mem:2014;disk:1024` and 16 port fragments used by one framework (round-robin);
//!   frameworks in role `*` decline every offer with `refuse_seconds=INT_MAX`. One iteration
//!   is one allocation round (declines of the previous round's offers are not timed); the
//!   state is rebuilt every three rounds, so the figure is Mesos's rounds 0-2.
//! - `add_agents/10000`: DeclineOffers' "Added 10000 agents" with 1,000 frameworks present:
//!   adding the agents and the one (coalesced) allocation their events trigger.
//! - `quota/large_and_small/3000/{full_cycle,empty_cycle}`: LargeAndSmallQuota/2 (DRF): 3,000
//!   agents `cpus:2;mem:2048;disk:2048`, 2,500 roles with quota `cpus:1;mem:1024;disk:1024`
//!   and 500 with `cpus:4;mem:4096;disk:4096` (guarantee = limit), one framework each; the
//!   cycle that makes 3,500 offers, then the cycle that makes none.
//! - `sorter/full_sort/50000x1000/{add_allocations,full_sort,noop_sort,remove_allocations}`:
//!   CommonSorterTest.BENCHMARK_FullSort (DRF) with 50,000 agents of
//!   `cpus:24;mem:4096;disk:4096` and 1,000 clients, each agent allocating
//!   `cpus:16;mem:2014;disk:1024` plus 100 port fragments to a client round-robin. Clients
//!   are active here (Mesos leaves them inactive, which makes its sort trivial).

use std::{
    collections::{HashMap, HashSet},
    hint::black_box,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use allocator::{
    AgentId, AllocationRequest, Allocator, AllocatorOptions, FrameworkId, FrameworkOptions, Offer,
    Quota, create,
    quantities::{Quantities, ResourceNames},
    sorter::{ClientId, DrfSorter, Sorter, SorterOptions},
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use proto::v1::{
    AgentInfo, Filters, FrameworkInfo,
    agent_info::{Capability as AgentCapability, capability::Type as AgentCapabilityType},
};
use resources::{Range, Ranges, Resource, ResourceQuantities, Resources, Role};

fn parse(text: &str) -> Resources {
    Resources::parse(text, &Role::star()).expect("valid resources")
}

/// Mesos's test helper `fragment(bounds, n)`: single values every other port from the
/// start, the last range running to the end of the bounds.
fn fragment(begin: u64, end: u64, count: u64) -> Ranges {
    let ranges = (0..count).map(|index| {
        let start = begin + index * 2;
        let stop = if index + 1 == count { end } else { start };
        Range {
            begin: start,
            end: stop,
        }
    });
    Ranges::from_disjoint(ranges).expect("disjoint ranges")
}

fn ports(ranges: Ranges) -> Resources {
    Resources::from_resources([Resource::ranges("ports", ranges)]).expect("valid ports")
}

fn agent_capabilities() -> Vec<AgentCapability> {
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

fn agent_info(id: &AgentId) -> AgentInfo {
    AgentInfo {
        hostname: id.to_string(),
        id: Some(id.to_proto()),
        ..AgentInfo::default()
    }
}

fn framework_info(id: &FrameworkId, role: &str) -> FrameworkInfo {
    #[allow(deprecated)]
    FrameworkInfo {
        user: "user".into(),
        name: id.to_string(),
        id: Some(id.to_proto()),
        role: Some(role.into()),
        ..FrameworkInfo::default()
    }
}

fn epoch() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// The DeclineOffers cluster: frameworks in `*`, agents with part of their resources used.
struct DeclineOffers {
    allocator: Box<dyn Allocator>,
    offers: Vec<Offer>,
    now: SystemTime,
    rounds: usize,
}

impl DeclineOffers {
    fn frameworks(count: usize) -> (Box<dyn Allocator>, Vec<FrameworkId>) {
        let mut allocator = create("hierarchical", AllocatorOptions::default()).expect("known");
        let frameworks: Vec<FrameworkId> = (0..count)
            .map(|i| FrameworkId::new(format!("framework-{i}")))
            .collect();
        for id in &frameworks {
            allocator
                .add_framework(
                    id.clone(),
                    framework_info(id, "*"),
                    HashMap::new(),
                    true,
                    FrameworkOptions::default(),
                )
                .expect("framework added");
        }
        allocator.take_allocation_request();
        (allocator, frameworks)
    }

    /// Adds the agents and runs the allocation their events asked for.
    fn add_agents(
        allocator: &mut dyn Allocator,
        frameworks: &[FrameworkId],
        agents: usize,
        now: SystemTime,
    ) -> Vec<Offer> {
        let total = parse("cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
        let mut used = parse("cpus:16;mem:2014;disk:1024");
        used += ports(fragment(31000, 32000, 16));
        used.allocate(&Role::star());
        for index in 0..agents {
            let id = AgentId::new(format!("agent-{index}"));
            let framework = frameworks[index % frameworks.len()].clone();
            allocator
                .add_agent(
                    id.clone(),
                    agent_info(&id),
                    agent_capabilities(),
                    None,
                    total.clone(),
                    HashMap::from([(framework, used.clone())]),
                )
                .expect("agent added");
        }
        let triggered: Option<HashSet<AgentId>> = match allocator.take_allocation_request() {
            AllocationRequest::All => None,
            AllocationRequest::Agents(agents) => Some(agents),
            AllocationRequest::None => Some(HashSet::new()),
        };
        allocator.allocate(now, triggered.as_ref()).offers
    }

    fn new(agents: usize, frameworks: usize) -> DeclineOffers {
        let (mut allocator, ids) = DeclineOffers::frameworks(frameworks);
        let offers = DeclineOffers::add_agents(allocator.as_mut(), &ids, agents, epoch());
        DeclineOffers {
            allocator,
            offers,
            now: epoch(),
            rounds: 0,
        }
    }

    /// Declines every outstanding offer for good (untimed), then times one round.
    fn round(&mut self) -> (Duration, usize) {
        let filters = Filters {
            refuse_seconds: Some(f64::from(i32::MAX)),
        };
        for offer in std::mem::take(&mut self.offers) {
            for (_, agent, resources) in offer.entries() {
                self.allocator
                    .recover_resources(
                        self.now,
                        &offer.framework_id,
                        agent,
                        resources,
                        Some(&filters),
                        false,
                    )
                    .expect("declined");
            }
        }
        self.now += Duration::from_secs(1);
        let start = Instant::now();
        let allocation = self.allocator.allocate(self.now, None);
        let elapsed = start.elapsed();
        let made = allocation.offer_count();
        self.offers = allocation.offers;
        self.rounds += 1;
        (elapsed, made)
    }
}

fn decline_offers(c: &mut Criterion) {
    let mut group = c.benchmark_group("decline_offers");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for (agents, frameworks) in [(10_000usize, 1_000usize), (10_000, 3_000)] {
        // Print Mesos's lines once, for comparison with its logs.
        let mut probe = DeclineOffers::new(agents, frameworks);
        for _ in 0..3 {
            let round = probe.rounds;
            let (elapsed, made) = probe.round();
            eprintln!(
                "decline_offers/{agents}x{frameworks}: round {round} allocate() took \
                 {elapsed:?} to make {made} offers"
            );
        }
        drop(probe);
        group.throughput(Throughput::Elements(agents as u64));
        group.bench_function(format!("{agents}x{frameworks}"), |bencher| {
            bencher.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                let mut state: Option<DeclineOffers> = None;
                for _ in 0..iterations {
                    let cluster =
                        state.get_or_insert_with(|| DeclineOffers::new(agents, frameworks));
                    let (elapsed, made) = cluster.round();
                    assert_eq!(made, agents, "every agent is offered each round");
                    total += elapsed;
                    if cluster.rounds == 3 {
                        state = None;
                    }
                }
                total
            });
        });
    }
    group.finish();
}

fn add_agents(c: &mut Criterion) {
    let mut group = c.benchmark_group("add_agents");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("10000", |bencher| {
        bencher.iter_batched(
            || DeclineOffers::frameworks(1_000),
            |(mut allocator, frameworks)| {
                let offers =
                    DeclineOffers::add_agents(allocator.as_mut(), &frameworks, 10_000, epoch());
                black_box(offers.len());
                allocator
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

/// The LargeAndSmallQuota cluster, allocation resumed and not yet run.
fn large_and_small_quota(small: usize, large: usize) -> Box<dyn Allocator> {
    let mut allocator = create("hierarchical", AllocatorOptions::default()).expect("known");
    let total = parse("cpus:2;mem:2048;disk:2048");
    for index in 0..(small / 5 + large * 5) {
        let id = AgentId::new(format!("agent-{index}"));
        allocator
            .add_agent(
                id.clone(),
                agent_info(&id),
                agent_capabilities(),
                None,
                total.clone(),
                HashMap::new(),
            )
            .expect("agent added");
    }
    allocator.allocate(epoch(), None);
    allocator.pause();
    let roles = (0..small)
        .map(|i| {
            (
                format!("smallQuotaRole{i}"),
                format!("framework_small_{i}"),
                "cpus:1;mem:1024;disk:1024",
            )
        })
        .chain((0..large).map(|i| {
            (
                format!("largeQuotaRole{i}"),
                format!("framework_large_{i}"),
                "cpus:4;mem:4096;disk:4096",
            )
        }));
    for (role, framework, quota) in roles {
        let id = FrameworkId::new(framework);
        allocator
            .add_framework(
                id.clone(),
                framework_info(&id, &role),
                HashMap::new(),
                true,
                FrameworkOptions::default(),
            )
            .expect("framework added");
        let quantities = ResourceQuantities::parse(quota).expect("valid quota");
        allocator
            .update_quota(&role, Quota::guaranteed_and_limited(&quantities))
            .expect("valid quota");
    }
    allocator.resume();
    allocator.take_allocation_request();
    allocator
}

fn quota(c: &mut Criterion) {
    let mut group = c.benchmark_group("quota/large_and_small/3000");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let now = epoch() + Duration::from_secs(1);
    {
        let mut probe = large_and_small_quota(2_500, 500);
        let start = Instant::now();
        let full = probe.allocate(now, None).offer_count();
        let full_took = start.elapsed();
        let start = Instant::now();
        let empty = probe.allocate(now, None).offer_count();
        eprintln!(
            "quota/large_and_small/3000: Made {full} allocations in {full_took:?}; \
             Made {empty} allocation in {:?}",
            start.elapsed()
        );
    }
    group.bench_function("full_cycle", |bencher| {
        bencher.iter_batched(
            || large_and_small_quota(2_500, 500),
            |mut allocator| {
                let made = allocator.allocate(now, None).offer_count();
                assert_eq!(made, 3_500);
                allocator
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("empty_cycle", |bencher| {
        bencher.iter_batched(
            || {
                let mut allocator = large_and_small_quota(2_500, 500);
                allocator.allocate(now, None);
                allocator
            },
            |mut allocator| {
                let made = allocator.allocate(now, None).offer_count();
                assert_eq!(made, 0);
                allocator
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

/// The FullSort sorter: clients added and active, agents' totals added.
struct FullSort {
    sorter: DrfSorter,
    names: ResourceNames,
    clients: Vec<ClientId>,
    allocation: Resources,
    agents: usize,
}

impl FullSort {
    fn new(agents: usize, clients: usize) -> FullSort {
        let mut names = ResourceNames::new();
        let mut sorter = DrfSorter::new(&SorterOptions::default());
        let clients = (0..clients)
            .map(|i| {
                let client = sorter.add(&i.to_string()).expect("new client");
                sorter.activate(client);
                client
            })
            .collect();
        let agent = Quantities::from_resource_quantities(
            &ResourceQuantities::parse("cpus:24;mem:4096;disk:4096").expect("valid"),
            &mut names,
        );
        for _ in 0..agents {
            sorter.add_to_total(&agent);
        }
        let mut allocation = parse("cpus:16;mem:2014;disk:1024");
        allocation += ports(fragment(31000, 32000, 100));
        FullSort {
            sorter,
            names,
            clients,
            allocation,
            agents,
        }
    }

    /// One allocation per agent, round-robin through the clients, converting each agent's
    /// resources to quantities (into a reused buffer) as the allocator does.
    fn add_allocations(&mut self) {
        let mut quantities = Quantities::new();
        for agent in 0..self.agents {
            let client = self.clients[agent % self.clients.len()];
            quantities.clear();
            quantities.add_all(&self.allocation, &mut self.names);
            self.sorter.allocated(client, &quantities);
        }
    }

    fn remove_allocations(&mut self) {
        let mut quantities = Quantities::new();
        for agent in 0..self.agents {
            let client = self.clients[agent % self.clients.len()];
            quantities.clear();
            quantities.add_all(&self.allocation, &mut self.names);
            self.sorter.unallocated(client, &quantities);
        }
    }

    fn allocated(agents: usize, clients: usize) -> FullSort {
        let mut state = FullSort::new(agents, clients);
        state.add_allocations();
        state
    }
}

fn sorter(c: &mut Criterion) {
    let (agents, clients) = (50_000, 1_000);
    let mut group = c.benchmark_group(format!("sorter/full_sort/{agents}x{clients}"));
    group.sample_size(10);
    group.bench_function("add_allocations", |bencher| {
        bencher.iter_batched(
            || FullSort::new(agents, clients),
            |mut state| {
                state.add_allocations();
                state
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("full_sort", |bencher| {
        bencher.iter_batched(
            || FullSort::allocated(agents, clients),
            |mut state| {
                let order = state.sorter.sort();
                assert_eq!(order.len(), clients);
                state
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("noop_sort", |bencher| {
        let mut state = FullSort::allocated(agents, clients);
        state.sorter.sort();
        bencher.iter(|| black_box(state.sorter.sort().len()));
    });
    group.bench_function("remove_allocations", |bencher| {
        bencher.iter_batched(
            || {
                let mut state = FullSort::allocated(agents, clients);
                state.sorter.sort();
                state
            },
            |mut state| {
                state.remove_allocations();
                state
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, decline_offers, add_agents, quota, sorter);
criterion_main!(benches);
