//! SPEC §5 "a method for every per-daemon key": the builder's `env_file`,
//! with the manifest key's semantics: dotenv files read at `build()`,
//! relative to the daemon's `dir`, a later file winning, all of them under
//! the variables given to `env`; a missing or malformed file is refused.

use crate::harness;

use std::time::Duration;

use devup::{DaemonController, Ping};
use harness::*;

#[test]
fn env_file_variables_reach_the_daemon_under_its_own_env() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    std::fs::write(dir.join("app.env"), "A=from-file\nB=from-file\n").unwrap();
    std::fs::create_dir(dir.join("conf")).unwrap();
    std::fs::write(
        dir.join("conf/more.env"),
        "# a later file wins\nexport B=later-file\nC='quoted #x'\n",
    )
    .unwrap();
    let script =
        format!(": {tag}; echo \"$A|$B|$C|$D\" > seen.tmp; mv seen.tmp seen; exec sleep 60");
    let daemon = DaemonController::builder("envy")
        .dir(dir.path())
        .daemonize(true)
        .start_command(vec!["sh".to_string(), "-c".into(), script])
        .ping(Ping::command("test -f seen"))
        .env_file("app.env")
        .env_file(dir.join("conf/more.env"))
        .env("A", "own")
        .env("D", "own")
        .start_timeout(Duration::from_secs(20))
        .build()
        .expect("the env files are read");
    let env: Vec<(&str, &str)> = daemon
        .spec()
        .env
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    assert_eq!(
        env,
        [
            ("A", "own"),
            ("B", "later-file"),
            ("C", "quoted #x"),
            ("D", "own")
        ]
    );
    daemon.start().expect("the daemon starts");
    assert_eq!(
        std::fs::read_to_string(dir.join("seen")).unwrap(),
        "own|later-file|quoted #x|own\n"
    );
    daemon.stop().expect("the daemon stops");
    assert_nothing_running(&tag);
}

#[test]
fn a_missing_or_malformed_env_file_is_refused_at_build_naming_the_file_and_line() {
    let dir = TempDir::new();
    std::fs::write(dir.join("bad.env"), "A=1\nnot a line\n").unwrap();
    let builder = || {
        DaemonController::builder("envy")
            .dir(dir.path())
            .daemonize(true)
            .start_command("sleep 60")
    };
    assert_eq!(
        config_refusal(builder().env_file("missing.env")),
        (
            "envy".to_string(),
            "env_file",
            "cannot read env_file `missing.env`: no such file".to_string()
        )
    );
    assert_eq!(
        config_refusal(builder().env_file("bad.env")),
        (
            "envy".to_string(),
            "env_file",
            "env_file `bad.env`, line 2: expected KEY=VALUE, found `not a line`".to_string()
        )
    );
    assert_eq!(
        config_refusal(builder().env_file(".")).2,
        "cannot read env_file `.`: not a regular file"
    );
}
