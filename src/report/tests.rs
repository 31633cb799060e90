//! Whole-output tests of the reporters: a run's events fed in by hand, on
//! a clock that moves only when told, rendered into a [`Buffer`] and
//! compared whole.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::progress::{fit, phase_room};
use super::*;
use crate::controller::Event;
use crate::error::{Error, ExitStatus, StartFailure};
use crate::run::{Action, RunEvent, Skip, Summary};

/// A clock that stands still until [`FixedClock::advance`].
#[derive(Debug)]
struct FixedClock(Mutex<Instant>);

impl FixedClock {
    fn new() -> Arc<Self> {
        Arc::new(FixedClock(Mutex::new(Instant::now())))
    }

    fn advance(&self, millis: u64) {
        *self.0.lock().unwrap() += Duration::from_millis(millis);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn broken(daemon: &str) -> Error {
    Error::start_failed(
        daemon,
        StartFailure::StartCommand(ExitStatus::Code(1)),
        Default::default(),
        Default::default(),
    )
}

/// An `up` of `db` (before_start, forking start command), `web` after it
/// (already running), `cache` failing, `mail` skipped after it.
fn up_run(reporter: &dyn Reporter, clock: &FixedClock) {
    let daemons = names(&["db", "web", "cache", "mail"]);
    let deps = names(&["db"]);
    let cache = names(&["cache"]);
    let error = broken("cache");
    let skip = Skip::DependencyFailed("cache".into());
    let step = |daemon, event: Event| {
        reporter.report(&RunEvent::Controller {
            daemon,
            event: &event,
        })
    };
    reporter.report(&RunEvent::Begin {
        action: Action::Up,
        daemons: &daemons,
    });
    reporter.report(&RunEvent::Waiting {
        daemon: "web",
        waiting_for: &deps,
    });
    reporter.report(&RunEvent::Waiting {
        daemon: "mail",
        waiting_for: &cache,
    });
    reporter.report(&RunEvent::Begun { daemon: "db" });
    reporter.report(&RunEvent::Begun { daemon: "cache" });
    clock.advance(100);
    step(
        "db",
        Event::BeforeStart {
            command: "initdb -D data".into(),
        },
    );
    clock.advance(1600);
    // The wait for the pid file is told before the spawn it follows.
    step("db", Event::WaitingForPidFile);
    step("db", Event::Spawned { pid: 40 });
    clock.advance(50);
    step("db", Event::WaitingForPing { pid: 41 });
    step("cache", Event::Spawned { pid: 50 });
    clock.advance(50);
    reporter.report(&RunEvent::Ready {
        daemon: "db",
        pid: 41,
        elapsed: Duration::from_millis(100),
    });
    reporter.report(&RunEvent::Failed {
        daemon: "cache",
        error: &error,
        elapsed: Duration::from_millis(1800),
    });
    reporter.report(&RunEvent::Skipped {
        daemon: "mail",
        cause: &skip,
    });
    reporter.report(&RunEvent::Begun { daemon: "web" });
    step("web", Event::AlreadyRunning { pid: 60 });
    reporter.report(&RunEvent::AlreadyRunning {
        daemon: "web",
        pid: 60,
    });
    reporter.report(&RunEvent::Summary(&Summary {
        action: Action::Up,
        ready: 1,
        already_running: 1,
        tasks_ran: 0,
        tasks_up_to_date: 0,
        restarted: 0,
        stopped: 0,
        not_running: 0,
        failed: 1,
        skipped: 1,
        elapsed: Duration::from_millis(1800),
    }));
}

fn down_run(reporter: &dyn Reporter) {
    let daemons = names(&["web", "db"]);
    let web = names(&["web"]);
    reporter.report(&RunEvent::Begin {
        action: Action::Down,
        daemons: &daemons,
    });
    reporter.report(&RunEvent::Waiting {
        daemon: "db",
        waiting_for: &web,
    });
    reporter.report(&RunEvent::Begun { daemon: "web" });
    reporter.report(&RunEvent::Controller {
        daemon: "web",
        event: &Event::NotRunning,
    });
    reporter.report(&RunEvent::NotRunning { daemon: "web" });
    reporter.report(&RunEvent::Begun { daemon: "db" });
    reporter.report(&RunEvent::Controller {
        daemon: "db",
        event: &Event::Stopping { pid: 41 },
    });
    reporter.report(&RunEvent::Stopped {
        daemon: "db",
        pid: 41,
        elapsed: Duration::from_millis(120),
    });
    reporter.report(&RunEvent::Summary(&Summary {
        action: Action::Down,
        ready: 0,
        already_running: 0,
        tasks_ran: 0,
        tasks_up_to_date: 0,
        restarted: 0,
        stopped: 1,
        not_running: 1,
        failed: 0,
        skipped: 0,
        elapsed: Duration::from_millis(130),
    }));
}

#[test]
fn plain_lines_come_in_the_order_things_happened() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    let reporter = PlainReporter::to(Output::new(buffer.clone()), clock.clone());
    up_run(&reporter, &clock);
    assert_eq!(
        buffer.text(),
        "web: waiting for db\n\
         mail: waiting for cache\n\
         db: starting\n\
         db: before_start: initdb -D data\n\
         db: spawned (pid 40)\n\
         db: waiting for pid file\n\
         db: waiting for ping (pid 41, the daemon the start command forked)\n\
         cache: starting\n\
         cache: spawned (pid 50)\n\
         db: ready in 1.8s (before_start 1.6s, pid 41)\n\
         cache: failed after 1.8s\n\
         mail: skipped (cache failed)\n\
         web: already running (pid 60)\n\
         up: 1 ready, 1 already running, 1 failed, 1 skipped in 1.8s\n\
         \n\
         error: cache: could not start: the start command exited with status 1\n"
    );
}

#[test]
fn plain_lines_of_a_down() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    let reporter = PlainReporter::to(Output::new(buffer.clone()), clock);
    down_run(&reporter);
    assert_eq!(
        buffer.text(),
        "db: waiting for web\n\
         web: not running\n\
         db: stopping (pid 41)\n\
         db: stopped in 120ms (pid 41)\n\
         down: 1 stopped, 1 not running in 130ms\n"
    );
}

