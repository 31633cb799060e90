//! Pid reuse forced for real: in a private pid namespace
//! (`unshare --pid --fork --mount-proc`: as root, or as an unprivileged
//! developer inside a user namespace mapping them to root), the daemon dies, then
//! writing `/proc/sys/kernel/ns_last_pid` makes an unrelated process get its
//! old pid. `devup status` must say stale and `devdown` must leave the
//! intruder alone, both when the pid file is older than the intruder and
//! when it was touched after it (then only the state file's start time
//! tells them apart). Everything in the namespace dies with its init.

use crate::harness;

use std::process::Command;

use harness::Project;

/// The script run as the namespace's init. It prints `daemon PID`,
/// `intruder PID`, then the outputs of status and devdown, then whether the
/// intruder survived.
const SCRIPT: &str = r#"
set -u
"$DEVUP" up >&2 || { echo "up failed"; exit 0; }
pid=$(cat .devup/run/fake.pid)
echo "daemon $pid"
kill -KILL "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
echo $((pid - 1)) > /proc/sys/kernel/ns_last_pid
sleep 600 &
intruder=$!
echo "intruder $intruder"
if [ "$TOUCH" = yes ]; then touch .devup/run/fake.pid; fi
"$DEVUP" status --json > status.json; echo "status exit $?"
cat status.json
"$DEVDOWN" >&2; echo "devdown exit $?"
if kill -0 "$intruder" 2>/dev/null; then echo "intruder alive"; else echo "intruder dead"; fi
"#;

fn unshare_works() -> bool {
    let ok = Command::new("unshare")
        .args(harness::programs::unshare_user_args())
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .status()
        .is_ok_and(|status| status.success());
    harness::skip_unless(
        ok,
        "unshare --pid --fork --mount-proc is not permitted here",
    )
}

fn reuse(touch: bool) {
    if !unshare_works() {
        return;
    }
    let project = Project::new(
        "daemons:\n  fake:\n    daemonize: true\n    start: [\"{fake}\", --tag, \"{tag}\"]\n",
    );
    let output = Command::new("unshare")
        .args(harness::programs::unshare_user_args())
        .args(["--pid", "--fork", "--mount-proc", "sh", "-c", SCRIPT])
        .current_dir(project.dir())
        .env("DEVUP", env!("CARGO_BIN_EXE_devup"))
        .env("DEVDOWN", env!("CARGO_BIN_EXE_devdown"))
        .env("TOUCH", if touch { "yes" } else { "no" })
        .env_remove("DEVUP_FILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no `{name}` in:\n{stdout}\n{stderr}"))
            .to_string()
    };
    let daemon = field("daemon");
    assert_eq!(
        field("intruder"),
        daemon,
        "the pid was not reused:\n{stdout}"
    );
    assert_eq!(field("status exit"), "3", "{stdout}\n{stderr}");
    assert!(
        stdout.contains("\"state\":\"stale\"") || stdout.contains("\"state\": \"stale\""),
        "status does not say stale:\n{stdout}"
    );
    assert_eq!(field("devdown exit"), "0", "{stdout}\n{stderr}");
    assert!(
        stdout.contains("intruder alive"),
        "devdown signalled the intruder:\n{stdout}\n{stderr}"
    );
    assert!(
        !project.path(".devup/run/fake.pid").exists(),
        "stale pid file kept"
    );
}

#[test]
fn a_reused_pid_is_stale_and_never_signalled() {
    reuse(false);
}

#[test]
fn a_reused_pid_with_a_fresh_pid_file_is_caught_by_the_state_file() {
    reuse(true);
}
