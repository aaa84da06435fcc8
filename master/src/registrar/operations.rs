//! The registry's state machine: the operations the master applies to the registry (admit an
//! agent, mark it unreachable, reachable, gone, remove it, weights, quota), as pure functions on
//! the `mesos.internal.Registry` protobuf.
//!
//! An operation either mutates the registry (`Ok(true)`), leaves it as it was (`Ok(false)`), or
//! is refused (`Err`) with the registry untouched, as Mesos's `RegistryOperation::perform`.

use std::collections::{BTreeSet, HashSet};

use proto::{
    internal::{
        Registry,
        registry::{self, GoneSlave, Slave, UnreachableSlave},
    },
    v0::{MasterInfo, SlaveId, SlaveInfo, TimeInfo, WeightInfo, quota::QuotaConfig},
};

/// One change to the registry.
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    /// Records the (new) leading master's info; applied once at recovery.
    Recover {
        /// The master that recovered the registry.
        master: MasterInfo,
    },
    /// Admits a newly registered agent (Mesos's `AdmitSlave`). Refused if already admitted.
    AdmitAgent {
        /// The agent's info, with its id set.
        info: SlaveInfo,
    },
    /// Replaces an admitted agent's info (Mesos's `UpdateSlave`).
    UpdateAgent {
        /// The agent's new info.
        info: SlaveInfo,
    },
    /// Moves an admitted agent to the unreachable list (Mesos's `MarkSlaveUnreachable`).
    MarkAgentUnreachable {
        /// The agent's info.
        info: SlaveInfo,
        /// When it was marked unreachable.
        time: TimeInfo,
    },
    /// Moves an unreachable (or unknown) agent back to the admitted list (Mesos's
    /// `MarkSlaveReachable`); a no-op for an agent that is already admitted.
    MarkAgentReachable {
        /// The agent's info.
        info: SlaveInfo,
    },
    /// Removes an admitted agent (Mesos's `RemoveSlave`, e.g. on `UnregisterSlaveMessage`).
    RemoveAgent {
        /// The agent's id.
        id: SlaveId,
    },
    /// Marks an agent gone for good (Mesos's `MarkSlaveGone`).
    MarkAgentGone {
        /// The agent's id.
        id: SlaveId,
        /// When it was marked gone.
        time: TimeInfo,
    },
    /// Forgets unreachable and gone agents (registry garbage collection, Mesos's `Prune`).
    Prune {
        /// Unreachable agent ids to forget.
        unreachable: BTreeSet<String>,
        /// Gone agent ids to forget.
        gone: BTreeSet<String>,
    },
    /// Sets role weights (an entry per role; other roles keep theirs).
    UpdateWeights {
        /// The weights to set.
        weights: Vec<WeightInfo>,
    },
    /// Sets quota configurations (a config with no guarantees and no limits removes the role's).
    UpdateQuota {
        /// The configurations to set.
        configs: Vec<QuotaConfig>,
    },
}

/// Why an operation was refused; the registry is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OperationError {
    /// `AdmitAgent` for an id that is already admitted (an id collision).
    #[error("agent {0} is already admitted")]
    AlreadyAdmitted(String),
    /// The operation needs an admitted agent.
    #[error("agent {0} is not admitted")]
    NotAdmitted(String),
    /// `MarkAgentGone` for an agent that is already gone.
    #[error("agent {0} is already marked gone")]
    AlreadyGone(String),
    /// The agent info carries no id.
    #[error("the agent info has no id")]
    MissingAgentId,
}

/// The registry plus an index of admitted agent ids, so that operations run in O(1) lookups.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegistryState {
    registry: Registry,
    admitted: HashSet<String>,
}

