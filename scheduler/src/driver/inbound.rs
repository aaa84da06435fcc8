//! What the master tells the driver, whichever protocol carried it: v1 events and v0 legacy
//! messages both become an [`Inbound`], which the process turns into callbacks. Pure.

use libprocess::Upid;
use proto::{
    convert::devolve,
    internal::StatusUpdateMessage,
    v0::{ExecutorId, FrameworkId, MasterInfo, Offer, OfferId, SlaveId, TaskStatus},
    v1::scheduler::{Event, event::Type as EventType},
};

/// One thing the master told the driver.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inbound {
    /// SUBSCRIBED / `FrameworkRegisteredMessage` / `FrameworkReregisteredMessage`.
    Subscribed {
        framework_id: FrameworkId,
        master: Option<MasterInfo>,
        /// The v1 heartbeat interval, in seconds.
        heartbeat_seconds: Option<f64>,
    },
    /// OFFERS, with the agent pid of each offer when the protocol names it.
    Offers {
        offers: Vec<Offer>,
        agent_pids: Vec<Option<Upid>>,
    },
    Rescind(OfferId),
    /// UPDATE: `status.uuid` is set exactly when the update must be acknowledged.
    Update(Box<TaskStatus>),
    Message {
        agent_id: SlaveId,
        executor_id: ExecutorId,
        data: Vec<u8>,
    },
    AgentLost(SlaveId),
    ExecutorLost {
        executor_id: ExecutorId,
        agent_id: SlaveId,
        status: i32,
    },
    Error(String),
    /// HEARTBEAT, and events the driver has no callback for.
    Nothing,
}

/// The agent pid an offer names in its URL (`http://ip:port/slave(1)`), as Mesos's driver
/// reads it from v1 offers.
fn agent_pid_of(offer: &Offer) -> Option<Upid> {
    let url = offer.url.as_ref()?;
    let id = url.path.as_deref()?.trim_matches('/');
    let address = format!("{}:{}", url.address.ip.as_deref()?, url.address.port);
    format!("{id}@{address}").parse().ok()
}

