//! `/master/state` and `/master/state-summary`, with the agent and framework objects the other
//! endpoints share, field for field as Mesos's readonly_handler.cpp writes them. Rendered
//! straight from the books, without copying them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::state::{
    agent_info_json, executor_info_json, framework_capabilities_json, framework_info_json,
    master_info_json, resources_json, task_json, task_json_with_resources,
};
use libprocess::{Context, Response, http::Request};
use proto::v0::{Offer, Task, TaskState};
use resources::Resources;
use serde_json::{Map, Value, json};

use super::json_response;
use crate::{
    books::{Agent, Framework},
    master::Master,
};

fn resources(value: &Resources) -> Value {
    resources::state_json(value)
}

/// Mesos's `SlaveWriter`.
pub(crate) fn agent_json(agent: &Agent) -> Value {
    let mut object = agent_info_json(&agent.info);
    object.insert("pid".into(), Value::from(agent.pid.to_string()));
    object.insert("registered_time".into(), Value::from(agent.registered_time));
    if let Some(time) = agent.reregistered_time {
        object.insert("reregistered_time".into(), Value::from(time));
    }
    object.insert("resources".into(), resources(&agent.total_resources));
    object.insert("used_resources".into(), resources(&agent.total_used()));
    object.insert(
        "offered_resources".into(),
        resources(&agent.offered_resources),
    );
    let reserved: Map<String, Value> = agent
        .total_resources
        .reservations()
        .iter()
        .map(|(role, reserved)| (role.to_string(), resources(reserved)))
        .collect();
    object.insert("reserved_resources".into(), Value::Object(reserved));
    object.insert(
        "unreserved_resources".into(),
        resources(&agent.total_resources.unreserved()),
    );
    object.insert("active".into(), Value::from(agent.active));
    object.insert("deactivated".into(), Value::from(false));
    object.insert("version".into(), Value::from(agent.version.clone()));
    object.insert(
        "capabilities".into(),
        Value::Array(
            agent
                .capabilities
                .iter()
                .map(|capability| Value::from(capability.r#type().as_str_name()))
                .collect(),
        ),
    );
    Value::Object(object)
}

/// Mesos's `json(Summary<Framework>)`.
pub(crate) fn framework_summary(framework: &Framework) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("id".into(), Value::from(framework.id.clone()));
    object.insert("name".into(), Value::from(framework.info.name.clone()));
    object.insert("used_resources".into(), resources(&framework.total_used()));
    object.insert(
        "offered_resources".into(),
        resources(&framework.offered_resources),
    );
    object.insert(
        "capabilities".into(),
        framework_capabilities_json(&framework.info.capabilities),
    );
    object.insert(
        "hostname".into(),
        Value::from(framework.info.hostname.clone().unwrap_or_default()),
    );
    object.insert(
        "webui_url".into(),
        Value::from(framework.info.webui_url.clone().unwrap_or_default()),
    );
    object.insert("active".into(), Value::from(framework.active));
    object.insert("connected".into(), Value::from(framework.connected()));
    object.insert("recovered".into(), Value::from(framework.recovered));
    object
}

fn offer_json(offer: &Offer) -> Value {
    json!({
        "id": offer.id.value,
        "framework_id": offer.framework_id.value,
        "allocation_info": offer.allocation_info.as_ref().map(proto::json::to_value),
        "slave_id": offer.slave_id.value,
        "resources": resources_json(&offer.resources),
    })
}

/// Mesos's `FullFrameworkWriter`.
pub(crate) fn framework_json(master: &Master, framework: &Framework) -> Value {
    let mut object = framework_summary(framework);
    for (key, value) in framework_info_json(&framework.info) {
        object.entry(key).or_insert(value);
    }
    object.insert(
        "registered_time".into(),
        Value::from(framework.registered_time),
    );
    object.insert(
        "unregistered_time".into(),
        Value::from(framework.unregistered_time),
    );
    object.insert(
        "resources".into(),
        resources(&(framework.total_used() + framework.offered_resources.clone())),
    );
    if let Some(pid) = &framework.pid {
        object.insert("pid".into(), Value::from(pid.to_string()));
    }
    if framework.registered_time != framework.reregistered_time {
        object.insert(
            "reregistered_time".into(),
            Value::from(framework.reregistered_time),
        );
    }
    object.insert(
        "tasks".into(),
        Value::Array(
            framework
                .tasks
                .values()
                .map(|entry| task_json_with_resources(&entry.task, resources(&entry.resources)))
                .collect(),
        ),
    );
    object.insert(
        "unreachable_tasks".into(),
        Value::Array(framework.unreachable_tasks.iter().map(task_json).collect()),
    );
    object.insert(
        "completed_tasks".into(),
        Value::Array(framework.completed_tasks.iter().map(task_json).collect()),
    );
    let books = master.books();
    object.insert(
        "offers".into(),
        Value::Array(
            framework
                .offers
                .iter()
                .filter_map(|offer_id| books.offers.get(offer_id))
                .map(|entry| offer_json(&entry.offer))
                .collect(),
        ),
    );
    let mut executors = Vec::new();
    for (agent_id, on_agent) in &framework.executors {
        for executor in on_agent.values() {
            let mut json = executor_info_json(executor);
            if let Value::Object(map) = &mut json {
                map.insert("slave_id".into(), Value::from(agent_id.clone()));
            }
            executors.push(json);
        }
    }
    object.insert("executors".into(), Value::Array(executors));
    object.insert("offer_constraints".into(), json!({}));
    Value::Object(object)
}

fn state_json(master: &Master) -> Value {
    let books = master.books();
    let info = master.info();
    let config = &master.config;
    let mut object = Map::new();
    object.insert(
        "version".into(),
        Value::from(common::version::MESOS_VERSION),
    );
    object.insert("build_date".into(), Value::from(""));
    object.insert("build_time".into(), Value::from(0));
    object.insert("build_user".into(), Value::from(""));
    object.insert("start_time".into(), Value::from(master.start_time));
    if let Some(elected) = master.elected_time {
        object.insert("elected_time".into(), Value::from(elected));
    }
    object.insert("id".into(), Value::from(info.id.clone()));
    object.insert(
        "pid".into(),
        Value::from(info.pid.clone().unwrap_or_default()),
    );
    object.insert(
        "hostname".into(),
        Value::from(info.hostname.clone().unwrap_or_default()),
    );
    object.insert("capabilities".into(), json!([]));
    let active = books
        .agents
        .registered
        .values()
        .filter(|a| a.active)
        .count();
    object.insert("activated_slaves".into(), Value::from(active));
    object.insert(
        "deactivated_slaves".into(),
        Value::from(books.agents.registered.len() - active),
    );
    object.insert(
        "unreachable_slaves".into(),
        Value::from(books.agents.unreachable.len()),
    );
    object.insert(
        "leader".into(),
        Value::from(info.pid.clone().unwrap_or_default()),
    );
    object.insert("leader_info".into(), master_info_json(info));
    if let Some(cluster) = &config.cluster {
        object.insert("cluster".into(), Value::from(cluster.clone()));
    }
    object.insert("flags".into(), json!(config.flags));
    object.insert(
        "slaves".into(),
        Value::Array(books.agents.registered.values().map(agent_json).collect()),
    );
    object.insert(
        "recovered_slaves".into(),
        Value::Array(
            books
                .agents
                .recovered
                .values()
                .map(|info| Value::Object(agent_info_json(info)))
                .collect(),
        ),
    );
    object.insert(
        "frameworks".into(),
        Value::Array(
            books
                .frameworks
                .registered
                .values()
                .map(|framework| framework_json(master, framework))
                .collect(),
        ),
    );
    object.insert(
        "completed_frameworks".into(),
        Value::Array(
            books
                .frameworks
                .completed
                .iter()
                .map(|framework| framework_json(master, framework))
                .collect(),
        ),
    );
    object.insert("orphan_tasks".into(), json!([]));
    object.insert("unregistered_frameworks".into(), json!([]));
    Value::Object(object)
}

pub(crate) fn state(master: &mut Master, _ctx: &mut Context<Master>, request: Request) -> Response {
    json_response(&request, &state_json(master))
}

/// Task counts by state, as the summary shows them.
#[derive(Default)]
struct Counts(BTreeMap<&'static str, u64>);

impl Counts {
    fn count(&mut self, task: &Task) {
        let name = TaskState::try_from(task.state).map_or("", |state| state.as_str_name());
        if let Some(key) = SUMMARY_STATES.iter().find(|key| **key == name) {
            *self.0.entry(key).or_default() += 1;
        }
    }

    fn write(&self, object: &mut Map<String, Value>) {
        for state in SUMMARY_STATES {
            object.insert(
                state.to_string(),
                Value::from(self.0.get(state).copied().unwrap_or(0)),
            );
        }
    }
}

const SUMMARY_STATES: [&str; 10] = [
    "TASK_STAGING",
    "TASK_STARTING",
    "TASK_RUNNING",
    "TASK_KILLING",
    "TASK_FINISHED",
    "TASK_KILLED",
    "TASK_FAILED",
    "TASK_LOST",
    "TASK_ERROR",
    "TASK_UNREACHABLE",
];

pub(crate) fn state_summary(
    master: &mut Master,
    _ctx: &mut Context<Master>,
    request: Request,
) -> Response {
    let books = master.books();
    let mut framework_counts: HashMap<&str, Counts> = HashMap::new();
    let mut agent_counts: HashMap<&str, Counts> = HashMap::new();
    let mut agents_of: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let mut frameworks_on: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for framework in books.frameworks.registered.values() {
        let tasks = framework
            .tasks
            .values()
            .map(|entry| &entry.task)
            .chain(&framework.unreachable_tasks)
            .chain(&framework.completed_tasks);
        for task in tasks {
            framework_counts
                .entry(&framework.id)
                .or_default()
                .count(task);
            agent_counts
                .entry(&task.slave_id.value)
                .or_default()
                .count(task);
            agents_of
                .entry(&framework.id)
                .or_default()
                .insert(&task.slave_id.value);
            frameworks_on
                .entry(&task.slave_id.value)
                .or_default()
                .insert(&framework.id);
        }
    }
    let empty = Counts::default();
    let slaves: Vec<Value> = books
        .agents
        .registered
        .values()
        .map(|agent| {
            let mut object = match agent_json(agent) {
                Value::Object(object) => object,
                _ => Map::new(),
            };
            agent_counts
                .get(agent.id.as_str())
                .unwrap_or(&empty)
                .write(&mut object);
            object.insert(
                "framework_ids".into(),
                json!(
                    frameworks_on
                        .get(agent.id.as_str())
                        .cloned()
                        .unwrap_or_default()
                ),
            );
            Value::Object(object)
        })
        .collect();
    let frameworks: Vec<Value> = books
        .frameworks
        .registered
        .values()
        .map(|framework| {
            let mut object = framework_summary(framework);
            framework_counts
                .get(framework.id.as_str())
                .unwrap_or(&empty)
                .write(&mut object);
            object.insert(
                "slave_ids".into(),
                json!(
                    agents_of
                        .get(framework.id.as_str())
                        .cloned()
                        .unwrap_or_default()
                ),
            );
            Value::Object(object)
        })
        .collect();
    let mut object = Map::new();
    object.insert(
        "hostname".into(),
        Value::from(master.info().hostname.clone().unwrap_or_default()),
    );
    if let Some(cluster) = &master.config.cluster {
        object.insert("cluster".into(), Value::from(cluster.clone()));
    }
    object.insert("slaves".into(), Value::Array(slaves));
    object.insert("frameworks".into(), Value::Array(frameworks));
    json_response(&request, &Value::Object(object))
}
