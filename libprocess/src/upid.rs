//! Process addresses: the `id@ip:port` text form every libprocess peer prints and parses.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    str::FromStr,
    sync::Arc,
};

/// The address of a process: its id and the `ip:port` of the runtime that hosts it.
///
/// Printed and parsed as `id@ip:port`, e.g. `master@10.0.0.1:5050` or `slave(1)@10.0.0.2:5051`,
/// exactly as Mesos does. Cloning is cheap (the id is shared).
///
/// ```
/// use libprocess::Upid;
///
/// let upid: Upid = "slave(1)@10.0.0.2:5051".parse().unwrap();
/// assert_eq!(upid.id(), "slave(1)");
/// assert_eq!(upid.address().port(), 5051);
/// assert_eq!(upid.to_string(), "slave(1)@10.0.0.2:5051");
/// assert!("no-at-sign".parse::<Upid>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upid {
    id: Arc<str>,
    address: SocketAddr,
}

impl Upid {
    /// A UPID from its parts.
    pub fn new(id: impl Into<Arc<str>>, address: SocketAddr) -> Self {
        Self {
            id: id.into(),
            address,
        }
    }

    /// The process id, the part before `@` (may be empty, as in Mesos).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The `ip:port` of the runtime hosting the process.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The id as a shared string (cheap to clone).
    pub(crate) fn id_arc(&self) -> &Arc<str> {
        &self.id
    }
}

impl fmt::Display for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, self.address)
    }
}

impl fmt::Debug for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Upid({self})")
    }
}

/// Why a text is not a UPID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpidParseError {
    /// There is no `@` between the id and the address.
    #[error("'{0}' is not a UPID: expected 'id@ip:port' but found no '@'")]
    MissingAt(String),
    /// There is no `:` between the host and the port.
    #[error("'{0}' is not a UPID: expected 'id@ip:port' but found no ':' after the '@'")]
    MissingColon(String),
    /// The port is not a number from 0 to 65535.
    #[error("'{0}' is not a UPID: the port is not a number from 0 to 65535")]
    BadPort(String),
    /// The host is not an IP address (host names are not resolved).
    #[error("'{0}' is not a UPID: the host is not an IPv4 address (or a bracketed IPv6 one)")]
    BadHost(String),
    /// The text contains whitespace or control characters.
    #[error("'{0}' is not a UPID: it contains whitespace or control characters")]
    BadCharacter(String),
}

impl FromStr for Upid {
    type Err = UpidParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UpidParseError::BadCharacter(text.to_owned()));
        }
        let (id, rest) = text
            .split_once('@')
            .ok_or_else(|| UpidParseError::MissingAt(text.to_owned()))?;
        let address = if rest.starts_with('[') {
            // A bracketed IPv6 address; Mesos itself speaks IPv4, this is an extension.
            if !rest.contains("]:") {
                return Err(UpidParseError::MissingColon(text.to_owned()));
            }
            rest.parse::<SocketAddr>()
                .map_err(|_| UpidParseError::BadHost(text.to_owned()))?
        } else {
            let (host, port) = rest
                .split_once(':')
                .ok_or_else(|| UpidParseError::MissingColon(text.to_owned()))?;
            let ip = host
                .parse::<Ipv4Addr>()
                .map_err(|_| UpidParseError::BadHost(text.to_owned()))?;
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return Err(UpidParseError::BadPort(text.to_owned()));
            }
            let port = port
                .parse::<u16>()
                .map_err(|_| UpidParseError::BadPort(text.to_owned()))?;
            SocketAddr::new(IpAddr::V4(ip), port)
        };
        Ok(Self::new(id, address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for text in [
            "master@10.0.0.1:5050",
            "slave(1)@127.0.0.1:5051",
            "@1.2.3.4:0",
        ] {
            let upid: Upid = text.parse().unwrap();
            assert_eq!(upid.to_string(), text);
        }
    }

    #[test]
    fn names_what_is_wrong() {
        type Expected = fn(String) -> UpidParseError;
        let cases: &[(&str, Expected)] = &[
            ("master", UpidParseError::MissingAt),
            ("master@1.2.3.4", UpidParseError::MissingColon),
            ("master@1.2.3.4:", UpidParseError::BadPort),
            ("master@1.2.3.4:70000", UpidParseError::BadPort),
            ("master@1.2.3.4:+5", UpidParseError::BadPort),
            ("master@host:5050", UpidParseError::BadHost),
            ("master@1.2.3:5050", UpidParseError::BadHost),
            ("mas ter@1.2.3.4:5", UpidParseError::BadCharacter),
        ];
        for (text, expected) in cases {
            assert_eq!(
                text.parse::<Upid>(),
                Err(expected(text.to_string())),
                "{text}"
            );
        }
    }
}
