//! No-op `devup`: 20 daemons (tcp pings) already running, `devup` run again
//! must find them all ready and return. The floor is `devup-bench
//! floor-noop`: a process that reads the 20 pid files, checks `/proc`, and
//! connects once to each port, which is all a no-op needs to do.

use std::process::Command;

use crate::child;
use crate::fixture::{Fixture, independent};
use crate::stats::Samples;
use crate::table::{Row, Unit, Verdict};

use super::{Context, wall_ms};

const NAME: &str = "no-op `devup`, 20 daemons running";
const TARGET_MS: f64 = 10.0;

/// The no-op row.
pub fn measure(context: &Context) -> Row {
    run(context).unwrap_or_else(|why| Row::error(NAME, "≤ 10 ms", why))
}

fn run(context: &Context) -> Result<Row, String> {
    let fixture = Fixture::new(&context.devup, &context.fake_daemon, &independent(20, 0))
        .map_err(|error| format!("cannot write the fixture: {error}"))?;
    fixture.run(&[])?;
    let mut samples = Samples::default();
    let mut floor = Samples::default();
    for _ in 0..context.runs {
        samples.push(wall_ms(&fixture.run(&[])?));
        floor.push(probe(context, &fixture)?);
    }
    let starts = fixture.starts().len();
    let stopped = fixture.run(&["down"]);
    if stopped.is_err() {
        fixture.kill_all();
    }
    stopped?;
    if starts != 20 {
        return Err(format!("{starts} starts counted for 20 daemons"));
    }
    let median = samples.median();
    Ok(Row {
        name: NAME.into(),
        target: format!("≤ {TARGET_MS} ms"),
        floor: format!("{:.1} ms", floor.median()),
        unit: Unit::Ms,
        result: format!("{median:.1} ms"),
        verdict: Verdict::check(
            median <= TARGET_MS,
            format!("{:.1} ms over target", median - TARGET_MS),
        ),
        samples,
    })
}

/// One run of the floor probe, in milliseconds.
fn probe(context: &Context, fixture: &Fixture) -> Result<f64, String> {
    let mut command = Command::new(&context.fake_daemon);
    command.arg("floor-noop").arg(fixture.dir());
    command.args(fixture.ports().iter().map(u16::to_string));
    let measured = child::spawn(&mut command, &fixture.output(1))
        .and_then(|running| running.wait())
        .map_err(|error| format!("cannot run the floor probe: {error}"))?;
    if measured.code != 0 {
        return Err(fixture.failure("devup-bench floor-noop", &measured, 1));
    }
    Ok(wall_ms(&measured))
}
