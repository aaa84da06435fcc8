//! The example binaries as real OS processes: `echo` answers a Python peer and curl, and
//! `ping_pong` runs its two actors in two OS processes.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// An example binary built by `cargo test` next to this test's own binary.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/examples-<hash> -> target/<profile>/examples/<name>
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built; run through cargo test",
        path.display()
    );
    path
}

/// A child process killed when dropped.
struct Running {
    child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary` and reads its first stdout line (the UPID it prints once listening).
/// The read ends when the line arrives or the child exits, so a broken child fails the test.
fn start(binary: &str, args: &[&str]) -> (Running, String) {
    let mut child = Command::new(example(binary))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("example starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let running = Running { child };
    assert!(
        !line.trim().is_empty(),
        "{binary} exited without printing its UPID"
    );
    (running, line.trim().to_owned())
}

#[test]
fn echo_prints_its_upid_first() {
    let (_echo, upid) = start("echo", &["--ip", "127.0.0.1", "--port", "0"]);
    let parsed: libprocess::Upid = upid.parse().expect("a UPID");
    assert_eq!(parsed.id(), "echo");
    assert_ne!(parsed.address().port(), 0);
}

#[test]
fn a_python_peer_messages_echo_and_hears_back() {
    let (_echo, upid) = start("echo", &["--port", "0"]);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/foreign_peer.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(&upid)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "python peer failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.trim(), "ok");
}

#[test]
fn curl_posts_a_message_and_gets_202() {
    let (_echo, upid) = start("echo", &["--port", "0"]);
    let (id, address) = upid.split_once('@').expect("id@address");
    let output = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
        .args(["-H", "Libprocess-From: curl@127.0.0.1:9", "--data", "hi"])
        .arg(format!("http://{address}/{id}/curl.Hello"))
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "202");
    let output = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
        .args(["-H", "Libprocess-From: curl@127.0.0.1:9", "--data", "hi"])
        .arg(format!("http://{address}/nobody/curl.Hello"))
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "404");
}

#[test]
fn ping_pong_across_two_os_processes() {
    let (_pong, upid) = start("ping_pong", &["--role", "pong"]);
    let child = Command::new(example("ping_pong"))
        .args(["--role", "ping", "--count", "100", "--pong", &upid])
        .stdout(Stdio::piped())
        .spawn()
        .expect("ping runs");
    let mut ping = Running { child };
    // Wait for the ping side to finish, with a deadline.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = ping.child.try_wait().expect("ping status") {
            break status;
        }
        assert!(Instant::now() < deadline, "ping did not finish in time");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success());
    let mut line = String::new();
    let stdout = ping.child.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ping output");
    assert!(line.starts_with("done 100 round trips"), "got {line:?}");
}
