//! SPEC §2, the manifest, checked through the `devup` binary: every kind of
//! manifest error exits 2 before anything runs, naming the file, the line
//! and column, the daemon and the key; `defaults:` takes every per-daemon
//! key but `start` and `depends_on`; relative paths are relative to the
//! manifest; `${VAR}`, `${VAR:-default}`, `$$` and a bare `$NAME`.

use crate::harness;

use harness::Project;

/// `(what, manifest, the message after `daemons.yaml:`)`.
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "yaml syntax",
        "daemons:\n  web: { start: x\n",
        "3:1: invalid YAML: did not find expected ',' or '}', while parsing a flow mapping",
    ),
    (
        "unknown key",
        "daemons:\n  web:\n    start: x\n    daemonize: true\n    strat: y\n",
        "5:5: daemon `web`: unknown key `strat`, did you mean `start`?",
    ),
    (
        "unknown top-level key",
        "deamons:\n  web: { start: x, daemonize: true }\n",
        "1:1: unknown key `deamons`, did you mean `daemons`?",
    ),
    (
        "wrong type",
        "daemons:\n  web:\n    start: x\n    daemonize: maybe\n",
        "4:16: daemon `web`, key `daemonize`: invalid type: string \"maybe\", expected a boolean",
    ),
    (
        "missing start",
        "daemons:\n  web:\n    daemonize: true\n",
        "2:3: daemon `web`: missing `start`, the command that starts the daemon (a string, or a list for an argv)",
    ),
    (
        "unknown dependency",
        "daemons:\n  web: { start: x, daemonize: true, depends_on: [reddis] }\n  \
         redis: { start: x, daemonize: true }\n",
        "2:58: daemon `web`, key `depends_on`: unknown daemon `reddis`, did you mean `redis`?",
    ),
    (
        "dependency cycle",
        "daemons:\n  a: { start: x, daemonize: true, depends_on: [b] }\n  \
         b: { start: x, daemonize: true, depends_on: [a] }\n",
        "2:43: daemon `a`, key `depends_on`: dependency cycle: a -> b -> a",
    ),
    (
        "bad regex",
        "daemons:\n  web:\n    start: x\n    daemonize: true\n    fail_when_log: \"(\"\n",
        "5:20: daemon `web`, key `fail_when_log`: invalid regex `(`: unclosed group",
    ),
    (
        "bad duration",
        "daemons:\n  web:\n    start: x\n    daemonize: true\n    start_timeout: 5 minutes\n",
        "5:20: daemon `web`, key `start_timeout`: invalid duration `5 minutes`; expected a number of seconds or a number followed by ms, s or m (500ms, 15s, 2m)",
    ),
    (
        "ping: log without a log file",
        "daemons:\n  web:\n    start: x\n    pid_file: web.pid\n    ping: { log: ready }\n",
        "5:13: daemon `web`, key `ping`: `ping: log` needs a log file to read; set `log_file` (with `daemonize: true` it defaults to .devup/log/NAME.log)",
    ),
    (
        "a version other than 1",
        "version: 2\ndaemons:\n  web: { start: x, daemonize: true }\n",
        "1:10: key `version`: unsupported version `2`; the only version is 1",
    ),
    (
        "start as a default",
        "defaults:\n  start: x\ndaemons:\n  web: { start: x, daemonize: true }\n",
        "2:3: key `defaults.start`: `start` cannot be a default; each daemon has its own",
    ),
    (
        "depends_on as a default",
        "defaults:\n  depends_on: [web]\ndaemons:\n  web: { start: x, daemonize: true }\n",
        "2:3: key `defaults.depends_on`: `depends_on` cannot be a default; each daemon has its own",
    ),
    (
        "an unknown stop signal",
        "daemons:\n  web: { start: x, daemonize: true, stop_signal: STOP }\n",
        "2:58: daemon `web`, key `stop_signal`: unknown signal `STOP`; expected one of TERM, INT, QUIT, HUP, KILL, USR1, USR2",
    ),
    (
        "two ping kinds",
        "daemons:\n  web: { start: x, daemonize: true, ping: { tcp: \"127.0.0.1:1\", unix: s } }\n",
        "2:73: daemon `web`, key `ping`: `ping` has 2 kinds, `tcp` and `unix`; it takes exactly one",
    ),
    (
        "a tcp ping without a port",
        "daemons:\n  web:\n    start: x\n    daemonize: true\n    ping: { tcp: \"127.0.0.1\" }\n",
        "5:18: daemon `web`, key `ping`: `tcp: 127.0.0.1` is not HOST:PORT (IPv6 as `[::1]:PORT`)",
    ),
    (
        "an http ping that is not an http:// URL",
        "daemons:\n  web:\n    start: x\n    daemonize: true\n    ping: { http: \"https://127.0.0.1:1/\" }\n",
        "5:19: daemon `web`, key `ping`: `http: https://127.0.0.1:1/` is not an http://HOST:PORT/PATH URL (https is not supported)",
    ),
];

