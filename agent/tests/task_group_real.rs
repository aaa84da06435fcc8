//! Task groups through a real agent (Mesos containerizer, posix launcher) on a running clock:
//! the agent starts the real `mesos-default-executor` for a DEFAULT executor, which runs
//! each task in a nested container through the agent's operator API. One group has a task
//! that finishes while its sibling runs on until killed; in another, a failing task takes
//! its sibling with it (TASK_KILLED), as in Mesos. Waits are conditions with deadlines.
//!
//! Needs the workspace's binaries (`cargo test --workspace` builds them; alone:
//! `cargo build -p executor --bins`).

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    sync::Mutex,
    time::{Duration, Instant},
};

use containerizer::Containerizer;
use proto::{
    internal::{
        ExitedExecutorMessage, KillTaskMessage, RunTaskGroupMessage, ShutdownExecutorMessage,
        StatusUpdateAcknowledgementMessage, StatusUpdateMessage,
    },
    v0::{
        CommandInfo, ExecutorId, ExecutorInfo, FrameworkId, FrameworkInfo, SlaveId, TaskGroupInfo,
        TaskId, TaskInfo, TaskState, executor_info,
    },
};
use resources::Resources;

mod fake_master;

use fake_master::{AGENT_ID, RealAgent};

const DEADLINE: Duration = Duration::from_secs(60);

/// The directory of the workspace's binaries: the test runs from `target/<profile>/deps/`.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable is in target/<profile>/deps")
        .to_path_buf();
    let binary = dir.join("mesos-default-executor");
    assert!(
        binary.is_file(),
        "{} is missing: build it with `cargo build -p executor --bins` (`cargo test \
         --workspace` builds it)",
        binary.display()
    );
    dir
}

/// The real agent, and the updates acknowledged so far (their uuids).
struct GroupAgent {
    real: RealAgent,
    acknowledged: Mutex<BTreeSet<Vec<u8>>>,
}

impl std::ops::Deref for GroupAgent {
    type Target = RealAgent;

    fn deref(&self) -> &RealAgent {
        &self.real
    }
}

impl GroupAgent {
    fn start() -> GroupAgent {
        let real = RealAgent::start(DEADLINE, |options| {
            // Well over the default executor's 3 s kill grace period, so a loaded machine
            // does not turn its TASK_KILLED into the agent's TASK_FAILED.
            options.executor_shutdown_grace_period = Duration::from_secs(10);
            options.launcher_dir = bin_dir();
        });
        GroupAgent {
            real,
            acknowledged: Mutex::default(),
        }
    }

