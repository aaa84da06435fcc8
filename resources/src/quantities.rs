//! `ResourceQuantities` (name -> amount, for DRF shares and quota consumption) and
//! `ResourceLimits` (name -> upper bound, absent meaning unlimited), plus shrinking resources
//! to fit them.

use std::{
    fmt,
    ops::{Add, AddAssign, Sub, SubAssign},
    sync::Arc,
};

use crate::{
    QuantityParseError, Resource, Resources, Scalar, ScalarError, Value,
    value::{TextValue, parse_text_value},
};

/// Amounts of resources by name, without any metadata: `cpus:10;mem:1024;ports:3`.
///
/// A small vector sorted by name; zero amounts are never stored, and subtraction saturates
/// at zero (dropping the entry).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ResourceQuantities {
    entries: Vec<(Arc<str>, Scalar)>,
}

impl ResourceQuantities {
    /// No quantities.
    pub const fn new() -> ResourceQuantities {
        ResourceQuantities {
            entries: Vec::new(),
        }
    }

    /// Parses `name:amount` pairs separated by `;` (`cpus:10; mem:1024`); repeated names are
    /// summed and zero amounts dropped.
    pub fn parse(text: &str) -> Result<ResourceQuantities, QuantityParseError> {
        let mut result = ResourceQuantities::new();
        for (name, scalar) in parse_pairs(text)? {
            result.add_named(&Arc::<str>::from(name), scalar);
        }
        Ok(result)
    }

    /// The quantities of all resources: scalars by value, ranges by how many values they
    /// hold, sets by how many items (shared resources count once).
    pub fn from_resources(resources: &Resources) -> ResourceQuantities {
        let mut result = ResourceQuantities {
            entries: Vec::with_capacity(resources.len().min(8)),
        };
        for resource in resources {
            result.add_named(resource.shared_name(), resource.value().quantity());
        }
        result
    }

    /// The quantities of the scalar resources only.
    pub fn from_scalar_resources(resources: &Resources) -> ResourceQuantities {
        let mut result = ResourceQuantities {
            entries: Vec::with_capacity(resources.len().min(8)),
        };
        for resource in resources {
            if let Value::Scalar(scalar) = resource.value() {
                result.add_named(resource.shared_name(), *scalar);
            }
        }
        result
    }

    /// The quantity of one resource.
    pub fn from_resource(resource: &Resource) -> ResourceQuantities {
        let mut result = ResourceQuantities::new();
        result.add_named(resource.shared_name(), resource.value().quantity());
        result
    }

    /// Adds `amount` of `name`.
    pub fn insert(&mut self, name: &str, amount: Scalar) {
        self.add_named(&Arc::from(name), amount);
    }

    fn add_named(&mut self, name: &Arc<str>, amount: Scalar) {
        if amount.is_zero() {
            return;
        }
        match self
            .entries
            .binary_search_by(|(have, _)| (**have).cmp(&**name))
        {
            Ok(index) => self.entries[index].1 += amount,
            Err(index) => self.entries.insert(index, (name.clone(), amount)),
        }
    }

    /// The amount of `name` (zero when absent).
    pub fn get(&self, name: &str) -> Scalar {
        self.entries
            .binary_search_by(|(have, _)| (**have).cmp(name))
            .map_or(Scalar::ZERO, |index| self.entries[index].1)
    }

    /// The names and amounts, sorted by name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, Scalar)> + Clone {
        self.entries.iter().map(|(name, amount)| (&**name, *amount))
    }

    /// How many names have a non-zero amount.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when every amount is zero.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when every amount in `other` is at most the amount here.
    pub fn contains(&self, other: &ResourceQuantities) -> bool {
        let mut mine = self.entries.iter().peekable();
        for (name, amount) in &other.entries {
            loop {
                match mine.peek() {
                    None => return false,
                    Some((have, _)) if **have < **name => {
                        mine.next();
                    }
                    Some((have, have_amount)) => {
                        if **have != **name || have_amount < amount {
                            return false;
                        }
                        mine.next();
                        break;
                    }
                }
            }
        }
        true
    }
}

impl AddAssign<&ResourceQuantities> for ResourceQuantities {
    fn add_assign(&mut self, other: &ResourceQuantities) {
        for (name, amount) in &other.entries {
            self.add_named(name, *amount);
        }
    }
}

impl SubAssign<&ResourceQuantities> for ResourceQuantities {
    /// Saturates at zero: names that reach zero are dropped.
    fn sub_assign(&mut self, other: &ResourceQuantities) {
        for (name, amount) in &other.entries {
            if let Ok(index) = self
                .entries
                .binary_search_by(|(have, _)| (**have).cmp(&**name))
            {
                let have = &mut self.entries[index].1;
                if *have <= *amount {
                    self.entries.remove(index);
                } else {
                    *have -= *amount;
                }
            }
        }
    }
}

