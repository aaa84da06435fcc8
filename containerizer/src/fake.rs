//! `FakeContainerizer`: a [`Containerizer`] for in-process tests. It starts no processes: each
//! launch runs a caller-supplied in-process executor (made by a factory the testkit gives),
//! every call is recorded, and a test ends a container when it likes with
//! [`FakeContainerizer::exit`] (or the executor does, with its [`FakeExit`]).
//!
//! A typical factory starts an in-process executor on the agent's runtime from the launch's
//! environment (with the `executor` crate: `ExecutorSettings::from_env(&config.environment)`,
//! `Executor::start(.., InProcessTransport::new(agent_runtime), handler)`), and returns a
//! [`FakeExecutor`] that stops it; the executor calls [`FakeExit::exit`] when it is done.
//!
//! Nested containers (ids with a parent) need a live parent, get their sandbox path under
//! the root's (nothing is created on disk) and run nothing: the factory is not called for
//! them, and a test ends them with [`FakeContainerizer::exit`]. They go when their parent
//! goes, and their terminations stay readable with `wait` while the parent lives.

use std::{
    collections::BTreeMap,
    fmt,
    sync::{Arc, Weak},
};

use libprocess::{Future, Promise};
use parking_lot::Mutex;
use proto::v0;
use resources::Resources;

use crate::{
    ContainerConfig, ContainerId, ContainerTermination, Containerizer, LaunchResult, container_key,
    nested_sandbox, wait_status,
};

/// The wait status of a process killed by `SIGKILL`, what a destroyed fake container reports.
const KILLED: i32 = 9;

/// What the factory gets for each launch.
#[derive(Debug)]
pub struct FakeLaunch {
    /// The container being launched.
    pub container_id: ContainerId,
    /// Its config, as the agent gave it (environment included: an in-process executor reads
    /// `MESOS_AGENT_ENDPOINT`, `MESOS_FRAMEWORK_ID`, ... from here).
    pub config: ContainerConfig,
    /// Ends the container as if its executor process exited.
    pub exit: FakeExit,
}

/// Ends one fake container as if its executor exited with a status; cheap to clone and
/// `Send`, so an in-process executor can keep it.
#[derive(Clone)]
pub struct FakeExit {
    state: Weak<Mutex<FakeState>>,
    container_id: ContainerId,
}

impl fmt::Debug for FakeExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FakeExit({})", self.container_id.value)
    }
}

impl FakeExit {
    /// Terminates the container with wait status `status` (e.g. `0`, or `1 << 8` for exit
    /// code 1); `false` if it is already gone.
    pub fn exit(&self, status: i32) -> bool {
        match self.state.upgrade() {
            Some(state) => terminate(&state, &container_key(&self.container_id), status, false),
            None => false,
        }
    }
}

/// The in-process executor of a fake container, told when the container is destroyed or
/// signalled. A closure `FnMut()` is a `FakeExecutor` whose `destroy` calls it.
pub trait FakeExecutor: Send {
    /// The container is being destroyed: stop now (e.g. terminate the executor's process).
    /// Its termination is reported right after this returns.
    fn destroy(&mut self);

    /// [`Containerizer::kill`] with a signal other than `SIGKILL`; ignored by default.
    fn signal(&mut self, signal: i32) {
        let _ = signal;
    }
}

impl<F: FnMut() + Send> FakeExecutor for F {
    fn destroy(&mut self) {
        self()
    }
}

/// Makes the in-process executor of each launch, or refuses the launch with a message.
pub type FakeExecutorFactory =
    Arc<dyn Fn(FakeLaunch) -> Result<Box<dyn FakeExecutor>, String> + Send + Sync>;

/// One recorded call.
#[derive(Debug, Clone, PartialEq)]
pub enum FakeCall {
    /// [`Containerizer::recover`].
    Recover,
    /// [`Containerizer::launch`].
    Launch(ContainerId),
    /// [`Containerizer::update`].
    Update(ContainerId, Resources),
    /// [`Containerizer::usage`].
    Usage(ContainerId),
    /// [`Containerizer::status`].
    Status(ContainerId),
    /// [`Containerizer::wait`].
    Wait(ContainerId),
    /// [`Containerizer::destroy`].
    Destroy(ContainerId),
    /// [`Containerizer::kill`].
    Kill(ContainerId, i32),
    /// [`Containerizer::containers`].
    Containers,
}

struct FakeContainer {
    id: ContainerId,
    config: ContainerConfig,
    executor: Option<Box<dyn FakeExecutor>>,
    waiters: Vec<Promise<Option<ContainerTermination>>>,
    /// The parent's key, for a nested container.
    parent: Option<String>,
    /// Keys of the nested containers alive under this one.
    children: Vec<String>,
    /// How nested containers that ended went, by key.
    ended_children: BTreeMap<String, ContainerTermination>,
}

#[derive(Default)]
struct FakeState {
    calls: Vec<FakeCall>,
    launches: Vec<(ContainerId, ContainerConfig)>,
    containers: BTreeMap<String, FakeContainer>,
    fail_launches: Option<String>,
}

