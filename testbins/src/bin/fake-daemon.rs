//! A fake daemon for devup's tests: it daemonizes or not, writes a pid file
//! or not, becomes ready after a delay, crashes at a chosen point, hangs,
//! ignores SIGTERM, stops slowly, forks a child that survives SIGTERM, logs
//! lines and sends `READY=1`. It owns nothing of devup; it only behaves like
//! the daemons devup has to cope with.
//!
//! What it does, in order:
//!
//! 1. prints the `--print` lines on stdout;
//! 2. `--crash-before-daemonize`: crashes (see below);
//! 3. `--daemonize`: forks; the parent exits with `--exit-code N` (default 0)
//!    at once; the child calls `setsid`, forks again, and the grandchild goes
//!    on with stdin from /dev/null and stdout/stderr appended to `--log PATH`
//!    (or /dev/null). Without `--daemonize` it stays in the foreground;
//! 4. logs `fake-daemon: starting (pid N)` to `--log PATH`;
//! 5. `--fork-child-ignoring-term`: double-forks a child into a new session
//!    that ignores SIGTERM and sleeps forever (`--child-pid-file PATH` gets
//!    its pid);
//! 6. `--crash-after-daemonize`: crashes;
//! 7. `--hang`: never becomes ready (skips 8 to 11, waits for signals);
//! 8. sleeps `--ready-after MS`;
//! 9. listens: `--listen 127.0.0.1:PORT` (answers every connection with a
//!    minimal `HTTP/1.1 200 OK`, or `--http-status N`) and `--unix PATH`;
//! 10. writes its pid to `--pid-file PATH` (temp file + rename);
//!     `--crash-after-pid-file`: crashes;
//! 11. appends each `--log-line TEXT` to the log; `--notify` sends `READY=1`
//!     to `$NOTIFY_SOCKET`;
//! 12. waits for SIGTERM/SIGINT: exits 0 after `--stop-delay MS`, removing
//!     its pid file; `--ignore-term` ignores SIGTERM (only SIGKILL or SIGINT
//!     end it).
//!
//! A crash writes `fake-daemon: crashing (<where>)` to stderr (and the log)
//! and exits 1, or with `--die-by-signal SIG` (TERM, KILL, SEGV, ABRT, INT,
//! HUP, QUIT, USR1, USR2) kills itself with that signal. `--die-by-signal`
//! without a `--crash-*` flag crashes before daemonizing.
//!
//! `--tag TEXT` does nothing: it marks the command line so tests can find
//! every process of one test in `/proc/*/cmdline` (forked children keep it).
//! `--no-pid-file` is the default, spelled out.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::time::Duration;

use nix::sys::signal::{self, SigHandler, SigSet, Signal};
use nix::unistd::{ForkResult, fork, setsid};

#[derive(Default)]
struct Options {
    print: Vec<String>,
    daemonize: bool,
    pid_file: Option<PathBuf>,
    child_pid_file: Option<PathBuf>,
    listen: Option<String>,
    unix: Option<PathBuf>,
    http_status: u16,
    ready_after: u64,
    log: Option<PathBuf>,
    log_lines: Vec<String>,
    crash_before_daemonize: bool,
    crash_after_daemonize: bool,
    crash_after_pid_file: bool,
    die_by_signal: Option<Signal>,
    hang: bool,
    ignore_term: bool,
    stop_delay: u64,
    fork_child_ignoring_term: bool,
    notify: bool,
    exit_code: i32,
}

fn usage(message: &str) -> ! {
    eprintln!("fake-daemon: {message} (see the //! doc of testbins/src/bin/fake-daemon.rs)");
    exit(2)
}

fn parse_signal(name: &str) -> Signal {
    let name = name.strip_prefix("SIG").unwrap_or(name);
    match name {
        "TERM" => Signal::SIGTERM,
        "KILL" => Signal::SIGKILL,
        "SEGV" => Signal::SIGSEGV,
        "ABRT" => Signal::SIGABRT,
        "INT" => Signal::SIGINT,
        "HUP" => Signal::SIGHUP,
        "QUIT" => Signal::SIGQUIT,
        "USR1" => Signal::SIGUSR1,
        "USR2" => Signal::SIGUSR2,
        _ => usage(&format!("unknown signal {name}")),
    }
}

