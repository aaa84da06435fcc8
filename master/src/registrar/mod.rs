//! The registrar: the process that owns the registry (agents admitted, unreachable and gone;
//! weights; quota), applies the master's operations to it and persists it through a
//! [`RegistryStore`] before answering, so the master acts only on durable decisions.
//!
//! Operations arriving while a store is being prepared are batched into one store, as Mesos's
//! registrar does. A failed store fails every operation of its batch and every later one: the
//! master treats that as fatal (Mesos aborts the master), since its books and the durable
//! registry could no longer be kept in step.

mod operations;
mod storage;

pub use operations::{Operation, OperationError, RegistryState};
pub use storage::{FileStore, InMemoryStore, RegistryStore, StoreError};

use libprocess::{Context, Future, Handle, Pid, Process, Promise, Runtime, SpawnError};
use prost::Message;
use proto::{internal::Registry, v0::MasterInfo};

/// Why the registrar could not do what it was asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistrarError {
    /// An operation arrived before `recover`.
    #[error("attempted to apply an operation before recovering the registry")]
    NotRecovered,
    /// `recover` was called twice.
    #[error("the registry was already recovered")]
    AlreadyRecovered,
    /// The operation was refused; the registry is unchanged.
    #[error("operation refused: {0}")]
    Refused(#[from] OperationError),
    /// Fetching or storing failed; the registrar accepts nothing more.
    #[error("failed to update the registry: {0}")]
    Storage(String),
}

/// Recovers the registry and records `master` as its master; answers with the registry.
#[derive(Debug)]
pub struct Recover {
    /// The recovering master's info.
    pub master: MasterInfo,
    /// Where the answer goes.
    pub reply: Promise<Result<Registry, RegistrarError>>,
}

/// Applies one operation and answers (once stored) whether it mutated the registry.
#[derive(Debug)]
pub struct Apply {
    /// The operation.
    pub operation: Operation,
    /// Where the answer goes.
    pub reply: Promise<Result<bool, RegistrarError>>,
}

/// The registrar process.
pub struct Registrar {
    store: Box<dyn RegistryStore>,
    state: Option<RegistryState>,
    pending: Vec<Apply>,
    flush_scheduled: bool,
    failure: Option<String>,
}

impl Registrar {
    /// A registrar over `store`.
    pub fn new(store: Box<dyn RegistryStore>) -> Registrar {
        Registrar {
            store,
            state: None,
            pending: Vec::new(),
            flush_scheduled: false,
            failure: None,
        }
    }

    /// Spawns a registrar over `store` as `registrar(N)` and returns its handle.
    pub fn spawn(
        runtime: &Runtime,
        store: Box<dyn RegistryStore>,
    ) -> Result<RegistrarHandle, SpawnError> {
        let pid = runtime.spawn(runtime.generate_id("registrar"), Registrar::new(store))?;
        Ok(RegistrarHandle { pid })
    }

    /// Applies every pending operation to a copy of the registry and stores it once.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        self.flush_scheduled = false;
        let batch = std::mem::take(&mut self.pending);
        if batch.is_empty() {
            return;
        }
        if let Some(failure) = &self.failure {
            for apply in batch {
                apply
                    .reply
                    .set(Err(RegistrarError::Storage(failure.clone())));
            }
            return;
        }
        let Some(current) = self.state.as_ref() else {
            for apply in batch {
                apply.reply.set(Err(RegistrarError::NotRecovered));
            }
            return;
        };
        let mut updated = current.clone();
        let results: Vec<Result<bool, OperationError>> = batch
            .iter()
            .map(|apply| updated.apply(&apply.operation))
            .collect();
        let mutated = results.iter().any(|result| matches!(result, Ok(true)));
        if mutated && let Err(error) = self.store.store(updated.registry()) {
            let message = error.to_string();
            tracing::error!(%message, "failed to store the registry");
            self.failure = Some(message.clone());
            for apply in batch {
                apply
                    .reply
                    .set(Err(RegistrarError::Storage(message.clone())));
            }
            return;
        }
        tracing::debug!(
            operations = batch.len(),
            mutated,
            "applied registry operations"
        );
        self.publish_size(ctx, updated.registry());
        self.state = Some(updated);
        for (apply, result) in batch.into_iter().zip(results) {
            apply.reply.set(result.map_err(RegistrarError::from));
        }
    }

    fn publish_size(&self, ctx: &Context<Self>, registry: &Registry) {
        ctx.runtime()
            .metrics()
            .gauge("registrar/registry_size_bytes")
            .set(registry.encoded_len() as f64);
    }
}

impl Process for Registrar {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let metrics = ctx.runtime().metrics();
        metrics.gauge("registrar/queued_operations").set(0.0);
        metrics.gauge("registrar/registry_size_bytes").set(0.0);
    }
}

impl Handle<Recover> for Registrar {
    type Reply = ();

