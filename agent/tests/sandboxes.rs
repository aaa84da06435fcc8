//! Sandboxes in a running agent (in process, paused clock, fake containerizer): each executor
//! run is attached under Mesos's three virtual paths at launch and readable through `/files`;
//! finished runs, executors and frameworks are removed `--gc_delay` later (and detached),
//! sooner as the disk fills (`--gc_disk_headroom`, checked every `--disk_watch_interval`
//! through an injected disk-usage probe); a new run of the same executor keeps its
//! directories.

#[path = "in_process/support.rs"]
mod support;

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use agent::{AgentOptions, gc::disk::DiskUsageProbe};
use proto::{
    internal::StatusUpdateMessage,
    v0::{CommandInfo, ExecutorId, ExecutorInfo},
    v1,
};
use serde_json::Value;
use support::{FRAMEWORK, Harness};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// A disk whose usage the test sets.
#[derive(Clone)]
struct Disk(Arc<Mutex<Result<f64, String>>>);

impl Default for Disk {
    fn default() -> Self {
        Disk(Arc::new(Mutex::new(Ok(0.0))))
    }
}

impl Disk {
    fn set(&self, usage: f64) {
        *self.0.lock().unwrap() = Ok(usage);
    }

    fn fail(&self) {
        *self.0.lock().unwrap() = Err("the disk is unreadable".into());
    }

    fn probe(&self) -> DiskUsageProbe {
        let disk = self.clone();
        DiskUsageProbe::new(move |_| {
            disk.0
                .lock()
                .unwrap()
                .clone()
                .map_err(std::io::Error::other)
        })
    }
}

fn agent_with(disk: &Disk, adjust: impl FnOnce(&mut AgentOptions)) -> Harness {
    disk.set(0.0);
    let probe = disk.probe();
    let mut harness = Harness::start_with(|options| {
        options.gc_delay = 100 * HOUR;
        options.disk_usage = probe;
        adjust(options);
    });
    harness.register();
    harness
}

/// Runs a command task to TASK_FINISHED (acknowledged) and lets its executor exit; the
/// run's sandbox (with a `stdout`) and its container id.
fn finished_task(harness: &Harness, task_id: &str) -> (PathBuf, String) {
    harness.run_task(harness.command_task(task_id, "true"));
    let (container, config) = harness.launches().pop().unwrap();
    std::fs::write(
        config.directory.join("stdout"),
        format!("output of {task_id}\n"),
    )
    .unwrap();
    let mut executor = harness.subscribe(task_id);
    executor.events();
    harness.executor_update(task_id, task_id, v1::TaskState::TaskFinished, 1);
    for update in harness.messages::<StatusUpdateMessage>() {
        harness.acknowledge(&update);
    }
    assert!(harness.containerizer.exit(&container, 0));
    harness.settle();
    (config.directory, container.value)
}

fn debug(harness: &Harness) -> serde_json::Map<String, Value> {
    let (status, map) = harness.get("/files/debug");
    assert_eq!(status, 200);
    map.as_object().unwrap().clone()
}

fn read(harness: &Harness, path: &str) -> (u16, Value) {
    harness.get(&format!("/files/read?path={path}&offset=0"))
}

fn virtual_latest(executor_id: &str) -> String {
    format!("/frameworks/{FRAMEWORK}/executors/{executor_id}/runs/latest")
}

