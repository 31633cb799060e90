//! `devup exec`'s CMD gets each signal once: a signal sent
//! to devup's whole process group, as a CI runner does when it cancels a
//! job, used to reach CMD directly and again through devup's forwarding. And
//! CMD does not outlive a SIGKILLed devup. On a terminal (a pseudo-terminal
//! made by `script(1)`), Ctrl-C reaches CMD once too, from the terminal.

use crate::harness;

use std::io::Write;
use std::time::Instant;

use harness::{DEADLINE, Project, devup_bin, recorders, wait_until};
use nix::sys::signal::Signal;

/// A CMD that appends the name of every SIGINT/SIGTERM it gets to
/// `signals.log` and exits 0 on SIGHUP.
fn counting_command(project: &Project) -> String {
    format!(
        ": {}-cmd; trap 'echo INT >> signals.log' INT; trap 'echo TERM >> signals.log' TERM; \
         trap 'exit 0' HUP; touch cmd.started; while :; do sleep 1 & wait $!; done",
        project.tag()
    )
}

#[test]
fn a_signal_to_the_whole_process_group_reaches_the_command_once() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let running = project
        .devup(["exec", "--", "sh", "-c", &counting_command(&project)])
        .spawn();
    wait_until("the command runs", || project.path("cmd.started").exists());

    running.signal_group(Signal::SIGINT);
    wait_until("the command got SIGINT", || {
        project.read("signals.log").contains("INT")
    });
    running.signal_group(Signal::SIGTERM);
    wait_until("the command got SIGTERM", || {
        project.read("signals.log").contains("TERM")
    });
    // Sent to devup alone: forwarded, and CMD exits. Any duplicate of the
    // signals before was delivered before this one.
    running.signal(Signal::SIGHUP);
    running.finish().status(130);
    assert_eq!(project.read("signals.log"), "INT\nTERM\n");
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn the_command_dies_with_a_sigkilled_devup() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let running = project
        .devup(["exec", "--", "sh", "-c", &counting_command(&project)])
        .spawn();
    wait_until("the command runs", || project.path("cmd.started").exists());
    running.signal(Signal::SIGKILL);
    running.finish();
    wait_until("the command is gone", || {
        project
            .processes_with(&format!("{}-cmd", project.tag()))
            .is_empty()
    });
}

/// `devup exec -- sh cmd.sh TAG` on a pseudo-terminal, where `cmd.sh` is
/// [`counting_command`]; `None` when `script` is not installed (which fails
/// the test under `CI=true`).
fn exec_on_a_terminal(project: &Project) -> Option<std::process::Child> {
    project.write("cmd.sh", &counting_command(project));
    on_a_terminal(project, &format!("-- sh cmd.sh {}", project.tag()))
}

/// `devup exec ARGS` (shell words) on a pseudo-terminal; `None` when
/// `script` is not installed (which fails the test under `CI=true`).
fn on_a_terminal(project: &Project, args: &str) -> Option<std::process::Child> {
    // The shell that runs the line would otherwise stay in devup's group
    // (dash forks for it), where a group's SIGTERM kills it and its exit
    // hangs up the terminal: `exec` makes devup the session's leader.
    harness::spawn_on_terminal(project.dir(), &format!("exec \"$DEVUP\" exec {args}"))
}

/// The pid of the `devup` whose command line holds the project's tag (not
/// a child of its own, which has the same command line).
fn devup_pid(project: &Project) -> i32 {
    let devup = devup_bin().display().to_string();
    let pids: Vec<u32> = project
        .processes_with(project.tag())
        .into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| cmdline.starts_with(devup.as_bytes()))
        })
        .collect();
    let parent_of = |pid: &u32| -> u32 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after = &stat[stat.rfind(')').map_or(0, |at| at + 1)..];
        after
            .split_whitespace()
            .nth(1)
            .and_then(|ppid| ppid.parse().ok())
            .unwrap_or(0)
    };
    let roots: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|pid| !pids.contains(&parent_of(pid)))
        .collect();
    assert_eq!(roots.len(), 1, "devup exec processes: {pids:?}");
    roots[0] as i32
}

/// The other `devup exec` process of the project: the child devup keeps in
/// its process group to tell a group's signals from its own.
fn sentinel_pid(project: &Project, devup: i32) -> i32 {
    let binary = devup_bin().display().to_string();
    let others: Vec<u32> = project
        .processes_with(project.tag())
        .into_iter()
        .filter(|&pid| pid as i32 != devup)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| cmdline.starts_with(binary.as_bytes()))
        })
        .collect();
    assert_eq!(others.len(), 1, "devup exec's other processes: {others:?}");
    others[0] as i32
}

