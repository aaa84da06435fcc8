//! Runtime configuration: addresses, thread counts and limits, from code or `LIBPROCESS_*`.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::Duration,
};

/// How a [`Runtime`](crate::Runtime) is set up. Build one with
/// [`Runtime::builder`](crate::Runtime::builder) or read it from the environment with
/// [`RuntimeConfig::from_env`].
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// The IP to listen on (`LIBPROCESS_IP`); default `127.0.0.1`.
    pub ip: IpAddr,
    /// The port to listen on, 0 for any free port (`LIBPROCESS_PORT`); default 0.
    pub port: u16,
    /// The IP that UPIDs show, if not the listening one (`LIBPROCESS_ADVERTISE_IP`).
    pub advertise_ip: Option<IpAddr>,
    /// The port that UPIDs show, if not the listening one (`LIBPROCESS_ADVERTISE_PORT`).
    pub advertise_port: Option<u16>,
    /// Worker threads (`LIBPROCESS_NUM_WORKER_THREADS`); default: cores. They run the
    /// processes and also the sockets (inbound connections and outbound peers are spread
    /// over them), so a message crosses as few threads as possible.
    pub workers: usize,
    /// The largest request body accepted (larger gets 413); default 16 MiB.
    pub max_body_bytes: usize,
    /// The most bytes queued for one peer before messages are dropped; default 64 MiB.
    pub max_queued_bytes: usize,
    /// How long a peer may stop reading before its connection counts as broken; default 30 s.
    pub write_timeout: Duration,
    /// How long connecting to a peer may take; default 10 s.
    pub connect_timeout: Duration,
    /// How long a request, once started, may take to arrive (longer gets 408); default 30 s.
    pub body_timeout: Duration,
    /// Whether a panicking handler aborts the whole OS process (after logging it), as
    /// Mesos fails fast, instead of terminating only its process; default `false`. See the
    /// crate docs, "Panics".
    pub abort_on_panic: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            advertise_ip: None,
            advertise_port: None,
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            max_body_bytes: 16 * 1024 * 1024,
            max_queued_bytes: 64 * 1024 * 1024,
            write_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            abort_on_panic: false,
        }
    }
}

/// Why a runtime could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The listening socket could not be bound (address in use, not local, no permission).
    #[error("cannot listen on {address}: {source} (is another process using the port?)")]
    Bind {
        /// The address we tried.
        address: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A `LIBPROCESS_*` environment variable has a value we cannot use.
    #[error("environment variable {variable}='{value}' is invalid: {reason}")]
    Environment {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What is expected.
        reason: &'static str,
    },
    /// The worker threads or the HTTP server could not start.
    #[error("the runtime could not start: {0}")]
    Start(String),
}

/// Reads and parses one variable through `lookup`; unset or blank is `None`.
fn env_value<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    reason: &'static str,
) -> Result<Option<T>, BuildError> {
    match lookup(variable) {
        Some(value) if value.trim().is_empty() => Ok(None),
        Some(value) => value
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| BuildError::Environment {
                variable,
                value,
                reason,
            }),
        None => Ok(None),
    }
}

impl RuntimeConfig {
    /// The defaults, overridden by `LIBPROCESS_IP`, `LIBPROCESS_PORT`,
    /// `LIBPROCESS_ADVERTISE_IP`, `LIBPROCESS_ADVERTISE_PORT` and
    /// `LIBPROCESS_NUM_WORKER_THREADS` where set.
    pub fn from_env() -> Result<Self, BuildError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](RuntimeConfig::from_env), reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, BuildError> {
        const IP: &str = "expected an IP address";
        const PORT: &str = "expected a port from 0 to 65535";
        const WORKERS: &str = "expected a positive number";
        let mut config = Self::default();
        if let Some(ip) = env_value(&lookup, "LIBPROCESS_IP", IP)? {
            config.ip = ip;
        }
        if let Some(port) = env_value(&lookup, "LIBPROCESS_PORT", PORT)? {
            config.port = port;
        }
        config.advertise_ip = env_value(&lookup, "LIBPROCESS_ADVERTISE_IP", IP)?;
        config.advertise_port = env_value(&lookup, "LIBPROCESS_ADVERTISE_PORT", PORT)?;
        if let Some(workers) =
            env_value::<usize>(&lookup, "LIBPROCESS_NUM_WORKER_THREADS", WORKERS)?
        {
            if workers == 0 {
                return Err(BuildError::Environment {
                    variable: "LIBPROCESS_NUM_WORKER_THREADS",
                    value: "0".into(),
                    reason: WORKERS,
                });
            }
            config.workers = workers;
        }
        Ok(config)
    }
}

