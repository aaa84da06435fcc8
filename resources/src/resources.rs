//! `Resources`: a combined collection of resources with Mesos's arithmetic, containment and
//! equality.

use std::{
    fmt,
    ops::{Add, AddAssign, Sub, SubAssign},
};

use crate::{InvalidResource, Resource, Role};

/// A resource that failed validation, with the resource as Mesos would print it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("Resource '{resource}' is invalid: {error}")]
pub struct ResourceError {
    /// The resource, printed in Mesos's log form.
    pub resource: String,
    /// What is wrong with it.
    pub error: InvalidResource,
}

/// One entry of a [`Resources`]: a resource and, for shared resources, how many copies.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) resource: Resource,
    /// Copies of a shared resource; always 1 for non-shared ones.
    pub(crate) copies: u32,
}

impl Entry {
    fn contains(&self, other: &Entry) -> bool {
        self.holds(&other.resource, other.copies)
    }

    /// True when this entry holds `copies` of `resource` (copies matter for shared ones only).
    fn holds(&self, resource: &Resource, copies: u32) -> bool {
        if self.resource.is_shared() != resource.is_shared() {
            return false;
        }
        if self.resource.is_shared() {
            return self.copies >= copies && self.resource == *resource;
        }
        self.resource.contains(resource)
    }
}

/// A collection of valid, non-empty resources, combined as Mesos combines them: resources
/// with the same name, type, reservations, allocation, disk, revocability, sharedness and
/// provider are one entry, except exclusive disks (`MOUNT`, `BLOCK`, `RAW` with an id) and
/// non-shared persistent volumes, which never merge. Identical shared resources are one entry
/// with a count of copies.
///
/// Arithmetic never fails: adding merges, subtracting takes away what is there and drops
/// entries that reach zero (subtracting more than is there is the same as subtracting all of
/// it, as in Mesos). Use [`Resources::checked_sub`] when that is an error for you. `==` is
/// containment both ways, so the order of entries and the split of ranges do not matter.
#[derive(Clone, Default)]
pub struct Resources {
    pub(crate) entries: Vec<Entry>,
}

impl Resources {
    /// No resources.
    pub const fn new() -> Resources {
        Resources {
            entries: Vec::new(),
        }
    }

    /// Validates each resource and combines them. Empty resources are dropped.
    pub fn from_resources(
        resources: impl IntoIterator<Item = Resource>,
    ) -> Result<Resources, ResourceError> {
        let mut result = Resources::new();
        for resource in resources {
            result.try_add_resource(resource)?;
        }
        Ok(result)
    }

    /// Validates `resource` and adds it (a shared resource adds one copy).
    pub fn try_add_resource(&mut self, resource: Resource) -> Result<(), ResourceError> {
        resource.validate().map_err(|error| ResourceError {
            resource: resource.to_string(),
            error,
        })?;
        self.add_entry(Entry {
            resource,
            copies: 1,
        });
        Ok(())
    }

    /// Validates `resource` and subtracts it (a shared resource removes one copy).
    pub fn try_subtract_resource(&mut self, resource: &Resource) -> Result<(), ResourceError> {
        resource.validate().map_err(|error| ResourceError {
            resource: resource.to_string(),
            error,
        })?;
        self.subtract_entry(resource, 1);
        Ok(())
    }

