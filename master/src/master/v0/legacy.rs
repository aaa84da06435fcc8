//! What a v0 scheduler driver is sent for each v1 scheduler event: the legacy libprocess
//! message Mesos's `Framework::send` sends to a pid framework (`FrameworkRegisteredMessage`,
//! `ResourceOffersMessage` with the agents' pids, `RescindResourceOfferMessage`,
//! `StatusUpdateMessage` with the acknowledgee's pid, `ExecutorToFrameworkMessage`,
//! `LostSlaveMessage`, `ExitedExecutorMessage`, `FrameworkErrorMessage`). Heartbeats,
//! inverse offers and operation updates have no v0 form and are not sent.
//!
//! The conversion is pure; [`Master::send_legacy`] looks the agents' pids up in the books and
//! sends the result.

use proto::{
    convert::devolve,
    internal::{
        ExecutorToFrameworkMessage, ExitedExecutorMessage, FrameworkErrorMessage,
        FrameworkRegisteredMessage, LostSlaveMessage, RescindResourceOfferMessage,
        ResourceOffersMessage, StatusUpdate, StatusUpdateMessage,
    },
    v0::{FrameworkId, MasterInfo, SlaveId},
    v1::scheduler::{Event, event::Type as EventType},
};

use crate::{books::PidConnection, master::Master};

/// One legacy message for a v0 scheduler.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LegacyMessage {
    Registered(FrameworkRegisteredMessage),
    Offers(ResourceOffersMessage),
    Rescind(RescindResourceOfferMessage),
    Update(Box<StatusUpdateMessage>),
    Message(ExecutorToFrameworkMessage),
    AgentLost(LostSlaveMessage),
    ExecutorExited(ExitedExecutorMessage),
    Error(FrameworkErrorMessage),
}

impl LegacyMessage {
    /// Sends it over `connection`.
    pub(crate) fn send(&self, connection: &PidConnection) {
        match self {
            LegacyMessage::Registered(message) => connection.send(message),
            LegacyMessage::Offers(message) => connection.send(message),
            LegacyMessage::Rescind(message) => connection.send(message),
            LegacyMessage::Update(message) => connection.send(message.as_ref()),
            LegacyMessage::Message(message) => connection.send(message),
            LegacyMessage::AgentLost(message) => connection.send(message),
            LegacyMessage::ExecutorExited(message) => connection.send(message),
            LegacyMessage::Error(message) => connection.send(message),
        }
    }
}

