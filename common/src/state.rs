//! The JSON models of tasks, statuses, executors, frameworks and agents that the master's and
//! the agent's state endpoints share, field for field as Mesos renders them
//! (src/common/http.cpp `json(...)` writers): clients such as pymesos, avmesos-cli and the web
//! UI parse these shapes.
//!
//! Everything takes the v0 types the master and agent keep in their books and returns
//! `serde_json::Value`s; resources render as Mesos's summary object
//! (`{"cpus":1.0,"disk":0.0,"gpus":0.0,"mem":128.0,"ports":"[31000-31000]"}`).

use prost_reflect::ReflectMessage;
use proto::v0::{
    Attribute, CommandInfo, ExecutorInfo, FrameworkInfo, Labels, MasterInfo, Resource, SlaveInfo,
    Task, TaskState, TaskStatus, executor_info, framework_info, value,
};
use resources::Resources;
use serde_json::{Map, Value, json};

/// A protobuf message in Mesos's JSON mapping.
fn protobuf<M: ReflectMessage>(message: &M) -> Value {
    proto::json::to_value(message)
}

/// The name of a task state (`"TASK_RUNNING"`); unknown numbers render as the number.
pub fn task_state_name(state: i32) -> Value {
    match TaskState::try_from(state) {
        Ok(state) => Value::from(state.as_str_name()),
        Err(_) => Value::from(state),
    }
}

/// Mesos's resource summary of a protobuf resource list (`json(Resources)`): `cpus`, `gpus`,
/// `mem` and `disk` always present, scalars summed by name, ranges and sets as strings,
/// revocable resources under `<name>_revocable`.
pub fn resources_json(resources: &[Resource]) -> Value {
    match Resources::from_proto_v0(resources) {
        Ok(resources) => resources::state_json(&resources),
        // Invalid resources never enter the books; render what can be summed regardless.
        Err(_) => scalar_sums(resources),
    }
}

fn scalar_sums(resources: &[Resource]) -> Value {
    let mut object = Map::new();
    for name in ["cpus", "gpus", "mem", "disk"] {
        object.insert(name.to_string(), Value::from(0.0));
    }
    for resource in resources {
        if let Some(scalar) = &resource.scalar {
            let entry = object
                .entry(resource.name.clone())
                .or_insert(Value::from(0.0));
            *entry = Value::from(entry.as_f64().unwrap_or(0.0) + scalar.value);
        }
    }
    Value::Object(object)
}

/// Labels as Mesos writes them: an array of `{"key":..,"value":..}`.
pub fn labels_json(labels: &Labels) -> Value {
    Value::Array(labels.labels.iter().map(protobuf).collect())
}

/// A task status (`json(TaskStatus)`): `state`, `timestamp`, and `labels`,
/// `container_status`, `healthy` when set.
pub fn task_status_json(status: &TaskStatus) -> Value {
    let mut object = Map::new();
    object.insert("state".into(), task_state_name(status.state));
    object.insert(
        "timestamp".into(),
        Value::from(status.timestamp.unwrap_or_default()),
    );
    if let Some(labels) = &status.labels {
        object.insert("labels".into(), labels_json(labels));
    }
    if let Some(container_status) = &status.container_status {
        let mut container = Map::new();
        if let Some(id) = &container_status.container_id {
            container.insert("container_id".into(), protobuf(id));
        }
        if !container_status.network_infos.is_empty() {
            container.insert(
                "network_infos".into(),
                Value::Array(
                    container_status
                        .network_infos
                        .iter()
                        .map(protobuf)
                        .collect(),
                ),
            );
        }
        if let Some(cgroup) = &container_status.cgroup_info {
            container.insert("cgroup_info".into(), protobuf(cgroup));
        }
        object.insert("container_status".into(), Value::Object(container));
    }
    if let Some(healthy) = status.healthy {
        object.insert("healthy".into(), Value::from(healthy));
    }
    Value::Object(object)
}

