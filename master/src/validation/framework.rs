//! Validation of frameworks and scheduler calls (Mesos's `validation::framework` and
//! `validation::scheduler::call`).

use std::collections::BTreeSet;

use proto::v0::{
    FrameworkInfo,
    framework_info::capability::Type as Capability,
    scheduler::{Call, call::Type as CallType},
};

use super::{Error, validate_id};
use crate::books::{has_capability, roles_of};

/// A `FrameworkInfo` on its own: roles in the right field, unique and valid; a valid id; a
/// usable `failover_timeout`.
pub fn validate_framework_info(info: &FrameworkInfo) -> Result<(), Error> {
    let multi_role = has_capability(info, Capability::MultiRole);
    #[allow(deprecated)] // `role` is checked because non-MULTI_ROLE frameworks use it.
    let single_role = info.role.clone();
    if multi_role {
        if single_role.is_some() {
            return Err(
                "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable"
                    .into(),
            );
        }
        let mut seen = BTreeSet::new();
        let duplicates: BTreeSet<&String> = info
            .roles
            .iter()
            .filter(|role| !seen.insert(*role))
            .collect();
        if !duplicates.is_empty() {
            return Err(format!(
                "'FrameworkInfo.roles' contains duplicate items: {{ {} }}",
                duplicates
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for role in &info.roles {
            resources::role::validate_role(role)
                .map_err(|error| format!("'FrameworkInfo.roles' contains invalid role: {error}"))?;
        }
    } else {
        if !info.roles.is_empty() {
            return Err(
                "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE \
                 capable"
                    .into(),
            );
        }
        let role = single_role.unwrap_or_else(|| "*".to_string());
        resources::role::validate_role(&role)
            .map_err(|error| format!("'FrameworkInfo.role' is not a valid role: {error}"))?;
    }
    if let Some(id) = &info.id
        && !id.value.is_empty()
    {
        validate_id(&id.value)?;
    }
    let timeout = info.failover_timeout();
    if !timeout.is_finite() || timeout.abs() > (i64::MAX / 1_000_000_000) as f64 {
        return Err(format!(
            "The framework failover_timeout ({timeout}) is invalid"
        ));
    }
    Ok(())
}

/// The framework's roles are all allowed by `--roles` (when given).
pub fn validate_roles_allowed(
    info: &FrameworkInfo,
    allowed: Option<&BTreeSet<String>>,
) -> Result<(), Error> {
    let Some(allowed) = allowed else {
        return Ok(());
    };
    let invalid: Vec<String> = roles_of(info)
        .into_iter()
        .filter(|role| role != "*" && !allowed.contains(role))
        .collect();
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Roles {{ {} }} are not present in the master's --roles",
            invalid.join(", ")
        ))
    }
}

/// What a resubscription or UPDATE_FRAMEWORK may not change: principal, user, checkpoint.
pub fn validate_update(old: &FrameworkInfo, new: &FrameworkInfo) -> Result<(), Error> {
    if old.principal != new.principal {
        return Err("Changing framework's principal is not allowed.".into());
    }
    if old.user != new.user {
        return Err(format!(
            "Updating 'FrameworkInfo.user' is unsupported; attempted to update from '{}' to '{}'",
            old.user, new.user
        ));
    }
    if old.checkpoint() != new.checkpoint() {
        return Err(format!(
            "Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '{}' \
             to '{}'",
            old.checkpoint(),
            new.checkpoint()
        ));
    }
    Ok(())
}

/// Suppressed roles are among the framework's roles.
pub fn validate_suppressed_roles(
    roles: &BTreeSet<String>,
    suppressed: &[String],
) -> Result<(), Error> {
    let invalid: Vec<&String> = suppressed
        .iter()
        .filter(|role| !roles.contains(*role))
        .collect();
    if invalid.is_empty() {
        return Ok(());
    }
    Err(format!(
        "Suppressed roles {{ {} }} are not contained in the set of roles",
        invalid.into_iter().cloned().collect::<Vec<_>>().join(", ")
    ))
}