#[test]
fn quiet_prints_only_the_errors_at_the_end() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    let reporter = QuietReporter::to(Output::new(buffer.clone()));
    up_run(&reporter, &clock);
    assert_eq!(
        buffer.text(),
        "error: cache: could not start: the start command exited with status 1\n"
    );
    let buffer = Buffer::new();
    down_run(&QuietReporter::to(Output::new(buffer.clone())));
    assert_eq!(buffer.text(), "");
}

#[test]
fn progress_leaves_one_final_line_per_daemon_in_the_run_order() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    let reporter = ProgressReporter::to(Output::new(buffer.clone()), false, 80, clock.clone());
    up_run(&reporter, &clock);
    assert_eq!(
        buffer.text(),
        "✔ db     ready in 1.8s (before_start 1.6s, pid 41)\n\
         • web    already running (pid 60)\n\
         ✖ cache  failed after 1.8s\n\
         ⏭ mail   skipped (cache failed)\n\
         up: 1 ready, 1 already running, 1 failed, 1 skipped in 1.8s\n\
         \n\
         error: cache: could not start: the start command exited with status 1\n"
    );
}

#[test]
fn progress_colours_only_the_marks() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    down_run(&ProgressReporter::to(
        Output::new(buffer.clone()),
        true,
        80,
        clock,
    ));
    assert_eq!(
        buffer.text(),
        "\x1b[2m•\x1b[0m web  not running\n\
         \x1b[32m✔\x1b[0m db   stopped in 120ms (pid 41)\n\
         down: 1 stopped, 1 not running in 130ms\n"
    );
}

