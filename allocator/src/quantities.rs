//! Resource quantities as small fixed-point vectors: names are interned once into dense
//! [`NameId`]s, and a [`Quantities`] is a vector of thousandths indexed by them, so the
//! allocator's hot loop adds, compares and divides integers instead of walking `Resources`.

use std::{fmt, sync::Arc};

use resources::{ResourceQuantities, Resources, Scalar, Value};

use crate::fast::FastMap;

/// A resource name interned by [`ResourceNames`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameId(u32);

impl NameId {
    /// The dense index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// How many names are looked up by a linear scan before the map takes over.
const LINEAR_NAMES: usize = 16;

/// Interned resource names (`cpus`, `mem`, `disk`, `ports`, custom ones). Append-only: an id
/// never changes meaning.
#[derive(Clone, Debug, Default)]
pub struct ResourceNames {
    names: Vec<Arc<str>>,
    index: FastMap<Arc<str>, NameId>,
}

impl ResourceNames {
    /// No names yet.
    pub fn new() -> ResourceNames {
        ResourceNames::default()
    }

    /// The id of `name`, interning it if new.
    pub fn intern(&mut self, name: &str) -> NameId {
        if let Some(id) = self.get(name) {
            return id;
        }
        let id = NameId(self.names.len() as u32);
        let name: Arc<str> = Arc::from(name);
        self.names.push(name.clone());
        self.index.insert(name, id);
        id
    }

    /// The id of `name`, if interned.
    #[inline]
    pub fn get(&self, name: &str) -> Option<NameId> {
        if self.names.len() <= LINEAR_NAMES {
            // Most names differ in length or first byte: check those before the bytes.
            let bytes = name.as_bytes();
            self.names
                .iter()
                .position(|have| {
                    have.len() == bytes.len()
                        && have.as_bytes().first() == bytes.first()
                        && have.as_bytes() == bytes
                })
                .map(|index| NameId(index as u32))
        } else {
            self.index.get(name).copied()
        }
    }

    /// The name of `id`.
    pub fn name(&self, id: NameId) -> &str {
        self.names.get(id.index()).map_or("", |name| name)
    }

    /// How many names are interned.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no name is interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every id and name.
    pub fn iter(&self) -> impl Iterator<Item = (NameId, &str)> {
        self.names
            .iter()
            .enumerate()
            .map(|(index, name)| (NameId(index as u32), &**name))
    }
}

/// How many names a [`Quantities`] holds without a heap allocation.
const INLINE: usize = 8;

/// Amounts by [`NameId`], in thousandths (scalars as Mesos rounds them; ranges and sets by
/// how many values they hold). Missing entries are zero. Never negative: subtraction
/// saturates.
///
/// The first eight names live inline (no allocation, one cache line), so the sorters' and
/// role tree's per-node amounts sit next to the nodes themselves; later names spill to the
/// heap.
#[derive(Clone)]
pub struct Quantities {
    inline: [i64; INLINE],
    spill: Vec<i64>,
}

impl Default for Quantities {
    fn default() -> Quantities {
        Quantities::new()
    }
}

impl Quantities {
    /// All zero.
    pub const fn new() -> Quantities {
        Quantities {
            inline: [0; INLINE],
            spill: Vec::new(),
        }
    }

    /// The scalar quantities of `resources` (non-scalars ignored), interning names.
    pub fn from_scalars(resources: &Resources, names: &mut ResourceNames) -> Quantities {
        let mut result = Quantities::new();
        result.add_scalars(resources, names);
        result
    }

    /// The quantities of all of `resources`: scalars by value, ranges and sets by count.
    pub fn from_all(resources: &Resources, names: &mut ResourceNames) -> Quantities {
        let mut result = Quantities::new();
        result.add_all(resources, names);
        result
    }

    /// Interns and converts a [`ResourceQuantities`].
    pub fn from_resource_quantities(
        quantities: &ResourceQuantities,
        names: &mut ResourceNames,
    ) -> Quantities {
        let mut result = Quantities::new();
        for (name, amount) in quantities.iter() {
            result.add_to(names.intern(name), amount.millis());
        }
        result
    }

    /// Adds the scalar quantities of `resources`.
    pub fn add_scalars(&mut self, resources: &Resources, names: &mut ResourceNames) {
        for resource in resources {
            if let Value::Scalar(scalar) = resource.value() {
                self.add_to(names.intern(resource.name()), scalar.millis());
            }
        }
    }

    /// Adds the quantities of all of `resources` (ranges and sets by count).
    pub fn add_all(&mut self, resources: &Resources, names: &mut ResourceNames) {
        for resource in resources {
            let amount = resource.value().quantity().millis();
            self.add_to(names.intern(resource.name()), amount);
        }
    }

    #[inline]
    fn slot(&self, index: usize) -> i64 {
        if index < INLINE {
            self.inline[index]
        } else {
            self.spill.get(index - INLINE).copied().unwrap_or(0)
        }
    }

    #[inline]
    fn slot_mut(&mut self, index: usize) -> &mut i64 {
        if index < INLINE {
            &mut self.inline[index]
        } else {
            let index = index - INLINE;
            if self.spill.len() <= index {
                self.spill.resize(index + 1, 0);
            }
            &mut self.spill[index]
        }
    }

    /// The amount of `id`, in thousandths.
    #[inline]
    pub fn get(&self, id: NameId) -> i64 {
        self.slot(id.index())
    }

    /// The amount of `id` as a [`Scalar`].
    pub fn scalar(&self, id: NameId) -> Scalar {
        Scalar::from_millis(self.get(id))
    }

