//! `mesos-executor`: Mesos's command executor. The agent starts it in a task's container with
//! the executor environment (`MESOS_FRAMEWORK_ID`, `MESOS_EXECUTOR_ID`, `MESOS_SLAVE_PID`,
//! ...); it subscribes to the agent over HTTP, runs the one task it is given, reports how it
//! went, and exits once the agent has acknowledged the end.

use std::{collections::BTreeMap, process::ExitCode, sync::Arc};

use executor::{ExecutorSettings, HttpTransport, command};
use libprocess::{Runtime, http::Client};

fn main() -> ExitCode {
    common::logging::init("info");
    let flags = match command::Flags::parse_from(std::env::args_os()) {
        Ok(flags) => flags,
        Err(error) => error.exit(),
    };
    match run(&flags) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(message) => {
            eprintln!("mesos-executor: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command executor to its end; the exit code it asks for.
fn run(flags: &command::Flags) -> Result<i32, String> {
    let environment: BTreeMap<String, String> = std::env::vars().collect();
    let settings = ExecutorSettings::from_env(environment.clone()).map_err(|e| e.to_string())?;
    let options = flags.options(&environment)?;
    let runtime = Runtime::builder()
        .build()
        .map_err(|error| format!("cannot start libprocess: {error}"))?;
    let transport = HttpTransport::new(Client::new(&runtime), &settings.agent.address);
    tracing::info!(
        agent = %settings.agent.address,
        path = %settings.agent.path,
        framework = %settings.framework_id,
        executor = %settings.executor_id,
        "starting the command executor"
    );
    let exit = command::start(&runtime, settings, Arc::new(transport), options)
        .map_err(|error| format!("cannot start the command executor: {error}"))?;
    let code = exit.block().unwrap_or(1);
    runtime.shutdown();
    Ok(code)
}
