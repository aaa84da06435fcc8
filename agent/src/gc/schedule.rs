//! The garbage collector's book (Mesos's `GarbageCollectorProcess` without the process): which
//! paths are due for removal when, and Mesos's disk-headroom formula. Pure: time comes in as
//! arguments, nothing touches the disk.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

/// A path scheduled for removal, and the virtual paths to detach from `/files` once it is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// The directory to remove.
    pub path: PathBuf,
    /// Virtual paths (of the files process) that stop making sense once it is removed.
    pub detach: Vec<String>,
}

/// Paths by removal time; scheduling a path again moves it.
#[derive(Debug, Default)]
pub struct GcSchedule {
    /// (deadline, insertion order) -> what; ordered, so the first entry is due first.
    entries: BTreeMap<(SystemTime, u64), Scheduled>,
    /// path -> its key in `entries`.
    keys: HashMap<PathBuf, (SystemTime, u64)>,
    next: u64,
}

impl GcSchedule {
    /// An empty schedule.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `path` for removal at `deadline` (replacing an earlier schedule of the same
    /// path, as Mesos's `schedule` does by unscheduling first).
    pub fn schedule(&mut self, path: &Path, deadline: SystemTime, detach: Vec<String>) {
        self.unschedule(path);
        let key = (deadline, self.next);
        self.next += 1;
        self.keys.insert(path.to_path_buf(), key);
        self.entries.insert(
            key,
            Scheduled {
                path: path.to_path_buf(),
                detach,
            },
        );
    }

    /// Takes `path` off the schedule (it is in use again); what was scheduled, if anything.
    pub fn unschedule(&mut self, path: &Path) -> Option<Scheduled> {
        let key = self.keys.remove(path)?;
        self.entries.remove(&key)
    }

    /// When `path` is due, if it is scheduled.
    pub fn deadline(&self, path: &Path) -> Option<SystemTime> {
        self.keys.get(path).map(|(deadline, _)| *deadline)
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<SystemTime> {
        self.entries.keys().next().map(|(deadline, _)| *deadline)
    }

    /// Takes every path due at `now` (deadline not after it), earliest first.
    pub fn take_due(&mut self, now: SystemTime) -> Vec<Scheduled> {
        self.take_until(now)
    }

    /// Takes every path due within `window` of `now` (Mesos's `prune`: the disk is filling,
    /// so what would go soon goes now), earliest first.
    pub fn prune(&mut self, now: SystemTime, window: Duration) -> Vec<Scheduled> {
        let limit = now.checked_add(window).unwrap_or(now);
        self.take_until(limit)
    }

    fn take_until(&mut self, limit: SystemTime) -> Vec<Scheduled> {
        let mut taken = Vec::new();
        while let Some(entry) = self.entries.first_entry() {
            if entry.key().0 > limit {
                break;
            }
            let scheduled = entry.remove();
            self.keys.remove(&scheduled.path);
            taken.push(scheduled);
        }
        taken
    }

    /// How many paths are scheduled.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// How old a sandbox may get at this disk usage (Mesos's `Slave::age`):
/// `gc_delay * max(0, 1 - gc_disk_headroom - usage)`. Usage is a fraction of the work
/// directory's filesystem (0.0 to 1.0); anything that is not a number counts as full.
pub fn max_allowed_age(gc_delay: Duration, gc_disk_headroom: f64, usage: f64) -> Duration {
    let usage = if usage.is_nan() { 1.0 } else { usage };
    let factor = (1.0 - gc_disk_headroom - usage).clamp(0.0, 1.0);
    gc_delay.mul_f64(factor)
}

/// How far ahead the schedule is pruned at this disk usage (Mesos's `_checkDiskUsage`):
/// `gc_delay - age`. Paths are scheduled `gc_delay` after they stopped being used, so
/// pruning what is due within `gc_delay - age` removes exactly what is at least `age` old.
pub fn prune_window(gc_delay: Duration, gc_disk_headroom: f64, usage: f64) -> Duration {
    gc_delay.saturating_sub(max_allowed_age(gc_delay, gc_disk_headroom, usage))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn at(hours: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + HOUR * hours as u32
    }

    fn paths(taken: &[Scheduled]) -> Vec<&str> {
        taken.iter().map(|s| s.path.to_str().unwrap()).collect()
    }

    #[test]
    fn due_paths_come_out_in_deadline_order_and_once() {
        let mut schedule = GcSchedule::new();
        schedule.schedule(Path::new("/b"), at(2), vec!["/vb".into()]);
        schedule.schedule(Path::new("/a"), at(1), Vec::new());
        schedule.schedule(Path::new("/c"), at(3), Vec::new());
        assert_eq!(schedule.next_deadline(), Some(at(1)));
        assert!(schedule.take_due(at(0)).is_empty());
        let due = schedule.take_due(at(2));
        assert_eq!(paths(&due), ["/a", "/b"]);
        assert_eq!(due[1].detach, ["/vb"]);
        assert!(schedule.take_due(at(2)).is_empty());
        assert_eq!(schedule.len(), 1);
        assert_eq!(schedule.next_deadline(), Some(at(3)));
    }

    #[test]
    fn scheduling_again_moves_a_path_and_unscheduling_takes_it_off() {
        let mut schedule = GcSchedule::new();
        schedule.schedule(Path::new("/a"), at(1), Vec::new());
        schedule.schedule(Path::new("/a"), at(5), Vec::new());
        assert_eq!(schedule.len(), 1);
        assert_eq!(schedule.deadline(Path::new("/a")), Some(at(5)));
        assert!(schedule.take_due(at(4)).is_empty());
        assert!(schedule.unschedule(Path::new("/a")).is_some());
        assert!(schedule.unschedule(Path::new("/a")).is_none());
        assert!(schedule.is_empty());
        assert!(schedule.take_due(at(10)).is_empty());
    }

    #[test]
    fn pruning_takes_what_is_due_within_the_window() {
        let mut schedule = GcSchedule::new();
        for (path, hour) in [("/a", 10), ("/b", 20), ("/c", 30)] {
            schedule.schedule(Path::new(path), at(hour), Vec::new());
        }
        assert_eq!(paths(&schedule.prune(at(5), HOUR * 15)), ["/a", "/b"]);
        assert_eq!(schedule.len(), 1);
    }

    #[test]
    fn age_follows_mesos_formula() {
        let week = HOUR * 24 * 7;
        // Plenty of room: the full delay.
        assert_eq!(max_allowed_age(week, 0.0, 0.0), week);
        // 1 - 0.1 - 0.5 = 0.4 of a week.
        let age = max_allowed_age(week, 0.1, 0.5);
        assert!(
            (age.as_secs_f64() - week.as_secs_f64() * 0.4).abs() < 1e-3,
            "{age:?}"
        );
        assert!(
            (prune_window(week, 0.1, 0.5).as_secs_f64() - week.as_secs_f64() * 0.6).abs() < 1e-3
        );
        // At or past the headroom: nothing may stay.
        assert_eq!(max_allowed_age(week, 0.1, 0.9), Duration::ZERO);
        assert_eq!(max_allowed_age(week, 0.1, 1.0), Duration::ZERO);
        assert_eq!(prune_window(week, 0.1, 0.95), week);
        assert_eq!(max_allowed_age(week, 0.1, f64::NAN), Duration::ZERO);
    }
}
