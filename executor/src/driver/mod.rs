//! The executor driver: a libprocess process that subscribes to the agent's executor API,
//! reads the event stream, sends status updates and messages, keeps what the agent has not
//! acknowledged and hands it back on every (re)subscription, and resubscribes after a
//! disconnection when the framework checkpoints (Mesos's `mesos::v1::executor::Mesos` plus
//! the bookkeeping Mesos leaves to each executor).

mod books;
pub(crate) mod stream;

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use libprocess::{Context, Pid, Process, Request, Response, Runtime, SpawnError, TimerId};
use proto::v1::{
    ExecutorId, FrameworkId, TaskStatus,
    executor::{Call, Event, call, event},
    task_status::Source,
};

use crate::{ExecutorSettings, Transport};
use books::Books;

/// How often a subscribed executor sends HEARTBEAT calls (Mesos's
/// `DEFAULT_HEARTBEAT_CALL_INTERVAL`).
pub const HEARTBEAT_CALL_INTERVAL: Duration = Duration::from_secs(30 * 60);
/// How long a SUBSCRIBE that the agent refused (e.g. `503` while it recovers) waits before
/// trying again, as Mesos's executors retry.
pub const SUBSCRIBE_RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// What the driver tells the executor.
#[derive(Debug, Clone, PartialEq)]
pub enum ExecutorEvent {
    /// An event from the agent (SUBSCRIBED first, then LAUNCH, KILL, ACKNOWLEDGED, ...), or
    /// one the driver makes up: SHUTDOWN when the agent is lost for good, ERROR when the
    /// agent answered a call unexpectedly.
    Received(Box<Event>),
    /// The subscription broke. A checkpointing executor's driver is resubscribing (and
    /// hands back what is unacknowledged); otherwise a SHUTDOWN event follows.
    Disconnected {
        /// What happened.
        reason: String,
    },
}

/// A handle to a running driver: send updates and messages, or stop it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Executor {
    process: Pid<DriverProcess>,
}

impl Executor {
    /// Starts a driver on `runtime` that reaches the agent through `transport` and calls
    /// `handler` (on the driver's thread, in order) with every [`ExecutorEvent`]. It
    /// subscribes at once.
    ///
    /// # Errors
    /// The runtime has shut down.
    pub fn start<H>(
        runtime: &Runtime,
        settings: ExecutorSettings,
        transport: Arc<dyn Transport>,
        handler: H,
    ) -> Result<Executor, SpawnError>
    where
        H: FnMut(ExecutorEvent) + Send + 'static,
    {
        let id = runtime.generate_id("executor");
        let process = runtime.spawn(
            id,
            DriverProcess {
                settings,
                transport,
                handler: Box::new(handler),
                books: Books::default(),
                state: State::Disconnected,
                connection: 0,
                stream: None,
                outbox: std::collections::VecDeque::new(),
                in_flight: None,
                sent_calls: 0,
                ever_subscribed: false,
                recovery: None,
                shutting_down: false,
                exit_on_shutdown: false,
            },
        )?;
        Ok(Executor { process })
    }

    /// Sends a status update. The driver fills in what the caller left out: a fresh
    /// 16-byte `uuid`, `source` = SOURCE_EXECUTOR and the `timestamp` (runtime clock). The
    /// update is kept until the agent acknowledges it and handed back on resubscription;
    /// while not subscribed it waits for the next subscription. Returns its uuid.
    pub fn update(&self, mut status: TaskStatus) -> Vec<u8> {
        let uuid = status
            .uuid
            .get_or_insert_with(|| uuid::Uuid::new_v4().as_bytes().to_vec())
            .clone();
        self.process
            .run(move |driver, ctx| driver.send_update(ctx, status));
        uuid
    }

    /// Sends a framework message (MESSAGE call), if subscribed; dropped with a warning
    /// otherwise, as Mesos drops calls made while not subscribed.
    pub fn message(&self, data: impl Into<Bytes>) {
        let data = data.into();
        self.process
            .run(move |driver, ctx| driver.send_message(ctx, data));
    }

