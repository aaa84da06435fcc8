//! The agent's read-only endpoints: `/state` with Mesos's shape (also as `/slave(1)/state`),
//! `/flags`, `/health`, `/version`, and the `slave/*` metrics.

use proto::v1;

use crate::support::{FRAMEWORK, Harness, answered};

#[test]
fn state_has_mesoss_shape() {
    let harness = Harness::start_with(|options| {
        options.attributes = agent::options::attributes_to_proto(
            &resources::Attributes::parse("rack:r1;level:2").unwrap(),
        );
        options.flags.insert("work_dir".into(), "/somewhere".into());
    });
    let (status, unregistered) = harness.get("/state");
    assert_eq!(status, 200);
    assert_eq!(unregistered["id"], "");
    let mut harness = harness;
    harness.register();
    harness.run_task(harness.command_task("queued", "sleep 1"));
    harness.run_task(harness.command_task("t1", "sleep 100"));
    let mut fake = harness.subscribe("t1");
    fake.events();
    harness.executor_update("t1", "t1", v1::TaskState::TaskRunning, 1);

    let state = harness.state();
    assert_eq!(state["version"], "1.11.0");
    assert_eq!(state["id"], "M-S0");
    assert_eq!(state["pid"], harness.agent.to_string());
    assert_eq!(state["hostname"], "agent.test");
    assert!(state["start_time"].as_f64().unwrap() > 0.0);
    assert_eq!(state["resources"]["cpus"], 4.0);
    assert_eq!(state["resources"]["mem"], 4096.0);
    assert_eq!(state["resources"]["gpus"], 0.0);
    assert_eq!(state["resources"]["ports"], "[31000-32000]");
    assert_eq!(state["unreserved_resources"]["disk"], 8192.0);
    assert!(state["reserved_resources"].as_object().unwrap().is_empty());
    assert!(state["unreserved_resources_full"].is_array());
    assert_eq!(state["unreserved_resources_allocated"]["cpus"], 2.2);
    assert_eq!(state["attributes"]["rack"], "r1");
    assert_eq!(state["attributes"]["level"], 2.0);
    assert_eq!(state["flags"]["work_dir"], "/somewhere");
    assert!(state["master_hostname"].is_string());
    assert!(
        state["capabilities"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"type": "MULTI_ROLE"}))
    );

    let framework = &state["frameworks"][0];
    assert_eq!(framework["id"], FRAMEWORK);
    assert_eq!(framework["name"], "test framework");
    assert_eq!(framework["role"], "*");
    assert_eq!(framework["checkpoint"], false);
    let executors = framework["executors"].as_array().unwrap();
    assert_eq!(executors.len(), 2);
    let queued = executors.iter().find(|e| e["id"] == "queued").unwrap();
    assert_eq!(queued["queued_tasks"][0]["id"], "queued");
    assert_eq!(queued["queued_tasks"][0]["role"], "*");
    assert!(queued["queued_tasks"][0]["command"].is_object());
    assert!(queued["tasks"].as_array().unwrap().is_empty());
    let running = executors.iter().find(|e| e["id"] == "t1").unwrap();
    assert_eq!(running["source"], "t1");
    assert!(
        running["name"]
            .as_str()
            .unwrap()
            .starts_with("Command Executor (Task: t1)")
    );
    assert!(running["directory"].as_str().unwrap().ends_with(&format!(
        "/slaves/M-S0/frameworks/{FRAMEWORK}/executors/t1/runs/{}",
        running["container"].as_str().unwrap()
    )));
    assert_eq!(running["resources"]["cpus"], 1.1);
    assert_eq!(running["resources"]["mem"], 160.0);
    let task = &running["tasks"][0];
    assert_eq!(task["id"], "t1");
    assert_eq!(task["framework_id"], FRAMEWORK);
    assert_eq!(task["executor_id"], "");
    assert_eq!(task["slave_id"], "M-S0");
    assert_eq!(task["state"], "TASK_RUNNING");
    assert_eq!(task["statuses"][0]["state"], "TASK_RUNNING");
    assert!(task["statuses"][0]["timestamp"].is_number());
    assert!(state["completed_frameworks"].as_array().unwrap().is_empty());

    // The same under the process's own name, with a trailing slash, and as JSONP.
    let (status, prefixed) = harness.get(&format!("/{}/state/", harness.agent.id()));
    assert_eq!(status, 200);
    assert_eq!(prefixed["id"], "M-S0");
    let response = answered(
        harness
            .runtime
            .http(libprocess::Request::get("/state?jsonp=cb")),
    );
    let body = String::from_utf8(response.full_body().unwrap().to_vec()).unwrap();
    assert!(body.starts_with("cb({") && body.ends_with("});"), "{body}");
}

#[test]
fn flags_health_version_and_metrics_are_served() {
    let harness = Harness::start_with(|options| {
        options.flags.insert("port".into(), "5051".into());
    });
    let (status, flags) = harness.get("/flags");
    assert_eq!(status, 200);
    assert_eq!(flags["flags"]["port"], "5051");
    let health = answered(harness.runtime.http(libprocess::Request::get("/health")));
    assert_eq!(health.status, 200);
    let (status, version) = harness.get("/version");
    assert_eq!(status, 200);
    assert_eq!(version["version"], "1.11.0");

    for key in [
        "slave/uptime_secs",
        "slave/registered",
        "slave/tasks_running",
        "slave/tasks_finished",
        "slave/executors_running",
        "slave/cpus_total",
        "slave/mem_used",
        "slave/disk_percent",
        "slave/valid_status_updates",
    ] {
        harness.metric(key);
    }
    assert_eq!(harness.metric("slave/cpus_total"), 4.0);
    assert_eq!(harness.metric("slave/registered"), 0.0);
    harness.advance(std::time::Duration::from_secs(30));
    assert!(harness.metric("slave/uptime_secs") >= 30.0);
}
