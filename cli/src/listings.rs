//! `agent list`, `framework list` and `task list`: the master's `/master/slaves`,
//! `/master/frameworks` and `/master/tasks` as tables (pure functions of the JSON, tested
//! here), or their objects as they are with `--json`.

use std::collections::HashMap;

use serde_json::Value;

use crate::{
    error::CliError,
    http::{Http, Peer},
    table::{self, Table},
};

/// Mesos's terminal task states: a task in one of them is over.
pub const TERMINAL_STATES: &[&str] = &[
    "TASK_FINISHED",
    "TASK_FAILED",
    "TASK_KILLED",
    "TASK_LOST",
    "TASK_ERROR",
    "TASK_DROPPED",
    "TASK_GONE",
    "TASK_GONE_BY_OPERATOR",
];

/// Whether a task in `state` is over.
pub fn is_terminal(state: &str) -> bool {
    TERMINAL_STATES.contains(&state)
}

/// The array at `key` of a master's answer to `path`, or a [`CliError::Malformed`].
pub fn array<'a>(
    answer: &'a Value,
    key: &str,
    peer: &Peer,
    path: &str,
) -> Result<&'a [Value], CliError> {
    match answer.get(key) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(CliError::Malformed {
            role: peer.role.clone(),
            address: peer.address.clone(),
            path: path.to_owned(),
            reason: format!("no '{key}' array"),
        }),
    }
}

/// The string at `key` of `object` ("" when absent or not a string).
pub fn text<'a>(object: &'a Value, key: &str) -> &'a str {
    object.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `object[resources][name]` as a number (0 when absent).
fn amount(object: &Value, resources: &str, name: &str) -> f64 {
    object
        .get(resources)
        .and_then(|resources| resources.get(name))
        .and_then(Value::as_f64)
        .unwrap_or(0.0)
}

fn yes_no(object: &Value, key: &str) -> String {
    match object.get(key).and_then(Value::as_bool) {
        Some(true) => "true".into(),
        Some(false) => "false".into(),
        None => String::new(),
    }
}

/// The agents table: ID, HOSTNAME, ACTIVE, and CPUS, MEM, DISK as used/total.
pub fn agents_table(agents: &[Value]) -> Table {
    let mut table = Table::new(&["ID", "HOSTNAME", "ACTIVE", "CPUS", "MEM", "DISK"]);
    for agent in agents {
        let used = |name| amount(agent, "used_resources", name);
        let total = |name| amount(agent, "resources", name);
        table.push(vec![
            text(agent, "id").to_owned(),
            text(agent, "hostname").to_owned(),
            yes_no(agent, "active"),
            table::used_of(used("cpus"), total("cpus"), table::cpus),
            table::used_of(used("mem"), total("mem"), table::megabytes),
            table::used_of(used("disk"), total("disk"), table::megabytes),
        ]);
    }
    table
}

/// The frameworks table: ID, NAME, ACTIVE, TASKS (active ones), and the CPUS and MEM in use.
pub fn frameworks_table(frameworks: &[Value]) -> Table {
    let mut table = Table::new(&["ID", "NAME", "ACTIVE", "TASKS", "CPUS", "MEM"]);
    for framework in frameworks {
        let tasks = framework
            .get("tasks")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        table.push(vec![
            text(framework, "id").to_owned(),
            text(framework, "name").to_owned(),
            yes_no(framework, "active"),
            tasks.to_string(),
            table::cpus(amount(framework, "used_resources", "cpus")),
            table::megabytes(amount(framework, "used_resources", "mem")),
        ]);
    }
    table
}

/// The tasks table: ID, NAME, FRAMEWORK (its name, or its ID when the master no longer
/// lists it), AGENT (its hostname, or its ID), STATE.
pub fn tasks_table(tasks: &[&Value], frameworks: &[Value], agents: &[Value]) -> Table {
    let names: HashMap<&str, &str> = frameworks
        .iter()
        .map(|framework| (text(framework, "id"), text(framework, "name")))
        .filter(|(_, name)| !name.is_empty())
        .collect();
    let hostnames: HashMap<&str, &str> = agents
        .iter()
        .map(|agent| (text(agent, "id"), text(agent, "hostname")))
        .filter(|(_, hostname)| !hostname.is_empty())
        .collect();
    let mut table = Table::new(&["ID", "NAME", "FRAMEWORK", "AGENT", "STATE"]);
    for task in tasks {
        let framework = text(task, "framework_id");
        let agent = text(task, "slave_id");
        table.push(vec![
            text(task, "id").to_owned(),
            text(task, "name").to_owned(),
            names
                .get(framework)
                .copied()
                .unwrap_or(framework)
                .to_owned(),
            hostnames.get(agent).copied().unwrap_or(agent).to_owned(),
            text(task, "state").to_owned(),
        ]);
    }
    table
}

/// What a list command prints: the table, or the objects as a JSON array.
pub fn output(objects: &[&Value], table: Table, json: bool) -> String {
    if json {
        let array = Value::Array(objects.iter().map(|object| (*object).clone()).collect());
        let mut text = serde_json::to_string_pretty(&array).unwrap_or_else(|_| "[]".into());
        text.push('\n');
        text
    } else {
        table.render()
    }
}

