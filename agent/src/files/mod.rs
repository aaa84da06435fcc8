//! Sandboxes over HTTP: the `files` process (Mesos's `FilesProcess`) serves
//! `/files/browse`, `/files/read`, `/files/download` and `/files/debug` for the real
//! directories (and files) the agent attaches under virtual paths.
//!
//! For each executor run the agent attaches its sandbox under the three paths Mesos uses:
//! the real sandbox path, `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/latest`
//! and `/frameworks/<fw>/executors/<ex>/runs/latest`; it detaches them when garbage
//! collection removes the sandbox.
//!
//! A requested path is checked ([`table::check`]: no NUL byte, bounded length), split at its
//! longest attached prefix ([`VirtualPaths::lookup`], whole components only), canonicalised
//! and compared against the attached root, then opened beneath that root so that a symlink
//! swapped in meanwhile cannot lead out (see `resolve`). Whatever leaves the root is a `400`,
//! whatever is not there a `404`; nothing outside an attached directory is ever listed, read
//! or sent.
//!
//! The same core serves the agent's LIST_FILES and READ_FILE operator calls: dispatch
//! [`Browse`] or [`Read`] to the agent's [`FilesProcess`] (`Agent::files`) and turn the
//! answer into the v1 response with [`FileInfo::to_v1`] and [`FileChunk`]; a
//! [`FilesError`] maps to the HTTP status Mesos gives it with [`FilesError::status`].

#[doc(hidden)]
pub mod fuzzing;
mod http;
mod names;
mod ops;
mod resolve;
pub mod table;

use std::{
    collections::BTreeMap,
    fs::Metadata,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
};

use libprocess::{Context, Handle, Pid, Process, Runtime, SpawnError, Upid};
use serde_json::{Value, json};

pub use ops::{browse, max_read_length, read};
pub use table::{Attached, VirtualPaths};

use names::OwnerNames;

/// Why a files request was refused; each kind has Mesos's HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilesError {
    /// A malformed request, or a path that leaves its attached directory (400).
    #[error("{0}")]
    Invalid(String),
    /// Nothing is attached there, or the file does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The agent may not read it (403).
    #[error("{0}")]
    Forbidden(String),
    /// Reading failed for another reason (500).
    #[error("{0}")]
    Unknown(String),
}

impl FilesError {
    pub(crate) fn not_found(requested: &str) -> Self {
        FilesError::NotFound(format!("No file or directory at '{requested}'."))
    }

    pub(crate) fn inaccessible(requested: &str) -> Self {
        FilesError::Invalid(format!("'{requested}' is inaccessible."))
    }

    /// The HTTP status Mesos answers with.
    pub fn status(&self) -> u16 {
        match self {
            FilesError::Invalid(_) => 400,
            FilesError::NotFound(_) => 404,
            FilesError::Forbidden(_) => 403,
            FilesError::Unknown(_) => 500,
        }
    }
}

/// One entry of a listing (Mesos's `FileInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// The entry's virtual path (the request's path joined with its name).
    pub path: String,
    /// Hard links.
    pub nlink: u64,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, seconds since the epoch.
    pub mtime_secs: i64,
    /// `st_mode`: type and permission bits.
    pub mode: u32,
    /// The owner's name (or number).
    pub uid: String,
    /// The group's name (or number).
    pub gid: String,
}

impl FileInfo {
    pub(crate) fn from_metadata(path: String, metadata: &Metadata, names: &mut OwnerNames) -> Self {
        Self {
            path,
            nlink: metadata.nlink(),
            size: metadata.size(),
            mtime_secs: metadata.mtime(),
            mode: metadata.mode(),
            uid: names.user(metadata.uid()),
            gid: names.group(metadata.gid()),
        }
    }

    /// The JSON `/files/browse` shows (Mesos's `model(FileInfo)`): `path`, `nlink`, `size`,
    /// `mtime` (seconds), `mode` as `ls` writes it (`drwxr-xr-x`), `uid`, `gid`.
    pub fn to_json(&self) -> Value {
        json!({
            "path": self.path,
            "nlink": self.nlink,
            "size": self.size,
            "mtime": self.mtime_secs,
            "mode": mode_string(self.mode),
            "uid": self.uid,
            "gid": self.gid,
        })
    }

