//! The v1 executor API, `POST /api/v1/executor` (mesos.md 3.3, clients.md 3): SUBSCRIBE opens
//! the executor's event stream; UPDATE and MESSAGE answer 202; bad calls answer as Mesos
//! does (400 naming what is wrong, 403 for an executor not subscribed, 405/406/415).

use common::api::{EventStream, decode_call, response_content_type};
use libprocess::{Context, Request, Response};
use proto::{
    convert::devolve,
    v0::{TaskStatus, task_status::Source},
    v1::executor::{Call, call},
};

use crate::{
    books::ExecutorState,
    process::{Agent, UpdateOrigin},
    updates::executor_update,
};

/// Mesos's `validateExecutorCall`: what every call and each call type must carry.
pub(crate) fn validate(call: &Call) -> Result<(), String> {
    let Some(kind) = call.r#type else {
        return Err("Expecting 'type' to be present".into());
    };
    match call::Type::try_from(kind) {
        Ok(call::Type::Subscribe) if call.subscribe.is_none() => {
            Err("Expecting 'subscribe' to be present".into())
        }
        Ok(call::Type::Message) if call.message.is_none() => {
            Err("Expecting 'message' to be present".into())
        }
        Ok(call::Type::Update) => {
            let Some(update) = &call.update else {
                return Err("Expecting 'update' to be present".into());
            };
            let status = &update.status;
            let Some(uuid) = &status.uuid else {
                return Err("Expecting 'uuid' to be present".into());
            };
            if uuid.len() != 16 {
                return Err(format!(
                    "Not a valid UUID: expecting 16 bytes in 'uuid', got {}",
                    uuid.len()
                ));
            }
            let executor_id = &call.executor_id.value;
            let framework_id = &call.framework_id.value;
            if let Some(status_executor) = &status.executor_id
                && status_executor.value != *executor_id
            {
                return Err(format!(
                    "ExecutorID in Call: {executor_id} does not match ExecutorID in \
                     TaskStatus: {}",
                    status_executor.value
                ));
            }
            if status.source != Some(Source::Executor as i32) {
                return Err(format!(
                    "Received Call from executor {executor_id} of framework {framework_id} \
                     with invalid source, expecting 'SOURCE_EXECUTOR'"
                ));
            }
            if status.state == proto::v1::TaskState::TaskStaging as i32 {
                return Err(format!(
                    "Received TASK_STAGING from executor {executor_id} of framework \
                     {framework_id} which is not allowed"
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

impl Agent {
    /// Handles one executor API request.
    pub(crate) fn executor_api(&mut self, ctx: &mut Context<Self>, request: &Request) -> Response {
        let (call, _content_type) = match decode_call::<Call>(request) {
            Ok(decoded) => decoded,
            Err(response) => return response,
        };
        if let Err(error) = validate(&call) {
            return Response::bad_request(format!("Failed to validate Executor::Call: {error}"));
        }
        let kind = call.r#type.and_then(|kind| call::Type::try_from(kind).ok());
        let accept = match kind {
            Some(call::Type::Subscribe) => match response_content_type(request) {
                Ok(accept) => Some(accept),
                Err(response) => return response,
            },
            // Heartbeats may carry made-up ids (Mesos's executor library does): no lookup.
            Some(call::Type::Heartbeat) => return Response::accepted(),
            _ => None,
        };
        let framework_id = call.framework_id.value.clone();
        let executor_id = call.executor_id.value.clone();
        if self.books.framework(&framework_id).is_none() {
            return Response::bad_request("Framework cannot be found");
        }
        let Some(executor) = self.books.executor(&framework_id, &executor_id) else {
            return Response::bad_request("Executor cannot be found");
        };
        if executor.state == ExecutorState::Registering && kind != Some(call::Type::Subscribe) {
            return Response::text(403, "Executor is not subscribed");
        }
        match (kind, accept) {
            (Some(call::Type::Subscribe), Some(accept)) => {
                let subscribe = call.subscribe.unwrap_or_default();
                let framework = call.framework_id.clone();
                let agent_id = self.agent_id().to_owned();
                let now = Self::now_secs(ctx);
                let updates = subscribe
                    .unacknowledged_updates
                    .iter()
                    .map(|update| {
                        let status: TaskStatus = devolve(&update.status);
                        executor_update(&devolve(&framework), status, &agent_id, now)
                    })
                    .collect();
                let tasks = subscribe
                    .unacknowledged_tasks
                    .iter()
                    .map(|task| task.task_id.value.clone())
                    .collect();
                let (response, stream) = EventStream::open(accept, &[]);
                self.subscribe(ctx, stream, &framework_id, &executor_id, updates, tasks);
                response
            }
            (Some(call::Type::Update), _) => {
                let Some(update) = call.update else {
                    return Response::bad_request("Expecting 'update' to be present");
                };
                let status: TaskStatus = devolve(&update.status);
                let update = executor_update(
                    &devolve(&call.framework_id),
                    status,
                    self.agent_id(),
                    Self::now_secs(ctx),
                );
                self.status_update(ctx, update, UpdateOrigin::Executor);
                Response::accepted()
            }
            (Some(call::Type::Message), _) => {
                let data = call.message.map(|message| message.data).unwrap_or_default();
                self.executor_message(ctx, &framework_id, &executor_id, data);
                Response::accepted()
            }
            _ => Response::text(501, "Unknown call type"),
        }
    }
}

#[cfg(test)]
mod tests {
    use proto::v1::{ExecutorId, FrameworkId, TaskId, TaskState, TaskStatus, task_status};

    use super::*;

    fn update_call(status: TaskStatus) -> Call {
        Call {
            executor_id: ExecutorId { value: "e".into() },
            framework_id: FrameworkId { value: "f".into() },
            r#type: Some(call::Type::Update as i32),
            update: Some(call::Update { status }),
            ..Default::default()
        }
    }

    fn status() -> TaskStatus {
        TaskStatus {
            task_id: TaskId { value: "t".into() },
            state: TaskState::TaskRunning as i32,
            uuid: Some(vec![7; 16]),
            source: Some(task_status::Source::Executor as i32),
            ..Default::default()
        }
    }

    #[test]
    fn validation_follows_mesos() {
        assert_eq!(validate(&update_call(status())), Ok(()));
        let cases: Vec<(TaskStatus, &str)> = vec![
            (
                TaskStatus {
                    uuid: None,
                    ..status()
                },
                "Expecting 'uuid' to be present",
            ),
            (
                TaskStatus {
                    uuid: Some(vec![1; 3]),
                    ..status()
                },
                "Not a valid UUID",
            ),
            (
                TaskStatus {
                    executor_id: Some(ExecutorId {
                        value: "other".into(),
                    }),
                    ..status()
                },
                "does not match ExecutorID in TaskStatus: other",
            ),
            (
                TaskStatus {
                    source: Some(task_status::Source::Agent as i32),
                    ..status()
                },
                "with invalid source, expecting 'SOURCE_EXECUTOR'",
            ),
            (
                TaskStatus {
                    state: TaskState::TaskStaging as i32,
                    ..status()
                },
                "Received TASK_STAGING from executor e of framework f which is not allowed",
            ),
        ];
        for (status, expected) in cases {
            let error = validate(&update_call(status)).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
        let mut no_type = update_call(status());
        no_type.r#type = None;
        assert_eq!(
            validate(&no_type),
            Err("Expecting 'type' to be present".into())
        );
        let mut no_subscribe = update_call(status());
        no_subscribe.r#type = Some(call::Type::Subscribe as i32);
        assert_eq!(
            validate(&no_subscribe),
            Err("Expecting 'subscribe' to be present".into())
        );
        let mut no_message = update_call(status());
        no_message.r#type = Some(call::Type::Message as i32);
        assert_eq!(
            validate(&no_message),
            Err("Expecting 'message' to be present".into())
        );
    }
}
