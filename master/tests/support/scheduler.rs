//! An in-process v1 scheduler client over `Runtime::http`: SUBSCRIBE, read the RecordIO event
//! stream, and send calls with the stream id.

use libprocess::{
    Response, Runtime, StreamReader,
    http::{Body, Request},
};
use proto::{
    recordio::Decoder,
    v1::scheduler::{Event, event},
};
use serde_json::{Value, json};

/// The API path (through the `master` process; the unprefixed one works with a delegate).
pub const SCHEDULER_API: &str = "/master/api/v1/scheduler";

/// POSTs a JSON call with optional stream id; returns the response.
pub fn post_json(runtime: &Runtime, body: &Value, stream_id: Option<&str>) -> Response {
    let mut request = Request::post(SCHEDULER_API, body.to_string())
        .with_header("Content-Type", "application/json")
        .with_header("Accept", "application/json");
    if let Some(stream_id) = stream_id {
        request = request.with_header("Mesos-Stream-Id", stream_id);
    }
    runtime.http(request).block().unwrap()
}

/// The body of a non-streaming response.
pub fn body_text(response: &Response) -> String {
    String::from_utf8_lossy(response.full_body().map(|b| b.as_ref()).unwrap_or_default())
        .into_owned()
}

/// A subscribed scheduler.
pub struct Scheduler {
    runtime: Runtime,
    /// The stream id to send with calls.
    pub stream_id: String,
    /// The framework id from SUBSCRIBED.
    pub framework_id: String,
    reader: StreamReader,
    decoder: Decoder,
    pending: Vec<Event>,
    /// Whether the stream ended.
    pub closed: bool,
}

/// A minimal FrameworkInfo as JSON.
pub fn framework_info(name: &str) -> Value {
    json!({"user": "tester", "name": name})
}

impl Scheduler {
    /// SUBSCRIBEs with `framework_info` (JSON); panics unless SUBSCRIBED comes first.
    pub fn subscribe(runtime: &Runtime, framework_info: Value) -> Scheduler {
        let mut call =
            json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": framework_info}});
        if let Some(id) = call["subscribe"]["framework_info"]["id"]
            .as_object()
            .cloned()
        {
            call["framework_id"] = Value::Object(id);
        }
        let mut scheduler = Scheduler::open(runtime, &call).expect("subscription refused");
        runtime.clock().settle_blocking();
        let events = scheduler.events();
        let subscribed = events
            .iter()
            .find(|event| event.r#type == Some(event::Type::Subscribed as i32))
            .unwrap_or_else(|| panic!("no SUBSCRIBED event in {events:?}"));
        scheduler.framework_id = subscribed
            .subscribed
            .as_ref()
            .unwrap()
            .framework_id
            .value
            .clone();
        // Keep what came after SUBSCRIBED (offers, ...) for the test to read.
        scheduler.pending = events
            .into_iter()
            .filter(|event| event.r#type != Some(event::Type::Subscribed as i32))
            .collect();
        scheduler
    }

    /// Sends a SUBSCRIBE call as is; `Err` with the response when it is not a stream.
    pub fn open(runtime: &Runtime, call: &Value) -> Result<Scheduler, Response> {
        let response = post_json(runtime, call, None);
        if response.status != 200 {
            return Err(response);
        }
        let stream_id = response
            .headers
            .get("Mesos-Stream-Id")
            .unwrap_or_default()
            .to_string();
        let Body::Stream(reader) = response.body else {
            return Err(Response::new(500));
        };
        Ok(Scheduler {
            runtime: runtime.clone(),
            stream_id,
            framework_id: String::new(),
            reader,
            decoder: Decoder::new(1 << 24),
            pending: Vec::new(),
            closed: false,
        })
    }

    /// Every event received since the last call (after the caller settled the clock).
    pub fn events(&mut self) -> Vec<Event> {
        self.drain();
        std::mem::take(&mut self.pending)
    }

    /// Events of one type received so far (others stay for later reads).
    pub fn events_of(&mut self, kind: event::Type) -> Vec<Event> {
        self.drain();
        let (wanted, others) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|event| event.r#type == Some(kind as i32));
        self.pending = others;
        wanted
    }

    /// Sends a call (JSON) with this framework's id and stream id.
    pub fn call(&self, mut call: Value) -> Response {
        call["framework_id"] = json!({"value": self.framework_id});
        let response = post_json(&self.runtime, &call, Some(&self.stream_id));
        self.runtime.clock().settle_blocking();
        response
    }

    /// Drops the stream, as a scheduler that goes away.
    pub fn disconnect(self) {
        drop(self.reader);
        self.runtime.clock().settle_blocking();
    }

    /// Whether the master ended the stream (read everything first).
    pub fn is_closed(&mut self) -> bool {
        self.drain();
        self.closed
    }

    fn drain(&mut self) {
        let waker = futures::task::noop_waker();
        let mut context = std::task::Context::from_waker(&waker);
        loop {
            match std::pin::Pin::new(&mut self.reader).poll_next_chunk(&mut context) {
                std::task::Poll::Ready(Some(chunk)) => {
                    for record in self.decoder.decode(&chunk).unwrap() {
                        self.pending.push(proto::json::from_slice(&record).unwrap());
                    }
                }
                std::task::Poll::Ready(None) => {
                    self.closed = true;
                    return;
                }
                std::task::Poll::Pending => return,
            }
        }
    }
}

/// Polls a stream reader for one chunk.
trait PollChunk {
    fn poll_next_chunk(
        self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<bytes::Bytes>>;
}

impl PollChunk for StreamReader {
    fn poll_next_chunk(
        self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<bytes::Bytes>> {
        futures::Stream::poll_next(self, context)
    }
}

/// Resources in text form as a v1 JSON list.
pub fn resources_json(text: &str) -> Value {
    let resources = resources::Resources::parse(text, &resources::Role::star()).unwrap();
    Value::Array(
        resources
            .to_proto_v1()
            .iter()
            .map(proto::json::to_value)
            .collect(),
    )
}

/// A command task as v1 JSON.
pub fn command_task(task_id: &str, agent_id: &str, resources: &str) -> Value {
    json!({
        "name": task_id,
        "task_id": {"value": task_id},
        "agent_id": {"value": agent_id},
        "resources": resources_json(resources),
        "command": {"value": "sleep 1000"},
    })
}

/// An ACCEPT call launching `tasks` on `offer_ids`.
pub fn launch(offer_ids: &[&str], tasks: Vec<Value>) -> Value {
    json!({
        "type": "ACCEPT",
        "accept": {
            "offer_ids": offer_ids.iter().map(|id| json!({"value": id})).collect::<Vec<_>>(),
            "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}],
            "filters": {"refuse_seconds": 0.0},
        },
    })
}

impl Scheduler {
    /// The offers of every OFFERS event received since the last read.
    pub fn offers(&mut self) -> Vec<proto::v1::Offer> {
        self.events_of(event::Type::Offers)
            .into_iter()
            .flat_map(|event| event.offers.unwrap().offers)
            .collect()
    }

    /// The statuses of every UPDATE event received since the last read.
    pub fn updates(&mut self) -> Vec<proto::v1::TaskStatus> {
        self.events_of(event::Type::Update)
            .into_iter()
            .map(|event| event.update.unwrap().status)
            .collect()
    }
}