    /// After a SHUTDOWN event, kill this OS process's process group once the shutdown
    /// grace period is over, as Mesos's executor library does (a safety net for an executor
    /// that does not exit by itself). Only for real executor processes: never set it in
    /// an executor that shares its OS process with others (`MESOS_LOCAL`, tests).
    pub fn exit_on_shutdown(&self) {
        self.process
            .run(|driver, _ctx| driver.exit_on_shutdown = !driver.settings.local);
    }

    /// Stops the driver: the subscription is closed (the agent sees the executor go).
    pub fn stop(&self) {
        self.process.terminate();
    }

    /// The driver's process id.
    pub fn upid(&self) -> &libprocess::Upid {
        self.process.upid()
    }
}

/// Where the subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No subscription, none under way.
    Disconnected,
    /// A SUBSCRIBE call is in flight.
    Subscribing,
    /// The event stream is open.
    Subscribed,
}

pub(crate) struct DriverProcess {
    settings: ExecutorSettings,
    transport: Arc<dyn Transport>,
    handler: Box<dyn FnMut(ExecutorEvent) + Send>,
    books: Books,
    state: State,
    /// Counts subscription attempts; answers and stream chunks of older ones are ignored.
    connection: u64,
    /// The event stream being read, if any; stopping it closes it (the agent sees the
    /// executor go).
    stream: Option<libprocess::ConsumerId>,
    /// Calls waiting for the one in flight to be answered.
    outbox: std::collections::VecDeque<Call>,
    /// The call being answered (its number), if any.
    in_flight: Option<u64>,
    /// How many calls have been sent (numbers them).
    sent_calls: u64,
    ever_subscribed: bool,
    /// While a checkpointing executor tries to get its agent back: the timer that gives up.
    recovery: Option<TimerId>,
    /// A SHUTDOWN was delivered; nothing more is attempted.
    shutting_down: bool,
    exit_on_shutdown: bool,
}

impl Process for DriverProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        self.subscribe(ctx);
        ctx.delay(HEARTBEAT_CALL_INTERVAL, Self::heartbeat);
    }
}

impl DriverProcess {
    fn call(&self, kind: call::Type) -> Call {
        let mut call = Call {
            executor_id: ExecutorId {
                value: self.settings.executor_id.clone(),
            },
            framework_id: FrameworkId {
                value: self.settings.framework_id.clone(),
            },
            ..Default::default()
        };
        call.set_type(kind);
        call
    }

    fn request(&self, call: &Call) -> Request {
        let content_type = self.settings.content_type;
        let mut request = Request::post(
            self.settings.agent.path.clone(),
            proto::codec::encode(content_type, call),
        )
        .with_header("Host", self.settings.agent.address.clone())
        .with_header("Content-Type", content_type.as_str())
        .with_header("Accept", content_type.as_str());
        if let Some(token) = &self.settings.authentication_token {
            request = request.with_header("Authorization", format!("Bearer {token}"));
        }
        request
    }

    fn deliver(&mut self, event: ExecutorEvent) {
        (self.handler)(event);
    }

    /// Stops reading the current event stream, if any, which closes it.
    fn close_stream(&mut self, ctx: &mut Context<Self>) {
        if let Some(consumer) = self.stream.take() {
            ctx.stop_consuming(consumer);
        }
    }

    /// Sends SUBSCRIBE with everything unacknowledged.
    fn subscribe(&mut self, ctx: &mut Context<Self>) {
        if self.shutting_down || self.state != State::Disconnected {
            return;
        }
        self.connection += 1;
        self.close_stream(ctx);
        self.state = State::Subscribing;
        let mut call = self.call(call::Type::Subscribe);
        call.subscribe = Some(self.books.subscribe());
        let connection = self.connection;
        let response = self.transport.send(self.request(&call));
        ctx.then(response, move |driver: &mut Self, ctx, response| {
            driver.subscribed(ctx, connection, response)
        });
    }