/// The role the resources are allocated to (tasks and executors use exactly one).
fn allocation_role(resources: &[Resource]) -> Option<&str> {
    resources
        .iter()
        .find_map(|resource| resource.allocation_info.as_ref()?.role.as_deref())
}

fn scalar_map_json(map: &std::collections::BTreeMap<String, value::Scalar>) -> Value {
    Value::Object(
        map.iter()
            .map(|(name, scalar)| (name.clone(), Value::from(scalar.value)))
            .collect(),
    )
}

/// A task (`json(Task)`): `id`, `name`, `framework_id`, `executor_id` (always, `""` for
/// command tasks), `slave_id`, `state`, `resources`, `role`, `statuses` in order, and
/// `limits`, `user`, `labels`, `discovery`, `container`, `health_check` when set.
pub fn task_json(task: &Task) -> Value {
    task_json_with_resources(task, resources_json(&task.resources))
}

/// [`task_json`] with the task's resources already rendered (callers that keep the task's
/// resources parsed save parsing them again).
pub fn task_json_with_resources(task: &Task, resources: Value) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), Value::from(task.task_id.value.clone()));
    object.insert("name".into(), Value::from(task.name.clone()));
    object.insert(
        "framework_id".into(),
        Value::from(task.framework_id.value.clone()),
    );
    object.insert(
        "executor_id".into(),
        Value::from(
            task.executor_id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default(),
        ),
    );
    object.insert("slave_id".into(), Value::from(task.slave_id.value.clone()));
    object.insert("state".into(), task_state_name(task.state));
    object.insert("resources".into(), resources);
    if !task.limits.is_empty() {
        object.insert("limits".into(), scalar_map_json(&task.limits));
    }
    if let Some(role) = allocation_role(&task.resources) {
        object.insert("role".into(), Value::from(role));
    }
    object.insert(
        "statuses".into(),
        Value::Array(task.statuses.iter().map(task_status_json).collect()),
    );
    if let Some(user) = &task.user {
        object.insert("user".into(), Value::from(user.clone()));
    }
    if let Some(labels) = &task.labels {
        object.insert("labels".into(), labels_json(labels));
    }
    if let Some(discovery) = &task.discovery {
        object.insert("discovery".into(), protobuf(discovery));
    }
    if let Some(container) = &task.container {
        object.insert("container".into(), protobuf(container));
    }
    if let Some(health_check) = &task.health_check {
        object.insert("health_check".into(), protobuf(health_check));
    }
    Value::Object(object)
}

/// A command (`json(CommandInfo)`): `shell`, `value`, `argv`, `environment`, `uris`.
pub fn command_info_json(command: &CommandInfo) -> Value {
    let mut object = Map::new();
    if let Some(shell) = command.shell {
        object.insert("shell".into(), Value::from(shell));
    }
    if let Some(value) = &command.value {
        object.insert("value".into(), Value::from(value.clone()));
    }
    object.insert("argv".into(), json!(command.arguments));
    if let Some(environment) = &command.environment {
        object.insert("environment".into(), protobuf(environment));
    }
    object.insert(
        "uris".into(),
        Value::Array(
            command
                .uris
                .iter()
                .map(|uri| json!({"value": uri.value, "executable": uri.executable()}))
                .collect(),
        ),
    );
    Value::Object(object)
}

/// An executor (`json(ExecutorInfo)`): `executor_id`, `name`, `framework_id`, `command`,
/// `resources`, and `role`, `labels`, `type` when known.
pub fn executor_info_json(executor: &ExecutorInfo) -> Value {
    let mut object = Map::new();
    object.insert(
        "executor_id".into(),
        Value::from(executor.executor_id.value.clone()),
    );
    object.insert(
        "name".into(),
        Value::from(executor.name.clone().unwrap_or_default()),
    );
    object.insert(
        "framework_id".into(),
        Value::from(
            executor
                .framework_id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default(),
        ),
    );
    object.insert(
        "command".into(),
        command_info_json(&executor.command.clone().unwrap_or_default()),
    );
    object.insert("resources".into(), resources_json(&executor.resources));
    if let Some(role) = allocation_role(&executor.resources) {
        object.insert("role".into(), Value::from(role));
    }
    if let Some(labels) = &executor.labels {
        object.insert("labels".into(), labels_json(labels));
    }
    if let Some(kind) = executor.r#type
        && let Ok(kind) = executor_info::Type::try_from(kind)
    {
        object.insert("type".into(), Value::from(kind.as_str_name()));
    }
    Value::Object(object)
}

