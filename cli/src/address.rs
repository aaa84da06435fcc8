//! Where the master and the agents are: `--master` in any form Mesos tools accept, and an
//! agent's address from the libprocess pid the master reports for it.

use crate::error::CliError;

/// The master's port when `--master` gives only a host.
pub const DEFAULT_MASTER_PORT: u16 = 5050;

/// `host:port` from `--master`: `host:port`, `host` (port 5050), `http://host:port[/]`,
/// `master@host:port`, or `file:///path` holding one of those. ZooKeeper URLs are refused
/// with a hint until this CLI can detect the leader there.
pub fn master_address(text: &str) -> Result<String, CliError> {
    let text = text.trim();
    if let Some(path) = text.strip_prefix("file://") {
        let content = std::fs::read_to_string(path).map_err(|error| {
            CliError::Usage(format!(
                "cannot read the master's address from '{path}': {error}"
            ))
        })?;
        if content.trim().starts_with("file://") {
            return Err(CliError::Usage(format!(
                "'{path}' names another file; give the master's host:port"
            )));
        }
        return master_address(&content);
    }
    if text.starts_with("zk://") {
        return Err(CliError::Usage(format!(
            "'{text}': finding the leading master through ZooKeeper is not supported yet; \
             pass the leading master as --master host:port"
        )));
    }
    let bare = text
        .strip_prefix("http://")
        .unwrap_or(text)
        .trim_end_matches('/');
    let bare = bare.rsplit_once('@').map_or(bare, |(_, address)| address);
    if bare.is_empty() || bare.contains(['/', ' ', '?', '#']) {
        return Err(CliError::Usage(format!(
            "'{text}' is not a master address; give host:port, e.g. --master 127.0.0.1:5050"
        )));
    }
    let has_port = match bare.rsplit_once(':') {
        // An IPv6 literal in brackets keeps its colons inside.
        Some((host, port)) if !host.is_empty() && !port.contains(']') => {
            port.parse::<u16>()
                .map_err(|_| CliError::Usage(format!("'{text}': '{port}' is not a port number")))?;
            true
        }
        _ => false,
    };
    Ok(if has_port {
        bare.to_owned()
    } else {
        format!("{bare}:{DEFAULT_MASTER_PORT}")
    })
}

/// An agent's process id and `host:port` from its libprocess pid (`slave(1)@10.0.0.5:5051`).
pub fn agent_pid(pid: &str) -> Option<(&str, &str)> {
    let (id, address) = pid.split_once('@')?;
    (!id.is_empty() && address.contains(':')).then_some((id, address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mesos_form_of_master_is_understood() {
        for (given, expected) in [
            ("127.0.0.1:5050", "127.0.0.1:5050"),
            (" 10.0.0.1:6000 ", "10.0.0.1:6000"),
            ("master.example", "master.example:5050"),
            ("http://m:5050/", "m:5050"),
            ("master@10.1.1.1:5051", "10.1.1.1:5051"),
            ("[::1]:5050", "[::1]:5050"),
        ] {
            assert_eq!(master_address(given).unwrap(), expected, "{given}");
        }
    }

    #[test]
    fn a_master_file_is_read_once() {
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("master");
        std::fs::write(&file, "master@10.0.0.2:5050\n").unwrap();
        let url = format!("file://{}", file.display());
        assert_eq!(master_address(&url).unwrap(), "10.0.0.2:5050");
        std::fs::write(&file, &url).unwrap();
        assert!(matches!(master_address(&url), Err(CliError::Usage(_))));
        let missing = format!("file://{}", directory.path().join("nope").display());
        assert!(matches!(master_address(&missing), Err(CliError::Usage(_))));
    }

    #[test]
    fn nonsense_and_zookeeper_are_usage_errors() {
        for bad in [
            "",
            "zk://h:2181/mesos",
            "a b:1",
            "h:port",
            "h:99999",
            "http://h:1/x",
        ] {
            let error = master_address(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad}: {error}");
        }
        assert!(
            master_address("zk://h:2181/mesos")
                .unwrap_err()
                .to_string()
                .contains("--master host:port")
        );
    }

    #[test]
    fn agent_addresses_come_from_pids() {
        assert_eq!(
            agent_pid("slave(1)@10.0.0.5:5051"),
            Some(("slave(1)", "10.0.0.5:5051"))
        );
        assert_eq!(agent_pid("nonsense"), None);
        assert_eq!(agent_pid("@1.2.3.4:5"), None);
    }
}
