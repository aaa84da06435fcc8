//! The agent's resources: `--resources` as given, with whatever it leaves out detected from
//! the machine as Mesos does (src/slave/containerizer/containerizer.cpp):
//!
//! - `cpus`: the number of CPUs (1 when unknown);
//! - `mem`: total memory less 1 GB when there are at least 2 GB, else half (1 GB when
//!   unknown), in MB;
//! - `disk`: the size of the filesystem holding `--work_dir` less 5 GB when it has at least
//!   10 GB, else half (10 GB when unknown), in MB;
//! - `ports`: `[31000-32000]`.
//!
//! Detected resources get `--default_role`. [`Machine::probe`] reads the machine;
//! [`agent_resources`] is the pure rule.

use std::path::Path;

use resources::{ParseError, Resources, Role, parse_json, parse_text};

const GB: u64 = 1 << 30;
const MB: u64 = 1 << 20;

/// Mesos's fallback CPU count (`DEFAULT_CPUS`).
pub const DEFAULT_CPUS: u64 = 1;
/// Mesos's fallback memory (`DEFAULT_MEM`, 1 GB).
pub const DEFAULT_MEM_BYTES: u64 = GB;
/// Mesos's fallback disk (`DEFAULT_DISK`, 10 GB).
pub const DEFAULT_DISK_BYTES: u64 = 10 * GB;
/// Mesos's default port range (`DEFAULT_PORTS`).
pub const DEFAULT_PORTS: &str = "[31000-32000]";

/// What the machine has; `None` where it could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Machine {
    /// Online CPUs.
    pub cpus: Option<u64>,
    /// Total memory in bytes.
    pub memory_bytes: Option<u64>,
    /// Total size of the work directory's filesystem in bytes.
    pub disk_bytes: Option<u64>,
}

impl Machine {
    /// Reads this machine: CPUs available to the process, `MemTotal` of `/proc/meminfo`, and
    /// the size of the filesystem holding `work_dir` (which must exist).
    pub fn probe(work_dir: &Path) -> Machine {
        let cpus = std::thread::available_parallelism()
            .ok()
            .map(|count| count.get() as u64);
        let memory_bytes = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| mem_total_bytes(&text));
        let disk_bytes = rustix::fs::statvfs(work_dir)
            .ok()
            .map(|stats| stats.f_blocks.saturating_mul(stats.f_frsize));
        Machine {
            cpus,
            memory_bytes,
            disk_bytes,
        }
    }
}

/// `MemTotal` of `/proc/meminfo` text, in bytes.
pub fn mem_total_bytes(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|line| line.starts_with("MemTotal:"))?;
    let mut fields = line.split_whitespace().skip(1);
    let amount: u64 = fields.next()?.parse().ok()?;
    match fields.next() {
        Some("kB") | None => amount.checked_mul(1024),
        Some(_) => None,
    }
}

/// The memory the agent offers out of `total` bytes, in MB.
pub fn offered_memory_mb(total: Option<u64>) -> u64 {
    let bytes = match total {
        Some(total) if total >= 2 * GB => total - GB,
        Some(total) => total / 2,
        None => DEFAULT_MEM_BYTES,
    };
    bytes / MB
}

/// The disk the agent offers out of a filesystem of `total` bytes, in MB.
pub fn offered_disk_mb(total: Option<u64>) -> u64 {
    let bytes = match total {
        Some(total) if total >= 10 * GB => total - 5 * GB,
        Some(total) => total / 2,
        None => DEFAULT_DISK_BYTES,
    };
    bytes / MB
}

