//! Range values (`[31000-32000, 33000-33010]`): sorted, disjoint, coalesced inclusive intervals.

use std::{
    fmt,
    ops::{AddAssign, SubAssign},
};

/// Up to this many ranges are added or removed one at a time, in place; more are merged in one
/// pass.
const SMALL: usize = 4;

/// One inclusive interval `begin..=end` of a [`Ranges`] value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Range {
    /// First value in the range.
    pub begin: u64,
    /// Last value in the range (inclusive).
    pub end: u64,
}

impl Range {
    /// The range `begin..=end`; does not check the order (see [`Ranges`] constructors).
    pub const fn new(begin: u64, end: u64) -> Range {
        Range { begin, end }
    }

    /// How many values the range holds (saturating for `0-u64::MAX`).
    pub fn count(self) -> u64 {
        (self.end - self.begin).saturating_add(1)
    }
}

/// Why a list of ranges is not a valid [`Ranges`] value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangesError {
    /// A range whose begin is after its end.
    #[error("range [{begin}-{end}] is inverted: begin > end")]
    Inverted {
        /// The range's begin.
        begin: u64,
        /// The range's end.
        end: u64,
    },
    /// Two ranges that share at least one value.
    #[error("ranges [{}-{}] and [{}-{}] overlap", first.begin, first.end, second.begin, second.end)]
    Overlapping {
        /// The earlier range.
        first: Range,
        /// The range that starts inside it.
        second: Range,
    },
}

/// A set of `u64` values stored as sorted, disjoint, non-adjacent inclusive ranges.
///
/// The representation is canonical, so `==` is set equality and every operation is a linear
/// merge. Adding and subtracting never fail; subtracting values that are absent is a no-op.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ranges {
    ranges: Vec<Range>,
}

impl Ranges {
    /// The empty set.
    pub const fn new() -> Ranges {
        Ranges { ranges: Vec::new() }
    }

    /// A set holding one range; errors when `begin > end`.
    pub fn single(begin: u64, end: u64) -> Result<Ranges, RangesError> {
        if begin > end {
            return Err(RangesError::Inverted { begin, end });
        }
        Ok(Ranges {
            ranges: vec![Range::new(begin, end)],
        })
    }

    /// Builds a set from ranges in any order, merging overlapping and adjacent ones (as the
    /// text form does: `[1-4, 3-5]` is `[1-5]`). Errors only on an inverted range.
    pub fn from_coalescing(ranges: impl IntoIterator<Item = Range>) -> Result<Ranges, RangesError> {
        let ranges: Vec<Range> = ranges.into_iter().collect();
        if let Some(bad) = ranges.iter().find(|range| range.begin > range.end) {
            return Err(RangesError::Inverted {
                begin: bad.begin,
                end: bad.end,
            });
        }
        let mut result = Ranges { ranges };
        result.coalesce();
        Ok(result)
    }

    /// Builds a set from ranges that must not overlap (as Mesos requires of a `Resource`'s
    /// ranges); adjacent ranges are fine and get merged.
    pub fn from_disjoint(ranges: impl IntoIterator<Item = Range>) -> Result<Ranges, RangesError> {
        let mut ranges: Vec<Range> = ranges.into_iter().collect();
        if let Some(bad) = ranges.iter().find(|range| range.begin > range.end) {
            return Err(RangesError::Inverted {
                begin: bad.begin,
                end: bad.end,
            });
        }
        ranges.sort_unstable();
        let mut widest: Option<Range> = None;
        for &range in &ranges {
            if let Some(previous) = widest
                && range.begin <= previous.end
            {
                return Err(RangesError::Overlapping {
                    first: previous,
                    second: range,
                });
            }
            widest = Some(range);
        }
        let mut result = Ranges { ranges };
        result.coalesce();
        Ok(result)
    }

    /// The ranges in ascending order.
    pub fn as_slice(&self) -> &[Range] {
        &self.ranges
    }

