//! ACCEPT with LAUNCH and LAUNCH_GROUP: valid launches reach the agent as RunTaskMessage /
//! RunTaskGroupMessage and are TASK_STAGING; every invalid case is refused as Mesos refuses it,
//! using nothing.

mod support;

use master::config::MasterConfig;
use proto::{
    internal::{RunTaskGroupMessage, RunTaskMessage},
    v1::{TaskState, task_status::Reason},
};
use serde_json::{Value, json};
use support::{
    Cluster,
    agent::AgentHandle,
    scheduler::{Scheduler, command_task, framework_info, launch, resources_json},
};

struct Setup {
    cluster: Cluster,
    agent: AgentHandle,
    agent_id: String,
    scheduler: Scheduler,
    offer_id: String,
}

fn setup(info: Value) -> Setup {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) =
        cluster.add_agent("host1", "cpus:4;mem:2048;disk:1000;ports:[31000-32000]");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, info);
    let offers = scheduler.offers();
    assert_eq!(offers.len(), 1, "one offer of the one agent");
    let offer_id = offers[0].id.value.clone();
    Setup {
        cluster,
        agent,
        agent_id,
        scheduler,
        offer_id,
    }
}

/// Launches `tasks` on the setup's offer and returns the UPDATEs that came back.
fn try_launch(setup: &mut Setup, tasks: Vec<Value>) -> Vec<proto::v1::TaskStatus> {
    let response = setup.scheduler.call(launch(&[&setup.offer_id], tasks));
    assert_eq!(response.status, 202);
    setup.scheduler.updates()
}

fn assert_refused(status: &proto::v1::TaskStatus, state: TaskState, reason: Reason, message: &str) {
    assert_eq!(status.state, state as i32, "{status:?}");
    assert_eq!(status.reason, Some(reason as i32), "{status:?}");
    let text = status.message.as_deref().unwrap_or_default();
    assert!(
        text.contains(message),
        "{text:?} should contain {message:?}"
    );
    assert_eq!(status.uuid, None, "master updates need no acknowledgement");
}

#[test]
fn a_valid_launch_reaches_the_agent_and_is_staging() {
    let mut setup = setup(framework_info("f"));
    let task = command_task("t1", &setup.agent_id, "cpus:1;mem:128");
    assert!(try_launch(&mut setup, vec![task]).is_empty());
    let run = setup
        .agent
        .inbox
        .last::<RunTaskMessage>()
        .expect("RunTaskMessage");
    assert_eq!(run.task.task_id.value, "t1");
    assert_eq!(
        run.framework.id.as_ref().unwrap().value,
        setup.scheduler.framework_id
    );
    // The master injected the offer's allocation role.
    assert!(
        run.task
            .resources
            .iter()
            .all(|r| r.allocation_info.is_some())
    );
    let (_, state) = setup.cluster.get_json("/master/state");
    let task = &state["frameworks"][0]["tasks"][0];
    assert_eq!(task["state"], "TASK_STAGING");
    assert_eq!(task["executor_id"], "");
    assert_eq!(task["role"], "*");
    assert_eq!(state["frameworks"][0]["used_resources"]["cpus"], 1.0);
    assert_eq!(setup.cluster.metric("master/tasks_staging"), 1.0);
    // The unused 3 cpus went back to the allocator and are offered again.
    let offers = setup.scheduler.offers();
    assert_eq!(offers.len(), 1);
    let cpus: f64 = offers[0]
        .resources
        .iter()
        .filter(|r| r.name == "cpus")
        .map(|r| r.scalar.unwrap().value)
        .sum();
    assert_eq!(cpus, 3.0);
}

