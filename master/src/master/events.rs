//! The v1 scheduler events the master sends, built from the v0 values in its books exactly as
//! Mesos's `evolve(...)` turns its internal messages into events (src/internal/evolve.cpp).

use proto::{
    convert::evolve,
    internal::StatusUpdate,
    v0::{ExecutorId, MasterInfo, Offer, OfferId, SlaveId},
    v1::scheduler::{Event, event},
};

fn event(kind: event::Type) -> Event {
    Event {
        r#type: Some(kind as i32),
        ..Event::default()
    }
}

/// SUBSCRIBED: the framework id, the heartbeat interval and the master's info.
pub fn subscribed(framework_id: &str, heartbeat_seconds: f64, master: &MasterInfo) -> Event {
    Event {
        subscribed: Some(event::Subscribed {
            framework_id: proto::v1::FrameworkId {
                value: framework_id.to_string(),
            },
            heartbeat_interval_seconds: Some(heartbeat_seconds),
            master_info: Some(evolve(master)),
        }),
        ..event(event::Type::Subscribed)
    }
}

/// OFFERS.
pub fn offers(offers: &[Offer]) -> Event {
    Event {
        offers: Some(event::Offers {
            offers: offers.iter().map(evolve).collect(),
        }),
        ..event(event::Type::Offers)
    }
}

/// RESCIND of one offer.
pub fn rescind(offer_id: &OfferId) -> Event {
    Event {
        rescind: Some(event::Rescind {
            offer_id: evolve(offer_id),
        }),
        ..event(event::Type::Rescind)
    }
}

/// UPDATE for a status update. The status carries the update's agent and executor ids and
/// timestamp; it keeps its uuid (asking for an acknowledgement) only when `acknowledgeable`,
/// i.e. when the update came from an agent with a uuid, as Mesos's `evolve`.
pub fn update(update: &StatusUpdate, acknowledgeable: bool) -> Event {
    let mut status = evolve(&update.status);
    if let Some(agent_id) = &update.slave_id {
        status.agent_id = Some(evolve(agent_id));
    }
    if let Some(executor_id) = &update.executor_id {
        status.executor_id = Some(evolve(executor_id));
    }
    status.timestamp = Some(update.timestamp);
    let uuid = update.uuid.as_ref().filter(|uuid| !uuid.is_empty());
    status.uuid = match uuid {
        Some(uuid) if acknowledgeable => Some(uuid.clone()),
        _ => None,
    };
    Event {
        update: Some(event::Update { status }),
        ..event(event::Type::Update)
    }
}

/// MESSAGE from an executor.
pub fn message(agent_id: &SlaveId, executor_id: &ExecutorId, data: Vec<u8>) -> Event {
    Event {
        message: Some(event::Message {
            agent_id: evolve(agent_id),
            executor_id: evolve(executor_id),
            data,
        }),
        ..event(event::Type::Message)
    }
}

/// FAILURE of an agent (Mesos's `LostSlaveMessage`).
pub fn agent_lost(agent_id: &SlaveId) -> Event {
    Event {
        failure: Some(event::Failure {
            agent_id: Some(evolve(agent_id)),
            executor_id: None,
            status: None,
        }),
        ..event(event::Type::Failure)
    }
}

/// FAILURE of an executor (Mesos's `ExitedExecutorMessage`).
pub fn executor_exited(agent_id: &SlaveId, executor_id: &ExecutorId, status: i32) -> Event {
    Event {
        failure: Some(event::Failure {
            agent_id: Some(evolve(agent_id)),
            executor_id: Some(evolve(executor_id)),
            status: Some(status),
        }),
        ..event(event::Type::Failure)
    }
}

/// ERROR (the stream is about to close).
pub fn error(message: impl Into<String>) -> Event {
    Event {
        error: Some(event::Error {
            message: message.into(),
        }),
        ..event(event::Type::Error)
    }
}

/// HEARTBEAT.
pub fn heartbeat() -> Event {
    event(event::Type::Heartbeat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::MasterUpdate;
    use proto::v0::{TaskId, TaskState, task_status::Reason};

    #[test]
    fn updates_keep_the_uuid_only_when_acknowledgeable() {
        let mut status_update = MasterUpdate::new(
            "f",
            Some("a"),
            &TaskId { value: "t".into() },
            TaskState::TaskRunning,
            Reason::Reconciliation,
            "m",
        )
        .build(3.0);
        status_update.uuid = Some(vec![7; 16]);
        status_update.status.uuid = Some(vec![7; 16]);
        let event = update(&status_update, true);
        let status = event.update.unwrap().status;
        assert_eq!(status.uuid, Some(vec![7; 16]));
        assert_eq!(status.agent_id.unwrap().value, "a");
        assert_eq!(status.timestamp, Some(3.0));
        let event = update(&status_update, false);
        assert_eq!(event.update.unwrap().status.uuid, None);
        assert_eq!(
            proto::json::to_string(&heartbeat()),
            r#"{"type":"HEARTBEAT"}"#
        );
    }
}