    /// Iterates the ranges in ascending order.
    pub fn iter(&self) -> std::slice::Iter<'_, Range> {
        self.ranges.iter()
    }

    /// True when the set holds no value.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// How many disjoint ranges (fragments) the set has.
    pub fn fragments(&self) -> usize {
        self.ranges.len()
    }

    /// How many values the set holds (saturating at `u64::MAX`).
    pub fn count(&self) -> u64 {
        self.ranges
            .iter()
            .fold(0u64, |total, range| total.saturating_add(range.count()))
    }

    /// True when `value` is in the set.
    pub fn contains_value(&self, value: u64) -> bool {
        let index = self.ranges.partition_point(|range| range.end < value);
        self.ranges
            .get(index)
            .is_some_and(|range| range.begin <= value)
    }

    /// True when every value of `other` is in `self`.
    pub fn contains(&self, other: &Ranges) -> bool {
        let mut mine = self.ranges.iter().peekable();
        for wanted in &other.ranges {
            loop {
                match mine.peek() {
                    None => return false,
                    Some(have) if have.end < wanted.begin => {
                        mine.next();
                    }
                    Some(have) => {
                        if have.begin > wanted.begin || have.end < wanted.end {
                            return false;
                        }
                        break;
                    }
                }
            }
        }
        true
    }

    /// Adds the values of one range; errors when it is inverted.
    pub fn insert(&mut self, range: Range) -> Result<(), RangesError> {
        if range.begin > range.end {
            return Err(RangesError::Inverted {
                begin: range.begin,
                end: range.end,
            });
        }
        self.ranges.push(range);
        self.coalesce();
        Ok(())
    }

    /// Adds every value of `other`.
    pub fn union_with(&mut self, other: &Ranges) {
        if other.ranges.is_empty() {
            return;
        }
        if self.ranges.is_empty() {
            self.ranges.extend_from_slice(&other.ranges);
            return;
        }
        if other.ranges.len() <= SMALL {
            for &range in &other.ranges {
                self.insert_coalesced(range);
            }
            return;
        }
        self.ranges.extend_from_slice(&other.ranges);
        self.coalesce();
    }

    /// Adds one valid range in place: a binary search and at most one shift of the vector.
    fn insert_coalesced(&mut self, range: Range) {
        // The first range that ends at or after the value just before `range`.
        let start = self
            .ranges
            .partition_point(|have| have.end.saturating_add(1) < range.begin);
        // The first range that starts after the value just after `range`.
        let touching =
            self.ranges[start..].partition_point(|have| have.begin <= range.end.saturating_add(1));
        let stop = start + touching;
        if start == stop {
            self.ranges.insert(start, range);
            return;
        }
        let merged = Range::new(
            range.begin.min(self.ranges[start].begin),
            range.end.max(self.ranges[stop - 1].end),
        );
        self.ranges[start] = merged;
        self.ranges.drain(start + 1..stop);
    }

    /// Removes one valid range in place.
    fn remove_range(&mut self, removal: Range) {
        let start = self.ranges.partition_point(|have| have.end < removal.begin);
        let stop = start + self.ranges[start..].partition_point(|have| have.begin <= removal.end);
        if start == stop {
            return;
        }
        let (first, last) = (self.ranges[start], self.ranges[stop - 1]);
        let left =
            (first.begin < removal.begin).then(|| Range::new(first.begin, removal.begin - 1));
        let right = (last.end > removal.end).then(|| Range::new(removal.end + 1, last.end));
        match (left, right) {
            (Some(left), Some(right)) if stop - start == 1 => {
                self.ranges[start] = left;
                self.ranges.insert(start + 1, right);
            }
            (left, right) => {
                let mut write = start;
                for piece in [left, right].into_iter().flatten() {
                    self.ranges[write] = piece;
                    write += 1;
                }
                self.ranges.drain(write..stop);
            }
        }
    }

    /// Removes every value of `other` (values absent from `self` are ignored).
    pub fn subtract(&mut self, other: &Ranges) {
        if self.ranges.is_empty() || other.ranges.is_empty() {
            return;
        }
        if other.ranges.len() <= SMALL {
            for &removal in &other.ranges {
                self.remove_range(removal);
            }
            return;
        }
        let mut result = Vec::with_capacity(self.ranges.len() + other.ranges.len());
        let mut removals = other.ranges.iter().peekable();
        for &range in &self.ranges {
            let mut current = Some(range);
            while let Some(piece) = current {
                // Skip removals that end before this piece starts.
                while removals
                    .peek()
                    .is_some_and(|removal| removal.end < piece.begin)
                {
                    removals.next();
                }
                match removals.peek() {
                    Some(removal) if removal.begin <= piece.end => {
                        if removal.begin > piece.begin {
                            result.push(Range::new(piece.begin, removal.begin - 1));
                        }
                        current = (removal.end < piece.end)
                            .then(|| Range::new(removal.end + 1, piece.end));
                        if current.is_some() {
                            removals.next();
                        }
                    }
                    _ => {
                        result.push(piece);
                        current = None;
                    }
                }
            }
        }
        self.ranges = result;
    }

    /// Sorts and merges overlapping or adjacent ranges in place.
    fn coalesce(&mut self) {
        if self.ranges.len() < 2 {
            return;
        }
        self.ranges.sort_unstable();
        let mut write = 0;
        for read in 1..self.ranges.len() {
            let next = self.ranges[read];
            let current = &mut self.ranges[write];
            if next.begin <= current.end.saturating_add(1) {
                current.end = current.end.max(next.end);
            } else {
                write += 1;
                self.ranges[write] = next;
            }
        }
        self.ranges.truncate(write + 1);
    }
}

