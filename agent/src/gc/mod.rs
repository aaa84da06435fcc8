//! Sandbox garbage collection (Mesos's `GarbageCollector`, `Slave::garbageCollect` and
//! `checkDiskUsage`): the directories of finished executor runs, executors and frameworks
//! are removed `--gc_delay` after they stopped being used, sooner as the disk fills.
//!
//! - [`schedule`] is the pure book (paths by deadline) and Mesos's formula: every
//!   `--disk_watch_interval` the agent measures the work directory's filesystem and removes
//!   what is due within `gc_delay - age`, where
//!   `age = gc_delay * max(0, 1 - gc_disk_headroom - usage)`.
//! - The agent owns the book and one timer for its earliest deadline, on the libprocess
//!   clock (tests pause and advance it). A path in use again (a new executor in the same
//!   executor or framework directory) is simply taken off the book: the agent process is
//!   the only one that decides, so nothing is half-removed under a new run.
//! - Removing is a rename into `<work_dir>/gc-trash/` (instant, in the agent), then the
//!   deletion by the [`remover::PathRemover`] process; once a path is renamed away its
//!   `/files` virtual paths are detached. Leftovers of an earlier agent's trash are deleted
//!   at start. `gc/path_removals_pending` counts the book; the remover counts the rest.

pub mod disk;
pub mod remover;
pub mod schedule;

use std::{
    path::{Path, PathBuf},
    time::SystemTime,
};

use libprocess::{Context, Gauge, Pid, TimerId};

use crate::{files::Detach, process::Agent};
use remover::{PathRemover, Remove};
pub use schedule::{GcSchedule, Scheduled, max_allowed_age, prune_window};

/// The name of the directory under `--work_dir` that removed paths are renamed into.
pub const TRASH_DIR: &str = "gc-trash";

/// The agent's garbage collection state: the book, its timer, and the remover.
#[derive(Default)]
pub struct GarbageCollector {
    /// Paths by removal time.
    pub schedule: GcSchedule,
    timer: Option<(TimerId, SystemTime)>,
    remover: Option<Pid<PathRemover>>,
    renamed: u64,
    pending: Option<Gauge>,
}