/// A containerizer for in-process tests (see the module documentation). Cheap to clone;
/// clones share their containers.
#[derive(Clone, Default)]
pub struct FakeContainerizer {
    state: Arc<Mutex<FakeState>>,
    factory: Option<FakeExecutorFactory>,
}

impl fmt::Debug for FakeContainerizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeContainerizer")
            .field("running", &self.running())
            .finish_non_exhaustive()
    }
}

impl FakeContainerizer {
    /// A fake whose containers run nothing: they exist until [`exit`](Self::exit) or
    /// destroy.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fake that runs `factory`'s executor for each launch.
    pub fn with_executors<F>(factory: F) -> Self
    where
        F: Fn(FakeLaunch) -> Result<Box<dyn FakeExecutor>, String> + Send + Sync + 'static,
    {
        Self {
            state: Arc::default(),
            factory: Some(Arc::new(factory)),
        }
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<FakeCall> {
        self.state.lock().calls.clone()
    }

    /// Every successful launch so far (id and config), in order.
    pub fn launches(&self) -> Vec<(ContainerId, ContainerConfig)> {
        self.state.lock().launches.clone()
    }

    /// The containers that exist now, sorted.
    pub fn running(&self) -> Vec<ContainerId> {
        let state = self.state.lock();
        state.containers.values().map(|c| c.id.clone()).collect()
    }

    /// Ends container `container_id` as if its executor exited with wait status `status`;
    /// `false` if there is no such container.
    pub fn exit(&self, container_id: &ContainerId, status: i32) -> bool {
        terminate(&self.state, &container_key(container_id), status, false)
    }

    /// The nested containers alive under `parent` (direct children), sorted by key.
    pub fn children(&self, parent: &ContainerId) -> Vec<ContainerId> {
        let state = self.state.lock();
        let Some(container) = state.containers.get(&container_key(parent)) else {
            return Vec::new();
        };
        let mut children: Vec<ContainerId> = container
            .children
            .iter()
            .filter_map(|key| state.containers.get(key).map(|child| child.id.clone()))
            .collect();
        children.sort_by_key(container_key);
        children
    }

    /// Makes every later launch fail with `message` (`None` to launch again).
    pub fn fail_launches(&self, message: Option<String>) {
        self.state.lock().fail_launches = message;
    }

    fn record(&self, call: FakeCall) {
        self.state.lock().calls.push(call);
    }
}

/// Removes the container (its nested containers first, destroyed) and tells its waiters;
/// the executor is told to stop when `destroy`.
fn terminate(state: &Mutex<FakeState>, key: &str, status: i32, destroyed: bool) -> bool {
    let children = match state.lock().containers.get(key) {
        Some(container) => container.children.clone(),
        None => return false,
    };
    for child in children {
        terminate(state, &child, KILLED, true);
    }
    let Some(mut container) = state.lock().containers.remove(key) else {
        return false;
    };
    if destroyed && let Some(executor) = container.executor.as_mut() {
        executor.destroy();
    }
    let how = wait_status::describe(status);
    let termination = ContainerTermination {
        status: Some(status),
        message: if container.parent.is_some() {
            None
        } else if destroyed {
            Some(format!("Container destroyed; its executor {how}"))
        } else {
            Some(format!("Executor {how}"))
        },
        ..ContainerTermination::default()
    };
    if let Some(parent) = &container.parent
        && let Some(parent) = state.lock().containers.get_mut(parent)
    {
        parent.children.retain(|child| child != key);
        parent
            .ended_children
            .insert(key.to_string(), termination.clone());
    }
    for waiter in container.waiters {
        waiter.set(Some(termination.clone()));
    }
    true
}

impl Containerizer for FakeContainerizer {
    fn recover(&self) -> Future<()> {
        self.record(FakeCall::Recover);
        Future::ready(())
    }