    /// The v1 protobuf (for LIST_FILES).
    pub fn to_v1(&self) -> proto::v1::FileInfo {
        proto::v1::FileInfo {
            path: self.path.clone(),
            nlink: Some(i32::try_from(self.nlink).unwrap_or(i32::MAX)),
            size: Some(self.size),
            mtime: Some(proto::v1::TimeInfo {
                nanoseconds: self.mtime_secs.saturating_mul(1_000_000_000),
            }),
            mode: Some(self.mode),
            uid: Some(self.uid.clone()),
            gid: Some(self.gid.clone()),
        }
    }
}

/// `st_mode` as `ls -l` writes it: the type (`-`, `d`, `c`, `b`, `p`, `l`, `s`) and
/// `rwx` for owner, group and others.
pub fn mode_string(mode: u32) -> String {
    let kind = match mode & 0o170000 {
        0o040000 => 'd',
        0o020000 => 'c',
        0o060000 => 'b',
        0o010000 => 'p',
        0o120000 => 'l',
        0o140000 => 's',
        _ => '-',
    };
    let mut text = String::with_capacity(10);
    text.push(kind);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 0o7;
        text.push(if bits & 0o4 != 0 { 'r' } else { '-' });
        text.push(if bits & 0o2 != 0 { 'w' } else { '-' });
        text.push(if bits & 0o1 != 0 { 'x' } else { '-' });
    }
    text
}

/// A range of a file (what READ_FILE answers): the file's size and the bytes read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChunk {
    /// The whole file's size in bytes.
    pub size: u64,
    /// The bytes read.
    pub data: Vec<u8>,
}

/// Why a path could not be attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Failed to attach '{path}' as '{virtual_path}': {reason}")]
pub struct AttachError {
    /// The real path.
    pub path: PathBuf,
    /// The virtual path.
    pub virtual_path: String,
    /// What went wrong.
    pub reason: String,
}

/// Attach the real `path` (a directory or a file, which must exist and be readable) under
/// `virtual_path`; it is canonicalised now, so later changes to symlinks above it do not
/// move the attachment.
#[derive(Debug, Clone)]
pub struct Attach {
    /// The real path.
    pub path: PathBuf,
    /// The virtual path it is served under.
    pub virtual_path: String,
}

/// Detach a virtual path (answers whether it was attached).
#[derive(Debug, Clone)]
pub struct Detach {
    /// The virtual path.
    pub virtual_path: String,
}

/// List a directory (the core of `/files/browse` and LIST_FILES).
#[derive(Debug, Clone)]
pub struct Browse {
    /// The requested (virtual or attached real) path.
    pub path: String,
}

/// Read a range of a file (the core of `/files/read` and READ_FILE).
#[derive(Debug, Clone)]
pub struct Read {
    /// The requested (virtual or attached real) path.
    pub path: String,
    /// Where to start.
    pub offset: u64,
    /// How much at most (never more than [`max_read_length`]); `None`: the rest.
    pub length: Option<u64>,
}

/// Every attachment: virtual path -> real path (what `/files/debug` shows).
#[derive(Debug, Clone, Copy)]
pub struct Attachments;

/// The `files` process: the table of attached paths and the `/files/*` endpoints.
#[derive(Debug, Default)]
pub struct FilesProcess {
    paths: VirtualPaths,
}

impl FilesProcess {
    /// Mesos's id for it (so its endpoints are `/files/...`).
    pub const ID: &'static str = "files";

    /// A process with nothing attached.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spawns it on `runtime` as `files`, or as `files(N)` when another process (another
    /// agent's, in a test that runs several agents on one runtime) already has that id.
    pub fn spawn(runtime: &Runtime) -> Result<Pid<FilesProcess>, SpawnError> {
        let id = if runtime.is_alive(&Upid::new(Self::ID, runtime.address())) {
            runtime.generate_id(Self::ID)
        } else {
            Self::ID.to_owned()
        };
        runtime.spawn(id, FilesProcess::new())
    }

