//! The Mesos containerizer's posix launcher with real processes: sandbox output files, exit
//! statuses, signals, the exact environment, users, and destroy leaving nothing behind.
//! Every wait has a deadline; nothing sleeps for a fixed time.

use std::{
    collections::BTreeMap,
    fs,
    path::Path,
    time::{Duration, Instant},
};

use containerizer::{
    ContainerConfig, ContainerId, Containerizer, LaunchResult, MesosContainerizer,
    MesosContainerizerOptions,
};
use libprocess::{Future, Runtime};
use proto::v0;

const DEADLINE: Duration = Duration::from_secs(30);

fn get<T>(future: Future<T>) -> Result<T, libprocess::Failure> {
    future
        .block_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("no answer within {DEADLINE:?}"))
}

/// Waits until `condition` holds, failing the test after the deadline.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct Fixture {
    _runtime: Runtime,
    containerizer: MesosContainerizer,
    sandbox: tempfile::TempDir,
}

fn fixture(grace: Duration) -> Fixture {
    let runtime = Runtime::builder().build().expect("runtime");
    let containerizer = MesosContainerizer::new(
        &runtime,
        MesosContainerizerOptions {
            destroy_grace_period: grace,
        },
    )
    .expect("containerizer");
    Fixture {
        _runtime: runtime,
        containerizer,
        sandbox: tempfile::tempdir().expect("sandbox"),
    }
}

fn id(value: &str) -> ContainerId {
    ContainerId {
        value: value.to_string(),
        parent: None,
    }
}

fn shell(line: &str) -> v0::CommandInfo {
    v0::CommandInfo {
        value: Some(line.to_string()),
        ..Default::default()
    }
}

impl Fixture {
    fn config(&self, command: v0::CommandInfo) -> ContainerConfig {
        ContainerConfig::new(command, self.sandbox.path())
    }

    fn launch(&self, name: &str, command: v0::CommandInfo) -> ContainerId {
        let container = id(name);
        let result = get(self.containerizer.launch(&container, self.config(command)));
        assert_eq!(result, Ok(LaunchResult::Success));
        container
    }

    fn file(&self, name: &str) -> String {
        fs::read_to_string(self.sandbox.path().join(name)).unwrap_or_default()
    }

    fn wait_for_file(&self, name: &str) {
        let path = self.sandbox.path().join(name);
        wait_until(&format!("{name} exists"), || {
            fs::read_to_string(&path).is_ok_and(|text| text.ends_with('\n'))
        });
    }
}

/// Whether `pid` names a live process (not gone, not a zombie).
fn alive(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.trim().chars().next());
            !matches!(state, Some('Z' | 'X'))
        }
        Err(_) => false,
    }
}

fn pids(text: &str) -> Vec<i32> {
    text.split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect()
}

#[test]
fn a_command_writes_its_sandbox_files_and_its_exit_status_is_reported() {
    let fixture = fixture(Duration::from_secs(3));
    let container = fixture.launch("c1", shell("echo out; echo err >&2; pwd; exit 3"));
    let termination = get(fixture.containerizer.wait(&container))
        .expect("wait")
        .expect("a termination");
    assert_eq!(termination.exit_code(), Some(3));
    assert!(!termination.succeeded());
    assert_eq!(
        termination.message.as_deref(),
        Some("Executor exited with status 3")
    );
    let sandbox = fixture.sandbox.path().canonicalize().unwrap();
    assert_eq!(
        fixture.file("stdout"),
        format!("out\n{}\n", sandbox.display())
    );
    assert_eq!(fixture.file("stderr"), "err\n");
    // Gone from the books once terminated.
    assert_eq!(get(fixture.containerizer.wait(&container)), Ok(None));
    assert_eq!(get(fixture.containerizer.containers()), Ok(vec![]));
}

#[test]
fn the_environment_is_exactly_the_given_one_plus_sandbox_and_path() {
    let fixture = fixture(Duration::from_secs(3));
    let mut config = fixture.config(v0::CommandInfo {
        shell: Some(false),
        value: Some("/usr/bin/env".into()),
        arguments: vec!["env".into()],
        environment: Some(v0::Environment {
            variables: vec![v0::environment::Variable {
                name: "FROM_COMMAND".into(),
                value: Some("yes".into()),
                ..Default::default()
            }],
        }),
        ..Default::default()
    });
    config.environment = BTreeMap::from([
        ("MESOS_FRAMEWORK_ID".to_string(), "f1".to_string()),
        ("WITH SPACE".to_string(), "a b=c".to_string()),
    ]);
    let container = id("env");
    assert_eq!(
        get(fixture.containerizer.launch(&container, config)),
        Ok(LaunchResult::Success)
    );
    let termination = get(fixture.containerizer.wait(&container))
        .unwrap()
        .unwrap();
    assert!(termination.succeeded(), "{termination:?}");
    let mut lines: Vec<String> = fixture.file("stdout").lines().map(String::from).collect();
    lines.sort();
    let mut expected = vec![
        "FROM_COMMAND=yes".to_string(),
        "MESOS_FRAMEWORK_ID=f1".to_string(),
        format!("MESOS_SANDBOX={}", fixture.sandbox.path().display()),
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
        "WITH SPACE=a b=c".to_string(),
    ];
    expected.sort();
    assert_eq!(lines, expected);
}

