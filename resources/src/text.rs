//! The agent's `--resources` syntax (`cpus:4;mem:1024;ports:[31000-32000];disk(role):10`):
//! parsing it (or its JSON form) into validated `Resources`, and writing resources back in it.

use crate::{
    InvalidResource, ParseError, Ranges, ReservationInfo, Resource, Resources, Role, Set, Value,
    json::parse_json,
    raw::resource_scalar,
    validation::validate_command_line,
    value::{TextValue, parse_text_value},
};

impl Resources {
    /// Parses the agent's `--resources`: a JSON array of Resource objects when the text starts
    /// with `[`, else the `name(role):value;...` form. Resources without a role get
    /// `default_role` (`*` for unreserved). Every resource is validated, and the command-line
    /// rules apply: no persistent volumes, revocable resources or dynamic reservations, and
    /// one type per name. Zero amounts are dropped.
    pub fn parse(text: &str, default_role: &Role) -> Result<Resources, ParseError> {
        let resources = if text.trim_start().starts_with('[') {
            parse_json(text, default_role)?
        } else {
            parse_text(text, default_role)?
        };
        validate_command_line(&resources)?;
        let mut result = Resources::new();
        for resource in resources {
            result
                .try_add_resource(resource)
                .map_err(|error| ParseError::Invalid {
                    resource: error.resource,
                    error: error.error,
                })?;
        }
        Ok(result)
    }

    /// Parses with the default role `*`; see [`Resources::parse`].
    pub fn parse_unreserved(text: &str) -> Result<Resources, ParseError> {
        Resources::parse(text, &Role::star())
    }

    /// Writes the resources in the `--resources` text form (`cpus:4;disk(role):10`), which
    /// parses back to equal resources. `None` when some resource cannot be written that way:
    /// allocated, revocable, shared, provider-owned or disk resources, dynamic or refined
    /// reservations, or names and set items that the syntax cannot carry.
    pub fn to_text(&self) -> Option<String> {
        let mut parts = Vec::with_capacity(self.len());
        for resource in self.iter() {
            let plain = resource.allocation_role().is_none()
                && resource.disk().is_none()
                && !resource.is_revocable()
                && !resource.is_shared()
                && resource.provider_id().is_none();
            let role = match resource.reservations() {
                [] => None,
                [single] if single.kind == crate::ReservationType::Static => Some(&single.role),
                _ => return None,
            };
            if !plain || !writable(resource.name()) {
                return None;
            }
            if let Value::Set(set) = resource.value()
                && !set
                    .iter()
                    .all(|item| writable(item) && !item.contains([',', '{', '}']))
            {
                return None;
            }
            match role {
                None => parts.push(format!("{}:{}", resource.name(), resource.value())),
                Some(role) => {
                    parts.push(format!("{}({role}):{}", resource.name(), resource.value()))
                }
            }
        }
        Some(parts.join(";"))
    }
}

/// Text that survives the syntax: not empty, no separators, no whitespace.
fn writable(text: &str) -> bool {
    !text.is_empty()
        && !text.contains([';', ':', '(', ')', '[', ']', '{', '}'])
        && !text.chars().any(|c| c.is_whitespace())
}

/// Parses `name(role):value;...` into resources, each checked for value syntax and role
/// validity but not yet validated as a whole (see [`Resources::parse`]).
pub fn parse_text(text: &str, default_role: &Role) -> Result<Vec<Resource>, ParseError> {
    let mut resources = Vec::new();
    for item in text.split(';').filter(|item| !item.trim().is_empty()) {
        let parts: Vec<&str> = item.split(':').filter(|part| !part.is_empty()).collect();
        let [key, value] = parts[..] else {
            return Err(ParseError::Colon(item.to_string()));
        };
        let (name, role) = match key.find('(') {
            None => (key.trim(), None),
            Some(open) => {
                let close = key.find(')').filter(|&close| close > open);
                let Some(close) = close else {
                    return Err(ParseError::Parentheses(item.to_string()));
                };
                if !key[close + 1..].trim().is_empty() || key[open + 1..close].contains('(') {
                    return Err(ParseError::Parentheses(item.to_string()));
                }
                (key[..open].trim(), Some(key[open + 1..close].trim()))
            }
        };
        let role = match role {
            None => default_role.clone(),
            Some(role) => Role::new(role).map_err(|error| ParseError::Role {
                item: item.to_string(),
                error,
            })?,
        };
        resources.push(parse_resource(name, value, role)?);
    }
    Ok(resources)
}

/// One `name:value` with its role, as Mesos's `Resources::parse(name, value, role)`.
fn parse_resource(name: &str, text: &str, role: Role) -> Result<Resource, ParseError> {
    let parsed = parse_text_value(text).map_err(|error| ParseError::Value {
        name: name.to_string(),
        value: text.to_string(),
        error,
    })?;
    let invalid = |error: InvalidResource| ParseError::Invalid {
        resource: format!("{name}:{}", text.trim()),
        error,
    };
    let value = match parsed {
        TextValue::Scalar(number) => Value::Scalar(resource_scalar(number).map_err(invalid)?),
        TextValue::Ranges(ranges) => Value::Ranges(
            Ranges::from_coalescing(ranges)
                .map_err(|error| invalid(InvalidResource::Ranges(error)))?,
        ),
        TextValue::Set(items) => Value::Set(
            Set::from_distinct(items).map_err(|error| invalid(InvalidResource::Set(error)))?,
        ),
        TextValue::Text(_) => {
            return Err(ParseError::TextValue {
                name: name.to_string(),
                value: text.to_string(),
            });
        }
    };
    let resource = Resource::new(name, value);
    Ok(if role.is_star() {
        resource
    } else {
        resource.reserved(ReservationInfo::static_for(role))
    })
}
