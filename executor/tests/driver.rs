//! The executor driver against an in-process fake agent: subscription, events, updates kept
//! until acknowledged and handed back on resubscription, Mesos's rules for a lost agent,
//! retries, heartbeats and bad answers. The clock is paused; timers move only when a test
//! advances it, and every wait on the agent or the executor has a real-time deadline.

mod support;

use std::{
    sync::{
        Arc,
        mpsc::{self, Receiver},
    },
    time::Duration,
};

use executor::{
    Executor, ExecutorEvent, ExecutorSettings, HEARTBEAT_CALL_INTERVAL, InProcessTransport,
    SUBSCRIBE_RETRY_INTERVAL,
};
use libprocess::Runtime;
use proto::{
    codec::ContentType,
    v1::{
        TaskId, TaskState, TaskStatus,
        executor::{call, event},
        task_status::Source,
    },
};
use support::{Agent, DEADLINE};

struct Fixture {
    runtime: Runtime,
    agent: Agent,
    executor: Executor,
    events: Receiver<ExecutorEvent>,
}

fn start(checkpoint: bool, content_type: ContentType, agent: Agent, runtime: Runtime) -> Fixture {
    let mut settings =
        ExecutorSettings::from_env(support::environment(&runtime, &agent, checkpoint))
            .expect("settings");
    settings.content_type = content_type;
    let (sender, events) = mpsc::channel();
    let executor = Executor::start(
        &runtime,
        settings,
        Arc::new(InProcessTransport::new(runtime.clone())),
        move |event| {
            let _ = sender.send(event);
        },
    )
    .expect("driver");
    Fixture {
        runtime,
        agent,
        executor,
        events,
    }
}

fn fixture(checkpoint: bool) -> Fixture {
    let runtime = Runtime::builder().build().expect("runtime");
    runtime.clock().pause();
    let agent = Agent::spawn(&runtime);
    start(checkpoint, ContentType::Protobuf, agent, runtime)
}

impl Fixture {
    fn next_event(&self) -> ExecutorEvent {
        self.events
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("no event for the executor within {DEADLINE:?}"))
    }

    fn next_received(&self) -> proto::v1::executor::Event {
        match self.next_event() {
            ExecutorEvent::Received(event) => *event,
            other => panic!("expected an event from the agent, got {other:?}"),
        }
    }

    fn expect_subscribed(&self) {
        let subscribe = self.agent.next_call_of(call::Type::Subscribe);
        assert_eq!(subscribe.framework_id, support::framework_id());
        assert_eq!(subscribe.executor_id, support::executor_id());
        let event = self.next_received();
        assert_eq!(event.r#type(), event::Type::Subscribed);
    }

    /// Lets the driver finish what it is doing (so its timers are set), then moves time.
    fn advance(&self, by: Duration) {
        self.runtime.clock().settle_blocking();
        self.runtime.clock().advance(by);
    }
}

fn status(task: &str, state: TaskState) -> TaskStatus {
    let mut status = TaskStatus {
        task_id: TaskId { value: task.into() },
        ..Default::default()
    };
    status.set_state(state);
    status
}

