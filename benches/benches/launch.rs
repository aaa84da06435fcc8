//! The launch path, from a scheduler's ACCEPT to every task's TASK_RUNNING at the scheduler:
//!
//! - `launch/in_process/100x10000`: the testkit cluster (master with the hierarchical
//!   allocator and an in-memory registry, 100 agents of `cpus:8;mem:4096;disk:4096;
//!   ports:[31000-32000]` with `FakeContainerizer`s, each container an in-process executor
//!   driven by the `executor` crate over `InProcessTransport`) on one runtime with a paused
//!   clock. A v1 protobuf scheduler holds one offer per agent and sends one ACCEPT per offer,
//!   each with one LAUNCH of 100 command tasks (`cpus:0.01;mem:1`). Timed: from the first
//!   ACCEPT until the runtime is quiet, by which time every task has sent TASK_STARTING and
//!   TASK_RUNNING, each update went agent -> master -> scheduler, and the scheduler's
//!   acknowledgements went back to the executors. Throughput is tasks per second.
//! - `launch/real/1x1000`: one agent with the real posix `MesosContainerizer` launching the
//!   real `mesos-executor` binary (built by the bench with `cargo build --release -p executor`
//!   when it is missing) for each of 1,000 `true` command tasks, the master and agent on one
//!   runtime on a real clock and real loopback sockets (executors speak HTTP to the agent),
//!   allocation interval 10 ms. The tasks go in 10 ACCEPTs of 100 (see `REAL_WAVE`), each on
//!   the offer of what is left once the previous 100 are TASK_RUNNING. Timed: from the first
//!   ACCEPT until the scheduler has seen TASK_RUNNING for all 1,000 tasks (polled every
//!   millisecond); the tasks finish meanwhile, and the next iteration waits (untimed) until
//!   every executor has exited and the agent's whole resources are offered again.
//!
//! Each iteration starts from a fresh state (a new cluster, or the real agent idle again);
//! set-up is not timed (`iter_custom`). The resident memory of a cluster of this size is
//! measured by `examples/launch_memory.rs`, not here.

