//! The value of a resource (scalar, ranges or set) and the text syntax Mesos uses for values.

use std::fmt;

use crate::{Ranges, Scalar, Set, ranges::Range};

/// The kind of a value, spelled on the wire as Mesos's `Value.Type` enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueType {
    /// `SCALAR` (wire number 0).
    Scalar,
    /// `RANGES` (wire number 1).
    Ranges,
    /// `SET` (wire number 2).
    Set,
    /// `TEXT` (wire number 3): attributes only, never a resource.
    Text,
}

impl ValueType {
    /// The wire name: `SCALAR`, `RANGES`, `SET` or `TEXT`.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Scalar => "SCALAR",
            ValueType::Ranges => "RANGES",
            ValueType::Set => "SET",
            ValueType::Text => "TEXT",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn from_wire_name(name: &str) -> Option<ValueType> {
        match name {
            "SCALAR" => Some(ValueType::Scalar),
            "RANGES" => Some(ValueType::Ranges),
            "SET" => Some(ValueType::Set),
            "TEXT" => Some(ValueType::Text),
            _ => None,
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of a resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// A quantity such as `cpus:4`.
    Scalar(Scalar),
    /// Ranges such as `ports:[31000-32000]`.
    Ranges(Ranges),
    /// A set such as `bugs:{a,b,c}`.
    Set(Set),
}

impl Value {
    /// Which kind of value this is.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Scalar(_) => ValueType::Scalar,
            Value::Ranges(_) => ValueType::Ranges,
            Value::Set(_) => ValueType::Set,
        }
    }

    /// True for zero, no ranges or no items: such a resource is dropped from a `Resources`.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Scalar(scalar) => scalar.is_zero(),
            Value::Ranges(ranges) => ranges.is_empty(),
            Value::Set(set) => set.is_empty(),
        }
    }

    /// The quantity of the value: the scalar itself, the number of values in the ranges, or
    /// the number of items in the set.
    pub fn quantity(&self) -> Scalar {
        match self {
            Value::Scalar(scalar) => *scalar,
            Value::Ranges(ranges) => Scalar::from_units(ranges.count()),
            Value::Set(set) => Scalar::from_units(set.len() as u64),
        }
    }

    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<Scalar> {
        match self {
            Value::Scalar(scalar) => Some(*scalar),
            _ => None,
        }
    }

    /// The ranges, if this is a ranges value.
    pub fn as_ranges(&self) -> Option<&Ranges> {
        match self {
            Value::Ranges(ranges) => Some(ranges),
            _ => None,
        }
    }

    /// The set, if this is a set value.
    pub fn as_set(&self) -> Option<&Set> {
        match self {
            Value::Set(set) => Some(set),
            _ => None,
        }
    }

    /// True when both values have the same type and `self` holds all of `other`.
    pub fn contains(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Scalar(mine), Value::Scalar(theirs)) => mine >= theirs,
            (Value::Ranges(mine), Value::Ranges(theirs)) => mine.contains(theirs),
            (Value::Set(mine), Value::Set(theirs)) => mine.contains(theirs),
            _ => false,
        }
    }

    /// Adds `other` into `self`; values of another type are ignored.
    pub(crate) fn add(&mut self, other: &Value) {
        match (self, other) {
            (Value::Scalar(mine), Value::Scalar(theirs)) => *mine += *theirs,
            (Value::Ranges(mine), Value::Ranges(theirs)) => mine.union_with(theirs),
            (Value::Set(mine), Value::Set(theirs)) => mine.union_with(theirs),
            _ => {}
        }
    }

    /// Removes `other` from `self`, saturating at empty; values of another type are ignored.
    pub(crate) fn subtract(&mut self, other: &Value) {
        match (self, other) {
            (Value::Scalar(mine), Value::Scalar(theirs)) => *mine -= *theirs,
            (Value::Ranges(mine), Value::Ranges(theirs)) => mine.subtract(theirs),
            (Value::Set(mine), Value::Set(theirs)) => mine.subtract(theirs),
            _ => {}
        }
    }
}

