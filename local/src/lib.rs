//! `mesos-local`: a Mesos cluster in one OS process. The master and each of `--num_agents`
//! agents get their own libprocess [`Runtime`] listening on its own port, so executors,
//! schedulers and tools reach each of them at `ip:port` with unprefixed paths exactly as
//! they reach separate `mesos-master` and `mesos-agent` binaries. Agents run real executors
//! (`mesos-executor` for command tasks) through the Mesos containerizer.
//!
//! [`LocalCluster::start`] starts everything from [`LocalFlags`];
//! [`LocalCluster::shutdown`] asks every agent to shut down (which destroys every container,
//! so no task outlives the cluster) and stops the runtimes.

pub mod flags;

use std::{path::PathBuf, sync::Arc};

use agent::{Agent, Shutdown, detect::Machine};
use allocator::shell::process::AllocatorProcess;
use common::version::VersionProcess;
use containerizer::{MesosContainerizer, MesosContainerizerOptions};
use libprocess::{Pid, Runtime, Upid};
use master::{
    flags::RegistryKind,
    master::Master,
    registrar::{FileStore, InMemoryStore, RegistryStore},
};

pub use flags::LocalFlags;

/// One running agent of the local cluster.
#[derive(Debug)]
pub struct LocalAgent {
    /// The agent's own runtime (its own port).
    pub runtime: Runtime,
    /// The agent process.
    pub pid: Pid<Agent>,
}

/// A running local cluster.
#[derive(Debug)]
pub struct LocalCluster {
    /// The master's runtime (listening on `--ip:--port`).
    pub master_runtime: Runtime,
    /// The master process.
    pub master: Pid<Master>,
    /// The agents, in start order.
    pub agents: Vec<LocalAgent>,
    /// The work directory (given, or made fresh).
    pub work_dir: PathBuf,
}

impl LocalCluster {
    /// Starts a master and the agents as `flags` say. Every agent's flags are checked
    /// before anything starts.
    pub fn start(flags: &LocalFlags) -> Result<LocalCluster, String> {
        let work_dir = match &flags.work_dir {
            Some(dir) => dir.clone(),
            None => tempfile::Builder::new()
                .prefix("mesos-local-")
                .tempdir()
                .map_err(|error| format!("--work_dir: cannot make a temporary directory: {error}"))?
                .keep(),
        };
        let master_dir = work_dir.join("master");
        std::fs::create_dir_all(&master_dir).map_err(|error| {
            format!(
                "--work_dir: cannot create '{}': {error}",
                master_dir.display()
            )
        })?;
        let master_flags = flags.master_flags(&master_dir)?;
        let config = master_flags
            .to_config()
            .map_err(|error| error.to_string())?;
        let store: Box<dyn RegistryStore> = match master_flags.registry {
            RegistryKind::InMemory => Box::new(InMemoryStore::new()),
            RegistryKind::ReplicatedLog => Box::new(
                FileStore::open(&master_dir).map_err(|error| format!("--work_dir: {error}"))?,
            ),
        };

        let master_runtime = Runtime::builder()
            .ip(flags.ip)
            .port(flags.port)
            .build()
            .map_err(|error| format!("cannot listen on {}:{}: {error}", flags.ip, flags.port))?;
        master_runtime
            .spawn(VersionProcess::ID, VersionProcess)
            .map_err(|error| error.to_string())?;
        let allocator = allocator::create(&master_flags.allocator, config.allocator.clone())
            .map_err(|error| format!("--allocator: {error}"))?;
        let allocator = AllocatorProcess::spawn(&master_runtime, allocator)
            .map_err(|error| error.to_string())?;
        let master = master::spawn(&master_runtime, config, store, allocator)
            .map_err(|error| error.to_string())?;
        master_runtime.set_delegate(Master::ID);
        let master_pid = master.upid().to_string();

        let program_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(PathBuf::from));
        let mut cluster = LocalCluster {
            master_runtime,
            master,
            agents: Vec::new(),
            work_dir: work_dir.clone(),
        };
        for index in 0..flags.num_agents {
            let agent_dir = work_dir.join("agents").join(index.to_string()).join("work");
            std::fs::create_dir_all(&agent_dir).map_err(|error| {
                format!(
                    "--work_dir: cannot create '{}': {error}",
                    agent_dir.display()
                )
            })?;
            let agent_flags = flags.agent_flags(&master_pid, &agent_dir)?;
            let options = agent_flags
                .to_options(Machine::probe, program_dir.clone())
                .map_err(|error| error.to_string())?;
            let runtime = Runtime::builder()
                .ip(flags.ip)
                .port(0)
                .build()
                .map_err(|error| format!("cannot start agent {index}: {error}"))?;
            let containerizer =
                MesosContainerizer::new(&runtime, MesosContainerizerOptions::default())
                    .map_err(|error| format!("cannot start the containerizer: {error}"))?;
            let detector = detector::create(&master_pid).map_err(|error| error.to_string())?;
            let pid = agent::serve(
                &runtime,
                options,
                Arc::new(containerizer),
                Arc::from(detector),
            )
            .map_err(|error| error.to_string())?;
            cluster.agents.push(LocalAgent { runtime, pid });
        }
        Ok(cluster)
    }

    /// The master's address.
    pub fn master_upid(&self) -> &Upid {
        self.master.upid()
    }

    /// Asks every agent to shut down (each shuts its executors down, destroying their
    /// containers after the grace period, and unregisters), waits for them, then stops
    /// every runtime.
    pub fn shutdown(self) {
        for agent in &self.agents {
            agent.pid.dispatch(Shutdown);
        }
        for agent in &self.agents {
            let _ = agent.pid.wait().block();
            agent.runtime.shutdown();
        }
        self.master_runtime.shutdown();
    }
}
