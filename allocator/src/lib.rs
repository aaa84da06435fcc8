//! Mesos's allocator: who is offered what.
//!
//! The crate has three layers:
//!
//! - The [`Allocator`] trait: the operations of Mesos's `mesos::allocator::Allocator`
//!   (add/remove/activate/deactivate/update frameworks and agents, recover resources with
//!   offer filters, suppress and revive per role, quota, weights, maintenance, ...) as
//!   synchronous calls that take the time as an argument and return decisions as data.
//! - The hierarchical DRF allocator, a pure implementation of it (no IO, no clock).
//! - The actor shell: a libprocess process hosting any `Box<dyn Allocator>`, which the master
//!   talks to only by messages ([`AllocatorCall`], through an [`AllocatorHandle`]) and which
//!   sends [`Offers`] and [`InverseOffers`] back to recipients the master gives it.
//!
//! ```
//! use std::{collections::HashMap, time::{Duration, UNIX_EPOCH}};
//!
//! use allocator::{AgentId, AllocatorOptions, FrameworkId, FrameworkOptions, create};
//! use proto::v1::{AgentInfo, FrameworkInfo};
//! use resources::{Resources, Role};
//!
//! let mut allocator = create("hierarchical", AllocatorOptions::default())?;
//! let framework = FrameworkId::new("framework-1");
//! # #[allow(deprecated)]
//! let info = FrameworkInfo {
//!     id: Some(framework.to_proto()),
//!     role: Some("web".into()),
//!     ..FrameworkInfo::default()
//! };
//! allocator.add_framework(framework, info, HashMap::new(), true, FrameworkOptions::default())?;
//! let agent = AgentId::new("agent-1");
//! let total = Resources::parse("cpus:4;mem:8192", &Role::star())?;
//! let agent_info = AgentInfo { id: Some(agent.to_proto()), ..AgentInfo::default() };
//! allocator.add_agent(agent, agent_info, Vec::new(), None, total, HashMap::new())?;
//!
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let allocation = allocator.allocate(now, None);
//! assert_eq!(allocation.offer_count(), 1);
//! let (role, _agent, offered) = allocation.offers[0].entries().next().expect("one offer");
//! assert_eq!(role.as_str(), "web");
//! assert_eq!(offered.cpus().map(|cpus| cpus.as_f64()), Some(4.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod error;
mod fast;
pub mod hierarchical;
mod ids;
mod interface;
mod offers;
mod options;
pub mod quantities;
mod quota;
pub mod shell;
pub mod sorter;

pub use error::{AllocatorError, UnknownAllocator};
pub use hierarchical::{HIERARCHICAL, HierarchicalAllocator, HierarchicalDrfAllocator, create};
pub use ids::{AgentId, FrameworkId};
pub use interface::Allocator;
pub use offers::{
    Allocation, AllocationRequest, AllocatorMetrics, InverseOffer, Offer, UnavailableResources,
};
pub use options::{
    AllocatorOptions, DEFAULT_AGENT_RECOVERY_FACTOR, DEFAULT_ALLOCATION_INTERVAL,
    DEFAULT_RANDOM_SEED, DEFAULT_RECOVERY_TIMEOUT, FrameworkOptions, OfferConstraintsFilter,
    SorterKind, UnknownSorter,
};
pub use quota::{InvalidQuota, Quota};
pub use shell::{
    handle::AllocatorHandle,
    messages::{AllocatorCall, InverseOffers, Offers},
    process::AllocatorProcess,
};
