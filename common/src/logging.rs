//! Logging for the binaries: one `tracing` subscriber writing to standard error, its level
//! from Mesos's `--logging_level` (or `RUST_LOG`), colour only when standard error is a
//! terminal, so sandbox `stderr` files and captured output stay plain text.

use std::io::IsTerminal;

/// The `tracing` filter for one of Mesos's `--logging_level` values (`INFO`, `WARNING`,
/// `ERROR`); anything else logs at `info`.
pub fn filter_for(logging_level: &str) -> &'static str {
    match logging_level {
        "WARNING" => "warn",
        "ERROR" => "error",
        _ => "info",
    }
}

/// Installs the process's subscriber at `default_filter` (a `tracing` filter such as `info`),
/// unless `RUST_LOG` says otherwise. A second call, or a subscriber already installed, is
/// left alone.
pub fn init(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::filter_for;

    #[test]
    fn mesos_levels_map_to_filters() {
        assert_eq!(filter_for("INFO"), "info");
        assert_eq!(filter_for("WARNING"), "warn");
        assert_eq!(filter_for("ERROR"), "error");
        assert_eq!(filter_for("anything"), "info");
    }
}
