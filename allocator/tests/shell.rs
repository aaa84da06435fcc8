//! The actor shell on the paused libprocess clock: offers reach the master's recipient,
//! batch allocations run every interval, a burst of events costs one coalesced run, calls
//! with replies answer, recovery resumes by its deadline, and metrics are published.

mod common;

use std::{
    collections::{BTreeMap, HashMap},
    sync::mpsc::{self, Receiver, Sender},
    time::Duration,
};

use allocator::{
    AllocatorCall, AllocatorHandle, AllocatorOptions, AllocatorProcess, InverseOffers, Offers,
    Quota, create,
};
use common::*;
use libprocess::{Context, Handle, Process, Runtime, SnapshotValue};
use proto::v1::Filters;
use resources::{ResourceConversion, ResourceQuantities};

const DEADLINE: Duration = Duration::from_secs(10);

/// Stands in for the master: forwards what the allocator sends to the test thread.
struct Master {
    offers: Sender<Offers>,
    inverse_offers: Sender<InverseOffers>,
}

impl Process for Master {}

impl Handle<Offers> for Master {
    type Reply = ();

    fn handle(&mut self, offers: Offers, _ctx: &mut Context<Self>) {
        let _ = self.offers.send(offers);
    }
}

impl Handle<InverseOffers> for Master {
    type Reply = ();

    fn handle(&mut self, inverse_offers: InverseOffers, _ctx: &mut Context<Self>) {
        let _ = self.inverse_offers.send(inverse_offers);
    }
}

struct Cluster {
    runtime: Runtime,
    allocator: AllocatorHandle,
    offers: Receiver<Offers>,
    inverse_offers: Receiver<InverseOffers>,
}

impl Cluster {
    fn start(options: AllocatorOptions) -> Cluster {
        let runtime = Runtime::builder()
            .workers(2)
            .build()
            .expect("runtime starts");
        runtime.clock().pause();
        let allocator = AllocatorProcess::spawn(
            &runtime,
            create("hierarchical", options.clone()).expect("known allocator"),
        )
        .expect("spawned");
        Cluster::with(runtime, allocator, options)
    }

    fn with(runtime: Runtime, allocator: AllocatorHandle, options: AllocatorOptions) -> Cluster {
        let (offers_tx, offers) = mpsc::channel();
        let (inverse_tx, inverse_offers) = mpsc::channel();
        let master = runtime
            .spawn(
                "master",
                Master {
                    offers: offers_tx,
                    inverse_offers: inverse_tx,
                },
            )
            .expect("spawned");
        allocator.initialize(
            options,
            master.recipient::<Offers>(),
            master.recipient::<InverseOffers>(),
        );
        Cluster {
            runtime,
            allocator,
            offers,
            inverse_offers,
        }
    }

    fn settle(&self) {
        self.runtime.clock().settle_blocking();
    }

    fn advance(&self, duration: Duration) {
        self.runtime.clock().advance(duration);
        self.settle();
    }

    /// Every `Offers` message delivered so far.
    fn drain(&self) -> Vec<Offers> {
        self.offers.try_iter().collect()
    }

    fn metric(&self, key: &str) -> Option<f64> {
        self.runtime
            .metrics()
            .snapshot()
            .into_iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| match value {
                SnapshotValue::Float(value) => value,
                SnapshotValue::Integer(value) => value as f64,
            })
    }

    fn add_framework(&self, id: &str, role: &str) {
        self.allocator.add_framework(
            fw(id),
            framework_info(id, &[role], &[]),
            HashMap::new(),
            true,
            Default::default(),
        );
    }

    fn add_agent(&self, id: &str, total: &str) {
        self.allocator.add_agent(
            agent(id),
            agent_info(id),
            agent_capabilities(),
            None,
            res(total),
            HashMap::new(),
        );
    }
}

fn offer_count(messages: &[Offers]) -> usize {
    messages
        .iter()
        .flat_map(|message| &message.offers)
        .map(|offer| offer.offer_count())
        .sum()
}

