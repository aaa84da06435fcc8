//! Property tests running the fuzz entry points over random input: bad scheduler calls,
//! agent messages and registry files never make the master panic.

use proptest::prelude::*;
use serde_json::json;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        master::fuzzing::scheduler_call(&data);
        master::fuzzing::agent_message(&data);
        master::fuzzing::registry(&data);
    }

    #[test]
    fn random_launches_never_panic(
        task_id in "[a-z/.]{0,6}",
        cpus in -2.0f64..8.0,
        mem in -64.0f64..8192.0,
        with_executor in any::<bool>(),
        with_command in any::<bool>(),
        grace in -5i64..5,
    ) {
        let mut task = json!({
            "name": "t",
            "task_id": {"value": task_id},
            "agent_id": {"value": "a"},
            "resources": [
                {"name": "cpus", "type": "SCALAR", "scalar": {"value": cpus}},
                {"name": "mem", "type": "SCALAR", "scalar": {"value": mem}},
            ],
            "kill_policy": {"grace_period": {"nanoseconds": grace}},
        });
        if with_command {
            task["command"] = json!({"value": "true"});
        }
        if with_executor {
            task["executor"] = json!({"executor_id": {"value": "e"}, "command": {"value": "x"}});
        }
        let call = json!({
            "type": "ACCEPT",
            "framework_id": {"value": "f"},
            "accept": {
                "offer_ids": [{"value": "o"}],
                "operations": [
                    {"type": "LAUNCH", "launch": {"task_infos": [task.clone()]}},
                    {"type": "LAUNCH_GROUP", "launch_group": {
                        "executor": {"type": "DEFAULT", "executor_id": {"value": "d"}},
                        "task_group": {"tasks": [task]},
                    }},
                ],
            },
        });
        master::fuzzing::scheduler_call(call.to_string().as_bytes());
    }
}
