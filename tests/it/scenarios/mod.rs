//! In-process scenario tests: a whole cluster (master, allocator, agents, fake executors,
//! a v1 scheduler) on one paused-clock runtime from `testkit`, driven by moving virtual
//! time and by libprocess's message filters.

mod agent_loss;
mod failover;
mod kill;
mod launch;
mod messages;
mod offers;
mod reconciliation;
mod registration;
mod rescind;
mod scheduler_api;
mod status_updates;
