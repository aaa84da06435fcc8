//! A pymesos scheduler with a pymesos custom executor (`py/executor.py`): several tasks on
//! one executor, framework messages both ways, an executor killed with SIGKILL and an
//! executor that never subscribes, each ending the way Mesos ends it.

use nix::{
    sys::signal::{Signal, kill},
    unistd::Pid,
};
use serde_json::{Value, json};

use crate::{
    cluster::{Cluster, Options, processes_with_env, wait_for},
    pymesos::{PyScheduler, command_task, executor_command, executor_task},
};

/// The executor's pid, which it puts in its TASK_RUNNING message.
fn executor_pid(running: &Value) -> Pid {
    let message = running["message"].as_str().unwrap_or_default();
    let pid = message
        .strip_prefix("pid=")
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {running}"));
    Pid::from_raw(pid)
}

fn alive(pid: Pid) -> bool {
    // A zombie is dead for our purposes: its parent (the agent) has not reaped it yet.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim()
            .starts_with('Z')
    })
}

/// Whether the update's message starts with Mesos's `expected`. Mesos's message is exactly
/// `expected` (its containerizer describes a termination only for a resource limitation);
/// ours goes on with the container's own words (`Executor terminated with signal Killed`,
/// `...; Container destroyed; its executor terminated with signal Terminated`).
fn mesos_message(update: &Value, expected: &str) -> bool {
    update["message"]
        .as_str()
        .is_some_and(|message| message.starts_with(expected))
}

#[test]
fn pymesos_executor_runs_several_tasks_and_exchanges_messages() {
    several_tasks_and_messages(&Cluster::start(Options::default()));
}

#[test]
fn pymesos_executor_on_mesos_local() {
    several_tasks_and_messages(&Cluster::start(Options {
        local: true,
        ..Options::default()
    }));
}

fn several_tasks_and_messages(cluster: &Cluster) {
    let agent_id = cluster.wait_for_agents(1).remove(0);
    let mut scheduler = PyScheduler::start(cluster.master_addr, &cluster.path(""), "messages");
    let command = executor_command();
    scheduler.launch(
        ["t1", "t2", "t3"]
            .iter()
            .map(|task| executor_task(task, "echo", &command))
            .collect(),
    );
    let pids: Vec<Pid> = ["t1", "t2", "t3"]
        .iter()
        .map(|task| executor_pid(&scheduler.wait_state(task, "TASK_RUNNING")))
        .collect();
    assert!(
        pids.iter().all(|pid| *pid == pids[0]),
        "one executor: {pids:?}"
    );
    for task in ["t1", "t2", "t3"] {
        let running = &scheduler.updates(task)[0];
        // pymesos leaves `executor_id` out of its statuses, and Mesos passes them on as
        // they are, so it is not checked here.
        assert_eq!(running["source"], "SOURCE_EXECUTOR", "{running}");
        assert_eq!(running["agent_id"], agent_id.as_str(), "{running}");
    }

    // Scheduler -> executor -> scheduler.
    let echo = |text: &str| json!({"op": "echo", "text": text}).to_string();
    scheduler.message("echo", &agent_id, &echo("hello"));
    let reply = scheduler.wait_event("the executor's reply", |event| event["event"] == "message");
    assert_eq!(reply["data"], "echo:hello tasks=3");
    assert_eq!(reply["executor_id"], "echo");
    assert_eq!(reply["agent_id"], agent_id.as_str());

    // The executor ends its tasks when told to, each in its own way.
    let finish = |op: &str, task: &str| json!({"op": op, "task_id": task}).to_string();
    scheduler.message("echo", &agent_id, &finish("finish", "t1"));
    scheduler.wait_state("t1", "TASK_FINISHED");
    scheduler.message("echo", &agent_id, &finish("fail", "t2"));
    scheduler.wait_state("t2", "TASK_FAILED");
    scheduler.kill("t3");
    scheduler.wait_state("t3", "TASK_KILLED");
    scheduler.message("echo", &agent_id, &echo("again"));
    scheduler.wait_event("the second reply", |event| {
        event["event"] == "message" && event["data"] == "echo:again tasks=0"
    });
    assert_eq!(scheduler.states("t1"), ["TASK_RUNNING", "TASK_FINISHED"]);
    assert_eq!(scheduler.states("t2"), ["TASK_RUNNING", "TASK_FAILED"]);
    assert_eq!(scheduler.states("t3"), ["TASK_RUNNING", "TASK_KILLED"]);
    let messages = scheduler
        .events()
        .iter()
        .filter(|event| event["event"] == "message")
        .count();
    assert_eq!(messages, 2, "each reply heard once");

    // Tearing the framework down shuts the executor down.
    scheduler.stop();
    wait_for("the executor to exit after the teardown", || {
        if alive(pids[0]) {
            Err(format!("{} still alive", pids[0]))
        } else {
            Ok(())
        }
    });
}

