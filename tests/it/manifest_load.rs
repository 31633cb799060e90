//! Loading valid manifests: interpolation, `defaults:` and `env:` merging,
//! paths resolved against the manifest's directory, order kept, discovery,
//! and the controller builder each daemon turns into.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use devup::manifest::Manifest;
use devup::{CommandLine, Ping, Signal};

/// A directory of its own under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("devup-manifest-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Canonical, so that comparisons hold where the temp dir is a symlink.
        TempDir(dir.canonicalize().unwrap())
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn env(name: &str) -> Option<String> {
    match name {
        "HOME" => Some("/home/dev".into()),
        "PORT" => Some("7000".into()),
        _ => None,
    }
}

fn parse_at(path: &Path, text: &str) -> Manifest {
    Manifest::parse_with_env(text, path, &env).unwrap_or_else(|error| panic!("{error}"))
}

fn parse(text: &str) -> Manifest {
    parse_at(Path::new("/srv/app/daemons.yaml"), text)
}

#[test]
fn the_daemons_keep_the_order_of_the_file() {
    let manifest = parse(
        "daemons:\n  zeta: { start: z, daemonize: true }\n  alpha: { start: a, daemonize: true }\n  mid: { start: m, daemonize: true }\n",
    );
    let names: Vec<&str> = manifest.daemons.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["zeta", "alpha", "mid"]);
    assert_eq!(manifest.path, Path::new("/srv/app/daemons.yaml"));
    assert_eq!(manifest.dir, Path::new("/srv/app"));
}

#[test]
fn a_byte_order_mark_before_the_manifest_is_skipped() {
    // As some Windows editors save it: the block mapping was refused as
    // "more than one document".
    let manifest = parse("\u{feff}version: 1\ndaemons:\n  web: { start: w, daemonize: true }\n");
    let names: Vec<&str> = manifest.daemons.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["web"]);
}