use std::{
    path::PathBuf,
    process::Command,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use agent::{Agent, AgentOptions};
use allocator::shell::process::AllocatorProcess;
use containerizer::{MesosContainerizer, MesosContainerizerOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use detector::StandaloneDetector;
use libprocess::{Future, Request, Response, Runtime};
use master::{config::MasterConfig, registrar::InMemoryStore};
use proto::{
    codec::{self, ContentType},
    v1::{
        Filters, FrameworkId, Offer, TaskState, TaskStatus,
        scheduler::{Call, call},
    },
};
use resources::Resources;
use testkit::{Cluster, SCHEDULER_API, Scheduler, SubscribeOptions, fixtures, launch_operation};

/// In-process: agents, and tasks in all (spread evenly, one LAUNCH per agent).
const AGENTS: usize = 100;
const TASKS: usize = 10_000;
/// Each in-process agent's resources: room for 100 tasks of `TASK_RESOURCES`.
const AGENT_RESOURCES: &str = "cpus:8;mem:4096;disk:4096;ports:[31000-32000]";
const TASK_RESOURCES: &str = "cpus:0.01;mem:1";

/// Real: tasks launched on the one agent.
const REAL_TASKS: usize = 1_000;
/// Tasks per ACCEPT. All 1,000 in one ACCEPT start 1,000 executors at once, whose
/// connections overflow the agent's listen backlog (128: libprocess listens with std's
/// default, Mesos with 500,000 capped by `somaxconn`); a dropped SYN is retried after 1, 3
/// and 7 s, past the executor's 10 s connect timeout, and the executor gives up.
const REAL_WAVE: usize = 100;
/// The CPUs a wave needs (`REAL_WAVE` tasks of `TASK_RESOURCES`).
const WAVE_CPUS: f64 = 0.01 * REAL_WAVE as f64;
const REAL_AGENT_RESOURCES: &str = "cpus:64;mem:65536;disk:65536;ports:[31000-32000]";
/// How long the real launch (and the wait for the agent to be idle again) may take.
const REAL_DEADLINE: Duration = Duration::from_secs(300);

/// A v1 scheduler call as the scheduler library sends it (protobuf, with the stream id).
fn call_request(scheduler: &Scheduler, mut call: Call) -> Request {
    call.framework_id = Some(FrameworkId {
        value: scheduler.framework_id(),
    });
    Request::post(SCHEDULER_API, codec::encode(ContentType::Protobuf, &call))
        .with_header("Content-Type", ContentType::Protobuf.as_str())
        .with_header("Accept", ContentType::Protobuf.as_str())
        .with_header("Mesos-Stream-Id", scheduler.stream_id())
}

/// ACCEPT of `offer` with one LAUNCH of `tasks` (`refuse_seconds` 0).
fn accept_call(offer: &Offer, tasks: Vec<proto::v1::TaskInfo>) -> Call {
    let mut call = Call {
        accept: Some(call::Accept {
            offer_ids: vec![offer.id.clone()],
            operations: vec![launch_operation(tasks)],
            filters: Some(Filters {
                refuse_seconds: Some(0.0),
            }),
        }),
        ..Default::default()
    };
    call.set_type(call::Type::Accept);
    call
}

fn protobuf() -> SubscribeOptions {
    SubscribeOptions {
        content_type: ContentType::Protobuf,
        auto_acknowledge: true,
    }
}

fn expect_accepted(responses: Vec<Future<Response>>) {
    for response in responses {
        let response = response.block().expect("the master answers ACCEPT");
        assert_eq!(
            response.status,
            202,
            "ACCEPT refused: {}",
            testkit::body_text(&response)
        );
    }
}

fn count(statuses: &[TaskStatus], state: TaskState) -> usize {
    statuses
        .iter()
        .filter(|status| status.state() == state)
        .count()
}

/// Panics on a status no task of these benches should reach, with `explain`'s words on the
/// task.
fn check_no_failures(statuses: &[TaskStatus], explain: impl Fn(&str) -> String) {
    if let Some(bad) = statuses.iter().find(|status| {
        !matches!(
            status.state(),
            TaskState::TaskStarting | TaskState::TaskRunning | TaskState::TaskFinished
        )
    }) {
        panic!(
            "task {} went {:?}: {}\n{}",
            bad.task_id.value,
            bad.state(),
            bad.message.as_deref().unwrap_or(""),
            explain(&bad.task_id.value)
        );
    }
}

/// A started in-process cluster with the scheduler's ACCEPTs ready to send.
struct InProcessRun {
    cluster: Cluster,
    scheduler: Scheduler,
    accepts: Vec<Request>,
}

impl InProcessRun {
    fn prepare() -> InProcessRun {
        let cluster = Cluster::builder()
            .agents(AGENTS)
            .agent_resources(AGENT_RESOURCES)
            .start();
        let scheduler =
            cluster.subscribe_with(fixtures::framework_info("launch-bench"), protobuf());
        let mut offers = Vec::new();
        cluster.advance_until("every agent is offered", || {
            offers.extend(scheduler.offers());
            offers.len() == AGENTS
        });
        let per_agent = TASKS / AGENTS;
        let accepts = offers
            .iter()
            .enumerate()
            .map(|(agent, offer)| {
                let tasks = (0..per_agent)
                    .map(|index| {
                        fixtures::command_task(
                            offer,
                            &format!("task-{agent}-{index}"),
                            TASK_RESOURCES,
                            "sleep 1000",
                        )
                    })
                    .collect();
                call_request(&scheduler, accept_call(offer, tasks))
            })
            .collect();
        InProcessRun {
            cluster,
            scheduler,
            accepts,
        }
    }

    /// Sends the ACCEPTs, settles, and returns how long that took.
    fn launch(self) -> Duration {
        let runtime = self.cluster.runtime.clone();
        verbose(format_args!("launch/in_process: sending the ACCEPTs"));
        let started = Instant::now();
        let responses: Vec<_> = self
            .accepts
            .into_iter()
            .map(|request| runtime.http(request))
            .collect();
        self.cluster.settle();
        let elapsed = started.elapsed();
        verbose(format_args!(
            "launch/in_process: all running after {elapsed:?}"
        ));
        expect_accepted(responses);
        let updates = self.scheduler.updates();
        check_no_failures(&updates, |_| String::new());
        assert_eq!(count(&updates, TaskState::TaskRunning), TASKS);
        assert!(self.scheduler.failed_acknowledgements().is_empty());
        elapsed
    }
}

/// Prints `message` with `LAUNCH_BENCH_VERBOSE` set (to time phases, or to attach a
/// profiler to the launch alone).
fn verbose(message: std::fmt::Arguments<'_>) {
    if std::env::var_os("LAUNCH_BENCH_VERBOSE").is_some() {
        eprintln!("{message}");
    }
}

fn in_process(c: &mut Criterion) {
    let mut group = c.benchmark_group("launch/in_process");
    group.sample_size(10);
    group.throughput(Throughput::Elements(TASKS as u64));
    group.bench_function(format!("{AGENTS}x{TASKS}"), |bencher| {
        bencher.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    let prepared = Instant::now();
                    let run = InProcessRun::prepare();
                    verbose(format_args!(
                        "launch/in_process: set-up took {:?}",
                        prepared.elapsed()
                    ));
                    run.launch()
                })
                .sum()
        });
    });
    group.finish();
}

