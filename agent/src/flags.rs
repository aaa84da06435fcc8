//! The `mesos-agent` flags, with Mesos's names and defaults (src/slave/flags.cpp, mesos.md
//! 10.2), parsed in Mesos's syntax by `common::flags` (also from `MESOS_<FLAG>` environment
//! variables), and turned into [`AgentOptions`] with errors that name the flag.

use std::{collections::BTreeMap, net::IpAddr, path::PathBuf};

use clap::{ArgAction, Parser};
use common::flags::{MesosDuration, read_file_value};
use resources::{Attributes, Role};

use crate::{
    detect::{Machine, agent_resources},
    options::{AgentOptions, attributes_to_proto},
};

/// The agent's command-line flags.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "mesos-agent",
    about = "The Mesos agent: offers this machine's resources to a master and runs the tasks \
             it is given.",
    disable_version_flag = true
)]
pub struct AgentFlags {
    /// The master: `host:port`, `master@host:port`, or `file:///path` holding one of those.
    #[arg(long = "master")]
    pub master: Option<String>,
    /// Where the agent keeps sandboxes and checkpoints (required).
    #[arg(long = "work_dir")]
    pub work_dir: Option<PathBuf>,
    /// IP address to listen on (default: 127.0.0.1).
    #[arg(long = "ip")]
    pub ip: Option<IpAddr>,
    /// Port to listen on.
    #[arg(long = "port", default_value_t = 5051)]
    pub port: u16,
    /// IP address advertised to reach this agent.
    #[arg(long = "advertise_ip")]
    pub advertise_ip: Option<IpAddr>,
    /// Port advertised to reach this agent.
    #[arg(long = "advertise_port")]
    pub advertise_port: Option<u16>,
    /// The hostname the agent reports (default: the machine's host name).
    #[arg(long = "hostname")]
    pub hostname: Option<String>,
    /// Without --hostname: use the machine's host name (true) or the IP address (false).
    #[arg(long = "hostname_lookup", num_args = 0..=1, default_missing_value = "true",
          action = ArgAction::Set, default_value_t = true)]
    pub hostname_lookup: bool,
    /// Total resources, `cpus:4;mem:1024;...` or a JSON array (or `file://`); what is left
    /// out is detected from the machine.
    #[arg(long = "resources")]
    pub resources: Option<String>,
    /// Attributes, `rack:abc;zone:west` (or `file://`).
    #[arg(long = "attributes")]
    pub attributes: Option<String>,
    /// The role of resources given or detected without one.
    #[arg(long = "default_role", default_value = "*")]
    pub default_role: String,
    /// Containerizers, in order (only `mesos`).
    #[arg(long = "containerizers", default_value = "mesos")]
    pub containerizers: String,
    /// Isolators (only `posix/cpu`, `posix/mem`, `filesystem/posix`, or `process`).
    #[arg(long = "isolation", default_value = "posix/cpu,posix/mem")]
    pub isolation: String,
    /// How executors are started (only `posix`: a new session per executor).
    #[arg(long = "launcher", default_value = "posix")]
    pub launcher: String,
    /// Where `mesos-executor` lives (default: the directory of this program).
    #[arg(long = "launcher_dir")]
    pub launcher_dir: Option<PathBuf>,
    /// The first registration attempt waits up to this long; retries double it up to 1 min.
    #[arg(long = "registration_backoff_factor", default_value = "1secs")]
    pub registration_backoff_factor: MesosDuration,
    /// How long a launched executor has to subscribe before it is destroyed.
    #[arg(long = "executor_registration_timeout", default_value = "1mins")]
    pub executor_registration_timeout: MesosDuration,
    /// How long an executor reconnecting after an agent restart has (recovery: roadmap).
    #[arg(long = "executor_reregistration_timeout", default_value = "2secs")]
    pub executor_reregistration_timeout: MesosDuration,
    /// How long an executor asked to shut down has before it is destroyed.
    #[arg(long = "executor_shutdown_grace_period", default_value = "5secs")]
    pub executor_shutdown_grace_period: MesosDuration,
    /// Interval of HEARTBEAT events on executor event streams.
    #[arg(long = "http_heartbeat_interval", default_value = "30secs")]
    pub http_heartbeat_interval: MesosDuration,
    /// Tell command executors to speak the v1 HTTP API (`MESOS_HTTP_COMMAND_EXECUTOR`); our
    /// `mesos-executor` speaks only that, so the default is true.
    #[arg(long = "http_command_executor", num_args = 0..=1, default_missing_value = "true",
          action = ArgAction::Set, default_value_t = true)]
    pub http_command_executor: bool,
    /// Run executors as the framework's (or command's) user.
    #[arg(long = "switch_user", num_args = 0..=1, default_missing_value = "true",
          action = ArgAction::Set, default_value_t = true)]
    pub switch_user: bool,
    /// Extra executor environment, a JSON object of strings (or `file://`).
    #[arg(long = "executor_environment_variables")]
    pub executor_environment_variables: Option<String>,
    /// How long executors wait for a restarted agent (passed to checkpointing executors).
    #[arg(long = "recovery_timeout", default_value = "15mins")]
    pub recovery_timeout: MesosDuration,
    /// Completed executors kept per framework.
    #[arg(long = "max_completed_executors_per_framework", default_value_t = 150)]
    pub max_completed_executors_per_framework: usize,
    /// How long sandboxes of finished executors and frameworks are kept.
    #[arg(long = "gc_delay", default_value = "1weeks")]
    pub gc_delay: MesosDuration,
    /// Disk headroom for garbage collection: sandboxes may get
    /// `gc_delay * max(0, 1 - gc_disk_headroom - disk usage)` old (0.0 to 1.0).
    #[arg(long = "gc_disk_headroom", default_value_t = 0.1)]
    pub gc_disk_headroom: f64,
    /// How often the disk usage is checked for garbage collection.
    #[arg(long = "disk_watch_interval", default_value = "1mins")]
    pub disk_watch_interval: MesosDuration,
    /// Make recovery errors fatal (recovery: roadmap).
    #[arg(long = "strict", num_args = 0..=1, default_missing_value = "true",
          action = ArgAction::Set, default_value_t = true)]
    pub strict: bool,
    /// `reconnect` to executors after a restart or `cleanup` (recovery: roadmap).
    #[arg(long = "recover", default_value = "reconnect")]
    pub recover: String,
    /// Where containers' sandboxes are mounted inside images (images: roadmap).
    #[arg(long = "sandbox_directory", default_value = "/mnt/mesos/sandbox")]
    pub sandbox_directory: String,
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

