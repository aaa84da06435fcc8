//! A fake agent for executor tests: a libprocess process serving `/api/v1/executor` the way
//! the agent does (SUBSCRIBE answered with a RecordIO event stream that starts with
//! SUBSCRIBED; UPDATE, MESSAGE and HEARTBEAT answered 202), recording every call on a
//! channel, with controls to send events, acknowledge updates, refuse, and drop the stream.

#![allow(dead_code)]

use std::{
    sync::mpsc::{self, Receiver, Sender},
    time::Duration,
};

use common::api::{EventStream, decode_call, response_content_type};
use libprocess::{Context, Pid, Process, Request, Response, Runtime};
use proto::v1::{
    AgentInfo, ExecutorId, ExecutorInfo, FrameworkId, FrameworkInfo, TaskId,
    executor::{Call, Event, call, event},
};

/// Real-time bound on every wait in these tests.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// The fake agent's process.
pub struct FakeAgent {
    calls: Sender<Call>,
    closed: Sender<()>,
    stream: Option<EventStream>,
    /// Answer the next SUBSCRIBEs with this status instead of a stream.
    pub refuse_subscribes: Vec<u16>,
    /// Answer UPDATE calls with this status (202 by default).
    pub update_status: u16,
    /// Acknowledge every update at once.
    pub auto_acknowledge: bool,
    pub framework_capabilities: Vec<proto::v1::framework_info::capability::Type>,
}

impl Process for FakeAgent {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route("/api/v1/executor", |agent: &mut Self, ctx, request| {
            agent.serve(ctx, request)
        });
    }
}

impl FakeAgent {
    fn serve(&mut self, ctx: &mut Context<Self>, request: Request) -> Response {
        let (call, _) = match decode_call::<Call>(&request) {
            Ok(decoded) => decoded,
            Err(response) => return response,
        };
        let _ = self.calls.send(call.clone());
        match call.r#type() {
            call::Type::Subscribe => {
                if !self.refuse_subscribes.is_empty() {
                    let status = self.refuse_subscribes.remove(0);
                    return Response::text(status, "not now");
                }
                let content_type = match response_content_type(&request) {
                    Ok(content_type) => content_type,
                    Err(response) => return response,
                };
                let (response, stream) = EventStream::open(content_type, &[]);
                let mut subscribed = Event {
                    subscribed: Some(event::Subscribed {
                        executor_info: ExecutorInfo {
                            executor_id: call.executor_id.clone(),
                            ..Default::default()
                        },
                        framework_info: FrameworkInfo {
                            id: Some(call.framework_id.clone()),
                            user: "nobody".into(),
                            name: "fake".into(),
                            capabilities: self
                                .framework_capabilities
                                .iter()
                                .map(|capability| {
                                    let mut value =
                                        proto::v1::framework_info::Capability::default();
                                    value.set_type(*capability);
                                    value
                                })
                                .collect(),
                            ..Default::default()
                        },
                        agent_info: AgentInfo {
                            hostname: "fake-agent".into(),
                            ..Default::default()
                        },
                        container_id: None,
                    }),
                    ..Default::default()
                };
                subscribed.set_type(event::Type::Subscribed);
                let _ = stream.send(&subscribed);
                ctx.on_closed(stream.writer(), |agent: &mut Self, _ctx| {
                    let _ = agent.closed.send(());
                });
                self.stream = Some(stream);
                response
            }
            call::Type::Update => {
                if self.auto_acknowledge
                    && self.update_status == 202
                    && let Some(update) = &call.update
                {
                    let mut acknowledged = Event {
                        acknowledged: Some(event::Acknowledged {
                            task_id: update.status.task_id.clone(),
                            uuid: update.status.uuid.clone().unwrap_or_default(),
                        }),
                        ..Default::default()
                    };
                    acknowledged.set_type(event::Type::Acknowledged);
                    self.send(&acknowledged);
                }
                Response::new(self.update_status)
            }
            _ => Response::accepted(),
        }
    }

    fn send(&self, event: &Event) {
        if let Some(stream) = &self.stream {
            let _ = stream.send(event);
        }
    }
}

/// The test's side of a fake agent.
pub struct Agent {
    pub pid: Pid<FakeAgent>,
    pub calls: Receiver<Call>,
    /// One message each time an executor's event stream closes (the executor went away).
    pub closed: Receiver<()>,
}

