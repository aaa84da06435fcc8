//! Bad input never takes the agent down: random sequences of master messages (odd ids,
//! invalid resources, stray acknowledgements, undecodable bodies), executor calls and
//! container exits leave it alive and answering `/state`.

use std::time::Duration;

use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use proto::{
    internal::{
        FrameworkToExecutorMessage, KillTaskMessage, PingSlaveMessage, RunTaskMessage,
        ShutdownExecutorMessage, ShutdownFrameworkMessage, SlaveReregisteredMessage,
        StatusUpdateAcknowledgementMessage,
    },
    v0::{ExecutorId, ExecutorInfo, FrameworkId, Resource, SlaveId, TaskId, framework_info, value},
};

use crate::support::{FRAMEWORK, Harness};

#[derive(Debug, Clone)]
enum Action {
    Run {
        task: String,
        executor: Option<String>,
        launch_executor: Option<bool>,
        invalid_resources: bool,
        multi_role: bool,
        other_agent: bool,
    },
    Kill(String),
    Acknowledge(String, Vec<u8>),
    ShutdownExecutor(Option<String>),
    ShutdownFramework(String),
    FrameworkMessage(String),
    Ping(bool),
    Reregistered,
    Raw(usize, Vec<u8>),
    ExecutorCall(String),
    Exit(usize, i32),
    Advance(u64),
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "t[0-3]",
        1 => Just(String::new()),
        1 => Just("..".to_string()),
        1 => Just("a/b".to_string()),
        1 => "\\PC{0,6}",
    ]
}

const NAMES: &[&str] = &[
    "mesos.internal.RunTaskMessage",
    "mesos.internal.RunTaskGroupMessage",
    "mesos.internal.KillTaskMessage",
    "mesos.internal.StatusUpdateAcknowledgementMessage",
    "mesos.internal.SlaveRegisteredMessage",
    "mesos.internal.SlaveReregisteredMessage",
    "mesos.internal.ShutdownExecutorMessage",
    "mesos.internal.ShutdownFrameworkMessage",
    "mesos.internal.PingSlaveMessage",
    "mesos.internal.UpdateFrameworkMessage",
    "mesos.internal.FrameworkToExecutorMessage",
];

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (id(), proptest::option::of(id()), proptest::option::of(any::<bool>()),
              proptest::bool::weighted(0.2), proptest::bool::weighted(0.2),
              proptest::bool::weighted(0.1))
            .prop_map(|(task, executor, launch_executor, invalid_resources, multi_role,
                        other_agent)| Action::Run {
                task, executor, launch_executor, invalid_resources, multi_role, other_agent,
            }),
        2 => id().prop_map(Action::Kill),
        2 => (id(), proptest::collection::vec(any::<u8>(), 0..20))
            .prop_map(|(task, uuid)| Action::Acknowledge(task, uuid)),
        1 => proptest::option::of(id()).prop_map(Action::ShutdownExecutor),
        1 => prop_oneof![Just(FRAMEWORK.to_string()), id()].prop_map(Action::ShutdownFramework),
        1 => id().prop_map(Action::FrameworkMessage),
        1 => any::<bool>().prop_map(Action::Ping),
        1 => Just(Action::Reregistered),
        2 => (0..NAMES.len(), proptest::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(name, bytes)| Action::Raw(name, bytes)),
        3 => (id(), prop_oneof![Just("SUBSCRIBE"), Just("UPDATE"), Just("MESSAGE")],
              prop_oneof![Just("TASK_RUNNING"), Just("TASK_FINISHED"), Just("TASK_STAGING")],
              proptest::collection::vec(any::<u8>(), 15..17))
            .prop_map(|(executor, kind, state, uuid)| {
                use base64::Engine;
                Action::ExecutorCall(serde_json::json!({
                    "type": kind,
                    "framework_id": {"value": FRAMEWORK},
                    "executor_id": {"value": executor},
                    "subscribe": {},
                    "message": {"data": "aGk="},
                    "update": {"status": {
                        "task_id": {"value": executor},
                        "state": state,
                        "source": "SOURCE_EXECUTOR",
                        "uuid": base64::engine::general_purpose::STANDARD.encode(uuid),
                    }},
                }).to_string())
            }),
        1 => (0usize..4, prop_oneof![Just(0), Just(256), Just(9)])
            .prop_map(|(index, status)| Action::Exit(index, status)),
        1 => (1u64..90).prop_map(Action::Advance),
    ]
}

