//! `devup exec`'s CMD gets each signal once (issue 10 item 9): a signal sent
//! to devup's whole process group, as a CI runner does when it cancels a
//! job, used to reach CMD directly and again through devup's forwarding. And
//! CMD does not outlive a SIGKILLed devup.
use crate::support;

use nix::sys::signal::Signal;
use support::{Project, recorders, wait_until};

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
    running.finish().exits(130);
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
