//! An in-process v1 scheduler: SUBSCRIBE through `Runtime::http`, the event stream read by a
//! libprocess process with `Context::consume` (so settling the clock delivers every event the
//! master wrote), typed helpers for every call, optional automatic acknowledgements, and the
//! raw responses for tests of status codes.

use std::{collections::VecDeque, sync::Arc};

use bytes::Bytes;
use libprocess::{Body, Context, Pid, Process, Request, Response, Runtime};
use parking_lot::Mutex;
use proto::{
    codec::{self, ContentType},
    recordio::Decoder,
    v1::{
        AgentId, ExecutorId, Filters, FrameworkId, FrameworkInfo, Offer, OfferId, TaskId, TaskInfo,
        TaskStatus,
        offer::{Operation, operation},
        scheduler::{Call, Event, call, event},
    },
};

/// Where the master serves the scheduler API (the `master` process's own path, which works
/// whatever the runtime's delegate is).
pub const SCHEDULER_API: &str = "/master/api/v1/scheduler";

/// The largest event the client accepts.
const MAX_EVENT_BYTES: usize = 64 << 20;

/// What the scheduler process and the test share.
#[derive(Default)]
struct Shared {
    framework_id: Option<String>,
    stream_id: Option<String>,
    /// Events not yet read by the test.
    pending: VecDeque<Event>,
    /// Every event, in order.
    history: Vec<Event>,
    /// The stream ended (the master closed it, or the framework was torn down).
    closed: bool,
    /// The answer to SUBSCRIBE when it was not a stream.
    refused: Option<Response>,
    /// Statuses of the automatic acknowledgements that were not `202`.
    failed_acknowledgements: Vec<u16>,
}

/// The process that holds the subscription and reads its event stream.
struct SchedulerProcess {
    call: Call,
    content_type: ContentType,
    auto_acknowledge: bool,
    shared: Arc<Mutex<Shared>>,
    decoder: Decoder,
}

impl Process for SchedulerProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let request = request(self.content_type, &self.call, None);
        let response = ctx.runtime().http(request);
        ctx.then(response, |scheduler: &mut Self, ctx, response| {
            let Ok(response) = response else {
                scheduler.shared.lock().refused = Some(Response::new(503));
                return;
            };
            if response.status != 200 || !matches!(response.body, Body::Stream(_)) {
                scheduler.shared.lock().refused = Some(response);
                return;
            }
            let stream_id = response.headers.get("Mesos-Stream-Id").map(str::to_owned);
            scheduler.shared.lock().stream_id = stream_id;
            let Body::Stream(reader) = response.body else {
                return;
            };
            ctx.consume(
                reader,
                |scheduler: &mut Self, ctx, chunk: Bytes| scheduler.chunk(ctx, &chunk),
                |scheduler: &mut Self, _ctx, _end| scheduler.shared.lock().closed = true,
            );
        });
    }
}

impl SchedulerProcess {
    fn chunk(&mut self, ctx: &mut Context<Self>, chunk: &[u8]) {
        let records = match self.decoder.decode(chunk) {
            Ok(records) => records,
            Err(error) => panic!("the master's event stream is not RecordIO: {error}"),
        };
        for record in records {
            let event: Event = codec::decode(self.content_type, &record)
                .unwrap_or_else(|error| panic!("the master sent an event we cannot read: {error}"));
            self.received(ctx, event);
        }
    }

    fn received(&mut self, ctx: &mut Context<Self>, event: Event) {
        if let Some(subscribed) = &event.subscribed {
            self.shared.lock().framework_id = Some(subscribed.framework_id.value.clone());
        }
        if self.auto_acknowledge
            && let Some(update) = &event.update
            && let Some(uuid) = &update.status.uuid
        {
            let mut shared = self.shared.lock();
            let framework_id = shared.framework_id.clone().unwrap_or_default();
            let mut call = Call {
                framework_id: Some(FrameworkId {
                    value: framework_id,
                }),
                acknowledge: Some(call::Acknowledge {
                    agent_id: update.status.agent_id.clone().unwrap_or_default(),
                    task_id: update.status.task_id.clone(),
                    uuid: uuid.clone(),
                }),
                ..Default::default()
            };
            call.set_type(call::Type::Acknowledge);
            let stream_id = shared.stream_id.clone();
            shared.pending.push_back(event.clone());
            shared.history.push(event);
            drop(shared);
            let response =
                ctx.runtime()
                    .http(request(self.content_type, &call, stream_id.as_deref()));
            ctx.then(response, |scheduler: &mut Self, _ctx, response| {
                let status = response.map_or(503, |response| response.status);
                if status != 202 {
                    scheduler.shared.lock().failed_acknowledgements.push(status);
                }
            });
            return;
        }
        let mut shared = self.shared.lock();
        shared.pending.push_back(event.clone());
        shared.history.push(event);
    }
}

