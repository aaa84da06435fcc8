//! The `test-framework` binary: parses [`TestFrameworkFlags`] (also from
//! `MESOS_EXAMPLE_<FLAG>` variables) and runs the test framework; exits 0 once every task
//! finished, 1 otherwise.

use std::process::ExitCode;

use scheduler::examples::{
    self, Output,
    test_framework::{self, Outcome, TestFrameworkFlags},
};

fn main() -> ExitCode {
    let flags: TestFrameworkFlags = match common::flags::try_parse_from(
        std::env::args_os(),
        std::env::vars_os(),
        "MESOS_EXAMPLE_",
    ) {
        Ok(flags) => flags,
        Err(error) => error.exit(),
    };
    examples::init_logging();
    let outcome = examples::runtime()
        .and_then(|runtime| test_framework::run(&flags, &runtime, Output::stdout()));
    match outcome {
        Ok(Outcome::Finished) => ExitCode::SUCCESS,
        Ok(Outcome::Failed(why)) => {
            eprintln!("test-framework: {why}");
            ExitCode::FAILURE
        }
        Ok(Outcome::Running) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("test-framework: {error}");
            ExitCode::FAILURE
        }
    }
}
