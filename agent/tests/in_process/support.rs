//! The harness of the in-process agent tests: one paused-clock runtime with a recording
//! process playing the master, an agent with a `FakeContainerizer`, and fake executors that
//! drive `/api/v1/executor` through `Runtime::http`.

#![allow(dead_code)]

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use agent::AgentOptions;
use containerizer::{ContainerConfig, ContainerId, FakeContainerizer};
use detector::StandaloneDetector;
use libprocess::{
    Context, Message, Process, Request, Response, Runtime, StreamReader, Upid, http::Body,
};
use prost::Name;
use proto::{
    codec::ContentType,
    internal::{
        MasterSlaveConnection, RegisterSlaveMessage, RunTaskMessage, SlaveRegisteredMessage,
        StatusUpdateAcknowledgementMessage, StatusUpdateMessage,
    },
    recordio,
    v0::{CommandInfo, FrameworkId, FrameworkInfo, SlaveId, TaskId, TaskInfo, TaskState},
    v1::{self, executor::Call, executor::Event, executor::call, executor::event},
};
use resources::Resources;

/// What the recording master got, with when (on the runtime's clock).
#[derive(Clone)]
pub struct Received {
    pub message: Message,
    pub at: SystemTime,
}

/// Plays the master: records every message.
#[derive(Clone, Default)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Received>>>,
}

impl Recorder {
    /// The messages of type `M` this recorder got.
    pub fn messages<M: prost::Message + Name + Default>(&self) -> Vec<M> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|received| received.message.name == M::full_name())
            .map(|received| M::decode(received.message.body.as_ref()).expect("decodes"))
            .collect()
    }
}

impl Process for Recorder {
    fn unhandled(&mut self, ctx: &mut Context<Self>, message: Message) {
        let at = ctx.runtime().clock().now();
        self.seen.lock().unwrap().push(Received { message, at });
    }
}

/// The agent under test and everything around it.
pub struct Harness {
    pub runtime: Runtime,
    pub master: Upid,
    pub recorder: Recorder,
    pub containerizer: FakeContainerizer,
    pub detector: StandaloneDetector,
    pub agent: Upid,
    pub agent_pid: libprocess::Pid<agent::Agent>,
    pub work_dir: tempfile::TempDir,
    pub agent_id: String,
}

/// How long settling may take before the test fails.
pub const SETTLE_DEADLINE: Duration = Duration::from_secs(30);

pub const RESOURCES: &str = "cpus:4;mem:4096;disk:8192;ports:[31000-32000]";
pub const FRAMEWORK: &str = "M-0000";

impl Harness {
    /// An agent (not yet registered) with default options.
    pub fn start() -> Harness {
        Harness::start_with(|_| {})
    }

    /// An agent with options adjusted by `adjust`.
    pub fn start_with(adjust: impl FnOnce(&mut AgentOptions)) -> Harness {
        let runtime = Runtime::builder().workers(2).build().expect("runtime");
        runtime.clock().pause();
        let recorder = Recorder::default();
        let master = runtime
            .spawn("master", recorder.clone())
            .expect("master")
            .upid()
            .clone();
        let work_dir = tempfile::tempdir().expect("work dir");
        let mut options = AgentOptions::new(
            work_dir.path().join("agent"),
            Resources::parse_unreserved(RESOURCES).unwrap(),
        );
        options.launcher_dir = work_dir.path().join("libexec");
        options.seed = Some(42);
        options.hostname = "agent.test".into();
        adjust(&mut options);
        let containerizer = FakeContainerizer::new();
        let detector = StandaloneDetector::new(Some(master.clone()));
        let agent_pid = agent::serve(
            &runtime,
            options,
            Arc::new(containerizer.clone()),
            Arc::new(detector.clone()),
        )
        .expect("agent starts");
        let agent = agent_pid.upid().clone();
        let harness = Harness {
            runtime,
            master,
            recorder,
            containerizer,
            detector,
            agent,
            agent_pid,
            work_dir,
            agent_id: String::new(),
        };
        harness.settle();
        harness
    }

    /// Waits until the runtime is quiet; fails the test (instead of hanging) if it does not
    /// get quiet within [`SETTLE_DEADLINE`], e.g. because a handler panicked.
    pub fn settle(&self) {
        let (done, settled) = std::sync::mpsc::channel();
        let clock = self.runtime.clock().clone();
        std::thread::spawn(move || {
            clock.settle_blocking();
            let _ = done.send(());
        });
        settled
            .recv_timeout(SETTLE_DEADLINE)
            .expect("the runtime did not settle (did a handler panic?)");
    }

    /// Moves the clock forward and lets everything due run.
    pub fn advance(&self, duration: Duration) {
        self.runtime.clock().advance(duration);
        self.settle();
    }

