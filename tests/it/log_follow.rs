//! Following a log during a start (`ping: log`, `fail_when_log`) keeps up
//! with what the daemon writes: a ready line after 64 MB of log is noticed
//! as soon as it is written, not 256 KiB per wake-up later.
use crate::harness;

use harness::Project;

#[test]
fn a_ready_line_after_64_mb_of_log_is_noticed() {
    // Before: read 256 KiB per wake-up, the line was noticed ~11 s late,
    // past this start_timeout (python writes the 64 MB in well under 1 s).
    let project = Project::new(
        "daemons:\n  chatty:\n    daemonize: true\n    start_timeout: 8s\n    \
         ping: { log: \"^ready$\" }\n    start: [python3, chatty.py, \"{tag}\"]\n",
    );
    project.write(
        "chatty.py",
        "import sys, time\n\
         line = 'x' * 1023 + '\\n'\n\
         for _ in range(64 * 1024):\n    sys.stdout.write(line)\n\
         sys.stdout.write('ready\\n')\n\
         sys.stdout.flush()\n\
         time.sleep(600)\n",
    );
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
chatty: starting
chatty: spawned (pid {pid})
chatty: waiting for ping (pid {pid})
chatty: ready in {time} (pid {pid})
up: 1 ready in {time}
",
        )
        .run();
    assert_eq!(
        std::fs::metadata(project.path(".devup/log/chatty.log"))
            .unwrap()
            .len(),
        64 * 1024 * 1024 + 6
    );
}
