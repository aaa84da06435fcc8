//! Helpers for the crate's unit tests: tasks and resource lists from Mesos's text form.

use proto::v0::{self, CommandInfo, SlaveId, TaskId, TaskInfo};
use resources::Resources;

/// An unreserved resource list from `cpus:1;mem:128` text.
pub fn unreserved(text: &str) -> Vec<v0::Resource> {
    Resources::parse_unreserved(text)
        .expect("valid resources")
        .to_proto_v0()
}

/// A command task with the given resources, for agent `a`.
pub fn task_info(id: &str, resources: &str) -> TaskInfo {
    TaskInfo {
        name: format!("task {id}"),
        task_id: TaskId { value: id.into() },
        slave_id: SlaveId { value: "a".into() },
        resources: unreserved(resources),
        command: Some(CommandInfo {
            value: Some("true".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}
