//! An executor's v1 subscription (Mesos's `Slave::subscribe` and `___run`): SUBSCRIBED,
//! the queued tasks as LAUNCH / LAUNCH_GROUP, heartbeats, and what a closed stream means.

use common::api::EventStream;
use libprocess::Context;
use proto::{
    convert::evolve,
    internal::StatusUpdate,
    v0::{ContainerId, TaskGroupInfo, TaskInfo, TaskState, task_status::Reason},
    v1::{self, executor::Event, executor::event},
};

use super::{Agent, AgentState, status::UpdateOrigin};
use crate::books::{ExecutorState, FrameworkState, Subscription};

impl Agent {
    /// A SUBSCRIBE call from a known executor: takes over its stream (closing an older
    /// one), takes the updates it never got acknowledged, and sends SUBSCRIBED and then its
    /// queued tasks. An executor that should not run is told SHUTDOWN and the stream ends.
    pub(crate) fn subscribe(
        &mut self,
        ctx: &mut Context<Self>,
        stream: EventStream,
        framework_id: &str,
        executor_id: &str,
        unacknowledged_updates: Vec<StatusUpdate>,
        unacknowledged_tasks: Vec<String>,
    ) {
        let shutdown = Event {
            r#type: Some(event::Type::Shutdown as i32),
            ..Default::default()
        };
        let framework_terminating = self
            .books
            .framework(framework_id)
            .is_none_or(|framework| framework.state == FrameworkState::Terminating);
        let Some(executor) = self.books.executor_mut(framework_id, executor_id) else {
            return;
        };
        if self.state == AgentState::Terminating
            || framework_terminating
            || matches!(
                executor.state,
                ExecutorState::Terminating | ExecutorState::Terminated
            )
        {
            tracing::warn!(executor = %executor_id, "telling a subscribing executor to shut down");
            let _ = stream.send(&shutdown);
            return;
        }
        tracing::info!(executor = %executor_id, framework = %framework_id, "executor subscribed");
        if let Some(old) = executor.subscription.take() {
            tracing::warn!(executor = %executor_id, "closing the executor's older connection");
            drop(old);
        }
        self.next_subscription += 1;
        let subscription_id = self.next_subscription;
        executor.state = ExecutorState::Running;
        executor.subscription = Some(Subscription {
            id: subscription_id,
            stream: stream.clone(),
        });
        let (framework, executor_key) = (framework_id.to_owned(), executor_id.to_owned());
        ctx.on_closed(stream.writer(), move |agent: &mut Self, ctx| {
            agent.executor_disconnected(ctx, &framework, &executor_key, subscription_id);
            agent.refresh_metrics();
        });
        self.schedule_heartbeat(ctx, framework_id, executor_id, subscription_id);

        // Launched tasks the executor never heard of were lost in transit.
        let staged: Vec<String> = self
            .books
            .executor(framework_id, executor_id)
            .map(|executor| {
                executor
                    .launched_tasks
                    .values()
                    .filter(|task| task.state == TaskState::TaskStaging as i32)
                    .map(|task| task.task_id.value.clone())
                    .filter(|id| !unacknowledged_tasks.contains(id))
                    .collect()
            })
            .unwrap_or_default();
        let state = self.lost_or_dropped(framework_id);
        for task_id in staged {
            self.report(
                ctx,
                framework_id,
                &task_id,
                state,
                Reason::SlaveRestarted,
                "Task launched during agent restart",
                Some(executor_id),
            );
        }

        let Some(executor) = self.books.executor(framework_id, executor_id) else {
            return;
        };
        if !executor.ever_sent_task() && executor.queued_tasks.is_empty() {
            tracing::warn!(
                executor = %executor_id,
                "shutting down an executor that was never sent a task and whose queued \
                 tasks were all killed"
            );
            self.shutdown_executor(ctx, framework_id, executor_id);
            return;
        }
        let Some(framework) = self.books.framework(framework_id) else {
            return;
        };
        let subscribed = Event {
            r#type: Some(event::Type::Subscribed as i32),
            subscribed: Some(event::Subscribed {
                executor_info: evolve(&executor.info),
                framework_info: evolve(&framework.info),
                agent_info: self.agent_info_v1(),
                container_id: Some(v1::ContainerId {
                    value: executor.container_id.clone(),
                    parent: None,
                }),
            }),
            ..Default::default()
        };
        let grouped: Vec<&str> = executor
            .queued_task_groups
            .iter()
            .flat_map(|group| group.tasks.iter().map(|task| task.task_id.value.as_str()))
            .collect();
        let tasks: Vec<TaskInfo> = executor
            .queued_tasks
            .iter()
            .filter(|task| !grouped.contains(&task.task_id.value.as_str()))
            .cloned()
            .collect();
        let groups = executor.queued_task_groups.clone();
        let _ = stream.send(&subscribed);
        // Updates the executor never saw acknowledged; their ACKNOWLEDGED follow SUBSCRIBED.
        for update in unacknowledged_updates {
            self.status_update(ctx, update, UpdateOrigin::Executor);
        }
        if !tasks.is_empty() || !groups.is_empty() {
            self.update_then_deliver(ctx, framework_id, executor_id, tasks, groups);
        }
    }

