//! HTTP for processes: our own request and response types, streaming bodies, routing, and
//! an HTTP/1.1 [`Client`].
//!
//! None of these types come from the HTTP server underneath; handlers see only these, and
//! the client answers with the same [`Response`] and [`StreamReader`] as
//! [`Runtime::http`](crate::Runtime::http).

pub mod client;
mod request;
mod response;
pub(crate) mod routing;
mod stream;

pub use client::{Client, ClientConfig, ClientError, ResponseFuture};
pub use request::{Headers, Method, Request};
pub use response::{Body, Reply, Response};
pub(crate) use stream::{Consumable, LocalReader, Sink, StreamFeed};
pub use stream::{ReadTimedOut, StreamClosed, StreamReader, StreamWriter};
