//! An agent that goes away under a running pymesos framework and comes back (a new
//! `mesos-agent` on the same work dir and port): the framework's task ends the way Mesos's
//! master ends it, once, and the framework goes on with the new agent.
//!
//! Mesos's agent exits on SIGTERM without telling the master (glog's handler), so the
//! master sees the link break; ours treats SIGTERM like Mesos's SIGUSR1 (unregister, shut
//! the executors down). SIGKILL gives Mesos's SIGTERM behaviour, and both are tested. There
//! is no agent recovery yet: the restarted agent registers as a new agent at the old
//! address, where Mesos's would recover and reregister with its old id.

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::{
    cluster::{Cluster, Options, processes_with_env, wait_for},
    pymesos::{PyScheduler, command_task},
};

/// Runs a long task, stops the agent with `signal`, and returns the task's terminal update
/// after checking what does not depend on the signal.
fn restart_agent_under_a_running_task(signal: Signal) -> (Value, String) {
    let mut cluster = Cluster::start(Options::default());
    let old_agent = cluster.wait_for_agents(1).remove(0);
    let hostname = cluster.state().unwrap()["slaves"][0]["hostname"]
        .as_str()
        .unwrap()
        .to_string();
    let mut scheduler = PyScheduler::start(cluster.master_addr, &cluster.path(""), "restart");
    scheduler.launch(vec![command_task("survivor", "sleep 1000")]);
    scheduler.wait_state("survivor", "TASK_RUNNING");

    cluster.agent.as_mut().unwrap().stop(signal);
    let lost = scheduler.wait_state("survivor", "TASK_LOST");
    assert_eq!(lost["source"], "SOURCE_MASTER", "{lost}");
    assert_eq!(lost["agent_id"], old_agent.as_str(), "{lost}");
    assert_eq!(
        lost["has_uuid"], false,
        "the master's own updates need no ack: {lost}"
    );

    // Nothing of the task outlives its (non-checkpointing) framework's agent.
    wait_for("the task's executor to go away", || {
        let left =
            processes_with_env(|name, value| name == "MESOS_EXECUTOR_ID" && value == "survivor");
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("still running: {left:?}"))
        }
    });

    cluster.start_agent();
    let new_agent = cluster.wait_for_agents(1).remove(0);
    assert_ne!(new_agent, old_agent, "no agent recovery yet: a new agent");
    // Mesos's Master::registerSlave removes the old, disconnected agent registered at the
    // same address (or it was removed already), and frameworks hear FAILURE for it.
    scheduler.wait_event("the old agent's loss", |event| {
        event["event"] == "agent_lost" && event["agent_id"] == old_agent.as_str()
    });
    scheduler.launch(vec![command_task("after", "true")]);
    let finished = scheduler.wait_state("after", "TASK_FINISHED");
    assert_eq!(finished["agent_id"], new_agent.as_str());

    assert_eq!(
        scheduler.states("survivor"),
        ["TASK_STARTING", "TASK_RUNNING", "TASK_LOST"],
        "the loss is heard once"
    );
    let agent_lost = scheduler
        .events()
        .iter()
        .filter(|event| event["event"] == "agent_lost")
        .count();
    assert_eq!(agent_lost, 1, "one FAILURE for the old agent");
    scheduler.stop();
    (lost, hostname)
}

#[test]
fn agent_crash_and_restart_loses_the_task_as_a_disconnection() {
    // Mesos's Master::exited: a non-checkpointing framework's tasks on a disconnected agent
    // become TASK_LOST at once (removeFramework(Slave*, Framework*)).
    let (lost, hostname) = restart_agent_under_a_running_task(Signal::SIGKILL);
    assert_eq!(lost["reason"], "REASON_AGENT_DISCONNECTED", "{lost}");
    assert_eq!(
        lost["message"],
        format!("Agent {hostname} disconnected"),
        "{lost}"
    );
}

#[test]
fn agent_sigterm_and_restart_loses_the_task() {
    // Mesos would give REASON_AGENT_DISCONNECTED here too (its agent just exits on SIGTERM);
    // ours unregisters first, so the master removes the agent: REASON_AGENT_REMOVED, as
    // Mesos's master does for an agent that unregisters (SIGUSR1).
    let (lost, hostname) = restart_agent_under_a_running_task(Signal::SIGTERM);
    assert_eq!(lost["reason"], "REASON_AGENT_REMOVED", "{lost}");
    assert_eq!(
        lost["message"],
        format!("Agent {hostname} removed: the agent unregistered"),
        "{lost}"
    );
}