#[test]
fn a_run_without_daemons_is_just_its_summary() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    let reporter = ProgressReporter::to(Output::new(buffer.clone()), false, 80, clock);
    reporter.report(&RunEvent::Begin {
        action: Action::Up,
        daemons: &[],
    });
    reporter.report(&RunEvent::Summary(&Summary {
        action: Action::Up,
        ready: 0,
        already_running: 0,
        tasks_ran: 0,
        tasks_up_to_date: 0,
        restarted: 0,
        stopped: 0,
        not_running: 0,
        failed: 0,
        skipped: 0,
        elapsed: Duration::from_millis(3),
    }));
    assert_eq!(buffer.text(), "up: nothing to do in 3ms\n");
}

#[test]
fn long_phases_are_cut_to_the_width_with_an_ellipsis() {
    let command = "before_start: ruby script/generate_a_very_long_sphinx_configuration.rb";
    assert_eq!(fit(command, 30), "before_start: ruby script/gen…");
    assert_eq!(fit(command, 30).chars().count(), 30);
    assert_eq!(fit("spawned (pid 42)", 30), "spawned (pid 42)");
    assert_eq!(fit("before_start: né café", 12), "before_star…");
}

#[test]
fn json_lines_end_every_daemon_with_one_terminal_event() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    let reporter = JsonReporter::to(Output::new(buffer.clone()), clock.clone());
    up_run(&reporter, &clock);
    assert_eq!(
        buffer.text(),
        concat!(
            r#"{"daemon":"web","event":"waiting","for":["db"]}"#,
            "\n",
            r#"{"daemon":"mail","event":"waiting","for":["cache"]}"#,
            "\n",
            r#"{"daemon":"db","event":"before_start","command":"initdb -D data"}"#,
            "\n",
            r#"{"daemon":"db","event":"spawned","pid":40}"#,
            "\n",
            r#"{"daemon":"db","event":"waiting_for_pid_file"}"#,
            "\n",
            r#"{"daemon":"db","event":"waiting_for_ping","pid":41}"#,
            "\n",
            r#"{"daemon":"cache","event":"spawned","pid":50}"#,
            "\n",
            r#"{"daemon":"db","event":"ready","pid":41,"elapsed_ms":1800,"before_start_ms":1600}"#,
            "\n",
            r#"{"daemon":"cache","event":"failed","error":"cache: could not start: the start command exited with status 1","elapsed_ms":1800}"#,
            "\n",
            r#"{"daemon":"mail","event":"skipped","reason":"cache failed"}"#,
            "\n",
            r#"{"daemon":"web","event":"already_running","pid":60}"#,
            "\n",
            r#"{"event":"summary","action":"up","ready":1,"already_running":1,"failed":1,"skipped":1,"elapsed_ms":1800}"#,
            "\n",
        )
    );
}

#[test]
fn json_lines_of_a_down() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    down_run(&JsonReporter::to(Output::new(buffer.clone()), clock));
    assert_eq!(
        buffer.text(),
        concat!(
            r#"{"daemon":"db","event":"waiting","for":["web"]}"#,
            "\n",
            r#"{"daemon":"web","event":"not_running"}"#,
            "\n",
            r#"{"daemon":"db","event":"stopping","pid":41}"#,
            "\n",
            r#"{"daemon":"db","event":"stopped","pid":41,"elapsed_ms":120}"#,
            "\n",
            r#"{"event":"summary","action":"down","stopped":1,"not_running":1,"failed":0,"skipped":0,"elapsed_ms":130}"#,
            "\n",
        )
    );
}

#[test]
fn a_tee_sends_each_event_to_every_reporter() {
    let clock = FixedClock::new();
    let (json, plain) = (Buffer::new(), Buffer::new());
    let tee = Tee(vec![
        Arc::new(JsonReporter::to(Output::new(json.clone()), clock.clone())),
        Arc::new(PlainReporter::to(Output::new(plain.clone()), clock)),
    ]);
    down_run(&tee);
    assert_eq!(json.text().lines().count(), 5);
    assert_eq!(plain.text().lines().count(), 5);
}

