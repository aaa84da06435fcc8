//! The wire shape of a resource (every field optional, both reservation formats), shared by
//! the JSON and protobuf conversions: upgrading it to a [`Resource`] with Mesos's checks, and
//! downgrading a [`Resource`] to the format a reader expects.

use crate::{
    DiskInfo, InvalidResource, Labels, Range, Ranges, ReservationInfo, ReservationType, Resource,
    Role, Scalar, Set, Value, ValueType,
};

/// Which reservation fields a resource is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceFormat {
    /// Only `reservations` (the stack); what masters and agents exchange today.
    PostRefinement,
    /// Only the deprecated `role` and `reservation` fields, for readers that predate
    /// reservation refinement; impossible for refined reservations.
    PreRefinement,
    /// Both, as Mesos's HTTP endpoints write them: `role` (and `reservation` for a dynamic
    /// reservation) describe the top of the stack when the stack has one entry.
    Endpoint,
}

/// A reservation as it appears on the wire.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RawReservation {
    pub(crate) kind: Option<ReservationType>,
    pub(crate) role: Option<String>,
    pub(crate) principal: Option<String>,
    pub(crate) labels: Option<Labels>,
}

/// A resource as it appears on the wire (proto2 `Resource`, or its JSON).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RawResource {
    pub(crate) name: String,
    pub(crate) value_type: Option<ValueType>,
    pub(crate) scalar: Option<f64>,
    pub(crate) ranges: Option<Vec<Range>>,
    pub(crate) set: Option<Vec<String>>,
    pub(crate) role: Option<String>,
    pub(crate) reservation: Option<RawReservation>,
    pub(crate) reservations: Vec<RawReservation>,
    pub(crate) allocation_role: Option<String>,
    pub(crate) disk: Option<DiskInfo>,
    pub(crate) revocable: bool,
    pub(crate) shared: bool,
    pub(crate) provider_id: Option<String>,
}

fn role(name: &str) -> Result<Role, InvalidResource> {
    Role::new(name).map_err(InvalidResource::Role)
}

/// Turns a scalar read from the wire into a [`Scalar`], rejecting what Mesos rejects.
pub(crate) fn resource_scalar(value: f64) -> Result<Scalar, InvalidResource> {
    let scalar = Scalar::from_f64(value).map_err(InvalidResource::Scalar)?;
    if value != 0.0 && scalar.is_zero() {
        return Err(InvalidResource::RoundsToZero(value));
    }
    Ok(scalar)
}

impl RawReservation {
    fn into_reservation(self) -> Result<ReservationInfo, InvalidResource> {
        let kind = self.kind.ok_or(InvalidResource::ReservationTypeMissing)?;
        let role = role(
            self.role
                .as_deref()
                .ok_or(InvalidResource::ReservationRoleMissing)?,
        )?;
        Ok(ReservationInfo {
            kind,
            role,
            principal: self.principal,
            labels: self.labels,
        })
    }
}

impl RawResource {
    /// Upgrades to a [`Resource`], checking everything Mesos's `Resources::validate` checks.
    /// A resource with neither `role` nor `reservations` gets `default_role`.
    pub(crate) fn into_resource(self, default_role: &Role) -> Result<Resource, InvalidResource> {
        if self.name.is_empty() {
            return Err(InvalidResource::EmptyName);
        }
        let value = self.value()?;
        let reservations =
            upgrade_reservations(self.role, self.reservation, self.reservations, default_role)?;
        let mut resource = Resource::new(&self.name, value)
            .with_reservations(reservations)
            .with_revocable(self.revocable)
            .with_shared(self.shared);
        if let Some(allocation) = self.allocation_role {
            resource = resource.allocated_to(role(&allocation)?);
        }
        if let Some(disk) = self.disk {
            resource = resource.with_disk(disk);
        }
        if let Some(provider) = self.provider_id {
            resource = resource.with_provider_id(&provider);
        }
        resource.validate()?;
        Ok(resource)
    }

