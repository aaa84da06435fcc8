//! `MasterConfig`: everything the master process needs to know, as plain values (the binary
//! builds it from flags; tests build it directly).

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

use allocator::AllocatorOptions;

use crate::constants;

/// The master's configuration.
#[derive(Clone, Debug)]
pub struct MasterConfig {
    /// The hostname the master advertises (`--hostname`); the IP when unset.
    pub hostname: Option<String>,
    /// The cluster name (`--cluster`), shown in `/state`.
    pub cluster: Option<String>,
    /// The roles frameworks may use (`--roles`, deprecated); any role when unset.
    pub roles: Option<BTreeSet<String>>,
    /// Role weights from `--weights`, used when the registry holds none.
    pub weights: BTreeMap<String, f64>,
    /// The allocator's options (interval, sorters, minimum allocatable resources, ...).
    pub allocator: AllocatorOptions,
    /// `--offer_timeout`: rescind offers that are neither accepted nor declined by then.
    pub offer_timeout: Option<Duration>,
    /// `--agent_ping_timeout`.
    pub agent_ping_timeout: Duration,
    /// `--max_agent_ping_timeouts`.
    pub max_agent_ping_timeouts: u32,
    /// `--agent_reregister_timeout`.
    pub agent_reregister_timeout: Duration,
    /// `--max_completed_frameworks`.
    pub max_completed_frameworks: usize,
    /// `--max_completed_tasks_per_framework`.
    pub max_completed_tasks_per_framework: usize,
    /// `--max_unreachable_tasks_per_framework`.
    pub max_unreachable_tasks_per_framework: usize,
    /// `--registry_gc_interval`.
    pub registry_gc_interval: Duration,
    /// `--registry_max_agent_age`.
    pub registry_max_agent_age: Duration,
    /// `--registry_max_agent_count`.
    pub registry_max_agent_count: usize,
    /// The scheduler API heartbeat interval (15 s, as Mesos).
    pub heartbeat_interval: Duration,
    /// Every flag as `/master/flags` shows it (name -> value).
    pub flags: BTreeMap<String, String>,
}

impl MasterConfig {
    /// `agent_ping_timeout * max_agent_ping_timeouts`: how long an agent may go unheard.
    pub fn total_ping_timeout(&self) -> Duration {
        self.agent_ping_timeout * self.max_agent_ping_timeouts
    }
}

impl Default for MasterConfig {
    fn default() -> MasterConfig {
        MasterConfig {
            hostname: None,
            cluster: None,
            roles: None,
            weights: BTreeMap::new(),
            allocator: AllocatorOptions::default(),
            offer_timeout: None,
            agent_ping_timeout: constants::DEFAULT_AGENT_PING_TIMEOUT,
            max_agent_ping_timeouts: constants::DEFAULT_MAX_AGENT_PING_TIMEOUTS,
            agent_reregister_timeout: constants::MIN_AGENT_REREGISTER_TIMEOUT,
            max_completed_frameworks: constants::DEFAULT_MAX_COMPLETED_FRAMEWORKS,
            max_completed_tasks_per_framework: constants::DEFAULT_MAX_COMPLETED_TASKS_PER_FRAMEWORK,
            max_unreachable_tasks_per_framework:
                constants::DEFAULT_MAX_UNREACHABLE_TASKS_PER_FRAMEWORK,
            registry_gc_interval: constants::DEFAULT_REGISTRY_GC_INTERVAL,
            registry_max_agent_age: constants::DEFAULT_REGISTRY_MAX_AGENT_AGE,
            registry_max_agent_count: constants::DEFAULT_REGISTRY_MAX_AGENT_COUNT,
            heartbeat_interval: constants::DEFAULT_HEARTBEAT_INTERVAL,
            flags: BTreeMap::new(),
        }
    }
}
