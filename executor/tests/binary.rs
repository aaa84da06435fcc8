//! `mesos-executor` as a real process, over real HTTP, against the fake agent: commands that
//! finish, fail, are killed, argv commands, and a clear refusal without the agent's
//! environment. Every wait has a real-time deadline.

mod support;

use std::{
    fs,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use libprocess::Runtime;
use proto::v1::{
    CommandInfo, DurationInfo, KillPolicy, TaskId, TaskState, TaskStatus,
    executor::{Event, call, event},
};
use support::{Agent, DEADLINE};

const BINARY: &str = env!("CARGO_BIN_EXE_mesos-executor");

struct Fixture {
    _runtime: Runtime,
    agent: Agent,
    child: Child,
    sandbox: tempfile::TempDir,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // A failed test must not leave the executor or its task behind: both are in the
        // session `setsid` gave the executor.
        let session = self.child.id() as i32;
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let in_session = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(3)?.parse::<i32>().ok())
                == Some(session);
            if in_session {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
        let _ = self.child.wait();
    }
}

fn start() -> Fixture {
    let runtime = Runtime::builder().build().expect("runtime");
    let agent = Agent::spawn_with(&runtime, |agent| agent.auto_acknowledge = true);
    let sandbox = tempfile::tempdir().expect("sandbox");
    let mut environment = support::environment(&runtime, &agent, false);
    environment.push(("PATH".into(), "/usr/bin:/bin".into()));
    environment.push((
        "MESOS_DIRECTORY".into(),
        sandbox.path().display().to_string(),
    ));
    let output = |name: &str| fs::File::create(sandbox.path().join(name)).expect("output file");
    // In a session of its own, as under a containerizer (`setsid` execs it, same pid).
    let child = Command::new("setsid")
        .arg(BINARY)
        .arg("--launcher_dir=/nonexistent")
        .env_clear()
        .envs(environment)
        .current_dir(sandbox.path())
        .stdin(Stdio::null())
        .stdout(output("stdout"))
        .stderr(output("stderr"))
        .spawn()
        .expect("mesos-executor starts");
    let fixture = Fixture {
        _runtime: runtime,
        agent,
        child,
        sandbox,
    };
    let subscribe = fixture.agent.next_call_of(call::Type::Subscribe);
    assert_eq!(subscribe.executor_id, support::executor_id());
    fixture
}

impl Fixture {
    fn expect_update(&self, state: TaskState) -> TaskStatus {
        let status = self
            .agent
            .next_call_of(call::Type::Update)
            .update
            .expect("an update")
            .status;
        assert_eq!(status.state(), state, "{status:?}");
        status
    }

    fn launch(&self, command: CommandInfo) {
        self.agent.send(support::launch("t1", command));
        self.expect_update(TaskState::TaskStarting);
        self.expect_update(TaskState::TaskRunning);
    }

    fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "mesos-executor did not exit; its stderr:\n{}",
                self.file("stderr")
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn wait_for_output(&self, name: &str, needle: &str) {
        let deadline = Instant::now() + DEADLINE;
        while !self.file(name).contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{name} never contained {needle:?}; it holds:\n{}",
                self.file(name)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn file(&self, name: &str) -> String {
        fs::read_to_string(self.sandbox.path().join(name)).unwrap_or_default()
    }
}

fn shell(line: &str) -> CommandInfo {
    CommandInfo {
        value: Some(line.into()),
        ..Default::default()
    }
}

#[test]
fn runs_a_command_to_completion_and_exits_after_the_acknowledgement() {
    let mut fixture = start();
    fixture.launch(shell("echo \"hello from $MESOS_EXECUTOR_ID\""));
    let finished = fixture.expect_update(TaskState::TaskFinished);
    assert_eq!(
        finished.message.as_deref(),
        Some("Command exited with status 0")
    );
    assert_eq!(fixture.exit_code(), 0);
    assert!(fixture.file("stdout").contains("hello from executor-1"));
}

#[test]
fn a_failing_command_fails_with_its_status() {
    let mut fixture = start();
    fixture.launch(shell("exit 42"));
    let failed = fixture.expect_update(TaskState::TaskFailed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Command exited with status 42")
    );
    assert_eq!(fixture.exit_code(), 0);
}

#[test]
fn a_non_shell_command_runs_its_argv() {
    let mut fixture = start();
    fixture.launch(CommandInfo {
        shell: Some(false),
        value: Some("/bin/echo".into()),
        arguments: vec!["echo".into(), "plain".into(), "argv".into()],
        ..Default::default()
    });
    fixture.expect_update(TaskState::TaskFinished);
    assert_eq!(fixture.exit_code(), 0);
    assert!(fixture.file("stdout").contains("plain argv\n"));
}

#[test]
fn a_killed_task_is_reported_killed() {
    let mut fixture = start();
    // The kill must not race the shell installing its trap: the task says when it has.
    fixture.launch(shell("trap '' TERM; echo trapped; exec sleep 1000"));
    fixture.wait_for_output("stdout", "trapped");
    let mut kill = Event {
        kill: Some(event::Kill {
            task_id: TaskId { value: "t1".into() },
            kill_policy: Some(KillPolicy {
                grace_period: Some(DurationInfo {
                    nanoseconds: 200_000_000,
                }),
            }),
        }),
        ..Default::default()
    };
    kill.set_type(event::Type::Kill);
    fixture.agent.send(kill);
    let killed = fixture.expect_update(TaskState::TaskKilled);
    assert_eq!(
        killed.message.as_deref(),
        Some("Command terminated with signal Killed")
    );
    assert_eq!(fixture.exit_code(), 0);
}

#[test]
fn without_the_agents_environment_it_refuses_to_start() {
    let output = Command::new(BINARY)
        .env_clear()
        .output()
        .expect("mesos-executor runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MESOS_AGENT_ENDPOINT"), "{stderr}");

    let output = Command::new(BINARY)
        .arg("--no_such_flag=1")
        .output()
        .expect("mesos-executor runs");
    assert_ne!(output.status.code(), Some(0));
}
