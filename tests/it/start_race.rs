//! Starts of one daemon are serialized by its lock: any number of threads
//! and processes starting it at once end with exactly one instance, and a
//! process killed while holding the lock leaves nothing to clean up.

// `devup::Error` carries log excerpts; its size does not matter here.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use crate::harness::*;
use devup::{DaemonController, Error, Event, Ping, UpOutcome};

fn command_for(tag: &str) -> Vec<String> {
    // Slow to become ready, so that the racers really overlap.
    fake_command(
        tag,
        &[
            "--daemonize",
            "--pid-file",
            "fake.pid",
            "--ready-after",
            "200",
        ],
    )
}

#[test]
fn sixteen_processes_and_two_threads_starting_at_once_make_one_instance() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let racers: Vec<_> = (0..16)
        .map(|_| {
            Command::new(race_start())
                .arg("--dir")
                .arg(dir.path())
                .args(["--pid-file", "fake.pid", "--"])
                .args(command_for(&tag))
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let dir = dir.path().to_path_buf();
            let command = command_for(&tag);
            std::thread::spawn(move || {
                DaemonController::builder("race")
                    .dir(dir)
                    .pid_file("fake.pid")
                    .start_command(command)
                    .build()
                    .unwrap()
                    .up()
                    .unwrap()
            })
        })
        .collect();
    let mut outcomes: Vec<String> = racers
        .into_iter()
        .map(|racer| {
            let output = racer.wait_with_output().unwrap();
            String::from_utf8(output.stdout).unwrap().trim().to_string()
        })
        .collect();
    for thread in threads {
        outcomes.push(match thread.join().unwrap() {
            UpOutcome::Started(started) => format!("started {}", started.pid),
            UpOutcome::AlreadyRunning { pid } => format!("already-running {pid}"),
        });
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pids: Vec<&str> = Vec::new();
    for outcome in &outcomes {
        let (kind, pid) = outcome.split_once(' ').unwrap_or((outcome, ""));
        *counts.entry(kind).or_default() += 1;
        pids.push(pid);
    }
    assert_eq!(counts.get("started"), Some(&1), "{outcomes:?}");
    assert_eq!(counts.get("already-running"), Some(&17), "{outcomes:?}");
    pids.dedup();
    assert_eq!(pids.len(), 1, "{outcomes:?}");
    assert_one_instance(&tag, pids[0].parse().expect("a pid"));
}

#[test]
fn two_threads_calling_start_at_once_start_one_instance() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let daemon = std::sync::Arc::new(
        daemonizing(&dir, &tag, &["--ready-after", "200"])
            .build()
            .unwrap(),
    );
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let daemon = daemon.clone();
            std::thread::spawn(move || daemon.start())
        })
        .collect();
    let results: Vec<_> = threads
        .into_iter()
        .map(|thread| thread.join().unwrap())
        .collect();
    let started: Vec<u32> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|s| s.pid)
        .collect();
    assert_eq!(started.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(Error::AlreadyStarted { pid, .. }) if *pid == started[0])),
        "{results:?}"
    );
    assert_one_instance(&tag, started[0]);
    daemon.stop().unwrap();
}

#[test]
fn a_start_killed_while_holding_the_lock_leaves_nothing_to_clean_up() {
    let dir = TempDir::new();
    let (hung_tag, _hung_cleanup) = tagged();
    let (tag, _cleanup) = tagged();
    let mut killed = Command::new(race_start())
        .arg("--dir")
        .arg(dir.path())
        .args(["--pid-file", "fake.pid", "--"])
        .args(fake_command(&hung_tag, &["--daemonize", "--hang"]))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Its daemon runs, so it holds the lock and waits for a pid file.
    wait_until_tagged_runs("the first start is under way", &hung_tag);
    killed.kill().unwrap();
    killed.wait().unwrap();

    let events = Events::default();
    let daemon = daemonizing(&dir, &tag, &[])
        .observer(events.observer())
        .build()
        .unwrap();
    let started = daemon.start().unwrap();
    assert_one_instance(&tag, started.pid);
    daemon.stop().unwrap();
}

#[test]
fn up_waits_for_a_running_daemon_to_answer_instead_of_starting_another() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    // Started by someone who did not wait for its ping (a devup killed
    // mid-start): running, not ready yet.
    let first = daemonizing(&dir, &tag, &[])
        .build()
        .unwrap()
        .start()
        .unwrap();
    let flag = dir.join("ready.flag");
    let daemon = daemonizing(&dir, &tag, &[])
        .ping(Ping::command("test -f ready.flag"))
        .observer(move |event| {
            if matches!(event, Event::WaitingForPing { .. }) {
                std::fs::write(&flag, "").unwrap();
            }
        })
        .build()
        .unwrap();
    assert_eq!(
        daemon.up().unwrap(),
        UpOutcome::AlreadyRunning { pid: first.pid }
    );
    assert_one_instance(&tag, first.pid);
    daemon.stop().unwrap();
}

#[test]
fn waiting_for_the_lock_can_be_aborted() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let slow = std::sync::Arc::new(
        daemonizing(&dir, &tag, &["--ready-after", "1000"])
            .build()
            .unwrap(),
    );
    let holder = {
        let slow = slow.clone();
        std::thread::spawn(move || slow.start())
    };
    wait_until_tagged_runs("the first start holds the lock", &tag);
    let abort = devup::AbortSignal::new();
    let trigger = abort.clone();
    let waiter = daemonizing(&dir, &tag, &[])
        .abort_signal(abort)
        .observer(move |event| {
            if matches!(event, Event::WaitingForLock) {
                trigger.abort();
            }
        })
        .build()
        .unwrap();
    assert_interrupted(waiter.start());
    let started = holder.join().unwrap().unwrap();
    assert_one_instance(&tag, started.pid);
    slow.stop().unwrap();
}

#[test]
fn parallel_starts_of_different_daemons_do_not_see_each_others_processes() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let threads: Vec<_> = (0..4)
        .map(|index| {
            let pid_file = format!("fake{index}.pid");
            let mut args = vec![
                "--daemonize",
                "--pid-file",
                &pid_file,
                "--ready-after",
                "100",
            ];
            if index == 0 {
                args.push("--crash-after-daemonize");
            }
            let daemon = fake(&dir, &tag, &args)
                .pid_file(&pid_file)
                .start_timeout(std::time::Duration::from_secs(120))
                .build()
                .unwrap();
            std::thread::spawn(move || daemon.start().map(|started| started.pid))
        })
        .collect();
    let results: Vec<_> = threads
        .into_iter()
        .map(|thread| thread.join().unwrap())
        .collect();
    assert_eq!(
        start_failure_reason(&results[0]),
        "the daemon exited before it was ready"
    );
    let running: Vec<u32> = results[1..]
        .iter()
        .map(|result| *result.as_ref().unwrap())
        .collect();
    assert_instances(&tag, &running);
}
