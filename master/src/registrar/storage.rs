//! Where the registry lives: the `RegistryStore` trait, an in-memory store (`--registry=in_memory`)
//! and a durable file store under the master's `--work_dir` (our `--registry=replicated_log` until
//! the HA issue brings replication).
//!
//! The file store writes the whole registry as one protobuf to a temporary file, fsyncs it,
//! renames it over `<work_dir>/registry/registry.pb` and fsyncs the directory, so a crash at any
//! point leaves either the old or the new registry, never a torn one.

use std::{
    fs::{self, File},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use prost::Message;
use proto::internal::Registry;

/// Why the registry could not be fetched or stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A filesystem operation failed.
    #[error(
        "registry I/O error on '{path}': {source} (check the --work_dir permissions and free space)"
    )]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The stored registry does not decode.
    #[error(
        "the registry in '{path}' is corrupt: {source}; restore it from a backup or remove it to start empty"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The decode error.
        source: prost::DecodeError,
    },
    /// A store was told to fail (tests).
    #[error("injected failure: {0}")]
    Injected(String),
}

/// Durable (or not) storage for the one registry value.
pub trait RegistryStore: Send + 'static {
    /// The stored registry; an empty registry if nothing was ever stored.
    fn fetch(&mut self) -> Result<Registry, StoreError>;

    /// Replaces the stored registry; when this returns `Ok`, the new value survives a restart
    /// (for durable stores).
    fn store(&mut self, registry: &Registry) -> Result<(), StoreError>;

    /// A short name for logs and `/flags`: `in_memory` or `replicated_log`.
    fn kind(&self) -> &'static str;
}

/// Keeps the registry in memory only (`--registry=in_memory`): a restarted master forgets
/// every agent. Clones share the same value, so a test can "restart" a master on it.
#[derive(Clone, Debug, Default)]
pub struct InMemoryStore {
    shared: Arc<Mutex<InMemoryState>>,
}

#[derive(Debug, Default)]
struct InMemoryState {
    registry: Option<Registry>,
    fail_next_stores: usize,
    stores: usize,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> InMemoryStore {
        InMemoryStore::default()
    }

    /// Makes the next `count` stores fail (to test the master's reaction).
    pub fn fail_next_stores(&self, count: usize) {
        self.lock().fail_next_stores = count;
    }

    /// How many stores succeeded so far.
    pub fn stores(&self) -> usize {
        self.lock().stores
    }

    /// The last stored registry.
    pub fn snapshot(&self) -> Option<Registry> {
        self.lock().registry.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InMemoryState> {
        // A panic while holding this lock cannot leave the state half-written.
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl RegistryStore for InMemoryStore {
    fn fetch(&mut self) -> Result<Registry, StoreError> {
        Ok(self.lock().registry.clone().unwrap_or_default())
    }

    fn store(&mut self, registry: &Registry) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.fail_next_stores > 0 {
            state.fail_next_stores -= 1;
            return Err(StoreError::Injected("store refused".into()));
        }
        state.registry = Some(registry.clone());
        state.stores += 1;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "in_memory"
    }
}

/// The durable store: `<work_dir>/registry/registry.pb`, replaced atomically on every store.
#[derive(Debug)]
pub struct FileStore {
    directory: PathBuf,
}

impl FileStore {
    /// The file name of the registry inside the store's directory.
    pub const FILE_NAME: &'static str = "registry.pb";

    /// A store in `<work_dir>/registry` (created if missing).
    pub fn open(work_dir: &Path) -> Result<FileStore, StoreError> {
        let directory = work_dir.join("registry");
        fs::create_dir_all(&directory).map_err(|source| StoreError::Io {
            path: directory.clone(),
            source,
        })?;
        Ok(FileStore { directory })
    }

    /// The registry file.
    pub fn path(&self) -> PathBuf {
        self.directory.join(Self::FILE_NAME)
    }

    fn io(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
        move |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl RegistryStore for FileStore {
    fn fetch(&mut self) -> Result<Registry, StoreError> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Registry::default());
            }
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        Registry::decode(bytes.as_slice()).map_err(|source| StoreError::Corrupt { path, source })
    }

    fn store(&mut self, registry: &Registry) -> Result<(), StoreError> {
        let path = self.path();
        let temporary = self.directory.join(format!("{}.tmp", Self::FILE_NAME));
        let mut file = File::create(&temporary).map_err(Self::io(&temporary))?;
        file.write_all(&registry.encode_to_vec())
            .map_err(Self::io(&temporary))?;
        file.sync_all().map_err(Self::io(&temporary))?;
        drop(file);
        fs::rename(&temporary, &path).map_err(Self::io(&path))?;
        // Make the rename itself durable.
        File::open(&self.directory)
            .and_then(|directory| directory.sync_all())
            .map_err(Self::io(&self.directory))?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "replicated_log"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::{
        internal::registry::{Slave, Slaves},
        v0::{SlaveId, SlaveInfo},
    };

    fn registry_with(id: &str) -> Registry {
        Registry {
            slaves: Some(Slaves {
                slaves: vec![Slave {
                    info: SlaveInfo {
                        hostname: "h".into(),
                        id: Some(SlaveId { value: id.into() }),
                        ..SlaveInfo::default()
                    },
                    drain_info: None,
                    deactivated: None,
                }],
            }),
            ..Registry::default()
        }
    }

    #[test]
    fn file_store_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileStore::open(dir.path()).unwrap();
        assert_eq!(store.fetch().unwrap(), Registry::default());
        store.store(&registry_with("a")).unwrap();
        store.store(&registry_with("b")).unwrap();
        let mut reopened = FileStore::open(dir.path()).unwrap();
        assert_eq!(reopened.fetch().unwrap(), registry_with("b"));
        assert!(!dir.path().join("registry/registry.pb.tmp").exists());
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileStore::open(dir.path()).unwrap();
        fs::write(store.path(), b"\xff\xff\xff").unwrap();
        let error = store.fetch().unwrap_err().to_string();
        assert!(error.contains("corrupt"), "{error}");
        assert!(error.contains("registry.pb"), "{error}");
    }

    #[test]
    fn in_memory_store_shares_its_value_and_injects_failures() {
        let store = InMemoryStore::new();
        let mut writer = store.clone();
        writer.store(&registry_with("a")).unwrap();
        assert_eq!(store.clone().fetch().unwrap(), registry_with("a"));
        store.fail_next_stores(1);
        assert!(writer.store(&registry_with("b")).is_err());
        assert_eq!(store.snapshot(), Some(registry_with("a")));
        writer.store(&registry_with("b")).unwrap();
        assert_eq!(store.stores(), 2);
    }
}