#[test]
fn every_kind_of_manifest_error_exits_2_before_anything_runs() {
    for (what, manifest, message) in ERRORS {
        // Shown with a failure of this case.
        eprintln!("{what}");
        // Were anything run, `ran` would exist: every start and before_start
        // would create it.
        let manifest = manifest.replace("start: x", "start: touch ran");
        let project = Project::new(&manifest);
        let error = format!("error: {{dir}}/daemons.yaml:{message}\n");
        for command in [
            &["up"][..],
            &["check"],
            &["status"],
            &["exec", "--", "true"],
        ] {
            project.devup(command).status(2).stderr(&error).run();
        }
        // `down` stops what was recorded even so (SPEC §6), showing the
        // manifest's error as a warning: exit 0, nothing recorded here.
        project
            .devup(["down"])
            .status(0)
            .stderr(&format!(
                "warning: the manifest cannot be loaded; stopping what devup started from \
                 {{dir}} as recorded\n{{dir}}/daemons.yaml:{message}\ndown: nothing to do in {{time}}\n"
            ))
            .run();
        project.devdown(["-q"]).status(0).run();
        assert!(!project.path("ran").exists(), "{what}: something ran");
    }
}

#[test]
fn defaults_take_every_per_daemon_key_but_start_and_depends_on() {
    let project = Project::new(
        "defaults:\n  daemonize: true\n  pid_file: run/all.pid\n  log_file: log/all.log\n  \
         lock_file: run/all.lock\n  before_start: echo before > before.txt\n  stop: kill $(cat run/all.pid)\n  \
         stop_signal: SIGINT\n  ping: { command: test -s env.txt }\n  fail_when_log: \"^FATAL\"\n  \
         dir: .\n  env: { FROM_DEFAULTS: yes }\n  start_timeout: 20s\n  start_abort_timeout: 500ms\n  \
         stop_timeout: 1m\n  log_activity_timeout: 5\n\
         daemons:\n  web:\n    start: echo \"$FROM_DEFAULTS\" > env.txt; exec sleep 100 # {tag}\n",
    );
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
web: starting
web: before_start: echo before > before.txt
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (before_start {time}, pid {pid})
up: 1 ready in {time}
",
        )
        .run();
    assert_eq!(project.read("before.txt"), "before\n");
    assert_eq!(project.read("env.txt"), "yes\n");
    assert!(project.path("run/all.pid").exists());
    assert!(project.path("run/all.lock").exists());
    assert!(project.path("log/all.log").exists());
    project.devup(["down"]).status(0).run();
    assert!(!project.path("run/all.pid").exists());
}