#[test]
fn a_non_shell_command_runs_its_argv_and_leads_its_own_session() {
    let fixture = fixture(Duration::from_secs(3));
    let container = fixture.launch(
        "argv",
        v0::CommandInfo {
            shell: Some(false),
            value: Some("/bin/sh".into()),
            arguments: vec![
                "my-name".into(),
                "-c".into(),
                "head -c 7 /proc/$$/cmdline; echo \" $0 $1\"; cut -d' ' -f1,5,6 /proc/$$/stat"
                    .into(),
                "zero".into(),
                "one two".into(),
            ],
            ..Default::default()
        },
    );
    let status = get(fixture.containerizer.status(&container)).expect("status");
    let pid = status.executor_pid.expect("a pid") as i32;
    assert_eq!(status.container_id, Some(container.clone()));
    let termination = get(fixture.containerizer.wait(&container))
        .unwrap()
        .unwrap();
    assert!(termination.succeeded());
    let stdout = fixture.file("stdout");
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("my-name zero one two"));
    // pid, process group and session are all the executor's own pid.
    let ids = pids(lines.next().unwrap_or_default());
    assert_eq!(ids, vec![pid, pid, pid], "{stdout}");
}

#[test]
fn destroy_terms_then_reports_and_removes_the_container() {
    let fixture = fixture(Duration::from_secs(20));
    let container = fixture.launch(
        "term",
        shell(
            "trap 'echo got TERM; exit 7' TERM; echo ready > ready; while :; do sleep 0.05; done",
        ),
    );
    fixture.wait_for_file("ready");
    let waited = fixture.containerizer.wait(&container);
    assert_eq!(get(fixture.containerizer.destroy(&container)), Ok(true));
    let termination = get(waited).unwrap().expect("a termination");
    assert_eq!(termination.exit_code(), Some(7), "{termination:?}");
    assert_eq!(
        termination.message.as_deref(),
        Some("Container destroyed; its executor exited with status 7")
    );
    assert!(fixture.file("stdout").contains("got TERM"));
    assert_eq!(get(fixture.containerizer.destroy(&container)), Ok(false));
    assert_eq!(get(fixture.containerizer.wait(&container)), Ok(None));
}

#[test]
fn destroy_kills_the_whole_container_including_grandchildren_and_term_ignorers() {
    let fixture = fixture(Duration::from_millis(300));
    // A child, a grandchild in its own process group and one in its own session (both still
    // below the executor), all ignoring SIGTERM like the executor itself.
    let script = "trap '' TERM; \
        sleep 1000 & echo $! >> pids; \
        sh -c 'trap \"\" TERM; sleep 1000 & echo $! >> pids; wait' & echo $! >> pids; \
        setsid sleep 1000 & echo $! >> pids; \
        echo $$ >> pids; echo ready > ready; wait";
    let container = fixture.launch("tree", shell(script));
    fixture.wait_for_file("ready");
    wait_until("every pid is written", || {
        pids(&fixture.file("pids")).len() == 5
    });
    let pids = pids(&fixture.file("pids"));
    assert!(pids.iter().all(|pid| alive(*pid)), "{pids:?}");
    let waited = fixture.containerizer.wait(&container);
    assert_eq!(get(fixture.containerizer.destroy(&container)), Ok(true));
    let termination = get(waited).unwrap().expect("a termination");
    assert_eq!(termination.signal(), Some(9), "{termination:?}");
    let left: Vec<i32> = pids.iter().copied().filter(|pid| alive(*pid)).collect();
    assert!(left.is_empty(), "still alive after destroy: {left:?}");
}

#[test]
fn an_executor_that_exits_takes_what_it_left_behind_with_it() {
    let fixture = fixture(Duration::from_secs(20));
    let container = fixture.launch(
        "leftover",
        shell("sleep 1000 & echo $! > pids; sleep 1000 & echo $! >> pids; exit 0"),
    );
    let termination = get(fixture.containerizer.wait(&container))
        .unwrap()
        .unwrap();
    assert!(termination.succeeded(), "{termination:?}");
    let pids = pids(&fixture.file("pids"));
    assert_eq!(pids.len(), 2);
    assert!(pids.iter().all(|pid| !alive(*pid)), "{pids:?}");
}

#[test]
fn kill_signals_the_executor_and_sigkill_destroys() {
    let fixture = fixture(Duration::from_secs(20));
    let container = fixture.launch(
        "usr1",
        shell("trap 'exit 5' USR1; echo ready > ready; while :; do sleep 0.05; done"),
    );
    fixture.wait_for_file("ready");
    let waited = fixture.containerizer.wait(&container);
    assert_eq!(get(fixture.containerizer.kill(&container, 10)), Ok(true));
    assert_eq!(get(waited).unwrap().unwrap().exit_code(), Some(5));

    let container = fixture.launch("sigkill", shell("sleep 1000"));
    let waited = fixture.containerizer.wait(&container);
    assert_eq!(get(fixture.containerizer.kill(&container, 9)), Ok(true));
    assert_eq!(get(waited).unwrap().unwrap().signal(), Some(9));
    assert_eq!(get(fixture.containerizer.kill(&container, 15)), Ok(false));
    assert!(get(fixture.containerizer.kill(&id("nope"), 999)).is_ok_and(|found| !found));
}

