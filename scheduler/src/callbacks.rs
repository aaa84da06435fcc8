//! The [`Scheduler`] trait: what a framework is told (Mesos's `mesos::Scheduler`).

use proto::v0::{ExecutorId, FrameworkId, MasterInfo, Offer, OfferId, SlaveId, TaskStatus};

use crate::SchedulerDriver;

/// A framework's scheduler: the callbacks a [`SchedulerDriver`] makes as the master talks
/// to it, each with the driver so the scheduler can answer (launch tasks on offers,
/// acknowledge updates, stop, ...).
///
/// Callbacks run one at a time, in the order the master's messages arrived, on the driver's
/// libprocess process. They must not block (in particular never call
/// [`SchedulerDriver::join`] or [`SchedulerDriver::run`] from one); what they ask of the
/// driver is done after they return, in the order they asked. Every method has an empty
/// default, so a scheduler implements only what it cares about.
///
/// Types are Mesos's v0 protobufs (`proto::v0`), whichever protocol the driver speaks.
pub trait Scheduler: Send + 'static {
    /// The framework registered with a master for the first time (or after a scheduler
    /// failover: the driver was built with a framework id): `framework_id` is its id from
    /// now on.
    fn registered(
        &mut self,
        driver: &SchedulerDriver,
        framework_id: &FrameworkId,
        master: &MasterInfo,
    ) {
        let _ = (driver, framework_id, master);
    }

    /// The framework registered again with a (possibly new) master after
    /// [`disconnected`](Scheduler::disconnected).
    fn reregistered(&mut self, driver: &SchedulerDriver, master: &MasterInfo) {
        let _ = (driver, master);
    }

    /// The driver lost the master (it failed, or another one was elected). It registers
    /// again by itself; offers made before are no longer valid.
    fn disconnected(&mut self, driver: &SchedulerDriver) {
        let _ = driver;
    }

    /// Resources offered to the framework, each offer on one agent. Use them with
    /// [`SchedulerDriver::launch_tasks`] or [`SchedulerDriver::accept_offers`], or give
    /// them back with [`SchedulerDriver::decline_offer`].
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        let _ = (driver, offers);
    }

    /// An offer is no longer valid (its agent went away, it timed out, another framework
    /// needed it...). Launching on it now fails with TASK_LOST.
    fn offer_rescinded(&mut self, driver: &SchedulerDriver, offer_id: &OfferId) {
        let _ = (driver, offer_id);
    }

    /// A task changed state. With explicit acknowledgements the scheduler must call
    /// [`SchedulerDriver::acknowledge_status_update`] with `status` (statuses without a
    /// `uuid` need none); otherwise the driver acknowledges once this returns.
    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let _ = (driver, status);
    }

    /// An executor sent the framework a message (best effort: no delivery guarantee).
    fn framework_message(
        &mut self,
        driver: &SchedulerDriver,
        executor_id: &ExecutorId,
        agent_id: &SlaveId,
        data: &[u8],
    ) {
        let _ = (driver, executor_id, agent_id, data);
    }

    /// An agent is gone (unreachable or removed); its tasks' states follow as updates.
    fn agent_lost(&mut self, driver: &SchedulerDriver, agent_id: &SlaveId) {
        let _ = (driver, agent_id);
    }

    /// An executor exited (or was lost) with `status` (a wait status as the agent saw it).
    fn executor_lost(
        &mut self,
        driver: &SchedulerDriver,
        executor_id: &ExecutorId,
        agent_id: &SlaveId,
        status: i32,
    ) {
        let _ = (driver, executor_id, agent_id, status);
    }

    /// An unrecoverable error (the master refused the framework, removed it, or a newer
    /// scheduler took it over). The driver is aborted before this is called.
    fn error(&mut self, driver: &SchedulerDriver, message: &str) {
        let _ = (driver, message);
    }
}