impl AddAssign<&Ranges> for Ranges {
    fn add_assign(&mut self, other: &Ranges) {
        self.union_with(other);
    }
}

impl SubAssign<&Ranges> for Ranges {
    fn sub_assign(&mut self, other: &Ranges) {
        self.subtract(other);
    }
}

impl<'a> IntoIterator for &'a Ranges {
    type Item = &'a Range;
    type IntoIter = std::slice::Iter<'a, Range>;

    fn into_iter(self) -> Self::IntoIter {
        self.ranges.iter()
    }
}

impl fmt::Display for Ranges {
    /// Mesos's form: `[31000-32000, 33000-33010]` (`[]` when empty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (index, range) in self.ranges.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}-{}", range.begin, range.end)?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ranges written as `(begin, end)` pairs.
    type Pairs = &'static [(u64, u64)];

    fn ranges(pairs: &[(u64, u64)]) -> Ranges {
        Ranges::from_coalescing(pairs.iter().map(|&(b, e)| Range::new(b, e))).expect("valid")
    }

    #[test]
    fn coalescing_matches_mesos_cases() {
        let cases: &[(Pairs, Pairs)] = &[
            (
                &[
                    (4, 6),
                    (6, 8),
                    (5, 9),
                    (3, 4),
                    (2, 5),
                    (4, 6),
                    (1, 1),
                    (10, 10),
                    (4, 6),
                ],
                &[(1, 10)],
            ),
            (&[(4, 6), (6, 8)], &[(4, 8)]),
            (&[(6, 8), (4, 6)], &[(4, 8)]),
            (&[(1, 10), (8, 10)], &[(1, 10)]),
            (&[(1, 11), (8, 10)], &[(1, 11)]),
            (&[(1, 4), (4, 5), (7, 8), (8, 10)], &[(1, 5), (7, 10)]),
            (&[(4, 6), (7, 8)], &[(4, 8)]),
            (&[(4, 6), (7, 7), (8, 8), (9, 9)], &[(4, 9)]),
            (&[(4, 6), (7, 7), (9, 10), (9, 11)], &[(4, 7), (9, 11)]),
            (&[(6, 8), (6, 8), (4, 6), (6, 8)], &[(4, 8)]),
            (&[(0, u64::MAX), (5, 6)], &[(0, u64::MAX)]),
        ];
        for (input, expected) in cases {
            let got = ranges(input);
            let want: Vec<Range> = expected.iter().map(|&(b, e)| Range::new(b, e)).collect();
            assert_eq!(got.as_slice(), want.as_slice(), "{input:?}");
        }
    }

    #[test]
    fn addition_matches_mesos_cases() {
        let cases: &[(Pairs, Pairs, Pairs)] = &[
            (&[(3, 8)], &[(4, 10)], &[(3, 10)]),
            (&[(3, 8)], &[(1, 4)], &[(1, 8)]),
            (&[(2, 3)], &[(1, 4)], &[(1, 4)]),
            (&[(2, 3)], &[(4, 6)], &[(2, 6)]),
            (&[(3, 5)], &[(1, 2)], &[(1, 5)]),
            (&[(3, 5), (7, 8)], &[(6, 6)], &[(3, 8)]),
            (
                &[(1, 4), (9, 10), (20, 22), (26, 30)],
                &[(5, 8), (23, 25)],
                &[(1, 10), (20, 30)],
            ),
        ];
        for (left, right, expected) in cases {
            let mut sum = ranges(left);
            sum += &ranges(right);
            assert_eq!(sum, ranges(expected), "{left:?} + {right:?}");
        }
    }

