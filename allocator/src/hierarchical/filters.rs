//! Offer filters: a framework that declines resources with `refuse_seconds` is not offered
//! them again on that agent, for that role, until the filter expires. Expiry is driven by the
//! `now` of each allocation run through a heap, so no filter is ever scanned to find the
//! expired ones.

use std::{
    cmp::Reverse,
    collections::BinaryHeap,
    time::{Duration, SystemTime},
};

use resources::Resources;

use crate::hierarchical::{AgentIdx, FwIdx, RoleId};

/// Mesos's `Filters.refuse_seconds` default.
pub(crate) const DEFAULT_REFUSE: Duration = Duration::from_secs(5);

/// The longest a filter lasts (365 days).
pub(crate) const MAX_REFUSE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// One declined offer: the framework is not offered a subset of `refused` again.
#[derive(Clone, Debug)]
pub(crate) struct OfferFilter {
    pub(crate) id: u64,
    /// The declined resources, without allocation role.
    pub(crate) refused: Resources,
}

impl OfferFilter {
    /// True when an offer of `resources` (unallocated) would be filtered.
    pub(crate) fn filters(&self, resources: &Resources) -> bool {
        self.refused.contains(resources)
    }
}

/// How long a filter lasts for `refuse_seconds`, as Mesos decides it: over 365 days is 365
/// days; negative, NaN or unrepresentable is the default 5 s; zero means no filter.
pub(crate) fn refuse_duration(refuse_seconds: f64) -> Duration {
    if refuse_seconds > MAX_REFUSE.as_secs_f64() {
        return MAX_REFUSE;
    }
    if refuse_seconds.is_nan() || refuse_seconds < 0.0 {
        return DEFAULT_REFUSE;
    }
    Duration::try_from_secs_f64(refuse_seconds).unwrap_or(DEFAULT_REFUSE)
}

/// When filters expire, earliest first; entries of filters removed early (revive,
/// deactivation, agent removal) are skipped when they come up.
#[derive(Debug, Default)]
pub(crate) struct Expiries {
    heap: BinaryHeap<Reverse<Expiry>>,
    next_id: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Expiry {
    pub(crate) at: SystemTime,
    pub(crate) filter: u64,
    pub(crate) framework: FwIdx,
    pub(crate) role: RoleId,
    pub(crate) agent: AgentIdx,
}

impl Expiries {
    /// A fresh filter id.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn push(&mut self, expiry: Expiry) {
        self.heap.push(Reverse(expiry));
    }

    /// The next expiry due at `now`, if any.
    pub(crate) fn pop_due(&mut self, now: SystemTime) -> Option<Expiry> {
        match self.heap.peek() {
            Some(Reverse(expiry)) if expiry.at <= now => self.heap.pop().map(|Reverse(e)| e),
            _ => None,
        }
    }

    /// The earliest pending expiry.
    pub(crate) fn next_due(&self) -> Option<SystemTime> {
        self.heap.peek().map(|Reverse(expiry)| expiry.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuse_seconds_are_clamped_as_mesos_clamps_them() {
        assert_eq!(refuse_duration(1.5), Duration::from_millis(1500));
        assert_eq!(refuse_duration(0.0), Duration::ZERO);
        assert_eq!(refuse_duration(-1.0), DEFAULT_REFUSE);
        assert_eq!(refuse_duration(f64::NAN), DEFAULT_REFUSE);
        assert_eq!(refuse_duration(f64::NEG_INFINITY), DEFAULT_REFUSE);
        assert_eq!(refuse_duration(f64::INFINITY), MAX_REFUSE);
        assert_eq!(refuse_duration(1e300), MAX_REFUSE);
        assert_eq!(refuse_duration(f64::from(i32::MAX)), MAX_REFUSE);
    }
}
