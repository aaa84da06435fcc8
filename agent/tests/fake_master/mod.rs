//! A real agent (Mesos containerizer, posix launcher, running clock) registered with a fake
//! master: a process that records every message the agent sends it, so real-process tests
//! play the master's side of the internal protocol by hand. Shared by the real-process test
//! binaries; each adds the calls its story needs.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use agent::AgentOptions;
use containerizer::{Containerizer, MesosContainerizer, MesosContainerizerOptions};
use detector::StandaloneDetector;
use libprocess::{Context, Message, Process, Runtime, Upid};
use prost::Name;
use proto::{
    internal::{MasterSlaveConnection, RegisterSlaveMessage, SlaveRegisteredMessage},
    v0::SlaveId,
};
use resources::Resources;

/// The id the fake master gives the agent.
pub const AGENT_ID: &str = "M-S0";

/// The fake master: keeps every message it receives.
#[derive(Clone, Default)]
pub struct Recorder {
    seen: Arc<Mutex<Vec<Message>>>,
}

impl Process for Recorder {
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        self.seen.lock().unwrap().push(message);
    }
}

impl Recorder {
    /// Every message of type `M` received so far, in order.
    pub fn messages<M: prost::Message + Name + Default>(&self) -> Vec<M> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|message| message.name == M::full_name())
            .map(|message| M::decode(message.body.as_ref()).unwrap())
            .collect()
    }
}

/// Polls `condition` until it holds; panics naming `what` after `deadline`.
pub fn wait_until(what: &str, deadline: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + deadline;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A real agent with `cpus:2;mem:1024;disk:1024` in a temporary work dir, registered as
/// [`AGENT_ID`] with the fake master.
pub struct RealAgent {
    pub runtime: Runtime,
    pub master: Upid,
    pub agent: Upid,
    pub recorder: Recorder,
    pub containerizer: MesosContainerizer,
    pub work_dir: tempfile::TempDir,
    /// How long teardown waits for each leftover container to be destroyed.
    deadline: Duration,
}

impl RealAgent {
    /// Starts the agent with options `configure` adjusts, waits (up to `deadline`) for its
    /// first registration attempt and answers it.
    pub fn start(deadline: Duration, configure: impl FnOnce(&mut AgentOptions)) -> RealAgent {
        let runtime = Runtime::builder().workers(2).build().unwrap();
        let recorder = Recorder::default();
        let master = runtime
            .spawn("master", recorder.clone())
            .unwrap()
            .upid()
            .clone();
        let work_dir = tempfile::tempdir().unwrap();
        let mut options = AgentOptions::new(
            work_dir.path().join("agent"),
            Resources::parse_unreserved("cpus:2;mem:1024;disk:1024").unwrap(),
        );
        options.registration_backoff_factor = Duration::from_millis(10);
        configure(&mut options);
        let containerizer = MesosContainerizer::new(
            &runtime,
            MesosContainerizerOptions {
                destroy_grace_period: Duration::from_millis(500),
            },
        )
        .unwrap();
        let agent = agent::serve(
            &runtime,
            options,
            Arc::new(containerizer.clone()),
            Arc::new(StandaloneDetector::new(Some(master.clone()))),
        )
        .unwrap()
        .upid()
        .clone();
        let started = RealAgent {
            runtime,
            master,
            agent,
            recorder,
            containerizer,
            work_dir,
            deadline,
        };
        wait_until("a registration attempt", deadline, || {
            !started
                .recorder
                .messages::<RegisterSlaveMessage>()
                .is_empty()
        });
        started.send(&SlaveRegisteredMessage {
            slave_id: SlaveId {
                value: AGENT_ID.into(),
            },
            connection: Some(MasterSlaveConnection {
                total_ping_timeout_seconds: Some(75.0),
            }),
        });
        started
    }

    /// Sends `message` to the agent as the master.
    pub fn send<M: prost::Message + Name>(&self, message: &M) {
        self.runtime.send_from(
            &self.master,
            &self.agent,
            M::full_name(),
            message.encode_to_vec(),
        );
    }

    /// The latest run's sandbox of `executor` of framework `M-0000`.
    pub fn sandbox(&self, executor: &str) -> PathBuf {
        self.work_dir.path().join(format!(
            "agent/slaves/{AGENT_ID}/frameworks/M-0000/executors/{executor}/runs/latest"
        ))
    }
}

impl Drop for RealAgent {
    fn drop(&mut self) {
        // Nothing the test started outlives it, even when it failed half-way.
        if let Ok(Ok(containers)) = self.containerizer.containers().block_timeout(self.deadline) {
            for container in containers.iter().filter(|c| c.parent.is_none()) {
                let _ = self
                    .containerizer
                    .destroy(container)
                    .block_timeout(self.deadline);
            }
        }
        self.runtime.shutdown();
    }
}
