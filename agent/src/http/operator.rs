//! The agent's v1 operator API, `POST /api/v1` (mesos.md 3.4): the container calls the
//! default executor uses to run a task group's tasks as nested containers
//! (LAUNCH_NESTED_CONTAINER / LAUNCH_CONTAINER, WAIT_NESTED_CONTAINER / WAIT_CONTAINER, a
//! long poll answered when the container ends, KILL_NESTED_CONTAINER / KILL_CONTAINER),
//! plus GET_HEALTH, GET_VERSION, GET_FLAGS, GET_STATE (frameworks, executors and tasks from
//! the books) and GET_CONTAINERS (executors' containers, and with `show_nested` the nested
//! ones under them). Status codes and messages are Mesos's
//! (src/slave/http.cpp, src/slave/validation.cpp): 405/400/415/406 for the request,
//! `400 Failed to validate agent::Call: ...` for a bad call, 200 or 202 (already launched)
//! for a launch and 400 with the containerizer's reason when it fails (unknown parent,
//! ...), 404 for an unknown container, 501 for calls this agent does not serve yet.

use common::api::{decode_call, response_content_type};
use containerizer::{ContainerConfig, ContainerId, ContainerTermination, LaunchResult};
use libprocess::{Context, Promise, Reply, Request, Response};
use proto::{
    codec::ContentType,
    convert::devolve,
    v1::{
        self, VersionInfo,
        agent::{Call, call, response},
    },
};
use resources::Resources;

use crate::process::Agent;

/// Mesos's `MAX_CONTAINER_ID_LENGTH`.
const MAX_CONTAINER_ID_LENGTH: usize = 242;

/// Mesos's `validateContainerId`: the common id rules, at most 242 bytes, no `.` or space
/// (the printed form joins ids with `.`), and the same for every parent.
pub(crate) fn validate_container_id(id: &v1::ContainerId) -> Result<(), String> {
    let value = &id.value;
    resources::validate_id(value)?;
    if value.len() > MAX_CONTAINER_ID_LENGTH {
        return Err(format!(
            "'ContainerID.value' '{value}' exceeds the maximum length \
             ({MAX_CONTAINER_ID_LENGTH})"
        ));
    }
    if value.contains(['.', ' ']) {
        return Err(format!(
            "'ContainerID.value' '{value}' contains invalid characters"
        ));
    }
    if let Some(parent) = &id.parent {
        validate_container_id(parent)
            .map_err(|error| format!("'ContainerID.parent' is invalid: {error}"))?;
    }
    Ok(())
}

/// What every container call must carry (Mesos's `validation::agent::call::validate` for
/// the calls this agent serves); `name` is the call's field (`launch_nested_container`).
fn validate_container_call(
    name: &str,
    container_id: Option<&v1::ContainerId>,
    nested_only: bool,
) -> Result<(), String> {
    let Some(container_id) = container_id else {
        return Err(format!("Expecting '{name}' to be present"));
    };
    validate_container_id(container_id)
        .map_err(|error| format!("'{name}.container_id' is invalid: {error}"))?;
    if nested_only && container_id.parent.is_none() {
        return Err(format!(
            "Expecting '{name}.container_id.parent' to be present"
        ));
    }
    Ok(())
}

/// Mesos's checks of an agent call, for the calls served here.
pub(crate) fn validate(call: &Call) -> Result<(), String> {
    let Some(kind) = call.r#type else {
        return Err("Expecting 'type' to be present".into());
    };
    #[allow(deprecated)]
    match call::Type::try_from(kind).unwrap_or(call::Type::Unknown) {
        call::Type::LaunchNestedContainer => validate_container_call(
            "launch_nested_container",
            call.launch_nested_container
                .as_ref()
                .map(|c| &c.container_id),
            true,
        ),
        call::Type::WaitNestedContainer => validate_container_call(
            "wait_nested_container",
            call.wait_nested_container.as_ref().map(|c| &c.container_id),
            true,
        ),
        call::Type::KillNestedContainer => validate_container_call(
            "kill_nested_container",
            call.kill_nested_container.as_ref().map(|c| &c.container_id),
            true,
        ),
        call::Type::LaunchContainer => {
            validate_container_call(
                "launch_container",
                call.launch_container.as_ref().map(|c| &c.container_id),
                false,
            )?;
            let launch = call.launch_container.as_ref().expect("checked above");
            let v0: Vec<proto::v0::Resource> = launch.resources.iter().map(devolve).collect();
            Resources::from_proto_v0(&v0).map_err(|error| format!("Invalid resources: {error}"))?;
            let twice_nested = launch
                .container_id
                .parent
                .as_ref()
                .is_some_and(|parent| parent.parent.is_some());
            if twice_nested && !launch.resources.is_empty() {
                return Err(
                    "'launch_container' is invalid: containers nested at the second \
                            level or greater cannot specify resources"
                        .into(),
                );
            }
            Ok(())
        }
        call::Type::WaitContainer => validate_container_call(
            "wait_container",
            call.wait_container.as_ref().map(|c| &c.container_id),
            false,
        ),
        call::Type::KillContainer => validate_container_call(
            "kill_container",
            call.kill_container.as_ref().map(|c| &c.container_id),
            false,
        ),
        _ => Ok(()),
    }
}

