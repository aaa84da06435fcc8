//! Resident memory of a master and its agents at 100 agents and 10,000 running tasks (issue 5;
//! a measurement, not a timed assertion), each side in its own OS process so `/proc` tells
//! them apart:
//!
//! - the master: the real `mesos-master` binary (`--registry=in_memory`), built with
//!   `cargo build --release -p master` if it is not next to this program;
//! - the agents: this program re-run as `launch_memory agents <master>`: 100 agents on one
//!   runtime, each with a `FakeContainerizer` whose containers are in-process executors (the
//!   `executor` crate's driver over `InProcessTransport`, TASK_STARTING then TASK_RUNNING for
//!   every task), so no executor process is counted;
//! - the scheduler: this process, with the `scheduler` crate's v1 driver (protobuf): it holds
//!   each agent's first offer until all 100 agents are offered, then launches 100
//!   `sleep 1000` tasks of `cpus:0.01;mem:1` on each.
//!
//! Prints `VmRSS` and `VmHWM` from `/proc/<pid>/status` of the master and of the agents'
//! process when the master is idle, once all 100 agents are offered (no task yet), and once
//! all 10,000 tasks are TASK_RUNNING (and the time from the first ACCEPT). Per agent is the
//! agents' process over its size before any agent started, divided by 100; with 10,000 tasks
//! it includes each agent's 100 in-process executors, which a real agent would not hold.
//! Run: `cargo run --release -p benches --example launch_memory`.

use std::{
    collections::HashSet,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use agent::{Agent, AgentOptions};
use containerizer::{FakeContainerizer, FakeExecutor, FakeLaunch};
use detector::StandaloneDetector;
use executor::{Executor, ExecutorEvent, ExecutorSettings, InProcessTransport};
use libprocess::{Runtime, Upid};
use parking_lot::Mutex;
use proto::v0::{
    CommandInfo, Filters, FrameworkInfo, Offer, TaskId, TaskInfo, TaskState, TaskStatus,
};
use resources::Resources;
use scheduler::{DriverConfig, SchedulerDriver};

const AGENTS: usize = 100;
const TASKS_PER_AGENT: usize = 100;
const AGENT_RESOURCES: &str = "cpus:8;mem:4096;disk:4096;ports:[31000-32000]";
const TASK_RESOURCES: &str = "cpus:0.01;mem:1";
const DEADLINE: Duration = Duration::from_secs(600);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("agents") => match (args.get(2), args.get(3)) {
            (Some(master), Some(work_dir)) => run_agents(master, Path::new(work_dir)),
            _ => panic!("usage: launch_memory agents <master upid> <work dir>"),
        },
        _ => measure(),
    }
}

/// `VmRSS` and `VmHWM` of `pid` in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Kills its child on drop (even on panic).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where this program (and `mesos-master`) live: `target/<profile>/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    // target/<profile>/examples/launch_memory
    exe.parent()
        .and_then(Path::parent)
        .expect("run from target/<profile>/examples")
        .to_path_buf()
}

fn mesos_master(profile_dir: &Path) -> PathBuf {
    let master = profile_dir.join("mesos-master");
    if !master.exists() {
        let status = Command::new(option_env!("CARGO").unwrap_or("cargo"))
            .args([
                "build",
                "--release",
                "-p",
                "master",
                "--bin",
                "mesos-master",
            ])
            .env(
                "CARGO_TARGET_DIR",
                profile_dir.parent().expect("target dir"),
            )
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .status()
            .expect("cargo runs");
        assert!(
            status.success() && master.exists(),
            "cannot build mesos-master"
        );
    }
    master
}

