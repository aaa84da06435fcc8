//! The agent with the real Mesos containerizer (posix launcher) on a running clock: a small
//! Python executor speaks the v1 executor API over real HTTP using only the environment the
//! agent gives it; an executor that dies at once fails its task. Waits are conditions with
//! deadlines, never fixed sleeps.

use std::{path::Path, time::Duration};

use proto::{
    internal::{
        ExitedExecutorMessage, RunTaskMessage, StatusUpdateAcknowledgementMessage,
        StatusUpdateMessage,
    },
    v0::{
        CommandInfo, ExecutorId, ExecutorInfo, FrameworkId, FrameworkInfo, SlaveId, TaskId,
        TaskInfo, TaskState,
    },
};
use resources::Resources;

mod fake_master;

use fake_master::{AGENT_ID, RealAgent};

const DEADLINE: Duration = Duration::from_secs(30);

fn wait_until(what: &str, condition: impl FnMut() -> bool) {
    fake_master::wait_until(what, DEADLINE, condition);
}

fn start() -> RealAgent {
    RealAgent::start(DEADLINE, |options| {
        options.executor_shutdown_grace_period = Duration::from_secs(1);
    })
}

impl RealAgent {
    fn run(&self, task_id: &str, executor_command: String) {
        let task = TaskInfo {
            name: task_id.into(),
            task_id: TaskId {
                value: task_id.into(),
            },
            slave_id: SlaveId {
                value: AGENT_ID.into(),
            },
            resources: Resources::parse_unreserved("cpus:0.5;mem:64")
                .unwrap()
                .to_proto_v0(),
            executor: Some(ExecutorInfo {
                executor_id: ExecutorId {
                    value: format!("{task_id}-executor"),
                },
                command: Some(CommandInfo {
                    value: Some(executor_command),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.send(&RunTaskMessage {
            framework: FrameworkInfo {
                user: String::new(),
                name: "real".into(),
                id: Some(FrameworkId {
                    value: "M-0000".into(),
                }),
                ..Default::default()
            },
            task,
            ..Default::default()
        });
    }

    fn updates(&self) -> Vec<StatusUpdateMessage> {
        self.recorder.messages()
    }

    fn acknowledge(&self, update: &StatusUpdateMessage) {
        self.send(&StatusUpdateAcknowledgementMessage {
            slave_id: SlaveId {
                value: AGENT_ID.into(),
            },
            framework_id: update.update.framework_id.clone(),
            task_id: update.update.status.task_id.clone(),
            uuid: update.update.uuid.clone().unwrap_or_default(),
        });
    }
}

/// The Python interpreter itself (not a shell shim, which needs the caller's environment).
fn python() -> Option<String> {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    Path::new(&path).is_file().then_some(path)
}

const EXECUTOR: &str = r#"
import base64, http.client, json, os, sys, uuid
host, port = os.environ["MESOS_AGENT_ENDPOINT"].split(":")
framework = {"value": os.environ["MESOS_FRAMEWORK_ID"]}
executor = {"value": os.environ["MESOS_EXECUTOR_ID"]}
assert os.getcwd() == os.environ["MESOS_DIRECTORY"]

def post(body):
    connection = http.client.HTTPConnection(host, int(port))
    connection.request("POST", "/api/v1/executor", json.dumps(body),
                       {"Content-Type": "application/json", "Accept": "application/json"})
    return connection.getresponse()

def update(task, state):
    response = post({"type": "UPDATE", "framework_id": framework, "executor_id": executor,
                     "update": {"status": {"task_id": {"value": task}, "state": state,
                                           "uuid": base64.b64encode(uuid.uuid4().bytes).decode(),
                                           "source": "SOURCE_EXECUTOR"}}})
    response.read()
    assert response.status == 202, response.status

stream = post({"type": "SUBSCRIBE", "framework_id": framework, "executor_id": executor,
               "subscribe": {}})
assert stream.status == 200, stream.status
acknowledged = 0
while True:
    line = b""
    while not line.endswith(b"\n"):
        byte = stream.read(1)
        if not byte:
            sys.exit(2)
        line += byte
    event = json.loads(stream.read(int(line)))
    print(event["type"], flush=True)
    if event["type"] == "LAUNCH":
        task = event["launch"]["task"]["task_id"]["value"]
        update(task, "TASK_RUNNING")
        update(task, "TASK_FINISHED")
    elif event["type"] == "ACKNOWLEDGED":
        acknowledged += 1
        if acknowledged == 2:
            sys.exit(0)
"#;

#[test]
fn a_real_executor_runs_a_task_over_real_http() {
    let Some(python) = python() else {
        eprintln!("skipping: no python3 on this machine");
        return;
    };
    let agent = start();
    let script = agent.work_dir.path().join("executor.py");
    std::fs::write(&script, EXECUTOR).unwrap();
    agent.run("t1", format!("{python} {}", script.display()));

    wait_until("TASK_RUNNING at the master", || !agent.updates().is_empty());
    let running = agent.updates().remove(0);
    assert_eq!(running.update.status.state, TaskState::TaskRunning as i32);
    agent.acknowledge(&running);
    wait_until("TASK_FINISHED at the master", || agent.updates().len() >= 2);
    let finished = agent.updates().remove(1);
    assert_eq!(finished.update.status.state, TaskState::TaskFinished as i32);
    agent.acknowledge(&finished);

    wait_until("the executor's exit", || {
        !agent
            .recorder
            .messages::<ExitedExecutorMessage>()
            .is_empty()
    });
    let exited = agent.recorder.messages::<ExitedExecutorMessage>().remove(0);
    assert_eq!(exited.status, 0, "the executor exited cleanly");
    let stdout = std::fs::read_to_string(agent.sandbox("t1-executor").join("stdout")).unwrap();
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        vec!["SUBSCRIBED", "LAUNCH", "ACKNOWLEDGED", "ACKNOWLEDGED"]
    );
}

#[test]
fn an_executor_that_dies_at_once_fails_its_task() {
    let agent = start();
    agent.run("t2", "echo bye >&2; exit 3".into());
    wait_until("TASK_FAILED at the master", || !agent.updates().is_empty());
    let failed = agent.updates().remove(0);
    assert_eq!(failed.update.status.state, TaskState::TaskFailed as i32);
    assert_eq!(
        failed.update.status.reason,
        Some(proto::v0::task_status::Reason::ExecutorTerminated as i32)
    );
    wait_until("the executor's exit", || {
        !agent
            .recorder
            .messages::<ExitedExecutorMessage>()
            .is_empty()
    });
    let exited = agent.recorder.messages::<ExitedExecutorMessage>().remove(0);
    assert_eq!(exited.status, 3 << 8, "a wait status: exit code 3");
    let stderr = std::fs::read_to_string(agent.sandbox("t2-executor").join("stderr")).unwrap();
    assert!(stderr.contains("bye"), "{stderr}");
}
