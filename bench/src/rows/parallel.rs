//! Parallelism: 10 independent daemons that each need 300 ms against one of
//! them alone (target: 1.2 times as long), and a chain a -> b -> c of 300 ms
//! daemons (target: 3 x 300 ms + 20 ms). Every run starts cold and is
//! followed by an untimed `devup down`.

use crate::fixture::{Daemon, Fixture, independent};
use crate::floor;
use crate::stats::Samples;
use crate::table::{Row, Unit, Verdict};

use super::{Context, wall_ms};

const READY_AFTER_MS: u64 = 300;

/// The 10-independent-daemons row.
pub fn independent_row(context: &Context) -> Result<Row, String> {
    let one = Fixture::new(
        &context.devup,
        &context.fake_daemon,
        &independent(1, READY_AFTER_MS),
    )
    .map_err(|error| format!("cannot write the fixture: {error}"))?;
    let ten = Fixture::new(
        &context.devup,
        &context.fake_daemon,
        &independent(10, READY_AFTER_MS),
    )
    .map_err(|error| format!("cannot write the fixture: {error}"))?;
    let mut alone = Samples::default();
    let mut samples = Samples::default();
    for _ in 0..context.runs {
        alone.push(cold_up(&one, 1)?);
        samples.push(cold_up(&ten, 10)?);
    }
    let ratio = samples.median() / alone.median();
    Ok(Row {
        name: "10 independent 300 ms daemons".into(),
        target: "≤ 1.2 × one".into(),
        floor: format!("one: {:.1} ms", alone.median()),
        unit: Unit::Ms,
        result: format!("{ratio:.2} ×"),
        verdict: Verdict::check(ratio <= 1.2, format!("{ratio:.2} × one")),
        samples,
    })
}

/// The 10-independent-daemons row, or why it could not run.
pub fn independent_daemons(context: &Context) -> Row {
    independent_row(context)
        .unwrap_or_else(|why| Row::error("10 independent 300 ms daemons", "≤ 1.2 × one", why))
}

/// The chain row.
pub fn chain(context: &Context) -> Row {
    chain_row(context)
        .unwrap_or_else(|why| Row::error("chain a -> b -> c, 300 ms each", "≤ 920 ms", why))
}

fn chain_row(context: &Context) -> Result<Row, String> {
    let daemons = [
        Daemon::new("a", READY_AFTER_MS),
        Daemon::new("b", READY_AFTER_MS).after(&["a"]),
        Daemon::new("c", READY_AFTER_MS).after(&["b"]),
    ];
    let fixture = Fixture::new(&context.devup, &context.fake_daemon, &daemons)
        .map_err(|error| format!("cannot write the fixture: {error}"))?;
    let mut floor_one = Samples::default();
    let mut samples = Samples::default();
    for _ in 0..context.runs {
        let floor = floor::measure(&context.fake_daemon, READY_AFTER_MS)?;
        floor_one.push(floor.start.as_secs_f64() * 1000.0);
        samples.push(cold_up(&fixture, 3)?);
    }
    let target = 3.0 * READY_AFTER_MS as f64 + 20.0;
    let median = samples.median();
    Ok(Row {
        name: "chain a -> b -> c, 300 ms each".into(),
        target: format!("≤ {target:.0} ms"),
        floor: format!("3 × {:.1} ms", floor_one.median()),
        unit: Unit::Ms,
        result: format!("{median:.1} ms"),
        verdict: Verdict::check(
            median <= target,
            format!("{:.1} ms over target", median - target),
        ),
        samples,
    })
}

/// Runs `devup` on a project with nothing running, checks that it started
/// each of its `daemons` once, stops them again, and returns the up's wall
/// time in milliseconds.
pub fn cold_up(fixture: &Fixture, daemons: usize) -> Result<f64, String> {
    fixture.reset_count();
    let up = fixture.run(&[]);
    let starts = fixture.starts().len();
    let down = fixture.run(&["down"]);
    if up.is_err() || down.is_err() {
        fixture.kill_all();
    }
    let up = up?;
    down?;
    if starts != daemons {
        return Err(format!("{starts} starts counted for {daemons} daemons"));
    }
    Ok(wall_ms(&up))
}