#[test]
fn invalid_tasks_get_task_error_with_mesos_reasons() {
    let mut setup = setup(framework_info("f"));
    let agent_id = setup.agent_id.clone();
    let mut both = command_task("both", &agent_id, "cpus:1");
    both["executor"] = json!({"executor_id": {"value": "e"}, "command": {"value": "x"}});
    let mut neither = command_task("neither", &agent_id, "cpus:1");
    neither.as_object_mut().unwrap().remove("command");
    let mut no_resources = command_task("empty", &agent_id, "cpus:1");
    no_resources["resources"] = json!([]);
    let mut bad_kill = command_task("kill", &agent_id, "cpus:1");
    bad_kill["kill_policy"] = json!({"grace_period": {"nanoseconds": -1}});
    let mut bad_health = command_task("health", &agent_id, "cpus:1");
    bad_health["health_check"] = json!({"type": "HTTP"});
    let cases = vec![
        (
            command_task("a/b", &agent_id, "cpus:1"),
            "contains invalid characters",
        ),
        (
            command_task("wrong-agent", "S-nope", "cpus:1"),
            "Task uses invalid agent S-nope",
        ),
        (no_resources, "Task uses no resources"),
        (
            command_task("too-big", &agent_id, "cpus:5"),
            "is more than available",
        ),
        (
            both,
            "at least one (but not both) of CommandInfo or ExecutorInfo",
        ),
        (
            neither,
            "at least one (but not both) of CommandInfo or ExecutorInfo",
        ),
        (bad_kill, "'kill_policy.grace_period' must be non-negative"),
        (
            bad_health,
            "Expecting 'http' to be set for HTTP health check",
        ),
    ];
    let (tasks, messages): (Vec<Value>, Vec<&str>) = cases.into_iter().unzip();
    let updates = try_launch(&mut setup, tasks);
    assert_eq!(updates.len(), messages.len(), "{updates:?}");
    for (status, message) in updates.iter().zip(messages) {
        assert_refused(status, TaskState::TaskError, Reason::TaskInvalid, message);
    }
    assert!(setup.agent.inbox.last::<RunTaskMessage>().is_none());
    // Nothing was used: the whole offer comes back.
    let offers = setup.scheduler.offers();
    assert_eq!(offers.len(), 1);
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["tasks"], json!([]));
    assert_eq!(setup.cluster.metric("master/tasks_error"), 8.0);
}

#[test]
fn duplicate_ids_and_executor_mismatches_are_refused() {
    let mut setup = setup(framework_info("f"));
    let agent_id = setup.agent_id.clone();
    let executor = json!({
        "executor_id": {"value": "exec"},
        "command": {"value": "./executor"},
        "resources": resources_json("cpus:0.1;mem:32"),
    });
    let mut first = command_task("t1", &agent_id, "cpus:1");
    first.as_object_mut().unwrap().remove("command");
    first["executor"] = executor.clone();
    let duplicate = command_task("t1", &agent_id, "cpus:1");
    let mut other_executor = command_task("t2", &agent_id, "cpus:1");
    other_executor.as_object_mut().unwrap().remove("command");
    let mut changed = executor;
    changed["command"] = json!({"value": "./other"});
    other_executor["executor"] = changed;
    let updates = try_launch(&mut setup, vec![first, duplicate, other_executor]);
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert_refused(
        &updates[0],
        TaskState::TaskError,
        Reason::TaskInvalid,
        "Task has duplicate ID: t1",
    );
    assert_refused(
        &updates[1],
        TaskState::TaskError,
        Reason::TaskInvalid,
        "is not compatible with existing ExecutorInfo",
    );
    let run = setup.agent.inbox.last::<RunTaskMessage>().unwrap();
    assert_eq!(run.launch_executor, Some(true));
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(
        state["frameworks"][0]["executors"][0]["executor_id"],
        "exec"
    );
    assert_eq!(
        state["frameworks"][0]["executors"][0]["slave_id"],
        agent_id.as_str()
    );
    // Executor plus task resources are in use.
    assert_eq!(state["slaves"][0]["used_resources"]["cpus"], 1.1);
}

#[test]
fn invalid_offers_lose_the_tasks() {
    let mut setup = setup(framework_info("f"));
    let agent_id = setup.agent_id.clone();
    let offer_id = setup.offer_id.clone();
    // Used once: fine.
    try_launch(&mut setup, vec![command_task("t1", &agent_id, "cpus:1")]);
    // Used twice: the offer is gone.
    let response = setup.scheduler.call(launch(
        &[&offer_id],
        vec![command_task("t2", &agent_id, "cpus:1")],
    ));
    assert_eq!(response.status, 202);
    let updates = setup.scheduler.updates();
    assert_eq!(updates.len(), 1);
    assert_refused(
        &updates[0],
        TaskState::TaskLost,
        Reason::InvalidOffers,
        &format!("Task launched with invalid offers: Offer {offer_id} is no longer valid"),
    );
    // Named twice in one call.
    let fresh = setup.scheduler.offers()[0].id.value.clone();
    setup.scheduler.call(launch(
        &[&fresh, &fresh],
        vec![command_task("t3", &agent_id, "cpus:1")],
    ));
    let updates = setup.scheduler.updates();
    assert_refused(
        &updates[0],
        TaskState::TaskLost,
        Reason::InvalidOffers,
        "Duplicate offer",
    );
    assert_eq!(setup.agent.inbox.count::<RunTaskMessage>(), 1);
}

