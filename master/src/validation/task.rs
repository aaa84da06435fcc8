//! Validation of launches (Mesos's `validation::task`, `task::group` and `executor`): a task's
//! own fields, its executor, and that the offered resources cover task and executor.

use proto::v0::{
    ContainerInfo, ExecutorInfo, TaskGroupInfo, TaskInfo, container_info, executor_info,
    health_check, slave_info,
};
use resources::{Resources, Value};

use super::{
    Error, validate_allocated_to_single_role, validate_check, validate_command,
    validate_health_check, validate_id, validate_resources, validate_revocable_mix,
    validate_unique_persistence_ids,
};
use crate::{
    books::{Agent, Framework},
    constants::{MIN_CPUS, MIN_MEM_MB},
};

/// An `ExecutorInfo` on its own (`executor::validate`): type, id, shutdown grace period, command.
pub fn validate_executor_info(executor: &ExecutorInfo) -> Result<(), Error> {
    match executor
        .r#type
        .and_then(|kind| executor_info::Type::try_from(kind).ok())
    {
        Some(executor_info::Type::Default) => {
            if executor.command.is_some() {
                return Err("'ExecutorInfo.command' must not be set for 'DEFAULT' executor".into());
            }
            if let Some(container) = &executor.container {
                if container.r#type != container_info::Type::Mesos as i32 {
                    return Err(
                        "'ExecutorInfo.container.type' must be 'MESOS' for 'DEFAULT' executor"
                            .into(),
                    );
                }
                if container
                    .mesos
                    .as_ref()
                    .is_some_and(|mesos| mesos.image.is_some())
                {
                    return Err("'ExecutorInfo.container.mesos.image' must not be set for \
                                'DEFAULT' executor"
                        .into());
                }
            }
        }
        Some(executor_info::Type::Custom) => {
            if executor.command.is_none() {
                return Err("'ExecutorInfo.command' must be set for 'CUSTOM' executor".into());
            }
        }
        Some(executor_info::Type::Unknown) | None => {}
    }
    validate_id(&executor.executor_id.value)?;
    if executor
        .shutdown_grace_period
        .is_some_and(|period| period.nanoseconds < 0)
    {
        return Err("ExecutorInfo's 'shutdown_grace_period' must be non-negative".into());
    }
    if let Some(command) = &executor.command {
        validate_command(command)
            .map_err(|error| format!("Executor's `CommandInfo` is invalid: {error}"))?;
    }
    Ok(())
}

/// An executor used by a launch (`executor::internal::validate`): its framework, resources, and
/// that it matches an executor of the same id already on the agent.
fn validate_executor(
    executor: &ExecutorInfo,
    framework: &Framework,
    agent: &Agent,
) -> Result<Resources, Error> {
    validate_executor_info(executor)?;
    let Some(framework_id) = &executor.framework_id else {
        return Err("'ExecutorInfo.framework_id' must be set".into());
    };
    if framework_id.value != framework.id {
        return Err(format!(
            "ExecutorInfo has an invalid FrameworkID (Actual: {} vs Expected: {})",
            framework_id.value, framework.id
        ));
    }
    let resources = validate_resources(&executor.resources)
        .map_err(|error| format!("Executor uses invalid resources: {error}"))?;
    validate_unique_persistence_ids(&resources)
        .map_err(|error| format!("Executor uses duplicate persistence ID: {error}"))?;
    validate_allocated_to_single_role(&executor.resources)
        .map_err(|error| format!("Invalid executor resources: {error}"))?;
    validate_revocable_mix(&resources).map_err(|error| {
        format!("Executor mixes revocable and non-revocable resources: {error}")
    })?;
    if let Some(existing) = agent
        .executors
        .get(&framework.id)
        .and_then(|executors| executors.get(&executor.executor_id.value))
        && existing != executor
    {
        return Err(format!(
            "ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID.\n\
             ------------------------------------------------------------\n\
             Existing ExecutorInfo:\n{existing:?}\n\
             ------------------------------------------------------------\n\
             ExecutorInfo:\n{executor:?}\n\
             ------------------------------------------------------------\n"
        ));
    }
    Ok(resources)
}

