//! Quota: per-role guarantees and limits on scalar quantities, validated on the way in.

use resources::{ResourceLimits, ResourceQuantities, Scalar, ScalarError};

/// A role's quota: guaranteed quantities and upper limits (Mesos's `Quota`).
///
/// The default (no guarantees, no limits) is "no quota". Limits apply to the role and all of
/// its subroles together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quota {
    /// Quantities the role is guaranteed (held back as headroom while unsatisfied).
    pub guarantees: ResourceQuantities,
    /// Quantities the role, with its subroles, is never offered beyond; absent names are
    /// unlimited.
    pub limits: ResourceLimits,
}

/// Why a quota is rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InvalidQuota {
    /// A guarantee or limit that is negative, not finite or too large.
    #[error("quota {kind} for '{name}' is invalid: {error}")]
    Value {
        /// `guarantee` or `limit`.
        kind: &'static str,
        /// The resource name.
        name: String,
        /// What is wrong with the number.
        error: ScalarError,
    },
    /// An empty resource name.
    #[error("quota resource names cannot be empty")]
    EmptyName,
    /// A guarantee above the limit of the same resource.
    #[error("quota guarantee for '{name}' ({guarantee}) is above its limit ({limit})")]
    GuaranteeAboveLimit {
        /// The resource name.
        name: String,
        /// The guarantee.
        guarantee: Scalar,
        /// The limit.
        limit: Scalar,
    },
}

impl Quota {
    /// No guarantees, no limits.
    pub fn none() -> Quota {
        Quota::default()
    }

    /// The legacy form: the same quantities as guarantees and as limits.
    pub fn guaranteed_and_limited(quantities: &ResourceQuantities) -> Quota {
        let mut limits = ResourceLimits::new();
        for (name, amount) in quantities.iter() {
            limits.set(name, amount);
        }
        Quota {
            guarantees: quantities.clone(),
            limits,
        }
    }

    /// True for the default quota (no guarantees, no limits).
    pub fn is_none(&self) -> bool {
        self.guarantees.is_empty() && self.limits.is_empty()
    }

    /// Checks that no guarantee is above its limit.
    pub fn validate(&self) -> Result<(), InvalidQuota> {
        for (name, guarantee) in self.guarantees.iter() {
            if name.is_empty() {
                return Err(InvalidQuota::EmptyName);
            }
            if let Some(limit) = self.limits.get(name)
                && guarantee > limit
            {
                return Err(InvalidQuota::GuaranteeAboveLimit {
                    name: name.to_string(),
                    guarantee,
                    limit,
                });
            }
        }
        if self.limits.iter().any(|(name, _)| name.is_empty()) {
            return Err(InvalidQuota::EmptyName);
        }
        Ok(())
    }

    /// Reads a v1 `QuotaConfig` (its `role` is left to the caller), rejecting negative,
    /// infinite or NaN values and guarantees above limits.
    pub fn from_config(config: &proto::v1::quota::QuotaConfig) -> Result<Quota, InvalidQuota> {
        let mut quota = Quota::default();
        for (name, value) in &config.guarantees {
            let amount = scalar("guarantee", name, value.value)?;
            quota.guarantees.insert(name, amount);
        }
        for (name, value) in &config.limits {
            let amount = scalar("limit", name, value.value)?;
            quota.limits.set(name, amount);
        }
        quota.validate()?;
        Ok(quota)
    }

    /// The v1 `QuotaConfig` for `role`.
    pub fn to_config(&self, role: &str) -> proto::v1::quota::QuotaConfig {
        let value = |amount: Scalar| proto::v1::value::Scalar {
            value: amount.as_f64(),
        };
        proto::v1::quota::QuotaConfig {
            role: role.to_string(),
            guarantees: self
                .guarantees
                .iter()
                .map(|(name, amount)| (name.to_string(), value(amount)))
                .collect(),
            limits: self
                .limits
                .iter()
                .map(|(name, amount)| (name.to_string(), value(amount)))
                .collect(),
        }
    }
}

fn scalar(kind: &'static str, name: &str, value: f64) -> Result<Scalar, InvalidQuota> {
    if name.is_empty() {
        return Err(InvalidQuota::EmptyName);
    }
    Scalar::from_f64(value).map_err(|error| InvalidQuota::Value {
        kind,
        name: name.to_string(),
        error,
    })
}
