//! The `mesos-master` flags, with Mesos's names and defaults (src/master/flags.cpp), parsed in
//! Mesos's syntax by `common::flags` (also from `MESOS_<FLAG>` environment variables), and
//! turned into a [`MasterConfig`] with errors that name the flag.

use std::{
    collections::{BTreeMap, BTreeSet},
    net::IpAddr,
    path::PathBuf,
};

use allocator::{AllocatorOptions, SorterKind};
use clap::{ArgAction, Parser};
use common::flags::MesosDuration;

use crate::config::MasterConfig;

/// Where the registry lives (`--registry`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RegistryKind {
    /// Durable, in `--work_dir` (Mesos's default; replication comes with the HA work).
    #[value(name = "replicated_log")]
    ReplicatedLog,
    /// In memory: a restarted master forgets its agents.
    #[value(name = "in_memory")]
    InMemory,
}

impl RegistryKind {
    /// The flag value.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryKind::ReplicatedLog => "replicated_log",
            RegistryKind::InMemory => "in_memory",
        }
    }
}

/// The master's command-line flags.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "mesos-master",
    about = "The Mesos master: keeps the book of agents and frameworks, offers resources and \
             launches tasks.",
    disable_version_flag = true
)]
pub struct MasterFlags {
    /// IP address to listen on (default: `LIBPROCESS_IP`, else 127.0.0.1).
    #[arg(long = "ip")]
    pub ip: Option<IpAddr>,
    /// Port to listen on.
    #[arg(long = "port", default_value_t = 5050)]
    pub port: u16,
    /// IP address advertised to reach this master.
    #[arg(long = "advertise_ip")]
    pub advertise_ip: Option<IpAddr>,
    /// Port advertised to reach this master.
    #[arg(long = "advertise_port")]
    pub advertise_port: Option<u16>,
    /// The hostname the master advertises (default: the IP).
    #[arg(long = "hostname")]
    pub hostname: Option<String>,
    /// Directory for the registry (required with --registry=replicated_log).
    #[arg(long = "work_dir")]
    pub work_dir: Option<PathBuf>,
    /// Registry storage: `replicated_log` (durable, in --work_dir) or `in_memory`.
    #[arg(long = "registry", value_enum, default_value = "replicated_log")]
    pub registry: RegistryKind,
    /// Human-readable cluster name, shown in the state endpoints.
    #[arg(long = "cluster")]
    pub cluster: Option<String>,
    /// Comma-separated list of the roles frameworks may use (deprecated in Mesos).
    #[arg(long = "roles")]
    pub roles: Option<String>,
    /// Role weights, `role1=weight1,role2=weight2` (deprecated in Mesos).
    #[arg(long = "weights")]
    pub weights: Option<String>,
    /// The allocator (only `hierarchical`).
    #[arg(long = "allocator", default_value = "hierarchical")]
    pub allocator: String,
    /// Sorter of roles: `drf` or `random`.
    #[arg(long = "role_sorter", default_value = "drf")]
    pub role_sorter: SorterKind,
    /// Sorter of frameworks within a role: `drf` or `random`.
    #[arg(long = "framework_sorter", default_value = "drf")]
    pub framework_sorter: SorterKind,
    /// Time between batch allocations.
    #[arg(long = "allocation_interval", default_value = "1secs")]
    pub allocation_interval: MesosDuration,
    /// Minimum resources an offer must hold, alternatives separated by `|`.
    #[arg(long = "min_allocatable_resources", default_value = "cpus:0.01|mem:32")]
    pub min_allocatable_resources: String,
    /// Comma-separated resource names left out of fair sharing.
    #[arg(long = "fair_sharing_excluded_resource_names")]
    pub fair_sharing_excluded_resource_names: Option<String>,
    /// Offer agents with GPUs only to GPU_RESOURCES-capable frameworks.
    #[arg(long = "filter_gpu_resources", num_args = 0..=1, default_missing_value = "true",
          action = ArgAction::Set, default_value_t = true)]
    pub filter_gpu_resources: bool,
    /// Rescind offers that are neither accepted nor declined within this time.
    #[arg(long = "offer_timeout")]
    pub offer_timeout: Option<MesosDuration>,
    /// Time between pings of an agent.
    #[arg(long = "agent_ping_timeout", default_value = "15secs")]
    pub agent_ping_timeout: MesosDuration,
    /// Missed pings after which an agent is marked unreachable.
    #[arg(long = "max_agent_ping_timeouts", default_value_t = 5)]
    pub max_agent_ping_timeouts: u32,
    /// How long agents have to reregister after a master failover (at least 10mins).
    #[arg(long = "agent_reregister_timeout", default_value = "10mins")]
    pub agent_reregister_timeout: MesosDuration,
    /// Completed frameworks kept in memory.
    #[arg(long = "max_completed_frameworks", default_value_t = 50)]
    pub max_completed_frameworks: usize,
    /// Completed tasks kept per framework.
    #[arg(long = "max_completed_tasks_per_framework", default_value_t = 1000)]
    pub max_completed_tasks_per_framework: usize,
    /// Unreachable tasks kept per framework.
    #[arg(long = "max_unreachable_tasks_per_framework", default_value_t = 1000)]
    pub max_unreachable_tasks_per_framework: usize,
    /// How often unreachable and gone agents are pruned from the registry.
    #[arg(long = "registry_gc_interval", default_value = "15mins")]
    pub registry_gc_interval: MesosDuration,
    /// Unreachable and gone agents older than this are pruned from the registry.
    #[arg(long = "registry_max_agent_age", default_value = "2weeks")]
    pub registry_max_agent_age: MesosDuration,
    /// At most this many unreachable and gone agents stay in the registry.
    #[arg(long = "registry_max_agent_count", default_value_t = 102_400)]
    pub registry_max_agent_count: usize,
    /// Log only to files, not to stderr (we have no log files: logs nothing).
    #[arg(long = "quiet", num_args = 0..=1, default_missing_value = "true",
          action = ArgAction::Set, default_value_t = false)]
    pub quiet: bool,
    /// Log level: INFO, WARNING or ERROR.
    #[arg(long = "logging_level", default_value = "INFO")]
    pub logging_level: String,
    /// Print the version and exit.
    #[arg(long = "version", num_args = 0..=1, default_missing_value = "true",
          action = ArgAction::Set, default_value_t = false)]
    pub version: bool,
}

