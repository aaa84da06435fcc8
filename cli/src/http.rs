//! Talking to masters and agents: `GET` a JSON endpoint with libprocess's HTTP client (one
//! standalone connection thread), following a non-leading master's redirect to the leader,
//! and turning every failure into a [`CliError`] that names the host and what to try.

use std::time::Duration;

use libprocess::{
    Method, Request, Response,
    http::{Body, Client, ClientConfig},
};
use serde_json::Value;

use crate::error::CliError;

/// The largest answer read (a big cluster's `/master/tasks`).
const MAX_BODY: usize = 512 << 20;

/// Who is asked: for messages and hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// `master`, or `agent <id>`.
    pub role: String,
    /// `host:port`.
    pub address: String,
}

impl Peer {
    /// The master at `address`.
    pub fn master(address: &str) -> Peer {
        Peer {
            role: "master".into(),
            address: address.to_owned(),
        }
    }

    /// The agent `id` at `address`.
    pub fn agent(id: &str, address: &str) -> Peer {
        Peer {
            role: format!("agent {id}"),
            address: address.to_owned(),
        }
    }
}

/// An HTTP client for one command.
pub struct Http {
    client: Client,
}

impl Http {
    /// A client with timeouts suited to a person waiting: 5 s to connect, 30 s to answer.
    pub fn new() -> Result<Http, CliError> {
        let config = ClientConfig {
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(30),
            max_body_bytes: MAX_BODY,
            ..ClientConfig::default()
        };
        let client = Client::standalone_with_config(config).map_err(CliError::Output)?;
        Ok(Http { client })
    }

    /// `GET path?query` from `peer` as JSON (query values are percent-encoded here). A
    /// master that is not the leader answers 307 with the leader's address; that redirect is
    /// followed once.
    pub fn get_json(
        &self,
        peer: &Peer,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, CliError> {
        let response = self.get(peer, path, query)?;
        if response.status == 307
            && let Some(leader) = response
                .headers
                .get("Location")
                .and_then(|location| location.strip_prefix("//"))
                .and_then(|location| location.split('/').next())
                .filter(|leader| !leader.is_empty() && *leader != peer.address)
        {
            let leader = Peer {
                role: peer.role.clone(),
                address: leader.to_owned(),
            };
            let response = self.get(&leader, path, query)?;
            return parse_json(&leader, path, response);
        }
        parse_json(peer, path, response)
    }

    fn get(&self, peer: &Peer, path: &str, query: &[(&str, String)]) -> Result<Response, CliError> {
        let mut request = Request::new(Method::Get, path);
        request.query = query
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        self.client
            .request_url(&format!("http://{}", peer.address), request)
            .block()
            .map_err(|error| CliError::from_client(&peer.role, &peer.address, &error))
    }
}

fn parse_json(peer: &Peer, path: &str, response: Response) -> Result<Value, CliError> {
    let status = response.status;
    let body = read_body(peer, path, response)?;
    if status != 200 {
        let text = String::from_utf8_lossy(&body);
        let text = text.trim();
        let body = if text.is_empty() {
            String::new()
        } else {
            let shortened: String = text.chars().take(300).collect();
            format!(": {shortened}")
        };
        return Err(CliError::Status {
            role: peer.role.clone(),
            address: peer.address.clone(),
            path: path.to_owned(),
            status,
            body,
        });
    }
    serde_json::from_slice(&body).map_err(|error| CliError::Malformed {
        role: peer.role.clone(),
        address: peer.address.clone(),
        path: path.to_owned(),
        reason: format!("not JSON ({error})"),
    })
}

fn read_body(peer: &Peer, path: &str, response: Response) -> Result<Vec<u8>, CliError> {
    match response.body {
        Body::Full(bytes) => Ok(bytes.to_vec()),
        Body::Stream(mut reader) => {
            let mut body = Vec::new();
            while let Some(chunk) = reader.block_next() {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(CliError::Malformed {
                        role: peer.role.clone(),
                        address: peer.address.clone(),
                        path: path.to_owned(),
                        reason: format!("the answer is over {MAX_BODY} bytes"),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            match reader.failure() {
                Some(error) => Err(CliError::from_client(&peer.role, &peer.address, error)),
                None => Ok(body),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> Peer {
        Peer::master("m:5050")
    }

    #[test]
    fn json_answers_are_parsed() {
        let response = Response::json(r#"{"slaves":[]}"#);
        let value = parse_json(&master(), "/master/slaves", response).unwrap();
        assert_eq!(value, serde_json::json!({"slaves": []}));
    }

    #[test]
    fn error_statuses_carry_the_body() {
        let response = Response::text(404, "No file or directory at 'x'.\n");
        let error = parse_json(&Peer::agent("S0", "a:5051"), "/files/read", response);
        assert_eq!(
            error.unwrap_err().to_string(),
            "the agent S0 at a:5051 answered GET /files/read with 404: No file or directory \
             at 'x'."
        );
        let error = parse_json(&master(), "/state", Response::new(503)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the master at m:5050 answered GET /state with 503"
        );
    }

    #[test]
    fn an_answer_that_is_not_json_is_malformed() {
        let error = parse_json(&master(), "/state", Response::ok("<html>")).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "the master at m:5050 sent an unexpected answer to GET /state: not JSON"
            ),
            "{error}"
        );
    }
}
