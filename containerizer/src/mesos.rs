//! `MesosContainerizer`: the Mesos containerizer with the posix launcher, as a libprocess
//! process that owns the books of running containers, and a cheap handle implementing
//! [`Containerizer`].
//!
//! Each container is one executor process leading its own session. A reaper thread per
//! container waits for the executor's exit status; a watcher thread per destroy waits (on
//! pidfds) until no process of the container is left. Both report back to the process, which
//! completes `wait` and `destroy` only when the executor is reaped *and* the container is
//! empty, so nothing outlives a container.
//!
//! A nested container is one more session, launched by the agent like any other, whose
//! books point at its parent: destroying a container destroys its children first (the
//! parent completes only once they are gone), and a child's termination is kept on its
//! parent until the parent goes, so `wait` still answers after the child ended.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, UNIX_EPOCH},
};

use libprocess::{Context, Future, Pid, Process, Promise, Runtime, TimerId};
use nix::sys::signal::{self, Signal};
use proto::v0;
use resources::Resources;

use crate::{
    ContainerConfig, ContainerId, ContainerTermination, Containerizer, LaunchResult, container_key,
    nested_sandbox,
    posix::{procfs, session, spawn, usage},
    wait_status,
};

/// How the Mesos containerizer behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MesosContainerizerOptions {
    /// On [`destroy`](Containerizer::destroy), how long the container's processes get between
    /// `SIGTERM` and `SIGKILL`. The agent has usually given the executor its
    /// `--executor_shutdown_grace_period` already, so this only spares stragglers.
    pub destroy_grace_period: Duration,
}

impl Default for MesosContainerizerOptions {
    fn default() -> Self {
        Self {
            destroy_grace_period: Duration::from_secs(3),
        }
    }
}

/// The Mesos containerizer with the posix launcher (`--containerizers=mesos
/// --launcher=posix --isolation=posix/cpu,posix/mem`).
///
/// A handle to a process (`mesos-containerizer(N)`) on the agent's runtime; every method
/// queues work on it and returns at once. Containers are not destroyed when the handle is
/// dropped: the agent destroys them (and `mesos-local` destroys all of them on exit).
#[derive(Debug, Clone)]
pub struct MesosContainerizer {
    process: Pid<ContainerizerProcess>,
}

impl MesosContainerizer {
    /// Starts the containerizer's process on `runtime`.
    ///
    /// # Errors
    /// The runtime has shut down.
    pub fn new(
        runtime: &Runtime,
        options: MesosContainerizerOptions,
    ) -> Result<Self, libprocess::SpawnError> {
        let id = runtime.generate_id("mesos-containerizer");
        let process = runtime.spawn(
            id,
            ContainerizerProcess {
                options,
                containers: BTreeMap::new(),
            },
        )?;
        Ok(Self { process })
    }

    /// Runs `action` on the process with a promise, returning its future.
    fn ask<T, F>(&self, action: F) -> Future<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut ContainerizerProcess, &mut Context<ContainerizerProcess>, Promise<T>)
            + Send
            + 'static,
    {
        let (promise, future) = Promise::new();
        self.process
            .run(move |process, ctx| action(process, ctx, promise));
        future
    }
}

impl Containerizer for MesosContainerizer {
    fn recover(&self) -> Future<()> {
        // Nothing is checkpointed yet, so no container of an earlier run can be known.
        Future::ready(())
    }

    fn launch(&self, container_id: &ContainerId, config: ContainerConfig) -> Future<LaunchResult> {
        let container_id = container_id.clone();
        self.ask(move |process, ctx, promise| {
            promise.complete_with(process.launch(ctx, container_id, config))
        })
    }

    fn update(&self, container_id: &ContainerId, resources: Resources) -> Future<()> {
        let key = container_key(container_id);
        self.ask(
            move |process, _ctx, promise| match process.containers.get_mut(&key) {
                Some(container) => {
                    container.resources = resources;
                    promise.set(());
                }
                None => promise.fail(unknown(&key)),
            },
        )
    }

    fn usage(&self, container_id: &ContainerId) -> Future<v0::ResourceStatistics> {
        let key = container_key(container_id);
        self.ask(
            move |process, ctx, promise| match process.containers.get(&key) {
                Some(container) => {
                    let timestamp = ctx
                        .runtime()
                        .clock()
                        .now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_secs_f64();
                    let members = procfs::members_now(container.pid);
                    promise.set(usage::statistics(&members, &container.resources, timestamp));
                }
                None => promise.fail(unknown(&key)),
            },
        )
    }

