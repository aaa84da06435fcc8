//! Tests of the status update manager: order, one in flight, retries with backoff, acks,
//! duplicates, pause and resume, cleanup.

use std::time::Duration;

use proto::{
    internal::StatusUpdate,
    v0::{FrameworkId, TaskId, TaskState, TaskStatus},
};

use super::*;

fn update(framework: &str, task: &str, state: TaskState, uuid: u8) -> StatusUpdate {
    StatusUpdate {
        framework_id: FrameworkId {
            value: framework.into(),
        },
        status: TaskStatus {
            task_id: TaskId { value: task.into() },
            state: state as i32,
            ..Default::default()
        },
        timestamp: 1.0,
        uuid: Some(vec![uuid; 16]),
        ..Default::default()
    }
}

fn running() -> StatusUpdateManager {
    let mut manager = StatusUpdateManager::new();
    assert!(manager.resume().is_empty());
    manager
}

fn forwarded(accepted: Accepted) -> Forward {
    match accepted {
        Accepted::Forward(forward) => *forward,
        other => panic!("expected a forward, got {other:?}"),
    }
}

#[test]
fn only_the_head_is_in_flight_and_acks_release_the_next_in_order() {
    let mut manager = running();
    let first = forwarded(
        manager
            .update(update("f", "t", TaskState::TaskStarting, 1))
            .unwrap(),
    );
    assert_eq!(first.update.status.uuid, Some(vec![1; 16]));
    assert_eq!(first.retry.after, RETRY_INTERVAL_MIN);
    assert_eq!(
        manager.update(update("f", "t", TaskState::TaskRunning, 2)),
        Ok(Accepted::Queued)
    );
    assert_eq!(
        manager.update(update("f", "t", TaskState::TaskFinished, 3)),
        Ok(Accepted::Queued)
    );
    // Another task's stream is independent.
    assert!(matches!(
        manager.update(update("f", "u", TaskState::TaskRunning, 9)),
        Ok(Accepted::Forward(_))
    ));

    let acked = manager.acknowledge("f", "t", &[1; 16]).unwrap();
    assert!(!acked.terminated);
    assert_eq!(acked.state, Some(TaskState::TaskStarting));
    let next = acked.next.expect("the next update goes");
    assert_eq!(next.update.status.state, TaskState::TaskRunning as i32);

    let next = manager
        .acknowledge("f", "t", &[2; 16])
        .unwrap()
        .next
        .unwrap();
    assert_eq!(next.update.status.state, TaskState::TaskFinished as i32);
    let last = manager.acknowledge("f", "t", &[3; 16]).unwrap();
    assert!(last.terminated);
    assert_eq!(last.next, None);
    assert!(manager.pending("f", "t").is_empty());
    assert_eq!(manager.stream_count(), 1);
}

#[test]
fn retries_double_up_to_ten_minutes_and_stale_tickets_do_nothing() {
    let mut manager = running();
    let first = forwarded(
        manager
            .update(update("f", "t", TaskState::TaskRunning, 1))
            .unwrap(),
    );
    let mut ticket = first.retry.clone();
    let mut intervals = Vec::new();
    for _ in 0..8 {
        let again = manager.retry(&ticket).expect("unacknowledged: resend");
        assert_eq!(again.update, first.update);
        intervals.push(again.retry.after.as_secs());
        // The previous ticket is now stale.
        assert_eq!(manager.retry(&ticket), None);
        ticket = again.retry;
    }
    assert_eq!(intervals, vec![20, 40, 80, 160, 320, 600, 600, 600]);

    manager.acknowledge("f", "t", &[1; 16]).unwrap();
    assert_eq!(manager.retry(&ticket), None, "acknowledged: no retry");
    assert_eq!(ticket.after, Duration::from_secs(600));
}