/// A flag value that parsed but makes no sense (the message names the flag).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Invalid value for flag '--{flag}': {message}")]
pub struct FlagError {
    /// The flag.
    pub flag: &'static str,
    /// What is wrong.
    pub message: String,
}

fn flag_error(flag: &'static str, message: impl Into<String>) -> FlagError {
    FlagError {
        flag,
        message: message.into(),
    }
}

impl MasterFlags {
    /// Checks the flags together and builds the master's configuration.
    pub fn to_config(&self) -> Result<MasterConfig, FlagError> {
        if self.registry == RegistryKind::ReplicatedLog && self.work_dir.is_none() {
            return Err(flag_error(
                "work_dir",
                "--work_dir is needed for the replicated_log registry (or pass \
                 --registry=in_memory)",
            ));
        }
        if self.allocator != "hierarchical" {
            return Err(flag_error(
                "allocator",
                format!(
                    "unknown allocator '{}': the built-in allocator is 'hierarchical'",
                    self.allocator
                ),
            ));
        }
        if self.agent_reregister_timeout.0 < crate::constants::MIN_AGENT_REREGISTER_TIMEOUT {
            return Err(flag_error(
                "agent_reregister_timeout",
                "expected --agent_reregister_timeout to be at least 10mins",
            ));
        }
        if self.max_agent_ping_timeouts == 0 {
            return Err(flag_error(
                "max_agent_ping_timeouts",
                "expected a positive number of ping timeouts",
            ));
        }
        if self.agent_ping_timeout.0.is_zero() {
            return Err(flag_error(
                "agent_ping_timeout",
                "expected a positive duration",
            ));
        }
        if self.allocation_interval.0.is_zero() {
            return Err(flag_error(
                "allocation_interval",
                "expected a positive duration",
            ));
        }
        if !matches!(self.logging_level.as_str(), "INFO" | "WARNING" | "ERROR") {
            return Err(flag_error(
                "logging_level",
                format!(
                    "'{}' is not one of INFO, WARNING, ERROR",
                    self.logging_level
                ),
            ));
        }
        let min_allocatable_resources =
            resources::parse_min_allocatable_resources(&self.min_allocatable_resources)
                .map_err(|error| flag_error("min_allocatable_resources", error.to_string()))?;
        let roles = match &self.roles {
            Some(text) => Some(parse_roles(text)?),
            None => None,
        };
        let weights = match &self.weights {
            Some(text) => parse_weights(text)?,
            None => BTreeMap::new(),
        };
        let allocator = AllocatorOptions {
            allocation_interval: self.allocation_interval.0,
            fairness_excluded_resource_names: split_list(
                self.fair_sharing_excluded_resource_names.as_deref(),
            ),
            filter_gpu_resources: self.filter_gpu_resources,
            min_allocatable_resources,
            max_completed_frameworks: self.max_completed_frameworks,
            role_sorter: self.role_sorter,
            framework_sorter: self.framework_sorter,
            ..AllocatorOptions::default()
        };
        Ok(MasterConfig {
            hostname: self.hostname.clone(),
            cluster: self.cluster.clone(),
            roles,
            weights,
            allocator,
            offer_timeout: self.offer_timeout.map(|timeout| timeout.0),
            agent_ping_timeout: self.agent_ping_timeout.0,
            max_agent_ping_timeouts: self.max_agent_ping_timeouts,
            agent_reregister_timeout: self.agent_reregister_timeout.0,
            max_completed_frameworks: self.max_completed_frameworks,
            max_completed_tasks_per_framework: self.max_completed_tasks_per_framework,
            max_unreachable_tasks_per_framework: self.max_unreachable_tasks_per_framework,
            registry_gc_interval: self.registry_gc_interval.0,
            registry_max_agent_age: self.registry_max_agent_age.0,
            registry_max_agent_count: self.registry_max_agent_count,
            heartbeat_interval: crate::constants::DEFAULT_HEARTBEAT_INTERVAL,
            flags: self.to_map(),
        })
    }

