//! Resource usage of a container's processes, from `/proc`, as Mesos's `posix/cpu` and
//! `posix/mem` isolators report it.

use nix::unistd::{SysconfVar, sysconf};
use proto::v0;
use resources::Resources;

use super::procfs::ProcessEntry;

/// Usage of `members` (the container's live processes) with the limits of `resources`, at
/// `timestamp` (seconds since the epoch, from the runtime's clock).
pub(crate) fn statistics(
    members: &[ProcessEntry],
    resources: &Resources,
    timestamp: f64,
) -> v0::ResourceStatistics {
    let ticks_per_second = sysconf(SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100) as f64;
    let page_size = sysconf(SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .filter(|size| *size > 0)
        .unwrap_or(4096) as u64;
    let user: u64 = members.iter().map(|member| member.user_ticks).sum();
    let system: u64 = members.iter().map(|member| member.system_ticks).sum();
    let resident: u64 = members.iter().map(|member| member.resident_pages).sum();
    v0::ResourceStatistics {
        timestamp,
        processes: Some(u32::try_from(members.len()).unwrap_or(u32::MAX)),
        threads: Some(members.iter().map(|member| member.threads).sum()),
        cpus_user_time_secs: Some(user as f64 / ticks_per_second),
        cpus_system_time_secs: Some(system as f64 / ticks_per_second),
        cpus_limit: resources.cpus().map(|cpus| cpus.as_f64()),
        mem_rss_bytes: Some(resident.saturating_mul(page_size)),
        mem_limit_bytes: resources
            .mem()
            .map(|megabytes| (megabytes.as_f64() * 1024.0 * 1024.0) as u64),
        ..Default::default()
    }
}
