//! Mesos's master defaults and limits (src/master/constants.hpp), in one place.

use std::time::Duration;

/// The scheduler API heartbeat interval (`DEFAULT_HEARTBEAT_INTERVAL`).
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);

/// `--agent_ping_timeout` default.
pub const DEFAULT_AGENT_PING_TIMEOUT: Duration = Duration::from_secs(15);

/// `--max_agent_ping_timeouts` default.
pub const DEFAULT_MAX_AGENT_PING_TIMEOUTS: u32 = 5;

/// `--agent_reregister_timeout` default, which is also its minimum.
pub const MIN_AGENT_REREGISTER_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// `--max_completed_frameworks` default.
pub const DEFAULT_MAX_COMPLETED_FRAMEWORKS: usize = 50;

/// `--max_completed_tasks_per_framework` default.
pub const DEFAULT_MAX_COMPLETED_TASKS_PER_FRAMEWORK: usize = 1000;

/// `--max_unreachable_tasks_per_framework` default.
pub const DEFAULT_MAX_UNREACHABLE_TASKS_PER_FRAMEWORK: usize = 1000;

/// `--registry_gc_interval` default.
pub const DEFAULT_REGISTRY_GC_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// `--registry_max_agent_age` default (two weeks).
pub const DEFAULT_REGISTRY_MAX_AGENT_AGE: Duration = Duration::from_secs(14 * 24 * 3600);

/// `--registry_max_agent_count` default.
pub const DEFAULT_REGISTRY_MAX_AGENT_COUNT: usize = 100 * 1024;

/// How many removed agent ids the master remembers (to drop their late messages).
pub const MAX_REMOVED_AGENTS: usize = 100_000;

/// `/master/tasks` default `limit`.
pub const TASK_LIMIT: usize = 100;

/// Executors must ask for at least this many cpus (task groups) — Mesos's `MIN_CPUS`.
pub const MIN_CPUS: f64 = 0.01;

/// Executors must ask for at least this much memory in MB (task groups) — `MIN_MEM`.
pub const MIN_MEM_MB: f64 = 32.0;

/// The oldest agent version the master accepts (`MINIMUM_AGENT_VERSION`).
pub const MINIMUM_AGENT_VERSION: (u64, u64, u64) = (1, 0, 0);

/// The default role weight.
pub const DEFAULT_WEIGHT: f64 = 1.0;
