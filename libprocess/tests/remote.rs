//! Two runtimes on loopback: remote send both ways, ordering, the receive side's answers
//! (202/404/400/413), garbage and stalled clients, and remote link breaks.

mod support;

use std::{
    io::Write,
    net::TcpStream,
    sync::{Arc, Mutex},
};

use libprocess::{Context, Process, Runtime, Upid};
use support::{DEADLINE, Recorder, raw_request, runtime, wait_until};

#[test]
fn remote_send_both_ways() {
    let (left, right) = (runtime(), runtime());
    let left_recorder = Recorder::default();
    let right_recorder = Recorder::default();
    let left_pid = left.spawn("left", left_recorder.clone()).unwrap();
    let right_pid = right.spawn("right", right_recorder.clone()).unwrap();
    left.send_from(left_pid.upid(), right_pid.upid(), "hello", "from left");
    right.send_from(right_pid.upid(), left_pid.upid(), "hello", "from right");
    wait_until("both messages", || {
        left_recorder.len() == 1 && right_recorder.len() == 1
    });
    let at_right = right_recorder.seen.lock().unwrap()[0].clone();
    assert_eq!(at_right.from, *left_pid.upid());
    assert_eq!(at_right.to, *right_pid.upid());
    assert_eq!(at_right.body, "from left");
    assert_eq!(left_recorder.seen.lock().unwrap()[0].body, "from right");
}

#[test]
fn ten_thousand_messages_keep_their_order() {
    let (left, right) = (runtime(), runtime());
    let recorder = Recorder::default();
    let receiver = right.spawn("receiver", recorder.clone()).unwrap();
    let sender = Upid::new("sender", left.address());
    for index in 0..10_000 {
        left.send_from(&sender, receiver.upid(), "m", index.to_string());
    }
    wait_until("10,000 messages", || recorder.len() == 10_000);
    let bodies: Vec<usize> = recorder
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|m| std::str::from_utf8(&m.body).unwrap().parse().unwrap())
        .collect();
    assert_eq!(bodies, (0..10_000).collect::<Vec<_>>());
}

fn message_request(path: &str, from: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nLibprocess-From: {from}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn receive_side_answers_like_mesos() {
    let runtime = Runtime::builder().max_body_bytes(1024).build().unwrap();
    let recorder = Recorder::default();
    runtime.spawn("known", recorder.clone()).unwrap();
    let address = runtime.bound_address();
    let from = "peer@127.0.0.1:1";
    assert!(raw_request(address, &message_request("/known/ping", from, "x")).contains("202"));
    assert!(raw_request(address, &message_request("/unknown/ping", from, "x")).contains("404"));
    assert!(
        raw_request(address, &message_request("/known/ping", "not-a-upid", "x")).contains("400")
    );
    assert!(raw_request(address, &message_request("/known", from, "x")).contains("400"));
    let big = "y".repeat(2048);
    assert!(raw_request(address, &message_request("/known/big", from, &big)).contains("413"));
    wait_until("the accepted message", || recorder.len() == 1);
    assert_eq!(recorder.names(), vec!["ping"]);
}

#[test]
fn garbage_and_stalled_clients_do_not_stop_traffic() {
    let runtime = runtime();
    let recorder = Recorder::default();
    let pid = runtime.spawn("known", recorder.clone()).unwrap();
    let address = runtime.bound_address();
    // Garbage: the server closes the connection (or answers 400) without harm.
    let status = raw_request(address, b"\x00\x01\x02 not http at all\r\n\r\n");
    assert!(
        status.is_empty() || status.contains("400"),
        "got {status:?}"
    );
    // A client that sends half a body and stalls.
    let mut stalled = TcpStream::connect(address).unwrap();
    stalled
        .write_all(b"POST /known/slow HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:1\r\nContent-Length: 100\r\n\r\nhalf")
        .unwrap();
    // Meanwhile ordinary traffic flows.
    let other = support::runtime();
    other.send_from(&Upid::new("x", other.address()), pid.upid(), "fine", "");
    wait_until("traffic past the stalled client", || {
        recorder.names().contains(&"fine".to_owned())
    });
    drop(stalled);
    assert!(runtime.is_alive(pid.upid()));
}

#[test]
fn a_body_that_never_finishes_gets_408() {
    let runtime = Runtime::builder()
        .body_timeout(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    runtime.spawn("known", Recorder::default()).unwrap();
    let status = raw_request(
        runtime.bound_address(),
        b"POST /known/slow HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:1\r\nContent-Length: 100\r\n\r\nhalf",
    );
    assert!(status.contains("408"), "got {status:?}");
}

/// Links to a remote process and records exits.
struct Watcher {
    target: Upid,
    exited: Arc<Mutex<Vec<Upid>>>,
}

impl Process for Watcher {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.link(&self.target);
    }

    fn exited(&mut self, _ctx: &mut Context<Self>, pid: &Upid) {
        self.exited.lock().unwrap().push(pid.clone());
    }
}

#[test]
fn remote_link_breaks_when_the_peer_runtime_goes() {
    let (local, remote) = (runtime(), runtime());
    let target = remote.spawn("target", Recorder::default()).unwrap();
    let exited = Arc::new(Mutex::new(Vec::new()));
    let watcher = Watcher {
        target: target.upid().clone(),
        exited: exited.clone(),
    };
    local.spawn("watcher", watcher).unwrap();
    // Prove the connection is up by sending over it.
    local.send(target.upid(), "probe", "");
    let target_upid = target.upid().clone();
    drop(target);
    remote.shutdown();
    wait_until("the exited notice", || !exited.lock().unwrap().is_empty());
    assert_eq!(*exited.lock().unwrap(), vec![target_upid]);
    let _ = DEADLINE;
}

#[test]
fn linking_to_an_unreachable_address_reports_exited() {
    let local = runtime();
    // A port nobody listens on: bind and drop a listener to find one.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let exited = Arc::new(Mutex::new(Vec::new()));
    let target = Upid::new("ghost", free);
    local
        .spawn(
            "watcher",
            Watcher {
                target: target.clone(),
                exited: exited.clone(),
            },
        )
        .unwrap();
    wait_until("the exited notice", || !exited.lock().unwrap().is_empty());
    assert_eq!(*exited.lock().unwrap(), vec![target]);
}
