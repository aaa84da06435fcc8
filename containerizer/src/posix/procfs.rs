//! Reading the process table from `/proc`, and the pure rule for which processes belong to a
//! container: every live process of its session, plus every live descendant of those.

use std::{collections::BTreeSet, fs};

/// One process as `/proc/<pid>/stat` describes it (the fields we use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcessEntry {
    pub pid: i32,
    /// `R`, `S`, `D`, `Z`, `T`, ...
    pub state: char,
    pub parent: i32,
    pub group: i32,
    pub session: i32,
    /// User and system CPU time, in clock ticks.
    pub user_ticks: u64,
    pub system_ticks: u64,
    pub threads: u32,
    /// When the process started, in clock ticks after boot: with the pid, it names one
    /// process for good (pids are reused, start times with them are not).
    pub start_ticks: u64,
    /// Resident set size, in pages.
    pub resident_pages: u64,
}

impl ProcessEntry {
    /// Whether the process has exited (a zombie waiting for its parent, or dead).
    pub fn is_gone(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parses one `/proc/<pid>/stat` line; `None` if it is not one.
///
/// The command name (second field) is in parentheses and may itself hold spaces and
/// parentheses, so the fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<ProcessEntry> {
    let (head, tail) = text.rsplit_once(')')?;
    let pid = head.split_once('(')?.0.trim().parse().ok()?;
    // Fields from the third (state) on; index 0 here is field 3 of proc(5).
    let fields: Vec<&str> = tail.split_whitespace().collect();
    let field = |number: usize| fields.get(number - 3).copied();
    let number = |index: usize| -> Option<u64> { field(index)?.parse().ok() };
    Some(ProcessEntry {
        pid,
        state: field(3)?.chars().next()?,
        parent: field(4)?.parse().ok()?,
        group: field(5)?.parse().ok()?,
        session: field(6)?.parse().ok()?,
        user_ticks: number(14)?,
        system_ticks: number(15)?,
        threads: u32::try_from(number(20)?).ok()?,
        start_ticks: number(22)?,
        resident_pages: number(24)?,
    })
}

/// The process `pid` now, if it exists.
pub(crate) fn read_process(pid: i32) -> Option<ProcessEntry> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Every process on the machine (those that vanish while we read are skipped).
pub(crate) fn all_processes() -> Vec<ProcessEntry> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(read_process)
        .collect()
}

/// The live processes of a container whose executor leads session `session`: the session's
/// members and, transitively, their children (which may have left the session with
/// `setsid`). Exited processes (zombies) are left out. Sorted by pid.
pub(crate) fn container_members(session: i32, table: &[ProcessEntry]) -> Vec<ProcessEntry> {
    let live: Vec<&ProcessEntry> = table.iter().filter(|entry| !entry.is_gone()).collect();
    let mut members: BTreeSet<i32> = live
        .iter()
        .filter(|entry| entry.session == session)
        .map(|entry| entry.pid)
        .collect();
    loop {
        let before = members.len();
        for entry in &live {
            if members.contains(&entry.parent) {
                members.insert(entry.pid);
            }
        }
        if members.len() == before {
            break;
        }
    }
    let mut result: Vec<ProcessEntry> = live
        .into_iter()
        .filter(|entry| members.contains(&entry.pid))
        .cloned()
        .collect();
    result.sort_by_key(|entry| entry.pid);
    result
}

/// The container's live processes now.
pub(crate) fn members_now(session: i32) -> Vec<ProcessEntry> {
    container_members(session, &all_processes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: i32, parent: i32, session: i32, state: char) -> ProcessEntry {
        ProcessEntry {
            pid,
            state,
            parent,
            group: pid,
            session,
            user_ticks: 0,
            system_ticks: 0,
            threads: 1,
            start_ticks: 0,
            resident_pages: 0,
        }
    }

    #[test]
    fn parses_stat_lines_with_awkward_names() {
        let line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 120 0 0 0 7 3 0 0 20 0 2 \
                    0 123456 2000000 321 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0";
        let parsed = parse_stat(line).expect("a stat line");
        assert_eq!(parsed.pid, 4242);
        assert_eq!(parsed.state, 'S');
        assert_eq!(
            (parsed.parent, parsed.group, parsed.session),
            (1, 4242, 4242)
        );
        assert_eq!((parsed.user_ticks, parsed.system_ticks), (7, 3));
        assert_eq!(parsed.threads, 2);
        assert_eq!(parsed.start_ticks, 123456);
        assert_eq!(parsed.resident_pages, 321);
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("12 (x) S 1"), None);
    }

    #[test]
    fn reads_this_process() {
        let me = read_process(std::process::id() as i32).expect("our own stat");
        assert_eq!(me.pid, std::process::id() as i32);
        assert!(!me.is_gone());
    }

    #[test]
    fn members_are_the_session_and_its_descendants_without_zombies() {
        let table = vec![
            entry(1, 0, 1, 'S'),
            entry(100, 1, 100, 'S'),   // executor, session leader
            entry(101, 100, 100, 'S'), // its child
            entry(102, 101, 102, 'S'), // grandchild that called setsid
            entry(103, 102, 102, 'R'), // its child
            entry(104, 100, 100, 'Z'), // exited child
            entry(105, 1, 100, 'S'),   // orphan still in the session
            entry(200, 1, 200, 'S'),   // someone else
        ];
        let pids: Vec<i32> = container_members(100, &table)
            .iter()
            .map(|entry| entry.pid)
            .collect();
        assert_eq!(pids, vec![100, 101, 102, 103, 105]);
        assert!(container_members(300, &table).is_empty());
    }
}
