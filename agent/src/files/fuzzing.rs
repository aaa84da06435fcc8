//! The entry point shared by the `files_paths` cargo-fuzz target and the property test: a
//! requested path (any bytes) goes through the checks, the lookup and the resolver against
//! a fixture sandbox with symlinks pointing in and out, and must never come back with the
//! canary file next to the sandbox, nor with anything outside the sandbox.

use std::{
    fs,
    os::unix::fs::symlink,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use super::{
    FilesError, browse,
    ops::{locate, read},
    table::{Attached, VirtualPaths},
};

/// What the canary file outside the sandbox holds.
pub const CANARY: &[u8] = b"canary: outside the sandbox";

/// The fixture: `<base>/sandbox` (attached as `/virtual` and under its real path) with
/// `stdout`, `dir/inner`, links `in -> stdout`, `out -> ../canary`, `up -> ..`,
/// `root -> /`; `<base>/canary` and `<base>/sandbox-evil/canary` outside.
pub struct PathFixture {
    /// The canonical sandbox.
    pub sandbox: PathBuf,
    /// The attachments.
    pub paths: VirtualPaths,
}

impl PathFixture {
    /// Lays the fixture out under `base` (an existing, empty directory).
    pub fn create(base: &Path) -> std::io::Result<PathFixture> {
        let base = fs::canonicalize(base)?;
        let sandbox = base.join("sandbox");
        fs::create_dir_all(sandbox.join("dir"))?;
        fs::create_dir_all(base.join("sandbox-evil"))?;
        fs::write(sandbox.join("stdout"), b"out")?;
        fs::write(sandbox.join("dir/inner"), b"inner")?;
        fs::write(base.join("canary"), CANARY)?;
        fs::write(base.join("sandbox-evil/canary"), CANARY)?;
        symlink("stdout", sandbox.join("in"))?;
        symlink("../canary", sandbox.join("out"))?;
        symlink("..", sandbox.join("up"))?;
        symlink("/", sandbox.join("root"))?;
        let mut paths = VirtualPaths::new();
        let attached = Attached {
            real: sandbox.clone(),
            is_directory: true,
        };
        paths.attach("/virtual", attached.clone());
        paths.attach(&sandbox.display().to_string(), attached);
        Ok(PathFixture { sandbox, paths })
    }

    /// Resolves, reads and lists `requested`, panicking if anything leaves the sandbox.
    pub fn check(&self, requested: &str) {
        if let Ok(resolved) = locate(&self.paths, requested) {
            assert!(
                resolved.canonical.starts_with(&self.sandbox),
                "{requested:?} resolved outside: {}",
                resolved.canonical.display()
            );
        }
        match read(&self.paths, requested, 0, None) {
            Ok(chunk) => assert_ne!(chunk.data, CANARY, "{requested:?} read the canary"),
            Err(FilesError::Invalid(_) | FilesError::NotFound(_) | FilesError::Forbidden(_)) => {}
            Err(FilesError::Unknown(message)) => panic!("{requested:?}: unexpected {message}"),
        }
        if let Ok(listing) = browse(&self.paths, requested) {
            for entry in listing {
                assert!(!entry.path.contains('\0'));
            }
        }
    }
}

/// Feeds `data`, as a path, to the resolver (a shared fixture under the temp directory).
#[doc(hidden)]
pub fn requested_path(data: &[u8]) {
    static FIXTURE: OnceLock<PathFixture> = OnceLock::new();
    let fixture = FIXTURE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("files-fuzz-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(&base).expect("a fuzz fixture directory");
        PathFixture::create(&base).expect("the fuzz fixture")
    });
    fixture.check(&String::from_utf8_lossy(data));
}