impl From<Scalar> for Value {
    fn from(scalar: Scalar) -> Value {
        Value::Scalar(scalar)
    }
}

impl From<Ranges> for Value {
    fn from(ranges: Ranges) -> Value {
        Value::Ranges(ranges)
    }
}

impl From<Set> for Value {
    fn from(set: Set) -> Value {
        Value::Set(set)
    }
}

impl fmt::Display for Value {
    /// Mesos's form: `4`, `[1-2, 4-5]`, `{a, b}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Scalar(scalar) => scalar.fmt(f),
            Value::Ranges(ranges) => ranges.fmt(f),
            Value::Set(set) => set.fmt(f),
        }
    }
}

/// Why a value's text does not parse (the text after `name:` in `--resources` or
/// `--attributes`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueSyntaxError {
    /// Nothing but whitespace.
    #[error("expecting a non-empty value")]
    Empty,
    /// `{`, `[` or `(` without its partner.
    #[error("mismatched brackets")]
    MismatchedBrackets,
    /// A `[` or `{` that does not open the value, or text after the closing bracket.
    #[error("unexpected '{0}' in the value; ranges look like [1-10,20-30] and sets like {{a,b}}")]
    Unexpected(char),
    /// A range that is not two non-negative integers joined by `-`.
    #[error("expecting a range of non-negative integers like 31000-32000, found '{0}'")]
    BadRange(String),
    /// A number Mesos refuses outright.
    #[error("subnormal values are not supported")]
    Subnormal,
}

/// A value as written in text, before it is checked against what the caller accepts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TextValue {
    /// A finite, non-negative, normal number (as parsed, not yet rounded).
    Scalar(f64),
    /// Ranges, possibly inverted (checked later).
    Ranges(Vec<Range>),
    /// Set items in the order written, possibly with duplicates (checked later).
    Set(Vec<String>),
    /// Anything else, including negative numbers, `nan` and `inf`, as Mesos does.
    Text(String),
}

/// Parses a value the way Mesos's `values::parse` does: spaces anywhere are ignored, a
/// leading `[` means ranges, a leading `{` a set, a number a scalar, anything else text.
pub(crate) fn parse_text_value(text: &str) -> Result<TextValue, ValueSyntaxError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(ValueSyntaxError::Empty);
    }
    if !brackets_match(&compact) {
        return Err(ValueSyntaxError::MismatchedBrackets);
    }
    if let Some(inner) = compact.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or(ValueSyntaxError::Unexpected(']'))?;
        if inner.contains(['[', ']']) {
            return Err(ValueSyntaxError::Unexpected('['));
        }
        return inner
            .split(',')
            .filter(|token| !token.is_empty())
            .map(parse_range)
            .collect::<Result<Vec<_>, _>>()
            .map(TextValue::Ranges);
    }
    if compact.contains('[') {
        return Err(ValueSyntaxError::Unexpected('['));
    }
    if let Some(inner) = compact.strip_prefix('{') {
        let inner = inner
            .strip_suffix('}')
            .ok_or(ValueSyntaxError::Unexpected('}'))?;
        if inner.contains(['{', '}']) {
            return Err(ValueSyntaxError::Unexpected('{'));
        }
        let items = inner
            .split(',')
            .filter(|item| !item.is_empty())
            .map(str::to_string);
        return Ok(TextValue::Set(items.collect()));
    }
    if compact.contains('{') {
        return Err(ValueSyntaxError::Unexpected('{'));
    }
    match parse_number(&compact) {
        Some(number) if number.is_subnormal() => Err(ValueSyntaxError::Subnormal),
        Some(number) if number.is_finite() && number >= 0.0 => Ok(TextValue::Scalar(number)),
        _ => Ok(TextValue::Text(compact)),
    }
}

fn parse_range(token: &str) -> Result<Range, ValueSyntaxError> {
    let bad = || ValueSyntaxError::BadRange(token.to_string());
    let (begin, end) = token.split_once('-').ok_or_else(bad)?;
    let begin = parse_unsigned(begin).ok_or_else(bad)?;
    let end = parse_unsigned(end).ok_or_else(bad)?;
    Ok(Range::new(begin, end))
}

