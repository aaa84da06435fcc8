//! Signalling every process of a container and waiting, without polling, until none is left.
//!
//! Waiting uses pidfds (Linux 5.3+): a pidfd becomes readable when its process exits, even
//! when that process is not our child (an orphan adopted by init).

use std::{
    os::fd::{FromRawFd, OwnedFd},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use nix::{
    errno::Errno,
    poll::{PollFd, PollFlags, PollTimeout, poll},
    sys::signal::{Signal, kill},
    unistd::Pid,
};

use super::procfs::{self, ProcessEntry};

/// Sends `signal` to every live process of the container led by `session`; returns how many
/// were signalled. Processes that exit meanwhile are skipped.
pub(crate) fn signal_members(session: i32, signal: Signal) -> usize {
    let members = procfs::members_now(session);
    for member in &members {
        match kill(Pid::from_raw(member.pid), signal) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(error) => tracing::warn!(pid = member.pid, %signal, %error, "could not signal"),
        }
    }
    members.len()
}

/// Blocks until no process of the container led by `session` is alive.
///
/// Each round lists the members, waits for all of them to exit, and lists again (a member
/// may have forked meanwhile). Once `kill_newcomers` is set (the grace period is over),
/// every member found is sent `SIGKILL` first. A process stuck in the kernel
/// (uninterruptible sleep) keeps this waiting, as it keeps Mesos waiting.
pub(crate) fn wait_until_empty(session: i32, kill_newcomers: &Arc<AtomicBool>) {
    loop {
        let members = procfs::members_now(session);
        if members.is_empty() {
            return;
        }
        if kill_newcomers.load(Ordering::Acquire) {
            for member in &members {
                let _ = kill(Pid::from_raw(member.pid), Signal::SIGKILL);
            }
        }
        let fds: Vec<OwnedFd> = members.iter().filter_map(open_pidfd).collect();
        if fds.is_empty() {
            // pidfds unavailable (old kernel, seccomp) yet members remain: wait a little and
            // look again rather than spin.
            let _ = poll(&mut [], PollTimeout::from(10u8));
            continue;
        }
        wait_all_readable(fds);
    }
}

/// A pidfd for `member`, if it is still that very process (same pid and start time).
fn open_pidfd(member: &ProcessEntry) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags by value and touches no memory of ours; the
    // return value is checked before use.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, member.pid, 0) };
    if raw < 0 {
        return None;
    }
    let raw = i32::try_from(raw).ok()?;
    // SAFETY: `raw` is a file descriptor the kernel just gave us and nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // The pid might have been reused between listing and opening: check it is the same
    // process (a live one with the start time we listed).
    let now = procfs::read_process(member.pid)?;
    (now.start_ticks == member.start_ticks && !now.is_gone()).then_some(fd)
}

/// Blocks until every pidfd is readable (its process exited).
fn wait_all_readable(mut fds: Vec<OwnedFd>) {
    while !fds.is_empty() {
        let mut polled: Vec<PollFd<'_>> = fds
            .iter()
            .map(|fd| PollFd::new(std::os::fd::AsFd::as_fd(fd), PollFlags::POLLIN))
            .collect();
        match poll(&mut polled, PollTimeout::NONE) {
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(error) => {
                tracing::warn!(%error, "poll on pidfds failed");
                return;
            }
        }
        let exited: Vec<bool> = polled
            .iter()
            .map(|fd| fd.revents().is_some_and(|events| !events.is_empty()))
            .collect();
        drop(polled);
        let mut index = 0;
        fds.retain(|_| {
            let keep = !exited[index];
            index += 1;
            keep
        });
    }
}