/// A request to the scheduler API carrying `call`.
fn request(content_type: ContentType, call: &Call, stream_id: Option<&str>) -> Request {
    let mut request = Request::post(SCHEDULER_API, codec::encode(content_type, call))
        .with_header("Content-Type", content_type.as_str())
        .with_header("Accept", content_type.as_str());
    if let Some(stream_id) = stream_id {
        request = request.with_header("Mesos-Stream-Id", stream_id);
    }
    request
}

/// How to subscribe.
#[derive(Debug, Clone)]
pub struct SubscribeOptions {
    /// JSON (pymesos's choice) or protobuf.
    pub content_type: ContentType,
    /// Acknowledge every update that carries a uuid as it arrives.
    pub auto_acknowledge: bool,
}

impl Default for SubscribeOptions {
    fn default() -> Self {
        Self {
            content_type: ContentType::Json,
            auto_acknowledge: true,
        }
    }
}

/// A v1 scheduler subscribed to the master of an in-process cluster. Events arrive while
/// the runtime runs; after a settle every event the master sent is readable.
pub struct Scheduler {
    runtime: Runtime,
    process: Pid<SchedulerProcess>,
    shared: Arc<Mutex<Shared>>,
    content_type: ContentType,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("framework_id", &self.shared.lock().framework_id)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    /// Sends SUBSCRIBE for `framework_info` (with its `id` set: a re-subscription, i.e. a
    /// failover) and settles. `Err` with the master's answer when it is not a stream.
    pub fn try_subscribe(
        runtime: &Runtime,
        framework_info: FrameworkInfo,
        options: SubscribeOptions,
    ) -> Result<Scheduler, Response> {
        let mut call = Call {
            framework_id: framework_info.id.clone(),
            subscribe: Some(call::Subscribe {
                framework_info,
                ..Default::default()
            }),
            ..Default::default()
        };
        call.set_type(call::Type::Subscribe);
        Scheduler::try_subscribe_with(runtime, call, options)
    }

    /// Sends `call` as a SUBSCRIBE as is (to test how the master answers odd ones).
    pub fn try_subscribe_with(
        runtime: &Runtime,
        call: Call,
        options: SubscribeOptions,
    ) -> Result<Scheduler, Response> {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let process = runtime
            .spawn(
                runtime.generate_id("scheduler"),
                SchedulerProcess {
                    call,
                    content_type: options.content_type,
                    auto_acknowledge: options.auto_acknowledge,
                    shared: shared.clone(),
                    decoder: Decoder::new(MAX_EVENT_BYTES),
                },
            )
            .expect("the runtime is running");
        let scheduler = Scheduler {
            runtime: runtime.clone(),
            process,
            shared,
            content_type: options.content_type,
        };
        crate::settle(runtime);
        if let Some(refused) = scheduler.shared.lock().refused.take() {
            return Err(refused);
        }
        Ok(scheduler)
    }

    /// [`try_subscribe`](Self::try_subscribe) that panics unless SUBSCRIBED arrives.
    pub fn subscribe(
        runtime: &Runtime,
        framework_info: FrameworkInfo,
        options: SubscribeOptions,
    ) -> Scheduler {
        let scheduler =
            Scheduler::try_subscribe(runtime, framework_info, options).unwrap_or_else(|response| {
                panic!(
                    "SUBSCRIBE refused: {} {}",
                    response.status,
                    body_text(&response)
                )
            });
        assert!(
            scheduler.shared.lock().framework_id.is_some(),
            "no SUBSCRIBED event after settling"
        );
        scheduler
    }

    /// The framework id from SUBSCRIBED.
    pub fn framework_id(&self) -> String {
        self.shared.lock().framework_id.clone().unwrap_or_default()
    }

    /// The `Mesos-Stream-Id` of the subscription.
    pub fn stream_id(&self) -> String {
        self.shared.lock().stream_id.clone().unwrap_or_default()
    }

