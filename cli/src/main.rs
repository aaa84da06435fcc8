//! The `mesos` binary: parses the command line, runs it, and on failure prints what went
//! wrong and what to do on stderr with a non-zero exit code (1, or 2 for a bad command line).

use std::process::ExitCode;

use clap::Parser;
use cli::{Args, CliError};

fn main() -> ExitCode {
    let args = Args::parse();
    let stdout = std::io::stdout();
    match cli::run(&args, &mut stdout.lock()) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`mesos task log t | head`): nothing left to say.
        Err(CliError::Output(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mesos: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