#[test]
fn events_trigger_offers_to_the_masters_recipient() {
    let cluster = Cluster::start(AllocatorOptions::default());
    cluster.add_framework("framework", "role");
    cluster.add_agent("agent", "cpus:2;mem:1024");
    cluster.settle();
    let delivered = cluster.drain();
    assert_eq!(offer_count(&delivered), 1);
    let offer = &delivered[0].offers[0];
    assert_eq!(offer.framework_id, fw("framework"));
    assert_eq!(
        offer.resources.values().next().expect("one role")[&agent("agent")],
        allocated("cpus:2;mem:1024", "role")
    );
}

#[test]
fn batch_allocations_run_every_interval() {
    let options = AllocatorOptions {
        allocation_interval: Duration::from_secs(2),
        ..AllocatorOptions::default()
    };
    let cluster = Cluster::start(options);
    cluster.add_framework("framework", "role");
    cluster.add_agent("agent", "cpus:2;mem:1024");
    cluster.settle();
    let offer = cluster.drain().remove(0).offers.remove(0);
    let (_, agent_id, resources) = offer.entries().next().expect("an offer");
    // Declining (no filter) triggers nothing: the resources wait for the next batch run.
    cluster.allocator.recover_resources(
        offer.framework_id.clone(),
        agent_id.clone(),
        resources.clone(),
        Some(Filters {
            refuse_seconds: Some(0.0),
        }),
        false,
    );
    cluster.settle();
    assert!(cluster.drain().is_empty());
    let runs = cluster
        .metric("allocator/mesos/allocation_runs")
        .expect("counter");
    cluster.advance(Duration::from_secs(1));
    assert!(cluster.drain().is_empty(), "before the interval");
    cluster.advance(Duration::from_secs(1));
    assert_eq!(offer_count(&cluster.drain()), 1, "the batch run");
    assert_eq!(
        cluster.metric("allocator/mesos/allocation_runs"),
        Some(runs + 1.0)
    );
    cluster.advance(Duration::from_secs(2));
    assert_eq!(
        cluster.metric("allocator/mesos/allocation_runs"),
        Some(runs + 2.0),
        "one run per interval"
    );
}

/// A burst of events queued behind a busy allocator costs one run (MESOS-6904), which
/// covers every agent the events named.
#[test]
fn a_burst_of_events_is_one_coalesced_run() {
    let runtime = Runtime::builder()
        .workers(2)
        .build()
        .expect("runtime starts");
    runtime.clock().pause();
    let options = AllocatorOptions::default();
    let process =
        AllocatorProcess::new(create("hierarchical", options.clone()).expect("known allocator"));
    let pid = runtime.spawn("allocator", process).expect("spawned");
    let handle = AllocatorHandle::new(pid.recipient::<AllocatorCall>());
    let cluster = Cluster::with(runtime, handle, options);
    cluster.add_framework("framework", "role");
    cluster.settle();
    let runs = cluster
        .metric("allocator/mesos/allocation_runs")
        .unwrap_or(0.0);
    // Hold the allocator busy while the burst queues up behind it.
    let (release, gate) = mpsc::channel::<()>();
    pid.run(
        move |_: &mut AllocatorProcess, _: &mut Context<AllocatorProcess>| {
            let _ = gate.recv_timeout(DEADLINE);
        },
    );
    for i in 0..100 {
        cluster.add_agent(&format!("agent{i}"), "cpus:1;mem:128");
    }
    release.send(()).expect("gate open");
    cluster.settle();
    assert_eq!(
        cluster.metric("allocator/mesos/allocation_runs"),
        Some(runs + 1.0)
    );
    let delivered = cluster.drain();
    assert_eq!(delivered.len(), 1, "one Offers message");
    assert_eq!(offer_count(&delivered), 100);
}