    /// Waits until `condition` holds, acknowledging every update as the master would.
    fn wait_until(&self, what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            self.acknowledge_all();
            if condition() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; updates so far: {:?}",
                self.states()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn acknowledge_all(&self) {
        let mut acknowledged = self.acknowledged.lock().unwrap();
        for update in self.recorder.messages::<StatusUpdateMessage>() {
            let uuid = update.update.uuid.clone().unwrap_or_default();
            if acknowledged.insert(uuid.clone()) {
                self.send(&StatusUpdateAcknowledgementMessage {
                    slave_id: SlaveId {
                        value: AGENT_ID.into(),
                    },
                    framework_id: update.update.framework_id.clone(),
                    task_id: update.update.status.task_id.clone(),
                    uuid,
                });
            }
        }
    }

    /// Every (task, state) the master heard of, in order.
    fn states(&self) -> Vec<(String, TaskState)> {
        self.recorder
            .messages::<StatusUpdateMessage>()
            .into_iter()
            .map(|update| {
                (
                    update.update.status.task_id.value,
                    TaskState::try_from(update.update.status.state).unwrap(),
                )
            })
            .collect()
    }

    /// The states of one task, in order.
    fn task_states(&self, task: &str) -> Vec<TaskState> {
        self.states()
            .into_iter()
            .filter(|(id, _)| id == task)
            .map(|(_, state)| state)
            .collect()
    }

    /// The last update of `task`.
    fn last(&self, task: &str) -> StatusUpdateMessage {
        self.recorder
            .messages::<StatusUpdateMessage>()
            .into_iter()
            .rev()
            .find(|update| update.update.status.task_id.value == task)
            .expect("an update of the task")
    }

    fn run_group(&self, executor: &str, tasks: &[(&str, &str)]) {
        let framework = FrameworkInfo {
            user: String::new(),
            name: "groups".into(),
            id: Some(FrameworkId {
                value: "M-0000".into(),
            }),
            ..Default::default()
        };
        let tasks = tasks
            .iter()
            .map(|(id, command)| TaskInfo {
                name: (*id).into(),
                task_id: TaskId {
                    value: (*id).into(),
                },
                slave_id: SlaveId {
                    value: AGENT_ID.into(),
                },
                resources: Resources::parse_unreserved("cpus:0.1;mem:32")
                    .unwrap()
                    .to_proto_v0(),
                command: Some(CommandInfo {
                    value: Some((*command).into()),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect();
        self.send(&RunTaskGroupMessage {
            framework,
            executor: ExecutorInfo {
                r#type: Some(executor_info::Type::Default as i32),
                executor_id: ExecutorId {
                    value: executor.into(),
                },
                framework_id: Some(FrameworkId {
                    value: "M-0000".into(),
                }),
                resources: Resources::parse_unreserved("cpus:0.1;mem:32")
                    .unwrap()
                    .to_proto_v0(),
                ..Default::default()
            },
            task_group: TaskGroupInfo { tasks },
            ..Default::default()
        });
    }

    fn exited(&self, executor: &str) -> Option<ExitedExecutorMessage> {
        self.recorder
            .messages::<ExitedExecutorMessage>()
            .into_iter()
            .find(|exited| exited.executor_id.value == executor)
    }
}

#[test]
fn a_task_group_runs_in_nested_containers_and_a_failing_task_kills_its_group() {
    let agent = GroupAgent::start();

    // One task finishes; its sibling runs on until the framework kills it.
    agent.run_group(
        "group-1",
        &[
            ("finisher", "echo done; exit 0"),
            ("runner", "exec sleep 1000"),
        ],
    );
    agent.wait_until("the finisher's TASK_FINISHED", || {
        agent
            .task_states("finisher")
            .contains(&TaskState::TaskFinished)
    });
    agent.wait_until("the runner's TASK_RUNNING", || {
        agent
            .task_states("runner")
            .contains(&TaskState::TaskRunning)
    });
    assert_eq!(
        agent.task_states("finisher"),
        vec![
            TaskState::TaskStarting,
            TaskState::TaskRunning,
            TaskState::TaskFinished
        ]
    );
    let finished = agent.last("finisher").update.status;
    assert_eq!(
        finished.message.as_deref(),
        Some("Command exited with status 0")
    );
    // The task ran in its own sandbox under the executor's, linked from tasks/<id>.
    let linked = agent.sandbox("group-1").join("tasks/finisher/stdout");
    assert_eq!(std::fs::read_to_string(&linked).unwrap(), "done\n");
    let container = finished
        .container_status
        .and_then(|status| status.container_id)
        .expect("the task's container");
    assert!(container.parent.is_some(), "a nested container");
    assert!(
        agent
            .sandbox("group-1")
            .join("containers")
            .join(&container.value)
            .is_dir()
    );
    assert_eq!(
        agent.task_states("runner"),
        vec![TaskState::TaskStarting, TaskState::TaskRunning],
        "a finished sibling does not kill the group"
    );

    agent.send(&KillTaskMessage {
        framework_id: FrameworkId {
            value: "M-0000".into(),
        },
        task_id: TaskId {
            value: "runner".into(),
        },
        kill_policy: None,
    });
    agent.wait_until("the runner's TASK_KILLED", || {
        agent.task_states("runner").contains(&TaskState::TaskKilled)
    });
    agent.wait_until("the first executor's exit", || {
        agent.exited("group-1").is_some()
    });
    assert_eq!(agent.exited("group-1").unwrap().status, 0);

    // A failing task takes its sibling with it.
    agent.run_group(
        "group-2",
        &[("sleeper", "exec sleep 1000"), ("failer", "exit 3")],
    );
    agent.wait_until("the failer's TASK_FAILED", || {
        agent.task_states("failer").contains(&TaskState::TaskFailed)
    });
    let failed = agent.last("failer").update.status;
    assert!(
        failed
            .message
            .as_deref()
            .is_some_and(|message| message == "Command exited with status 3"),
        "{:?}",
        failed.message
    );
    agent.wait_until("the sleeper's TASK_KILLED", || {
        agent
            .task_states("sleeper")
            .contains(&TaskState::TaskKilled)
    });
    assert_eq!(
        agent.task_states("sleeper"),
        vec![
            TaskState::TaskStarting,
            TaskState::TaskRunning,
            TaskState::TaskKilled
        ]
    );
    agent.wait_until("the second executor's exit", || {
        agent.exited("group-2").is_some()
    });
    agent.wait_until("every container gone", || {
        agent
            .containerizer
            .containers()
            .block_timeout(DEADLINE)
            .is_ok_and(|containers| containers.is_ok_and(|list| list.is_empty()))
    });
}

#[test]
fn shutting_the_executor_down_kills_its_tasks_and_leaves_nothing_behind() {
    let agent = GroupAgent::start();
    agent.run_group(
        "group-3",
        &[
            (
                "stubborn",
                "trap '' TERM; echo ready; while true; do sleep 1; done",
            ),
            ("polite", "exec sleep 1000"),
        ],
    );
    agent.wait_until("both tasks running", || {
        ["stubborn", "polite"]
            .iter()
            .all(|task| agent.task_states(task).contains(&TaskState::TaskRunning))
    });
    let ready = agent.sandbox("group-3").join("tasks/stubborn/stdout");
    agent.wait_until("the stubborn task ignoring SIGTERM", || {
        std::fs::read_to_string(&ready).is_ok_and(|text| text == "ready\n")
    });
    agent.send(&ShutdownExecutorMessage {
        executor_id: Some(ExecutorId {
            value: "group-3".into(),
        }),
        framework_id: Some(FrameworkId {
            value: "M-0000".into(),
        }),
    });
    // SHUTDOWN: SIGTERM to both, SIGKILL after 3 s for the one that ignores it, within the
    // agent's shutdown grace period, so the executor reports both killed.
    agent.wait_until("the executor's exit", || agent.exited("group-3").is_some());
    agent.wait_until("every container gone", || {
        agent
            .containerizer
            .containers()
            .block_timeout(DEADLINE)
            .is_ok_and(|containers| containers.is_ok_and(|list| list.is_empty()))
    });
    for task in ["stubborn", "polite"] {
        assert_eq!(
            agent.task_states(task),
            vec![
                TaskState::TaskStarting,
                TaskState::TaskRunning,
                TaskState::TaskKilled
            ],
            "{task}"
        );
    }
    let stubborn = agent.last("stubborn").update.status;
    assert_eq!(
        stubborn.message.as_deref(),
        Some("Command terminated with signal Killed")
    );
}
