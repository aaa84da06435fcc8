//! Validation of resources: Mesos's `Resources::validate`, the agent's command-line rules, and
//! the master's checks on task and volume resources (gpus, disk info, persistence ids).

use std::collections::BTreeMap;

use crate::{
    DiskSourceType, InvalidResource, ParseError, ReservationType, Resource, ValueType,
    role::is_strict_subrole,
};

impl Resource {
    /// Checks what Mesos's `Resources::validate` checks that our types do not already rule
    /// out: a name, disk info only on `disk`, sane disk sources, reservation stacks that refine
    /// (each role a strict subrole of the one below, static only at the bottom, never `*`),
    /// and sharing only for persistent volumes.
    pub fn validate(&self) -> Result<(), InvalidResource> {
        if self.name().is_empty() {
            return Err(InvalidResource::EmptyName);
        }
        if let Some(disk) = self.disk() {
            if self.name() != "disk" {
                return Err(InvalidResource::DiskInfoOnNonDisk(self.name().to_string()));
            }
            if let Some(source) = &disk.source
                && matches!(source.kind, DiskSourceType::Block | DiskSourceType::Raw)
            {
                if source.mount.is_some() {
                    return Err(InvalidResource::MountOnSource(source.kind.as_str()));
                }
                if source.path.is_some() {
                    return Err(InvalidResource::PathOnSource(source.kind.as_str()));
                }
            }
        }
        validate_reservations(self)?;
        if self.is_shared() {
            if self.name() != "disk" {
                return Err(InvalidResource::CannotBeShared(self.name().to_string()));
            }
            if !self.is_persistent_volume() {
                return Err(InvalidResource::SharedNotPersistentVolume);
            }
        }
        Ok(())
    }
}

fn validate_reservations(resource: &Resource) -> Result<(), InvalidResource> {
    let stack = resource.reservations();
    if stack.iter().any(|reservation| reservation.role.is_star()) {
        return Err(InvalidResource::ReservedToStar);
    }
    for pair in stack.windows(2) {
        let (below, above) = (&pair[0], &pair[1]);
        if above.kind == ReservationType::Static {
            return Err(InvalidResource::StaticRefinement);
        }
        if !is_strict_subrole(above.role.as_str(), below.role.as_str()) {
            return Err(InvalidResource::NotARefinement {
                role: above.role.to_string(),
                ancestor: below.role.to_string(),
            });
        }
    }
    Ok(())
}

/// The rules for resources given on the agent's command line (`--resources`): no persistent
/// volumes, no revocable resources, no dynamic reservations, and one type per name.
pub fn validate_command_line<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
) -> Result<(), ParseError> {
    let mut types: BTreeMap<&str, ValueType> = BTreeMap::new();
    for resource in resources {
        if resource.is_persistent_volume() {
            return Err(ParseError::PersistentVolume);
        }
        if resource.is_revocable() {
            return Err(ParseError::Revocable);
        }
        if resource.is_dynamically_reserved() {
            return Err(ParseError::DynamicReservation);
        }
        match types.get(resource.name()) {
            Some(&kind) if kind != resource.value_type() => {
                return Err(ParseError::MixedTypes(resource.name().to_string()));
            }
            Some(_) => {}
            None => {
                types.insert(resource.name(), resource.value_type());
            }
        }
    }
    Ok(())
}

/// The master's rule for `gpus`: whole numbers only.
pub fn validate_gpus<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
) -> Result<(), InvalidResource> {
    for resource in resources {
        if resource.name() == "gpus" && resource.as_scalar().is_some_and(|gpus| !gpus.is_whole()) {
            return Err(InvalidResource::FractionalGpus);
        }
    }
    Ok(())
}

/// The master's rules for disk info in task and volume resources: persistent volumes must be
/// reserved, non-revocable, have a volume without a host path and a valid id; a volume without
/// persistence is not supported; disk info must not be empty.
pub fn validate_disk_infos<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
) -> Result<(), InvalidResource> {
    let fail = |message: String| Err(InvalidResource::Disk(message));
    for resource in resources {
        let Some(disk) = resource.disk() else {
            continue;
        };
        if let Some(persistence) = &disk.persistence {
            if resource.is_revocable() {
                return fail(
                    "Persistent volumes cannot be created from revocable resources".into(),
                );
            }
            if resource.is_unreserved() {
                return fail(
                    "Persistent volumes cannot be created from unreserved resources".into(),
                );
            }
            let Some(volume) = &disk.volume else {
                return fail("Expecting 'volume' to be set for persistent volume".into());
            };
            if volume.host_path.is_some() {
                return fail("Expecting 'host_path' to be unset for persistent volume".into());
            }
            if let Err(problem) = validate_id(&persistence.id) {
                return fail(format!(
                    "Invalid persistence ID for persistent volume: {problem}"
                ));
            }
        } else if disk.volume.is_some() {
            return fail("Non-persistent volume not supported".into());
        } else if disk.source.is_none() {
            return fail("DiskInfo is set but empty".into());
        }
    }
    Ok(())
}

/// Mesos's rules for ids (task ids, persistence ids, ...): not empty, at most 255 bytes, not
/// `.` or `..`, no control characters and no slashes.
pub fn validate_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("ID must not be empty".into());
    }
    if id.len() > 255 {
        return Err("ID must not be greater than 255 characters".into());
    }
    if id == "." || id == ".." {
        return Err(format!("'{id}' is disallowed"));
    }
    if id
        .bytes()
        .any(|b| b.is_ascii_control() || b == b'/' || b == b'\\')
    {
        return Err(format!("'{id}' contains invalid characters"));
    }
    Ok(())
}
