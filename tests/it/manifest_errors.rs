//! Every kind of manifest error, asserted as the whole rendered message:
//! file, line and column, daemon, key, and what would have been valid.

use std::path::Path;

use devup::manifest::Manifest;

/// The rendered error of `text`, read as `daemons.yaml`, with a fixed
/// environment (`HOME=/home/dev`, nothing else).
fn errors(text: &str) -> String {
    let env = |name: &str| (name == "HOME").then(|| "/home/dev".to_string());
    match Manifest::parse_with_env(text, Path::new("daemons.yaml"), &env) {
        Ok(_) => panic!("the manifest was accepted:\n{text}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn yaml_syntax() {
    let text = "\
daemons:
  web:
    start: x
  db: [
";
    assert_eq!(
        errors(text),
        "daemons.yaml:5:1: invalid YAML: did not find expected node content, while parsing a flow node"
    );
}

#[test]
fn duplicate_key() {
    let text = "\
daemons:
  web:
    start: x
    daemonize: true
  web:
    start: y
";
    assert_eq!(
        errors(text),
        "daemons.yaml:5:3: duplicate key `web` in `daemons`"
    );
}

#[test]
fn unknown_key_with_and_without_a_suggestion() {
    let text = "\
daemons:
  web:
    start: x
    daemonize: true
    pid_flie: web.pid
    colour: blue
";
    assert_eq!(
        errors(text),
        "daemons.yaml:5:5: daemon `web`: unknown key `pid_flie`, did you mean `pid_file`?\n\
         daemons.yaml:6:5: daemon `web`: unknown key `colour`; expected one of start, daemonize, pid_file, log_file, lock_file, before_start, stop, stop_signal, ping, fail_when_log, depends_on, dir, env, start_timeout, start_abort_timeout, stop_timeout, log_activity_timeout, env_file, inputs"
    );
}

#[test]
fn unknown_top_level_key() {
    let text = "\
deamons:
  web:
    start: x
";
    assert_eq!(
        errors(text),
        "daemons.yaml:1:1: unknown key `deamons`, did you mean `daemons`?"
    );
}

#[test]
fn wrong_types() {
    let text = "\
daemons:
  web:
    start: []
    daemonize: yes
    depends_on: db
    env: { A: [1] }
";
    assert_eq!(
        errors(text),
        "daemons.yaml:3:12: daemon `web`, key `start`: the command list is empty\n\
         daemons.yaml:4:16: daemon `web`, key `daemonize`: invalid type: string \"yes\", expected a boolean\n\
         daemons.yaml:5:17: daemon `web`, key `depends_on`: invalid type: string \"db\", expected a list\n\
         daemons.yaml:6:10: daemon `web`, key `env`: invalid type: list, expected a string, number or boolean"
    );
}

#[test]
fn missing_start() {
    let text = "\
daemons:
  web:
    daemonize: true
  db:
";
    assert_eq!(
        errors(text),
        "daemons.yaml:2:3: daemon `web`: missing `start`, the command that starts the daemon (a string, or a list for an argv)\n\
         daemons.yaml:4:3: daemon `db`: expected a map of keys (at least `start`), found nothing"
    );
}

#[test]
fn a_misspelt_start_or_pid_file_is_not_also_reported_missing() {
    let text = "\
defaults:
  daemonise: false
daemons:
  web:
    strat: x
    pid_flie: web.pid
";
    assert_eq!(
        errors(text),
        "daemons.yaml:2:3: key `defaults`: unknown key `daemonise`, did you mean `daemonize`?\n\
         daemons.yaml:5:5: daemon `web`: unknown key `strat`, did you mean `start`?\n\
         daemons.yaml:6:5: daemon `web`: unknown key `pid_flie`, did you mean `pid_file`?"
    );
}

#[test]
fn missing_pid_file_when_the_daemon_daemonizes_itself() {
    let text = "\
daemons:
  searchd:
    start: searchd --config sphinx.conf
";
    assert_eq!(
        errors(text),
        "daemons.yaml:2:3: daemon `searchd`: missing `pid_file`, required when `daemonize` is false (the start command daemonizes itself and writes it); set `pid_file`, or `daemonize: true` to let devup detach the command"
    );
}

#[test]
fn unknown_dependency_and_self_dependency() {
    let text = "\
daemons:
  web:
    start: x
    daemonize: true
    depends_on: [reddis, web, postgres]
  redis:
    start: y
    daemonize: true
";
    assert_eq!(
        errors(text),
        "daemons.yaml:5:18: daemon `web`, key `depends_on`: unknown daemon `reddis`, did you mean `redis`?\n\
         daemons.yaml:5:26: daemon `web`, key `depends_on`: the daemon depends on itself\n\
         daemons.yaml:5:31: daemon `web`, key `depends_on`: unknown daemon `postgres`; the daemons are web, redis"
    );
}

#[test]
fn dependency_cycle_is_shown_as_its_path() {
    let text = "\
defaults:
  daemonize: true
daemons:
  a:
    start: x
    depends_on: [b]
  b:
    start: x
    depends_on: [c]
  c:
    start: x
    depends_on:
      - a
";
    assert_eq!(
        errors(text),
        "daemons.yaml:6:5: daemon `a`, key `depends_on`: dependency cycle: a -> b -> c -> a"
    );
}

#[test]
fn bad_regexes() {
    let text = "\
daemons:
  web:
    start: x
    daemonize: true
    fail_when_log: \"(\"
    ping: { log: \"[\" }
";
    assert_eq!(
        errors(text),
        "daemons.yaml:5:20: daemon `web`, key `fail_when_log`: invalid regex `(`: unclosed group\n\
         daemons.yaml:6:18: daemon `web`, key `ping`: invalid regex `[`: unclosed character class"
    );
}

#[test]
fn bad_duration_and_bad_signal() {
    let text = "\
daemons:
  web:
    start: x
    daemonize: true
    start_timeout: fast
    stop_timeout: -5s
    stop_signal: TREM
";
    assert_eq!(
        errors(text),
        "daemons.yaml:5:20: daemon `web`, key `start_timeout`: invalid duration `fast`; expected a number of seconds or a number followed by ms, s or m (500ms, 15s, 2m)\n\
         daemons.yaml:6:19: daemon `web`, key `stop_timeout`: invalid duration `-5s`: it is negative; expected a number of seconds or a number followed by ms, s or m (500ms, 15s, 2m)\n\
         daemons.yaml:7:18: daemon `web`, key `stop_signal`: unknown signal `TREM`; expected one of TERM, INT, QUIT, HUP, KILL, USR1, USR2"
    );
}

#[test]
fn ping_log_or_fail_when_log_without_a_log_file() {
    let text = "\
daemons:
  web:
    start: x
    pid_file: web.pid
    fail_when_log: Traceback
    ping:
      log: listening
  worker:
    start: y
    daemonize: true
    ping: { log: ready }
";
    // `worker` has a log file: with daemonize: true it is .devup/log/worker.log.
    assert_eq!(
        errors(text),
        "daemons.yaml:5:5: daemon `web`, key `fail_when_log`: `fail_when_log` needs a log file to read; set `log_file` (with `daemonize: true` it defaults to .devup/log/NAME.log)\n\
         daemons.yaml:7:7: daemon `web`, key `ping`: `ping: log` needs a log file to read; set `log_file` (with `daemonize: true` it defaults to .devup/log/NAME.log)"
    );
}

#[test]
fn ping_with_an_unknown_kind_with_two_kinds_or_none() {
    let text = "\
defaults:
  daemonize: true
daemons:
  a:
    start: x
    ping: { tpc: \"127.0.0.1:1\" }
  b:
    start: x
    ping: { tcp: \"127.0.0.1:1\", http: \"http://127.0.0.1:1/\" }
  c:
    start: x
    ping: {}
  d:
    start: x
    ping: tcp
  e:
    start: x
    ping: { notify: false }
  f:
    start: x
    ping: { tcp: 5 }
";
    assert_eq!(
        errors(text),
        "daemons.yaml:6:13: daemon `a`, key `ping`: unknown ping kind `tpc`; expected one of tcp, unix, http, command, log, notify\n\
         daemons.yaml:9:33: daemon `b`, key `ping`: `ping` has 2 kinds, `tcp` and `http`; it takes exactly one\n\
         daemons.yaml:12:11: daemon `c`, key `ping`: `ping` is empty; expected exactly one of tcp, unix, http, command, log, notify\n\
         daemons.yaml:15:11: daemon `d`, key `ping`: expected a map with exactly one of tcp, unix, http, command, log, notify (`ping: { tcp: \"127.0.0.1:6379\" }`), found a string `tcp`\n\
         daemons.yaml:18:21: daemon `e`, key `ping`: `notify: false` is not a ping; write `notify: true`, or remove `ping`\n\
         daemons.yaml:21:18: daemon `f`, key `ping`: `tcp`: invalid type: integer `5`, expected a string"
    );
}

#[test]
fn version_other_than_one_and_no_daemons() {
    let text = "\
version: 2
daemons: {}
";
    assert_eq!(
        errors(text),
        "daemons.yaml:1:10: key `version`: unsupported version `2`; the only version is 1\n\
         daemons.yaml:2:1: key `daemons`: no daemons; add at least one under `daemons:`"
    );
}

#[test]
fn empty_or_shapeless_manifest() {
    assert_eq!(
        errors(""),
        "daemons.yaml: the manifest is empty; it needs a `daemons:` map"
    );
    assert_eq!(
        errors("- web\n"),
        "daemons.yaml:1:1: the manifest must be a map with a `daemons:` key, found a list"
    );
    assert_eq!(
        errors("version: 1\n"),
        "daemons.yaml: missing `daemons:`, the map of the daemons to start"
    );
}

#[test]
fn daemon_names_must_be_simple() {
    let text = "\
daemons:
  my web:
    start: x
    daemonize: true
";
    assert_eq!(
        errors(text),
        "daemons.yaml:2:3: daemon `my web`: a daemon name may only contain letters, digits, `_`, `.` and `-`"
    );
}

#[test]
fn unset_variable_names_the_variable_daemon_and_key() {
    let text = "\
env:
  DATA: ${DATA_DIR}/db
daemons:
  web:
    start: ${HOME}/bin/web --port ${PORT}
    daemonize: true
";
    assert_eq!(
        errors(text),
        "daemons.yaml:2:9: key `env`: environment variable `DATA_DIR` is not set; set it, or give a default with `${DATA_DIR:-default}`\n\
         daemons.yaml:5:12: daemon `web`, key `start`: environment variable `PORT` is not set; set it, or give a default with `${PORT:-default}`"
    );
}

#[test]
fn defaults_reject_start_depends_on_and_unknown_keys() {
    let text = "\
defaults:
  start: x
  depends_on: [a]
  start_timout: 5s
  stop_timeout: forever
daemons:
  a:
    start: x
    daemonize: true
";
    assert_eq!(
        errors(text),
        "daemons.yaml:2:3: key `defaults.start`: `start` cannot be a default; each daemon has its own\n\
         daemons.yaml:3:3: key `defaults.depends_on`: `depends_on` cannot be a default; each daemon has its own\n\
         daemons.yaml:4:3: key `defaults`: unknown key `start_timout`, did you mean `start_timeout`?\n\
         daemons.yaml:5:17: key `defaults.stop_timeout`: invalid duration `forever`; expected a number of seconds or a number followed by ms, s or m (500ms, 15s, 2m)"
    );
}

#[test]
fn every_problem_of_the_file_is_reported_at_once_in_file_order() {
    let text = "\
daemons:
  web:
    start: x
    daemonize: true
    depends_on: [db]
    ping: { htp: \"http://127.0.0.1:1/\" }
  db:
    start: y
    daemonize: true
    depends_on: [web]
    stop_signal: STOP
";
    assert_eq!(
        errors(text),
        "daemons.yaml:5:5: daemon `web`, key `depends_on`: dependency cycle: web -> db -> web\n\
         daemons.yaml:6:13: daemon `web`, key `ping`: unknown ping kind `htp`; expected one of tcp, unix, http, command, log, notify\n\
         daemons.yaml:11:18: daemon `db`, key `stop_signal`: unknown signal `STOP`; expected one of TERM, INT, QUIT, HUP, KILL, USR1, USR2"
    );
}

#[test]
fn a_missing_file_is_named() {
    let error = Manifest::load(Path::new("/nonexistent/devup/daemons.yaml")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "/nonexistent/devup/daemons.yaml: cannot read the manifest: no such file"
    );
}

#[test]
fn a_key_without_a_value() {
    let text = "\
defaults:
daemons:
  web:
    start: x
    daemonize:
    env:
";
    assert_eq!(
        errors(text),
        "daemons.yaml:1:1: key `defaults`: no value; give it one, or remove the key\n\
         daemons.yaml:5:5: daemon `web`, key `daemonize`: no value; give it one, or remove the key\n\
         daemons.yaml:6:5: daemon `web`, key `env`: no value; give it one, or remove the key"
    );
}

#[test]
fn positions_hold_in_flow_and_json_styles_too() {
    assert_eq!(
        errors("{daemons: {web: {start: x, daemonize: true, pid_flie: a}}}\n"),
        "daemons.yaml:1:45: daemon `web`: unknown key `pid_flie`, did you mean `pid_file`?"
    );
    let json = "\
{
  \"daemons\": {
    \"web\": {
      \"start\": [\"serve\"],
      \"daemonize\": true,
      \"stop_timeout\": \"soon\"
    }
  }
}
";
    assert_eq!(
        errors(json),
        "daemons.yaml:6:23: daemon `web`, key `stop_timeout`: invalid duration `soon`; expected a number of seconds or a number followed by ms, s or m (500ms, 15s, 2m)"
    );
}

#[test]
fn comments_quoted_keys_and_block_scalars_do_not_move_positions() {
    let text = "\
---
# daemons: not a key
daemons:   # web: not a key either
  \"web\":
    'start': >
      serve
      colour: blue
    daemonize: true
    colour: red   # this one is a key
";
    assert_eq!(
        errors(text),
        "daemons.yaml:9:5: daemon `web`: unknown key `colour`; expected one of start, daemonize, pid_file, log_file, lock_file, before_start, stop, stop_signal, ping, fail_when_log, depends_on, dir, env, start_timeout, start_abort_timeout, stop_timeout, log_activity_timeout, env_file, inputs"
    );
}

#[test]
fn a_variable_inside_a_flow_list_must_be_quoted() {
    let text = "\
daemons:
  web:
    start: [serve, ${PORT}]
";
    assert_eq!(
        errors(text),
        "daemons.yaml:3:21: invalid YAML: did not find expected ',' or ']', while parsing a flow sequence; inside `[...]` or `{...}`, quote a value that uses `${VAR}`"
    );
}

#[test]
fn a_directory_is_not_a_manifest() {
    let dir = std::env::temp_dir();
    let error = Manifest::load(&dir).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: cannot read the manifest: it is a directory",
            dir.display()
        )
    );
}

#[test]
fn absurd_nesting_is_an_error_not_a_crash() {
    let text = format!("daemons: {}\n", "[".repeat(1000));
    let message = errors(&text);
    assert!(
        message.starts_with("daemons.yaml:1:")
            && message.contains("invalid YAML: recursion limit exceeded"),
        "{message}"
    );
}

#[test]
fn environment_variable_names_must_be_names() {
    let text = "\
env:
  RAILS ENV: development
daemons:
  web:
    start: x
    daemonize: true
    env:
      1PORT: 80
      OK_NAME: 1
";
    assert_eq!(
        errors(text),
        "daemons.yaml:2:3: key `env`: `RAILS ENV` is not a variable name; use letters, digits and `_`, not starting with a digit\n\
         daemons.yaml:8:7: daemon `web`, key `env`: `1PORT` is not a variable name; use letters, digits and `_`, not starting with a digit"
    );
}
