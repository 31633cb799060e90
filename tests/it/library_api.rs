//! SPEC §5, the library: the example of the contract, almost word for word;
//! a builder method for every per-daemon key of the manifest; the typed
//! errors; the manifest layer (`Manifest::load`, the plan, `up`, `down`).

use std::sync::Arc;
use std::time::Duration;

use crate::harness::*;
use devup::{DaemonController, Ping};

/// The contract's example, with the start command replaced by the fake
/// daemon (it daemonizes itself and writes `apache.pid`, as apachectl does).
#[allow(clippy::result_large_err)] // the contract's example uses `?` on devup::Error
fn the_example(dir: &TempDir, tag: &str) -> Result<(), devup::Error> {
    let address = free_address();
    let start = format!(
        "{} --tag {tag} --daemonize --pid-file apache.pid --log apache.log --listen {address}",
        fake_daemon().display()
    );
    let apache = DaemonController::builder("Apache web server")
        .dir(dir.path())
        .start_command(start.as_str())
        .ping(Ping::tcp(address.as_str()))
        .pid_file("apache.pid")
        .log_file("apache.log")
        .start_timeout(Duration::from_secs(25))
        .build()?;
    apache.start()?;
    let again = apache.start();
    assert!(
        matches!(again, Err(devup::Error::AlreadyStarted { .. })),
        "a second start: {again:?}"
    );
    assert!(apache.is_running());
    let pid = apache.pid().expect("a running daemon has a pid");
    assert!(is_alive(pid));
    let conn = apache.connect(|| std::net::TcpStream::connect(address.as_str()))?;
    drop(conn);
    apache.stop()?;
    assert!(!apache.is_running());
    assert_eq!(apache.pid(), None);
    wait_until("the daemon is gone", || !is_alive(pid));
    Ok(())
}

#[test]
fn the_example_of_the_contract_works() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    the_example(&dir, &tag).expect("the example runs");
}

#[test]
fn the_builder_has_a_method_for_every_per_daemon_key() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let address = free_address();
    let marker = dir.join("before-start-fn-ran");
    let marker_in_fn = marker.clone();
    std::fs::write(dir.join("every.env"), "FROM_FILE=yes\n").unwrap();
    let daemon = DaemonController::builder("every key")
        .start_command(fake_command(&tag, &["--listen", &address]))
        .daemonize(true)
        .pid_file("run/every.pid")
        .log_file("log/every.log")
        .lock_file("run/every.lock")
        .before_start("echo before >> before.txt")
        .before_start(vec![
            "sh".to_string(),
            "-c".into(),
            "echo argv >> before.txt".into(),
        ])
        .before_start_fn(move || std::fs::write(&marker_in_fn, "ran"))
        .stop_command("kill -USR1 \"$(cat run/every.pid)\"")
        .stop_signal("SIGINT".parse().expect("SIGINT is a stop signal"))
        .ping(Ping::tcp(address.as_str()))
        .fail_when_log("^FATAL")
        .depends_on(["nothing"])
        .dir(dir.path())
        .env("EVERY", "key")
        .env_file("every.env")
        .start_timeout(Duration::from_secs(20))
        .start_abort_timeout(Duration::from_secs(5))
        .stop_timeout(Duration::from_secs(20))
        .log_activity_timeout(Duration::from_secs(5))
        .build()
        .expect("every key builds");
    assert_eq!(daemon.spec().env["FROM_FILE"], "yes");
    let started = daemon.start().expect("the daemon starts");
    assert_eq!(
        std::fs::read_to_string(dir.join("before.txt")).unwrap(),
        "before\nargv\n"
    );
    assert!(marker.exists(), "before_start_fn ran");
    assert_eq!(
        std::fs::read_to_string(dir.join("run/every.pid"))
            .unwrap()
            .trim(),
        started.pid.to_string()
    );
    assert!(dir.join("run/every.lock").exists());
    let restarted = daemon.restart().expect("restart stops and starts it");
    assert_ne!(restarted.pid, started.pid);
    assert!(!is_alive(started.pid), "restart stopped the first process");
    assert_eq!(daemon.pid(), Some(restarted.pid));
    daemon.stop().expect("the stop command stops it");
    wait_until("the daemon is gone", || !is_alive(restarted.pid));
    assert!(!dir.join("run/every.pid").exists());
}

