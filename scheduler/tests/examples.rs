//! The example frameworks' and mesos-execute's schedulers against the real master and
//! agents, in-process on the paused clock (the testkit's cluster, scripted executors), over
//! each protocol: test-framework finishes every task or aborts on the first that fails;
//! long-lived-framework keeps its tasks up, one per agent, relaunching what fails or is
//! lost with its agent; mesos-execute's outcome follows its task (or task group), and
//! `--kill_after` kills it.

use std::{sync::Arc, time::Duration};

use clap::Parser;
use parking_lot::Mutex;
use proto::v0::TaskState;
use scheduler::{
    DriverConfig, Protocol, Scheduler, SchedulerDriver, Status,
    examples::{
        Output,
        execute::{ExecuteFlags, ExecuteScheduler},
        long_lived::{LongLivedFlags, LongLivedScheduler},
        test_framework::{Outcome, TestFrameworkFlags, TestScheduler},
    },
};
use testkit::{Cluster, TaskBehavior};

/// One test per protocol.
macro_rules! protocols {
    ($($name:ident),* $(,)?) => {
        mod v0 {
            $(#[test] fn $name() { super::$name(scheduler::Protocol::V0) })*
        }
        mod v1 {
            $(#[test] fn $name() {
                super::$name(scheduler::Protocol::V1(proto::codec::ContentType::Protobuf))
            })*
        }
    };
}

protocols!(
    test_framework_finishes_every_task,
    test_framework_aborts_on_a_failed_task,
    long_lived_relaunches_a_failed_task_one_per_agent,
    long_lived_relaunches_on_another_agent_when_one_is_lost,
    mesos_execute_succeeds_when_the_task_finishes,
    mesos_execute_fails_when_the_task_fails,
    mesos_execute_kills_after,
    mesos_execute_runs_a_task_group,
);

/// Starts `scheduler` on `cluster` with `config` over `protocol` and settles.
fn start(
    cluster: &Cluster,
    scheduler: impl Scheduler,
    mut config: DriverConfig,
    protocol: Protocol,
) -> SchedulerDriver {
    config.protocol = protocol;
    // Registration retries are random; a short factor keeps them within a few steps.
    config.registration_backoff_factor = Duration::from_millis(100);
    let driver = SchedulerDriver::new(
        &cluster.runtime,
        scheduler,
        config,
        &cluster.master_upid().to_string(),
    )
    .expect("a driver");
    assert_eq!(driver.start(), Status::DriverRunning);
    cluster.settle();
    driver
}

fn text(buffer: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&buffer.lock()).into_owned()
}

fn test_framework(args: &[&str]) -> TestFrameworkFlags {
    let mut all = vec!["test-framework", "--master=unused:5050"];
    all.extend_from_slice(args);
    TestFrameworkFlags::try_parse_from(all).expect("flags")
}

fn test_framework_finishes_every_task(protocol: Protocol) {
    let cluster = Cluster::builder()
        .default_behavior(TaskBehavior::FinishAfter(Duration::from_secs(3)))
        .start();
    // Five tasks of one cpu on an agent of two: three rounds of offers.
    let flags = test_framework(&[]);
    let (output, buffer) = Output::buffer();
    let (scheduler, outcome) = TestScheduler::new(&flags, output);
    let driver = start(&cluster, scheduler, flags.driver_config(), protocol);
    cluster.advance_until("the run ends", || *outcome.lock() != Outcome::Running);

    assert_eq!(*outcome.lock(), Outcome::Finished, "{}", text(&buffer));
    cluster.settle();
    assert_eq!(driver.status(), Status::DriverStopped);
    let printed = text(&buffer);
    for task in 0..5 {
        assert!(
            printed.contains(&format!("Task {task} is in state TASK_FINISHED")),
            "{printed}"
        );
    }
    assert!(!printed.contains("Task 5 "), "{printed}");
    // Stopped without failover: the master tore the framework down.
    cluster.advance_until("the framework is gone", || {
        let (_, state) = cluster.get_json("/state");
        state["frameworks"].as_array().unwrap().is_empty()
    });
}

