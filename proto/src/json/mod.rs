//! Mesos's JSON mapping of protobuf messages (what stout's `JSON::protobuf` and
//! `protobuf::parse` do), used by the v1 HTTP APIs and the JSON endpoints.
//!
//! Output ([`to_string`], [`to_value`]):
//! - keys are the `.proto` field names (snake_case), in declaration order (in [`to_string`];
//!   a `serde_json::Value` keeps its own key order);
//! - enums are written as their value names, `bytes` as standard base64, 64-bit integers as
//!   JSON numbers, repeated fields as arrays (omitted when empty), maps as objects;
//! - unset optional fields are omitted, except that a field with an explicit `[default = ...]`
//!   that is not deprecated is written with its default (as Mesos does, e.g.
//!   `"refuse_seconds":5.0` in `Filters`);
//! - [`to_string`] is compact, on one line, and pure ASCII (non-ASCII as `\uXXXX`), so
//!   RecordIO clients that count bytes of decoded text stay in step.
//!
//! Input ([`from_str`], [`from_slice`], [`from_value`]):
//! - keys that name no field are ignored, `null` means unset;
//! - integers may be JSON numbers or numeric strings, doubles also `"Infinity"`/`"-Infinity"`,
//!   booleans may be `true`/`false` or `"true"`/`"false"`;
//! - enums must be value names; an unknown name leaves an optional field unset and is an error
//!   for a required field;
//! - a missing `required` field is an error naming its path (`subscribe.framework_info.user`).

mod read;
mod write;

use prost_reflect::ReflectMessage;

pub use read::{JsonError, message_from_value, missing_required_field};
pub use write::{message_to_string, message_to_value};

/// Renders `message` as compact, single-line, ASCII-only Mesos JSON.
pub fn to_string<M: ReflectMessage>(message: &M) -> String {
    message_to_string(&message.transcode_to_dynamic())
}

/// Renders `message` as a `serde_json::Value` (keys sorted, since `Value` sorts them).
pub fn to_value<M: ReflectMessage>(message: &M) -> serde_json::Value {
    message_to_value(&message.transcode_to_dynamic())
}

/// Parses Mesos JSON text into a message of type `M`.
///
/// # Errors
/// [`JsonError`] when the text is not JSON, when a value does not fit its field, or when a
/// required field is missing; the message names the field's path.
pub fn from_str<M: ReflectMessage + Default>(json: &str) -> Result<M, JsonError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(JsonError::Syntax)?;
    from_value(&value)
}

/// Parses Mesos JSON bytes (UTF-8) into a message of type `M`.
///
/// # Errors
/// As [`from_str`].
pub fn from_slice<M: ReflectMessage + Default>(json: &[u8]) -> Result<M, JsonError> {
    let value: serde_json::Value = serde_json::from_slice(json).map_err(JsonError::Syntax)?;
    from_value(&value)
}

/// Converts an already parsed JSON value into a message of type `M`.
///
/// # Errors
/// As [`from_str`], except for syntax errors.
pub fn from_value<M: ReflectMessage + Default>(value: &serde_json::Value) -> Result<M, JsonError> {
    let descriptor = M::default().descriptor();
    let dynamic = message_from_value(&descriptor, value)?;
    dynamic
        .transcode_to::<M>()
        .map_err(|error| JsonError::Transcode {
            message: descriptor.full_name().to_owned(),
            reason: error.to_string(),
        })
}

#[cfg(test)]
mod tests;