#[test]
fn subscribes_and_delivers_the_agents_events_in_both_encodings() {
    for content_type in [ContentType::Protobuf, ContentType::Json] {
        let runtime = Runtime::builder().build().expect("runtime");
        let agent = Agent::spawn(&runtime);
        let fixture = start(false, content_type, agent, runtime);
        let subscribe = fixture.agent.next_call();
        assert_eq!(subscribe.r#type(), call::Type::Subscribe);
        let unacknowledged = subscribe.subscribe.expect("a subscribe payload");
        assert!(unacknowledged.unacknowledged_tasks.is_empty());
        assert!(unacknowledged.unacknowledged_updates.is_empty());
        let subscribed = fixture.next_received();
        assert_eq!(subscribed.r#type(), event::Type::Subscribed);
        let details = subscribed.subscribed.expect("details");
        assert_eq!(details.executor_info.executor_id, support::executor_id());

        fixture
            .agent
            .send(support::launch("t1", Default::default()));
        let launch = fixture.next_received();
        assert_eq!(launch.r#type(), event::Type::Launch);
        assert_eq!(launch.launch.unwrap().task.task_id.value, "t1");
        fixture.agent.send(support::bare(event::Type::Heartbeat));
        assert_eq!(fixture.next_received().r#type(), event::Type::Heartbeat);
        fixture.executor.stop();
    }
}

#[test]
fn updates_are_completed_and_kept_until_acknowledged_then_handed_back_on_resubscription() {
    let fixture = fixture(true);
    fixture.expect_subscribed();
    fixture
        .agent
        .send(support::launch("t1", Default::default()));
    fixture
        .agent
        .send(support::launch("t2", Default::default()));
    assert_eq!(fixture.next_received().r#type(), event::Type::Launch);
    assert_eq!(fixture.next_received().r#type(), event::Type::Launch);

    let starting = fixture
        .executor
        .update(status("t1", TaskState::TaskStarting));
    let running = fixture
        .executor
        .update(status("t1", TaskState::TaskRunning));
    assert_eq!(starting.len(), 16);
    let sent = fixture.agent.next_call_of(call::Type::Update);
    let update = sent.update.expect("an update").status;
    assert_eq!(update.uuid.as_deref(), Some(&starting[..]));
    assert_eq!(update.source, Some(Source::Executor as i32));
    assert_eq!(update.state(), TaskState::TaskStarting);
    let now = fixture
        .runtime
        .clock()
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert_eq!(update.timestamp, Some(now));
    fixture.agent.next_call_of(call::Type::Update);

    fixture
        .agent
        .acknowledge(&TaskId { value: "t1".into() }, starting.clone());
    let acknowledged = fixture.next_received();
    assert_eq!(acknowledged.r#type(), event::Type::Acknowledged);

    // The agent goes away; a checkpointing executor comes back with what is unacknowledged.
    fixture.agent.close_stream();
    assert!(matches!(
        fixture.next_event(),
        ExecutorEvent::Disconnected { .. }
    ));
    fixture.advance(Duration::from_secs(2));
    let resubscribe = fixture.agent.next_call_of(call::Type::Subscribe);
    let payload = resubscribe.subscribe.expect("a subscribe payload");
    let tasks: Vec<String> = payload
        .unacknowledged_tasks
        .iter()
        .map(|task| task.task_id.value.clone())
        .collect();
    assert_eq!(tasks, vec!["t2"], "t1 had an update acknowledged");
    let uuids: Vec<Vec<u8>> = payload
        .unacknowledged_updates
        .iter()
        .map(|update| update.status.uuid.clone().unwrap_or_default())
        .collect();
    assert_eq!(uuids, vec![running]);
    assert_eq!(fixture.next_received().r#type(), event::Type::Subscribed);
}

#[test]
fn updates_made_while_disconnected_wait_for_the_next_subscription() {
    let runtime = Runtime::builder().build().expect("runtime");
    runtime.clock().pause();
    let agent = Agent::spawn_with(&runtime, |agent| agent.refuse_subscribes = vec![503]);
    let fixture = start(false, ContentType::Protobuf, agent, runtime);
    fixture.agent.next_call_of(call::Type::Subscribe);
    let uuid = fixture.executor.update(status("t9", TaskState::TaskFailed));
    fixture.advance(SUBSCRIBE_RETRY_INTERVAL);
    let subscribe = fixture.agent.next_call_of(call::Type::Subscribe);
    let payload = subscribe.subscribe.expect("payload");
    assert_eq!(payload.unacknowledged_updates.len(), 1);
    assert_eq!(
        payload.unacknowledged_updates[0].status.uuid.as_deref(),
        Some(&uuid[..])
    );
    assert_eq!(fixture.next_received().r#type(), event::Type::Subscribed);
}

#[test]
fn without_checkpointing_a_lost_agent_means_shutdown() {
    let fixture = fixture(false);
    fixture.expect_subscribed();
    fixture.agent.close_stream();
    match fixture.next_event() {
        ExecutorEvent::Disconnected { reason } => {
            assert!(reason.contains("End-Of-File"), "{reason}")
        }
        other => panic!("expected a disconnection, got {other:?}"),
    }
    assert_eq!(fixture.next_received().r#type(), event::Type::Shutdown);
    // No resubscription follows.
    fixture.advance(Duration::from_secs(60));
    fixture.runtime.clock().settle_blocking();
    assert!(fixture.agent.calls.try_recv().is_err());
}

#[test]
fn a_checkpointing_executor_gives_up_after_the_recovery_timeout() {
    let fixture = fixture(true);
    fixture.expect_subscribed();
    // The agent keeps refusing: every retry is answered 503.
    fixture
        .agent
        .configure(|agent| agent.refuse_subscribes = vec![503; 1000]);
    fixture.agent.close_stream();
    assert!(matches!(
        fixture.next_event(),
        ExecutorEvent::Disconnected { .. }
    ));
    for _ in 0..25 {
        fixture.advance(Duration::from_secs(2));
        fixture.agent.next_call_of(call::Type::Subscribe);
    }
    fixture.advance(Duration::from_secs(11));
    assert_eq!(fixture.next_received().r#type(), event::Type::Shutdown);
}

#[test]
fn refused_subscriptions_are_retried_and_unexpected_answers_reported() {
    let runtime = Runtime::builder().build().expect("runtime");
    runtime.clock().pause();
    let agent = Agent::spawn_with(&runtime, |agent| {
        agent.refuse_subscribes = vec![503, 400];
        agent.update_status = 400;
    });
    let fixture = start(false, ContentType::Protobuf, agent, runtime);
    fixture.agent.next_call_of(call::Type::Subscribe);
    fixture.advance(SUBSCRIBE_RETRY_INTERVAL);
    fixture.agent.next_call_of(call::Type::Subscribe);
    // A 400 is unexpected: reported as ERROR, and retried all the same.
    let error = fixture.next_received();
    assert_eq!(error.r#type(), event::Type::Error);
    assert!(error.error.unwrap().message.contains("'400'"));
    fixture.advance(SUBSCRIBE_RETRY_INTERVAL);
    fixture.expect_subscribed();

    fixture
        .executor
        .update(status("t1", TaskState::TaskRunning));
    fixture.agent.next_call_of(call::Type::Update);
    let error = fixture.next_received();
    assert_eq!(error.r#type(), event::Type::Error);
    assert!(
        error.error.unwrap().message.contains("for UPDATE"),
        "the error names the call"
    );
}

#[test]
fn messages_and_heartbeats_go_to_the_agent() {
    let fixture = fixture(false);
    fixture.expect_subscribed();
    fixture.executor.message(&b"hello"[..]);
    let message = fixture.agent.next_call_of(call::Type::Message);
    assert_eq!(message.message.unwrap().data, b"hello");
    fixture.advance(HEARTBEAT_CALL_INTERVAL);
    let heartbeat = fixture.agent.next_call();
    assert_eq!(heartbeat.r#type(), call::Type::Heartbeat);
}

#[test]
fn a_bad_event_is_reported_and_broken_framing_ends_the_subscription() {
    let fixture = fixture(false);
    fixture.expect_subscribed();
    // A well-framed record that is no Event.
    fixture.agent.send_raw(b"3\n\xff\xff\xff");
    let error = fixture.next_received();
    assert_eq!(error.r#type(), event::Type::Error);
    assert!(error.error.unwrap().message.contains("de-serialize"));
    // The stream goes on.
    fixture.agent.send(support::bare(event::Type::Heartbeat));
    assert_eq!(fixture.next_received().r#type(), event::Type::Heartbeat);
    // Broken framing ends it.
    fixture.agent.send_raw(b"x\n");
    match fixture.next_event() {
        ExecutorEvent::Disconnected { reason } => {
            assert!(reason.contains("Failed to decode"), "{reason}")
        }
        other => panic!("expected a disconnection, got {other:?}"),
    }
    assert_eq!(fixture.next_received().r#type(), event::Type::Shutdown);
    // The driver stopped consuming the broken stream, which closed it on the agent's side.
    fixture.runtime.clock().settle_blocking();
    assert!(fixture.agent.closed.try_recv().is_ok());
}

#[test]
fn the_agents_shutdown_is_delivered_once() {
    let fixture = fixture(true);
    fixture.expect_subscribed();
    fixture.agent.send(support::bare(event::Type::Shutdown));
    assert_eq!(fixture.next_received().r#type(), event::Type::Shutdown);
    fixture.agent.close_stream();
    assert!(matches!(
        fixture.next_event(),
        ExecutorEvent::Disconnected { .. }
    ));
    // Shutting down: no resubscription and no second SHUTDOWN.
    fixture.advance(Duration::from_secs(120));
    fixture.runtime.clock().settle_blocking();
    assert!(fixture.events.try_recv().is_err());
    assert!(
        fixture
            .agent
            .calls
            .try_iter()
            .all(|call| call.r#type() != call::Type::Subscribe)
    );
}

#[test]
fn stopping_the_driver_closes_its_stream_at_once() {
    let fixture = fixture(false);
    fixture.expect_subscribed();
    assert!(fixture.agent.closed.try_recv().is_err());
    fixture.executor.stop();
    // Terminating the driver stops consuming the stream, which closes it: settling is
    // enough for the agent to have seen it go.
    fixture.runtime.clock().settle_blocking();
    fixture
        .agent
        .closed
        .try_recv()
        .expect("the agent sees the executor's stream close");
}

/// The driver consumes its event stream as libprocess events, so settling the paused clock
/// is enough for every event the agent wrote to have reached the executor: no waiting.
#[test]
fn settling_delivers_every_event_written_so_far() {
    let fixture = fixture(false);
    fixture.runtime.clock().settle_blocking();
    let subscribed = fixture
        .events
        .try_recv()
        .expect("SUBSCRIBED after settling");
    assert!(
        matches!(&subscribed, ExecutorEvent::Received(event) if event.r#type() == event::Type::Subscribed),
        "{subscribed:?}"
    );
    for round in 0..200 {
        fixture.agent.send(support::bare(event::Type::Heartbeat));
        fixture.runtime.clock().settle_blocking();
        match fixture.events.try_recv() {
            Ok(ExecutorEvent::Received(event)) => {
                assert_eq!(event.r#type(), event::Type::Heartbeat)
            }
            other => panic!("round {round}: the settled event was not delivered: {other:?}"),
        }
    }
    fixture.executor.stop();
}
