//! A tiny stand-in for the allocator actor: it answers the same `AllocatorCall`s and offers
//! every available resource of an active agent to the first active, unsuppressed framework.
//! Recovered resources with a refusal filter are held back until REVIVE (or an explicit
//! allocation request); everything else triggers an allocation at once.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use allocator::{AgentId, AllocatorCall, AllocatorHandle, FrameworkId, Offer, Offers};
use libprocess::{Context, Handle, Process, Recipient, Runtime};
use resources::{Resources, Role};

#[derive(Default)]
struct AgentState {
    available: Resources,
    held: Resources,
    active: bool,
}

struct FrameworkState {
    role: Role,
    active: bool,
    suppressed: bool,
}

/// The fake allocator process.
#[derive(Default)]
pub struct FakeAllocator {
    offers: Option<Recipient<Offers>>,
    agents: BTreeMap<AgentId, AgentState>,
    frameworks: BTreeMap<FrameworkId, FrameworkState>,
    paused: bool,
    log: Arc<Mutex<Vec<String>>>,
}

impl FakeAllocator {
    /// Spawns it; returns the master's handle on it and its call log.
    pub fn spawn(runtime: &Runtime) -> (AllocatorHandle, Arc<Mutex<Vec<String>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let allocator = FakeAllocator {
            log: log.clone(),
            ..FakeAllocator::default()
        };
        let pid = runtime.spawn("allocator", allocator).unwrap();
        (AllocatorHandle::new(pid.recipient::<AllocatorCall>()), log)
    }

    fn allocate(&mut self) {
        if self.paused {
            return;
        }
        let Some(recipient) = &self.offers else {
            return;
        };
        let mut offers = Vec::new();
        let chosen = self
            .frameworks
            .iter()
            .find(|(_, framework)| framework.active && !framework.suppressed);
        let Some((framework_id, framework)) = chosen else {
            return;
        };
        let mut by_agent = BTreeMap::new();
        for (agent_id, agent) in &mut self.agents {
            if !agent.active || agent.available.is_empty() {
                continue;
            }
            let mut resources = std::mem::take(&mut agent.available);
            resources.allocate(&framework.role);
            by_agent.insert(agent_id.clone(), resources);
        }
        if by_agent.is_empty() {
            return;
        }
        offers.push(Offer {
            framework_id: framework_id.clone(),
            resources: BTreeMap::from([(framework.role.clone(), by_agent)]),
        });
        recipient.dispatch(Offers { offers });
    }
}

impl Process for FakeAllocator {}

impl Handle<AllocatorCall> for FakeAllocator {
    type Reply = ();

    fn handle(&mut self, call: AllocatorCall, _ctx: &mut Context<Self>) {
        self.log.lock().unwrap().push(call.name().to_string());
        match call {
            AllocatorCall::Initialize { offers, .. } => self.offers = Some(offers),
            AllocatorCall::AddAgent {
                agent_id,
                total,
                used,
                ..
            } => {
                let mut available = total;
                for resources in used.values() {
                    available -= resources;
                }
                self.agents.insert(
                    agent_id,
                    AgentState {
                        available,
                        held: Resources::new(),
                        active: true,
                    },
                );
                self.allocate();
            }
            AllocatorCall::RemoveAgent { agent_id } => {
                self.agents.remove(&agent_id);
            }
            AllocatorCall::UpdateAgent {
                agent_id, total, ..
            } => {
                if let (Some(agent), Some(total)) = (self.agents.get_mut(&agent_id), total) {
                    agent.available = total;
                }
            }
            AllocatorCall::ActivateAgent { agent_id } => {
                if let Some(agent) = self.agents.get_mut(&agent_id) {
                    agent.active = true;
                }
                self.allocate();
            }
            AllocatorCall::DeactivateAgent { agent_id } => {
                if let Some(agent) = self.agents.get_mut(&agent_id) {
                    agent.active = false;
                }
            }
            AllocatorCall::AddFramework {
                framework_id,
                info,
                active,
                options,
                ..
            } => {
                #[allow(deprecated)]
                let role = info
                    .roles
                    .first()
                    .cloned()
                    .or(info.role.clone())
                    .unwrap_or_else(|| "*".into());
                let suppressed = options.suppressed_roles.contains(&role);
                self.frameworks.insert(
                    framework_id,
                    FrameworkState {
                        role: Role::new(&role).unwrap(),
                        active,
                        suppressed,
                    },
                );
                self.allocate();
            }
            AllocatorCall::RemoveFramework { framework_id } => {
                self.frameworks.remove(&framework_id);
            }
            AllocatorCall::ActivateFramework { framework_id } => {
                if let Some(framework) = self.frameworks.get_mut(&framework_id) {
                    framework.active = true;
                }
                self.allocate();
            }
            AllocatorCall::DeactivateFramework { framework_id } => {
                if let Some(framework) = self.frameworks.get_mut(&framework_id) {
                    framework.active = false;
                }
            }
            AllocatorCall::RecoverResources {
                agent_id,
                mut resources,
                filters,
                ..
            } => {
                resources.unallocate();
                if let Some(agent) = self.agents.get_mut(&agent_id) {
                    let refused = filters.is_some_and(|f| f.refuse_seconds.unwrap_or(5.0) > 0.0);
                    if refused {
                        agent.held += &resources;
                    } else {
                        agent.available += &resources;
                        self.allocate();
                    }
                }
            }
            AllocatorCall::SuppressOffers { framework_id, .. } => {
                if let Some(framework) = self.frameworks.get_mut(&framework_id) {
                    framework.suppressed = true;
                }
            }
            AllocatorCall::ReviveOffers { framework_id, .. } => {
                if let Some(framework) = self.frameworks.get_mut(&framework_id) {
                    framework.suppressed = false;
                }
                for agent in self.agents.values_mut() {
                    let held = std::mem::take(&mut agent.held);
                    agent.available += &held;
                }
                self.allocate();
            }
            AllocatorCall::Allocate { .. } => self.allocate(),
            AllocatorCall::Pause => self.paused = true,
            AllocatorCall::Resume => {
                self.paused = false;
                self.allocate();
            }
            _ => {}
        }
    }
}
