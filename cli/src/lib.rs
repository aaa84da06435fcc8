//! The `mesos` command line: lists a cluster's agents, frameworks and tasks from the master's
//! HTTP endpoints, as aligned tables for people or the master's JSON objects for scripts, and
//! prints a task's sandbox logs read through its agent's `/files/read`.
//!
//! [`run`] carries out parsed [`Args`]; the binary (`main.rs`) only parses, prints errors and
//! picks the exit code.

pub mod address;
pub mod args;
pub mod error;
pub mod http;
pub mod listings;
pub mod logs;
pub mod table;

use std::io::Write;

pub use args::Args;
pub use error::CliError;

use args::{AgentCommand, FrameworkCommand, Noun, TaskCommand};
use http::{Http, Peer};
use listings::{is_terminal, text};
use serde_json::Value;

/// Carries out `args`, writing what it prints to `out`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let master = Peer::master(&address::master_address(&args.master)?);
    let http = Http::new()?;
    let printed = match &args.command {
        Noun::Agent(AgentCommand::List) => {
            let agents = listings::fetch_agents(&http, &master)?;
            let objects: Vec<&Value> = agents.iter().collect();
            listings::output(&objects, listings::agents_table(&agents), args.json)
        }
        Noun::Framework(FrameworkCommand::List { all }) => {
            let frameworks = listings::fetch_frameworks(&http, &master, *all)?;
            let objects: Vec<&Value> = frameworks.iter().collect();
            listings::output(&objects, listings::frameworks_table(&frameworks), args.json)
        }
        Noun::Task(TaskCommand::List { all }) => {
            let tasks = listings::fetch_tasks(&http, &master, None, None)?;
            let shown: Vec<&Value> = tasks
                .iter()
                .filter(|task| *all || !is_terminal(text(task, "state")))
                .collect();
            let table = if args.json {
                listings::tasks_table(&[], &[], &[])
            } else {
                let frameworks = listings::fetch_frameworks(&http, &master, true)?;
                let agents = listings::fetch_agents(&http, &master)?;
                listings::tasks_table(&shown, &frameworks, &agents)
            };
            listings::output(&shown, table, args.json)
        }
        Noun::Task(TaskCommand::Log {
            task_id,
            file,
            lines,
            framework,
        }) => {
            return logs::task_log(
                &http,
                &master,
                task_id,
                framework.as_deref(),
                file.name(),
                *lines,
                out,
            );
        }
    };
    out.write_all(printed.as_bytes())?;
    out.flush()?;
    Ok(())
}
