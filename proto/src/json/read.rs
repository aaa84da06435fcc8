//! JSON -> message, with stout's leniency (unknown keys, numeric strings, `null`) and its
//! strictness (value types, required fields).

use base64::Engine as _;
use prost_reflect::{
    Cardinality, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor,
    ReflectMessage as _, Value,
};

/// Why JSON could not become a message. The `path` names the offending field from the top
/// message down, e.g. `subscribe.framework_info.user` or `accept.offer_ids[0].value`.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The text is not JSON at all.
    #[error("invalid JSON: {0}")]
    Syntax(#[source] serde_json::Error),
    /// A message was given something other than a JSON object.
    #[error("expected a JSON object for {path}")]
    NotAnObject {
        /// The field (or `<root>`) that needed an object.
        path: String,
    },
    /// A value does not fit its field (wrong JSON type, bad number, bad base64, ...).
    #[error("invalid value for field '{path}': {reason}")]
    InvalidValue {
        /// The field's path.
        path: String,
        /// What is wrong with the value.
        reason: String,
    },
    /// A `required` field is missing.
    #[error("missing required field '{path}'")]
    MissingRequiredField {
        /// The field's path.
        path: String,
    },
    /// The parsed message could not be converted into the generated type (a bug of ours).
    #[error("failed to convert parsed JSON into {message}: {reason}")]
    Transcode {
        /// The message's full name.
        message: String,
        /// The decoder's complaint.
        reason: String,
    },
}

