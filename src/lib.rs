//! devup: start a project's local daemons in dependency order, each only when
//! what it depends on is really ready, and stop them again.
//!
//! The crate has three layers, each usable on its own:
//!
//! - [`controller`]: ONE daemon, robustly: the start lock, pid files that are
//!   never trusted blindly, spawning, readiness pings, log excerpts, stopping.
//!   It never prints; it reports [`Event`]s to an observer.
//! - [`manifest`]: the `daemons.yaml` file: discovery, parsing, interpolation
//!   and validation with file:line:column positions.
//! - [`plan`], [`run`] and [`report`]: the dependency graph, `up`/`down`
//!   over it in parallel (emitting [`run::RunEvent`]s), and the reporters
//!   that draw them (live progress, plain lines, errors only).
//! - [`export`]: the manifest as units for another service manager
//!   (`devup export systemd`).
//! - [`cli`], [`signals`] and [`exit_code`]: the `devup`/`devdown` command
//!   lines (the binaries are a few lines calling [`cli::devup`] and
//!   [`cli::devdown`]), SIGINT/SIGTERM/SIGHUP handling, and the named exit
//!   codes.
//! - [`Session`]: `devup exec` for Rust programs and test suites: daemons
//!   brought up and leased while it lives, shared with every other session
//!   and `exec`, stopped by the last one out when ephemeral.
//!
//! ```no_run
//! use devup::{DaemonController, Ping};
//! use std::time::Duration;
//!
//! # fn main() -> Result<(), devup::Error> {
//! let apache = DaemonController::builder("Apache web server")
//!     .start_command("apachectl -f apache.conf -k start")
//!     .ping(Ping::tcp("127.0.0.1:1234"))
//!     .pid_file("apache.pid")
//!     .log_file("apache.log")
//!     .start_timeout(Duration::from_secs(25))
//!     .build()?;
//! apache.start()?;
//! let conn = apache.connect(|| std::net::TcpStream::connect("127.0.0.1:1234"))?;
//! apache.stop()?;
//! # drop(conn);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
// Every `unsafe` lives in `sys`, behind a safe API; nowhere else.
#![deny(unsafe_code)]
// `Error` carries the log excerpts a person needs; it is built once per failed
// start, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod controller;
mod dependency_graph;
mod error;
pub mod exit_code;
pub mod export;
pub mod human;
pub mod manifest;
pub mod plan;
pub mod report;
pub mod run;
mod session;
pub mod signals;
#[allow(unsafe_code)]
mod sys;

pub use controller::{
    AbortSignal, CommandLine, DaemonController, DaemonControllerBuilder, DaemonState, Event,
    HttpUrl, NotReady, Ping, Signal, Started, Status, UpOutcome,
};
pub use error::{Error, ExitStatus, LogExcerpt, Result, StartFailure, TaskFailure, WaitingFor};
pub use manifest::{Manifest, ManifestError};
pub use plan::Plan;
pub use session::Session;
