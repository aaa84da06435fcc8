//! The default executor's side of the agent's operator API (`POST /<agent>/api/v1`): the
//! LAUNCH_CONTAINER, WAIT_NESTED_CONTAINER and KILL_NESTED_CONTAINER calls it makes for
//! its tasks' nested containers, and how it reads the answers.

use libprocess::{Request, Response};
use proto::{
    codec::{self, ContentType},
    v1::{
        CommandInfo, ContainerId, Environment, TaskInfo, TaskState,
        agent::{Call, call},
        environment::Variable,
        task_status::Reason,
    },
};

use crate::ExecutorSettings;

/// Where and how the executor reaches the agent's operator API.
#[derive(Debug, Clone)]
pub(crate) struct AgentApi {
    address: String,
    path: String,
    content_type: ContentType,
    authorization: Option<String>,
}

impl AgentApi {
    /// The operator API of the agent the executor API settings point at:
    /// `/<agent id>/api/v1/executor` becomes `/<agent id>/api/v1`.
    pub(crate) fn new(settings: &ExecutorSettings) -> Self {
        let path = settings
            .agent
            .path
            .strip_suffix("/executor")
            .unwrap_or("/api/v1")
            .to_string();
        Self {
            address: settings.agent.address.clone(),
            path,
            content_type: settings.content_type,
            authorization: settings
                .authentication_token
                .as_ref()
                .map(|token| format!("Bearer {token}")),
        }
    }

    /// The request carrying `call`.
    pub(crate) fn request(&self, call: &Call) -> Request {
        let mut request = Request::post(self.path.clone(), codec::encode(self.content_type, call))
            .with_header("Host", self.address.clone())
            .with_header("Content-Type", self.content_type.as_str())
            .with_header("Accept", self.content_type.as_str());
        if let Some(authorization) = &self.authorization {
            request = request.with_header("Authorization", authorization.clone());
        }
        request
    }

    /// Decodes a `200 OK` answer to WAIT_NESTED_CONTAINER.
    pub(crate) fn wait_answer(&self, response: &Response) -> Result<Waited, String> {
        let body = response.full_body().cloned().unwrap_or_default();
        let answer = codec::decode::<proto::v1::agent::Response>(self.content_type, &body)
            .map_err(|error| format!("cannot decode the agent's answer: {error}"))?;
        #[allow(deprecated)]
        let waited = answer.wait_nested_container.unwrap_or_default();
        Ok(Waited {
            exit_status: waited.exit_status,
            state: waited
                .state
                .and_then(|state| TaskState::try_from(state).ok()),
            reason: waited
                .reason
                .and_then(|reason| Reason::try_from(reason).ok()),
            message: waited.message,
        })
    }
}

/// How a nested container ended, as the agent told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Waited {
    pub exit_status: Option<i32>,
    pub state: Option<TaskState>,
    pub reason: Option<Reason>,
    pub message: Option<String>,
}

/// LAUNCH_CONTAINER for `task` in nested container `container_id`: the task's command and
/// resources, plus `MESOS_CONTAINER_IP` and `MESOS_ALLOCATION_ROLE` in its environment, as
/// Mesos's default executor sets them.
pub(crate) fn launch(container_id: &ContainerId, task: &TaskInfo, container_ip: &str) -> Call {
    let mut command: CommandInfo = task.command.clone().unwrap_or_default();
    let environment = command.environment.get_or_insert_with(Environment::default);
    environment
        .variables
        .push(variable("MESOS_CONTAINER_IP", container_ip));
    let role = task
        .resources
        .first()
        .and_then(|resource| resource.allocation_info.as_ref())
        .and_then(|allocation| allocation.role.clone())
        .unwrap_or_default();
    environment
        .variables
        .push(variable("MESOS_ALLOCATION_ROLE", &role));
    let mut call = Call {
        launch_container: Some(call::LaunchContainer {
            container_id: container_id.clone(),
            command: Some(command),
            resources: task.resources.clone(),
            container: task.container.clone(),
            limits: task.limits.clone(),
        }),
        ..Default::default()
    };
    call.set_type(call::Type::LaunchContainer);
    call
}

/// WAIT_NESTED_CONTAINER for `container_id`.
#[allow(deprecated)]
pub(crate) fn wait(container_id: &ContainerId) -> Call {
    let mut call = Call {
        wait_nested_container: Some(call::WaitNestedContainer {
            container_id: container_id.clone(),
        }),
        ..Default::default()
    };
    call.set_type(call::Type::WaitNestedContainer);
    call
}

/// KILL_NESTED_CONTAINER sending `signal` to `container_id`.
#[allow(deprecated)]
pub(crate) fn kill(container_id: &ContainerId, signal: i32) -> Call {
    let mut call = Call {
        kill_nested_container: Some(call::KillNestedContainer {
            container_id: container_id.clone(),
            signal: Some(signal),
        }),
        ..Default::default()
    };
    call.set_type(call::Type::KillNestedContainer);
    call
}

fn variable(name: &str, value: &str) -> Variable {
    Variable {
        name: name.into(),
        value: Some(value.into()),
        ..Default::default()
    }
}

/// The text of a response body (the agent's reason for an error).
pub(crate) fn body_text(response: &Response) -> String {
    response
        .full_body()
        .map(|body| String::from_utf8_lossy(body).into_owned())
        .unwrap_or_default()
}
