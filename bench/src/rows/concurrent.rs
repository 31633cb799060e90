//! 24 `devup` processes at once on a cold manifest of 4 independent 300 ms
//! daemons: every process must succeed, each daemon must be started exactly
//! once (counted in the fake daemons' count file), and the wall time from
//! the first spawn to the last exit must stay within 100 ms of one `devup`
//! alone on the same cold manifest.

use crate::child;
use crate::fixture::{Fixture, independent};
use crate::stats::Samples;
use crate::table::{Row, Unit, Verdict};

use super::Context;
use super::parallel::cold_up;

const NAME: &str = "24 `devup` at once, cold, 4 daemons";
const TARGET: &str = "started once; ≤ one + 100 ms";
const PROCESSES: usize = 24;
const DAEMONS: usize = 4;

/// The concurrency row.
pub fn measure(context: &Context) -> Row {
    run(context).unwrap_or_else(|why| Row::error(NAME, TARGET, why))
}

fn run(context: &Context) -> Result<Row, String> {
    let fixture = Fixture::new(
        &context.devup,
        &context.fake_daemon,
        &independent(DAEMONS, 300),
    )
    .map_err(|error| format!("cannot write the fixture: {error}"))?;
    let mut alone = Samples::default();
    let mut samples = Samples::default();
    let mut extra_starts = Vec::new();
    for _ in 0..context.runs {
        alone.push(cold_up(&fixture, DAEMONS)?);
        let (wall, starts) = stampede(&fixture)?;
        samples.push(wall);
        if starts != DAEMONS {
            extra_starts.push(starts);
        }
    }
    let over = samples.median() - alone.median();
    let verdict = if !extra_starts.is_empty() {
        Verdict::Misses(format!(
            "{DAEMONS} daemons started {extra_starts:?} times in {} of {} runs",
            extra_starts.len(),
            context.runs
        ))
    } else {
        Verdict::check(over <= 100.0, format!("{:.1} ms over target", over - 100.0))
    };
    Ok(Row {
        name: NAME.into(),
        target: TARGET.into(),
        floor: format!("one: {:.1} ms", alone.median()),
        unit: Unit::Ms,
        result: format!(
            "+{over:.1} ms, each started once: {}",
            extra_starts.is_empty()
        ),
        verdict,
        samples,
    })
}

/// Spawns the 24 processes, waits for all, stops the daemons; returns the
/// wall time in milliseconds and how many starts were counted.
fn stampede(fixture: &Fixture) -> Result<(f64, usize), String> {
    fixture.reset_count();
    let mut running = Vec::new();
    for nth in 0..PROCESSES {
        let _ = std::fs::remove_file(fixture.output(nth));
        match child::spawn(&mut fixture.devup(&[]), &fixture.output(nth)) {
            Ok(process) => running.push(process),
            Err(error) => {
                // Reap what did start before giving up.
                for process in running {
                    let _ = process.wait();
                }
                fixture.kill_all();
                return Err(format!("cannot spawn devup: {error}"));
            }
        }
    }
    let first = running[0].started();
    let mut failure = None;
    for (nth, process) in running.into_iter().enumerate() {
        let measured = process.wait().map_err(|error| error.to_string())?;
        if measured.code != 0 && failure.is_none() {
            failure = Some(fixture.failure("devup (one of 24)", &measured, nth));
        }
    }
    let wall = first.elapsed().as_secs_f64() * 1000.0;
    let starts = fixture.starts().len();
    let down = fixture.run(&["down"]);
    // Extra starts may have left daemons that no pid file names.
    if failure.is_some() || down.is_err() || starts != DAEMONS {
        fixture.kill_all();
    }
    if let Some(why) = failure {
        return Err(why);
    }
    down?;
    Ok((wall, starts))
}
