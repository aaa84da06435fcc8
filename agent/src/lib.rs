//! The Mesos agent (`mesos-agent`): offers its machine's resources to the master and runs the
//! tasks the master sends it, in executors launched through a [`containerizer::Containerizer`].
//!
//! - [`Agent`] is the libprocess process `slave(N)`: it follows the master a
//!   [`detector::MasterDetector`] names, registers (and re-registers) with backoff, answers
//!   pings, keeps its [`books`] of frameworks, executors and tasks, launches executors
//!   (making up the command executor for command tasks), serves the v1 executor API at
//!   `/api/v1/executor`, and delivers task status updates to the master at least once and in
//!   order through its [`status_update_manager`].
//! - [`serve`] starts an agent the way the `mesos-agent` binary does: with `/version` and as
//!   the runtime's HTTP delegate, so `/state`, `/flags`, `/health` and `/api/v1/executor`
//!   work unprefixed.
//! - [`flags`] parses `mesos-agent`'s flags into [`AgentOptions`]; [`detect`] finds the
//!   machine's resources.
//! - [`files`] is the `files` process the agent starts beside itself: `/files/browse`,
//!   `/files/read`, `/files/download` and `/files/debug` over each executor run's sandbox,
//!   attached under Mesos's virtual paths ([`sandboxes`]); [`gc`] removes finished
//!   sandboxes after `--gc_delay`, sooner as the disk fills.
//!
//! The agent keeps its books in v0 types (the internal protocol's) and converts to v1 only at
//! the executor API. It never depends on the master: they share only protobuf messages.

pub mod books;
pub mod command_executor;
pub mod detect;
pub mod files;
pub mod flags;
#[doc(hidden)]
pub mod fuzzing;
pub mod gc;
mod http;
pub mod ids;
pub mod metrics;
pub mod options;
pub mod paths;
mod process;
pub mod sandboxes;
pub mod status_update_manager;
pub mod updates;

#[cfg(test)]
mod test_support;

use std::sync::Arc;

use common::version::VersionProcess;
use containerizer::Containerizer;
use detector::MasterDetector;
use libprocess::{Pid, Runtime};

pub use options::AgentOptions;
pub use process::{Agent, AgentError, AgentState, DEFAULT_MASTER_PING_TIMEOUT, Shutdown};

/// Starts an agent on `runtime` as `mesos-agent` does: spawns `slave(N)` (and the `version`
/// process if the runtime has none) and makes the agent the runtime's HTTP delegate.
pub fn serve(
    runtime: &Runtime,
    options: AgentOptions,
    containerizer: Arc<dyn Containerizer>,
    detector: Arc<dyn MasterDetector>,
) -> Result<Pid<Agent>, AgentError> {
    let agent = Agent::new(options, containerizer, detector)?;
    let version = libprocess::Upid::new(VersionProcess::ID, runtime.address());
    if !runtime.is_alive(&version) {
        runtime.spawn(VersionProcess::ID, VersionProcess)?;
    }
    let pid = agent.spawn(runtime)?;
    runtime.set_delegate(pid.upid().id());
    Ok(pid)
}
