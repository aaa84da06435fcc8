//! `mesos-local`'s flags: Mesos's local-cluster flags (`--ip`, `--port`, `--num_agents`,
//! `--work_dir`) plus the master's and agents' flags that make sense for a local cluster,
//! handed on to `MasterFlags` and `AgentFlags` so they are checked exactly as the separate
//! binaries check them.

use std::{net::IpAddr, path::PathBuf};

use agent::flags::AgentFlags;
use clap::{ArgAction, Parser};
use common::flags::MesosDuration;
use master::flags::MasterFlags;

/// The flags of `mesos-local` (also read from `MESOS_<FLAG>` environment variables).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "mesos-local",
    about = "Launches a master and --num_agents agents in one process, each on its own \
             libprocess port, until interrupted (SIGINT/SIGTERM stops every task it started).",
    disable_version_flag = true
)]
pub struct LocalFlags {
    /// IP address every component listens on.
    #[arg(long = "ip", default_value = "127.0.0.1")]
    pub ip: IpAddr,
    /// Port the master listens on (agents take free ports).
    #[arg(long = "port", default_value_t = 5050)]
    pub port: u16,
    /// How many agents to run.
    #[arg(long = "num_agents", alias = "num_slaves", default_value_t = 1)]
    pub num_agents: usize,
    /// Where the master's registry (`master/`) and the agents' sandboxes
    /// (`agents/<n>/work/`) live; default: a fresh directory under the system's temporary
    /// directory (printed at start).
    #[arg(long = "work_dir")]
    pub work_dir: Option<PathBuf>,
    /// The master's registry: `replicated_log` (durable, in `--work_dir`) or `in_memory`.
    #[arg(long = "registry", default_value = "replicated_log")]
    pub registry: String,
    /// Each agent's resources (Mesos's text or JSON form, or `file://`); default: detected
    /// from the machine (so every agent offers the whole machine, as in Mesos).
    #[arg(long = "resources")]
    pub resources: Option<String>,
    /// Each agent's attributes (`rack:a;zone:1`).
    #[arg(long = "attributes")]
    pub attributes: Option<String>,
    /// The hostname the master and agents report.
    #[arg(long = "hostname")]
    pub hostname: Option<String>,
    /// The cluster's name.
    #[arg(long = "cluster")]
    pub cluster: Option<String>,
    /// Roles frameworks may use (deprecated in Mesos).
    #[arg(long = "roles")]
    pub roles: Option<String>,
    /// Role weights (`role1=2,role2=1`).
    #[arg(long = "weights")]
    pub weights: Option<String>,
    /// How often the allocator makes offers.
    #[arg(long = "allocation_interval", default_value = "1secs")]
    pub allocation_interval: MesosDuration,
    /// Rescind offers neither used nor declined within this long.
    #[arg(long = "offer_timeout")]
    pub offer_timeout: Option<MesosDuration>,
    /// How often the master pings agents.
    #[arg(long = "agent_ping_timeout", default_value = "15secs")]
    pub agent_ping_timeout: MesosDuration,
    /// Missed pings after which an agent is unreachable.
    #[arg(long = "max_agent_ping_timeouts", default_value_t = 5)]
    pub max_agent_ping_timeouts: u32,
    /// Where `mesos-executor` lives; default: next to this program.
    #[arg(long = "launcher_dir")]
    pub launcher_dir: Option<PathBuf>,
    /// Run tasks as their framework's user (needs root); `--no-switch_user` runs them as
    /// this process's user.
    #[arg(long = "switch_user", num_args = 0..=1, default_missing_value = "true",
          default_value = "true", action = ArgAction::Set)]
    pub switch_user: bool,
    /// How long an executor has to subscribe.
    #[arg(long = "executor_registration_timeout", default_value = "1mins")]
    pub executor_registration_timeout: MesosDuration,
    /// How long an executor asked to shut down has before it is destroyed.
    #[arg(long = "executor_shutdown_grace_period", default_value = "5secs")]
    pub executor_shutdown_grace_period: MesosDuration,
    /// Isolation mechanisms (`posix/cpu,posix/mem`).
    #[arg(long = "isolation", default_value = "posix/cpu,posix/mem")]
    pub isolation: String,
    /// Log only errors.
    #[arg(long = "quiet", num_args = 0..=1, default_missing_value = "true",
          default_value = "false", action = ArgAction::Set)]
    pub quiet: bool,
    /// INFO, WARNING or ERROR.
    #[arg(long = "logging_level", default_value = "INFO")]
    pub logging_level: String,
    /// Print the version and exit.
    #[arg(long = "version", num_args = 0..=1, default_missing_value = "true",
          default_value = "false", action = ArgAction::Set)]
    pub version: bool,
}

/// Renders `--name=value` for each set value.
fn arguments(program: &str, values: &[(&str, Option<String>)]) -> Vec<String> {
    std::iter::once(program.to_owned())
        .chain(
            values.iter().filter_map(|(name, value)| {
                value.as_ref().map(|value| format!("--{name}={value}"))
            }),
        )
        .collect()
}

fn duration(value: MesosDuration) -> Option<String> {
    Some(common::flags::format_duration(value.0))
}