#[test]
fn pymesos_executor_killed_by_sigkill_fails_its_tasks() {
    let cluster = Cluster::start(Options::default());
    let agent_id = cluster.wait_for_agents(1).remove(0);
    let mut scheduler = PyScheduler::start(cluster.master_addr, &cluster.path(""), "sigkill");
    let command = executor_command();
    scheduler.launch(vec![
        executor_task("k1", "doomed", &command),
        executor_task("k2", "doomed", &command),
    ]);
    let pid = executor_pid(&scheduler.wait_state("k1", "TASK_RUNNING"));
    assert_eq!(
        executor_pid(&scheduler.wait_state("k2", "TASK_RUNNING")),
        pid
    );

    // The agent gave the executor its id in the environment, as Mesos does.
    let by_env = processes_with_env(|name, value| name == "MESOS_EXECUTOR_ID" && value == "doomed");
    assert!(by_env.contains(&pid), "{pid} not among {by_env:?}");
    kill(pid, Signal::SIGKILL).expect("SIGKILL the executor");

    // Mesos's Slave::executorTerminated: every live task TASK_FAILED from the agent with
    // REASON_EXECUTOR_TERMINATED, and (a custom executor) ExitedExecutorMessage, which the
    // scheduler hears as FAILURE with the executor id and its wait status.
    for task in ["k1", "k2"] {
        let failed = scheduler.wait_state(task, "TASK_FAILED");
        assert_eq!(failed["source"], "SOURCE_AGENT", "{failed}");
        assert_eq!(failed["reason"], "REASON_EXECUTOR_TERMINATED", "{failed}");
        // Mesos says "Executor terminated" (its containerizer gives a termination message
        // only for a resource limitation); ours appends the container's own words.
        assert!(mesos_message(&failed, "Executor terminated"), "{failed}");
        assert_eq!(failed["agent_id"], agent_id.as_str(), "{failed}");
        assert_eq!(failed["has_uuid"], true, "{failed}");
    }
    let lost = scheduler.wait_event("executor lost", |event| event["event"] == "executor_lost");
    assert_eq!(lost["executor_id"], "doomed");
    assert_eq!(lost["agent_id"], agent_id.as_str());
    assert_eq!(lost["status"], 9, "the wait status of a SIGKILLed process");

    // A later task runs to its end; by then any duplicate of the above would have shown.
    scheduler.launch(vec![command_task("after", "true")]);
    scheduler.wait_state("after", "TASK_FINISHED");
    assert_eq!(scheduler.states("k1"), ["TASK_RUNNING", "TASK_FAILED"]);
    assert_eq!(scheduler.states("k2"), ["TASK_RUNNING", "TASK_FAILED"]);
    let lost = scheduler
        .events()
        .iter()
        .filter(|event| event["event"] == "executor_lost")
        .count();
    assert_eq!(lost, 1, "the executor's loss is heard once");
    scheduler.stop();
}

#[test]
fn executor_that_never_subscribes_times_out() {
    let cluster = Cluster::start(Options {
        agent_flags: vec!["--executor_registration_timeout=2secs".into()],
        ..Options::default()
    });
    let agent_id = cluster.wait_for_agents(1).remove(0);
    let mut scheduler = PyScheduler::start(cluster.master_addr, &cluster.path(""), "silent");
    scheduler.launch(vec![executor_task("mute", "sleeper", "sleep 1000")]);

    // Mesos's Slave::registerExecutorTimeout: destroy the container; the task fails with
    // the pending termination's state, reason and message.
    let failed = scheduler.wait_state("mute", "TASK_FAILED");
    assert_eq!(failed["source"], "SOURCE_AGENT", "{failed}");
    assert_eq!(
        failed["reason"], "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
        "{failed}"
    );
    assert!(
        mesos_message(&failed, "Executor did not register within 2secs"),
        "{failed}"
    );
    assert_eq!(failed["agent_id"], agent_id.as_str(), "{failed}");
    let lost = scheduler.wait_event("executor lost", |event| event["event"] == "executor_lost");
    assert_eq!(lost["executor_id"], "sleeper");
    assert_eq!(lost["agent_id"], agent_id.as_str());
    assert_eq!(scheduler.states("mute"), ["TASK_FAILED"]);
    scheduler.stop();
}
