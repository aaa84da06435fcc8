//! From a looked-up virtual path to an open file that is certainly inside its attached
//! directory.
//!
//! Two checks, because a task controls its sandbox and may swap a directory for a symlink at
//! any moment:
//!
//! 1. **Canonicalise and compare** (Mesos's `resolve`): the attached root joined with the
//!    suffix is resolved with `realpath`, and the result must be the root or lie below it,
//!    compared component by component (so `<root>-evil` is not "inside" `<root>`). Symlinks
//!    inside the sandbox that point elsewhere inside it keep working, as in Mesos.
//! 2. **Open beneath the root**: the canonical path's part below the root (which has no
//!    symlinks left) is opened relative to a descriptor of the root with `openat2`
//!    (`RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`), so the kernel
//!    refuses anything swapped in since step 1. Where `openat2` is missing (kernels before
//!    5.6, or filtered by seccomp) the canonical path is opened with `O_NOFOLLOW` and the
//!    opened file's path, read back from `/proc/self/fd`, must still be inside the root;
//!    if that cannot be read back, the request is refused.
//!
//! Every open is `O_NONBLOCK | O_NOCTTY`, so a FIFO or terminal a task leaves in its sandbox
//! cannot hang the files process; callers then check the file's type.

use std::{
    fs::File,
    io,
    os::fd::AsRawFd,
    path::{Path, PathBuf},
};

use rustix::{
    fs::{Mode, OFlags, ResolveFlags},
    io::Errno,
};

use super::{FilesError, table::Lookup};

/// A requested path that resolved inside its attached directory (or to an attached file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The attached root (canonical).
    pub root: PathBuf,
    /// Whether the root is a directory (else the request is the attached file itself).
    pub root_is_directory: bool,
    /// The canonical path of what was asked for (the root itself, or below it).
    pub canonical: PathBuf,
}

impl Resolved {
    /// The canonical path relative to the root (empty for the root itself).
    pub fn relative(&self) -> &Path {
        self.canonical
            .strip_prefix(&self.root)
            .unwrap_or(Path::new(""))
    }
}

/// How a resolved path is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenFor {
    /// Reading its bytes (a regular file).
    Reading,
    /// Listing it (a directory).
    Listing,
    /// Only asking about it (`fstat`): `O_PATH`.
    Inspecting,
}

impl OpenFor {
    fn flags(self) -> OFlags {
        let common = OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
        match self {
            OpenFor::Reading => common | OFlags::RDONLY,
            OpenFor::Listing => common | OFlags::RDONLY | OFlags::DIRECTORY,
            OpenFor::Inspecting => OFlags::CLOEXEC | OFlags::PATH,
        }
    }
}

/// Resolves a looked-up request (`requested` is the path as asked, for messages).
pub fn resolve(lookup: &Lookup<'_>, requested: &str) -> Result<Resolved, FilesError> {
    let root = &lookup.attached.real;
    if !lookup.attached.is_directory {
        if !lookup.suffix.is_empty() {
            return Err(FilesError::not_found(requested));
        }
        return Ok(Resolved {
            root: root.clone(),
            root_is_directory: false,
            canonical: root.clone(),
        });
    }
    let joined = root.join(&lookup.suffix);
    let canonical = match std::fs::canonicalize(&joined) {
        Ok(canonical) => canonical,
        Err(error) => return Err(canonicalize_error(requested, &error)),
    };
    if !canonical.starts_with(root) {
        tracing::warn!(
            requested,
            "refusing a files request that leaves its sandbox"
        );
        return Err(FilesError::inaccessible(requested));
    }
    Ok(Resolved {
        root: root.clone(),
        root_is_directory: true,
        canonical,
    })
}

fn canonicalize_error(requested: &str, error: &io::Error) -> FilesError {
    match error.raw_os_error().map(Errno::from_raw_os_error) {
        Some(Errno::NOENT | Errno::NOTDIR) => FilesError::not_found(requested),
        Some(Errno::ACCESS) => FilesError::Forbidden(format!("Access to '{requested}' is denied.")),
        _ => FilesError::Invalid(format!(
            "Failed to determine the canonical path of '{requested}': {error}."
        )),
    }
}

/// Opens a resolved path so that nothing outside its root can be what was opened.
pub fn open(resolved: &Resolved, requested: &str, purpose: OpenFor) -> Result<File, FilesError> {
    let flags = purpose.flags();
    if !resolved.root_is_directory {
        return rustix::fs::open(&resolved.canonical, flags | OFlags::NOFOLLOW, Mode::empty())
            .map(File::from)
            .map_err(|errno| open_error(requested, errno));
    }
    let root = rustix::fs::open(
        &resolved.root,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|errno| open_error(requested, errno))?;
    let relative = resolved.relative();
    let relative = if relative.as_os_str().is_empty() {
        Path::new(".")
    } else {
        relative
    };
    let beneath = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    match rustix::fs::openat2(&root, relative, flags, Mode::empty(), beneath) {
        Ok(fd) => Ok(File::from(fd)),
        Err(Errno::NOSYS | Errno::PERM | Errno::INVAL | Errno::TOOBIG) => {
            open_and_verify(resolved, requested, flags)
        }
        Err(errno) => Err(open_error(requested, errno)),
    }
}

/// The fallback without `openat2`: open the canonical path without following a final
/// symlink, then check where the descriptor really points.
fn open_and_verify(
    resolved: &Resolved,
    requested: &str,
    flags: OFlags,
) -> Result<File, FilesError> {
    let file = rustix::fs::open(&resolved.canonical, flags | OFlags::NOFOLLOW, Mode::empty())
        .map(File::from)
        .map_err(|errno| open_error(requested, errno))?;
    let opened =
        std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).map_err(|error| {
            FilesError::Invalid(format!(
                "Cannot verify where '{requested}' leads ({error}); refusing it."
            ))
        })?;
    if opened.starts_with(&resolved.root) {
        Ok(file)
    } else {
        tracing::warn!(
            requested,
            "refusing a files request whose path changed while it was opened"
        );
        Err(FilesError::inaccessible(requested))
    }
}

fn open_error(requested: &str, errno: Errno) -> FilesError {
    match errno {
        Errno::NOENT | Errno::NOTDIR => FilesError::not_found(requested),
        // A symlink where there was none when the path was resolved, or a path leaving the
        // root: something in the sandbox changed under us.
        Errno::LOOP | Errno::XDEV => FilesError::inaccessible(requested),
        Errno::ACCESS => FilesError::Forbidden(format!("Access to '{requested}' is denied.")),
        Errno::NAMETOOLONG => FilesError::Invalid(format!("The path '{requested}' is too long.")),
        other => FilesError::Unknown(format!(
            "Failed to open '{requested}': {}.",
            io::Error::from(other)
        )),
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