    fn launch(
        &self,
        container_id: &ContainerId,
        mut config: ContainerConfig,
    ) -> Future<LaunchResult> {
        let key = container_key(container_id);
        let parent = container_id.parent.as_deref().map(container_key);
        {
            let mut state = self.state.lock();
            state.calls.push(FakeCall::Launch(container_id.clone()));
            if state.containers.contains_key(&key) {
                return Future::ready(LaunchResult::AlreadyLaunched);
            }
            if let Some(message) = &state.fail_launches {
                return Future::failed(format!("Failed to launch container '{key}': {message}"));
            }
            if let Some(parent) = &parent {
                let Some(parent_container) = state.containers.get(parent) else {
                    return Future::failed(format!("Parent container {parent} does not exist"));
                };
                if parent_container.ended_children.contains_key(&key) {
                    return Future::failed(format!(
                        "Container {key} has already terminated; nested container ids \
                         cannot be reused"
                    ));
                }
                let mut root = parent_container;
                while let Some(up) = root.parent.as_ref().and_then(|p| state.containers.get(p)) {
                    root = up;
                }
                config.directory = nested_sandbox(&root.config.directory, container_id);
                if config.user.is_none() {
                    config.user.clone_from(&parent_container.config.user);
                }
                config.executor_info = None;
                config.task_info = None;
            }
            state.containers.insert(
                key.clone(),
                FakeContainer {
                    id: container_id.clone(),
                    config: config.clone(),
                    executor: None,
                    waiters: Vec::new(),
                    parent: parent.clone(),
                    children: Vec::new(),
                    ended_children: BTreeMap::new(),
                },
            );
            if let Some(parent) = parent.as_ref().and_then(|p| state.containers.get_mut(p)) {
                parent.children.push(key.clone());
            }
            state.launches.push((container_id.clone(), config.clone()));
        }
        let Some(factory) = self.factory.as_ref().filter(|_| parent.is_none()) else {
            return Future::ready(LaunchResult::Success);
        };
        // The factory runs without the lock: the executor may call back (e.g. exit at once).
        let launched = factory(FakeLaunch {
            container_id: container_id.clone(),
            config,
            exit: FakeExit {
                state: Arc::downgrade(&self.state),
                container_id: container_id.clone(),
            },
        });
        match launched {
            Ok(executor) => {
                let mut state = self.state.lock();
                if let Some(container) = state.containers.get_mut(&key) {
                    container.executor = Some(executor);
                }
                Future::ready(LaunchResult::Success)
            }
            Err(message) => {
                let mut state = self.state.lock();
                state.containers.remove(&key);
                state.launches.retain(|(id, _)| container_key(id) != key);
                Future::failed(format!("Failed to launch container '{key}': {message}"))
            }
        }
    }

    fn update(&self, container_id: &ContainerId, resources: Resources) -> Future<()> {
        let mut state = self.state.lock();
        state
            .calls
            .push(FakeCall::Update(container_id.clone(), resources.clone()));
        match state.containers.get_mut(&container_key(container_id)) {
            Some(container) => {
                container.config.resources = resources;
                Future::ready(())
            }
            None => Future::failed(format!(
                "Unknown container '{}'",
                container_key(container_id)
            )),
        }
    }

    fn usage(&self, container_id: &ContainerId) -> Future<v0::ResourceStatistics> {
        let mut state = self.state.lock();
        state.calls.push(FakeCall::Usage(container_id.clone()));
        match state.containers.get(&container_key(container_id)) {
            Some(container) => Future::ready(v0::ResourceStatistics {
                // The fake has no clock; a test that cares about time uses the real thing.
                timestamp: 0.0,
                cpus_limit: container.config.resources.cpus().map(|cpus| cpus.as_f64()),
                mem_limit_bytes: container
                    .config
                    .resources
                    .mem()
                    .map(|megabytes| (megabytes.as_f64() * 1024.0 * 1024.0) as u64),
                ..Default::default()
            }),
            None => Future::failed(format!(
                "Unknown container '{}'",
                container_key(container_id)
            )),
        }
    }

    fn status(&self, container_id: &ContainerId) -> Future<v0::ContainerStatus> {
        let mut state = self.state.lock();
        state.calls.push(FakeCall::Status(container_id.clone()));
        match state.containers.get(&container_key(container_id)) {
            Some(_) => Future::ready(v0::ContainerStatus {
                container_id: Some(container_id.clone()),
                ..Default::default()
            }),
            None => Future::failed(format!(
                "Unknown container '{}'",
                container_key(container_id)
            )),
        }
    }

    fn wait(&self, container_id: &ContainerId) -> Future<Option<ContainerTermination>> {
        let key = container_key(container_id);
        let mut state = self.state.lock();
        state.calls.push(FakeCall::Wait(container_id.clone()));
        if let Some(container) = state.containers.get_mut(&key) {
            let (promise, future) = Promise::new();
            container.waiters.push(promise);
            return future;
        }
        let ended = container_id
            .parent
            .as_deref()
            .and_then(|parent| state.containers.get(&container_key(parent)))
            .and_then(|parent| parent.ended_children.get(&key).cloned());
        Future::ready(ended)
    }

    fn destroy(&self, container_id: &ContainerId) -> Future<bool> {
        self.record(FakeCall::Destroy(container_id.clone()));
        Future::ready(terminate(
            &self.state,
            &container_key(container_id),
            KILLED,
            true,
        ))
    }

    fn kill(&self, container_id: &ContainerId, signal: i32) -> Future<bool> {
        self.record(FakeCall::Kill(container_id.clone(), signal));
        if signal == KILLED {
            return Future::ready(terminate(
                &self.state,
                &container_key(container_id),
                KILLED,
                true,
            ));
        }
        // Take the executor out to signal it without the lock, then put it back.
        let executor = {
            let mut state = self.state.lock();
            match state.containers.get_mut(&container_key(container_id)) {
                Some(container) => container.executor.take(),
                None => return Future::ready(false),
            }
        };
        if let Some(mut executor) = executor {
            executor.signal(signal);
            if let Some(container) = self
                .state
                .lock()
                .containers
                .get_mut(&container_key(container_id))
            {
                container.executor = Some(executor);
            }
        }
        Future::ready(true)
    }

    fn containers(&self) -> Future<Vec<ContainerId>> {
        self.record(FakeCall::Containers);
        Future::ready(self.running())
    }
}