    /// Sends `message` to the agent as the master.
    pub fn send<M: prost::Message + Name>(&self, message: &M) {
        self.send_from(&self.master, message);
    }

    /// Sends `message` to the agent as `from`.
    pub fn send_from<M: prost::Message + Name>(&self, from: &Upid, message: &M) {
        self.runtime
            .send_from(from, &self.agent, M::full_name(), message.encode_to_vec());
        self.settle();
    }

    /// Every message of type `M` the master got, in order, with when.
    pub fn received<M: prost::Message + Name + Default>(&self) -> Vec<(M, SystemTime)> {
        self.recorder
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|received| received.message.name == M::full_name())
            .map(|received| {
                (
                    M::decode(received.message.body.as_ref()).expect("decodes"),
                    received.at,
                )
            })
            .collect()
    }

    /// Every message of type `M` the master got, in order.
    pub fn messages<M: prost::Message + Name + Default>(&self) -> Vec<M> {
        self.received::<M>().into_iter().map(|(m, _)| m).collect()
    }

    /// Stops the master process (its link to the agent breaks) and starts a fresh one with
    /// the same id and an empty record.
    pub fn restart_master(&mut self) {
        assert!(self.runtime.terminate(&self.master));
        self.runtime
            .wait(&self.master)
            .block()
            .expect("master stopped");
        self.settle();
        self.recorder = Recorder::default();
        self.runtime
            .spawn("master", self.recorder.clone())
            .expect("master respawned");
        self.settle();
    }

    /// A recording process with id `id` (e.g. a ping observer or another master).
    pub fn spawn_recorder(&self, id: &str) -> (Upid, Recorder) {
        let recorder = Recorder::default();
        let upid = self
            .runtime
            .spawn(id, recorder.clone())
            .expect("recorder")
            .upid()
            .clone();
        (upid, recorder)
    }

    /// A metric of `/metrics/snapshot`.
    pub fn metric(&self, key: &str) -> f64 {
        let (status, snapshot) = self.get("/metrics/snapshot");
        assert_eq!(status, 200);
        snapshot[key]
            .as_f64()
            .unwrap_or_else(|| panic!("no metric {key} in {snapshot}"))
    }

    /// Forgets what the master got so far.
    pub fn clear(&self) {
        self.recorder.seen.lock().unwrap().clear();
    }

    /// Lets the first registration attempt happen and admits the agent as `<M>-S0`.
    pub fn register(&mut self) {
        self.advance(Duration::from_secs(1));
        let registrations = self.messages::<RegisterSlaveMessage>();
        assert_eq!(registrations.len(), 1, "one registration attempt within 1s");
        self.agent_id = "M-S0".into();
        self.send(&SlaveRegisteredMessage {
            slave_id: SlaveId {
                value: self.agent_id.clone(),
            },
            connection: Some(MasterSlaveConnection {
                total_ping_timeout_seconds: Some(75.0),
            }),
        });
    }

    /// A running agent.
    pub fn registered() -> Harness {
        let mut harness = Harness::start();
        harness.register();
        harness
    }

    pub fn framework_info(&self) -> FrameworkInfo {
        FrameworkInfo {
            user: String::new(),
            name: "test framework".into(),
            id: Some(FrameworkId {
                value: FRAMEWORK.into(),
            }),
            ..Default::default()
        }
    }

    /// A command task for this agent.
    pub fn command_task(&self, id: &str, command: &str) -> TaskInfo {
        TaskInfo {
            name: format!("task {id}"),
            task_id: TaskId { value: id.into() },
            slave_id: SlaveId {
                value: self.agent_id.clone(),
            },
            resources: Resources::parse_unreserved("cpus:1;mem:128")
                .unwrap()
                .to_proto_v0(),
            command: Some(CommandInfo {
                value: Some(command.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Sends RunTaskMessage for `task` as the master.
    pub fn run_task(&self, task: TaskInfo) {
        self.send(&RunTaskMessage {
            framework: self.framework_info(),
            task,
            ..Default::default()
        });
    }

    /// The launches so far.
    pub fn launches(&self) -> Vec<(ContainerId, ContainerConfig)> {
        self.containerizer.launches()
    }

    /// Acknowledges an update as the master would.
    pub fn acknowledge(&self, update: &StatusUpdateMessage) {
        self.send(&StatusUpdateAcknowledgementMessage {
            slave_id: SlaveId {
                value: self.agent_id.clone(),
            },
            framework_id: update.update.framework_id.clone(),
            task_id: update.update.status.task_id.clone(),
            uuid: update.update.uuid.clone().unwrap_or_default(),
        });
    }

    /// The status updates the master got: (task, state) pairs in order.
    pub fn update_states(&self) -> Vec<(String, TaskState)> {
        self.messages::<StatusUpdateMessage>()
            .iter()
            .map(|message| {
                (
                    message.update.status.task_id.value.clone(),
                    TaskState::try_from(message.update.status.state).unwrap(),
                )
            })
            .collect()
    }

    /// A GET of `path` answered by the agent's runtime.
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let response = answered(self.runtime.http(Request::get(path)));
        let body = response.full_body().cloned().unwrap_or_default();
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        (response.status, json)
    }

    /// Posts an executor call as JSON.
    pub fn call(&self, call: &Call) -> Response {
        self.post_json(&proto::json::to_string(call))
    }

    /// Posts raw JSON to `/api/v1/executor`.
    pub fn post_json(&self, body: &str) -> Response {
        let request = Request::post("/api/v1/executor", body.to_owned())
            .with_header("Content-Type", "application/json")
            .with_header("Accept", "application/json");
        let response = answered(self.runtime.http(request));
        self.settle();
        response
    }

    /// Subscribes as the executor `executor_id` of the test framework.
    pub fn subscribe(&self, executor_id: &str) -> FakeExecutor {
        let call = Call {
            executor_id: v1::ExecutorId {
                value: executor_id.into(),
            },
            framework_id: v1::FrameworkId {
                value: FRAMEWORK.into(),
            },
            r#type: Some(call::Type::Subscribe as i32),
            subscribe: Some(call::Subscribe::default()),
            ..Default::default()
        };
        let response = self.call(&call);
        assert_eq!(
            response.status,
            200,
            "SUBSCRIBE answered {:?}",
            body_text(&response)
        );
        assert_eq!(
            response.headers.get("Content-Type"),
            Some(ContentType::Json.as_str())
        );
        let Body::Stream(reader) = response.body else {
            panic!("SUBSCRIBE did not answer with a stream");
        };
        FakeExecutor {
            executor_id: executor_id.into(),
            reader,
            decoder: recordio::Decoder::new(1 << 20),
            uuid: 0,
        }
    }

    /// An executor UPDATE call for a task.
    pub fn update_call(
        &self,
        executor_id: &str,
        task_id: &str,
        state: v1::TaskState,
        uuid: u8,
    ) -> Call {
        Call {
            executor_id: v1::ExecutorId {
                value: executor_id.into(),
            },
            framework_id: v1::FrameworkId {
                value: FRAMEWORK.into(),
            },
            r#type: Some(call::Type::Update as i32),
            update: Some(call::Update {
                status: v1::TaskStatus {
                    task_id: v1::TaskId {
                        value: task_id.into(),
                    },
                    state: state as i32,
                    source: Some(v1::task_status::Source::Executor as i32),
                    uuid: Some(vec![uuid; 16]),
                    ..Default::default()
                },
            }),
            ..Default::default()
        }
    }

    /// Sends an UPDATE as the executor and expects 202.
    pub fn executor_update(
        &self,
        executor_id: &str,
        task_id: &str,
        state: v1::TaskState,
        uuid: u8,
    ) {
        let response = self.call(&self.update_call(executor_id, task_id, state, uuid));
        assert_eq!(response.status, 202, "{:?}", body_text(&response));
    }

    /// The agent's `/state`.
    pub fn state(&self) -> serde_json::Value {
        let (status, state) = self.get("/state");
        assert_eq!(status, 200);
        state
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}

/// The response, failing the test (instead of hanging) if none comes within
/// [`SETTLE_DEADLINE`], e.g. because the agent's handler panicked.
pub fn answered(response: libprocess::Future<Response>) -> Response {
    match response.block_timeout(SETTLE_DEADLINE) {
        Ok(Ok(response)) => response,
        Ok(Err(failure)) => panic!("the request failed: {failure}"),
        Err(_) => panic!("no answer within {SETTLE_DEADLINE:?} (did a handler panic?)"),
    }
}

/// The text of a response body.
pub fn body_text(response: &Response) -> String {
    response
        .full_body()
        .map(|body| String::from_utf8_lossy(body).into_owned())
        .unwrap_or_default()
}

/// An executor's end of its SUBSCRIBE stream.
pub struct FakeExecutor {
    pub executor_id: String,
    reader: StreamReader,
    decoder: recordio::Decoder,
    uuid: u8,
}

impl FakeExecutor {
    /// Every event that arrived since the last call.
    pub fn events(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(chunk) = self.reader.try_next() {
            for record in self.decoder.decode(&chunk).expect("RecordIO") {
                events.push(proto::json::from_slice::<Event>(&record).expect("an Event"));
            }
        }
        events
    }

    /// The types of the events that arrived since the last call.
    pub fn event_types(&mut self) -> Vec<event::Type> {
        self.events()
            .iter()
            .map(|event| event::Type::try_from(event.r#type.unwrap_or(0)).unwrap())
            .collect()
    }

    /// Closes the stream (the executor went away).
    pub fn disconnect(self) {}
}

/// Events queued for later inspection.
pub type Events = VecDeque<Event>;
