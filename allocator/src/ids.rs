//! Framework and agent identifiers: cheap, clonable newtypes over the id strings Mesos uses.

use std::{
    fmt,
    hash::{Hash, Hasher},
    sync::Arc,
};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $proto:ty) => {
        $(#[$doc])*
        #[derive(Clone, Eq, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl PartialEq for $name {
            /// Same string; ids cloned from one another compare by pointer.
            #[inline]
            fn eq(&self, other: &$name) -> bool {
                Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
            }
        }

        impl $name {
            /// Wraps an id string.
            pub fn new(value: impl AsRef<str>) -> $name {
                $name(Arc::from(value.as_ref()))
            }

            /// The id string.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The wire form of the id.
            pub fn to_proto(&self) -> $proto {
                <$proto>::from(self)
            }
        }

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> $name {
                $name::new(value)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> $name {
                $name(Arc::from(value))
            }
        }

        impl From<&$proto> for $name {
            fn from(value: &$proto) -> $name {
                $name::new(&value.value)
            }
        }

        impl From<&$name> for $proto {
            fn from(value: &$name) -> $proto {
                <$proto>::from_value(value.as_str())
            }
        }
    };
}

trait FromValue {
    fn from_value(value: &str) -> Self;
}

impl FromValue for proto::v1::FrameworkId {
    fn from_value(value: &str) -> Self {
        proto::v1::FrameworkId {
            value: value.to_string(),
        }
    }
}

impl FromValue for proto::v1::AgentId {
    fn from_value(value: &str) -> Self {
        proto::v1::AgentId {
            value: value.to_string(),
        }
    }
}

id_type!(
    /// A framework's id (`FrameworkID.value`), e.g. `7f6e...-0001`.
    FrameworkId,
    proto::v1::FrameworkId
);

id_type!(
    /// An agent's id (`AgentID.value`, `SlaveID` in v0), e.g. `7f6e...-S3`.
    AgentId,
    proto::v1::AgentId
);
