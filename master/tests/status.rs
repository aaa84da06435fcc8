//! Status updates from agents to schedulers and acknowledgements back; KILL, SHUTDOWN,
//! exited executors and framework messages.

mod support;

use base64::Engine;
use master::config::MasterConfig;
use proto::{
    internal::{
        ExecutorToFrameworkMessage, ExitedExecutorMessage, FrameworkToExecutorMessage,
        KillTaskMessage, ShutdownExecutorMessage, StatusUpdateAcknowledgementMessage,
    },
    v0::{ExecutorId, FrameworkId, SlaveId, TaskState as V0State},
    v1::{TaskState, scheduler::event, task_status::Reason},
};
use serde_json::{Value, json};
use support::{
    Cluster,
    agent::AgentHandle,
    scheduler::{Scheduler, command_task, framework_info, launch, resources_json},
};

struct Running {
    cluster: Cluster,
    agent: AgentHandle,
    agent_id: String,
    scheduler: Scheduler,
}

/// One agent, one framework, one launched task `t1` (cpus:1;mem:128).
fn running(info: Value) -> Running {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, info);
    let offer_id = scheduler.offers()[0].id.value.clone();
    let response = scheduler.call(launch(
        &[&offer_id],
        vec![command_task("t1", &agent_id, "cpus:1;mem:128")],
    ));
    assert_eq!(response.status, 202);
    Running {
        cluster,
        agent,
        agent_id,
        scheduler,
    }
}

impl Running {
    fn send_update(&self, state: V0State) -> Vec<u8> {
        let message =
            self.agent
                .status_update(&self.agent_id, &self.scheduler.framework_id, "t1", state);
        let uuid = message.update.uuid.clone().unwrap();
        self.agent
            .send(&self.cluster.runtime, &self.cluster.master_pid(), &message);
        self.cluster.settle();
        uuid
    }

    fn acknowledge(&self, uuid: &[u8]) {
        let response = self.scheduler.call(json!({
            "type": "ACKNOWLEDGE",
            "acknowledge": {
                "agent_id": {"value": self.agent_id},
                "task_id": {"value": "t1"},
                "uuid": base64::engine::general_purpose::STANDARD.encode(uuid),
            },
        }));
        assert_eq!(response.status, 202);
    }
}

#[test]
fn updates_are_forwarded_acknowledged_and_finished_tasks_completed() {
    let mut setup = running(framework_info("f"));
    let uuid = setup.send_update(V0State::TaskRunning);
    let updates = setup.scheduler.updates();
    assert_eq!(updates.len(), 1);
    let status = &updates[0];
    assert_eq!(status.state, TaskState::TaskRunning as i32);
    assert_eq!(
        status.uuid.as_deref(),
        Some(uuid.as_slice()),
        "agents' updates need an ack"
    );
    assert_eq!(status.agent_id.as_ref().unwrap().value, setup.agent_id);
    let (_, state) = setup.cluster.get_json("/state");
    let task = &state["frameworks"][0]["tasks"][0];
    assert_eq!(task["state"], "TASK_RUNNING");
    assert_eq!(task["statuses"][0]["state"], "TASK_RUNNING");
    assert_eq!(setup.cluster.metric("master/tasks_running"), 1.0);

    setup.acknowledge(&uuid);
    let ack = setup
        .agent
        .inbox
        .last::<StatusUpdateAcknowledgementMessage>()
        .unwrap();
    assert_eq!(ack.uuid, uuid);
    assert_eq!(ack.task_id.value, "t1");
    assert_eq!(ack.framework_id.value, setup.scheduler.framework_id);

    let finished = setup.send_update(V0State::TaskFinished);
    assert_eq!(
        setup.scheduler.updates()[0].state,
        TaskState::TaskFinished as i32
    );
    assert_eq!(setup.cluster.metric("master/tasks_finished"), 1.0);
    // Resources are free as soon as the task is terminal, but the task stays until acked.
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["used_resources"]["cpus"], 0.0);
    assert_eq!(state["frameworks"][0]["tasks"][0]["state"], "TASK_FINISHED");
    setup.acknowledge(&finished);
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["tasks"], json!([]));
    let completed = &state["frameworks"][0]["completed_tasks"][0];
    assert_eq!(completed["id"], "t1");
    assert_eq!(completed["state"], "TASK_FINISHED");
    let states: Vec<&str> = completed["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|status| status["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["TASK_RUNNING", "TASK_FINISHED"]);
    assert_eq!(
        setup
            .agent
            .inbox
            .count::<StatusUpdateAcknowledgementMessage>(),
        2
    );
}

