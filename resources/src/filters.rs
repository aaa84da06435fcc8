//! `Resources` views and transformations: filters by reservation, allocation, revocability and
//! sharing; reservation stacks; per-role groupings; value getters; conversions.

use std::collections::BTreeMap;

use crate::{
    Ranges, ReservationInfo, Resource, ResourceError, Resources, Role, Scalar, Set, Value,
    ValueType, resources::Entry,
};

impl Resources {
    /// Unreserved resources.
    pub fn unreserved(&self) -> Resources {
        self.filter(Resource::is_unreserved)
    }

    /// Reserved resources: all of them for `None`, else those whose top reservation is for
    /// exactly `role` (`*` matches nothing).
    pub fn reserved(&self, role: Option<&str>) -> Resources {
        match role {
            None => self.filter(Resource::is_reserved),
            Some(role) => self.filter(|resource| resource.is_reserved_to(role)),
        }
    }

    /// Resources reserved to `role` or any of its descendants.
    pub fn reserved_to_role_subtree(&self, role: &str) -> Resources {
        self.filter(|resource| resource.is_reserved_to_role_subtree(role))
    }

    /// Resources allocated to `role` or any of its descendants.
    pub fn allocated_to_role_subtree(&self, role: &str) -> Resources {
        self.filter(|resource| resource.is_allocated_to_role_subtree(role))
    }

    /// Resources `role` may be offered: unreserved ones and those reserved to `role` or an
    /// ancestor of it.
    pub fn allocatable_to(&self, role: &str) -> Resources {
        self.filter(|resource| resource.is_allocatable_to(role))
    }

    /// Revocable resources.
    pub fn revocable(&self) -> Resources {
        self.filter(Resource::is_revocable)
    }

    /// Non-revocable resources.
    pub fn non_revocable(&self) -> Resources {
        self.filter(|resource| !resource.is_revocable())
    }

    /// Shared resources.
    pub fn shared(&self) -> Resources {
        self.filter(Resource::is_shared)
    }

    /// Non-shared resources.
    pub fn non_shared(&self) -> Resources {
        self.filter(|resource| !resource.is_shared())
    }

    /// Persistent volumes.
    pub fn persistent_volumes(&self) -> Resources {
        self.filter(Resource::is_persistent_volume)
    }

    /// Scalar resources.
    pub fn scalars(&self) -> Resources {
        self.filter(|resource| resource.value_type() == ValueType::Scalar)
    }

    /// Resources named `name` (Mesos's `Resources::get(name)`).
    pub fn named(&self, name: &str) -> Resources {
        self.filter(|resource| resource.name() == name)
    }

    /// Reserved resources grouped by the role of their top reservation.
    pub fn reservations(&self) -> BTreeMap<Role, Resources> {
        let mut result: BTreeMap<Role, Resources> = BTreeMap::new();
        for entry in &self.entries {
            if let Some(role) = entry.resource.reservation_role() {
                result
                    .entry(role.clone())
                    .or_default()
                    .add_entry(entry.clone());
            }
        }
        result
    }

    /// Allocated resources grouped by allocation role (unallocated ones are left out).
    pub fn allocations(&self) -> BTreeMap<Role, Resources> {
        let mut result: BTreeMap<Role, Resources> = BTreeMap::new();
        for entry in &self.entries {
            if let Some(role) = entry.resource.allocation_role() {
                result
                    .entry(role.clone())
                    .or_default()
                    .add_entry(entry.clone());
            }
        }
        result
    }

    /// The same resources with `reservation` pushed on every reservation stack; fails when the
    /// result is invalid (e.g. the role does not refine the current reservation).
    pub fn push_reservation(
        &self,
        reservation: &ReservationInfo,
    ) -> Result<Resources, ResourceError> {
        let mut result = Resources {
            entries: Vec::with_capacity(self.entries.len()),
        };
        for entry in &self.entries {
            let mut entry = entry.clone();
            entry.resource.push_reservation(reservation.clone());
            entry.resource.validate().map_err(|error| ResourceError {
                resource: entry.resource.to_string(),
                error,
            })?;
            result.add_entry(entry);
        }
        Ok(result)
    }

    /// The same resources with the top reservation removed from every stack; `None` when some
    /// resource is unreserved.
    pub fn pop_reservation(&self) -> Option<Resources> {
        if self
            .entries
            .iter()
            .any(|entry| entry.resource.is_unreserved())
        {
            return None;
        }
        Some(self.map_resources(|resource| {
            resource.pop_reservation();
        }))
    }

    /// The same resources with every reservation removed.
    pub fn to_unreserved(&self) -> Resources {
        if self
            .entries
            .iter()
            .all(|entry| entry.resource.is_unreserved())
        {
            return self.clone();
        }
        self.map_resources(Resource::clear_reservations)
    }

    /// The same resources unreserved, then (unless `role` is `*`) statically reserved to `role`:
    /// the shape of an agent's `--resources` for `--default_role`.
    pub fn flatten(&self, role: &Role) -> Resources {
        if role.is_star() {
            return self.to_unreserved();
        }
        let reservation = ReservationInfo::static_for(role.clone());
        self.map_resources(|resource| {
            resource.clear_reservations();
            resource.push_reservation(reservation.clone());
        })
    }

