//! Resources as Mesos's HTTP endpoints summarise them (`/state`, `/metrics`-style objects):
//! `{"cpus":4.0,"disk":0.0,"gpus":0.0,"mem":1024.0,"ports":"[31000-32000]"}`.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::{Ranges, ResourceLimits, ResourceQuantities, Resources, Scalar, Set, Value};

/// Mesos's `json(Resources)`: `cpus`, `gpus`, `mem` and `disk` always present; every scalar
/// summed by name as a JSON double; ranges and sets merged by name and written as strings
/// (`"[31000-32000]"`, `"{a, b}"`); revocable resources under `<name>_revocable`. Keys are
/// sorted.
pub fn state_json(resources: &Resources) -> Json {
    let mut scalars: BTreeMap<String, Scalar> = ["cpus", "gpus", "mem", "disk"]
        .into_iter()
        .map(|name| (name.to_string(), Scalar::ZERO))
        .collect();
    let mut ranges: BTreeMap<String, Ranges> = BTreeMap::new();
    let mut sets: BTreeMap<String, Set> = BTreeMap::new();
    for resource in resources {
        let name = if resource.is_revocable() {
            format!("{}_revocable", resource.name())
        } else {
            resource.name().to_string()
        };
        match resource.value() {
            Value::Scalar(scalar) => *scalars.entry(name).or_default() += *scalar,
            Value::Ranges(value) => ranges.entry(name).or_default().union_with(value),
            Value::Set(value) => sets.entry(name).or_default().union_with(value),
        }
    }
    let mut object = Map::new();
    for (name, scalar) in scalars {
        object.insert(name, Json::from(scalar.as_f64()));
    }
    for (name, value) in ranges {
        object.insert(name, Json::from(value.to_string()));
    }
    for (name, value) in sets {
        object.insert(name, Json::from(value.to_string()));
    }
    Json::Object(object)
}

/// Mesos's `json(ResourceQuantities)`: `{"cpus":1.5,"mem":1024.0}`.
pub fn quantities_json(quantities: &ResourceQuantities) -> Json {
    Json::Object(
        quantities
            .iter()
            .map(|(name, amount)| (name.to_string(), Json::from(amount.as_f64())))
            .collect(),
    )
}

/// Mesos's `json(ResourceLimits)`: `{"cpus":1.5,"mem":0.0}`.
pub fn limits_json(limits: &ResourceLimits) -> Json {
    Json::Object(
        limits
            .iter()
            .map(|(name, limit)| (name.to_string(), Json::from(limit.as_f64())))
            .collect(),
    )
}
