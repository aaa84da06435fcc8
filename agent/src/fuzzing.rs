//! The entry point shared by the cargo-fuzz target and the property test over random input:
//! the agent's parsers of outside input (executor API bodies in JSON and protobuf, the
//! `--executor_environment_variables` JSON, `/proc/meminfo` text), with the invariants that
//! must hold when parsing succeeds.

use proto::{
    codec::{self, ContentType},
    convert::devolve,
    v0,
    v1::executor::{Call, call},
};

use crate::{detect::mem_total_bytes, flags::parse_environment, http::validate_executor_call};

/// Feeds `data` to every parser. Panics only when an invariant breaks.
#[doc(hidden)]
pub fn everything(data: &[u8]) {
    for content_type in [ContentType::Json, ContentType::Protobuf] {
        let Ok(call) = codec::decode::<Call>(content_type, data) else {
            continue;
        };
        let is_update = call.r#type == Some(call::Type::Update as i32);
        if validate_executor_call(&call).is_ok()
            && is_update
            && let Some(update) = &call.update
        {
            let status: v0::TaskStatus = devolve(&update.status);
            let framework: v0::FrameworkId = devolve(&call.framework_id);
            let update = crate::updates::executor_update(&framework, status, "fuzz-agent", 1.0);
            assert_eq!(
                update.uuid.as_ref().map(Vec::len),
                Some(16),
                "validated uuid"
            );
            assert_eq!(
                update.slave_id.map(|id| id.value).as_deref(),
                Some("fuzz-agent")
            );
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(variables) = parse_environment(text) {
            let json = serde_json::to_string(&variables).expect("strings serialize");
            assert_eq!(parse_environment(&json).ok(), Some(variables), "round trip");
        }
        let _ = mem_total_bytes(text);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn call_json() -> impl Strategy<Value = String> {
        let kinds = prop_oneof![
            Just("SUBSCRIBE"),
            Just("UPDATE"),
            Just("MESSAGE"),
            Just("HEARTBEAT"),
            Just("BOGUS")
        ];
        let states = prop_oneof![
            Just("TASK_RUNNING"),
            Just("TASK_STAGING"),
            Just("TASK_FINISHED"),
            Just("NOT_A_STATE")
        ];
        (
            kinds,
            states,
            "[A-Za-z0-9+/=]{0,30}",
            "\\PC{0,8}",
            any::<bool>(),
        )
            .prop_map(|(kind, state, uuid, id, source)| {
                serde_json::json!({
                    "type": kind,
                    "framework_id": {"value": id},
                    "executor_id": {"value": id},
                    "update": {"status": {
                        "task_id": {"value": id},
                        "state": state,
                        "uuid": uuid,
                        "source": if source { "SOURCE_EXECUTOR" } else { "SOURCE_MASTER" },
                    }},
                    "message": {"data": uuid},
                    "subscribe": {"unacknowledged_tasks": []},
                })
                .to_string()
            })
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
            everything(&data);
        }

        #[test]
        fn call_shaped_json_never_panics(json in call_json()) {
            everything(json.as_bytes());
        }

        #[test]
        fn environment_objects_round_trip(
            variables in proptest::collection::btree_map("\\PC{0,8}", "\\PC{0,8}", 0..5)
        ) {
            let json = serde_json::to_string(&variables).unwrap();
            everything(json.as_bytes());
            prop_assert_eq!(parse_environment(&json).unwrap(), variables);
        }
    }
}