fn share_cgroups(container: Option<&ContainerInfo>) -> Option<bool> {
    container?.linux_info.as_ref()?.share_cgroups
}

/// The task's own fields (`task::internal::validateTask`), in Mesos's order.
fn validate_task_fields(
    task: &TaskInfo,
    framework: &Framework,
    agent: &Agent,
) -> Result<Resources, Error> {
    let task_id = &task.task_id.value;
    validate_id(task_id)?;
    if framework.tasks.contains_key(task_id) {
        return Err(format!("Task has duplicate ID: {task_id}"));
    }
    if framework.has_unreachable_task(task_id) {
        return Err(format!(
            "Task reuses the ID of an unreachable task: {task_id}"
        ));
    }
    if task.slave_id.value != agent.id {
        return Err(format!(
            "Task uses invalid agent {} while agent {} is expected",
            task.slave_id.value, agent.id
        ));
    }
    if task
        .kill_policy
        .as_ref()
        .and_then(|policy| policy.grace_period)
        .is_some_and(|period| period.nanoseconds < 0)
    {
        return Err("Task's 'kill_policy.grace_period' must be non-negative".into());
    }
    if task
        .max_completion_time
        .is_some_and(|time| time.nanoseconds < 0)
    {
        return Err("Task's `max_completion_time` must be non-negative".into());
    }
    if let Some(check) = &task.check {
        validate_check(check).map_err(|error| format!("Task uses invalid check: {error}"))?;
    }
    if let Some(check) = &task.health_check {
        validate_health_check(check)
            .map_err(|error| format!("Task uses invalid health check: {error}"))?;
    }
    if task.resources.is_empty() {
        return Err("Task uses no resources".into());
    }
    let resources = validate_resources(&task.resources)
        .map_err(|error| format!("Task uses invalid resources: {error}"))?;
    validate_unique_persistence_ids(&resources)
        .map_err(|error| format!("Task uses duplicate persistence ID: {error}"))?;
    validate_allocated_to_single_role(&task.resources)
        .map_err(|error| format!("Invalid task resources: {error}"))?;
    validate_revocable_mix(&resources)
        .map_err(|error| format!("Task mixes revocable and non-revocable resources: {error}"))?;
    if let Some(command) = &task.command {
        validate_command(command)
            .map_err(|error| format!("Task's `CommandInfo` is invalid: {error}"))?;
    }
    validate_limits(task, &resources, agent)?;
    Ok(resources)
}