#[test]
fn bad_launches_are_refused_with_a_reason() {
    let fixture = fixture(Duration::from_secs(3));
    let container = fixture.launch("twice", shell("sleep 1000"));
    assert_eq!(
        get(fixture
            .containerizer
            .launch(&container, fixture.config(shell("true")))),
        Ok(LaunchResult::AlreadyLaunched)
    );
    let orphan = ContainerId {
        value: "child".into(),
        parent: Some(Box::new(id("nobody"))),
    };
    let failure = get(fixture
        .containerizer
        .launch(&orphan, fixture.config(shell("true"))))
    .unwrap_err();
    assert!(
        failure
            .to_string()
            .contains("Parent container nobody does not exist"),
        "{failure}"
    );

    let missing = ContainerConfig::new(shell("true"), fixture.sandbox.path().join("absent"));
    let failure = get(fixture.containerizer.launch(&id("m"), missing)).unwrap_err();
    assert!(failure.to_string().contains("does not exist"), "{failure}");

    let no_program = fixture.config(v0::CommandInfo {
        shell: Some(false),
        value: Some("/nonexistent/program".into()),
        ..Default::default()
    });
    let failure = get(fixture.containerizer.launch(&id("p"), no_program)).unwrap_err();
    assert!(
        failure
            .to_string()
            .contains("could not start '/nonexistent/program'"),
        "{failure}"
    );
    let failure = get(fixture
        .containerizer
        .launch(&id("e"), fixture.config(v0::CommandInfo::default())))
    .unwrap_err();
    assert!(failure.to_string().contains("no value"), "{failure}");

    let mut stranger = fixture.config(shell("true"));
    stranger.user = Some("no-such-user-here".into());
    let failure = get(fixture.containerizer.launch(&id("u"), stranger)).unwrap_err();
    assert!(failure.to_string().contains("no such user"), "{failure}");

    assert_eq!(
        get(fixture.containerizer.containers()),
        Ok(vec![container.clone()])
    );
    assert_eq!(get(fixture.containerizer.destroy(&container)), Ok(true));
    assert_eq!(get(fixture.containerizer.containers()), Ok(vec![]));
}

#[test]
fn usage_update_and_status_describe_a_running_container() {
    let fixture = fixture(Duration::from_secs(3));
    let container = fixture.launch("usage", shell("echo ready > ready; sleep 1000"));
    fixture.wait_for_file("ready");
    let resources = resources::Resources::parse("cpus:1.5;mem:64", &resources::Role::star())
        .expect("resources");
    assert_eq!(
        get(fixture.containerizer.update(&container, resources)),
        Ok(())
    );
    let usage = get(fixture.containerizer.usage(&container)).expect("usage");
    assert_eq!(usage.cpus_limit, Some(1.5));
    assert_eq!(usage.mem_limit_bytes, Some(64 * 1024 * 1024));
    assert!(usage.processes.is_some_and(|processes| processes >= 1));
    assert!(usage.mem_rss_bytes.unwrap_or_default() > 0);
    assert!(usage.timestamp > 0.0);
    assert!(get(fixture.containerizer.usage(&id("nope"))).is_err());
    assert!(get(fixture.containerizer.status(&id("nope"))).is_err());
    assert!(
        get(fixture
            .containerizer
            .update(&id("nope"), resources::Resources::default()))
        .is_err()
    );
    assert_eq!(get(fixture.containerizer.recover()), Ok(()));
    assert_eq!(get(fixture.containerizer.destroy(&container)), Ok(true));
}

#[test]
fn a_container_runs_as_the_user_it_names() {
    let fixture = fixture(Duration::from_secs(3));
    let nobody = nix::unistd::User::from_name("nobody")
        .ok()
        .flatten()
        .expect("the machine has a 'nobody' user");
    let mut config = fixture.config(shell("id -u; id -g"));
    config.user = Some("nobody".into());
    let container = id("user");
    let launched = get(fixture.containerizer.launch(&container, config));
    if !nix::unistd::Uid::effective().is_root() {
        let failure = launched.unwrap_err();
        assert!(failure.to_string().contains("not as root"), "{failure}");
        return;
    }
    assert_eq!(launched, Ok(LaunchResult::Success));
    let termination = get(fixture.containerizer.wait(&container))
        .unwrap()
        .unwrap();
    assert!(termination.succeeded(), "{termination:?}");
    assert_eq!(
        fixture.file("stdout"),
        format!("{}\n{}\n", nobody.uid, nobody.gid)
    );
    let owner = std::os::unix::fs::MetadataExt::uid(
        &fs::metadata(Path::new(fixture.sandbox.path()).join("stdout")).unwrap(),
    );
    assert_eq!(owner, nobody.uid.as_raw());
}