    /// The scalars only, stripped of all metadata (reservations, allocation, disk, revocable,
    /// shared, provider): just names and amounts (Mesos's `createStrippedScalarQuantity`).
    pub fn stripped_scalar_quantity(&self) -> Resources {
        let mut result = Resources::new();
        for entry in &self.entries {
            if let Value::Scalar(scalar) = entry.resource.value() {
                let resource = Resource::new(entry.resource.name(), *scalar);
                result.add_entry(Entry {
                    resource,
                    copies: 1,
                });
            }
        }
        result
    }

    /// The first resource with the same metadata as `resource`, whatever its value (Mesos's
    /// `Resources::match`).
    pub fn find_same_metadata(&self, resource: &Resource) -> Option<&Resource> {
        self.iter().find(|have| have.same_metadata(resource))
    }

    /// The total scalar named `name` across all entries, if any.
    pub fn get_scalar(&self, name: &str) -> Option<Scalar> {
        let mut found = false;
        let mut total = Scalar::ZERO;
        for resource in self.iter().filter(|resource| resource.name() == name) {
            if let Value::Scalar(scalar) = resource.value() {
                found = true;
                total += *scalar;
            }
        }
        found.then_some(total)
    }

    /// The union of the ranges named `name` across all entries, if any.
    pub fn get_ranges(&self, name: &str) -> Option<Ranges> {
        let mut total: Option<Ranges> = None;
        for resource in self.iter().filter(|resource| resource.name() == name) {
            if let Value::Ranges(ranges) = resource.value() {
                match &mut total {
                    None => total = Some(ranges.clone()),
                    Some(total) => total.union_with(ranges),
                }
            }
        }
        total
    }

    /// The union of the sets named `name` across all entries, if any.
    pub fn get_set(&self, name: &str) -> Option<Set> {
        let mut total: Option<Set> = None;
        for resource in self.iter().filter(|resource| resource.name() == name) {
            if let Value::Set(set) = resource.value() {
                match &mut total {
                    None => total = Some(set.clone()),
                    Some(total) => total.union_with(set),
                }
            }
        }
        total
    }

    /// The combined value named `name` (of the type of the first such resource), if any.
    pub fn get(&self, name: &str) -> Option<Value> {
        let first = self.iter().find(|resource| resource.name() == name)?;
        match first.value_type() {
            ValueType::Scalar => self.get_scalar(name).map(Value::Scalar),
            ValueType::Ranges => self.get_ranges(name).map(Value::Ranges),
            ValueType::Set => self.get_set(name).map(Value::Set),
            ValueType::Text => None,
        }
    }

    /// Total `cpus`.
    pub fn cpus(&self) -> Option<Scalar> {
        self.get_scalar("cpus")
    }

    /// Total `gpus`.
    pub fn gpus(&self) -> Option<Scalar> {
        self.get_scalar("gpus")
    }

    /// Total `mem`, in megabytes.
    pub fn mem(&self) -> Option<Scalar> {
        self.get_scalar("mem")
    }

    /// Total `disk`, in megabytes.
    pub fn disk(&self) -> Option<Scalar> {
        self.get_scalar("disk")
    }

    /// All `ports`.
    pub fn ports(&self) -> Option<Ranges> {
        self.get_ranges("ports")
    }

    /// All `ephemeral_ports`.
    pub fn ephemeral_ports(&self) -> Option<Ranges> {
        self.get_ranges("ephemeral_ports")
    }

    /// The distinct names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.iter().map(Resource::name).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The type of each name (the last one seen, should a name have two).
    pub fn types(&self) -> BTreeMap<&str, ValueType> {
        self.iter()
            .map(|resource| (resource.name(), resource.value_type()))
            .collect()
    }

    /// The most refined reservations two resources share, applied to `a`'s value and other
    /// metadata (Mesos's `getReservationAncestor`).
    pub fn reservation_ancestor(a: &Resource, b: &Resource) -> Resource {
        let common: Vec<ReservationInfo> = a
            .reservations()
            .iter()
            .zip(b.reservations())
            .take_while(|(mine, theirs)| mine == theirs)
            .map(|(mine, _)| mine.clone())
            .collect();
        a.clone().with_reservations(common)
    }
}

impl TryFrom<Vec<Resource>> for Resources {
    type Error = ResourceError;

    fn try_from(resources: Vec<Resource>) -> Result<Resources, ResourceError> {
        Resources::from_resources(resources)
    }
}

impl TryFrom<Resource> for Resources {
    type Error = ResourceError;

    fn try_from(resource: Resource) -> Result<Resources, ResourceError> {
        Resources::from_resources([resource])
    }
}

/// Taking `consumed` out of some resources and putting `converted` in (the effect of an offer
/// operation such as RESERVE or CREATE).
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceConversion {
    /// What the operation takes.
    pub consumed: Resources,
    /// What it gives back.
    pub converted: Resources,
}

/// Why a conversion cannot be applied.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{available} does not contain {consumed}")]
pub struct ConversionError {
    /// The resources the conversion was applied to, as Mesos prints them.
    pub available: String,
    /// What the conversion needed, as Mesos prints it.
    pub consumed: String,
}

impl Resources {
    /// Applies a conversion: fails unless `self` contains what it consumes.
    pub fn apply(&self, conversion: &ResourceConversion) -> Result<Resources, ConversionError> {
        if !self.contains(&conversion.consumed) {
            return Err(ConversionError {
                available: self.to_string(),
                consumed: conversion.consumed.to_string(),
            });
        }
        let mut result = self - &conversion.consumed;
        result += &conversion.converted;
        Ok(result)
    }
}