    fn status(&self, container_id: &ContainerId) -> Future<v0::ContainerStatus> {
        let container_id = container_id.clone();
        let key = container_key(&container_id);
        self.ask(
            move |process, _ctx, promise| match process.containers.get(&key) {
                Some(container) => promise.set(v0::ContainerStatus {
                    executor_pid: u32::try_from(container.pid).ok(),
                    container_id: Some(container_id),
                    ..Default::default()
                }),
                None => promise.fail(unknown(&key)),
            },
        )
    }

    fn wait(&self, container_id: &ContainerId) -> Future<Option<ContainerTermination>> {
        let key = container_key(container_id);
        let parent = container_id.parent.as_deref().map(container_key);
        self.ask(move |process, _ctx, promise| {
            if let Some(container) = process.containers.get_mut(&key) {
                return container.waiters.push(promise);
            }
            // A nested container that ended is remembered by its parent.
            let ended = parent
                .and_then(|parent| process.containers.get(&parent))
                .and_then(|parent| parent.ended_children.get(&key).cloned());
            promise.set(ended);
        })
    }

    fn destroy(&self, container_id: &ContainerId) -> Future<bool> {
        let key = container_key(container_id);
        self.ask(move |process, ctx, promise| process.destroy(ctx, &key, Some(promise)))
    }

    fn kill(&self, container_id: &ContainerId, signal: i32) -> Future<bool> {
        let key = container_key(container_id);
        self.ask(move |process, ctx, promise| {
            promise.complete_with(process.kill(ctx, &key, signal))
        })
    }

    fn containers(&self) -> Future<Vec<ContainerId>> {
        self.ask(|process, _ctx, promise| {
            promise.set(
                process
                    .containers
                    .values()
                    .map(|container| container.id.clone())
                    .collect(),
            )
        })
    }
}

fn unknown(key: &str) -> String {
    format!("Unknown container '{key}'")
}

/// The books of one container.
struct Container {
    id: ContainerId,
    /// The executor's pid, which is also its session id.
    pid: i32,
    resources: Resources,
    /// The sandbox (nested containers' sandboxes are made under the root's).
    directory: PathBuf,
    /// The user the container runs as (its nested containers inherit it).
    user: Option<String>,
    /// The parent's key, for a nested container.
    parent: Option<String>,
    /// The keys of the nested containers still alive under this one.
    children: BTreeSet<String>,
    /// How nested containers that ended went, by key, for late `wait`s.
    ended_children: BTreeMap<String, ContainerTermination>,
    /// Set once the executor is reaped: its wait status (`None` if it could not be read).
    reaped: Option<Option<i32>>,
    destroying: Option<Destroying>,
    /// No process of the container is left.
    empty: bool,
    waiters: Vec<Promise<Option<ContainerTermination>>>,
    destroyers: Vec<Promise<bool>>,
}

struct Destroying {
    /// Asked for with `destroy` (rather than following the executor's own exit).
    requested: bool,
    /// Set when the grace period is over: the watcher kills whatever it still finds.
    kill_newcomers: Arc<AtomicBool>,
    escalation: Option<TimerId>,
}

struct ContainerizerProcess {
    options: MesosContainerizerOptions,
    containers: BTreeMap<String, Container>,
}

impl Process for ContainerizerProcess {}

impl ContainerizerProcess {
    fn launch(
        &mut self,
        ctx: &mut Context<Self>,
        id: ContainerId,
        mut config: ContainerConfig,
    ) -> Result<LaunchResult, libprocess::Failure> {
        let key = container_key(&id);
        if self.containers.contains_key(&key) {
            return Ok(LaunchResult::AlreadyLaunched);
        }
        let parent = match id.parent.as_deref() {
            Some(parent_id) => {
                let parent_key = container_key(parent_id);
                self.prepare_nested(&key, &parent_key, &id, &mut config)?;
                Some(parent_key)
            }
            None => None,
        };
        let failed = |message: String| {
            libprocess::Failure::Failed(format!("Failed to launch container '{key}': {message}"))
        };
        let mut child = spawn::spawn(&config).map_err(|error| failed(error.to_string()))?;
        let pid = i32::try_from(child.id()).map_err(|_| failed("pid out of range".into()))?;
        let owned = key.clone();
        let reaped = ctx.defer(move |process: &mut Self, ctx, status: Option<i32>| {
            process.reaped(ctx, &owned, status)
        });
        let reaper = std::thread::Builder::new()
            .name(format!("reaper-{pid}"))
            .spawn(move || {
                use std::os::unix::process::ExitStatusExt;
                let status = child.wait().ok().map(ExitStatusExt::into_raw);
                reaped.call(status);
            });
        if let Err(error) = reaper {
            let _ = session::signal_members(pid, Signal::SIGKILL);
            return Err(failed(format!("could not start a reaper thread: {error}")));
        }
        tracing::info!(container = %key, pid, directory = %config.directory.display(), "launched container");
        if let Some(parent) = parent.as_ref().and_then(|p| self.containers.get_mut(p)) {
            parent.children.insert(key.clone());
        }
        self.containers.insert(
            key,
            Container {
                id,
                pid,
                resources: config.resources,
                directory: config.directory,
                user: config.user,
                parent,
                children: BTreeSet::new(),
                ended_children: BTreeMap::new(),
                reaped: None,
                destroying: None,
                empty: false,
                waiters: Vec::new(),
                destroyers: Vec::new(),
            },
        );
        Ok(LaunchResult::Success)
    }