fn parse_unsigned(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A decimal number (`45.55`, `1e3`, `-2`); `None` for anything else, including `inf`/`nan`.
fn parse_number(text: &str) -> Option<f64> {
    let plausible = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !plausible || !text.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn brackets_match(text: &str) -> bool {
    [('{', '}'), ('[', ']'), ('(', ')')]
        .iter()
        .all(|&(open, close)| {
            let mut depth: i64 = 0;
            for c in text.chars() {
                if c == open {
                    depth += 1;
                } else if c == close {
                    depth -= 1;
                    if depth < 0 {
                        return false;
                    }
                }
            }
            depth == 0
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_values() {
        let cases: &[(&str, TextValue)] = &[
            ("45.55", TextValue::Scalar(45.55)),
            (" 4 ", TextValue::Scalar(4.0)),
            ("1e3", TextValue::Scalar(1000.0)),
            (
                "[10000-20000, 30000-50000]",
                TextValue::Ranges(vec![Range::new(10000, 20000), Range::new(30000, 50000)]),
            ),
            ("[]", TextValue::Ranges(vec![])),
            (
                "[1-2,,3-4]",
                TextValue::Ranges(vec![Range::new(1, 2), Range::new(3, 4)]),
            ),
            ("[5-3]", TextValue::Ranges(vec![Range::new(5, 3)])),
            (
                "{sda1, sda2}",
                TextValue::Set(vec!["sda1".into(), "sda2".into()]),
            ),
            ("{}", TextValue::Set(vec![])),
            ("{a,a}", TextValue::Set(vec!["a".into(), "a".into()])),
            ("123abc,s", TextValue::Text("123abc,s".into())),
            ("inf", TextValue::Text("inf".into())),
            ("-inf", TextValue::Text("-inf".into())),
            ("infinity", TextValue::Text("infinity".into())),
            ("nan", TextValue::Text("nan".into())),
            ("-nan", TextValue::Text("-nan".into())),
            ("-1", TextValue::Text("-1".into())),
            ("a b", TextValue::Text("ab".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_text_value(text).as_ref(), Ok(expected), "{text:?}");
        }
    }

    #[test]
    fn invalid_values() {
        let cases: &[(&str, ValueSyntaxError)] = &[
            ("{aa,b}}", ValueSyntaxError::MismatchedBrackets),
            ("[1-2]]", ValueSyntaxError::MismatchedBrackets),
            ("[1-2b]", ValueSyntaxError::BadRange("1-2b".into())),
            ("[1-2-3]", ValueSyntaxError::BadRange("1-2-3".into())),
            ("[-5]", ValueSyntaxError::BadRange("-5".into())),
            ("  ", ValueSyntaxError::Empty),
            ("7.63918e-313", ValueSyntaxError::Subnormal),
            ("a[1-2]", ValueSyntaxError::Unexpected('[')),
            ("[1-2]x", ValueSyntaxError::Unexpected(']')),
            ("[[1-2]]", ValueSyntaxError::Unexpected('[')),
            ("x{a}", ValueSyntaxError::Unexpected('{')),
            ("{a}b", ValueSyntaxError::Unexpected('}')),
            (
                "[99999999999999999999-1]",
                ValueSyntaxError::BadRange("99999999999999999999-1".into()),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_text_value(text).as_ref(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn value_helpers() {
        let ports = Value::Ranges(Ranges::single(1, 5).expect("valid"));
        assert_eq!(ports.quantity(), Scalar::from_units(5));
        assert_eq!(ports.to_string(), "[1-5]");
        assert!(!ports.contains(&Value::Scalar(Scalar::ZERO)));
        assert_eq!(ValueType::from_wire_name("RANGES"), Some(ValueType::Ranges));
        assert_eq!(ValueType::from_wire_name("FLOATINGPOINT"), None);
    }
}
