//! `AgentOptions`: everything the agent process needs, resolved from flags (or set directly by
//! tests and `mesos-local`), with Mesos's defaults.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use proto::v0::{self, Attribute, value};
use resources::{AttributeValue, Attributes, Resources};

/// Mesos's agent capabilities this agent has (sent when registering): roles in offers
/// and tasks are per-resource (`MULTI_ROLE`), roles may nest (`HIERARCHICAL_ROLE`), and
/// reservations may be refined (`RESERVATION_REFINEMENT`).
pub const AGENT_CAPABILITIES: &[v0::slave_info::capability::Type] = &[
    v0::slave_info::capability::Type::MultiRole,
    v0::slave_info::capability::Type::HierarchicalRole,
    v0::slave_info::capability::Type::ReservationRefinement,
];

/// The agent's configuration.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    /// Where sandboxes and checkpoints live (created if missing).
    pub work_dir: PathBuf,
    /// The hostname reported to the master.
    pub hostname: String,
    /// The total resources offered.
    pub resources: Resources,
    /// The attributes reported to the master.
    pub attributes: Vec<Attribute>,
    /// Where `mesos-executor` lives.
    pub launcher_dir: PathBuf,
    /// The first registration attempt waits uniformly up to this; retries double the bound
    /// up to one minute.
    pub registration_backoff_factor: Duration,
    /// How long an executor has to subscribe.
    pub executor_registration_timeout: Duration,
    /// Passed to checkpointing executors as `MESOS_SUBSCRIPTION_BACKOFF_MAX`.
    pub executor_reregistration_timeout: Duration,
    /// How long an executor asked to shut down has before it is destroyed.
    pub executor_shutdown_grace_period: Duration,
    /// Interval of HEARTBEAT events on executor streams.
    pub http_heartbeat_interval: Duration,
    /// `MESOS_HTTP_COMMAND_EXECUTOR`.
    pub http_command_executor: bool,
    /// Run executors as their framework's (or command's) user.
    pub switch_user: bool,
    /// Extra executor environment (the agent's own variables win).
    pub executor_environment_variables: BTreeMap<String, String>,
    /// Passed to checkpointing executors as `MESOS_RECOVERY_TIMEOUT`.
    pub recovery_timeout: Duration,
    /// Completed executors kept per framework.
    pub max_completed_executors_per_framework: usize,
    /// How long the sandboxes of finished executors and frameworks are kept.
    pub gc_delay: Duration,
    /// The share of the disk garbage collection keeps free by removing sandboxes early.
    pub gc_disk_headroom: f64,
    /// How often the disk usage is measured for garbage collection.
    pub disk_watch_interval: Duration,
    /// How the disk usage is measured (tests substitute their own).
    pub disk_usage: crate::gc::disk::DiskUsageProbe,
    /// The flags as `/flags` and `/state` show them.
    pub flags: BTreeMap<String, String>,
    /// Seeds the agent's random ids and backoff jitter (tests); `None` seeds from the OS.
    pub seed: Option<u64>,
}

impl AgentOptions {
    /// Options with Mesos's defaults for an agent with `resources` working in `work_dir`:
    /// hostname `localhost`, `mesos-executor` next to this program, no attributes.
    pub fn new(work_dir: impl Into<PathBuf>, resources: Resources) -> Self {
        Self {
            work_dir: work_dir.into(),
            hostname: "localhost".to_owned(),
            resources,
            attributes: Vec::new(),
            launcher_dir: std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from(".")),
            registration_backoff_factor: Duration::from_secs(1),
            executor_registration_timeout: Duration::from_secs(60),
            executor_reregistration_timeout: Duration::from_secs(2),
            executor_shutdown_grace_period: Duration::from_secs(5),
            http_heartbeat_interval: Duration::from_secs(30),
            http_command_executor: true,
            switch_user: true,
            executor_environment_variables: BTreeMap::new(),
            recovery_timeout: Duration::from_secs(15 * 60),
            max_completed_executors_per_framework: 150,
            gc_delay: Duration::from_secs(7 * 24 * 60 * 60),
            gc_disk_headroom: 0.1,
            disk_watch_interval: Duration::from_secs(60),
            disk_usage: crate::gc::disk::DiskUsageProbe::statvfs(),
            flags: BTreeMap::new(),
            seed: None,
        }
    }
}

/// Attributes as the protobuf list `SlaveInfo` carries (scalars, ranges, text).
pub fn attributes_to_proto(attributes: &Attributes) -> Vec<Attribute> {
    attributes
        .0
        .iter()
        .map(|attribute| {
            let mut proto = Attribute {
                name: attribute.name.clone(),
                ..Default::default()
            };
            match &attribute.value {
                AttributeValue::Scalar(scalar) => {
                    proto.r#type = value::Type::Scalar as i32;
                    proto.scalar = Some(value::Scalar {
                        value: scalar.as_f64(),
                    });
                }
                AttributeValue::Ranges(ranges) => {
                    proto.r#type = value::Type::Ranges as i32;
                    proto.ranges = Some(value::Ranges {
                        range: ranges
                            .iter()
                            .map(|range| value::Range {
                                begin: range.begin,
                                end: range.end,
                            })
                            .collect(),
                    });
                }
                AttributeValue::Text(text) => {
                    proto.r#type = value::Type::Text as i32;
                    proto.text = Some(value::Text {
                        value: text.clone(),
                    });
                }
            }
            proto
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_convert_by_type() {
        let attributes = Attributes::parse("rack:abc;level:3.5;ports:[1-2,5-6]").unwrap();
        let proto = attributes_to_proto(&attributes);
        assert_eq!(proto.len(), 3);
        assert_eq!(proto[0].r#type, value::Type::Text as i32);
        assert_eq!(proto[0].text.as_ref().unwrap().value, "abc");
        assert_eq!(proto[1].r#type, value::Type::Scalar as i32);
        assert_eq!(proto[1].scalar.unwrap().value, 3.5);
        assert_eq!(proto[2].r#type, value::Type::Ranges as i32);
        assert_eq!(proto[2].ranges.as_ref().unwrap().range.len(), 2);
    }
}
