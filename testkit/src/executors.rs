//! Scripted in-process executors: what runs in a `FakeContainerizer` container of a testkit
//! agent. Each is the `executor` crate's real driver over `InProcessTransport`, wrapped in a
//! small process that plays a task the way the test's [`Script`] says (run until killed,
//! finish or fail after some virtual time, never subscribe, crash, or anything a closure does).

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use containerizer::{FakeExecutor, FakeExit, FakeLaunch};
use executor::{Executor, ExecutorEvent, ExecutorSettings, InProcessTransport};
use libprocess::{Context, Pid, Process, Runtime, TimerId};
use parking_lot::Mutex;
use proto::v1::{
    TaskId, TaskInfo, TaskState, TaskStatus,
    executor::{Event, event},
};

/// The wait status of an executor that exited with code 0.
const EXITED_CLEANLY: i32 = 0;

/// A closure playing a whole executor (see [`TaskBehavior::Custom`]).
pub type CustomExecutor = Arc<dyn Fn(&FakeExecutorControl, &Event) + Send + Sync>;

/// How a fake executor plays one task (or, for [`NeverSubscribe`](TaskBehavior::NeverSubscribe)
/// and [`Crash`](TaskBehavior::Crash), its whole executor).
#[derive(Clone)]
pub enum TaskBehavior {
    /// TASK_STARTING (unless the cluster skips it), TASK_RUNNING, then nothing until KILL
    /// (TASK_KILLED) or SHUTDOWN.
    RunUntilKilled,
    /// Runs, then TASK_FINISHED once this much virtual time has passed.
    FinishAfter(Duration),
    /// Runs, then TASK_FAILED with this message once this much virtual time has passed.
    FailAfter(Duration, String),
    /// The executor never subscribes: the agent's executor registration timeout fires.
    NeverSubscribe,
    /// The executor's container exits with this wait status as soon as the task arrives,
    /// before any update (the agent then fails the task).
    Crash {
        /// The wait status (`1 << 8` is exit code 1).
        status: i32,
    },
    /// A closure plays the whole executor: it gets every event from the agent (SUBSCRIBED,
    /// LAUNCH, KILL, ACKNOWLEDGED, ...) and a [`FakeExecutorControl`] to answer with;
    /// nothing else is done for it. Chosen by the executor's first task (or executor id).
    Custom(CustomExecutor),
}

impl std::fmt::Debug for TaskBehavior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskBehavior::RunUntilKilled => write!(f, "RunUntilKilled"),
            TaskBehavior::FinishAfter(after) => write!(f, "FinishAfter({after:?})"),
            TaskBehavior::FailAfter(after, message) => write!(f, "FailAfter({after:?}, {message})"),
            TaskBehavior::NeverSubscribe => write!(f, "NeverSubscribe"),
            TaskBehavior::Crash { status } => write!(f, "Crash {{ status: {status} }}"),
            TaskBehavior::Custom(_) => write!(f, "Custom(..)"),
        }
    }
}

/// What the fake executors do, set by the test: a default behaviour and overrides by task
/// id (which, for command tasks, is also the executor id). Cheap to clone; clones share.
#[derive(Clone)]
pub struct Script {
    inner: Arc<Mutex<ScriptState>>,
}

struct ScriptState {
    default: TaskBehavior,
    by_id: HashMap<String, TaskBehavior>,
    report_starting: bool,
    /// Framework messages the executors received: (executor id, data).
    messages: Vec<(String, Vec<u8>)>,
    /// Live executors by executor id (the latest launch wins).
    executors: BTreeMap<String, Executor>,
}

impl Script {
    pub(crate) fn new(default: TaskBehavior, report_starting: bool) -> Script {
        Script {
            inner: Arc::new(Mutex::new(ScriptState {
                default,
                by_id: HashMap::new(),
                report_starting,
                messages: Vec::new(),
                executors: BTreeMap::new(),
            })),
        }
    }

    /// Plays the task (or executor) with this id with `behavior` from its next launch on.
    pub fn set(&self, id: impl Into<String>, behavior: TaskBehavior) {
        self.inner.lock().by_id.insert(id.into(), behavior);
    }

    /// Plays every task without an override with `behavior`.
    pub fn set_default(&self, behavior: TaskBehavior) {
        self.inner.lock().default = behavior;
    }

    /// The behaviour for `id`.
    pub fn behavior(&self, id: &str) -> TaskBehavior {
        let state = self.inner.lock();
        state.by_id.get(id).unwrap_or(&state.default).clone()
    }

    /// Every framework message an executor got so far, as (executor id, data).
    pub fn messages(&self) -> Vec<(String, Vec<u8>)> {
        self.inner.lock().messages.clone()
    }

