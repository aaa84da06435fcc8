//! The v1 HTTP APIs' request checks and event streams, shared by the scheduler, executor and
//! operator endpoints: the status codes and messages Mesos answers with, in one place.
//!
//! A handler calls [`decode_call`] and answers the `Err` response as it is; for a streaming
//! call it negotiates the response type with [`response_content_type`] and opens an
//! [`EventStream`], which frames each event as RecordIO in that type.

use bytes::Bytes;
use libprocess::{
    Response, StreamWriter,
    http::{Headers, Method, Request, StreamClosed},
};
use prost_reflect::ReflectMessage;
use proto::{
    codec::{self, ContentType, DecodeError},
    recordio,
};

/// The header carrying a scheduler subscription's stream id.
pub const STREAM_ID_HEADER: &str = "Mesos-Stream-Id";

/// The request's body type, checked as Mesos checks it: POST only (405 with `Allow: POST`),
/// `Content-Type` present (400) and JSON or protobuf (415). Media-type parameters such as
/// `; charset=utf-8` are tolerated.
pub fn request_content_type(request: &Request) -> Result<ContentType, Response> {
    if request.method != Method::Post {
        return Err(Response::text(
            405,
            format!(
                "Expecting a 'POST' request, received '{}'",
                request.method.as_str()
            ),
        )
        .with_header("Allow", "POST"));
    }
    let Some(value) = request.headers.get("Content-Type") else {
        return Err(Response::bad_request(
            "Expecting 'Content-Type' to be present",
        ));
    };
    let media_type = value.split(';').next().unwrap_or("").trim();
    ContentType::from_header(media_type).ok_or_else(|| {
        Response::text(
            415,
            format!(
                "Expecting 'Content-Type' of {} or {}",
                codec::APPLICATION_JSON,
                codec::APPLICATION_PROTOBUF
            ),
        )
    })
}

/// The response type the client accepts (JSON preferred; a missing `Accept` means anything),
/// or 406 as Mesos answers when it accepts neither.
pub fn response_content_type(request: &Request) -> Result<ContentType, Response> {
    ContentType::negotiate(request.headers.get("Accept")).ok_or_else(|| {
        Response::text(
            406,
            format!(
                "Expecting 'Accept' to allow '{}' or '{}'",
                codec::APPLICATION_JSON,
                codec::APPLICATION_PROTOBUF
            ),
        )
    })
}

/// Checks the request and decodes its body as a `Call` of the given API, answering what Mesos
/// answers when it cannot: 405, 400, 415 as [`request_content_type`], and 400 naming what is
/// wrong with the body (`Failed to convert JSON into Call protobuf: ...`).
pub fn decode_call<M: ReflectMessage + Default>(
    request: &Request,
) -> Result<(M, ContentType), Response> {
    let content_type = request_content_type(request)?;
    let call = codec::decode::<M>(content_type, &request.body).map_err(|error| {
        Response::bad_request(match error {
            DecodeError::Json(error) => {
                format!("Failed to convert JSON into Call protobuf: {error}")
            }
            other => format!("Failed to parse body into Call protobuf: {other}"),
        })
    })?;
    Ok((call, content_type))
}

/// A response body of RecordIO-framed events in one content type, as the v1 APIs stream
/// them (`<length>\n<event>`, no trailing newline).
#[derive(Debug, Clone)]
pub struct EventStream {
    writer: StreamWriter,
    content_type: ContentType,
}

impl EventStream {
    /// Opens a `200 OK` chunked stream of events in `content_type`, with `extra` headers
    /// (for example [`STREAM_ID_HEADER`]). Returns the response to hand to libprocess and the
    /// stream to send events on.
    pub fn open(content_type: ContentType, extra: &[(&str, &str)]) -> (Response, EventStream) {
        let mut headers = Headers::new();
        headers.insert("Content-Type", content_type.as_str());
        for (name, value) in extra {
            headers.insert(*name, *value);
        }
        let (response, writer) = Response::stream(200, headers);
        (
            response,
            EventStream {
                writer,
                content_type,
            },
        )
    }