fn parse_args() -> Options {
    let mut options = Options {
        http_status: 200,
        ..Options::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        let number = |text: String| -> u64 {
            text.parse()
                .unwrap_or_else(|_| usage(&format!("not a number: {text}")))
        };
        match flag.as_str() {
            "--print" => options.print.push(value()),
            "--daemonize" => options.daemonize = true,
            "--pid-file" => options.pid_file = Some(value().into()),
            "--no-pid-file" => options.pid_file = None,
            "--child-pid-file" => options.child_pid_file = Some(value().into()),
            "--listen" => options.listen = Some(value()),
            "--unix" => options.unix = Some(value().into()),
            "--http-status" => options.http_status = number(value()) as u16,
            "--ready-after" => options.ready_after = number(value()),
            "--log" => options.log = Some(value().into()),
            "--log-line" => options.log_lines.push(value()),
            "--crash-before-daemonize" => options.crash_before_daemonize = true,
            "--crash-after-daemonize" => options.crash_after_daemonize = true,
            "--crash-after-pid-file" => options.crash_after_pid_file = true,
            "--die-by-signal" => options.die_by_signal = Some(parse_signal(&value())),
            "--hang" => options.hang = true,
            "--ignore-term" => options.ignore_term = true,
            "--stop-delay" => options.stop_delay = number(value()),
            "--fork-child-ignoring-term" => options.fork_child_ignoring_term = true,
            "--notify" => options.notify = true,
            "--exit-code" => options.exit_code = number(value()) as i32,
            "--tag" => {
                value();
            }
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    if options.die_by_signal.is_some()
        && !(options.crash_after_daemonize || options.crash_after_pid_file)
    {
        options.crash_before_daemonize = true;
    }
    options
}

fn log(options: &Options, line: &str) {
    if let Some(path) = &options.log {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap_or_else(|error| usage(&format!("cannot open {}: {error}", path.display())));
        // One write per line, so concurrent writers never interleave inside a line.
        let _ = file.write_all(format!("{line}\n").as_bytes());
    }
}

fn crash(options: &Options, place: &str) -> ! {
    let message = format!("fake-daemon: crashing ({place})");
    eprintln!("{message}");
    // After daemonizing, stderr already is the log: do not write it twice.
    if !options.daemonize {
        log(options, &message);
    }
    if let Some(signal) = options.die_by_signal {
        // SAFETY: resetting a disposition to the default has no preconditions.
        unsafe {
            let _ = signal::signal(signal, SigHandler::SigDfl);
        }
        let _ = signal::sigprocmask(
            signal::SigmaskHow::SIG_UNBLOCK,
            Some(&SigSet::from(signal)),
            None,
        );
        let _ = signal::raise(signal);
    }
    exit(1)
}

fn write_pid_file(path: &Path, pid: u32) {
    let temp = path.with_extension(format!("tmp.{pid}"));
    fs::write(&temp, format!("{pid}\n"))
        .and_then(|()| fs::rename(&temp, path))
        .unwrap_or_else(|error| usage(&format!("cannot write {}: {error}", path.display())));
}

/// fork + setsid + fork; returns in the grandchild only. `parent_exit` is the
/// exit code of the original process.
fn double_fork(parent_exit: i32) {
    // SAFETY: single-threaded at this point, so the child may use any call.
    match unsafe { fork() } {
        Ok(ForkResult::Parent { .. }) => exit(parent_exit),
        Ok(ForkResult::Child) => {}
        Err(error) => usage(&format!("fork failed: {error}")),
    }
    let _ = setsid();
    // SAFETY: as above.
    match unsafe { fork() } {
        Ok(ForkResult::Parent { .. }) => exit(0),
        Ok(ForkResult::Child) => {}
        Err(error) => usage(&format!("fork failed: {error}")),
    }
}

fn redirect_stdio(options: &Options) {
    let null = File::open("/dev/null").expect("/dev/null");
    let out = match &options.log {
        Some(path) => OpenOptions::new().create(true).append(true).open(path),
        None => OpenOptions::new().write(true).open("/dev/null"),
    }
    .expect("output file");
    let _ = nix::unistd::dup2_stdin(&null);
    let _ = nix::unistd::dup2_stdout(&out);
    let _ = nix::unistd::dup2_stderr(&out);
}

fn fork_child_ignoring_term(options: &Options) {
    // SAFETY: single-threaded at this point.
    match unsafe { fork() } {
        Ok(ForkResult::Parent { child }) => {
            // Reap the intermediate process, which exits at once.
            let _ = nix::sys::wait::waitpid(child, None);
            return;
        }
        Ok(ForkResult::Child) => {}
        Err(error) => usage(&format!("fork failed: {error}")),
    }
    let _ = setsid();
    // SAFETY: as above.
    match unsafe { fork() } {
        Ok(ForkResult::Parent { .. }) => exit(0),
        Ok(ForkResult::Child) => {}
        Err(_) => exit(1),
    }
    // SAFETY: ignoring a signal has no preconditions.
    unsafe {
        let _ = signal::signal(Signal::SIGTERM, SigHandler::SigIgn);
    }
    if let Some(path) = &options.child_pid_file {
        write_pid_file(path, std::process::id());
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn serve_tcp(listener: TcpListener, status: u16) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buffer = [0u8; 1024];
            // A tcp ping connects and closes: read returns 0 and the answer is
            // simply lost.
            let _ = stream.read(&mut buffer);
            let answer = format!(
                "HTTP/1.1 {status} FAKE\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        });
    }
}

fn serve_unix(listener: UnixListener) {
    for stream in listener.incoming() {
        drop(stream);
    }
}

fn notify_ready() {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        usage("--notify without $NOTIFY_SOCKET");
    };
    let socket = UnixDatagram::unbound().expect("datagram socket");
    if let Err(error) = socket.send_to(b"READY=1\nSTATUS=ready", &path) {
        usage(&format!("sending READY=1: {error}"));
    }
}

/// Waits for SIGTERM or SIGINT (SIGTERM is ignored with `--ignore-term`),
/// then stops after `--stop-delay`.
fn wait_for_stop(options: &Options) -> ! {
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    if !options.ignore_term {
        set.add(Signal::SIGTERM);
    }
    let signal = set.wait().unwrap_or(Signal::SIGTERM);
    log(options, &format!("fake-daemon: got {signal}, stopping"));
    std::thread::sleep(Duration::from_millis(options.stop_delay));
    if let Some(path) = &options.pid_file {
        let _ = fs::remove_file(path);
    }
    exit(0)
}

fn main() {
    let options = parse_args();
    for line in &options.print {
        println!("{line}");
    }
    let _ = std::io::stdout().flush();
    if options.crash_before_daemonize {
        crash(&options, "before daemonizing");
    }
    if options.daemonize {
        double_fork(options.exit_code);
        redirect_stdio(&options);
    }
    let pid = std::process::id();
    log(&options, &format!("fake-daemon: starting (pid {pid})"));
    if options.fork_child_ignoring_term {
        fork_child_ignoring_term(&options);
    }
    if options.crash_after_daemonize {
        crash(&options, "after daemonizing");
    }
    // Block SIGTERM/SIGINT before any thread exists so every thread inherits
    // the mask and `wait_for_stop` receives them synchronously.
    let mut blocked = SigSet::empty();
    blocked.add(Signal::SIGINT);
    blocked.add(Signal::SIGTERM);
    if options.ignore_term {
        // SAFETY: ignoring a signal has no preconditions.
        unsafe {
            let _ = signal::signal(Signal::SIGTERM, SigHandler::SigIgn);
        }
    }
    let _ = blocked.thread_block();
    if options.hang {
        wait_for_stop(&options);
    }
    std::thread::sleep(Duration::from_millis(options.ready_after));
    if let Some(address) = &options.listen {
        let listener = TcpListener::bind(address)
            .unwrap_or_else(|error| usage(&format!("cannot listen on {address}: {error}")));
        let status = options.http_status;
        std::thread::spawn(move || serve_tcp(listener, status));
    }
    if let Some(path) = &options.unix {
        let _ = fs::remove_file(path);
        let listener = UnixListener::bind(path).unwrap_or_else(|error| {
            usage(&format!("cannot listen on {}: {error}", path.display()))
        });
        std::thread::spawn(move || serve_unix(listener));
    }
    if let Some(path) = &options.pid_file {
        write_pid_file(path, pid);
        if options.crash_after_pid_file {
            crash(&options, "after writing the pid file");
        }
    }
    for line in &options.log_lines {
        log(&options, line);
    }
    if options.notify {
        notify_ready();
    }
    wait_for_stop(&options);
}
