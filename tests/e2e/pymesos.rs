//! A pymesos scheduler (`py/scheduler.py`) as a child process: the test writes commands to
//! its stdin and reads the driver's callbacks as JSON lines from its stdout.

use std::{
    fs,
    io::{BufRead, BufReader, Write},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{Arc, Mutex},
};

use serde_json::{Value, json};

use crate::cluster::{self, wait_for};

pub struct PyScheduler {
    child: Child,
    stdin: Option<ChildStdin>,
    events: Arc<Mutex<Vec<Value>>>,
    stderr: PathBuf,
}

impl PyScheduler {
    /// Starts the scheduler against `master` and waits until it has registered.
    pub fn start(master: SocketAddr, dir: &Path, name: &str) -> PyScheduler {
        let stderr = dir.join(format!("{name}.scheduler.err"));
        let mut child = Command::new(cluster::python())
            .arg(cluster::script("scheduler.py"))
            .arg(master.to_string())
            .arg(name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&stderr).expect("create the scheduler's log"))
            .spawn()
            .expect("start the pymesos scheduler");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("the scheduler's stdout");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let event = serde_json::from_str(&line)
                    .unwrap_or_else(|_| json!({"event": "garbage", "line": line}));
                sink.lock().unwrap().push(event);
            }
            sink.lock().unwrap().push(json!({"event": "eof"}));
        });
        let scheduler = PyScheduler {
            child,
            stdin,
            events,
            stderr,
        };
        scheduler.wait_event("registration", |event| event["event"] == "registered");
        scheduler
    }

    /// Sends one command line (see `py/scheduler.py`).
    pub fn send(&mut self, command: Value) {
        let stdin = self.stdin.as_mut().expect("the scheduler's stdin");
        writeln!(stdin, "{command}")
            .and_then(|()| stdin.flush())
            .expect("write to the scheduler");
    }

    /// Launches `tasks` (TaskInfo JSON without `agent_id`) on the next fitting offer.
    pub fn launch(&mut self, tasks: Vec<Value>) {
        self.send(json!({"op": "launch", "tasks": tasks}));
    }

    pub fn kill(&mut self, task_id: &str) {
        self.send(json!({"op": "kill", "task_id": task_id}));
    }

    /// Asks the master for the latest state of `task_ids` (none: implicit reconciliation).
    pub fn reconcile(&mut self, task_ids: &[&str]) {
        self.send(json!({"op": "reconcile", "task_ids": task_ids}));
    }

    pub fn message(&mut self, executor_id: &str, agent_id: &str, data: &str) {
        self.send(json!({
            "op": "message",
            "executor_id": executor_id,
            "agent_id": agent_id,
            "data": data,
        }));
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<Value> {
        self.events.lock().unwrap().clone()
    }

    /// The task's states in the order the scheduler saw them.
    pub fn states(&self, task_id: &str) -> Vec<String> {
        self.updates(task_id)
            .iter()
            .filter_map(|update| update["state"].as_str().map(String::from))
            .collect()
    }

    /// The task's status updates.
    pub fn updates(&self, task_id: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|event| event["event"] == "update" && event["task_id"] == task_id)
            .collect()
    }

    /// Waits for the first event that `matches` and returns it.
    pub fn wait_event(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        self.wait(what, |events| {
            events.iter().find(|event| matches(event)).cloned()
        })
    }

    /// Waits for the task's update with `state` and returns it.
    pub fn wait_state(&self, task_id: &str, state: &str) -> Value {
        self.wait_event(&format!("{task_id} {state}"), |event| {
            event["event"] == "update" && event["task_id"] == task_id && event["state"] == state
        })
    }

    /// Waits until `probe` finds something in the events.
    pub fn wait<T>(&self, what: &str, probe: impl Fn(&[Value]) -> Option<T>) -> T {
        wait_for(&format!("the scheduler to see {what}"), || {
            let events = self.events();
            if let Some(found) = probe(&events) {
                return Ok(found);
            }
            if events.iter().any(|event| event["event"] == "eof") {
                panic!(
                    "the scheduler exited before {what}; events: {events:#?}{}",
                    self.log_tail()
                );
            }
            Err(format!("events: {events:#?}{}", self.log_tail()))
        })
    }

    /// The last lines of the scheduler's stderr.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.stderr).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "\n--- scheduler stderr ---\n{}",
            lines[lines.len().saturating_sub(30)..].join("\n")
        )
    }

    /// Tears the framework down (pymesos's `stop()`) and waits for the script to exit.
    pub fn stop(mut self) {
        self.send(json!({"op": "stop"}));
        self.wait_event("the driver stop", |event| event["event"] == "stopped");
    }
}

impl Drop for PyScheduler {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("scheduler events: {:#?}{}", self.events(), self.log_tail());
        }
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command task's TaskInfo as pymesos users write it.
pub fn command_task(task_id: &str, command: &str) -> Value {
    json!({
        "name": task_id,
        "task_id": {"value": task_id},
        "resources": resources(0.1, 32.0),
        "command": {"value": command, "shell": true},
    })
}

/// A task on the custom pymesos executor `executor_id`.
pub fn executor_task(task_id: &str, executor_id: &str, executor_command: &str) -> Value {
    json!({
        "name": task_id,
        "task_id": {"value": task_id},
        "resources": resources(0.1, 32.0),
        "executor": {
            "executor_id": {"value": executor_id},
            "name": executor_id,
            "command": {"value": executor_command, "shell": true},
            "resources": resources(0.1, 64.0),
        },
    })
}

/// The command that runs `py/executor.py` with the venv's Python.
pub fn executor_command() -> String {
    format!(
        "exec {} {}",
        cluster::python().display(),
        cluster::script("executor.py").display()
    )
}

fn resources(cpus: f64, mem: f64) -> Value {
    json!([
        {"name": "cpus", "type": "SCALAR", "scalar": {"value": cpus}},
        {"name": "mem", "type": "SCALAR", "scalar": {"value": mem}},
    ])
}