    #[test]
    fn subtraction_matches_mesos_cases() {
        let cases: &[(Pairs, Pairs, Pairs)] = &[
            (&[], &[(1, 10)], &[]),
            (&[(3, 8)], &[], &[(3, 8)]),
            (&[(3, 8)], &[(1, 10)], &[]),
            (&[(3, 8)], &[(3, 5)], &[(6, 8)]),
            (&[(3, 8)], &[(5, 8)], &[(3, 4)]),
            (&[(3, 8)], &[(5, 6)], &[(3, 4), (7, 8)]),
            (&[(3, 8)], &[(1, 3)], &[(4, 8)]),
            (&[(3, 8)], &[(5, 10)], &[(3, 4)]),
            (&[(3, 8)], &[(9, 10)], &[(3, 8)]),
            (&[(3, 8)], &[(1, 2)], &[(3, 8)]),
            (
                &[(20000, 40000)],
                &[(10000, 20000), (30000, 50000)],
                &[(20001, 29999)],
            ),
            (
                &[(1, 10), (20, 30), (40, 50)],
                &[(2, 9), (15, 45), (48, 50)],
                &[(1, 1), (10, 10), (46, 47)],
            ),
            (
                &[(1, 20)],
                &[(2, 3), (5, 6), (8, 9)],
                &[(1, 1), (4, 4), (7, 7), (10, 20)],
            ),
            (
                &[(0, u64::MAX)],
                &[(0, 0), (u64::MAX, u64::MAX)],
                &[(1, u64::MAX - 1)],
            ),
        ];
        for (left, right, expected) in cases {
            let mut difference = ranges(left);
            difference -= &ranges(right);
            assert_eq!(difference, ranges(expected), "{left:?} - {right:?}");
        }
    }

    #[test]
    fn containment_matches_mesos_cases() {
        let one = ranges(&[(2, 2), (4, 5)]);
        let two = ranges(&[(1, 10)]);
        let three = ranges(&[(2, 3)]);
        let four = ranges(&[(1, 2), (4, 6)]);
        let five = ranges(&[(1, 4), (5, 5)]);
        assert!(two.contains(&one));
        assert!(!one.contains(&two));
        assert!(!three.contains(&one));
        assert!(!one.contains(&three));
        assert!(two.contains(&three));
        assert!(four.contains(&one));
        assert!(two.contains(&four));
        assert!(five.contains(&one));
        assert!(!one.contains(&five));
        assert!(one.contains(&Ranges::new()));
        assert!(!Ranges::new().contains(&one));
    }

    #[test]
    fn disjoint_construction_rejects_overlap_and_inversion() {
        let overlap = Ranges::from_disjoint([Range::new(1, 10), Range::new(5, 6)]);
        assert!(matches!(overlap, Err(RangesError::Overlapping { .. })));
        let same_begin = Ranges::from_disjoint([Range::new(1, 1), Range::new(1, 1)]);
        assert!(matches!(same_begin, Err(RangesError::Overlapping { .. })));
        let inverted = Ranges::from_disjoint([Range::new(5, 3)]);
        assert_eq!(inverted, Err(RangesError::Inverted { begin: 5, end: 3 }));
        let adjacent = Ranges::from_disjoint([Range::new(3, 4), Range::new(1, 2)]).expect("valid");
        assert_eq!(adjacent, ranges(&[(1, 4)]));
    }

    #[test]
    fn counting_and_display() {
        let value = ranges(&[(31000, 32000), (1, 1)]);
        assert_eq!(value.count(), 1002);
        assert_eq!(value.fragments(), 2);
        assert_eq!(value.to_string(), "[1-1, 31000-32000]");
        assert_eq!(Ranges::new().to_string(), "[]");
        assert!(value.contains_value(31500));
        assert!(!value.contains_value(2));
        assert_eq!(ranges(&[(0, u64::MAX)]).count(), u64::MAX);
    }
}