impl LocalFlags {
    /// The master's flags (checked as `mesos-master` checks them), working in `work_dir`.
    pub fn master_flags(&self, work_dir: &std::path::Path) -> Result<MasterFlags, String> {
        let args = arguments(
            "mesos-master",
            &[
                ("ip", Some(self.ip.to_string())),
                ("port", Some(self.port.to_string())),
                ("work_dir", Some(work_dir.display().to_string())),
                ("registry", Some(self.registry.clone())),
                ("hostname", self.hostname.clone()),
                ("cluster", self.cluster.clone()),
                ("roles", self.roles.clone()),
                ("weights", self.weights.clone()),
                ("allocation_interval", duration(self.allocation_interval)),
                ("offer_timeout", self.offer_timeout.and_then(duration)),
                ("agent_ping_timeout", duration(self.agent_ping_timeout)),
                (
                    "max_agent_ping_timeouts",
                    Some(self.max_agent_ping_timeouts.to_string()),
                ),
                ("quiet", Some(self.quiet.to_string())),
                ("logging_level", Some(self.logging_level.clone())),
            ],
        );
        common::flags::try_parse_from::<MasterFlags>(args, no_environment(), "MESOS_")
            .map_err(|error| error.to_string())
    }

    /// An agent's flags (checked as `mesos-agent` checks them): following `master`,
    /// working in `work_dir`, on a free port.
    pub fn agent_flags(
        &self,
        master: &str,
        work_dir: &std::path::Path,
    ) -> Result<AgentFlags, String> {
        let args = arguments(
            "mesos-agent",
            &[
                ("master", Some(master.to_owned())),
                ("ip", Some(self.ip.to_string())),
                ("port", Some("0".to_owned())),
                ("work_dir", Some(work_dir.display().to_string())),
                ("resources", self.resources.clone()),
                ("attributes", self.attributes.clone()),
                ("hostname", self.hostname.clone()),
                (
                    "launcher_dir",
                    self.launcher_dir
                        .as_ref()
                        .map(|dir| dir.display().to_string()),
                ),
                ("switch_user", Some(self.switch_user.to_string())),
                (
                    "executor_registration_timeout",
                    duration(self.executor_registration_timeout),
                ),
                (
                    "executor_shutdown_grace_period",
                    duration(self.executor_shutdown_grace_period),
                ),
                ("isolation", Some(self.isolation.clone())),
                ("quiet", Some(self.quiet.to_string())),
                ("logging_level", Some(self.logging_level.clone())),
            ],
        );
        common::flags::try_parse_from::<AgentFlags>(args, no_environment(), "MESOS_")
            .map_err(|error| error.to_string())
    }
}

/// The component flags come only from `mesos-local`'s own (already read from `MESOS_*`).
fn no_environment() -> Vec<(String, String)> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], vars: &[(&str, &str)]) -> Result<LocalFlags, clap::Error> {
        let args = std::iter::once("mesos-local").chain(args.iter().copied());
        common::flags::try_parse_from::<LocalFlags>(args, vars.iter().copied(), "MESOS_")
    }

    #[test]
    fn defaults_are_mesos_local_defaults() {
        let flags = parse(&[], &[]).unwrap();
        assert_eq!(flags.ip.to_string(), "127.0.0.1");
        assert_eq!(flags.port, 5050);
        assert_eq!(flags.num_agents, 1);
        assert!(flags.work_dir.is_none());
        assert!(flags.switch_user);
        assert_eq!(flags.registry, "replicated_log");
    }

    #[test]
    fn flags_come_from_the_environment_and_num_slaves_is_an_alias() {
        let flags = parse(
            &["--num_slaves=3", "--no-switch_user"],
            &[
                ("MESOS_PORT", "5151"),
                ("MESOS_ALLOCATION_INTERVAL", "100ms"),
            ],
        )
        .unwrap();
        assert_eq!(flags.num_agents, 3);
        assert_eq!(flags.port, 5151);
        assert!(!flags.switch_user);
        assert_eq!(
            flags.allocation_interval.0,
            std::time::Duration::from_millis(100)
        );
    }

    #[test]
    fn component_flags_are_checked_as_the_binaries_check_them() {
        let flags = parse(
            &["--resources=cpus:2;mem:512", "--offer_timeout=30secs"],
            &[],
        )
        .unwrap();
        let work_dir = std::path::Path::new("/tmp/somewhere");
        let master = flags.master_flags(work_dir).unwrap();
        assert_eq!(master.port, 5050);
        assert_eq!(
            master.offer_timeout.map(|timeout| timeout.0.as_secs()),
            Some(30)
        );
        let agent = flags.agent_flags("127.0.0.1:5050", work_dir).unwrap();
        assert_eq!(agent.port, 0);
        assert_eq!(agent.resources.as_deref(), Some("cpus:2;mem:512"));

        let bad = parse(&["--registry=zookeeper"], &[]).unwrap();
        let error = bad.master_flags(work_dir).unwrap_err();
        assert!(error.contains("--registry"), "{error}");
    }

    #[test]
    fn a_bad_value_names_the_flag() {
        let error = parse(&["--allocation_interval=soon"], &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--allocation_interval"), "{error}");
    }
}
