//! The workspace's single integration-test binary: one module per story.

mod deps;
mod scenarios;
mod tidy;
