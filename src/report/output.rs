//! What a reporter writes to and reads from the world: an [`Output`] (any
//! `Write`: stderr for people, stdout for `--json`, a buffer in tests) and a
//! [`Clock`] (the system's, or a fixed one in tests), so a reporter's whole
//! output can be rendered and compared exactly.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where a reporter writes its lines; shared by the threads of a run.
pub struct Output(Mutex<Box<dyn Write + Send>>);

impl Output {
    /// Writes to `writer`.
    pub fn new(writer: impl Write + Send + 'static) -> Self {
        Output(Mutex::new(Box::new(writer)))
    }

    /// Writes to this process's stderr.
    pub fn stderr() -> Self {
        Output::new(std::io::stderr())
    }

    /// Writes to this process's stdout.
    pub fn stdout() -> Self {
        Output::new(std::io::stdout())
    }

    /// Writes `text` and a newline, then flushes. A closed pipe or a full
    /// disk is not the run's business: output errors are ignored. The line
    /// goes out whole, in one write (stderr is unbuffered: `writeln!` made
    /// two system calls of each line).
    pub fn line(&self, text: &str) {
        let mut line = String::with_capacity(text.len() + 1);
        line.push_str(text);
        line.push('\n');
        let mut writer = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = writer.write_all(line.as_bytes());
        let _ = writer.flush();
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Output")
    }
}

/// The time as a reporter sees it.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The system clock, shared.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// An in-memory `Write` whose contents can be read while a reporter still
/// holds it: what tests render a reporter into.
#[derive(Debug, Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
