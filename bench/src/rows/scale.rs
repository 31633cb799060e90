//! Scale: N independent `sleep` daemons (`daemonize: true`, no ping) for N
//! = 10, 100, 400, against a floor measured in the same run: one process
//! that forks, setsids and execs the same N `sleep`s (up), then sends each
//! SIGTERM and reaps them all (down). Reported per N: devup up and down as
//! multiples of the floor, the no-op `devup` with all N running, and
//! devup's peak RSS. Targets (at N = 400): up ≤ 1.5× and down
//! ≤ 3× the floor, no-op ≤ 50 ms, peak RSS ≤ 50 MiB.

use std::fmt::Write as _;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::child::{self, Measured};
use crate::stats::Samples;
use crate::table::{Row, Unit, Verdict};

use super::{Context, wall_ms};

/// The sizes measured.
pub const SIZES: [usize; 3] = [10, 100, 400];

/// The rows for every size: up, down, no-op and RSS.
pub fn measure(context: &Context) -> Vec<Row> {
    let mut rows = Vec::new();
    for n in SIZES {
        match measure_size(context, n) {
            Ok(mut size_rows) => rows.append(&mut size_rows),
            Err(why) => rows.push(Row::error(&format!("scale N = {n}"), "—", why)),
        }
    }
    rows
}

/// A project of `n` sleep daemons in a temp dir, removed when dropped.
struct Project {
    dir: PathBuf,
    devup: PathBuf,
}

impl Project {
    fn new(devup: &Path, n: usize) -> std::io::Result<Project> {
        let dir =
            std::env::temp_dir().join(format!("devup-bench-scale-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let mut yaml = String::from("daemons:\n");
        for i in 0..n {
            let _ = writeln!(
                yaml,
                "  s{i}:\n    start: [sleep, \"600\"]\n    daemonize: true"
            );
        }
        std::fs::write(dir.join("daemons.yaml"), yaml)?;
        Ok(Project {
            dir,
            devup: devup.to_path_buf(),
        })
    }

    fn run(&self, args: &[&str]) -> Result<Measured, String> {
        let mut command = Command::new(&self.devup);
        command.args(args).arg("-q").current_dir(&self.dir);
        let measured = child::spawn(&mut command, &self.dir.join("devup.out"))
            .and_then(child::Running::wait)
            .map_err(|error| format!("cannot run devup: {error}"))?;
        if measured.code != 0 {
            let out = std::fs::read_to_string(self.dir.join("devup.out")).unwrap_or_default();
            let tail: Vec<&str> = out.lines().rev().take(3).collect();
            return Err(format!(
                "devup {} exited {}: {}",
                args.join(" "),
                measured.code,
                tail.join(" / ")
            ));
        }
        Ok(measured)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.run(&["down"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The floor: fork+setsid+exec `n` sleeps from this process, then TERM and
/// reap them; (up, down) in ms.
fn floor(n: usize) -> Result<(f64, f64), String> {
    let started = Instant::now();
    let mut children = Vec::with_capacity(n);
    for _ in 0..n {
        let mut command = Command::new("sleep");
        command
            .arg("600")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: setsid is async-signal-safe and touches no memory.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        children.push(
            command
                .spawn()
                .map_err(|error| format!("cannot spawn sleep: {error}"))?,
        );
    }
    let up = started.elapsed();
    let stopping = Instant::now();
    for child in &children {
        child::signal(child.id() as libc::pid_t, libc::SIGTERM);
    }
    for mut child in children {
        let _ = child.wait();
    }
    Ok((
        up.as_secs_f64() * 1000.0,
        stopping.elapsed().as_secs_f64() * 1000.0,
    ))
}

fn measure_size(context: &Context, n: usize) -> Result<Vec<Row>, String> {
    let project = Project::new(&context.devup, n).map_err(|error| error.to_string())?;
    let runs = context.runs.min(5);
    let (mut floor_up, mut floor_down) = (Samples::default(), Samples::default());
    let (mut up, mut down, mut noop, mut rss) = (
        Samples::default(),
        Samples::default(),
        Samples::default(),
        Samples::default(),
    );
    for _ in 0..runs {
        let (fu, fd) = floor(n)?;
        floor_up.push(fu);
        floor_down.push(fd);
        let started = project.run(&[])?;
        up.push(wall_ms(&started));
        rss.push(started.max_rss_kib as f64 / 1024.0);
        noop.push(wall_ms(&project.run(&[])?));
        down.push(wall_ms(&project.run(&["down"])?));
    }
    let ratio_row = |what: &str, floor: &Samples, samples: Samples, target: f64| {
        let ratio = samples.median() / floor.median();
        Row {
            name: format!("scale N = {n}: {what}"),
            target: if n == 400 {
                format!("≤ {target}× floor")
            } else {
                "—".into()
            },
            floor: format!("{:.1} ms", floor.median()),
            unit: Unit::Ms,
            result: format!("{ratio:.1}×"),
            verdict: if n == 400 {
                Verdict::check(ratio <= target, format!("{ratio:.1}× > {target}×"))
            } else {
                Verdict::Meets
            },
            samples,
        }
    };
    let noop_median = noop.median();
    let rss_max = rss.max();
    Ok(vec![
        ratio_row("up", &floor_up, up, 1.5),
        ratio_row("down", &floor_down, down, 3.0),
        Row {
            name: format!("scale N = {n}: no-op up"),
            target: if n == 400 {
                "≤ 50 ms".into()
            } else {
                "—".into()
            },
            floor: "—".into(),
            unit: Unit::Ms,
            result: format!("{noop_median:.1} ms"),
            verdict: Verdict::check(
                n != 400 || noop_median <= 50.0,
                format!("{:.1} ms over", noop_median - 50.0),
            ),
            samples: noop,
        },
        Row {
            name: format!("scale N = {n}: peak RSS of up"),
            target: if n == 400 {
                "≤ 50 MiB".into()
            } else {
                "—".into()
            },
            floor: "—".into(),
            unit: Unit::MiB,
            result: format!("max {rss_max:.1} MiB"),
            verdict: Verdict::check(
                n != 400 || rss_max <= 50.0,
                format!("{:.1} MiB over", rss_max - 50.0),
            ),
            samples: rss,
        },
    ])
}
