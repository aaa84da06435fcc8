//! What an executor needs to know to reach its agent, read from the environment the agent
//! gives it (mesos.md 3.3, clients.md 3), as Mesos's executor library reads it.

use std::{collections::BTreeMap, time::Duration};

use common::flags::parse_duration;
use libprocess::Upid;
use proto::codec::ContentType;

/// How long a checkpointing executor keeps trying to reach a lost agent before shutting
/// down, when the agent does not say (`MESOS_RECOVERY_TIMEOUT`; Mesos's
/// `--recovery_timeout` default).
pub const DEFAULT_RECOVERY_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// The longest pause between subscription attempts after a disconnection, when the agent
/// does not say (`MESOS_SUBSCRIPTION_BACKOFF_MAX`; Mesos's default).
pub const DEFAULT_SUBSCRIPTION_BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How long a shutting-down executor has before it is killed, when the agent does not say
/// (`MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`; Mesos's default).
pub const DEFAULT_SHUTDOWN_GRACE_PERIOD: Duration = Duration::from_secs(5);

/// Why the environment does not describe an executor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A variable the agent always sets is missing or empty.
    #[error("expecting '{0}' to be set in the environment (is this running under a Mesos agent?)")]
    Missing(&'static str),
    /// A variable has a value we cannot use.
    #[error("failed to parse '{variable}' value '{value}': {reason}")]
    Invalid {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Where an executor's agent serves the executor API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEndpoint {
    /// `host:port` of the agent.
    pub address: String,
    /// The path of the executor API: `/<agent process id>/api/v1/executor` when the agent's
    /// pid is known (as Mesos's library builds it), else `/api/v1/executor`.
    pub path: String,
}

/// Everything the executor library needs, normally from [`ExecutorSettings::from_env`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutorSettings {
    /// `MESOS_FRAMEWORK_ID`.
    pub framework_id: String,
    /// `MESOS_EXECUTOR_ID`.
    pub executor_id: String,
    /// From `MESOS_SLAVE_PID` (preferred) or `MESOS_AGENT_ENDPOINT`.
    pub agent: AgentEndpoint,
    /// The encoding of calls and events (Mesos's command executor speaks protobuf).
    pub content_type: ContentType,
    /// `MESOS_CHECKPOINT=1`: after losing the agent, resubscribe (for up to
    /// `recovery_timeout`) instead of shutting down.
    pub checkpoint: bool,
    /// `MESOS_RECOVERY_TIMEOUT`.
    pub recovery_timeout: Duration,
    /// `MESOS_SUBSCRIPTION_BACKOFF_MAX`.
    pub subscription_backoff_max: Duration,
    /// `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`.
    pub shutdown_grace_period: Duration,
    /// `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`, sent as `Authorization: Bearer <token>`.
    pub authentication_token: Option<String>,
    /// `MESOS_LOCAL`: the executor shares an OS process with its agent, so it must never
    /// kill its process group.
    pub local: bool,
    /// `MESOS_DIRECTORY`: the sandbox.
    pub directory: Option<String>,
}

impl ExecutorSettings {
    /// Reads the settings from environment variables (`std::env::vars()` in a real
    /// executor; a map in tests and in-process executors).
    ///
    /// # Errors
    /// [`SettingsError`] naming the variable that is missing or wrong.
    pub fn from_env<K, V>(
        variables: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, SettingsError>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let variables: BTreeMap<String, String> = variables
            .into_iter()
            .map(|(key, value)| (key.into(), value.into()))
            .collect();
        let get = |name: &str| variables.get(name).filter(|value| !value.is_empty());
        let required = |name: &'static str| get(name).cloned().ok_or(SettingsError::Missing(name));
        let duration = |name: &'static str, default: Duration| match get(name) {
            None => Ok(default),
            Some(value) => parse_duration(value).map_err(|reason| SettingsError::Invalid {
                variable: name,
                value: value.clone(),
                reason,
            }),
        };

