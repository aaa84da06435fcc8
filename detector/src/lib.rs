//! How an agent (or a scheduler) finds the leading master from `--master`, as Mesos's
//! `MasterDetector` does.
//!
//! A [`MasterDetector`] answers "who leads now?" and, asked again with the answer it gave,
//! waits until that changes. [`create`] builds one from the `--master` flag's text:
//!
//! - `host:port` or `master@host:port`: a [`StandaloneDetector`] that always names
//!   `master@ip:port` (a host name is resolved once, to its first IPv4 address);
//! - `file:///path`: the file holds one of the other forms (read once, trimmed);
//! - `zk://...`: ZooKeeper, which arrives with the high-availability issue; refused for now
//!   with an error saying so.
//!
//! ```
//! use detector::MasterDetector;
//!
//! let detector = detector::create("127.0.0.1:5050")?;
//! let leader = detector.detect(None).block().unwrap();
//! assert_eq!(leader.unwrap().to_string(), "master@127.0.0.1:5050");
//! # Ok::<(), detector::DetectorError>(())
//! ```

mod standalone;

use std::{
    fs,
    net::{IpAddr, SocketAddr, ToSocketAddrs},
};

use libprocess::{Future, Upid};

pub use standalone::StandaloneDetector;

/// The process id every Mesos master has.
pub const MASTER_ID: &str = "master";

/// Finds the leading master.
///
/// `detect(previous)` resolves at once with the current leader when it differs from
/// `previous`; otherwise it resolves when the leader changes (to another master, or to
/// `None` when there is none). Callers keep calling it with the last answer to follow the
/// leadership. Object safe, so callers hold a `Box<dyn MasterDetector>` or an `Arc`.
pub trait MasterDetector: Send + Sync + 'static {
    /// The leader once it differs from `previous` (see the trait's documentation).
    fn detect(&self, previous: Option<&Upid>) -> Future<Option<Upid>>;
}

/// Why `--master` names no master we can find.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetectorError {
    /// The flag is empty.
    #[error("--master is empty: give 'host:port', 'master@host:port' or 'file:///path'")]
    Empty,
    /// The text is not `host:port` or `master@host:port`.
    #[error("Failed to parse '{text}' as a master address: {reason}")]
    Unparsable {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The host name does not resolve to an IPv4 address.
    #[error("Failed to resolve the master host '{host}': {reason}")]
    Resolve {
        /// The host name.
        host: String,
        /// Why it did not resolve.
        reason: String,
    },
    /// A `file://` value whose file cannot be read.
    #[error("Failed to read the master address from file '{path}': {reason}")]
    File {
        /// The path after `file://`.
        path: String,
        /// The IO error.
        reason: String,
    },
    /// `zk://` (ZooKeeper), which this build cannot use yet.
    #[error(
        "ZooKeeper master detection ('{0}') is not supported yet; give the master as \
         'host:port' or 'master@host:port'"
    )]
    ZooKeeperUnsupported(String),
}

/// A detector for the `--master` flag's text (see the crate documentation for the forms).
pub fn create(master: &str) -> Result<Box<dyn MasterDetector>, DetectorError> {
    Ok(Box::new(StandaloneDetector::new(Some(parse_master(
        master,
    )?))))
}

/// The master a standalone `--master` value names: `master@ip:port`.
///
/// `file://` values are read (once) and parsed; `zk://` values are refused with
/// [`DetectorError::ZooKeeperUnsupported`].
pub fn parse_master(master: &str) -> Result<Upid, DetectorError> {
    parse_master_at_depth(master, 0)
}

fn parse_master_at_depth(master: &str, depth: usize) -> Result<Upid, DetectorError> {
    let text = master.trim();
    if text.is_empty() {
        return Err(DetectorError::Empty);
    }
    if text.starts_with("zk://") {
        return Err(DetectorError::ZooKeeperUnsupported(text.to_owned()));
    }
    if let Some(path) = text.strip_prefix("file://") {
        // One level of indirection is what Mesos reads; a file naming a file is refused
        // rather than followed forever.
        if depth > 0 {
            return Err(DetectorError::Unparsable {
                text: text.to_owned(),
                reason: "a file:// value may not name another file".into(),
            });
        }
        let contents = fs::read_to_string(path).map_err(|error| DetectorError::File {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
        return parse_master_at_depth(&contents, depth + 1);
    }
    let (host, port) = split_master(text)?;
    Ok(Upid::new(MASTER_ID, resolve(&host, port)?))
}

/// The host and port of `host:port` or `master@host:port` (no `file://`, no `zk://`), checked
/// but not resolved: pure, so it can be fuzzed.
pub fn split_master(text: &str) -> Result<(String, u16), DetectorError> {
    let unparsable = |reason: &str| DetectorError::Unparsable {
        text: text.to_owned(),
        reason: reason.to_owned(),
    };
    let address = match text.split_once('@') {
        Some((MASTER_ID, address)) => address,
        Some((other, _)) => {
            return Err(unparsable(&format!(
                "the process id must be '{MASTER_ID}', not '{other}'"
            )));
        }
        None => text,
    };
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| unparsable("expected 'host:port' but found no ':'"))?;
    if host.is_empty() {
        return Err(unparsable("the host is empty"));
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '/' || c == '@')
    {
        return Err(unparsable(
            "the host contains a space, a control character, '/' or '@'",
        ));
    }
    let port: u16 = port
        .parse()
        .map_err(|_| unparsable("the port is not a number from 0 to 65535"))?;
    Ok((host.to_owned(), port))
}

/// A checked host and port as a socket address; a host name resolves to its first IPv4
/// address.
fn resolve(host: &str, port: u16) -> Result<SocketAddr, DetectorError> {
    let literal = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let addresses = (host, port)
        .to_socket_addrs()
        .map_err(|error| DetectorError::Resolve {
            host: host.to_owned(),
            reason: error.to_string(),
        })?;
    let mut first = None;
    for address in addresses {
        if address.is_ipv4() {
            return Ok(address);
        }
        first.get_or_insert(address);
    }
    first.ok_or_else(|| DetectorError::Resolve {
        host: host.to_owned(),
        reason: "no addresses".into(),
    })
}

/// The entry point shared by the cargo-fuzz target and the property test: splitting any text
/// never panics, and a split IP address parses to the master at that address and port.
#[doc(hidden)]
pub fn fuzz_master_text(text: &str) {
    if text.trim_start().starts_with("file://") || text.trim_start().starts_with("zk://") {
        return;
    }
    if let Ok((host, port)) = split_master(text.trim())
        && let Ok(ip) = host
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
            .unwrap_or(&host)
            .parse::<IpAddr>()
    {
        let master = parse_master(text).expect("an IP master parses");
        assert_eq!(master.address(), SocketAddr::new(ip, port));
        assert_eq!(master.id(), MASTER_ID);
    }
}

#[cfg(test)]
mod tests;
