//! Using devup from a Rust test suite: every test of this binary shares one
//! Redis, brought up by a [`devup::Session`] on first use and stopped when
//! the test binary exits, unless someone else (another test process, a
//! `devup exec`, a plain `devup`) still uses it.
//!
//! ```text
//! cargo test --example rust_test_suite       # the tests below
//! cargo run --example rust_test_suite        # one session, one PING
//! ```
//!
//! In a real project the manifest is a checked-in `daemons.yaml` and
//! [`redis`] is three lines; here it is written into a temp dir with a free
//! port, so that the example runs anywhere. Needs `redis-server` on PATH;
//! without it the tests print a skip notice (and fail under `CI=true`).

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::OnceLock;

use devup::Session;

/// The manifest: Redis on `{port}`, daemonizing itself, answering `PING`.
const MANIFEST: &str = r#"daemons:
  redis:
    env:
      REDIS_PORT: "{port}"
    before_start: mkdir -p .devup/run .devup/log .devup/redis
    start: >-
      exec redis-server --bind 127.0.0.1 --port $REDIS_PORT --daemonize yes
      --pidfile "$PWD/.devup/run/redis.pid" --logfile "$PWD/.devup/log/redis.log"
      --dir "$PWD/.devup/redis" --save "" --appendonly no
    pid_file: .devup/run/redis.pid
    log_file: .devup/log/redis.log
    ping: { tcp: "127.0.0.1:{port}" }
"#;

/// The session every test of this binary shares. A `static` is never
/// dropped, so it is handed to [`Session::end_at_exit`]: it ends when the
/// test harness exits. Should the process be killed instead, the kernel
/// drops its leases, and the next session or `devup exec` out (or
/// `devdown`) stops Redis.
pub fn redis() -> &'static Session {
    static SESSION: OnceLock<&'static Session> = OnceLock::new();
    SESSION.get_or_init(|| {
        Session::up(manifest(), &["redis"])
            .expect("redis comes up")
            .end_at_exit()
    })
}

/// The port of the session's Redis, from its resolved entry.
pub fn redis_port() -> u16 {
    let entry = redis().daemon("redis").expect("redis is in the session");
    entry.env["REDIS_PORT"].parse().expect("a port")
}

/// Sends one command to Redis and returns its first reply line.
pub fn command(args: &[&str]) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", redis_port()))?;
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.write_all(request.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if line.starts_with('$') && line != "$-1\r\n" {
        line.clear();
        reader.read_line(&mut line)?;
    }
    Ok(line.trim_end().to_string())
}

/// Writes the manifest, with a free port, into a fresh temp dir (once per
/// process). A real project returns the path of its `daemons.yaml`.
fn manifest() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("devup-rust-test-suite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let path = dir.join("daemons.yaml");
    std::fs::write(&path, MANIFEST.replace("{port}", &port.to_string())).expect("the manifest");
    path
}

fn main() -> Result<(), Box<dyn Error>> {
    let session = Session::up(manifest(), &["redis"])?;
    let port = &session.daemon("redis").expect("redis").env["REDIS_PORT"];
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}"))?;
    stream.write_all(b"PING\r\n")?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    println!("redis on 127.0.0.1:{port} answered {}", line.trim_end());
    session.end()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::command;

    /// True when redis-server is installed; otherwise a skip notice, or a
    /// failure under `CI=true`.
    fn redis_installed() -> bool {
        let found = std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if !found {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "redis-server is not installed (CI=true: it must be)"
            );
            eprintln!("rust_test_suite: skipped, redis-server is not installed");
        }
        found
    }

    #[test]
    fn set_then_get() {
        if !redis_installed() {
            return;
        }
        assert_eq!(command(&["SET", "greeting", "hello"]).unwrap(), "+OK");
        assert_eq!(command(&["GET", "greeting"]).unwrap(), "hello");
    }

    #[test]
    fn incr_counts_from_one() {
        if !redis_installed() {
            return;
        }
        assert_eq!(command(&["INCR", "counter"]).unwrap(), ":1");
        assert_eq!(command(&["INCR", "counter"]).unwrap(), ":2");
    }
}