/// The master's registered agents (`/master/slaves`).
pub fn fetch_agents(http: &Http, master: &Peer) -> Result<Vec<Value>, CliError> {
    let path = "/master/slaves";
    let answer = http.get_json(master, path, &[])?;
    Ok(array(&answer, "slaves", master, path)?.to_vec())
}

/// The master's frameworks (`/master/frameworks`): the registered ones, then with `all` the
/// completed ones.
pub fn fetch_frameworks(http: &Http, master: &Peer, all: bool) -> Result<Vec<Value>, CliError> {
    let path = "/master/frameworks";
    let answer = http.get_json(master, path, &[])?;
    let mut frameworks = array(&answer, "frameworks", master, path)?.to_vec();
    if all {
        frameworks.extend_from_slice(array(&answer, "completed_frameworks", master, path)?);
    }
    Ok(frameworks)
}

/// Every task the master knows (`/master/tasks`, oldest first, no limit), optionally only
/// those of one task ID and framework.
pub fn fetch_tasks(
    http: &Http,
    master: &Peer,
    task_id: Option<&str>,
    framework_id: Option<&str>,
) -> Result<Vec<Value>, CliError> {
    let path = "/master/tasks";
    let mut query = vec![("order", "asc".to_owned()), ("limit", "-1".to_owned())];
    if let Some(task_id) = task_id {
        query.push(("task_id", task_id.to_owned()));
    }
    if let Some(framework_id) = framework_id {
        query.push(("framework_id", framework_id.to_owned()));
    }
    let answer = http.get_json(master, path, &query)?;
    Ok(array(&answer, "tasks", master, path)?.to_vec())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn agent() -> Value {
        json!({
            "id": "A-S0", "hostname": "node1", "active": true,
            "pid": "slave(1)@127.0.0.1:5051",
            "resources": {"cpus": 4.0, "mem": 2048.0, "disk": 10240.0, "ports": "[31000-32000]"},
            "used_resources": {"cpus": 0.5, "mem": 128.0, "disk": 0.0},
        })
    }

    fn framework() -> Value {
        json!({
            "id": "A-0000", "name": "marathon", "active": true,
            "tasks": [{"id": "t1"}, {"id": "t2"}],
            "used_resources": {"cpus": 0.5, "mem": 128.0},
        })
    }

    #[test]
    fn agents_show_use_against_totals() {
        let text = agents_table(&[agent()]).render();
        assert_eq!(
            text,
            "ID    HOSTNAME  ACTIVE  CPUS   MEM        DISK\n\
             A-S0  node1     true    0.5/4  128MB/2GB  0MB/10GB\n"
        );
    }

    #[test]
    fn frameworks_count_their_active_tasks() {
        let mut idle = json!({"id": "A-0001", "name": "idle", "active": false});
        idle["used_resources"] = json!({});
        let text = frameworks_table(&[framework(), idle]).render();
        assert_eq!(
            text,
            "ID      NAME      ACTIVE  TASKS  CPUS  MEM\n\
             A-0000  marathon  true    2      0.5   128MB\n\
             A-0001  idle      false   0      0     0MB\n"
        );
    }

    #[test]
    fn tasks_name_their_framework_and_agent_when_known() {
        let known = json!({"id": "t1", "name": "web", "framework_id": "A-0000",
                           "slave_id": "A-S0", "state": "TASK_RUNNING"});
        let orphan = json!({"id": "t2", "name": "old", "framework_id": "gone",
                            "slave_id": "A-S9", "state": "TASK_LOST"});
        let text = tasks_table(&[&known, &orphan], &[framework()], &[agent()]).render();
        assert_eq!(
            text,
            "ID  NAME  FRAMEWORK  AGENT  STATE\n\
             t1  web   marathon   node1  TASK_RUNNING\n\
             t2  old   gone       A-S9   TASK_LOST\n"
        );
    }

    #[test]
    fn json_output_is_the_objects_as_they_are() {
        let agent = agent();
        let text = output(&[&agent], agents_table(&[]), true);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, json!([agent]));
        assert_eq!(output(&[], agents_table(&[]), true), "[]\n");
        assert!(
            output(&[&agent], agents_table(std::slice::from_ref(&agent)), false).starts_with("ID ")
        );
    }

    #[test]
    fn terminal_states_are_mesos_s() {
        assert!(is_terminal("TASK_FINISHED"));
        assert!(is_terminal("TASK_GONE_BY_OPERATOR"));
        assert!(!is_terminal("TASK_RUNNING"));
        assert!(!is_terminal("TASK_UNREACHABLE"));
        assert!(!is_terminal("TASK_STAGING"));
    }

    #[test]
    fn a_missing_array_is_a_malformed_answer() {
        let master = Peer::master("m:5050");
        let error = array(&json!({"nope": []}), "slaves", &master, "/master/slaves").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the master at m:5050 sent an unexpected answer to GET /master/slaves: \
             no 'slaves' array"
        );
    }
}
