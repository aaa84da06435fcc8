//! Entry points that run the master's handling of outside input on arbitrary bytes, shared by
//! the cargo-fuzz targets (`master/fuzz`) and the property tests: scheduler calls (decoded,
//! validated, and their launches validated against a registered framework and agent), agents'
//! (re)registration messages, and registry files. None of them may panic.

use prost::Message;
use proto::{
    codec::{self, ContentType},
    convert::devolve,
    internal::{RegisterSlaveMessage, Registry, ReregisterSlaveMessage},
    v0::{
        FrameworkId, FrameworkInfo, SlaveId, SlaveInfo,
        offer::operation::Type as OperationType,
        scheduler::{Call, call::Type as CallType},
    },
    v1,
};
use resources::Resources;

use crate::{
    books::{Agent, Framework},
    registrar::{Operation, RegistryState},
    validation::{
        agent::{validate_register, validate_reregister},
        framework::{validate_call, validate_framework_info},
        task::{validate_task, validate_task_group},
    },
};

/// A scheduler call body, as JSON and as protobuf.
pub fn scheduler_call(data: &[u8]) {
    for content_type in [ContentType::Json, ContentType::Protobuf] {
        if let Ok(call) = codec::decode::<v1::scheduler::Call>(content_type, data) {
            check_call(&devolve(&call));
        }
    }
}

fn check_call(call: &Call) {
    if validate_call(call).is_err() {
        return;
    }
    if let Some(subscribe) = &call.subscribe {
        let _ = validate_framework_info(&subscribe.framework_info);
    }
    if call.r#type != Some(CallType::Accept as i32) {
        return;
    }
    let Some(accept) = &call.accept else { return };
    let framework = Framework::new(
        FrameworkInfo {
            user: "fuzz".into(),
            name: "fuzz".into(),
            id: Some(FrameworkId { value: "f".into() }),
            ..FrameworkInfo::default()
        },
        None,
        0.0,
    );
    let total = Resources::parse(
        "cpus:4;mem:4096;disk:4096;ports:[1-65535]",
        &resources::Role::star(),
    )
    .unwrap_or_default();
    let agent = Agent::new(
        SlaveInfo {
            hostname: "fuzz".into(),
            id: Some(SlaveId { value: "a".into() }),
            ..SlaveInfo::default()
        },
        libprocess::Upid::new("slave(1)", ([127, 0, 0, 1], 5051).into()),
        "1.11.0".into(),
        Vec::new(),
        total.clone(),
        0.0,
    );
    for operation in &accept.operations {
        match OperationType::try_from(operation.r#type.unwrap_or_default()) {
            Ok(OperationType::Launch) => {
                for task in operation
                    .launch
                    .iter()
                    .flat_map(|launch| &launch.task_infos)
                {
                    let _ = validate_task(task, &framework, &agent, &total);
                }
            }
            Ok(OperationType::LaunchGroup) => {
                if let Some(launch) = &operation.launch_group {
                    let _ = validate_task_group(
                        &launch.task_group,
                        &launch.executor,
                        &framework,
                        &agent,
                        &total,
                    );
                }
            }
            _ => {}
        }
    }
}

/// An agent's registration or reregistration message.
pub fn agent_message(data: &[u8]) {
    if let Ok(message) = RegisterSlaveMessage::decode(data) {
        let _ = validate_register(&message);
    }
    if let Ok(message) = ReregisterSlaveMessage::decode(data) {
        let _ = validate_reregister(&message);
    }
}

/// A registry file, then operations on what it holds.
pub fn registry(data: &[u8]) {
    let Ok(registry) = Registry::decode(data) else {
        return;
    };
    let ids: Vec<SlaveId> = registry
        .slaves
        .iter()
        .flat_map(|slaves| &slaves.slaves)
        .filter_map(|slave| slave.info.id.clone())
        .collect();
    let mut state = RegistryState::new(registry);
    for id in ids {
        let _ = state.apply(&Operation::MarkAgentGone {
            id: id.clone(),
            time: proto::v0::TimeInfo { nanoseconds: 0 },
        });
        let _ = state.apply(&Operation::RemoveAgent { id });
    }
}