    fn value(&self) -> Result<Value, InvalidResource> {
        let mismatch = |kind: &'static str, problem: &str| InvalidResource::ValueMismatch {
            kind,
            problem: problem.to_string(),
        };
        let (has_scalar, has_ranges, has_set) = (
            self.scalar.is_some(),
            self.ranges.is_some(),
            self.set.is_some(),
        );
        match self.value_type {
            None => Err(InvalidResource::BadType("missing".into())),
            Some(ValueType::Text) => Err(InvalidResource::BadType(
                "TEXT is not a resource type".into(),
            )),
            Some(ValueType::Scalar) => {
                if !has_scalar || has_ranges || has_set {
                    return Err(mismatch(
                        "scalar",
                        "type SCALAR needs 'scalar' and no 'ranges' or 'set'",
                    ));
                }
                Ok(Value::Scalar(resource_scalar(
                    self.scalar.unwrap_or_default(),
                )?))
            }
            Some(ValueType::Ranges) => {
                if has_scalar || !has_ranges || has_set {
                    return Err(mismatch(
                        "ranges",
                        "type RANGES needs 'ranges' and no 'scalar' or 'set'",
                    ));
                }
                let ranges = self.ranges.clone().unwrap_or_default();
                Ok(Value::Ranges(
                    Ranges::from_disjoint(ranges).map_err(InvalidResource::Ranges)?,
                ))
            }
            Some(ValueType::Set) => {
                if has_scalar || has_ranges || !has_set {
                    return Err(mismatch(
                        "set",
                        "type SET needs 'set' and no 'scalar' or 'ranges'",
                    ));
                }
                let items = self.set.clone().unwrap_or_default();
                Ok(Value::Set(
                    Set::from_distinct(items).map_err(InvalidResource::Set)?,
                ))
            }
        }
    }

    /// Writes `resource` in `format`; fails only for refined reservations in the
    /// pre-refinement format.
    pub(crate) fn from_resource(
        resource: &Resource,
        format: ResourceFormat,
    ) -> Result<RawResource, InvalidResource> {
        let (scalar, ranges, set) = match resource.value() {
            Value::Scalar(scalar) => (Some(scalar.as_f64()), None, None),
            Value::Ranges(ranges) => (None, Some(ranges.as_slice().to_vec()), None),
            Value::Set(set) => (None, None, Some(set.iter().map(str::to_string).collect())),
        };
        let stack: Vec<RawReservation> = resource
            .reservations()
            .iter()
            .map(|reservation| RawReservation {
                kind: Some(reservation.kind),
                role: Some(reservation.role.to_string()),
                principal: reservation.principal.clone(),
                labels: reservation.labels.clone(),
            })
            .collect();
        let mut raw = RawResource {
            name: resource.name().to_string(),
            value_type: Some(resource.value_type()),
            scalar,
            ranges,
            set,
            role: None,
            reservation: None,
            reservations: Vec::new(),
            allocation_role: resource.allocation_role().map(Role::to_string),
            disk: resource.disk().cloned(),
            revocable: resource.is_revocable(),
            shared: resource.is_shared(),
            provider_id: resource.provider_id().map(str::to_string),
        };
        if format != ResourceFormat::PreRefinement {
            raw.reservations = stack.clone();
        }
        if format != ResourceFormat::PostRefinement {
            match resource.reservations() {
                [] => raw.role = Some("*".to_string()),
                [single] => {
                    raw.role = Some(single.role.to_string());
                    if single.kind == ReservationType::Dynamic {
                        raw.reservation = Some(RawReservation {
                            kind: None,
                            role: None,
                            principal: single.principal.clone(),
                            labels: single.labels.clone(),
                        });
                    }
                }
                _ if format == ResourceFormat::PreRefinement => {
                    return Err(InvalidResource::Format(
                        "Cannot downgrade resources containing refined reservations".into(),
                    ));
                }
                _ => {}
            }
        }
        Ok(raw)
    }
}

fn upgrade_reservations(
    role_field: Option<String>,
    reservation: Option<RawReservation>,
    stack: Vec<RawReservation>,
    default_role: &Role,
) -> Result<Vec<ReservationInfo>, InvalidResource> {
    let format = |message: String| Err(InvalidResource::Format(message));
    if stack.is_empty() {
        // The pre-refinement format: `role` (default `*`) and maybe `reservation`.
        let role_name = role_field.unwrap_or_else(|| default_role.to_string());
        let role = role(&role_name)?;
        return match reservation {
            None if role.is_star() => Ok(Vec::new()),
            None => Ok(vec![ReservationInfo::static_for(role)]),
            Some(reservation) => {
                if reservation.kind.is_some() {
                    return Err(InvalidResource::ReservationField(
                        "'Resource.ReservationInfo.type' must not be set for the \
                         'Resource.reservation' field"
                            .into(),
                    ));
                }
                if reservation.role.is_some() {
                    return Err(InvalidResource::ReservationField(
                        "'Resource.ReservationInfo.role' must not be set for the \
                         'Resource.reservation' field"
                            .into(),
                    ));
                }
                if role.is_star() {
                    return Err(InvalidResource::ReservationField(
                        "Invalid reservation: role \"*\" cannot be dynamically reserved".into(),
                    ));
                }
                Ok(vec![ReservationInfo {
                    kind: ReservationType::Dynamic,
                    role,
                    principal: reservation.principal,
                    labels: reservation.labels,
                }])
            }
        };
    }
    let stack: Vec<ReservationInfo> = stack
        .into_iter()
        .map(RawReservation::into_reservation)
        .collect::<Result<_, _>>()?;
    if let [single] = &stack[..] {
        if let Some(role_field) = &role_field
            && single.role != *role_field.as_str()
        {
            return format(format!(
                "'Resource.role' field with '{role_field}' does not match the role '{}' in \
                 'Resource.reservations'",
                single.role
            ));
        }
        match single.kind {
            ReservationType::Static if reservation.is_some() => {
                return format(
                    "'Resource.reservation' must not be set if the single reservation in \
                     'Resource.reservations' is STATIC"
                        .into(),
                );
            }
            ReservationType::Static => {}
            ReservationType::Dynamic => {
                if role_field.is_some() != reservation.is_some() {
                    return format(
                        "'Resource.role' and 'Resource.reservation' must either be both set or \
                         both not set if the single reservation in 'Resource.reservations' is \
                         DYNAMIC"
                            .into(),
                    );
                }
                if let Some(reservation) = &reservation {
                    if reservation.principal != single.principal {
                        return format(format!(
                            "'Resource.reservation.principal' field with '{}' does not match the \
                             principal '{}' in 'Resource.reservations'",
                            reservation.principal.as_deref().unwrap_or(""),
                            single.principal.as_deref().unwrap_or("")
                        ));
                    }
                    if reservation.labels.clone().unwrap_or_default()
                        != single.labels.clone().unwrap_or_default()
                    {
                        return format(
                            "'Resource.reservation.labels' does not match the labels in \
                             'Resource.reservations'"
                                .into(),
                        );
                    }
                }
            }
        }
    } else {
        if role_field.is_some() {
            return format(
                "'Resource.role' must not be set if there is more than one reservation in \
                 'Resource.reservations'"
                    .into(),
            );
        }
        if reservation.is_some() {
            return format(
                "'Resource.reservation' must not be set if there is more than one reservation \
                 in 'Resource.reservations'"
                    .into(),
            );
        }
    }
    Ok(stack)
}