#[test]
fn calls_with_replies_answer() {
    let cluster = Cluster::start(AllocatorOptions::default());
    cluster.add_agent("agent", "cpus:2;mem:1024");
    let ok = cluster.allocator.update_available(
        agent("agent"),
        vec![ResourceConversion {
            consumed: res("cpus:1"),
            converted: reserved("cpus:1", "role"),
        }],
    );
    let refused = cluster.allocator.update_available(
        agent("agent"),
        vec![ResourceConversion {
            consumed: res("cpus:9"),
            converted: res("cpus:9"),
        }],
    );
    let unknown = cluster
        .allocator
        .update_available(agent("nowhere"), Vec::new());
    assert_eq!(ok.block_timeout(DEADLINE).expect("answered"), Ok(Ok(())));
    assert!(matches!(refused.block_timeout(DEADLINE), Ok(Ok(Err(_)))));
    assert!(matches!(unknown.block_timeout(DEADLINE), Ok(Ok(Err(_)))));
    let statuses = cluster.allocator.inverse_offer_statuses();
    assert_eq!(
        statuses.block_timeout(DEADLINE).expect("answered"),
        Ok(BTreeMap::new())
    );
}

#[test]
fn maintenance_inverse_offers_reach_the_master() {
    let cluster = Cluster::start(AllocatorOptions::default());
    cluster.add_framework("framework", "role");
    cluster.add_agent("agent", "cpus:2;mem:1024");
    cluster.settle();
    assert_eq!(offer_count(&cluster.drain()), 1);
    cluster.allocator.update_unavailability(
        agent("agent"),
        Some(proto::v1::Unavailability {
            start: proto::v1::TimeInfo { nanoseconds: 0 },
            duration: None,
        }),
    );
    cluster.settle();
    let inverse: Vec<InverseOffers> = cluster.inverse_offers.try_iter().collect();
    assert_eq!(inverse.len(), 1);
    assert_eq!(inverse[0].inverse_offers[0].framework_id, fw("framework"));
}

/// After a failover with quota the allocator waits for agents, and resumes by the deadline.
#[test]
fn recovery_resumes_at_its_deadline() {
    let cluster = Cluster::start(AllocatorOptions::default());
    let quotas = BTreeMap::from([(
        "role".to_string(),
        Quota::guaranteed_and_limited(&ResourceQuantities::parse("cpus:1").expect("valid")),
    )]);
    cluster.allocator.recover(10, quotas);
    cluster.add_framework("framework", "role");
    cluster.add_agent("agent", "cpus:2;mem:1024");
    cluster.advance(Duration::from_secs(5));
    assert!(cluster.drain().is_empty(), "paused while agents return");
    cluster.advance(Duration::from_secs(10 * 60));
    assert!(
        offer_count(&cluster.drain()) >= 1,
        "resumed at the deadline"
    );
}

#[test]
fn metrics_are_published_under_mesos_names() {
    let cluster = Cluster::start(AllocatorOptions::default());
    cluster.add_framework("framework", "role");
    cluster.add_agent("agent", "cpus:2;mem:1024;disk:10");
    cluster.settle();
    for key in [
        "allocator/mesos/allocation_runs",
        "allocator/mesos/allocation_run",
        "allocator/mesos/allocation_run_latency",
        "allocator/mesos/event_queue_dispatches",
        "allocator/event_queue_dispatches",
        "allocator/mesos/resources/cpus/total",
        "allocator/mesos/resources/mem/offered_or_allocated",
        "allocator/mesos/roles/role/shares/dominant",
        "allocator/mesos/offer_filters/roles/role/active",
    ] {
        assert!(cluster.metric(key).is_some(), "{key} missing");
    }
    assert_eq!(
        cluster.metric("allocator/mesos/resources/cpus/total"),
        Some(2.0)
    );
    assert_eq!(
        cluster.metric("allocator/mesos/roles/role/shares/dominant"),
        Some(1.0)
    );
    assert_eq!(
        cluster.metric("allocator/mesos/event_queue_dispatches"),
        Some(0.0)
    );
}

/// Refused calls are logged and change nothing; the actor keeps going.
#[test]
fn refused_calls_do_not_stop_the_actor() {
    let cluster = Cluster::start(AllocatorOptions::default());
    cluster.allocator.remove_framework(fw("nobody"));
    cluster.allocator.update_quota("a/b", Quota::none());
    cluster.add_framework("framework", "role");
    cluster.add_agent("agent", "cpus:2;mem:1024");
    cluster.settle();
    assert_eq!(offer_count(&cluster.drain()), 1);
}
