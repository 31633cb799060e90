//! The seed's classic case (daemon_controller's): a daemon that daemonizes
//! itself (`daemonize: false`), writes its own pid file and is ready (its
//! `tcp` ping answers) 300 ms after it was spawned. Each devup run is
//! paired with an ideal poller: the same daemon started directly, its port
//! polled every 0.5 ms. The overhead is devup's median minus the poller's.

use crate::fixture::{Daemon, Fixture};
use crate::floor;
use crate::stats::Samples;
use crate::table::{Row, Unit, Verdict};

use super::{Context, wall_ms};

const TARGET_MS: f64 = 5.0;
const READY_AFTER_MS: u64 = 300;
const NAME: &str = "start overhead (classic: self-daemonizing, pid file, tcp ping, 300 ms)";

/// The classic start row.
pub fn measure(context: &Context) -> Row {
    match measure_row(context) {
        Ok(row) => row,
        Err(why) => Row::error(NAME, "≤ 5 ms over floor", why),
    }
}

fn measure_row(context: &Context) -> Result<Row, String> {
    let daemons = [Daemon::new("classic", READY_AFTER_MS).self_daemonizing()];
    let fixture = Fixture::new(&context.devup, &context.fake_daemon, &daemons)
        .map_err(|error| format!("cannot write the fixture: {error}"))?;
    let mut floor_start = Samples::default();
    let mut up = Samples::default();
    for _ in 0..context.runs {
        let floor =
            floor::measure_self_daemonizing(&context.fake_daemon, READY_AFTER_MS, fixture.dir())?;
        floor_start.push(floor.start.as_secs_f64() * 1000.0);
        up.push(wall_ms(&fixture.run(&[])?));
        if let Err(why) = fixture.run(&["down"]) {
            fixture.kill_all();
            return Err(why);
        }
    }
    let overhead = up.median() - floor_start.median();
    Ok(Row {
        name: NAME.into(),
        target: format!("≤ {TARGET_MS} ms over floor"),
        floor: format!("{:.1} ms", floor_start.median()),
        unit: Unit::Ms,
        result: format!("+{overhead:.1} ms"),
        verdict: Verdict::check(
            overhead <= TARGET_MS,
            format!("{:.1} ms over target", overhead - TARGET_MS),
        ),
        samples: up,
    })
}