fn apply(harness: &Harness, action: &Action) {
    match action.clone() {
        Action::Run {
            task,
            executor,
            launch_executor,
            invalid_resources,
            multi_role,
            other_agent,
        } => {
            let mut info = harness.command_task(&task, "sleep 1");
            info.task_id = TaskId { value: task };
            if other_agent {
                info.slave_id = SlaveId {
                    value: "M-S9".into(),
                };
            }
            if invalid_resources {
                info.resources.push(Resource {
                    name: "cpus".into(),
                    r#type: value::Type::Scalar as i32,
                    scalar: Some(value::Scalar { value: -1.0 }),
                    ..Default::default()
                });
            }
            if let Some(executor) = executor {
                info.command = None;
                info.executor = Some(ExecutorInfo {
                    executor_id: ExecutorId { value: executor },
                    ..Default::default()
                });
            }
            let mut framework = harness.framework_info();
            if multi_role {
                framework.roles = vec!["a".into(), "b".into()];
                framework.capabilities = vec![framework_info::Capability {
                    r#type: Some(framework_info::capability::Type::MultiRole as i32),
                }];
            }
            harness.send(&RunTaskMessage {
                framework,
                task: info,
                launch_executor,
                ..Default::default()
            });
        }
        Action::Kill(task) => harness.send(&KillTaskMessage {
            framework_id: FrameworkId {
                value: FRAMEWORK.into(),
            },
            task_id: TaskId { value: task },
            kill_policy: None,
        }),
        Action::Acknowledge(task, uuid) => harness.send(&StatusUpdateAcknowledgementMessage {
            slave_id: SlaveId {
                value: "M-S0".into(),
            },
            framework_id: FrameworkId {
                value: FRAMEWORK.into(),
            },
            task_id: TaskId { value: task },
            uuid,
        }),
        Action::ShutdownExecutor(executor) => harness.send(&ShutdownExecutorMessage {
            executor_id: executor.map(|value| ExecutorId { value }),
            framework_id: Some(FrameworkId {
                value: FRAMEWORK.into(),
            }),
        }),
        Action::ShutdownFramework(framework) => harness.send(&ShutdownFrameworkMessage {
            framework_id: FrameworkId { value: framework },
        }),
        Action::FrameworkMessage(executor) => harness.send(&FrameworkToExecutorMessage {
            slave_id: SlaveId {
                value: "M-S0".into(),
            },
            framework_id: FrameworkId {
                value: FRAMEWORK.into(),
            },
            executor_id: ExecutorId { value: executor },
            data: b"x".to_vec(),
        }),
        Action::Ping(connected) => harness.send(&PingSlaveMessage { connected }),
        Action::Reregistered => harness.send(&SlaveReregisteredMessage {
            slave_id: SlaveId {
                value: "M-S0".into(),
            },
            reconciliations: Vec::new(),
            connection: None,
        }),
        Action::Raw(name, bytes) => {
            harness
                .runtime
                .send_from(&harness.master, &harness.agent, NAMES[name], bytes);
            harness.settle();
        }
        Action::ExecutorCall(body) => {
            let _ = harness.post_json(&body);
        }
        Action::Exit(index, status) => {
            if let Some(container) = harness.containerizer.running().get(index) {
                harness.containerizer.exit(container, status);
            }
            harness.settle();
        }
        Action::Advance(seconds) => harness.advance(Duration::from_secs(seconds)),
    }
}

#[test]
fn random_input_never_takes_the_agent_down() {
    let harness = Harness::registered();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        // The runtime is shared: after a failure, shrinking would only replay a broken one.
        max_shrink_iters: 0,
        ..Config::default()
    });
    let actions = proptest::collection::vec(action(), 1..12);
    let result = runner.run(&actions, |actions| {
        for action in &actions {
            apply(&harness, action);
            prop_assert!(
                harness.runtime.is_alive(&harness.agent),
                "the agent died after {action:?}"
            );
        }
        let state = harness.state();
        prop_assert!(state["frameworks"].is_array());
        prop_assert!(state["completed_frameworks"].is_array());
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}