    /// Whether the master ended the event stream.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }

    /// Statuses of automatic acknowledgements the master did not accept with `202`.
    pub fn failed_acknowledgements(&self) -> Vec<u16> {
        self.shared.lock().failed_acknowledgements.clone()
    }

    /// Every event so far (read or not), in order.
    pub fn history(&self) -> Vec<Event> {
        self.shared.lock().history.clone()
    }

    /// The events not read yet, in order (they are then read).
    pub fn events(&self) -> Vec<Event> {
        self.shared.lock().pending.drain(..).collect()
    }

    /// The unread events of type `kind` (they are then read; others stay unread).
    pub fn events_of(&self, kind: event::Type) -> Vec<Event> {
        let mut shared = self.shared.lock();
        let (wanted, others): (Vec<Event>, Vec<Event>) = shared
            .pending
            .drain(..)
            .partition(|event| event.r#type() == kind);
        shared.pending = others.into();
        wanted
    }

    /// The offers of the unread OFFERS events.
    pub fn offers(&self) -> Vec<Offer> {
        self.events_of(event::Type::Offers)
            .into_iter()
            .filter_map(|event| event.offers)
            .flat_map(|offers| offers.offers)
            .collect()
    }

    /// The statuses of the unread UPDATE events.
    pub fn updates(&self) -> Vec<TaskStatus> {
        self.events_of(event::Type::Update)
            .into_iter()
            .filter_map(|event| event.update)
            .map(|update| update.status)
            .collect()
    }

    /// The offer ids of the unread RESCIND events.
    pub fn rescinds(&self) -> Vec<String> {
        self.events_of(event::Type::Rescind)
            .into_iter()
            .filter_map(|event| event.rescind)
            .map(|rescind| rescind.offer_id.value)
            .collect()
    }

    /// Sends `call` (its `framework_id` and the stream id filled in), settles, and returns
    /// the master's answer.
    pub fn call(&self, mut call: Call) -> Response {
        if call.framework_id.is_none() {
            call.framework_id = Some(FrameworkId {
                value: self.framework_id(),
            });
        }
        let stream_id = self.stream_id();
        self.raw_call(&call, Some(&stream_id))
    }

    /// Sends `call` as is with the given stream id header, settles, and returns the answer.
    pub fn raw_call(&self, call: &Call, stream_id: Option<&str>) -> Response {
        let response = self
            .runtime
            .http(request(self.content_type, call, stream_id))
            .block()
            .expect("the master answers");
        crate::settle(&self.runtime);
        response
    }

    fn simple(&self, kind: call::Type, fill: impl FnOnce(&mut Call)) -> Response {
        let mut call = Call::default();
        call.set_type(kind);
        fill(&mut call);
        self.call(call)
    }

    /// ACCEPT `offer_ids` with `operations` and `filters`.
    pub fn accept(
        &self,
        offer_ids: &[OfferId],
        operations: Vec<Operation>,
        filters: Option<Filters>,
    ) -> Response {
        self.simple(call::Type::Accept, |call| {
            call.accept = Some(call::Accept {
                offer_ids: offer_ids.to_vec(),
                operations,
                filters,
            })
        })
    }

    /// ACCEPT `offer` with one LAUNCH of `tasks` (refuse_seconds 0, so what is left comes
    /// back at the next allocation).
    pub fn launch(&self, offer: &Offer, tasks: Vec<TaskInfo>) -> Response {
        self.accept(
            std::slice::from_ref(&offer.id),
            vec![launch_operation(tasks)],
            Some(Filters {
                refuse_seconds: Some(0.0),
            }),
        )
    }

    /// ACCEPT `offer` with one LAUNCH_GROUP of `tasks` on a DEFAULT executor.
    pub fn launch_group(
        &self,
        offer: &Offer,
        executor: proto::v1::ExecutorInfo,
        tasks: Vec<TaskInfo>,
    ) -> Response {
        let mut operation = Operation {
            launch_group: Some(operation::LaunchGroup {
                executor,
                task_group: proto::v1::TaskGroupInfo { tasks },
            }),
            ..Default::default()
        };
        operation.set_type(operation::Type::LaunchGroup);
        self.accept(
            std::slice::from_ref(&offer.id),
            vec![operation],
            Some(Filters {
                refuse_seconds: Some(0.0),
            }),
        )
    }

    /// DECLINE `offer_ids` with `filters`.
    pub fn decline(&self, offer_ids: &[OfferId], filters: Option<Filters>) -> Response {
        self.simple(call::Type::Decline, |call| {
            call.decline = Some(call::Decline {
                offer_ids: offer_ids.to_vec(),
                filters,
            })
        })
    }

    /// KILL `task_id` (on `agent_id`, if given).
    pub fn kill(&self, task_id: &str, agent_id: Option<&str>) -> Response {
        self.simple(call::Type::Kill, |call| {
            call.kill = Some(call::Kill {
                task_id: TaskId {
                    value: task_id.to_owned(),
                },
                agent_id: agent_id.map(|value| AgentId {
                    value: value.to_owned(),
                }),
                kill_policy: None,
            })
        })
    }

    /// ACKNOWLEDGE `status` (it must carry a uuid and an agent id).
    pub fn acknowledge(&self, status: &TaskStatus) -> Response {
        self.simple(call::Type::Acknowledge, |call| {
            call.acknowledge = Some(call::Acknowledge {
                agent_id: status.agent_id.clone().unwrap_or_default(),
                task_id: status.task_id.clone(),
                uuid: status.uuid.clone().unwrap_or_default(),
            })
        })
    }

    /// RECONCILE `tasks` (task id, optional agent id); empty = implicit reconciliation.
    pub fn reconcile(&self, tasks: &[(&str, Option<&str>)]) -> Response {
        self.simple(call::Type::Reconcile, |call| {
            call.reconcile = Some(call::Reconcile {
                tasks: tasks
                    .iter()
                    .map(|(task_id, agent_id)| call::reconcile::Task {
                        task_id: TaskId {
                            value: (*task_id).to_owned(),
                        },
                        agent_id: agent_id.map(|value| AgentId {
                            value: value.to_owned(),
                        }),
                    })
                    .collect(),
            })
        })
    }

    /// REVIVE `roles` (empty: all).
    pub fn revive(&self, roles: &[&str]) -> Response {
        self.simple(call::Type::Revive, |call| {
            call.revive = Some(call::Revive {
                roles: roles.iter().map(|role| (*role).to_owned()).collect(),
            })
        })
    }

    /// SUPPRESS `roles` (empty: all).
    pub fn suppress(&self, roles: &[&str]) -> Response {
        self.simple(call::Type::Suppress, |call| {
            call.suppress = Some(call::Suppress {
                roles: roles.iter().map(|role| (*role).to_owned()).collect(),
            })
        })
    }

    /// TEARDOWN the framework.
    pub fn teardown(&self) -> Response {
        self.simple(call::Type::Teardown, |_| {})
    }

    /// MESSAGE `data` to `executor_id` on `agent_id`.
    pub fn message(&self, agent_id: &str, executor_id: &str, data: &[u8]) -> Response {
        self.simple(call::Type::Message, |call| {
            call.message = Some(call::Message {
                agent_id: AgentId {
                    value: agent_id.to_owned(),
                },
                executor_id: ExecutorId {
                    value: executor_id.to_owned(),
                },
                data: data.to_vec(),
            })
        })
    }

    /// SHUTDOWN `executor_id` on `agent_id`.
    pub fn shutdown_executor(&self, agent_id: &str, executor_id: &str) -> Response {
        self.simple(call::Type::Shutdown, |call| {
            call.shutdown = Some(call::Shutdown {
                executor_id: ExecutorId {
                    value: executor_id.to_owned(),
                },
                agent_id: AgentId {
                    value: agent_id.to_owned(),
                },
            })
        })
    }

    /// Closes the event stream, as a scheduler that goes away (the master sees it
    /// disconnect), and settles.
    pub fn disconnect(self) {
        self.process.terminate();
        crate::settle(&self.runtime);
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.process.terminate();
    }
}

/// One LAUNCH operation of `tasks`.
pub fn launch_operation(tasks: Vec<TaskInfo>) -> Operation {
    let mut operation = Operation {
        launch: Some(operation::Launch { task_infos: tasks }),
        ..Default::default()
    };
    operation.set_type(operation::Type::Launch);
    operation
}

/// The text of a whole (non-streaming) response body.
pub fn body_text(response: &Response) -> String {
    response
        .full_body()
        .map(|body| String::from_utf8_lossy(body).into_owned())
        .unwrap_or_default()
}
