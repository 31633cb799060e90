//! Start and stop overhead: `devup` and `devup down` on a one-daemon
//! manifest, each run paired with the same daemon spawned directly and its
//! port polled every 0.5 ms (start floor), then sent SIGTERM and reaped
//! (stop floor). The overhead is devup's median minus the floor's median.
//! Start is measured for a daemon ready after 300 ms that says nothing (how
//! fast devup's pings notice readiness), the same daemon logging a line when
//! it is ready (how fast a log watch notices it), and one ready at once
//! (devup's own process cost).

use crate::fixture::{Daemon, Fixture};
use crate::floor;
use crate::stats::Samples;
use crate::table::{Row, Unit, Verdict};

use super::{Context, wall_ms};

const TARGET_MS: f64 = 5.0;

/// The start rows (300 ms daemon, instant daemon) and the stop row.
pub fn measure(context: &Context) -> (Vec<Row>, Row) {
    let mut starts = Vec::new();
    let mut stop = None;
    for (ready_after_ms, announce) in [(300, false), (300, true), (0, false)] {
        let name = row_name(ready_after_ms, announce);
        match measure_one(context, ready_after_ms, announce) {
            Ok((start_row, stop_row)) => {
                starts.push(start_row);
                // The stop row comes from the 300 ms daemon's runs.
                stop.get_or_insert(stop_row);
            }
            Err(why) => {
                starts.push(Row::error(&name, "≤ 5 ms over floor", why.clone()));
                stop.get_or_insert(Row::error("stop overhead", "≤ 5 ms over floor", why));
            }
        }
    }
    let stop = stop.unwrap_or_else(|| Row::error("stop overhead", "≤ 5 ms", "not run".into()));
    (starts, stop)
}

fn row_name(ready_after_ms: u64, announce: bool) -> String {
    match (ready_after_ms, announce) {
        (0, _) => "start overhead (instant daemon)".into(),
        (ms, false) => format!("start overhead ({ms} ms daemon, silent)"),
        (ms, true) => format!("start overhead ({ms} ms daemon, logs when ready)"),
    }
}

fn measure_one(
    context: &Context,
    ready_after_ms: u64,
    announce: bool,
) -> Result<(Row, Row), String> {
    let daemon = Daemon::new("solo", ready_after_ms);
    let daemons = [if announce {
        daemon.announcing()
    } else {
        daemon
    }];
    let fixture = Fixture::new(&context.devup, &context.fake_daemon, &daemons)
        .map_err(|error| format!("cannot write the fixture: {error}"))?;
    let mut floor_start = Samples::default();
    let mut floor_stop = Samples::default();
    let mut up = Samples::default();
    let mut down = Samples::default();
    for _ in 0..context.runs {
        let floor = floor::measure(&context.fake_daemon, ready_after_ms)?;
        floor_start.push(floor.start.as_secs_f64() * 1000.0);
        floor_stop.push(floor.stop.as_secs_f64() * 1000.0);
        up.push(wall_ms(&fixture.run(&[])?));
        let stopped = fixture.run(&["down"]);
        match stopped {
            Ok(measured) => down.push(wall_ms(&measured)),
            Err(why) => {
                fixture.kill_all();
                return Err(why);
            }
        }
        let starts = fixture.starts().len();
        if starts != down.len() {
            return Err(format!("{starts} starts counted after {} runs", down.len()));
        }
    }
    let start_row = overhead_row(row_name(ready_after_ms, announce), &floor_start, up);
    let stop_row = overhead_row("stop overhead".into(), &floor_stop, down);
    Ok((start_row, stop_row))
}

fn overhead_row(name: String, floor: &Samples, samples: Samples) -> Row {
    let overhead = samples.median() - floor.median();
    Row {
        name,
        target: format!("≤ {TARGET_MS} ms over floor"),
        floor: format!("{:.1} ms", floor.median()),
        unit: Unit::Ms,
        result: format!("+{overhead:.1} ms"),
        verdict: Verdict::check(
            overhead <= TARGET_MS,
            format!("{:.1} ms over target", overhead - TARGET_MS),
        ),
        samples,
    }
}
