//! Errors: what is wrong with a resource, and why text or JSON did not parse into resources.

use crate::{RangesError, RoleError, ScalarError, SetError, ValueSyntaxError};

/// Why one resource is invalid. Messages follow Mesos's `Resources::validate` where it has one.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InvalidResource {
    /// The name is empty.
    #[error("Empty resource name")]
    EmptyName,
    /// The type is missing or not one of SCALAR, RANGES, SET.
    #[error("Invalid resource type: {0}")]
    BadType(String),
    /// The type says one thing and the value fields say another.
    #[error("Invalid {kind} resource: {problem}")]
    ValueMismatch {
        /// `scalar`, `ranges` or `set`.
        kind: &'static str,
        /// What is set or missing.
        problem: String,
    },
    /// A scalar that is negative, NaN, infinite or subnormal.
    #[error("Invalid scalar resource: {0}")]
    Scalar(ScalarError),
    /// A non-zero scalar that rounds to zero at three decimal places.
    #[error("Invalid scalar resource: value {0} rounds to 0 (Mesos keeps three decimal places)")]
    RoundsToZero(f64),
    /// Inverted or overlapping ranges.
    #[error("Invalid ranges resource: {0}")]
    Ranges(RangesError),
    /// A set with duplicate items.
    #[error("Invalid set resource: {0}")]
    Set(SetError),
    /// Disk info on something other than `disk`.
    #[error("DiskInfo should not be set for {0} resource")]
    DiskInfoOnNonDisk(String),
    /// A `BLOCK` or `RAW` source with a mount.
    #[error("Mount should not be set for {0} disk source")]
    MountOnSource(&'static str),
    /// A `BLOCK` or `RAW` source with a path.
    #[error("Path should not be set for {0} disk source")]
    PathOnSource(&'static str),
    /// A disk source of an unknown type.
    #[error("Unsupported 'DiskInfo.Source.Type': {0}")]
    UnknownDiskSource(String),
    /// A bad role name (in a reservation or an allocation).
    #[error("{0}")]
    Role(RoleError),
    /// A reservation for `*`.
    #[error("Invalid reservation: role \"*\" cannot be reserved")]
    ReservedToStar,
    /// A reservation without a type.
    #[error("Invalid reservation: 'Resource.ReservationInfo.type' field must be set.")]
    ReservationTypeMissing,
    /// A reservation without a role.
    #[error("Invalid reservation: 'Resource.ReservationInfo.role' field must be set.")]
    ReservationRoleMissing,
    /// A static reservation above the bottom of the stack.
    #[error("Invalid refined reservation: A refined reservation cannot be STATIC")]
    StaticRefinement,
    /// A reservation whose role does not refine the one below it.
    #[error("Invalid refined reservation: role '{role}' is not a refinement of '{ancestor}'")]
    NotARefinement {
        /// The refining role.
        role: String,
        /// The role below it on the stack.
        ancestor: String,
    },
    /// A misuse of the deprecated `reservation` field (Mesos's wording).
    #[error("{0}")]
    ReservationField(String),
    /// The deprecated `role`/`reservation` fields disagree with `reservations`.
    #[error("Invalid resource format: {0}")]
    Format(String),
    /// `shared` on something other than `disk`.
    #[error("Resource {0} cannot be shared")]
    CannotBeShared(String),
    /// `shared` on a disk that is not a persistent volume.
    #[error("Only persistent volumes can be shared")]
    SharedNotPersistentVolume,
    /// `gpus` must be whole.
    #[error("The 'gpus' resource must be an unsigned integer")]
    FractionalGpus,
    /// A persistent volume or disk info that master validation rejects.
    #[error("Invalid DiskInfo: {0}")]
    Disk(String),
}

impl From<RoleError> for InvalidResource {
    fn from(error: RoleError) -> InvalidResource {
        InvalidResource::Role(error)
    }
}

/// Why `--resources` text or JSON did not become [`crate::Resources`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// A `;`-separated item without exactly one `:`.
    #[error("Bad value for resources, missing or extra ':' in '{0}'")]
    Colon(String),
    /// `name(role` or `name)(role`.
    #[error("Bad value for resources, mismatched parentheses in '{0}'")]
    Parentheses(String),
    /// The value after `:` is not valid syntax.
    #[error("Failed to parse resource {name} value {value} error {error}")]
    Value {
        /// The resource name.
        name: String,
        /// The value text.
        value: String,
        /// What is wrong with it.
        error: ValueSyntaxError,
    },
    /// The value is text (or a negative number), not a scalar, ranges or set.
    #[error(
        "Bad type for resource {name} value {value} type TEXT: expecting a non-negative number, \
         ranges like [1-10] or a set like {{a,b}}"
    )]
    TextValue {
        /// The resource name.
        name: String,
        /// The value text.
        value: String,
    },
    /// A role in `name(role)` that is not valid.
    #[error("Bad role in '{item}': {error}")]
    Role {
        /// The whole `name(role):value` item.
        item: String,
        /// What is wrong with the role.
        error: RoleError,
    },
    /// A resource that parsed but is not valid.
    #[error("Resource '{resource}' is invalid: {error}")]
    Invalid {
        /// The resource as written or as Mesos prints it.
        resource: String,
        /// What is wrong with it.
        error: InvalidResource,
    },
    /// The JSON form is not a JSON array of Resource objects.
    #[error("Some JSON resources were not formatted properly: {0}")]
    Json(String),
    /// Two resources with one name and different types.
    #[error("Resources with the same name ('{0}') but different types are not allowed")]
    MixedTypes(String),
    /// Persistent volumes belong to CREATE operations, not to flags.
    #[error("Persistent volumes cannot be specified at the command line")]
    PersistentVolume,
    /// Revocable resources come from the resource estimator, not from flags.
    #[error(
        "Revocable resources cannot be specified at the command line; do not include a \
         'revocable' key in the resources JSON"
    )]
    Revocable,
    /// Dynamic reservations belong to RESERVE operations, not to flags.
    #[error(
        "Dynamic reservations cannot be specified at the command line; do not include a \
         reservation with DYNAMIC type in the resources JSON"
    )]
    DynamicReservation,
}

/// Why quantity or limit text (`cpus:10;mem:1024`) did not parse.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum QuantityParseError {
    /// An item without exactly one `:`.
    #[error("Failed to parse '{0}': missing or extra ':'")]
    Colon(String),
    /// Not a valid value.
    #[error("Failed to parse '{value}' to quantity: {error}")]
    Value {
        /// The value text.
        value: String,
        /// What is wrong with it.
        error: ValueSyntaxError,
    },
    /// Ranges, sets or text.
    #[error("Failed to parse '{0}' to quantity: only scalar values are allowed")]
    NotScalar(String),
    /// Below zero, NaN or infinite.
    #[error("Failed to parse '{0}' to quantity: expecting a finite, non-negative number")]
    Negative(String),
    /// Too large.
    #[error("Failed to parse '{value}' to quantity: {error}")]
    Scalar {
        /// The value text.
        value: String,
        /// What is wrong with it.
        error: ScalarError,
    },
    /// A name given twice in limits.
    #[error("Failed to parse '{0}' to limit: duplicate names are not allowed")]
    Duplicate(String),
}
