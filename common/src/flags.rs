//! Mesos's flag syntax on top of clap: `MESOS_<FLAG>` environment variables, `--no-<flag>`,
//! `file://` values, and stout's duration (`15secs`) and byte-size (`512MB`) forms.
//!
//! A binary declares its flags as a `clap::Parser` with snake_case long names
//! (`#[arg(long = "work_dir")]`) and parses them with [`parse`]. Booleans are declared with
//! `num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set` so `--flag`,
//! `--flag=false` and `--no-flag` all work as in Mesos.

use std::{ffi::OsString, fmt, fs, time::Duration};

use clap::{ArgAction, Parser};

/// Parses the process's flags: `MESOS_<FLAG>` environment variables first, then the command
/// line, which wins. On `--help` or a bad flag this prints clap's message and exits (status
/// 0 for help, 1 for an error naming the flag), as Mesos's binaries do.
pub fn parse<F: Parser>() -> F {
    match try_parse_from::<F>(std::env::args_os(), std::env::vars_os(), "MESOS_") {
        Ok(flags) => flags,
        Err(error) => exit_on(error),
    }
}

/// Prints a parse outcome that ends the process and exits as Mesos's binaries do: 0 after
/// `--help` or `--version` output, 1 after an error (clap alone would use 2).
fn exit_on(error: clap::Error) -> ! {
    let code = if error.use_stderr() { 1 } else { 0 };
    // A closed stdout or stderr leaves nothing better to do than exit with the same code.
    let _ = error.print();
    std::process::exit(code)
}

/// Parses flags from explicit arguments and environment (for tests and embedding).
///
/// Environment variables named `<prefix><FLAG NAME IN UPPER CASE>` set the flag of that name;
/// variables that name no flag are ignored, as Mesos ignores them. Command-line flags override
/// the environment, and a flag given twice takes its last value.
pub fn try_parse_from<F: Parser>(
    args: impl IntoIterator<Item = impl Into<OsString>>,
    vars: impl IntoIterator<Item = (impl Into<OsString>, impl Into<OsString>)>,
    prefix: &str,
) -> Result<F, clap::Error> {
    let command = F::command().args_override_self(true);
    let longs: Vec<(String, bool)> = command
        .get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?.to_string();
            // Booleans are flags whose value may be left out (`--checkpoint`).
            let boolean = matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse)
                || arg
                    .get_num_args()
                    .is_some_and(|range| range.min_values() == 0);
            Some((long, boolean))
        })
        .collect();

    let mut args = args.into_iter().map(Into::into);
    let mut full: Vec<OsString> = args.next().into_iter().collect();

    let mut from_env: Vec<(String, OsString)> = vars
        .into_iter()
        .filter_map(|(name, value)| {
            let name = name.into().into_string().ok()?;
            let flag = name.strip_prefix(prefix)?.to_ascii_lowercase();
            longs
                .iter()
                .any(|(long, _)| *long == flag)
                .then(|| (flag, value.into()))
        })
        .collect();
    from_env.sort_by(|a, b| a.0.cmp(&b.0));
    for (flag, value) in from_env {
        let mut arg = OsString::from(format!("--{flag}="));
        arg.push(value);
        full.push(arg);
    }

    for arg in args {
        full.push(rewrite_negation(arg, &longs));
    }

    let matches = command.try_get_matches_from(full)?;
    F::from_arg_matches(&matches)
}

/// `--no-checkpoint` becomes `--checkpoint=false` when `checkpoint` is a boolean flag.
fn rewrite_negation(arg: OsString, longs: &[(String, bool)]) -> OsString {
    let Some(text) = arg.to_str() else { return arg };
    let Some(name) = text.strip_prefix("--no-") else {
        return arg;
    };
    if longs.iter().any(|(long, boolean)| *boolean && long == name) {
        OsString::from(format!("--{name}=false"))
    } else {
        arg
    }
}

/// A value given as `file:///path` is replaced by the file's contents (trailing newline
/// trimmed), as Mesos loads `--resources`, `--credentials`, `--acls` and friends.
pub fn read_file_value(value: &str) -> Result<String, String> {
    match value.strip_prefix("file://") {
        Some(path) => fs::read_to_string(path)
            .map(|text| text.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|error| format!("Failed to read '{path}': {error}")),
        None => Ok(value.to_string()),
    }
}

