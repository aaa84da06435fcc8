//! The JSON form of resources: an array of Mesos `Resource` objects, read as Mesos's JSON
//! mapping reads protobufs (unknown keys ignored, `null` as unset, 64-bit integers as numbers
//! or numeric strings) and written in the same shape.

use serde_json::{Map, Value as Json, json};

use crate::{
    DiskInfo, DiskSource, DiskSourceType, Label, Labels, ParseError, Persistence, Range,
    ReservationType, Resource, ResourceFormat, Resources, Role, SourceRoot, ValueType, Volume,
    VolumeMode,
    raw::{RawReservation, RawResource},
};

type Object = Map<String, Json>;

/// Parses a JSON array of Resource objects into resources (not combined, but each valid).
/// Resources with neither `role` nor `reservations` get `default_role`.
pub fn parse_json(text: &str, default_role: &Role) -> Result<Vec<Resource>, ParseError> {
    let json: Json =
        serde_json::from_str(text).map_err(|error| ParseError::Json(error.to_string()))?;
    let Json::Array(items) = json else {
        return Err(ParseError::Json(
            "expecting a JSON array of Resource objects".into(),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let raw = raw_resource(item).map_err(|error| {
                ParseError::Json(format!("resource {index} (counting from 0): {error}"))
            })?;
            let shown = item.to_string();
            raw.into_resource(default_role)
                .map_err(|error| ParseError::Invalid {
                    resource: shown,
                    error,
                })
        })
        .collect()
}

/// Writes resources as a JSON array of Resource objects in `format` (shared resources once,
/// whatever their count, as Mesos does). Fails only for refined reservations in
/// [`ResourceFormat::PreRefinement`].
pub fn to_json(
    resources: &Resources,
    format: ResourceFormat,
) -> Result<Json, crate::InvalidResource> {
    resources
        .iter()
        .map(|resource| RawResource::from_resource(resource, format).map(|raw| raw_to_json(&raw)))
        .collect::<Result<Vec<_>, _>>()
        .map(Json::Array)
}

/// Writes one resource as a JSON Resource object in `format`.
pub fn resource_to_json(
    resource: &Resource,
    format: ResourceFormat,
) -> Result<Json, crate::InvalidResource> {
    RawResource::from_resource(resource, format).map(|raw| raw_to_json(&raw))
}

fn as_object<'a>(value: &'a Json, field: &str) -> Result<Option<&'a Object>, String> {
    match value {
        Json::Null => Ok(None),
        Json::Object(object) => Ok(Some(object)),
        _ => Err(format!("expecting a JSON object for field '{field}'")),
    }
}

fn field<'a>(object: &'a Object, name: &str) -> Option<&'a Json> {
    object.get(name).filter(|value| !value.is_null())
}

fn string(object: &Object, name: &str) -> Result<Option<String>, String> {
    match field(object, name) {
        None => Ok(None),
        Some(Json::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(format!("expecting a JSON string for field '{name}'")),
    }
}

fn required_string(object: &Object, name: &str) -> Result<String, String> {
    string(object, name)?.ok_or_else(|| format!("Missing required fields: {name}"))
}

fn unsigned(object: &Object, name: &str) -> Result<u64, String> {
    match field(object, name) {
        None => Err(format!("Missing required fields: {name}")),
        Some(Json::Number(number)) => number
            .as_u64()
            .ok_or_else(|| format!("expecting a non-negative integer for field '{name}'")),
        Some(Json::String(text)) => text
            .parse()
            .map_err(|_| format!("expecting a non-negative integer for field '{name}'")),
        Some(_) => Err(format!("expecting a JSON number for field '{name}'")),
    }
}

fn double(object: &Object, name: &str) -> Result<f64, String> {
    match field(object, name) {
        None => Err(format!("Missing required fields: {name}")),
        Some(Json::Number(number)) => number
            .as_f64()
            .ok_or_else(|| format!("expecting a number for field '{name}'")),
        Some(Json::String(text)) => match text.as_str() {
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            "NaN" => Ok(f64::NAN),
            _ => text
                .parse()
                .map_err(|_| format!("expecting a number for field '{name}'")),
        },
        Some(_) => Err(format!("expecting a JSON number for field '{name}'")),
    }
}

fn array<'a>(object: &'a Object, name: &str) -> Result<&'a [Json], String> {
    match field(object, name) {
        None => Ok(&[]),
        Some(Json::Array(items)) => Ok(items),
        Some(_) => Err(format!("expecting a JSON array for field '{name}'")),
    }
}