fn measure() {
    let profile_dir = profile_dir();
    let work_dir = tempfile::Builder::new()
        .prefix("launch-memory-")
        .tempdir()
        .expect("a work directory");
    let mut master = Killed(
        Command::new(mesos_master(&profile_dir))
            .args([
                "--ip=127.0.0.1",
                "--port=0",
                "--registry=in_memory",
                "--quiet",
            ])
            .arg(format!("--work_dir={}", work_dir.path().display()))
            .stdout(Stdio::piped())
            .spawn()
            .expect("mesos-master starts"),
    );
    let mut lines = BufReader::new(master.0.stdout.take().expect("stdout")).lines();
    let address = lines
        .find_map(|line| {
            line.ok()?
                .strip_prefix("Master started at http://")
                .map(str::to_owned)
        })
        .expect("mesos-master prints where it listens");
    let master_pid = master.0.id();
    let upid = format!("master@{address}");
    let (rss, hwm) = memory(master_pid);
    println!("master idle: VmRSS {rss:.1} MiB, VmHWM {hwm:.1} MiB");

    let mut agents = Killed(
        Command::new(std::env::current_exe().expect("own path"))
            .args(["agents", &upid])
            .arg(work_dir.path().join("agents"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the agents' process starts"),
    );
    let mut agent_lines = BufReader::new(agents.0.stdout.take().expect("stdout")).lines();
    let ready = agent_lines.next().and_then(Result::ok);
    assert_eq!(
        ready.as_deref(),
        Some("ready"),
        "the agents' process starts"
    );
    let agents_pid = agents.0.id();
    let (agents_idle, _) = memory(agents_pid);
    println!("agents' process, runtime only: VmRSS {agents_idle:.1} MiB");
    writeln!(agents.0.stdin.as_mut().expect("stdin"), "start").expect("tell the agents to start");

    let runtime = Runtime::builder()
        .ip([127, 0, 0, 1].into())
        .port(0)
        .build()
        .expect("a runtime");
    let progress = Arc::new(Progress::default());
    let framework = FrameworkInfo {
        user: String::new(),
        name: "launch-memory".to_owned(),
        ..Default::default()
    };
    let driver = SchedulerDriver::new(
        &runtime,
        Launcher {
            progress: progress.clone(),
            launched: HashSet::new(),
        },
        DriverConfig::new(framework),
        &upid,
    )
    .expect("a scheduler driver");
    driver.start();

    let started = Instant::now();
    wait_for("every agent is offered", started, || {
        progress.offers.lock().len() >= AGENTS
    });
    let report = |stage: &str| {
        let (rss, hwm) = memory(master_pid);
        println!("{stage}: master VmRSS {rss:.1} MiB, VmHWM {hwm:.1} MiB");
        let (rss, hwm) = memory(agents_pid);
        println!(
            "{stage}: agents' process VmRSS {rss:.1} MiB, VmHWM {hwm:.1} MiB, per agent {:.2} MiB",
            (rss - agents_idle) / AGENTS as f64
        );
    };
    report(&format!("{AGENTS} agents registered, no task"));
    let offers: Vec<Offer> = progress.offers.lock().drain(..).collect();
    let launching = Instant::now();
    for offer in &offers {
        launch(&driver, offer);
    }
    let total = AGENTS * TASKS_PER_AGENT;
    wait_for("every task is running", started, || {
        progress.running.load(Ordering::SeqCst) >= total
    });
    println!(
        "{total} tasks TASK_RUNNING {:.2} s after the first ACCEPT",
        launching.elapsed().as_secs_f64()
    );
    // Let acknowledgements drain before reading the steady state.
    std::thread::sleep(Duration::from_secs(2));
    report(&format!("{AGENTS} agents, {total} tasks running"));
    let failed = progress.failed.lock().clone();
    assert!(failed.is_none(), "a task failed: {failed:?}");
    driver.stop(false);
    runtime.shutdown();
}

fn wait_for(what: &str, started: Instant, mut condition: impl FnMut() -> bool) {
    while !condition() {
        assert!(
            started.elapsed() < DEADLINE,
            "{what}: not within {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[derive(Default)]
struct Progress {
    /// The first offer of each agent, held until every agent has one.
    offers: Mutex<Vec<Offer>>,
    running: AtomicUsize,
    failed: Mutex<Option<String>>,
}

/// Holds each agent's first offer (the measuring thread launches on them) and declines the
/// rest.
struct Launcher {
    progress: Arc<Progress>,
    launched: HashSet<String>,
}

/// Launches `TASKS_PER_AGENT` `sleep` tasks on `offer`.
fn launch(driver: &SchedulerDriver, offer: &Offer) {
    let allocation = offer
        .resources
        .iter()
        .find_map(|resource| resource.allocation_info.clone());
    let mut resources = Resources::parse_unreserved(TASK_RESOURCES)
        .expect("task resources")
        .to_proto_v0();
    for resource in &mut resources {
        resource.allocation_info = allocation.clone();
    }
    let agent = &offer.hostname;
    let tasks = (0..TASKS_PER_AGENT)
        .map(|index| TaskInfo {
            name: format!("{agent}-{index}"),
            task_id: TaskId {
                value: format!("{agent}-{index}"),
            },
            slave_id: offer.slave_id.clone(),
            resources: resources.clone(),
            command: Some(CommandInfo {
                value: Some("sleep 1000".to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    driver.launch_tasks(
        std::slice::from_ref(&offer.id),
        tasks,
        Filters {
            refuse_seconds: Some(3600.0),
        },
    );
}

impl scheduler::Scheduler for Launcher {
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            if self.launched.insert(offer.slave_id.value.clone()) {
                self.progress.offers.lock().push(offer.clone());
            } else {
                driver.decline_offer(
                    &offer.id,
                    Filters {
                        refuse_seconds: Some(3600.0),
                    },
                );
            }
        }
    }

    fn status_update(&mut self, _driver: &SchedulerDriver, status: &TaskStatus) {
        match status.state() {
            TaskState::TaskRunning => {
                self.progress.running.fetch_add(1, Ordering::SeqCst);
            }
            TaskState::TaskStaging | TaskState::TaskStarting => {}
            other => {
                *self.progress.failed.lock() = Some(format!(
                    "{} {other:?}: {}",
                    status.task_id.value,
                    status.message.as_deref().unwrap_or("")
                ));
            }
        }
    }
}

/// The agents' process: prints `ready`, waits for a line, starts the agents (working in
/// `work_dir`, which the measuring process removes), runs until killed.
fn run_agents(master: &str, work_dir: &Path) {
    let runtime = Runtime::builder()
        .ip([127, 0, 0, 1].into())
        .port(0)
        .build()
        .expect("a runtime");
    println!("ready");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let master: Upid = master.parse().expect("a master upid");
    let detector = Arc::new(StandaloneDetector::new(Some(master)));
    let resources = Resources::parse_unreserved(AGENT_RESOURCES).expect("agent resources");
    for index in 0..AGENTS {
        let mut options =
            AgentOptions::new(work_dir.join(format!("agent{index}")), resources.clone());
        options.hostname = format!("agent{index}.memory");
        options.switch_user = false;
        options.registration_backoff_factor = Duration::from_millis(100);
        let executors = runtime.clone();
        let containerizer = FakeContainerizer::with_executors(move |launch: FakeLaunch| {
            start_executor(&executors, launch)
        });
        Agent::new(options, Arc::new(containerizer), detector.clone())
            .expect("an agent")
            .spawn(&runtime)
            .expect("the agent process");
    }
    // Until the measuring process kills us.
    loop {
        std::thread::park();
    }
}

/// An in-process executor that reports TASK_STARTING and TASK_RUNNING for every task.
fn start_executor(runtime: &Runtime, launch: FakeLaunch) -> Result<Box<dyn FakeExecutor>, String> {
    let mut settings =
        ExecutorSettings::from_env(launch.config.environment.clone()).map_err(|e| e.to_string())?;
    settings.local = true;
    let handle: Arc<Mutex<Option<Executor>>> = Arc::new(Mutex::new(None));
    let in_handler = handle.clone();
    let executor = Executor::start(
        runtime,
        settings,
        Arc::new(InProcessTransport::new(runtime.clone())),
        move |event| {
            let ExecutorEvent::Received(event) = event else {
                return;
            };
            let Some(launch) = event.launch else {
                return;
            };
            if let Some(executor) = in_handler.lock().as_ref() {
                for state in [
                    proto::v1::TaskState::TaskStarting,
                    proto::v1::TaskState::TaskRunning,
                ] {
                    let mut status = proto::v1::TaskStatus {
                        task_id: launch.task.task_id.clone(),
                        ..Default::default()
                    };
                    status.set_state(state);
                    executor.update(status);
                }
            }
        },
    )
    .map_err(|error| error.to_string())?;
    *handle.lock() = Some(executor.clone());
    let _ = launch.exit;
    Ok(Box::new(move || executor.stop()))
}
