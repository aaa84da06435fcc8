//! The `mesos-agent` binary: parses Mesos's agent flags (also from `MESOS_<FLAG>`), starts a
//! libprocess runtime on `--ip:--port`, the Mesos containerizer with the posix launcher, and
//! the agent as the runtime's HTTP delegate, then runs until the master shuts it down or it
//! gets SIGINT/SIGTERM (then it shuts its executors down and exits).

use std::{net::IpAddr, path::PathBuf, process::ExitCode, sync::Arc};

use agent::{
    Shutdown,
    detect::Machine,
    flags::{AgentFlags, FlagError},
};
use containerizer::{MesosContainerizer, MesosContainerizerOptions};
use libprocess::Runtime;

fn main() -> ExitCode {
    let flags: AgentFlags = common::flags::parse();
    if flags.version {
        println!("mesos {}", common::version::MESOS_VERSION);
        return ExitCode::SUCCESS;
    }
    init_logging(&flags);
    match run(&flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mesos-agent: {error}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(flags: &AgentFlags) {
    let level = if flags.quiet {
        "error"
    } else {
        common::logging::filter_for(&flags.logging_level)
    };
    common::logging::init(level);
}

fn run(flags: &AgentFlags) -> Result<(), String> {
    let master = flags.master().map_err(|error| error.to_string())?;
    let work_dir = flags.work_dir().map_err(|error| error.to_string())?;
    std::fs::create_dir_all(work_dir).map_err(|error| {
        FlagError {
            flag: "work_dir",
            message: format!("cannot create '{}': {error}", work_dir.display()),
        }
        .to_string()
    })?;
    let program_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(PathBuf::from));
    let options = flags
        .to_options(Machine::probe, program_dir)
        .map_err(|error| error.to_string())?;
    let detector = detector::create(master).map_err(|error| {
        FlagError {
            flag: "master",
            message: error.to_string(),
        }
        .to_string()
    })?;

    let mut builder = Runtime::builder()
        .ip(flags.ip.unwrap_or(IpAddr::from([127, 0, 0, 1])))
        .port(flags.port);
    if let Some(ip) = flags.advertise_ip {
        builder = builder.advertise_ip(ip);
    }
    if let Some(port) = flags.advertise_port {
        builder = builder.advertise_port(port);
    }
    let runtime = builder
        .build()
        .map_err(|error| format!("cannot start libprocess: {error}"))?;
    let containerizer = MesosContainerizer::new(&runtime, MesosContainerizerOptions::default())
        .map_err(|error| format!("cannot start the containerizer: {error}"))?;
    let pid = agent::serve(
        &runtime,
        options,
        Arc::new(containerizer),
        Arc::from(detector),
    )
    .map_err(|error| error.to_string())?;
    println!(
        "Agent started at http://{} ({})",
        runtime.address(),
        pid.upid()
    );

    let on_signal = pid.clone();
    std::thread::Builder::new()
        .name("mesos-agent-signals".into())
        .spawn(move || {
            if wait_for_signal() {
                on_signal.dispatch(Shutdown);
            }
        })
        .map_err(|error| format!("cannot watch for signals: {error}"))?;

    let stopped = pid.wait().block();
    runtime.shutdown();
    stopped.map_err(|error| format!("the agent stopped abnormally: {error}"))
}

/// Blocks until SIGINT or SIGTERM; `false` if signals cannot be watched.
fn wait_for_signal() -> bool {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return false;
    };
    runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return false;
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        true
    })
}
