//! A test process that plays an agent: it registers with the master, answers pings (unless
//! told not to), and records every message it receives so tests can assert on them. Tests send
//! "its" messages to the master with `Runtime::send_from`.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use libprocess::{Context, Message, Process, Runtime, Upid};
use prost::{Message as _, Name};
use proto::{
    internal::{PingSlaveMessage, PongSlaveMessage, RegisterSlaveMessage, ReregisterSlaveMessage},
    v0::SlaveInfo,
};

/// What a fake agent received, shared with the test.
#[derive(Clone, Default)]
pub struct Inbox {
    messages: Arc<Mutex<Vec<Message>>>,
}

impl Inbox {
    /// Every received message named like `M`, decoded.
    pub fn all<M: prost::Message + Name + Default>(&self) -> Vec<M> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .filter(|message| message.name == M::full_name())
            .map(|message| M::decode(message.body.as_ref()).unwrap())
            .collect()
    }

    /// The last received message named like `M`.
    pub fn last<M: prost::Message + Name + Default>(&self) -> Option<M> {
        self.all::<M>().pop()
    }

    /// How many messages named like `M` arrived.
    pub fn count<M: prost::Message + Name + Default>(&self) -> usize {
        self.all::<M>().len()
    }

    /// Forgets everything received so far.
    pub fn clear(&self) {
        self.messages.lock().unwrap().clear();
    }

    /// Records `message` (for other fake processes sharing this inbox type).
    pub fn push(&self, message: Message) {
        self.messages.lock().unwrap().push(message);
    }
}

/// The fake agent process.
pub struct FakeAgent {
    master: Upid,
    first: Option<FirstMessage>,
    inbox: Inbox,
    answer_pings: Arc<AtomicBool>,
}

/// What the fake agent sends when it starts.
pub enum FirstMessage {
    /// A registration.
    Register(Box<RegisterSlaveMessage>),
    /// A reregistration.
    Reregister(Box<ReregisterSlaveMessage>),
}

/// The test's side of a fake agent.
#[derive(Clone)]
pub struct AgentHandle {
    /// The agent's pid.
    pub pid: Upid,
    /// What it received.
    pub inbox: Inbox,
    /// Whether it answers pings.
    pub answer_pings: Arc<AtomicBool>,
}

impl AgentHandle {
    /// Spawns a fake agent as `slave(N)` that sends `first` to `master`.
    pub fn spawn(runtime: &Runtime, master: &Upid, first: FirstMessage) -> AgentHandle {
        Self::spawn_as(runtime, &runtime.generate_id("slave"), master, first)
    }

    /// Spawns a fake agent with process id `id`.
    pub fn spawn_as(
        runtime: &Runtime,
        id: &str,
        master: &Upid,
        first: FirstMessage,
    ) -> AgentHandle {
        let inbox = Inbox::default();
        let answer_pings = Arc::new(AtomicBool::new(true));
        let agent = FakeAgent {
            master: master.clone(),
            first: Some(first),
            inbox: inbox.clone(),
            answer_pings: answer_pings.clone(),
        };
        let pid = runtime.spawn(id, agent).unwrap();
        AgentHandle {
            pid: pid.upid().clone(),
            inbox,
            answer_pings,
        }
    }

    /// Stops answering pings (a partitioned agent).
    pub fn stop_answering_pings(&self) {
        self.answer_pings.store(false, Ordering::SeqCst);
    }
}

/// A registration message for an agent on `hostname` with `resources` (text form).
pub fn register_message(hostname: &str, resources: &str) -> RegisterSlaveMessage {
    let resources = resources::Resources::parse(resources, &resources::Role::star()).unwrap();
    RegisterSlaveMessage {
        slave: SlaveInfo {
            hostname: hostname.into(),
            port: Some(5051),
            resources: resources.to_proto_v0(),
            ..SlaveInfo::default()
        },
        version: Some("1.11.0".into()),
        ..RegisterSlaveMessage::default()
    }
}

impl Process for FakeAgent {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        match self.first.take() {
            Some(FirstMessage::Register(message)) => ctx.send_protobuf(&self.master, &*message),
            Some(FirstMessage::Reregister(message)) => ctx.send_protobuf(&self.master, &*message),
            None => {}
        }
    }

    fn unhandled(&mut self, ctx: &mut Context<Self>, message: Message) {
        if message.name == PingSlaveMessage::full_name() && self.answer_pings.load(Ordering::SeqCst)
        {
            ctx.send(
                &message.from,
                PongSlaveMessage::full_name(),
                PongSlaveMessage {}.encode_to_vec(),
            );
        }
        self.inbox.messages.lock().unwrap().push(message);
    }
}

impl AgentHandle {
    /// Sends `message` to the master as if from this agent.
    pub fn send<M: prost::Message + Name>(&self, runtime: &Runtime, master: &Upid, message: &M) {
        runtime.send_from(&self.pid, master, M::full_name(), message.encode_to_vec());
    }

    /// A status update from this agent, as its status update manager would send it: a fresh
    /// 16-byte uuid, `latest_state` set, the agent's pid.
    pub fn status_update(
        &self,
        agent_id: &str,
        framework_id: &str,
        task_id: &str,
        state: proto::v0::TaskState,
    ) -> proto::internal::StatusUpdateMessage {
        use proto::v0::{FrameworkId, SlaveId, TaskId, TaskStatus, task_status::Source};
        let uuid = uuid::Uuid::new_v4().as_bytes().to_vec();
        proto::internal::StatusUpdateMessage {
            update: proto::internal::StatusUpdate {
                framework_id: FrameworkId {
                    value: framework_id.into(),
                },
                executor_id: None,
                slave_id: Some(SlaveId {
                    value: agent_id.into(),
                }),
                status: TaskStatus {
                    task_id: TaskId {
                        value: task_id.into(),
                    },
                    state: state as i32,
                    source: Some(Source::Executor as i32),
                    slave_id: Some(SlaveId {
                        value: agent_id.into(),
                    }),
                    timestamp: Some(1.0),
                    uuid: Some(uuid.clone()),
                    data: Some(b"payload".to_vec()),
                    ..TaskStatus::default()
                },
                timestamp: 1.0,
                uuid: Some(uuid),
                latest_state: Some(state as i32),
            },
            pid: Some(self.pid.to_string()),
        }
    }
}
