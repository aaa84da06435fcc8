//! One resource (`cpus(role):4`): a name, a value and the metadata that decides what it combines
//! with, plus Mesos's predicates on it.

use std::{fmt, sync::Arc};

use crate::{
    DiskInfo, DiskSourceType, Ranges, ReservationInfo, ReservationType, Role, Scalar, Set, Value,
    ValueType,
};

/// One resource, in Mesos's "post-reservation-refinement" form: reservations are a stack,
/// bottom first, and the deprecated `role`/`reservation` fields do not exist here.
///
/// Cheap to clone: the name, reservation stack, disk info and provider id are shared.
/// `==` is Mesos's resource equality: the same metadata (ignoring a volume's mount point and a
/// persistence principal) and the same value.
#[derive(Clone)]
pub struct Resource {
    name: Arc<str>,
    value: Value,
    reservations: Option<Arc<[ReservationInfo]>>,
    allocation: Option<Role>,
    disk: Option<Arc<DiskInfo>>,
    provider_id: Option<Arc<str>>,
    revocable: bool,
    shared: bool,
}

impl Resource {
    /// An unreserved, unallocated resource.
    pub fn new(name: &str, value: impl Into<Value>) -> Resource {
        Resource {
            name: Arc::from(name),
            value: value.into(),
            reservations: None,
            allocation: None,
            disk: None,
            provider_id: None,
            revocable: false,
            shared: false,
        }
    }

    /// An unreserved scalar resource; `value` is rounded to three decimals.
    pub fn scalar(name: &str, value: f64) -> Result<Resource, crate::ScalarError> {
        Ok(Resource::new(name, Scalar::from_f64(value)?))
    }

    /// An unreserved ranges resource.
    pub fn ranges(name: &str, ranges: Ranges) -> Resource {
        Resource::new(name, ranges)
    }

    /// An unreserved set resource.
    pub fn set(name: &str, set: Set) -> Resource {
        Resource::new(name, set)
    }

    /// The same resource with `reservation` pushed on top of its reservation stack.
    pub fn reserved(mut self, reservation: ReservationInfo) -> Resource {
        self.push_reservation(reservation);
        self
    }

    /// The same resource with this reservation stack (bottom first) instead of its own.
    pub fn with_reservations(mut self, reservations: Vec<ReservationInfo>) -> Resource {
        self.reservations = (!reservations.is_empty()).then(|| Arc::from(reservations));
        self
    }

    /// The same resource allocated to `role`.
    pub fn allocated_to(mut self, role: Role) -> Resource {
        self.allocation = Some(role);
        self
    }

    /// The same resource with disk info.
    pub fn with_disk(mut self, disk: DiskInfo) -> Resource {
        self.disk = Some(Arc::new(disk));
        self
    }

    /// The same resource, marked revocable or not.
    pub fn with_revocable(mut self, revocable: bool) -> Resource {
        self.revocable = revocable;
        self
    }

    /// The same resource, marked shared or not.
    pub fn with_shared(mut self, shared: bool) -> Resource {
        self.shared = shared;
        self
    }

    /// The same resource, offered by the resource provider `id`.
    pub fn with_provider_id(mut self, id: &str) -> Resource {
        self.provider_id = Some(Arc::from(id));
        self
    }

    /// The same resource with another value.
    pub fn with_value(mut self, value: impl Into<Value>) -> Resource {
        self.value = value.into();
        self
    }

