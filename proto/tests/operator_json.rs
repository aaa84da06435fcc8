//! Operator API JSON (master and agent): Calls, Responses and master Events, with JSON
//! written from the examples of Mesos's operator HTTP API documentation.

mod common;

use common::round_trip;
use prost_reflect::ReflectMessage;
use proto::v1::{agent, master};

/// One documented example: the JSON, the keys our output adds (fields with defaults) and the
/// keys of the input we drop (names of no field, or empty arrays).
struct Case {
    json: &'static str,
    extra: &'static [&'static str],
    dropped: &'static [&'static str],
}

const fn case(json: &'static str) -> Case {
    Case {
        json,
        extra: &[],
        dropped: &[],
    }
}

fn check<M>(cases: &[Case]) -> Vec<M>
where
    M: ReflectMessage + Default + PartialEq + std::fmt::Debug,
{
    cases
        .iter()
        .map(|case| {
            let (message, extra, dropped) = round_trip::<M>(case.json);
            assert_eq!(extra, case.extra, "extra keys of {}", case.json);
            assert_eq!(dropped, case.dropped, "dropped keys of {}", case.json);
            message
        })
        .collect()
}

const RESOURCES: &str = r#"[
  {"name": "cpus", "role": "*", "scalar": {"value": 2.0}, "type": "SCALAR"},
  {"name": "ports", "ranges": {"range": [{"begin": 31000, "end": 32000}]}, "role": "*",
   "type": "RANGES"}]"#;

