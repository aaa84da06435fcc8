//! The agent's operator API (`POST /api/v1`) on the paused clock: the default executor's
//! container calls against nested containers of a task group's executor, with Mesos's
//! status codes, and the default executor's command made up for a DEFAULT executor.

#![allow(deprecated)]

use containerizer::{ContainerId, container_key};
use libprocess::{Request, Response};
use proto::{
    codec::{self, ContentType},
    internal::RunTaskGroupMessage,
    v0::{ExecutorId, ExecutorInfo, TaskGroupInfo, executor_info},
    v1::{
        self,
        agent::{Call, call, response},
    },
};

use crate::support::{Harness, answered, body_text};

/// A registered agent running a task group's DEFAULT executor (subscribed); its container.
fn with_executor() -> (Harness, ContainerId) {
    let harness = Harness::registered();
    let executor = ExecutorInfo {
        r#type: Some(executor_info::Type::Default as i32),
        executor_id: ExecutorId {
            value: "default".into(),
        },
        resources: resources::Resources::parse_unreserved("cpus:0.1;mem:32")
            .unwrap()
            .to_proto_v0(),
        ..Default::default()
    };
    let tasks = ["a", "b"]
        .into_iter()
        .map(|id| harness.command_task(id, "sleep 1000"))
        .collect();
    harness.send(&RunTaskGroupMessage {
        framework: harness.framework_info(),
        executor,
        task_group: TaskGroupInfo { tasks },
        ..Default::default()
    });
    let launches = harness.launches();
    assert_eq!(launches.len(), 1);
    let (container, _) = launches[0].clone();
    (harness, container)
}

fn v1_id(id: &ContainerId) -> v1::ContainerId {
    proto::convert::evolve(id)
}

fn nested(parent: &ContainerId, value: &str) -> ContainerId {
    ContainerId {
        value: value.into(),
        parent: Some(Box::new(parent.clone())),
    }
}

fn call(kind: call::Type, fill: impl FnOnce(&mut Call)) -> Call {
    let mut call = Call::default();
    call.set_type(kind);
    fill(&mut call);
    call
}

#[allow(deprecated)]
fn launch_nested(id: &ContainerId, line: &str) -> Call {
    call(call::Type::LaunchNestedContainer, |call| {
        call.launch_nested_container = Some(call::LaunchNestedContainer {
            container_id: v1_id(id),
            command: Some(v1::CommandInfo {
                value: Some(line.into()),
                ..Default::default()
            }),
            container: None,
        })
    })
}

#[allow(deprecated)]
fn wait_nested(id: &ContainerId) -> Call {
    call(call::Type::WaitNestedContainer, |call| {
        call.wait_nested_container = Some(call::WaitNestedContainer {
            container_id: v1_id(id),
        })
    })
}

/// Posts `call` in `content_type` (accepting the same) without waiting for the answer.
fn post(harness: &Harness, call: &Call, content_type: ContentType) -> libprocess::Future<Response> {
    let request = Request::post("/api/v1", codec::encode(content_type, call))
        .with_header("Content-Type", content_type.as_str())
        .with_header("Accept", content_type.as_str());
    harness.runtime.http(request)
}

/// Posts `call` as JSON and waits for the answer.
fn send(harness: &Harness, call: &Call) -> Response {
    let future = post(harness, call, ContentType::Json);
    harness.settle();
    answered(future)
}

fn decode(response: &Response) -> v1::agent::Response {
    let content_type = ContentType::from_header(response.headers.get("Content-Type").unwrap())
        .expect("a known content type");
    codec::decode(content_type, response.full_body().unwrap()).expect("an agent Response")
}

#[test]
fn the_default_executor_is_launched_from_the_launcher_dir() {
    let (harness, _) = with_executor();
    let (_, config) = harness.launches().remove(0);
    let command = config.command;
    // The launcher dir has no binaries: the command says so and fails.
    assert_eq!(command.shell, Some(true));
    let value = command.value.unwrap();
    assert!(
        value.contains("mesos-default-executor not found"),
        "{value}"
    );
}