    /// The name (`cpus`, `mem`, `disk`, `ports`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn shared_name(&self) -> &Arc<str> {
        &self.name
    }

    /// The value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The kind of value.
    pub fn value_type(&self) -> ValueType {
        self.value.value_type()
    }

    /// The scalar value, if the resource is a scalar.
    pub fn as_scalar(&self) -> Option<Scalar> {
        self.value.as_scalar()
    }

    /// The reservation stack, bottom (least refined) first; empty when unreserved.
    pub fn reservations(&self) -> &[ReservationInfo] {
        self.reservations.as_deref().unwrap_or(&[])
    }

    /// The role the resource is allocated to, if any.
    pub fn allocation_role(&self) -> Option<&Role> {
        self.allocation.as_ref()
    }

    /// The disk info, if any.
    pub fn disk(&self) -> Option<&DiskInfo> {
        self.disk.as_deref()
    }

    /// The resource provider's id, if a provider offers this resource.
    pub fn provider_id(&self) -> Option<&str> {
        self.provider_id.as_deref()
    }

    /// True for revocable (oversubscribed) resources.
    pub fn is_revocable(&self) -> bool {
        self.revocable
    }

    /// True for shared resources (shared persistent volumes).
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// True when the value is zero, no ranges or no items.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// True for persistent volumes.
    pub fn is_persistent_volume(&self) -> bool {
        self.disk
            .as_ref()
            .is_some_and(|disk| disk.persistence.is_some())
    }

    /// True for disks whose source is of `kind`.
    pub fn is_disk(&self, kind: DiskSourceType) -> bool {
        self.disk()
            .and_then(|disk| disk.source.as_ref())
            .is_some_and(|source| source.kind == kind)
    }

    /// True when the reservation stack is empty.
    pub fn is_unreserved(&self) -> bool {
        self.reservations.is_none()
    }

    /// True when the reservation stack is not empty.
    pub fn is_reserved(&self) -> bool {
        self.reservations.is_some()
    }

    /// True when the top of the stack is a reservation for exactly `role`.
    pub fn is_reserved_to(&self, role: &str) -> bool {
        self.reservation_role()
            .is_some_and(|reserved| reserved == role)
    }

    /// True when the top of the stack is a dynamic reservation.
    pub fn is_dynamically_reserved(&self) -> bool {
        self.reservations()
            .last()
            .is_some_and(|top| top.kind == ReservationType::Dynamic)
    }

    /// True when the stack holds more than one reservation.
    pub fn has_refined_reservations(&self) -> bool {
        self.reservations().len() > 1
    }

    /// True when a resource provider offers this resource.
    pub fn has_resource_provider(&self) -> bool {
        self.provider_id.is_some()
    }

    /// The role of the top (most refined) reservation, if reserved.
    pub fn reservation_role(&self) -> Option<&Role> {
        self.reservations().last().map(|top| &top.role)
    }

    /// True when `role` may be offered this resource: it is unreserved, or reserved to `role`
    /// or to one of its ancestors.
    pub fn is_allocatable_to(&self, role: &str) -> bool {
        match self.reservation_role() {
            None => true,
            Some(reserved) => {
                reserved == role || crate::role::is_strict_subrole(role, reserved.as_str())
            }
        }
    }

    /// True when the resource is allocated to `role` or one of its descendants.
    pub fn is_allocated_to_role_subtree(&self, role: &str) -> bool {
        self.allocation
            .as_ref()
            .is_some_and(|allocated| allocated.is_in_subtree_of(role))
    }

    /// True when the resource is reserved to `role` or one of its descendants.
    pub fn is_reserved_to_role_subtree(&self, role: &str) -> bool {
        self.reservation_role()
            .is_some_and(|reserved| reserved.is_in_subtree_of(role))
    }

    /// Pushes a reservation on top of the stack (no validation: see [`Resource::validate`]).
    pub fn push_reservation(&mut self, reservation: ReservationInfo) {
        let mut stack: Vec<ReservationInfo> = self.reservations().to_vec();
        stack.push(reservation);
        self.reservations = Some(Arc::from(stack));
    }

    /// Removes the top reservation; returns it, or `None` when unreserved.
    pub fn pop_reservation(&mut self) -> Option<ReservationInfo> {
        let mut stack: Vec<ReservationInfo> = self.reservations().to_vec();
        let top = stack.pop();
        self.reservations = (!stack.is_empty()).then(|| Arc::from(stack));
        top
    }

    /// Drops every reservation.
    pub fn clear_reservations(&mut self) {
        self.reservations = None;
    }

    /// Sets or clears the allocation role.
    pub fn set_allocation_role(&mut self, role: Option<Role>) {
        self.allocation = role;
    }

    /// Replaces the value.
    pub fn set_value(&mut self, value: Value) {
        self.value = value;
    }

    pub(crate) fn value_mut(&mut self) -> &mut Value {
        &mut self.value
    }

    /// Shrinks a scalar resource to at most `target`. Returns false, leaving the resource as
    /// it is, when the resource cannot be split (a `MOUNT` or `BLOCK` disk, a persistent
    /// volume) or is not a scalar.
    pub fn shrink(&mut self, target: Scalar) -> bool {
        let Some(current) = self.as_scalar() else {
            return false;
        };
        if current <= target {
            return true;
        }
        if self.disk.is_some() {
            let smaller = self.clone().with_value(target);
            if !self.contains(&smaller) {
                return false;
            }
        }
        self.value = Value::Scalar(target);
        true
    }

    /// Mesos's `contains(Resource, Resource)`: `other` could be subtracted from `self` and
    /// `self`'s value holds `other`'s.
    pub fn contains(&self, other: &Resource) -> bool {
        self.subtractable(other) && self.value.contains(&other.value)
    }

    /// Name, type, allocation, reservations, revocability and provider all match.
    fn same_basics(&self, other: &Resource) -> bool {
        (Arc::ptr_eq(&self.name, &other.name) || self.name == other.name)
            && self.value.value_type() == other.value.value_type()
            && self.revocable == other.revocable
            && self.same_allocation(other)
            && self.same_reservations(other)
            && self.provider_id == other.provider_id
    }

    fn same_allocation(&self, other: &Resource) -> bool {
        match (&self.allocation, &other.allocation) {
            (None, None) => true,
            (Some(mine), Some(theirs)) => mine.same_as(theirs),
            _ => false,
        }
    }

    fn same_reservations(&self, other: &Resource) -> bool {
        match (&self.reservations, &other.reservations) {
            (None, None) => true,
            (Some(mine), Some(theirs)) => Arc::ptr_eq(mine, theirs) || mine == theirs,
            _ => false,
        }
    }

    fn same_disk(&self, other: &Resource) -> bool {
        match (&self.disk, &other.disk) {
            (None, None) => true,
            (Some(mine), Some(theirs)) => Arc::ptr_eq(mine, theirs) || mine.same_identity(theirs),
            _ => false,
        }
    }

    /// Mesos's metadata equality: everything but the value.
    pub fn same_metadata(&self, other: &Resource) -> bool {
        self.same_basics(other) && self.same_disk(other) && self.shared == other.shared
    }

    /// Whether `self + other` is one resource (Mesos's `addable`).
    pub(crate) fn addable(&self, other: &Resource) -> bool {
        if self.shared != other.shared {
            return false;
        }
        if self.shared {
            return self == other;
        }
        if !self.same_basics(other) || !self.same_disk(other) {
            return false;
        }
        if let Some(disk) = &self.disk {
            if let Some(source) = &disk.source {
                match source.kind {
                    DiskSourceType::Path => {}
                    DiskSourceType::Block | DiskSourceType::Mount => return false,
                    DiskSourceType::Raw if source.id.is_some() => return false,
                    DiskSourceType::Raw => {}
                }
            }
            if disk.persistence.is_some() {
                return false;
            }
        }
        true
    }

    /// Whether `other` can be taken out of `self` leaving one resource (Mesos's
    /// `subtractable`).
    pub(crate) fn subtractable(&self, other: &Resource) -> bool {
        if self.shared != other.shared {
            return false;
        }
        if self.shared {
            return self == other;
        }
        if !self.same_basics(other) || !self.same_disk(other) {
            return false;
        }
        if let Some(disk) = &self.disk {
            let exclusive = match &disk.source {
                Some(source) => match source.kind {
                    DiskSourceType::Path => false,
                    DiskSourceType::Block | DiskSourceType::Mount => true,
                    DiskSourceType::Raw => source.id.is_some(),
                },
                None => false,
            };
            if (exclusive || disk.persistence.is_some()) && self.value != other.value {
                return false;
            }
        }
        true
    }
}

impl PartialEq for Resource {
    fn eq(&self, other: &Resource) -> bool {
        self.same_metadata(other) && self.value == other.value
    }
}

impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Resource({self})")
    }
}

impl fmt::Display for Resource {
    /// Mesos's log form, e.g. `disk(allocated: r)(reservations: [(STATIC,r)])[id:/path]{REV}:1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(role) = &self.allocation {
            write!(f, "(allocated: {role})")?;
        }
        if let Some(reservations) = &self.reservations {
            f.write_str("(reservations: [")?;
            for (index, reservation) in reservations.iter().enumerate() {
                if index > 0 {
                    f.write_str(",")?;
                }
                write!(f, "({reservation})")?;
            }
            f.write_str("])")?;
        }
        if let Some(disk) = &self.disk {
            write!(f, "[{disk}]")?;
        }
        if self.revocable {
            f.write_str("{REV}")?;
        }
        if self.shared {
            f.write_str("<SHARED>")?;
        }
        write!(f, ":{}", self.value)
    }
}
