//! `mesos-default-executor`: Mesos's default executor. The agent starts it for a task
//! group whose `ExecutorInfo` has type DEFAULT, with the executor environment
//! (`MESOS_FRAMEWORK_ID`, `MESOS_EXECUTOR_ID`, `MESOS_SLAVE_PID`, ...); it subscribes to the
//! agent over HTTP, runs each task of its groups in a nested container through the agent's
//! operator API, reports how each went, and exits when none is left.

use std::{process::ExitCode, sync::Arc, time::Duration};

use clap::Parser;
use executor::{ExecutorSettings, HttpTransport, default};
use libprocess::{
    Runtime,
    http::{Client, ClientConfig},
};

/// How long a WAIT_NESTED_CONTAINER long poll may stay unanswered before it is made again:
/// a task may well run for days.
const WAIT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// `mesos-default-executor`'s flags, with Mesos's names.
#[derive(Debug, Parser)]
#[command(
    name = "mesos-default-executor",
    about = "Mesos's default executor: runs task groups in nested containers for a Mesos agent.",
    long_about = None
)]
struct Flags {
    /// Directory of the Mesos binaries (accepted for compatibility).
    #[arg(long = "launcher_dir")]
    launcher_dir: Option<String>,
}

fn main() -> ExitCode {
    common::logging::init("info");
    let flags: Flags = match common::flags::try_parse_from(
        std::env::args_os(),
        Vec::<(std::ffi::OsString, std::ffi::OsString)>::new(),
        "MESOS_",
    ) {
        Ok(flags) => flags,
        Err(error) => error.exit(),
    };
    match run(&flags) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(message) => {
            eprintln!("mesos-default-executor: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the default executor to its end; the exit code it asks for.
fn run(flags: &Flags) -> Result<i32, String> {
    let settings = ExecutorSettings::from_env(std::env::vars()).map_err(|e| e.to_string())?;
    let runtime = Runtime::builder()
        .build()
        .map_err(|error| format!("cannot start libprocess: {error}"))?;
    let transport = HttpTransport::new(Client::new(&runtime), &settings.agent.address);
    let operator_client = Client::with_config(
        &runtime,
        ClientConfig {
            response_timeout: WAIT_RESPONSE_TIMEOUT,
            ..ClientConfig::default()
        },
    );
    let operator = HttpTransport::new(operator_client, &settings.agent.address);
    tracing::info!(
        agent = %settings.agent.address,
        framework = %settings.framework_id,
        executor = %settings.executor_id,
        launcher_dir = flags.launcher_dir.as_deref().unwrap_or(""),
        "starting the default executor"
    );
    let exit = default::start(&runtime, settings, Arc::new(transport), Arc::new(operator))
        .map_err(|error| format!("cannot start the default executor: {error}"))?;
    let code = exit.block().unwrap_or(1);
    runtime.shutdown();
    Ok(code)
}
