//! Tasks (SPEC §2 "Tasks"): one-shot nodes of the graph that run when they
//! never succeeded here or their definition changed; `restart TASK` forces
//! them; a failure or a timeout skips what depends on them and shows the
//! output; `check` and `graph` show them; `devdown` ignores them.
use crate::harness;

use harness::{Project, is_alive, recorder};

/// `db` (a recorder), the task `migrate` after it (appending to
/// `migrate.log`), and `web` after the task.
fn project_with_task(task_extra: &str) -> Project {
    Project::new(&format!(
        "tasks:\n  migrate:\n    run: echo migrated >> migrate.log\n    depends_on: [db]\n{task_extra}\
         daemons:\n{}{}",
        recorder("db", &[]),
        recorder("web", &["migrate"])
    ))
}

fn runs(project: &Project) -> usize {
    project.read("migrate.log").lines().count()
}

#[test]
fn a_task_runs_once_then_is_up_to_date() {
    let project = project_with_task("    inputs: [db/*.sql]\n");
    project.write("db/1.sql", "create\n");
    project
        .devup(["up"])
        .status(0)
        .stderr_includes("migrate: ran in ")
        .stderr_includes("web: ready in")
        .stderr_includes("up: 2 ready, 1 task ran in")
        .run();
    assert_eq!(runs(&project), 1);
    // It ran after db was ready, and web started after it.
    assert_eq!(project.events(), ["start db", "start web"]);
    project
        .devup(["up"])
        .status(0)
        .stderr_includes("migrate: up to date\n")
        .stderr_includes("up: 2 already running, 1 task up to date in")
        .run();
    assert_eq!(runs(&project), 1);
}

#[test]
fn the_json_summary_counts_tasks_apart_from_daemons() {
    let project = project_with_task("");
    let summary = |outcome: harness::Outcome| {
        let last = outcome.stdout.lines().last().expect("a summary line");
        let mut summary: serde_json::Value = serde_json::from_str(last).expect("JSON");
        summary.as_object_mut().unwrap().remove("elapsed_ms");
        summary
    };
    assert_eq!(
        summary(project.devup(["up", "--json"]).status(0).run()),
        serde_json::json!({"event": "summary", "action": "up", "ready": 2,
            "already_running": 0, "tasks_ran": 1, "failed": 0, "skipped": 0})
    );
    assert_eq!(
        summary(project.devup(["up", "--json"]).status(0).run()),
        serde_json::json!({"event": "summary", "action": "up", "ready": 0,
            "already_running": 2, "tasks_up_to_date": 1, "failed": 0, "skipped": 0})
    );
}

#[test]
fn a_changed_definition_runs_it_again() {
    let project = project_with_task("    inputs: [db/*.sql]\n");
    project.write("db/1.sql", "create\n");
    project.devup(["up"]).status(0).run();
    project.write("db/2.sql", "alter\n");
    project
        .devup(["check"])
        .status(0)
        .stdout_includes("devup would run:\n  migrate: changed (inputs)\n")
        .run();
    project
        .devup(["up"])
        .status(0)
        .stderr_includes("migrate: ran in ")
        .run();
    assert_eq!(runs(&project), 2);
    // Its environment is part of it too.
    let manifest = project.read("daemons.yaml").replace(
        "    depends_on: [db]\n",
        "    depends_on: [db]\n    env: { V: \"2\" }\n",
    );
    project.write("daemons.yaml", &manifest);
    project
        .devup(["up"])
        .status(0)
        .stderr_includes("migrate: ran in ")
        .run();
    assert_eq!(runs(&project), 3);
}

#[test]
fn restart_of_a_task_always_runs_it() {
    let project = project_with_task("");
    project.devup(["up"]).status(0).run();
    project
        .devup(["restart", "migrate"])
        .status(0)
        .stderr_includes("migrate: ran in ")
        .run();
    assert_eq!(runs(&project), 2);
}