/// A scheduler call's shape (`validation::scheduler::call::validate`): a type, the payload
/// for that type, a framework id on everything but SUBSCRIBE, a 16-byte uuid on ACKNOWLEDGE.
pub fn validate_call(call: &Call) -> Result<(), Error> {
    let Some(kind) = call.r#type else {
        return Err("Expecting 'type' to be present".into());
    };
    let kind = CallType::try_from(kind).unwrap_or(CallType::Unknown);
    if kind == CallType::Subscribe {
        let Some(subscribe) = &call.subscribe else {
            return Err("Expecting 'subscribe' to be present".into());
        };
        if subscribe.framework_info.id != call.framework_id {
            return Err("'framework_id' differs from 'subscribe.framework_info.id'".into());
        }
        return Ok(());
    }
    if call.framework_id.is_none() {
        return Err("Expecting 'framework_id' to be present".into());
    }
    let missing = |name: &str| Err(format!("Expecting '{name}' to be present"));
    match kind {
        CallType::Accept if call.accept.is_none() => missing("accept"),
        CallType::Decline if call.decline.is_none() => missing("decline"),
        CallType::AcceptInverseOffers if call.accept_inverse_offers.is_none() => {
            missing("accept_inverse_offers")
        }
        CallType::DeclineInverseOffers if call.decline_inverse_offers.is_none() => {
            missing("decline_inverse_offers")
        }
        CallType::Kill if call.kill.is_none() => missing("kill"),
        CallType::Shutdown if call.shutdown.is_none() => missing("shutdown"),
        CallType::Acknowledge => match &call.acknowledge {
            None => missing("acknowledge"),
            Some(acknowledge) if acknowledge.uuid.len() != 16 => {
                Err("Not a valid UUID: expecting 16 bytes".into())
            }
            Some(_) => Ok(()),
        },
        CallType::AcknowledgeOperationStatus => match &call.acknowledge_operation_status {
            None => missing("acknowledge_operation_status"),
            Some(acknowledge) if acknowledge.uuid.len() != 16 => {
                Err("Not a valid UUID: expecting 16 bytes".into())
            }
            Some(acknowledge) if acknowledge.slave_id.is_none() => missing("agent_id"),
            Some(_) => Ok(()),
        },
        CallType::Reconcile if call.reconcile.is_none() => missing("reconcile"),
        CallType::ReconcileOperations if call.reconcile_operations.is_none() => {
            missing("reconcile_operations")
        }
        CallType::Message if call.message.is_none() => missing("message"),
        CallType::Request if call.request.is_none() => missing("request"),
        CallType::UpdateFramework => match &call.update_framework {
            None => missing("update_framework"),
            Some(update) if update.framework_info.id != call.framework_id => {
                Err("'framework_id' differs from 'update_framework.framework_info.id'".into())
            }
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::v0::{
        FrameworkId, framework_info,
        scheduler::call::{Acknowledge, Subscribe},
    };

    fn info() -> FrameworkInfo {
        FrameworkInfo {
            user: "u".into(),
            name: "n".into(),
            ..FrameworkInfo::default()
        }
    }

    #[test]
    fn framework_info_rules() {
        assert_eq!(validate_framework_info(&info()), Ok(()));
        let mut multi = info();
        multi.capabilities.push(framework_info::Capability {
            r#type: Some(Capability::MultiRole as i32),
        });
        multi.roles = vec!["a".into(), "a".into()];
        assert!(
            validate_framework_info(&multi)
                .unwrap_err()
                .contains("duplicate")
        );
        let mut single = info();
        single.roles = vec!["a".into()];
        assert!(
            validate_framework_info(&single)
                .unwrap_err()
                .contains("must not be set")
        );
        let mut bad = info();
        bad.failover_timeout = Some(f64::NAN);
        assert!(
            validate_framework_info(&bad)
                .unwrap_err()
                .contains("failover_timeout")
        );
        let mut id = info();
        id.id = Some(FrameworkId {
            value: "a/b".into(),
        });
        assert!(validate_framework_info(&id).is_err());

        let mut other = info();
        other.principal = Some("p".into());
        assert!(
            validate_update(&info(), &other)
                .unwrap_err()
                .contains("principal")
        );
        let allowed = BTreeSet::from(["a".to_string()]);
        #[allow(deprecated)]
        let web = FrameworkInfo {
            role: Some("web".into()),
            ..info()
        };
        assert!(validate_roles_allowed(&web, Some(&allowed)).is_err());
        assert!(validate_roles_allowed(&info(), Some(&allowed)).is_ok());
    }

    #[test]
    fn call_rules() {
        let mut call = Call {
            r#type: Some(CallType::Subscribe as i32),
            ..Call::default()
        };
        assert_eq!(
            validate_call(&call).unwrap_err(),
            "Expecting 'subscribe' to be present"
        );
        call.subscribe = Some(Subscribe {
            framework_info: info(),
            ..Subscribe::default()
        });
        assert_eq!(validate_call(&call), Ok(()));
        call.framework_id = Some(FrameworkId { value: "f".into() });
        assert!(validate_call(&call).unwrap_err().contains("differs"));

        let mut ack = Call {
            r#type: Some(CallType::Acknowledge as i32),
            ..Call::default()
        };
        assert!(validate_call(&ack).unwrap_err().contains("framework_id"));
        ack.framework_id = Some(FrameworkId { value: "f".into() });
        ack.acknowledge = Some(Acknowledge {
            uuid: vec![1, 2, 3],
            ..Acknowledge::default()
        });
        assert!(validate_call(&ack).unwrap_err().contains("UUID"));
        assert!(
            validate_call(&Call::default())
                .unwrap_err()
                .contains("'type'")
        );
    }
}
