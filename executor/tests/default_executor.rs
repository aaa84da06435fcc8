//! The default executor against an in-process fake agent on a paused clock: the fake serves
//! the executor API (SUBSCRIBED names the executor's container) and the operator API's
//! container calls, answering WAIT_NESTED_CONTAINER only when a test ends a container. It
//! covers a group whose tasks end one by one, a failing task killing its group (with
//! TASK_KILLING and SIGKILL after the grace period), a refused launch, KILL with a kill
//! policy, SHUTDOWN, and exiting once everything is acknowledged.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use common::api::{EventStream, decode_call, response_content_type};
use executor::{ExecutorSettings, InProcessTransport, default};
use libprocess::{Context, Future, Pid, Process, Promise, Reply, Request, Response, Runtime};
use proto::{
    codec::{self, ContentType},
    v1::{
        AgentInfo, ContainerId, DurationInfo, ExecutorInfo, FrameworkInfo, KillPolicy, Resource,
        TaskGroupInfo, TaskId, TaskInfo, TaskState, TaskStatus,
        agent::{self, response},
        executor::{self as api, Event, event},
        framework_info::{Capability, capability::Type as CapabilityType},
    },
};

const DEADLINE: Duration = Duration::from_secs(30);
const EXECUTOR_CONTAINER: &str = "executor-container";

/// What the fake agent saw, shared with the test.
#[derive(Default)]
struct Seen {
    updates: Vec<TaskStatus>,
    operator: Vec<agent::Call>,
}

struct FakeAgent {
    seen: Arc<Mutex<Seen>>,
    stream: Option<EventStream>,
    capabilities: Vec<CapabilityType>,
    /// Status (and body) for each LAUNCH_CONTAINER, by task id; 200 when absent.
    refuse_launch: BTreeMap<String, (u16, String)>,
    /// WAITs in flight, by container id value.
    waits: BTreeMap<String, (Promise<Response>, ContentType)>,
    /// Containers that ended before anyone waited, with their wait status.
    ended: BTreeMap<String, i32>,
}

impl Process for FakeAgent {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route("/api/v1/executor", |agent: &mut Self, ctx, request| {
            agent.executor_api(ctx, &request)
        });
        ctx.route("/api/v1", |agent: &mut Self, _ctx, request| {
            agent.operator_api(&request)
        });
    }
}

impl FakeAgent {
    fn executor_api(&mut self, _ctx: &mut Context<Self>, request: &Request) -> Response {
        let (call, _) = match decode_call::<api::Call>(request) {
            Ok(decoded) => decoded,
            Err(response) => return response,
        };
        match call.r#type() {
            api::call::Type::Subscribe => {
                let content_type = response_content_type(request).unwrap();
                let (response, stream) = EventStream::open(content_type, &[]);
                let mut subscribed = Event {
                    subscribed: Some(event::Subscribed {
                        executor_info: ExecutorInfo {
                            executor_id: call.executor_id.clone(),
                            ..Default::default()
                        },
                        framework_info: FrameworkInfo {
                            id: Some(call.framework_id.clone()),
                            name: "fake".into(),
                            capabilities: self
                                .capabilities
                                .iter()
                                .map(|kind| {
                                    let mut capability = Capability::default();
                                    capability.set_type(*kind);
                                    capability
                                })
                                .collect(),
                            ..Default::default()
                        },
                        agent_info: AgentInfo {
                            hostname: "fake-agent".into(),
                            ..Default::default()
                        },
                        container_id: Some(ContainerId {
                            value: EXECUTOR_CONTAINER.into(),
                            parent: None,
                        }),
                    }),
                    ..Default::default()
                };
                subscribed.set_type(event::Type::Subscribed);
                let _ = stream.send(&subscribed);
                self.stream = Some(stream);
                response
            }
            api::call::Type::Update => {
                if let Some(update) = call.update {
                    self.seen.lock().unwrap().updates.push(update.status);
                }
                Response::accepted()
            }
            _ => Response::accepted(),
        }
    }

    #[allow(deprecated)]
    fn operator_api(&mut self, request: &Request) -> Reply {
        let (call, content_type) = match decode_call::<agent::Call>(request) {
            Ok(decoded) => decoded,
            Err(response) => return response.into(),
        };
        self.seen.lock().unwrap().operator.push(call.clone());
        match call.r#type() {
            agent::call::Type::LaunchContainer => {
                let launch = call.launch_container.unwrap();
                let task = launch
                    .command
                    .and_then(|command| command.value)
                    .unwrap_or_default();
                match self.refuse_launch.get(&task) {
                    Some((status, body)) => Response::text(*status, body.clone()).into(),
                    None => Response::new(200).into(),
                }
            }
            agent::call::Type::WaitNestedContainer => {
                let id = call.wait_nested_container.unwrap().container_id.value;
                if let Some(status) = self.ended.remove(&id) {
                    return wait_answer(content_type, Some(status)).into();
                }
                let (promise, future) = Promise::new();
                self.waits.insert(id, (promise, content_type));
                Reply::Later(future)
            }
            agent::call::Type::KillNestedContainer => Response::new(200).into(),
            _ => Response::text(501, "not in this fake").into(),
        }
    }

    /// Ends container `id` with wait status `status` (`None`: unknown, answered 404).
    fn end(&mut self, id: &str, status: Option<i32>) {
        match self.waits.remove(id) {
            Some((promise, content_type)) => promise.set(wait_answer(content_type, status)),
            None => {
                if let Some(status) = status {
                    self.ended.insert(id.to_string(), status);
                }
            }
        }
    }

    fn send(&self, event: &Event) {
        if let Some(stream) = &self.stream {
            let _ = stream.send(event);
        }
    }
}

