//! The `long-lived-framework` binary: parses [`LongLivedFlags`] (also from
//! `MESOS_EXAMPLE_<FLAG>` variables) and keeps its tasks running until interrupted; exits
//! 1 if the master refuses the framework.

use std::process::ExitCode;

use scheduler::examples::{
    self, Output,
    long_lived::{self, LongLivedFlags},
};

fn main() -> ExitCode {
    let flags: LongLivedFlags = match common::flags::try_parse_from(
        std::env::args_os(),
        std::env::vars_os(),
        "MESOS_EXAMPLE_",
    ) {
        Ok(flags) => flags,
        Err(error) => error.exit(),
    };
    examples::init_logging();
    let result =
        examples::runtime().and_then(|runtime| long_lived::run(&flags, &runtime, Output::stdout()));
    match result {
        Ok((status, stats)) => {
            let why = stats
                .error
                .unwrap_or_else(|| format!("the driver ended {}", status.as_str_name()));
            eprintln!("long-lived-framework: {why}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("long-lived-framework: {error}");
            ExitCode::FAILURE
        }
    }
}
