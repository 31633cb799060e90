//! The commands that read the manifest (`check`, `graph`, `logs`, `schema`,
//! `completions`), manifest discovery, and usage and manifest errors.

use crate::harness;

use std::io::{BufRead, BufReader};

use harness::{Project, recorders};
use nix::sys::signal::Signal;

fn project() -> Project {
    Project::new(&recorders(&[("web", &["db"]), ("db", &[])]))
}

#[test]
fn check_validates_and_prints_the_start_order() {
    let project = project();
    project
        .devup(["check"])
        .status(0)
        .stdout(
            "\
{dir}/daemons.yaml: valid, 2 daemons
start order:
  1. db
  2. web (after db)
",
        )
        .run();
}

#[test]
fn an_invalid_manifest_exits_2_naming_the_file() {
    let project = Project::new("daemons:\n  web:\n    strat: x\n");
    for command in [&["check"][..], &["up"], &["status"], &["graph"]] {
        project
            .devup(command)
            .status(2)
            .stderr("\
error: {dir}/daemons.yaml:2:3: daemon `web`: missing `pid_file`, required when `daemonize` is false (the start command daemonizes itself and writes it); set `pid_file`, or `daemonize: true` to let devup detach the command
{dir}/daemons.yaml:3:5: daemon `web`: unknown key `strat`, did you mean `start`?
")
            .run();
    }
    // `down` stops what was recorded even so (SPEC §6), naming the file in
    // its warning; a named daemon needs the manifest.
    project
        .devup(["down"])
        .status(0)
        .stderr("\
warning: the manifest cannot be loaded; stopping what devup started from {dir} as recorded
{dir}/daemons.yaml:2:3: daemon `web`: missing `pid_file`, required when `daemonize` is false (the start command daemonizes itself and writes it); set `pid_file`, or `daemonize: true` to let devup detach the command
{dir}/daemons.yaml:3:5: daemon `web`: unknown key `strat`, did you mean `start`?
down: nothing to do in {time}
")
        .run();
    project
        .devup(["down", "web"])
        .status(2)
        .stderr("\
error: {dir}/daemons.yaml:2:3: daemon `web`: missing `pid_file`, required when `daemonize` is false (the start command daemonizes itself and writes it); set `pid_file`, or `daemonize: true` to let devup detach the command
{dir}/daemons.yaml:3:5: daemon `web`: unknown key `strat`, did you mean `start`?
")
        .run();
}

#[test]
fn no_manifest_anywhere_exits_2() {
    let project = Project::new("daemons: {}\n");
    std::fs::remove_file(project.manifest()).unwrap();
    project.devup(["check"]).status(2).run();
}

#[test]
fn usage_errors_exit_2() {
    let project = project();
    project.devup(["--no-such-flag"]).status(2).run();
    project.devup(["logs", "-n"]).status(2).run();
    project.devup(["exec", "db"]).status(2).run();
    project
        .devup(["--version"])
        .status(0)
        .stdout(&format!("devup {}\n", env!("CARGO_PKG_VERSION")))
        .run();
    project
        .devdown(["--help"])
        .status(0)
        .stdout("\
Stop a project's local daemons (the same as `devup down`).

Usage: devdown [OPTIONS] [NAME]...

Arguments:
  [NAME]...  The daemons to stop, after every running daemon that depends on them (all when none are named)

Options:
  -f, --file <PATH>     The manifest (default: $DEVUP_FILE, else the nearest daemons.yaml or daemons.yml in this directory or a parent)
  -q, --quiet           Print nothing but errors
      --json            Also print one JSON object per line on stdout for every change of a daemon's state, and a summary line last
      --remove-orphans  Stop orphans too (daemons devup started from this directory that are no longer in the manifest), even when daemons are named
  -h, --help            Print help
  -V, --version         Print version

Exit codes: 0 all stopped, 1 a daemon failed to stop, 2 usage or manifest error, 128+N interrupted by signal N.
")
        .run();
}

#[test]
fn graph_prints_dot() {
    project()
        .devup(["graph"])
        .status(0)
        .stdout(
            "\
digraph devup {
  \"web\";
  \"db\";
  \"web\" -> \"db\";
}
",
        )
        .run();
}

#[test]
fn the_manifest_is_found_from_a_subdirectory() {
    let project = project();
    std::fs::create_dir_all(project.path("src/deep")).unwrap();
    project
        .devup(["check"])
        .current_dir(project.path("src/deep"))
        .status(0)
        .stdout(
            "\
{dir}/daemons.yaml: valid, 2 daemons
start order:
  1. db
  2. web (after db)
",
        )
        .run();
    // Relative paths are the manifest's: events.log lands next to it.
    project
        .devup(["up", "db"])
        .current_dir(project.path("src/deep"))
        .status(0)
        .run();
    assert_eq!(project.events(), ["start db"]);
}

#[test]
fn dash_f_works_from_the_root_directory() {
    let project = Project::with_file("other.yml", &recorders(&[("db", &[])]));
    let manifest = project.manifest().to_path_buf();
    project
        .devup(["-f".as_ref(), manifest.as_os_str(), "up".as_ref()])
        .current_dir("/")
        .status(0)
        .run();
    assert_eq!(project.events(), ["start db"]);
    project
        .devup(["status", "--json"])
        .current_dir("/")
        .env("DEVUP_FILE", &manifest)
        .status(0)
        .run();
    project
        .devup(["down".as_ref(), "-f".as_ref(), manifest.as_os_str()])
        .current_dir("/")
        .status(0)
        .run();
}

#[test]
fn logs_prints_the_last_lines() {
    let project = Project::new(
        "daemons:\n  chatty:\n    daemonize: true\n    \
         start: \": {tag}; seq 1 100; echo ready; sleep 600\"\n    ping: { log: \"^ready$\" }\n",
    );
    project.devup(["up"]).status(0).run();
    project
        .devup(["logs", "chatty", "-n", "3"])
        .status(0)
        .stdout("99\n100\nready\n")
        .run();
    let outcome = project.devup(["logs", "chatty"]).status(0).run();
    assert_eq!(outcome.stdout.lines().count(), 50);
    project.devup(["logs", "nope"]).status(2).run();
}

#[test]
fn logs_without_a_log_file_exits_2() {
    let project =
        Project::new("daemons:\n  quiet:\n    start: \"true\"\n    pid_file: quiet.pid\n");
    project
        .devup(["logs", "quiet"])
        .status(2)
        .stderr("error: quiet: no log_file in {dir}/daemons.yaml (set `log_file`, or `daemonize: true` for the default)\n")
        .run();
}

#[test]
fn logs_follow_prints_appended_lines_and_survives_truncation() {
    let project = Project::new(
        "daemons:\n  app:\n    start: \"true\"\n    pid_file: app.pid\n    log_file: app.log\n",
    );
    project.write("app.log", "old line\n");
    let mut running = project.devup(["logs", "app", "-f"]).spawn();
    let mut stdout = BufReader::new(running.take_stdout());
    let mut next_line = || {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("reading the output");
        line
    };
    assert_eq!(next_line(), "old line\n");
    let append = |text: &str| {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(project.path("app.log"))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    };
    append("new line\n");
    assert_eq!(next_line(), "new line\n");
    // Truncated (as by logrotate's copytruncate), then written again with
    // less than was there, so the file is shorter than what was read
    // whenever the follower looks.
    std::fs::write(project.path("app.log"), "").unwrap();
    append("after truncation\n");
    let line = next_line();
    assert_eq!(line, "after truncation\n");
    running.signal(Signal::SIGINT);
    running.finish().status(130);
}

#[test]
fn completions_print_a_script() {
    project()
        .devup(["completions", "bash"])
        .status(0)
        // Partial: the script is clap_complete's text, not devup's; it must
        // register both commands for their dynamic completion.
        .stdout_includes("-F _clap_complete_devup devup\n")
        .stdout_includes("-F _clap_complete_devdown devdown\n")
        .stderr("")
        .run();
    project().devup(["completions", "nosh"]).status(2).run();
}

#[test]
fn schema_prints_the_manifests_json_schema() {
    let outcome = project().devup(["schema"]).status(0).run();
    let schema = outcome.json();
    assert!(schema["properties"]["daemons"].is_object(), "{schema}");
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/daemons.schema.json"
    ))
    .expect("the committed schema");
    assert_eq!(outcome.stdout, committed);
}

#[test]
fn logs_follow_waits_for_a_log_that_does_not_exist_yet() {
    let project = Project::new(
        "daemons:\n  app:\n    start: \"true\"\n    pid_file: app.pid\n    log_file: log/app.log\n",
    );
    let mut running = project.devup(["logs", "app", "-f"]).spawn();
    let mut stdout = BufReader::new(running.take_stdout());
    let mut stderr = BufReader::new(running.take_stderr());
    let mut note = String::new();
    stderr.read_line(&mut note).expect("reading stderr");
    assert!(note.starts_with("app: no log yet at "), "{note}");
    project.write("log/app.log", "first words\n");
    let mut line = String::new();
    stdout.read_line(&mut line).expect("reading the output");
    assert_eq!(line, "first words\n");
    running.signal(Signal::SIGTERM);
    running.finish().status(143);
}
