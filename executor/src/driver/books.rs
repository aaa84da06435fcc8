//! The driver's pure core: which tasks and status updates the agent has not acknowledged
//! yet, so a (re)subscription can hand them back (Mesos's `unacknowledged_tasks` and
//! `unacknowledged_updates`).

use proto::v1::{
    TaskInfo,
    executor::call::{Subscribe, Update},
};

/// Tasks launched on this executor and the updates sent for them, until acknowledged.
#[derive(Debug, Default, Clone)]
pub(crate) struct Books {
    /// Updates in the order they were sent, with their uuids.
    updates: Vec<(Vec<u8>, Update)>,
    /// Launched tasks, in launch order, with whether any of their updates was acknowledged.
    tasks: Vec<(TaskInfo, bool)>,
}

impl Books {
    /// A task arrived (LAUNCH or LAUNCH_GROUP). A task already known is kept once.
    pub fn launched(&mut self, task: TaskInfo) {
        if !self
            .tasks
            .iter()
            .any(|(known, _)| known.task_id == task.task_id)
        {
            self.tasks.push((task, false));
        }
    }

    /// An update is on its way to the agent.
    pub fn sent(&mut self, uuid: Vec<u8>, update: Update) {
        self.updates.push((uuid, update));
    }

    /// The agent acknowledged update `uuid`: it is forgotten, and its task counts as
    /// acknowledged; a task whose terminal update is acknowledged is forgotten too.
    /// Returns the update, or `None` if it was not ours (a duplicate acknowledgement).
    pub fn acknowledged(&mut self, uuid: &[u8]) -> Option<Update> {
        let index = self.updates.iter().position(|(known, _)| known == uuid)?;
        let (_, update) = self.updates.remove(index);
        let task_id = &update.status.task_id;
        let terminal = update.status.state().is_terminal();
        if terminal {
            self.tasks.retain(|(task, _)| task.task_id != *task_id);
        } else if let Some((_, acknowledged)) = self
            .tasks
            .iter_mut()
            .find(|(task, _)| task.task_id == *task_id)
        {
            *acknowledged = true;
        }
        Some(update)
    }

    /// What a SUBSCRIBE call hands back: tasks with no acknowledged update yet, and every
    /// unacknowledged update, in the order they were sent.
    pub fn subscribe(&self) -> Subscribe {
        Subscribe {
            unacknowledged_tasks: self
                .tasks
                .iter()
                .filter(|(_, acknowledged)| !acknowledged)
                .map(|(task, _)| task.clone())
                .collect(),
            unacknowledged_updates: self
                .updates
                .iter()
                .map(|(_, update)| update.clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::v1::{TaskId, TaskState, TaskStatus};

    fn task(id: &str) -> TaskInfo {
        TaskInfo {
            task_id: TaskId { value: id.into() },
            name: id.into(),
            ..Default::default()
        }
    }

    fn update(id: &str, state: TaskState, uuid: u8) -> (Vec<u8>, Update) {
        let uuid = vec![uuid; 16];
        let mut status = TaskStatus {
            task_id: TaskId { value: id.into() },
            uuid: Some(uuid.clone()),
            ..Default::default()
        };
        status.set_state(state);
        (uuid, Update { status })
    }

    #[test]
    fn hands_back_what_is_unacknowledged_until_it_is() {
        let mut books = Books::default();
        books.launched(task("a"));
        books.launched(task("b"));
        books.launched(task("a"));
        let (starting, starting_update) = update("a", TaskState::TaskStarting, 1);
        let (running, running_update) = update("a", TaskState::TaskRunning, 2);
        books.sent(starting.clone(), starting_update.clone());
        books.sent(running.clone(), running_update.clone());

        let subscribe = books.subscribe();
        assert_eq!(subscribe.unacknowledged_tasks, vec![task("a"), task("b")]);
        assert_eq!(
            subscribe.unacknowledged_updates,
            vec![starting_update.clone(), running_update.clone()]
        );

        assert_eq!(books.acknowledged(&starting), Some(starting_update));
        assert_eq!(books.acknowledged(&starting), None, "acknowledged once");
        let subscribe = books.subscribe();
        assert_eq!(subscribe.unacknowledged_tasks, vec![task("b")]);
        assert_eq!(subscribe.unacknowledged_updates, vec![running_update]);

        let (finished, finished_update) = update("a", TaskState::TaskFinished, 3);
        books.sent(finished.clone(), finished_update);
        books.acknowledged(&running);
        books.acknowledged(&finished);
        assert!(books.subscribe().unacknowledged_updates.is_empty());
        assert_eq!(books.subscribe().unacknowledged_tasks, vec![task("b")]);
        assert_eq!(
            books.tasks.len(),
            1,
            "a finished and acknowledged task is forgotten"
        );
    }
}
