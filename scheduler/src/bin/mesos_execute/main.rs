//! The `mesos-execute` binary: parses [`ExecuteFlags`] (also from `MESOS_<FLAG>`
//! variables), runs the task or task group, and exits 0 if every task finished, 1
//! otherwise (a bad flag is an error naming it).

use std::process::ExitCode;

use scheduler::examples::{
    self, Output,
    execute::{self, ExecuteFlags},
};

fn main() -> ExitCode {
    let flags: ExecuteFlags = common::flags::parse();
    examples::init_logging();
    let outcome =
        examples::runtime().and_then(|runtime| execute::run(&flags, &runtime, Output::stdout()));
    match outcome {
        Ok(outcome) if outcome.succeeded() => ExitCode::SUCCESS,
        Ok(outcome) => {
            if let Some(error) = outcome.error {
                eprintln!("mesos-execute: {error}");
            }
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("mesos-execute: {error}");
            ExitCode::FAILURE
        }
    }
}
