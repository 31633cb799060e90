//! What devup itself costs the machine, from `wait4`'s accounting: CPU
//! (user + system) while one daemon takes 10 s to become ready, and peak
//! resident set size while 20 daemons of 300 ms start. The floor of both is
//! `devup --version`: what the binary costs before it does any work.

use crate::child::Measured;
use crate::fixture::{Fixture, independent};
use crate::stats::Samples;
use crate::table::{Row, Unit, Verdict};

use super::Context;

const CPU_NAME: &str = "CPU of `devup` over a 10 s start";
const RSS_NAME: &str = "peak RSS of `devup`, 20 daemons";

/// The CPU row; at most 3 runs, each takes 10 s.
pub fn cpu(context: &Context) -> Row {
    cpu_row(context).unwrap_or_else(|why| Row::error(CPU_NAME, "≤ 50 ms", why))
}

fn cpu_row(context: &Context) -> Result<Row, String> {
    let fixture = Fixture::new(
        &context.devup,
        &context.fake_daemon,
        &independent(1, 10_000),
    )
    .map_err(|error| format!("cannot write the fixture: {error}"))?;
    let version = fixture.run(&["--version"])?;
    let mut samples = Samples::default();
    for _ in 0..context.runs.min(3) {
        let up = up_down(&fixture)?;
        samples.push(up.cpu.as_secs_f64() * 1000.0);
    }
    let median = samples.median();
    Ok(Row {
        name: CPU_NAME.into(),
        target: "≤ 50 ms".into(),
        floor: format!("--version: {:.1} ms", version.cpu.as_secs_f64() * 1000.0),
        unit: Unit::Ms,
        result: format!("{median:.1} ms"),
        verdict: Verdict::check(median <= 50.0, format!("{:.1} ms over", median - 50.0)),
        samples,
    })
}

/// The peak RSS row.
pub fn rss(context: &Context) -> Row {
    rss_row(context).unwrap_or_else(|why| Row::error(RSS_NAME, "≤ 10 MiB", why))
}

fn rss_row(context: &Context) -> Result<Row, String> {
    let fixture = Fixture::new(&context.devup, &context.fake_daemon, &independent(20, 300))
        .map_err(|error| format!("cannot write the fixture: {error}"))?;
    let version = fixture.run(&["--version"])?;
    let mut samples = Samples::default();
    for _ in 0..context.runs {
        samples.push(mib(&up_down(&fixture)?));
    }
    let max = samples.max();
    Ok(Row {
        name: RSS_NAME.into(),
        target: "≤ 10 MiB".into(),
        floor: format!("--version: {:.1} MiB", mib(&version)),
        unit: Unit::MiB,
        result: format!("max {max:.1} MiB"),
        verdict: Verdict::check(max <= 10.0, format!("{:.1} MiB over", max - 10.0)),
        samples,
    })
}

fn mib(measured: &Measured) -> f64 {
    measured.max_rss_kib as f64 / 1024.0
}

/// A cold `devup` (measured) followed by `devup down`.
fn up_down(fixture: &Fixture) -> Result<Measured, String> {
    fixture.reset_count();
    let up = fixture.run(&[]);
    let down = fixture.run(&["down"]);
    if up.is_err() || down.is_err() {
        fixture.kill_all();
    }
    let up = up?;
    down?;
    Ok(up)
}
