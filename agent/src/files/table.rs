//! The table of attached paths (Mesos's `FilesProcess::paths`): which real file or directory
//! each virtual path stands for, and how a requested path splits into the longest attached
//! prefix and the rest. Pure: no IO.
//!
//! Requested paths are checked here before anything touches the disk: no NUL byte, at most
//! [`PATH_MAX`] bytes, no component over [`NAME_MAX`] bytes. Virtual prefixes match whole
//! components only (`/a/b` never matches `/a/bc`), and `..` in a request is just a component:
//! it can never climb out of a virtual prefix (`/frameworks/F/../G` matches nothing), only
//! out of the attached directory, which the resolver refuses.

use std::{collections::BTreeMap, path::PathBuf};

use super::FilesError;

/// The longest path the files endpoints accept, in bytes (Linux's `PATH_MAX`).
pub const PATH_MAX: usize = 4096;

/// The longest path component the files endpoints accept, in bytes (Linux's `NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// What a virtual path stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// The canonical real path (symlinks resolved when it was attached).
    pub real: PathBuf,
    /// Whether it is a directory (a file can only be read as a whole, never below).
    pub is_directory: bool,
}

/// A requested path split at its longest attached prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup<'a> {
    /// The virtual path that matched.
    pub virtual_path: String,
    /// What it stands for.
    pub attached: &'a Attached,
    /// The components after the prefix, joined by `/` (empty for the prefix itself).
    pub suffix: String,
}

/// Virtual path -> attached real path.
#[derive(Debug, Clone, Default)]
pub struct VirtualPaths {
    paths: BTreeMap<String, Attached>,
}

impl VirtualPaths {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attaches `attached` as `virtual_path` (replacing what was there). The key is
    /// normalised like every request (repeated and trailing `/` dropped).
    pub fn attach(&mut self, virtual_path: &str, attached: Attached) {
        self.paths.insert(normalize(virtual_path), attached);
    }

    /// Detaches `virtual_path`; whether it was attached.
    pub fn detach(&mut self, virtual_path: &str) -> bool {
        self.paths.remove(&normalize(virtual_path)).is_some()
    }

    /// What `virtual_path` stands for, if attached.
    pub fn get(&self, virtual_path: &str) -> Option<&Attached> {
        self.paths.get(&normalize(virtual_path))
    }

    /// Every attachment, by virtual path (what `/files/debug` shows).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Attached)> {
        self.paths
            .iter()
            .map(|(virtual_path, attached)| (virtual_path.as_str(), attached))
    }

    /// How many virtual paths are attached.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether nothing is attached.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Splits an already [`check`]ed request at its longest attached prefix; `None` when no
    /// prefix is attached.
    pub fn lookup(&self, requested: &str) -> Option<Lookup<'_>> {
        let normalized = normalize(requested);
        let absolute = normalized.starts_with('/');
        let components: Vec<&str> = normalized.split('/').filter(|c| !c.is_empty()).collect();
        for split in (0..=components.len()).rev() {
            let prefix = components[..split].join("/");
            let key = if absolute {
                format!("/{prefix}")
            } else {
                prefix
            };
            if let Some(attached) = self.paths.get(&key) {
                return Some(Lookup {
                    virtual_path: key,
                    attached,
                    suffix: components[split..].join("/"),
                });
            }
        }
        None
    }
}

/// Drops a `file://` scheme (as Mesos's `path::from_uri`), repeated `/` and trailing `/`
/// (a lone `/` stays).
pub fn normalize(path: &str) -> String {
    let path = path.strip_prefix("file://").unwrap_or(path);
    let absolute = path.starts_with('/');
    let joined = path
        .split('/')
        .filter(|component| !component.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Checks a requested path before it is looked up: not empty, no NUL byte, at most
/// [`PATH_MAX`] bytes, no component longer than [`NAME_MAX`].
pub fn check(requested: &str) -> Result<(), FilesError> {
    if requested.is_empty() {
        return Err(FilesError::Invalid(
            "Expecting 'path=value' in query.".into(),
        ));
    }
    if requested.contains('\0') {
        return Err(FilesError::Invalid("The path contains a NUL byte.".into()));
    }
    if requested.len() > PATH_MAX {
        return Err(FilesError::Invalid(format!(
            "The path is {} bytes long; at most {PATH_MAX} are allowed.",
            requested.len()
        )));
    }
    if let Some(component) = requested.split('/').find(|c| c.len() > NAME_MAX) {
        return Err(FilesError::Invalid(format!(
            "A path component is {} bytes long; at most {NAME_MAX} are allowed.",
            component.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory(real: &str) -> Attached {
        Attached {
            real: PathBuf::from(real),
            is_directory: true,
        }
    }

    fn table() -> VirtualPaths {
        let mut table = VirtualPaths::new();
        table.attach(
            "/frameworks/F/executors/E/runs/latest",
            directory("/w/run1"),
        );
        table.attach(
            "/w/slaves/S/frameworks/F/executors/E/runs/run1/",
            directory("/w/run1"),
        );
        table.attach("/a/b", directory("/real/b"));
        table
    }

    #[test]
    fn the_longest_attached_prefix_wins_and_keeps_the_rest() {
        let table = table();
        let lookup = table
            .lookup("/frameworks/F/executors/E/runs/latest/dir/stdout")
            .unwrap();
        assert_eq!(lookup.virtual_path, "/frameworks/F/executors/E/runs/latest");
        assert_eq!(lookup.attached.real, PathBuf::from("/w/run1"));
        assert_eq!(lookup.suffix, "dir/stdout");

        let exact = table
            .lookup("/w/slaves/S/frameworks/F/executors/E/runs/run1/")
            .unwrap();
        assert_eq!(exact.suffix, "");
        assert_eq!(table.lookup("file:///a/b//c/").unwrap().suffix, "c");
    }

    #[test]
    fn prefixes_match_whole_components_only() {
        let table = table();
        assert!(table.lookup("/a/bc").is_none());
        assert!(table.lookup("/a").is_none());
        assert!(table.lookup("a/b").is_none(), "relative is not absolute");
        assert!(table.lookup("/").is_none());
    }

    #[test]
    fn dot_dot_cannot_climb_out_of_a_virtual_prefix() {
        let table = table();
        assert!(
            table
                .lookup("/frameworks/F/../F/executors/E/runs/latest")
                .is_none()
        );
        assert!(table.lookup("/a/x/../b").is_none());
        // Below a prefix it stays in the suffix, for the resolver to judge.
        assert_eq!(table.lookup("/a/b/../../etc").unwrap().suffix, "../../etc");
    }

    #[test]
    fn detach_forgets_by_normalised_key() {
        let mut table = table();
        assert!(table.detach("/a/b/"));
        assert!(!table.detach("/a/b"));
        assert!(table.lookup("/a/b/c").is_none());
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn check_refuses_nul_bytes_and_over_long_paths() {
        assert!(check("/a/b").is_ok());
        for bad in [
            String::new(),
            "/a/\0/b".to_owned(),
            format!("/{}", "x".repeat(NAME_MAX + 1)),
            format!("/{}", "a/".repeat(PATH_MAX / 2 + 1)),
        ] {
            assert!(
                matches!(check(&bad), Err(FilesError::Invalid(_))),
                "{:?}",
                &bad[..bad.len().min(20)]
            );
        }
        assert!(check(&format!("/{}", "x".repeat(NAME_MAX))).is_ok());
    }
}
