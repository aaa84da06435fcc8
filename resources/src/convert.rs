//! Conversions between our resources and the protobuf `Resource` lists of `proto::v1`
//! (`mesos.v1`) and `proto::v0` (`mesos`), upgrading the pre-refinement `role`/`reservation`
//! fields on the way in and writing the format the reader expects on the way out.

#![allow(deprecated)] // `Resource.role` is deprecated in Mesos's protos but still on the wire.

use crate::{
    DiskInfo, DiskSource, DiskSourceType, InvalidResource, Label, Labels, Persistence, Range,
    ReservationType, Resource, ResourceError, ResourceFormat, Resources, Role, SourceRoot,
    ValueType, Volume, VolumeMode,
    raw::{RawReservation, RawResource},
};

/// Implements the conversions for one protobuf package; v0 and v1 `Resource` have the same
/// fields, so one body serves both.
macro_rules! proto_conversions {
    ($package:ident, $from_list:ident, $to_list:ident, $to_list_in:ident, $from_one:ident, $to_one:ident) => {
        mod $package {
            use super::*;
            use proto::$package as wire;

            fn labels_in(labels: &wire::Labels) -> Labels {
                Labels(
                    labels
                        .labels
                        .iter()
                        .map(|label| Label {
                            key: label.key.clone(),
                            value: label.value.clone(),
                        })
                        .collect(),
                )
            }

            fn labels_out(labels: &Labels) -> wire::Labels {
                wire::Labels {
                    labels: labels
                        .0
                        .iter()
                        .map(|label| wire::Label {
                            key: label.key.clone(),
                            value: label.value.clone(),
                        })
                        .collect(),
                }
            }

            fn reservation_in(reservation: &wire::resource::ReservationInfo) -> RawReservation {
                RawReservation {
                    kind: match reservation.r#type {
                        Some(1) => Some(ReservationType::Static),
                        Some(2) => Some(ReservationType::Dynamic),
                        _ => None,
                    },
                    role: reservation.role.clone(),
                    principal: reservation.principal.clone(),
                    labels: reservation.labels.as_ref().map(labels_in),
                }
            }

            fn reservation_out(reservation: &RawReservation) -> wire::resource::ReservationInfo {
                wire::resource::ReservationInfo {
                    r#type: reservation.kind.map(|kind| match kind {
                        ReservationType::Static => 1,
                        ReservationType::Dynamic => 2,
                    }),
                    role: reservation.role.clone(),
                    principal: reservation.principal.clone(),
                    labels: reservation.labels.as_ref().map(labels_out),
                }
            }

            fn disk_in(disk: &wire::resource::DiskInfo) -> Result<DiskInfo, InvalidResource> {
                let volume = match &disk.volume {
                    None => None,
                    Some(volume) => Some(Volume {
                        container_path: volume.container_path.clone(),
                        host_path: volume.host_path.clone(),
                        mode: match volume.mode {
                            1 => VolumeMode::ReadWrite,
                            2 => VolumeMode::ReadOnly,
                            other => {
                                return Err(InvalidResource::Disk(format!(
                                    "unknown volume mode {other}"
                                )));
                            }
                        },
                    }),
                };
                let source = match &disk.source {
                    None => None,
                    Some(source) => Some(DiskSource {
                        kind: match source.r#type {
                            1 => DiskSourceType::Path,
                            2 => DiskSourceType::Mount,
                            3 => DiskSourceType::Block,
                            4 => DiskSourceType::Raw,
                            other => {
                                return Err(InvalidResource::UnknownDiskSource(other.to_string()))
                            }
                        },
                        path: source.path.as_ref().map(|path| SourceRoot {
                            root: path.root.clone(),
                        }),
                        mount: source.mount.as_ref().map(|mount| SourceRoot {
                            root: mount.root.clone(),
                        }),
                        vendor: source.vendor.clone(),
                        id: source.id.clone(),
                        metadata: source.metadata.as_ref().map(labels_in),
                        profile: source.profile.clone(),
                    }),
                };
                let persistence = disk.persistence.as_ref().map(|persistence| Persistence {
                    id: persistence.id.clone(),
                    principal: persistence.principal.clone(),
                });
                Ok(DiskInfo {
                    persistence,
                    volume,
                    source,
                })
            }

            fn disk_out(disk: &DiskInfo) -> wire::resource::DiskInfo {
                use wire::resource::disk_info;
                wire::resource::DiskInfo {
                    persistence: disk.persistence.as_ref().map(|persistence| {
                        disk_info::Persistence {
                            id: persistence.id.clone(),
                            principal: persistence.principal.clone(),
                        }
                    }),
                    volume: disk.volume.as_ref().map(|volume| wire::Volume {
                        mode: match volume.mode {
                            VolumeMode::ReadWrite => 1,
                            VolumeMode::ReadOnly => 2,
                        },
                        container_path: volume.container_path.clone(),
                        host_path: volume.host_path.clone(),
                        ..Default::default()
                    }),
                    source: disk.source.as_ref().map(|source| disk_info::Source {
                        r#type: match source.kind {
                            DiskSourceType::Path => 1,
                            DiskSourceType::Mount => 2,
                            DiskSourceType::Block => 3,
                            DiskSourceType::Raw => 4,
                        },
                        path: source.path.as_ref().map(|path| disk_info::source::Path {
                            root: path.root.clone(),
                        }),
                        mount: source.mount.as_ref().map(|mount| disk_info::source::Mount {
                            root: mount.root.clone(),
                        }),
                        vendor: source.vendor.clone(),
                        id: source.id.clone(),
                        metadata: source.metadata.as_ref().map(labels_out),
                        profile: source.profile.clone(),
                    }),
                }
            }

            fn raw_in(resource: &wire::Resource) -> Result<RawResource, InvalidResource> {
                Ok(RawResource {
                    name: resource.name.clone(),
                    value_type: match resource.r#type {
                        0 => Some(ValueType::Scalar),
                        1 => Some(ValueType::Ranges),
                        2 => Some(ValueType::Set),
                        3 => Some(ValueType::Text),
                        other => {
                            return Err(InvalidResource::BadType(format!("unknown type {other}")))
                        }
                    },
                    scalar: resource.scalar.as_ref().map(|scalar| scalar.value),
                    ranges: resource.ranges.as_ref().map(|ranges| {
                        ranges
                            .range
                            .iter()
                            .map(|range| Range::new(range.begin, range.end))
                            .collect()
                    }),
                    set: resource.set.as_ref().map(|set| set.item.clone()),
                    role: resource.role.clone(),
                    reservation: resource.reservation.as_ref().map(reservation_in),
                    reservations: resource.reservations.iter().map(reservation_in).collect(),
                    allocation_role: resource
                        .allocation_info
                        .as_ref()
                        .and_then(|info| info.role.clone()),
                    disk: resource.disk.as_ref().map(disk_in).transpose()?,
                    revocable: resource.revocable.is_some(),
                    shared: resource.shared.is_some(),
                    provider_id: resource.provider_id.as_ref().map(|id| id.value.clone()),
                })
            }

            fn raw_out(raw: &RawResource) -> wire::Resource {
                wire::Resource {
                    provider_id: raw
                        .provider_id
                        .clone()
                        .map(|value| wire::ResourceProviderId { value }),
                    name: raw.name.clone(),
                    r#type: match raw.value_type {
                        Some(ValueType::Ranges) => 1,
                        Some(ValueType::Set) => 2,
                        Some(ValueType::Text) => 3,
                        Some(ValueType::Scalar) | None => 0,
                    },
                    scalar: raw.scalar.map(|value| wire::value::Scalar { value }),
                    ranges: raw.ranges.as_ref().map(|ranges| wire::value::Ranges {
                        range: ranges
                            .iter()
                            .map(|range| wire::value::Range {
                                begin: range.begin,
                                end: range.end,
                            })
                            .collect(),
                    }),
                    set: raw.set.clone().map(|item| wire::value::Set { item }),
                    role: raw.role.clone(),
                    allocation_info: raw
                        .allocation_role
                        .clone()
                        .map(|role| wire::resource::AllocationInfo { role: Some(role) }),
                    reservation: raw.reservation.as_ref().map(reservation_out),
                    reservations: raw.reservations.iter().map(reservation_out).collect(),
                    disk: raw.disk.as_ref().map(disk_out),
                    revocable: raw.revocable.then_some(wire::resource::RevocableInfo {}),
                    shared: raw.shared.then_some(wire::resource::SharedInfo {}),
                }
            }

            /// Upgrades and validates one protobuf resource; without `role` or `reservations`
            /// it is unreserved.
            pub fn $from_one(resource: &wire::Resource) -> Result<Resource, InvalidResource> {
                raw_in(resource)?.into_resource(&Role::star())
            }

            /// Writes one resource in the post-refinement format.
            pub fn $to_one(resource: &Resource) -> wire::Resource {
                let raw = RawResource::from_resource(resource, ResourceFormat::PostRefinement);
                // The post-refinement format can write every resource.
                raw_out(&raw.unwrap_or_default())
            }

            impl Resources {
                /// Upgrades, validates and combines a protobuf resource list (Mesos accepts
                /// both reservation formats; see [`ResourceFormat`]).
                pub fn $from_list(list: &[wire::Resource]) -> Result<Resources, ResourceError> {
                    let mut result = Resources::new();
                    for resource in list {
                        let converted = $from_one(resource).map_err(|error| ResourceError {
                            resource: format!("{resource:?}"),
                            error,
                        })?;
                        result.try_add_resource(converted)?;
                    }
                    Ok(result)
                }

                /// Writes the resources in the post-refinement format (a shared resource once,
                /// whatever its count, as Mesos does).
                pub fn $to_list(&self) -> Vec<wire::Resource> {
                    self.iter().map($to_one).collect()
                }

                /// Writes the resources in `format`; fails for refined reservations in
                /// [`ResourceFormat::PreRefinement`] (Mesos's `downgradeResources`).
                pub fn $to_list_in(
                    &self,
                    format: ResourceFormat,
                ) -> Result<Vec<wire::Resource>, InvalidResource> {
                    self.iter()
                        .map(|resource| {
                            RawResource::from_resource(resource, format).map(|raw| raw_out(&raw))
                        })
                        .collect()
                }
            }
        }

        pub use $package::{$from_one, $to_one};
    };
}

proto_conversions!(
    v1,
    from_proto_v1,
    to_proto_v1,
    to_proto_v1_in,
    resource_from_v1,
    resource_to_v1
);
proto_conversions!(
    v0,
    from_proto_v0,
    to_proto_v0,
    to_proto_v0_in,
    resource_from_v0,
    resource_to_v0
);
