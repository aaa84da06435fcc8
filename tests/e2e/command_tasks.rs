//! Command tasks from a pymesos scheduler: one that finishes, one that fails and one that is
//! killed, on `mesos-master` + `mesos-agent` and on `mesos-local`, each state heard once.

use serde_json::Value;

use crate::{
    cluster::{Cluster, Options, wait_for},
    pymesos::{PyScheduler, command_task},
};

fn command_tasks_reach_their_terminal_states(cluster: &Cluster) {
    let agent_id = cluster.wait_for_agents(1).remove(0);
    let mut scheduler = PyScheduler::start(cluster.master_addr, &cluster.path(""), "commands");
    scheduler.launch(vec![
        command_task("ok", "true"),
        command_task("bad", "exit 3"),
        command_task("long", "sleep 1000"),
    ]);

    let finished = scheduler.wait_state("ok", "TASK_FINISHED");
    assert_eq!(finished["message"], "Command exited with status 0");
    let failed = scheduler.wait_state("bad", "TASK_FAILED");
    assert_eq!(failed["message"], "Command exited with status 3");
    scheduler.wait_state("long", "TASK_RUNNING");

    // Explicit reconciliation: the master's latest state, needing no acknowledgement.
    scheduler.reconcile(&["long"]);
    let latest = scheduler.wait_event("the reconciliation answer", |event| {
        event["event"] == "update" && event["reason"] == "REASON_RECONCILIATION"
    });
    assert_eq!(latest["task_id"], "long", "{latest}");
    assert_eq!(latest["state"], "TASK_RUNNING", "{latest}");
    assert_eq!(latest["source"], "SOURCE_MASTER", "{latest}");
    assert_eq!(
        latest["message"], "Reconciliation: Latest task state",
        "{latest}"
    );
    assert_eq!(latest["has_uuid"], false, "{latest}");

    scheduler.kill("long");
    let killed = scheduler.wait_state("long", "TASK_KILLED");
    assert!(
        killed["message"]
            .as_str()
            .is_some_and(|message| message.starts_with("Command terminated with signal")),
        "{killed}"
    );

    // Every state once, in order, from the command executor, acknowledgeable.
    assert_eq!(
        scheduler.states("ok"),
        ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
    );
    assert_eq!(
        scheduler.states("bad"),
        ["TASK_STARTING", "TASK_RUNNING", "TASK_FAILED"]
    );
    assert_eq!(
        scheduler.states("long"),
        [
            "TASK_STARTING",
            "TASK_RUNNING",
            "TASK_RUNNING",
            "TASK_KILLED"
        ],
        "the second TASK_RUNNING is the reconciliation answer"
    );
    for task in ["ok", "bad", "long"] {
        for update in scheduler.updates(task) {
            let reconciled = update["reason"] == "REASON_RECONCILIATION";
            assert_eq!(update["has_uuid"], !reconciled, "{update}");
            let source = if reconciled {
                "SOURCE_MASTER"
            } else {
                "SOURCE_EXECUTOR"
            };
            assert_eq!(update["source"], source, "{update}");
            assert_eq!(update["agent_id"], agent_id.as_str(), "{update}");
            if !reconciled {
                assert_eq!(update["executor_id"], task, "{update}");
            }
        }
    }

    // The master's books agree once the acknowledgements are in.
    let framework_id = scheduler.wait_event("registration", |event| event["event"] == "registered")
        ["framework_id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for("the master to complete the three tasks", || {
        let state = cluster.state()?;
        let framework = state["frameworks"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|framework| framework["id"] == framework_id.as_str())
            .cloned()
            .ok_or("framework not in /master/state")?;
        let mut completed: Vec<(String, String)> = framework["completed_tasks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|task| (text(&task["id"]), text(&task["state"])))
            .collect();
        completed.sort();
        let expected = [
            ("bad", "TASK_FAILED"),
            ("long", "TASK_KILLED"),
            ("ok", "TASK_FINISHED"),
        ]
        .map(|(id, state)| (id.to_string(), state.to_string()));
        if completed == expected && framework["tasks"].as_array().is_some_and(Vec::is_empty) {
            Ok(())
        } else {
            Err(format!("framework: {framework}"))
        }
    });

    scheduler.stop();
    wait_for("the framework to be torn down", || {
        let state = cluster.state()?;
        let done = state["completed_frameworks"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|framework| framework["id"] == framework_id.as_str());
        if done {
            Ok(())
        } else {
            Err(format!("state: {state}"))
        }
    });
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

#[test]
fn pymesos_command_tasks_on_master_and_agent() {
    let cluster = Cluster::start(Options::default());
    command_tasks_reach_their_terminal_states(&cluster);
}

#[test]
fn pymesos_command_tasks_on_mesos_local() {
    let cluster = Cluster::start(Options {
        local: true,
        ..Options::default()
    });
    command_tasks_reach_their_terminal_states(&cluster);
}
