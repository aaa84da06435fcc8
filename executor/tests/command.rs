//! The command executor end to end against an in-process fake agent, with real task
//! processes: commands that finish, fail, cannot start, are killed (with and without
//! SIGTERM being honoured, with their whole tree), shutdown, argv commands, a second task,
//! and the bounded wait for the terminal acknowledgement. The libprocess clock is paused,
//! so grace periods pass only when a test advances it; real waits have deadlines.

mod support;

use std::{
    collections::BTreeMap,
    fs,
    sync::Arc,
    time::{Duration, Instant},
};

use executor::{
    ExecutorSettings, InProcessTransport,
    command::{self, CommandOptions, TaskEnvironment},
};
use libprocess::{Future, Runtime};
use proto::v1::{
    CommandInfo, DurationInfo, KillPolicy, TaskId, TaskState, TaskStatus,
    executor::{Event, call, event},
    framework_info::capability::Type as Capability,
};
use support::{Agent, DEADLINE};

struct Fixture {
    runtime: Runtime,
    agent: Agent,
    exit: Option<Future<i32>>,
    sandbox: tempfile::TempDir,
}

fn fixture(configure: impl FnOnce(&mut support::FakeAgent)) -> Fixture {
    let runtime = Runtime::builder().build().expect("runtime");
    runtime.clock().pause();
    let agent = Agent::spawn_with(&runtime, configure);
    let mut environment = support::environment(&runtime, &agent, false);
    environment.push(("MESOS_LOCAL".into(), "1".into()));
    let settings = ExecutorSettings::from_env(environment).expect("settings");
    let sandbox = tempfile::tempdir().expect("sandbox");
    let options = CommandOptions {
        task: TaskEnvironment {
            variables: BTreeMap::from([("PATH".to_string(), "/usr/bin:/bin".to_string())]),
            working_directory: Some(sandbox.path().to_path_buf()),
            user: None,
        },
        ..Default::default()
    };
    let exit = command::start(
        &runtime,
        settings,
        Arc::new(InProcessTransport::new(runtime.clone())),
        options,
    )
    .expect("command executor");
    let fixture = Fixture {
        runtime,
        agent,
        exit: Some(exit),
        sandbox,
    };
    fixture.agent.next_call_of(call::Type::Subscribe);
    fixture
}

/// An agent that acknowledges every update at once.
fn acknowledging() -> Fixture {
    fixture(|agent| agent.auto_acknowledge = true)
}

fn shell(line: &str) -> CommandInfo {
    CommandInfo {
        value: Some(line.into()),
        ..Default::default()
    }
}

impl Fixture {
    fn next_update(&self) -> TaskStatus {
        self.agent
            .next_call_of(call::Type::Update)
            .update
            .expect("an update")
            .status
    }

    fn expect_update(&self, state: TaskState) -> TaskStatus {
        let status = self.next_update();
        assert_eq!(status.state(), state, "{status:?}");
        assert_eq!(status.executor_id, Some(support::executor_id()));
        assert_eq!(status.uuid.as_ref().map(Vec::len), Some(16));
        status
    }

    fn launch(&self, task: &str, command: CommandInfo) {
        self.agent.send(support::launch(task, command));
        self.expect_update(TaskState::TaskStarting);
        self.expect_update(TaskState::TaskRunning);
    }

    fn exit_code(&mut self) -> i32 {
        let exit = self.exit.take().expect("asked once");
        exit.block_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("the executor did not exit within {DEADLINE:?}"))
            .expect("an exit code")
    }

    fn wait_for_file(&self, name: &str) -> String {
        let path = self.sandbox.path().join(name);
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Ok(text) = fs::read_to_string(&path)
                && text.ends_with('\n')
            {
                return text;
            }
            assert!(Instant::now() < deadline, "{name} never appeared");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Lets the executor finish handling what it got (timers set), then moves time.
    fn advance(&self, by: Duration) {
        self.runtime.clock().settle_blocking();
        self.runtime.clock().advance(by);
    }

    fn kill(&self, task: &str, grace: Option<Duration>) {
        let mut event = Event {
            kill: Some(event::Kill {
                task_id: TaskId { value: task.into() },
                kill_policy: grace.map(|grace| KillPolicy {
                    grace_period: Some(DurationInfo {
                        nanoseconds: grace.as_nanos() as i64,
                    }),
                }),
            }),
            ..Default::default()
        };
        event.set_type(event::Type::Kill);
        self.agent.send(event);
    }
}

