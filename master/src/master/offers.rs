//! Offers: turning the allocator's decisions into offers (Mesos's `Master::offer`), rescinding
//! and discarding them, `--offer_timeout`, and the DECLINE, REVIVE, SUPPRESS and REQUEST calls.

use std::collections::BTreeSet;

use libprocess::Context;
use proto::v0::{
    Address, Filters, FrameworkId, Offer as ProtoOffer, OfferId, SlaveId, Url,
    framework_info::capability::Type as Capability,
    resource::AllocationInfo,
    scheduler::call::{Decline, Request, Revive, Suppress},
};
use resources::{ResourceFormat, Resources};

use super::{Master, agent_key, events, framework_key};
use crate::books::OfferEntry;

impl Master {
    /// Makes offers of what the allocator allocated to one framework.
    pub(crate) fn make_offers(&mut self, ctx: &mut Context<Self>, allocation: allocator::Offer) {
        let framework_id = allocation.framework_id.as_str().to_string();
        let usable = self
            .books
            .frameworks
            .get(&framework_id)
            .is_some_and(|framework| framework.connected() && framework.active);
        let mut outgoing = Vec::new();
        for (role, agent_id, resources) in allocation.entries() {
            let agent = self.books.agents.get(agent_id.as_str());
            let agent_ok = agent.is_some_and(|agent| agent.active);
            if !usable || !agent_ok {
                tracing::debug!(%framework_id, %agent_id,
                    "returning offered resources: framework or agent not usable");
                self.allocator.recover_resources(
                    allocation.framework_id.clone(),
                    agent_id.clone(),
                    resources.clone(),
                    None,
                    false,
                );
                continue;
            }
            let Some(agent) = agent else { continue };
            let executor_ids = agent
                .executors
                .get(&framework_id)
                .map(|executors| executors.values().map(|e| e.executor_id.clone()).collect())
                .unwrap_or_default();
            let offer = ProtoOffer {
                id: OfferId {
                    value: self.ids.next_offer_id(),
                },
                framework_id: FrameworkId {
                    value: framework_id.clone(),
                },
                slave_id: SlaveId {
                    value: agent.id.clone(),
                },
                hostname: agent.info.hostname.clone(),
                url: Some(Url {
                    scheme: "http".into(),
                    address: Address {
                        hostname: Some(agent.info.hostname.clone()),
                        ip: Some(agent.pid.address().ip().to_string()),
                        port: i32::from(agent.pid.address().port()),
                    },
                    path: Some(format!("/{}", agent.pid.id())),
                    ..Url::default()
                }),
                domain: agent.info.domain.clone(),
                resources: resources.to_proto_v0(),
                attributes: agent.info.attributes.clone(),
                executor_ids,
                unavailability: None,
                allocation_info: Some(AllocationInfo {
                    role: Some(role.to_string()),
                }),
            };
            let timer = self.config.offer_timeout.map(|timeout| {
                let offer_id = offer.id.value.clone();
                ctx.delay(timeout, move |master: &mut Master, ctx| {
                    if master.books.offers.contains_key(&offer_id) {
                        tracing::info!(%offer_id, "offer timed out: rescinding it");
                        master.rescind_offer(ctx, &offer_id, None);
                    }
                })
            });
            outgoing.push(offer.clone());
            self.books.add_offer(OfferEntry {
                offer,
                resources: resources.clone(),
                timer,
            });
        }
        if outgoing.is_empty() {
            return;
        }
        if let Some(framework) = self.books.frameworks.get(&framework_id) {
            let multi_role = framework.has_capability(Capability::MultiRole);
            let refinement = framework.has_capability(Capability::ReservationRefinement);
            for offer in &mut outgoing {
                present_offer(offer, multi_role, refinement);
            }
        }
        tracing::debug!(%framework_id, offers = outgoing.len(), "sending offers");
        self.send_event(&framework_id, &events::offers(&outgoing));
    }

    /// Rescinds an offer: RESCIND to the framework, resources back to the allocator.
    pub(crate) fn rescind_offer(
        &mut self,
        ctx: &mut Context<Self>,
        offer_id: &str,
        filters: Option<Filters>,
    ) {
        self.remove_offer(ctx, offer_id, true, true, filters);
    }