#[allow(deprecated)]
fn wait_answer(content_type: ContentType, status: Option<i32>) -> Response {
    let Some(status) = status else {
        return Response::text(404, "Container cannot be found");
    };
    let mut answer = agent::Response {
        wait_nested_container: Some(response::WaitNestedContainer {
            exit_status: Some(status),
            ..Default::default()
        }),
        ..Default::default()
    };
    answer.set_type(response::Type::WaitNestedContainer);
    Response::new(200)
        .with_header("Content-Type", content_type.as_str())
        .with_body(codec::encode(content_type, &answer))
}

struct Fixture {
    runtime: Runtime,
    agent: Pid<FakeAgent>,
    seen: Arc<Mutex<Seen>>,
    exit: Future<i32>,
}

fn fixture(configure: impl FnOnce(&mut FakeAgent)) -> Fixture {
    fixture_with(configure, &[])
}

fn fixture_with(configure: impl FnOnce(&mut FakeAgent), extra: &[(&str, &str)]) -> Fixture {
    let runtime = Runtime::builder().build().expect("runtime");
    runtime.clock().pause();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut fake = FakeAgent {
        seen: seen.clone(),
        stream: None,
        capabilities: Vec::new(),
        refuse_launch: BTreeMap::new(),
        waits: BTreeMap::new(),
        ended: BTreeMap::new(),
    };
    configure(&mut fake);
    let agent = runtime.spawn("slave(1)", fake).expect("fake agent");
    let mut environment = vec![
        ("MESOS_FRAMEWORK_ID", "F-1".to_string()),
        ("MESOS_EXECUTOR_ID", "default".to_string()),
        ("MESOS_SLAVE_PID", agent.upid().to_string()),
        ("MESOS_LOCAL", "1".to_string()),
    ];
    environment.extend(
        extra
            .iter()
            .map(|(name, value)| (*name, (*value).to_string())),
    );
    let settings = ExecutorSettings::from_env(environment).expect("settings");
    let transport = Arc::new(InProcessTransport::new(runtime.clone()));
    let exit =
        default::start(&runtime, settings, transport.clone(), transport).expect("default executor");
    let fixture = Fixture {
        runtime,
        agent,
        seen,
        exit,
    };
    fixture.settle();
    fixture
}

