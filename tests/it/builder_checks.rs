//! One check set: the builder and the manifest refuse the same values, for
//! the same reason, in the same words (the manifest adds the file, the line
//! and the daemon); each rule is one function of the controller.

use crate::harness;

use std::path::Path;

use devup::{DaemonController, DaemonControllerBuilder, Manifest, Ping};
use harness::*;

/// The one problem of a manifest of one daemon `web` with `keys` (and a
/// `start`, unless it is `start` that is refused), as its key and message.
fn manifest_refusal(refused: &str, keys: &str) -> (String, String) {
    let start = if refused == "start" {
        ""
    } else {
        "    start: sleep 60\n"
    };
    let text = format!("daemons:\n  web:\n{start}{keys}");
    let error = Manifest::parse_with_env(&text, Path::new("/app/daemons.yaml"), &|_| None)
        .expect_err("the manifest was accepted");
    assert_eq!(error.problems.len(), 1, "{error}");
    let problem = &error.problems[0];
    assert_eq!(problem.daemon.as_deref(), Some("web"), "{error}");
    (
        problem.key.clone().unwrap_or_default(),
        problem.message.clone(),
    )
}

#[test]
fn the_builder_and_the_manifest_refuse_the_same_values_with_the_same_message() {
    let dir = TempDir::new();
    let web = || {
        DaemonController::builder("web")
            .dir(dir.path())
            .start_command("sleep 60")
    };
    let detached = || web().daemonize(true);
    let cases: Vec<(&str, DaemonControllerBuilder, &str)> = vec![
        ("pid_file", web(), ""),
        (
            "start",
            DaemonController::builder("web").daemonize(true),
            "    daemonize: true\n",
        ),
        (
            "ping",
            detached().ping(Ping::tcp("127.0.0.1")),
            "    daemonize: true\n    ping: { tcp: \"127.0.0.1\" }\n",
        ),
        (
            "ping",
            detached().ping(Ping::http("https://127.0.0.1:1/")),
            "    daemonize: true\n    ping: { http: \"https://127.0.0.1:1/\" }\n",
        ),
        (
            "ping",
            detached().ping(Ping::log("[")),
            "    daemonize: true\n    ping: { log: \"[\" }\n",
        ),
        (
            "ping",
            web().pid_file("web.pid").ping(Ping::log("ready")),
            "    pid_file: web.pid\n    ping: { log: ready }\n",
        ),
        (
            "fail_when_log",
            detached().fail_when_log("("),
            "    daemonize: true\n    fail_when_log: \"(\"\n",
        ),
        (
            "fail_when_log",
            web().pid_file("web.pid").fail_when_log("Traceback"),
            "    pid_file: web.pid\n    fail_when_log: Traceback\n",
        ),
        (
            "env",
            detached().env("1PORT", "80"),
            "    daemonize: true\n    env: { 1PORT: \"80\" }\n",
        ),
        (
            "inputs",
            detached().inputs(["conf/[x"]),
            "    daemonize: true\n    inputs: [\"conf/[x\"]\n",
        ),
        (
            "stop",
            detached().stop_command(vec![" ", "-TERM"]),
            "    daemonize: true\n    stop: [\" \", \"-TERM\"]\n",
        ),
    ];
    for (key, builder, keys) in cases {
        let (_, built_key, reason) = config_refusal(builder);
        let (manifest_key, message) = manifest_refusal(key, keys);
        // A missing `start` or `pid_file` is a problem of the daemon, not
        // of a key it wrote.
        let written = if ["start", "pid_file"].contains(&key) {
            ""
        } else {
            key
        };
        assert_eq!(
            (built_key, manifest_key.as_str()),
            (key, written),
            "{reason}"
        );
        assert_eq!(reason, message, "{key}");
    }
}

#[test]
fn a_manifest_in_a_directory_with_a_bracket_builds_its_daemons_inputs() {
    // The resolved `inputs` are absolute, and `[1]` of the directory is no
    // glob of theirs: only what the manifest wrote is checked as one.
    let text = "daemons:\n  web:\n    start: sleep 60\n    daemonize: true\n    \
                inputs: [\"conf/*.conf\"]\n";
    let manifest =
        Manifest::parse_with_env(text, Path::new("/srv/app[1/daemons.yaml"), &|_| None).unwrap();
    let web = manifest.controller_builder("web").unwrap().build();
    assert!(web.is_ok(), "{:?}", web.err());
}