fn alive(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim().chars().next());
        !matches!(state, Some('Z' | 'X'))
    })
}

#[test]
fn a_command_that_succeeds_finishes_and_the_executor_exits_after_the_acknowledgement() {
    let mut fixture = acknowledging();
    fixture.launch(
        "t1",
        shell("echo hello > out; echo \"$MESOS_EXECUTOR_ID\" >> out"),
    );
    let finished = fixture.expect_update(TaskState::TaskFinished);
    assert_eq!(
        finished.message.as_deref(),
        Some("Command exited with status 0")
    );
    assert_eq!(fixture.exit_code(), 0);
    assert_eq!(fixture.wait_for_file("out"), "hello\n\n");
}

#[test]
fn a_failing_command_fails_with_its_exit_status() {
    let mut fixture = acknowledging();
    fixture.launch("t1", shell("exit 3"));
    let failed = fixture.expect_update(TaskState::TaskFailed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Command exited with status 3")
    );
    assert_eq!(fixture.exit_code(), 0);
}

#[test]
fn a_non_shell_command_runs_its_argv() {
    let mut fixture = acknowledging();
    fixture.launch(
        "t1",
        CommandInfo {
            shell: Some(false),
            value: Some("/bin/sh".into()),
            arguments: vec![
                "sh".into(),
                "-c".into(),
                "echo \"$0|$1\" > out".into(),
                "zero".into(),
                "one two".into(),
            ],
            ..Default::default()
        },
    );
    fixture.expect_update(TaskState::TaskFinished);
    assert_eq!(fixture.exit_code(), 0);
    assert_eq!(fixture.wait_for_file("out"), "zero|one two\n");
}

#[test]
fn a_command_that_cannot_start_fails_with_the_reason() {
    let mut fixture = acknowledging();
    fixture.agent.send(support::launch(
        "t1",
        CommandInfo {
            shell: Some(false),
            value: Some("/nonexistent/program".into()),
            ..Default::default()
        },
    ));
    fixture.expect_update(TaskState::TaskStarting);
    let failed = fixture.expect_update(TaskState::TaskFailed);
    let message = failed.message.unwrap_or_default();
    assert!(
        message.starts_with("Failed to launch the command: could not start '/nonexistent/program'"),
        "{message}"
    );
    assert_eq!(fixture.exit_code(), 0);
}

