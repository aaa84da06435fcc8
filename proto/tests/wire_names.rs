//! Message full names are the libprocess message names on the wire: they must match Mesos's
//! catalogue (internal messages, v0 scheduler calls and events) exactly.

use prost::Name;
use prost_reflect::ReflectMessage;
use proto::{internal, v0, v1};

/// Every internal message of the catalogue (messages.proto), by wire name.
const INTERNAL_MESSAGES: &[&str] = &[
    "StatusUpdate",
    "StatusUpdateRecord",
    "SubmitSchedulerRequest",
    "SubmitSchedulerResponse",
    "ExecutorToFrameworkMessage",
    "FrameworkToExecutorMessage",
    "RegisterFrameworkMessage",
    "ReregisterFrameworkMessage",
    "FrameworkRegisteredMessage",
    "FrameworkReregisteredMessage",
    "UnregisterFrameworkMessage",
    "DeactivateFrameworkMessage",
    "ResourceRequestMessage",
    "ResourceOffersMessage",
    "InverseOffersMessage",
    "LaunchTasksMessage",
    "RescindResourceOfferMessage",
    "RescindInverseOfferMessage",
    "ReviveOffersMessage",
    "RunTaskMessage",
    "RunTaskGroupMessage",
    "KillTaskMessage",
    "StatusUpdateMessage",
    "StatusUpdateAcknowledgementMessage",
    "AcknowledgeOperationStatusMessage",
    "LostSlaveMessage",
    "ReconcileTasksMessage",
    "ReconcileOperationsMessage",
    "FrameworkErrorMessage",
    "RegisterSlaveMessage",
    "ReregisterSlaveMessage",
    "SlaveRegisteredMessage",
    "SlaveReregisteredMessage",
    "UnregisterSlaveMessage",
    "MasterSlaveConnection",
    "PingSlaveMessage",
    "PongSlaveMessage",
    "ShutdownFrameworkMessage",
    "ShutdownExecutorMessage",
    "UpdateFrameworkMessage",
    "CheckpointResourcesMessage",
    "ResourceVersionUUID",
    "UpdateSlaveMessage",
    "UpdateOperationStatusMessage",
    "UpdateOperationStatusRecord",
    "ApplyOperationMessage",
    "ResourceProviderCallMessage",
    "ResourceProviderEventMessage",
    "RegisterExecutorMessage",
    "ExecutorRegisteredMessage",
    "ExecutorReregisteredMessage",
    "ExitedExecutorMessage",
    "ReconnectExecutorMessage",
    "ReregisterExecutorMessage",
    "DrainSlaveMessage",
    "ShutdownMessage",
    "Archive",
    "TaskHealthStatus",
    "HookExecuted",
    "Registry",
];

#[test]
fn every_internal_message_has_its_wire_name() {
    let pool = proto::descriptor_pool();
    for name in INTERNAL_MESSAGES {
        let full_name = format!("mesos.internal.{name}");
        assert!(
            pool.get_message_by_name(&full_name).is_some(),
            "{full_name}"
        );
    }
    let internal_count = pool
        .all_messages()
        .filter(|message| message.package_name() == "mesos.internal")
        .filter(|message| message.parent_message().is_none())
        .count();
    assert_eq!(internal_count, INTERNAL_MESSAGES.len());
}

