//! `http://host[:port][/path][?query]` URLs, parsed purely (the `mesos` CLI passes what users
//! type, so every input gives a value or a clear error, never a panic).

use std::net::IpAddr;

use super::ClientError;

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// The host name or IP literal, without brackets.
    pub(crate) host: String,
    /// The port (80 if the URL names none).
    pub(crate) port: u16,
    /// What the `Host` header carries: the host (bracketed if IPv6) and the port if given.
    pub(crate) authority: String,
    /// The path, "" if the URL has none.
    pub(crate) path: String,
    /// The raw query string without `?`, "" if none.
    pub(crate) query: String,
}

impl HttpUrl {
    /// Parses `url`; the fragment (`#...`) is dropped.
    pub(crate) fn parse(url: &str) -> Result<Self, ClientError> {
        let invalid = |reason: &str| ClientError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        if url.bytes().any(|b| b <= b' ' || b >= 0x7f) {
            return Err(invalid(
                "it contains whitespace, control or non-ASCII characters (percent-encode them)",
            ));
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("expected http://host[:port][/path]"))?;
        if scheme.eq_ignore_ascii_case("https") {
            return Err(invalid("https is not supported; use http://"));
        }
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(invalid("only http:// URLs are supported"));
        }
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(invalid("user information (user@host) is not supported"));
        }
        let (host, port) = split_host_port(authority).map_err(invalid)?;
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, query),
            None => (rest, ""),
        };
        let bracketed = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let authority = match port {
            Some(port) => format!("{bracketed}:{port}"),
            None => bracketed,
        };
        Ok(HttpUrl {
            host,
            port: port.unwrap_or(80),
            authority,
            path: path.to_owned(),
            query: query.to_owned(),
        })
    }

    /// The host as an IP address, if it is an IP literal.
    pub(crate) fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` into the host and the port if given.
fn split_host_port(authority: &str) -> Result<(String, Option<u16>), &'static str> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address misses its closing ']'")?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("the bracketed host is not an IPv6 address");
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("unexpected characters after ']'")?,
            ),
        };
        (host, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("the host is missing");
    }
    if !host.contains(':')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
    {
        return Err("the host has characters a host name cannot have");
    }
    let port = match port {
        None | Some("") => None,
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Some(port),
            _ => return Err("the port is not a number from 1 to 65535"),
        },
    };
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> (String, u16, String, String, String) {
        let url = HttpUrl::parse(url).unwrap();
        (url.host, url.port, url.authority, url.path, url.query)
    }

    #[test]
    fn parses_hosts_ports_paths_and_queries() {
        assert_eq!(
            parsed("http://127.0.0.1:5050/master/state?jsonp=x#frag"),
            (
                "127.0.0.1".into(),
                5050,
                "127.0.0.1:5050".into(),
                "/master/state".into(),
                "jsonp=x".into()
            )
        );
        assert_eq!(
            parsed("HTTP://agent.example"),
            (
                "agent.example".into(),
                80,
                "agent.example".into(),
                "".into(),
                "".into()
            )
        );
        assert_eq!(
            parsed("http://[::1]:5051?x=1"),
            (
                "::1".into(),
                5051,
                "[::1]:5051".into(),
                "".into(),
                "x=1".into()
            )
        );
    }

    #[test]
    fn names_what_is_wrong() {
        for (url, expected) in [
            ("127.0.0.1:5050/state", "expected http://"),
            ("https://host/", "https is not supported"),
            ("ftp://host/", "only http://"),
            ("http://user@host/", "user information"),
            ("http://:5050/", "host is missing"),
            ("http://host:99999/", "port"),
            ("http://host:-1/", "port"),
            ("http://[::1/", "closing ']'"),
            ("http://[nope]/", "not an IPv6"),
            ("http://ho st/", "whitespace"),
            ("http://h%st/", "characters a host name"),
        ] {
            let error = HttpUrl::parse(url).unwrap_err().to_string();
            assert!(error.contains(expected), "{url}: {error}");
        }
    }
}
