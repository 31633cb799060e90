//! Fake daemons for the library tests: a tag that marks a test's
//! processes (and kills them when the test ends), builders for a
//! controller of the fake daemon of `testbins/` ([`fake`],
//! [`daemonizing`], [`listening`]), a recorder of a controller's events,
//! and the assertions on a controller's results.

use crate::harness::{TempDir, procs, programs};

/// A tag unique to this call, to pass as `--tag TAG` to the fake daemon.
pub fn unique_tag() -> String {
    crate::harness::dispositions::reset();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!(
        "tag-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Kills a test's processes (those carrying the tag) when dropped, so a
/// failing test leaves nothing behind.
pub struct KillOnDrop(pub String);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        procs::kill_all(&procs::tagged(&self.0));
    }
}

/// A test's processes: a unique tag, SIGKILLed when the test ends.
pub fn tagged() -> (String, KillOnDrop) {
    let tag = unique_tag();
    (tag.clone(), KillOnDrop(tag))
}

/// A loopback address with a port nobody listens on right now and no other
/// test of this process got (see `ports.rs`).
pub fn free_address() -> String {
    format!("127.0.0.1:{}", crate::harness::free_port())
}

/// Waits until some process carries `tag`; `what` names that moment in
/// the failure message.
#[track_caller]
pub fn wait_until_tagged_runs(what: &str, tag: &str) {
    crate::harness::wait_until(what, || !procs::tagged(tag).is_empty());
}

/// Asserts that `pid` is the one process carrying `tag` (see
/// [`assert_instances`]).
#[track_caller]
pub fn assert_one_instance(tag: &str, pid: u32) {
    assert_instances(tag, &[pid]);
}

/// Asserts that the processes carrying `tag` are `pids`. A self-daemonizing
/// fake forks twice, and its middle process may not have exited yet when
/// the daemon is ready (its exit is not what a start waits for), so it is
/// waited out; a process that should not be there never goes and fails
/// the test with the list.
#[track_caller]
pub fn assert_instances(tag: &str, pids: &[u32]) {
    let mut expected = pids.to_vec();
    expected.sort_unstable();
    let running = || {
        let mut running = procs::tagged(tag);
        running.sort_unstable();
        running
    };
    crate::harness::waiting::wait_for_showing(
        &format!("the processes carrying {tag} are just the daemons {expected:?}"),
        crate::harness::DEADLINE,
        || running() == expected,
        || format!("they are {:?}", running()),
    );
}

/// A fake daemon's command line: `fake-daemon --tag TAG ARGS...`.
pub fn fake_command(tag: &str, args: &[&str]) -> Vec<String> {
    let mut argv = vec![
        programs::fake_daemon().display().to_string(),
        "--tag".into(),
        tag.into(),
    ];
    argv.extend(args.iter().map(|arg| arg.to_string()));
    argv
}

/// A builder for a daemon called "fake" in `dir`, started as
/// `fake-daemon --tag TAG ARGS...`.
pub fn fake(dir: &TempDir, tag: &str, args: &[&str]) -> devup::DaemonControllerBuilder {
    devup::DaemonController::builder("fake")
        .dir(dir.path())
        .start_command(fake_command(tag, args))
}

/// A builder for a fake daemon that forks into the background and writes
/// `fake.pid`, the pid file the builder watches: `fake-daemon --tag TAG
/// --daemonize --pid-file fake.pid ARGS...`.
pub fn daemonizing(dir: &TempDir, tag: &str, args: &[&str]) -> devup::DaemonControllerBuilder {
    let argv = [&["--daemonize", "--pid-file", "fake.pid"][..], args].concat();
    fake(dir, tag, &argv).pid_file("fake.pid")
}

/// A [`daemonizing`] fake daemon that listens on `address` and is ready
/// once it accepts a TCP connection there.
pub fn listening(
    dir: &TempDir,
    tag: &str,
    address: &str,
    args: &[&str],
) -> devup::DaemonControllerBuilder {
    let argv = [&["--listen", address][..], args].concat();
    daemonizing(dir, tag, &argv).ping(devup::Ping::tcp(address))
}

/// Collects a controller's events.
#[derive(Clone, Default)]
pub struct Events(std::sync::Arc<std::sync::Mutex<Vec<devup::Event>>>);

impl Events {
    /// An observer to hand to a controller's builder.
    pub fn observer(&self) -> impl Fn(&devup::Event) + Send + Sync + 'static {
        let events = self.0.clone();
        move |event| events.lock().unwrap().push(event.clone())
    }

    /// Every event so far.
    pub fn all(&self) -> Vec<devup::Event> {
        self.0.lock().unwrap().clone()
    }
}

/// The reason of a `StartFailed`; any other result fails the test.
#[track_caller]
pub fn start_failure_reason<T: std::fmt::Debug>(result: &devup::Result<T>) -> String {
    match result {
        Err(devup::Error::StartFailed { reason, .. }) => reason.clone(),
        other => panic!("expected StartFailed, got {other:?}"),
    }
}

/// What `build()` refuses: the daemon, the key and the reason of its
/// `Error::Config`; anything else fails the test.
#[track_caller]
pub fn config_refusal(builder: devup::DaemonControllerBuilder) -> (String, &'static str, String) {
    match builder.build() {
        Err(devup::Error::Config {
            daemon,
            key,
            reason,
        }) => (daemon, key, reason),
        Err(other) => panic!("expected a configuration error, got: {other}"),
        Ok(_) => panic!("the builder accepted it"),
    }
}

/// Asserts that `result` is the `Interrupted` error of the daemon "fake".
#[track_caller]
pub fn assert_interrupted<T: std::fmt::Debug>(result: devup::Result<T>) {
    match result {
        Err(devup::Error::Interrupted { daemon }) => assert_eq!(daemon, "fake"),
        other => panic!("expected Interrupted, got {other:?}"),
    }
}
