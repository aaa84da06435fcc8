//! Nested containers in both containerizers: sandboxes under the root's, the parent's user,
//! waits that outlive the child, kill, and a parent's destroy (or exit) taking its children.
//! Real processes for the Mesos containerizer; every wait has a deadline.

use std::{
    fs,
    time::{Duration, Instant},
};

use containerizer::{
    ContainerConfig, ContainerId, Containerizer, FakeContainerizer, LaunchResult,
    MesosContainerizer, MesosContainerizerOptions, container_key,
};
use libprocess::{Future, Runtime};
use proto::v0;

const DEADLINE: Duration = Duration::from_secs(30);

fn get<T>(future: Future<T>) -> Result<T, libprocess::Failure> {
    future
        .block_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("no answer within {DEADLINE:?}"))
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn id(value: &str) -> ContainerId {
    ContainerId {
        value: value.into(),
        parent: None,
    }
}

fn child(parent: &ContainerId, value: &str) -> ContainerId {
    ContainerId {
        value: value.into(),
        parent: Some(Box::new(parent.clone())),
    }
}

fn shell(line: &str) -> v0::CommandInfo {
    v0::CommandInfo {
        value: Some(line.into()),
        ..Default::default()
    }
}

fn alive(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.trim().chars().next()),
            Some('Z' | 'X')
        ),
        Err(_) => false,
    }
}

struct Posix {
    _runtime: Runtime,
    containerizer: MesosContainerizer,
    sandbox: tempfile::TempDir,
}

fn posix() -> Posix {
    let runtime = Runtime::builder().build().expect("runtime");
    let containerizer = MesosContainerizer::new(
        &runtime,
        MesosContainerizerOptions {
            destroy_grace_period: Duration::from_secs(5),
        },
    )
    .expect("containerizer");
    Posix {
        _runtime: runtime,
        containerizer,
        sandbox: tempfile::tempdir().expect("sandbox"),
    }
}

impl Posix {
    fn launch(&self, container: &ContainerId, line: &str) {
        // The directory is ignored for nested containers.
        let config = ContainerConfig::new(shell(line), self.sandbox.path());
        assert_eq!(
            get(self.containerizer.launch(container, config)),
            Ok(LaunchResult::Success)
        );
    }

    fn pid(&self, container: &ContainerId) -> i32 {
        let status = get(self.containerizer.status(container)).expect("status");
        i32::try_from(status.executor_pid.expect("a pid")).unwrap()
    }
}

#[test]
fn a_nested_container_runs_in_its_own_sandbox_and_its_end_can_be_waited_for_late() {
    let posix = posix();
    let parent = id("executor");
    posix.launch(&parent, "sleep 1000");
    let task = child(&parent, "task");
    posix.launch(&task, "pwd; echo $MESOS_SANDBOX; exit 7");

    let termination = get(posix.containerizer.wait(&task))
        .expect("wait")
        .expect("a termination");
    assert_eq!(termination.exit_code(), Some(7));
    let sandbox = posix.sandbox.path().join("containers").join("task");
    let stdout = fs::read_to_string(sandbox.join("stdout")).expect("the child's stdout");
    let real = sandbox.canonicalize().unwrap();
    assert_eq!(
        stdout,
        format!("{}\n{}\n", real.display(), sandbox.display())
    );

    // The parent remembers how its child ended; the id is not reused.
    let late = get(posix.containerizer.wait(&task)).expect("wait");
    assert_eq!(late.and_then(|t| t.exit_code()), Some(7));
    let again = get(posix.containerizer.launch(
        &task,
        ContainerConfig::new(shell("true"), posix.sandbox.path()),
    ));
    assert!(again.is_err(), "{again:?}");
    assert_eq!(
        get(posix.containerizer.containers()),
        Ok(vec![parent.clone()])
    );

    assert_eq!(get(posix.containerizer.destroy(&parent)), Ok(true));
    assert_eq!(get(posix.containerizer.wait(&task)), Ok(None));
}