#[test]
fn a_live_line_fits_the_terminal_width() {
    // `⠋ search  PHASE 12.3s`: spinner and space, the padded name, two
    // spaces, the phase, the clock.
    let command = "before_start: ruby script/generate_a_very_long_sphinx_configuration.rb";
    for width in [40, 80, 120] {
        let phase = fit(command, phase_room(width, 6));
        let line = format!("⠋ {:<6}  {phase} 1m05s", "search");
        assert!(line.chars().count() <= width, "{width}: {line}");
    }
    assert_eq!(fit(command, phase_room(40, 6)), "before_start: ruby scr…");
    // However narrow the terminal, a phase keeps a few columns.
    assert_eq!(fit(command, phase_room(12, 6)), "before_st…");
}

/// A converge as one schedule: `db`'s stop, the start of `mail` (unrelated)
/// while it stops, then `db`'s start; one summary.
fn converge_run(reporter: &dyn Reporter, clock: &FixedClock) {
    let stops = names(&["db"]);
    let starts = names(&["db", "mail"]);
    let step = |daemon, event: Event| {
        reporter.report(&RunEvent::Controller {
            daemon,
            event: &event,
        })
    };
    reporter.report(&RunEvent::Begin {
        action: Action::Down,
        daemons: &stops,
    });
    reporter.report(&RunEvent::Begun { daemon: "db" });
    step("db", Event::Stopping { pid: 40 });
    reporter.report(&RunEvent::Begin {
        action: Action::Up,
        daemons: &starts,
    });
    reporter.report(&RunEvent::Begun { daemon: "mail" });
    step("mail", Event::Spawned { pid: 50 });
    clock.advance(20);
    reporter.report(&RunEvent::Ready {
        daemon: "mail",
        pid: 50,
        elapsed: Duration::from_millis(20),
    });
    reporter.report(&RunEvent::Stopped {
        daemon: "db",
        pid: 40,
        elapsed: Duration::from_millis(30),
    });
    reporter.report(&RunEvent::Begun { daemon: "db" });
    step("db", Event::Spawned { pid: 41 });
    clock.advance(10);
    reporter.report(&RunEvent::Ready {
        daemon: "db",
        pid: 41,
        elapsed: Duration::from_millis(10),
    });
    reporter.report(&RunEvent::Summary(&Summary {
        action: Action::Up,
        ready: 1,
        already_running: 0,
        tasks_ran: 0,
        tasks_up_to_date: 0,
        restarted: 1,
        stopped: 0,
        not_running: 0,
        failed: 0,
        skipped: 0,
        elapsed: Duration::from_millis(40),
    }));
}

#[test]
fn plain_lines_of_a_converge_tell_each_stop_from_the_start_around_it() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    converge_run(
        &PlainReporter::to(Output::new(buffer.clone()), clock.clone()),
        &clock,
    );
    assert_eq!(
        buffer.text(),
        "db: stopping (pid 40)\n\
         mail: starting\n\
         mail: spawned (pid 50)\n\
         mail: ready in 20ms (pid 50)\n\
         db: stopped in 30ms (pid 40)\n\
         db: starting\n\
         db: spawned (pid 41)\n\
         db: ready in 10ms (pid 41)\n\
         up: 1 restarted, 1 ready in 40ms\n"
    );
}

#[test]
fn progress_of_a_converge_leaves_the_stop_lines_above_the_start_lines() {
    let clock = FixedClock::new();
    let buffer = Buffer::new();
    converge_run(
        &ProgressReporter::to(Output::new(buffer.clone()), false, 80, clock.clone()),
        &clock,
    );
    assert_eq!(
        buffer.text(),
        "✔ db  stopped in 30ms (pid 40)\n\
         ✔ db    ready in 10ms (pid 41)\n\
         ✔ mail  ready in 20ms (pid 50)\n\
         up: 1 restarted, 1 ready in 40ms\n"
    );
}
