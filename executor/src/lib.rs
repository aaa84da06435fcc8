//! Mesos's v1 executor HTTP API, from the executor's side, and `mesos-executor`.
//!
//! - [`Executor`]: the driver. It subscribes to the agent's `/api/v1/executor`, delivers
//!   the event stream ([`ExecutorEvent`]) to a handler, sends status updates and messages,
//!   keeps every task and update the agent has not acknowledged and hands them back on
//!   resubscription, and follows Mesos's rules when the agent goes away (resubscribe with
//!   backoff for a checkpointing framework, else shut down).
//! - [`Transport`]: how requests reach the agent, so the same driver runs over real HTTP
//!   ([`HttpTransport`], libprocess's client) in an executor process and in-process
//!   ([`InProcessTransport`], through `Runtime::http`) in tests.
//! - [`ExecutorSettings`]: the agent's environment (`MESOS_FRAMEWORK_ID`,
//!   `MESOS_EXECUTOR_ID`, `MESOS_SLAVE_PID` / `MESOS_AGENT_ENDPOINT`, ...), read as Mesos
//!   reads it.
//! - [`command`]: Mesos's command executor, the body of the `mesos-executor` binary.
//! - [`default`]: Mesos's default executor (task groups in nested containers), the body of
//!   `mesos-default-executor`.

mod callbacks;
pub mod command;
pub mod default;
mod driver;
#[doc(hidden)]
pub mod fuzzing;
mod settings;
mod transport;

pub use callbacks::{ExecutorCallbacks, dispatch};
pub use driver::{Executor, ExecutorEvent, HEARTBEAT_CALL_INTERVAL, SUBSCRIBE_RETRY_INTERVAL};
pub use settings::{
    AgentEndpoint, DEFAULT_RECOVERY_TIMEOUT, DEFAULT_SHUTDOWN_GRACE_PERIOD,
    DEFAULT_SUBSCRIPTION_BACKOFF_MAX, ExecutorSettings, SettingsError,
};
pub use transport::{HttpTransport, InProcessTransport, Transport};