/// The legacy message for `event` to framework `framework_id`. `agent_pid` names the pid of
/// an agent by id (offers carry one per offer; an update that asks for an acknowledgement
/// carries its agent's pid, the acknowledgee, as Mesos's `forward` does); `master` fills a
/// SUBSCRIBED event's missing master info.
pub(crate) fn legacy_message(
    framework_id: &str,
    event: &Event,
    master: &MasterInfo,
    agent_pid: impl Fn(&str) -> Option<String>,
) -> Option<LegacyMessage> {
    let framework_id = FrameworkId {
        value: framework_id.to_string(),
    };
    let kind = EventType::try_from(event.r#type.unwrap_or_default()).unwrap_or(EventType::Unknown);
    let message = match kind {
        EventType::Subscribed => {
            let subscribed = event.subscribed.as_ref()?;
            LegacyMessage::Registered(FrameworkRegisteredMessage {
                framework_id: devolve(&subscribed.framework_id),
                master_info: subscribed
                    .master_info
                    .as_ref()
                    .map(devolve)
                    .unwrap_or_else(|| master.clone()),
            })
        }
        EventType::Offers => {
            let offers: Vec<_> = event.offers.as_ref()?.offers.iter().map(devolve).collect();
            let pids = offers
                .iter()
                .map(|offer: &proto::v0::Offer| {
                    agent_pid(&offer.slave_id.value).unwrap_or_default()
                })
                .collect();
            LegacyMessage::Offers(ResourceOffersMessage { offers, pids })
        }
        EventType::Rescind => LegacyMessage::Rescind(RescindResourceOfferMessage {
            offer_id: devolve(&event.rescind.as_ref()?.offer_id),
        }),
        EventType::Update => {
            let status: proto::v0::TaskStatus = devolve(&event.update.as_ref()?.status);
            let uuid = status.uuid.clone().filter(|uuid| !uuid.is_empty());
            let acknowledgee = match (&uuid, &status.slave_id) {
                (Some(_), Some(agent_id)) => agent_pid(&agent_id.value).unwrap_or_default(),
                _ => String::new(),
            };
            LegacyMessage::Update(Box::new(StatusUpdateMessage {
                update: StatusUpdate {
                    framework_id,
                    executor_id: status.executor_id.clone(),
                    slave_id: status.slave_id.clone(),
                    timestamp: status.timestamp.unwrap_or_default(),
                    uuid,
                    latest_state: None,
                    status,
                },
                pid: Some(acknowledgee),
            }))
        }
        EventType::Message => {
            let message = event.message.as_ref()?;
            LegacyMessage::Message(ExecutorToFrameworkMessage {
                slave_id: devolve(&message.agent_id),
                framework_id,
                executor_id: devolve(&message.executor_id),
                data: message.data.clone(),
            })
        }
        EventType::Failure => {
            let failure = event.failure.as_ref()?;
            let slave_id: SlaveId = devolve(failure.agent_id.as_ref()?);
            match &failure.executor_id {
                Some(executor_id) => LegacyMessage::ExecutorExited(ExitedExecutorMessage {
                    slave_id,
                    framework_id,
                    executor_id: devolve(executor_id),
                    status: failure.status.unwrap_or_default(),
                }),
                None => LegacyMessage::AgentLost(LostSlaveMessage { slave_id }),
            }
        }
        EventType::Error => LegacyMessage::Error(FrameworkErrorMessage {
            message: event.error.as_ref()?.message.clone(),
        }),
        EventType::Heartbeat
        | EventType::InverseOffers
        | EventType::RescindInverseOffer
        | EventType::UpdateOperationStatus
        | EventType::Unknown => return None,
    };
    Some(message)
}

impl Master {
    /// Sends `event` to a v0 scheduler as its legacy message (nothing for events v0 has no
    /// message for).
    pub(crate) fn send_legacy(
        &self,
        framework_id: &str,
        connection: &PidConnection,
        event: &Event,
    ) {
        let agent_pid = |agent_id: &str| {
            self.books
                .agents
                .get(agent_id)
                .map(|agent| agent.pid.to_string())
        };
        if let Some(message) = legacy_message(framework_id, event, &self.info, agent_pid) {
            message.send(connection);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{books::MasterUpdate, master::events};
    use proto::v0::{ExecutorId, Offer, OfferId, TaskId, TaskState, task_status::Reason};

    fn pids(agent_id: &str) -> Option<String> {
        (agent_id == "a1").then(|| "slave(1)@127.0.0.1:5051".to_string())
    }

    fn convert(event: &Event) -> Option<LegacyMessage> {
        legacy_message("f1", event, &MasterInfo::default(), pids)
    }

    #[test]
    fn offers_carry_the_pid_of_each_agent() {
        let offer = |id: &str, agent: &str| Offer {
            id: OfferId { value: id.into() },
            framework_id: FrameworkId { value: "f1".into() },
            slave_id: SlaveId {
                value: agent.into(),
            },
            hostname: "h".into(),
            ..Offer::default()
        };
        let event = events::offers(&[offer("o1", "a1"), offer("o2", "gone")]);
        let Some(LegacyMessage::Offers(message)) = convert(&event) else {
            panic!("not offers");
        };
        assert_eq!(message.offers.len(), 2);
        assert_eq!(message.offers[1].id.value, "o2");
        assert_eq!(message.pids, ["slave(1)@127.0.0.1:5051", ""]);
    }

    #[test]
    fn updates_name_the_acknowledgee_only_when_they_ask_for_an_acknowledgement() {
        let mut update = MasterUpdate::new(
            "f1",
            Some("a1"),
            &TaskId { value: "t".into() },
            TaskState::TaskRunning,
            Reason::Reconciliation,
            "m",
        )
        .build(3.0);
        update.uuid = Some(vec![7; 16]);
        update.status.uuid = Some(vec![7; 16]);
        update.executor_id = Some(ExecutorId { value: "e".into() });

        let Some(LegacyMessage::Update(message)) = convert(&events::update(&update, true)) else {
            panic!("not an update");
        };
        assert_eq!(message.pid.as_deref(), Some("slave(1)@127.0.0.1:5051"));
        assert_eq!(message.update.uuid, Some(vec![7; 16]));
        assert_eq!(message.update.framework_id.value, "f1");
        assert_eq!(message.update.slave_id.as_ref().unwrap().value, "a1");
        assert_eq!(message.update.executor_id.as_ref().unwrap().value, "e");
        assert_eq!(message.update.timestamp, 3.0);

        let Some(LegacyMessage::Update(message)) = convert(&events::update(&update, false)) else {
            panic!("not an update");
        };
        assert_eq!(message.pid.as_deref(), Some(""));
        assert_eq!(message.update.uuid, None);
        assert_eq!(message.update.status.uuid, None);
    }

    #[test]
    fn failures_messages_errors_and_silent_events() {
        let agent = SlaveId { value: "a1".into() };
        let executor = ExecutorId { value: "e".into() };
        assert_eq!(
            convert(&events::agent_lost(&agent)),
            Some(LegacyMessage::AgentLost(LostSlaveMessage {
                slave_id: agent.clone()
            }))
        );
        let Some(LegacyMessage::ExecutorExited(exited)) =
            convert(&events::executor_exited(&agent, &executor, 9))
        else {
            panic!("not an exited executor");
        };
        assert_eq!((exited.status, exited.executor_id.value.as_str()), (9, "e"));
        let Some(LegacyMessage::Message(message)) =
            convert(&events::message(&agent, &executor, b"hi".to_vec()))
        else {
            panic!("not a framework message");
        };
        assert_eq!(message.data, b"hi");
        assert_eq!(message.framework_id.value, "f1");
        assert_eq!(
            convert(&events::error("gone")),
            Some(LegacyMessage::Error(FrameworkErrorMessage {
                message: "gone".into()
            }))
        );
        assert_eq!(convert(&events::heartbeat()), None);
        assert_eq!(convert(&Event::default()), None);
        let master = MasterInfo {
            id: "m".into(),
            ..MasterInfo::default()
        };
        let Some(LegacyMessage::Registered(registered)) =
            convert(&events::subscribed("f1", 15.0, &master))
        else {
            panic!("not registered");
        };
        assert_eq!(registered.master_info.id, "m");
        assert_eq!(registered.framework_id.value, "f1");
    }
}
