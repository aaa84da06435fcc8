//! The `Allocator` trait: the swappable boundary between the master and whoever decides what
//! is offered, with the operations of Mesos's `mesos::allocator::Allocator`.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    time::SystemTime,
};

use proto::v1::{
    AgentInfo, Filters, FrameworkInfo, Request, Unavailability, WeightInfo,
    agent_info::Capability as AgentCapability, allocator::InverseOfferStatus,
};
use resources::{ResourceConversion, Resources};

use crate::{
    AgentId, AllocatorError, AllocatorMetrics, AllocatorOptions, FrameworkId, FrameworkOptions,
    Quota,
    offers::{Allocation, AllocationRequest, UnavailableResources},
};

/// An allocator: the book of agents, frameworks, roles and what is offered or allocated
/// where, and the policy deciding the next offers.
///
/// Every method is synchronous and deterministic: time comes in as `now` (the caller's
/// clock), decisions come back as values ([`Allocation`]), and bad input comes back as an
/// [`AllocatorError`] with the allocator's state unchanged. Implementations never panic on
/// input. The trait is object safe: the master holds a `Box<dyn Allocator>` (inside the
/// actor shell, [`crate::AllocatorProcess`]), so another implementation can take the
/// built-in one's place.
///
/// Resources handed to the allocator are those of one agent; offered and allocated resources
/// carry their allocation role (`allocation_info.role`), unallocated ones (agent totals) do
/// not.
pub trait Allocator: Send + 'static {
    /// Configures the allocator; must come first. Calling it again replaces the options.
    fn initialize(&mut self, options: AllocatorOptions) -> Result<(), AllocatorError>;

    /// Restores state after a master failover, before any agent is added: the quotas known
    /// to the master, and how many agents are expected to reregister. With quota, allocation
    /// pauses until `agent_recovery_factor` of the agents are back or
    /// `recovery_timeout` has passed since `now`.
    fn recover(
        &mut self,
        now: SystemTime,
        expected_agent_count: usize,
        quotas: BTreeMap<String, Quota>,
    ) -> Result<(), AllocatorError>;

    /// Adds a framework with what it already uses per agent (resources allocated to its
    /// roles). Inactive frameworks are kept but offered nothing.
    fn add_framework(
        &mut self,
        framework_id: FrameworkId,
        info: FrameworkInfo,
        used: HashMap<AgentId, Resources>,
        active: bool,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError>;

    /// Removes a framework, returning everything it was offered or allocated to the pool.
    fn remove_framework(&mut self, framework_id: &FrameworkId) -> Result<(), AllocatorError>;

    /// Makes a framework eligible for offers again (except its suppressed roles).
    fn activate_framework(&mut self, framework_id: &FrameworkId) -> Result<(), AllocatorError>;

    /// Stops offers to a framework and clears its offer filters; its allocation stays.
    fn deactivate_framework(&mut self, framework_id: &FrameworkId) -> Result<(), AllocatorError>;

    /// Replaces a framework's info (roles, capabilities, offer filters) and options.
    fn update_framework(
        &mut self,
        framework_id: &FrameworkId,
        info: FrameworkInfo,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError>;

    /// Adds an agent with its total resources and what frameworks already use on it.
    fn add_agent(
        &mut self,
        agent_id: AgentId,
        info: AgentInfo,
        capabilities: Vec<AgentCapability>,
        unavailability: Option<Unavailability>,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    ) -> Result<(), AllocatorError>;

    /// Removes an agent and everything offered or allocated on it.
    fn remove_agent(&mut self, agent_id: &AgentId) -> Result<(), AllocatorError>;

    /// Updates an agent's info, and optionally its total resources and capabilities. Changed
    /// attributes clear every offer filter for the agent.
    fn update_agent(
        &mut self,
        agent_id: &AgentId,
        info: AgentInfo,
        total: Option<Resources>,
        capabilities: Option<Vec<AgentCapability>>,
    ) -> Result<(), AllocatorError>;

    /// Grows an agent by a resource provider's resources, with what frameworks use of them.
    fn add_resource_provider(
        &mut self,
        agent_id: &AgentId,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    ) -> Result<(), AllocatorError>;

    /// Offers an agent's resources again after it reregisters.
    fn activate_agent(&mut self, agent_id: &AgentId) -> Result<(), AllocatorError>;

    /// Stops offering an agent's resources (it disconnected).
    fn deactivate_agent(&mut self, agent_id: &AgentId) -> Result<(), AllocatorError>;

    /// Restricts offers to agents with these hostnames (`--whitelist`); `None` allows all.
    fn update_whitelist(&mut self, whitelist: Option<HashSet<String>>);

    /// A framework's resource requests (REQUEST); the hierarchical allocator only notes them.
    fn request_resources(
        &mut self,
        framework_id: &FrameworkId,
        requests: Vec<Request>,
    ) -> Result<(), AllocatorError>;

    /// Applies offer operations (RESERVE, CREATE, ...) to resources `offered` to a framework
    /// on an agent, all allocated to one role; the agent's total follows.
    fn update_allocation(
        &mut self,
        framework_id: &FrameworkId,
        agent_id: &AgentId,
        offered: &Resources,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError>;

    /// Applies operations (as resource conversions) to an agent's available resources, as
    /// the operator API's RESERVE/UNRESERVE/CREATE/DESTROY do. Fails, changing nothing, when
    /// the available resources do not hold what the operations consume.
    fn update_available(
        &mut self,
        agent_id: &AgentId,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError>;

    /// Sets or clears an agent's next unavailability (maintenance); clears inverse offer
    /// filters for the agent.
    fn update_unavailability(
        &mut self,
        agent_id: &AgentId,
        unavailability: Option<Unavailability>,
    ) -> Result<(), AllocatorError>;

    /// Records a framework's answer to an inverse offer (`status`), or that it went
    /// unanswered (`None`), and optionally filters further inverse offers for the agent.
    fn update_inverse_offer(
        &mut self,
        now: SystemTime,
        agent_id: &AgentId,
        framework_id: &FrameworkId,
        unavailable_resources: Option<UnavailableResources>,
        status: Option<InverseOfferStatus>,
        filters: Option<Filters>,
    ) -> Result<(), AllocatorError>;

    /// The latest inverse offer answers, per agent with maintenance, per framework.
    fn inverse_offer_statuses(
        &self,
    ) -> BTreeMap<AgentId, BTreeMap<FrameworkId, InverseOfferStatus>>;

    /// Offered resources became allocated (tasks were launched on them): they now count as
    /// consumed quota.
    fn transition_offered_to_allocated(
        &mut self,
        agent_id: &AgentId,
        resources: &Resources,
    ) -> Result<(), AllocatorError>;

    /// Resources offered or allocated to a framework on an agent come back (declined,
    /// rescinded, tasks finished), all allocated to one role. With `filters`, the framework
    /// is not offered them again on this agent for `refuse_seconds` (default 5 s, at least
    /// one allocation interval, at most 365 days). Unknown frameworks or agents are ignored,
    /// as the master may race with their removal.
    fn recover_resources(
        &mut self,
        now: SystemTime,
        framework_id: &FrameworkId,
        agent_id: &AgentId,
        resources: &Resources,
        filters: Option<&Filters>,
        is_allocated: bool,
    ) -> Result<(), AllocatorError>;

    /// Stops offers to a framework for `roles` (all its roles when empty).
    fn suppress_offers(
        &mut self,
        framework_id: &FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError>;

    /// Resumes offers to a framework for `roles` (all its roles when empty) and clears its
    /// offer filters for them.
    fn revive_offers(
        &mut self,
        framework_id: &FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError>;

    /// Sets a role's quota; [`Quota::none`] removes it.
    fn update_quota(&mut self, role: &str, quota: Quota) -> Result<(), AllocatorError>;

    /// Sets roles' weights; roles not named keep theirs. All-or-nothing.
    fn update_weights(&mut self, weights: &[WeightInfo]) -> Result<(), AllocatorError>;

    /// Stops allocation runs until [`resume`](Allocator::resume) (idempotent).
    fn pause(&mut self);

    /// Lets allocation runs happen again (idempotent).
    fn resume(&mut self);

    /// True while allocation runs are skipped (paused, or recovering with quota).
    fn is_paused(&self) -> bool;

    /// Runs one allocation over `agents` (all agents for `None`) at time `now`: expires
    /// filters, generates offers and inverse offers, and records them as offered. A paused
    /// allocator returns nothing.
    fn allocate(&mut self, now: SystemTime, agents: Option<&HashSet<AgentId>>) -> Allocation;

    /// The agents whose events asked for an allocation since the last call (and forgets
    /// them), for the caller to run one coalesced allocation.
    fn take_allocation_request(&mut self) -> AllocationRequest;

    /// The allocator's gauges under Mesos's metric names.
    fn metrics(&self) -> AllocatorMetrics;
}