    /// Discards an offer without telling the framework (it declined or used it, or failed over).
    pub(crate) fn discard_offer(
        &mut self,
        ctx: &mut Context<Self>,
        offer_id: &str,
        filters: Option<Filters>,
    ) {
        self.remove_offer(ctx, offer_id, false, true, filters);
    }

    /// Removes an offer from the books; optionally tells the framework (RESCIND) and returns
    /// its resources to the allocator with `filters`.
    pub(crate) fn remove_offer(
        &mut self,
        ctx: &mut Context<Self>,
        offer_id: &str,
        notify: bool,
        recover: bool,
        filters: Option<Filters>,
    ) {
        let Some(entry) = self.books.remove_offer(offer_id) else {
            return;
        };
        if let Some(timer) = entry.timer {
            ctx.cancel(timer);
        }
        if notify {
            self.send_event(entry.framework_id(), &events::rescind(&entry.offer.id));
        }
        if recover {
            self.allocator.recover_resources(
                framework_key(entry.framework_id()),
                agent_key(entry.agent_id()),
                entry.resources,
                filters.map(|filters| proto::convert::evolve(&filters)),
                false,
            );
        }
    }

    pub(crate) fn decline(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        decline: Decline,
    ) {
        self.count("messages_decline_offers");
        for offer_id in &decline.offer_ids {
            let owned = self
                .books
                .offers
                .get(&offer_id.value)
                .is_some_and(|offer| offer.framework_id() == framework_id);
            if owned {
                self.discard_offer(ctx, &offer_id.value, decline.filters);
            } else {
                tracing::warn!(offer_id = %offer_id.value, %framework_id,
                    "ignoring the decline of an offer that is not outstanding for this framework");
            }
        }
    }

    /// Validates REVIVE/SUPPRESS roles: valid and among the framework's roles; an empty list
    /// means all of them. `None` (with a warning) drops the whole call, as Mesos.
    fn call_roles(
        &self,
        framework_id: &str,
        roles: &[String],
        call: &str,
    ) -> Option<BTreeSet<String>> {
        let framework = self.books.frameworks.get(framework_id)?;
        let mut result = BTreeSet::new();
        for role in roles {
            if let Err(error) = resources::role::validate_role(role) {
                tracing::warn!(%framework_id, %role, %error, "dropping {call}: invalid role");
                return None;
            }
            if !framework.roles.contains(role) {
                tracing::warn!(%framework_id, %role,
                    "dropping {call}: the role is not one of the framework's subscribed roles");
                return None;
            }
            result.insert(role.clone());
        }
        Some(result)
    }

    pub(crate) fn revive(&mut self, framework_id: &str, revive: Revive) {
        self.count("messages_revive_offers");
        if let Some(roles) = self.call_roles(framework_id, &revive.roles, "REVIVE") {
            self.allocator
                .revive_offers(framework_key(framework_id), roles);
        }
    }

    pub(crate) fn suppress(&mut self, framework_id: &str, suppress: Suppress) {
        self.count("messages_suppress_offers");
        if let Some(roles) = self.call_roles(framework_id, &suppress.roles, "SUPPRESS") {
            self.allocator
                .suppress_offers(framework_key(framework_id), roles);
        }
    }

    pub(crate) fn request(&mut self, framework_id: &str, request: Request) {
        self.count("messages_resource_request");
        let requests = request
            .requests
            .iter()
            .map(proto::convert::evolve)
            .collect();
        self.allocator
            .request_resources(framework_key(framework_id), requests);
    }

    /// Every outstanding offer of a framework.
    pub(crate) fn offers_of(&self, framework_id: &str) -> Vec<String> {
        self.books
            .frameworks
            .get(framework_id)
            .map(|framework| framework.offers.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// An offer as a framework sees it: no `allocation_info` for frameworks that are not
/// MULTI_ROLE (MESOS-8237), and the pre-refinement resource format for frameworks without
/// RESERVATION_REFINEMENT.
fn present_offer(offer: &mut ProtoOffer, multi_role: bool, refinement: bool) {
    if !refinement
        && let Ok(resources) = Resources::from_proto_v0(&offer.resources)
        && let Ok(list) = resources.to_proto_v0_in(ResourceFormat::PreRefinement)
    {
        offer.resources = list;
    }
    offer
        .resources
        .retain(|resource| resource.name != "ephemeral_ports");
    if !multi_role {
        offer.allocation_info = None;
        for resource in &mut offer.resources {
            resource.allocation_info = None;
        }
    }
}
