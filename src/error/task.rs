//! Why a task failed (SPEC §2 "Tasks"): its command exited non-zero or was
//! killed, or could not be run at all. A task is not a start: its error
//! says that the task failed, and the output it carries is the task's own
//! (past its `timeout`, a task ends in a [`super::Error::StartTimeout`]
//! waiting for [`super::WaitingFor::Task`]).

use std::fmt;

use super::ExitStatus;

/// Why a task failed, as a value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskFailure {
    /// Its command exited with a status other than 0, or was killed.
    Exited(ExitStatus),
    /// Every process of it ended, but its command's exit was not reported.
    NoExitStatus,
    /// Its command could not be run at all (not prepared, forked or
    /// executed, or its directory not entered): why, for people.
    NotRun(String),
}

impl TaskFailure {
    /// The title of the output a failed task's error carries.
    pub const OUTPUT_LABEL: &'static str = "output of the task";
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskFailure::Exited(status) => write!(f, "it {status}"),
            TaskFailure::NoExitStatus => f.write_str("it ended without an exit status"),
            TaskFailure::NotRun(reason) => f.write_str(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_after_the_task_failed() {
        assert_eq!(
            TaskFailure::Exited(ExitStatus::Code(3)).to_string(),
            "it exited with status 3"
        );
        assert_eq!(
            TaskFailure::Exited(ExitStatus::Signal(libc::SIGKILL)).to_string(),
            "it was killed by SIGKILL"
        );
    }
}