fn test_framework_aborts_on_a_failed_task(protocol: Protocol) {
    let cluster = Cluster::builder()
        .default_behavior(TaskBehavior::FinishAfter(Duration::from_secs(3)))
        .start();
    cluster.script.set(
        "2",
        TaskBehavior::FailAfter(Duration::from_secs(1), "boom".into()),
    );
    let flags = test_framework(&["--num_tasks=4"]);
    let (output, buffer) = Output::buffer();
    let (scheduler, outcome) = TestScheduler::new(&flags, output);
    let driver = start(&cluster, scheduler, flags.driver_config(), protocol);
    cluster.advance_until("the run ends", || *outcome.lock() != Outcome::Running);

    let Outcome::Failed(why) = outcome.lock().clone() else {
        panic!("the run should fail: {}", text(&buffer));
    };
    assert!(
        why.contains("task 2 is in unexpected state TASK_FAILED") && why.contains("'boom'"),
        "{why}"
    );
    assert_eq!(driver.status(), Status::DriverAborted);
}

fn long_lived(args: &[&str]) -> LongLivedFlags {
    let mut all = vec!["long-lived-framework", "--master=unused:5050"];
    all.extend_from_slice(args);
    LongLivedFlags::try_parse_from(all).expect("flags")
}

fn long_lived_relaunches_a_failed_task_one_per_agent(protocol: Protocol) {
    let cluster = Cluster::builder().agents(2).start();
    cluster.script.set(
        "0",
        TaskBehavior::FailAfter(Duration::from_secs(3), "boom".into()),
    );
    let flags = long_lived(&["--num_tasks=2"]);
    let (output, buffer) = Output::buffer();
    let (scheduler, stats) = LongLivedScheduler::new(&flags, output);
    let driver = start(&cluster, scheduler, flags.driver_config(), protocol);

    cluster.advance_until("task 0 fails and a replacement is launched", || {
        stats.lock().tasks_launched == 3
    });
    // Let the replacement come up, then check nothing more was launched.
    cluster.advance(Duration::from_secs(10));
    let stats = stats.lock().clone();
    let printed = text(&buffer);
    assert_eq!(stats.tasks_launched, 3, "{printed}");
    assert_eq!(stats.abnormal_terminations, 1, "{printed}");
    assert_eq!(
        stats.running.keys().collect::<Vec<_>>(),
        ["1", "2"],
        "{printed}"
    );
    let agents: std::collections::BTreeSet<_> = stats.running.values().collect();
    assert_eq!(agents.len(), 2, "one task per agent: {stats:?}");
    assert!(printed.contains("Task 0 is in state TASK_FAILED with message: boom"));
    assert!(
        printed.contains("Task 2 is in state TASK_RUNNING"),
        "{printed}"
    );
    assert_eq!(driver.status(), Status::DriverRunning);
}

fn long_lived_relaunches_on_another_agent_when_one_is_lost(protocol: Protocol) {
    let cluster = Cluster::builder()
        .agents(2)
        .agent_ping_timeout(Duration::from_secs(1), 2)
        .start();
    let flags = long_lived(&["--num_tasks=1"]);
    let (output, buffer) = Output::buffer();
    let (scheduler, stats) = LongLivedScheduler::new(&flags, output);
    let _driver = start(&cluster, scheduler, flags.driver_config(), protocol);
    cluster.advance_until("task 0 runs", || {
        text(&buffer).contains("Task 0 is in state TASK_RUNNING")
    });
    let first_agent = stats.lock().running["0"].clone();
    let index = (0..2)
        .find(|index| cluster.agent_id(*index) == first_agent)
        .expect("task 0's agent");

    cluster.stop_agent(index);
    cluster.advance_until("a replacement runs", || {
        text(&buffer).contains("Task 1 is in state TASK_RUNNING")
    });
    let stats = stats.lock().clone();
    let printed = text(&buffer);
    assert!(
        printed.contains("Task 0 is in state TASK_LOST"),
        "{printed}"
    );
    assert_eq!(stats.running.len(), 1, "{stats:?}");
    assert_eq!(stats.running["1"], cluster.agent_id(1 - index));
}

fn execute(args: &[&str]) -> ExecuteFlags {
    let mut all = vec!["mesos-execute", "--master=unused:5050"];
    all.extend_from_slice(args);
    ExecuteFlags::try_parse_from(all).expect("flags")
}

