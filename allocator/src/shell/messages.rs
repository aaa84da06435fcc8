//! The messages between the master and the allocator actor, as plain data: one
//! `AllocatorCall` variant per `Allocator` operation, and the offers that come back.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use libprocess::{Promise, Recipient};
use proto::v1::{
    AgentInfo, Filters, FrameworkInfo, Request, Unavailability, WeightInfo,
    agent_info::Capability as AgentCapability, allocator::InverseOfferStatus,
};
use resources::{ResourceConversion, Resources};

use crate::{
    AgentId, AllocatorError, AllocatorOptions, FrameworkId, FrameworkOptions, InverseOffer, Offer,
    Quota, offers::UnavailableResources,
};

/// Offers from one allocation run, sent to the master's `Recipient<Offers>`: one [`Offer`]
/// per framework (Mesos calls its offer callback once per framework).
#[derive(Clone, Debug, PartialEq)]
pub struct Offers {
    /// One entry per framework, sorted by framework id.
    pub offers: Vec<Offer>,
}

/// Inverse offers from one allocation run, sent to the master's `Recipient<InverseOffers>`.
#[derive(Clone, Debug, PartialEq)]
pub struct InverseOffers {
    /// One entry per framework, sorted by framework id.
    pub inverse_offers: Vec<InverseOffer>,
}

/// A call to the allocator actor; see [`crate::Allocator`] for what each does. The actor
/// supplies `now` from its runtime's clock. Calls without a reply log their errors; the
/// master's side of the protocol is [`crate::AllocatorHandle`].
#[derive(Debug)]
#[allow(missing_docs)] // The fields are the arguments of the `Allocator` method of that name.
pub enum AllocatorCall {
    /// [`crate::Allocator::initialize`], plus where offers and inverse offers go.
    Initialize {
        options: AllocatorOptions,
        offers: Recipient<Offers>,
        inverse_offers: Recipient<InverseOffers>,
    },
    /// [`crate::Allocator::recover`].
    Recover {
        expected_agent_count: usize,
        quotas: BTreeMap<String, Quota>,
    },
    /// [`crate::Allocator::add_framework`].
    AddFramework {
        framework_id: FrameworkId,
        info: Box<FrameworkInfo>,
        used: HashMap<AgentId, Resources>,
        active: bool,
        options: FrameworkOptions,
    },
    /// [`crate::Allocator::remove_framework`].
    RemoveFramework { framework_id: FrameworkId },
    /// [`crate::Allocator::activate_framework`].
    ActivateFramework { framework_id: FrameworkId },
    /// [`crate::Allocator::deactivate_framework`].
    DeactivateFramework { framework_id: FrameworkId },
    /// [`crate::Allocator::update_framework`].
    UpdateFramework {
        framework_id: FrameworkId,
        info: Box<FrameworkInfo>,
        options: FrameworkOptions,
    },
    /// [`crate::Allocator::add_agent`].
    AddAgent {
        agent_id: AgentId,
        info: Box<AgentInfo>,
        capabilities: Vec<AgentCapability>,
        unavailability: Option<Unavailability>,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    },
    /// [`crate::Allocator::remove_agent`].
    RemoveAgent { agent_id: AgentId },
    /// [`crate::Allocator::update_agent`].
    UpdateAgent {
        agent_id: AgentId,
        info: Box<AgentInfo>,
        total: Option<Resources>,
        capabilities: Option<Vec<AgentCapability>>,
    },
    /// [`crate::Allocator::add_resource_provider`].
    AddResourceProvider {
        agent_id: AgentId,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    },
    /// [`crate::Allocator::activate_agent`].
    ActivateAgent { agent_id: AgentId },
    /// [`crate::Allocator::deactivate_agent`].
    DeactivateAgent { agent_id: AgentId },
    /// [`crate::Allocator::update_whitelist`].
    UpdateWhitelist { whitelist: Option<HashSet<String>> },
    /// [`crate::Allocator::request_resources`].
    RequestResources {
        framework_id: FrameworkId,
        requests: Vec<Request>,
    },
    /// [`crate::Allocator::update_allocation`].
    UpdateAllocation {
        framework_id: FrameworkId,
        agent_id: AgentId,
        offered: Resources,
        conversions: Vec<ResourceConversion>,
    },
    /// [`crate::Allocator::update_available`]; the reply says whether it applied.
    UpdateAvailable {
        agent_id: AgentId,
        conversions: Vec<ResourceConversion>,
        reply: Promise<Result<(), AllocatorError>>,
    },
    /// [`crate::Allocator::update_unavailability`].
    UpdateUnavailability {
        agent_id: AgentId,
        unavailability: Option<Unavailability>,
    },
    /// [`crate::Allocator::update_inverse_offer`].
    UpdateInverseOffer {
        agent_id: AgentId,
        framework_id: FrameworkId,
        unavailable_resources: Option<UnavailableResources>,
        status: Option<InverseOfferStatus>,
        filters: Option<Filters>,
    },
    /// [`crate::Allocator::inverse_offer_statuses`].
    InverseOfferStatuses {
        reply: Promise<BTreeMap<AgentId, BTreeMap<FrameworkId, InverseOfferStatus>>>,
    },
    /// [`crate::Allocator::transition_offered_to_allocated`].
    TransitionOfferedToAllocated {
        agent_id: AgentId,
        resources: Resources,
    },
    /// [`crate::Allocator::recover_resources`].
    RecoverResources {
        framework_id: FrameworkId,
        agent_id: AgentId,
        resources: Resources,
        filters: Option<Filters>,
        is_allocated: bool,
    },
    /// [`crate::Allocator::suppress_offers`].
    SuppressOffers {
        framework_id: FrameworkId,
        roles: BTreeSet<String>,
    },
    /// [`crate::Allocator::revive_offers`].
    ReviveOffers {
        framework_id: FrameworkId,
        roles: BTreeSet<String>,
    },
    /// [`crate::Allocator::update_quota`].
    UpdateQuota { role: String, quota: Quota },
    /// [`crate::Allocator::update_weights`].
    UpdateWeights { weights: Vec<WeightInfo> },
    /// [`crate::Allocator::pause`].
    Pause,
    /// [`crate::Allocator::resume`].
    Resume,
    /// Asks for an allocation run over `agents` (all for `None`), coalesced with any run
    /// already pending.
    Allocate { agents: Option<HashSet<AgentId>> },
}