/// Capabilities as Mesos writes them: an array of their type names.
pub fn framework_capabilities_json(capabilities: &[framework_info::Capability]) -> Value {
    Value::Array(
        capabilities
            .iter()
            .map(|capability| Value::from(capability.r#type().as_str_name()))
            .collect(),
    )
}

/// Whether the framework asked for MULTI_ROLE.
pub fn is_multi_role(info: &FrameworkInfo) -> bool {
    info.capabilities
        .iter()
        .any(|capability| capability.r#type() == framework_info::capability::Type::MultiRole)
}

/// The fields of a framework object that come straight from its `FrameworkInfo`, as both the
/// master's and the agent's framework objects carry them: `id`, `name`, `user`,
/// `failover_timeout`, `checkpoint`, `hostname`, `principal` (when set), `capabilities`,
/// `webui_url`, `labels` (when set), and `roles` for MULTI_ROLE frameworks or `role` otherwise.
pub fn framework_info_json(info: &FrameworkInfo) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert(
        "id".into(),
        Value::from(
            info.id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default(),
        ),
    );
    object.insert("name".into(), Value::from(info.name.clone()));
    object.insert("user".into(), Value::from(info.user.clone()));
    object.insert(
        "failover_timeout".into(),
        Value::from(info.failover_timeout()),
    );
    object.insert("checkpoint".into(), Value::from(info.checkpoint()));
    object.insert(
        "hostname".into(),
        Value::from(info.hostname.clone().unwrap_or_default()),
    );
    if let Some(principal) = &info.principal {
        object.insert("principal".into(), Value::from(principal.clone()));
    }
    object.insert(
        "capabilities".into(),
        framework_capabilities_json(&info.capabilities),
    );
    object.insert(
        "webui_url".into(),
        Value::from(info.webui_url.clone().unwrap_or_default()),
    );
    if let Some(labels) = &info.labels {
        object.insert("labels".into(), labels_json(labels));
    }
    if is_multi_role(info) {
        object.insert("roles".into(), json!(info.roles));
    } else {
        #[allow(deprecated)] // `role` is how non-MULTI_ROLE frameworks name their role.
        let role = info.role.clone().unwrap_or_else(|| "*".to_string());
        object.insert("role".into(), Value::from(role));
    }
    object
}

/// Attributes as Mesos writes them: an object of name -> number or string.
pub fn attributes_json(attributes: &[Attribute]) -> Value {
    let mut object = Map::new();
    for attribute in attributes {
        let value = if let Some(scalar) = &attribute.scalar {
            Value::from(scalar.value)
        } else if let Some(text) = &attribute.text {
            Value::from(text.value.clone())
        } else if let Some(ranges) = &attribute.ranges {
            let ranges: Vec<String> = ranges
                .range
                .iter()
                .map(|range| format!("{}-{}", range.begin, range.end))
                .collect();
            Value::from(format!("[{}]", ranges.join(", ")))
        } else if let Some(set) = &attribute.set {
            Value::from(format!("{{{}}}", set.item.join(", ")))
        } else {
            continue;
        };
        object.insert(attribute.name.clone(), value);
    }
    Value::Object(object)
}

/// An agent's info (`json(SlaveInfo)`): `id`, `hostname`, `port`, `attributes`, and `domain`
/// when set.
pub fn agent_info_json(info: &SlaveInfo) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert(
        "id".into(),
        Value::from(
            info.id
                .as_ref()
                .map(|id| id.value.clone())
                .unwrap_or_default(),
        ),
    );
    object.insert("hostname".into(), Value::from(info.hostname.clone()));
    object.insert("port".into(), Value::from(info.port()));
    object.insert("attributes".into(), attributes_json(&info.attributes));
    if let Some(domain) = &info.domain {
        object.insert("domain".into(), protobuf(domain));
    }
    object
}

/// A master's info (`json(MasterInfo)`): `id`, `pid`, `port`, `hostname`, and `domain`.
pub fn master_info_json(info: &MasterInfo) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), Value::from(info.id.clone()));
    object.insert(
        "pid".into(),
        Value::from(info.pid.clone().unwrap_or_default()),
    );
    object.insert("port".into(), Value::from(info.port));
    object.insert(
        "hostname".into(),
        Value::from(info.hostname.clone().unwrap_or_default()),
    );
    if let Some(domain) = &info.domain {
        object.insert("domain".into(), protobuf(domain));
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::v0::{ExecutorId, FrameworkId, SlaveId, TaskId, resource::AllocationInfo};

    fn cpus(amount: f64, role: &str) -> Resource {
        Resource {
            name: "cpus".into(),
            r#type: value::Type::Scalar as i32,
            scalar: Some(value::Scalar { value: amount }),
            allocation_info: Some(AllocationInfo {
                role: Some(role.into()),
            }),
            ..Resource::default()
        }
    }

    #[test]
    fn task_has_mesos_fields() {
        let task = Task {
            name: "sleep".into(),
            task_id: TaskId { value: "t1".into() },
            framework_id: FrameworkId { value: "f1".into() },
            executor_id: None,
            slave_id: SlaveId { value: "s1".into() },
            state: TaskState::TaskRunning as i32,
            resources: vec![cpus(0.5, "web")],
            statuses: vec![
                TaskStatus {
                    state: TaskState::TaskStaging as i32,
                    timestamp: Some(1.5),
                    ..TaskStatus::default()
                },
                TaskStatus {
                    state: TaskState::TaskRunning as i32,
                    timestamp: Some(2.5),
                    healthy: Some(true),
                    ..TaskStatus::default()
                },
            ],
            ..Task::default()
        };
        let json = task_json(&task);
        assert_eq!(json["id"], "t1");
        assert_eq!(json["executor_id"], "");
        assert_eq!(json["slave_id"], "s1");
        assert_eq!(json["state"], "TASK_RUNNING");
        assert_eq!(json["role"], "web");
        assert_eq!(json["resources"]["cpus"], 0.5);
        assert_eq!(json["resources"]["mem"], 0.0);
        assert_eq!(json["statuses"][0]["state"], "TASK_STAGING");
        assert_eq!(json["statuses"][1]["timestamp"], 2.5);
        assert_eq!(json["statuses"][1]["healthy"], true);
        assert!(json.get("user").is_none());
    }

    #[test]
    fn executor_and_framework() {
        let executor = ExecutorInfo {
            executor_id: ExecutorId { value: "e".into() },
            framework_id: Some(FrameworkId { value: "f".into() }),
            resources: vec![cpus(0.1, "*")],
            command: Some(CommandInfo {
                value: Some("true".into()),
                ..CommandInfo::default()
            }),
            r#type: Some(executor_info::Type::Custom as i32),
            ..ExecutorInfo::default()
        };
        let json = executor_info_json(&executor);
        assert_eq!(json["executor_id"], "e");
        assert_eq!(json["command"]["value"], "true");
        assert_eq!(json["command"]["argv"], json!([]));
        assert_eq!(json["type"], "CUSTOM");
        assert_eq!(json["role"], "*");

        let info = FrameworkInfo {
            user: "u".into(),
            name: "n".into(),
            capabilities: vec![framework_info::Capability {
                r#type: Some(framework_info::capability::Type::MultiRole as i32),
            }],
            roles: vec!["a".into()],
            ..FrameworkInfo::default()
        };
        let object = framework_info_json(&info);
        assert_eq!(object["roles"], json!(["a"]));
        assert!(!object.contains_key("role"));
        assert_eq!(object["capabilities"], json!(["MULTI_ROLE"]));
        assert_eq!(object["failover_timeout"], 0.0);
    }
}