/// Parses `value` as a message described by `descriptor`.
///
/// # Errors
/// See [`JsonError`].
pub fn message_from_value(
    descriptor: &MessageDescriptor,
    value: &serde_json::Value,
) -> Result<DynamicMessage, JsonError> {
    let serde_json::Value::Object(object) = value else {
        return Err(JsonError::NotAnObject {
            path: "<root>".to_owned(),
        });
    };
    let mut message = DynamicMessage::new(descriptor.clone());
    merge_object(&mut message, object, "")?;
    check_required(&message, "")?;
    Ok(message)
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn invalid(path: &str, reason: impl Into<String>) -> JsonError {
    JsonError::InvalidValue {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn merge_object(
    message: &mut DynamicMessage,
    object: &serde_json::Map<String, serde_json::Value>,
    prefix: &str,
) -> Result<(), JsonError> {
    let descriptor = message.descriptor();
    for (key, value) in object {
        let Some(field) = descriptor.get_field_by_name(key) else {
            continue;
        };
        merge_field(message, &field, value, &join(prefix, key))?;
    }
    Ok(())
}

fn merge_field(
    message: &mut DynamicMessage,
    field: &FieldDescriptor,
    value: &serde_json::Value,
    path: &str,
) -> Result<(), JsonError> {
    match value {
        serde_json::Value::Null => Ok(()),
        serde_json::Value::Array(items) => {
            if !field.is_list() && !field.is_map() {
                return Err(invalid(path, "did not expect a JSON array"));
            }
            for (index, item) in items.iter().enumerate() {
                if item.is_array() {
                    return Err(invalid(path, "did not expect a nested JSON array"));
                }
                merge_field(message, field, item, &format!("{path}[{index}]"))?;
            }
            Ok(())
        }
        serde_json::Value::Object(object) if field.is_map() => {
            merge_map(message, field, object, path)
        }
        _ => {
            let Some(parsed) = parse_single(field, value, path)? else {
                return Ok(());
            };
            if field.is_list() {
                if let Value::List(items) = message.get_field_mut(field) {
                    items.push(parsed);
                }
            } else {
                message.set_field(field, parsed);
            }
            Ok(())
        }
    }
}

fn merge_map(
    message: &mut DynamicMessage,
    field: &FieldDescriptor,
    object: &serde_json::Map<String, serde_json::Value>,
    path: &str,
) -> Result<(), JsonError> {
    let Some(entry) = field.kind().as_message().cloned() else {
        return Err(invalid(path, "map field without an entry type"));
    };
    let key_field = entry.map_entry_key_field();
    let value_field = entry.map_entry_value_field();
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        let entry_path = format!("{path}[{key}]");
        let map_key = parse_map_key(&key_field.kind(), key, &entry_path)?;
        let Some(map_value) = parse_single(&value_field, value, &entry_path)? else {
            continue;
        };
        if let Value::Map(entries) = message.get_field_mut(field) {
            entries.insert(map_key, map_value);
        }
    }
    Ok(())
}

fn parse_map_key(kind: &Kind, key: &str, path: &str) -> Result<MapKey, JsonError> {
    let bad = |_| invalid(path, format!("'{key}' is not a valid map key"));
    Ok(match kind {
        Kind::String => MapKey::String(key.to_owned()),
        Kind::Bool => MapKey::Bool(key.parse().map_err(|_| invalid(path, "bad bool key"))?),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => MapKey::I32(key.parse().map_err(bad)?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => MapKey::I64(key.parse().map_err(bad)?),
        Kind::Uint32 | Kind::Fixed32 => MapKey::U32(key.parse().map_err(bad)?),
        Kind::Uint64 | Kind::Fixed64 => MapKey::U64(key.parse().map_err(bad)?),
        _ => return Err(invalid(path, "unsupported map key type")),
    })
}

/// Parses one (non-array) JSON value for `field`. `Ok(None)` means "leave unset" (an unknown
/// enum name in a non-required field).
fn parse_single(
    field: &FieldDescriptor,
    value: &serde_json::Value,
    path: &str,
) -> Result<Option<Value>, JsonError> {
    let kind = field.kind();
    match (&kind, value) {
        (Kind::Message(descriptor), serde_json::Value::Object(object)) => {
            let mut message = DynamicMessage::new(descriptor.clone());
            merge_object(&mut message, object, path)?;
            Ok(Some(Value::Message(message)))
        }
        (Kind::Message(_), _) => Err(JsonError::NotAnObject {
            path: path.to_owned(),
        }),
        (Kind::Enum(descriptor), serde_json::Value::String(name)) => {
            match descriptor.get_value_by_name(name) {
                Some(value) => Ok(Some(Value::EnumNumber(value.number()))),
                None if field.cardinality() == Cardinality::Required => Err(invalid(
                    path,
                    format!("'{name}' is not a value of {}", descriptor.full_name()),
                )),
                None => Ok(None),
            }
        }
        (Kind::Enum(_), _) => Err(invalid(path, "expected an enum value name (a string)")),
        (Kind::String, serde_json::Value::String(text)) => Ok(Some(Value::String(text.clone()))),
        (Kind::Bytes, serde_json::Value::String(text)) => decode_base64(text)
            .map(|bytes| Some(Value::Bytes(bytes.into())))
            .ok_or_else(|| invalid(path, "not valid base64")),
        (Kind::Bool, serde_json::Value::Bool(boolean)) => Ok(Some(Value::Bool(*boolean))),
        (Kind::Bool, serde_json::Value::String(text)) => match text.as_str() {
            "true" => Ok(Some(Value::Bool(true))),
            "false" => Ok(Some(Value::Bool(false))),
            _ => Err(invalid(path, format!("'{text}' is not a boolean"))),
        },
        (Kind::Double | Kind::Float, serde_json::Value::String(text)) => {
            let number = match text.as_str() {
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                _ => parse_number_text(text)
                    .and_then(|number| number.as_f64())
                    .ok_or_else(|| invalid(path, format!("'{text}' is not a number")))?,
            };
            Ok(Some(float_value(&kind, number)))
        }
        (Kind::Double | Kind::Float, serde_json::Value::Number(number)) => {
            let number = number
                .as_f64()
                .ok_or_else(|| invalid(path, "not a number"))?;
            Ok(Some(float_value(&kind, number)))
        }
        (_, serde_json::Value::String(text)) if is_integer(&kind) => {
            let number = parse_number_text(text)
                .ok_or_else(|| invalid(path, format!("'{text}' is not a number")))?;
            integer_value(&kind, &number, path).map(Some)
        }
        (_, serde_json::Value::Number(number)) if is_integer(&kind) => {
            integer_value(&kind, number, path).map(Some)
        }
        (_, other) => Err(invalid(
            path,
            format!("a JSON {} does not fit a {kind:?} field", json_type(other)),
        )),
    }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn is_integer(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Int32
            | Kind::Sint32
            | Kind::Sfixed32
            | Kind::Int64
            | Kind::Sint64
            | Kind::Sfixed64
            | Kind::Uint32
            | Kind::Fixed32
            | Kind::Uint64
            | Kind::Fixed64
    )
}

/// A numeric string parsed as JSON parses numbers (so `"1e3"` is 1000, `" 7 "` is 7).
fn parse_number_text(text: &str) -> Option<serde_json::Number> {
    serde_json::from_str::<serde_json::Number>(text.trim()).ok()
}

fn float_value(kind: &Kind, number: f64) -> Value {
    if matches!(kind, Kind::Float) {
        #[allow(clippy::cast_possible_truncation)]
        Value::F32(number as f32)
    } else {
        Value::F64(number)
    }
}

/// Converts a JSON number to the field's integer type; fractions and out-of-range values are
/// errors rather than silently truncated.
fn integer_value(kind: &Kind, number: &serde_json::Number, path: &str) -> Result<Value, JsonError> {
    let out_of_range = || invalid(path, format!("{number} does not fit a {kind:?} field"));
    let as_i128: i128 = if let Some(integer) = number.as_i64() {
        integer.into()
    } else if let Some(integer) = number.as_u64() {
        integer.into()
    } else {
        let float = number.as_f64().ok_or_else(out_of_range)?;
        if float.fract() != 0.0 || !float.is_finite() || float.abs() > 1.9e19 {
            return Err(out_of_range());
        }
        #[allow(clippy::cast_possible_truncation)]
        let integer = float as i128;
        integer
    };
    Ok(match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            Value::I32(i32::try_from(as_i128).map_err(|_| out_of_range())?)
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            Value::I64(i64::try_from(as_i128).map_err(|_| out_of_range())?)
        }
        Kind::Uint32 | Kind::Fixed32 => {
            Value::U32(u32::try_from(as_i128).map_err(|_| out_of_range())?)
        }
        _ => Value::U64(u64::try_from(as_i128).map_err(|_| out_of_range())?),
    })
}

/// Standard base64, with or without padding.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .ok()
}

/// The path of the first `required` field missing from `message` (depth first), if any.
pub fn missing_required_field(message: &DynamicMessage) -> Option<String> {
    match check_required(message, "") {
        Err(JsonError::MissingRequiredField { path }) => Some(path),
        _ => None,
    }
}

/// Fails on the first missing `required` field, depth first, naming its path.
fn check_required(message: &DynamicMessage, prefix: &str) -> Result<(), JsonError> {
    for field in message.descriptor().fields() {
        let path = join(prefix, field.name());
        if field.cardinality() == Cardinality::Required && !message.has_field(&field) {
            return Err(JsonError::MissingRequiredField { path });
        }
        if !matches!(field.kind(), Kind::Message(_)) || !message.has_field(&field) {
            continue;
        }
        match message.get_field(&field).as_ref() {
            Value::Message(child) => check_required(child, &path)?,
            Value::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    if let Value::Message(child) = item {
                        check_required(child, &format!("{path}[{index}]"))?;
                    }
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    if let Value::Message(child) = value {
                        let key = match key {
                            MapKey::String(text) => text.clone(),
                            other => format!("{other:?}"),
                        };
                        check_required(child, &format!("{path}[{key}]"))?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