fn task(id: &str) -> TaskInfo {
    TaskInfo {
        name: id.into(),
        task_id: TaskId { value: id.into() },
        resources: vec![Resource {
            name: "cpus".into(),
            allocation_info: Some(proto::v1::resource::AllocationInfo {
                role: Some("web".into()),
            }),
            ..Default::default()
        }],
        command: Some(proto::v1::CommandInfo {
            // The fake agent knows each launch by its command: the task id.
            value: Some(id.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl Fixture {
    fn settle(&self) {
        let (done, settled) = std::sync::mpsc::channel();
        let clock = self.runtime.clock().clone();
        std::thread::spawn(move || {
            clock.settle_blocking();
            let _ = done.send(());
        });
        settled
            .recv_timeout(DEADLINE)
            .expect("the runtime did not settle");
    }

    fn advance(&self, by: Duration) {
        self.runtime.clock().advance(by);
        self.settle();
    }

    fn send(&self, event: Event) {
        self.agent.run(move |agent, _ctx| agent.send(&event));
        self.settle();
    }

    fn launch_group(&self, tasks: Vec<TaskInfo>) {
        let mut event = Event {
            launch_group: Some(event::LaunchGroup {
                task_group: TaskGroupInfo { tasks },
            }),
            ..Default::default()
        };
        event.set_type(event::Type::LaunchGroup);
        self.send(event);
    }

    /// The nested container the executor launched for `task`.
    fn container(&self, task: &str) -> ContainerId {
        self.launches()
            .into_iter()
            .find(|launch| launch.command.as_ref().and_then(|c| c.value.as_deref()) == Some(task))
            .map(|launch| launch.container_id)
            .unwrap_or_else(|| panic!("no launch for task {task}"))
    }

    fn launches(&self) -> Vec<agent::call::LaunchContainer> {
        self.seen
            .lock()
            .unwrap()
            .operator
            .iter()
            .filter_map(|call| call.launch_container.clone())
            .collect()
    }

    /// The signals sent to `task`'s container, in order.
    #[allow(deprecated)]
    fn signals(&self, task: &str) -> Vec<i32> {
        let container = self.container(task);
        self.seen
            .lock()
            .unwrap()
            .operator
            .iter()
            .filter_map(|call| call.kill_nested_container.as_ref())
            .filter(|kill| kill.container_id == container)
            .map(|kill| kill.signal.unwrap_or(9))
            .collect()
    }

    fn end(&self, task: &str, status: Option<i32>) {
        let id = self.container(task).value;
        self.agent.run(move |agent, _ctx| agent.end(&id, status));
        self.settle();
    }

    fn states(&self, task: &str) -> Vec<TaskState> {
        self.updates(task).iter().map(TaskStatus::state).collect()
    }

    fn updates(&self, task: &str) -> Vec<TaskStatus> {
        self.seen
            .lock()
            .unwrap()
            .updates
            .iter()
            .filter(|status| status.task_id.value == task)
            .cloned()
            .collect()
    }

    fn acknowledge_all(&self) {
        let updates = self.seen.lock().unwrap().updates.clone();
        for status in updates {
            let mut acknowledged = Event {
                acknowledged: Some(event::Acknowledged {
                    task_id: status.task_id.clone(),
                    uuid: status.uuid.clone().unwrap_or_default(),
                }),
                ..Default::default()
            };
            acknowledged.set_type(event::Type::Acknowledged);
            self.send(acknowledged);
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}

use TaskState::{TaskFailed, TaskFinished, TaskKilled, TaskKilling, TaskRunning, TaskStarting};

#[test]
fn each_task_runs_in_a_nested_container_and_ends_on_its_own() {
    let fixture = fixture(|_| {});
    fixture.launch_group(vec![task("a"), task("b")]);

    let launches = fixture.launches();
    assert_eq!(launches.len(), 2);
    for launch in &launches {
        let parent = launch
            .container_id
            .parent
            .as_deref()
            .expect("a nested container");
        assert_eq!(parent.value, EXECUTOR_CONTAINER);
        let variables = &launch
            .command
            .as_ref()
            .unwrap()
            .environment
            .as_ref()
            .unwrap()
            .variables;
        let role = variables
            .iter()
            .find(|variable| variable.name == "MESOS_ALLOCATION_ROLE")
            .and_then(|variable| variable.value.as_deref());
        assert_eq!(role, Some("web"));
        assert!(
            variables
                .iter()
                .any(|variable| variable.name == "MESOS_CONTAINER_IP")
        );
        assert_eq!(launch.resources.len(), 1);
    }
    assert_ne!(launches[0].container_id, launches[1].container_id);
    assert_eq!(fixture.states("a"), vec![TaskStarting, TaskRunning]);
    let running = fixture.updates("a").pop().unwrap();
    assert_eq!(
        running.container_status.unwrap().container_id,
        Some(fixture.container("a"))
    );

    // One finishing does not disturb the other.
    fixture.end("a", Some(0));
    assert_eq!(
        fixture.states("a"),
        vec![TaskStarting, TaskRunning, TaskFinished]
    );
    assert_eq!(
        fixture.updates("a").pop().unwrap().message.as_deref(),
        Some("Command exited with status 0")
    );
    assert_eq!(fixture.states("b"), vec![TaskStarting, TaskRunning]);
    assert!(fixture.signals("b").is_empty());

    // The last one failing kills nobody; once all is acknowledged the executor exits.
    fixture.end("b", Some(2 << 8));
    assert_eq!(
        fixture.states("b"),
        vec![TaskStarting, TaskRunning, TaskFailed]
    );
    assert!(!fixture.exit.is_ready(), "updates are not acknowledged yet");
    fixture.acknowledge_all();
    assert!(
        fixture.exit.is_ready(),
        "exits once everything is acknowledged"
    );
}

#[test]
fn a_failing_task_kills_its_group_with_sigterm_then_sigkill() {
    let fixture = fixture(|agent| agent.capabilities = vec![CapabilityType::TaskKillingState]);
    fixture.launch_group(vec![task("web"), task("sidecar"), task("db")]);
    fixture.end("db", Some(1 << 8));
    assert_eq!(
        fixture.states("db"),
        vec![TaskStarting, TaskRunning, TaskFailed]
    );
    assert_eq!(
        fixture.updates("db").pop().unwrap().message.as_deref(),
        Some("Command exited with status 1")
    );
    for sibling in ["web", "sidecar"] {
        assert_eq!(fixture.signals(sibling), vec![15], "{sibling} got SIGTERM");
        assert_eq!(
            fixture.states(sibling),
            vec![TaskStarting, TaskRunning, TaskKilling]
        );
    }
    // web honours SIGTERM; sidecar does not and gets SIGKILL after 3 s.
    fixture.end("web", Some(15));
    assert_eq!(fixture.states("web").last(), Some(&TaskKilled));
    fixture.advance(Duration::from_secs(2));
    assert_eq!(fixture.signals("sidecar"), vec![15]);
    fixture.advance(Duration::from_secs(1));
    assert_eq!(fixture.signals("sidecar"), vec![15, 9]);
    assert_eq!(
        fixture.signals("web"),
        vec![15],
        "no SIGKILL for what is gone"
    );
    fixture.end("sidecar", Some(9));
    let killed = fixture.updates("sidecar").pop().unwrap();
    assert_eq!(killed.state(), TaskKilled);
    assert_eq!(
        killed.message.as_deref(),
        Some("Command terminated with signal Killed")
    );
}

#[test]
fn a_refused_launch_fails_its_task_with_the_agent_s_reason_and_kills_the_group() {
    let fixture = fixture(|agent| {
        agent.refuse_launch.insert(
            "bad".into(),
            (400, "Parent container x does not exist".into()),
        );
    });
    fixture.launch_group(vec![task("good"), task("bad")]);
    assert_eq!(fixture.states("bad"), vec![TaskStarting]);
    // The agent has no such container to wait for.
    fixture.end("bad", None);
    let failed = fixture.updates("bad").pop().unwrap();
    assert_eq!(failed.state(), TaskFailed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Parent container x does not exist")
    );
    assert_eq!(fixture.signals("good"), vec![15]);
    fixture.end("good", Some(15));
    assert_eq!(
        fixture.states("good"),
        vec![TaskStarting, TaskRunning, TaskKilled]
    );
}

#[test]
fn kill_uses_the_kill_policy_and_shutdown_kills_everything() {
    let fixture = fixture(|_| {});
    let mut patient = task("patient");
    patient.kill_policy = Some(KillPolicy {
        grace_period: Some(DurationInfo {
            nanoseconds: 10_000_000_000,
        }),
    });
    fixture.launch_group(vec![patient, task("other")]);
    let mut kill = Event {
        kill: Some(event::Kill {
            task_id: TaskId {
                value: "patient".into(),
            },
            kill_policy: None,
        }),
        ..Default::default()
    };
    kill.set_type(event::Type::Kill);
    fixture.send(kill.clone());
    assert_eq!(fixture.signals("patient"), vec![15]);
    // No TASK_KILLING without the capability.
    assert_eq!(fixture.states("patient"), vec![TaskStarting, TaskRunning]);
    fixture.send(kill);
    assert_eq!(
        fixture.signals("patient"),
        vec![15],
        "a second kill is ignored"
    );
    fixture.advance(Duration::from_secs(9));
    assert_eq!(fixture.signals("patient"), vec![15]);
    fixture.advance(Duration::from_secs(1));
    assert_eq!(fixture.signals("patient"), vec![15, 9]);
    fixture.end("patient", Some(9));
    assert_eq!(fixture.states("patient").last(), Some(&TaskKilled));
    // A killed task takes its group too.
    assert_eq!(fixture.signals("other"), vec![15]);

    let mut shutdown = Event::default();
    shutdown.set_type(event::Type::Shutdown);
    fixture.send(shutdown);
    fixture.end("other", Some(15));
    assert_eq!(fixture.states("other").last(), Some(&TaskKilled));
    fixture.acknowledge_all();
    assert!(fixture.exit.is_ready());
}

#[test]
fn after_a_reconnection_the_tasks_are_waited_for_again() {
    let fixture = fixture_with(
        |_| {},
        &[
            ("MESOS_CHECKPOINT", "1"),
            ("MESOS_SUBSCRIPTION_BACKOFF_MAX", "2secs"),
        ],
    );
    fixture.launch_group(vec![task("a")]);
    let waits = |fixture: &Fixture| {
        #[allow(deprecated)]
        let count = fixture
            .seen
            .lock()
            .unwrap()
            .operator
            .iter()
            .filter(|call| call.wait_nested_container.is_some())
            .count();
        count
    };
    assert_eq!(waits(&fixture), 1);

    // The agent drops the stream (as when it restarts); the executor resubscribes.
    fixture.agent.run(|agent, _ctx| agent.stream = None);
    fixture.settle();
    fixture.advance(Duration::from_secs(2));
    assert_eq!(waits(&fixture), 2, "waits again once subscribed again");
    fixture.end("a", Some(0));
    assert_eq!(
        fixture.states("a"),
        vec![TaskStarting, TaskRunning, TaskFinished],
        "one terminal update, from the new wait"
    );
}