    fn subscribed(
        &mut self,
        ctx: &mut Context<Self>,
        connection: u64,
        response: Result<Response, libprocess::Failure>,
    ) {
        if connection != self.connection || self.state != State::Subscribing {
            return;
        }
        let response = match response {
            Ok(response) => response,
            Err(failure) => {
                return self.lost(ctx, format!("could not reach the agent: {failure}"));
            }
        };
        if response.status != 200 {
            let body = response
                .full_body()
                .map(|body| String::from_utf8_lossy(body).into_owned())
                .unwrap_or_default();
            tracing::warn!(status = response.status, %body, "SUBSCRIBE refused; retrying");
            if response.status != 503 && response.status != 404 {
                self.deliver(received(error_event(format!(
                    "Received unexpected '{}' ({body}) for SUBSCRIBE",
                    response.status
                ))));
            }
            self.state = State::Disconnected;
            ctx.delay(SUBSCRIBE_RETRY_INTERVAL, |driver: &mut Self, ctx| {
                driver.subscribe(ctx)
            });
            return;
        }
        self.state = State::Subscribed;
        self.ever_subscribed = true;
        if let Some(timer) = self.recovery.take() {
            ctx.cancel(timer);
        }
        let content_type = self.settings.content_type;
        stream::read(self, ctx, connection, response, content_type);
    }