#[test]
fn nested_containers_launch_wait_and_kill_as_mesos_answers() {
    let (harness, executor) = with_executor();
    let task = nested(&executor, "task-a");
    let response = send(&harness, &launch_nested(&task, "exit 3"));
    assert_eq!(response.status, 200, "{}", body_text(&response));
    let (launched, config) = harness.launches().pop().unwrap();
    assert_eq!(launched, task);
    assert_eq!(config.command.value.as_deref(), Some("exit 3"));
    // Launching it again is accepted and does nothing.
    assert_eq!(send(&harness, &launch_nested(&task, "exit 3")).status, 202);
    assert_eq!(harness.launches().len(), 2);

    // GET_CONTAINERS lists the executor's container, and with show_nested the task's too.
    let listed = |show_nested: bool| -> Vec<(String, Option<String>)> {
        let get = call(call::Type::GetContainers, |call| {
            call.get_containers = Some(call::GetContainers {
                show_nested: Some(show_nested),
                show_standalone: None,
            })
        });
        decode(&send(&harness, &get))
            .get_containers
            .unwrap()
            .containers
            .into_iter()
            .map(|container| {
                assert_eq!(container.executor_id.unwrap().value, "default");
                (
                    container.container_id.value,
                    container.container_id.parent.map(|parent| parent.value),
                )
            })
            .collect()
    };
    assert_eq!(listed(false), vec![(executor.value.clone(), None)]);
    assert_eq!(
        listed(true),
        vec![
            (executor.value.clone(), None),
            ("task-a".to_string(), Some(executor.value.clone()))
        ]
    );

    // WAIT is a long poll: answered when the container ends, in the type asked for.
    let waiting = post(&harness, &wait_nested(&task), ContentType::Protobuf);
    harness.settle();
    assert!(
        !waiting.is_ready(),
        "WAIT answered before the container ended"
    );
    assert!(harness.containerizer.exit(&task, 3 << 8));
    harness.settle();
    let response = answered(waiting);
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers.get("Content-Type"),
        Some(ContentType::Protobuf.as_str())
    );
    let answer = decode(&response);
    #[allow(deprecated)]
    let expected = response::Type::WaitNestedContainer;
    assert_eq!(answer.r#type(), expected);
    let waited = answer.wait_nested_container.unwrap();
    assert_eq!(waited.exit_status, Some(3 << 8));
    // A nested container that ended on its own has no message (the waiter words it).
    assert_eq!(waited.message, None);
    // The end stays known while the parent lives; WAIT_CONTAINER answers in its own shape.
    let again = send(
        &harness,
        &call(call::Type::WaitContainer, |call| {
            call.wait_container = Some(call::WaitContainer {
                container_id: v1_id(&task),
            })
        }),
    );
    assert_eq!(again.status, 200);
    let answer = decode(&again);
    assert_eq!(answer.r#type(), response::Type::WaitContainer);
    assert_eq!(answer.wait_container.unwrap().exit_status, Some(3 << 8));

    // KILL: a signal to a live one (LAUNCH_CONTAINER is the newer spelling), 404 after.
    let other = nested(&executor, "task-b");
    let launch = call(call::Type::LaunchContainer, |call| {
        call.launch_container = Some(call::LaunchContainer {
            container_id: v1_id(&other),
            command: Some(v1::CommandInfo {
                value: Some("sleep 1000".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
    });
    assert_eq!(send(&harness, &launch).status, 200);
    #[allow(deprecated)]
    let kill = |id: &ContainerId, signal: Option<i32>| {
        call(call::Type::KillNestedContainer, |call| {
            call.kill_nested_container = Some(call::KillNestedContainer {
                container_id: v1_id(id),
                signal,
            })
        })
    };
    assert_eq!(send(&harness, &kill(&other, Some(15))).status, 200);
    assert!(
        harness
            .containerizer
            .calls()
            .contains(&containerizer::FakeCall::Kill(other.clone(), 15))
    );
    assert_eq!(send(&harness, &kill(&other, None)).status, 200);
    let gone = send(&harness, &kill(&other, None));
    assert_eq!(gone.status, 404);
    assert_eq!(
        body_text(&gone),
        format!(
            "Container '{}' cannot be found (or is already killed)",
            container_key(&other)
        )
    );
    let unknown = send(&harness, &wait_nested(&nested(&executor, "never")));
    assert_eq!(unknown.status, 404);
    assert_eq!(
        body_text(&unknown),
        format!("Container {}.never cannot be found", executor.value)
    );
}

#[test]
fn bad_calls_are_refused_with_mesos_s_codes_and_messages() {
    let (harness, executor) = with_executor();
    // An unknown parent: the containerizer's reason, as 400.
    let orphan = nested(
        &ContainerId {
            value: "nobody".into(),
            parent: None,
        },
        "child",
    );
    let response = send(&harness, &launch_nested(&orphan, "true"));
    assert_eq!(response.status, 400);
    assert_eq!(
        body_text(&response),
        "Parent container nobody does not exist"
    );

    // Validation.
    let cases: Vec<(Call, &str)> = vec![
        (
            launch_nested(
                &ContainerId {
                    value: "top".into(),
                    parent: None,
                },
                "true",
            ),
            "Failed to validate agent::Call: Expecting \
             'launch_nested_container.container_id.parent' to be present",
        ),
        (
            launch_nested(&nested(&executor, "a.b"), "true"),
            "Failed to validate agent::Call: 'launch_nested_container.container_id' is \
             invalid: 'ContainerID.value' 'a.b' contains invalid characters",
        ),
        (
            call(call::Type::WaitNestedContainer, |_| {}),
            "Failed to validate agent::Call: Expecting 'wait_nested_container' to be present",
        ),
        (
            Call::default(),
            "Failed to validate agent::Call: Expecting 'type' to be present",
        ),
    ];
    for (call, message) in cases {
        let response = send(&harness, &call);
        assert_eq!(response.status, 400);
        assert_eq!(body_text(&response), message);
    }
    let standalone = call(call::Type::LaunchContainer, |call| {
        call.launch_container = Some(call::LaunchContainer {
            container_id: v1::ContainerId {
                value: "standalone".into(),
                parent: None,
            },
            ..Default::default()
        })
    });
    let response = send(&harness, &standalone);
    assert_eq!(response.status, 400);
    assert!(body_text(&response).contains("only launches nested containers"));

    // The request itself.
    let get = answered(harness.runtime.http(Request::get("/api/v1")));
    assert_eq!(get.status, 405);
    let no_type = answered(harness.runtime.http(Request::post("/api/v1", "{}")));
    assert_eq!(no_type.status, 400);
    let text = answered(
        harness
            .runtime
            .http(Request::post("/api/v1", "{}").with_header("Content-Type", "text/plain")),
    );
    assert_eq!(text.status, 415);
    let health_call = codec::encode(ContentType::Json, &call(call::Type::GetHealth, |_| {}));
    let unacceptable = answered(
        harness.runtime.http(
            Request::post("/api/v1", health_call)
                .with_header("Content-Type", "application/json")
                .with_header("Accept", "text/html"),
        ),
    );
    assert_eq!(unacceptable.status, 406);
    // Protobuf in, protobuf out.
    let health = answered(post(
        &harness,
        &call(call::Type::GetHealth, |_| {}),
        ContentType::Protobuf,
    ));
    assert_eq!(
        health.headers.get("Content-Type"),
        Some(ContentType::Protobuf.as_str())
    );
    assert!(decode(&health).get_health.unwrap().healthy);
    let unserved = send(&harness, &call(call::Type::GetFrameworks, |_| {}));
    assert_eq!(unserved.status, 501);

    // Health and version.
    let health = decode(&send(&harness, &call(call::Type::GetHealth, |_| {})));
    assert!(health.get_health.unwrap().healthy);
    let version = decode(&send(&harness, &call(call::Type::GetVersion, |_| {})));
    assert_eq!(
        version.get_version.unwrap().version_info.version,
        common::version::MESOS_VERSION
    );
}

#[test]
fn the_executor_s_end_takes_its_nested_containers_and_wakes_their_waiters() {
    let (harness, executor) = with_executor();
    let task = nested(&executor, "task-a");
    assert_eq!(
        send(&harness, &launch_nested(&task, "sleep 1000")).status,
        200
    );
    let waiting = post(&harness, &wait_nested(&task), ContentType::Json);
    harness.settle();
    assert!(harness.containerizer.exit(&executor, 0));
    harness.settle();
    let response = answered(waiting);
    assert_eq!(response.status, 200);
    let waited = decode(&response).wait_nested_container.unwrap();
    assert_eq!(waited.exit_status, Some(9));
    assert!(harness.containerizer.running().is_empty());
    // With the parent gone, so is what it knew.
    assert_eq!(send(&harness, &wait_nested(&task)).status, 404);
    assert_eq!(send(&harness, &launch_nested(&task, "true")).status, 400);
}

#[test]
fn get_state_and_get_flags_answer_from_the_books() {
    let (harness, _) = with_executor();
    let state = decode(&send(&harness, &call(call::Type::GetState, |_| {})));
    assert_eq!(state.r#type(), response::Type::GetState);
    let state = state.get_state.unwrap();
    let frameworks = state.get_frameworks.unwrap().frameworks;
    assert_eq!(frameworks.len(), 1);
    assert_eq!(
        frameworks[0].framework_info.id.as_ref().unwrap().value,
        crate::support::FRAMEWORK
    );
    let executors = state.get_executors.unwrap().executors;
    assert_eq!(executors.len(), 1);
    assert_eq!(executors[0].executor_info.executor_id.value, "default");
    // The executor has not subscribed: its group waits, as STAGING tasks.
    let tasks = state.get_tasks.unwrap();
    let queued: Vec<(String, v1::TaskState, String)> = tasks
        .queued_tasks
        .iter()
        .map(|task| {
            (
                task.task_id.value.clone(),
                task.state(),
                task.executor_id.clone().unwrap().value,
            )
        })
        .collect();
    assert_eq!(
        queued,
        vec![
            ("a".into(), v1::TaskState::TaskStaging, "default".into()),
            ("b".into(), v1::TaskState::TaskStaging, "default".into()),
        ]
    );
    assert!(tasks.launched_tasks.is_empty());

    let flags = decode(&send(&harness, &call(call::Type::GetFlags, |_| {})));
    assert_eq!(flags.r#type(), response::Type::GetFlags);
    assert!(flags.get_flags.is_some());
}