    /// The driver of the live executor `executor_id` (to send a framework message or an
    /// update by hand), if it runs.
    pub fn executor(&self, executor_id: &str) -> Option<Executor> {
        self.inner.lock().executors.get(executor_id).cloned()
    }

    fn report_starting(&self) -> bool {
        self.inner.lock().report_starting
    }

    /// The factory a `FakeContainerizer` calls for each launch.
    pub(crate) fn factory(
        &self,
        runtime: Runtime,
    ) -> impl Fn(FakeLaunch) -> Result<Box<dyn FakeExecutor>, String> + Send + Sync + 'static {
        let script = self.clone();
        move |launch: FakeLaunch| start_executor(&runtime, &script, launch)
    }
}

/// What a [`TaskBehavior::Custom`] closure may do: send updates and messages, or end the
/// container.
#[derive(Clone)]
pub struct FakeExecutorControl {
    /// The driver (subscribed by the time the closure runs).
    pub executor: Executor,
    /// Ends the container with a wait status.
    pub exit: FakeExit,
    /// This executor's id.
    pub executor_id: String,
}

impl FakeExecutorControl {
    /// Sends a status update for `task_id` in `state`.
    pub fn update(&self, task_id: &str, state: TaskState) -> Vec<u8> {
        self.executor.update(status(task_id, state, None))
    }
}

/// A fake container's executor: the running process, stopped when the container is
/// destroyed.
struct RunningExecutor {
    process: Option<Pid<FakeExecutorProcess>>,
}

impl FakeExecutor for RunningExecutor {
    fn destroy(&mut self) {
        if let Some(process) = self.process.take() {
            process.terminate();
        }
    }
}

fn start_executor(
    runtime: &Runtime,
    script: &Script,
    launch: FakeLaunch,
) -> Result<Box<dyn FakeExecutor>, String> {
    let mut settings = ExecutorSettings::from_env(launch.config.environment.clone())
        .map_err(|error| error.to_string())?;
    settings.local = true;
    let executor_id = settings.executor_id.clone();
    // A command task's executor is named after its task; a task's own behaviour covers
    // its executor (NeverSubscribe, Crash).
    let first_task = launch
        .config
        .task_info
        .as_ref()
        .map(|task| task.task_id.value.clone());
    let behavior = script.behavior(first_task.as_deref().unwrap_or(&executor_id));
    if matches!(behavior, TaskBehavior::NeverSubscribe) {
        return Ok(Box::new(RunningExecutor { process: None }));
    }
    let custom = match behavior {
        TaskBehavior::Custom(closure) => Some(closure),
        _ => None,
    };
    let process = FakeExecutorProcess {
        settings: Some(settings),
        custom,
        executor_id,
        script: script.clone(),
        exit: launch.exit,
        executor: None,
        tasks: BTreeMap::new(),
        finished: false,
    };
    let pid = runtime
        .spawn(runtime.generate_id("fake-executor"), process)
        .map_err(|error| error.to_string())?;
    Ok(Box::new(RunningExecutor { process: Some(pid) }))
}

/// One task the fake executor plays.
struct PlayedTask {
    timer: Option<TimerId>,
    /// The uuid of its terminal update, once sent.
    terminal: Option<Vec<u8>>,
    acknowledged: bool,
}

struct FakeExecutorProcess {
    settings: Option<ExecutorSettings>,
    custom: Option<CustomExecutor>,
    executor_id: String,
    script: Script,
    exit: FakeExit,
    executor: Option<Executor>,
    tasks: BTreeMap<String, PlayedTask>,
    /// The container has been ended; nothing more happens.
    finished: bool,
}

impl Process for FakeExecutorProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let Some(settings) = self.settings.take() else {
            return;
        };
        let me = ctx.pid();
        let started = Executor::start(
            ctx.runtime(),
            settings,
            Arc::new(InProcessTransport::new(ctx.runtime().clone())),
            move |event| me.run(move |process, ctx| process.on_event(ctx, event)),
        );
        match started {
            Ok(executor) => {
                self.script
                    .inner
                    .lock()
                    .executors
                    .insert(self.executor_id.clone(), executor.clone());
                self.executor = Some(executor);
            }
            Err(_) => self.finish(ctx, 1 << 8),
        }
    }

    fn finalize(&mut self, _ctx: &mut Context<Self>) {
        if let Some(executor) = self.executor.take() {
            executor.stop();
            let mut script = self.script.inner.lock();
            if script
                .executors
                .get(&self.executor_id)
                .is_some_and(|live| live.upid() == executor.upid())
            {
                script.executors.remove(&self.executor_id);
            }
        }
    }
}