    /// Resizes the container for its queued tasks, then sends them to the executor.
    pub(crate) fn update_then_deliver(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        tasks: Vec<TaskInfo>,
        groups: Vec<TaskGroupInfo>,
    ) {
        let Some(executor) = self.books.executor(framework_id, executor_id) else {
            return;
        };
        let container_id = executor.container_id.clone();
        let update = self.containerizer.update(
            &ContainerId {
                value: container_id.clone(),
                parent: None,
            },
            executor.allocated_resources(),
        );
        let (framework, executor) = (framework_id.to_owned(), executor_id.to_owned());
        ctx.then(update, move |agent: &mut Self, ctx, result| {
            if let Err(error) = result {
                tracing::error!(container = %container_id, %error, "failed to update the container's resources; destroying it");
                agent.destroy_container(ctx, &container_id);
                return;
            }
            agent.deliver_tasks(&framework, &executor, &container_id, tasks, groups);
            agent.refresh_metrics();
        });
    }

    /// Sends queued tasks (still queued: not killed meanwhile) to a running executor.
    fn deliver_tasks(
        &mut self,
        framework_id: &str,
        executor_id: &str,
        container_id: &str,
        tasks: Vec<TaskInfo>,
        groups: Vec<TaskGroupInfo>,
    ) {
        let running = self
            .books
            .framework(framework_id)
            .is_some_and(|framework| framework.state == FrameworkState::Running);
        if !running {
            return;
        }
        let Some(executor) = self.books.executor_mut(framework_id, executor_id) else {
            return;
        };
        if executor.container_id != container_id || executor.state != ExecutorState::Running {
            tracing::warn!(executor = %executor_id, "not sending queued tasks: the executor is not running");
            return;
        }
        let mut events = Vec::new();
        for task in tasks {
            if executor.dequeue_task(&task.task_id.value).is_none() {
                tracing::warn!(task = %task.task_id.value, "not sending a task killed meanwhile");
                continue;
            }
            executor.add_launched_task(&task);
            events.push(Event {
                r#type: Some(event::Type::Launch as i32),
                launch: Some(event::Launch {
                    task: evolve(&task),
                }),
                ..Default::default()
            });
        }
        for group in groups {
            if !group
                .tasks
                .iter()
                .all(|task| executor.is_queued(&task.task_id.value))
            {
                tracing::warn!("not sending a task group killed meanwhile");
                continue;
            }
            for task in &group.tasks {
                executor.dequeue_task(&task.task_id.value);
                executor.add_launched_task(task);
            }
            events.push(Event {
                r#type: Some(event::Type::LaunchGroup as i32),
                launch_group: Some(event::LaunchGroup {
                    task_group: evolve(&group),
                }),
                ..Default::default()
            });
        }
        for event in &events {
            self.send_to_executor(framework_id, executor_id, event);
        }
    }

    /// HEARTBEAT every `--http_heartbeat_interval` while this subscription lasts.
    fn schedule_heartbeat(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        subscription_id: u64,
    ) {
        let (framework, executor) = (framework_id.to_owned(), executor_id.to_owned());
        ctx.delay(
            self.options.http_heartbeat_interval,
            move |agent: &mut Self, ctx| {
                let current = agent
                    .books
                    .executor(&framework, &executor)
                    .and_then(|executor| executor.subscription.as_ref())
                    .filter(|subscription| subscription.id == subscription_id)
                    .map(|subscription| subscription.stream.clone());
                if let Some(stream) = current {
                    let heartbeat = Event {
                        r#type: Some(event::Type::Heartbeat as i32),
                        ..Default::default()
                    };
                    if stream.send(&heartbeat).is_ok() {
                        agent.schedule_heartbeat(ctx, &framework, &executor, subscription_id);
                    }
                }
            },
        );
    }

    /// The executor's stream ended. A checkpointing framework's executor may come back and
    /// subscribe again; any other executor is shut down.
    fn executor_disconnected(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
        subscription_id: u64,
    ) {
        let Some(executor) = self.books.executor_mut(framework_id, executor_id) else {
            return;
        };
        if executor
            .subscription
            .as_ref()
            .is_none_or(|subscription| subscription.id != subscription_id)
        {
            return;
        }
        executor.subscription = None;
        tracing::info!(executor = %executor_id, framework = %framework_id, "executor disconnected");
        if !executor.checkpoint && executor.state == ExecutorState::Running {
            self.shutdown_executor(ctx, framework_id, executor_id);
        }
    }
}
