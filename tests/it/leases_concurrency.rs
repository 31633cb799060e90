//! SPEC §7 under load: 16 `devup exec`s with overlapping
//! sets, started at random offsets, each probing its daemons during its
//! command. Every command sees its daemons up, with the same pid,
//! throughout; each daemon is started once per busy period (its starts and
//! stops alternate); after the last exec nothing runs.
use crate::harness;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use harness::{Project, recorders};

/// The sets the execs ask for, and the daemons each brings up (with what
/// they depend on).
const SETS: [(&[&str], &[&str]); 4] = [
    (&["a"], &["a"]),
    (&["b"], &["a", "b"]),
    (&["c"], &["c"]),
    (&["b", "c"], &["a", "b", "c"]),
];

/// A CMD that records the pid of each of `daemons`, then checks 20 times,
/// 10 ms apart, that each still runs with that pid; exits non-zero (90+)
/// otherwise.
fn probe(project: &Project, daemons: &[&str]) -> String {
    let list = daemons.join(" ");
    format!(
        ": {tag}-cmd; for d in {list}; do p=$(cat .devup/run/$d.pid) || exit 90; eval p_$d=$p; done; \
         i=0; while [ $i -lt 20 ]; do for d in {list}; do eval p=\\$p_$d; \
         kill -0 $p || exit 91; [ \"$(cat .devup/run/$d.pid)\" = \"$p\" ] || exit 92; done; \
         sleep 0.01; i=$((i+1)); done",
        tag = project.tag()
    )
}

/// A small deterministic generator for the offsets; the seed is printed.
fn offsets(count: usize) -> Vec<Duration> {
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_nanos() as u64;
    eprintln!("offset seed: {seed}");
    let mut state = seed | 1;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Duration::from_millis(state % 400)
        })
        .collect()
}

#[test]
fn sixteen_concurrent_execs_with_overlapping_sets_each_see_their_daemons_up_throughout() {
    let project = Project::new(&recorders(&[("a", &[]), ("b", &["a"]), ("c", &[])]));
    let offsets = offsets(16);
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = offsets
            .iter()
            .enumerate()
            .map(|(n, offset)| {
                let project = &project;
                scope.spawn(move || {
                    let (names, daemons) = SETS[n % SETS.len()];
                    std::thread::sleep(*offset);
                    let mut args = vec!["exec".to_string()];
                    args.extend(names.iter().map(|name| name.to_string()));
                    args.extend([
                        "--".into(),
                        "sh".into(),
                        "-c".into(),
                        probe(project, daemons),
                    ]);
                    (n, project.devup(args).spawn().finish())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("an exec thread"))
            .collect()
    });
    for (n, outcome) in outcomes {
        assert_eq!(outcome.code, Some(0), "exec {n}:\n{}", outcome.stderr);
    }
    let events = project.events();
    for daemon in ["a", "b", "c"] {
        let own: Vec<&str> = events
            .iter()
            .filter(|line| line.ends_with(&format!(" {daemon}")))
            .map(|line| line.split(' ').next().expect("a word"))
            .collect();
        assert!(!own.is_empty(), "{daemon} was started");
        for (at, word) in own.iter().enumerate() {
            let expected = if at % 2 == 0 { "start" } else { "stop" };
            assert_eq!(*word, expected, "{daemon}'s event {at} of {events:?}");
        }
        assert_eq!(
            own.last(),
            Some(&"stop"),
            "{daemon} ends stopped: {events:?}"
        );
        assert!(
            project
                .processes_with(&format!("{}-{daemon}", project.tag()))
                .is_empty(),
            "nothing of {daemon} runs after the last exec"
        );
    }
    let status = project.devup(["status", "--json"]).status(3).run();
    for row in status.json().as_array().expect("an array") {
        assert_eq!(row["state"], "stopped", "{row}");
        assert_eq!(row["leases"], 0, "{row}");
    }
}