impl RegistryState {
    /// Wraps a registry (e.g. one just fetched from storage).
    pub fn new(registry: Registry) -> RegistryState {
        let admitted = admitted_slaves(&registry)
            .iter()
            .filter_map(|slave| slave.info.id.as_ref().map(|id| id.value.clone()))
            .collect();
        RegistryState { registry, admitted }
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Whether `agent_id` is admitted.
    pub fn is_admitted(&self, agent_id: &str) -> bool {
        self.admitted.contains(agent_id)
    }

    /// Applies `operation`: `Ok(true)` if the registry changed, `Ok(false)` if there was
    /// nothing to do, `Err` (registry unchanged) if the operation is refused.
    pub fn apply(&mut self, operation: &Operation) -> Result<bool, OperationError> {
        match operation {
            Operation::Recover { master } => {
                self.registry.master = Some(registry::Master {
                    info: master.clone(),
                });
                Ok(true)
            }
            Operation::AdmitAgent { info } => self.admit(info),
            Operation::UpdateAgent { info } => self.update(info),
            Operation::MarkAgentUnreachable { info, time } => self.mark_unreachable(info, time),
            Operation::MarkAgentReachable { info } => self.mark_reachable(info),
            Operation::RemoveAgent { id } => self.remove(&id.value),
            Operation::MarkAgentGone { id, time } => self.mark_gone(id, time),
            Operation::Prune { unreachable, gone } => Ok(self.prune(unreachable, gone)),
            Operation::UpdateWeights { weights } => Ok(self.update_weights(weights)),
            Operation::UpdateQuota { configs } => Ok(self.update_quota(configs)),
        }
    }

    fn admit(&mut self, info: &SlaveInfo) -> Result<bool, OperationError> {
        let id = agent_id(info)?;
        if self.admitted.contains(id) {
            return Err(OperationError::AlreadyAdmitted(id.to_string()));
        }
        self.admitted.insert(id.to_string());
        slaves_mut(&mut self.registry).push(Slave {
            info: info.clone(),
            drain_info: None,
            deactivated: None,
        });
        Ok(true)
    }

    fn update(&mut self, info: &SlaveInfo) -> Result<bool, OperationError> {
        let id = agent_id(info)?;
        if !self.admitted.contains(id) {
            return Err(OperationError::NotAdmitted(id.to_string()));
        }
        let slave = slaves_mut(&mut self.registry)
            .iter_mut()
            .find(|slave| slave_id(&slave.info) == Some(id))
            .ok_or_else(|| OperationError::NotAdmitted(id.to_string()))?;
        if slave.info == *info {
            return Ok(false);
        }
        slave.info = info.clone();
        Ok(true)
    }

    fn mark_unreachable(
        &mut self,
        info: &SlaveInfo,
        time: &TimeInfo,
    ) -> Result<bool, OperationError> {
        let id = agent_id(info)?.to_string();
        let slaves = slaves_mut(&mut self.registry);
        let index = slaves
            .iter()
            .position(|slave| slave_id(&slave.info) == Some(id.as_str()))
            .ok_or_else(|| OperationError::NotAdmitted(id.clone()))?;
        let slave = slaves.remove(index);
        self.admitted.remove(&id);
        unreachable_mut(&mut self.registry).push(UnreachableSlave {
            id: SlaveId { value: id },
            timestamp: *time,
            drain_info: slave.drain_info,
            deactivated: Some(slave.deactivated.unwrap_or(false)),
        });
        Ok(true)
    }

    fn mark_reachable(&mut self, info: &SlaveInfo) -> Result<bool, OperationError> {
        let id = agent_id(info)?.to_string();
        if self.admitted.contains(&id) {
            return Ok(false);
        }
        let mut reachable = Slave {
            info: info.clone(),
            drain_info: None,
            deactivated: None,
        };
        let unreachable = unreachable_mut(&mut self.registry);
        if let Some(index) = unreachable.iter().position(|slave| slave.id.value == id) {
            let slave = unreachable.remove(index);
            reachable.drain_info = slave.drain_info;
            reachable.deactivated = slave.deactivated;
        } else {
            tracing::warn!(agent_id = %id, "allowing an unknown agent to reregister");
        }
        slaves_mut(&mut self.registry).push(reachable);
        self.admitted.insert(id);
        Ok(true)
    }

    fn remove(&mut self, id: &str) -> Result<bool, OperationError> {
        let slaves = slaves_mut(&mut self.registry);
        let index = slaves
            .iter()
            .position(|slave| slave_id(&slave.info) == Some(id))
            .ok_or_else(|| OperationError::NotAdmitted(id.to_string()))?;
        slaves.remove(index);
        self.admitted.remove(id);
        Ok(true)
    }

    fn mark_gone(&mut self, id: &SlaveId, time: &TimeInfo) -> Result<bool, OperationError> {
        let already_gone = self
            .registry
            .gone
            .as_ref()
            .is_some_and(|gone| gone.slaves.iter().any(|slave| slave.id == *id));
        if already_gone {
            return Err(OperationError::AlreadyGone(id.value.clone()));
        }
        let admitted = self.admitted.remove(&id.value);
        if admitted {
            slaves_mut(&mut self.registry).retain(|slave| slave_id(&slave.info) != Some(&id.value));
        } else {
            let known = self
                .registry
                .unreachable
                .as_ref()
                .is_some_and(|list| list.slaves.iter().any(|slave| slave.id == *id));
            if !known {
                return Err(OperationError::NotAdmitted(id.value.clone()));
            }
            unreachable_mut(&mut self.registry).retain(|slave| slave.id != *id);
        }
        self.registry
            .gone
            .get_or_insert_with(Default::default)
            .slaves
            .push(GoneSlave {
                id: id.clone(),
                timestamp: *time,
            });
        Ok(true)
    }

    fn prune(&mut self, unreachable: &BTreeSet<String>, gone: &BTreeSet<String>) -> bool {
        let mut mutated = false;
        if let Some(list) = self.registry.unreachable.as_mut() {
            let before = list.slaves.len();
            list.slaves
                .retain(|slave| !unreachable.contains(&slave.id.value));
            mutated |= list.slaves.len() != before;
        }
        if let Some(list) = self.registry.gone.as_mut() {
            let before = list.slaves.len();
            list.slaves.retain(|slave| !gone.contains(&slave.id.value));
            mutated |= list.slaves.len() != before;
        }
        mutated
    }

    fn update_weights(&mut self, weights: &[WeightInfo]) -> bool {
        let mut mutated = false;
        for weight in weights {
            let existing = self
                .registry
                .weights
                .iter_mut()
                .find(|entry| entry.info.role == weight.role);
            match existing {
                Some(entry) if entry.info == *weight => {}
                Some(entry) => {
                    entry.info = weight.clone();
                    mutated = true;
                }
                None => {
                    self.registry.weights.push(registry::Weight {
                        info: weight.clone(),
                    });
                    mutated = true;
                }
            }
        }
        mutated
    }

    fn update_quota(&mut self, configs: &[QuotaConfig]) -> bool {
        let mut mutated = false;
        for config in configs {
            let existing = &mut self.registry.quota_configs;
            let index = existing.iter().position(|entry| entry.role == config.role);
            let remove = config.guarantees.is_empty() && config.limits.is_empty();
            match (index, remove) {
                (Some(index), true) => {
                    existing.remove(index);
                    mutated = true;
                }
                (Some(index), false) if existing[index] != *config => {
                    existing[index] = config.clone();
                    mutated = true;
                }
                (None, false) => {
                    existing.push(config.clone());
                    mutated = true;
                }
                _ => {}
            }
        }
        mutated
    }
}

fn agent_id(info: &SlaveInfo) -> Result<&str, OperationError> {
    slave_id(info).ok_or(OperationError::MissingAgentId)
}

fn slave_id(info: &SlaveInfo) -> Option<&str> {
    info.id.as_ref().map(|id| id.value.as_str())
}

fn admitted_slaves(registry: &Registry) -> &[Slave] {
    registry
        .slaves
        .as_ref()
        .map(|slaves| slaves.slaves.as_slice())
        .unwrap_or_default()
}

fn slaves_mut(registry: &mut Registry) -> &mut Vec<Slave> {
    &mut registry.slaves.get_or_insert_with(Default::default).slaves
}

fn unreachable_mut(registry: &mut Registry) -> &mut Vec<UnreachableSlave> {
    &mut registry
        .unreachable
        .get_or_insert_with(Default::default)
        .slaves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> SlaveInfo {
        SlaveInfo {
            hostname: format!("host-{id}"),
            id: Some(SlaveId { value: id.into() }),
            ..SlaveInfo::default()
        }
    }

    fn time(seconds: i64) -> TimeInfo {
        TimeInfo {
            nanoseconds: seconds * 1_000_000_000,
        }
    }

    #[test]
    fn admit_then_unreachable_then_reachable() {
        let mut state = RegistryState::default();
        assert_eq!(
            state.apply(&Operation::AdmitAgent { info: info("a") }),
            Ok(true)
        );
        assert!(state.is_admitted("a"));
        assert_eq!(
            state.apply(&Operation::AdmitAgent { info: info("a") }),
            Err(OperationError::AlreadyAdmitted("a".into()))
        );
        let unreachable = Operation::MarkAgentUnreachable {
            info: info("a"),
            time: time(7),
        };
        assert_eq!(state.apply(&unreachable), Ok(true));
        assert!(!state.is_admitted("a"));
        let list = &state.registry().unreachable.as_ref().unwrap().slaves;
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].timestamp, time(7));
        assert_eq!(
            state.apply(&unreachable),
            Err(OperationError::NotAdmitted("a".into()))
        );
        assert_eq!(
            state.apply(&Operation::MarkAgentReachable { info: info("a") }),
            Ok(true)
        );
        assert!(state.is_admitted("a"));
        assert!(
            state
                .registry()
                .unreachable
                .as_ref()
                .unwrap()
                .slaves
                .is_empty()
        );
        // Already reachable: nothing to do.
        assert_eq!(
            state.apply(&Operation::MarkAgentReachable { info: info("a") }),
            Ok(false)
        );
    }

    #[test]
    fn update_remove_and_gone() {
        let mut state = RegistryState::default();
        state
            .apply(&Operation::AdmitAgent { info: info("a") })
            .unwrap();
        assert_eq!(
            state.apply(&Operation::UpdateAgent { info: info("a") }),
            Ok(false)
        );
        let mut changed = info("a");
        changed.port = Some(5052);
        assert_eq!(
            state.apply(&Operation::UpdateAgent { info: changed }),
            Ok(true)
        );
        assert_eq!(
            state.apply(&Operation::UpdateAgent { info: info("b") }),
            Err(OperationError::NotAdmitted("b".into()))
        );
        let gone = Operation::MarkAgentGone {
            id: SlaveId { value: "a".into() },
            time: time(1),
        };
        assert_eq!(state.apply(&gone), Ok(true));
        assert!(!state.is_admitted("a"));
        assert_eq!(
            state.apply(&gone),
            Err(OperationError::AlreadyGone("a".into()))
        );
        state
            .apply(&Operation::AdmitAgent { info: info("b") })
            .unwrap();
        assert_eq!(
            state.apply(&Operation::RemoveAgent {
                id: SlaveId { value: "b".into() }
            }),
            Ok(true)
        );
        assert!(admitted_slaves(state.registry()).is_empty());
        let prune = Operation::Prune {
            unreachable: BTreeSet::new(),
            gone: BTreeSet::from(["a".to_string()]),
        };
        assert_eq!(state.apply(&prune), Ok(true));
        assert_eq!(state.apply(&prune), Ok(false));
    }

    #[test]
    fn a_refused_operation_leaves_the_registry_unchanged() {
        let mut state = RegistryState::default();
        state
            .apply(&Operation::AdmitAgent { info: info("a") })
            .unwrap();
        let before = state.clone();
        let refused = [
            Operation::AdmitAgent { info: info("a") },
            Operation::AdmitAgent {
                info: SlaveInfo::default(),
            },
            Operation::RemoveAgent {
                id: SlaveId {
                    value: "zzz".into(),
                },
            },
            Operation::MarkAgentGone {
                id: SlaveId {
                    value: "zzz".into(),
                },
                time: time(1),
            },
        ];
        for operation in refused {
            assert!(state.apply(&operation).is_err(), "{operation:?}");
            assert_eq!(state, before, "{operation:?}");
        }
    }

    #[test]
    fn weights_and_quota_upsert() {
        let mut state = RegistryState::default();
        let weight = |role: &str, weight: f64| WeightInfo {
            weight,
            role: Some(role.into()),
        };
        let update = Operation::UpdateWeights {
            weights: vec![weight("a", 2.0), weight("b", 3.0)],
        };
        assert_eq!(state.apply(&update), Ok(true));
        assert_eq!(state.apply(&update), Ok(false));
        assert_eq!(
            state.apply(&Operation::UpdateWeights {
                weights: vec![weight("a", 4.0)]
            }),
            Ok(true)
        );
        assert_eq!(state.registry().weights.len(), 2);

        let mut config = QuotaConfig {
            role: "a".into(),
            ..QuotaConfig::default()
        };
        config
            .guarantees
            .insert("cpus".into(), proto::v0::value::Scalar { value: 1.0 });
        let set = Operation::UpdateQuota {
            configs: vec![config.clone()],
        };
        assert_eq!(state.apply(&set), Ok(true));
        assert_eq!(state.apply(&set), Ok(false));
        config.guarantees.clear();
        assert_eq!(
            state.apply(&Operation::UpdateQuota {
                configs: vec![config]
            }),
            Ok(true)
        );
        assert!(state.registry().quota_configs.is_empty());
    }
}