    /// The table of attachments.
    pub fn paths(&self) -> &VirtualPaths {
        &self.paths
    }

    fn attach(&mut self, path: &Path, virtual_path: &str) -> Result<(), AttachError> {
        let failed = |reason: String| AttachError {
            path: path.to_path_buf(),
            virtual_path: virtual_path.to_owned(),
            reason,
        };
        let real = std::fs::canonicalize(path).map_err(|error| failed(error.to_string()))?;
        let metadata = std::fs::metadata(&real).map_err(|error| failed(error.to_string()))?;
        let readable = if metadata.is_dir() {
            std::fs::read_dir(&real).map(drop)
        } else {
            std::fs::File::open(&real).map(drop)
        };
        readable.map_err(|error| failed(format!("not readable: {error}")))?;
        tracing::debug!(path = %real.display(), virtual_path, "attached");
        self.paths.attach(
            virtual_path,
            Attached {
                real,
                is_directory: metadata.is_dir(),
            },
        );
        Ok(())
    }
}

impl Process for FilesProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        http::install_routes(ctx);
    }
}

impl Handle<Attach> for FilesProcess {
    type Reply = Result<(), AttachError>;

    fn handle(&mut self, message: Attach, _ctx: &mut Context<Self>) -> Self::Reply {
        let attached = self.attach(&message.path, &message.virtual_path);
        if let Err(error) = &attached {
            tracing::error!(%error, "attaching a sandbox failed");
        }
        attached
    }
}

impl Handle<Detach> for FilesProcess {
    type Reply = bool;

    fn handle(&mut self, message: Detach, _ctx: &mut Context<Self>) -> bool {
        tracing::debug!(virtual_path = %message.virtual_path, "detached");
        self.paths.detach(&message.virtual_path)
    }
}

impl Handle<Browse> for FilesProcess {
    type Reply = Result<Vec<FileInfo>, FilesError>;

    fn handle(&mut self, message: Browse, _ctx: &mut Context<Self>) -> Self::Reply {
        browse(&self.paths, &message.path)
    }
}

impl Handle<Read> for FilesProcess {
    type Reply = Result<FileChunk, FilesError>;

    fn handle(&mut self, message: Read, _ctx: &mut Context<Self>) -> Self::Reply {
        read(&self.paths, &message.path, message.offset, message.length)
    }
}

impl Handle<Attachments> for FilesProcess {
    type Reply = BTreeMap<String, PathBuf>;

    fn handle(&mut self, _: Attachments, _ctx: &mut Context<Self>) -> Self::Reply {
        self.paths
            .iter()
            .map(|(virtual_path, attached)| (virtual_path.to_owned(), attached.real.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_ls_writes_them() {
        assert_eq!(mode_string(0o040755), "drwxr-xr-x");
        assert_eq!(mode_string(0o100644), "-rw-r--r--");
        assert_eq!(mode_string(0o120777), "lrwxrwxrwx");
        assert_eq!(mode_string(0o010600), "prw-------");
        assert_eq!(mode_string(0o140000), "s---------");
        assert_eq!(mode_string(0o020620), "crw--w----");
        assert_eq!(mode_string(0o060660), "brw-rw----");
    }

    #[test]
    fn file_infos_render_as_mesos_models_and_v1() {
        let info = FileInfo {
            path: "/a/stdout".into(),
            nlink: 1,
            size: 12,
            mtime_secs: 1_700_000_000,
            mode: 0o100644,
            uid: "root".into(),
            gid: "root".into(),
        };
        assert_eq!(
            info.to_json(),
            json!({"path": "/a/stdout", "nlink": 1, "size": 12, "mtime": 1_700_000_000,
                   "mode": "-rw-r--r--", "uid": "root", "gid": "root"})
        );
        let v1 = info.to_v1();
        assert_eq!(v1.mtime.unwrap().nanoseconds, 1_700_000_000_000_000_000);
        assert_eq!(v1.mode, Some(0o100644));
        assert_eq!(v1.nlink, Some(1));
    }
}
