//! The metadata a resource carries: labels, reservations, disk info and persistent volumes.

use std::fmt;

use crate::Role;

/// One key with an optional value (Mesos's `Label`).
#[derive(Clone, Debug, Eq)]
pub struct Label {
    /// The key.
    pub key: String,
    /// The value, if any.
    pub value: Option<String>,
}

impl Label {
    /// A label with a value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Label {
        Label {
            key: key.into(),
            value: Some(value.into()),
        }
    }

    /// A label without a value.
    pub fn key_only(key: impl Into<String>) -> Label {
        Label {
            key: key.into(),
            value: None,
        }
    }
}

impl PartialEq for Label {
    /// As Mesos compares labels: an absent value equals the empty value.
    fn eq(&self, other: &Label) -> bool {
        self.key == other.key
            && self.value.as_deref().unwrap_or("") == other.value.as_deref().unwrap_or("")
    }
}

/// A list of labels; equality ignores order, as Mesos's does.
#[derive(Clone, Debug, Default, Eq)]
pub struct Labels(pub Vec<Label>);

impl std::hash::Hash for Label {
    /// Hashes the key only, so that labels equal under Mesos's rules hash alike.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl std::hash::Hash for Labels {
    /// Hashes the count only, since equality ignores order.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.len().hash(state);
    }
}

impl PartialEq for Labels {
    fn eq(&self, other: &Labels) -> bool {
        self.0.len() == other.0.len() && self.0.iter().all(|label| other.0.contains(label))
    }
}

impl fmt::Display for Labels {
    /// Mesos's form: `{foo: bar, baz}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (index, label) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&label.key)?;
            if let Some(value) = &label.value {
                write!(f, ": {value}")?;
            }
        }
        f.write_str("}")
    }
}

/// Whether a reservation was made by the agent's flags or by an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReservationType {
    /// `STATIC` (1): from the agent's `--resources`; only at the bottom of a stack.
    Static,
    /// `DYNAMIC` (2): made by RESERVE operations or the operator API.
    Dynamic,
}

impl ReservationType {
    /// The wire name: `STATIC` or `DYNAMIC`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationType::Static => "STATIC",
            ReservationType::Dynamic => "DYNAMIC",
        }
    }
}

/// One reservation in a resource's reservation stack (Mesos's `Resource.ReservationInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReservationInfo {
    /// Static or dynamic.
    pub kind: ReservationType,
    /// The role the resource is reserved for (never `*`).
    pub role: Role,
    /// Who made a dynamic reservation.
    pub principal: Option<String>,
    /// Labels a framework attached to a dynamic reservation.
    pub labels: Option<Labels>,
}

impl ReservationInfo {
    /// A static reservation for `role`.
    pub fn static_for(role: Role) -> ReservationInfo {
        ReservationInfo {
            kind: ReservationType::Static,
            role,
            principal: None,
            labels: None,
        }
    }

    /// A dynamic reservation for `role`, made by `principal` if given.
    pub fn dynamic_for(role: Role, principal: Option<&str>) -> ReservationInfo {
        ReservationInfo {
            kind: ReservationType::Dynamic,
            role,
            principal: principal.map(str::to_string),
            labels: None,
        }
    }

    /// The same reservation with labels.
    pub fn with_labels(mut self, labels: Labels) -> ReservationInfo {
        self.labels = Some(labels);
        self
    }
}

impl fmt::Display for ReservationInfo {
    /// Mesos's form: `STATIC,role` or `DYNAMIC,role,principal,{labels}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.kind.as_str(), self.role)?;
        if let Some(principal) = &self.principal {
            write!(f, ",{principal}")?;
        }
        if let Some(labels) = &self.labels {
            write!(f, ",{labels}")?;
        }
        Ok(())
    }
}

/// The identity of a persistent volume.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Persistence {
    /// The volume's id, unique per role on an agent.
    pub id: String,
    /// Who created the volume (ignored when comparing resources).
    pub principal: Option<String>,
}

/// Read-write or read-only access to a volume.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VolumeMode {
    /// `RW` (1).
    ReadWrite,
    /// `RO` (2).
    ReadOnly,
}

impl VolumeMode {
    /// The wire name: `RW` or `RO`.
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeMode::ReadWrite => "RW",
            VolumeMode::ReadOnly => "RO",
        }
    }
}

/// Where a disk resource is mounted in a container (the parts of Mesos's `Volume` a disk
/// resource uses).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Volume {
    /// Path inside the container.
    pub container_path: String,
    /// Path on the host (must be unset for persistent volumes).
    pub host_path: Option<String>,
    /// Access mode.
    pub mode: VolumeMode,
}

impl fmt::Display for Volume {
    /// Mesos's form: `container_path`, or `host_path:container_path:rw`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host_path {
            Some(host_path) => {
                let mode = match self.mode {
                    VolumeMode::ReadWrite => "rw",
                    VolumeMode::ReadOnly => "ro",
                };
                write!(f, "{host_path}:{}:{mode}", self.container_path)
            }
            None => f.write_str(&self.container_path),
        }
    }
}

