//! A test process that plays a v0 scheduler driver: it records every message the master
//! sends it (`FrameworkRegisteredMessage`, `ResourceOffersMessage`, `StatusUpdateMessage`,
//! ...), and tests send "its" messages to the master with [`V0Scheduler::send`], so they come
//! from its pid.

use libprocess::{Context, Message, Process, Runtime, Upid};
use prost::Name;
use proto::{
    internal::{FrameworkRegisteredMessage, RegisterFrameworkMessage},
    v0::{FrameworkId, FrameworkInfo},
};

use super::agent::Inbox;

/// The recording process.
struct Recorder {
    inbox: Inbox,
}

impl Process for Recorder {
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        self.inbox.push(message);
    }
}

/// The test's side of a fake v0 scheduler.
pub struct V0Scheduler {
    /// Its pid.
    pub pid: Upid,
    /// What the master sent it.
    pub inbox: Inbox,
    runtime: Runtime,
    master: Upid,
}

/// A minimal v0 FrameworkInfo named `name`, with a failover timeout of `failover` seconds.
pub fn framework_info(name: &str, failover: f64) -> FrameworkInfo {
    FrameworkInfo {
        user: "tester".into(),
        name: name.into(),
        failover_timeout: Some(failover),
        ..FrameworkInfo::default()
    }
}

impl V0Scheduler {
    /// Spawns a recorder as `id` on `runtime`, talking to `master`.
    pub fn spawn(runtime: &Runtime, id: &str, master: &Upid) -> V0Scheduler {
        let inbox = Inbox::default();
        let pid = runtime
            .spawn(
                id,
                Recorder {
                    inbox: inbox.clone(),
                },
            )
            .unwrap();
        V0Scheduler {
            pid: pid.upid().clone(),
            inbox,
            runtime: runtime.clone(),
            master: master.clone(),
        }
    }

    /// Sends `message` to the master from this scheduler's pid and settles.
    pub fn send<M: prost::Message + Name>(&self, message: &M) {
        self.runtime.send_from(
            &self.pid,
            &self.master,
            M::full_name(),
            message.encode_to_vec(),
        );
        self.runtime.clock().settle_blocking();
    }

    /// Registers with `RegisterFrameworkMessage`; returns the framework id the master gave.
    pub fn register(&self, info: FrameworkInfo) -> FrameworkId {
        self.send(&RegisterFrameworkMessage { framework: info });
        self.inbox
            .last::<FrameworkRegisteredMessage>()
            .expect("no FrameworkRegisteredMessage")
            .framework_id
    }

    /// Terminates the process (the master sees its link break) and settles.
    pub fn stop(&self) {
        self.runtime.terminate(&self.pid);
        self.runtime.clock().settle_blocking();
    }
}
