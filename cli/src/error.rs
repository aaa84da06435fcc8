//! What can go wrong, said so that the person at the terminal knows what to do, and the exit
//! code each failure gives (1 for a failure, 2 for a command line that does not parse).

use std::{io, time::Duration};

use libprocess::http::ClientError;

/// Everything `mesos` can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line names something that cannot be (a bad `--master`, a bad file name).
    #[error("{0}")]
    Usage(String),
    /// Nothing answered at the address.
    #[error("cannot reach the {role} at {address}: {reason}; {hint}")]
    Unreachable {
        /// `master` or `agent <id>`.
        role: String,
        /// Where it was looked for.
        address: String,
        /// What the connection attempt said.
        reason: String,
        /// What to try.
        hint: String,
    },
    /// It answered, but not with what was asked for.
    #[error("the {role} at {address} answered GET {path} with {status}{body}")]
    Status {
        /// `master` or `agent <id>`.
        role: String,
        /// Its address.
        address: String,
        /// The request path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// `: <body>` when there was one.
        body: String,
    },
    /// It answered with something we cannot read.
    #[error("the {role} at {address} sent an unexpected answer to GET {path}: {reason}")]
    Malformed {
        /// `master` or `agent <id>`.
        role: String,
        /// Its address.
        address: String,
        /// The request path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// What was asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Writing the output failed (e.g. a closed pipe).
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
}

impl CliError {
    /// The process exit code: 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// Words a client error for `role` at `address`.
    pub(crate) fn from_client(role: &str, address: &str, error: &ClientError) -> CliError {
        let hint = if role == "master" {
            "is mesos-master running there? Pass --master host:port or set MESOS_MASTER".to_owned()
        } else {
            format!("is the {role} still running, and reachable from here?")
        };
        let reason = match error {
            ClientError::Connect { kind, reason, .. } => match kind {
                io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                _ => reason.clone(),
            },
            ClientError::ConnectTimedOut { timeout, .. } => {
                format!("no connection within {}", seconds(*timeout))
            }
            ClientError::ResponseTimedOut { timeout, .. } => {
                format!("no answer within {}", seconds(*timeout))
            }
            ClientError::Resolve { host, reason } => {
                format!("cannot resolve host '{host}' ({reason})")
            }
            ClientError::InvalidUrl { reason, .. } => {
                return CliError::Usage(format!("invalid {role} address '{address}': {reason}"));
            }
            other => other.to_string(),
        };
        CliError::Unreachable {
            role: role.to_owned(),
            address: address.to_owned(),
            reason,
            hint,
        }
    }
}

fn seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    fn address() -> SocketAddr {
        "127.0.0.1:5050".parse().unwrap()
    }

    #[test]
    fn a_refused_master_says_what_to_do() {
        let error = ClientError::Connect {
            address: address(),
            kind: io::ErrorKind::ConnectionRefused,
            reason: "Connection refused (os error 111)".into(),
        };
        let error = CliError::from_client("master", "127.0.0.1:5050", &error);
        assert_eq!(
            error.to_string(),
            "cannot reach the master at 127.0.0.1:5050: connection refused; is mesos-master \
             running there? Pass --master host:port or set MESOS_MASTER"
        );
        assert_eq!(error.exit_code(), 1);
    }

    #[test]
    fn an_agent_gets_its_own_hint_and_timeouts_their_length() {
        let error = ClientError::ConnectTimedOut {
            address: address(),
            timeout: Duration::from_millis(5500),
        };
        let error = CliError::from_client("agent S0", "10.0.0.1:5051", &error);
        assert_eq!(
            error.to_string(),
            "cannot reach the agent S0 at 10.0.0.1:5051: no connection within 5.5s; is the \
             agent S0 still running, and reachable from here?"
        );
        let error = ClientError::ResponseTimedOut {
            address: address(),
            timeout: Duration::from_secs(30),
        };
        assert!(
            CliError::from_client("master", "m:1", &error)
                .to_string()
                .contains("no answer within 30s")
        );
        let error = ClientError::Resolve {
            host: "nowhere".into(),
            reason: "not known".into(),
        };
        assert!(
            CliError::from_client("master", "nowhere:5050", &error)
                .to_string()
                .contains("cannot resolve host 'nowhere' (not known)")
        );
    }

    #[test]
    fn an_address_that_is_no_url_is_a_usage_error() {
        let error = ClientError::InvalidUrl {
            url: "http://a b".into(),
            reason: "bad host".into(),
        };
        let error = CliError::from_client("master", "a b", &error);
        assert_eq!(error.exit_code(), 2);
        assert_eq!(error.to_string(), "invalid master address 'a b': bad host");
    }
}
