//! A real cluster for the CLI's tests: the `mesos-local` binary (master and one agent on
//! free ports of 127.0.0.1, a temporary work directory) and a framework of our scheduler
//! driver (v1 HTTP API) that has launched one command task and seen it running. Everything
//! started here is stopped on drop, even when a test panics. Waits are conditions with
//! deadlines.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::mpsc::{self, Receiver, Sender},
    time::{Duration, Instant},
};

use libprocess::Runtime;
use proto::{
    codec::ContentType,
    v0::{
        CommandInfo, FrameworkInfo, Offer, Resource, TaskId, TaskInfo, TaskState, TaskStatus, value,
    },
};
use scheduler::{DriverConfig, Protocol, Scheduler, SchedulerDriver};

/// How long anything may take before a test gives up.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The framework's name.
pub const FRAMEWORK_NAME: &str = "cli-test-framework";
/// The task's ID and name.
pub const TASK_ID: &str = "cli-test-task";
/// What the task writes to its stdout.
pub const TASK_STDOUT: &str = "first line from the task\nsecond line from the task\n";
/// What the task writes to its stderr.
pub const TASK_STDERR: &str = "a complaint from the task";

/// The directory of the binaries built with this test (`target/<profile>`).
fn binary_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_mesos"))
        .parent()
        .expect("the mesos binary is in a directory")
        .to_path_buf()
}

/// A binary of another crate of the workspace, built next to ours.
pub fn workspace_binary(name: &str, package: &str) -> PathBuf {
    let path = binary_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build -p {package} --bins` \
         (`cargo test --workspace` builds every binary)",
        path.display()
    );
    path
}

/// Runs our `mesos` with `args` (and no `MESOS_MASTER` from the environment).
pub fn mesos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mesos"))
        .args(args)
        .env_remove("MESOS_MASTER")
        .output()
        .expect("run mesos")
}

/// stdout of a run that must succeed.
pub fn success(output: &Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Waits until `condition` holds, polling; panics naming `what` after [`DEADLINE`].
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What the framework saw.
enum Seen {
    Registered(String),
    Update(Box<TaskStatus>),
}

/// Launches [`TASK_ID`] on the first offer and declines the others.
struct OneTask {
    launched: bool,
    seen: Sender<Seen>,
}

fn scalar(name: &str, amount: f64, offer: &Offer) -> Resource {
    Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: amount }),
        allocation_info: offer
            .resources
            .iter()
            .find_map(|resource| resource.allocation_info.clone()),
        ..Resource::default()
    }
}

impl Scheduler for OneTask {
    fn registered(
        &mut self,
        _: &SchedulerDriver,
        framework_id: &proto::v0::FrameworkId,
        _: &proto::v0::MasterInfo,
    ) {
        let _ = self.seen.send(Seen::Registered(framework_id.value.clone()));
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            if self.launched {
                driver.decline_offer(&offer.id, Default::default());
                continue;
            }
            self.launched = true;
            let command = format!(
                "printf '{}'; echo '{TASK_STDERR}' >&2; exec sleep 600",
                TASK_STDOUT.replace('\n', "\\n")
            );
            let task = TaskInfo {
                name: TASK_ID.into(),
                task_id: TaskId {
                    value: TASK_ID.into(),
                },
                slave_id: offer.slave_id.clone(),
                resources: vec![scalar("cpus", 0.1, offer), scalar("mem", 32.0, offer)],
                command: Some(CommandInfo {
                    value: Some(command),
                    ..CommandInfo::default()
                }),
                ..TaskInfo::default()
            };
            driver.launch_tasks(
                std::slice::from_ref(&offer.id),
                vec![task],
                Default::default(),
            );
        }
    }

    fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
        let _ = self.seen.send(Seen::Update(Box::new(status.clone())));
    }
}

/// A running `mesos-local` with one framework whose one task runs.
pub struct Cluster {
    /// The master's `host:port`.
    pub master: String,
    /// The framework's ID.
    pub framework_id: String,
    /// The agent's ID (where the task runs).
    pub agent_id: String,
    local: Child,
    runtime: Runtime,
    driver: Option<SchedulerDriver>,
    work_dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts `mesos-local`, then the framework, and waits for the task to run.
    pub fn start() -> Cluster {
        let local_binary = workspace_binary("mesos-local", "local");
        workspace_binary("mesos-executor", "executor");
        let work_dir = tempfile::tempdir().expect("a temporary directory");
        let log = std::fs::File::create(work_dir.path().join("mesos-local.log")).expect("log");
        let mut local = Command::new(local_binary)
            .args([
                "--ip=127.0.0.1",
                "--port=0",
                "--registry=in_memory",
                "--no-switch_user",
                "--resources=cpus:2;mem:1024;disk:1024",
                "--allocation_interval=100ms",
                "--logging_level=WARNING",
            ])
            .arg(format!(
                "--work_dir={}",
                work_dir.path().join("cluster").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start mesos-local");
        let stdout = local.stdout.take().expect("piped stdout");
        let runtime = Runtime::builder().build().expect("a runtime");
        // From here on, a panic stops what runs (Drop).
        let mut cluster = Cluster {
            master: String::new(),
            framework_id: String::new(),
            agent_id: String::new(),
            local,
            runtime,
            driver: None,
            work_dir,
        };
        let (lines, next_line) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        cluster.master = cluster.wait_for_master(&next_line);
        cluster.start_framework();
        cluster
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.work_dir.path().join("mesos-local.log")).unwrap_or_default()
    }

    fn wait_for_master(&self, lines: &Receiver<String>) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(address) = line.strip_prefix("Master started at http://") {
                        return address.trim().to_owned();
                    }
                }
                Err(error) => panic!(
                    "mesos-local printed no 'Master started at' line ({error:?}); its log:\n{}",
                    self.log()
                ),
            }
        }
    }

    fn start_framework(&mut self) {
        let (seen, next_seen) = mpsc::channel();
        let framework = FrameworkInfo {
            name: FRAMEWORK_NAME.into(),
            failover_timeout: Some(3600.0),
            ..FrameworkInfo::default()
        };
        let mut config = DriverConfig::new(framework);
        config.protocol = Protocol::V1(ContentType::Json);
        config.registration_backoff_factor = Duration::from_millis(100);
        let scheduler = OneTask {
            launched: false,
            seen,
        };
        let driver = SchedulerDriver::new(&self.runtime, scheduler, config, &self.master)
            .expect("a scheduler driver");
        driver.start();
        self.driver = Some(driver);
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match next_seen.recv_timeout(left) {
                Ok(Seen::Registered(id)) => self.framework_id = id,
                Ok(Seen::Update(status)) => match status.state() {
                    TaskState::TaskRunning => {
                        self.agent_id = status.slave_id.map(|id| id.value).unwrap_or_default();
                        assert!(!self.framework_id.is_empty(), "RUNNING before registered");
                        return;
                    }
                    TaskState::TaskStaging | TaskState::TaskStarting => {}
                    other => panic!(
                        "the task went {other:?} ({:?}); mesos-local's log:\n{}",
                        status.message,
                        self.log()
                    ),
                },
                Err(error) => panic!(
                    "the task did not run ({error:?}); mesos-local's log:\n{}",
                    self.log()
                ),
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            driver.abort();
        }
        self.runtime.shutdown();
        // SIGTERM: mesos-local shuts its agents down, which destroys every container.
        let pid = nix::unistd::Pid::from_raw(self.local.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + DEADLINE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.local.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.local.kill();
        let _ = self.local.wait();
    }
}
