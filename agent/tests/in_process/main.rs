//! In-process tests of the agent on a paused clock: a recording process plays the master,
//! a `FakeContainerizer` runs no processes, and fake executors speak the v1 executor API
//! through `Runtime::http`.

mod executor_api;
mod launch;
mod operator_api;
mod registration;
mod robustness;
mod shutdown;
mod state;
mod status_updates;
mod support;
