//! What the master checks before acting, as Mesos's src/master/validation.cpp: scheduler calls,
//! framework infos, offers named in an ACCEPT, tasks, task groups and executors, and agents'
//! (re)registration messages. Every check returns Mesos's message so frameworks see the same
//! reasons they would from Mesos.

pub mod agent;
pub mod framework;
pub mod offers;
pub mod task;

use std::collections::HashSet;

use proto::v0::{
    CheckInfo, CommandInfo, HealthCheck, Resource, check_info, environment, health_check,
};
use resources::Resources;

/// A validation failure: Mesos's message.
pub type Error = String;

/// Mesos's id rules (task, executor, framework and agent ids): not empty, at most 255 bytes,
/// not `.` or `..`, no control characters and no slashes.
pub fn validate_id(id: &str) -> Result<(), Error> {
    resources::validate_id(id)
}

/// Parses and validates a resource list, as Mesos's `resource::validate` plus the checks every
/// task and executor resource list gets.
pub fn validate_resources(list: &[Resource]) -> Result<Resources, Error> {
    Resources::from_proto_v0(list).map_err(|error| error.to_string())
}

/// All resources are allocated to one role (`validateAllocatedToSingleRole`).
pub fn validate_allocated_to_single_role(list: &[Resource]) -> Result<(), Error> {
    let mut role: Option<&str> = None;
    for resource in list {
        let Some(this) = resource
            .allocation_info
            .as_ref()
            .and_then(|info| info.role.as_deref())
        else {
            return Err("The resources are not allocated to a role".into());
        };
        match role {
            None => role = Some(this),
            Some(first) if first != this => {
                return Err(format!(
                    "The resources have multiple allocation roles ('{this}' and '{first}') but \
                     only one allocation role is allowed"
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// No resource name is both revocable and not (`validateRevocableAndNonRevocableResources`).
pub fn validate_revocable_mix(resources: &Resources) -> Result<(), Error> {
    let mut revocable = HashSet::new();
    let mut regular = HashSet::new();
    for resource in resources {
        if resource.is_revocable() {
            revocable.insert(resource.name().to_string());
        } else {
            regular.insert(resource.name().to_string());
        }
    }
    match revocable.intersection(&regular).next() {
        Some(name) => Err(format!(
            "Cannot use both revocable and non-revocable '{name}' at the same time"
        )),
        None => Ok(()),
    }
}

/// Persistent volumes carry distinct persistence ids (`validateUniquePersistenceID`).
pub fn validate_unique_persistence_ids(resources: &Resources) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for resource in resources {
        if let Some(persistence) = resource.disk().and_then(|disk| disk.persistence.as_ref())
            && !seen.insert((resource.reservation_role().cloned(), persistence.id.clone()))
        {
            return Err(format!("Persistence ID '{}' is not unique", persistence.id));
        }
    }
    Ok(())
}

/// A command's environment (`validateCommandInfo`): VALUE variables have a value and no
/// secret, SECRET variables a secret and no value, UNKNOWN is refused.
pub fn validate_command(command: &CommandInfo) -> Result<(), Error> {
    let Some(environment) = &command.environment else {
        return Ok(());
    };
    for variable in &environment.variables {
        match variable.r#type() {
            environment::variable::Type::Value => {
                if variable.value.is_none() {
                    return Err(format!(
                        "Environment variable '{}' of type 'VALUE' must have a value set",
                        variable.name
                    ));
                }
                if variable.secret.is_some() {
                    return Err(format!(
                        "Environment variable '{}' of type 'VALUE' must not have a secret set",
                        variable.name
                    ));
                }
            }
            environment::variable::Type::Secret => {
                if variable.secret.is_none() {
                    return Err(format!(
                        "Environment variable '{}' of type 'SECRET' must have a secret set",
                        variable.name
                    ));
                }
                if variable.value.is_some() {
                    return Err(format!(
                        "Environment variable '{}' of type 'SECRET' must not have a value set",
                        variable.name
                    ));
                }
            }
            environment::variable::Type::Unknown => {
                return Err("Environment variable of type 'UNKNOWN' is not allowed".into());
            }
        }
    }
    Ok(())
}

fn command_kind(command: &CommandInfo) -> &'static str {
    if command.shell() {
        "'shell command'"
    } else {
        "'executable path'"
    }
}

fn non_negative(name: &str, value: Option<f64>) -> Result<(), Error> {
    match value {
        Some(value) if value < 0.0 => Err(format!("Expecting '{name}' to be non-negative")),
        _ => Ok(()),
    }
}

/// A health check's sanity (`validateHealthCheck`).
pub fn validate_health_check(check: &HealthCheck) -> Result<(), Error> {
    let Some(kind) = check.r#type else {
        return Err("HealthCheck must specify 'type'".into());
    };
    match health_check::Type::try_from(kind).unwrap_or(health_check::Type::Unknown) {
        health_check::Type::Command => {
            let Some(command) = &check.command else {
                return Err("Expecting 'command' to be set for COMMAND health check".into());
            };
            if command.value.is_none() {
                return Err(format!(
                    "Command health check must contain {}",
                    command_kind(command)
                ));
            }
            validate_command(command)
                .map_err(|error| format!("Health check's `CommandInfo` is invalid: {error}"))?;
        }
        health_check::Type::Http => {
            let Some(http) = &check.http else {
                return Err("Expecting 'http' to be set for HTTP health check".into());
            };
            if let Some(scheme) = &http.scheme
                && scheme != "http"
                && scheme != "https"
            {
                return Err(format!("Unsupported HTTP health check scheme: '{scheme}'"));
            }
            if let Some(path) = &http.path
                && !path.starts_with('/')
            {
                return Err(format!(
                    "The path '{path}' of HTTP health check must start with '/'"
                ));
            }
        }
        health_check::Type::Tcp => {
            if check.tcp.is_none() {
                return Err("Expecting 'tcp' to be set for TCP health check".into());
            }
        }
        health_check::Type::Unknown => {
            return Err("'UNKNOWN' is not a valid health check type".into());
        }
    }
    non_negative("delay_seconds", check.delay_seconds)?;
    non_negative("grace_period_seconds", check.grace_period_seconds)?;
    non_negative("interval_seconds", check.interval_seconds)?;
    non_negative("timeout_seconds", check.timeout_seconds)
}

/// A general check's sanity (`validateCheckInfo`).
pub fn validate_check(check: &CheckInfo) -> Result<(), Error> {
    let Some(kind) = check.r#type else {
        return Err("CheckInfo must specify 'type'".into());
    };
    match check_info::Type::try_from(kind).unwrap_or(check_info::Type::Unknown) {
        check_info::Type::Command => {
            let Some(command) = check.command.as_ref().map(|command| &command.command) else {
                return Err("Expecting 'command' to be set for COMMAND check".into());
            };
            if command.value.is_none() {
                return Err(format!(
                    "Command check must contain {}",
                    command_kind(command)
                ));
            }
            validate_command(command)
                .map_err(|error| format!("Check's `CommandInfo` is invalid: {error}"))?;
        }
        check_info::Type::Http => {
            let Some(http) = &check.http else {
                return Err("Expecting 'http' to be set for HTTP check".into());
            };
            if let Some(path) = &http.path
                && !path.starts_with('/')
            {
                return Err(format!(
                    "The path '{path}' of HTTP check must start with '/'"
                ));
            }
        }
        check_info::Type::Tcp => {
            if check.tcp.is_none() {
                return Err("Expecting 'tcp' to be set for TCP check".into());
            }
        }
        check_info::Type::Unknown => {
            return Err("'UNKNOWN' is not a valid check type".into());
        }
    }
    non_negative("delay_seconds", check.delay_seconds)?;
    non_negative("interval_seconds", check.interval_seconds)?;
    non_negative("timeout_seconds", check.timeout_seconds)
}
