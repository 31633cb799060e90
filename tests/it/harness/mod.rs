//! The one harness of the integration tests, for library, command-line
//! and real-daemon tests alike. By concept:
//!
//! - [`Test`] (`test.rs`): one run of `devup`/`devdown`, described like a
//!   sentence and checked whole — `Test::new().manifest(..).args(["up"])
//!   .status(0).stderr("db: ready in {time}\n...").run()`; its
//!   [`Outcome`] (`outcome.rs`), the placeholders of expected output
//!   (`expected.rs`), and [`Running`] for a run to signal.
//! - [`Project`] (`project.rs`): a temp dir with a manifest to run devup
//!   in, and the [`recorder`] daemons that log their starts and stops.
//! - [`Example`] (`example.rs`): a copy of `examples/` for the real
//!   daemons, with their protocols in `probe.rs`.
//! - `fake.rs`: controllers of the fake daemon of `testbins/`, tags, the
//!   library's events and results.
//! - `procs.rs`: the one `/proc` scan.
//! - `programs.rs`: the binaries, the test programs, and the one rule for
//!   a missing program (skip locally, fail under `CI=true`).
//! - [`TempDir`] (`temp_dir.rs`), `waiting.rs`, `ports.rs`,
//!   `dispositions.rs`, `terminal.rs` (a pseudo-terminal).
#![allow(dead_code)]

pub mod dispositions;
pub mod example;
pub mod expected;
pub mod fake;
pub mod outcome;
pub mod ports;
pub mod probe;
pub mod procs;
pub mod programs;
pub mod project;
mod record;
pub mod temp_dir;
pub mod terminal;
pub mod test;
pub mod waiting;

use std::time::Duration;

pub use example::Example;
pub use fake::*;
pub use outcome::Outcome;
pub use procs::{assert_none_left, assert_nothing_running, is_alive};
pub use programs::{devdown_bin, devup_bin, fake_daemon, race_start, require, skip_unless};
pub use project::{Project, recorder, recorders};
pub use temp_dir::TempDir;
pub use terminal::{on_terminal, spawn_on_terminal};
pub use test::{Running, Test};

/// How long any wait of a test may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A free loopback port, never one another test of this process got
/// (see `ports.rs`).
pub fn free_port() -> u16 {
    ports::free_port()
}

/// Waits until `condition` holds, failing the test after [`DEADLINE`].
#[track_caller]
pub fn wait_until(what: &str, condition: impl FnMut() -> bool) {
    waiting::wait_for(what, DEADLINE, condition)
}