    /// Checks a nested container's parent and fills in what comes from it: the sandbox
    /// under the root's (created here) and, unless the command names one, the parent's user.
    fn prepare_nested(
        &self,
        key: &str,
        parent_key: &str,
        id: &ContainerId,
        config: &mut ContainerConfig,
    ) -> Result<(), libprocess::Failure> {
        let failed = |message: String| libprocess::Failure::Failed(message);
        let Some(parent) = self.containers.get(parent_key) else {
            return Err(failed(format!(
                "Parent container {parent_key} does not exist"
            )));
        };
        if parent.destroying.is_some() || parent.reaped.is_some() {
            return Err(failed(format!(
                "Parent container {parent_key} is in 'DESTROYING' state"
            )));
        }
        if parent.ended_children.contains_key(key) {
            return Err(failed(format!(
                "Container {key} has already terminated; nested container ids cannot be reused"
            )));
        }
        let mut root = parent;
        while let Some(up) = root.parent.as_ref().and_then(|p| self.containers.get(p)) {
            root = up;
        }
        let directory = nested_sandbox(&root.directory, id);
        std::fs::create_dir_all(&directory).map_err(|error| {
            failed(format!(
                "Failed to create nested sandbox '{}': {error}",
                directory.display()
            ))
        })?;
        config.directory = directory;
        if config.user.is_none() {
            config.user.clone_from(&parent.user);
        }
        config.executor_info = None;
        config.task_info = None;
        Ok(())
    }

    fn kill(
        &mut self,
        ctx: &mut Context<Self>,
        key: &str,
        number: i32,
    ) -> Result<bool, libprocess::Failure> {
        let Some(container) = self.containers.get(key) else {
            return Ok(false);
        };
        let signal = Signal::try_from(number)
            .map_err(|_| libprocess::Failure::Failed(format!("Invalid signal {number}")))?;
        if signal == Signal::SIGKILL {
            self.destroy_within(ctx, key, None, Duration::ZERO);
            return Ok(true);
        }
        if container.reaped.is_none() {
            match signal::kill(nix::unistd::Pid::from_raw(container.pid), signal) {
                Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
                Err(error) => {
                    return Err(libprocess::Failure::Failed(format!(
                        "Failed to send {signal} to container '{key}': {error}"
                    )));
                }
            }
        }
        Ok(true)
    }

    fn destroy(&mut self, ctx: &mut Context<Self>, key: &str, promise: Option<Promise<bool>>) {
        let grace = self.options.destroy_grace_period;
        self.destroy_within(ctx, key, promise, grace);
    }

    /// Destroys the container, escalating to `SIGKILL` after `grace` (a destroy already under
    /// way keeps its own schedule).
    fn destroy_within(
        &mut self,
        ctx: &mut Context<Self>,
        key: &str,
        promise: Option<Promise<bool>>,
        grace: Duration,
    ) {
        let Some(container) = self.containers.get_mut(key) else {
            if let Some(promise) = promise {
                promise.set(false);
            }
            return;
        };
        container.destroyers.extend(promise);
        match &mut container.destroying {
            Some(destroying) => destroying.requested = true,
            None => self.begin_destroy(ctx, key, true, grace),
        }
    }

