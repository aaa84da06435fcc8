//! The agent's `--work_dir` layout, as Mesos lays it out (src/slave/paths.cpp, mesos.md 4.7):
//!
//! ```text
//! <work_dir>/slaves/<agent_id>/frameworks/<framework_id>/executors/<executor_id>/runs/<container_id>/
//! <work_dir>/slaves/<agent_id>/frameworks/<framework_id>/executors/<executor_id>/runs/latest -> <container_id>/
//! <work_dir>/meta/slaves/<agent_id>/slave.info
//! <work_dir>/meta/slaves/latest -> <agent_id>
//! ```
//!
//! Ids become path components, so callers check them first (see [`safe_component`]).

use std::{
    fs, io,
    path::{Path, PathBuf},
};

/// The `slaves` directory holding every agent run's sandboxes.
pub fn agents_dir(work_dir: &Path) -> PathBuf {
    work_dir.join("slaves")
}

/// `<work_dir>/slaves/<agent_id>`.
pub fn agent_dir(work_dir: &Path, agent_id: &str) -> PathBuf {
    agents_dir(work_dir).join(agent_id)
}

/// `<work_dir>/slaves/<agent_id>/frameworks/<framework_id>`.
pub fn framework_dir(work_dir: &Path, agent_id: &str, framework_id: &str) -> PathBuf {
    agent_dir(work_dir, agent_id)
        .join("frameworks")
        .join(framework_id)
}

/// `.../frameworks/<framework_id>/executors/<executor_id>`.
pub fn executor_dir(
    work_dir: &Path,
    agent_id: &str,
    framework_id: &str,
    executor_id: &str,
) -> PathBuf {
    framework_dir(work_dir, agent_id, framework_id)
        .join("executors")
        .join(executor_id)
}

/// `.../executors/<executor_id>/runs/<container_id>`: the sandbox.
pub fn executor_run_dir(
    work_dir: &Path,
    agent_id: &str,
    framework_id: &str,
    executor_id: &str,
    container_id: &str,
) -> PathBuf {
    executor_dir(work_dir, agent_id, framework_id, executor_id)
        .join("runs")
        .join(container_id)
}

/// `.../executors/<executor_id>/runs/latest`: the link to the newest run.
pub fn executor_latest_run_link(
    work_dir: &Path,
    agent_id: &str,
    framework_id: &str,
    executor_id: &str,
) -> PathBuf {
    executor_dir(work_dir, agent_id, framework_id, executor_id)
        .join("runs")
        .join("latest")
}

/// `<work_dir>/meta`: the checkpoint root.
pub fn meta_dir(work_dir: &Path) -> PathBuf {
    work_dir.join("meta")
}

/// `<work_dir>/meta/slaves/<agent_id>/slave.info`.
pub fn agent_info_file(work_dir: &Path, agent_id: &str) -> PathBuf {
    meta_dir(work_dir)
        .join("slaves")
        .join(agent_id)
        .join("slave.info")
}

/// Why an id cannot name a directory: empty, `.`, `..`, or with `/`, `\` or a control
/// character (Mesos's `validateID`).
pub fn safe_component(id: &str) -> Result<(), String> {
    resources::validate_id(id)
}

/// Creates an executor run's sandbox and points `runs/latest` at it (replacing an older
/// link). Returns the sandbox path.
pub fn create_executor_directory(
    work_dir: &Path,
    agent_id: &str,
    framework_id: &str,
    executor_id: &str,
    container_id: &str,
) -> io::Result<PathBuf> {
    for id in [agent_id, framework_id, executor_id, container_id] {
        safe_component(id).map_err(|error| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("'{id}' cannot name a directory: {error}"),
            )
        })?;
    }
    let directory = executor_run_dir(work_dir, agent_id, framework_id, executor_id, container_id);
    fs::create_dir_all(&directory)?;
    let latest = executor_latest_run_link(work_dir, agent_id, framework_id, executor_id);
    replace_symlink(&directory, &latest)?;
    Ok(directory)
}

/// Records the agent's registration under `meta/`: `meta/slaves/<agent_id>/slave.info`
/// (the `SlaveInfo` protobuf, written atomically) and the `meta/slaves/latest` link, where
/// agent recovery (roadmap) will look.
pub fn checkpoint_agent_info(work_dir: &Path, agent_id: &str, info: &[u8]) -> io::Result<()> {
    safe_component(agent_id).map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
    let path = agent_info_file(work_dir, agent_id);
    let directory = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| meta_dir(work_dir));
    fs::create_dir_all(&directory)?;
    let temporary = directory.join(".slave.info.tmp");
    fs::write(&temporary, info)?;
    fs::rename(&temporary, &path)?;
    replace_symlink(
        &directory,
        &meta_dir(work_dir).join("slaves").join("latest"),
    )
}

fn replace_symlink(target: &Path, link: &Path) -> io::Result<()> {
    match fs::symlink_metadata(link) {
        Ok(_) => fs::remove_file(link)?,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    std::os::unix::fs::symlink(target, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_sandboxes_as_mesos() {
        let work = tempfile::tempdir().unwrap();
        let first = create_executor_directory(work.path(), "A-S0", "A-0000", "e", "c1").unwrap();
        assert_eq!(
            first,
            work.path()
                .join("slaves/A-S0/frameworks/A-0000/executors/e/runs/c1")
        );
        assert!(first.is_dir());
        let latest = executor_latest_run_link(work.path(), "A-S0", "A-0000", "e");
        assert_eq!(fs::read_link(&latest).unwrap(), first);

        let second = create_executor_directory(work.path(), "A-S0", "A-0000", "e", "c2").unwrap();
        assert_eq!(fs::read_link(&latest).unwrap(), second);
        assert!(first.is_dir(), "older runs stay");
    }

    #[test]
    fn refuses_ids_that_would_escape_the_work_dir() {
        let work = tempfile::tempdir().unwrap();
        for bad in ["..", ".", "a/b", "", "x\u{7}"] {
            let error = create_executor_directory(work.path(), "A-S0", "f", bad, "c").unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert!(!work.path().join("slaves").exists() || fs::read_dir(work.path()).is_ok());
    }

    #[test]
    fn checkpoints_the_agent_info_with_a_latest_link() {
        let work = tempfile::tempdir().unwrap();
        checkpoint_agent_info(work.path(), "A-S1", b"info").unwrap();
        assert_eq!(
            fs::read(agent_info_file(work.path(), "A-S1")).unwrap(),
            b"info"
        );
        let latest = work.path().join("meta/slaves/latest");
        assert_eq!(
            fs::read_link(&latest).unwrap(),
            work.path().join("meta/slaves/A-S1")
        );
        checkpoint_agent_info(work.path(), "A-S2", b"other").unwrap();
        assert_eq!(
            fs::read_link(&latest).unwrap(),
            work.path().join("meta/slaves/A-S2")
        );
    }
}