/// `target/<profile>/`, where this bench and `mesos-executor` live, with the executor
/// built if it is not there.
fn launcher_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("the bench's own path");
        // target/release/deps/launch-<hash>
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("the bench runs from target/<profile>/deps")
            .to_path_buf();
        let executor = profile_dir.join("mesos-executor");
        if !executor.exists() {
            let target_dir = profile_dir.parent().expect("a target directory");
            let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
            let status = Command::new(option_env!("CARGO").unwrap_or("cargo"))
                .args([
                    "build",
                    "--release",
                    "-p",
                    "executor",
                    "--bin",
                    "mesos-executor",
                ])
                .env("CARGO_TARGET_DIR", target_dir)
                .current_dir(workspace)
                .status()
                .expect("cargo runs");
            assert!(
                status.success() && executor.exists(),
                "cannot build {}: run `cargo build --release -p executor` first",
                executor.display()
            );
        }
        profile_dir
    })
    .clone()
}

fn offered_cpus(offer: &Offer) -> f64 {
    offer
        .resources
        .iter()
        .filter(|resource| resource.name == "cpus")
        .filter_map(|resource| resource.scalar.as_ref())
        .map(|scalar| scalar.value)
        .sum()
}

/// A master and one agent with the Mesos containerizer on one real-clock runtime.
struct RealCluster {
    runtime: Runtime,
    scheduler: Scheduler,
    total_cpus: f64,
    launched: usize,
    work_dir: PathBuf,
    _work_dir: tempfile::TempDir,
}

