//! Set values (`{sda1, sda2}`): sorted, duplicate-free string items.

use std::{fmt, sync::Arc};

/// A set of string items, kept sorted so that equality, union and difference are linear merges.
///
/// Mesos keeps items in insertion order; we render them sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Set {
    items: Vec<Arc<str>>,
}

/// Why a list of items is not a valid [`Set`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// The same item appears twice (Mesos: "duplicated elements").
    #[error("item '{0}' appears more than once")]
    Duplicate(String),
}

impl Set {
    /// The empty set.
    pub const fn new() -> Set {
        Set { items: Vec::new() }
    }

    /// Builds a set from items that must be distinct.
    pub fn from_distinct<I, S>(items: I) -> Result<Set, SetError>
    where
        I: IntoIterator<Item = S>,
        S: Into<Arc<str>>,
    {
        let mut items: Vec<Arc<str>> = items.into_iter().map(Into::into).collect();
        items.sort_unstable();
        if let Some(pair) = items.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(SetError::Duplicate(pair[0].to_string()));
        }
        Ok(Set { items })
    }

    /// Builds a set from items, dropping repeats.
    pub fn from_items<I, S>(items: I) -> Set
    where
        I: IntoIterator<Item = S>,
        S: Into<Arc<str>>,
    {
        let mut items: Vec<Arc<str>> = items.into_iter().map(Into::into).collect();
        items.sort_unstable();
        items.dedup();
        Set { items }
    }

    /// The items in ascending order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> {
        self.items.iter().map(|item| &**item)
    }

    /// How many items the set holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the set holds no item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// True when `item` is in the set.
    pub fn contains_item(&self, item: &str) -> bool {
        self.items
            .binary_search_by(|probe| (**probe).cmp(item))
            .is_ok()
    }

    /// True when every item of `other` is in `self`.
    pub fn contains(&self, other: &Set) -> bool {
        if other.items.len() > self.items.len() {
            return false;
        }
        let mut mine = self.items.iter();
        'wanted: for wanted in &other.items {
            for have in mine.by_ref() {
                match (**have).cmp(&**wanted) {
                    std::cmp::Ordering::Less => continue,
                    std::cmp::Ordering::Equal => continue 'wanted,
                    std::cmp::Ordering::Greater => return false,
                }
            }
            return false;
        }
        true
    }

    /// Adds every item of `other`.
    pub fn union_with(&mut self, other: &Set) {
        if other.items.is_empty() {
            return;
        }
        self.items.extend(other.items.iter().cloned());
        self.items.sort_unstable();
        self.items.dedup();
    }

    /// Removes every item of `other` (items absent from `self` are ignored).
    pub fn subtract(&mut self, other: &Set) {
        if other.items.is_empty() {
            return;
        }
        self.items.retain(|item| !other.contains_item(item));
    }
}

impl fmt::Display for Set {
    /// Mesos's form: `{a, b, c}` (`{}` when empty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (index, item) in self.items.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(item)?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> Set {
        Set::from_items(items.iter().copied())
    }

    #[test]
    fn set_algebra() {
        let mut disks = set(&["sda1", "sda2", "sda3"]);
        disks.union_with(&set(&["sda1", "sda2", "sda3", "sda4"]));
        assert_eq!(disks.len(), 4);
        disks.subtract(&set(&["sda2", "sda3", "sda4"]));
        assert_eq!(disks, set(&["sda1"]));
        let mut other = set(&["sda4"]);
        other.subtract(&disks);
        assert_eq!(other, set(&["sda4"]));
    }

    #[test]
    fn containment() {
        let small = set(&["sda1", "sda2"]);
        let large = set(&["sda1", "sda3", "sda4", "sda2"]);
        assert!(large.contains(&small));
        assert!(!small.contains(&large));
        assert!(small.contains(&Set::new()));
        assert!(!set(&["a", "c"]).contains(&set(&["b"])));
        assert!(!set(&["a"]).contains(&set(&["b"])));
    }

    #[test]
    fn duplicates_and_display() {
        assert_eq!(
            Set::from_distinct(["a", "b", "a"]),
            Err(SetError::Duplicate("a".into()))
        );
        assert_eq!(set(&["b", "a"]).to_string(), "{a, b}");
        assert_eq!(Set::new().to_string(), "{}");
    }
}