#[test]
fn updates_from_a_pid_that_is_not_the_agent_are_dropped() {
    let mut setup = running(framework_info("f"));
    let mut message = setup.agent.status_update(
        &setup.agent_id,
        &setup.scheduler.framework_id,
        "t1",
        V0State::TaskFailed,
    );
    let impostor = libprocess::Upid::new("slave(99)", setup.cluster.runtime.address());
    setup.cluster.runtime.send_from(
        &impostor,
        &setup.cluster.master_pid(),
        "mesos.internal.StatusUpdateMessage",
        prost::Message::encode_to_vec(&message),
    );
    setup.cluster.settle();
    assert!(setup.scheduler.updates().is_empty());
    // A update without a 16-byte uuid is dropped too.
    message.update.uuid = Some(vec![1, 2, 3]);
    setup.agent.send(
        &setup.cluster.runtime,
        &setup.cluster.master_pid(),
        &message,
    );
    setup.cluster.settle();
    assert!(setup.scheduler.updates().is_empty());
    assert_eq!(setup.cluster.metric("master/invalid_status_updates"), 2.0);
    let (_, state) = setup.cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["tasks"][0]["state"], "TASK_STAGING");
}

#[test]
fn kill_reaches_the_agent_and_unknown_tasks_are_reconciled() {
    let mut setup = running(framework_info("f"));
    let response = setup
        .scheduler
        .call(json!({"type": "KILL", "kill": {"task_id": {"value": "t1"}}}));
    assert_eq!(response.status, 202);
    let kill = setup.agent.inbox.last::<KillTaskMessage>().unwrap();
    assert_eq!(kill.task_id.value, "t1");
    assert_eq!(kill.framework_id.value, setup.scheduler.framework_id);

    setup
        .scheduler
        .call(json!({"type": "KILL", "kill": {"task_id": {"value": "nope"}}}));
    let updates = setup.scheduler.updates();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].state, TaskState::TaskLost as i32);
    assert_eq!(updates[0].reason, Some(Reason::Reconciliation as i32));
    assert_eq!(updates[0].uuid, None);
    assert_eq!(setup.agent.inbox.count::<KillTaskMessage>(), 1);
}

#[test]
fn executors_exit_and_messages_flow_both_ways() {
    let cluster = Cluster::start(MasterConfig::default());
    let (agent, agent_id) = cluster.add_agent("host1", "cpus:2;mem:1024");
    let mut scheduler = Scheduler::subscribe(&cluster.runtime, framework_info("f"));
    let offer_id = scheduler.offers()[0].id.value.clone();
    let mut task = command_task("t1", &agent_id, "cpus:1;mem:128");
    task.as_object_mut().unwrap().remove("command");
    task["executor"] = json!({
        "executor_id": {"value": "exec"},
        "command": {"value": "./executor"},
        "resources": resources_json("cpus:0.5;mem:64"),
    });
    scheduler.call(launch(&[&offer_id], vec![task]));

    let framework_id = scheduler.framework_id.clone();
    scheduler.call(json!({
        "type": "MESSAGE",
        "message": {"agent_id": {"value": agent_id}, "executor_id": {"value": "exec"}, "data": "aGVsbG8="},
    }));
    let to_executor = agent.inbox.last::<FrameworkToExecutorMessage>().unwrap();
    assert_eq!(to_executor.data, b"hello");
    assert_eq!(to_executor.executor_id.value, "exec");

    agent.send(
        &cluster.runtime,
        &cluster.master_pid(),
        &ExecutorToFrameworkMessage {
            slave_id: SlaveId {
                value: agent_id.clone(),
            },
            framework_id: FrameworkId {
                value: framework_id.clone(),
            },
            executor_id: ExecutorId {
                value: "exec".into(),
            },
            data: b"world".to_vec(),
        },
    );
    cluster.settle();
    let messages = scheduler.events_of(event::Type::Message);
    assert_eq!(messages[0].message.as_ref().unwrap().data, b"world");

    scheduler.call(json!({
        "type": "SHUTDOWN",
        "shutdown": {"agent_id": {"value": agent_id}, "executor_id": {"value": "exec"}},
    }));
    let shutdown = agent.inbox.last::<ShutdownExecutorMessage>().unwrap();
    assert_eq!(shutdown.executor_id.unwrap().value, "exec");

    agent.send(
        &cluster.runtime,
        &cluster.master_pid(),
        &ExitedExecutorMessage {
            slave_id: SlaveId {
                value: agent_id.clone(),
            },
            framework_id: FrameworkId {
                value: framework_id,
            },
            executor_id: ExecutorId {
                value: "exec".into(),
            },
            status: 9,
        },
    );
    cluster.settle();
    let failures = scheduler.events_of(event::Type::Failure);
    let failure = failures[0].failure.as_ref().unwrap();
    assert_eq!(failure.executor_id.as_ref().unwrap().value, "exec");
    assert_eq!(failure.status, Some(9));
    let (_, state) = cluster.get_json("/state");
    assert_eq!(state["frameworks"][0]["executors"], json!([]));
    // Only the task's resources remain in use.
    assert_eq!(state["slaves"][0]["used_resources"]["cpus"], 1.0);
}