impl RealCluster {
    fn start() -> RealCluster {
        let launcher_dir = launcher_dir();
        let runtime = Runtime::builder()
            .ip([127, 0, 0, 1].into())
            .port(0)
            .build()
            .expect("a runtime");
        let mut config = MasterConfig::default();
        // Short, so the next wave's offer comes soon after the last ACCEPT.
        config.allocator.allocation_interval = Duration::from_millis(10);
        let allocator = allocator::create("hierarchical", config.allocator.clone())
            .expect("the hierarchical allocator");
        let allocator = AllocatorProcess::spawn(&runtime, allocator).expect("the allocator");
        let master = master::spawn(&runtime, config, Box::new(InMemoryStore::new()), allocator)
            .expect("the master");
        runtime.set_delegate(master::master::Master::ID);

        let work_dir = tempfile::Builder::new()
            .prefix("launch-bench-")
            .tempdir()
            .expect("a work directory");
        let resources = Resources::parse_unreserved(REAL_AGENT_RESOURCES).expect("resources");
        let total_cpus = resources.cpus().map_or(0.0, |cpus| cpus.as_f64());
        let mut options = AgentOptions::new(work_dir.path().join("agent"), resources);
        options.launcher_dir = launcher_dir;
        options.switch_user = false;
        options.registration_backoff_factor = Duration::from_millis(10);
        let containerizer = MesosContainerizer::new(&runtime, MesosContainerizerOptions::default())
            .expect("the containerizer");
        let detector = StandaloneDetector::new(Some(master.upid().clone()));
        Agent::new(options, Arc::new(containerizer), Arc::new(detector))
            .expect("an agent")
            .spawn(&runtime)
            .expect("the agent process");

        // On a real clock the master may still be recovering its registry (503).
        let deadline = Instant::now() + REAL_DEADLINE;
        let scheduler = loop {
            match Scheduler::try_subscribe(
                &runtime,
                fixtures::framework_info("launch-bench-real"),
                protobuf(),
            ) {
                Ok(scheduler) => break scheduler,
                Err(refused) => assert!(
                    Instant::now() < deadline,
                    "SUBSCRIBE refused: {} {}",
                    refused.status,
                    testkit::body_text(&refused)
                ),
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        RealCluster {
            runtime,
            scheduler,
            total_cpus,
            launched: 0,
            work_dir: work_dir.path().to_path_buf(),
            _work_dir: work_dir,
        }
    }

    /// Waits until the agent's whole resources are offered in one offer (every executor of
    /// the last run has exited), declining partial offers.
    fn idle_offer(&self) -> Offer {
        let deadline = Instant::now() + REAL_DEADLINE;
        loop {
            for offer in self.scheduler.offers() {
                if offered_cpus(&offer) >= self.total_cpus {
                    return offer;
                }
                let mut decline = Call {
                    decline: Some(call::Decline {
                        offer_ids: vec![offer.id.clone()],
                        filters: Some(Filters {
                            refuse_seconds: Some(0.0),
                        }),
                    }),
                    ..Default::default()
                };
                decline.set_type(call::Type::Decline);
                let _ = self
                    .runtime
                    .http(call_request(&self.scheduler, decline))
                    .block();
            }
            let _ = self.scheduler.updates();
            assert!(
                Instant::now() < deadline,
                "the agent's resources were not offered whole within {REAL_DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Launches `REAL_TASKS` `true` tasks in waves of `REAL_WAVE`, each wave on the offer of
    /// what is left once the previous wave is TASK_RUNNING; returns the time until all are.
    fn launch(&mut self) -> Duration {
        let mut offer = Some(self.idle_offer());
        let _ = self.scheduler.updates();
        let run = self.launched;
        self.launched += 1;

        let started = Instant::now();
        let deadline = started + REAL_DEADLINE;
        let mut responses = Vec::new();
        let mut launched = 0;
        let mut running = 0;
        let mut finished = 0;
        while running < REAL_TASKS {
            if launched == running && launched < REAL_TASKS {
                // What is left of the agent may come as several offers (the rest of the
                // last one, and what finished tasks gave back): take them all.
                let mut offers: Vec<Offer> = offer.take().into_iter().collect();
                while offers.iter().map(offered_cpus).sum::<f64>() < WAVE_CPUS - 1e-6 {
                    offers.extend(self.scheduler.offers());
                    assert!(Instant::now() < deadline, "no offer for the next wave");
                    std::thread::sleep(Duration::from_millis(1));
                }
                let tasks = (launched..launched + REAL_WAVE)
                    .map(|index| {
                        fixtures::command_task(
                            &offers[0],
                            &format!("true-{run}-{index}"),
                            TASK_RESOURCES,
                            "true",
                        )
                    })
                    .collect();
                let mut accept = accept_call(&offers[0], tasks);
                if let Some(accept) = accept.accept.as_mut() {
                    accept.offer_ids = offers.iter().map(|offer| offer.id.clone()).collect();
                }
                let request = call_request(&self.scheduler, accept);
                responses.push(self.runtime.http(request));
                launched += REAL_WAVE;
            }
            let updates = self.scheduler.updates();
            check_no_failures(&updates, |task_id| self.executor_log(task_id));
            running += count(&updates, TaskState::TaskRunning);
            finished += count(&updates, TaskState::TaskFinished);
            assert!(
                Instant::now() < deadline,
                "only {running} of {REAL_TASKS} tasks running after {REAL_DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let elapsed = started.elapsed();
        expect_accepted(responses);
        // Untimed: every task finishes before the next run.
        while finished < REAL_TASKS {
            let updates = self.scheduler.updates();
            check_no_failures(&updates, |task_id| self.executor_log(task_id));
            finished += count(&updates, TaskState::TaskFinished);
            assert!(
                Instant::now() < deadline,
                "only {finished} of {REAL_TASKS} tasks finished after {REAL_DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        elapsed
    }
}

impl RealCluster {
    /// The end of the `stderr` of the executor of command task `task_id` (named after it).
    fn executor_log(&self, task_id: &str) -> String {
        let mut found = Vec::new();
        find_sandboxes(&self.work_dir, task_id, &mut found);
        found
            .iter()
            .map(|sandbox| {
                let stderr = std::fs::read_to_string(sandbox.join("stderr")).unwrap_or_default();
                let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                format!("{}/stderr:\n{}", sandbox.display(), tail.join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Every `executors/<executor_id>/runs/<run>` directory under `dir`.
fn find_sandboxes(dir: &std::path::Path, executor_id: &str, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        let parent_is_runs = dir.file_name().is_some_and(|name| name == "runs");
        let executor_matches = dir
            .parent()
            .and_then(|executor| executor.file_name())
            .is_some_and(|name| name == executor_id);
        if parent_is_runs && executor_matches {
            found.push(path);
        } else {
            find_sandboxes(&path, executor_id, found);
        }
    }
}

impl Drop for RealCluster {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}

fn real(c: &mut Criterion) {
    // Started on first use, so a filter that skips this bench builds and starts nothing.
    let mut cluster: Option<RealCluster> = None;
    let mut group = c.benchmark_group("launch/real");
    group.sample_size(10);
    group.throughput(Throughput::Elements(REAL_TASKS as u64));
    group.bench_function(format!("1x{REAL_TASKS}"), |bencher| {
        let cluster = cluster.get_or_insert_with(RealCluster::start);
        bencher.iter_custom(|iterations| (0..iterations).map(|_| cluster.launch()).sum());
    });
    group.finish();
}

criterion_group!(benches, in_process, real);
criterion_main!(benches);