fn validate_limits(task: &TaskInfo, resources: &Resources, agent: &Agent) -> Result<(), Error> {
    if task.limits.is_empty() {
        return Ok(());
    }
    let capable = agent
        .capabilities
        .iter()
        .any(|capability| capability.r#type() == slave_info::capability::Type::TaskResourceLimits);
    if !capable {
        return Err("Agent is not capable of handling task resource limits".into());
    }
    if task
        .limits
        .keys()
        .any(|name| name != "cpus" && name != "mem")
    {
        return Err("Only cpus and mem may be included in a task's resource limits".into());
    }
    if let Some(limit) = task.limits.get("cpus") {
        let Some(cpus) = resources.cpus() else {
            return Err(
                "When a CPU limit is specified, a CPU request must also be specified".into(),
            );
        };
        if limit.value < cpus.as_f64() {
            return Err("The cpu limit must be greater than or equal to the cpu request".into());
        }
    }
    if let Some(limit) = task.limits.get("mem") {
        let Some(mem) = resources.mem() else {
            return Err(
                "When a memory limit is specified, a memory request must also be specified".into(),
            );
        };
        if !limit.value.is_infinite() && limit.value < mem.as_f64() {
            return Err(
                "The memory limit must be greater than or equal to the memory request".into(),
            );
        }
    }
    Ok(())
}

/// Whether two resource lists share a port range or set item (`detectOverlapping...`).
fn overlapping(a: &Resources, b: &Resources) -> bool {
    for left in a {
        for right in b {
            if left.name() != right.name() {
                continue;
            }
            match (left.value(), right.value()) {
                (Value::Ranges(x), Value::Ranges(y)) => {
                    let meet = x
                        .iter()
                        .any(|a| y.iter().any(|b| a.begin <= b.end && b.begin <= a.end));
                    if meet {
                        return true;
                    }
                }
                (Value::Set(x), Value::Set(y)) if x.iter().any(|item| y.contains_item(item)) => {
                    return true;
                }
                _ => {}
            }
        }
    }
    false
}

/// A task launched with LAUNCH (`validation::task::validate`): its fields, its executor (or
/// command), and that `available` covers the task plus a new executor.
pub fn validate_task(
    task: &TaskInfo,
    framework: &Framework,
    agent: &Agent,
    available: &Resources,
) -> Result<(), Error> {
    let task_resources = validate_task_fields(task, framework, agent)?;
    if task.executor.is_some() == task.command.is_some() {
        return Err(
            "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present"
                .into(),
        );
    }
    let mut total = task_resources.clone();
    if let Some(executor) = &task.executor {
        let executor_resources = validate_executor(executor, framework, agent)?;
        if executor
            .r#type
            .is_some_and(|kind| kind != executor_info::Type::Custom as i32)
        {
            return Err("'ExecutorInfo.type' must be 'CUSTOM'".into());
        }
        if executor.command.is_none() {
            return Err("'ExecutorInfo.command' must be set".into());
        }
        if !executor_resources.shared().is_empty() {
            return Err(format!(
                "Executor resources {executor_resources} should not contain any shared resources"
            ));
        }
        if share_cgroups(executor.container.as_ref()) == Some(true) {
            return Err(
                "The 'share_cgroups' field cannot be set to 'true' on executor containers".into(),
            );
        }
        if overlapping(&task_resources, &executor_resources) {
            return Err(format!(
                "There are overlapping resources in the task resources {task_resources} and \
                 executor resources {executor_resources}"
            ));
        }
        let combined = &task_resources + &executor_resources;
        validate_unique_persistence_ids(&combined).map_err(|error| {
            format!("Task and its executor use duplicate persistence ID: {error}")
        })?;
        validate_revocable_mix(&combined).map_err(|error| {
            format!("Task and its executor mix revocable and non-revocable resources: {error}")
        })?;
        if !agent.has_executor(&framework.id, &executor.executor_id.value) {
            total += &executor_resources;
        }
    }
    if !available.contains(&total) {
        return Err(format!(
            "Total resources {total} required by task and its executor is more than available \
             {available}"
        ));
    }
    if share_cgroups(task.container.as_ref()) == Some(false) {
        return Err("Only tasks in a task group may have 'share_cgroups' set to 'false'".into());
    }
    Ok(())
}

/// A task of a task group (`task::group::internal::validateTask`).
fn validate_group_task(
    task: &TaskInfo,
    framework: &Framework,
    agent: &Agent,
) -> Result<Resources, Error> {
    let resources = validate_task_fields(task, framework, agent)?;
    if task.executor.is_none() {
        return Err("'TaskInfo.executor' must be set".into());
    }
    if let Some(container) = &task.container {
        let http_or_tcp = task.health_check.as_ref().is_some_and(|check| {
            matches!(
                check
                    .r#type
                    .and_then(|kind| health_check::Type::try_from(kind).ok()),
                Some(health_check::Type::Http | health_check::Type::Tcp)
            )
        });
        if !container.network_infos.is_empty() && http_or_tcp {
            return Err(
                "HTTP and TCP health checks are not supported for nested containers not \
                        joining parent's network"
                    .into(),
            );
        }
        if container.r#type == container_info::Type::Docker as i32 {
            return Err("Docker ContainerInfo is not supported on the task".into());
        }
    }
    if !task.limits.is_empty() && share_cgroups(task.container.as_ref()) != Some(false) {
        return Err(
            "Resource limits may only be set for tasks within a task group when the \
                    'share_cgroups' field is set to 'false'."
                .into(),
        );
    }
    Ok(resources)
}

