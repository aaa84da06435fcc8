//! Helpers shared by the JSON tests: round trips and structural comparison of JSON values.

#![allow(dead_code)]

use prost_reflect::ReflectMessage;
use serde_json::Value;

/// Parses `json` as `M`, checks the JSON and protobuf round trips, and returns the message
/// with the differences between the input JSON and our output:
/// `(message, keys only in our output, keys only in the input)`.
pub fn round_trip<M>(json: &str) -> (M, Vec<String>, Vec<String>)
where
    M: ReflectMessage + Default + PartialEq + std::fmt::Debug,
{
    let message: M = proto::json::from_str(json).unwrap_or_else(|error| panic!("{error}"));
    let text = proto::json::to_string(&message);
    assert!(text.is_ascii() && !text.contains('\n'), "{text}");

    // JSON -> message -> JSON -> message -> JSON is stable. (The messages may differ: our
    // output writes fields that have defaults, and reading them back sets them.)
    let again: M = proto::json::from_str(&text).unwrap();
    assert_eq!(proto::json::to_string(&again), text);

    // JSON -> message -> protobuf bytes -> message -> JSON.
    let bytes = message.encode_to_vec();
    let decoded = M::decode(bytes.as_slice()).unwrap();
    assert_eq!(decoded, message);
    assert_eq!(proto::json::to_string(&decoded), text);

    // Our text and our Value agree.
    let output: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(output, proto::json::to_value(&message));

    let input: Value = serde_json::from_str(json).unwrap();
    let mut extra = Vec::new();
    let mut dropped = Vec::new();
    compare(&input, &output, "", &mut extra, &mut dropped);
    (message, extra, dropped)
}

/// Collects paths present only in `output` (`extra`) or only in `input` (`dropped`); values at
/// shared paths must be equal (numbers compared as doubles).
fn compare(
    input: &Value,
    output: &Value,
    path: &str,
    extra: &mut Vec<String>,
    dropped: &mut Vec<String>,
) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (input, output) {
        (Value::Object(input), Value::Object(output)) => {
            for (key, value) in input {
                match output.get(key) {
                    Some(other) => compare(value, other, &join(key), extra, dropped),
                    None => dropped.push(join(key)),
                }
            }
            for key in output.keys() {
                if !input.contains_key(key) {
                    extra.push(join(key));
                }
            }
        }
        (Value::Array(input), Value::Array(output)) => {
            assert_eq!(input.len(), output.len(), "array length at {path}");
            for (index, (left, right)) in input.iter().zip(output).enumerate() {
                compare(left, right, &format!("{path}[{index}]"), extra, dropped);
            }
        }
        (Value::Number(left), Value::Number(right)) => {
            assert_eq!(left.as_f64(), right.as_f64(), "number at {path}");
        }
        (left, right) => assert_eq!(left, right, "value at {path}"),
    }
}