impl AllocatorCall {
    /// The variant's name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            AllocatorCall::Initialize { .. } => "initialize",
            AllocatorCall::Recover { .. } => "recover",
            AllocatorCall::AddFramework { .. } => "add_framework",
            AllocatorCall::RemoveFramework { .. } => "remove_framework",
            AllocatorCall::ActivateFramework { .. } => "activate_framework",
            AllocatorCall::DeactivateFramework { .. } => "deactivate_framework",
            AllocatorCall::UpdateFramework { .. } => "update_framework",
            AllocatorCall::AddAgent { .. } => "add_agent",
            AllocatorCall::RemoveAgent { .. } => "remove_agent",
            AllocatorCall::UpdateAgent { .. } => "update_agent",
            AllocatorCall::AddResourceProvider { .. } => "add_resource_provider",
            AllocatorCall::ActivateAgent { .. } => "activate_agent",
            AllocatorCall::DeactivateAgent { .. } => "deactivate_agent",
            AllocatorCall::UpdateWhitelist { .. } => "update_whitelist",
            AllocatorCall::RequestResources { .. } => "request_resources",
            AllocatorCall::UpdateAllocation { .. } => "update_allocation",
            AllocatorCall::UpdateAvailable { .. } => "update_available",
            AllocatorCall::UpdateUnavailability { .. } => "update_unavailability",
            AllocatorCall::UpdateInverseOffer { .. } => "update_inverse_offer",
            AllocatorCall::InverseOfferStatuses { .. } => "inverse_offer_statuses",
            AllocatorCall::TransitionOfferedToAllocated { .. } => "transition_offered_to_allocated",
            AllocatorCall::RecoverResources { .. } => "recover_resources",
            AllocatorCall::SuppressOffers { .. } => "suppress_offers",
            AllocatorCall::ReviveOffers { .. } => "revive_offers",
            AllocatorCall::UpdateQuota { .. } => "update_quota",
            AllocatorCall::UpdateWeights { .. } => "update_weights",
            AllocatorCall::Pause => "pause",
            AllocatorCall::Resume => "resume",
            AllocatorCall::Allocate { .. } => "allocate",
        }
    }
}