fn enum_name(object: &Object, name: &str) -> Result<Option<String>, String> {
    match field(object, name) {
        None => Ok(None),
        Some(Json::String(text)) => Ok(Some(text.clone())),
        Some(Json::Number(number)) => Ok(number.as_u64().map(|n| n.to_string())),
        Some(_) => Err(format!("expecting an enum name for field '{name}'")),
    }
}

fn raw_resource(item: &Json) -> Result<RawResource, String> {
    let Json::Object(object) = item else {
        return Err("expecting a JSON object".into());
    };
    let name = required_string(object, "name")?;
    let value_type = match enum_name(object, "type")?.as_deref() {
        None => return Err("Missing required fields: type".into()),
        Some("SCALAR" | "0") => ValueType::Scalar,
        Some("RANGES" | "1") => ValueType::Ranges,
        Some("SET" | "2") => ValueType::Set,
        Some("TEXT" | "3") => ValueType::Text,
        Some(other) => return Err(format!("Failed to find enum for '{other}'")),
    };
    let scalar = match field(object, "scalar") {
        None => None,
        Some(value) => as_object(value, "scalar")?
            .map(|scalar| double(scalar, "value"))
            .transpose()?,
    };
    let ranges = match field(object, "ranges") {
        None => None,
        Some(value) => match as_object(value, "ranges")? {
            None => None,
            Some(ranges) => Some(
                array(ranges, "range")?
                    .iter()
                    .map(|range| {
                        let range = as_object(range, "range")?.ok_or("expecting a range object")?;
                        Ok(Range::new(
                            unsigned(range, "begin")?,
                            unsigned(range, "end")?,
                        ))
                    })
                    .collect::<Result<Vec<_>, String>>()?,
            ),
        },
    };
    let set = match field(object, "set") {
        None => None,
        Some(value) => match as_object(value, "set")? {
            None => None,
            Some(set) => Some(
                array(set, "item")?
                    .iter()
                    .map(|item| match item {
                        Json::String(text) => Ok(text.clone()),
                        _ => Err("expecting a JSON string for field 'item'".to_string()),
                    })
                    .collect::<Result<Vec<_>, String>>()?,
            ),
        },
    };
    let reservation = match field(object, "reservation") {
        None => None,
        Some(value) => as_object(value, "reservation")?
            .map(raw_reservation)
            .transpose()?,
    };
    let reservations = array(object, "reservations")?
        .iter()
        .map(|value| {
            as_object(value, "reservations")?.map_or(Ok(RawReservation::default()), raw_reservation)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let allocation_role = match field(object, "allocation_info") {
        None => None,
        Some(value) => as_object(value, "allocation_info")?
            .map(|info| string(info, "role"))
            .transpose()?
            .flatten(),
    };
    let disk = match field(object, "disk") {
        None => None,
        Some(value) => as_object(value, "disk")?.map(disk_info).transpose()?,
    };
    let provider_id = match field(object, "provider_id") {
        None => None,
        Some(value) => as_object(value, "provider_id")?
            .map(|id| required_string(id, "value"))
            .transpose()?,
    };
    Ok(RawResource {
        name,
        value_type: Some(value_type),
        scalar,
        ranges,
        set,
        role: string(object, "role")?,
        reservation,
        reservations,
        allocation_role,
        disk,
        revocable: field(object, "revocable")
            .map(|v| as_object(v, "revocable"))
            .transpose()?
            .flatten()
            .is_some(),
        shared: field(object, "shared")
            .map(|v| as_object(v, "shared"))
            .transpose()?
            .flatten()
            .is_some(),
        provider_id,
    })
}

fn raw_reservation(object: &Object) -> Result<RawReservation, String> {
    let kind = match enum_name(object, "type")?.as_deref() {
        Some("STATIC" | "1") => Some(ReservationType::Static),
        Some("DYNAMIC" | "2") => Some(ReservationType::Dynamic),
        // proto2 drops unknown values of optional enums, leaving the field unset.
        _ => None,
    };
    Ok(RawReservation {
        kind,
        role: string(object, "role")?,
        principal: string(object, "principal")?,
        labels: labels_field(object, "labels")?,
    })
}

fn labels_field(object: &Object, name: &str) -> Result<Option<Labels>, String> {
    let Some(value) = field(object, name) else {
        return Ok(None);
    };
    let Some(labels) = as_object(value, name)? else {
        return Ok(None);
    };
    let labels = array(labels, "labels")?
        .iter()
        .map(|label| {
            let label = as_object(label, "labels")?.ok_or("expecting a label object")?;
            Ok(Label {
                key: required_string(label, "key")?,
                value: string(label, "value")?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Some(Labels(labels)))
}

fn disk_info(object: &Object) -> Result<DiskInfo, String> {
    let persistence = match field(object, "persistence") {
        None => None,
        Some(value) => as_object(value, "persistence")?
            .map(|p| -> Result<Persistence, String> {
                Ok(Persistence {
                    id: required_string(p, "id")?,
                    principal: string(p, "principal")?,
                })
            })
            .transpose()?,
    };
    let volume = match field(object, "volume") {
        None => None,
        Some(value) => as_object(value, "volume")?.map(volume).transpose()?,
    };
    let source = match field(object, "source") {
        None => None,
        Some(value) => as_object(value, "source")?.map(disk_source).transpose()?,
    };
    Ok(DiskInfo {
        persistence,
        volume,
        source,
    })
}

fn volume(object: &Object) -> Result<Volume, String> {
    let mode = match enum_name(object, "mode")?.as_deref() {
        Some("RW" | "1") => VolumeMode::ReadWrite,
        Some("RO" | "2") => VolumeMode::ReadOnly,
        None => return Err("Missing required fields: mode".into()),
        Some(other) => return Err(format!("Failed to find enum for '{other}'")),
    };
    Ok(Volume {
        container_path: required_string(object, "container_path")?,
        host_path: string(object, "host_path")?,
        mode,
    })
}

fn root(object: &Object, name: &str) -> Result<Option<SourceRoot>, String> {
    match field(object, name) {
        None => Ok(None),
        Some(value) => as_object(value, name)?
            .map(|root| {
                Ok(SourceRoot {
                    root: string(root, "root")?,
                })
            })
            .transpose(),
    }
}

fn disk_source(object: &Object) -> Result<DiskSource, String> {
    let kind = match enum_name(object, "type")?.as_deref() {
        Some("PATH" | "1") => DiskSourceType::Path,
        Some("MOUNT" | "2") => DiskSourceType::Mount,
        Some("BLOCK" | "3") => DiskSourceType::Block,
        Some("RAW" | "4") => DiskSourceType::Raw,
        None => return Err("Missing required fields: type".into()),
        Some(other) => return Err(format!("Unsupported 'DiskInfo.Source.Type' '{other}'")),
    };
    Ok(DiskSource {
        kind,
        path: root(object, "path")?,
        mount: root(object, "mount")?,
        vendor: string(object, "vendor")?,
        id: string(object, "id")?,
        metadata: labels_field(object, "metadata")?,
        profile: string(object, "profile")?,
    })
}

fn labels_json(labels: &Labels) -> Json {
    let labels: Vec<Json> = labels
        .0
        .iter()
        .map(|label| {
            let mut object = Object::new();
            object.insert("key".into(), json!(label.key));
            if let Some(value) = &label.value {
                object.insert("value".into(), json!(value));
            }
            Json::Object(object)
        })
        .collect();
    json!({ "labels": labels })
}

fn reservation_json(reservation: &RawReservation) -> Json {
    let mut object = Object::new();
    if let Some(kind) = reservation.kind {
        object.insert("type".into(), json!(kind.as_str()));
    }
    if let Some(role) = &reservation.role {
        object.insert("role".into(), json!(role));
    }
    if let Some(principal) = &reservation.principal {
        object.insert("principal".into(), json!(principal));
    }
    if let Some(labels) = &reservation.labels {
        object.insert("labels".into(), labels_json(labels));
    }
    Json::Object(object)
}

fn root_json(root: &SourceRoot) -> Json {
    match &root.root {
        Some(path) => json!({ "root": path }),
        None => json!({}),
    }
}

fn disk_json(disk: &DiskInfo) -> Json {
    let mut object = Object::new();
    if let Some(persistence) = &disk.persistence {
        let mut p = Object::new();
        p.insert("id".into(), json!(persistence.id));
        if let Some(principal) = &persistence.principal {
            p.insert("principal".into(), json!(principal));
        }
        object.insert("persistence".into(), Json::Object(p));
    }
    if let Some(volume) = &disk.volume {
        let mut v = Object::new();
        v.insert("container_path".into(), json!(volume.container_path));
        if let Some(host_path) = &volume.host_path {
            v.insert("host_path".into(), json!(host_path));
        }
        v.insert("mode".into(), json!(volume.mode.as_str()));
        object.insert("volume".into(), Json::Object(v));
    }
    if let Some(source) = &disk.source {
        let mut s = Object::new();
        s.insert("type".into(), json!(source.kind.as_str()));
        if let Some(path) = &source.path {
            s.insert("path".into(), root_json(path));
        }
        if let Some(mount) = &source.mount {
            s.insert("mount".into(), root_json(mount));
        }
        for (key, value) in [
            ("vendor", &source.vendor),
            ("id", &source.id),
            ("profile", &source.profile),
        ] {
            if let Some(value) = value {
                s.insert(key.into(), json!(value));
            }
        }
        if let Some(metadata) = &source.metadata {
            s.insert("metadata".into(), labels_json(metadata));
        }
        object.insert("source".into(), Json::Object(s));
    }
    Json::Object(object)
}

fn raw_to_json(raw: &RawResource) -> Json {
    let mut object = Object::new();
    if let Some(provider_id) = &raw.provider_id {
        object.insert("provider_id".into(), json!({ "value": provider_id }));
    }
    object.insert("name".into(), json!(raw.name));
    if let Some(value_type) = raw.value_type {
        object.insert("type".into(), json!(value_type.as_str()));
    }
    if let Some(scalar) = raw.scalar {
        object.insert("scalar".into(), json!({ "value": scalar }));
    }
    if let Some(ranges) = &raw.ranges {
        let ranges: Vec<Json> = ranges
            .iter()
            .map(|range| json!({ "begin": range.begin, "end": range.end }))
            .collect();
        object.insert("ranges".into(), json!({ "range": ranges }));
    }
    if let Some(items) = &raw.set {
        object.insert("set".into(), json!({ "item": items }));
    }
    if let Some(role) = &raw.role {
        object.insert("role".into(), json!(role));
    }
    if let Some(role) = &raw.allocation_role {
        object.insert("allocation_info".into(), json!({ "role": role }));
    }
    if let Some(reservation) = &raw.reservation {
        object.insert("reservation".into(), reservation_json(reservation));
    }
    if !raw.reservations.is_empty() {
        let stack: Vec<Json> = raw.reservations.iter().map(reservation_json).collect();
        object.insert("reservations".into(), Json::Array(stack));
    }
    if let Some(disk) = &raw.disk {
        object.insert("disk".into(), disk_json(disk));
    }
    if raw.revocable {
        object.insert("revocable".into(), json!({}));
    }
    if raw.shared {
        object.insert("shared".into(), json!({}));
    }
    Json::Object(object)
}
