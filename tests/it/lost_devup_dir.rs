//! `rm -rf .devup` while the daemons run: devup keeps a
//! copy of each state file outside the project, so it does not lose track
//! of what it started: `status` still says running with the same pids,
//! `devup` does not start a second instance, and `devdown` stops them all.
use crate::harness;

use harness::{Project, is_alive};

#[test]
fn removing_the_devup_directory_does_not_lose_the_daemons() {
    let project = Project::new(
        "daemons:\n  plain:\n    daemonize: true\n    start: [\"{fake}\", --tag, \"{tag}-plain\"]\n  \
         own:\n    pid_file: .devup/run/own.pid\n    ping: { tcp: \"127.0.0.1:{port1}\" }\n    \
         start: [\"{fake}\", --tag, \"{tag}-own\", --daemonize, --pid-file, .devup/run/own.pid, --listen, \"127.0.0.1:{port1}\"]\n",
    );
    project.devup(["up"]).status(0).run();
    let pid = |name: &str| -> u64 {
        project
            .read(&format!(".devup/run/{name}.pid"))
            .trim()
            .parse()
            .unwrap()
    };
    let (plain, own) = (pid("plain"), pid("own"));
    std::fs::remove_dir_all(project.path(".devup")).unwrap();

    let status = project.devup(["status", "--json"]).status(0).run();
    let json = status.json();
    for (i, (name, pid)) in [("plain", plain), ("own", own)].into_iter().enumerate() {
        assert_eq!(json[i]["name"], name);
        assert_eq!(json[i]["state"], "running", "{name}: {}", status.stdout);
        assert_eq!(json[i]["pid"], pid, "{name}");
    }
    project
        .devup(["up"])
        .status(0)
        // plain and own are checked in parallel: their lines come in either order.
        .stderr_any_order(
            "\
plain: already running (pid {pid})
own: already running (pid {pid})
up: 2 already running in {time}
",
        )
        .run();
    for name in ["plain", "own"] {
        assert_eq!(
            project
                .processes_with(&format!("{}-{name}", project.tag()))
                .len(),
            1,
            "a second {name} was started"
        );
    }
    project.devdown([] as [&str; 0]).status(0).run();
    assert!(!is_alive(plain as u32) && !is_alive(own as u32));
    assert!(project.processes_with(project.tag()).is_empty());
}