#[test]
fn a_new_sandbox_is_attached_under_mesos_three_paths() {
    let disk = Disk::default();
    let harness = agent_with(&disk, |_| {});
    harness.run_task(harness.command_task("t1", "echo hi"));
    let (_, config) = harness.launches().pop().unwrap();
    let sandbox = std::fs::canonicalize(&config.directory).unwrap();
    std::fs::write(sandbox.join("stdout"), "hi\n").unwrap();

    let latest = config.directory.parent().unwrap().join("latest");
    let attached = debug(&harness);
    let real = sandbox.display().to_string();
    for virtual_path in [
        config.directory.display().to_string(),
        latest.display().to_string(),
        virtual_latest("t1"),
    ] {
        assert_eq!(attached[&virtual_path], real, "{virtual_path}");
    }
    assert_eq!(attached.len(), 3);

    let (status, chunk) = read(&harness, &format!("{}/stdout", virtual_latest("t1")));
    assert_eq!(status, 200);
    assert_eq!(chunk["data"], "hi\n");
    let (status, listing) = harness.get(&format!("/files/browse?path={}", latest.display()));
    assert_eq!(status, 200);
    assert_eq!(listing[0]["path"], format!("{}/stdout", latest.display()));
    // The agent's /state names the directory the CLI reads through /files.
    let state = harness.state();
    assert_eq!(
        state["frameworks"][0]["executors"][0]["directory"],
        config.directory.display().to_string()
    );
}

#[test]
fn finished_sandboxes_are_removed_after_gc_delay_and_detached() {
    let disk = Disk::default();
    // No headroom: with an empty disk, exactly gc_delay (see the next test for Mesos's
    // default headroom).
    let harness = agent_with(&disk, |options| options.gc_disk_headroom = 0.0);
    let (run, _) = finished_task(&harness, "t1");
    let executor_dir = run.parent().unwrap().parent().unwrap().to_path_buf();
    let framework_dir = executor_dir
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    assert_eq!(
        harness.metric("gc/path_removals_pending"),
        3.0,
        "run, executor, framework"
    );

    harness.advance(100 * HOUR - MINUTE);
    assert!(
        run.join("stdout").exists(),
        "kept until gc_delay has passed"
    );
    let (status, chunk) = read(&harness, &format!("{}/stdout", virtual_latest("t1")));
    assert_eq!(
        (status, chunk["data"].as_str()),
        (200, Some("output of t1\n"))
    );

    harness.advance(MINUTE);
    assert!(!run.exists());
    assert!(!executor_dir.exists());
    assert!(!framework_dir.exists());
    assert!(debug(&harness).is_empty(), "every virtual path detached");
    assert_eq!(
        read(&harness, &format!("{}/stdout", virtual_latest("t1"))).0,
        404
    );
    assert_eq!(read(&harness, &format!("{}/stdout", run.display())).0, 404);
    assert_eq!(harness.metric("gc/path_removals_pending"), 0.0);
    assert_eq!(harness.metric("gc/path_removals_succeeded"), 3.0);
    let trash = harness.work_dir.path().join("agent/gc-trash");
    assert_eq!(
        std::fs::read_dir(trash).unwrap().count(),
        0,
        "the trash is emptied"
    );
}

#[test]
fn with_mesos_default_headroom_an_empty_disk_keeps_sandboxes_for_nine_tenths_of_gc_delay() {
    // age = gc_delay * max(0, 1 - 0.1 - 0.0) = 90h, as Mesos computes it.
    let disk = Disk::default();
    let harness = agent_with(&disk, |options| {
        assert_eq!(options.gc_disk_headroom, 0.1, "Mesos's default");
        assert_eq!(options.disk_watch_interval, MINUTE, "Mesos's default");
    });
    let (run, _) = finished_task(&harness, "t1");
    harness.advance(90 * HOUR - 2 * MINUTE);
    assert!(run.exists());
    harness.advance(3 * MINUTE);
    assert!(!run.exists());
}

#[test]
fn a_filling_disk_removes_sandboxes_older_than_mesos_age() {
    let disk = Disk::default();
    let harness = agent_with(&disk, |options| {
        options.gc_disk_headroom = 0.1;
        options.disk_watch_interval = MINUTE;
    });
    let (run, _) = finished_task(&harness, "t1");
    // age = 100h * max(0, 1 - 0.1 - 0.85) = 5h: what was finished 5h ago goes.
    disk.set(0.85);
    harness.advance(4 * HOUR + 58 * MINUTE);
    assert!(run.exists(), "younger than the allowed age");
    harness.advance(3 * MINUTE);
    assert!(!run.exists(), "pruned at the first disk check past the age");
    assert!(debug(&harness).is_empty());
}