    /// Every flag with a value, as `/master/flags` shows them.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                map.insert(name.to_string(), value);
            }
        };
        put("ip", self.ip.map(|ip| ip.to_string()));
        put("port", Some(self.port.to_string()));
        put("advertise_ip", self.advertise_ip.map(|ip| ip.to_string()));
        put(
            "advertise_port",
            self.advertise_port.map(|port| port.to_string()),
        );
        put("hostname", self.hostname.clone());
        put(
            "work_dir",
            self.work_dir.as_ref().map(|dir| dir.display().to_string()),
        );
        put("registry", Some(self.registry.as_str().to_string()));
        put("cluster", self.cluster.clone());
        put("roles", self.roles.clone());
        put("weights", self.weights.clone());
        put("allocator", Some(self.allocator.clone()));
        put("role_sorter", Some(self.role_sorter.to_string()));
        put("framework_sorter", Some(self.framework_sorter.to_string()));
        put(
            "allocation_interval",
            Some(self.allocation_interval.to_string()),
        );
        put(
            "min_allocatable_resources",
            Some(self.min_allocatable_resources.clone()),
        );
        put(
            "fair_sharing_excluded_resource_names",
            self.fair_sharing_excluded_resource_names.clone(),
        );
        put(
            "filter_gpu_resources",
            Some(self.filter_gpu_resources.to_string()),
        );
        put(
            "offer_timeout",
            self.offer_timeout.map(|timeout| timeout.to_string()),
        );
        put(
            "agent_ping_timeout",
            Some(self.agent_ping_timeout.to_string()),
        );
        put(
            "max_agent_ping_timeouts",
            Some(self.max_agent_ping_timeouts.to_string()),
        );
        put(
            "agent_reregister_timeout",
            Some(self.agent_reregister_timeout.to_string()),
        );
        put(
            "max_completed_frameworks",
            Some(self.max_completed_frameworks.to_string()),
        );
        put(
            "max_completed_tasks_per_framework",
            Some(self.max_completed_tasks_per_framework.to_string()),
        );
        put(
            "max_unreachable_tasks_per_framework",
            Some(self.max_unreachable_tasks_per_framework.to_string()),
        );
        put(
            "registry_gc_interval",
            Some(self.registry_gc_interval.to_string()),
        );
        put(
            "registry_max_agent_age",
            Some(self.registry_max_agent_age.to_string()),
        );
        put(
            "registry_max_agent_count",
            Some(self.registry_max_agent_count.to_string()),
        );
        put("quiet", Some(self.quiet.to_string()));
        put("logging_level", Some(self.logging_level.clone()));
        map
    }
}

