//! Tests of an executor's task book: queue, launch, state changes, completion.

use proto::v0::{ExecutorId, SlaveId, TaskId, TaskStatus};

use super::*;
use crate::test_support::{task_info, unreserved};

fn executor() -> Executor {
    let info = ExecutorInfo {
        executor_id: ExecutorId { value: "e".into() },
        resources: unreserved("cpus:0.1;mem:32"),
        ..Default::default()
    };
    Executor::new("f", info, "c".into(), "/tmp/x".into(), None, false, false)
}

fn status(task: &str, state: TaskState, uuid: u8, source: Source) -> TaskStatus {
    TaskStatus {
        task_id: TaskId { value: task.into() },
        state: state as i32,
        uuid: Some(vec![uuid; 16]),
        source: Some(source as i32),
        slave_id: Some(SlaveId { value: "a".into() }),
        ..Default::default()
    }
}

#[test]
fn queued_tasks_launch_in_order_and_count_in_allocations() {
    let mut executor = executor();
    executor.enqueue_task(task_info("t1", "cpus:1;mem:128"));
    executor.enqueue_task(task_info("t2", "cpus:2;mem:256"));
    assert!(executor.is_queued("t1"));
    assert!(executor.has_incomplete_tasks());
    assert!(!executor.ever_sent_task());
    assert_eq!(
        executor.allocated_resources(),
        Resources::parse_unreserved("cpus:3.1;mem:416").unwrap()
    );

    let first = executor.dequeue_task("t1").unwrap();
    executor.add_launched_task(&first);
    assert!(executor.ever_sent_task());
    assert_eq!(
        executor.task("t1").unwrap().state,
        TaskState::TaskStaging as i32
    );
    assert_eq!(
        executor.allocated_resources(),
        Resources::parse_unreserved("cpus:3.1;mem:416").unwrap()
    );
    assert_eq!(executor.queued_tasks.len(), 1);
    assert_eq!(executor.dequeue_task("nope"), None);
}

#[test]
fn launched_tasks_take_states_and_terminal_ones_wait_for_completion() {
    let mut executor = executor();
    let info = task_info("t", "cpus:1");
    executor.add_launched_task(&info);

    let running = status("t", TaskState::TaskRunning, 1, Source::Executor);
    executor.update_task_state(&running).unwrap();
    // The same state again replaces the last status instead of piling up.
    executor
        .update_task_state(&status("t", TaskState::TaskRunning, 2, Source::Executor))
        .unwrap();
    let task = executor.task("t").unwrap();
    assert_eq!(task.state, TaskState::TaskRunning as i32);
    assert_eq!(task.statuses.len(), 1);

    let finished = status("t", TaskState::TaskFinished, 3, Source::Executor);
    executor.add_pending_status(&finished);
    executor.update_task_state(&finished).unwrap();
    assert!(executor.launched_tasks.is_empty());
    assert!(executor.terminated_tasks.contains_key("t"));
    assert_eq!(
        executor.allocated_resources(),
        Resources::parse_unreserved("cpus:0.1;mem:32").unwrap()
    );

    let error = executor
        .update_task_state(&status("t", TaskState::TaskFailed, 4, Source::Executor))
        .unwrap_err();
    assert!(
        error.contains("already terminated with state TASK_FINISHED"),
        "{error}"
    );

    executor.remove_pending_status(&finished);
    assert!(executor.has_incomplete_tasks());
    executor.complete_task("t");
    assert!(!executor.has_incomplete_tasks());
    assert_eq!(executor.completed_tasks.len(), 1);
    assert!(
        executor.ever_sent_task(),
        "a completed task had executor updates"
    );
}

#[test]
fn only_the_first_pending_terminal_update_may_end_a_task() {
    let mut executor = executor();
    executor.add_launched_task(&task_info("t", "cpus:1"));
    let failed = status("t", TaskState::TaskFailed, 1, Source::Executor);
    let finished = status("t", TaskState::TaskFinished, 2, Source::Executor);
    executor.add_pending_status(&failed);
    executor.add_pending_status(&finished);
    let error = executor.update_task_state(&finished).unwrap_err();
    assert!(
        error.contains("after first status update TASK_FAILED"),
        "{error}"
    );
    executor.update_task_state(&failed).unwrap();
    assert_eq!(
        executor.task("t").unwrap().state,
        TaskState::TaskFailed as i32
    );
}

#[test]
fn queued_tasks_may_only_end_and_unknown_tasks_refuse() {
    let mut executor = executor();
    executor.enqueue_task(task_info("q", "cpus:1"));
    let error = executor
        .update_task_state(&status("q", TaskState::TaskRunning, 1, Source::Slave))
        .unwrap_err();
    assert_eq!(error, "Cannot send non-terminal update for queued task");
    executor
        .update_task_state(&status("q", TaskState::TaskKilled, 2, Source::Slave))
        .unwrap();
    assert!(!executor.is_queued("q"));
    assert_eq!(
        executor.terminated_tasks["q"].state,
        TaskState::TaskKilled as i32
    );
    assert!(!executor.ever_sent_task(), "killed before delivery");
    assert_eq!(
        executor
            .update_task_state(&status("x", TaskState::TaskRunning, 3, Source::Executor))
            .unwrap_err(),
        "Task is unknown"
    );
}

#[test]
fn task_groups_leave_the_queue_when_all_their_tasks_have() {
    let mut executor = executor();
    executor.enqueue_task_group(TaskGroupInfo {
        tasks: vec![task_info("a", "cpus:1"), task_info("b", "cpus:1")],
    });
    assert_eq!(executor.queued_task_group("b").unwrap().tasks.len(), 2);
    executor.dequeue_task("a");
    assert_eq!(executor.queued_task_groups.len(), 1);
    executor.dequeue_task("b");
    assert!(executor.queued_task_groups.is_empty());
    assert!(executor.queued_task_group("b").is_none());
}

#[test]
fn completed_tasks_are_bounded() {
    let mut executor = executor();
    for index in 0..MAX_COMPLETED_TASKS_PER_EXECUTOR + 5 {
        let id = format!("t{index}");
        executor.add_launched_task(&task_info(&id, "cpus:0.01"));
        executor
            .update_task_state(&status(&id, TaskState::TaskFinished, 1, Source::Executor))
            .unwrap();
        executor.complete_task(&id);
    }
    assert_eq!(
        executor.completed_tasks.len(),
        MAX_COMPLETED_TASKS_PER_EXECUTOR
    );
    assert_eq!(executor.completed_tasks[0].task_id.value, "t5");
}
