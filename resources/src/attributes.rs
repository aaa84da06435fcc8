//! Agent attributes (`--attributes=rack:abc;zone:west;level:3;range:[1-5]`): names with a
//! scalar, ranges or text value, used by offer constraints and shown in `/state`.

use std::fmt;

use crate::{
    Ranges, Scalar, ValueSyntaxError,
    value::{TextValue, parse_text_value},
};

/// An attribute's value. Sets are not allowed in attributes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AttributeValue {
    /// A number, rounded to three decimals like resource scalars.
    Scalar(Scalar),
    /// Ranges.
    Ranges(Ranges),
    /// Anything else, spaces removed (as Mesos does).
    Text(String),
}

impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeValue::Scalar(scalar) => scalar.fmt(f),
            AttributeValue::Ranges(ranges) => ranges.fmt(f),
            AttributeValue::Text(text) => f.write_str(text),
        }
    }
}

/// One `name:value` attribute.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    /// The name.
    pub name: String,
    /// The value.
    pub value: AttributeValue,
}

/// Why `--attributes` text did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    /// An item that is not `name:value` with both parts non-empty.
    #[error("Invalid attribute key:value pair '{0}'")]
    Pair(String),
    /// A value that is not valid syntax.
    #[error("Failed to parse attribute {name} text {text} error {error}")]
    Value {
        /// The attribute name.
        name: String,
        /// The value text.
        text: String,
        /// What is wrong with it.
        error: ValueSyntaxError,
    },
    /// A set value (`{a,b}`), which attributes do not support.
    #[error("Bad type for attribute {0}: sets are not supported for attributes")]
    Set(String),
    /// Inverted ranges.
    #[error("Bad ranges for attribute {name}: {error}")]
    Ranges {
        /// The attribute name.
        name: String,
        /// What is wrong with them.
        error: crate::RangesError,
    },
}

/// An agent's attributes in the order given; equality ignores order.
#[derive(Clone, Debug, Default, Eq)]
pub struct Attributes(pub Vec<Attribute>);

impl PartialEq for Attributes {
    fn eq(&self, other: &Attributes) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().all(|attribute| other.0.contains(attribute))
            && other.0.iter().all(|attribute| self.0.contains(attribute))
    }
}

impl Attributes {
    /// Parses `name:value` items separated by `;` or newlines. Only the first `:` separates
    /// (`attr:foo:bar` is the text `foo:bar`); numbers become scalars, `[..]` ranges, and
    /// anything else text.
    pub fn parse(text: &str) -> Result<Attributes, AttributeError> {
        let mut attributes = Vec::new();
        for item in text
            .split([';', '\n'])
            .filter(|item| !item.trim().is_empty())
        {
            let Some((name, value)) = item.split_once(':') else {
                return Err(AttributeError::Pair(item.to_string()));
            };
            let name = name.trim();
            if name.is_empty() || value.trim().is_empty() {
                return Err(AttributeError::Pair(item.to_string()));
            }
            let parsed = parse_text_value(value).map_err(|error| AttributeError::Value {
                name: name.to_string(),
                text: value.to_string(),
                error,
            })?;
            let value = match parsed {
                TextValue::Scalar(number) => match Scalar::from_f64(number) {
                    Ok(scalar) => AttributeValue::Scalar(scalar),
                    Err(_) => AttributeValue::Text(value.trim().to_string()),
                },
                TextValue::Ranges(ranges) => {
                    AttributeValue::Ranges(Ranges::from_coalescing(ranges).map_err(|error| {
                        AttributeError::Ranges {
                            name: name.to_string(),
                            error,
                        }
                    })?)
                }
                TextValue::Set(_) => return Err(AttributeError::Set(name.to_string())),
                TextValue::Text(text) => AttributeValue::Text(text),
            };
            attributes.push(Attribute {
                name: name.to_string(),
                value,
            });
        }
        Ok(Attributes(attributes))
    }

    /// The first attribute named `name`.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.0.iter().find(|attribute| attribute.name == name)
    }
}

impl fmt::Display for Attributes {
    /// The `--attributes` form: `rack:abc;level:3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, attribute) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(";")?;
            }
            write!(f, "{}:{}", attribute.name, attribute.value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> AttributeValue {
        AttributeValue::Text(value.to_string())
    }

    #[test]
    fn parses_like_mesos() {
        let attributes =
            Attributes::parse("cpus:45.55;ports:[10000-20000, 30000-50000];rack:rack1,rack2")
                .expect("valid");
        assert_eq!(attributes.0.len(), 3);
        assert_eq!(
            attributes.0[0].value,
            AttributeValue::Scalar(Scalar::from_f64(45.55).expect("valid"))
        );
        assert_eq!(
            attributes.0[1].value.to_string(),
            "[10000-20000, 30000-50000]"
        );
        assert_eq!(attributes.0[2].value, text("rack1,rack2"));
        let colons = Attributes::parse("attr1:foo:bar;attr2:baz:qux:").expect("valid");
        assert_eq!(colons.0[0].value, text("foo:bar"));
        assert_eq!(colons.0[1].value, text("baz:qux:"));
        let mixed = Attributes::parse("rack:abc;zone:west;level:3;range:[1-5]").expect("valid");
        assert_eq!(
            mixed.get("level").map(|a| &a.value),
            Some(&AttributeValue::Scalar(Scalar::from_units(3)))
        );
        assert_eq!(mixed.to_string(), "rack:abc;zone:west;level:3;range:[1-5]");
    }

    #[test]
    fn equality_ignores_order() {
        let parse = |text: &str| Attributes::parse(text).expect("valid");
        assert_eq!(
            parse("rack:rack1;dedicated:customer1;dedicated:customer2"),
            parse("dedicated:customer2;dedicated:customer1;rack:rack1")
        );
        assert_eq!(parse(""), parse(""));
        assert_ne!(parse("cpus:45.55;rack:r"), parse(""));
        assert_ne!(
            parse("cpus:45.55;ports:[1-2]"),
            parse("cpus:45.55;ports:45.55")
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            Attributes::parse("rack"),
            Err(AttributeError::Pair("rack".into()))
        );
        assert_eq!(
            Attributes::parse(":x"),
            Err(AttributeError::Pair(":x".into()))
        );
        assert_eq!(
            Attributes::parse("disks:{a,b}"),
            Err(AttributeError::Set("disks".into()))
        );
        assert!(matches!(
            Attributes::parse("r:[1-2]]"),
            Err(AttributeError::Value { .. })
        ));
        assert!(matches!(
            Attributes::parse("r:[5-1]"),
            Err(AttributeError::Ranges { .. })
        ));
    }
}
