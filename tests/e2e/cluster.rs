//! The harness: real `mesos-master`, `mesos-agent` and `mesos-local` processes on 127.0.0.1
//! with free ports and a temporary work dir, ready once the master's `/master/state` says so,
//! and everything they started (executors included) killed on drop, even on panic.

use std::{
    fs,
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use nix::{
    sys::signal::{Signal, kill, killpg},
    unistd::Pid,
};
use serde_json::Value;

/// How long any one condition may take; generous because debug binaries share two cores.
pub const DEADLINE: Duration = Duration::from_secs(90);

/// The agents' fixed resources.
pub const RESOURCES: &str = "cpus:4;mem:2048;disk:4096;ports:[31000-32000]";

/// Waits until `probe` yields a value, polling every 50 ms, or panics after [`DEADLINE`]
/// naming `what` and the last thing the probe said.
pub fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match probe() {
            Ok(value) => return value,
            Err(last) => {
                assert!(
                    Instant::now() < deadline,
                    "timed out after {DEADLINE:?} waiting for {what}; last: {last}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// The directory holding the workspace's binaries: the test executable lives in
/// `target/<profile>/deps/`, the binaries one level up.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test executable is in target/<profile>/deps")
        .to_path_buf()
}

/// The path of the workspace binary `name`, which must have been built.
pub fn binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the binaries first with \
         `cargo build -p master -p agent -p executor -p local --bins` \
         (`cargo test --workspace` builds them)",
        path.display()
    );
    path
}

/// The test venv's Python, with pymesos.
pub fn python() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-test-deps.sh to create the venv with pymesos",
        path.display()
    );
    path
}

/// The path of a Python script of these tests.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("e2e/py")
        .join(name)
}