#[test]
fn kill_signals_a_nested_container_and_destroying_the_parent_takes_the_children() {
    let posix = posix();
    let parent = id("executor");
    posix.launch(&parent, "sleep 1000");
    let first = child(&parent, "first");
    let second = child(&parent, "second");
    posix.launch(&first, "sleep 1000");
    posix.launch(&second, "trap '' TERM; echo ready; sleep 1000");
    let grandchild = child(&first, "inner");
    posix.launch(&grandchild, "sleep 1000");
    assert!(
        posix
            .sandbox
            .path()
            .join("containers/first/containers/inner/stdout")
            .exists()
    );
    let mut keys: Vec<String> = get(posix.containerizer.containers())
        .unwrap()
        .iter()
        .map(container_key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "executor",
            "executor.first",
            "executor.first.inner",
            "executor.second"
        ]
    );

    // A signal reaches the one container.
    let first_pid = posix.pid(&first);
    assert_eq!(get(posix.containerizer.kill(&first, 15)), Ok(true));
    let ended = get(posix.containerizer.wait(&first)).unwrap().unwrap();
    assert_eq!(ended.signal(), Some(15));
    assert!(!alive(first_pid));
    // Its own child went with it.
    assert_eq!(get(posix.containerizer.wait(&grandchild)), Ok(None));

    // Destroying the parent destroys the TERM-ignoring child first (SIGKILL after grace).
    let ready = posix.sandbox.path().join("containers/second/stdout");
    wait_until("the second child is ready", || {
        fs::read_to_string(&ready).is_ok_and(|text| text == "ready\n")
    });
    let (parent_pid, second_pid) = (posix.pid(&parent), posix.pid(&second));
    let child_end = posix.containerizer.wait(&second);
    assert_eq!(get(posix.containerizer.destroy(&parent)), Ok(true));
    let child_end = get(child_end).unwrap().unwrap();
    assert_eq!(child_end.signal(), Some(9));
    assert_eq!(
        child_end.message, None,
        "the waiter words a nested container's end"
    );
    assert!(!alive(parent_pid) && !alive(second_pid));
    assert_eq!(get(posix.containerizer.containers()), Ok(vec![]));
}

#[test]
fn a_parent_that_exits_takes_its_children_and_no_child_starts_under_a_missing_parent() {
    let posix = posix();
    let parent = id("executor");
    // The parent exits (with 1) once the test creates `go` in its sandbox.
    posix.launch(&parent, "while [ ! -e go ]; do sleep 0.01; done; exit 1");
    let task = child(&parent, "task");
    posix.launch(&task, "sleep 1000");
    let task_pid = posix.pid(&task);
    let task_end = posix.containerizer.wait(&task);
    let parent_end = posix.containerizer.wait(&parent);
    fs::write(posix.sandbox.path().join("go"), "").unwrap();
    let parent_end = get(parent_end).unwrap().unwrap();
    assert_eq!(parent_end.exit_code(), Some(1));
    assert_eq!(get(task_end).unwrap().unwrap().signal(), Some(9));
    assert!(!alive(task_pid));

    let failure = get(posix.containerizer.launch(
        &child(&parent, "late"),
        ContainerConfig::new(shell("true"), posix.sandbox.path()),
    ))
    .unwrap_err();
    assert!(
        failure
            .to_string()
            .contains("Parent container executor does not exist"),
        "{failure}"
    );
}

#[test]
fn the_fake_keeps_nested_books_too() {
    let fake = FakeContainerizer::new();
    let parent = id("executor");
    let mut config = ContainerConfig::new(shell("executor"), "/sandboxes/run");
    config.user = Some("alice".into());
    let ready = |future: Future<LaunchResult>| future.block().expect("launched");
    assert_eq!(ready(fake.launch(&parent, config)), LaunchResult::Success);
    let first = child(&parent, "first");
    let second = child(&parent, "second");
    for task in [&first, &second] {
        let config = ContainerConfig::new(shell("task"), "/ignored");
        assert_eq!(ready(fake.launch(task, config)), LaunchResult::Success);
    }
    assert_eq!(
        ready(fake.launch(&first, ContainerConfig::new(shell("x"), "/"))),
        LaunchResult::AlreadyLaunched
    );
    let launches = fake.launches();
    let (_, first_config) = &launches[1];
    assert_eq!(
        first_config.directory,
        std::path::Path::new("/sandboxes/run/containers/first")
    );
    assert_eq!(first_config.user.as_deref(), Some("alice"));
    assert_eq!(fake.children(&parent), vec![first.clone(), second.clone()]);

    // A child's end is answered to waiters, now and later.
    let waiting = fake.wait(&first);
    assert!(!waiting.is_ready());
    assert!(fake.exit(&first, 1 << 8));
    assert_eq!(waiting.block().unwrap().unwrap().exit_code(), Some(1));
    assert_eq!(
        fake.wait(&first).block().unwrap().unwrap().exit_code(),
        Some(1)
    );
    assert_eq!(fake.children(&parent), vec![second.clone()]);

    // Killing with SIGKILL destroys; destroying the parent takes the rest.
    let second_end = fake.wait(&second);
    assert_eq!(fake.destroy(&parent).block(), Ok(true));
    assert_eq!(second_end.block().unwrap().unwrap().signal(), Some(9));
    assert!(fake.running().is_empty());
    assert_eq!(fake.wait(&first).block(), Ok(None));
}