impl Agent {
    /// Spawns a fake agent as `slave(1)` on `runtime`.
    pub fn spawn(runtime: &Runtime) -> Agent {
        Self::spawn_with(runtime, |_| {})
    }

    pub fn spawn_with(runtime: &Runtime, configure: impl FnOnce(&mut FakeAgent)) -> Agent {
        let (sender, calls) = mpsc::channel();
        let (closed_sender, closed) = mpsc::channel();
        let mut agent = FakeAgent {
            calls: sender,
            closed: closed_sender,
            stream: None,
            refuse_subscribes: Vec::new(),
            update_status: 202,
            auto_acknowledge: false,
            framework_capabilities: Vec::new(),
        };
        configure(&mut agent);
        let pid = runtime
            .spawn(runtime.generate_id("slave"), agent)
            .expect("spawning the fake agent");
        Agent { pid, calls, closed }
    }

    /// The next call the executor made.
    pub fn next_call(&self) -> Call {
        self.calls
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("no call from the executor within {DEADLINE:?}"))
    }

    /// The next call of type `kind`, skipping others (e.g. heartbeats).
    pub fn next_call_of(&self, kind: call::Type) -> Call {
        loop {
            let call = self.next_call();
            if call.r#type() == kind {
                return call;
            }
        }
    }

    /// Sends `event` on the current subscription's stream.
    pub fn send(&self, event: Event) {
        self.pid.run(move |agent, _ctx| agent.send(&event));
    }

    /// Acknowledges an update.
    pub fn acknowledge(&self, task_id: &TaskId, uuid: Vec<u8>) {
        let mut event = Event {
            acknowledged: Some(event::Acknowledged {
                task_id: task_id.clone(),
                uuid,
            }),
            ..Default::default()
        };
        event.set_type(event::Type::Acknowledged);
        self.send(event);
    }

    /// Writes raw bytes on the stream (to test broken events and framing).
    pub fn send_raw(&self, bytes: &'static [u8]) {
        self.pid.run(move |agent, _ctx| {
            if let Some(stream) = &agent.stream {
                let _ = stream.writer().write(bytes);
            }
        });
    }

    /// Closes the current stream (as an agent that restarts or drops the executor).
    pub fn close_stream(&self) {
        self.pid.run(|agent, _ctx| agent.stream = None);
    }

    /// Changes the fake's behaviour.
    pub fn configure(&self, change: impl FnOnce(&mut FakeAgent) + Send + 'static) {
        self.pid.run(move |agent, _ctx| change(agent));
    }
}

/// The environment an agent gives an executor, pointing at `agent`.
pub fn environment(runtime: &Runtime, agent: &Agent, checkpoint: bool) -> Vec<(String, String)> {
    vec![
        ("MESOS_FRAMEWORK_ID".into(), "framework-0000".into()),
        ("MESOS_EXECUTOR_ID".into(), "executor-1".into()),
        ("MESOS_SLAVE_PID".into(), agent.pid.upid().to_string()),
        ("MESOS_AGENT_ENDPOINT".into(), runtime.address().to_string()),
        (
            "MESOS_CHECKPOINT".into(),
            if checkpoint { "1" } else { "0" }.into(),
        ),
        ("MESOS_RECOVERY_TIMEOUT".into(), "1mins".into()),
        ("MESOS_SUBSCRIPTION_BACKOFF_MAX".into(), "2secs".into()),
        (
            "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD".into(),
            "5secs".into(),
        ),
    ]
}

/// A LAUNCH event for a command task.
pub fn launch(task_id: &str, command: proto::v1::CommandInfo) -> Event {
    let mut event = Event {
        launch: Some(event::Launch {
            task: proto::v1::TaskInfo {
                name: task_id.into(),
                task_id: TaskId {
                    value: task_id.into(),
                },
                command: Some(command),
                ..Default::default()
            },
        }),
        ..Default::default()
    };
    event.set_type(event::Type::Launch);
    event
}

/// An event with only a type (SHUTDOWN, HEARTBEAT).
pub fn bare(kind: event::Type) -> Event {
    let mut event = Event::default();
    event.set_type(kind);
    event
}

pub fn framework_id() -> FrameworkId {
    FrameworkId {
        value: "framework-0000".into(),
    }
}

pub fn executor_id() -> ExecutorId {
    ExecutorId {
        value: "executor-1".into(),
    }
}
