//! Mesos's wire types, compiled by prost from our own `.proto` files (same packages, names and
//! field numbers as Apache Mesos, so the bytes are interchangeable).
//!
//! Module map (each module mirrors a protobuf package):
//! - [`v1`] = `mesos.v1`: the public v1 API's common types, with [`v1::scheduler`],
//!   [`v1::executor`], [`v1::master`], [`v1::agent`], [`v1::quota`], [`v1::maintenance`],
//!   [`v1::allocator`] and [`v1::resource_provider`].
//! - [`v0`] = `mesos`: the v0 ("Slave"-spelled) twins used by internal messages and the v0
//!   scheduler driver, with [`v0::scheduler`], [`v0::quota`], [`v0::maintenance`], ...
//! - [`internal`] = `mesos.internal`: libprocess messages between master, agents, executors and
//!   drivers, the registry, the agent's checkpoint records ([`internal::slave`]), the state
//!   store ([`internal::state`]) and the replicated log ([`internal::log`]).
//! - [`v0::slave`] = `mesos.slave`: the containerizer's launch/termination records (with
//!   [`v0::seccomp`], [`docker`] and [`appc`] image manifests).
//! - [`json`], [`recordio`], [`codec`], [`convert`]: Mesos's JSON mapping, RecordIO framing,
//!   HTTP content types, and v0 <-> v1 conversion.
//!
//! Every message implements [`prost::Message`], [`prost::Name`] (its full name is the
//! libprocess message name) and [`prost_reflect::ReflectMessage`].

pub mod codec;
pub mod convert;
mod descriptors;
#[doc(hidden)]
pub mod fuzzing;
mod generated;
pub mod json;
pub mod recordio;
mod task_state;

pub use descriptors::descriptor_pool;
pub use generated::mesos;
pub use generated::mesos as v0;
pub use generated::mesos::internal;
pub use generated::mesos::v1;
pub use generated::{appc, docker};

#[cfg(test)]
mod v0_rename;
