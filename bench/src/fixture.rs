//! One benchmark project: a temporary directory holding a `daemons.yaml` of
//! fake daemons on free loopback ports, and the count file they append their
//! pids to. Dropping it kills whatever fake daemon of it still runs and
//! removes the directory, so a failed row leaves nothing behind.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::child::{self, Measured};

/// One fake daemon of a manifest.
#[derive(Debug, Clone)]
pub struct Daemon {
    /// Its name in the manifest.
    pub name: String,
    /// Milliseconds before it listens.
    pub ready_after_ms: u64,
    /// Names it depends on.
    pub depends_on: Vec<String>,
    /// Whether it logs a line when it is ready.
    pub announce: bool,
    /// Whether it daemonizes itself and writes its own pid file
    /// (`daemonize: false`), the classic case.
    pub self_daemonizing: bool,
}

impl Daemon {
    /// A daemon called `name`, ready `ready_after_ms` after its spawn.
    pub fn new(name: impl Into<String>, ready_after_ms: u64) -> Self {
        Daemon {
            name: name.into(),
            ready_after_ms,
            depends_on: Vec::new(),
            announce: false,
            self_daemonizing: false,
        }
    }

    /// The same daemon, daemonizing itself with its own pid file.
    pub fn self_daemonizing(mut self) -> Self {
        self.self_daemonizing = true;
        self
    }

    /// The same daemon, logging a line when it is ready.
    pub fn announcing(mut self) -> Self {
        self.announce = true;
        self
    }

    /// The same daemon depending on `names`.
    pub fn after(mut self, names: &[&str]) -> Self {
        self.depends_on = names.iter().map(|name| name.to_string()).collect();
        self
    }
}

/// `n` independent daemons `d0`..`d{n-1}`, each ready after `ready_after_ms`.
pub fn independent(n: usize, ready_after_ms: u64) -> Vec<Daemon> {
    (0..n)
        .map(|i| Daemon::new(format!("d{i}"), ready_after_ms))
        .collect()
}

/// A temporary project directory with its manifest.
pub struct Fixture {
    dir: PathBuf,
    devup: PathBuf,
    count_file: PathBuf,
    ports: Vec<u16>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Fixture {
    /// Writes a manifest of `daemons` into a new temporary directory; each
    /// daemon runs `fake_daemon` (this benchmark binary) on a free port.
    pub fn new(devup: &Path, fake_daemon: &Path, daemons: &[Daemon]) -> io::Result<Fixture> {
        let dir = std::env::temp_dir().join(format!(
            "devup-bench-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir)?;
        let count_file = dir.join("starts.log");
        let ports = free_ports(daemons.len())?;
        let mut yaml = String::from("daemons:\n");
        for (daemon, port) in daemons.iter().zip(&ports) {
            let address = format!("127.0.0.1:{port}");
            let mut argv = vec![
                fake_daemon.display().to_string(),
                "fake-daemon".into(),
                "--listen".into(),
                address.clone(),
                "--ready-after".into(),
                daemon.ready_after_ms.to_string(),
                "--count-file".into(),
                count_file.display().to_string(),
            ];
            if daemon.announce {
                argv.push("--announce".into());
            }
            let pid_file = dir.join(format!("{}.pid", daemon.name));
            if daemon.self_daemonizing {
                argv.push("--pid-file".into());
                argv.push(pid_file.display().to_string());
            }
            let argv: Vec<String> = argv.iter().map(|arg| quote(arg)).collect();
            let _ = writeln!(yaml, "  {}:", daemon.name);
            let _ = writeln!(yaml, "    start: [{}]", argv.join(", "));
            if daemon.self_daemonizing {
                let _ = writeln!(yaml, "    daemonize: false");
                let _ = writeln!(
                    yaml,
                    "    pid_file: {}",
                    quote(&pid_file.display().to_string())
                );
            } else {
                let _ = writeln!(yaml, "    daemonize: true");
            }
            let _ = writeln!(yaml, "    ping: {{ tcp: {} }}", quote(&address));
            if !daemon.depends_on.is_empty() {
                let _ = writeln!(yaml, "    depends_on: [{}]", daemon.depends_on.join(", "));
            }
        }
        fs::write(dir.join("daemons.yaml"), yaml)?;
        Ok(Fixture {
            dir,
            devup: devup.to_path_buf(),
            count_file,
            ports,
        })
    }

    /// The project directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The loopback ports of the daemons, in manifest order.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// A `devup ARGS...` command run in this project's directory, the way a
    /// developer runs it there.
    pub fn devup(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.devup);
        command
            .args(args)
            .current_dir(&self.dir)
            .env("DEVUP_FILE", self.dir.join("daemons.yaml"))
            .env("NO_COLOR", "1");
        command
    }

    /// Where the output of the `nth` devup process goes.
    pub fn output(&self, nth: usize) -> PathBuf {
        self.dir.join(format!("devup-{nth}.out"))
    }

    /// Runs `devup ARGS...` to the end and measures it; a non-zero exit is
    /// an error carrying its output.
    pub fn run(&self, args: &[&str]) -> Result<Measured, String> {
        let output = self.output(0);
        let _ = fs::remove_file(&output);
        let running = child::spawn(&mut self.devup(args), &output)
            .map_err(|error| format!("cannot run {}: {error}", self.devup.display()))?;
        let measured = running.wait().map_err(|error| error.to_string())?;
        if measured.code != 0 {
            return Err(self.failure(&format!("devup {}", args.join(" ")), &measured, 0));
        }
        Ok(measured)
    }

    /// The message for a devup process that exited non-zero.
    pub fn failure(&self, what: &str, measured: &Measured, nth: usize) -> String {
        let output = fs::read_to_string(self.output(nth)).unwrap_or_default();
        let tail: Vec<&str> = output.lines().rev().take(6).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("`{what}` exited {}: {}", measured.code, tail.join(" / "))
    }

    /// The pids the daemons appended, one per start.
    pub fn starts(&self) -> Vec<libc::pid_t> {
        fs::read_to_string(&self.count_file)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect()
    }

    /// Kills every fake daemon of this project that still runs and forgets
    /// its starts; used after a failed `devup down` and on drop. It scans
    /// `/proc` rather than trusting the count file: a process is ours when
    /// its command line names this project's count file.
    pub fn kill_all(&self) {
        let marker = self.count_file.display().to_string();
        let pids = fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<libc::pid_t>().ok());
        for pid in pids {
            let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&marker) {
                child::signal(pid, libc::SIGKILL);
            }
        }
        let _ = fs::remove_file(&self.count_file);
        let _ = fs::remove_dir_all(self.dir.join(".devup"));
    }

    /// Forgets the starts counted so far.
    pub fn reset_count(&self) {
        let _ = fs::remove_file(&self.count_file);
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.kill_all();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// `n` distinct free loopback ports: all listeners are held until every port
/// is known, so no port is handed out twice.
pub fn free_ports(n: usize) -> io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|listener| listener.local_addr().map(|address| address.port()))
        .collect()
}

/// A YAML double-quoted scalar (JSON string syntax); `$` is doubled so that
/// devup's `${VAR}` interpolation leaves it alone.
fn quote(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "$$");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::{free_ports, quote};

    #[test]
    fn quotes_yaml_scalars_and_escapes_interpolation() {
        assert_eq!(quote(r#"a "b" \ ${HOME}"#), r#""a \"b\" \\ $${HOME}""#);
    }

    #[test]
    fn free_ports_are_distinct() {
        let mut ports = free_ports(8).unwrap();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), 8);
    }
}
