//! The example frameworks and `mesos-execute` as library code: each is a [`Scheduler`]
//! (a pure policy over offers and updates) plus its flags, so the binaries stay thin and
//! tests run the same code in-process against the testkit cluster.
//!
//! [`Scheduler`]: crate::Scheduler

pub mod execute;
pub mod long_lived;
pub mod test_framework;

use std::{io::Write, process::ExitCode, sync::Arc};

use clap::{ArgAction, Args};
use libprocess::{Runtime, RuntimeConfig};
use parking_lot::Mutex;
use proto::v0::{FrameworkInfo, framework_info::Capability, framework_info::capability::Type};
use resources::{Resources, Role};

use crate::Protocol;

/// Where an example prints its progress: standard output in the binaries, a buffer in tests.
#[derive(Clone)]
pub struct Output(Arc<Mutex<Box<dyn Write + Send>>>);

impl Output {
    /// Lines go to standard output, flushed at once.
    pub fn stdout() -> Output {
        Output(Arc::new(Mutex::new(Box::new(std::io::stdout()))))
    }

    /// Lines go to `sink`.
    pub fn to(sink: impl Write + Send + 'static) -> Output {
        Output(Arc::new(Mutex::new(Box::new(sink))))
    }

    /// Lines are kept in the returned buffer (for tests).
    pub fn buffer() -> (Output, Arc<Mutex<Vec<u8>>>) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        (Output::to(SharedBuffer(buffer.clone())), buffer)
    }

    /// Prints one line.
    pub fn line(&self, text: impl AsRef<str>) {
        let mut sink = self.0.lock();
        // Progress output is best effort: a closed stdout must not stop the framework.
        let _ = writeln!(sink, "{}", text.as_ref());
        let _ = sink.flush();
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Output")
    }
}

struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The flags every example framework takes (Mesos's `examples::Flags`), plus `--protocol`.
#[derive(Debug, Clone, Args)]
pub struct ExampleFlags {
    /// The master: `host:port`, `master@host:port` or `file:///path` (holding one of them).
    #[arg(long = "master", required = true)]
    pub master: String,
    /// The role to register with.
    #[arg(long = "role", default_value = "*", value_parser = parse_role)]
    pub role: Role,
    /// The principal that identifies the framework.
    #[arg(long = "principal", default_value = "test")]
    pub principal: String,
    /// Whether the framework's tasks survive an agent restart.
    #[arg(long = "checkpoint", num_args = 0..=1, default_missing_value = "true",
          default_value = "false", action = ArgAction::Set)]
    pub checkpoint: bool,
    /// How to talk to the master: `v1` (HTTP API, protobuf), `v1+json` or `v0` (libprocess
    /// messages; the master must reach this process, see `LIBPROCESS_IP`).
    #[arg(long = "protocol", default_value = "v1", value_parser = parse_protocol)]
    pub protocol: Protocol,
}

/// `--role`'s parser.
pub fn parse_role(text: &str) -> Result<Role, String> {
    Role::new(text).map_err(|error| error.to_string())
}

/// `--protocol`'s parser.
pub fn parse_protocol(text: &str) -> Result<Protocol, String> {
    text.parse()
}

/// `--resources`' parser: Mesos's text form, unreserved.
pub fn parse_resources(text: &str) -> Result<Resources, String> {
    Resources::parse_unreserved(text).map_err(|error| error.to_string())
}

impl ExampleFlags {
    /// The framework these flags describe: named `name`, in `--role` (MULTI_ROLE), with
    /// `--principal` and `--checkpoint`; the user and hostname are filled in by the driver.
    pub fn framework(&self, name: &str) -> FrameworkInfo {
        FrameworkInfo {
            name: name.into(),
            roles: vec![self.role.to_string()],
            principal: Some(self.principal.clone()),
            checkpoint: Some(self.checkpoint),
            capabilities: capabilities(&[Type::MultiRole, Type::ReservationRefinement]),
            ..FrameworkInfo::default()
        }
    }
}

/// The capability list of `types`.
pub fn capabilities(types: &[Type]) -> Vec<Capability> {
    types
        .iter()
        .map(|kind| Capability {
            r#type: Some(*kind as i32),
        })
        .collect()
}

/// The part of `offered` (an offer's resources, allocated to `role`) that gives `wanted`
/// (unreserved quantities): the unreserved kind first, else resources statically
/// reserved to `role`, both allocated to `role` as a launch must name them. `None` when
/// neither alone covers `wanted`.
pub fn take(offered: &Resources, wanted: &Resources, role: &Role) -> Option<Resources> {
    let mut candidates = vec![wanted.clone()];
    if !role.is_star()
        && let Some(reserved) = wanted
            .to_text()
            .and_then(|text| Resources::parse(&text, role).ok())
    {
        candidates.push(reserved);
    }
    candidates.into_iter().find_map(|mut candidate| {
        candidate.allocate(role);
        offered.contains(&candidate).then_some(candidate)
    })
}

/// The runtime a binary's driver lives on: `LIBPROCESS_*` from the environment.
///
/// # Errors
/// A `LIBPROCESS_*` variable is unusable, or the address cannot be bound.
pub fn runtime() -> Result<Runtime, String> {
    let config = RuntimeConfig::from_env().map_err(|error| error.to_string())?;
    Runtime::builder()
        .config(config)
        .build()
        .map_err(|error| format!("cannot start libprocess: {error}"))
}

/// Logs to standard error at `warn` (or `RUST_LOG`), leaving standard output to progress.
pub fn init_logging() {
    common::logging::init("warn");
}

/// `0` for success, `1` otherwise, as the examples exit.
pub fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