    /// True when there is nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries (distinct resources) there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The resources, one per entry (a shared resource once, whatever its count).
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            entries: self.entries.iter(),
        }
    }

    /// The resources with their number of copies (1 unless shared).
    pub fn iter_with_copies(&self) -> impl ExactSizeIterator<Item = (&Resource, u32)> {
        self.entries
            .iter()
            .map(|entry| (&entry.resource, entry.copies))
    }

    /// How many copies of `resource` there are: 0 or 1 for non-shared resources (matching the
    /// value exactly), any number for shared ones.
    pub fn count(&self, resource: &Resource) -> u32 {
        self.entries
            .iter()
            .find(|entry| entry.resource == *resource)
            .map_or(0, |entry| {
                if entry.resource.is_shared() {
                    entry.copies
                } else {
                    1
                }
            })
    }

    /// True when `self` holds all of `other`. Allocation-free unless `other` holds non-shared
    /// persistent volumes, which are matched one to one.
    pub fn contains(&self, other: &Resources) -> bool {
        let mut used_volumes: Vec<usize> = Vec::new();
        for wanted in &other.entries {
            let found = self
                .entries
                .iter()
                .enumerate()
                .find(|(index, have)| have.contains(wanted) && !used_volumes.contains(index));
            match found {
                None => return false,
                Some((index, _)) => {
                    if wanted.resource.is_persistent_volume() && !wanted.resource.is_shared() {
                        used_volumes.push(index);
                    }
                }
            }
        }
        true
    }

    /// True when `resource` is valid and held (one copy, if shared).
    pub fn contains_resource(&self, resource: &Resource) -> bool {
        if resource.validate().is_err() {
            return false;
        }
        let wanted = Entry {
            resource: resource.clone(),
            copies: 1,
        };
        self.entries.iter().any(|have| have.contains(&wanted))
    }

    /// `self - other` when `self` contains `other`, else `None`.
    pub fn checked_sub(&self, other: &Resources) -> Option<Resources> {
        self.contains(other).then(|| self - other)
    }

    /// Keeps the resources for which `keep` is true, in place and without allocating.
    pub fn retain(&mut self, mut keep: impl FnMut(&Resource) -> bool) {
        self.entries.retain(|entry| keep(&entry.resource));
    }

    /// The resources for which `keep` is true.
    pub fn filter(&self, mut keep: impl FnMut(&Resource) -> bool) -> Resources {
        Resources {
            entries: self
                .entries
                .iter()
                .filter(|entry| keep(&entry.resource))
                .cloned()
                .collect(),
        }
    }

    /// Allocates every resource to `role`, replacing any allocation.
    pub fn allocate(&mut self, role: &Role) {
        let uniform = self
            .entries
            .windows(2)
            .all(|pair| pair[0].resource.allocation_role() == pair[1].resource.allocation_role());
        for entry in &mut self.entries {
            entry.resource.set_allocation_role(Some(role.clone()));
        }
        if !uniform {
            self.recombine();
        }
    }

    /// Clears every allocation.
    pub fn unallocate(&mut self) {
        let any = self
            .entries
            .iter()
            .any(|entry| entry.resource.allocation_role().is_some());
        if !any {
            return;
        }
        for entry in &mut self.entries {
            entry.resource.set_allocation_role(None);
        }
        self.recombine();
    }

    /// Applies `change` to every resource and recombines the result.
    pub(crate) fn map_resources(&self, mut change: impl FnMut(&mut Resource)) -> Resources {
        let mut result = Resources {
            entries: Vec::with_capacity(self.entries.len()),
        };
        for entry in &self.entries {
            let mut entry = entry.clone();
            change(&mut entry.resource);
            result.add_entry(entry);
        }
        result
    }

    /// Re-merges entries after their metadata changed.
    fn recombine(&mut self) {
        let entries = std::mem::take(&mut self.entries);
        self.entries.reserve(entries.len());
        for entry in entries {
            self.add_entry(entry);
        }
    }

    pub(crate) fn add_entry(&mut self, entry: Entry) {
        if entry.resource.is_empty() || entry.copies == 0 {
            return;
        }
        for have in &mut self.entries {
            if have.resource.addable(&entry.resource) {
                if have.resource.is_shared() {
                    have.copies = have.copies.saturating_add(entry.copies);
                } else {
                    have.resource.value_mut().add(entry.resource.value());
                }
                return;
            }
        }
        self.entries.push(entry);
    }

    fn add_entry_ref(&mut self, entry: &Entry) {
        if entry.resource.is_empty() || entry.copies == 0 {
            return;
        }
        for have in &mut self.entries {
            if have.resource.addable(&entry.resource) {
                if have.resource.is_shared() {
                    have.copies = have.copies.saturating_add(entry.copies);
                } else {
                    have.resource.value_mut().add(entry.resource.value());
                }
                return;
            }
        }
        self.entries.push(entry.clone());
    }

    pub(crate) fn subtract_entry(&mut self, resource: &Resource, copies: u32) {
        if resource.is_empty() {
            return;
        }
        let Some(index) = self
            .entries
            .iter()
            .position(|have| have.resource.subtractable(resource))
        else {
            return;
        };
        let have = &mut self.entries[index];
        let gone = if have.resource.is_shared() {
            have.copies = have.copies.saturating_sub(copies);
            have.copies == 0
        } else {
            have.resource.value_mut().subtract(resource.value());
            have.resource.is_empty()
        };
        if gone {
            self.entries.remove(index);
        }
    }
}

impl AddAssign<&Resources> for Resources {
    fn add_assign(&mut self, other: &Resources) {
        for entry in &other.entries {
            self.add_entry_ref(entry);
        }
    }
}

impl AddAssign<Resources> for Resources {
    fn add_assign(&mut self, other: Resources) {
        if self.entries.is_empty() {
            *self = other;
            return;
        }
        for entry in other.entries {
            self.add_entry(entry);
        }
    }
}

impl SubAssign<&Resources> for Resources {
    fn sub_assign(&mut self, other: &Resources) {
        for entry in &other.entries {
            self.subtract_entry(&entry.resource, entry.copies);
        }
    }
}

impl SubAssign<Resources> for Resources {
    fn sub_assign(&mut self, other: Resources) {
        *self -= &other;
    }
}

impl Add<&Resources> for &Resources {
    type Output = Resources;

    fn add(self, other: &Resources) -> Resources {
        let mut sum = self.clone();
        sum += other;
        sum
    }
}

impl Add<&Resources> for Resources {
    type Output = Resources;

    fn add(mut self, other: &Resources) -> Resources {
        self += other;
        self
    }
}

impl Add<Resources> for Resources {
    type Output = Resources;

    fn add(mut self, other: Resources) -> Resources {
        self += other;
        self
    }
}

impl Sub<&Resources> for &Resources {
    type Output = Resources;

    fn sub(self, other: &Resources) -> Resources {
        let mut difference = self.clone();
        difference -= other;
        difference
    }
}

impl Sub<&Resources> for Resources {
    type Output = Resources;

    fn sub(mut self, other: &Resources) -> Resources {
        self -= other;
        self
    }
}

impl Sub<Resources> for Resources {
    type Output = Resources;

    fn sub(mut self, other: Resources) -> Resources {
        self -= &other;
        self
    }
}

impl PartialEq for Resources {
    /// Containment both ways, as Mesos defines it.
    fn eq(&self, other: &Resources) -> bool {
        self.contains(other) && other.contains(self)
    }
}

/// Iterator over the resources of a [`Resources`], one per entry.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    entries: std::slice::Iter<'a, Entry>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Resource;

    fn next(&mut self) -> Option<&'a Resource> {
        self.entries.next().map(|entry| &entry.resource)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Resources {
    type Item = &'a Resource;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        Iter {
            entries: self.entries.iter(),
        }
    }
}

impl fmt::Display for Resources {
    /// Mesos's log form: `cpus:4; mem:1024; ports:[31000-32000]`, shared resources followed by
    /// `<copies>`, `{}` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return f.write_str("{}");
        }
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}", entry.resource)?;
            if entry.resource.is_shared() {
                write!(f, "<{}>", entry.copies)?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Resources({self})")
    }
}
