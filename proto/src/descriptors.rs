//! The descriptor pool of every generated message: what `ReflectMessage` (and so the JSON
//! mapping) uses to see field names, numbers, labels and defaults at run time.

use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, MessageDescriptor};

/// The encoded `FileDescriptorSet` the build script compiled from our `.proto` files.
static FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/file_descriptor_set.bin"));

static DESCRIPTOR_POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    DescriptorPool::decode(FILE_DESCRIPTOR_SET)
        .expect("the build script writes a valid file descriptor set")
});

/// The pool holding the descriptors of every message and enum of this crate (v1, v0,
/// internal) plus the well-known types they import.
pub fn descriptor_pool() -> &'static DescriptorPool {
    &DESCRIPTOR_POOL
}

/// The descriptor of a generated message type, looked up by its protobuf full name.
pub(crate) fn message_descriptor<M: prost::Name>() -> MessageDescriptor {
    let full_name = M::full_name();
    DESCRIPTOR_POOL
        .get_message_by_name(&full_name)
        .unwrap_or_else(|| panic!("generated message {full_name} is missing from the pool"))
}
