//! Message -> JSON: selects fields as stout does and renders them in declaration order.

use base64::Engine as _;
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage as _, Value};

/// An ordered JSON tree: what both renderers (text and `serde_json::Value`) walk.
enum Node {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

/// Renders a dynamic message as compact, ASCII-only Mesos JSON.
pub fn message_to_string(message: &DynamicMessage) -> String {
    let mut out = String::new();
    write_node(&message_node(message), &mut out);
    out
}

/// Renders a dynamic message as a `serde_json::Value`.
pub fn message_to_value(message: &DynamicMessage) -> serde_json::Value {
    node_to_value(message_node(message))
}

fn message_node(message: &DynamicMessage) -> Node {
    let descriptor = message.descriptor();
    let mut members = Vec::new();
    // Declaration order, as Mesos writes (`fields()` would go by field number).
    for field_proto in &descriptor.descriptor_proto().field {
        let Some(field) = descriptor.get_field_by_name(field_proto.name()) else {
            continue;
        };
        if let Some(node) = field_node(message, &field) {
            members.push((field.name().to_owned(), node));
        }
    }
    Node::Object(members)
}

/// The JSON of one field, or `None` when Mesos leaves the field out.
fn field_node(message: &DynamicMessage, field: &FieldDescriptor) -> Option<Node> {
    let kind = field.kind();
    if field.is_map() {
        let Value::Map(entries) = message.get_field(field).into_owned() else {
            return None;
        };
        if entries.is_empty() {
            return None;
        }
        let value_kind = kind.as_message()?.map_entry_value_field().kind();
        let mut members: Vec<(String, Node)> = entries
            .iter()
            .filter_map(|(key, value)| Some((map_key_string(key), value_node(&value_kind, value)?)))
            .collect();
        members.sort_by(|left, right| left.0.cmp(&right.0));
        return Some(Node::Object(members));
    }
    if field.is_list() {
        let value = message.get_field(field);
        let Value::List(items) = value.as_ref() else {
            return None;
        };
        if items.is_empty() {
            return None;
        }
        let elements = items
            .iter()
            .filter_map(|item| value_node(&kind, item))
            .collect();
        return Some(Node::Array(elements));
    }
    let explicit_default = field.field_descriptor_proto().default_value.is_some();
    let deprecated = field
        .field_descriptor_proto()
        .options
        .as_ref()
        .and_then(|options| options.deprecated)
        .unwrap_or(false);
    if message.has_field(field) || (explicit_default && !deprecated) {
        value_node(&kind, &message.get_field(field))
    } else {
        None
    }
}

/// The JSON of one value; `None` for enum numbers the descriptor does not know (protobuf
/// treats those as unknown fields, so Mesos never writes them).
fn value_node(kind: &Kind, value: &Value) -> Option<Node> {
    Some(match value {
        Value::Bool(boolean) => Node::Bool(*boolean),
        Value::I32(number) => Node::Number((*number).into()),
        Value::I64(number) => Node::Number((*number).into()),
        Value::U32(number) => Node::Number((*number).into()),
        Value::U64(number) => Node::Number((*number).into()),
        Value::F32(number) => float_node(f64::from(*number)),
        Value::F64(number) => float_node(*number),
        Value::String(text) => Node::String(text.clone()),
        Value::Bytes(bytes) => {
            Node::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        Value::EnumNumber(number) => {
            let name = kind.as_enum()?.get_value(*number)?.name().to_owned();
            Node::String(name)
        }
        Value::Message(message) => message_node(message),
        Value::List(items) => Node::Array(
            items
                .iter()
                .filter_map(|item| value_node(kind, item))
                .collect(),
        ),
        Value::Map(_) => return None,
    })
}

/// Doubles as JSON numbers. Infinities have no JSON number form; they are written as the
/// strings `"Infinity"` / `"-Infinity"`, which the parser (ours and Mesos's) reads back. NaN,
/// which no parser accepts, becomes `null` (unset).
fn float_node(number: f64) -> Node {
    if number.is_infinite() {
        let text = if number > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        return Node::String(text.to_owned());
    }
    serde_json::Number::from_f64(number).map_or(Node::Null, Node::Number)
}

fn map_key_string(key: &MapKey) -> String {
    match key {
        MapKey::Bool(boolean) => boolean.to_string(),
        MapKey::I32(number) => number.to_string(),
        MapKey::I64(number) => number.to_string(),
        MapKey::U32(number) => number.to_string(),
        MapKey::U64(number) => number.to_string(),
        MapKey::String(text) => text.clone(),
    }
}

fn node_to_value(node: Node) -> serde_json::Value {
    match node {
        Node::Null => serde_json::Value::Null,
        Node::Bool(boolean) => serde_json::Value::Bool(boolean),
        Node::Number(number) => serde_json::Value::Number(number),
        Node::String(text) => serde_json::Value::String(text),
        Node::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(node_to_value).collect())
        }
        Node::Object(members) => serde_json::Value::Object(
            members
                .into_iter()
                .map(|(key, value)| (key, node_to_value(value)))
                .collect(),
        ),
    }
}

fn write_node(node: &Node, out: &mut String) {
    match node {
        Node::Null => out.push_str("null"),
        Node::Bool(boolean) => out.push_str(if *boolean { "true" } else { "false" }),
        Node::Number(number) => out.push_str(&number.to_string()),
        Node::String(text) => write_string(text, out),
        Node::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_node(item, out);
            }
            out.push(']');
        }
        Node::Object(members) => {
            out.push('{');
            for (index, (key, value)) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_node(value, out);
            }
            out.push('}');
        }
    }
}

/// Writes a JSON string literal using only ASCII: other characters become `\uXXXX` escapes
/// (UTF-16 surrogate pairs above the Basic Multilingual Plane).
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            ' '..='~' => out.push(character),
            _ => {
                let mut units = [0u16; 2];
                for unit in character.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}
