//! `AllocatorHandle`: what the master holds to talk to its allocator actor, one method per
//! operation, so master code reads like Mesos's (`allocator.add_agent(...)`).

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
};

use libprocess::{Future, Promise, Recipient, Upid};
use proto::v1::{
    AgentInfo, Filters, FrameworkInfo, Request, Unavailability, WeightInfo,
    agent_info::Capability as AgentCapability, allocator::InverseOfferStatus,
};
use resources::{ResourceConversion, Resources};

use crate::{
    AgentId, AllocatorError, AllocatorOptions, FrameworkId, FrameworkOptions, Quota,
    offers::UnavailableResources,
    shell::messages::{AllocatorCall, InverseOffers, Offers},
};

/// The master's handle on an allocator actor: cheap to clone, `Send` and `Sync`.
///
/// Every method queues one [`AllocatorCall`] and returns at once; calls are handled in
/// order. Methods without a result log refused calls on the allocator's side (the master
/// only sends what it validated); [`update_available`](AllocatorHandle::update_available) and
/// [`inverse_offer_statuses`](AllocatorHandle::inverse_offer_statuses) answer with a future.
#[derive(Clone, Debug)]
pub struct AllocatorHandle {
    recipient: Recipient<AllocatorCall>,
    queued: Arc<AtomicI64>,
}

impl AllocatorHandle {
    /// A handle on any process that takes [`AllocatorCall`]s (ours is
    /// [`crate::AllocatorProcess`], but a remote or test double works too).
    pub fn new(recipient: Recipient<AllocatorCall>) -> AllocatorHandle {
        AllocatorHandle {
            recipient,
            queued: Arc::new(AtomicI64::new(0)),
        }
    }

    pub(crate) fn with_queue_counter(
        recipient: Recipient<AllocatorCall>,
        queued: Arc<AtomicI64>,
    ) -> AllocatorHandle {
        AllocatorHandle { recipient, queued }
    }

    /// The allocator process's address.
    pub fn upid(&self) -> &Upid {
        self.recipient.upid()
    }

    /// The recipient the calls go to.
    pub fn recipient(&self) -> &Recipient<AllocatorCall> {
        &self.recipient
    }

    /// Queues one call.
    pub fn send(&self, call: AllocatorCall) {
        self.queued.fetch_add(1, Ordering::Relaxed);
        self.recipient.dispatch(call);
    }

    /// Configures the allocator and tells it where offers and inverse offers go.
    pub fn initialize(
        &self,
        options: AllocatorOptions,
        offers: Recipient<Offers>,
        inverse_offers: Recipient<InverseOffers>,
    ) {
        self.send(AllocatorCall::Initialize {
            options,
            offers,
            inverse_offers,
        });
    }

    /// See [`crate::Allocator::recover`].
    pub fn recover(&self, expected_agent_count: usize, quotas: BTreeMap<String, Quota>) {
        self.send(AllocatorCall::Recover {
            expected_agent_count,
            quotas,
        });
    }

    /// See [`crate::Allocator::add_framework`].
    pub fn add_framework(
        &self,
        framework_id: FrameworkId,
        info: FrameworkInfo,
        used: HashMap<AgentId, Resources>,
        active: bool,
        options: FrameworkOptions,
    ) {
        self.send(AllocatorCall::AddFramework {
            framework_id,
            info: Box::new(info),
            used,
            active,
            options,
        });
    }

    /// See [`crate::Allocator::remove_framework`].
    pub fn remove_framework(&self, framework_id: FrameworkId) {
        self.send(AllocatorCall::RemoveFramework { framework_id });
    }

    /// See [`crate::Allocator::activate_framework`].
    pub fn activate_framework(&self, framework_id: FrameworkId) {
        self.send(AllocatorCall::ActivateFramework { framework_id });
    }

    /// See [`crate::Allocator::deactivate_framework`].
    pub fn deactivate_framework(&self, framework_id: FrameworkId) {
        self.send(AllocatorCall::DeactivateFramework { framework_id });
    }

    /// See [`crate::Allocator::update_framework`].
    pub fn update_framework(
        &self,
        framework_id: FrameworkId,
        info: FrameworkInfo,
        options: FrameworkOptions,
    ) {
        self.send(AllocatorCall::UpdateFramework {
            framework_id,
            info: Box::new(info),
            options,
        });
    }

    /// See [`crate::Allocator::add_agent`].
    pub fn add_agent(
        &self,
        agent_id: AgentId,
        info: AgentInfo,
        capabilities: Vec<AgentCapability>,
        unavailability: Option<Unavailability>,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    ) {
        self.send(AllocatorCall::AddAgent {
            agent_id,
            info: Box::new(info),
            capabilities,
            unavailability,
            total,
            used,
        });
    }

    /// See [`crate::Allocator::remove_agent`].
    pub fn remove_agent(&self, agent_id: AgentId) {
        self.send(AllocatorCall::RemoveAgent { agent_id });
    }

    /// See [`crate::Allocator::update_agent`].
    pub fn update_agent(
        &self,
        agent_id: AgentId,
        info: AgentInfo,
        total: Option<Resources>,
        capabilities: Option<Vec<AgentCapability>>,
    ) {
        self.send(AllocatorCall::UpdateAgent {
            agent_id,
            info: Box::new(info),
            total,
            capabilities,
        });
    }

