//! How full the work directory's filesystem is (Mesos's `fs::usage`: used blocks over all
//! blocks, from `statvfs`), behind a probe tests replace.

use std::{fmt, io, path::Path, sync::Arc};

type Probe = dyn Fn(&Path) -> io::Result<f64> + Send + Sync;

/// Measures disk usage as a fraction (0.0 to 1.0) of the filesystem holding a path.
#[derive(Clone)]
pub struct DiskUsageProbe(Arc<Probe>);

impl DiskUsageProbe {
    /// The filesystem's real usage.
    pub fn statvfs() -> Self {
        Self(Arc::new(filesystem_usage))
    }

    /// A probe answering with `probe` (tests: a fixed or changing usage, or an error).
    pub fn new(probe: impl Fn(&Path) -> io::Result<f64> + Send + Sync + 'static) -> Self {
        Self(Arc::new(probe))
    }

    /// The usage of the filesystem holding `path`.
    pub fn usage(&self, path: &Path) -> io::Result<f64> {
        (self.0)(path)
    }
}

impl Default for DiskUsageProbe {
    fn default() -> Self {
        Self::statvfs()
    }
}

impl fmt::Debug for DiskUsageProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DiskUsageProbe")
    }
}

/// `(f_blocks - f_bfree) / f_blocks` of the filesystem holding `path`.
pub fn filesystem_usage(path: &Path) -> io::Result<f64> {
    let stats = rustix::fs::statvfs(path).map_err(io::Error::from)?;
    if stats.f_blocks == 0 {
        return Err(io::Error::other(format!(
            "the filesystem of '{}' reports no blocks",
            path.display()
        )));
    }
    let used = stats.f_blocks.saturating_sub(stats.f_bfree);
    Ok(used as f64 / stats.f_blocks as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_probe_reads_a_fraction() {
        let usage = DiskUsageProbe::statvfs()
            .usage(&std::env::temp_dir())
            .unwrap();
        assert!((0.0..=1.0).contains(&usage), "{usage}");
        assert!(
            DiskUsageProbe::statvfs()
                .usage(Path::new("/no/such/dir"))
                .is_err()
        );
    }
}
