//! Reading the SUBSCRIBE response: RecordIO records, each an `Event` in the negotiated
//! encoding, delivered to the driver one by one; the end of the stream or a broken frame
//! ends the subscription.

use bytes::Bytes;
use libprocess::{Body, Context, Response};
use proto::{
    codec::{self, ContentType},
    recordio::{Decoder, RecordIoError},
    v1::executor::Event,
};

use super::{DriverProcess, error_event, received};

/// The largest event we accept (a LAUNCH_GROUP of many big tasks is well under this).
const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;

const END_OF_STREAM: &str = "End-Of-File received from agent. The agent closed the event stream";

/// Starts reading the event stream of `response` for subscription `connection`. The stream
/// is consumed as events of the driver process (`Context::consume`), so an in-process
/// agent's events are handled before the runtime counts as settled.
pub(super) fn read(
    driver: &mut DriverProcess,
    ctx: &mut Context<DriverProcess>,
    connection: u64,
    response: Response,
    content_type: ContentType,
) {
    let mut decoder = decoder();
    match response.body {
        Body::Stream(reader) => {
            let consumer = ctx.consume(
                reader,
                move |driver: &mut DriverProcess, ctx, chunk: Bytes| {
                    if connection != driver.connection {
                        return; // A newer subscription; this stream is being dropped.
                    }
                    let events = decode_events(&mut decoder, content_type, &chunk);
                    deliver(driver, ctx, connection, events);
                },
                move |driver: &mut DriverProcess, ctx, end| {
                    let reason = match end {
                        Ok(()) => END_OF_STREAM.to_string(),
                        Err(error) => format!("The event stream from the agent broke: {error}"),
                    };
                    if connection == driver.connection {
                        driver.stream = None;
                    }
                    driver.stream_ended(ctx, connection, reason)
                },
            );
            driver.stream = Some(consumer);
        }
        Body::Full(bytes) => {
            // A whole body: every event in it, then the end.
            let events = decode_events(&mut decoder, content_type, &bytes);
            if deliver(driver, ctx, connection, events) {
                driver.stream_ended(ctx, connection, END_OF_STREAM.into());
            }
        }
    }
}

/// Hands every decoded event to the driver; `false` if the framing broke (the driver has
/// then been told the stream ended).
fn deliver(
    driver: &mut DriverProcess,
    ctx: &mut Context<DriverProcess>,
    connection: u64,
    records: Result<Vec<Result<Event, String>>, RecordIoError>,
) -> bool {
    let events = match records {
        Ok(events) => events,
        Err(error) => {
            let reason = format!("Failed to decode the stream of events: {error}");
            driver.stream_ended(ctx, connection, reason);
            return false;
        }
    };
    for event in events {
        match event {
            Ok(event) => driver.received(ctx, connection, event),
            // A bad event is reported and skipped, as Mesos's library does.
            Err(error) => driver.deliver(received(error_event(format!(
                "Failed to de-serialize event: {error}"
            )))),
        }
    }
    true
}

/// Decodes the events `bytes` completes (the pure part of reading the stream): the framing
/// fails the whole stream, a record that is no `Event` only itself.
pub(crate) fn decode_events(
    decoder: &mut Decoder,
    content_type: ContentType,
    bytes: &[u8],
) -> Result<Vec<Result<Event, String>>, RecordIoError> {
    Ok(decoder
        .decode(bytes)?
        .iter()
        .map(|record| {
            codec::decode::<Event>(content_type, record).map_err(|error| error.to_string())
        })
        .collect())
}

/// A decoder for an event stream.
pub(crate) fn decoder() -> Decoder {
    Decoder::new(MAX_EVENT_BYTES)
}