/// A duration in stout's syntax: a non-negative decimal number followed by one of `ns`, `us`,
/// `ms`, `secs`, `mins`, `hrs`, `days`, `weeks` (for example `15secs`, `1.5mins`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(format!(
            "Invalid duration '{text}': it must start with a number"
        ));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("Invalid duration number '{number}'"))?;
    let factor: f64 = match unit {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "secs" => 1.0,
        "mins" => 60.0,
        "hrs" => 3600.0,
        "days" => 86_400.0,
        "weeks" => 604_800.0,
        "" => {
            return Err(format!(
                "Invalid duration '{text}': missing a unit (e.g. '15secs')"
            ));
        }
        other => {
            return Err(format!(
                "Unknown duration unit '{other}'; supported units are 'ns', 'us', 'ms', 'secs', \
                 'mins', 'hrs', 'days', and 'weeks'"
            ));
        }
    };
    Duration::try_from_secs_f64(value * factor)
        .map_err(|_| format!("Duration '{text}' is out of the range a duration can represent"))
}

/// Renders a duration as stout does: in the largest unit that keeps it a whole number of a
/// unit no smaller than the next one down (`15secs`, `10mins`, `1500ms`, `1.5mins` is `90secs`).
pub fn format_duration(duration: Duration) -> String {
    const UNITS: [(&str, u128); 8] = [
        ("ns", 1),
        ("us", 1_000),
        ("ms", 1_000_000),
        ("secs", 1_000_000_000),
        ("mins", 60_000_000_000),
        ("hrs", 3_600_000_000_000),
        ("days", 86_400_000_000_000),
        ("weeks", 604_800_000_000_000),
    ];
    let nanos = duration.as_nanos();
    // The bucket: the largest unit not greater than the duration (at least nanoseconds).
    let bucket = UNITS
        .iter()
        .rposition(|(_, size)| nanos >= *size)
        .unwrap_or(0);
    // Prefer one unit down when that gives a whole number and the bucket unit does not.
    let index = if bucket > 0
        && !nanos.is_multiple_of(UNITS[bucket].1)
        && nanos.is_multiple_of(UNITS[bucket - 1].1)
    {
        bucket - 1
    } else {
        bucket
    };
    let (unit, size) = UNITS[index];
    if nanos.is_multiple_of(size) {
        format!("{}{unit}", nanos / size)
    } else {
        format!("{}{unit}", nanos as f64 / size as f64)
    }
}

/// A byte size in stout's syntax: a whole number followed by `B`, `KB`, `MB`, `GB` or `TB`
/// (case-insensitive, powers of 1024).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if unit.starts_with('.') {
        return Err(format!("Fractional bytes '{text}'"));
    }
    let value: u64 = number
        .parse()
        .map_err(|_| format!("Invalid bytes '{text}'"))?;
    let shift = match unit.to_ascii_uppercase().as_str() {
        "B" => 0,
        "KB" => 10,
        "MB" => 20,
        "GB" => 30,
        "TB" => 40,
        "" => {
            return Err(format!(
                "Invalid bytes '{text}': missing a unit (e.g. '512MB')"
            ));
        }
        other => return Err(format!("Unknown bytes unit '{other}'")),
    };
    value
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("Bytes '{text}' overflow"))
}

/// Renders a byte size as stout does: the largest unit with no loss of information.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u32); 4] = [("TB", 40), ("GB", 30), ("MB", 20), ("KB", 10)];
    if bytes == 0 {
        return "0B".to_string();
    }
    for (unit, shift) in UNITS {
        if bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    format!("{bytes}B")
}

/// A duration flag value that prints in Mesos's syntax (for `/flags` and `GET_FLAGS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MesosDuration(pub Duration);

impl std::str::FromStr for MesosDuration {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        parse_duration(text).map(MesosDuration)
    }
}

impl fmt::Display for MesosDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

/// A byte-size flag value that prints in Mesos's syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MesosBytes(pub u64);

impl std::str::FromStr for MesosBytes {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        parse_bytes(text).map(MesosBytes)
    }
}

