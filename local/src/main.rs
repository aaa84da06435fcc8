//! The `mesos-local` binary: parses [`LocalFlags`] (also from `MESOS_*` variables), starts a
//! master and `--num_agents` agents, prints where they listen, and runs until SIGINT or
//! SIGTERM; then every agent shuts its executors down (no task outlives it) and it exits 0.

use std::process::ExitCode;

use local::{LocalCluster, LocalFlags};

fn init_logging(flags: &LocalFlags) {
    let level = if flags.quiet {
        "error"
    } else {
        common::logging::filter_for(&flags.logging_level)
    };
    common::logging::init(level);
}

fn main() -> ExitCode {
    let flags: LocalFlags = common::flags::parse();
    if flags.version {
        println!("mesos {}", common::version::MESOS_VERSION);
        return ExitCode::SUCCESS;
    }
    init_logging(&flags);
    // Watch for signals before anything starts, so an early interrupt is not lost.
    let (events, next_event) = std::sync::mpsc::channel();
    let on_signal = events.clone();
    let watcher = std::thread::Builder::new()
        .name("mesos-local-signals".into())
        .spawn(move || {
            if wait_for_signal() {
                let _ = on_signal.send(Stop::Interrupted);
            } else {
                eprintln!("mesos-local: cannot watch for signals");
            }
        });
    if let Err(error) = watcher {
        eprintln!("mesos-local: cannot watch for signals: {error}");
        return ExitCode::FAILURE;
    }

    let cluster = match LocalCluster::start(&flags) {
        Ok(cluster) => cluster,
        Err(error) => {
            eprintln!("mesos-local: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("Work directory: {}", cluster.work_dir.display());
    for agent in &cluster.agents {
        println!(
            "Agent started at http://{} ({})",
            agent.runtime.address(),
            agent.pid.upid()
        );
    }
    println!(
        "Master started at http://{}",
        cluster.master_runtime.address()
    );

    // The master stops by itself only when it cannot keep its registry.
    let master = cluster.master.clone();
    std::thread::spawn(move || {
        let _ = master.wait().block();
        let _ = events.send(Stop::MasterStopped);
    });
    match next_event.recv() {
        Ok(Stop::Interrupted) => {
            eprintln!("mesos-local: interrupted; shutting the agents and their tasks down");
            cluster.shutdown();
            ExitCode::SUCCESS
        }
        Ok(Stop::MasterStopped) | Err(_) => {
            eprintln!("mesos-local: the master stopped (see the log); shutting down");
            cluster.shutdown();
            ExitCode::FAILURE
        }
    }
}

/// Why `mesos-local` stops.
enum Stop {
    /// SIGINT or SIGTERM.
    Interrupted,
    /// The master stopped by itself.
    MasterStopped,
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
