//! The command line of `mesos`: global `--master` (or `MESOS_MASTER`) and `--json`, then a
//! noun and a verb (`agent list`, `framework list`, `task list`, `task log`).

use clap::{Parser, Subcommand, ValueEnum};

/// `mesos`: look at a Mesos cluster from the terminal.
#[derive(Debug, Parser)]
#[command(
    name = "mesos",
    version,
    about = "Lists a Mesos cluster's agents, frameworks and tasks, and reads a task's logs.",
    after_help = "The master is found at --master (or MESOS_MASTER), default 127.0.0.1:5050."
)]
pub struct Args {
    /// The leading master: host:port, host, http://host:port, master@host:port or
    /// file:///path holding one of those.
    #[arg(
        long,
        global = true,
        env = "MESOS_MASTER",
        default_value = "127.0.0.1:5050",
        value_name = "HOST:PORT"
    )]
    pub master: String,
    /// List commands: print the master's JSON objects as they are (one JSON array), for
    /// scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Noun,
}

/// What the command is about.
#[derive(Debug, Subcommand)]
pub enum Noun {
    /// The agents registered with the master.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// The frameworks the master knows.
    #[command(subcommand)]
    Framework(FrameworkCommand),
    /// The tasks the master knows.
    #[command(subcommand)]
    Task(TaskCommand),
}

/// `mesos agent ...`.
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// One line per registered agent: ID, HOSTNAME, ACTIVE, and CPUS, MEM, DISK as
    /// used/total.
    List,
}

/// `mesos framework ...`.
#[derive(Debug, Subcommand)]
pub enum FrameworkCommand {
    /// One line per framework: ID, NAME, ACTIVE, TASKS (active ones), and the CPUS and MEM
    /// its tasks and executors use.
    List {
        /// Also list completed (torn down) frameworks.
        #[arg(long, short)]
        all: bool,
    },
}

/// `mesos task ...`.
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// One line per task: ID, NAME, FRAMEWORK, AGENT, STATE (the latest).
    List {
        /// Also list tasks in a terminal state (finished, failed, killed, lost, ...).
        #[arg(long, short)]
        all: bool,
    },
    /// Print a task's stdout (or stderr) from its sandbox on its agent.
    Log {
        /// The task's ID.
        task_id: String,
        /// Which sandbox file to print.
        #[arg(long, value_enum, default_value_t = LogFile::Stdout)]
        file: LogFile,
        /// Print only the last N lines.
        #[arg(long, value_name = "N")]
        lines: Option<usize>,
        /// The task's framework, when tasks of several frameworks share the ID.
        #[arg(long, value_name = "FRAMEWORK_ID")]
        framework: Option<String>,
    },
}

/// The sandbox files `task log` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFile {
    /// The task's standard output.
    Stdout,
    /// The task's standard error.
    Stderr,
}

impl LogFile {
    /// The file's name in the sandbox.
    pub fn name(self) -> &'static str {
        match self {
            LogFile::Stdout => "stdout",
            LogFile::Stderr => "stderr",
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn global_flags_go_anywhere() {
        let args = Args::try_parse_from([
            "mesos", "task", "log", "t1", "--json", "--master", "m:1", "--lines", "3",
        ])
        .unwrap();
        assert!(args.json);
        assert_eq!(args.master, "m:1");
        match args.command {
            Noun::Task(TaskCommand::Log {
                task_id,
                file,
                lines,
                framework,
            }) => {
                assert_eq!(task_id, "t1");
                assert_eq!(file, LogFile::Stdout);
                assert_eq!(lines, Some(3));
                assert_eq!(framework, None);
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn bad_flags_are_named() {
        let error = Args::try_parse_from(["mesos", "task", "log", "t", "--file", "nope"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--file"), "{error}");
        let error = Args::try_parse_from(["mesos", "task", "log", "t", "--lines=-1"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--lines"), "{error}");
    }
}