#[test]
fn bad_acknowledgements_are_refused_without_changing_anything() {
    let mut manager = running();
    assert!(matches!(
        manager.acknowledge("f", "t", &[1; 16]),
        Err(StatusUpdateError::UnknownStream { .. })
    ));
    manager
        .update(update("f", "t", TaskState::TaskRunning, 1))
        .unwrap();
    assert!(matches!(
        manager.acknowledge("f", "t", &[2; 16]),
        Err(StatusUpdateError::UnexpectedUuid { .. })
    ));
    assert_eq!(manager.pending("f", "t").len(), 1);
    manager.acknowledge("f", "t", &[1; 16]).unwrap();
    assert!(matches!(
        manager.acknowledge("f", "t", &[1; 16]),
        Err(StatusUpdateError::NothingPending { .. })
    ));
    manager
        .update(update("f", "t", TaskState::TaskFinished, 2))
        .unwrap();
    assert!(matches!(
        manager.acknowledge("f", "t", &[1; 16]),
        Err(StatusUpdateError::DuplicateAcknowledgement { .. })
    ));
}

#[test]
fn duplicates_and_updates_without_uuid_are_not_queued() {
    let mut manager = running();
    let mut no_uuid = update("f", "t", TaskState::TaskRunning, 1);
    no_uuid.uuid = None;
    assert!(matches!(
        manager.update(no_uuid),
        Err(StatusUpdateError::MissingUuid { .. })
    ));
    manager
        .update(update("f", "t", TaskState::TaskRunning, 1))
        .unwrap();
    assert_eq!(
        manager.update(update("f", "t", TaskState::TaskRunning, 1)),
        Ok(Accepted::Duplicate)
    );
    manager.acknowledge("f", "t", &[1; 16]).unwrap();
    assert_eq!(
        manager.update(update("f", "t", TaskState::TaskRunning, 1)),
        Ok(Accepted::Duplicate),
        "an acknowledged update is never sent again"
    );
    assert!(manager.pending("f", "t").is_empty());
}

#[test]
fn paused_managers_queue_and_resume_resends_every_head() {
    let mut manager = StatusUpdateManager::new();
    assert!(manager.is_paused(), "starts paused until registered");
    assert_eq!(
        manager.update(update("f", "a", TaskState::TaskRunning, 1)),
        Ok(Accepted::Queued)
    );
    assert_eq!(
        manager.update(update("f", "a", TaskState::TaskFinished, 2)),
        Ok(Accepted::Queued)
    );
    assert_eq!(
        manager.update(update("g", "b", TaskState::TaskRunning, 3)),
        Ok(Accepted::Queued)
    );
    let resent = manager.resume();
    let uuids: Vec<_> = resent
        .iter()
        .map(|forward| forward.update.uuid.clone().unwrap()[0])
        .collect();
    assert_eq!(uuids, vec![1, 3], "only heads, one per stream");

    // Paused again: retries do nothing, acks release nothing, and resume resends.
    let ticket = resent[0].retry.clone();
    manager.pause();
    assert_eq!(manager.retry(&ticket), None);
    let acked = manager.acknowledge("f", "a", &[1; 16]).unwrap();
    assert_eq!(acked.next, None);
    let resent = manager.resume();
    assert_eq!(resent.len(), 2);
    assert_eq!(resent[0].update.uuid, Some(vec![2; 16]));
    assert_eq!(resent[0].retry.after, RETRY_INTERVAL_MIN);
    assert_eq!(manager.retry(&ticket), None, "pre-pause tickets are stale");
}

#[test]
fn cleanup_drops_a_frameworks_streams() {
    let mut manager = running();
    manager
        .update(update("f", "a", TaskState::TaskRunning, 1))
        .unwrap();
    manager
        .update(update("g", "b", TaskState::TaskRunning, 2))
        .unwrap();
    assert!(manager.has_pending("f"));
    manager.cleanup("f");
    assert!(!manager.has_pending("f"));
    assert!(manager.has_pending("g"));
    assert_eq!(manager.stream_count(), 1);
}
