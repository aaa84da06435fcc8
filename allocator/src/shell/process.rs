//! `AllocatorProcess`: the libprocess process `allocator` hosting any `Box<dyn Allocator>`.
//!
//! It turns [`AllocatorCall`]s into trait calls with `now` from the runtime's clock, owns the
//! batch timer (an allocation over every agent each `allocation_interval`) and coalesces
//! event-triggered allocations: events only add agents to the pending candidates, and at
//! most one allocation run is queued at a time (Mesos's fix for MESOS-6904), so a burst of
//! events costs one run, not one per event.

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, Instant},
};

use libprocess::{Context, Handle, Process, Recipient, Runtime, SpawnError};

use crate::{
    AgentId, AllocationRequest, Allocator,
    shell::{
        handle::AllocatorHandle,
        messages::{AllocatorCall, InverseOffers, Offers},
        metrics::ShellMetrics,
    },
};

/// The shortest batch interval the shell runs with.
const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// The allocator actor. Spawn it with [`AllocatorProcess::spawn`]; talk to it through the
/// returned [`AllocatorHandle`].
pub struct AllocatorProcess {
    allocator: Box<dyn Allocator>,
    offers: Option<Recipient<Offers>>,
    inverse_offers: Option<Recipient<InverseOffers>>,
    interval: Duration,
    recovery_timeout: Duration,
    /// Agents the next run should look at.
    candidates: AllocationRequest,
    /// A run is queued; further triggers only add candidates.
    run_queued: bool,
    /// When the queued run was first asked for (for `allocation_run_latency`).
    queued_at: Option<Instant>,
    queued: Arc<AtomicI64>,
    metrics: Option<ShellMetrics>,
}

impl AllocatorProcess {
    /// An actor hosting `allocator`; it does nothing until it gets
    /// [`AllocatorCall::Initialize`].
    pub fn new(allocator: Box<dyn Allocator>) -> AllocatorProcess {
        AllocatorProcess {
            allocator,
            offers: None,
            inverse_offers: None,
            interval: crate::DEFAULT_ALLOCATION_INTERVAL,
            recovery_timeout: crate::DEFAULT_RECOVERY_TIMEOUT,
            candidates: AllocationRequest::None,
            run_queued: false,
            queued_at: None,
            queued: Arc::new(AtomicI64::new(0)),
            metrics: None,
        }
    }

    /// Spawns the actor on `runtime` as `allocator` (`allocator(N)` when one is already
    /// running there, as Mesos names a second allocator) and returns the master's handle.
    pub fn spawn(
        runtime: &Runtime,
        allocator: Box<dyn Allocator>,
    ) -> Result<AllocatorHandle, SpawnError> {
        let generated = runtime.generate_id("allocator");
        let id = match generated.strip_suffix("(1)") {
            Some(first) => first.to_string(),
            None => generated,
        };
        let process = AllocatorProcess::new(allocator);
        let queued = process.queued.clone();
        let pid = runtime.spawn(id, process)?;
        Ok(AllocatorHandle::with_queue_counter(
            pid.recipient::<AllocatorCall>(),
            queued,
        ))
    }

    /// Adds `request` to the candidates and makes sure one run is queued.
    fn request_run(&mut self, request: AllocationRequest, ctx: &mut Context<Self>) {
        if request.is_none() {
            return;
        }
        self.candidates.merge(request);
        if self.run_queued {
            return;
        }
        self.run_queued = true;
        self.queued_at = Some(Instant::now());
        ctx.pid()
            .run(|process: &mut Self, ctx: &mut Context<Self>| {
                process.run_allocation(ctx);
            });
    }

    fn run_allocation(&mut self, ctx: &mut Context<Self>) {
        self.run_queued = false;
        if let (Some(metrics), Some(queued_at)) = (&self.metrics, self.queued_at.take()) {
            metrics.allocation_run_latency.record(queued_at.elapsed());
        }
        let candidates = std::mem::take(&mut self.candidates);
        let agents: Option<HashSet<AgentId>> = match candidates {
            AllocationRequest::None => return,
            AllocationRequest::All => None,
            AllocationRequest::Agents(agents) => Some(agents),
        };
        let now = ctx.runtime().clock().now();
        let started = Instant::now();
        let allocation = self.allocator.allocate(now, agents.as_ref());
        if self.allocator.is_paused() {
            return;
        }
        if let Some(metrics) = &mut self.metrics {
            metrics.allocation_runs.inc();
            metrics.allocation_run.record(started.elapsed());
            metrics.publish(self.allocator.metrics());
        }
        if !allocation.offers.is_empty()
            && let Some(offers) = &self.offers
        {
            offers.dispatch(Offers {
                offers: allocation.offers,
            });
        }
        if !allocation.inverse_offers.is_empty()
            && let Some(inverse_offers) = &self.inverse_offers
        {
            inverse_offers.dispatch(InverseOffers {
                inverse_offers: allocation.inverse_offers,
            });
        }
    }

    /// The batch allocation: every agent, every interval.
    fn batch(&mut self, ctx: &mut Context<Self>) {
        self.request_run(AllocationRequest::All, ctx);
        ctx.delay(
            self.interval,
            |process: &mut Self, ctx: &mut Context<Self>| {
                process.batch(ctx);
            },
        );
    }

