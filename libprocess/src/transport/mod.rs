//! Messages between OS processes: the wire format, persistent pipelined outbound connections,
//! and the inbound HTTP/1.1 server.

mod chunked;
mod connection;
pub mod decoder;
pub(crate) mod inbound;
pub(crate) mod outbound;
pub mod response;
pub mod wire;

/// Runs every parser of outside input over `data`; never panics on any input.
///
/// The entry point of the cargo-fuzz target and of the property tests, kept here so both
/// exercise exactly the same code.
pub fn fuzz_entry(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = text.parse::<crate::Upid>();
    let _ = crate::http::client::url::HttpUrl::parse(&text);
    let _ = wire::parse_request_head(data);
    let mut decoder = decoder::RequestDecoder::new(1024);
    let mut buffer = bytes::BytesMut::from(data);
    while let Ok(Some(request)) = decoder.decode(&mut buffer) {
        let _ = wire::classify(&request.method, request.path(), |name| request.header(name));
        let _ = crate::http::routing::parse_query(request.query());
    }
    let _ = wire::ResponseReader::default().feed(data);
    let mut responses = response::ResponseDecoder::new();
    let mut buffer = bytes::BytesMut::from(data);
    while let Ok(Some(_)) = responses.decode(&mut buffer) {}
    let _ = responses.finish();
}
