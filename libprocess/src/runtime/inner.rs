//! The shared state behind every `Runtime` handle: the process table, message routing
//! (local or remote), links, HTTP dispatch and built-in endpoints.

use std::{
    net::SocketAddr,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use bytes::Bytes;
use parking_lot::RwLock;

use super::{RuntimeConfig, SpawnError, SpawnOptions, system::SystemParts};
use crate::{
    Clock, Filters, Message, Metrics, Pid, Process, Runtime, Upid,
    activity::Activity,
    actor::{ProcessActor, Wakeups},
    context::Context,
    event::HttpEvent,
    future::{Future, Promise},
    hash::FastMap,
    http::{Request, Response, routing},
    id::IdGenerator,
    link::Links,
    mailbox::{Cell, Slot},
    transport::{outbound::Outbound, wire},
};

pub(crate) struct RuntimeInner {
    pub(crate) config: RuntimeConfig,
    pub(crate) address: SocketAddr,
    pub(crate) bound: SocketAddr,
    pub(crate) processes: RwLock<FastMap<Arc<str>, Arc<dyn Slot>>>,
    pub(crate) ids: IdGenerator,
    pub(crate) activity: Arc<Activity>,
    pub(crate) clock: Clock,
    pub(crate) metrics: Metrics,
    pub(crate) filters: Filters,
    pub(crate) links: Links,
    pub(crate) delegate: RwLock<Option<String>>,
    pub(crate) outbound: OnceLock<Outbound>,
    pub(crate) system: OnceLock<SystemParts>,
    pub(crate) next_worker: AtomicUsize,
    pub(crate) stopped: AtomicBool,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id
            .chars()
            .any(|c| c == '/' || c == '@' || c.is_whitespace() || c.is_control())
}

impl RuntimeInner {
    pub(crate) fn new(
        config: RuntimeConfig,
        address: SocketAddr,
        bound: SocketAddr,
    ) -> std::io::Result<Self> {
        let activity = Arc::new(Activity::default());
        Ok(Self {
            config,
            address,
            bound,
            processes: RwLock::new(FastMap::default()),
            ids: IdGenerator::default(),
            clock: Clock::new(activity.clone())?,
            activity,
            metrics: Metrics::default(),
            filters: Filters::default(),
            links: Links::default(),
            delegate: RwLock::new(None),
            outbound: OnceLock::new(),
            system: OnceLock::new(),
            next_worker: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
        })
    }

    pub(crate) fn is_local(&self, upid: &Upid) -> bool {
        upid.address() == self.address || upid.address() == self.bound
    }

    /// The live local process `upid`, if any.
    pub(crate) fn lookup(&self, upid: &Upid) -> Option<Arc<dyn Slot>> {
        if !self.is_local(upid) {
            return None;
        }
        self.processes.read().get(upid.id()).cloned()
    }

    pub(crate) fn upids(&self) -> Vec<Upid> {
        let mut upids: Vec<Upid> = self
            .processes
            .read()
            .values()
            .map(|s| s.upid().clone())
            .collect();
        upids.sort();
        upids
    }

    pub(crate) fn spawn<P: Process>(
        &self,
        runtime: Runtime,
        id: String,
        process: P,
        options: SpawnOptions,
    ) -> Result<Pid<P>, SpawnError> {
        if !valid_id(&id) {
            return Err(SpawnError::InvalidId(id));
        }
        let Some(system) = self.system.get() else {
            return Err(SpawnError::RuntimeStopped);
        };
        if self.stopped.load(Ordering::Acquire) {
            return Err(SpawnError::RuntimeStopped);
        }
        let worker = options
            .colocate_with
            .as_ref()
            .and_then(|upid| self.lookup(upid))
            .map(|slot| slot.worker())
            .unwrap_or_else(|| {
                self.next_worker.fetch_add(1, Ordering::Relaxed) % system.workers.len()
            });
        let upid = Upid::new(id.as_str(), self.address);
        let cell = Arc::new(Cell::new(upid.clone(), self.activity.clone(), worker));
        {
            let mut processes = self.processes.write();
            if processes.contains_key(id.as_str()) {
                return Err(SpawnError::DuplicateId(id));
            }
            processes.insert(upid.id_arc().clone(), cell.clone() as Arc<dyn Slot>);
            // The initialize event already sits in the mailbox: count it.
            self.activity.begin();
        }
        let actor_cell = cell.clone();
        let (wake, wakeups) = tokio::sync::mpsc::unbounded_channel();
        let wakeups = Wakeups(wakeups);
        let _ = cell.actor.set(wake);
        let _addr = <ProcessActor<P> as actix::Actor>::start_in_arbiter(
            &system.workers[worker],
            move |_| ProcessActor::new(process, Context::new(runtime, actor_cell), wakeups),
        );
        cell.wake();
        tracing::debug!(pid = %upid, "spawned process");
        Ok(Pid::from_cell(cell))
    }

    /// Removes a terminated process and tells its linkers.
    pub(crate) fn process_terminated(&self, upid: &Upid) {
        let linkers = {
            let mut links = self.links.lock();
            self.processes.write().remove(upid.id());
            links.take_terminated(upid)
        };
        for linker in linkers {
            if let Some(slot) = self.lookup(&linker) {
                slot.deliver_exited(upid.clone());
            }
        }
    }

    pub(crate) fn link(&self, linker: &Upid, linkee: &Upid, reconnect: bool) {
        if self.is_local(linkee) {
            let mut links = self.links.lock();
            if self.processes.read().contains_key(linkee.id()) {
                links.add_local(linker, linkee);
                return;
            }
            drop(links);
            if let Some(slot) = self.lookup(linker) {
                slot.deliver_exited(linkee.clone());
            }
            return;
        }
        self.links.lock().add_remote(linker, linkee);
        if let Some(outbound) = self.outbound.get() {
            if reconnect {
                outbound.reconnect(linkee.address());
            } else {
                outbound.ensure(linkee.address());
            }
        }
    }

    /// The connection to `address` broke: every linker of a process there hears `exited`.
    pub(crate) fn address_broken(&self, address: SocketAddr) {
        let pairs = self.links.lock().take_address(address);
        for (linkee, linker) in pairs {
            tracing::info!(%linkee, %linker, "link broke");
            if let Some(slot) = self.lookup(&linker) {
                slot.deliver_exited(linkee);
            }
        }
    }

    pub(crate) fn send(&self, from: &Upid, to: &Upid, name: String, body: Bytes) {
        if self.is_local(to) {
            let slot = self.processes.read().get(to.id()).cloned();
            let message = Message {
                from: from.clone(),
                to: to.clone(),
                name,
                body,
            };
            let undelivered = match slot {
                Some(slot) => slot.deliver_message(message).err(),
                None => Some(message),
            };
            if let Some(message) = undelivered {
                tracing::warn!(
                    from = %message.from, to = %message.to, name = %message.name,
                    reason = "no such process", "dropped message"
                );
            }
            return;
        }
        match self.outbound.get() {
            Some(outbound) => outbound.send(from, to, &name, &body),
            None => tracing::warn!(%to, %name, reason = "runtime stopped", "dropped message"),
        }
    }

    /// Delivers a message that came in over HTTP; `false` if there is no such process.
    pub(crate) fn deliver_inbound(&self, envelope: wire::Envelope, body: Bytes) -> bool {
        let slot = self.processes.read().get(envelope.to_id.as_str()).cloned();
        let to = Upid::new(envelope.to_id, self.address);
        let message = Message {
            from: envelope.from,
            to,
            name: envelope.name,
            body,
        };
        let undelivered = match slot {
            Some(slot) => slot.deliver_message(message).err(),
            None => Some(message),
        };
        match undelivered {
            None => true,
            Some(message) => {
                tracing::warn!(
                    from = %message.from, to = %message.to, name = %message.name,
                    reason = "no such process", "dropped message"
                );
                false
            }
        }
    }

    pub(crate) fn http(&self, request: Request) -> Future<Response> {
        if routing::is_relative(&request.path) {
            return Future::ready(Response::not_found());
        }
        if request.path.trim_end_matches('/') == "/__processes__" {
            return Future::ready(Response::json(self.processes_json()));
        }
        let (first, _) = routing::split_first_segment(&request.path);
        let id = routing::percent_decode(first).unwrap_or_default();
        let direct = if request.path == "/" {
            None
        } else {
            self.processes.read().get(id.as_str()).cloned()
        };
        let (slot, target) = match direct {
            Some(slot) => (slot, request.path.clone()),
            None => {
                let delegate = self.delegate.read().clone();
                let slot = delegate
                    .as_ref()
                    .and_then(|d| self.processes.read().get(d.as_str()).cloned());
                match (slot, delegate) {
                    (Some(slot), Some(delegate)) => (slot, format!("/{delegate}{}", request.path)),
                    _ => return Future::ready(Response::not_found()),
                }
            }
        };
        let (respond, future) = Promise::new();
        slot.deliver_http(HttpEvent {
            request,
            target,
            respond,
        });
        future
    }

    /// `/__processes__`: every live process with its queued events.
    pub(crate) fn processes_json(&self) -> String {
        let slots: Vec<Arc<dyn Slot>> = self.processes.read().values().cloned().collect();
        let mut entries: Vec<serde_json::Value> = slots
            .iter()
            .map(|slot| serde_json::json!({"id": slot.upid().id(), "events": slot.describe()}))
            .collect();
        entries.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        serde_json::Value::Array(entries).to_string()
    }
}
