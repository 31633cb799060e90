//! The seed's Tutorial 1, in Rust: a test harness for an Apache module. Each
//! test writes an Apache configuration with the directive under test set to
//! a value, starts Apache with devup's library, sends an HTTP request, checks
//! the answer, and stops Apache — `start` returns only once Apache accepts
//! connections, `stop` only once its processes are gone.
//!
//! ```text
//! cargo run --example apache_test_harness     # one run, prints the page
//! cargo test --example apache_test_harness    # the tests below
//! ```
//!
//! `APACHE_BIN` (default `apache2`, Debian's name; `httpd` elsewhere) and
//! `APACHE_MODULES` (default `/usr/lib/apache2/modules`) locate Apache.

use std::error::Error;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use devup::{DaemonController, Ping};

/// Apache running for one test in its own directory; stopped when dropped.
pub struct TestApache {
    controller: DaemonController,
    port: u16,
}

impl TestApache {
    /// Writes `apache.conf` into `dir` (plus `extra_config`, the directives
    /// under test) and `htdocs/`, then starts Apache on 127.0.0.1:`port`.
    pub fn start(dir: &Path, port: u16, extra_config: &str) -> Result<TestApache, Box<dyn Error>> {
        // The workers run as www-data: they must reach and read the pages,
        // whatever the umask.
        let htdocs = dir.join("htdocs");
        fs::create_dir_all(&htdocs)?;
        fs::write(htdocs.join("index.html"), "hello from apache\n")?;
        fs::write(htdocs.join("other.html"), "the other page\n")?;
        for (path, mode) in [
            (dir.to_path_buf(), 0o755),
            (htdocs.clone(), 0o755),
            (htdocs.join("index.html"), 0o644),
            (htdocs.join("other.html"), 0o644),
        ] {
            fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
        }
        let config = dir.join("apache.conf");
        fs::write(&config, apache_config(dir, port, extra_config))?;

        let controller = DaemonController::builder("Apache web server")
            .start_command([
                apache_bin().as_str(),
                "-f",
                &config.to_string_lossy(),
                "-k",
                "start",
            ])
            .ping(Ping::tcp(format!("127.0.0.1:{port}")))
            .pid_file(dir.join("apache.pid"))
            .log_file(dir.join("apache.log"))
            .start_timeout(Duration::from_secs(25))
            .dir(dir)
            .build()?;
        controller.start()?;
        Ok(TestApache { controller, port })
    }

    /// GETs `path`: the status code and the body.
    pub fn get(&self, path: &str) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        Ok((status, body.to_string()))
    }

    /// Apache's pid while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.controller.pid()
    }

    /// Stops Apache; returns once its processes are gone.
    pub fn stop(&self) -> Result<(), Box<dyn Error>> {
        self.controller.stop()?;
        Ok(())
    }
}

impl Drop for TestApache {
    fn drop(&mut self) {
        let _ = self.controller.stop();
    }
}

/// A self-contained config: nothing from /etc/apache2, no `${APACHE_*}`
/// variables. Relative paths are relative to ServerRoot, so all are absolute
/// or under it.
fn apache_config(dir: &Path, port: u16, extra_config: &str) -> String {
    let root = dir.display();
    let modules =
        std::env::var("APACHE_MODULES").unwrap_or_else(|_| "/usr/lib/apache2/modules".into());
    format!(
        r#"ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile apache.pid
ErrorLog apache.log
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule dir_module {modules}/mod_dir.so
User www-data
Group www-data
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Require all granted
</Directory>
{extra_config}
"#
    )
}

fn apache_bin() -> String {
    std::env::var("APACHE_BIN").unwrap_or_else(|_| "apache2".into())
}

/// A fresh directory under the system temp dir (`start` opens it up to
/// Apache's `www-data` workers).
fn scratch_dir() -> std::io::Result<PathBuf> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "devup-apache-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    fs::create_dir(&dir)?;
    Ok(dir)
}

/// A free loopback port below the kernel's ephemeral range (which `bind(0)`
/// and every outgoing connection draw from, so a port taken from there may
/// be in use again before the daemon binds it), at most once per process.
fn free_port() -> std::io::Result<u16> {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let offset = (std::process::id() % 5_000) as u16;
    loop {
        let taken = NEXT.fetch_add(1, Ordering::SeqCst);
        if taken >= 5_000 {
            return Err(std::io::Error::other("no free loopback port below 30000"));
        }
        let port = 25_000 + (offset + taken) % 5_000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = scratch_dir()?;
    let port = free_port()?;
    let apache = TestApache::start(&dir, port, "DirectoryIndex index.html")?;
    let (status, body) = apache.get("/")?;
    println!("Apache on 127.0.0.1:{port} answered {status}: {body}");
    apache.stop()?;
    fs::remove_dir_all(&dir)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Removes a test's directory when the test ends, passed or failed
    /// (declared first, so dropped after the daemon was stopped).
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// True when Apache is installed; otherwise a skip notice, or a failure
    /// under `CI=true`.
    fn apache_installed() -> bool {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .any(|dir| dir.join(apache_bin()).is_file());
        if !found {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "{} is not installed (CI=true: it must be)",
                apache_bin()
            );
            eprintln!(
                "apache_test_harness: skipped, {} is not installed",
                apache_bin()
            );
        }
        found
    }

    #[test]
    fn serves_the_directory_index_while_the_test_runs() {
        if !apache_installed() {
            return;
        }
        let scratch = Scratch(scratch_dir().unwrap());
        let dir = scratch.0.clone();
        let apache = TestApache::start(&dir, free_port().unwrap(), "").unwrap();
        assert_eq!(
            apache.get("/").unwrap(),
            (200, "hello from apache\n".into())
        );
        let pid = apache.pid().expect("Apache runs after start");
        apache.stop().unwrap();
        assert!(
            !Path::new(&format!("/proc/{pid}/exe")).exists(),
            "Apache's pid {pid} outlived stop"
        );
    }

    #[test]
    fn the_directive_under_test_changes_what_apache_serves() {
        if !apache_installed() {
            return;
        }
        let scratch = Scratch(scratch_dir().unwrap());
        let dir = scratch.0.clone();
        let apache =
            TestApache::start(&dir, free_port().unwrap(), "DirectoryIndex other.html").unwrap();
        assert_eq!(apache.get("/").unwrap(), (200, "the other page\n".into()));
        apache.stop().unwrap();
        assert_eq!(apache.pid(), None, "no pid once stopped");
    }
}