        let agent = match get("MESOS_SLAVE_PID") {
            Some(pid) => {
                let upid: Upid = pid.parse().map_err(|error| SettingsError::Invalid {
                    variable: "MESOS_SLAVE_PID",
                    value: pid.clone(),
                    reason: format!("{error}"),
                })?;
                AgentEndpoint {
                    address: upid.address().to_string(),
                    path: format!("/{}/api/v1/executor", upid.id()),
                }
            }
            None => AgentEndpoint {
                address: required("MESOS_AGENT_ENDPOINT")?,
                path: "/api/v1/executor".to_string(),
            },
        };
        let checkpoint = get("MESOS_CHECKPOINT").is_some_and(|value| value == "1");
        Ok(Self {
            framework_id: required("MESOS_FRAMEWORK_ID")?,
            executor_id: required("MESOS_EXECUTOR_ID")?,
            agent,
            content_type: ContentType::Protobuf,
            checkpoint,
            recovery_timeout: duration("MESOS_RECOVERY_TIMEOUT", DEFAULT_RECOVERY_TIMEOUT)?,
            subscription_backoff_max: duration(
                "MESOS_SUBSCRIPTION_BACKOFF_MAX",
                DEFAULT_SUBSCRIPTION_BACKOFF_MAX,
            )?,
            shutdown_grace_period: duration(
                "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
                DEFAULT_SHUTDOWN_GRACE_PERIOD,
            )?,
            authentication_token: get("MESOS_EXECUTOR_AUTHENTICATION_TOKEN").cloned(),
            local: variables.contains_key("MESOS_LOCAL"),
            directory: get("MESOS_DIRECTORY").cloned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("MESOS_FRAMEWORK_ID", "fw-0000"),
            ("MESOS_EXECUTOR_ID", "task-1"),
            ("MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"),
        ]
    }

    #[test]
    fn reads_what_the_agent_sets() {
        let mut variables = base();
        variables.extend([
            ("MESOS_SLAVE_PID", "slave(1)@10.0.0.2:5052"),
            ("MESOS_CHECKPOINT", "1"),
            ("MESOS_RECOVERY_TIMEOUT", "1mins"),
            ("MESOS_SUBSCRIPTION_BACKOFF_MAX", "500ms"),
            ("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "10secs"),
            ("MESOS_EXECUTOR_AUTHENTICATION_TOKEN", "jwt"),
            ("MESOS_DIRECTORY", "/sandbox"),
        ]);
        let settings = ExecutorSettings::from_env(variables).unwrap();
        assert_eq!(settings.framework_id, "fw-0000");
        assert_eq!(settings.executor_id, "task-1");
        assert_eq!(
            settings.agent,
            AgentEndpoint {
                address: "10.0.0.2:5052".into(),
                path: "/slave(1)/api/v1/executor".into(),
            }
        );
        assert!(settings.checkpoint);
        assert_eq!(settings.recovery_timeout, Duration::from_secs(60));
        assert_eq!(
            settings.subscription_backoff_max,
            Duration::from_millis(500)
        );
        assert_eq!(settings.shutdown_grace_period, Duration::from_secs(10));
        assert_eq!(settings.authentication_token.as_deref(), Some("jwt"));
        assert_eq!(settings.directory.as_deref(), Some("/sandbox"));
        assert!(!settings.local);
    }

    #[test]
    fn falls_back_to_the_endpoint_and_defaults() {
        let mut variables = base();
        variables.push(("MESOS_CHECKPOINT", "0"));
        variables.push(("MESOS_LOCAL", ""));
        let settings = ExecutorSettings::from_env(variables).unwrap();
        assert_eq!(settings.agent.address, "127.0.0.1:5051");
        assert_eq!(settings.agent.path, "/api/v1/executor");
        assert!(!settings.checkpoint);
        assert!(settings.local);
        assert_eq!(
            settings.shutdown_grace_period,
            DEFAULT_SHUTDOWN_GRACE_PERIOD
        );
    }

    #[test]
    fn names_what_is_missing_or_wrong() {
        let variables: Vec<_> = base().into_iter().skip(1).collect();
        assert_eq!(
            ExecutorSettings::from_env(variables),
            Err(SettingsError::Missing("MESOS_FRAMEWORK_ID"))
        );
        let mut variables = base();
        variables.push(("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "soon"));
        let error = ExecutorSettings::from_env(variables).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"),
            "{error}"
        );
        let mut variables = base();
        variables.push(("MESOS_SLAVE_PID", "not a pid"));
        assert!(matches!(
            ExecutorSettings::from_env(variables),
            Err(SettingsError::Invalid {
                variable: "MESOS_SLAVE_PID",
                ..
            })
        ));
        let variables: Vec<_> = base().into_iter().take(2).collect();
        assert_eq!(
            ExecutorSettings::from_env(variables),
            Err(SettingsError::Missing("MESOS_AGENT_ENDPOINT"))
        );
    }
}
