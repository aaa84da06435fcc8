//! The HTTP client: against a libprocess runtime's routes over real sockets, against
//! hand-written TCP servers for the edge cases, through the in-process short cut, and a
//! SUBSCRIBE-like stream read event by event while other calls proceed.

#[path = "../support/mod.rs"]
mod support;

mod api;
mod in_process;
mod raw;
mod routes;
mod subscribe;

/// The client and what it returns cross threads (a CLI blocks on one, a process chains it).
#[test]
fn client_types_cross_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_and_sync::<libprocess::http::Client>();
    send_and_sync::<libprocess::http::ClientError>();
    send::<libprocess::http::ResponseFuture>();
    send::<libprocess::StreamReader>();
}
