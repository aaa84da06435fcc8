//! Helpers shared by the resources integration tests: short constructors in Mesos's test style.

#![allow(dead_code)]

use resources::{DiskInfo, DiskSource, Labels, ReservationInfo, Resource, Resources, Role, Scalar};

/// Parses `--resources` text with the default role `*`, panicking on error (test input only).
pub fn parse(text: &str) -> Resources {
    Resources::parse(text, &Role::star()).unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// A valid role.
pub fn role(name: &str) -> Role {
    Role::new(name).expect("valid role")
}

/// A scalar resource.
pub fn scalar(name: &str, value: f64) -> Resource {
    Resource::scalar(name, value).expect("valid scalar")
}

/// Wraps resources, validating them.
pub fn resources(list: Vec<Resource>) -> Resources {
    Resources::from_resources(list).expect("valid resources")
}

/// A dynamic reservation for `role_name` by `principal`.
pub fn dynamic(role_name: &str, principal: Option<&str>) -> ReservationInfo {
    ReservationInfo::dynamic_for(role(role_name), principal)
}

/// A dynamic reservation with labels.
pub fn dynamic_with_labels(role_name: &str, principal: &str, labels: Labels) -> ReservationInfo {
    dynamic(role_name, Some(principal)).with_labels(labels)
}

/// A static reservation.
pub fn fixed(role_name: &str) -> ReservationInfo {
    ReservationInfo::static_for(role(role_name))
}

/// Mesos's `createDiskResource(value, role, persistenceId, containerPath, source, shared)`:
/// role `*` means unreserved, otherwise a static reservation, as Mesos's helper does.
pub fn disk(
    value: f64,
    role_name: &str,
    persistence: Option<&str>,
    container_path: Option<&str>,
    source: Option<DiskSource>,
    shared: bool,
) -> Resource {
    let mut info = DiskInfo::default();
    if let Some(id) = persistence {
        info = DiskInfo::persistent_volume(id, None, container_path.unwrap_or(""));
    } else if let Some(path) = container_path {
        info.volume = Some(resources::Volume {
            container_path: path.to_string(),
            host_path: None,
            mode: resources::VolumeMode::ReadWrite,
        });
    }
    info.source = source;
    let mut resource = Resource::new("disk", Scalar::from_f64(value).expect("valid"));
    if persistence.is_some() || container_path.is_some() || info.source.is_some() {
        resource = resource.with_disk(info);
    }
    if role_name != "*" {
        resource = resource.reserved(fixed(role_name));
    }
    resource.with_shared(shared)
}
