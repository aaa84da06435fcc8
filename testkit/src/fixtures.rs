//! Fixtures: the v1 framework infos, resources, tasks and executors scenario tests build
//! their calls from.

use proto::v1::{
    AgentId, CommandInfo, ExecutorId, ExecutorInfo, FrameworkId, FrameworkInfo, Offer, Resource,
    TaskId, TaskInfo, executor_info, framework_info,
};
use resources::Resources;

/// A framework named `name` for user `tester` (no role: `*`).
pub fn framework_info(name: &str) -> FrameworkInfo {
    FrameworkInfo {
        user: "tester".to_owned(),
        name: name.to_owned(),
        ..Default::default()
    }
}

/// `info` with Mesos's framework capability `capability` added.
pub fn with_capability(
    mut info: FrameworkInfo,
    capability: framework_info::capability::Type,
) -> FrameworkInfo {
    let mut value = framework_info::Capability::default();
    value.set_type(capability);
    info.capabilities.push(value);
    info
}

/// Unreserved resources in Mesos's text form (`cpus:1;mem:128`) as a v1 list.
///
/// # Panics
/// When `text` is not valid resources text (a bug in the test).
pub fn resources(text: &str) -> Vec<Resource> {
    Resources::parse_unreserved(text)
        .unwrap_or_else(|error| panic!("bad resources text {text:?}: {error}"))
        .to_proto_v1()
}

/// Resources for a task on `offer`: `text`, allocated to the role the offer was made to.
pub fn offered_resources(offer: &Offer, text: &str) -> Vec<Resource> {
    let allocation = offer
        .resources
        .iter()
        .find_map(|resource| resource.allocation_info.clone());
    resources(text)
        .into_iter()
        .map(|mut resource| {
            resource.allocation_info = allocation.clone();
            resource
        })
        .collect()
}

/// A command task `task_id` running `command` with `resources` (text) on `offer`'s agent.
pub fn command_task(offer: &Offer, task_id: &str, resources: &str, command: &str) -> TaskInfo {
    TaskInfo {
        name: task_id.to_owned(),
        task_id: TaskId {
            value: task_id.to_owned(),
        },
        agent_id: offer.agent_id.clone(),
        resources: offered_resources(offer, resources),
        command: Some(CommandInfo {
            value: Some(command.to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A command task `task_id` (`sleep 1000`, `cpus:0.1;mem:32`) on `offer`'s agent.
pub fn task(offer: &Offer, task_id: &str) -> TaskInfo {
    command_task(offer, task_id, "cpus:0.1;mem:32", "sleep 1000")
}

/// A task for a task group (no command: the DEFAULT executor runs it) on `offer`'s agent.
pub fn group_task(offer: &Offer, task_id: &str, resources: &str) -> TaskInfo {
    TaskInfo {
        name: task_id.to_owned(),
        task_id: TaskId {
            value: task_id.to_owned(),
        },
        agent_id: offer.agent_id.clone(),
        resources: offered_resources(offer, resources),
        command: Some(CommandInfo {
            value: Some("sleep 1000".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A DEFAULT executor `executor_id` of `framework_id` with `resources` from `offer`, for
/// LAUNCH_GROUP.
pub fn default_executor(
    offer: &Offer,
    framework_id: &str,
    executor_id: &str,
    resources: &str,
) -> ExecutorInfo {
    let mut executor = ExecutorInfo {
        executor_id: ExecutorId {
            value: executor_id.to_owned(),
        },
        framework_id: Some(FrameworkId {
            value: framework_id.to_owned(),
        }),
        resources: offered_resources(offer, resources),
        ..Default::default()
    };
    executor.set_type(executor_info::Type::Default);
    executor
}

/// An agent id value as the v1 type.
pub fn agent_id(value: &str) -> AgentId {
    AgentId {
        value: value.to_owned(),
    }
}