/// Builds a [`Runtime`](crate::Runtime); see [`Runtime::builder`](crate::Runtime::builder).
#[derive(Debug, Clone, Default)]
pub struct RuntimeBuilder {
    config: RuntimeConfig,
}

impl RuntimeBuilder {
    /// Starts from `config` instead of the defaults.
    pub fn config(mut self, config: RuntimeConfig) -> Self {
        self.config = config;
        self
    }

    /// The IP to listen on.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.config.ip = ip;
        self
    }

    /// The port to listen on (0 = any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = port;
        self
    }

    /// The IP that UPIDs show.
    pub fn advertise_ip(mut self, ip: IpAddr) -> Self {
        self.config.advertise_ip = Some(ip);
        self
    }

    /// The port that UPIDs show.
    pub fn advertise_port(mut self, port: u16) -> Self {
        self.config.advertise_port = Some(port);
        self
    }

    /// The number of worker threads that run processes (at least 1).
    pub fn workers(mut self, workers: usize) -> Self {
        self.config.workers = workers.max(1);
        self
    }

    /// The largest request body accepted.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.config.max_body_bytes = bytes;
        self
    }

    /// The most bytes queued for one peer.
    pub fn max_queued_bytes(mut self, bytes: usize) -> Self {
        self.config.max_queued_bytes = bytes;
        self
    }

    /// How long a peer may stop reading before it counts as broken.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.config.write_timeout = timeout;
        self
    }

    /// How long a request body may take to arrive.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.config.body_timeout = timeout;
        self
    }

    /// Whether a panicking handler aborts the OS process (`std::process::abort`, after an
    /// error log) instead of terminating only its process; default `false`.
    ///
    /// For binaries that prefer Mesos's fail-fast: a supervisor restarts the whole
    /// daemon rather than letting it run on without the failed process. Leave it off in
    /// tests and in libraries. See the crate docs, "Panics".
    pub fn abort_on_panic(mut self, abort: bool) -> Self {
        self.config.abort_on_panic = abort;
        self
    }

    /// Binds the listener, starts the threads, and returns the running runtime.
    pub fn build(self) -> Result<crate::Runtime, BuildError> {
        crate::runtime::system::start(self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn reads_libprocess_variables() {
        let config = RuntimeConfig::from_lookup(lookup(&[
            ("LIBPROCESS_IP", "0.0.0.0"),
            ("LIBPROCESS_PORT", "5050"),
            ("LIBPROCESS_ADVERTISE_IP", "10.0.0.1"),
            ("LIBPROCESS_ADVERTISE_PORT", ""),
            ("LIBPROCESS_NUM_WORKER_THREADS", "3"),
        ]))
        .unwrap();
        assert_eq!(config.ip.to_string(), "0.0.0.0");
        assert_eq!(config.port, 5050);
        assert_eq!(
            config.advertise_ip.map(|ip| ip.to_string()).as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(config.advertise_port, None);
        assert_eq!(config.workers, 3);
    }

    #[test]
    fn names_the_bad_variable() {
        for pairs in [
            &[("LIBPROCESS_PORT", "70000")][..],
            &[("LIBPROCESS_IP", "localhost")][..],
            &[("LIBPROCESS_NUM_WORKER_THREADS", "0")][..],
        ] {
            let error = RuntimeConfig::from_lookup(lookup(pairs)).unwrap_err();
            assert!(error.to_string().contains(pairs[0].0), "{error}");
        }
    }
}
