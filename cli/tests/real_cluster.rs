//! `mesos` and Mesos's own CLI (avmesos-cli) against a real cluster: `mesos-local` with one
//! agent running one command task of a real framework. Our listings (tables and `--json`),
//! `task log` of the task's stdout and stderr, the errors a person gets, and Mesos's
//! `agent list`, `framework list` and `task list` over our master's endpoints.

mod support;

use std::{net::TcpListener, path::PathBuf, process::Command};

use serde_json::Value;
use support::{
    Cluster, FRAMEWORK_NAME, TASK_ID, TASK_STDERR, TASK_STDOUT, mesos, success, wait_until,
};

/// A table's rows split into cells (cells here hold no spaces except the NAME column,
/// which the tests keep free of them).
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// `--json` output parsed as an array.
fn json_array(text: &str) -> Vec<Value> {
    match serde_json::from_str(text) {
        Ok(Value::Array(items)) => items,
        other => panic!("not a JSON array ({other:?}): {text}"),
    }
}

#[test]
fn our_cli_lists_the_cluster_and_reads_the_task_s_logs() {
    let cluster = Cluster::start();
    let master = cluster.master.as_str();

    // Agents: a header and one row, the agent's totals (cpus:2;mem:1024;disk:1024).
    let table = success(&mesos(&["--master", master, "agent", "list"]), "agent list");
    let agents = rows(&table);
    assert_eq!(
        agents[0],
        ["ID", "HOSTNAME", "ACTIVE", "CPUS", "MEM", "DISK"],
        "{table}"
    );
    assert_eq!(agents.len(), 2, "{table}");
    assert_eq!(agents[1][0], cluster.agent_id, "{table}");
    assert_eq!(agents[1][2], "true", "{table}");
    assert_eq!(agents[1][3], "0.1/2", "{table}");
    assert_eq!(agents[1][4], "32MB/1GB", "{table}");
    assert_eq!(agents[1][5], "0MB/1GB", "{table}");
    let json = success(
        &mesos(&["--master", master, "agent", "list", "--json"]),
        "agent list --json",
    );
    let agents = json_array(&json);
    assert_eq!(agents.len(), 1, "{json}");
    assert_eq!(agents[0]["id"], cluster.agent_id.as_str());
    assert!(
        agents[0]["pid"]
            .as_str()
            .is_some_and(|pid| pid.contains('@'))
    );
    assert_eq!(agents[0]["resources"]["cpus"], 2.0);

    // Frameworks: ours, active, one task.
    let table = success(
        &mesos(&["--master", master, "framework", "list"]),
        "framework list",
    );
    let frameworks = rows(&table);
    assert_eq!(
        frameworks[0],
        ["ID", "NAME", "ACTIVE", "TASKS", "CPUS", "MEM"],
        "{table}"
    );
    assert_eq!(
        frameworks[1..],
        [[
            cluster.framework_id.as_str(),
            FRAMEWORK_NAME,
            "true",
            "1",
            "0.1",
            "32MB"
        ]],
        "{table}"
    );
    let json = success(
        &mesos(&["framework", "list", "--json", "--master", master]),
        "framework list --json",
    );
    let frameworks = json_array(&json);
    assert_eq!(frameworks.len(), 1, "{json}");
    assert_eq!(frameworks[0]["id"], cluster.framework_id.as_str());
    assert_eq!(frameworks[0]["name"], FRAMEWORK_NAME);
    assert_eq!(frameworks[0]["tasks"][0]["id"], TASK_ID);

    // Tasks: ours, running, named by framework name and agent hostname.
    let table = success(&mesos(&["--master", master, "task", "list"]), "task list");
    let tasks = rows(&table);
    assert_eq!(
        tasks[0],
        ["ID", "NAME", "FRAMEWORK", "AGENT", "STATE"],
        "{table}"
    );
    assert_eq!(tasks.len(), 2, "{table}");
    assert_eq!(tasks[1][..3], [TASK_ID, TASK_ID, FRAMEWORK_NAME], "{table}");
    assert_eq!(tasks[1][4], "TASK_RUNNING", "{table}");
    let json = success(
        &mesos(&["--master", master, "task", "list", "--all", "--json"]),
        "task list --json",
    );
    let tasks = json_array(&json);
    assert_eq!(tasks.len(), 1, "{json}");
    assert_eq!(tasks[0]["id"], TASK_ID);
    assert_eq!(tasks[0]["framework_id"], cluster.framework_id.as_str());
    assert_eq!(tasks[0]["slave_id"], cluster.agent_id.as_str());
    assert_eq!(tasks[0]["state"], "TASK_RUNNING");

    // The task's stdout, whole and its last line; its stderr.
    let log = |extra: &[&str]| {
        let mut args = vec!["--master", master, "task", "log", TASK_ID];
        args.extend_from_slice(extra);
        success(&mesos(&args), "task log")
    };
    wait_until("the task's stdout", || log(&[]) == TASK_STDOUT);
    assert_eq!(log(&["--lines", "1"]), "second line from the task\n");
    assert_eq!(log(&["--lines", "0"]), "");
    assert_eq!(log(&["--lines", "5", "--file", "stdout"]), TASK_STDOUT);
    wait_until("the task's stderr", || {
        log(&["--file", "stderr"]).contains(TASK_STDERR)
    });
    let scoped = ["--framework", cluster.framework_id.as_str()];
    assert_eq!(log(&scoped), TASK_STDOUT);

    // A task that does not exist.
    let output = mesos(&["--master", master, "task", "log", "no-such-task"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the master knows no task 'no-such-task'"),
        "{stderr}"
    );
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn an_unreachable_master_says_what_to_do() {
    let address = format!("127.0.0.1:{}", closed_port());
    for command in [
        &["agent", "list"][..],
        &["framework", "list"],
        &["task", "list"],
        &["task", "log", "t"],
    ] {
        let mut args = vec!["--master", address.as_str()];
        args.extend_from_slice(command);
        let output = mesos(&args);
        assert_eq!(output.status.code(), Some(1), "{command:?}");
        assert!(output.stdout.is_empty(), "{command:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!(
                "mesos: cannot reach the master at {address}: connection refused; \
                 is mesos-master running there? Pass --master host:port or set MESOS_MASTER"
            )),
            "{command:?}: {stderr}"
        );
    }

    // MESOS_MASTER is where the master is looked for without --master.
    let output = Command::new(env!("CARGO_BIN_EXE_mesos"))
        .args(["agent", "list"])
        .env("MESOS_MASTER", &address)
        .output()
        .expect("run mesos");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot reach the master at {address}")),
        "{stderr}"
    );

    // A --master that is no address is a usage error (2), named.
    let output = mesos(&["--master", "zk://127.0.0.1:2181/mesos", "agent", "list"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--master host:port"), "{stderr}");
    let output = mesos(&["agent", "frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}

/// The Python of the test venv (scripts/install-test-deps.sh).
fn venv_python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/install-test-deps.sh (it installs avmesos-cli)",
        python.display()
    );
    python
}

#[test]
fn mesos_own_cli_lists_our_cluster() {
    let python = venv_python();
    let cluster = Cluster::start();
    let config_dir = tempfile::tempdir().expect("a temporary directory");
    let config = config_dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[master]\naddress = \"{}\"\n", cluster.master),
    )
    .expect("write the config");
    let mesos_cli = |args: &[&str]| {
        let output = Command::new(&python)
            .args(["-m", "avmesos.cli.mesos-cli"])
            .args(args)
            .env("MESOS_CLI_CONFIG", &config)
            .env("HOME", config_dir.path())
            .output()
            .expect("run avmesos-cli");
        success(&output, &format!("mesos-cli {args:?}"))
    };

    let agents = mesos_cli(&["agent", "list"]);
    let row = agents
        .lines()
        .find(|line| line.contains(&cluster.agent_id))
        .unwrap_or_else(|| panic!("no agent {} in:\n{agents}", cluster.agent_id));
    assert!(row.contains("True"), "{agents}");

    let frameworks = mesos_cli(&["framework", "list"]);
    let row = frameworks
        .lines()
        .find(|line| line.contains(&cluster.framework_id))
        .unwrap_or_else(|| panic!("no framework {} in:\n{frameworks}", cluster.framework_id));
    assert!(
        row.contains(FRAMEWORK_NAME) && row.contains("True"),
        "{frameworks}"
    );

    let tasks = mesos_cli(&["task", "list"]);
    let row = tasks
        .lines()
        .find(|line| line.split_whitespace().next() == Some(TASK_ID))
        .unwrap_or_else(|| panic!("no task {TASK_ID} in:\n{tasks}"));
    assert!(
        row.contains("TASK_RUNNING") && row.contains(&cluster.framework_id),
        "{tasks}"
    );

    // `inspect` prints the master's object for one framework or task.
    let framework = mesos_cli(&["framework", "inspect", &cluster.framework_id]);
    assert!(
        framework.contains(FRAMEWORK_NAME) && framework.contains(&cluster.framework_id),
        "{framework}"
    );
    let task = mesos_cli(&["task", "inspect", TASK_ID]);
    assert!(
        task.contains(TASK_ID) && task.contains("TASK_RUNNING"),
        "{task}"
    );
}
