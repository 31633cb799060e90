//! The seed's Tutorial 2, in Rust: a `SearchServer` whose `query` starts the
//! Sphinx search daemon on demand. `DaemonController::connect` calls the
//! connect closure; when the connection is refused it takes the daemon's
//! lock, runs `before_start` (regenerate the config; build the index only
//! when it does not exist yet — searchd refuses to serve without one), starts
//! searchd, waits until it accepts connections, and connects again. Any
//! number of threads and processes may query at once: searchd is started,
//! and the index built, exactly once.
//!
//! ```text
//! cargo run --example sphinx_autostart -- fox     # prints the matching ids
//! cargo test --example sphinx_autostart
//! ```
//!
//! The query speaks just enough of the MySQL protocol (Sphinx's `mysql41`
//! listener) for a SphinxQL `SELECT`; see the `mysql` module at the bottom.

use std::error::Error;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use devup::{DaemonController, Ping};

const DOCUMENTS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<sphinx:docset>
<sphinx:schema><sphinx:field name="body"/></sphinx:schema>
<sphinx:document id="1"><body>the quick brown fox jumps over the lazy dog</body></sphinx:document>
<sphinx:document id="2"><body>devup starts daemons in dependency order</body></sphinx:document>
<sphinx:document id="3"><body>a fox and a daemon walk into a bar</body></sphinx:document>
</sphinx:docset>
"#;

/// Full-text search backed by a searchd that is started when first needed.
pub struct SearchServer {
    controller: DaemonController,
    port: u16,
}

impl SearchServer {
    /// A search server keeping its config, index, pid file and log in `dir`,
    /// listening on 127.0.0.1:`port`. `index_builds` counts the times
    /// `before_start` had to build the index.
    pub fn new(
        dir: &Path,
        port: u16,
        index_builds: Arc<AtomicUsize>,
    ) -> Result<Self, Box<dyn Error>> {
        let state = dir.to_path_buf();
        let controller = DaemonController::builder("Sphinx search server")
            .start_command(["searchd", "--config", "sphinx.conf"])
            .before_start_fn(move || {
                generate_configuration_file(&state, port)?;
                if !index_exists(&state) {
                    generate_index(&state)?;
                    index_builds.fetch_add(1, Ordering::SeqCst);
                }
                Ok(())
            })
            .ping(Ping::tcp(format!("127.0.0.1:{port}")))
            .pid_file("searchd.pid")
            .log_file("searchd.log")
            .fail_when_log("FATAL:")
            .start_timeout(Duration::from_secs(30))
            .dir(dir)
            .build()?;
        Ok(SearchServer { controller, port })
    }

    /// The ids of the documents matching `terms`, starting searchd first
    /// when it does not run.
    pub fn query(&self, terms: &str) -> Result<Vec<u64>, Box<dyn Error>> {
        let port = self.port;
        let mut stream = self
            .controller
            .connect(|| TcpStream::connect(("127.0.0.1", port)))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        mysql::handshake(&mut stream)?;
        let escaped = terms.replace('\\', "\\\\").replace('\'', "\\'");
        let rows = mysql::query(
            &mut stream,
            &format!("SELECT id FROM docs WHERE MATCH('{escaped}') ORDER BY id ASC"),
        )?;
        rows.iter()
            .map(|row| Ok(row.first().ok_or("an empty row")?.parse::<u64>()?))
            .collect()
    }

    /// The controller, for `pid`, `is_running`, `stop`.
    pub fn controller(&self) -> &DaemonController {
        &self.controller
    }
}

/// Regenerated before every start: searchd and indexer resolve relative
/// paths against their working directory, so every path is absolute.
fn generate_configuration_file(dir: &Path, port: u16) -> std::io::Result<()> {
    let root = dir.display();
    fs::write(dir.join("docs.xml"), DOCUMENTS)?;
    fs::create_dir_all(dir.join("data"))?;
    let config = format!(
        "source docs\n{{\n  type = xmlpipe2\n  xmlpipe_command = cat {root}/docs.xml\n}}\n\
         index docs\n{{\n  source = docs\n  path = {root}/data/docs\n}}\n\
         indexer\n{{\n  mem_limit = 32M\n}}\n\
         searchd\n{{\n  listen = 127.0.0.1:{port}:mysql41\n  log = {root}/searchd.log\n  \
         query_log = {root}/query.log\n  pid_file = {root}/searchd.pid\n  binlog_path =\n}}\n"
    );
    fs::write(dir.join("sphinx.conf"), config)
}