fn split_list(text: Option<&str>) -> BTreeSet<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_roles(text: &str) -> Result<BTreeSet<String>, FlagError> {
    let roles = split_list(Some(text));
    for role in &roles {
        resources::role::validate_role(role)
            .map_err(|error| flag_error("roles", format!("invalid role '{role}': {error}")))?;
    }
    Ok(roles)
}

fn parse_weights(text: &str) -> Result<BTreeMap<String, f64>, FlagError> {
    let mut weights = BTreeMap::new();
    for entry in text
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        let Some((role, weight)) = entry.split_once('=') else {
            return Err(flag_error(
                "weights",
                format!("'{entry}' is not of the form role=weight"),
            ));
        };
        resources::role::validate_role(role)
            .map_err(|error| flag_error("weights", format!("invalid role '{role}': {error}")))?;
        let weight: f64 = weight
            .parse()
            .map_err(|_| flag_error("weights", format!("'{weight}' is not a number")))?;
        if !(weight.is_finite() && weight > 0.0) {
            return Err(flag_error(
                "weights",
                format!("weight {weight} of role '{role}' must be positive"),
            ));
        }
        weights.insert(role.to_string(), weight);
    }
    Ok(weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], vars: &[(&str, &str)]) -> Result<MasterFlags, clap::Error> {
        let args = std::iter::once("mesos-master").chain(args.iter().copied());
        common::flags::try_parse_from(args, vars.iter().copied(), "MESOS_")
    }

    #[test]
    fn defaults_are_mesos_defaults() {
        let flags = parse(&["--work_dir=/tmp/m"], &[]).unwrap();
        assert_eq!(flags.port, 5050);
        assert_eq!(flags.registry, RegistryKind::ReplicatedLog);
        let config = flags.to_config().unwrap();
        assert_eq!(config.agent_ping_timeout.as_secs(), 15);
        assert_eq!(config.max_agent_ping_timeouts, 5);
        assert_eq!(config.total_ping_timeout().as_secs(), 75);
        assert_eq!(config.agent_reregister_timeout.as_secs(), 600);
        assert_eq!(config.offer_timeout, None);
        assert_eq!(config.allocator.allocation_interval.as_secs(), 1);
        assert_eq!(config.flags["agent_ping_timeout"], "15secs");
        assert_eq!(config.flags["registry"], "replicated_log");
    }

    #[test]
    fn environment_and_mesos_syntax() {
        let flags = parse(
            &[
                "--registry=in_memory",
                "--offer_timeout=30secs",
                "--no-filter_gpu_resources",
            ],
            &[("MESOS_WEIGHTS", "a=2,b=0.5"), ("MESOS_ROLES", "a,b")],
        )
        .unwrap();
        let config = flags.to_config().unwrap();
        assert_eq!(config.offer_timeout.map(|t| t.as_secs()), Some(30));
        assert_eq!(config.weights["a"], 2.0);
        assert_eq!(config.roles.unwrap().len(), 2);
        assert!(!config.allocator.filter_gpu_resources);
    }

    #[test]
    fn bad_values_name_the_flag() {
        let error = parse(&["--registry=zk"], &[]).unwrap_err().to_string();
        assert!(error.contains("--registry"), "{error}");
        let error = parse(&["--agent_ping_timeout=5"], &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--agent_ping_timeout"), "{error}");
        let cases: [(&[&str], &str); 5] = [
            (&[], "work_dir"),
            (
                &["--registry=in_memory", "--agent_reregister_timeout=1mins"],
                "agent_reregister_timeout",
            ),
            (&["--registry=in_memory", "--weights=a:1"], "weights"),
            (
                &["--registry=in_memory", "--min_allocatable_resources=cpus:x"],
                "min_allocatable_resources",
            ),
            (&["--registry=in_memory", "--allocator=other"], "allocator"),
        ];
        for (args, flag) in cases {
            let error = parse(args, &[]).unwrap().to_config().unwrap_err();
            assert_eq!(error.flag, flag, "{args:?}");
            assert!(error.to_string().contains(&format!("--{flag}")), "{error}");
        }
    }
}