/// A task group launched with LAUNCH_GROUP (`task::group::validate`): every task, then the
/// group's executor, then that `available` covers the tasks plus a new executor.
pub fn validate_task_group(
    group: &TaskGroupInfo,
    executor: &ExecutorInfo,
    framework: &Framework,
    agent: &Agent,
    available: &Resources,
) -> Result<(), Error> {
    let mut tasks_total = Resources::new();
    let mut task_resources = Vec::new();
    for task in &group.tasks {
        let resources = validate_group_task(task, framework, agent)
            .map_err(|error| format!("Task '{}' is invalid: {error}", task.task_id.value))?;
        tasks_total += &resources;
        task_resources.push(resources);
    }
    let executor_resources = validate_executor(executor, framework, agent)?;
    let Some(kind) = executor.r#type else {
        return Err("'ExecutorInfo.type' must be set".into());
    };
    if kind == executor_info::Type::Unknown as i32 {
        return Err("Unknown executor type".into());
    }
    if executor
        .container
        .as_ref()
        .is_some_and(|container| container.r#type == container_info::Type::Docker as i32)
    {
        return Err("Docker ContainerInfo is not supported on the executor".into());
    }
    for task in &group.tasks {
        if task.executor.as_ref().is_some_and(|own| own != executor) {
            return Err(format!(
                "The `ExecutorInfo` of task '{}' is different from executor '{}'",
                task.task_id.value, executor.executor_id.value
            ));
        }
    }
    let executor_id = &executor.executor_id.value;
    match executor_resources.cpus() {
        Some(cpus) if cpus.as_f64() >= MIN_CPUS => {}
        cpus => {
            return Err(format!(
                "Executor '{executor_id}' uses less CPUs ({}) than the minimum required ({MIN_CPUS})",
                cpus.map_or("None".to_string(), |cpus| cpus.to_string())
            ));
        }
    }
    match executor_resources.mem() {
        Some(mem) if mem.as_f64() >= MIN_MEM_MB => {}
        mem => {
            return Err(format!(
                "Executor '{executor_id}' uses less memory ({}) than the minimum required (32MB)",
                mem.map_or("None".to_string(), |mem| format!("{mem}MB"))
            ));
        }
    }
    if executor_resources.disk().is_none() {
        return Err(format!("Executor '{executor_id}' uses no disk"));
    }
    let combined = &tasks_total + &executor_resources;
    validate_unique_persistence_ids(&combined).map_err(|error| {
        format!("Task group and executor use duplicate persistence ID: {error}")
    })?;
    validate_revocable_mix(&combined).map_err(|error| {
        format!("Task group and executor mix revocable and non-revocable resources: {error}")
    })?;
    let mut all = task_resources.clone();
    all.push(executor_resources.clone());
    let overlaps =
        (0..all.len()).any(|i| (i + 1..all.len()).any(|j| overlapping(&all[i], &all[j])));
    if overlaps {
        return Err(format!(
            "There are overlapping resources in the task group's task resources \
             {task_resources:?} and/or executor resources {executor_resources}"
        ));
    }
    let mut total = tasks_total;
    if !agent.has_executor(&framework.id, executor_id) {
        total += &executor_resources;
    }
    if !available.contains(&total) {
        return Err(format!(
            "Total resources {total} required by task group and its executor are more than \
             available {available}"
        ));
    }
    Ok(())
}