#[test]
fn partition_aware_frameworks_get_task_dropped_for_invalid_offers() {
    let mut info = framework_info("pa");
    info["capabilities"] = json!([{"type": "PARTITION_AWARE"}]);
    let mut setup = setup(info);
    let agent_id = setup.agent_id.clone();
    setup.scheduler.call(launch(
        &["no-such-offer"],
        vec![command_task("t", &agent_id, "cpus:1")],
    ));
    let updates = setup.scheduler.updates();
    assert_refused(
        &updates[0],
        TaskState::TaskDropped,
        Reason::InvalidOffers,
        "no-such-offer",
    );
    // The real offer was not named, so it is still outstanding.
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(
        state["frameworks"][0]["offers"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn another_frameworks_offer_cannot_be_used() {
    let mut setup = setup(framework_info("owner"));
    let mut thief = Scheduler::subscribe(&setup.cluster.runtime, framework_info("thief"));
    let agent_id = setup.agent_id.clone();
    thief.call(launch(
        &[&setup.offer_id],
        vec![command_task("t", &agent_id, "cpus:1")],
    ));
    let updates = thief.updates();
    assert_refused(
        &updates[0],
        TaskState::TaskLost,
        Reason::InvalidOffers,
        "has invalid framework",
    );
    // The owner's offer is untouched.
    assert!(
        setup
            .scheduler
            .events_of(proto::v1::scheduler::event::Type::Rescind)
            .is_empty()
    );
    assert!(try_launch(&mut setup, vec![command_task("mine", &agent_id, "cpus:1")]).is_empty());
}

fn group_task(task_id: &str, agent_id: &str) -> Value {
    json!({
        "name": task_id,
        "task_id": {"value": task_id},
        "agent_id": {"value": agent_id},
        "resources": resources_json("cpus:0.5;mem:64"),
        "command": {"value": "sleep 100"},
    })
}

fn launch_group(offer_id: &str, executor: Value, tasks: Vec<Value>) -> Value {
    json!({
        "type": "ACCEPT",
        "accept": {
            "offer_ids": [{"value": offer_id}],
            "operations": [{"type": "LAUNCH_GROUP", "launch_group": {
                "executor": executor,
                "task_group": {"tasks": tasks},
            }}],
        },
    })
}

#[test]
fn task_groups_launch_or_fail_together() {
    let mut setup = setup(framework_info("f"));
    let agent_id = setup.agent_id.clone();
    let framework_id = setup.scheduler.framework_id.clone();
    let executor = json!({
        "type": "DEFAULT",
        "executor_id": {"value": "default"},
        "framework_id": {"value": framework_id},
        "resources": resources_json("cpus:0.1;mem:32;disk:32"),
    });
    // Without a type the whole group is refused.
    let mut untyped = executor.clone();
    untyped.as_object_mut().unwrap().remove("type");
    setup.scheduler.call(launch_group(
        &setup.offer_id,
        untyped,
        vec![group_task("g1", &agent_id), group_task("g2", &agent_id)],
    ));
    let updates = setup.scheduler.updates();
    assert_eq!(updates.len(), 2);
    for status in &updates {
        assert_refused(
            status,
            TaskState::TaskError,
            Reason::TaskGroupInvalid,
            "'ExecutorInfo.type' must be set",
        );
    }
    assert!(setup.agent.inbox.last::<RunTaskGroupMessage>().is_none());

    let offer_id = setup.scheduler.offers()[0].id.value.clone();
    setup.scheduler.call(launch_group(
        &offer_id,
        executor,
        vec![group_task("g1", &agent_id), group_task("g2", &agent_id)],
    ));
    assert!(setup.scheduler.updates().is_empty());
    let run = setup
        .agent
        .inbox
        .last::<RunTaskGroupMessage>()
        .expect("RunTaskGroupMessage");
    assert_eq!(run.task_group.tasks.len(), 2);
    assert_eq!(run.executor.executor_id.value, "default");
    assert_eq!(run.launch_executor, Some(true));
    // Each task carries the group's executor (Mesos does this for the state endpoints).
    assert!(run.task_group.tasks.iter().all(|t| t.executor.is_some()));
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(state["frameworks"][0]["tasks"][0]["executor_id"], "default");
}

#[test]
fn unsupported_operations_are_dropped_without_using_resources() {
    let mut setup = setup(framework_info("f"));
    let call = json!({
        "type": "ACCEPT",
        "accept": {
            "offer_ids": [{"value": setup.offer_id}],
            "operations": [{"type": "RESERVE", "id": {"value": "op1"}, "reserve": {"resources": []}}],
            "filters": {"refuse_seconds": 0.0},
        },
    });
    assert_eq!(setup.scheduler.call(call).status, 202);
    let events = setup.scheduler.events();
    let status = events
        .iter()
        .find_map(|event| event.update_operation_status.as_ref())
        .expect("an operation status");
    assert_eq!(
        status.status.state,
        proto::v1::OperationState::OperationError as i32
    );
    // The offer's resources went back and are offered again.
    assert!(events.iter().any(|event| event.offers.is_some()));
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(state["slaves"][0]["used_resources"]["cpus"], 0.0);
}
