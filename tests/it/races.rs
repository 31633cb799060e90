//! Commands racing on one manifest: `devup` and `devdown`
//! started together, again and again. Whatever the interleaving, a running
//! daemon's dependencies run at the end, nothing runs twice, and each
//! command's exit code tells the truth about what it did (see
//! docs/internals/races.md for the locking that makes it so).
use crate::harness;

use harness::Project;

const NAMES: [&str; 3] = ["db", "cache", "web"];

fn manifest() -> String {
    let daemon = |name: &str, port: &str, deps: &str| {
        format!(
            "  {name}:\n    daemonize: true\n    ping: {{ tcp: \"127.0.0.1:{port}\" }}\n{deps}    \
             start: [\"{{fake}}\", --tag, \"{{tag}}-{name}\", --ready-after, \"30\", --listen, \"127.0.0.1:{port}\"]\n"
        )
    };
    format!(
        "daemons:\n{}{}{}",
        daemon("db", "{port1}", ""),
        daemon("cache", "{port2}", ""),
        daemon("web", "{port3}", "    depends_on: [db, cache]\n"),
    )
}

/// Which daemons run, by `status --json`.
fn running(project: &Project) -> Vec<String> {
    let outcome = project.devup(["status", "--json"]).run();
    outcome
        .json()
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter(|entry| entry["state"] == "running")
        .map(|entry| entry["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn devup_and_devdown_racing_end_in_dependency_order_with_truthful_exit_codes() {
    let project = Project::new(&manifest());
    for round in 0..10 {
        // From all stopped and from all running, alternately.
        if round % 2 == 1 {
            project.devup(["up"]).status(0).run();
        }
        let up = project.devup(["up"]).spawn();
        let down = project.devdown([] as [&str; 0]).spawn();
        let (up, down) = (up.finish(), down.finish());
        let now = running(&project);
        let context = format!(
            "round {round}: devup exit {:?}, devdown exit {:?}, running {now:?}\n--- devup:\n{}--- devdown:\n{}",
            up.code, down.code, up.stderr, down.stderr
        );
        if now.contains(&"web".to_string()) {
            assert!(
                now.contains(&"db".to_string()) && now.contains(&"cache".to_string()),
                "{context}\nweb runs without its dependencies"
            );
        }
        for name in NAMES {
            assert!(
                project
                    .processes_with(&format!("{}-{name}", project.tag()))
                    .len()
                    <= 1,
                "{context}\n{name} runs twice"
            );
        }
        match (up.code, down.code) {
            // Both did all they were asked: one of them came after the other.
            (Some(0), Some(0)) => assert!(
                now.is_empty() || now.len() == NAMES.len(),
                "{context}\nboth succeeded, yet only some run"
            ),
            // devdown could not stop everything because devup started it.
            (Some(0), Some(1)) => assert_eq!(now.len(), NAMES.len(), "{context}"),
            // devup failed because devdown stopped what it needed: what
            // devup reports failed does not run.
            (Some(1), Some(0)) => {
                for name in NAMES {
                    if up.stderr.contains(&format!("{name}: failed")) {
                        assert!(!now.contains(&name.to_string()), "{context}");
                    }
                }
            }
            (Some(1), Some(1)) => {}
            _ => panic!("{context}\nan unexpected exit code"),
        }
        project.devdown([] as [&str; 0]).status(0).run();
        assert!(running(&project).is_empty());
    }
}