    fn handle(&mut self, recover: Recover, ctx: &mut Context<Self>) {
        if self.state.is_some() {
            recover.reply.set(Err(RegistrarError::AlreadyRecovered));
            return;
        }
        let registry = match self.store.fetch() {
            Ok(registry) => registry,
            Err(error) => {
                let message = format!("failed to recover the registry: {error}");
                tracing::error!(%message);
                self.failure = Some(message.clone());
                recover.reply.set(Err(RegistrarError::Storage(message)));
                return;
            }
        };
        let mut state = RegistryState::new(registry);
        // Recording the master always mutates; persist it before answering.
        let operation = Operation::Recover {
            master: recover.master,
        };
        if let Err(error) = state.apply(&operation) {
            recover.reply.set(Err(error.into()));
            return;
        }
        if let Err(error) = self.store.store(state.registry()) {
            let message = format!("failed to persist the master info: {error}");
            tracing::error!(%message);
            self.failure = Some(message.clone());
            recover.reply.set(Err(RegistrarError::Storage(message)));
            return;
        }
        self.publish_size(ctx, state.registry());
        let registry = state.registry().clone();
        self.state = Some(state);
        tracing::info!(
            agents = registry
                .slaves
                .as_ref()
                .map_or(0, |slaves| slaves.slaves.len()),
            store = self.store.kind(),
            "recovered the registry"
        );
        recover.reply.set(Ok(registry));
    }
}

impl Handle<Apply> for Registrar {
    type Reply = ();

    fn handle(&mut self, apply: Apply, ctx: &mut Context<Self>) {
        if self.state.is_none() && self.failure.is_none() {
            apply.reply.set(Err(RegistrarError::NotRecovered));
            return;
        }
        self.pending.push(apply);
        ctx.runtime()
            .metrics()
            .gauge("registrar/queued_operations")
            .set(self.pending.len() as f64);
        if !self.flush_scheduled {
            // Runs after the operations already queued behind this one, so they share a store.
            self.flush_scheduled = true;
            ctx.pid().run(|registrar, ctx| {
                registrar.flush(ctx);
                ctx.runtime()
                    .metrics()
                    .gauge("registrar/queued_operations")
                    .set(0.0);
            });
        }
    }
}

/// The master's handle on its registrar: cheap to clone.
#[derive(Clone, Debug)]
pub struct RegistrarHandle {
    pid: Pid<Registrar>,
}

impl RegistrarHandle {
    /// Recovers the registry, recording `master` in it.
    pub fn recover(&self, master: MasterInfo) -> Future<Result<Registry, RegistrarError>> {
        let (reply, future) = Promise::new();
        self.pid.dispatch(Recover { master, reply });
        future
    }

    /// Applies `operation`; the answer comes once the registry is stored.
    pub fn apply(&self, operation: Operation) -> Future<Result<bool, RegistrarError>> {
        let (reply, future) = Promise::new();
        self.pid.dispatch(Apply { operation, reply });
        future
    }

    /// The registrar's process id.
    pub fn upid(&self) -> &libprocess::Upid {
        self.pid.upid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::v0::{SlaveId, SlaveInfo};

    fn admit(id: &str) -> Operation {
        Operation::AdmitAgent {
            info: SlaveInfo {
                hostname: "h".into(),
                id: Some(SlaveId { value: id.into() }),
                ..SlaveInfo::default()
            },
        }
    }

    #[test]
    fn operations_before_recovery_are_refused_and_batches_store_once() {
        let runtime = Runtime::builder().build().unwrap();
        runtime.clock().pause();
        let store = InMemoryStore::new();
        let registrar = Registrar::spawn(&runtime, Box::new(store.clone())).unwrap();
        assert_eq!(
            registrar.apply(admit("a")).block().unwrap(),
            Err(RegistrarError::NotRecovered)
        );
        let registry = registrar
            .recover(MasterInfo::default())
            .block()
            .unwrap()
            .unwrap();
        assert!(registry.master.is_some());
        assert_eq!(store.stores(), 1);

        // Three operations queued while the registrar is busy go out in one store: a process
        // on the registrar's own thread queues them in one event.
        struct Burst(
            RegistrarHandle,
            std::sync::mpsc::Sender<Vec<Future<Result<bool, RegistrarError>>>>,
        );
        impl Process for Burst {
            fn initialize(&mut self, _ctx: &mut Context<Self>) {
                let futures = vec![
                    self.0.apply(admit("a")),
                    self.0.apply(admit("b")),
                    self.0.apply(admit("a")),
                ];
                let _ = self.1.send(futures);
            }
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        runtime
            .spawn_with(
                "burst",
                Burst(registrar.clone(), sender),
                libprocess::SpawnOptions::default().colocate_with(registrar.upid()),
            )
            .unwrap();
        let mut futures = receiver.recv().unwrap().into_iter();
        let (first, second, duplicate) = (
            futures.next().unwrap(),
            futures.next().unwrap(),
            futures.next().unwrap(),
        );
        assert_eq!(first.block().unwrap(), Ok(true));
        assert_eq!(second.block().unwrap(), Ok(true));
        assert!(matches!(
            duplicate.block().unwrap(),
            Err(RegistrarError::Refused(OperationError::AlreadyAdmitted(_)))
        ));
        // The three operations went out in one store.
        assert_eq!(store.stores(), 2);
        runtime.shutdown();
    }

    #[test]
    fn a_failed_store_fails_the_batch_and_everything_after() {
        let runtime = Runtime::builder().build().unwrap();
        let store = InMemoryStore::new();
        let registrar = Registrar::spawn(&runtime, Box::new(store.clone())).unwrap();
        registrar
            .recover(MasterInfo::default())
            .block()
            .unwrap()
            .unwrap();
        store.fail_next_stores(1);
        assert!(matches!(
            registrar.apply(admit("a")).block().unwrap(),
            Err(RegistrarError::Storage(_))
        ));
        assert!(matches!(
            registrar.apply(admit("b")).block().unwrap(),
            Err(RegistrarError::Storage(_))
        ));
        runtime.shutdown();
    }
}