impl Add<&ResourceQuantities> for &ResourceQuantities {
    type Output = ResourceQuantities;

    fn add(self, other: &ResourceQuantities) -> ResourceQuantities {
        let mut sum = self.clone();
        sum += other;
        sum
    }
}

impl Sub<&ResourceQuantities> for &ResourceQuantities {
    type Output = ResourceQuantities;

    fn sub(self, other: &ResourceQuantities) -> ResourceQuantities {
        let mut difference = self.clone();
        difference -= other;
        difference
    }
}

impl fmt::Display for ResourceQuantities {
    /// `cpus:1; mem:1024`, or `{}` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_pairs(f, &self.entries)
    }
}

impl fmt::Debug for ResourceQuantities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceQuantities({self})")
    }
}

/// Upper bounds by name, for quota limits: a name without an entry is unlimited, and a zero
/// limit is kept (it forbids the resource).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ResourceLimits {
    entries: Vec<(Arc<str>, Scalar)>,
}

impl ResourceLimits {
    /// No limits.
    pub const fn new() -> ResourceLimits {
        ResourceLimits {
            entries: Vec::new(),
        }
    }

    /// Parses `name:limit` pairs separated by `;`; zero limits are kept and a repeated name is
    /// an error.
    pub fn parse(text: &str) -> Result<ResourceLimits, QuantityParseError> {
        let mut result = ResourceLimits::new();
        for (name, scalar) in parse_pairs(text)? {
            if result.get(name).is_some() {
                return Err(QuantityParseError::Duplicate(name.to_string()));
            }
            result.set(name, scalar);
        }
        Ok(result)
    }

    /// Sets the limit of `name`, replacing any.
    pub fn set(&mut self, name: &str, limit: Scalar) {
        match self
            .entries
            .binary_search_by(|(have, _)| (**have).cmp(name))
        {
            Ok(index) => self.entries[index].1 = limit,
            Err(index) => self.entries.insert(index, (Arc::from(name), limit)),
        }
    }

    /// The limit of `name`; `None` means unlimited.
    pub fn get(&self, name: &str) -> Option<Scalar> {
        self.entries
            .binary_search_by(|(have, _)| (**have).cmp(name))
            .ok()
            .map(|index| self.entries[index].1)
    }

    /// The names and limits, sorted by name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, Scalar)> + Clone {
        self.entries.iter().map(|(name, limit)| (&**name, *limit))
    }

    /// How many names are limited.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is limited.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when every limit here is at least as high as in `other` (unlimited beats any).
    pub fn contains(&self, other: &ResourceLimits) -> bool {
        self.entries
            .iter()
            .all(|(name, limit)| other.get(name).is_some_and(|theirs| theirs <= *limit))
    }

    /// True when no quantity in `quantities` exceeds its limit.
    pub fn contains_quantities(&self, quantities: &ResourceQuantities) -> bool {
        quantities
            .iter()
            .all(|(name, amount)| self.get(name).is_none_or(|limit| amount <= limit))
    }
}

impl SubAssign<&ResourceQuantities> for ResourceLimits {
    /// Lowers each limit by the quantity of the same name, saturating at zero; unlimited
    /// names stay unlimited.
    fn sub_assign(&mut self, quantities: &ResourceQuantities) {
        for (name, limit) in &mut self.entries {
            *limit -= quantities.get(name);
        }
    }
}

impl Sub<&ResourceQuantities> for &ResourceLimits {
    type Output = ResourceLimits;

    fn sub(self, quantities: &ResourceQuantities) -> ResourceLimits {
        let mut result = self.clone();
        result -= quantities;
        result
    }
}

impl fmt::Display for ResourceLimits {
    /// `cpus:1; mem:1024`, or `{}` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_pairs(f, &self.entries)
    }
}

impl fmt::Debug for ResourceLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceLimits({self})")
    }
}

fn write_pairs(f: &mut fmt::Formatter<'_>, entries: &[(Arc<str>, Scalar)]) -> fmt::Result {
    if entries.is_empty() {
        return f.write_str("{}");
    }
    for (index, (name, amount)) in entries.iter().enumerate() {
        if index > 0 {
            f.write_str("; ")?;
        }
        write!(f, "{name}:{amount}")?;
    }
    Ok(())
}

