//! A scheduler speaking the v1 API in protobuf (`application/x-protobuf` both ways) over
//! plain sockets: SUBSCRIBE and its chunked RecordIO event stream, ACCEPT with LAUNCH, the
//! task's updates each acknowledged, and TEARDOWN ending the stream.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    sync::{Arc, Mutex},
};

use proto::{
    codec::{self, ContentType},
    recordio,
    v1::{
        AgentId, CommandInfo, FrameworkInfo, Offer, TaskId, TaskInfo, TaskState, TaskStatus, offer,
        scheduler::{Call, Event, call, event},
    },
};
use resources::Resources;

use crate::cluster::{Cluster, Options, find, http, wait_for};

const PROTOBUF: &str = "application/x-protobuf";

/// The scheduler's side of one subscription.
struct ProtoScheduler {
    master: SocketAddr,
    stream_id: String,
    events: Arc<Mutex<Vec<Event>>>,
    ended: Arc<Mutex<Option<String>>>,
    // Held so that the subscription stays open until the scheduler is dropped.
    _stream: TcpStream,
}

impl ProtoScheduler {
    fn subscribe(master: SocketAddr) -> ProtoScheduler {
        let call = Call {
            r#type: Some(call::Type::Subscribe as i32),
            subscribe: Some(call::Subscribe {
                framework_info: FrameworkInfo {
                    user: String::new(),
                    name: "protobuf".into(),
                    ..Default::default()
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        let body = codec::encode(ContentType::Protobuf, &call);
        let mut stream = TcpStream::connect(master).expect("connect to the master");
        let head = format!(
            "POST /api/v1/scheduler HTTP/1.1\r\nHost: {master}\r\nContent-Type: {PROTOBUF}\r\n\
             Accept: {PROTOBUF}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();

        // The response head, then the chunked body as it comes.
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(end) = find(&buffer, b"\r\n\r\n") {
                break end;
            }
            let read = stream
                .read(&mut chunk)
                .expect("read the SUBSCRIBE response");
            assert!(
                read > 0,
                "the master closed: {:?}",
                String::from_utf8_lossy(&buffer)
            );
            buffer.extend_from_slice(&chunk[..read]);
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let rest = buffer[head_end + 4..].to_vec();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let header = |name: &str| {
            head.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_string())
            })
        };
        assert_eq!(header("Content-Type").as_deref(), Some(PROTOBUF), "{head}");
        assert_eq!(
            header("Transfer-Encoding").as_deref(),
            Some("chunked"),
            "{head}"
        );
        let stream_id = header("Mesos-Stream-Id").expect("a Mesos-Stream-Id header");

        let events = Arc::new(Mutex::new(Vec::new()));
        let ended = Arc::new(Mutex::new(None));
        let reader = stream.try_clone().unwrap();
        let (sink, end) = (events.clone(), ended.clone());
        std::thread::spawn(move || {
            let why = read_events(reader, rest, &sink);
            *end.lock().unwrap() = Some(why);
        });
        ProtoScheduler {
            master,
            stream_id,
            events,
            ended,
            _stream: stream,
        }
    }

    /// Sends a call (not SUBSCRIBE) in protobuf; Mesos answers 202 Accepted.
    fn call(&self, call: Call) {
        let body = codec::encode(ContentType::Protobuf, &call);
        let (status, response) = http(
            self.master,
            "POST",
            "/api/v1/scheduler",
            &[
                ("Content-Type", PROTOBUF),
                ("Accept", PROTOBUF),
                ("Mesos-Stream-Id", &self.stream_id),
            ],
            &body,
        )
        .expect("send a call");
        assert_eq!(
            status,
            202,
            "{:?}: {}",
            call.r#type,
            String::from_utf8_lossy(&response)
        );
    }

    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    fn wait<T>(&self, what: &str, probe: impl Fn(&[Event]) -> Option<T>) -> T {
        wait_for(what, || {
            let events = self.events();
            probe(&events).ok_or_else(|| {
                format!(
                    "events: {events:?}; stream ended: {:?}",
                    self.ended.lock().unwrap()
                )
            })
        })
    }

    fn updates(&self, task_id: &str) -> Vec<TaskStatus> {
        self.events()
            .into_iter()
            .filter_map(|event| event.update)
            .map(|update| update.status)
            .filter(|status| status.task_id.value == task_id)
            .collect()
    }
}

/// Reads the chunked RecordIO stream until it ends; returns why it ended.
fn read_events(mut stream: TcpStream, mut buffer: Vec<u8>, sink: &Mutex<Vec<Event>>) -> String {
    let mut records = recordio::Decoder::new(16 << 20);
    let mut chunk = [0u8; 4096];
    loop {
        // Take every whole chunk in the buffer.
        while let Some(line_end) = find(&buffer, b"\r\n") {
            let size_text = String::from_utf8_lossy(&buffer[..line_end]).to_string();
            let Ok(size) = usize::from_str_radix(size_text.trim(), 16) else {
                return format!("bad chunk size {size_text:?}");
            };
            if size == 0 {
                return "the last chunk".into();
            }
            if buffer.len() < line_end + 2 + size + 2 {
                break;
            }
            let data = buffer[line_end + 2..line_end + 2 + size].to_vec();
            buffer.drain(..line_end + 2 + size + 2);
            match records.decode(&data) {
                Ok(records) => {
                    for record in records {
                        match codec::decode::<Event>(ContentType::Protobuf, &record) {
                            Ok(event) => sink.lock().unwrap().push(event),
                            Err(error) => return format!("bad event: {error}"),
                        }
                    }
                }
                Err(error) => return format!("bad RecordIO: {error}"),
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) => return "EOF".into(),
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            Err(error) => return format!("read error: {error}"),
        }
    }
}

fn is(event: &Event, kind: event::Type) -> bool {
    event.r#type == Some(kind as i32)
}

#[test]
fn protobuf_scheduler_launches_and_acknowledges() {
    let cluster = Cluster::start(Options::default());
    let agent_id = cluster.wait_for_agents(1).remove(0);
    let scheduler = ProtoScheduler::subscribe(cluster.master_addr);

    let subscribed = scheduler.wait("SUBSCRIBED", |events| {
        events
            .iter()
            .find(|event| is(event, event::Type::Subscribed))
            .and_then(|event| event.subscribed.clone())
    });
    let framework_id = subscribed.framework_id;
    assert!(subscribed.heartbeat_interval_seconds.is_some());
    let offer: Offer = scheduler.wait("an offer", |events| {
        events
            .iter()
            .filter_map(|event| event.offers.as_ref())
            .flat_map(|offers| offers.offers.iter())
            .next()
            .cloned()
    });
    assert_eq!(offer.agent_id.value, agent_id);
    assert_eq!(offer.framework_id, framework_id);

    let task = TaskInfo {
        name: "proto-task".into(),
        task_id: TaskId {
            value: "proto-task".into(),
        },
        agent_id: offer.agent_id.clone(),
        resources: Resources::parse_unreserved("cpus:0.1;mem:32")
            .unwrap()
            .to_proto_v1(),
        command: Some(CommandInfo {
            value: Some("echo hello from protobuf".into()),
            shell: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    };
    scheduler.call(Call {
        framework_id: Some(framework_id.clone()),
        r#type: Some(call::Type::Accept as i32),
        accept: Some(call::Accept {
            offer_ids: vec![offer.id.clone()],
            operations: vec![offer::Operation {
                r#type: Some(offer::operation::Type::Launch as i32),
                launch: Some(offer::operation::Launch {
                    task_infos: vec![task],
                }),
                ..Default::default()
            }],
            filters: None,
        }),
        ..Default::default()
    });

    // Acknowledge every update as it comes, until the terminal one.
    let mut acknowledged = 0;
    loop {
        let updates = scheduler.wait("the task's next update", |events| {
            let updates: Vec<TaskStatus> = events
                .iter()
                .filter_map(|event| event.update.as_ref())
                .map(|update| update.status.clone())
                .collect();
            (updates.len() > acknowledged).then_some(updates)
        });
        let status = &updates[acknowledged];
        assert_eq!(status.task_id.value, "proto-task");
        assert_eq!(
            status.agent_id.as_ref(),
            Some(&AgentId {
                value: agent_id.clone()
            })
        );
        let uuid = status
            .uuid
            .clone()
            .expect("an executor's update carries a uuid");
        assert_eq!(uuid.len(), 16, "a UUID's bytes");
        scheduler.call(Call {
            framework_id: Some(framework_id.clone()),
            r#type: Some(call::Type::Acknowledge as i32),
            acknowledge: Some(call::Acknowledge {
                agent_id: offer.agent_id.clone(),
                task_id: status.task_id.clone(),
                uuid,
            }),
            ..Default::default()
        });
        acknowledged += 1;
        if status.state == TaskState::TaskFinished as i32 {
            break;
        }
    }
    let states: Vec<i32> = scheduler
        .updates("proto-task")
        .iter()
        .map(|status| status.state)
        .collect();
    assert_eq!(
        states,
        [
            TaskState::TaskStarting as i32,
            TaskState::TaskRunning as i32,
            TaskState::TaskFinished as i32
        ]
    );
    assert_eq!(
        scheduler.updates("proto-task")[2].message.as_deref(),
        Some("Command exited with status 0")
    );

    // The acknowledgements reach the agent: its task is done and nothing is left to retry.
    wait_for("the master to complete the task", || {
        let state = cluster.state()?;
        let framework = &state["frameworks"][0];
        let done = framework["completed_tasks"][0]["state"] == "TASK_FINISHED"
            && framework["tasks"].as_array().is_some_and(Vec::is_empty);
        if done {
            Ok(())
        } else {
            Err(format!("{framework}"))
        }
    });

    scheduler.call(Call {
        framework_id: Some(framework_id.clone()),
        r#type: Some(call::Type::Teardown as i32),
        ..Default::default()
    });
    let ended = wait_for("the stream to end after TEARDOWN", || {
        scheduler
            .ended
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| "still open".to_string())
    });
    assert!(ended == "the last chunk" || ended == "EOF", "{ended}");
    wait_for("the framework to be completed", || {
        let state = cluster.state()?;
        if state["completed_frameworks"][0]["id"] == framework_id.value.as_str() {
            Ok(())
        } else {
            Err(format!("{state}"))
        }
    });
    // Only ever the events Mesos sends a subscriber, each decoded from protobuf.
    for event in scheduler.events() {
        let kind = event.r#type.unwrap_or(-1);
        assert!(
            [
                event::Type::Subscribed as i32,
                event::Type::Offers as i32,
                event::Type::Rescind as i32,
                event::Type::Update as i32,
                event::Type::Heartbeat as i32,
            ]
            .contains(&kind),
            "{event:?}"
        );
    }
}
