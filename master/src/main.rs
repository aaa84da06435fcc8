//! The `mesos-master` binary: parses Mesos's master flags (also from `MESOS_*` variables),
//! opens the registry, starts the allocator, the registrar, the master and `/version` on one
//! libprocess runtime listening on `--ip:--port`, and runs until the master stops.

use std::process::ExitCode;

use allocator::shell::process::AllocatorProcess;
use common::version::{MESOS_VERSION, VersionProcess};
use libprocess::{Runtime, RuntimeConfig};
use master::{
    flags::{MasterFlags, RegistryKind},
    master::Master,
    registrar::{FileStore, InMemoryStore, RegistryStore},
};

fn init_logging(flags: &MasterFlags) {
    if flags.quiet {
        return;
    }
    common::logging::init(common::logging::filter_for(&flags.logging_level));
}

fn run(flags: MasterFlags) -> Result<(), String> {
    let config = flags.to_config().map_err(|error| error.to_string())?;
    let store: Box<dyn RegistryStore> = match (flags.registry, &flags.work_dir) {
        (RegistryKind::InMemory, _) => Box::new(InMemoryStore::new()),
        (RegistryKind::ReplicatedLog, Some(work_dir)) => {
            Box::new(FileStore::open(work_dir).map_err(|error| format!("--work_dir: {error}"))?)
        }
        (RegistryKind::ReplicatedLog, None) => {
            return Err("--work_dir is needed for the replicated_log registry".into());
        }
    };

    let mut runtime_config = RuntimeConfig::from_env().map_err(|error| error.to_string())?;
    runtime_config.port = flags.port;
    if let Some(ip) = flags.ip {
        runtime_config.ip = ip;
    }
    if flags.advertise_ip.is_some() {
        runtime_config.advertise_ip = flags.advertise_ip;
    }
    if flags.advertise_port.is_some() {
        runtime_config.advertise_port = flags.advertise_port;
    }
    let runtime = Runtime::builder()
        .config(runtime_config)
        .build()
        .map_err(|error| format!("Failed to start libprocess: {error}"))?;

    runtime
        .spawn(VersionProcess::ID, VersionProcess)
        .map_err(|error| error.to_string())?;
    let allocator = allocator::create(&flags.allocator, config.allocator.clone())
        .map_err(|error| format!("--allocator: {error}"))?;
    let allocator =
        AllocatorProcess::spawn(&runtime, allocator).map_err(|error| error.to_string())?;
    let master =
        master::spawn(&runtime, config, store, allocator).map_err(|error| error.to_string())?;
    runtime.set_delegate(Master::ID);

    let address = runtime.address();
    tracing::info!(pid = %master.upid(), "Master started on {address}");
    println!("Master started at http://{address}");

    // The master stops only when it cannot keep its registry (it logs why).
    let _ = master.wait().block();
    runtime.shutdown();
    Err("the master stopped: the registry could not be updated (see the log)".into())
}

fn main() -> ExitCode {
    let flags: MasterFlags = common::flags::parse();
    if flags.version {
        println!("mesos {MESOS_VERSION}");
        return ExitCode::SUCCESS;
    }
    init_logging(&flags);
    match run(flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mesos-master: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn help_lists_the_flags() {
        let help = MasterFlags::command().render_long_help().to_string();
        for flag in [
            "--work_dir",
            "--registry",
            "--agent_ping_timeout",
            "--offer_timeout",
        ] {
            assert!(help.contains(flag), "{flag} missing from --help");
        }
    }
}
