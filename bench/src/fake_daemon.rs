//! The daemon the benchmark starts: `devup-bench fake-daemon --listen ADDR
//! --ready-after MS [--announce] [--count-file PATH] [--lifetime SECS]
//! [--pid-file PATH]`. With `--pid-file` it daemonizes itself first (fork,
//! the parent exits 0, the child calls setsid and writes the pid file). It
//! appends its pid to the count file (one line per start, so a test of
//! "started exactly once" counts lines), sleeps `--ready-after`, then binds
//! `--listen` and accepts connections until it is killed. It writes nothing
//! unless `--announce` asks for a "ready" line on stdout (its log under
//! devup) once it listens: silent, devup can only notice readiness by its
//! pings; announcing, a log watch may notice it at once. SIGTERM keeps its default action,
//! so its own shutdown time is the kernel's. `--lifetime` (default 600 s) is a
//! safety net: a daemon the benchmark lost exits on its own.
//!
//! It lives in the benchmark binary itself so that the benchmark needs no
//! other program and its floor and devup's runs exec the very same file.

use std::fs::OpenOptions;
use std::io::Write;
use std::net::TcpListener;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

/// What the command line asked for.
struct Options {
    listen: String,
    ready_after: Duration,
    count_file: Option<String>,
    lifetime: Duration,
    announce: bool,
    pid_file: Option<String>,
}

/// Runs the fake daemon with the arguments after `fake-daemon`.
pub fn main(args: &[String]) -> ExitCode {
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("fake-daemon: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &options.pid_file
        && let Err(message) = daemonize(path)
    {
        eprintln!("fake-daemon: {message}");
        return ExitCode::from(1);
    }
    if let Some(path) = &options.count_file {
        // O_APPEND writes of one short line are atomic, so concurrent
        // starts never interleave their lines.
        let line = format!("{}\n", std::process::id());
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        if let Err(error) = written {
            eprintln!("fake-daemon: cannot append to {path}: {error}");
            return ExitCode::from(1);
        }
    }
    let lifetime = options.lifetime;
    thread::spawn(move || {
        thread::sleep(lifetime);
        std::process::exit(0);
    });
    thread::sleep(options.ready_after);
    let listener = match TcpListener::bind(&options.listen) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("fake-daemon: cannot listen on {}: {error}", options.listen);
            return ExitCode::from(1);
        }
    };
    if options.announce {
        println!("fake-daemon: ready on {}", options.listen);
    }
    for connection in listener.incoming() {
        drop(connection);
    }
    ExitCode::SUCCESS
}

/// Goes into the background the classic way (the seed's case): fork, the
/// parent exits 0 at once, the child starts a session and writes its pid
/// to `pid_file`. Called before any thread exists.
fn daemonize(pid_file: &str) -> Result<(), String> {
    // SAFETY: fork in a single-threaded process; the child only goes on
    // with ordinary Rust code.
    match unsafe { libc::fork() } {
        -1 => return Err(format!("fork: {}", std::io::Error::last_os_error())),
        0 => {}
        // SAFETY: _exit ends the parent without running anything else.
        _ => unsafe { libc::_exit(0) },
    }
    // SAFETY: setsid in the new child, which leads no group.
    unsafe { libc::setsid() };
    std::fs::write(pid_file, format!("{}\n", std::process::id()))
        .map_err(|error| format!("cannot write {pid_file}: {error}"))
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut listen = None;
    let mut ready_after = Duration::ZERO;
    let mut count_file = None;
    let mut lifetime = Duration::from_secs(600);
    let mut announce = false;
    let mut pid_file = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => listen = Some(value()?),
            "--ready-after" => ready_after = Duration::from_millis(number(flag, &value()?)?),
            "--count-file" => count_file = Some(value()?),
            "--announce" => announce = true,
            "--pid-file" => pid_file = Some(value()?),
            "--lifetime" => lifetime = Duration::from_secs(number(flag, &value()?)?),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Options {
        listen: listen.ok_or("--listen ADDR is required")?,
        ready_after,
        count_file,
        lifetime,
        announce,
        pid_file,
    })
}

fn number(flag: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} wants a whole number, not {value:?}"))
}