impl FakeExecutorProcess {
    fn on_event(&mut self, ctx: &mut Context<Self>, event: ExecutorEvent) {
        if self.finished {
            return;
        }
        let ExecutorEvent::Received(event) = event else {
            return; // Disconnected: the driver resubscribes or shuts down by itself.
        };
        if let Some(closure) = self.custom.clone() {
            if let Some(control) = self.control() {
                closure(&control, &event);
            }
            return;
        }
        match event.r#type() {
            event::Type::Launch => {
                if let Some(launch) = event.launch {
                    self.launch(ctx, launch.task);
                }
            }
            event::Type::LaunchGroup => {
                if let Some(group) = event.launch_group {
                    for task in group.task_group.tasks {
                        self.launch(ctx, task);
                    }
                }
            }
            event::Type::Kill => {
                if let Some(kill) = event.kill {
                    self.terminate_task(ctx, &kill.task_id.value, TaskState::TaskKilled, None);
                }
            }
            event::Type::Acknowledged => {
                if let Some(acknowledged) = event.acknowledged {
                    self.acknowledged(ctx, &acknowledged.uuid);
                }
            }
            event::Type::Message => {
                if let Some(message) = event.message {
                    self.script
                        .inner
                        .lock()
                        .messages
                        .push((self.executor_id.clone(), message.data));
                }
            }
            event::Type::Shutdown => {
                let live: Vec<String> = self.tasks.keys().cloned().collect();
                for task_id in live {
                    self.terminate_task(ctx, &task_id, TaskState::TaskKilled, None);
                }
                if self.tasks.values().all(|task| task.acknowledged) {
                    self.finish(ctx, EXITED_CLEANLY);
                }
            }
            _ => {}
        }
    }

    fn control(&self) -> Option<FakeExecutorControl> {
        Some(FakeExecutorControl {
            executor: self.executor.clone()?,
            exit: self.exit.clone(),
            executor_id: self.executor_id.clone(),
        })
    }

    fn launch(&mut self, ctx: &mut Context<Self>, task: TaskInfo) {
        let task_id = task.task_id.value.clone();
        let behavior = self.script.behavior(&task_id);
        if let TaskBehavior::Crash { status } = behavior {
            return self.finish(ctx, status);
        }
        self.tasks.insert(
            task_id.clone(),
            PlayedTask {
                timer: None,
                terminal: None,
                acknowledged: false,
            },
        );
        let Some(executor) = &self.executor else {
            return;
        };
        if self.script.report_starting() {
            executor.update(status(&task_id, TaskState::TaskStarting, None));
        }
        executor.update(status(&task_id, TaskState::TaskRunning, None));
        let ending = match behavior {
            TaskBehavior::FinishAfter(after) => Some((after, TaskState::TaskFinished, None)),
            TaskBehavior::FailAfter(after, message) => {
                Some((after, TaskState::TaskFailed, Some(message)))
            }
            _ => None,
        };
        if let Some((after, state, message)) = ending {
            let id = task_id.clone();
            let timer = ctx.delay(after, move |process: &mut Self, ctx| {
                if let Some(task) = process.tasks.get_mut(&id) {
                    task.timer = None;
                }
                process.terminate_task(ctx, &id, state, message);
            });
            if let Some(task) = self.tasks.get_mut(&task_id) {
                task.timer = Some(timer);
            }
        }
    }

    /// Sends the terminal update of a live task (once).
    fn terminate_task(
        &mut self,
        ctx: &mut Context<Self>,
        task_id: &str,
        state: TaskState,
        message: Option<String>,
    ) {
        let Some(executor) = self.executor.clone() else {
            return;
        };
        let Some(task) = self.tasks.get_mut(task_id) else {
            return;
        };
        if task.terminal.is_some() {
            return;
        }
        if let Some(timer) = task.timer.take() {
            ctx.cancel(timer);
        }
        task.terminal = Some(executor.update(status(task_id, state, message)));
    }

    /// An update was acknowledged: once every task's terminal update is, the executor
    /// exits, as the command and default executors do.
    fn acknowledged(&mut self, ctx: &mut Context<Self>, uuid: &[u8]) {
        for task in self.tasks.values_mut() {
            if task.terminal.as_deref() == Some(uuid) {
                task.acknowledged = true;
            }
        }
        let all_done = !self.tasks.is_empty() && self.tasks.values().all(|task| task.acknowledged);
        if all_done {
            self.finish(ctx, EXITED_CLEANLY);
        }
    }

    /// Ends the container with `status` and stops.
    fn finish(&mut self, ctx: &mut Context<Self>, status: i32) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.exit.exit(status);
        ctx.terminate();
    }
}

/// A status update for `task_id` (the driver fills in uuid, source and timestamp).
pub fn status(task_id: &str, state: TaskState, message: Option<String>) -> TaskStatus {
    let mut status = TaskStatus {
        task_id: TaskId {
            value: task_id.to_owned(),
        },
        message,
        ..Default::default()
    };
    status.set_state(state);
    status
}