    /// Sends one event, framed. Fails once the client has gone away.
    pub fn send<M: ReflectMessage>(&self, event: &M) -> Result<(), StreamClosed> {
        self.writer.write(frame(self.content_type, event))
    }

    /// The content type events are encoded in.
    pub fn content_type(&self) -> ContentType {
        self.content_type
    }

    /// The underlying writer, for [`libprocess::Context::on_closed`].
    pub fn writer(&self) -> &StreamWriter {
        &self.writer
    }

    /// Whether the client has gone away.
    pub fn is_closed(&self) -> bool {
        self.writer.is_closed()
    }
}

/// One event encoded in `content_type` and framed as a RecordIO record.
pub fn frame<M: ReflectMessage>(content_type: ContentType, event: &M) -> Bytes {
    recordio::encode(&codec::encode(content_type, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::v1::scheduler::Call;

    fn post(content_type: Option<&str>, body: &str) -> Request {
        let request = Request::post("/api/v1/scheduler", body.to_string());
        match content_type {
            Some(value) => request.with_header("Content-Type", value),
            None => request,
        }
    }

    fn status(result: Result<(Call, ContentType), Response>) -> (u16, String) {
        let response = result.expect_err("the request should be refused");
        let body = response.full_body().cloned().unwrap_or_default();
        (response.status, String::from_utf8_lossy(&body).into_owned())
    }

    #[test]
    fn refuses_as_mesos_does() {
        let get = Request::get("/api/v1/scheduler");
        let response = decode_call::<Call>(&get).unwrap_err();
        assert_eq!(response.status, 405);
        assert_eq!(response.headers.get("Allow"), Some("POST"));

        assert_eq!(status(decode_call(&post(None, "{}"))).0, 400);
        assert_eq!(status(decode_call(&post(Some("text/plain"), "{}"))).0, 415);

        let (code, message) = status(decode_call(&post(Some("application/json"), "{not json")));
        assert_eq!(code, 400);
        assert!(
            message.starts_with("Failed to convert JSON into Call protobuf"),
            "{message}"
        );

        let (code, message) = status(decode_call(&post(
            Some("application/x-protobuf"),
            "\u{ff}\u{ff}",
        )));
        assert_eq!(code, 400);
        assert!(
            message.starts_with("Failed to parse body into Call protobuf"),
            "{message}"
        );
    }

    #[test]
    fn decodes_json_and_protobuf_calls() {
        let (call, content_type) = decode_call::<Call>(&post(
            Some("application/json; charset=utf-8"),
            r#"{"type":"REVIVE","framework_id":{"value":"f1"}}"#,
        ))
        .unwrap();
        assert_eq!(content_type, ContentType::Json);
        assert_eq!(call.framework_id.unwrap().value, "f1");

        let bytes = codec::encode(ContentType::Protobuf, &call_with_type());
        let request = Request::post("/api/v1/scheduler", bytes)
            .with_header("Content-Type", "application/x-protobuf");
        let (call, content_type) = decode_call::<Call>(&request).unwrap();
        assert_eq!(content_type, ContentType::Protobuf);
        assert_eq!(call, call_with_type());
    }

    fn call_with_type() -> Call {
        Call {
            r#type: Some(proto::v1::scheduler::call::Type::Revive as i32),
            ..Call::default()
        }
    }

    #[test]
    fn negotiates_the_response_type() {
        let request = Request::get("/x");
        assert_eq!(response_content_type(&request).unwrap(), ContentType::Json);
        let request = Request::get("/x").with_header("Accept", "application/x-protobuf");
        assert_eq!(
            response_content_type(&request).unwrap(),
            ContentType::Protobuf
        );
        let request = Request::get("/x").with_header("Accept", "text/html");
        assert_eq!(response_content_type(&request).unwrap_err().status, 406);
    }

    #[test]
    fn events_are_framed_as_recordio() {
        let event = proto::v1::scheduler::Event {
            r#type: Some(proto::v1::scheduler::event::Type::Heartbeat as i32),
            ..Default::default()
        };
        assert_eq!(
            &frame(ContentType::Json, &event)[..],
            b"20\n{\"type\":\"HEARTBEAT\"}"
        );
    }
}