/// One child process with its stdout and stderr in `<dir>/<name>.{out,err}`; SIGKILLed and
/// reaped on drop.
pub struct Proc {
    pub name: String,
    child: Child,
    out: PathBuf,
    err: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, dir: &Path, command: &mut Command) -> Proc {
        let out = dir.join(format!("{name}.out"));
        let err = dir.join(format!("{name}.err"));
        let child = command
            .stdin(Stdio::null())
            .stdout(fs::File::create(&out).expect("create the stdout log"))
            .stderr(fs::File::create(&err).expect("create the stderr log"))
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        Proc {
            name: name.into(),
            child,
            out,
            err,
        }
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    /// Waits for the line of stdout that starts with `prefix` and returns the rest of it.
    pub fn wait_for_line(&mut self, prefix: &str) -> String {
        let what = format!("{} to print {prefix:?}", self.name);
        wait_for(&what, || {
            let text = fs::read_to_string(&self.out).unwrap_or_default();
            if let Some(line) = text.lines().find(|line| line.starts_with(prefix)) {
                return Ok(line[prefix.len()..].to_string());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}): {}", self.name, self.log_tail());
            }
            Err(text)
        })
    }

    /// Sends `signal` and waits until the process has exited.
    pub fn stop(&mut self, signal: Signal) {
        let _ = kill(self.pid(), signal);
        let name = self.name.clone();
        let child = &mut self.child;
        wait_for(&format!("{name} to exit after {signal}"), || {
            match child.try_wait() {
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err("still running".into()),
                Err(_) => Ok(()),
            }
        });
    }

    /// The last lines of the process's stderr and stdout.
    pub fn log_tail(&self) -> String {
        let tail = |path: &Path| {
            let text = fs::read_to_string(path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(40)..].join("\n")
        };
        format!(
            "\n--- {} stderr ---\n{}\n--- {} stdout ---\n{}",
            self.name,
            tail(&self.err),
            self.name,
            tail(&self.out)
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What kind of cluster to run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Run `mesos-local` (one process) instead of `mesos-master` + `mesos-agent`.
    pub local: bool,
    /// Extra agent flags (for `mesos-local` too, when it has them).
    pub agent_flags: Vec<String>,
}

/// A running cluster: one master and one agent (or one `mesos-local`), in a temporary
/// directory that also holds their logs.
pub struct Cluster {
    pub master: Option<Proc>,
    pub agent: Option<Proc>,
    /// The master's `ip:port`.
    pub master_addr: SocketAddr,
    /// The agent's `ip:port` (fixed across restarts).
    pub agent_addr: Option<SocketAddr>,
    options: Options,
    restarts: usize,
    // Declared last: removed only after every process above is dead.
    dir: tempfile::TempDir,
}

impl Cluster {
    pub fn start(options: Options) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("mesos-e2e-")
            .tempdir()
            .expect("a temporary directory");
        let mut cluster = Cluster {
            master: None,
            agent: None,
            master_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            agent_addr: None,
            options,
            restarts: 0,
            dir,
        };
        if cluster.options.local {
            let mut command = Command::new(binary("mesos-local"));
            command
                .arg("--ip=127.0.0.1")
                .arg("--port=0")
                .arg(format!("--work_dir={}", cluster.path("local").display()))
                .arg(format!("--resources={RESOURCES}"))
                .arg(format!("--launcher_dir={}", bin_dir().display()))
                .args(&cluster.options.agent_flags);
            let mut local = Proc::spawn("mesos-local", cluster.dir.path(), &mut command);
            cluster.master_addr = parse_addr(&local.wait_for_line("Master started at http://"));
            cluster.master = Some(local);
        } else {
            let mut command = Command::new(binary("mesos-master"));
            command
                .arg("--ip=127.0.0.1")
                .arg("--port=0")
                .arg(format!("--work_dir={}", cluster.path("master").display()))
                .arg("--allocation_interval=100ms");
            let mut master = Proc::spawn("mesos-master", cluster.dir.path(), &mut command);
            cluster.master_addr = parse_addr(&master.wait_for_line("Master started at http://"));
            cluster.master = Some(master);
            cluster.start_agent();
        }
        cluster.wait_for_agents(1);
        cluster
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts `mesos-agent` on its previous port (or a fresh one) and work dir.
    pub fn start_agent(&mut self) {
        let port = self.agent_addr.map_or(0, |addr| addr.port());
        let mut command = Command::new(binary("mesos-agent"));
        command
            .arg(format!("--master={}", self.master_addr))
            .arg("--ip=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg(format!("--work_dir={}", self.path("agent").display()))
            .arg(format!("--resources={RESOURCES}"))
            .arg(format!("--launcher_dir={}", bin_dir().display()))
            .arg("--registration_backoff_factor=10ms")
            .arg("--executor_shutdown_grace_period=1secs")
            .args(&self.options.agent_flags);
        let name = format!("mesos-agent-{}", self.restarts);
        self.restarts += 1;
        let mut agent = Proc::spawn(&name, self.dir.path(), &mut command);
        let line = agent.wait_for_line("Agent started at http://");
        let addr = line.split_whitespace().next().unwrap_or_default();
        self.agent_addr = Some(parse_addr(addr));
        self.agent = Some(agent);
    }

    /// The master's `/master/state`.
    pub fn state(&self) -> Result<Value, String> {
        get_json(self.master_addr, "/master/state")
    }

    /// Waits until the master counts `count` active agents and returns their ids.
    pub fn wait_for_agents(&self, count: usize) -> Vec<String> {
        wait_for(&format!("{count} active agent(s) in /master/state"), || {
            let state = self.state()?;
            let ids: Vec<String> = state["slaves"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|agent| agent["active"] == Value::Bool(true))
                .filter_map(|agent| agent["id"].as_str().map(String::from))
                .collect();
            if ids.len() == count {
                Ok(ids)
            } else {
                Err(format!("agents: {}", state["slaves"]))
            }
        })
    }

    /// The logs of every process, for a failure message.
    pub fn logs(&self) -> String {
        let mut logs = String::new();
        for proc in self.master.iter().chain(self.agent.iter()) {
            logs.push_str(&proc.log_tail());
        }
        logs
    }

    /// SIGKILLs every process whose environment puts its sandbox in this cluster's directory
    /// (the executors and their tasks), by session.
    fn kill_executors(&self) {
        let root = self.dir.path().to_string_lossy().into_owned();
        for pid in processes_with_env(|name, value| {
            (name == "MESOS_DIRECTORY" || name == "MESOS_SANDBOX") && value.starts_with(&root)
        }) {
            let _ = killpg(pid, Signal::SIGKILL);
            let _ = kill(pid, Signal::SIGKILL);
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("cluster in {}:{}", self.dir.path().display(), self.logs());
        }
        self.agent = None;
        self.master = None;
        self.kill_executors();
    }
}

/// The processes whose environment has a variable for which `matches(name, value)` holds.
pub fn processes_with_env(matches: impl Fn(&str, &str) -> bool) -> Vec<Pid> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(environ) = fs::read(format!("/proc/{pid}/environ")) else {
                return false;
            };
            environ.split(|byte| *byte == 0).any(|pair| {
                let pair = String::from_utf8_lossy(pair);
                pair.split_once('=')
                    .is_some_and(|(name, value)| matches(name, value))
            })
        })
        .map(Pid::from_raw)
        .collect()
}

fn parse_addr(text: &str) -> SocketAddr {
    let text = text.trim().trim_end_matches('/');
    text.parse()
        .unwrap_or_else(|error| panic!("bad address {text:?}: {error}"))
}

/// `GET path` on `addr` and its body as JSON.
pub fn get_json(addr: SocketAddr, path: &str) -> Result<Value, String> {
    let (status, body) = http(addr, "GET", path, &[], &[])?;
    if status != 200 {
        return Err(format!(
            "GET {path}: {status} {}",
            String::from_utf8_lossy(&body)
        ));
    }
    serde_json::from_slice(&body).map_err(|error| format!("GET {path}: {error}"))
}

/// One HTTP/1.1 request with `Connection: close`; the status and the whole body.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, Vec<u8>), String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|error| format!("connect {addr}: {error}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|error| error.to_string())?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|error| format!("send to {addr}: {error}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|error| format!("read from {addr}: {error}"))?;
    let head_end = find(&response, b"\r\n\r\n").ok_or("no end of the response head")?;
    let head = String::from_utf8_lossy(&response[..head_end]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line in {head:?}"))?;
    let rest = &response[head_end + 4..];
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok((status, body))
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Decodes a whole chunked body.
fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = find(data, b"\r\n").ok_or("truncated chunk size")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|error| format!("bad chunk size {size_text:?}: {error}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if data.len() < size + 2 {
            return Err("truncated chunk".into());
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
