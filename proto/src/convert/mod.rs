//! Conversions between the v0/internal ("Slave") types and their v1 ("Agent") twins, as
//! Mesos's `evolve` and `devolve` do: by re-encoding bytes, since the twins share field
//! numbers and types. The one pair whose numbers differ, the scheduler `Call` (v0
//! `Subscribe.force` took number 2), is converted field by field where they differ.

use prost::Message;

use crate::{v0, v1};

/// A v0 type with a v1 twin.
pub trait Evolve {
    /// The v1 twin.
    type Evolved: Message + Default;
    /// The v1 form of this message.
    fn evolve(&self) -> Self::Evolved;
}

/// A v1 type with a v0 twin.
pub trait Devolve {
    /// The v0 twin.
    type Devolved: Message + Default;
    /// The v0 form of this message.
    fn devolve(&self) -> Self::Devolved;
}

/// The v1 form of a v0 message.
pub fn evolve<T: Evolve>(message: &T) -> T::Evolved {
    message.evolve()
}

/// The v0 form of a v1 message.
pub fn devolve<T: Devolve>(message: &T) -> T::Devolved {
    message.devolve()
}

/// Re-reads the encoding of `message` as its twin type.
///
/// # Panics
/// Only if the two types do not share their wire format, which the twin tests rule out
/// (`tests/convert.rs` compares the descriptors of every pair registered below).
fn reencode<From: Message, To: Message + Default>(message: &From) -> To {
    To::decode(message.encode_to_vec().as_slice()).expect("v0 and v1 twins share their wire format")
}

macro_rules! twins {
    ($($v0:ty => $v1:ty),* $(,)?) => {
        $(
            impl Evolve for $v0 {
                type Evolved = $v1;
                fn evolve(&self) -> $v1 {
                    reencode(self)
                }
            }

            impl Devolve for $v1 {
                type Devolved = $v0;
                fn devolve(&self) -> $v0 {
                    reencode(self)
                }
            }
        )*

        /// Full names of every (v0, v1) pair converted by re-encoding, for the twin tests.
        #[cfg(test)]
        pub(crate) const REENCODED_TWINS: &[(fn() -> String, fn() -> String)] = &[
            $((
                <$v0 as prost::Name>::full_name as fn() -> String,
                <$v1 as prost::Name>::full_name as fn() -> String,
            )),*
        ];
    };
}

twins! {
    v0::FrameworkId => v1::FrameworkId,
    v0::OfferId => v1::OfferId,
    v0::SlaveId => v1::AgentId,
    v0::TaskId => v1::TaskId,
    v0::ExecutorId => v1::ExecutorId,
    v0::ContainerId => v1::ContainerId,
    v0::ResourceProviderId => v1::ResourceProviderId,
    v0::OperationId => v1::OperationId,
    v0::Uuid => v1::Uuid,
    v0::TimeInfo => v1::TimeInfo,
    v0::DurationInfo => v1::DurationInfo,
    v0::Value => v1::Value,
    v0::Attribute => v1::Attribute,
    v0::Resource => v1::Resource,
    v0::FrameworkInfo => v1::FrameworkInfo,
    v0::SlaveInfo => v1::AgentInfo,
    v0::MasterInfo => v1::MasterInfo,
    v0::DomainInfo => v1::DomainInfo,
    v0::Offer => v1::Offer,
    v0::offer::Operation => v1::offer::Operation,
    v0::InverseOffer => v1::InverseOffer,
    v0::Filters => v1::Filters,
    v0::Request => v1::Request,
    v0::TaskInfo => v1::TaskInfo,
    v0::TaskGroupInfo => v1::TaskGroupInfo,
    v0::Task => v1::Task,
    v0::TaskStatus => v1::TaskStatus,
    v0::ExecutorInfo => v1::ExecutorInfo,
    v0::CommandInfo => v1::CommandInfo,
    v0::ContainerInfo => v1::ContainerInfo,
    v0::ContainerStatus => v1::ContainerStatus,
    v0::KillPolicy => v1::KillPolicy,
    v0::HealthCheck => v1::HealthCheck,
    v0::CheckInfo => v1::CheckInfo,
    v0::Labels => v1::Labels,
    v0::Operation => v1::Operation,
    v0::OperationStatus => v1::OperationStatus,
    v0::MachineId => v1::MachineId,
    v0::MachineInfo => v1::MachineInfo,
    v0::DrainConfig => v1::DrainConfig,
    v0::DrainInfo => v1::DrainInfo,
    v0::FileInfo => v1::FileInfo,
    v0::WeightInfo => v1::WeightInfo,
    v0::VersionInfo => v1::VersionInfo,
    v0::ResourceUsage => v1::ResourceUsage,
    v0::ResourceStatistics => v1::ResourceStatistics,
    v0::ResourceProviderInfo => v1::ResourceProviderInfo,
    v0::scheduler::Event => v1::scheduler::Event,
    v0::scheduler::Response => v1::scheduler::Response,
    v0::scheduler::OfferConstraints => v1::scheduler::OfferConstraints,
    v0::quota::QuotaInfo => v1::quota::QuotaInfo,
    v0::quota::QuotaRequest => v1::quota::QuotaRequest,
    v0::quota::QuotaConfig => v1::quota::QuotaConfig,
    v0::quota::QuotaStatus => v1::quota::QuotaStatus,
    v0::maintenance::Schedule => v1::maintenance::Schedule,
    v0::maintenance::ClusterStatus => v1::maintenance::ClusterStatus,
    v0::allocator::InverseOfferStatus => v1::allocator::InverseOfferStatus,
    v0::resource_provider::Call => v1::resource_provider::Call,
    v0::resource_provider::Event => v1::resource_provider::Event,
}

impl Evolve for v0::scheduler::Call {
    type Evolved = v1::scheduler::Call;

    /// v0 `Subscribe.force` has no v1 counterpart and is dropped.
    fn evolve(&self) -> v1::scheduler::Call {
        let mut v0_call = self.clone();
        let subscribe = v0_call.subscribe.as_mut().map(|subscribe| {
            subscribe.force = None;
            (
                std::mem::take(&mut subscribe.suppressed_roles),
                subscribe.offer_constraints.take(),
            )
        });
        let mut v1_call: v1::scheduler::Call = reencode(&v0_call);
        if let (Some((suppressed_roles, offer_constraints)), Some(v1_subscribe)) =
            (subscribe, v1_call.subscribe.as_mut())
        {
            v1_subscribe.suppressed_roles = suppressed_roles;
            v1_subscribe.offer_constraints = offer_constraints.as_ref().map(evolve);
        }
        v1_call
    }
}

impl Devolve for v1::scheduler::Call {
    type Devolved = v0::scheduler::Call;

    fn devolve(&self) -> v0::scheduler::Call {
        let mut v1_call = self.clone();
        let subscribe = v1_call.subscribe.as_mut().map(|subscribe| {
            (
                std::mem::take(&mut subscribe.suppressed_roles),
                subscribe.offer_constraints.take(),
            )
        });
        let mut v0_call: v0::scheduler::Call = reencode(&v1_call);
        if let (Some((suppressed_roles, offer_constraints)), Some(v0_subscribe)) =
            (subscribe, v0_call.subscribe.as_mut())
        {
            v0_subscribe.suppressed_roles = suppressed_roles;
            v0_subscribe.offer_constraints = offer_constraints.as_ref().map(devolve);
        }
        v0_call
    }
}

#[cfg(test)]
mod tests;
