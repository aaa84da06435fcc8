//! Errors: every way a call into the allocator can be refused, with what to do about it.

use resources::{ConversionError, RoleError};

use crate::{AgentId, FrameworkId, quota::InvalidQuota};

/// Why the allocator refused a call. The allocator's state is unchanged when a call fails.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AllocatorError {
    /// A call arrived before `initialize`.
    #[error("the allocator is not initialized: call initialize first")]
    NotInitialized,
    /// `recover` after agents were added.
    #[error("recover must be called before any agent is added ({agents} agents are known)")]
    RecoverAfterAgents {
        /// How many agents were already added.
        agents: usize,
    },
    /// A framework id that Mesos would reject (empty, too long, `.`, `..`, slashes).
    #[error("invalid framework id '{id}': {reason}")]
    InvalidFrameworkId {
        /// The id.
        id: FrameworkId,
        /// What is wrong with it.
        reason: String,
    },
    /// The framework is not known (never added, or removed).
    #[error("unknown framework {0}: add it first")]
    UnknownFramework(FrameworkId),
    /// `add_framework` for a framework that is already there.
    #[error("framework {0} is already added: update it instead")]
    DuplicateFramework(FrameworkId),
    /// The id given does not match `FrameworkInfo.id`.
    #[error("framework id {given} does not match the FrameworkInfo id {info}")]
    MismatchedFrameworkId {
        /// The id passed alongside the info.
        given: FrameworkId,
        /// The id inside the info (empty when unset).
        info: String,
    },
    /// The agent is not known (never added, or removed).
    #[error("unknown agent {0}: add it first")]
    UnknownAgent(AgentId),
    /// `add_agent` for an agent that is already there.
    #[error("agent {0} is already added: update it instead")]
    DuplicateAgent(AgentId),
    /// The id given does not match `AgentInfo.id`.
    #[error("agent id {given} does not match the AgentInfo id {info}")]
    MismatchedAgentId {
        /// The id passed alongside the info.
        given: AgentId,
        /// The id inside the info (empty when unset).
        info: String,
    },
    /// A role name that Mesos would reject.
    #[error("invalid role '{role}': {error}")]
    InvalidRole {
        /// The role as given.
        role: String,
        /// What is wrong with it.
        error: RoleError,
    },
    /// A role the framework is not subscribed to.
    #[error("framework {framework} is not subscribed to role '{role}'")]
    RoleNotSubscribed {
        /// The framework.
        framework: FrameworkId,
        /// The role.
        role: String,
    },
    /// Quota that cannot be applied.
    #[error("invalid quota for role '{role}': {error}")]
    InvalidQuota {
        /// The role.
        role: String,
        /// What is wrong.
        error: InvalidQuota,
    },
    /// Quota on a nested role (Mesos supports quota on top-level roles only).
    #[error("quota cannot be set on nested role '{0}': set it on its top-level role")]
    NestedQuota(String),
    /// A weight that is not a positive finite number.
    #[error("invalid weight {weight} for role '{role}': weights must be positive and finite")]
    InvalidWeight {
        /// The role.
        role: String,
        /// The weight given.
        weight: f64,
    },
    /// Resources that must be allocated to exactly one role were not.
    #[error("resources {resources} must be allocated to exactly one role")]
    NotSingleRole {
        /// The resources, as Mesos prints them.
        resources: String,
    },
    /// Resources given back, converted or moved that the allocator does not hold there.
    #[error(
        "resources {wanted} of framework {framework} are not offered or allocated on agent \
         {agent} (it holds {held})"
    )]
    NotHeld {
        /// The framework.
        framework: FrameworkId,
        /// The agent.
        agent: AgentId,
        /// What the caller named.
        wanted: String,
        /// What the framework holds there.
        held: String,
    },
    /// An operation that does not apply to the resources it targets.
    #[error("cannot apply the operations on agent {agent}: {error}")]
    Conversion {
        /// The agent.
        agent: AgentId,
        /// Why the conversion failed.
        error: ConversionError,
    },
    /// A framework's per-role `offer_filters` that do not parse.
    #[error("invalid offer_filters of framework {framework} for role '{role}': {reason}")]
    InvalidOfferFilters {
        /// The framework.
        framework: FrameworkId,
        /// The role.
        role: String,
        /// What is wrong.
        reason: String,
    },
    /// An inverse offer answer for an agent without scheduled maintenance.
    #[error("agent {0} has no unavailability scheduled")]
    NoUnavailability(AgentId),
    /// An inverse offer answer of `UNKNOWN`, which frameworks may not give.
    #[error("inverse offer status must be ACCEPT or DECLINE, not {0}")]
    InvalidInverseOfferStatus(i32),
}

/// `create` was asked for an allocator it does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown allocator '{0}': the built-in allocator is 'hierarchical' (HierarchicalDRF)")]
pub struct UnknownAllocator(pub String);