fn parse_pairs(text: &str) -> Result<Vec<(&str, Scalar)>, QuantityParseError> {
    let mut pairs = Vec::new();
    for token in text.split(';').filter(|token| !token.trim().is_empty()) {
        let parts: Vec<&str> = token.split(':').filter(|part| !part.is_empty()).collect();
        let [name, value] = parts[..] else {
            return Err(QuantityParseError::Colon(token.to_string()));
        };
        let number = match parse_text_value(value) {
            Err(error) => {
                return Err(QuantityParseError::Value {
                    value: value.into(),
                    error,
                });
            }
            Ok(TextValue::Scalar(number)) => number,
            Ok(TextValue::Text(text)) if text.parse::<f64>().is_ok() => {
                return Err(QuantityParseError::Negative(value.to_string()));
            }
            Ok(_) => return Err(QuantityParseError::NotScalar(value.to_string())),
        };
        let scalar = Scalar::from_f64(number).map_err(|error| match error {
            ScalarError::Negative(_) | ScalarError::NotFinite(_) => {
                QuantityParseError::Negative(value.to_string())
            }
            error => QuantityParseError::Scalar {
                value: value.to_string(),
                error,
            },
        })?;
        pairs.push((name.trim(), scalar));
    }
    Ok(pairs)
}

/// Parses the master's `--min_allocatable_resources`: alternatives separated by `|`, each a
/// quantity list (`cpus:0.01|mem:32` means "at least 0.01 cpus, or at least 32 mem").
pub fn parse_min_allocatable_resources(
    text: &str,
) -> Result<Vec<ResourceQuantities>, QuantityParseError> {
    text.split('|')
        .filter(|alternative| !alternative.trim().is_empty())
        .map(ResourceQuantities::parse)
        .collect()
}

impl Resources {
    /// The quantities of all resources (see [`ResourceQuantities::from_resources`]).
    pub fn quantities(&self) -> ResourceQuantities {
        ResourceQuantities::from_resources(self)
    }

    /// The quantities of the scalar resources.
    pub fn scalar_quantities(&self) -> ResourceQuantities {
        ResourceQuantities::from_scalar_resources(self)
    }

    /// True when the resources hold at least these quantities, whatever their metadata.
    /// Allocation-free.
    pub fn contains_quantities(&self, quantities: &ResourceQuantities) -> bool {
        self.contains_quantities_where(quantities, |_| true)
    }

    /// True when the resources for which `keep` is true hold at least these quantities:
    /// `available.contains_quantities_where(&minimum, |r| r.is_allocatable_to(role))` checks
    /// a role's minimum without building the filtered set. Allocation-free.
    pub fn contains_quantities_where(
        &self,
        quantities: &ResourceQuantities,
        keep: impl Fn(&Resource) -> bool,
    ) -> bool {
        quantities.iter().all(|(name, wanted)| {
            let mut have = Scalar::ZERO;
            for resource in self.iter() {
                if resource.name() == name && keep(resource) {
                    have += resource.value().quantity();
                    if have >= wanted {
                        return true;
                    }
                }
            }
            have >= wanted
        })
    }

    /// Takes scalar resources, in order, until `target` is met, shrinking the last one taken
    /// and skipping those that cannot be split (Mesos's `shrinkResources`; Mesos shuffles
    /// first, so shuffle the input if you want that). Names absent from `target` are dropped.
    pub fn shrink_to_quantities(&self, target: &ResourceQuantities) -> Resources {
        let mut target = target.clone();
        let mut result = Resources::new();
        for (resource, copies) in self.iter_with_copies() {
            let wanted = target.get(resource.name());
            if wanted.is_zero() || resource.as_scalar().is_none() {
                continue;
            }
            let mut resource = resource.clone();
            if resource.shrink(wanted) {
                target -= &ResourceQuantities::from_resource(&resource);
                result.add_entry(crate::resources::Entry { resource, copies });
            }
        }
        result
    }

    /// Keeps resources within `limits`, in order: unlimited names are kept whole, limited
    /// scalars are shrunk to what is left of their limit, and indivisible ones that do not
    /// fit are dropped.
    pub fn shrink_to_limits(&self, limits: &ResourceLimits) -> Resources {
        if limits.is_empty() {
            return self.clone();
        }
        let mut limits = limits.clone();
        let mut result = Resources::new();
        for (resource, copies) in self.iter_with_copies() {
            let mut resource = resource.clone();
            match limits.get(resource.name()) {
                None => result.add_entry(crate::resources::Entry { resource, copies }),
                Some(limit) => {
                    if resource.as_scalar().is_some() && resource.shrink(limit) {
                        limits -= &ResourceQuantities::from_resource(&resource);
                        result.add_entry(crate::resources::Entry { resource, copies });
                    }
                }
            }
        }
        result
    }
}
