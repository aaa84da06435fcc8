//! `/state` (`/slave(1)/state`): the agent's books as Mesos renders them (src/slave/http.cpp,
//! mesos.md 3.8), with the task, framework and attribute shapes shared with the master
//! (`common::state`).

use std::collections::BTreeMap;

use common::state::{attributes_json, framework_info_json, resources_json, task_json};
use libprocess::Context;
use proto::v0::TaskInfo;
use resources::{ResourceFormat, Resources};
use serde_json::{Map, Value, json};

use crate::{
    books::{Executor, Framework},
    process::Agent,
};

/// A queued task as Mesos renders a `TaskInfo` in `/state`.
fn task_info_json(task: &TaskInfo) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), Value::from(task.task_id.value.clone()));
    object.insert("name".into(), Value::from(task.name.clone()));
    object.insert("slave_id".into(), Value::from(task.slave_id.value.clone()));
    object.insert("resources".into(), resources_json(&task.resources));
    if let Some(role) = task
        .resources
        .first()
        .and_then(|resource| resource.allocation_info.as_ref())
        .and_then(|allocation| allocation.role.clone())
    {
        object.insert("role".into(), Value::from(role));
    }
    if let Some(command) = &task.command {
        object.insert("command".into(), common::state::command_info_json(command));
    }
    if let Some(executor) = &task.executor {
        object.insert(
            "executor_id".into(),
            Value::from(executor.executor_id.value.clone()),
        );
    }
    if let Some(discovery) = &task.discovery {
        object.insert("discovery".into(), proto::json::to_value(discovery));
    }
    Value::Object(object)
}

fn executor_json(executor: &Executor) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), Value::from(executor.id.clone()));
    object.insert(
        "name".into(),
        Value::from(executor.info.name.clone().unwrap_or_default()),
    );
    #[allow(deprecated)]
    let source = executor.info.source.clone().unwrap_or_default();
    object.insert("source".into(), Value::from(source));
    object.insert(
        "container".into(),
        Value::from(executor.container_id.clone()),
    );
    object.insert(
        "directory".into(),
        Value::from(executor.directory.display().to_string()),
    );
    object.insert(
        "resources".into(),
        resources::state_json(&executor.allocated_resources()),
    );
    if let Some(role) = executor
        .info
        .resources
        .first()
        .and_then(|resource| resource.allocation_info.as_ref())
        .and_then(|allocation| allocation.role.clone())
    {
        object.insert("role".into(), Value::from(role));
    }
    if let Some(labels) = &executor.info.labels {
        object.insert("labels".into(), common::state::labels_json(labels));
    }
    if let Some(kind) = executor
        .info
        .r#type
        .and_then(|kind| proto::v0::executor_info::Type::try_from(kind).ok())
    {
        object.insert("type".into(), Value::from(kind.as_str_name()));
    }
    object.insert(
        "tasks".into(),
        executor.launched_tasks.values().map(task_json).collect(),
    );
    object.insert(
        "queued_tasks".into(),
        executor.queued_tasks.iter().map(task_info_json).collect(),
    );
    // As Mesos: terminated (unacknowledged) tasks are listed with the completed ones.
    object.insert(
        "completed_tasks".into(),
        executor
            .completed_tasks
            .iter()
            .chain(executor.terminated_tasks.values())
            .map(task_json)
            .collect(),
    );
    Value::Object(object)
}

fn framework_json(framework: &Framework) -> Value {
    let mut object = framework_info_json(&framework.info);
    object.insert(
        "executors".into(),
        framework.executors.values().map(executor_json).collect(),
    );
    object.insert(
        "completed_executors".into(),
        framework
            .completed_executors
            .iter()
            .map(executor_json)
            .collect(),
    );
    Value::Object(object)
}

fn by_role(resources: &Resources) -> Value {
    Value::Object(
        resources
            .reservations()
            .iter()
            .map(|(role, resources)| (role.as_str().to_owned(), resources::state_json(resources)))
            .collect(),
    )
}

fn full(resources: &Resources) -> Value {
    resources::to_json(resources, ResourceFormat::Endpoint).unwrap_or_else(|_| json!([]))
}

impl Agent {
    /// The `/state` object.
    pub(crate) fn state_json(&self, ctx: &Context<Self>) -> Value {
        let total = &self.options.resources;
        let mut allocated = Resources::default();
        for executor in self.books.executors() {
            allocated += executor.allocated_resources();
        }
        let mut reserved_full = Map::new();
        for (role, resources) in total.reservations() {
            reserved_full.insert(role.as_str().to_owned(), full(&resources));
        }
        let capabilities: Vec<Value> = Self::capabilities()
            .iter()
            .map(proto::json::to_value)
            .collect();
        let version: Value =
            serde_json::from_str(&common::version::version_json()).unwrap_or_else(|_| json!({}));
        let mut object = Map::new();
        if let Value::Object(version) = version {
            for key in ["version", "build_date", "build_time", "build_user"] {
                if let Some(value) = version.get(key) {
                    object.insert(key.into(), value.clone());
                }
            }
        }
        object.insert("start_time".into(), Value::from(self.start_time_secs()));
        object.insert("id".into(), Value::from(self.agent_id()));
        object.insert("pid".into(), Value::from(ctx.self_pid().to_string()));
        object.insert("hostname".into(), Value::from(self.info.hostname.clone()));
        object.insert("capabilities".into(), Value::Array(capabilities));
        object.insert("resources".into(), resources::state_json(total));
        object.insert("reserved_resources".into(), by_role(total));
        object.insert(
            "unreserved_resources".into(),
            resources::state_json(&total.unreserved()),
        );
        object.insert(
            "reserved_resources_full".into(),
            Value::Object(reserved_full),
        );
        object.insert(
            "unreserved_resources_full".into(),
            full(&total.unreserved()),
        );
        object.insert("reserved_resources_allocated".into(), by_role(&allocated));
        object.insert(
            "unreserved_resources_allocated".into(),
            resources::state_json(&allocated.unreserved()),
        );
        object.insert("resource_providers".into(), json!([]));
        object.insert("attributes".into(), attributes_json(&self.info.attributes));
        if let Some(master) = &self.master {
            object.insert(
                "master_hostname".into(),
                Value::from(master.address().ip().to_string()),
            );
        }
        let flags: BTreeMap<&String, &String> = self.options.flags.iter().collect();
        object.insert("flags".into(), json!(flags));
        object.insert(
            "frameworks".into(),
            self.books.frameworks.values().map(framework_json).collect(),
        );
        object.insert(
            "completed_frameworks".into(),
            self.books
                .completed_frameworks
                .iter()
                .map(framework_json)
                .collect(),
        );
        Value::Object(object)
    }
}
