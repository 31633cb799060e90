//! SPEC §7, `devup::Session`: sessions in several processes and threads
//! share their daemons and the last one out stops the ephemeral ones; a
//! dropped session ends; a failed start leaves nothing running; a session in
//! a `static` ended with `end_at_exit` stops its daemons when the process
//! exits; a SIGKILLed session's daemons are stopped by the next one out;
//! `DEVUP_KEEP=1` stops nothing.
//!
//! The processes are this test binary run again (`child_process`, which
//! does nothing unless `DEVUP_SESSION_CHILD` names a manifest).

use crate::harness;
use crate::harness::dispositions;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Barrier, OnceLock};

use devup::Session;
use harness::{Project, recorders, wait_until};

/// The test that a child process runs: up a session on the manifest
/// `DEVUP_SESSION_CHILD`, write `ID.started` (after checking the daemons
/// run), then, by `DEVUP_SESSION_MODE`: `hold` waits for `ID.go` and ends
/// the session; `static` keeps it in a `static` ended at exit and returns.
#[test]
fn child_process() {
    let Some(manifest) = std::env::var_os("DEVUP_SESSION_CHILD") else {
        return;
    };
    let id = std::env::var("DEVUP_SESSION_ID").expect("an id");
    let dir = Path::new(&manifest).parent().expect("a dir").to_path_buf();
    let started = dir.join(format!("{id}.started"));
    match std::env::var("DEVUP_SESSION_MODE").as_deref() {
        Ok("hold") => {
            let session = Session::up(&manifest, &[]).expect("the session comes up");
            assert_all_running(&session);
            std::fs::write(&started, "").expect("writing the marker");
            let go = dir.join(format!("{id}.go"));
            wait_until("the test lets this child go", || go.exists());
            assert_all_running(&session);
            session.end().expect("the session ends");
        }
        Ok("static") => {
            static SHARED: OnceLock<&'static Session> = OnceLock::new();
            let session = SHARED.get_or_init(|| {
                Session::up(&manifest, &[])
                    .expect("the session comes up")
                    .end_at_exit()
            });
            assert_all_running(session);
            std::fs::write(&started, "").expect("writing the marker");
        }
        mode => panic!("unknown mode {mode:?}"),
    }
}

#[track_caller]
fn assert_all_running(session: &Session) {
    for entry in session.daemons() {
        let controller = entry.controller_builder().build().expect("a controller");
        assert!(controller.is_running(), "{} runs", entry.name);
    }
}

/// This test binary, running only [`child_process`] in `mode` as `id`.
fn child(project: &Project, mode: &str, id: &str) -> Command {
    dispositions::reset();
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args([
            "--exact",
            "session::child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DEVUP_SESSION_CHILD", project.manifest())
        .env("DEVUP_SESSION_ID", id)
        .env("DEVUP_SESSION_MODE", mode)
        .env_remove("DEVUP_KEEP")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

/// Spawns a `hold` child and waits until its session is up.
fn holding_child(project: &Project, id: &str) -> Child {
    let child = child(project, "hold", id)
        .spawn()
        .expect("spawning a child");
    wait_until("the child's session is up", || {
        project.path(&format!("{id}.started")).exists()
    });
    child
}

/// Lets a `hold` child end its session, and checks that it succeeded.
fn let_go(project: &Project, id: &str, mut child: Child) {
    project.write(&format!("{id}.go"), "");
    let status = child.wait().expect("waiting for a child");
    assert!(status.success(), "child {id}: {status}");
}

#[test]
fn sessions_in_several_processes_share_the_daemons_and_the_last_one_out_stops_them() {
    let project = Project::new(&recorders(&[("db", &[]), ("web", &["db"])]));
    let children: Vec<(String, Child)> = (0..4)
        .map(|n| {
            let id = format!("child{n}");
            let child = holding_child(&project, &id);
            (id, child)
        })
        .collect();
    assert_eq!(project.events(), ["start db", "start web"]);
    let count = children.len();
    for (done, (id, child)) in children.into_iter().enumerate() {
        let_go(&project, &id, child);
        if done + 1 < count {
            assert_eq!(project.events(), ["start db", "start web"], "after {id}");
        }
    }
    assert_eq!(
        project.events(),
        ["start db", "start web", "stop web", "stop db"]
    );
}

#[test]
fn sessions_in_many_threads_share_the_daemons() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let all_up = Barrier::new(8);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                let session = Session::up(project.manifest(), &["db"]).expect("up");
                assert_all_running(&session);
                all_up.wait();
                session.end().expect("end");
            });
        }
    });
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn a_dropped_session_ends_and_exposes_the_resolved_entries_until_then() {
    let project = Project::new(&format!(
        "env:\n  DB_PORT: \"{{port1}}\"\n{}",
        recorders(&[("db", &[]), ("web", &["db"])])
    ));
    {
        let session = Session::up(project.manifest(), &["db"]).expect("up");
        let db = session.daemon("db").expect("db is in the session");
        assert!(db.env["DB_PORT"].parse::<u16>().is_ok());
        assert_eq!(db.pid_file, project.path(".devup/run/db.pid"));
        assert!(session.daemon("web").is_none(), "web is not in the session");
        let names: Vec<&str> = session.daemons().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["db"]);
    }
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn a_session_whose_start_fails_returns_the_error_and_leaves_nothing_running() {
    let manifest = format!(
        "{}  broken:\n    depends_on: [db]\n    daemonize: true\n    start: \"exit 3 # {{tag}}\"\n    \
         ping: {{ command: \"false\" }}\n    start_timeout: 5s\n",
        recorders(&[("db", &[])])
    );
    let project = Project::new(&manifest);
    let error = Session::up(project.manifest(), &["broken"]).expect_err("broken fails");
    assert!(
        error.to_string().starts_with("broken: could not start"),
        "{error}"
    );
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn a_session_never_stops_a_persistent_daemon() {
    let project = Project::new(&recorders(&[("db", &[])]));
    project.devup(["db"]).status(0).run();
    Session::up(project.manifest(), &[])
        .expect("up")
        .end()
        .expect("end");
    assert_eq!(project.events(), ["start db"]);
}

#[test]
fn a_static_session_ended_at_exit_stops_its_daemons_when_the_process_exits() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let status = child(&project, "static", "static")
        .status()
        .expect("running a child");
    assert!(status.success(), "{status}");
    assert!(project.path("static.started").exists());
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn a_sigkilled_sessions_daemons_are_stopped_by_the_next_one_out() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let mut killed = holding_child(&project, "killed");
    killed.kill().expect("SIGKILL");
    killed.wait().expect("reaping");
    let status = project.devup(["status", "--json"]).run();
    assert_eq!(status.json()[0]["leases"], 0);
    assert_eq!(status.json()[0]["ephemeral"], true);
    Session::up(project.manifest(), &[])
        .expect("up")
        .end()
        .expect("end");
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn devup_keep_makes_a_session_stop_nothing() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let status = child(&project, "static", "kept")
        .env("DEVUP_KEEP", "1")
        .status()
        .expect("running a child");
    assert!(status.success(), "{status}");
    assert_eq!(project.events(), ["start db"]);
}
