//! The process that deletes what garbage collection took away (Mesos runs its `rmdir`s on a
//! separate executor for the same reason): removing a large sandbox takes time, and the
//! agent must not wait for it. The agent first renames each path into its trash directory
//! (instant, so a new executor can never see a half-removed directory), then hands the trash
//! entries to this process. Counts `gc/path_removals_succeeded` and `gc/path_removals_failed`.

use std::{
    io,
    path::{Path, PathBuf},
};

use libprocess::{Context, Counter, Handle, Process, Runtime};

/// Remove these paths (directories recursively, without following symlinks).
#[derive(Debug, Clone)]
pub struct Remove(pub Vec<PathBuf>);

/// Deletes paths for the garbage collector.
pub struct PathRemover {
    succeeded: Counter,
    failed: Counter,
}

impl std::fmt::Debug for PathRemover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathRemover").finish_non_exhaustive()
    }
}

impl PathRemover {
    /// Mesos's id prefix (`agent-garbage-collector(N)`).
    pub const ID_PREFIX: &'static str = "agent-garbage-collector";

    /// A remover counting into `runtime`'s metrics.
    pub fn new(runtime: &Runtime) -> Self {
        let metrics = runtime.metrics();
        Self {
            succeeded: metrics.counter("gc/path_removals_succeeded"),
            failed: metrics.counter("gc/path_removals_failed"),
        }
    }
}

impl Process for PathRemover {}

impl Handle<Remove> for PathRemover {
    /// How many paths were removed (a path already gone counts as removed).
    type Reply = usize;

    fn handle(&mut self, message: Remove, _ctx: &mut Context<Self>) -> usize {
        let mut removed = 0;
        for path in message.0 {
            match remove(&path) {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "deleted");
                    self.succeeded.inc();
                    removed += 1;
                }
                Err(error) if error.kind() == io::ErrorKind::NotFound => {
                    tracing::info!(path = %path.display(), "skipped: it does not exist");
                    removed += 1;
                }
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "failed to delete");
                    self.failed.inc();
                }
            }
        }
        removed
    }
}

/// Removes a directory tree (symlinks inside are removed, never followed) or a single file.
/// Like Mesos's GC it goes on past errors, removing what it can (a task may leave files it
/// cannot delete, and the disk space was already offered again), and reports the first.
/// Iterative, so a task's deeply nested tree cannot overflow the stack.
pub fn remove(path: &Path) -> io::Result<()> {
    std::fs::symlink_metadata(path)?;
    let mut first_error = None;
    let mut pending = vec![(path.to_path_buf(), false)];
    while let Some((current, emptied)) = pending.pop() {
        let step = if emptied {
            std::fs::remove_dir(&current)
        } else {
            match std::fs::symlink_metadata(&current) {
                Ok(metadata) if metadata.is_dir() => {
                    pending.push((current.clone(), true));
                    std::fs::read_dir(&current).map(|entries| {
                        pending.extend(entries.flatten().map(|entry| (entry.path(), false)));
                    })
                }
                Ok(_) => std::fs::remove_file(&current),
                Err(error) => Err(error),
            }
        };
        if let Err(error) = step
            && error.kind() != io::ErrorKind::NotFound
        {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn removes_trees_without_following_symlinks() {
        let base = tempfile::tempdir().unwrap();
        let keep = base.path().join("keep");
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(keep.join("precious"), "x").unwrap();
        let tree = base.path().join("tree");
        let mut deep = tree.clone();
        for level in 0..200 {
            deep = deep.join(format!("d{level}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("file"), "y").unwrap();
        symlink(&keep, tree.join("link-to-keep")).unwrap();
        symlink(keep.join("precious"), tree.join("link-to-file")).unwrap();

        remove(&tree).unwrap();
        assert!(!tree.exists());
        assert!(
            keep.join("precious").exists(),
            "a symlink's target survives"
        );
        assert!(matches!(remove(&tree), Err(e) if e.kind() == io::ErrorKind::NotFound));

        let file = base.path().join("single");
        std::fs::write(&file, "z").unwrap();
        remove(&file).unwrap();
        assert!(!file.exists());
    }
}
