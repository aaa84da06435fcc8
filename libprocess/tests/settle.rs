//! Settle: a chain of 1,000 messages across 10 processes plus timers completes entirely
//! before `settle` returns.

mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use libprocess::{Context, Message, Process, Upid};
use support::runtime;

/// Passes a hop counter to the next process in the ring until it reaches zero; every
/// tenth hop also goes through a one-second timer.
struct Hop {
    next: Upid,
    hops: Arc<AtomicUsize>,
}

impl Process for Hop {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "hop",
            |hop: &mut Self, ctx: &mut Context<Self>, message: Message| {
                hop.hops.fetch_add(1, Ordering::SeqCst);
                let remaining: u32 = std::str::from_utf8(&message.body).unwrap().parse().unwrap();
                if remaining == 0 {
                    return;
                }
                let body = (remaining - 1).to_string();
                if remaining.is_multiple_of(10) {
                    let next = hop.next.clone();
                    ctx.delay(
                        Duration::from_secs(1),
                        move |_: &mut Self, ctx: &mut Context<Self>| {
                            ctx.send(&next, "hop", body);
                        },
                    );
                } else {
                    ctx.send(&hop.next, "hop", body);
                }
            },
        );
    }
}

#[test]
fn a_chain_of_messages_and_timers_settles_completely() {
    let runtime = runtime();
    runtime.clock().pause();
    let hops = Arc::new(AtomicUsize::new(0));
    let ids: Vec<Upid> = (0..10)
        .map(|i| Upid::new(format!("hop{i}"), runtime.address()))
        .collect();
    for (index, id) in ids.iter().enumerate() {
        let next = ids[(index + 1) % ids.len()].clone();
        runtime
            .spawn(
                id.id(),
                Hop {
                    next,
                    hops: hops.clone(),
                },
            )
            .unwrap();
    }
    runtime.send(&ids[0], "hop", "999");
    // Each settle runs everything that needs no time; each advance fires the pending timer.
    let mut advances = 0;
    loop {
        runtime.clock().settle_blocking();
        if hops.load(Ordering::SeqCst) == 1000 {
            break;
        }
        runtime.clock().advance(Duration::from_secs(1));
        advances += 1;
        assert!(
            advances <= 100,
            "the chain stalled at {} hops",
            hops.load(Ordering::SeqCst)
        );
    }
    // Timers wait at remaining = 990, 980, ..., 10.
    assert_eq!(advances, 99);
}