#[test]
fn strings_are_interpolated_and_bare_names_left_for_the_shell() {
    let manifest = parse(
        "\
env:
  DATA: ${HOME}/data
daemons:
  web:
    start: serve --port ${PORT} --workers ${WORKERS:-4} --home $HOME --price $$5
    daemonize: true
    ping: { http: \"http://127.0.0.1:${PORT}/\" }
    env:
      CACHE: ${CACHE_DIR:-/tmp/cache}
",
    );
    let web = manifest.daemon("web").unwrap();
    assert_eq!(
        web.start,
        CommandLine::Shell("serve --port 7000 --workers 4 --home $HOME --price $5".into())
    );
    assert_eq!(
        web.ping.as_ref().unwrap().to_string(),
        "http http://127.0.0.1:7000/"
    );
    assert_eq!(web.env["DATA"], "/home/dev/data");
    assert_eq!(web.env["CACHE"], "/tmp/cache");
}

#[test]
fn defaults_apply_under_each_daemon_and_env_layers_merge() {
    let manifest = parse(
        "\
env:
  RAILS_ENV: development
  LEVEL: top
  PORT: 80
defaults:
  start_timeout: 1.5
  stop_signal: SIGINT
  daemonize: true
  env:
    LEVEL: defaults
    FROM_DEFAULTS: \"yes\"
daemons:
  web:
    start: [rails, server]
    stop_timeout: 500ms
    env:
      LEVEL: daemon
  db:
    start: postgres
    daemonize: false
    pid_file: tmp/pg.pid
    start_timeout: 2m
    stop_signal: QUIT
",
    );
    let web = manifest.daemon("web").unwrap();
    assert_eq!(
        web.start,
        CommandLine::Argv(vec!["rails".into(), "server".into()])
    );
    assert!(web.daemonize);
    assert_eq!(web.start_timeout, Duration::from_millis(1500));
    assert_eq!(web.stop_timeout, Duration::from_millis(500));
    assert_eq!(web.start_abort_timeout, Duration::from_secs(10));
    assert_eq!(web.log_activity_timeout, Duration::from_secs(10));
    assert_eq!(web.stop_signal, Signal::Int);
    let expected: BTreeMap<String, String> = [
        ("FROM_DEFAULTS", "yes"),
        ("LEVEL", "daemon"),
        ("PORT", "80"),
        ("RAILS_ENV", "development"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(web.env, expected);
    let db = manifest.daemon("db").unwrap();
    assert!(!db.daemonize);
    assert_eq!(db.start_timeout, Duration::from_secs(120));
    assert_eq!(db.stop_timeout, Duration::from_secs(30));
    assert_eq!(db.stop_signal, Signal::Quit);
    assert_eq!(db.env["LEVEL"], "defaults");
}

#[test]
fn relative_paths_resolve_against_the_manifest_directory() {
    let manifest = parse(
        "\
daemons:
  search:
    start: searchd -c config/sphinx.conf
    before_start:
      - ruby script/conf.rb
      - [touch, tmp/ready]
    stop: [searchd, --stop]
    pid_file: tmp/pids/searchd.pid
    log_file: log/searchd.log
    lock_file: /var/lock/searchd.lock
    dir: ../shared
    ping: { unix: tmp/search.sock }
    fail_when_log: FATAL
  redis:
    start: [redis-server, --port, 6380]
    daemonize: true
    ping: { command: redis-cli -p 6380 ping }
",
    );
    let search = manifest.daemon("search").unwrap();
    assert_eq!(search.pid_file, Path::new("/srv/app/tmp/pids/searchd.pid"));
    assert_eq!(
        search.log_file.as_deref(),
        Some(Path::new("/srv/app/log/searchd.log"))
    );
    assert_eq!(search.lock_file, Path::new("/var/lock/searchd.lock"));
    assert_eq!(search.dir, Path::new("/srv/app/../shared"));
    assert_eq!(
        search.state_file,
        Path::new("/srv/app/.devup/state/search.state")
    );
    assert_eq!(
        search.ping.as_ref().unwrap().to_string(),
        "unix /srv/app/tmp/search.sock"
    );
    assert_eq!(
        search.fail_when_log.as_ref().map(|regex| regex.as_str()),
        Some("FATAL")
    );
    assert_eq!(
        search
            .before_start
            .iter()
            .map(|step| step.command().cloned())
            .collect::<Option<Vec<_>>>()
            .unwrap(),
        [
            CommandLine::Shell("ruby script/conf.rb".into()),
            CommandLine::Argv(vec!["touch".into(), "tmp/ready".into()]),
        ]
    );
    assert_eq!(
        search.stop,
        Some(CommandLine::Argv(vec!["searchd".into(), "--stop".into()]))
    );
    assert!(!search.daemonize);

    // daemonize: true puts the pid file and the log under the manifest's
    // .devup/, and the lock next to the pid file.
    let redis = manifest.daemon("redis").unwrap();
    assert_eq!(
        redis.start,
        CommandLine::Argv(vec!["redis-server".into(), "--port".into(), "6380".into()])
    );
    assert_eq!(redis.pid_file, Path::new("/srv/app/.devup/run/redis.pid"));
    assert_eq!(
        redis.log_file.as_deref(),
        Some(Path::new("/srv/app/.devup/log/redis.log"))
    );
    assert_eq!(
        redis.lock_file,
        Path::new("/srv/app/.devup/run/redis.pid.lock")
    );
    assert_eq!(redis.dir, Path::new("/srv/app"));
    assert_eq!(
        redis.ping.as_ref().unwrap().to_string(),
        "command `redis-cli -p 6380 ping`"
    );
}

#[test]
fn the_controller_builder_carries_every_key() {
    let manifest = parse(
        "\
daemons:
  web:
    start: [python3, -m, http.server]
    daemonize: true
    dir: site
    depends_on: [db]
    ping: { tcp: \"127.0.0.1:8000\" }
    stop_signal: HUP
    stop_timeout: 3s
    fail_when_log: Traceback
    env: { A: b }
  db:
    start: pg_ctl start
    pid_file: pg.pid
    stop: pg_ctl stop
    ping: { notify: true }
",
    );
    let web = manifest.controller_builder("web").unwrap().build().unwrap();
    let spec = web.spec();
    assert_eq!(spec.name, "web");
    assert!(spec.daemonize);
    assert_eq!(spec.pid_file, Path::new("/srv/app/.devup/run/web.pid"));
    assert_eq!(
        spec.log_file.as_deref(),
        Some(Path::new("/srv/app/.devup/log/web.log"))
    );
    assert_eq!(
        spec.lock_file,
        Path::new("/srv/app/.devup/run/web.pid.lock")
    );
    assert_eq!(
        spec.state_file,
        Path::new("/srv/app/.devup/state/web.state")
    );
    assert_eq!(spec.dir, Path::new("/srv/app/site"));
    assert_eq!(spec.depends_on, ["db"]);
    assert_eq!(spec.stop_signal, Signal::Hup);
    assert_eq!(spec.stop_timeout, Duration::from_secs(3));
    assert_eq!(spec.fail_when_log.as_ref().unwrap().as_str(), "Traceback");
    assert_eq!(spec.env["A"], "b");
    assert!(matches!(&spec.ping, Some(Ping::Tcp(address)) if address == "127.0.0.1:8000"));

    let db = manifest.controller_builder("db").unwrap().build().unwrap();
    let spec = db.spec();
    assert_eq!(spec.pid_file, Path::new("/srv/app/pg.pid"));
    assert_eq!(spec.log_file, None);
    assert_eq!(spec.stop, Some(CommandLine::Shell("pg_ctl stop".into())));
    assert!(matches!(spec.ping, Some(Ping::Notify)));
    assert!(manifest.controller_builder("nope").is_none());
}

#[test]
fn discovery_finds_the_nearest_manifest_from_a_subdirectory() {
    let tmp = TempDir::new();
    let manifest = tmp.write(
        "daemons.yml",
        "daemons:\n  a: { start: x, daemonize: true }\n",
    );
    let sub = tmp.0.join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    assert_eq!(Manifest::discover_with(None, None, &sub).unwrap(), manifest);
    // daemons.yaml wins over daemons.yml in the same directory, and a
    // nearer directory wins over a farther one.
    let yaml = tmp.write(
        "daemons.yaml",
        "daemons:\n  b: { start: x, daemonize: true }\n",
    );
    assert_eq!(Manifest::discover_with(None, None, &sub).unwrap(), yaml);
    let nearer = tmp.write(
        "src/daemons.yaml",
        "daemons:\n  c: { start: x, daemonize: true }\n",
    );
    assert_eq!(Manifest::discover_with(None, None, &sub).unwrap(), nearer);
    let loaded = Manifest::load(&nearer).unwrap();
    assert_eq!(loaded.daemons[0].name, "c");
    assert_eq!(
        loaded.daemons[0].pid_file,
        tmp.0.join("src/.devup/run/c.pid")
    );
}

#[test]
fn discovery_prefers_the_flag_then_devup_file() {
    let tmp = TempDir::new();
    tmp.write(
        "daemons.yaml",
        "daemons:\n  a: { start: x, daemonize: true }\n",
    );
    let other = tmp.write(
        "ci/other.yaml",
        "daemons:\n  b: { start: x, daemonize: true }\n",
    );
    let flagged = tmp.write(
        "flagged.yaml",
        "daemons:\n  c: { start: x, daemonize: true }\n",
    );
    let devup_file = std::ffi::OsString::from("ci/other.yaml");
    assert_eq!(
        Manifest::discover_with(None, Some(&devup_file), &tmp.0).unwrap(),
        other
    );
    assert_eq!(
        Manifest::discover_with(Some(Path::new("flagged.yaml")), Some(&devup_file), &tmp.0)
            .unwrap(),
        flagged
    );
    // An empty $DEVUP_FILE is as good as none.
    let empty = std::ffi::OsString::new();
    assert_eq!(
        Manifest::discover_with(None, Some(&empty), &tmp.0).unwrap(),
        tmp.0.join("daemons.yaml")
    );
}

#[test]
fn discovery_errors_name_what_was_looked_for() {
    let tmp = TempDir::new();
    let error = Manifest::discover_with(Some(Path::new("missing.yaml")), None, &tmp.0).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}/missing.yaml: no such file (the manifest named by -f)",
            tmp.0.display()
        )
    );
    let devup_file = std::ffi::OsString::from("nope.yaml");
    let error = Manifest::discover_with(None, Some(&devup_file), &tmp.0).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}/nope.yaml: no such file (the manifest named by $DEVUP_FILE)",
            tmp.0.display()
        )
    );
    // The temp dir's parents might hold a daemons.yaml; the root has none.
    let error = Manifest::discover_with(None, None, Path::new("/")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "/: no daemons.yaml or daemons.yml in this directory or any parent; create one, or name one with -f PATH or $DEVUP_FILE"
    );
}

