//! `devup exec`'s CMD gets each signal once: a signal sent
//! to devup's whole process group, as a CI runner does when it cancels a
//! job, used to reach CMD directly and again through devup's forwarding. And
//! CMD does not outlive a SIGKILLed devup. On a terminal (a pseudo-terminal
//! made by `script(1)`), Ctrl-C reaches CMD once too, from the terminal.

use crate::harness;
use crate::harness::dispositions;

use std::io::Write;
use std::process::Stdio;
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

#[test]
fn ctrl_c_on_a_terminal_reaches_the_command_once() {
    if !harness::programs::installed("script") {
        return;
    }
    let project = Project::new(&recorders(&[("db", &[])]));
    let command = format!(
        "'{}' exec -- sh -c \"trap 'echo INT >> signals.log; exit 0' INT; \
         : {}-cmd; touch cmd.started; while :; do sleep 1 & wait \\$!; done\"",
        devup_bin().display(),
        project.tag()
    );
    dispositions::reset();
    let mut script = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(project.dir())
        .env_remove("CI")
        .env_remove("DEVUP_FILE")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("running script");
    wait_until("the command runs", || project.path("cmd.started").exists());
    let mut terminal = script.stdin.take().expect("stdin is piped");
    terminal.write_all(b"\x03").expect("typing Ctrl-C");
    terminal.flush().expect("flushing");
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = script.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = script.kill();
            panic!("devup exec did not exit after Ctrl-C");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    drop(terminal);
    assert_eq!(status.code(), Some(130));
    assert_eq!(project.read("signals.log"), "INT\n");
    assert_eq!(project.events(), ["start db", "stop db"]);
}