    /// Signals the container's processes (`SIGTERM`, then `SIGKILL` after `grace`; at once
    /// when `grace` is zero) and starts watching for the container to empty.
    fn begin_destroy(
        &mut self,
        ctx: &mut Context<Self>,
        key: &str,
        requested: bool,
        grace: Duration,
    ) {
        let children: Vec<String> = match self.containers.get(key) {
            Some(container) => container.children.iter().cloned().collect(),
            None => return,
        };
        // Nested containers go first (together with this one; it completes after them).
        for child in children {
            let idle = self
                .containers
                .get(&child)
                .is_some_and(|child| child.destroying.is_none());
            if idle {
                self.begin_destroy(ctx, &child, true, grace);
            }
        }
        let Some(container) = self.containers.get_mut(key) else {
            return;
        };
        let pid = container.pid;
        let kill_newcomers = Arc::new(AtomicBool::new(grace.is_zero()));
        let escalation = if grace.is_zero() {
            session::signal_members(pid, Signal::SIGKILL);
            None
        } else {
            session::signal_members(pid, Signal::SIGTERM);
            // A stopped process handles SIGTERM only once continued.
            session::signal_members(pid, Signal::SIGCONT);
            let owned = key.to_string();
            Some(ctx.delay(grace, move |process: &mut Self, _ctx| {
                process.escalate(&owned)
            }))
        };
        container.destroying = Some(Destroying {
            requested,
            kill_newcomers: kill_newcomers.clone(),
            escalation,
        });
        tracing::info!(
            container = key,
            pid,
            ?grace,
            requested,
            "destroying container"
        );
        let owned = key.to_string();
        let emptied =
            ctx.defer(move |process: &mut Self, ctx, (): ()| process.emptied(ctx, &owned));
        let watcher = std::thread::Builder::new()
            .name(format!("destroy-{pid}"))
            .spawn(move || {
                session::wait_until_empty(pid, &kill_newcomers);
                emptied.call(());
            });
        if let Err(error) = watcher {
            tracing::error!(container = key, %error, "could not start a thread to watch the destroy");
        }
    }

    /// The grace period is over: kill everything that is left.
    fn escalate(&mut self, key: &str) {
        let Some(container) = self.containers.get_mut(key) else {
            return;
        };
        if let Some(destroying) = &mut container.destroying {
            destroying.escalation = None;
            destroying.kill_newcomers.store(true, Ordering::Release);
        }
        let killed = session::signal_members(container.pid, Signal::SIGKILL);
        tracing::info!(
            container = key,
            killed,
            "grace period over: killed what was left"
        );
    }

    fn reaped(&mut self, ctx: &mut Context<Self>, key: &str, status: Option<i32>) {
        let Some(container) = self.containers.get_mut(key) else {
            return;
        };
        container.reaped = Some(status);
        tracing::info!(
            container = key,
            status = %status.map_or_else(|| "unknown".to_string(), wait_status::describe),
            "executor reaped"
        );
        if container.destroying.is_none() {
            // The executor is gone on its own: whatever it left behind goes too, at once.
            self.begin_destroy(ctx, key, false, Duration::ZERO);
        }
        self.finish_if_done(ctx, key);
    }

    fn emptied(&mut self, ctx: &mut Context<Self>, key: &str) {
        if let Some(container) = self.containers.get_mut(key) {
            container.empty = true;
        }
        self.finish_if_done(ctx, key);
    }

    /// Completes `wait` and `destroy` once the executor is reaped, nothing is left and every
    /// nested container is gone.
    fn finish_if_done(&mut self, ctx: &mut Context<Self>, key: &str) {
        let done = self.containers.get(key).is_some_and(|container| {
            container.empty && container.reaped.is_some() && container.children.is_empty()
        });
        if !done {
            return;
        }
        let Some(container) = self.containers.remove(key) else {
            return;
        };
        let status = container.reaped.flatten();
        let requested = container
            .destroying
            .as_ref()
            .is_some_and(|destroying| destroying.requested);
        if let Some(timer) = container
            .destroying
            .as_ref()
            .and_then(|destroying| destroying.escalation)
        {
            ctx.cancel(timer);
        }
        let how = status.map_or_else(
            || "exit status is unknown".to_string(),
            wait_status::describe,
        );
        // A nested container's termination has no message, as in Mesos (no limitation is
        // enforced here): its waiter (the default executor) words the wait status itself.
        let message = if container.parent.is_some() {
            None
        } else if requested {
            Some(format!("Container destroyed; its executor {how}"))
        } else {
            Some(format!("Executor {how}"))
        };
        let termination = ContainerTermination {
            status,
            message,
            ..ContainerTermination::default()
        };
        tracing::info!(container = key, message = ?termination.message, "container terminated");
        for waiter in container.waiters {
            waiter.set(Some(termination.clone()));
        }
        for destroyer in container.destroyers {
            destroyer.set(true);
        }
        if let Some(parent_key) = container.parent
            && let Some(parent) = self.containers.get_mut(&parent_key)
        {
            parent.children.remove(key);
            parent.ended_children.insert(key.to_string(), termination);
            self.finish_if_done(ctx, &parent_key);
        }
    }
}
