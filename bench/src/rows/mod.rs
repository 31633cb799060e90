//! The rows of the benchmark's table, one file per kind of measurement. Each row
//! builds its own fixtures, runs devup `runs` times, and returns a
//! [`Row`]; a row that cannot run (devup fails, a daemon never answers)
//! returns a row whose verdict says why, and the others still run.

mod classic;
mod concurrent;
mod cost;
mod noop;
mod parallel;
mod scale;
mod start_stop;

use std::path::PathBuf;

use crate::child::Measured;
use crate::table::Row;

/// What every row needs.
pub struct Context {
    /// The release `devup` binary.
    pub devup: PathBuf,
    /// This benchmark binary, which is also the fake daemon.
    pub fake_daemon: PathBuf,
    /// How many runs per row.
    pub runs: usize,
}

/// A row's measurement.
type Measure = fn(&Context) -> Row;

/// The names `--row` accepts, in table order.
pub const NAMES: &[&str] = &[
    "start",
    "classic",
    "stop",
    "noop",
    "parallel",
    "chain",
    "concurrent",
    "cpu",
    "rss",
    "scale",
];

/// Measures the rows named in `selected` (all when empty), in table order;
/// `progress` hears each row's name before it runs.
pub fn measure(context: &Context, selected: &[String], progress: impl Fn(&str)) -> Vec<Row> {
    let wanted = |name: &str| selected.is_empty() || selected.iter().any(|s| s == name);
    let mut rows = Vec::new();
    if wanted("start") || wanted("stop") {
        progress("start and stop overhead");
        let (starts, stop) = start_stop::measure(context);
        if wanted("start") {
            rows.extend(starts);
        }
        if wanted("stop") {
            rows.push(stop);
        }
    }
    if wanted("classic") {
        progress("the classic self-daemonizing start");
        rows.push(classic::measure(context));
    }
    let others: [(&str, &str, Measure); 6] = [
        ("noop", "no-op devup, 20 daemons running", noop::measure),
        (
            "parallel",
            "10 independent 300 ms daemons",
            parallel::independent_daemons,
        ),
        (
            "chain",
            "chain a -> b -> c of 300 ms daemons",
            parallel::chain,
        ),
        (
            "concurrent",
            "24 devup processes at once",
            concurrent::measure,
        ),
        ("cpu", "CPU time over a 10 s start", cost::cpu),
        ("rss", "peak RSS for 20 daemons", cost::rss),
    ];
    for (name, what, row) in others {
        if wanted(name) {
            progress(what);
            rows.push(row(context));
        }
    }
    if wanted("scale") {
        progress("scale: 10, 100 and 400 sleep daemons");
        rows.extend(scale::measure(context));
    }
    rows
}

/// Milliseconds of a measured wall time.
fn wall_ms(measured: &Measured) -> f64 {
    measured.wall.as_secs_f64() * 1000.0
}
