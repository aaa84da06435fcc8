//! Validation of the offers an ACCEPT (or DECLINE) names (Mesos's `validation::offer`): each
//! named once, still outstanding, made to this framework, all allocated to one role and all of
//! one agent.

use std::collections::HashSet;

use proto::v0::OfferId;

use super::Error;
use crate::books::Books;

/// What valid offers have in common.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidOffers {
    /// The agent they are all on.
    pub agent_id: String,
    /// The role they are all allocated to.
    pub role: String,
}

/// Checks the offers of an ACCEPT by `framework_id`, in Mesos's order.
pub fn validate_offers(
    offer_ids: &[OfferId],
    books: &Books,
    framework_id: &str,
) -> Result<ValidOffers, Error> {
    if offer_ids.is_empty() {
        return Err("No offers specified".into());
    }
    let mut seen = HashSet::new();
    for offer_id in offer_ids {
        if !seen.insert(offer_id.value.as_str()) {
            return Err(format!("Duplicate offer {} in offer list", offer_id.value));
        }
    }
    let mut offers = Vec::with_capacity(offer_ids.len());
    for offer_id in offer_ids {
        let Some(offer) = books.offers.get(&offer_id.value) else {
            return Err(format!("Offer {} is no longer valid", offer_id.value));
        };
        offers.push(offer);
    }
    for offer in &offers {
        if offer.framework_id() != framework_id {
            return Err(format!(
                "Offer {} has invalid framework {} while framework {} is expected",
                offer.id(),
                offer.framework_id(),
                framework_id
            ));
        }
    }
    let role = offers[0].role().to_string();
    for offer in &offers {
        if offer.role() != role {
            return Err(format!(
                "Aggregated offers must be allocated to the same role. Offer {} uses role '{} \
                 but another is using role '{}",
                offer.id(),
                offer.role(),
                role
            ));
        }
    }
    let agent_id = offers[0].agent_id().to_string();
    for offer in &offers {
        if offer.agent_id() != agent_id {
            return Err(format!(
                "Aggregated offers must belong to one single agent. Offer {} uses agent {} and \
                 agent {}",
                offer.id(),
                offer.agent_id(),
                agent_id
            ));
        }
    }
    Ok(ValidOffers { agent_id, role })
}
