//! Resource arithmetic on agent-sized sets, as the allocator does it millions of times a cycle:
//! add, subtract, contains, quantities and parsing (ids `resources/<operation>`).
//!
//! The agent: `cpus:24;mem:4096;disk:4096;ports:[31000-32000]` unreserved, plus a static
//! reservation, a dynamic reservation, a refined reservation and revocable cpus; 16 tasks
//! hold one port each, leaving the available ports in 17 fragments. The task: half a cpu,
//! 128 MB, 64 MB of disk and one port, allocated to a role.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use resources::{ReservationInfo, Resource, ResourceQuantities, Resources, Role};

const AGENT: &str =
    "cpus:24;mem:4096;disk:4096;ports:[31000-32000];cpus(static):4;mem(static):1024";

fn role(name: &str) -> Role {
    Role::new(name).expect("valid role")
}

fn parse(text: &str) -> Resources {
    Resources::parse(text, &Role::star()).expect("valid resources")
}

/// The agent's total resources: unreserved, static, dynamic, refined and revocable parts.
fn agent_total() -> Resources {
    let mut total = parse(AGENT);
    let dynamic = parse("cpus:2;mem:512;disk:512")
        .push_reservation(&ReservationInfo::dynamic_for(role("dynamic"), Some("ops")))
        .expect("valid reservation");
    let refined = dynamic
        .push_reservation(&ReservationInfo::dynamic_for(
            role("dynamic/web"),
            Some("web"),
        ))
        .expect("valid refinement");
    total += &dynamic;
    total += &refined;
    let revocable = Resource::scalar("cpus", 8.0)
        .expect("valid")
        .with_revocable(true);
    total.try_add_resource(revocable).expect("valid");
    total
}

/// The agent's available resources after 16 tasks each took a port spread over the range.
fn agent_available() -> Resources {
    let mut available = agent_total();
    for task in 0..16u64 {
        let port = 31000 + 1 + task * 60;
        available -= &parse(&format!("cpus:0.5;mem:128;disk:64;ports:[{port}-{port}]"));
    }
    available
}

/// A task-sized request on a free port.
fn task() -> Resources {
    parse("cpus:0.5;mem:128;disk:64;ports:[31500-31500]")
}

fn benches(c: &mut Criterion) {
    let available = agent_available();
    let task = task();
    assert!(available.contains(&task));
    assert!(
        available
            .ports()
            .is_some_and(|ports| ports.fragments() >= 16)
    );

    // `&a + &b` and `&a - &b` as the master writes them: a copy of the agent-sized set, then
    // the operation (see `resources/clone` for the copy alone).
    c.bench_function("resources/add", |b| {
        let smaller = &available - &task;
        b.iter(|| black_box(&smaller) + black_box(&task))
    });

    c.bench_function("resources/subtract", |b| {
        b.iter(|| black_box(&available) - black_box(&task))
    });

    // The allocator's steady state: take a task out of an agent's available resources and put
    // it back, in place, without copying the set.
    c.bench_function("resources/subtract_add_in_place", |b| {
        let mut resources = available.clone();
        b.iter(|| {
            resources -= black_box(&task);
            resources += black_box(&task);
        })
    });

    c.bench_function("resources/contains", |b| {
        b.iter(|| black_box(&available).contains(black_box(&task)))
    });

    c.bench_function("resources/contains_self", |b| {
        let copy = available.clone();
        b.iter(|| black_box(&available).contains(black_box(&copy)))
    });

    c.bench_function("resources/quantities", |b| {
        b.iter(|| black_box(&available).scalar_quantities())
    });

    let minimum = ResourceQuantities::parse("cpus:0.01;mem:32").expect("valid");
    c.bench_function("resources/contains_quantities", |b| {
        b.iter(|| black_box(&available).contains_quantities(black_box(&minimum)))
    });

    let mut drf_total = available.scalar_quantities();
    let share = task.scalar_quantities();
    c.bench_function("resources/quantities_add_subtract", |b| {
        b.iter(|| {
            drf_total += black_box(&share);
            drf_total -= black_box(&share);
        })
    });

    c.bench_function("resources/allocatable_to", |b| {
        b.iter(|| black_box(&available).allocatable_to(black_box("dynamic/web")))
    });

    let allocated_role = role("dynamic/web");
    c.bench_function("resources/allocate", |b| {
        let mut resources = available.clone();
        b.iter(|| resources.allocate(black_box(&allocated_role)))
    });

    c.bench_function("resources/clone", |b| {
        b.iter(|| black_box(&available).clone())
    });

    c.bench_function("resources/parse", |b| {
        b.iter(|| Resources::parse(black_box(AGENT), &Role::star()).expect("valid"))
    });
}

criterion_group!(resource_benches, benches);
criterion_main!(resource_benches);