/// A v1 event.
pub(crate) fn from_event(event: Event) -> Inbound {
    let kind = EventType::try_from(event.r#type.unwrap_or_default()).unwrap_or(EventType::Unknown);
    let inbound = match kind {
        EventType::Subscribed => event.subscribed.map(|subscribed| Inbound::Subscribed {
            framework_id: devolve(&subscribed.framework_id),
            master: subscribed.master_info.as_ref().map(devolve),
            heartbeat_seconds: subscribed.heartbeat_interval_seconds,
        }),
        EventType::Offers => event.offers.map(|offers| {
            let offers: Vec<Offer> = offers.offers.iter().map(devolve).collect();
            let agent_pids = offers.iter().map(agent_pid_of).collect();
            Inbound::Offers { offers, agent_pids }
        }),
        EventType::Rescind => event
            .rescind
            .map(|rescind| Inbound::Rescind(devolve(&rescind.offer_id))),
        EventType::Update => event
            .update
            .map(|update| Inbound::Update(Box::new(devolve(&update.status)))),
        EventType::Message => event.message.map(|message| Inbound::Message {
            agent_id: devolve(&message.agent_id),
            executor_id: devolve(&message.executor_id),
            data: message.data,
        }),
        EventType::Failure => event.failure.and_then(|failure| {
            let agent_id: SlaveId = devolve(failure.agent_id.as_ref()?);
            Some(match failure.executor_id {
                Some(executor_id) => Inbound::ExecutorLost {
                    executor_id: devolve(&executor_id),
                    agent_id,
                    status: failure.status.unwrap_or_default(),
                },
                None => Inbound::AgentLost(agent_id),
            })
        }),
        EventType::Error => event.error.map(|error| Inbound::Error(error.message)),
        EventType::Heartbeat
        | EventType::InverseOffers
        | EventType::RescindInverseOffer
        | EventType::UpdateOperationStatus
        | EventType::Unknown => None,
    };
    inbound.unwrap_or(Inbound::Nothing)
}

/// A v0 `StatusUpdateMessage`: the status keeps a uuid only when the update has one and
/// names an acknowledgee (updates the master made itself carry neither), as Mesos's driver.
pub(crate) fn from_status_update(message: StatusUpdateMessage) -> Inbound {
    let update = message.update;
    let mut status = update.status;
    let acknowledgee = message.pid.unwrap_or_default();
    status.uuid = update
        .uuid
        .filter(|uuid| !uuid.is_empty() && !acknowledgee.is_empty());
    if status.slave_id.is_none() {
        status.slave_id = update.slave_id;
    }
    if status.executor_id.is_none() {
        status.executor_id = update.executor_id;
    }
    Inbound::Update(Box::new(status))
}

/// Offers of a v0 `ResourceOffersMessage` with the agent pids beside them.
pub(crate) fn from_offers(offers: Vec<Offer>, pids: &[String]) -> Inbound {
    let agent_pids = (0..offers.len())
        .map(|index| pids.get(index).and_then(|pid| pid.parse().ok()))
        .collect();
    Inbound::Offers { offers, agent_pids }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::{
        internal::StatusUpdate,
        v0::{Address, TaskId, TaskState, Url},
        v1,
    };

    #[test]
    fn offers_name_their_agent_pid_from_the_url() {
        let offer = Offer {
            url: Some(Url {
                scheme: "http".into(),
                address: Address {
                    hostname: None,
                    ip: Some("10.0.0.1".into()),
                    port: 5051,
                },
                path: Some("/slave(1)".into()),
                ..Url::default()
            }),
            ..Offer::default()
        };
        assert_eq!(
            agent_pid_of(&offer).unwrap().to_string(),
            "slave(1)@10.0.0.1:5051"
        );
        assert_eq!(agent_pid_of(&Offer::default()), None);
        let Inbound::Offers { agent_pids, .. } =
            from_offers(vec![offer.clone(), offer], &["slave(2)@10.0.0.2:1".into()])
        else {
            panic!("not offers");
        };
        assert_eq!(agent_pids[0].as_ref().unwrap().id(), "slave(2)");
        assert_eq!(agent_pids[1], None);
    }

    #[test]
    fn v0_updates_keep_the_uuid_only_with_an_acknowledgee() {
        let message = |pid: &str| StatusUpdateMessage {
            update: StatusUpdate {
                status: TaskStatus {
                    task_id: TaskId { value: "t".into() },
                    state: TaskState::TaskRunning as i32,
                    uuid: Some(vec![1; 16]),
                    ..TaskStatus::default()
                },
                uuid: Some(vec![1; 16]),
                slave_id: Some(SlaveId { value: "a".into() }),
                ..StatusUpdate::default()
            },
            pid: Some(pid.into()),
        };
        let Inbound::Update(status) = from_status_update(message("slave(1)@1.2.3.4:5")) else {
            panic!("not an update");
        };
        assert_eq!(status.uuid, Some(vec![1; 16]));
        assert_eq!(status.slave_id.unwrap().value, "a");
        let Inbound::Update(status) = from_status_update(message("")) else {
            panic!("not an update");
        };
        assert_eq!(status.uuid, None);
    }

    #[test]
    fn events_without_payload_or_callback_are_nothing() {
        let event = |kind: v1::scheduler::event::Type| Event {
            r#type: Some(kind as i32),
            ..Event::default()
        };
        assert_eq!(
            from_event(event(v1::scheduler::event::Type::Heartbeat)),
            Inbound::Nothing
        );
        assert_eq!(
            from_event(event(v1::scheduler::event::Type::Offers)),
            Inbound::Nothing
        );
        assert_eq!(from_event(Event::default()), Inbound::Nothing);
        let failure = Event {
            failure: Some(v1::scheduler::event::Failure {
                agent_id: Some(v1::AgentId { value: "a".into() }),
                executor_id: None,
                status: None,
            }),
            ..event(v1::scheduler::event::Type::Failure)
        };
        assert_eq!(
            from_event(failure),
            Inbound::AgentLost(SlaveId { value: "a".into() })
        );
    }
}
