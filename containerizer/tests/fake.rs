//! The fake containerizer: recorded calls, in-process executors from a factory, controllable
//! exits, destroy and kill reaching the executor.

use std::sync::{
    Arc,
    atomic::{AtomicI32, AtomicUsize, Ordering},
};

use containerizer::{
    ContainerConfig, ContainerId, Containerizer, FakeCall, FakeContainerizer, FakeExecutor,
    FakeExit, LaunchResult,
};
use libprocess::Future;
use parking_lot::Mutex;
use proto::v0;

fn id(value: &str) -> ContainerId {
    ContainerId {
        value: value.to_string(),
        parent: None,
    }
}

fn config(marker: &str) -> ContainerConfig {
    let mut config = ContainerConfig::new(
        v0::CommandInfo {
            value: Some("mesos-executor".into()),
            ..Default::default()
        },
        "/nonexistent/sandbox",
    );
    config
        .environment
        .insert("MESOS_EXECUTOR_ID".into(), marker.into());
    config
}

fn now<T>(future: Future<T>) -> T {
    assert!(future.is_ready(), "the fake answers at once");
    future.block().expect("a value")
}

/// Records what happened to it, and keeps its exit handle.
struct Recorder {
    destroyed: Arc<AtomicUsize>,
    signal: Arc<AtomicI32>,
}

impl FakeExecutor for Recorder {
    fn destroy(&mut self) {
        self.destroyed.fetch_add(1, Ordering::SeqCst);
    }

    fn signal(&mut self, signal: i32) {
        self.signal.store(signal, Ordering::SeqCst);
    }
}

#[test]
fn launches_run_the_factorys_executor_which_can_exit() {
    let exits: Arc<Mutex<Vec<(String, FakeExit)>>> = Arc::default();
    let seen = exits.clone();
    let fake = FakeContainerizer::with_executors(move |launch| {
        let marker = launch.config.environment["MESOS_EXECUTOR_ID"].clone();
        seen.lock().push((marker, launch.exit));
        Ok(Box::new(|| {}) as Box<dyn FakeExecutor>)
    });
    assert_eq!(
        now(fake.launch(&id("c1"), config("e1"))),
        LaunchResult::Success
    );
    assert_eq!(
        now(fake.launch(&id("c2"), config("e2"))),
        LaunchResult::Success
    );
    assert_eq!(fake.running(), vec![id("c1"), id("c2")]);
    let waited = fake.wait(&id("c1"));
    assert!(!waited.is_ready());

    let (marker, exit) = exits.lock().remove(0);
    assert_eq!(marker, "e1");
    assert!(exit.exit(1 << 8));
    assert!(!exit.exit(0), "a container ends once");
    let termination = waited.block().unwrap().expect("a termination");
    assert_eq!(termination.exit_code(), Some(1));
    assert_eq!(
        termination.message.as_deref(),
        Some("Executor exited with status 1")
    );
    assert_eq!(now(fake.wait(&id("c1"))), None);

    // The test can end a container too.
    let waited = fake.wait(&id("c2"));
    assert!(fake.exit(&id("c2"), 0));
    assert!(waited.block().unwrap().unwrap().succeeded());
    assert!(fake.running().is_empty());
    assert_eq!(fake.launches().len(), 2);
    assert_eq!(
        fake.calls(),
        vec![
            FakeCall::Launch(id("c1")),
            FakeCall::Launch(id("c2")),
            FakeCall::Wait(id("c1")),
            FakeCall::Wait(id("c1")),
            FakeCall::Wait(id("c2")),
        ]
    );
}

#[test]
fn destroy_and_kill_reach_the_executor() {
    let destroyed = Arc::new(AtomicUsize::new(0));
    let signal = Arc::new(AtomicI32::new(0));
    let (d, s) = (destroyed.clone(), signal.clone());
    let fake = FakeContainerizer::with_executors(move |_launch| {
        Ok(Box::new(Recorder {
            destroyed: d.clone(),
            signal: s.clone(),
        }) as Box<dyn FakeExecutor>)
    });
    fake.launch(&id("c"), config("e")).block().unwrap();
    let waited = fake.wait(&id("c"));
    assert!(now(fake.kill(&id("c"), 15)));
    assert_eq!(signal.load(Ordering::SeqCst), 15);
    assert_eq!(destroyed.load(Ordering::SeqCst), 0);
    assert!(now(fake.destroy(&id("c"))));
    assert_eq!(destroyed.load(Ordering::SeqCst), 1);
    let termination = waited.block().unwrap().unwrap();
    assert_eq!(termination.signal(), Some(9));
    assert!(!now(fake.destroy(&id("c"))));
    assert!(!now(fake.kill(&id("c"), 15)));

    fake.launch(&id("k"), config("e")).block().unwrap();
    assert!(now(fake.kill(&id("k"), 9)), "SIGKILL destroys");
    assert_eq!(destroyed.load(Ordering::SeqCst), 2);
    assert!(fake.running().is_empty());
}

#[test]
fn launches_can_be_refused_and_ids_are_checked() {
    let fake = FakeContainerizer::with_executors(|launch| {
        if launch.container_id.value == "bad" {
            Err("no executor for you".to_string())
        } else {
            Ok(Box::new(|| {}) as Box<dyn FakeExecutor>)
        }
    });
    let failure = fake.launch(&id("bad"), config("e")).block().unwrap_err();
    assert!(
        failure.to_string().contains("no executor for you"),
        "{failure}"
    );
    assert!(fake.running().is_empty());
    assert!(fake.launches().is_empty());

    assert_eq!(
        now(fake.launch(&id("a"), config("e"))),
        LaunchResult::Success
    );
    assert_eq!(
        now(fake.launch(&id("a"), config("e"))),
        LaunchResult::AlreadyLaunched
    );
    let orphan = ContainerId {
        value: "n".into(),
        parent: Some(Box::new(id("nobody"))),
    };
    let failure = fake.launch(&orphan, config("e")).block().unwrap_err();
    assert_eq!(
        failure,
        libprocess::Failure::Failed("Parent container nobody does not exist".into())
    );

    fake.fail_launches(Some("disk full".into()));
    assert!(fake.launch(&id("b"), config("e")).block().is_err());
    fake.fail_launches(None);
    assert_eq!(
        now(fake.launch(&id("b"), config("e"))),
        LaunchResult::Success
    );
    assert_eq!(now(fake.containers()), vec![id("a"), id("b")]);
}

#[test]
fn a_plain_fake_keeps_books_without_executors() {
    let fake = FakeContainerizer::new();
    now(fake.recover());
    assert_eq!(
        now(fake.launch(&id("c"), config("e"))),
        LaunchResult::Success
    );
    let resources =
        resources::Resources::parse("cpus:2;mem:128", &resources::Role::star()).expect("resources");
    now(fake.update(&id("c"), resources.clone()));
    let usage = now(fake.usage(&id("c")));
    assert_eq!(usage.cpus_limit, Some(2.0));
    assert_eq!(usage.mem_limit_bytes, Some(128 * 1024 * 1024));
    assert_eq!(now(fake.status(&id("c"))).container_id, Some(id("c")));
    assert!(fake.usage(&id("x")).block().is_err());
    assert!(fake.status(&id("x")).block().is_err());
    assert!(fake.update(&id("x"), resources.clone()).block().is_err());
    assert_eq!(
        fake.launches()[0].1.resources,
        resources::Resources::default()
    );
    assert!(fake.calls().contains(&FakeCall::Update(id("c"), resources)));
    assert!(now(fake.destroy(&id("c"))));
}