    fn dispatch(&mut self, call: AllocatorCall, ctx: &mut Context<Self>) {
        let name = call.name();
        let now = ctx.runtime().clock().now();
        let allocator = &mut self.allocator;
        let result = match call {
            AllocatorCall::Initialize {
                options,
                offers,
                inverse_offers,
            } => {
                let first = self.offers.is_none();
                // A zero interval would fire the batch timer forever at one instant.
                self.interval = options.allocation_interval.max(MIN_INTERVAL);
                self.recovery_timeout = options.recovery_timeout;
                self.offers = Some(offers);
                self.inverse_offers = Some(inverse_offers);
                let result = allocator.initialize(options);
                if first {
                    let interval = self.interval;
                    ctx.delay(interval, |process: &mut Self, ctx: &mut Context<Self>| {
                        process.batch(ctx);
                    });
                }
                result
            }
            AllocatorCall::Recover {
                expected_agent_count,
                quotas,
            } => {
                let result = allocator.recover(now, expected_agent_count, quotas);
                if allocator.is_paused() {
                    // Resume by the deadline even if too few agents come back.
                    ctx.delay(
                        self.recovery_timeout,
                        |process: &mut Self, ctx: &mut Context<Self>| {
                            process.request_run(AllocationRequest::All, ctx);
                        },
                    );
                }
                result
            }
            AllocatorCall::AddFramework {
                framework_id,
                info,
                used,
                active,
                options,
            } => allocator.add_framework(framework_id, *info, used, active, options),
            AllocatorCall::RemoveFramework { framework_id } => {
                allocator.remove_framework(&framework_id)
            }
            AllocatorCall::ActivateFramework { framework_id } => {
                allocator.activate_framework(&framework_id)
            }
            AllocatorCall::DeactivateFramework { framework_id } => {
                allocator.deactivate_framework(&framework_id)
            }
            AllocatorCall::UpdateFramework {
                framework_id,
                info,
                options,
            } => allocator.update_framework(&framework_id, *info, options),
            AllocatorCall::AddAgent {
                agent_id,
                info,
                capabilities,
                unavailability,
                total,
                used,
            } => allocator.add_agent(agent_id, *info, capabilities, unavailability, total, used),
            AllocatorCall::RemoveAgent { agent_id } => allocator.remove_agent(&agent_id),
            AllocatorCall::UpdateAgent {
                agent_id,
                info,
                total,
                capabilities,
            } => allocator.update_agent(&agent_id, *info, total, capabilities),
            AllocatorCall::AddResourceProvider {
                agent_id,
                total,
                used,
            } => allocator.add_resource_provider(&agent_id, total, used),
            AllocatorCall::ActivateAgent { agent_id } => allocator.activate_agent(&agent_id),
            AllocatorCall::DeactivateAgent { agent_id } => allocator.deactivate_agent(&agent_id),
            AllocatorCall::UpdateWhitelist { whitelist } => {
                allocator.update_whitelist(whitelist);
                Ok(())
            }
            AllocatorCall::RequestResources {
                framework_id,
                requests,
            } => allocator.request_resources(&framework_id, requests),
            AllocatorCall::UpdateAllocation {
                framework_id,
                agent_id,
                offered,
                conversions,
            } => allocator.update_allocation(&framework_id, &agent_id, &offered, &conversions),
            AllocatorCall::UpdateAvailable {
                agent_id,
                conversions,
                reply,
            } => {
                reply.set(allocator.update_available(&agent_id, &conversions));
                Ok(())
            }
            AllocatorCall::UpdateUnavailability {
                agent_id,
                unavailability,
            } => allocator.update_unavailability(&agent_id, unavailability),
            AllocatorCall::UpdateInverseOffer {
                agent_id,
                framework_id,
                unavailable_resources,
                status,
                filters,
            } => allocator.update_inverse_offer(
                now,
                &agent_id,
                &framework_id,
                unavailable_resources,
                status,
                filters,
            ),
            AllocatorCall::InverseOfferStatuses { reply } => {
                reply.set(allocator.inverse_offer_statuses());
                Ok(())
            }
            AllocatorCall::TransitionOfferedToAllocated {
                agent_id,
                resources,
            } => allocator.transition_offered_to_allocated(&agent_id, &resources),
            AllocatorCall::RecoverResources {
                framework_id,
                agent_id,
                resources,
                filters,
                is_allocated,
            } => allocator.recover_resources(
                now,
                &framework_id,
                &agent_id,
                &resources,
                filters.as_ref(),
                is_allocated,
            ),
            AllocatorCall::SuppressOffers {
                framework_id,
                roles,
            } => allocator.suppress_offers(&framework_id, &roles),
            AllocatorCall::ReviveOffers {
                framework_id,
                roles,
            } => allocator.revive_offers(&framework_id, &roles),
            AllocatorCall::UpdateQuota { role, quota } => allocator.update_quota(&role, quota),
            AllocatorCall::UpdateWeights { weights } => allocator.update_weights(&weights),
            AllocatorCall::Pause => {
                allocator.pause();
                Ok(())
            }
            AllocatorCall::Resume => {
                allocator.resume();
                Ok(())
            }
            AllocatorCall::Allocate { agents } => {
                let request = match agents {
                    None => AllocationRequest::All,
                    Some(agents) => AllocationRequest::Agents(agents),
                };
                self.request_run(request, ctx);
                Ok(())
            }
        };
        if let Err(error) = result {
            tracing::warn!(call = name, %error, "allocator call refused");
        }
        let request = self.allocator.take_allocation_request();
        // A paused allocator does not collect candidates (as Mesos's `generateOffers`).
        if !self.allocator.is_paused() {
            self.request_run(request, ctx);
        }
    }
}

impl Process for AllocatorProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        let queued = self.queued.clone();
        self.metrics = Some(ShellMetrics::register(ctx.runtime().metrics(), move || {
            queued.load(Ordering::Relaxed).max(0) as f64
        }));
    }
}

impl Handle<AllocatorCall> for AllocatorProcess {
    type Reply = ();

    fn handle(&mut self, call: AllocatorCall, ctx: &mut Context<Self>) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
        self.dispatch(call, ctx);
    }
}