    /// See [`crate::Allocator::add_resource_provider`].
    pub fn add_resource_provider(
        &self,
        agent_id: AgentId,
        total: Resources,
        used: HashMap<FrameworkId, Resources>,
    ) {
        self.send(AllocatorCall::AddResourceProvider {
            agent_id,
            total,
            used,
        });
    }

    /// See [`crate::Allocator::activate_agent`].
    pub fn activate_agent(&self, agent_id: AgentId) {
        self.send(AllocatorCall::ActivateAgent { agent_id });
    }

    /// See [`crate::Allocator::deactivate_agent`].
    pub fn deactivate_agent(&self, agent_id: AgentId) {
        self.send(AllocatorCall::DeactivateAgent { agent_id });
    }

    /// See [`crate::Allocator::update_whitelist`].
    pub fn update_whitelist(&self, whitelist: Option<HashSet<String>>) {
        self.send(AllocatorCall::UpdateWhitelist { whitelist });
    }

    /// See [`crate::Allocator::request_resources`].
    pub fn request_resources(&self, framework_id: FrameworkId, requests: Vec<Request>) {
        self.send(AllocatorCall::RequestResources {
            framework_id,
            requests,
        });
    }

    /// See [`crate::Allocator::update_allocation`].
    pub fn update_allocation(
        &self,
        framework_id: FrameworkId,
        agent_id: AgentId,
        offered: Resources,
        conversions: Vec<ResourceConversion>,
    ) {
        self.send(AllocatorCall::UpdateAllocation {
            framework_id,
            agent_id,
            offered,
            conversions,
        });
    }

    /// See [`crate::Allocator::update_available`]; the future says whether it applied.
    pub fn update_available(
        &self,
        agent_id: AgentId,
        conversions: Vec<ResourceConversion>,
    ) -> Future<Result<(), AllocatorError>> {
        let (reply, future) = Promise::new();
        self.send(AllocatorCall::UpdateAvailable {
            agent_id,
            conversions,
            reply,
        });
        future
    }

    /// See [`crate::Allocator::update_unavailability`].
    pub fn update_unavailability(&self, agent_id: AgentId, unavailability: Option<Unavailability>) {
        self.send(AllocatorCall::UpdateUnavailability {
            agent_id,
            unavailability,
        });
    }

    /// See [`crate::Allocator::update_inverse_offer`].
    pub fn update_inverse_offer(
        &self,
        agent_id: AgentId,
        framework_id: FrameworkId,
        unavailable_resources: Option<UnavailableResources>,
        status: Option<InverseOfferStatus>,
        filters: Option<Filters>,
    ) {
        self.send(AllocatorCall::UpdateInverseOffer {
            agent_id,
            framework_id,
            unavailable_resources,
            status,
            filters,
        });
    }

    /// See [`crate::Allocator::inverse_offer_statuses`].
    pub fn inverse_offer_statuses(
        &self,
    ) -> Future<BTreeMap<AgentId, BTreeMap<FrameworkId, InverseOfferStatus>>> {
        let (reply, future) = Promise::new();
        self.send(AllocatorCall::InverseOfferStatuses { reply });
        future
    }

    /// See [`crate::Allocator::transition_offered_to_allocated`].
    pub fn transition_offered_to_allocated(&self, agent_id: AgentId, resources: Resources) {
        self.send(AllocatorCall::TransitionOfferedToAllocated {
            agent_id,
            resources,
        });
    }

    /// See [`crate::Allocator::recover_resources`].
    pub fn recover_resources(
        &self,
        framework_id: FrameworkId,
        agent_id: AgentId,
        resources: Resources,
        filters: Option<Filters>,
        is_allocated: bool,
    ) {
        self.send(AllocatorCall::RecoverResources {
            framework_id,
            agent_id,
            resources,
            filters,
            is_allocated,
        });
    }

    /// See [`crate::Allocator::suppress_offers`].
    pub fn suppress_offers(&self, framework_id: FrameworkId, roles: BTreeSet<String>) {
        self.send(AllocatorCall::SuppressOffers {
            framework_id,
            roles,
        });
    }

    /// See [`crate::Allocator::revive_offers`].
    pub fn revive_offers(&self, framework_id: FrameworkId, roles: BTreeSet<String>) {
        self.send(AllocatorCall::ReviveOffers {
            framework_id,
            roles,
        });
    }

    /// See [`crate::Allocator::update_quota`].
    pub fn update_quota(&self, role: impl Into<String>, quota: Quota) {
        self.send(AllocatorCall::UpdateQuota {
            role: role.into(),
            quota,
        });
    }

    /// See [`crate::Allocator::update_weights`].
    pub fn update_weights(&self, weights: Vec<WeightInfo>) {
        self.send(AllocatorCall::UpdateWeights { weights });
    }

    /// See [`crate::Allocator::pause`].
    pub fn pause(&self) {
        self.send(AllocatorCall::Pause);
    }

    /// See [`crate::Allocator::resume`].
    pub fn resume(&self) {
        self.send(AllocatorCall::Resume);
    }

    /// Asks for an allocation run over `agents` (all for `None`) as soon as possible,
    /// coalesced with any run already pending.
    pub fn allocate(&self, agents: Option<HashSet<AgentId>>) {
        self.send(AllocatorCall::Allocate { agents });
    }
}