/// The kind of storage behind a disk resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DiskSourceType {
    /// `PATH` (1): a directory; divisible and addable.
    Path,
    /// `MOUNT` (2): a whole mounted filesystem; exclusive, never split or merged.
    Mount,
    /// `BLOCK` (3): a block device; exclusive.
    Block,
    /// `RAW` (4): raw storage; exclusive when it has an id.
    Raw,
}

impl DiskSourceType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DiskSourceType::Path => "PATH",
            DiskSourceType::Mount => "MOUNT",
            DiskSourceType::Block => "BLOCK",
            DiskSourceType::Raw => "RAW",
        }
    }
}

/// The `root` of a `PATH` or `MOUNT` source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SourceRoot {
    /// The directory or mount point.
    pub root: Option<String>,
}

/// The storage behind a disk resource (Mesos's `DiskInfo.Source`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DiskSource {
    /// Path, mount, block or raw.
    pub kind: DiskSourceType,
    /// For `PATH` sources.
    pub path: Option<SourceRoot>,
    /// For `MOUNT` sources.
    pub mount: Option<SourceRoot>,
    /// The CSI plugin vendor.
    pub vendor: Option<String>,
    /// The identity of the storage (CSI volume id).
    pub id: Option<String>,
    /// CSI volume metadata.
    pub metadata: Option<Labels>,
    /// The storage profile.
    pub profile: Option<String>,
}

impl DiskSource {
    /// A `PATH` source rooted at `root`.
    pub fn path(root: Option<&str>) -> DiskSource {
        DiskSource::with_kind(DiskSourceType::Path, root)
    }

    /// A `MOUNT` source rooted at `root`.
    pub fn mount(root: Option<&str>) -> DiskSource {
        DiskSource::with_kind(DiskSourceType::Mount, root)
    }

    fn with_kind(kind: DiskSourceType, root: Option<&str>) -> DiskSource {
        let root = Some(SourceRoot {
            root: root.map(str::to_string),
        });
        let (path, mount) = match kind {
            DiskSourceType::Path => (root, None),
            DiskSourceType::Mount => (None, root),
            DiskSourceType::Block | DiskSourceType::Raw => (None, None),
        };
        DiskSource {
            kind,
            path,
            mount,
            vendor: None,
            id: None,
            metadata: None,
            profile: None,
        }
    }
}

impl fmt::Display for DiskSource {
    /// Mesos's form: `MOUNT:/mnt`, `PATH:/data`, `RAW(vendor,id,profile)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if self.id.is_some() || self.profile.is_some() {
            let part = |value: &Option<String>| value.clone().unwrap_or_default();
            return write!(
                f,
                "({},{},{})",
                part(&self.vendor),
                part(&self.id),
                part(&self.profile)
            );
        }
        let root = match self.kind {
            DiskSourceType::Path => self.path.as_ref(),
            DiskSourceType::Mount => self.mount.as_ref(),
            DiskSourceType::Block | DiskSourceType::Raw => None,
        };
        match root.and_then(|root| root.root.as_deref()) {
            Some(root) => write!(f, ":{root}"),
            None => Ok(()),
        }
    }
}

/// Disk-specific metadata of a `disk` resource (Mesos's `Resource.DiskInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DiskInfo {
    /// Set for persistent volumes.
    pub persistence: Option<Persistence>,
    /// How a task mounts the disk; ignored when comparing resources.
    pub volume: Option<Volume>,
    /// The storage behind the disk; unset for the agent's default work directory disk.
    pub source: Option<DiskSource>,
}

impl DiskInfo {
    /// A persistent volume with `id`, mounted at `container_path` read-write.
    pub fn persistent_volume(id: &str, principal: Option<&str>, container_path: &str) -> DiskInfo {
        DiskInfo {
            persistence: Some(Persistence {
                id: id.to_string(),
                principal: principal.map(str::to_string),
            }),
            volume: Some(Volume {
                container_path: container_path.to_string(),
                host_path: None,
                mode: VolumeMode::ReadWrite,
            }),
            source: None,
        }
    }

    /// The same disk info with a source.
    pub fn with_source(mut self, source: DiskSource) -> DiskInfo {
        self.source = Some(source);
        self
    }

    /// Mesos's disk equality: the same source and persistence id; the volume and the
    /// persistence principal do not matter.
    pub fn same_identity(&self, other: &DiskInfo) -> bool {
        self.source == other.source
            && match (&self.persistence, &other.persistence) {
                (None, None) => true,
                (Some(mine), Some(theirs)) => mine.id == theirs.id,
                _ => false,
            }
    }
}

impl fmt::Display for DiskInfo {
    /// Mesos's form: `MOUNT:/mnt,id:/container/path`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source {
            source.fmt(f)?;
        }
        if let Some(persistence) = &self.persistence {
            if self.source.is_some() {
                f.write_str(",")?;
            }
            f.write_str(&persistence.id)?;
        }
        if let Some(volume) = &self.volume {
            write!(f, ":{volume}")?;
        }
        Ok(())
    }
}