/// True when SIGTERM is pending in `pid` (its own or its process's set).
fn term_pending(pid: i32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .filter(|line| line.starts_with("SigPnd:") || line.starts_with("ShdPnd:"))
        .filter_map(|line| u64::from_str_radix(line.split_whitespace().nth(1)?, 16).ok())
        .any(|mask| mask & (1 << (libc::SIGTERM - 1)) != 0)
}

/// Each process of `group`: pid, name, state and signal masks.
fn group_report(group: i32) -> String {
    let mut report = String::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after: Vec<&str> = stat[stat.rfind(')').map_or(0, |at| at + 1)..]
            .split_whitespace()
            .collect();
        if after.get(3) != Some(&group.to_string().as_str()) {
            continue;
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let fields: Vec<&str> = status
            .lines()
            .filter(|line| {
                [
                    "Name:", "State:", "PPid:", "SigPnd:", "ShdPnd:", "SigBlk:", "SigIgn:",
                    "SigCgt:",
                ]
                .iter()
                .any(|key| line.starts_with(key))
            })
            .collect();
        report.push_str(&format!("{pid} {}\n", fields.join(" ")));
    }
    report
}

/// Waits for `script` to exit, killing it after the deadline.
fn exit_of(mut script: std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(status) = script.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = script.kill();
            panic!("devup exec did not exit");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn on_a_terminal_a_signal_to_the_whole_process_group_reaches_the_command_once() {
    use nix::sys::signal::kill;
    use nix::unistd::{Pid, getpgid};
    let project = Project::new(&recorders(&[("db", &[])]));
    let Some(script) = exec_on_a_terminal(&project) else {
        return;
    };
    wait_until("the command runs", || project.path("cmd.started").exists());
    let devup = Pid::from_raw(devup_pid(&project));
    let group = getpgid(Some(devup)).expect("devup's process group");

    // As `kill -- -PGID`: devup and the command (in devup's group, the
    // terminal's foreground) both get it; devup must not forward it. A
    // duplicate that comes while the first is still pending merges with
    // it, so several rounds are sent, each once the last was handled: by
    // the command, and by devup, which has asked the sentinel about it once
    // the sentinel no longer has it pending. (Two signals of one kind sent
    // faster than that merge, in devup as in any process.)
    let sentinel = sentinel_pid(&project, devup.as_raw());
    const ROUNDS: usize = 50;
    for round in 1..=ROUNDS {
        kill(Pid::from_raw(-group.as_raw()), Signal::SIGTERM).expect("signalling the group");
        harness::waiting::wait_for_showing(
            &format!("round {round}: the command logged SIGTERM"),
            DEADLINE,
            || project.read("signals.log").lines().count() >= round,
            || {
                format!(
                    "signals.log:\n{}\ngroup:\n{}",
                    project.read("signals.log"),
                    group_report(group.as_raw())
                )
            },
        );
        wait_until("devup handled SIGTERM", || {
            !term_pending(sentinel) && !term_pending(devup.as_raw())
        });
    }
    // Sent to devup alone: forwarded, once. Any duplicate of the TERMs was
    // forwarded before it.
    kill(devup, Signal::SIGINT).expect("signalling devup");
    wait_until("the command got SIGINT", || {
        project.read("signals.log").contains("INT")
    });
    kill(devup, Signal::SIGHUP).expect("signalling devup");
    assert_eq!(exit_of(script).code(), Some(143));
    assert_eq!(
        project.read("signals.log"),
        format!("{}INT\n", "TERM\n".repeat(ROUNDS))
    );
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn ctrl_c_on_a_terminal_reaches_the_command_once() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let args = format!(
        "-- sh -c \"trap 'echo INT >> signals.log; exit 0' INT; \
         : {}-cmd; touch cmd.started; while :; do sleep 1 & wait \\$!; done\"",
        project.tag()
    );
    let Some(mut script) = on_a_terminal(&project, &args) else {
        return;
    };
    wait_until("the command runs", || project.path("cmd.started").exists());
    let mut terminal = script.stdin.take().expect("stdin is piped");
    terminal.write_all(b"\x03").expect("typing Ctrl-C");
    terminal.flush().expect("flushing");
    let status = exit_of(script);
    drop(terminal);
    assert_eq!(status.code(), Some(130));
    assert_eq!(project.read("signals.log"), "INT\n");
    assert_eq!(project.events(), ["start db", "stop db"]);
}
