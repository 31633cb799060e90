//! The parallel scheduler under `up` and `down`: one scoped thread per
//! daemon, each blocked on a condition variable until every daemon it must
//! wait for (its dependencies for `up`, its dependents for `down`) has an
//! outcome. When one of those failed or was skipped, the daemon is skipped
//! with the same root cause; otherwise its work runs. Independent daemons
//! therefore run at the same time, and nothing spins.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

use super::outcome::Skip;

/// Runs `work` for every name of `names` once all of `prerequisites(name)`
/// are done. `work` returns the outcome and, when dependents must not go on,
/// the cause to skip them with; `skip` makes the outcome of a skipped daemon.
/// Returns the outcomes in the order of `names`.
pub(crate) fn schedule<O, P, W, S>(names: &[String], prerequisites: P, work: W, skip: S) -> Vec<O>
where
    O: Send,
    P: Fn(&str) -> Vec<String>,
    W: Fn(&str) -> (O, Option<Skip>) + Sync,
    S: Fn(&str, &[String], &Skip) -> O + Sync,
{
    let board = Board::default();
    let waits: Vec<Vec<String>> = names
        .iter()
        .map(|name| {
            prerequisites(name)
                .into_iter()
                .filter(|other| other != name && names.contains(other))
                .collect()
        })
        .collect();
    if let ([name], [waits]) = (names, &waits[..]) {
        // One daemon: nothing runs beside it, so no thread is spawned (and
        // none joined) for it.
        return vec![run_one(&board, name, waits, &work, &skip)];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .zip(&waits)
            .map(|(name, waits)| {
                let (board, work, skip) = (&board, &work, &skip);
                scope.spawn(move || run_one(board, name, waits, work, skip))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| match handle.join() {
                Ok(outcome) => outcome,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// One daemon's turn: once everything of `waits` is done, its work, or its
/// skip when one of those blocks it.
fn run_one<O, W, S>(board: &Board, name: &String, waits: &[String], work: &W, skip: &S) -> O
where
    W: Fn(&str) -> (O, Option<Skip>),
    S: Fn(&str, &[String], &Skip) -> O,
{
    // Should `work` panic, the guard still marks the daemon done (as
    // failed), so no other thread waits forever.
    let mut guard = FinishGuard {
        board,
        name,
        cause: Some(Skip::DependencyFailed(name.clone())),
    };
    let (outcome, cause) = match board.wait_for(waits) {
        Some(cause) => {
            let outcome = skip(name, waits, &cause);
            (outcome, Some(cause))
        }
        None => work(name),
    };
    guard.cause = cause;
    outcome
}

/// Marks its daemon done, with `cause`, when dropped.
struct FinishGuard<'a> {
    board: &'a Board,
    name: &'a str,
    cause: Option<Skip>,
}

impl Drop for FinishGuard<'_> {
    fn drop(&mut self) {
        self.board.finish(self.name, self.cause.take());
    }
}

/// Who is done, and whether they block those waiting for them.
#[derive(Default)]
struct Board {
    done: Mutex<HashMap<String, Option<Skip>>>,
    changed: Condvar,
}

impl Board {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Option<Skip>>> {
        self.done
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Blocks until every name of `waits` is done; returns the cause to skip
    /// with when one of them blocks its dependents.
    fn wait_for(&self, waits: &[String]) -> Option<Skip> {
        let done = self
            .changed
            .wait_while(self.lock(), |done| {
                !waits.iter().all(|name| done.contains_key(name))
            })
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        waits.iter().find_map(|name| done[name].clone())
    }

    fn finish(&self, name: &str, cause: Option<Skip>) {
        self.lock().insert(name.to_string(), cause);
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn independent_work_runs_in_parallel() {
        // Both must be inside `work` at the same time to pass the barrier.
        let barrier = Barrier::new(2);
        let outcomes = schedule(
            &names(&["a", "b"]),
            |_| Vec::new(),
            |name| {
                barrier.wait();
                (name.to_string(), None)
            },
            |_, _, _| unreachable!(),
        );
        assert_eq!(outcomes, names(&["a", "b"]));
    }

    #[test]
    fn a_failure_skips_its_transitive_dependents_with_the_root_cause() {
        let order = Mutex::new(Vec::new());
        let deps = |name: &str| match name {
            "web" => names(&["app"]),
            "app" => names(&["db"]),
            _ => Vec::new(),
        };
        let outcomes = schedule(
            &names(&["web", "app", "db", "cache"]),
            deps,
            |name| {
                order.lock().unwrap().push(name.to_string());
                let cause = (name == "db").then(|| Skip::DependencyFailed("db".into()));
                (format!("{name} ran"), cause)
            },
            |name, _, cause| format!("{name} skipped: {cause}"),
        );
        assert_eq!(
            outcomes,
            vec![
                "web skipped: db failed".to_string(),
                "app skipped: db failed".to_string(),
                "db ran".to_string(),
                "cache ran".to_string(),
            ]
        );
    }

    #[test]
    fn a_panic_does_not_leave_dependents_waiting() {
        let result = std::panic::catch_unwind(|| {
            schedule(
                &names(&["db", "web"]),
                |name| {
                    if name == "web" {
                        names(&["db"])
                    } else {
                        Vec::new()
                    }
                },
                |name| {
                    assert_ne!(name, "db", "db panics");
                    ((), None)
                },
                |_, _, _| (),
            )
        });
        assert!(result.is_err(), "the panic is passed on");
    }

    #[test]
    fn work_waits_for_prerequisites() {
        let order = Mutex::new(Vec::new());
        schedule(
            &names(&["c", "b", "a"]),
            |name| match name {
                "c" => names(&["b"]),
                "b" => names(&["a"]),
                _ => Vec::new(),
            },
            |name| {
                order.lock().unwrap().push(name.to_string());
                ((), None)
            },
            |_, _, _| (),
        );
        assert_eq!(*order.lock().unwrap(), names(&["a", "b", "c"]));
    }
}