#[test]
fn the_example_manifest_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("daemons.example.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# yaml-language-server: $schema=schema/daemons.schema.json\n"));
    let manifest = Manifest::load(&path).unwrap();
    let names: Vec<&str> = manifest.daemons.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["files", "site"]);
    let files = manifest.daemon("files").unwrap();
    let site = manifest.daemon("site").unwrap();
    assert!(files.daemonize && site.daemonize);
    assert_eq!(site.depends_on, ["files"]);
    assert!(matches!(&files.ping, Some(Ping::Tcp(address)) if address == "127.0.0.1:47311"));
    assert!(
        matches!(&site.ping, Some(Ping::Http(url)) if url.as_str() == "http://127.0.0.1:47312/")
    );
    assert_eq!(files.start.argv()[0], "python3");
    assert_eq!(files.pid_file, manifest.dir.join(".devup/run/files.pid"));
    for daemon in &manifest.daemons {
        manifest
            .controller_builder(&daemon.name)
            .unwrap()
            .build()
            .unwrap();
    }
}

#[test]
fn yaml_anchors_and_merge_keys_reuse_keys() {
    let manifest = parse(
        "\
daemons:
  web1: &web
    start: [serve, --port, \"9001\"]
    daemonize: true
    stop_timeout: 2s
  web2:
    <<: *web
    start: [serve, --port, \"9002\"]
",
    );
    let web2 = manifest.daemon("web2").unwrap();
    assert_eq!(web2.start.argv(), ["serve", "--port", "9002"]);
    assert!(web2.daemonize);
    assert_eq!(web2.stop_timeout, Duration::from_secs(2));
}

#[test]
fn a_resolved_daemon_and_task_serialize_as_the_manifest_reads() {
    let manifest = parse(
        "env: { MODE: dev }\n\
         daemons:\n  web:\n    start: [bin/web, --port, \"8080\"]\n    daemonize: true\n    \
         before_start: [make assets]\n    ping: { http: \"http://127.0.0.1:8080/up\" }\n    \
         fail_when_log: \"^FATAL\"\n    stop_signal: INT\n    depends_on: [assets]\n    \
         inputs: [config/*.toml]\n\
         tasks:\n  assets: { run: make, timeout: 2m }\n",
    );
    let web = serde_json::to_value(manifest.daemon("web").unwrap()).unwrap();
    let secs = |secs: u64| serde_json::json!({"secs": secs, "nanos": 0});
    assert_eq!(
        web,
        serde_json::json!({
            "name": "web",
            // Commands in the fingerprint's form, which must not change.
            "start": {"Argv": ["bin/web", "--port", "8080"]},
            "daemonize": true,
            "pid_file": "/srv/app/.devup/run/web.pid",
            "log_file": "/srv/app/.devup/log/web.log",
            "lock_file": "/srv/app/.devup/run/web.pid.lock",
            "state_file": "/srv/app/.devup/state/web.state",
            "before_start": [{"Shell": "make assets"}],
            "stop": null,
            "stop_signal": "INT",
            "ping": {"http": "http://127.0.0.1:8080/up"},
            "fail_when_log": "^FATAL",
            "depends_on": ["assets"],
            "dir": "/srv/app",
            "env": {"MODE": "dev"},
            "start_timeout": secs(30),
            "start_abort_timeout": secs(10),
            "stop_timeout": secs(30),
            "log_activity_timeout": secs(10),
            "inputs": ["/srv/app/config/*.toml"],
        })
    );
    let assets = serde_json::to_value(manifest.task("assets").unwrap()).unwrap();
    assert_eq!(
        assets,
        serde_json::json!({
            "name": "assets",
            "depends_on": [],
            "run": {"Shell": "make"},
            "dir": "/srv/app",
            "env": {"MODE": "dev"},
            "inputs": [],
            "timeout": secs(120),
            "record_file": "/srv/app/.devup/state/assets.task",
            "lock_file": "/srv/app/.devup/state/assets.task.lock",
        })
    );
}