#[test]
fn a_killed_task_with_its_whole_tree_is_reported_killed() {
    let mut fixture = fixture(|agent| {
        agent.auto_acknowledge = true;
        agent.framework_capabilities = vec![Capability::TaskKillingState];
    });
    fixture.launch(
        "t1",
        shell("sleep 1000 & echo $! > pids; setsid sleep 1000 & echo $! >> pids; wait"),
    );
    let pids: Vec<i32> = {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let text = fs::read_to_string(fixture.sandbox.path().join("pids")).unwrap_or_default();
            let pids: Vec<i32> = text.lines().filter_map(|line| line.parse().ok()).collect();
            if pids.len() == 2 {
                break pids;
            }
            assert!(Instant::now() < deadline, "pids never written");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    fixture.kill("t1", None);
    fixture.expect_update(TaskState::TaskKilling);
    let killed = fixture.expect_update(TaskState::TaskKilled);
    assert_eq!(
        killed.message.as_deref(),
        Some("Command terminated with signal Terminated")
    );
    assert_eq!(fixture.exit_code(), 0);
    let deadline = Instant::now() + DEADLINE;
    while pids.iter().any(|pid| alive(*pid)) {
        let stats: Vec<String> = pids
            .iter()
            .map(|pid| fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
            .collect();
        assert!(
            Instant::now() < deadline,
            "the task's tree outlived the kill: {stats:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_task_ignoring_sigterm_is_killed_when_the_grace_period_ends() {
    let mut fixture = fixture(|agent| {
        agent.auto_acknowledge = true;
        agent.framework_capabilities = vec![Capability::TaskKillingState];
    });
    fixture.launch(
        "t1",
        shell("trap '' TERM; echo ready > ready; exec sleep 1000"),
    );
    fixture.wait_for_file("ready");
    fixture.kill("t1", Some(Duration::from_secs(2)));
    // Before the grace period ends the task survives SIGTERM (moving the clock settles
    // first, so the KILL event has been handled: SIGTERM sent, SIGKILL timer armed)...
    fixture.advance(Duration::from_millis(1900));
    fixture.expect_update(TaskState::TaskKilling);
    // ...and a retried kill with a longer grace period changes nothing.
    fixture.kill("t1", Some(Duration::from_secs(30)));
    fixture.advance(Duration::from_millis(100));
    let killed = fixture.expect_update(TaskState::TaskKilled);
    assert_eq!(
        killed.message.as_deref(),
        Some("Command terminated with signal Killed")
    );
    assert_eq!(fixture.exit_code(), 0);
}

#[test]
fn shutdown_kills_the_task_and_the_executor_exits() {
    let mut fixture = acknowledging();
    fixture.launch("t1", shell("sleep 1000"));
    fixture.agent.send(support::bare(event::Type::Shutdown));
    let killed = fixture.expect_update(TaskState::TaskKilled);
    assert_eq!(
        killed.message.as_deref(),
        Some("Command terminated with signal Terminated")
    );
    assert_eq!(fixture.exit_code(), 0);
}

#[test]
fn shutdown_before_any_task_exits_at_once() {
    let mut fixture = acknowledging();
    fixture.agent.send(support::bare(event::Type::Shutdown));
    assert_eq!(fixture.exit_code(), 0);
}

#[test]
fn a_second_task_is_refused() {
    let mut fixture = acknowledging();
    fixture.launch("t1", shell("sleep 1000"));
    fixture.agent.send(support::launch("t2", shell("true")));
    let refused = fixture.expect_update(TaskState::TaskFailed);
    assert_eq!(refused.task_id.value, "t2");
    assert_eq!(
        refused.message.as_deref(),
        Some("Attempted to run multiple tasks using a \"command\" executor")
    );
    fixture.kill("t1", None);
    fixture.expect_update(TaskState::TaskKilled);
    assert_eq!(fixture.exit_code(), 0);
}

#[test]
fn without_the_terminal_acknowledgement_the_executor_gives_up_with_a_failure() {
    let mut fixture = fixture(|_| {});
    fixture.launch("t1", shell("true"));
    fixture.expect_update(TaskState::TaskFinished);
    fixture.advance(command::TERMINAL_ACKNOWLEDGEMENT_TIMEOUT);
    assert_eq!(fixture.exit_code(), 1);
}

#[test]
fn the_terminal_acknowledgement_is_the_one_that_ends_the_executor() {
    let mut fixture = fixture(|_| {});
    fixture.launch("t1", shell("true"));
    let finished = fixture.expect_update(TaskState::TaskFinished);
    let task = TaskId { value: "t1".into() };
    // Acknowledging an earlier update does not end it.
    fixture.agent.acknowledge(&task, vec![7; 16]);
    fixture.runtime.clock().settle_blocking();
    assert!(!fixture.exit.as_ref().unwrap().is_ready());
    fixture.agent.acknowledge(&task, finished.uuid.unwrap());
    assert_eq!(fixture.exit_code(), 0);
}