/// A `200 OK` carrying an agent `Response` in the negotiated type.
fn ok(accept: ContentType, response: &v1::agent::Response) -> Response {
    Response::new(200)
        .with_header("Content-Type", accept.as_str())
        .with_body(proto::codec::encode(accept, response))
}

/// Mesos's printed container id (`parent.child`), for messages.
fn printed(id: &v1::ContainerId) -> String {
    match &id.parent {
        Some(parent) => format!("{}.{}", printed(parent), id.value),
        None => id.value.clone(),
    }
}

impl Agent {
    /// Handles one operator API request.
    pub(crate) fn operator_api(&mut self, ctx: &mut Context<Self>, request: &Request) -> Reply {
        let path = request.path.trim_end_matches('/');
        if !path.ends_with("/api/v1") {
            return Response::not_found().into();
        }
        let (call, _content_type) = match decode_call::<Call>(request) {
            Ok(decoded) => decoded,
            Err(response) => return response.into(),
        };
        let accept = match response_content_type(request) {
            Ok(accept) => accept,
            Err(response) => return response.into(),
        };
        if let Err(error) = validate(&call) {
            return Response::bad_request(format!("Failed to validate agent::Call: {error}"))
                .into();
        }
        let kind =
            call::Type::try_from(call.r#type.unwrap_or_default()).unwrap_or(call::Type::Unknown);
        tracing::info!(call = kind.as_str_name(), "processing operator call");
        #[allow(deprecated)]
        match kind {
            call::Type::GetHealth => {
                let mut answer = v1::agent::Response {
                    get_health: Some(response::GetHealth { healthy: true }),
                    ..Default::default()
                };
                answer.set_type(response::Type::GetHealth);
                ok(accept, &answer).into()
            }
            call::Type::GetVersion => {
                let mut answer = v1::agent::Response {
                    get_version: Some(response::GetVersion {
                        version_info: VersionInfo {
                            version: common::version::MESOS_VERSION.into(),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                };
                answer.set_type(response::Type::GetVersion);
                ok(accept, &answer).into()
            }
            call::Type::GetFlags => {
                let mut answer = v1::agent::Response {
                    get_flags: Some(response::GetFlags {
                        flags: self
                            .options
                            .flags
                            .iter()
                            .map(|(name, value)| v1::Flag {
                                name: name.clone(),
                                value: Some(value.clone()),
                            })
                            .collect(),
                    }),
                    ..Default::default()
                };
                answer.set_type(response::Type::GetFlags);
                ok(accept, &answer).into()
            }
            call::Type::GetState => {
                let mut answer = v1::agent::Response {
                    get_state: Some(self.get_state()),
                    ..Default::default()
                };
                answer.set_type(response::Type::GetState);
                ok(accept, &answer).into()
            }
            call::Type::GetContainers => {
                let show_nested = call
                    .get_containers
                    .and_then(|get| get.show_nested)
                    .unwrap_or(false);
                self.get_containers(ctx, accept, show_nested)
            }
            call::Type::LaunchNestedContainer => {
                let launch = call.launch_nested_container.unwrap_or_default();
                self.launch_container(ctx, &launch.container_id, launch.command, Vec::new())
            }
            call::Type::LaunchContainer => {
                let launch = call.launch_container.unwrap_or_default();
                self.launch_container(ctx, &launch.container_id, launch.command, launch.resources)
            }
            call::Type::WaitNestedContainer => {
                let wait = call.wait_nested_container.unwrap_or_default();
                self.wait_container(&wait.container_id, accept, true)
            }
            call::Type::WaitContainer => {
                let wait = call.wait_container.unwrap_or_default();
                self.wait_container(&wait.container_id, accept, false)
            }
            call::Type::KillNestedContainer => {
                let kill = call.kill_nested_container.unwrap_or_default();
                self.kill_container(ctx, &kill.container_id, kill.signal)
            }
            call::Type::KillContainer => {
                let kill = call.kill_container.unwrap_or_default();
                self.kill_container(ctx, &kill.container_id, kill.signal)
            }
            other => Response::text(
                501,
                format!("The agent does not serve {} calls yet", other.as_str_name()),
            )
            .into(),
        }
    }

    /// GET_STATE: the frameworks, executors and tasks of the books in the v1 form (queued
    /// tasks as STAGING `Task`s, as Mesos lists them).
    fn get_state(&self) -> response::GetState {
        use proto::convert::evolve;
        let framework_entry =
            |framework: &crate::books::Framework| response::get_frameworks::Framework {
                framework_info: evolve(&framework.info),
            };
        let executor_entry =
            |executor: &crate::books::Executor| response::get_executors::Executor {
                executor_info: evolve(&executor.info),
            };
        let mut tasks = response::GetTasks::default();
        let mut executors = response::GetExecutors::default();
        for framework in self.books.frameworks.values() {
            for executor in framework.executors.values() {
                executors.executors.push(executor_entry(executor));
                for task in &executor.queued_tasks {
                    let mut task = task.clone();
                    if task.executor.is_none() && !executor.command_executor {
                        task.executor = Some(executor.info.clone());
                    }
                    let staged = crate::updates::create_task(
                        &task,
                        proto::v0::TaskState::TaskStaging,
                        &framework.id,
                    );
                    tasks.queued_tasks.push(evolve(&staged));
                }
                tasks
                    .launched_tasks
                    .extend(executor.launched_tasks.values().map(evolve));
                tasks
                    .terminated_tasks
                    .extend(executor.terminated_tasks.values().map(evolve));
                tasks
                    .completed_tasks
                    .extend(executor.completed_tasks.iter().map(evolve));
            }
            for executor in &framework.completed_executors {
                executors.completed_executors.push(executor_entry(executor));
                tasks
                    .completed_tasks
                    .extend(executor.completed_tasks.iter().map(evolve));
            }
        }
        response::GetState {
            get_tasks: Some(tasks),
            get_executors: Some(executors),
            get_frameworks: Some(response::GetFrameworks {
                frameworks: self
                    .books
                    .frameworks
                    .values()
                    .map(framework_entry)
                    .collect(),
                completed_frameworks: self
                    .books
                    .completed_frameworks
                    .iter()
                    .map(framework_entry)
                    .collect(),
            }),
        }
    }

    /// GET_CONTAINERS: every live executor's container with its framework and executor,
    /// and with `show_nested` every nested container under one (as the containerizer
    /// knows them).
    fn get_containers(
        &mut self,
        ctx: &mut Context<Self>,
        accept: ContentType,
        show_nested: bool,
    ) -> Reply {
        let mut executors = Vec::new();
        for framework in self.books.frameworks.values() {
            for executor in framework.executors.values() {
                executors.push(response::get_containers::Container {
                    framework_id: Some(v1::FrameworkId {
                        value: framework.id.clone(),
                    }),
                    executor_id: Some(v1::ExecutorId {
                        value: executor.id.clone(),
                    }),
                    executor_name: executor.info.name.clone(),
                    container_id: v1::ContainerId {
                        value: executor.container_id.clone(),
                        parent: None,
                    },
                    container_status: None,
                    resource_statistics: None,
                });
            }
        }
        let (promise, reply) = Promise::new();
        ctx.then(
            self.containerizer.containers(),
            move |_agent: &mut Self, _ctx, known| {
                let known = known.unwrap_or_default();
                let mut containers: Vec<_> = executors
                    .into_iter()
                    .filter(|executor| {
                        known.iter().any(|id| {
                            id.parent.is_none() && id.value == executor.container_id.value
                        })
                    })
                    .collect();
                if show_nested {
                    let roots: Vec<String> = containers
                        .iter()
                        .map(|container| container.container_id.value.clone())
                        .collect();
                    for id in known.iter().filter(|id| id.parent.is_some()) {
                        let mut root = id;
                        while let Some(parent) = root.parent.as_deref() {
                            root = parent;
                        }
                        if let Some(owner) = containers
                            .iter()
                            .find(|container| container.container_id.value == root.value)
                            .filter(|_| roots.contains(&root.value))
                            .cloned()
                        {
                            containers.push(response::get_containers::Container {
                                container_id: proto::convert::evolve(id),
                                ..owner
                            });
                        }
                    }
                }
                let mut answer = v1::agent::Response {
                    get_containers: Some(response::GetContainers { containers }),
                    ..Default::default()
                };
                answer.set_type(response::Type::GetContainers);
                promise.set(ok(accept, &answer));
            },
        );
        Reply::Later(reply)
    }

    /// LAUNCH_(NESTED_)CONTAINER: a nested container under an existing one (the
    /// containerizer makes its sandbox under the root's). Standalone top-level containers
    /// are not served: they would outlive the agent, which cannot recover them yet.
    fn launch_container(
        &mut self,
        ctx: &mut Context<Self>,
        container_id: &v1::ContainerId,
        command: Option<v1::CommandInfo>,
        resources: Vec<v1::Resource>,
    ) -> Reply {
        if container_id.parent.is_none() {
            return Response::bad_request(format!(
                "Cannot launch standalone container {}: this agent only launches nested \
                 containers (set 'container_id.parent' to a running container)",
                container_id.value
            ))
            .into();
        }
        if self.state == crate::AgentState::Terminating {
            return Response::text(503, "Agent is shutting down").into();
        }
        let id: ContainerId = devolve(container_id);
        let command: proto::v0::CommandInfo = command.as_ref().map(devolve).unwrap_or_default();
        let v0: Vec<proto::v0::Resource> = resources.iter().map(devolve).collect();
        let mut config = ContainerConfig::new(command.clone(), std::path::PathBuf::new());
        config.resources = Resources::from_proto_v0(&v0).unwrap_or_default();
        if self.options.switch_user {
            config.user = command.user.clone().filter(|user| !user.is_empty());
        }
        tracing::info!(container = %printed(container_id), "launching a nested container");
        let launched = self.containerizer.launch(&id, config);
        let cleanup = self.containerizer.clone();
        let (promise, reply) = Promise::new();
        ctx.then(launched, move |_agent: &mut Self, _ctx, result| {
            let response = match result {
                Ok(LaunchResult::Success) => Response::new(200),
                Ok(LaunchResult::AlreadyLaunched) => Response::new(202),
                Ok(LaunchResult::NotSupported) => {
                    Response::bad_request("The provided ContainerInfo is not supported")
                }
                Err(failure) => {
                    tracing::warn!(
                        container = %containerizer::container_key(&id),
                        %failure,
                        "failed to launch a nested container"
                    );
                    // The containerizer may have kept something; make sure it goes.
                    drop(cleanup.destroy(&id));
                    Response::bad_request(failure_text(&failure))
                }
            };
            promise.set(response);
        });
        Reply::Later(reply)
    }

    /// WAIT_(NESTED_)CONTAINER: answers once the container has ended (a long poll), with
    /// its wait status, or 404 if there is no such container.
    fn wait_container(
        &mut self,
        container_id: &v1::ContainerId,
        accept: ContentType,
        nested: bool,
    ) -> Reply {
        let id: ContainerId = devolve(container_id);
        let printed = printed(container_id);
        let answer = move |termination: Option<ContainerTermination>| match termination {
            None => Response::text(404, format!("Container {printed} cannot be found")),
            Some(termination) => ok(accept, &wait_response(&termination, nested)),
        };
        Reply::Later(self.containerizer.wait(&id).map(answer))
    }

    /// KILL_(NESTED_)CONTAINER: sends the signal (SIGKILL by default, which destroys the
    /// container); 404 if there is no such container, 400 for a signal that is not one.
    fn kill_container(
        &mut self,
        ctx: &mut Context<Self>,
        container_id: &v1::ContainerId,
        signal: Option<i32>,
    ) -> Reply {
        let id: ContainerId = devolve(container_id);
        let printed = printed(container_id);
        let signal = signal.unwrap_or(SIGKILL);
        tracing::info!(container = %printed, signal, "signalling a container");
        let (promise, reply) = Promise::new();
        ctx.then(
            self.containerizer.kill(&id, signal),
            move |_agent: &mut Self, _ctx, result| {
                promise.set(match result {
                    Ok(true) => Response::new(200),
                    Ok(false) => Response::text(
                        404,
                        format!("Container '{printed}' cannot be found (or is already killed)"),
                    ),
                    Err(failure) => Response::bad_request(failure_text(&failure)),
                });
            },
        );
        Reply::Later(reply)
    }
}

/// The signal KILL calls send when they name none.
const SIGKILL: i32 = 9;

/// The text of a failure, without libprocess's `failed: ` prefix.
fn failure_text(failure: &libprocess::Failure) -> String {
    match failure {
        libprocess::Failure::Failed(message) => message.clone(),
        other => other.to_string(),
    }
}

/// The WAIT answer for a termination, in the shape of the call that asked.
#[allow(deprecated)]
fn wait_response(termination: &ContainerTermination, nested: bool) -> v1::agent::Response {
    // v0 and v1 task states and reasons share their numbers.
    let state = termination.state.map(|state| state as i32);
    let reason = termination.reasons.first().map(|reason| *reason as i32);
    let mut answer = v1::agent::Response::default();
    if nested {
        answer.set_type(response::Type::WaitNestedContainer);
        answer.wait_nested_container = Some(response::WaitNestedContainer {
            exit_status: termination.status,
            state,
            reason,
            limitation: None,
            message: termination.message.clone(),
        });
    } else {
        answer.set_type(response::Type::WaitContainer);
        answer.wait_container = Some(response::WaitContainer {
            exit_status: termination.status,
            state,
            reason,
            limitation: None,
            message: termination.message.clone(),
        });
    }
    answer
}
