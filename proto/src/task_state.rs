//! `TaskState::is_terminal` for the v1 and v0 task states (Mesos's `isTerminalState`).

macro_rules! terminal_states {
    ($state:ty) => {
        impl $state {
            /// Whether a task in this state will never change state again: FINISHED, FAILED,
            /// KILLED, ERROR, LOST, DROPPED, GONE and GONE_BY_OPERATOR. (A LOST task can still
            /// come back when its agent reregisters, but Mesos treats LOST as terminal.)
            pub fn is_terminal(self) -> bool {
                matches!(
                    self,
                    Self::TaskFinished
                        | Self::TaskFailed
                        | Self::TaskKilled
                        | Self::TaskError
                        | Self::TaskLost
                        | Self::TaskDropped
                        | Self::TaskGone
                        | Self::TaskGoneByOperator
                )
            }
        }
    };
}

terminal_states!(crate::v1::TaskState);
terminal_states!(crate::v0::TaskState);

#[cfg(test)]
mod tests {
    use crate::v1::TaskState;

    #[test]
    fn terminal_states_match_mesos() {
        let terminal: Vec<TaskState> = (0..=13)
            .filter_map(|number| TaskState::try_from(number).ok())
            .filter(|state| state.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                TaskState::TaskFinished,
                TaskState::TaskFailed,
                TaskState::TaskKilled,
                TaskState::TaskLost,
                TaskState::TaskError,
                TaskState::TaskDropped,
                TaskState::TaskGone,
                TaskState::TaskGoneByOperator,
            ]
        );
        assert!(!TaskState::TaskUnreachable.is_terminal());
        assert!(!TaskState::TaskKilling.is_terminal());
        assert!(crate::v0::TaskState::TaskGone.is_terminal());
        assert!(!crate::v0::TaskState::TaskStaging.is_terminal());
    }
}