impl std::fmt::Debug for GarbageCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GarbageCollector")
            .field("scheduled", &self.schedule.len())
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Starts garbage collection: the remover process, the `gc/*` metrics, the removal of
    /// an earlier run's trash, and the periodic disk check.
    pub(crate) fn start_garbage_collection(&mut self, ctx: &mut Context<Self>) {
        let runtime = ctx.runtime().clone();
        match ctx.spawn(
            runtime.generate_id(PathRemover::ID_PREFIX),
            PathRemover::new(&runtime),
        ) {
            Ok(remover) => self.gc.remover = Some(remover),
            Err(error) => {
                tracing::error!(%error, "cannot start the garbage collector; sandboxes stay")
            }
        }
        self.gc.pending = Some(runtime.metrics().gauge("gc/path_removals_pending"));
        let leftovers: Vec<PathBuf> = std::fs::read_dir(self.trash_dir())
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default();
        if !leftovers.is_empty()
            && let Some(remover) = &self.gc.remover
        {
            remover.dispatch(Remove(leftovers));
        }
        self.watch_disk(ctx);
    }

    /// Stops the remover (when the agent terminates).
    pub(crate) fn stop_garbage_collection(&mut self, ctx: &mut Context<Self>) {
        if let Some(remover) = self.gc.remover.take() {
            ctx.runtime().terminate(remover.upid());
        }
    }

    /// Schedules `path` for removal `--gc_delay` from now; `detach` lists the `/files`
    /// virtual paths that go with it.
    pub(crate) fn garbage_collect(
        &mut self,
        ctx: &mut Context<Self>,
        path: &Path,
        detach: Vec<String>,
    ) {
        let now = ctx.runtime().clock().now();
        let deadline = now.checked_add(self.options.gc_delay).unwrap_or(now);
        tracing::info!(
            path = %path.display(),
            delay = %common::flags::format_duration(self.options.gc_delay),
            "scheduling for garbage collection"
        );
        self.gc.schedule.schedule(path, deadline, detach);
        self.arm_gc_timer(ctx);
        self.update_gc_metrics();
    }

    /// Takes `path` off the schedule (it is in use again); whether it was on it.
    pub(crate) fn unschedule_garbage_collection(&mut self, path: &Path) -> bool {
        let unscheduled = self.gc.schedule.unschedule(path).is_some();
        if unscheduled {
            tracing::info!(path = %path.display(), "unscheduled from garbage collection");
            self.update_gc_metrics();
        }
        unscheduled
    }

    /// Keeps one timer, set for the earliest deadline.
    fn arm_gc_timer(&mut self, ctx: &mut Context<Self>) {
        let Some(next) = self.gc.schedule.next_deadline() else {
            return;
        };
        if let Some((timer, armed_for)) = self.gc.timer {
            if armed_for <= next {
                return;
            }
            ctx.cancel(timer);
        }
        let now = ctx.runtime().clock().now();
        let after = next.duration_since(now).unwrap_or_default();
        let timer = ctx.delay(after, |agent: &mut Self, ctx| {
            agent.gc.timer = None;
            let now = ctx.runtime().clock().now();
            let due = agent.gc.schedule.take_due(now);
            agent.remove_collected(due);
            agent.arm_gc_timer(ctx);
        });
        self.gc.timer = Some((timer, next));
    }

    /// Measures the disk and prunes what must go at that usage; again after
    /// `--disk_watch_interval`.
    fn watch_disk(&mut self, ctx: &mut Context<Self>) {
        ctx.delay(self.options.disk_watch_interval, |agent: &mut Self, ctx| {
            agent.check_disk_usage(ctx);
            agent.watch_disk(ctx);
        });
    }

    fn check_disk_usage(&mut self, ctx: &mut Context<Self>) {
        let usage = match self.options.disk_usage.usage(&self.options.work_dir) {
            Ok(usage) => usage,
            Err(error) => {
                tracing::error!(%error, "failed to get disk usage");
                return;
            }
        };
        let delay = self.options.gc_delay;
        let headroom = self.options.gc_disk_headroom;
        let window = prune_window(delay, headroom, usage);
        tracing::debug!(
            usage = format!("{:.2}%", usage * 100.0),
            max_allowed_age = %common::flags::format_duration(max_allowed_age(delay, headroom, usage)),
            "checked disk usage"
        );
        if window.is_zero() {
            return;
        }
        let now = ctx.runtime().clock().now();
        let pruned = self.gc.schedule.prune(now, window);
        if !pruned.is_empty() {
            tracing::info!(
                usage = format!("{:.2}%", usage * 100.0),
                paths = pruned.len(),
                "pruning sandboxes early: the disk is filling"
            );
            self.remove_collected(pruned);
            self.arm_gc_timer(ctx);
        }
    }

    /// Renames each path into the trash, detaches its virtual paths, and hands the trash to
    /// the remover.
    fn remove_collected(&mut self, collected: Vec<Scheduled>) {
        if collected.is_empty() {
            return;
        }
        let trash = self.trash_dir();
        let mut doomed = Vec::new();
        for scheduled in collected {
            match self.rename_into_trash(&trash, &scheduled.path) {
                Ok(Some(renamed)) => doomed.push(renamed),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(
                        path = %scheduled.path.display(),
                        %error,
                        "cannot move into the trash; deleting in place"
                    );
                    doomed.push(scheduled.path.clone());
                }
            }
            if let Some(files) = &self.files {
                for virtual_path in scheduled.detach {
                    files.dispatch(Detach { virtual_path });
                }
            }
        }
        if let Some(remover) = &self.gc.remover {
            remover.dispatch(Remove(doomed));
        }
        self.update_gc_metrics();
    }

    /// `Ok(None)` when the path is already gone.
    fn rename_into_trash(&mut self, trash: &Path, path: &Path) -> std::io::Result<Option<PathBuf>> {
        if std::fs::symlink_metadata(path).is_err() {
            return Ok(None);
        }
        std::fs::create_dir_all(trash)?;
        self.gc.renamed += 1;
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let renamed = trash.join(format!("{}-{name}", self.gc.renamed));
        std::fs::rename(path, &renamed)?;
        Ok(Some(renamed))
    }

    fn trash_dir(&self) -> PathBuf {
        self.options.work_dir.join(TRASH_DIR)
    }

    fn update_gc_metrics(&self) {
        if let Some(pending) = &self.gc.pending {
            pending.set(self.gc.schedule.len() as f64);
        }
    }
}