#[test]
fn master_calls() {
    let calls = check::<master::Call>(&[
        case(r#"{"type": "GET_HEALTH"}"#),
        case(r#"{"type": "GET_FLAGS"}"#),
        case(r#"{"type": "GET_VERSION"}"#),
        case(r#"{"type": "GET_METRICS", "get_metrics": {"timeout": {"nanoseconds": 5000000000}}}"#),
        case(r#"{"type": "GET_LOGGING_LEVEL"}"#),
        case(
            r#"{"type": "SET_LOGGING_LEVEL",
                 "set_logging_level": {"duration": {"nanoseconds": 60000000000}, "level": 1}}"#,
        ),
        case(r#"{"type": "LIST_FILES", "list_files": {"path": "one/"}}"#),
        case(r#"{"type": "READ_FILE", "read_file": {"length": 6, "offset": 1, "path": "myname"}}"#),
        case(r#"{"type": "GET_STATE"}"#),
        case(r#"{"type": "GET_AGENTS"}"#),
        case(r#"{"type": "GET_FRAMEWORKS"}"#),
        case(r#"{"type": "GET_EXECUTORS"}"#),
        case(r#"{"type": "GET_OPERATIONS"}"#),
        case(r#"{"type": "GET_TASKS"}"#),
        case(r#"{"type": "GET_ROLES"}"#),
        case(r#"{"type": "GET_WEIGHTS"}"#),
        case(
            r#"{"type": "UPDATE_WEIGHTS",
                 "update_weights": {"weight_infos": [{"role": "role", "weight": 4.0}]}}"#,
        ),
        case(r#"{"type": "GET_MASTER"}"#),
        case(r#"{"type": "SUBSCRIBE"}"#),
        case(
            r#"{"type": "RESERVE_RESOURCES", "reserve_resources": {
                 "agent_id": {"value": "1557de7d-547c-48db-b5d3-6bef9c9640ef-S0"},
                 "source": [{"type": "SCALAR", "name": "cpus", "scalar": {"value": 1.0},
                   "reservations": [{"type": "DYNAMIC", "role": "role_a",
                                     "principal": "my-principal"}]}],
                 "resources": [{"type": "SCALAR", "name": "cpus", "scalar": {"value": 1.0},
                   "reservations": [{"type": "DYNAMIC", "role": "role_a",
                                     "principal": "my-principal"},
                                    {"type": "DYNAMIC", "role": "role_a/b",
                                     "principal": "my-principal"}]}]}}"#,
        ),
        case(
            r#"{"type": "UNRESERVE_RESOURCES", "unreserve_resources": {
                 "agent_id": {"value": "1557de7d-547c-48db-b5d3-6bef9c9640ef-S0"},
                 "resources": [{"type": "SCALAR", "name": "mem", "scalar": {"value": 512.0},
                   "reservations": [{"type": "DYNAMIC", "role": "role",
                                     "principal": "my-principal"}]}]}}"#,
        ),
        case(
            r#"{"type": "CREATE_VOLUMES", "create_volumes": {
                 "agent_id": {"value": "919141a8-b434-4946-86b9-e1b65c8171f6-S0"},
                 "volumes": [{"type": "SCALAR",
                   "disk": {"persistence": {"id": "id1", "principal": "my-principal"},
                            "volume": {"container_path": "path1", "mode": "RW"}},
                   "name": "disk", "role": "role1", "scalar": {"value": 64.0}}]}}"#,
        ),
        case(
            r#"{"type": "DESTROY_VOLUMES", "destroy_volumes": {
                 "agent_id": {"value": "919141a8-b434-4946-86b9-e1b65c8171f6-S0"},
                 "volumes": [{"type": "SCALAR",
                   "disk": {"persistence": {"id": "id1", "principal": "my-principal"},
                            "volume": {"container_path": "path1", "mode": "RW"}},
                   "name": "disk", "role": "role1", "scalar": {"value": 64.0}}]}}"#,
        ),
        case(
            r#"{"type": "GROW_VOLUME", "grow_volume": {
                 "agent_id": {"value": "919141a8-b434-4946-86b9-e1b65c8171f6-S0"},
                 "volume": {"disk": {"persistence": {"id": "id1", "principal": "my-principal"},
                                     "volume": {"container_path": "path1", "mode": "RW"}},
                            "name": "disk", "role": "role1", "scalar": {"value": 64.0},
                            "type": "SCALAR"},
                 "addition": {"name": "disk", "role": "role1", "scalar": {"value": 64.0},
                              "type": "SCALAR"}}}"#,
        ),
        case(
            r#"{"type": "SHRINK_VOLUME", "shrink_volume": {
                 "agent_id": {"value": "919141a8-b434-4946-86b9-e1b65c8171f6-S0"},
                 "volume": {"disk": {"persistence": {"id": "id1", "principal": "my-principal"},
                                     "volume": {"container_path": "path1", "mode": "RW"}},
                            "name": "disk", "role": "role1", "scalar": {"value": 128.0},
                            "type": "SCALAR"},
                 "subtract": {"value": 64.0}}}"#,
        ),
        case(r#"{"type": "GET_MAINTENANCE_STATUS"}"#),
        case(r#"{"type": "GET_MAINTENANCE_SCHEDULE"}"#),
        case(
            r#"{"type": "UPDATE_MAINTENANCE_SCHEDULE", "update_maintenance_schedule": {
                 "schedule": {"windows": [{
                   "machine_ids": [{"hostname": "myhost"}, {"ip": "0.0.0.2"}],
                   "unavailability": {"start": {"nanoseconds": 1470820233192017920}}}]}}}"#,
        ),
        case(
            r#"{"type": "START_MAINTENANCE",
                 "start_maintenance": {"machines": [{"hostname": "myhost", "ip": "0.0.0.3"}]}}"#,
        ),
        case(
            r#"{"type": "STOP_MAINTENANCE",
                 "stop_maintenance": {"machines": [{"hostname": "myhost", "ip": "0.0.0.3"}]}}"#,
        ),
        case(r#"{"type": "GET_QUOTA"}"#),
        case(
            r#"{"type": "UPDATE_QUOTA", "update_quota": {"force": false, "quota_configs": [
                 {"role": "dev", "limits": {"cpus": {"value": 10}, "mem": {"value": 2048},
                                            "disk": {"value": 4096}}},
                 {"role": "test", "limits": {"cpus": {"value": 1}, "mem": {"value": 256},
                                             "disk": {"value": 512}}}]}}"#,
        ),
        case(
            r#"{"type": "SET_QUOTA", "set_quota": {"quota_request": {"force": true,
                 "role": "dev", "guarantee": [{"name": "cpus", "type": "SCALAR",
                                               "scalar": {"value": 1.0}}]}}}"#,
        ),
        case(r#"{"type": "REMOVE_QUOTA", "remove_quota": {"role": "dev"}}"#),
        case(r#"{"type": "TEARDOWN", "teardown": {"framework_id": {"value": "f-0000"}}}"#),
        case(
            r#"{"type": "MARK_AGENT_GONE",
                 "mark_agent_gone": {"agent_id": {"value": "3192b9d1-db71-4699-ae25-e28dfbf42de1"}}}"#,
        ),
        case(
            r#"{"type": "DRAIN_AGENT", "drain_agent": {
                 "agent_id": {"value": "3192b9d1-db71-4699-ae25-e28dfbf42de1"},
                 "max_grace_period": {"seconds": 600}, "mark_gone": false}}"#,
        ),
        case(
            r#"{"type": "DEACTIVATE_AGENT",
                 "deactivate_agent": {"agent_id": {"value": "3192b9d1-db71-4699-ae25-e28dfbf42de1"}}}"#,
        ),
        case(
            r#"{"type": "REACTIVATE_AGENT",
                 "reactivate_agent": {"agent_id": {"value": "3192b9d1-db71-4699-ae25-e28dfbf42de1"}}}"#,
        ),
    ]);
    // Every Call type (all but UNKNOWN) appears once.
    let kinds: std::collections::BTreeSet<i32> =
        calls.iter().filter_map(|call| call.r#type).collect();
    assert_eq!(kinds.len(), calls.len());
    assert_eq!(kinds.len(), master::call::Type::ReactivateAgent as usize);

    let drain = calls
        .iter()
        .find_map(|call| call.drain_agent.as_ref())
        .unwrap();
    assert_eq!(drain.max_grace_period.unwrap().seconds, 600);
    let quota = calls
        .iter()
        .find_map(|call| call.update_quota.as_ref())
        .unwrap();
    assert_eq!(quota.quota_configs[1].limits["mem"].value, 256.0);
}