#[test]
fn a_failed_task_skips_its_dependents_and_shows_its_output() {
    let project = Project::new(&format!(
        "tasks:\n  migrate:\n    run: echo no database here; exit 3\n\
         daemons:\n{}{}",
        recorder("web", &["migrate"]),
        recorder("mail", &[])
    ));
    project
        .devup(["up"])
        .status(1)
        .stderr_includes("migrate: failed after")
        .stderr_includes("the task exited with status 3")
        .stderr_includes("no database here")
        .stderr_includes("web: skipped (migrate failed)")
        .stderr_includes("mail: ready in")
        .run();
    // A failure is not a success: the next devup runs it again.
    project
        .devup(["up"])
        .status(1)
        .stderr_includes("the task exited with status 3")
        .run();
}

#[test]
fn a_task_past_its_timeout_is_killed_with_everything_it_started() {
    let project = Project::new(&format!(
        "tasks:\n  slow:\n    run: \": {{tag}}; sleep 60 & echo $! > child.pid; sleep 60\"\n    timeout: 300ms\n\
         daemons:\n{}",
        recorder("web", &["slow"])
    ));
    project
        .devup(["up"])
        .status(1)
        .stderr_includes("slow: failed after")
        .stderr_includes("the task to finish")
        .stderr_includes("web: skipped (slow failed)")
        .run();
    let child: u32 = project.read("child.pid").trim().parse().unwrap();
    assert!(!is_alive(child), "the task's background child was killed");
    assert!(project.processes_with(project.tag()).is_empty());
}

#[test]
fn check_and_graph_show_tasks_and_devdown_ignores_them() {
    let project = project_with_task("");
    project
        .devup(["check"])
        .status(0)
        .stdout_includes("valid, 2 daemons, 1 task\nstart order:\n  1. db\n  2. migrate (task, after db)\n  3. web (after migrate)\n")
        .stdout_includes("devup would run:\n  migrate: never succeeded here\n")
        .run();
    project
        .devup(["graph"])
        .status(0)
        .stdout_includes("\"web\" -> \"migrate\";\n  \"migrate\" -> \"db\";\n")
        .run();
    project.devup(["up"]).status(0).run();
    let status = project.devup(["status"]).status(0).run();
    assert!(!status.stdout.contains("migrate"), "{}", status.stdout);
    project
        .devdown::<[&str; 0], &str>([])
        .status(0)
        .stderr_excludes("migrate")
        .stderr_includes("down: 2 stopped in")
        .run();
    project
        .devup(["down", "migrate"])
        .status(0)
        .stderr_excludes("migrate:")
        .run();
}

#[test]
fn a_task_name_must_not_be_a_daemon_s() {
    let project = Project::new(&format!(
        "tasks:\n  db:\n    run: \"true\"\n  setup:\n    runn: x\ndaemons:\n{}",
        recorder("db", &[])
    ));
    let file = project.manifest().display().to_string();
    project
        .devup(["check"])
        .status(2)
        .stderr_includes(&format!(
            "{file}:2:3: task `db`: `db` is the name of a daemon too; daemons and tasks share one namespace"
        ))
        .stderr_includes(&format!(
            "{file}:5:5: task `setup`: unknown key `runn`, did you mean `run`?"
        ))
        .run();
}

#[test]
fn a_task_whose_dir_is_missing_fails_saying_so() {
    let project = Project::new(
        "tasks:\n  build:\n    run: \"true\"\n    dir: nowhere\ndaemons:\n  web:\n    daemonize: true\n    start: \"sleep 60 # {tag}\"\n    depends_on: [build]\n",
    );
    project
        .devup(["up"])
        .status(1)
        .stderr_includes(&format!(
            "cannot change to the directory {}: No such file or directory",
            project.path("nowhere").display()
        ))
        .stderr_includes("web: skipped (build failed)")
        .run();
}
