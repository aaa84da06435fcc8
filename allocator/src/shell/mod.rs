//! The actor shell: the allocator as a libprocess process that the master talks to only by
//! messages. It owns the timers (batch allocation every interval, coalesced event-triggered
//! runs, recovery timeout) and publishes metrics; any [`crate::Allocator`] can live inside.

pub mod handle;
pub mod messages;
mod metrics;
pub mod process;
