//! Mesos's resource model as a pure library: values, `Resources` arithmetic, roles,
//! reservations, disks, quantities and limits, parsing, rendering and validation.
//!
//! Everything here is plain data and pure functions: no IO, no async, no clock.
//!
//! ```
//! use resources::{Resources, Role};
//!
//! let total = Resources::parse("cpus:4;mem:1024;ports:[31000-32000]", &Role::star())?;
//! let task = Resources::parse("cpus:0.5;mem:128;ports:[31000-31000]", &Role::star())?;
//! assert!(total.contains(&task));
//! let left = &total - &task;
//! assert_eq!(left.cpus().map(|cpus| cpus.to_string()), Some("3.5".to_string()));
//! assert_eq!(left.ports().map(|ports| ports.to_string()), Some("[31001-32000]".to_string()));
//! # Ok::<(), resources::ParseError>(())
//! ```

mod attributes;
mod convert;
mod error;
mod filters;
mod fuzzing;
mod info;
mod json;
mod quantities;
mod ranges;
mod raw;
mod render;
mod resource;
mod resources;
pub mod role;
mod scalar;
mod set;
mod text;
mod validation;
mod value;

pub use attributes::{Attribute, AttributeError, AttributeValue, Attributes};
pub use convert::{resource_from_v0, resource_from_v1, resource_to_v0, resource_to_v1};
pub use error::{InvalidResource, ParseError, QuantityParseError};
pub use filters::{ConversionError, ResourceConversion};
#[doc(hidden)]
pub use fuzzing::parse_everything;
pub use info::{
    DiskInfo, DiskSource, DiskSourceType, Label, Labels, Persistence, ReservationInfo,
    ReservationType, SourceRoot, Volume, VolumeMode,
};
pub use json::{parse_json, resource_to_json, to_json};
pub use quantities::{ResourceLimits, ResourceQuantities, parse_min_allocatable_resources};
pub use ranges::{Range, Ranges, RangesError};
pub use raw::ResourceFormat;
pub use render::{limits_json, quantities_json, state_json};
pub use resource::Resource;
pub use resources::{Iter, ResourceError, Resources};
pub use role::{Role, RoleError};
pub use scalar::{MAX_MILLIS, Scalar, ScalarError};
pub use set::{Set, SetError};
pub use text::parse_text;
pub use validation::{validate_command_line, validate_disk_infos, validate_gpus, validate_id};
pub use value::{Value, ValueSyntaxError, ValueType};