impl fmt::Display for MesosBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_bytes(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Parser, Debug)]
    struct Flags {
        #[arg(long = "work_dir")]
        work_dir: Option<String>,
        #[arg(long = "port", default_value_t = 5050)]
        port: u16,
        #[arg(long = "checkpoint", num_args = 0..=1, default_missing_value = "true",
              action = ArgAction::Set, default_value_t = false)]
        checkpoint: bool,
        #[arg(long = "allocation_interval", default_value = "1secs")]
        allocation_interval: MesosDuration,
    }

    fn parse(args: &[&str], vars: &[(&str, &str)]) -> Result<Flags, clap::Error> {
        let args = std::iter::once("prog").chain(args.iter().copied());
        try_parse_from(args, vars.iter().copied(), "MESOS_")
    }

    #[test]
    fn environment_sets_flags_and_the_command_line_wins() {
        let flags = parse(
            &["--port=6060"],
            &[("MESOS_PORT", "7070"), ("MESOS_WORK_DIR", "/w")],
        )
        .unwrap();
        assert_eq!(flags.port, 6060);
        assert_eq!(flags.work_dir.as_deref(), Some("/w"));
        // Unknown MESOS_ variables and other variables are ignored.
        let flags = parse(&[], &[("MESOS_NO_SUCH_FLAG", "1"), ("PORT", "1")]).unwrap();
        assert_eq!(flags.port, 5050);
    }

    #[test]
    fn booleans_take_mesos_forms() {
        assert!(parse(&["--checkpoint"], &[]).unwrap().checkpoint);
        assert!(!parse(&["--checkpoint=false"], &[]).unwrap().checkpoint);
        assert!(
            !parse(&["--checkpoint", "--no-checkpoint"], &[])
                .unwrap()
                .checkpoint
        );
        assert!(
            parse(&[], &[("MESOS_CHECKPOINT", "true")])
                .unwrap()
                .checkpoint
        );
    }

    #[test]
    fn a_bad_value_is_an_error_naming_the_flag() {
        let error = parse(&["--port=abc"], &[]).unwrap_err().to_string();
        assert!(error.contains("--port"), "{error}");
        let error = parse(&["--allocation_interval=5"], &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--allocation_interval"), "{error}");
        assert!(error.contains("missing a unit"), "{error}");
        let error = parse(&["--no_such_flag=1"], &[]).unwrap_err().to_string();
        assert!(error.contains("--no_such_flag"), "{error}");
    }

    #[test]
    fn durations_parse_and_print_as_stout() {
        let cases = [
            ("15secs", Duration::from_secs(15), "15secs"),
            ("10mins", Duration::from_secs(600), "10mins"),
            ("1.5mins", Duration::from_secs(90), "90secs"),
            ("100ms", Duration::from_millis(100), "100ms"),
            ("1500ms", Duration::from_millis(1500), "1500ms"),
            ("2weeks", Duration::from_secs(14 * 86_400), "2weeks"),
            ("10days", Duration::from_secs(10 * 86_400), "10days"),
            ("0secs", Duration::ZERO, "0ns"),
            ("5us", Duration::from_micros(5), "5us"),
        ];
        for (text, duration, printed) in cases {
            assert_eq!(parse_duration(text).unwrap(), duration, "{text}");
            assert_eq!(format_duration(duration), printed, "{text}");
        }
        for bad in [
            "", "secs", "5", "5 secs", "5sec", "-5secs", "1e3secs", "1..2secs",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn byte_sizes_parse_and_print_as_stout() {
        assert_eq!(parse_bytes("512MB").unwrap(), 512 << 20);
        assert_eq!(parse_bytes("1gb").unwrap(), 1 << 30);
        assert_eq!(parse_bytes("7B").unwrap(), 7);
        assert_eq!(format_bytes(512 << 20), "512MB");
        assert_eq!(format_bytes(1536), "1536B");
        assert_eq!(format_bytes(3 << 10), "3KB");
        assert_eq!(format_bytes(0), "0B");
        for bad in ["", "MB", "1.5GB", "12", "12XB", "99999999999999999999TB"] {
            assert!(parse_bytes(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn file_values_are_read() {
        let dir = std::env::temp_dir().join(format!("common-flags-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("resources");
        fs::write(&path, "cpus:2;mem:1024\n").unwrap();
        let value = read_file_value(&format!("file://{}", path.display())).unwrap();
        assert_eq!(value, "cpus:2;mem:1024");
        assert_eq!(read_file_value("cpus:1").unwrap(), "cpus:1");
        assert!(
            read_file_value("file:///no/such/file")
                .unwrap_err()
                .contains("/no/such/file")
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