    /// One decoded event from the stream of subscription `connection`.
    pub(crate) fn received(&mut self, ctx: &mut Context<Self>, connection: u64, event: Event) {
        if connection != self.connection || self.state != State::Subscribed {
            return;
        }
        match event.r#type() {
            event::Type::Launch => {
                if let Some(launch) = &event.launch {
                    self.books.launched(launch.task.clone());
                }
            }
            event::Type::LaunchGroup => {
                if let Some(group) = &event.launch_group {
                    for task in &group.task_group.tasks {
                        self.books.launched(task.clone());
                    }
                }
            }
            event::Type::Acknowledged => {
                if let Some(acknowledged) = &event.acknowledged
                    && self.books.acknowledged(&acknowledged.uuid).is_none()
                {
                    tracing::warn!(task = %acknowledged.task_id.value, "acknowledgement of an unknown update");
                }
            }
            event::Type::Shutdown => return self.shutdown(ctx, event),
            _ => {}
        }
        self.deliver(received(event));
    }

    /// The stream of subscription `connection` ended or broke.
    pub(crate) fn stream_ended(
        &mut self,
        ctx: &mut Context<Self>,
        connection: u64,
        reason: String,
    ) {
        if connection != self.connection || self.state != State::Subscribed {
            return;
        }
        self.deliver(ExecutorEvent::Disconnected {
            reason: reason.clone(),
        });
        self.lost(ctx, reason);
    }

    /// The agent is out of reach: resubscribe (checkpointing, after having been subscribed)
    /// or shut down, as Mesos's executor library does.
    fn lost(&mut self, ctx: &mut Context<Self>, reason: String) {
        self.state = State::Disconnected;
        self.connection += 1;
        self.close_stream(ctx);
        // Queued calls belonged to the lost subscription: updates go back with the next
        // SUBSCRIBE, messages are dropped as Mesos drops them.
        self.outbox.clear();
        self.in_flight = None;
        if self.shutting_down {
            return;
        }
        if self.settings.checkpoint && (self.ever_subscribed || self.recovery.is_some()) {
            if self.recovery.is_none() {
                let timeout = self.settings.recovery_timeout;
                let give_up = reason.clone();
                self.recovery = Some(ctx.delay(timeout, move |driver: &mut Self, ctx| {
                    driver.recovery = None;
                    if driver.state != State::Subscribed {
                        tracing::warn!(?timeout, reason = %give_up, "agent not back in time");
                        driver.shutdown(ctx, shutdown_event());
                    }
                }));
            }
            let max = self.settings.subscription_backoff_max;
            let backoff = max.mul_f64(rand::random::<f64>());
            tracing::info!(%reason, ?backoff, "disconnected from the agent; resubscribing");
            ctx.delay(backoff, |driver: &mut Self, ctx| driver.subscribe(ctx));
        } else {
            tracing::info!(%reason, "disconnected from the agent; shutting down");
            self.shutdown(ctx, shutdown_event());
        }
    }

    /// Delivers SHUTDOWN (once) and, if asked, arms the process-group kill.
    fn shutdown(&mut self, ctx: &mut Context<Self>, event: Event) {
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        if self.exit_on_shutdown {
            let grace = self.settings.shutdown_grace_period;
            ctx.delay(grace, |_driver: &mut Self, _ctx| {
                tracing::warn!("shutdown grace period over: killing the process group");
                let group = nix::unistd::getpgrp();
                let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            });
        }
        self.deliver(received(event));
    }

    fn send_update(&mut self, ctx: &mut Context<Self>, mut status: TaskStatus) {
        if status.source.is_none() {
            status.set_source(Source::Executor);
        }
        if status.timestamp.is_none() {
            let now = ctx.runtime().clock().now();
            let seconds = now
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            status.timestamp = Some(seconds);
        }
        let uuid = status.uuid.clone().unwrap_or_default();
        let update = call::Update { status };
        self.books.sent(uuid, update.clone());
        if self.state == State::Subscribed {
            let mut call = self.call(call::Type::Update);
            call.update = Some(update);
            self.post(ctx, call);
        }
    }

    fn send_message(&mut self, ctx: &mut Context<Self>, data: Bytes) {
        if self.state != State::Subscribed {
            tracing::warn!("dropping MESSAGE: not subscribed");
            return;
        }
        let mut call = self.call(call::Type::Message);
        call.message = Some(call::Message {
            data: data.to_vec(),
        });
        self.post(ctx, call);
    }

    fn heartbeat(&mut self, ctx: &mut Context<Self>) {
        if self.state == State::Subscribed {
            let call = self.call(call::Type::Heartbeat);
            self.post(ctx, call);
        }
        ctx.delay(HEARTBEAT_CALL_INTERVAL, Self::heartbeat);
    }

    /// Queues a non-SUBSCRIBE call. Calls go out one at a time, each after the answer to
    /// the previous one, so the agent gets them in order over any transport (HTTP/1.1
    /// connections of a pool would otherwise race).
    fn post(&mut self, ctx: &mut Context<Self>, call: Call) {
        self.outbox.push_back(call);
        self.send_next(ctx);
    }

    /// Sends the next queued call unless one is in flight; anything but `202 Accepted` for
    /// it becomes an ERROR event.
    fn send_next(&mut self, ctx: &mut Context<Self>) {
        if self.in_flight.is_some() {
            return;
        }
        let Some(call) = self.outbox.pop_front() else {
            return;
        };
        self.sent_calls += 1;
        let sequence = self.sent_calls;
        self.in_flight = Some(sequence);
        let kind = call.r#type();
        let response = self.transport.send(self.request(&call));
        ctx.then(response, move |driver: &mut Self, ctx, response| {
            if driver.in_flight != Some(sequence) {
                return; // Sent on a subscription that is gone.
            }
            driver.in_flight = None;
            match response {
                Ok(response) if response.status == 202 => {}
                Ok(response) => {
                    let body = response
                        .full_body()
                        .map(|body| String::from_utf8_lossy(body).into_owned())
                        .unwrap_or_default();
                    driver.deliver(received(error_event(format!(
                        "Received unexpected '{}' ({body}) for {}",
                        response.status,
                        kind.as_str_name()
                    ))));
                }
                // The subscription's stream notices a lost agent; updates are handed back on
                // resubscription.
                Err(failure) => tracing::warn!(%failure, call = kind.as_str_name(), "call failed"),
            }
            driver.send_next(ctx);
        });
    }
}

fn shutdown_event() -> Event {
    let mut event = Event::default();
    event.set_type(event::Type::Shutdown);
    event
}

fn error_event(message: String) -> Event {
    let mut event = Event {
        error: Some(event::Error { message }),
        ..Default::default()
    };
    event.set_type(event::Type::Error);
    event
}

fn received(event: Event) -> ExecutorEvent {
    ExecutorEvent::Received(Box::new(event))
}