#[test]
fn generated_types_report_their_wire_names() {
    assert_eq!(
        internal::RegisterSlaveMessage::full_name(),
        "mesos.internal.RegisterSlaveMessage"
    );
    assert_eq!(
        internal::StatusUpdateMessage::full_name(),
        "mesos.internal.StatusUpdateMessage"
    );
    assert_eq!(
        internal::PongSlaveMessage::full_name(),
        "mesos.internal.PongSlaveMessage"
    );
    assert_eq!(
        internal::registry::Slave::full_name(),
        "mesos.internal.Registry.Slave"
    );
    assert_eq!(v0::scheduler::Call::full_name(), "mesos.scheduler.Call");
    assert_eq!(v0::scheduler::Event::full_name(), "mesos.scheduler.Event");
    assert_eq!(v1::scheduler::Call::full_name(), "mesos.v1.scheduler.Call");
    assert_eq!(v1::executor::Event::full_name(), "mesos.v1.executor.Event");
    assert_eq!(v1::master::Call::full_name(), "mesos.v1.master.Call");
    assert_eq!(v1::agent::Response::full_name(), "mesos.v1.agent.Response");
    assert_eq!(v0::SlaveInfo::full_name(), "mesos.SlaveInfo");
    assert_eq!(v1::AgentInfo::full_name(), "mesos.v1.AgentInfo");
    assert_eq!(
        v1::resource::ReservationInfo::full_name(),
        "mesos.v1.Resource.ReservationInfo"
    );
    assert_eq!(
        internal::slave::ResourceState::full_name(),
        "mesos.internal.slave.ResourceState"
    );
    assert_eq!(
        internal::state::Entry::full_name(),
        "mesos.internal.state.Entry"
    );
    assert_eq!(
        internal::log::PromiseRequest::full_name(),
        "mesos.internal.log.PromiseRequest"
    );
    assert_eq!(
        internal::log::LearnedMessage::full_name(),
        "mesos.internal.log.LearnedMessage"
    );
    assert_eq!(
        v0::slave::ContainerLaunchInfo::full_name(),
        "mesos.slave.ContainerLaunchInfo"
    );
    assert_eq!(
        proto::docker::spec::v1::ImageManifest::full_name(),
        "docker.spec.v1.ImageManifest"
    );
    assert_eq!(
        v0::resource_provider::ResourceProviderState::full_name(),
        "mesos.resource_provider.ResourceProviderState"
    );
}

#[test]
fn reflection_matches_the_generated_type() {
    let message = internal::RunTaskMessage::default();
    assert_eq!(
        message.descriptor().full_name(),
        "mesos.internal.RunTaskMessage"
    );
    let resource = v1::Resource::default();
    // Declaration order (which the JSON output follows) is kept in the descriptor.
    let fields: Vec<(String, i32)> = resource
        .descriptor()
        .descriptor_proto()
        .field
        .iter()
        .map(|field| (field.name().to_owned(), field.number()))
        .take(3)
        .collect();
    assert_eq!(
        fields,
        [
            ("provider_id".to_owned(), 12),
            ("name".to_owned(), 1),
            ("type".to_owned(), 2)
        ]
    );
}

#[test]
fn v0_twins_keep_slave_spelling_and_v1_numbers() {
    let pool = proto::descriptor_pool();
    let field = |message: &str, name: &str| {
        pool.get_message_by_name(message)
            .and_then(|descriptor| descriptor.get_field_by_name(name))
            .map(|field| field.number())
    };
    assert_eq!(
        field("mesos.TaskInfo", "slave_id"),
        field("mesos.v1.TaskInfo", "agent_id")
    );
    assert_eq!(field("mesos.SlaveInfo", "checkpoint"), Some(7));
    assert_eq!(field("mesos.v1.AgentInfo", "checkpoint"), None);
    // v0 Subscribe: force took number 2, shifting suppressed_roles and offer_constraints.
    assert_eq!(field("mesos.scheduler.Call.Subscribe", "force"), Some(2));
    assert_eq!(
        field("mesos.scheduler.Call.Subscribe", "suppressed_roles"),
        Some(3)
    );
    assert_eq!(
        field("mesos.v1.scheduler.Call.Subscribe", "suppressed_roles"),
        Some(2)
    );
    assert!(
        pool.get_message_by_name("mesos.scheduler.APIResult")
            .is_none()
    );
    // Capability values added after the rename keep their AGENT_ spelling in v0.
    let capability = pool
        .get_enum_by_name("mesos.SlaveInfo.Capability.Type")
        .unwrap();
    assert!(capability.get_value_by_name("AGENT_DRAINING").is_some());
    let reason = pool.get_enum_by_name("mesos.TaskStatus.Reason").unwrap();
    assert!(reason.get_value_by_name("REASON_SLAVE_DRAINING").is_some());
}
