//! Reading `waitpid` statuses (Linux encoding) and describing them in Mesos's words
//! (`exited with status 1`, `terminated with signal Killed`).

/// The exit code, if the process exited normally.
pub fn exit_code(status: i32) -> Option<i32> {
    (status & 0x7f == 0).then_some((status >> 8) & 0xff)
}

/// The signal that terminated the process, if one did.
pub fn signal(status: i32) -> Option<i32> {
    let low = status & 0x7f;
    (low != 0 && low != 0x7f).then_some(low)
}

/// Whether the process exited with status 0.
pub fn succeeded(status: i32) -> bool {
    exit_code(status) == Some(0)
}

/// Mesos's `WSTRINGIFY`: `exited with status N`, `terminated with signal <name>` (with
/// ` (core dumped)` when it did), `stopped on signal <name>`, or `wait status N`.
pub fn describe(status: i32) -> String {
    if let Some(code) = exit_code(status) {
        format!("exited with status {code}")
    } else if let Some(number) = signal(status) {
        let core = if status & 0x80 != 0 {
            " (core dumped)"
        } else {
            ""
        };
        format!("terminated with signal {}{core}", signal_name(number))
    } else if status & 0xff == 0x7f {
        format!("stopped on signal {}", signal_name((status >> 8) & 0xff))
    } else {
        format!("wait status {status}")
    }
}

/// The C library's description of a signal (what `strsignal` says on Linux).
pub fn signal_name(number: i32) -> String {
    let name = match number {
        1 => "Hangup",
        2 => "Interrupt",
        3 => "Quit",
        4 => "Illegal instruction",
        5 => "Trace/breakpoint trap",
        6 => "Aborted",
        7 => "Bus error",
        8 => "Floating point exception",
        9 => "Killed",
        10 => "User defined signal 1",
        11 => "Segmentation fault",
        12 => "User defined signal 2",
        13 => "Broken pipe",
        14 => "Alarm clock",
        15 => "Terminated",
        16 => "Stack fault",
        17 => "Child exited",
        18 => "Continued",
        19 => "Stopped (signal)",
        20 => "Stopped",
        21 => "Stopped (tty input)",
        22 => "Stopped (tty output)",
        23 => "Urgent I/O condition",
        24 => "CPU time limit exceeded",
        25 => "File size limit exceeded",
        26 => "Virtual timer expired",
        27 => "Profiling timer expired",
        28 => "Window changed",
        29 => "I/O possible",
        30 => "Power failure",
        31 => "Bad system call",
        34..=64 => return format!("Real-time signal {}", number - 34),
        _ => return format!("Unknown signal {number}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_describes_statuses() {
        assert_eq!(exit_code(0), Some(0));
        assert!(succeeded(0));
        assert_eq!(exit_code(3 << 8), Some(3));
        assert_eq!(describe(3 << 8), "exited with status 3");
        assert_eq!(signal(9), Some(9));
        assert_eq!(exit_code(9), None);
        assert_eq!(describe(9), "terminated with signal Killed");
        assert_eq!(describe(15), "terminated with signal Terminated");
        assert_eq!(
            describe(11 | 0x80),
            "terminated with signal Segmentation fault (core dumped)"
        );
        assert_eq!(
            describe((19 << 8) | 0x7f),
            "stopped on signal Stopped (signal)"
        );
        assert_eq!(signal_name(40), "Real-time signal 6");
        assert_eq!(signal_name(99), "Unknown signal 99");
    }
}