fn index_exists(dir: &Path) -> bool {
    dir.join("data/docs.sph").exists()
}

fn generate_index(dir: &Path) -> std::io::Result<()> {
    let output = Command::new("indexer")
        .args(["--all", "--config", "sphinx.conf"])
        .current_dir(dir)
        .output()?;
    if output.status.success() {
        return Ok(());
    }
    Err(std::io::Error::other(format!(
        "indexer --all failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    )))
}

fn scratch_dir() -> std::io::Result<PathBuf> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "devup-sphinx-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    fs::create_dir_all(&dir)?;
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
    let terms = std::env::args().nth(1).unwrap_or_else(|| "fox".into());
    let dir = scratch_dir()?;
    let search = SearchServer::new(&dir, free_port()?, Arc::default())?;
    println!("{terms:?} matches documents {:?}", search.query(&terms)?);
    search.controller().stop()?;
    fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The client side of the MySQL protocol, as little as a SphinxQL query
/// needs: no TLS, no authentication (searchd accepts any user).
mod mysql {
    use std::io::{self, Read, Write};
    use std::net::TcpStream;

    const CLIENT_LONG_PASSWORD: u32 = 0x1;
    const CLIENT_PROTOCOL_41: u32 = 0x200;
    const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
    const COM_QUERY: u8 = 0x03;

    fn read_packet(stream: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
        let mut header = [0u8; 4];
        stream.read_exact(&mut header)?;
        let length = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
        let mut payload = vec![0u8; length];
        stream.read_exact(&mut payload)?;
        if payload.first() == Some(&0xff) {
            let message = String::from_utf8_lossy(payload.get(9..).unwrap_or_default());
            return Err(io::Error::other(format!("server error: {message}")));
        }
        Ok((header[3], payload))
    }

    fn write_packet(stream: &mut TcpStream, sequence: u8, payload: &[u8]) -> io::Result<()> {
        let length = (payload.len() as u32).to_le_bytes();
        stream.write_all(&[length[0], length[1], length[2], sequence])?;
        stream.write_all(payload)
    }

    /// Reads the greeting and answers it; returns the server version.
    pub fn handshake(stream: &mut TcpStream) -> io::Result<String> {
        let (sequence, greeting) = read_packet(stream)?;
        let end = greeting.iter().skip(1).position(|&b| b == 0).unwrap_or(0);
        let version = String::from_utf8_lossy(&greeting[1..1 + end]).into_owned();
        let flags = CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION;
        let mut response = Vec::new();
        response.extend_from_slice(&flags.to_le_bytes());
        response.extend_from_slice(&(1u32 << 24).to_le_bytes()); // max packet size
        response.push(33); // utf8_general_ci
        response.extend_from_slice(&[0; 23]);
        response.extend_from_slice(b"devup\0");
        response.push(0); // no auth data
        write_packet(stream, sequence.wrapping_add(1), &response)?;
        read_packet(stream)?; // OK
        Ok(version)
    }

    /// A length-encoded integer at `*at`, advancing `at`; `None` for NULL.
    fn length_encoded(bytes: &[u8], at: &mut usize) -> Option<u64> {
        let first = bytes[*at];
        *at += 1;
        let width = match first {
            0xfb => return None,
            0xfc => 2,
            0xfd => 3,
            0xfe => 8,
            small => return Some(u64::from(small)),
        };
        let mut value = [0u8; 8];
        value[..width].copy_from_slice(&bytes[*at..*at + width]);
        *at += width;
        Some(u64::from_le_bytes(value))
    }

    fn is_eof(payload: &[u8]) -> bool {
        payload.first() == Some(&0xfe) && payload.len() < 9
    }

    /// Runs `sql`; the rows of its result set, as text.
    pub fn query(stream: &mut TcpStream, sql: &str) -> io::Result<Vec<Vec<String>>> {
        let mut command = vec![COM_QUERY];
        command.extend_from_slice(sql.as_bytes());
        write_packet(stream, 0, &command)?;
        let (_, header) = read_packet(stream)?;
        let columns = length_encoded(&header, &mut 0).unwrap_or(0);
        for _ in 0..columns {
            read_packet(stream)?; // column definitions
        }
        read_packet(stream)?; // EOF after the columns
        let mut rows = Vec::new();
        loop {
            let (_, payload) = read_packet(stream)?;
            if is_eof(&payload) {
                return Ok(rows);
            }
            let mut at = 0;
            let mut row = Vec::new();
            while at < payload.len() {
                let text = match length_encoded(&payload, &mut at) {
                    Some(length) => {
                        let end = at + length as usize;
                        let text = String::from_utf8_lossy(&payload[at..end]).into_owned();
                        at = end;
                        text
                    }
                    None => String::new(),
                };
                row.push(text);
            }
            rows.push(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test's directory and port: when the test ends, passed or failed,
    /// stops the searchd it may have started and removes the directory.
    struct Scratch(PathBuf, u16);

    impl Drop for Scratch {
        fn drop(&mut self) {
            if let Ok(search) = SearchServer::new(&self.0, self.1, Arc::default()) {
                let _ = search.controller().stop();
            }
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// True when Sphinx is installed; otherwise a skip notice, or a failure
    /// under `CI=true`.
    fn sphinx_installed() -> bool {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let found = ["searchd", "indexer"]
            .iter()
            .all(|program| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()));
        if !found {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "searchd/indexer are not installed (CI=true: they must be)"
            );
            eprintln!("sphinx_autostart: skipped, searchd or indexer is not installed");
        }
        found
    }

    #[test]
    fn the_first_query_starts_searchd_and_the_next_ones_reuse_it() {
        if !sphinx_installed() {
            return;
        }
        let scratch = Scratch(scratch_dir().unwrap(), free_port().unwrap());
        let (dir, port) = (scratch.0.clone(), scratch.1);
        let builds = Arc::new(AtomicUsize::new(0));
        let search = SearchServer::new(&dir, port, builds.clone()).unwrap();
        assert!(!search.controller().is_running());

        assert_eq!(search.query("fox").unwrap(), vec![1, 3]);
        let pid = search
            .controller()
            .pid()
            .expect("searchd runs after a query");
        assert_eq!(search.query("dependency").unwrap(), vec![2]);
        assert_eq!(search.controller().pid(), Some(pid), "the same searchd");
        assert_eq!(builds.load(Ordering::SeqCst), 1, "the index was built once");

        search.controller().stop().unwrap();
        assert!(!search.controller().is_running());
        // The index exists now: the next autostart does not rebuild it.
        assert_eq!(search.query("daemon").unwrap(), vec![3]);
        assert_eq!(
            builds.load(Ordering::SeqCst),
            1,
            "the index was not rebuilt"
        );
        search.controller().stop().unwrap();
    }

    #[test]
    fn concurrent_first_queries_start_searchd_exactly_once() {
        if !sphinx_installed() {
            return;
        }
        let scratch = Scratch(scratch_dir().unwrap(), free_port().unwrap());
        let (dir, port) = (scratch.0.clone(), scratch.1);
        let builds = Arc::new(AtomicUsize::new(0));
        let results: Vec<Vec<u64>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (dir, builds) = (&dir, builds.clone());
                    scope.spawn(move || {
                        let search = SearchServer::new(dir, port, builds).unwrap();
                        search.query("fox").unwrap()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap())
                .collect()
        });
        assert!(results.iter().all(|ids| ids == &[1, 3]), "{results:?}");
        assert_eq!(builds.load(Ordering::SeqCst), 1, "one index build");
        let search = SearchServer::new(&dir, port, builds).unwrap();
        search.controller().stop().unwrap();
    }
}