/// The agent's total resources: `flag` (text or JSON) with `cpus`, `mem`, `disk` and
/// `ports` detected from `machine` where the flag does not name them.
pub fn agent_resources(
    flag: Option<&str>,
    default_role: &Role,
    machine: &Machine,
) -> Result<Resources, ParseError> {
    let text = flag.unwrap_or("").trim();
    let given = if text.starts_with('[') {
        parse_json(text, default_role)?
    } else {
        parse_text(text, default_role)?
    };
    let named = |name: &str| given.iter().any(|resource| resource.name() == name);
    let mut resources = Resources::parse(text, default_role)?;
    let mut detected = Vec::new();
    if !named("cpus") {
        detected.push(format!("cpus:{}", machine.cpus.unwrap_or(DEFAULT_CPUS)));
    }
    if !named("mem") {
        detected.push(format!("mem:{}", offered_memory_mb(machine.memory_bytes)));
    }
    if !named("disk") {
        detected.push(format!("disk:{}", offered_disk_mb(machine.disk_bytes)));
    }
    if !named("ports") {
        detected.push(format!("ports:{DEFAULT_PORTS}"));
    }
    if !detected.is_empty() {
        resources += Resources::parse(&detected.join(";"), default_role)?;
    }
    Ok(resources)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Machine {
        Machine {
            cpus: Some(8),
            memory_bytes: Some(16 * GB),
            disk_bytes: Some(100 * GB),
        }
    }

    #[test]
    fn detects_what_the_flag_leaves_out() {
        let resources = agent_resources(None, &Role::star(), &machine()).unwrap();
        assert_eq!(
            resources,
            Resources::parse_unreserved("cpus:8;mem:15360;disk:97280;ports:[31000-32000]").unwrap()
        );

        let resources =
            agent_resources(Some("cpus:2;gpus:1;foo:{a,b}"), &Role::star(), &machine()).unwrap();
        assert_eq!(
            resources,
            Resources::parse_unreserved(
                "cpus:2;gpus:1;foo:{a,b};mem:15360;disk:97280;ports:[31000-32000]"
            )
            .unwrap()
        );
    }

    #[test]
    fn a_named_resource_is_never_detected_even_at_zero() {
        let resources = agent_resources(
            Some("cpus:0;mem:0;disk:0;ports:[1-2]"),
            &Role::star(),
            &machine(),
        )
        .unwrap();
        assert_eq!(
            resources,
            Resources::parse_unreserved("ports:[1-2]").unwrap()
        );
    }

    #[test]
    fn json_flags_and_default_roles_apply() {
        let json = r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":3}}]"#;
        let role = Role::new("web").unwrap();
        let resources = agent_resources(Some(json), &role, &machine()).unwrap();
        assert_eq!(
            resources,
            Resources::parse(
                "cpus(web):3;mem(web):15360;disk(web):97280;ports(web):[31000-32000]",
                &Role::star()
            )
            .unwrap()
        );
    }

    #[test]
    fn small_and_unknown_machines_follow_mesos() {
        assert_eq!(offered_memory_mb(Some(2 * GB)), 1024);
        assert_eq!(offered_memory_mb(Some(GB)), 512);
        assert_eq!(offered_memory_mb(None), 1024);
        assert_eq!(offered_disk_mb(Some(10 * GB)), 5 * 1024);
        assert_eq!(offered_disk_mb(Some(4 * GB)), 2 * 1024);
        assert_eq!(offered_disk_mb(None), 10 * 1024);
        let unknown = agent_resources(None, &Role::star(), &Machine::default()).unwrap();
        assert_eq!(
            unknown,
            Resources::parse_unreserved("cpus:1;mem:1024;disk:10240;ports:[31000-32000]").unwrap()
        );
    }

    #[test]
    fn bad_flags_are_errors() {
        assert!(agent_resources(Some("cpus:abc"), &Role::star(), &machine()).is_err());
        assert!(agent_resources(Some("[{]"), &Role::star(), &machine()).is_err());
        assert!(agent_resources(Some("cpus:-1"), &Role::star(), &machine()).is_err());
    }

    #[test]
    fn reads_meminfo_and_probes_this_machine() {
        let text = "MemTotal:       16316412 kB\nMemFree:         1234 kB\n";
        assert_eq!(mem_total_bytes(text), Some(16_316_412 * 1024));
        assert_eq!(mem_total_bytes("MemFree: 1 kB"), None);
        assert_eq!(mem_total_bytes("MemTotal: x kB"), None);

        let dir = tempfile::tempdir().unwrap();
        let probed = Machine::probe(dir.path());
        assert!(probed.cpus.is_some_and(|cpus| cpus >= 1));
        assert!(probed.memory_bytes.is_some_and(|bytes| bytes > 0));
        assert!(probed.disk_bytes.is_some_and(|bytes| bytes > 0));
    }
}
