//! A devup SIGKILLed in the middle of its work: the next
//! command cleans up what the interrupted start left, rescanning until
//! nothing carries the old start's token, so a process forked by a SIGTERM
//! trap during the cleanup is ended too; and whatever the moment of the
//! SIGKILL (into `devup`, `devdown` or `restart`), the next `devup` exits 0
//! with exactly one instance of each daemon, and `devdown` leaves nothing.
use crate::harness;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use harness::{Project, wait_until};
use nix::sys::signal::Signal;

/// A daemon that daemonizes itself (`daemonize: false`): its start command,
/// while `wait_for` runs, and forks a `NAME-leftover` fake daemon
/// from its SIGTERM trap (which waits for a signal of its own); then it
/// execs the fake daemon, which daemonizes as `NAME-daemon`, writes
/// `NAME.pid` and listens on `port`. The markers are split in the script,
/// so only those processes carry them.
fn trapping(name: &str, port: &str, wait_for: &str, depends_on: &str) -> String {
    format!(
        "  {name}:\n    pid_file: {name}.pid\n    stop_timeout: 5s\n    ping: {{ tcp: \"127.0.0.1:{port}\" }}\n{depends_on}    start:\n      - bash\n      - -c\n      - |\n        \
         trap '\"{{fake}}\" --tag \"{{tag}}-{name}-left\"\"over\" & exit 0' TERM\n        \
         {wait_for}\n        \
         trap - TERM\n        \
         exec \"{{fake}}\" --tag \"{{tag}}-{name}-dae\"\"mon\" --daemonize --pid-file {name}.pid --listen 127.0.0.1:{port}\n"
    )
}

fn count(project: &Project, what: &str) -> usize {
    project
        .processes_with(&format!("{}-{what}", project.tag()))
        .len()
}

#[test]
fn a_process_forked_by_a_sigterm_trap_during_the_cleanup_is_ended_too() {
    let project = Project::new(&format!(
        "daemons:\n{}",
        trapping(
            "web",
            "{port1}",
            // The first start waits until it is signalled; later ones go on.
            "if [ ! -e started ]; then : > started; while :; do sleep 0.05 & wait $!; done; fi",
            ""
        )
    ));
    let first = project.devup(["up"]).spawn();
    wait_until("the start command runs", || {
        !project.processes_with(project.tag()).is_empty()
    });
    first.signal(Signal::SIGKILL);
    first.finish();

    // The cleanup's SIGTERM makes the old start command fork a leftover
    // carrying its token; the rescan finds and ends it.
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
web: starting
web: spawned (pid {pid})
{maybe}web: waiting for pid file
web: waiting for ping (pid {pid}, the daemon the start command forked)
web: ready in {time} (pid {pid})
up: 1 ready in {time}
",
        )
        .run();
    assert_eq!(count(&project, "web-leftover"), 0, "the leftover survived");
    assert_eq!(count(&project, "web-daemon"), 1);
    project.devdown([] as [&str; 0]).status(0).run();
    assert!(project.processes_with(project.tag()).is_empty());
}

/// A small, seeded generator: the seed is printed, so a failing run can be
/// replayed with `CHAOS_SEED=N`.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) % below
    }
}

#[test]
fn after_a_sigkill_at_any_moment_the_next_devup_converges_and_devdown_leaves_nothing() {
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("chaos seed {seed} (replay with CHAOS_SEED={seed})");
    let mut rng = Rng(seed);
    let project = Project::new(&format!(
        "daemons:\n{}{}",
        trapping("db", "{port1}", "sleep 0.2 & wait $!", ""),
        trapping(
            "web",
            "{port2}",
            "sleep 0.2 & wait $!",
            "    depends_on: [db]\n"
        ),
    ));
    for round in 0..8 {
        let command = ["up", "down", "restart"][rng.next(3) as usize];
        let offset = Duration::from_millis(rng.next(401));
        let context = format!("round {round}: {command} killed after {offset:?} (seed {seed})");
        if command == "up" {
            project.devdown([] as [&str; 0]).status(0).run();
        } else {
            project.devup(["up"]).status(0).run();
        }
        let victim = project.devup([command]).spawn();
        // The chaos offset itself: when the SIGKILL lands is the point.
        std::thread::sleep(offset);
        // It may have finished already; then the kill is a no-op on a zombie.
        victim.signal(Signal::SIGKILL);
        victim.finish();

        let up = project.devup(["up"]).run();
        assert_eq!(up.code, Some(0), "{context}: devup failed:\n{}", up.stderr);
        for name in ["db", "web"] {
            assert_eq!(
                count(&project, &format!("{name}-daemon")),
                1,
                "{context}: not exactly one {name}:\n{}",
                up.stderr
            );
            assert_eq!(
                count(&project, &format!("{name}-leftover")),
                0,
                "{context}: a leftover of {name} survived:\n{}",
                up.stderr
            );
        }
    }
    project.devdown([] as [&str; 0]).status(0).run();
    assert!(
        project.processes_with(project.tag()).is_empty(),
        "devdown left processes behind"
    );
}