#[test]
fn a_disk_past_the_headroom_removes_every_finished_sandbox_at_the_next_check() {
    let disk = Disk::default();
    let harness = agent_with(&disk, |options| {
        options.disk_watch_interval = MINUTE;
    });
    let (first, _) = finished_task(&harness, "t1");
    let (second, _) = finished_task(&harness, "t2");
    disk.set(0.95);
    assert!(first.exists() && second.exists());
    harness.advance(MINUTE);
    assert!(!first.exists(), "first");
    assert!(!second.exists(), "second");
}

#[test]
fn an_unreadable_disk_changes_nothing_and_gc_delay_still_holds() {
    let disk = Disk::default();
    let harness = agent_with(&disk, |options| {
        options.disk_watch_interval = MINUTE;
    });
    let (run, _) = finished_task(&harness, "t1");
    disk.fail();
    harness.advance(MINUTE);
    harness.advance(MINUTE);
    assert!(run.exists());
    harness.advance(100 * HOUR);
    assert!(!run.exists());
}

#[test]
fn a_new_run_of_the_same_executor_keeps_its_directories_and_the_old_run_still_goes() {
    let disk = Disk::default();
    let harness = agent_with(&disk, |_| {});
    let custom_task = |task_id: &str| {
        let mut task = harness.command_task(task_id, "unused");
        task.command = None;
        task.executor = Some(ExecutorInfo {
            executor_id: ExecutorId {
                value: "custom".into(),
            },
            command: Some(CommandInfo {
                value: Some("./executor".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        task
    };
    harness.run_task(custom_task("t1"));
    let (old_container, old) = harness.launches().pop().unwrap();
    std::fs::write(old.directory.join("stdout"), "old run\n").unwrap();
    assert!(harness.containerizer.exit(&old_container, 0));
    harness.settle();
    for update in harness.messages::<StatusUpdateMessage>() {
        harness.acknowledge(&update);
    }
    assert_eq!(harness.metric("gc/path_removals_pending"), 3.0);

    harness.advance(HOUR);
    harness.run_task(custom_task("t2"));
    let (_, new) = harness.launches().pop().unwrap();
    assert_ne!(new.directory, old.directory);
    std::fs::write(new.directory.join("stdout"), "new run\n").unwrap();
    assert_eq!(
        harness.metric("gc/path_removals_pending"),
        1.0,
        "only the old run is still scheduled"
    );

    harness.advance(100 * HOUR);
    assert!(!old.directory.exists(), "the old run is collected");
    assert!(
        new.directory.join("stdout").exists(),
        "the running one is not"
    );
    let (status, chunk) = read(&harness, &format!("{}/stdout", virtual_latest("custom")));
    assert_eq!((status, chunk["data"].as_str()), (200, Some("new run\n")));
    assert_eq!(
        read(&harness, &format!("{}/stdout", old.directory.display())).0,
        404
    );
}

#[test]
fn trash_left_by_an_earlier_agent_is_deleted_at_start() {
    let disk = Disk::default();
    let leftover: Arc<Mutex<Option<PathBuf>>> = Arc::default();
    let seen = leftover.clone();
    let harness = agent_with(&disk, move |options| {
        let trash = options.work_dir.join("gc-trash/7-old-run");
        std::fs::create_dir_all(trash.join("nested")).unwrap();
        std::fs::write(trash.join("nested/file"), "x").unwrap();
        *seen.lock().unwrap() = Some(trash);
    });
    let trash = leftover.lock().unwrap().clone().unwrap();
    harness.settle();
    assert!(!trash.exists());
}