#[test]
fn relative_paths_are_relative_to_the_manifest_not_the_current_directory() {
    let project = Project::new(
        "daemons:\n  web:\n    daemonize: true\n    pid_file: run/web.pid\n    log_file: log/web.log\n    \
         before_start: pwd > where.txt\n    start: echo ready; exec sleep 100 # {tag}\n    \
         ping: { log: \"^ready$\" }\n",
    );
    project.write("elsewhere/.keep", "");
    let manifest = project.manifest().display().to_string();
    project
        .devup(["-f", "../daemons.yaml", "up"])
        .current_dir(project.path("elsewhere"))
        .status(0)
        .run();
    assert!(project.path("run/web.pid").exists());
    assert!(project.path("log/web.log").exists());
    assert_eq!(
        project.read("where.txt").trim(),
        project.dir().display().to_string()
    );
    assert!(!project.path("elsewhere/run").exists());
    project
        .devup(["status", "-f", &manifest])
        .current_dir(project.path("elsewhere"))
        .status(0)
        .stdout("web  running  {pid}  {time}  changed (dir, pid_file, log_file)\n")
        .run();
}

#[test]
fn braced_variables_are_interpolated_and_bare_ones_left_for_the_shell() {
    let project = Project::new(
        "env:\n  FROM_MANIFEST: manifest-${SPEC_SET}\ndaemons:\n  web:\n    daemonize: true\n    \
         start: echo \"${SPEC_SET} ${SPEC_UNSET:-fallback} $$HOME-literal $FROM_MANIFEST\" > out.txt; exec sleep 100 # {tag}\n    \
         ping: { command: [test, -s, out.txt] }\n",
    );
    project
        .devup(["up"])
        .env("SPEC_SET", "given")
        .status(0)
        .run();
    assert_eq!(
        project.read("out.txt"),
        format!(
            "given fallback {}-literal manifest-given\n",
            std::env::var("HOME").unwrap_or_default()
        )
    );
    // With the same environment: the cleanup's devdown, without SPEC_SET,
    // cannot load the manifest, and `exec sleep` dropped the tag.
    project
        .devup(["down"])
        .env("SPEC_SET", "given")
        .status(0)
        .run();
}

#[test]
fn a_start_list_is_an_argv_without_a_shell() {
    let project = Project::new(
        "daemons:\n  web:\n    daemonize: true\n    \
         start: [sh, -c, 'printf \"%s\\n\" \"$0\" > out.txt; exec sleep 100', '$(not a shell) {tag}']\n    \
         ping: { command: [test, -s, out.txt] }\n",
    );
    project.devup(["up"]).status(0).run();
    assert_eq!(
        project.read("out.txt").trim(),
        format!("$(not a shell) {}", project.tag())
    );
}

/// The manifest of SPEC §2, word for word.
const SPEC_EXAMPLE: &str = r#"# yaml-language-server: $schema=schema/daemons.schema.json
version: 1                 # optional; only 1 exists
env:                       # optional; added to every daemon's environment
  RAILS_ENV: development
defaults:                  # optional; any per-daemon key except start/depends_on
  start_timeout: 30s
daemons:                   # required; a map, its order kept
  search:
    start: searchd -c config/sphinx.conf     # required: string (run by /bin/sh -c) or list (argv, no shell)
    before_start:                             # optional: string or list of strings, run in order
      - ruby script/sphinx_conf.rb
    ping: { tcp: "127.0.0.1:9312" }           # optional, see below
    pid_file: tmp/pids/searchd.pid
    log_file: log/searchd.log
    depends_on: [redis]                       # optional
  redis:
    start: [redis-server, --port, "6380"]
    daemonize: true                           # devup detaches it (see below)
    ping: { command: "redis-cli -p 6380 ping" }
"#;

#[test]
fn the_example_of_the_contract_is_valid_and_ordered() {
    let project = Project::new(SPEC_EXAMPLE);
    project
        .devup(["check"])
        .status(0)
        .stdout(
            "\
{dir}/daemons.yaml: valid, 2 daemons
start order:
  1. redis
  2. search (after redis)
",
        )
        .run();
    project
        .devup(["graph"])
        .status(0)
        .stdout(
            "\
digraph devup {
  \"search\";
  \"redis\";
  \"search\" -> \"redis\";
}
",
        )
        .run();
}
