//! [`ExecutorCallbacks`]: the executor driver as callbacks (Mesos's `mesos::Executor`:
//! registered, launch, kill, message, shutdown, ...) on top of the event handler that
//! [`Executor::start`] takes; [`Executor::start_with_callbacks`] wires one up.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use libprocess::{Runtime, SpawnError};
use proto::v1::{
    KillPolicy, TaskGroupInfo, TaskId, TaskInfo,
    executor::{Event, event},
};

use crate::{Executor, ExecutorEvent, ExecutorSettings, Transport};

/// An executor written as callbacks. Each gets the driver handle to answer with
/// ([`Executor::update`], [`Executor::message`], [`Executor::stop`]). Callbacks run one at
/// a time, in the order the agent's events arrived, and must not block; every method has
/// an empty default. Types are the v1 protobufs the executor API speaks.
pub trait ExecutorCallbacks: Send + 'static {
    /// The agent accepted the subscription (Mesos's `registered`, and `reregistered` after
    /// a resubscription): who the executor is, its framework and its agent.
    fn subscribed(&mut self, executor: &Executor, subscribed: &event::Subscribed) {
        let _ = (executor, subscribed);
    }

    /// The subscription broke (Mesos's `disconnected`): a checkpointing executor's driver
    /// is resubscribing; otherwise [`shutdown`](ExecutorCallbacks::shutdown) follows.
    fn disconnected(&mut self, executor: &Executor, reason: &str) {
        let _ = (executor, reason);
    }

    /// Run a task (Mesos's `launchTask`); report its states with [`Executor::update`].
    fn launch(&mut self, executor: &Executor, task: &TaskInfo) {
        let _ = (executor, task);
    }

    /// Run a task group: every task starts together (the default executor's LAUNCH_GROUP).
    fn launch_group(&mut self, executor: &Executor, group: &TaskGroupInfo) {
        let _ = (executor, group);
    }

    /// Kill a task (Mesos's `killTask`), within `policy`'s grace period if given; report
    /// TASK_KILLED when it is gone.
    fn kill(&mut self, executor: &Executor, task_id: &TaskId, policy: Option<&KillPolicy>) {
        let _ = (executor, task_id, policy);
    }

    /// The agent has the update `uuid` of `task_id` for good (it will not be resent).
    fn acknowledged(&mut self, executor: &Executor, task_id: &TaskId, uuid: &[u8]) {
        let _ = (executor, task_id, uuid);
    }

    /// The scheduler sent the executor a message (Mesos's `frameworkMessage`).
    fn message(&mut self, executor: &Executor, data: &[u8]) {
        let _ = (executor, data);
    }

    /// Kill every task and exit (Mesos's `shutdown`): asked by the agent, or the agent is
    /// lost for good. Nothing follows.
    fn shutdown(&mut self, executor: &Executor) {
        let _ = executor;
    }

    /// The agent sent an error, or answered a call unexpectedly (Mesos's `error`).
    fn error(&mut self, executor: &Executor, message: &str) {
        let _ = (executor, message);
    }
}

/// Calls the callback that `event` stands for (heartbeats and unknown or malformed events
/// call none).
pub fn dispatch(callbacks: &mut dyn ExecutorCallbacks, executor: &Executor, event: ExecutorEvent) {
    let event: Event = match event {
        ExecutorEvent::Disconnected { reason } => {
            callbacks.disconnected(executor, &reason);
            return;
        }
        ExecutorEvent::Received(event) => *event,
    };
    match event.r#type() {
        event::Type::Subscribed => {
            if let Some(subscribed) = &event.subscribed {
                callbacks.subscribed(executor, subscribed);
            }
        }
        event::Type::Launch => {
            if let Some(launch) = &event.launch {
                callbacks.launch(executor, &launch.task);
            }
        }
        event::Type::LaunchGroup => {
            if let Some(launch) = &event.launch_group {
                callbacks.launch_group(executor, &launch.task_group);
            }
        }
        event::Type::Kill => {
            if let Some(kill) = &event.kill {
                callbacks.kill(executor, &kill.task_id, kill.kill_policy.as_ref());
            }
        }
        event::Type::Acknowledged => {
            if let Some(acknowledged) = &event.acknowledged {
                callbacks.acknowledged(executor, &acknowledged.task_id, &acknowledged.uuid);
            }
        }
        event::Type::Message => {
            if let Some(message) = &event.message {
                callbacks.message(executor, &message.data);
            }
        }
        event::Type::Shutdown => callbacks.shutdown(executor),
        event::Type::Error => {
            let message = event
                .error
                .as_ref()
                .map_or("", |error| error.message.as_str());
            callbacks.error(executor, message);
        }
        event::Type::Heartbeat | event::Type::Unknown => {}
    }
}