    /// Sets the amount of `id` (negative becomes zero).
    pub fn set(&mut self, id: NameId, millis: i64) {
        *self.slot_mut(id.index()) = millis.max(0);
    }

    /// Adds `millis` to `id`, saturating at zero when `millis` is negative.
    #[inline]
    pub fn add_to(&mut self, id: NameId, millis: i64) {
        if millis == 0 {
            return;
        }
        let slot = self.slot_mut(id.index());
        *slot = slot.saturating_add(millis).max(0);
    }

    /// Adds every amount of `other`.
    #[inline]
    pub fn add(&mut self, other: &Quantities) {
        for (mine, theirs) in self.inline.iter_mut().zip(&other.inline) {
            *mine = mine.saturating_add(*theirs);
        }
        if !other.spill.is_empty() {
            if self.spill.len() < other.spill.len() {
                self.spill.resize(other.spill.len(), 0);
            }
            for (mine, theirs) in self.spill.iter_mut().zip(&other.spill) {
                *mine = mine.saturating_add(*theirs);
            }
        }
    }

    /// Subtracts every amount of `other`, saturating at zero.
    #[inline]
    pub fn subtract(&mut self, other: &Quantities) {
        for (mine, theirs) in self.inline.iter_mut().zip(&other.inline) {
            *mine = (*mine - *theirs).max(0);
        }
        for (mine, theirs) in self.spill.iter_mut().zip(&other.spill) {
            *mine = (*mine - *theirs).max(0);
        }
    }

    /// True when every amount of `other` is at most the amount here.
    #[inline]
    pub fn contains(&self, other: &Quantities) -> bool {
        self.inline
            .iter()
            .zip(&other.inline)
            .all(|(mine, theirs)| theirs <= mine)
            && other
                .spill
                .iter()
                .enumerate()
                .all(|(index, theirs)| *theirs <= self.spill.get(index).copied().unwrap_or(0))
    }

    /// True when every amount is zero.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.inline.iter().all(|amount| *amount == 0)
            && self.spill.iter().all(|amount| *amount == 0)
    }

    /// Sets every amount to zero, keeping the storage.
    pub fn clear(&mut self) {
        self.inline = [0; INLINE];
        self.spill.iter_mut().for_each(|amount| *amount = 0);
    }

    /// Copies `other` into `self`, reusing the storage.
    pub fn copy_from(&mut self, other: &Quantities) {
        self.inline = other.inline;
        self.spill.clear();
        self.spill.extend_from_slice(&other.spill);
    }

    /// The non-zero amounts.
    pub fn iter(&self) -> impl Iterator<Item = (NameId, i64)> + '_ {
        self.inline
            .iter()
            .chain(&self.spill)
            .enumerate()
            .filter(|(_, amount)| **amount != 0)
            .map(|(index, amount)| (NameId(index as u32), *amount))
    }

    /// How many slots are stored (an upper bound on the highest non-zero id).
    pub fn width(&self) -> usize {
        INLINE + self.spill.len()
    }

    /// Back to a [`ResourceQuantities`] with names.
    pub fn to_resource_quantities(&self, names: &ResourceNames) -> ResourceQuantities {
        let mut result = ResourceQuantities::new();
        for (id, amount) in self.iter() {
            result.insert(names.name(id), Scalar::from_millis(amount));
        }
        result
    }
}

impl PartialEq for Quantities {
    /// Equal amounts; trailing zeros do not matter.
    fn eq(&self, other: &Quantities) -> bool {
        let width = self.width().max(other.width());
        (0..width).all(|index| self.slot(index) == other.slot(index))
    }
}

impl Eq for Quantities {}

impl fmt::Debug for Quantities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(id, amount)| (id.0, amount)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use resources::Role;

    use super::*;

    fn parse(text: &str) -> Resources {
        Resources::parse(text, &Role::star()).expect("valid resources")
    }

    #[test]
    fn interning_is_stable_past_the_linear_threshold() {
        let mut names = ResourceNames::new();
        let ids: Vec<NameId> = (0..40).map(|i| names.intern(&format!("r{i}"))).collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(names.get(&format!("r{i}")), Some(*id));
            assert_eq!(names.name(*id), format!("r{i}"));
        }
        assert_eq!(names.get("missing"), None);
    }

    #[test]
    fn quantities_of_resources_count_scalars_ranges_and_sets() {
        let mut names = ResourceNames::new();
        let resources = parse("cpus:1.5;mem:128;ports:[31000-31009];bugs:{a,b}");
        let all = Quantities::from_all(&resources, &mut names);
        let scalars = Quantities::from_scalars(&resources, &mut names);
        let cpus = names.get("cpus").expect("interned");
        let ports = names.get("ports").expect("interned");
        let bugs = names.get("bugs").expect("interned");
        assert_eq!(all.get(cpus), 1500);
        assert_eq!(all.get(ports), 10_000);
        assert_eq!(all.get(bugs), 2000);
        assert_eq!(scalars.get(ports), 0);
        assert!(all.contains(&scalars));
        assert!(!scalars.contains(&all));
    }

    #[test]
    fn subtraction_saturates_and_equality_ignores_width() {
        let mut names = ResourceNames::new();
        let mut small = Quantities::from_scalars(&parse("cpus:1"), &mut names);
        let big = Quantities::from_scalars(&parse("cpus:2;mem:10"), &mut names);
        small.subtract(&big);
        assert!(small.is_empty());
        assert_eq!(small, Quantities::new());
        let mut sum = Quantities::new();
        sum.add(&big);
        assert_eq!(sum, big);
    }
}
