//! Validation of agents' registration messages (Mesos's `validation::master::message`).

use std::collections::HashSet;

use proto::{
    internal::{RegisterSlaveMessage, ReregisterSlaveMessage},
    v0::{SlaveInfo, TaskState},
};

use super::{Error, framework::validate_framework_info, task::validate_executor_info, validate_id};

fn validate_agent_info(info: &SlaveInfo) -> Result<(), Error> {
    if let Some(id) = &info.id {
        validate_id(&id.value)?;
    }
    super::validate_resources(&info.resources).map(|_| ())
}

/// A `RegisterSlaveMessage`.
pub fn validate_register(message: &RegisterSlaveMessage) -> Result<(), Error> {
    validate_agent_info(&message.slave)?;
    if !message.checkpointed_resources.is_empty() && !message.slave.checkpoint() {
        return Err("Checkpointed resources provided when checkpointing is not enabled".into());
    }
    super::validate_resources(&message.checkpointed_resources).map(|_| ())
}

/// A `ReregisterSlaveMessage`: its info, frameworks (unique ids), executors (of those
/// frameworks, unique ids) and tasks (on this agent, of those frameworks).
pub fn validate_reregister(message: &ReregisterSlaveMessage) -> Result<(), Error> {
    validate_agent_info(&message.slave)?;
    if message.slave.id.is_none() {
        return Err("Reregistering agent has no id".into());
    }
    super::validate_resources(&message.checkpointed_resources)?;
    let mut frameworks = HashSet::new();
    for framework in &message.frameworks {
        validate_framework_info(framework)?;
        let id = framework
            .id
            .as_ref()
            .map(|id| id.value.clone())
            .unwrap_or_default();
        if id.is_empty() {
            return Err("Framework has no FrameworkID".into());
        }
        if !frameworks.insert(id.clone()) {
            return Err(format!("Framework has a duplicate FrameworkID: '{id}'"));
        }
    }
    let mut executors = HashSet::new();
    for executor in &message.executor_infos {
        validate_executor_info(executor)?;
        super::validate_resources(&executor.resources)?;
        let framework_id = executor
            .framework_id
            .as_ref()
            .map(|id| id.value.clone())
            .unwrap_or_default();
        if !frameworks.contains(&framework_id) {
            return Err(format!(
                "Executor has an invalid FrameworkID '{framework_id}'"
            ));
        }
        let key = (framework_id.clone(), executor.executor_id.value.clone());
        if !executors.insert(key) {
            return Err(format!(
                "Framework '{framework_id}' has a duplicate ExecutorID '{}'",
                executor.executor_id.value
            ));
        }
    }
    let agent_id = message
        .slave
        .id
        .as_ref()
        .map(|id| id.value.as_str())
        .unwrap_or_default();
    for task in &message.tasks {
        validate_id(&task.task_id.value)
            .map_err(|error| format!("Task has an invalid TaskID: {error}"))?;
        if task.slave_id.value != agent_id {
            return Err(format!(
                "Task has an invalid SlaveID '{}'",
                task.slave_id.value
            ));
        }
        if !frameworks.contains(&task.framework_id.value) {
            return Err(format!(
                "Task has an invalid FrameworkID '{}'",
                task.framework_id.value
            ));
        }
        if let Some(executor_id) = &task.executor_id
            && task.state == TaskState::TaskRunning as i32
            && !executors.contains(&(task.framework_id.value.clone(), executor_id.value.clone()))
        {
            return Err(format!(
                "Task has an invalid ExecutorID '{}'",
                executor_id.value
            ));
        }
        super::validate_resources(&task.resources)
            .map_err(|error| format!("Task uses invalid resources: {error}"))?;
    }
    Ok(())
}
