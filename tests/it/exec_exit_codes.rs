//! SPEC §4, `devup exec`: CMD's exit code; 1 when up failed and CMD is not
//! run; only the daemons this call started are stopped; and, like any
//! command, 128 + the signal when devup itself is interrupted.

use crate::harness;

use harness::{Project, recorders, wait_until};
use nix::sys::signal::Signal;

#[test]
fn exec_exits_with_the_commands_code_and_stops_only_what_it_started() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    project.devup(["up", "db"]).status(0).run();
    project
        .devup(["exec", "web", "--", "sh", "-c", "exit 7"])
        .status(7)
        .run();
    assert_eq!(project.events(), ["start db", "start web", "stop web"]);
    project
        .devup(["status", "db"])
        .status(0)
        .stdout("db  running         {pid}  {time}\n")
        .run();
}

#[test]
fn exec_exits_1_without_running_the_command_when_up_fails() {
    let project = Project::new(
        "daemons:\n  broken:\n    daemonize: true\n    start: \"echo no; exit 3 # {tag}\"\n    \
         ping: { command: \"false\" }\n    start_timeout: 5s\n",
    );
    project
        .devup(["exec", "--", "touch", "cmd-ran"])
        .status(1)
        // The daemon may exit before its wait for the ping is reported.
        .stderr(
            "\
broken: starting
broken: spawned (pid {pid})
{maybe}broken: waiting for ping (pid {pid})
broken: aborting: the daemon exited with status 3 before it was ready
broken: failed after {time}
up: 1 failed in {time}

error: broken: could not start: the daemon exited with status 3 before it was ready
log during this start ({dir}/.devup/log/broken.log):
  no
",
        )
        .run();
    assert!(!project.path("cmd-ran").exists());
}

#[test]
fn an_interrupted_exec_exits_128_plus_the_signal_even_when_the_command_exits_0() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let script = format!(
        ": {}-cmd; trap 'exit 0' TERM; touch cmd.started; while :; do sleep 1 & wait $!; done",
        project.tag()
    );
    let running = project.devup(["exec", "--", "sh", "-c", &script]).spawn();
    wait_until("the command runs", || project.path("cmd.started").exists());
    running.signal(Signal::SIGTERM);
    running.finish().status(143);
    assert_eq!(project.events(), ["start db", "stop db"]);
}