#[test]
fn stop_signal_names_parse_with_and_without_sig() {
    for name in ["TERM", "INT", "QUIT", "HUP", "KILL", "USR1", "USR2"] {
        let bare: devup::Signal = name.parse().expect(name);
        let prefixed: devup::Signal = format!("SIG{name}").parse().expect(name);
        assert_eq!(bare, prefixed);
    }
    assert!("STOP".parse::<devup::Signal>().is_err());
}

#[test]
fn a_custom_ping_decides_readiness() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let flag = dir.join("ready-flag");
    let flag_in_ping = flag.clone();
    let daemon = DaemonController::builder("custom")
        .dir(dir.path())
        .daemonize(true)
        .start_command(fake_command(&tag, &[]))
        .ping(Ping::custom(move || flag_in_ping.exists()))
        .start_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let writer = std::thread::spawn(move || {
        wait_until("the daemon has a pid file", || dir_has_pid_file(&flag));
        std::fs::write(&flag, "yes").unwrap();
    });
    daemon.start().expect("ready once the custom ping says so");
    assert!(dir.join("ready-flag").exists());
    writer.join().unwrap();
    daemon.stop().unwrap();
}

fn dir_has_pid_file(flag: &std::path::Path) -> bool {
    flag.parent()
        .map(|dir| dir.join(".devup/run/custom.pid").exists())
        .unwrap_or(false)
}

#[test]
fn a_failed_start_is_a_typed_error_naming_the_daemon() {
    let dir = TempDir::new();
    let daemon = DaemonController::builder("broken")
        .dir(dir.path())
        .pid_file("broken.pid")
        .start_command("echo it went wrong; exit 3")
        .build()
        .unwrap();
    let error = daemon.start().expect_err("the start command fails");
    assert!(
        matches!(error, devup::Error::StartFailed { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("broken"), "{message}");
    assert!(message.contains("it went wrong"), "{message}");
}

#[test]
fn the_manifest_layer_is_public() {
    let dir = TempDir::new();
    let (tag, _cleanup) = tagged();
    let fake = fake_daemon().display().to_string();
    std::fs::write(
        dir.join("daemons.yaml"),
        format!(
            "daemons:\n  db:\n    daemonize: true\n    start: [{fake}, --tag, {tag}]\n  \
             web:\n    daemonize: true\n    start: [{fake}, --tag, {tag}]\n    depends_on: [db]\n"
        ),
    )
    .unwrap();
    let path = devup::Manifest::discover(None, dir.path()).unwrap();
    let manifest = devup::Manifest::load(&path).unwrap();
    let plan = devup::Plan::new(&manifest).unwrap();
    let reporter: devup::run::SharedReporter = Arc::new(devup::report::QuietReporter::default());
    let abort = devup::AbortSignal::new();
    let report = devup::run::up(&plan, &manifest, &[], &reporter, &abort).unwrap();
    assert!(report.success());
    assert!(devup::run::is_running(&manifest, "web"));
    let report = devup::run::down(&plan, &manifest, &[], &reporter, &abort).unwrap();
    assert!(!devup::run::is_running(&manifest, "db"));
    drop(report);
}

#[test]
fn a_command_is_a_string_or_an_argv_in_the_usual_rust_shapes() {
    use devup::CommandLine;
    let script = String::from("redis-server conf");
    let argv = CommandLine::Argv(vec!["redis-server".into(), "conf".into()]);
    assert_eq!(
        CommandLine::from(&script),
        CommandLine::Shell(script.clone())
    );
    assert_eq!(
        CommandLine::from(script.as_str()),
        CommandLine::Shell(script.clone())
    );
    assert_eq!(CommandLine::from(vec!["redis-server", "conf"]), argv);
    assert_eq!(CommandLine::from(["redis-server", "conf"]), argv);
    assert_eq!(CommandLine::from(&["redis-server", "conf"][..]), argv);
}

#[test]
fn controllers_and_errors_cross_threads_and_box_as_std_errors() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<DaemonController>();
    send_sync::<devup::Error>();
    send_sync::<devup::Manifest>();
    send_sync::<devup::Plan>();
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(devup::Error::AlreadyStarted {
        daemon: "redis".into(),
        pid: 42,
    });
    assert!(boxed.to_string().contains("redis"));
}