/// The isolators this build provides (`process` is Mesos's alias for the posix pair).
const SUPPORTED_ISOLATORS: &[&str] = &["posix/cpu", "posix/mem", "filesystem/posix", "process"];

impl AgentFlags {
    /// The master flag, checked present.
    pub fn master(&self) -> Result<&str, FlagError> {
        self.master
            .as_deref()
            .filter(|master| !master.trim().is_empty())
            .ok_or_else(|| {
                flag_error(
                    "master",
                    "--master is required: give 'host:port', 'master@host:port' or \
                     'file:///path'",
                )
            })
    }

    /// The work directory flag, checked present.
    pub fn work_dir(&self) -> Result<&PathBuf, FlagError> {
        self.work_dir.as_ref().ok_or_else(|| {
            flag_error(
                "work_dir",
                "--work_dir is required: the directory for sandboxes and checkpoints",
            )
        })
    }

    /// Checks the flags together and builds the agent's options. `probe` reads the machine
    /// (given the work directory, which must exist) for the resources `--resources` leaves
    /// out; `program_dir` is the default `--launcher_dir`.
    pub fn to_options(
        &self,
        probe: impl FnOnce(&std::path::Path) -> Machine,
        program_dir: Option<PathBuf>,
    ) -> Result<AgentOptions, FlagError> {
        self.master()?;
        let work_dir = self.work_dir()?.clone();
        if self.containerizers != "mesos" {
            return Err(flag_error(
                "containerizers",
                format!(
                    "'{}' is not supported: the only containerizer is 'mesos'",
                    self.containerizers
                ),
            ));
        }
        for isolator in self.isolation.split(',').map(str::trim) {
            if !SUPPORTED_ISOLATORS.contains(&isolator) {
                return Err(flag_error(
                    "isolation",
                    format!(
                        "isolator '{isolator}' is not supported yet; supported: {}",
                        SUPPORTED_ISOLATORS.join(", ")
                    ),
                ));
            }
        }
        if self.launcher != "posix" {
            return Err(flag_error(
                "launcher",
                format!(
                    "'{}' is not supported yet: the only launcher is 'posix'",
                    self.launcher
                ),
            ));
        }
        if !matches!(self.recover.as_str(), "reconnect" | "cleanup") {
            return Err(flag_error(
                "recover",
                format!("'{}' is not 'reconnect' or 'cleanup'", self.recover),
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
        for (flag, duration) in [
            (
                "executor_registration_timeout",
                self.executor_registration_timeout,
            ),
            ("http_heartbeat_interval", self.http_heartbeat_interval),
            ("disk_watch_interval", self.disk_watch_interval),
        ] {
            if duration.0.is_zero() {
                return Err(flag_error(flag, "expected a positive duration"));
            }
        }
        if !(0.0..=1.0).contains(&self.gc_disk_headroom) {
            return Err(flag_error(
                "gc_disk_headroom",
                format!("'{}' must be between 0.0 and 1.0", self.gc_disk_headroom),
            ));
        }
        let default_role = Role::new(&self.default_role)
            .map_err(|error| flag_error("default_role", error.to_string()))?;
        let resources_text = self
            .resources
            .as_deref()
            .map(read_file_value)
            .transpose()
            .map_err(|error| flag_error("resources", error))?;
        let machine = probe(&work_dir);
        let resources = agent_resources(resources_text.as_deref(), &default_role, &machine)
            .map_err(|error| flag_error("resources", error.to_string()))?;
        let attributes = match &self.attributes {
            Some(text) => {
                let text =
                    read_file_value(text).map_err(|error| flag_error("attributes", error))?;
                Attributes::parse(&text)
                    .map_err(|error| flag_error("attributes", error.to_string()))?
            }
            None => Attributes::default(),
        };
        let executor_environment_variables = match &self.executor_environment_variables {
            Some(text) => parse_environment(text)?,
            None => BTreeMap::new(),
        };
        let launcher_dir = self.launcher_dir.clone().or(program_dir).ok_or_else(|| {
            flag_error(
                "launcher_dir",
                "cannot tell where this program lives; give --launcher_dir",
            )
        })?;
        let hostname = match &self.hostname {
            Some(hostname) => hostname.clone(),
            None if self.hostname_lookup => machine_hostname()
                .unwrap_or_else(|| self.ip.map_or("localhost".to_owned(), |ip| ip.to_string())),
            None => self
                .ip
                .map_or_else(|| "127.0.0.1".to_owned(), |ip| ip.to_string()),
        };
        let mut options = AgentOptions::new(work_dir, resources);
        options.hostname = hostname;
        options.attributes = attributes_to_proto(&attributes);
        options.launcher_dir = launcher_dir;
        options.registration_backoff_factor = self.registration_backoff_factor.0;
        options.executor_registration_timeout = self.executor_registration_timeout.0;
        options.executor_reregistration_timeout = self.executor_reregistration_timeout.0;
        options.executor_shutdown_grace_period = self.executor_shutdown_grace_period.0;
        options.http_heartbeat_interval = self.http_heartbeat_interval.0;
        options.http_command_executor = self.http_command_executor;
        options.switch_user = self.switch_user;
        options.executor_environment_variables = executor_environment_variables;
        options.recovery_timeout = self.recovery_timeout.0;
        options.max_completed_executors_per_framework = self.max_completed_executors_per_framework;
        options.gc_delay = self.gc_delay.0;
        options.gc_disk_headroom = self.gc_disk_headroom;
        options.disk_watch_interval = self.disk_watch_interval.0;
        options.flags = self.to_map();
        Ok(options)
    }

    /// Every flag with a value, as `/flags` shows them.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                map.insert(name.to_owned(), value);
            }
        };
        let path = |path: &Option<PathBuf>| path.as_ref().map(|p| p.display().to_string());
        put("master", self.master.clone());
        put("work_dir", path(&self.work_dir));
        put("ip", self.ip.map(|ip| ip.to_string()));
        put("port", Some(self.port.to_string()));
        put("advertise_ip", self.advertise_ip.map(|ip| ip.to_string()));
        put("advertise_port", self.advertise_port.map(|p| p.to_string()));
        put("hostname", self.hostname.clone());
        put("hostname_lookup", Some(self.hostname_lookup.to_string()));
        put("resources", self.resources.clone());
        put("attributes", self.attributes.clone());
        put("default_role", Some(self.default_role.clone()));
        put("containerizers", Some(self.containerizers.clone()));
        put("isolation", Some(self.isolation.clone()));
        put("launcher", Some(self.launcher.clone()));
        put("launcher_dir", path(&self.launcher_dir));
        for (name, value) in [
            (
                "registration_backoff_factor",
                self.registration_backoff_factor,
            ),
            (
                "executor_registration_timeout",
                self.executor_registration_timeout,
            ),
            (
                "executor_reregistration_timeout",
                self.executor_reregistration_timeout,
            ),
            (
                "executor_shutdown_grace_period",
                self.executor_shutdown_grace_period,
            ),
            ("http_heartbeat_interval", self.http_heartbeat_interval),
            ("recovery_timeout", self.recovery_timeout),
            ("gc_delay", self.gc_delay),
            ("disk_watch_interval", self.disk_watch_interval),
        ] {
            put(name, Some(value.to_string()));
        }
        put(
            "http_command_executor",
            Some(self.http_command_executor.to_string()),
        );
        put("switch_user", Some(self.switch_user.to_string()));
        put(
            "executor_environment_variables",
            self.executor_environment_variables.clone(),
        );
        put(
            "max_completed_executors_per_framework",
            Some(self.max_completed_executors_per_framework.to_string()),
        );
        put("gc_disk_headroom", Some(self.gc_disk_headroom.to_string()));
        put("strict", Some(self.strict.to_string()));
        put("recover", Some(self.recover.clone()));
        put("sandbox_directory", Some(self.sandbox_directory.clone()));
        put("quiet", Some(self.quiet.to_string()));
        put("logging_level", Some(self.logging_level.clone()));
        map
    }
}

/// `--executor_environment_variables`: a JSON object whose values are all strings.
pub(crate) fn parse_environment(text: &str) -> Result<BTreeMap<String, String>, FlagError> {
    let flag = "executor_environment_variables";
    let text = read_file_value(text).map_err(|error| flag_error(flag, error))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| flag_error(flag, format!("not JSON: {error}")))?;
    let serde_json::Value::Object(object) = value else {
        return Err(flag_error(flag, "expected a JSON object"));
    };
    object
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(value) => Ok((name, value)),
            other => Err(flag_error(
                flag,
                format!("the value of '{name}' is {other}, not a string"),
            )),
        })
        .collect()
}

/// The machine's host name (the kernel's node name).
fn machine_hostname() -> Option<String> {
    let name = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
#[path = "flags_tests.rs"]
mod tests;
