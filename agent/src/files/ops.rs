//! What the files endpoints and the LIST_FILES / READ_FILE operator calls do once a path is
//! resolved: list a directory, read a range of a file, open a file for download. Each goes
//! through [`resolve`](super::resolve) first, so nothing outside an attached directory is
//! ever listed, read or sent.

use std::{
    ffi::OsStr,
    fs::{File, Metadata},
    os::{
        fd::AsFd,
        unix::{ffi::OsStrExt, fs::FileExt, fs::MetadataExt},
    },
};

use rustix::fs::{Dir, Mode, OFlags};

use super::{
    FileChunk, FileInfo, FilesError,
    names::OwnerNames,
    resolve::{OpenFor, Resolved, open, resolve},
    table::{VirtualPaths, check, normalize},
};

/// The most bytes one read returns: 16 pages, as Mesos (`os::pagesize() * 16`).
pub fn max_read_length() -> u64 {
    rustix::param::page_size() as u64 * 16
}

/// Resolves `requested` against the table: checked, looked up, canonicalised inside its root.
pub fn locate(paths: &VirtualPaths, requested: &str) -> Result<Resolved, FilesError> {
    check(requested)?;
    let lookup = paths
        .lookup(requested)
        .ok_or_else(|| FilesError::not_found(requested))?;
    resolve(&lookup, requested)
}

/// Lists the directory at `requested` (Mesos's `browse`): one [`FileInfo`] per entry,
/// sorted by name, each `path` being the request's path joined with the entry's name. An
/// entry that is a symlink shows what it points to when that is inside the same root, and
/// the link itself otherwise (Mesos would show the target wherever it is).
pub fn browse(paths: &VirtualPaths, requested: &str) -> Result<Vec<FileInfo>, FilesError> {
    let resolved = locate(paths, requested)?;
    if !resolved.root_is_directory {
        // An attached file lists as nothing, as Mesos's `os::ls` of a file.
        return Ok(Vec::new());
    }
    let inspected = open(&resolved, requested, OpenFor::Inspecting)?
        .metadata()
        .map_err(|error| {
            FilesError::Unknown(format!("Failed to inspect '{requested}': {error}."))
        })?;
    if !inspected.is_dir() {
        // Mesos lists a file as nothing.
        return Ok(Vec::new());
    }
    let directory = open(&resolved, requested, OpenFor::Listing)?;
    let mut entries = Dir::read_from(directory.as_fd()).map_err(|errno| {
        FilesError::Unknown(format!(
            "Failed to list '{requested}': {}.",
            std::io::Error::from(errno)
        ))
    })?;
    let base = normalize(requested);
    let mut names = OwnerNames::default();
    let mut listing = Vec::new();
    while let Some(entry) = entries.read() {
        let Ok(entry) = entry else {
            tracing::warn!(requested, "an entry could not be read while browsing");
            continue;
        };
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name == "." || name == ".." {
            continue;
        }
        let Some(metadata) = entry_metadata(&directory, &resolved, name) else {
            continue;
        };
        let path = if base.ends_with('/') {
            format!("{base}{}", name.to_string_lossy())
        } else {
            format!("{base}/{}", name.to_string_lossy())
        };
        listing.push(FileInfo::from_metadata(path, &metadata, &mut names));
    }
    listing.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(listing)
}

/// The entry's own metadata, or for a symlink whose target is inside the root, the target's.
fn entry_metadata(directory: &File, resolved: &Resolved, name: &OsStr) -> Option<Metadata> {
    let own = rustix::fs::openat(
        directory,
        name,
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()
    .map(File::from)?
    .metadata()
    .ok()?;
    if !own.file_type().is_symlink() {
        return Some(own);
    }
    let target = std::fs::canonicalize(resolved.canonical.join(name)).ok();
    let inside = target.filter(|target| target.starts_with(&resolved.root));
    let followed = inside.and_then(|target| {
        let target = Resolved {
            canonical: target,
            ..resolved.clone()
        };
        open(&target, "", OpenFor::Inspecting).ok()?.metadata().ok()
    });
    Some(followed.unwrap_or(own))
}

/// Reads up to `length` bytes (all that is left when `None`, at most
/// [`max_read_length`]) of the file at `requested` from `offset` (Mesos's `read`). The
/// chunk's `size` is the file's size; reading at or past the end gives no data.
pub fn read(
    paths: &VirtualPaths,
    requested: &str,
    offset: u64,
    length: Option<u64>,
) -> Result<FileChunk, FilesError> {
    let (file, size) = open_regular(paths, requested, "read")?;
    if offset >= size {
        return Ok(FileChunk {
            size,
            data: Vec::new(),
        });
    }
    let wanted = length
        .unwrap_or(size - offset)
        .min(size - offset)
        .min(max_read_length());
    let mut data = vec![0; usize::try_from(wanted).unwrap_or(0)];
    let mut filled = 0;
    while filled < data.len() {
        match file.read_at(&mut data[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                return Err(FilesError::Unknown(format!(
                    "Failed to read '{requested}': {error}."
                )));
            }
        }
    }
    data.truncate(filled);
    Ok(FileChunk { size, data })
}

/// Opens the regular file at `requested` for a download: the file, its size and the name
/// to offer (the real file's name, as Mesos).
pub fn open_download(
    paths: &VirtualPaths,
    requested: &str,
) -> Result<(File, u64, String), FilesError> {
    let resolved = locate(paths, requested)?;
    let (file, size) = open_resolved_regular(&resolved, requested, "download")?;
    let name = resolved
        .canonical
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((file, size, name))
}

fn open_regular(
    paths: &VirtualPaths,
    requested: &str,
    verb: &str,
) -> Result<(File, u64), FilesError> {
    let resolved = locate(paths, requested)?;
    open_resolved_regular(&resolved, requested, verb)
}

fn open_resolved_regular(
    resolved: &Resolved,
    requested: &str,
    verb: &str,
) -> Result<(File, u64), FilesError> {
    let file = open(resolved, requested, OpenFor::Reading)?;
    let metadata = file.metadata().map_err(|error| {
        FilesError::Unknown(format!("Failed to inspect '{requested}': {error}."))
    })?;
    if metadata.is_dir() {
        return Err(FilesError::Invalid(format!("Cannot {verb} a directory.")));
    }
    if !metadata.is_file() {
        return Err(FilesError::Invalid(format!(
            "Cannot {verb} '{requested}': it is not a regular file."
        )));
    }
    Ok((file, metadata.size()))
}
