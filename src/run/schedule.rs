//! The parallel scheduler under `up` and `down`: each daemon is worked on
//! once every daemon it must wait for (its dependencies for `up`, its
//! dependents for `down`) has an outcome. When one of those failed or was
//! skipped, the daemon is skipped with the same root cause; otherwise its
//! work runs. Independent daemons run at the same time, on a few worker
//! threads per core rather than a thread per daemon: forking a start from
//! a process with hundreds of threads costs in proportion to them, and
//! their wake-ups contend. A worker whose daemon sleeps in a long wait
//! (readiness, a lock, a stop's grace period) gives its turn to another
//! worker meanwhile (`board.rs`), so slow daemons still wait in parallel
//! and a ready daemon starts at once. Nothing spins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::board::{Board, Job};
use super::outcome::Skip;
use crate::controller::with_wait_hook;

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
    if let [name] = names {
        // One daemon: nothing runs beside it (nor waits for it), so no
        // worker is spawned for it, and the cores are not counted.
        return vec![work(name).0];
    }
    schedule_on(turns(), names, prerequisites, work, skip)
}

/// How many workers work at once: a few per core, since a start's work
/// outside its waits is short system calls (forks, files). Counted once
/// per process (`available_parallelism` reads the cgroup's CPU quota).
fn turns() -> usize {
    static TURNS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *TURNS.get_or_init(|| std::thread::available_parallelism().map_or(2, |cores| cores.get()) * 2)
}

/// [`schedule`] with at most `turns` workers working at once.
fn schedule_on<O, P, W, S>(
    turns: usize,
    names: &[String],
    prerequisites: P,
    work: W,
    skip: S,
) -> Vec<O>
where
    O: Send,
    P: Fn(&str) -> Vec<String>,
    W: Fn(&str) -> (O, Option<Skip>) + Sync,
    S: Fn(&str, &[String], &Skip) -> O + Sync,
{
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(at, name)| (name.as_str(), at))
        .collect();
    let waits: Vec<Vec<String>> = names
        .iter()
        .map(|name| {
            let mut waits: Vec<String> = prerequisites(name)
                .into_iter()
                .filter(|other| other != name && index.contains_key(other.as_str()))
                .collect();
            let mut seen = std::collections::HashSet::new();
            waits.retain(|other| seen.insert(other.clone()));
            waits
        })
        .collect();
    let board = Arc::new(Board::new(
        waits
            .iter()
            .map(|waits| waits.iter().map(|other| index[other.as_str()]).collect())
            .collect(),
        turns,
    ));
    let outcomes: Mutex<Vec<Option<O>>> = Mutex::new(names.iter().map(|_| None).collect());
    let panicked = Mutex::new(None);
    let run = |job: Job| {
        let name = &names[job.index];
        // Should `work` panic, the daemon is still done (as failed), so
        // nothing waits for it forever; the panic is passed on at the end.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job.blocked {
            Some(cause) => (skip(name, &waits[job.index], &cause), Some(cause)),
            None => work(name),
        }));
        match ran {
            Ok((outcome, cause)) => {
                lock(&outcomes)[job.index] = Some(outcome);
                cause
            }
            Err(panic) => {
                lock(&panicked).get_or_insert(panic);
                Some(Skip::DependencyFailed(name.clone()))
            }
        }
    };
    std::thread::scope(|scope| {
        loop {
            let spawn = board.workers_to_spawn();
            if spawn == 0 {
                break;
            }
            for _ in 0..spawn {
                let (board, run) = (Arc::clone(&board), &run);
                scope.spawn(move || {
                    with_wait_hook(board.clone(), || board.work(run));
                });
            }
        }
    });
    if let Some(panic) = lock(&panicked).take() {
        std::panic::resume_unwind(panic);
    }
    lock(&outcomes)
        .drain(..)
        .map(|outcome| outcome.expect("every daemon is done when the workers are"))
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::while_waiting;
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

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

    #[test]
    fn more_daemons_than_workers_keep_the_dependency_order() {
        // A chain c0 <- c1 <- ... <- c9 and ten independent daemons, on two
        // workers: each link runs after the one before it, every daemon once.
        let mut list: Vec<String> = (0..10).map(|at| format!("c{at}")).collect();
        list.extend((0..10).map(|at| format!("free{at}")));
        let order = Mutex::new(Vec::new());
        let outcomes = schedule_on(
            2,
            &list,
            |name| match name
                .strip_prefix('c')
                .and_then(|at| at.parse::<usize>().ok())
            {
                Some(at) if at > 0 => vec![format!("c{}", at - 1)],
                _ => Vec::new(),
            },
            |name| {
                order.lock().unwrap().push(name.to_string());
                (name.to_string(), None)
            },
            |_, _, _| unreachable!(),
        );
        assert_eq!(outcomes, list);
        let order = order.into_inner().unwrap();
        let chain: Vec<&String> = order.iter().filter(|name| name.starts_with('c')).collect();
        assert_eq!(chain, list[..10].iter().collect::<Vec<_>>());
        assert_eq!(order.len(), 20);
    }

    #[test]
    fn no_more_workers_work_at_once_than_the_turns() {
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let list: Vec<String> = (0..40).map(|at| format!("d{at}")).collect();
        schedule_on(
            3,
            &list,
            |_| Vec::new(),
            |_| {
                let working = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(working, Ordering::SeqCst);
                std::thread::yield_now();
                now.fetch_sub(1, Ordering::SeqCst);
                ((), None)
            },
            |_, _, _| (),
        );
        let most = most.load(Ordering::SeqCst);
        assert!((1..=3).contains(&most), "{most} worked at once");
    }

    #[test]
    fn slow_independent_daemons_wait_in_parallel_on_one_worker() {
        // All three must be in their wait at the same time to pass the
        // barrier, with one turn between them.
        let barrier = Barrier::new(3);
        let outcomes = schedule_on(
            1,
            &names(&["a", "b", "c"]),
            |_| Vec::new(),
            |name| {
                while_waiting(|| barrier.wait());
                (name.to_string(), None)
            },
            |_, _, _| unreachable!(),
        );
        assert_eq!(outcomes, names(&["a", "b", "c"]));
    }

    #[test]
    fn a_ready_daemon_starts_while_a_slow_one_waits() {
        // "slow" waits until "fast" has run: only possible when its wait
        // gives the one turn to "fast". "after" depends on "slow" and runs
        // once it is done.
        let (sender, receiver) = mpsc::channel();
        let receiver = Mutex::new(receiver);
        let order = Mutex::new(Vec::new());
        schedule_on(
            1,
            &names(&["slow", "fast", "after"]),
            |name| match name {
                "after" => names(&["slow"]),
                _ => Vec::new(),
            },
            |name| {
                if name == "slow" {
                    while_waiting(|| receiver.lock().unwrap().recv().unwrap());
                }
                order.lock().unwrap().push(name.to_string());
                if name == "fast" {
                    sender.send(()).unwrap();
                }
                ((), None)
            },
            |_, _, _| (),
        );
        assert_eq!(*order.lock().unwrap(), names(&["fast", "slow", "after"]));
    }
}