#[test]
fn master_responses() {
    let get_state = format!(
        r#"{{"type": "GET_STATE", "get_state": {{
          "get_agents": {{"agents": [{{
            "active": true,
            "agent_info": {{"hostname": "myhost",
                            "id": {{"value": "628984d0-4213-4140-bcb0-99d7ef46b1df-S0"}},
                            "port": 34626, "resources": {RESOURCES}}},
            "pid": "slave(3)@127.0.1.1:34626",
            "registered_time": {{"nanoseconds": 1470820172046531840}},
            "total_resources": {RESOURCES},
            "version": "1.1.0"}}]}},
          "get_executors": {{"executors": [{{
            "agent_id": {{"value": "628984d0-4213-4140-bcb0-99d7ef46b1df-S0"}},
            "executor_info": {{"command": {{"shell": true, "value": ""}},
                               "executor_id": {{"value": "default"}},
                               "framework_id": {{"value": "628984d0-0000"}}}}}}]}},
          "get_frameworks": {{"frameworks": [{{
            "active": true, "connected": true, "recovered": false,
            "framework_info": {{"checkpoint": false, "failover_timeout": 0.0,
                                "hostname": "abcdev", "id": {{"value": "628984d0-0000"}},
                                "name": "default", "principal": "my-principal", "role": "*",
                                "user": "root"}},
            "registered_time": {{"nanoseconds": 1470820172039300864}},
            "reregistered_time": {{"nanoseconds": 1470820172039300864}}}}]}},
          "get_tasks": {{"completed_tasks": [{{
            "agent_id": {{"value": "628984d0-4213-4140-bcb0-99d7ef46b1df-S0"}},
            "executor_id": {{"value": "default"}},
            "framework_id": {{"value": "628984d0-0000"}},
            "name": "test-task", "resources": {RESOURCES},
            "state": "TASK_FINISHED", "status_update_state": "TASK_FINISHED",
            "status_update_uuid": "IWjmPnfgQCWxGVlNNwctcg==",
            "statuses": [{{
              "agent_id": {{"value": "628984d0-4213-4140-bcb0-99d7ef46b1df-S0"}},
              "container_status": {{"network_infos": [{{"ip_addresses": [
                {{"ip_address": "127.0.1.1"}}]}}]}},
              "executor_id": {{"value": "default"}}, "source": "SOURCE_EXECUTOR",
              "state": "TASK_FINISHED",
              "task_id": {{"value": "eb5cb680-a998-4605-8811-e79db8734c02"}},
              "timestamp": 1470820172.09382, "uuid": "IWjmPnfgQCWxGVlNNwctcg=="}}],
            "task_id": {{"value": "eb5cb680-a998-4605-8811-e79db8734c02"}}}}]}}}}}}"#
    );
    let (state, extra, dropped) = round_trip::<master::Response>(&get_state);
    assert_eq!(
        extra,
        [
            "get_state.get_tasks.completed_tasks[0].statuses[0].container_status.network_infos[0].ip_addresses[0].protocol"
        ]
    );
    assert!(dropped.is_empty(), "{dropped:?}");
    let tasks = state.get_state.unwrap().get_tasks.unwrap();
    assert_eq!(
        tasks.completed_tasks[0].statuses[0].timestamp,
        Some(1470820172.09382)
    );

    check::<master::Response>(&[
        case(r#"{"type": "GET_HEALTH", "get_health": {"healthy": true}}"#),
        case(
            r#"{"type": "GET_FLAGS", "get_flags": {"flags": [{"name": "acls", "value": ""},
                 {"name": "agent_ping_timeout", "value": "15secs"}]}}"#,
        ),
        case(
            r#"{"type": "GET_VERSION", "get_version": {"version_info": {
                 "version": "1.0.0", "build_date": "2016-06-24 23:18:37",
                 "build_time": 1466810317, "build_user": "root"}}}"#,
        ),
        case(
            r#"{"type": "GET_METRICS", "get_metrics": {"metrics": [
                 {"name": "allocator/event_queue_dispatches", "value": 1.0},
                 {"name": "master/slaves_active", "value": 0.0}]}}"#,
        ),
        case(r#"{"type": "GET_LOGGING_LEVEL", "get_logging_level": {"level": 0}}"#),
        case(
            r#"{"type": "LIST_FILES", "list_files": {"file_infos": [{
                 "gid": "root", "mode": 16877, "mtime": {"nanoseconds": 1470820172000000000},
                 "nlink": 2, "path": "one/2", "size": 4096, "uid": "root"}]}}"#,
        ),
        case(r#"{"type": "READ_FILE", "read_file": {"data": "b2R5", "size": 4}}"#),
        case(
            r#"{"type": "GET_ROLES", "get_roles": {"roles": [{"name": "*", "weight": 1.0},
                 {"frameworks": [{"value": "74bddcbc-0000"}], "name": "role1",
                  "resources": [{"name": "cpus", "role": "role1", "scalar": {"value": 0.5},
                                 "type": "SCALAR"}],
                  "weight": 2.5}]}}"#,
        ),
        case(
            r#"{"type": "GET_OPERATIONS", "get_operations": {"operations": [{
                 "framework_id": {"value": "74bddcbc-0000"},
                 "agent_id": {"value": "18083noa-0021"},
                 "info": {"type": "CREATE_DISK", "id": {"value": "n2j8nksj-9978"},
                          "create_disk": {"source": {
                            "provider_id": {"value": "837hfmi2-0030"}, "name": "disk",
                            "type": "SCALAR", "scalar": {"value": 1024.0},
                            "allocation_info": {"role": "storage-role-1"},
                            "reservations": [{"type": "DYNAMIC", "role": "storage-role-1",
                                              "principal": "storage-service"}],
                            "disk": {"source": {"type": "RAW", "vendor": "nas-service",
                                                "id": "vol-19827509",
                                                "profile": "fast-volume"}}},
                            "target_type": "MOUNT"}},
                 "latest_status": {"operation_id": {"value": "n2j8nksj-9978"},
                                   "state": "OPERATION_PENDING",
                                   "uuid": {"value": "KJh4Q+KIGh0LKS6DeXvGow=="}},
                 "uuid": {"value": "hTaLQ0b5Q1OZuab7QclTKQ=="}}]}}"#,
        ),
        case(
            r#"{"type": "GET_WEIGHTS",
                 "get_weights": {"weight_infos": [{"role": "role", "weight": 2.0}]}}"#,
        ),
        case(
            r#"{"type": "GET_MASTER", "get_master": {"master_info": {
                 "address": {"hostname": "myhost", "ip": "127.0.1.1", "port": 34626},
                 "hostname": "myhost", "id": "310ffdac-0b73-408d-acf0-2adcd21cb4b7",
                 "ip": 16842879, "pid": "master@127.0.1.1:34626", "port": 34626,
                 "version": "1.1.0"}}}"#,
        ),
        case(
            r#"{"type": "GET_MAINTENANCE_STATUS", "get_maintenance_status": {"status": {
                 "draining_machines": [{"id": {"ip": "0.0.0.2"}},
                                       {"id": {"hostname": "myhost"}}]}}}"#,
        ),
        case(
            r#"{"type": "GET_MAINTENANCE_SCHEDULE", "get_maintenance_schedule": {"schedule": {
                 "windows": [{"machine_ids": [{"hostname": "myhost"}, {"ip": "0.0.0.2"}],
                   "unavailability": {"start": {"nanoseconds": 1470849373150643200}}}]}}}"#,
        ),
        case(
            r#"{"type": "GET_QUOTA", "get_quota": {"status": {"configs": [{"role": "dev",
                 "limits": {"cpus": {"value": 2.0}, "mem": {"value": 2048.0},
                            "disk": {"value": 4096.0}}}]}}}"#,
        ),
    ]);
}