/// Runs mesos-execute's scheduler for `flags` until every task has ended; answers the
/// outcome, what it printed and the driver.
fn run_execute(
    cluster: &Cluster,
    flags: &ExecuteFlags,
    protocol: Protocol,
) -> (
    scheduler::examples::execute::Outcome,
    String,
    SchedulerDriver,
) {
    let (output, buffer) = Output::buffer();
    let (scheduler, outcome) = ExecuteScheduler::new(
        &cluster.runtime,
        flags.launch().expect("a launch"),
        flags.role.clone(),
        flags.kill_after.map(|after| after.0),
        output,
    )
    .expect("a scheduler");
    let driver = start(cluster, scheduler, flags.driver_config(), protocol);
    cluster.advance_until("every task ends", || outcome.lock().done);
    cluster.settle();
    let outcome = outcome.lock().clone();
    (outcome, text(&buffer), driver)
}

fn mesos_execute_succeeds_when_the_task_finishes(protocol: Protocol) {
    let cluster = Cluster::builder()
        .default_behavior(TaskBehavior::FinishAfter(Duration::from_secs(2)))
        .start();
    let flags = execute(&["--name=hello", "--command=true", "--env={\"A\":\"b\"}"]);
    let (outcome, printed, driver) = run_execute(&cluster, &flags, protocol);
    assert!(outcome.succeeded(), "{outcome:?}\n{printed}");
    assert_eq!(outcome.states["hello"], TaskState::TaskFinished);
    assert!(
        printed.contains("Submitted task 'hello' to agent"),
        "{printed}"
    );
    assert!(printed.contains("Received status update TASK_RUNNING for task 'hello'"));
    assert!(printed.contains("Received status update TASK_FINISHED for task 'hello'"));
    assert_eq!(driver.status(), Status::DriverStopped);
}

fn mesos_execute_fails_when_the_task_fails(protocol: Protocol) {
    let cluster = Cluster::builder()
        .default_behavior(TaskBehavior::FailAfter(
            Duration::from_secs(2),
            "Command exited with status 1".into(),
        ))
        .start();
    let flags = execute(&["--name=nope", "--command=false"]);
    let (outcome, printed, _) = run_execute(&cluster, &flags, protocol);
    assert!(!outcome.succeeded(), "{outcome:?}");
    assert_eq!(outcome.states["nope"], TaskState::TaskFailed);
    assert!(
        printed.contains("Received status update TASK_FAILED for task 'nope'")
            && printed.contains("  message: 'Command exited with status 1'"),
        "{printed}"
    );
}

fn mesos_execute_kills_after(protocol: Protocol) {
    let cluster = Cluster::start();
    let flags = execute(&[
        "--name=sleeper",
        "--command=sleep 1000",
        "--kill_after=5secs",
    ]);
    let (outcome, printed, _) = run_execute(&cluster, &flags, protocol);
    assert_eq!(
        outcome.states["sleeper"],
        TaskState::TaskKilled,
        "{printed}"
    );
    assert!(!outcome.succeeded());
    assert!(
        printed.contains("Asked to kill task 'sleeper' on agent"),
        "{printed}"
    );
}

fn mesos_execute_runs_a_task_group(protocol: Protocol) {
    let cluster = Cluster::builder()
        .default_behavior(TaskBehavior::FinishAfter(Duration::from_secs(2)))
        .start();
    let task = |id: &str| {
        format!(
            r#"{{"name":"{id}","task_id":{{"value":"{id}"}},"agent_id":{{"value":""}},
               "resources":[{{"name":"cpus","type":"SCALAR","scalar":{{"value":0.1}}}},
                            {{"name":"mem","type":"SCALAR","scalar":{{"value":32}}}}],
               "command":{{"value":"true"}}}}"#
        )
    };
    let group = format!(r#"{{"tasks":[{},{}]}}"#, task("a"), task("b"));
    let flags = execute(&[&format!("--task_group={group}")]);
    let (outcome, printed, _) = run_execute(&cluster, &flags, protocol);
    assert!(
        printed.contains("Submitted task group with tasks [ a, b ] to agent"),
        "{printed}"
    );
    assert!(outcome.succeeded(), "{outcome:?}\n{printed}");
    // LAUNCH_GROUP ran both in one container (the default executor's).
    assert_eq!(cluster.agent(0).containerizer.launches().len(), 1);
}
