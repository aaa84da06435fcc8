//! The real binaries against a real `mesos-local` (master and agent in one process,
//! command tasks run by the real `mesos-executor`) on 127.0.0.1 with a free port and a
//! temporary work directory: `test-framework` over v0 and v1, and `mesos-execute` for a
//! command that succeeds and one that fails. Waits are conditions with deadlines; every
//! process a test starts is stopped when the test ends, even on panic.
//!
//! `mesos-local` and `mesos-executor` belong to other crates: `cargo test --workspace`
//! builds them; with `cargo test -p scheduler`, build them first
//! (`cargo build -p local -p agent -p executor --bins`).

use std::{
    io::{BufRead, BufReader, Read},
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// How long any one wait may take.
const DEADLINE: Duration = Duration::from_secs(120);

/// The directory cargo puts this workspace's binaries in (the test runs from its `deps/`).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe.parent().expect("the test binary's directory");
    deps.parent()
        .expect("the target profile directory")
        .to_path_buf()
}

/// A binary of another crate of the workspace, which must have been built.
fn workspace_binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build -p local -p agent -p executor \
         --bins` (`cargo test --workspace` builds it)",
        path.display()
    );
    path
}

/// Collects a child's output stream as it comes.
fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut sink = sink.lock().unwrap();
            sink.push_str(&line);
            sink.push('\n');
        }
    });
    text
}

/// A child process that is stopped (SIGTERM, then SIGKILL after the deadline) on drop.
struct Guard {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Guard {
    fn spawn(command: &mut Command) -> Guard {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {command:?}: {error}"));
        let stdout = collect(child.stdout.take().expect("piped stdout"));
        let stderr = collect(child.stderr.take().expect("piped stderr"));
        Guard {
            child,
            stdout,
            stderr,
        }
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until the child's standard output satisfies `condition`, at most
    /// [`DEADLINE`].
    fn wait_for_output(&self, what: &str, condition: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !condition(&self.stdout()) {
            assert!(
                Instant::now() < deadline,
                "no {what} within {DEADLINE:?}\nstdout:\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the child to exit, at most [`DEADLINE`].
    fn wait(&mut self, what: &str) -> ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the readers drain what the child wrote last.
                let until = Instant::now() + Duration::from_secs(5);
                while Instant::now() < until && Arc::strong_count(&self.stdout) > 1 {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not exit within {DEADLINE:?}\nstdout:\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `mesos-local` with one agent.
struct Local {
    process: Guard,
    /// `IP:PORT` of the master.
    master: String,
    _work_dir: tempfile::TempDir,
}

impl Local {
    fn start() -> Local {
        let binary = workspace_binary("mesos-local");
        workspace_binary("mesos-executor");
        let work_dir = tempfile::Builder::new()
            .prefix("frameworks-")
            .tempdir()
            .expect("a work directory");
        let process = Guard::spawn(
            Command::new(binary)
                .arg("--ip=127.0.0.1")
                .arg("--port=0")
                .arg("--num_agents=1")
                .arg(format!("--work_dir={}", work_dir.path().display()))
                .arg("--resources=cpus:4;mem:2048;disk:1024")
                .arg("--no-switch_user")
                .env_remove("LIBPROCESS_IP")
                .env_remove("LIBPROCESS_PORT"),
        );
        let deadline = Instant::now() + DEADLINE;
        let master = loop {
            let printed = process.stdout();
            if let Some(line) = printed
                .lines()
                .find_map(|line| line.strip_prefix("Master started at http://"))
            {
                break line.trim().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "mesos-local did not print its master's address\nstdout:\n{printed}\nstderr:\n{}",
                process.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Local {
            process,
            master,
            _work_dir: work_dir,
        }
    }

    /// Runs `program` with `args` and `--master`; answers its exit status and output.
    fn run(&self, program: &str, args: &[&str]) -> (ExitStatus, String, String) {
        let mut child = Guard::spawn(
            Command::new(program)
                .arg(format!("--master={}", self.master))
                .args(args)
                .env("LIBPROCESS_IP", "127.0.0.1")
                .env_remove("LIBPROCESS_PORT"),
        );
        let status = child.wait(program);
        let (stdout, stderr) = (child.stdout(), child.stderr());
        let local = self.process.stderr();
        assert!(
            !local.contains("panicked"),
            "mesos-local panicked while {program} ran:\n{local}"
        );
        (status, stdout, stderr)
    }
}

const TEST_FRAMEWORK: &str = env!("CARGO_BIN_EXE_test-framework");
const LONG_LIVED_FRAMEWORK: &str = env!("CARGO_BIN_EXE_long-lived-framework");
const MESOS_EXECUTE: &str = env!("CARGO_BIN_EXE_mesos-execute");

fn test_framework_finishes(protocol: &str) {
    let local = Local::start();
    let (status, stdout, stderr) = local.run(
        TEST_FRAMEWORK,
        &[&format!("--protocol={protocol}"), "--num_tasks=3"],
    );
    assert!(
        status.success(),
        "{status}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for task in 0..3 {
        assert!(
            stdout.contains(&format!("Task {task} is in state TASK_FINISHED")),
            "{stdout}"
        );
    }
    assert!(stdout.contains("All tasks finished"), "{stdout}");
}

#[test]
fn test_framework_over_v0() {
    test_framework_finishes("v0");
}

#[test]
fn test_framework_over_v1() {
    test_framework_finishes("v1");
}

#[test]
fn test_framework_fails_when_a_task_fails() {
    let local = Local::start();
    let (status, stdout, stderr) = local.run(TEST_FRAMEWORK, &["--num_tasks=1", "--command=false"]);
    assert_eq!(
        status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("Aborting because task 0 is in unexpected state TASK_FAILED"),
        "{stdout}"
    );
}

#[test]
fn mesos_execute_true_exits_zero() {
    let local = Local::start();
    let (status, stdout, stderr) = local.run(MESOS_EXECUTE, &["--name=yes", "--command=true"]);
    assert!(
        status.success(),
        "{status}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("Received status update TASK_FINISHED for task 'yes'"),
        "{stdout}"
    );
}

#[test]
fn mesos_execute_false_exits_non_zero_with_task_failed() {
    let local = Local::start();
    let (status, stdout, stderr) = local.run(MESOS_EXECUTE, &["--name=no", "--command=false"]);
    assert_eq!(
        status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("Received status update TASK_FAILED for task 'no'")
            && stdout.contains("message: 'Command exited with status 1'"),
        "{stdout}"
    );
}

#[test]
fn mesos_execute_names_a_bad_flag() {
    let mut child = Guard::spawn(
        Command::new(MESOS_EXECUTE)
            .arg("--master=127.0.0.1:1")
            .arg("--name=x")
            .arg("--command=true")
            .arg("--resources=cpus:lots"),
    );
    let status = child.wait("mesos-execute");
    assert!(!status.success());
    assert!(child.stderr().contains("--resources"), "{}", child.stderr());

    let mut child = Guard::spawn(
        Command::new(MESOS_EXECUTE)
            .arg("--master=127.0.0.1:1")
            .arg("--command=true"),
    );
    let status = child.wait("mesos-execute");
    assert_eq!(status.code(), Some(1));
    assert!(
        child.stderr().contains("missing required option --name"),
        "{}",
        child.stderr()
    );
}

#[test]
fn mesos_execute_task_group_runs_through_the_default_executor() {
    // The agent runs the group with mesos-default-executor in nested containers; both
    // tasks finish and mesos-execute exits 0.
    let local = Local::start();
    let task = |id: &str| {
        format!(
            r#"{{"name":"{id}","task_id":{{"value":"{id}"}},"agent_id":{{"value":""}},
               "resources":[{{"name":"cpus","type":"SCALAR","scalar":{{"value":0.1}}}},
                            {{"name":"mem","type":"SCALAR","scalar":{{"value":32}}}}],
               "command":{{"value":"true"}}}}"#
        )
    };
    let group = format!(r#"{{"tasks":[{},{}]}}"#, task("ga"), task("gb"));
    let (status, stdout, stderr) = local.run(MESOS_EXECUTE, &[&format!("--task_group={group}")]);
    assert!(
        stdout.contains("Submitted task group with tasks [ ga, gb ] to agent"),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let finished = ["ga", "gb"].iter().all(|id| {
        stdout.contains(&format!(
            "Received status update TASK_FINISHED for task '{id}'"
        ))
    });
    let ended = ["ga", "gb"].iter().all(|id| {
        stdout.lines().any(|line| {
            line.starts_with("Received status update TASK_")
                && line.ends_with(&format!("for task '{id}'"))
                && !line.contains("TASK_STARTING")
                && !line.contains("TASK_RUNNING")
        })
    });
    assert!(ended, "every task of the group should end:\n{stdout}");
    assert!(finished, "every task of the group should finish:\n{stdout}");
    assert!(status.success(), "{status}\nstdout:\n{stdout}");
}

#[test]
fn long_lived_framework_relaunches_tasks_that_end() {
    let local = Local::start();
    // Each task lives a moment; the framework keeps one up, so it launches the next.
    let framework = Guard::spawn(
        Command::new(LONG_LIVED_FRAMEWORK)
            .arg(format!("--master={}", local.master))
            .arg("--protocol=v1")
            .arg("--command=sleep 0.2")
            .env("LIBPROCESS_IP", "127.0.0.1"),
    );
    framework.wait_for_output("a third task running", |stdout| {
        stdout.contains("Task 2 is in state TASK_RUNNING")
    });
    let stdout = framework.stdout();
    assert!(
        stdout.contains("Task 0 is in state TASK_FINISHED")
            && stdout.contains("Task 1 is in state TASK_FINISHED"),
        "{stdout}"
    );
    // One at a time: task 1 started only after task 0 ended.
    let ended = stdout.find("Task 0 is in state TASK_FINISHED").unwrap();
    let next = stdout.find("Starting task 1").unwrap();
    assert!(ended < next, "{stdout}");
}