#[test]
fn master_events() {
    let framework = r#"{"active": true, "connected": true, "recovered": false,
        "framework_info": {"capabilities": [{"type": "RESERVATION_REFINEMENT"}],
                           "checkpoint": true, "failover_timeout": 0,
                           "id": {"value": "a9ba2984-99c4-4183-8cd1-f7313426e21c-0147"},
                           "name": "inverse-offer-example-framework", "role": "*",
                           "user": "root"},
        "registered_time": {"nanoseconds": 1501191957829317120},
        "reregistered_time": {"nanoseconds": 1501191957829317120}}"#;
    let events = check::<master::Event>(&[
        case(
            r#"{"type": "SUBSCRIBED", "subscribed": {"get_state": {},
                 "heartbeat_interval_seconds": 15}}"#,
        ),
        case(r#"{"type": "HEARTBEAT"}"#),
        case(
            r#"{"type": "TASK_ADDED", "task_added": {"task": {
                 "name": "dummy-task",
                 "task_id": {"value": "d40f3f3e-bbe3-44af-a230-4cb1eae72f67"},
                 "framework_id": {"value": "49154f1b-8cf6-4421-bf13-8bd11dccd1f1"},
                 "agent_id": {"value": "f1c9cdc5-195e-41a7-a0d7-adaa9af07f81"},
                 "state": "TASK_STAGING"}}}"#,
        ),
        case(
            r#"{"type": "TASK_UPDATED", "task_updated": {
                 "framework_id": {"value": "49154f1b-8cf6-4421-bf13-8bd11dccd1f1"},
                 "status": {"task_id": {"value": "42154f1b-adcd-4421-bf13-8bd11adfafaf"},
                            "state": "TASK_RUNNING",
                            "agent_id": {"value": "2915adf-8aff-4421-bf13-afdafaf1f1"}},
                 "state": "TASK_RUNNING"}}"#,
        ),
        case(
            r#"{"type": "AGENT_REMOVED", "agent_removed": {
                 "agent_id": {"value": "c3946a13-75b4-4d3c-9d0e-fc10038dca85-S3"}}}"#,
        ),
    ]);
    assert_eq!(events.len(), 5);

    for kind in ["FRAMEWORK_ADDED", "FRAMEWORK_UPDATED"] {
        let payload = kind.to_lowercase();
        let (event, extra, dropped) = round_trip::<master::Event>(&format!(
            r#"{{"type": "{kind}", "{payload}": {{"framework": {framework}}}}}"#
        ));
        assert_eq!(event.r#type.map(|_| kind), Some(kind));
        assert!(
            extra.is_empty() && dropped.is_empty(),
            "{extra:?} {dropped:?}"
        );
    }
    let (event, _, _) = round_trip::<master::Event>(
        r#"{"type": "FRAMEWORK_REMOVED", "framework_removed": {"framework_info": {
             "checkpoint": true, "failover_timeout": 0, "name": "f", "user": "root"}}}"#,
    );
    assert_eq!(
        event.framework_removed.unwrap().framework_info.checkpoint,
        Some(true)
    );

    // The documentation's AGENT_ADDED example (its empty arrays are omitted on output).
    let (event, extra, dropped) = round_trip::<master::Event>(
        r#"{"type": "AGENT_ADDED", "agent_added": {"agent": {
             "active": true,
             "agent_info": {"hostname": "172.31.2.24",
                            "id": {"value": "c3946a13-75b4-4d3c-9d0e-fc10038dca85-S3"},
                            "port": 5051, "resources": []},
             "allocated_resources": [],
             "capabilities": [{"type": "MULTI_ROLE"}, {"type": "HIERARCHICAL_ROLE"},
                              {"type": "RESERVATION_REFINEMENT"}],
             "offered_resources": [], "pid": "slave(1)@172.31.2.24:5051",
             "registered_time": {"nanoseconds": 1500993262264135000},
             "reregistered_time": {"nanoseconds": 1500993263019321000},
             "total_resources": [], "version": "1.4.0"}}}"#,
    );
    assert_eq!(event.agent_added.unwrap().agent.capabilities.len(), 3);
    assert!(extra.is_empty());
    assert_eq!(
        dropped,
        [
            "agent_added.agent.agent_info.resources",
            "agent_added.agent.allocated_resources",
            "agent_added.agent.offered_resources",
            "agent_added.agent.total_resources",
        ]
    );

    // The documentation's TASK_ADDED example lacks the task's required framework_id.
    let error = proto::json::from_str::<master::Event>(
        r#"{"type": "TASK_ADDED", "task_added": {"task": {"name": "dummy-task",
             "task_id": {"value": "d40f3f3e"}, "agent_id": {"value": "f1c9cdc5"},
             "command": {"value": "sleep", "arguments": ["100"]}}}}"#,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "missing required field 'task_added.task.framework_id'"
    );
}