/// The callbacks and the events that came before the handle existed.
struct Adapter {
    callbacks: Box<dyn ExecutorCallbacks>,
    executor: Option<Executor>,
    pending: VecDeque<ExecutorEvent>,
}

impl Adapter {
    /// Delivers what is pending, once the handle is known.
    fn drain(&mut self) {
        let Some(executor) = self.executor.clone() else {
            return;
        };
        while let Some(event) = self.pending.pop_front() {
            dispatch(self.callbacks.as_mut(), &executor, event);
        }
    }
}

/// Locks the adapter; a callback that panicked (its process then stopped) leaves it usable.
fn lock(adapter: &Mutex<Adapter>) -> MutexGuard<'_, Adapter> {
    adapter.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Executor {
    /// [`start`](Executor::start) with `callbacks` instead of an event handler: each event
    /// becomes the callback it stands for ([`dispatch`]).
    ///
    /// # Errors
    /// The runtime has shut down.
    pub fn start_with_callbacks(
        runtime: &Runtime,
        settings: ExecutorSettings,
        transport: Arc<dyn Transport>,
        callbacks: impl ExecutorCallbacks,
    ) -> Result<Executor, SpawnError> {
        let adapter = Arc::new(Mutex::new(Adapter {
            callbacks: Box::new(callbacks),
            executor: None,
            pending: VecDeque::new(),
        }));
        let handler = adapter.clone();
        // The first events may come before `start` returns the handle the callbacks need:
        // they wait in `pending`, and whoever sees the handle first delivers them, in order.
        let executor = Executor::start(runtime, settings, transport, move |event| {
            let mut adapter = lock(&handler);
            adapter.pending.push_back(event);
            adapter.drain();
        })?;
        let mut adapter = lock(&adapter);
        adapter.executor = Some(executor.clone());
        adapter.drain();
        Ok(executor)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use proto::{
        codec::ContentType,
        v1::{ExecutorId, executor::event},
    };

    use super::*;
    use crate::InProcessTransport;

    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<String>>>);

    impl ExecutorCallbacks for Recorder {
        fn subscribed(&mut self, _: &Executor, subscribed: &event::Subscribed) {
            let id = &subscribed.executor_info.executor_id.value;
            self.0.lock().unwrap().push(format!("subscribed {id}"));
        }
        fn disconnected(&mut self, _: &Executor, _: &str) {
            self.0.lock().unwrap().push("disconnected".into());
        }
        fn launch(&mut self, _: &Executor, task: &TaskInfo) {
            self.0
                .lock()
                .unwrap()
                .push(format!("launch {}", task.task_id.value));
        }
        fn launch_group(&mut self, _: &Executor, group: &TaskGroupInfo) {
            self.0
                .lock()
                .unwrap()
                .push(format!("group of {}", group.tasks.len()));
        }
        fn kill(&mut self, _: &Executor, task_id: &TaskId, policy: Option<&KillPolicy>) {
            let policy = policy.is_some();
            self.0
                .lock()
                .unwrap()
                .push(format!("kill {} {policy}", task_id.value));
        }
        fn acknowledged(&mut self, _: &Executor, task_id: &TaskId, uuid: &[u8]) {
            self.0
                .lock()
                .unwrap()
                .push(format!("acknowledged {} {uuid:?}", task_id.value));
        }
        fn message(&mut self, _: &Executor, data: &[u8]) {
            self.0
                .lock()
                .unwrap()
                .push(format!("message {}", String::from_utf8_lossy(data)));
        }
        fn shutdown(&mut self, _: &Executor) {
            self.0.lock().unwrap().push("shutdown".into());
        }
        fn error(&mut self, _: &Executor, message: &str) {
            self.0.lock().unwrap().push(format!("error {message}"));
        }
    }

    /// Settings for an agent at `runtime`'s address, where no agent runs.
    fn settings(runtime: &Runtime) -> ExecutorSettings {
        let mut settings = ExecutorSettings::from_env([
            ("MESOS_FRAMEWORK_ID", "framework-0000".to_string()),
            ("MESOS_EXECUTOR_ID", "executor-1".to_string()),
            ("MESOS_SLAVE_PID", format!("slave(1)@{}", runtime.address())),
            ("MESOS_AGENT_ENDPOINT", runtime.address().to_string()),
            ("MESOS_CHECKPOINT", "0".to_string()),
        ])
        .expect("settings");
        settings.content_type = ContentType::Protobuf;
        settings
    }

    fn event(kind: event::Type, fill: impl FnOnce(&mut Event)) -> ExecutorEvent {
        let mut event = Event::default();
        event.set_type(kind);
        fill(&mut event);
        ExecutorEvent::Received(Box::new(event))
    }

    fn task_id(value: &str) -> TaskId {
        TaskId {
            value: value.into(),
        }
    }

    #[test]
    fn every_event_becomes_its_callback() {
        let runtime = Runtime::builder().build().expect("runtime");
        runtime.clock().pause();
        let executor = Executor::start(
            &runtime,
            settings(&runtime),
            Arc::new(InProcessTransport::new(runtime.clone())),
            |_| {},
        )
        .expect("driver");
        let recorder = Recorder::default();
        let mut callbacks = recorder.clone();
        let events = [
            event(event::Type::Subscribed, |event| {
                let mut subscribed = event::Subscribed::default();
                subscribed.executor_info.executor_id = ExecutorId { value: "e1".into() };
                event.subscribed = Some(subscribed);
            }),
            event(event::Type::Launch, |event| {
                let mut launch = event::Launch::default();
                launch.task.task_id = task_id("t1");
                event.launch = Some(launch);
            }),
            event(event::Type::LaunchGroup, |event| {
                let mut group = event::LaunchGroup::default();
                group.task_group.tasks = vec![TaskInfo::default(), TaskInfo::default()];
                event.launch_group = Some(group);
            }),
            event(event::Type::Kill, |event| {
                event.kill = Some(event::Kill {
                    task_id: task_id("t1"),
                    kill_policy: Some(KillPolicy::default()),
                });
            }),
            event(event::Type::Acknowledged, |event| {
                event.acknowledged = Some(event::Acknowledged {
                    task_id: task_id("t1"),
                    uuid: vec![7],
                });
            }),
            event(event::Type::Message, |event| {
                event.message = Some(event::Message {
                    data: b"hi".to_vec(),
                });
            }),
            event(event::Type::Heartbeat, |_| {}),
            // A LAUNCH without its task is malformed: no callback.
            event(event::Type::Launch, |_| {}),
            event(event::Type::Error, |event| {
                event.error = Some(event::Error {
                    message: "bad".into(),
                });
            }),
            ExecutorEvent::Disconnected {
                reason: "gone".into(),
            },
            event(event::Type::Shutdown, |_| {}),
        ];
        for event in events {
            dispatch(&mut callbacks, &executor, event);
        }
        assert_eq!(
            *recorder.0.lock().unwrap(),
            [
                "subscribed e1",
                "launch t1",
                "group of 2",
                "kill t1 true",
                "acknowledged t1 [7]",
                "message hi",
                "error bad",
                "disconnected",
                "shutdown",
            ]
        );
        executor.stop();
    }

    /// A transport to an agent that cannot be reached.
    struct Unreachable;

    impl Transport for Unreachable {
        fn send(&self, _: libprocess::Request) -> libprocess::Future<libprocess::Response> {
            libprocess::Future::failed("connection refused")
        }
    }

    #[test]
    fn a_driver_with_callbacks_shuts_down_without_an_agent() {
        // The agent cannot be reached: a non-checkpointing executor's driver gives up, and
        // the callbacks hear SHUTDOWN (through the adapter, even if it came before the
        // handle existed).
        let runtime = Runtime::builder().build().expect("runtime");
        let recorder = Recorder::default();
        let executor = Executor::start_with_callbacks(
            &runtime,
            settings(&runtime),
            Arc::new(Unreachable),
            recorder.clone(),
        )
        .expect("driver");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !recorder
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|seen| seen == "shutdown")
        {
            assert!(
                Instant::now() < deadline,
                "no shutdown within 30s: {:?}",
                recorder.0.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            recorder.0.lock().unwrap().last().map(String::as_str),
            Some("shutdown")
        );
        executor.stop();
    }
}
