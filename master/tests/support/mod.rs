//! Shared test support: a paused-clock runtime with a master, a fake allocator, fake agents and
//! an in-process scheduler client.
#![allow(dead_code)]

pub mod agent;
pub mod allocator;
pub mod scheduler;
pub mod v0_scheduler;

use std::{
    sync::{Arc, Mutex, mpsc},
    time::Duration,
};

use libprocess::{Pid, Runtime, Upid, http::Request};
use master::{
    config::MasterConfig,
    master::Master,
    registrar::{InMemoryStore, RegistryStore},
};
use proto::internal::SlaveRegisteredMessage;
use serde_json::Value;

use agent::{AgentHandle, FirstMessage, register_message};

/// A master with a fake allocator on a paused-clock runtime.
pub struct Cluster {
    /// The runtime.
    pub runtime: Runtime,
    /// The master.
    pub master: Pid<Master>,
    /// The allocator calls so far, by name.
    pub allocator_log: Arc<Mutex<Vec<String>>>,
}

impl Cluster {
    /// Starts a master with `config` and an in-memory registry.
    pub fn start(config: MasterConfig) -> Cluster {
        Cluster::start_with_store(config, Box::new(InMemoryStore::new()))
    }

    /// Starts a master with `config` over `store`, and waits for it to recover.
    pub fn start_with_store(config: MasterConfig, store: Box<dyn RegistryStore>) -> Cluster {
        let runtime = Runtime::builder().build().unwrap();
        runtime.clock().pause();
        let (allocator, allocator_log) = allocator::FakeAllocator::spawn(&runtime);
        Cluster::start_on(runtime, config, store, allocator, allocator_log)
    }

    /// Starts a master with `config` and the real hierarchical DRF allocator actor (no call
    /// log).
    pub fn start_with_real_allocator(config: MasterConfig) -> Cluster {
        let runtime = Runtime::builder().build().unwrap();
        runtime.clock().pause();
        let real = ::allocator::create("hierarchical", config.allocator.clone()).unwrap();
        let handle = ::allocator::shell::process::AllocatorProcess::spawn(&runtime, real).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        Cluster::start_on(runtime, config, Box::new(InMemoryStore::new()), handle, log)
    }

    fn start_on(
        runtime: Runtime,
        config: MasterConfig,
        store: Box<dyn RegistryStore>,
        allocator: ::allocator::AllocatorHandle,
        allocator_log: Arc<Mutex<Vec<String>>>,
    ) -> Cluster {
        let master = master::spawn(&runtime, config, store, allocator).unwrap();
        runtime.set_delegate(Master::ID);
        runtime.clock().settle_blocking();
        Cluster {
            runtime,
            master,
            allocator_log,
        }
    }

    /// The master's pid.
    pub fn master_pid(&self) -> Upid {
        self.master.upid().clone()
    }

    /// Waits for the runtime to be quiet.
    pub fn settle(&self) {
        self.runtime.clock().settle_blocking();
    }

    /// Advances the paused clock and settles.
    pub fn advance(&self, duration: Duration) {
        self.runtime.clock().advance(duration);
        self.settle();
    }

    /// Advances the clock in steps of `step` for `total`, settling after each.
    pub fn advance_by_steps(&self, total: Duration, step: Duration) {
        let mut elapsed = Duration::ZERO;
        while elapsed < total {
            self.advance(step);
            elapsed += step;
        }
    }

    /// Reads the master's state with `f`.
    pub fn inspect<R: Send + 'static>(&self, f: impl FnOnce(&Master) -> R + Send + 'static) -> R {
        let (sender, receiver) = mpsc::channel();
        self.master.run(move |master, _ctx| {
            let _ = sender.send(f(master));
        });
        self.settle();
        receiver.recv_timeout(Duration::from_secs(30)).unwrap()
    }

    /// A fake agent that registers with `resources`; returns it and its assigned id.
    pub fn add_agent(&self, hostname: &str, resources: &str) -> (AgentHandle, String) {
        let agent = AgentHandle::spawn(
            &self.runtime,
            &self.master_pid(),
            FirstMessage::Register(Box::new(register_message(hostname, resources))),
        );
        self.settle();
        let registered = agent
            .inbox
            .last::<SlaveRegisteredMessage>()
            .expect("the agent was not registered");
        (agent, registered.slave_id.value)
    }

    /// GETs `path`; returns the status and the JSON body (Null when not JSON).
    pub fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.runtime.http(Request::get(path)).block().unwrap();
        let body = response.full_body().cloned().unwrap_or_default();
        (
            response.status,
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        )
    }

    /// The value of metric `key` in `/metrics/snapshot`.
    pub fn metric(&self, key: &str) -> f64 {
        self.settle();
        let (_, snapshot) = self.get_json("/metrics/snapshot");
        snapshot[key]
            .as_f64()
            .unwrap_or_else(|| panic!("no metric {key}"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}