#[test]
fn agent_calls_and_responses() {
    let container = r#"{"parent": {"parent": {"value": "27d44d12"}, "value": "f5015d94"},
                        "value": "3192b9d1"}"#;
    let calls = check::<agent::Call>(&[
        case(
            r#"{"type": "GET_CONTAINERS",
                 "get_containers": {"show_nested": true, "show_standalone": false}}"#,
        ),
        case(r#"{"type": "GET_HEALTH"}"#),
        case(r#"{"type": "GET_FLAGS"}"#),
        case(r#"{"type": "GET_VERSION"}"#),
        case(r#"{"type": "GET_METRICS", "get_metrics": {"timeout": {"nanoseconds": 5000000000}}}"#),
        case(r#"{"type": "GET_LOGGING_LEVEL"}"#),
        case(
            r#"{"type": "SET_LOGGING_LEVEL",
                 "set_logging_level": {"duration": {"nanoseconds": 60000000000}, "level": 1}}"#,
        ),
        case(r#"{"type": "LIST_FILES", "list_files": {"path": "one/"}}"#),
        case(r#"{"type": "READ_FILE", "read_file": {"length": 6, "offset": 1, "path": "myname"}}"#),
        case(r#"{"type": "GET_STATE"}"#),
        case(r#"{"type": "GET_FRAMEWORKS"}"#),
        case(r#"{"type": "GET_EXECUTORS"}"#),
        case(r#"{"type": "GET_TASKS"}"#),
        case(r#"{"type": "GET_OPERATIONS"}"#),
        case(r#"{"type": "GET_AGENT"}"#),
        case(
            r#"{"type": "LAUNCH_CONTAINER", "launch_container": {
                 "container_id": {"value": "c1", "parent": {"value": "c0"}},
                 "command": {"shell": false, "value": "/bin/true", "arguments": ["true"]},
                 "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}],
                 "limits": {"cpus": {"value": 0.5}}}}"#,
        ),
        case(r#"{"type": "WAIT_CONTAINER", "wait_container": {"container_id": {"value": "c1"}}}"#),
        case(
            r#"{"type": "KILL_CONTAINER",
                 "kill_container": {"container_id": {"value": "c1"}, "signal": 15}}"#,
        ),
        case(
            r#"{"type": "REMOVE_CONTAINER",
                 "remove_container": {"container_id": {"value": "c1"}}}"#,
        ),
        case(
            r#"{"type": "MARK_RESOURCE_PROVIDER_GONE",
                 "mark_resource_provider_gone": {"resource_provider_id": {"value": "rp1"}}}"#,
        ),
        case(r#"{"type": "GET_RESOURCE_PROVIDERS"}"#),
        case(
            r#"{"type": "ATTACH_CONTAINER_INPUT", "attach_container_input": {
                 "type": "PROCESS_IO", "process_io": {"type": "CONTROL", "control": {
                   "type": "HEARTBEAT",
                   "heartbeat": {"interval": {"nanoseconds": 30000000000}}}}}}"#,
        ),
        case(
            r#"{"type": "ATTACH_CONTAINER_INPUT", "attach_container_input": {
                 "type": "PROCESS_IO", "process_io": {"type": "DATA",
                   "data": {"type": "STDIN", "data": "dGVzdAo="}}}}"#,
        ),
        case(
            r#"{"type": "ATTACH_CONTAINER_OUTPUT",
                 "attach_container_output": {"container_id": {"value": "e193a755"}}}"#,
        ),
        case(
            r#"{"type": "REMOVE_RESOURCE_PROVIDER_CONFIG", "remove_resource_provider_config": {
                 "type": "org.apache.mesos.rp.local.storage", "name": "test_slrp"}}"#,
        ),
        Case {
            json: r#"{"type": "PRUNE_IMAGES", "prune_images": {"excluded_images": [
                      {"type": "DOCKER", "docker": {"name": "mysql:latest"}}]}}"#,
            // Image.cached defaults to true.
            extra: &["prune_images.excluded_images[0].cached"],
            dropped: &[],
        },
    ]);
    assert_eq!(calls.len(), 26);

    for kind in ["LAUNCH_NESTED_CONTAINER", "LAUNCH_NESTED_CONTAINER_SESSION"] {
        let payload = kind.to_lowercase();
        let (call, extra, _) = round_trip::<agent::Call>(&format!(
            r#"{{"type": "{kind}", "{payload}": {{"container_id": {container},
                "command": {{"environment": {{"variables": [
                  {{"name": "ENV_VAR_KEY", "type": "VALUE", "value": "env_var_value"}}]}},
                  "shell": true, "value": "exit 0"}}}}}}"#
        ));
        assert!(call.r#type.is_some());
        assert!(extra.is_empty(), "{extra:?}");
    }
    for kind in [
        "WAIT_NESTED_CONTAINER",
        "KILL_NESTED_CONTAINER",
        "REMOVE_NESTED_CONTAINER",
    ] {
        let payload = kind.to_lowercase();
        let (call, _, _) = round_trip::<agent::Call>(&format!(
            r#"{{"type": "{kind}", "{payload}": {{"container_id": {container}}}}}"#
        ));
        assert!(call.r#type.is_some());
    }

    let (call, extra, _) = round_trip::<agent::Call>(
        r#"{"type": "ADD_RESOURCE_PROVIDER_CONFIG", "add_resource_provider_config": {"info": {
             "type": "org.apache.mesos.rp.local.storage", "name": "test_slrp",
             "default_reservations": [{"type": "DYNAMIC", "role": "test-role"}],
             "storage": {"plugin": {"type": "org.apache.mesos.csi.test", "name": "test_plugin",
               "containers": [{"services": ["CONTROLLER_SERVICE", "NODE_SERVICE"],
                 "command": {"shell": true, "value": "./test-csi-plugin",
                             "uris": [{"value": "/PATH/TO/test-csi-plugin",
                                       "executable": true}]},
                 "resources": [{"name": "cpus", "type": "SCALAR",
                                "scalar": {"value": 0.1}}]}]}}}}}"#,
    );
    let info = call.add_resource_provider_config.unwrap().info;
    let mut seen: std::collections::BTreeSet<i32> =
        calls.iter().filter_map(|call| call.r#type).collect();
    seen.insert(agent::call::Type::AddResourceProviderConfig as i32);
    assert_eq!(info.storage.unwrap().plugin.containers[0].services.len(), 2);
    let (call, _, _) = round_trip::<agent::Call>(
        r#"{"type": "UPDATE_RESOURCE_PROVIDER_CONFIG", "update_resource_provider_config": {
             "info": {"type": "org.apache.mesos.rp.local.storage", "name": "test_slrp"}}}"#,
    );
    seen.extend(call.r#type);
    for kind in [
        "LAUNCH_NESTED_CONTAINER",
        "LAUNCH_NESTED_CONTAINER_SESSION",
        "WAIT_NESTED_CONTAINER",
        "KILL_NESTED_CONTAINER",
        "REMOVE_NESTED_CONTAINER",
    ] {
        seen.extend(agent::call::Type::from_str_name(kind).map(|kind| kind as i32));
    }
    // Every agent Call type (all but UNKNOWN) has an example above.
    let type_field = agent::Call::default()
        .descriptor()
        .get_field_by_name("type")
        .unwrap();
    let type_count = type_field.kind().as_enum().unwrap().values().count();
    assert_eq!(seen.len(), type_count - 1);
    // CommandInfo.URI.extract defaults to true.
    assert_eq!(
        extra,
        ["add_resource_provider_config.info.storage.plugin.containers[0].command.uris[0].extract"]
    );

    let responses = check::<agent::Response>(&[
        case(
            r#"{"type": "GET_CONTAINERS", "get_containers": {"containers": [{
                 "container_id": {"value": "f0f97041-1860-4b4a-b279-91fec4e0ebd8"},
                 "executor_id": {"value": "default"}, "executor_name": "",
                 "framework_id": {"value": "cbe3c0f1-0000"},
                 "resource_statistics": {"mem_limit_bytes": 2048, "timestamp": 0.0}}]}}"#,
        ),
        case(r#"{"type": "WAIT_NESTED_CONTAINER", "wait_nested_container": {"exit_status": 0}}"#),
        case(
            r#"{"type": "WAIT_CONTAINER", "wait_container": {"exit_status": 9,
                 "state": "TASK_KILLED", "reason": "REASON_CONTAINER_LIMITATION_MEMORY"}}"#,
        ),
    ]);
    assert_eq!(
        responses[0].get_containers.as_ref().unwrap().containers[0]
            .resource_statistics
            .as_ref()
            .unwrap()
            .mem_limit_bytes,
        Some(2048)
    );

    // Records of a nested container session's output stream.
    let (record, _, _) = round_trip::<agent::ProcessIo>(
        r#"{"type": "DATA", "data": {"type": "STDOUT",
            "data": "TW9uIEZlYiAyNyAwNzozOTozOCBVVEMgMjAxNwo="}}"#,
    );
    assert_eq!(
        record.data.unwrap().data.unwrap(),
        b"Mon Feb 27 07:39:38 UTC 2017\n"
    );
}
