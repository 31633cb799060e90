//! Tasks (SPEC §2 "Tasks"): one-shot nodes of the graph that run when they
//! never succeeded here or their definition changed; `restart TASK` forces
//! them; a failure or a timeout skips what depends on them and shows the
//! output; `check` and `graph` show them; `devdown` ignores them.
use crate::harness;

use harness::{Project, Test, is_alive, recorder};

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
        .stderr(
            "\
migrate: waiting for db
web: waiting for migrate
db: starting
db: spawned (pid {pid})
db: waiting for ping (pid {pid})
db: ready in {time} (pid {pid})
migrate: starting
migrate: ran in {time}
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 2 ready, 1 task ran in {time}
",
        )
        .run();
    assert_eq!(runs(&project), 1);
    // It ran after db was ready, and web started after it.
    assert_eq!(project.events(), ["start db", "start web"]);
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
migrate: waiting for db
web: waiting for migrate
db: already running (pid {pid})
migrate: up to date
web: already running (pid {pid})
up: 2 already running, 1 task up to date in {time}
",
        )
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
        .stdout(
            "\
{dir}/daemons.yaml: valid, 2 daemons, 1 task
start order:
  1. db
  2. migrate (task, after db)
  3. web (after migrate)
devup would run:
  migrate: changed (inputs)
",
        )
        .run();
    project
        .devup(["up"])
        .status(0)
        .stderr(
            "\
migrate: waiting for db
web: waiting for migrate
db: already running (pid {pid})
migrate: starting
migrate: ran in {time}
web: already running (pid {pid})
up: 2 already running, 1 task ran in {time}
",
        )
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
        .stderr(
            "\
migrate: waiting for db
web: waiting for migrate
db: already running (pid {pid})
migrate: starting
migrate: ran in {time}
web: already running (pid {pid})
up: 2 already running, 1 task ran in {time}
",
        )
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
        .stderr(
            "\
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
down: 1 stopped in {time}
migrate: waiting for db
web: waiting for migrate
db: already running (pid {pid})
migrate: starting
migrate: ran in {time}
web: starting
web: spawned (pid {pid})
web: waiting for ping (pid {pid})
web: ready in {time} (pid {pid})
up: 1 ready, 1 already running, 1 task ran in {time}
",
        )
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
        // Daemons started or stopped in parallel: their lines interleave.
        .stderr_any_order(
            "\
web: waiting for migrate
mail: starting
mail: spawned (pid {pid})
mail: waiting for ping (pid {pid})
mail: ready in {time} (pid {pid})
migrate: starting
migrate: failed after {time}
web: skipped (migrate failed)
up: 1 ready, 1 failed, 1 skipped in {time}

error: migrate: the task failed: it exited with status 3
output of the task:
  no database here
",
        )
        .run();
    // A failure is not a success: the next devup runs it again.
    project
        .devup(["up"])
        .status(1)
        // mail runs on its own, beside migrate and web: its line may come anywhere.
        .stderr_any_order(
            "\
web: waiting for migrate
mail: already running (pid {pid})
migrate: starting
migrate: failed after {time}
web: skipped (migrate failed)
up: 1 already running, 1 failed, 1 skipped in {time}

error: migrate: the task failed: it exited with status 3
output of the task:
  no database here
",
        )
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
        .stderr(
            "\
web: waiting for slow
slow: starting
slow: failed after {time}
web: skipped (slow failed)
up: 1 failed, 1 skipped in {time}

error: slow: not ready after {time} (still waiting for the task to finish); the start was aborted
",
        )
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
        .stdout(
            "\
{dir}/daemons.yaml: valid, 2 daemons, 1 task
start order:
  1. db
  2. migrate (task, after db)
  3. web (after migrate)
devup would run:
  migrate: never succeeded here
",
        )
        .run();
    project
        .devup(["graph"])
        .status(0)
        .stdout(
            "\
digraph devup {
  \"db\";
  \"web\";
  \"migrate\";
  \"web\" -> \"migrate\";
  \"migrate\" -> \"db\";
}
",
        )
        .run();
    project.devup(["up"]).status(0).run();
    // A task is no daemon: status does not list it.
    project
        .devup(["status"])
        .status(0)
        .stdout(
            "\
db   running  {pid}  {time}
web  running  {pid}  {time}
",
        )
        .run();
    project
        .devdown::<[&str; 0], &str>([])
        .status(0)
        .stderr(
            "\
db: waiting for web
web: stopping (pid {pid})
web: stopped in {time} (pid {pid})
db: stopping (pid {pid})
db: stopped in {time} (pid {pid})
down: 2 stopped in {time}
",
        )
        .run();
    project
        .devup(["down", "migrate"])
        .status(0)
        .stderr("down: nothing to do in {time}\n")
        .run();
}

#[test]
fn a_task_name_must_not_be_a_daemon_s() {
    Test::new()
        .manifest(&format!(
        "tasks:\n  db:\n    run: \"true\"\n  setup:\n    runn: x\ndaemons:\n{}",
        recorder("db", &[])
    ))
        .args(["check"])
        .status(2)
        .stderr("\
error: {dir}/daemons.yaml:2:3: task `db`: `db` is the name of a daemon too; daemons and tasks share one namespace
{dir}/daemons.yaml:5:5: task `setup`: unknown key `runn`, did you mean `run`?
")
        .run();
}

#[test]
fn a_task_whose_dir_is_missing_fails_saying_so() {
    Test::new()
        .manifest(
        "tasks:\n  build:\n    run: \"true\"\n    dir: nowhere\ndaemons:\n  web:\n    daemonize: true\n    start: \"sleep 60 # {tag}\"\n    depends_on: [build]\n",
    )
        .args(["up"])
        .status(1)
        .stderr("\
web: waiting for build
build: starting
build: failed after {time}
web: skipped (build failed)
up: 1 failed, 1 skipped in {time}

error: build: the task failed: cannot change to the directory {dir}/nowhere: No such file or directory (os error 2)
")
        .run();
}

#[test]
fn a_failed_task_says_that_the_task_failed_with_its_exit_status_and_its_output() {
    let project = Project::new(
        "tasks:\n  migrate:\n    run: echo no database here; echo at all >&2; exit 3\n\
         daemons:\n  web:\n    daemonize: true\n    start: sleep 30\n    depends_on: [migrate]\n",
    );
    project
        .devup(["up", "migrate"])
        .status(1)
        .stderr(
            "\
migrate: starting
migrate: failed after {time}
up: 1 failed in {time}

error: migrate: the task failed: it exited with status 3
output of the task:
  no database here
  at all
",
        )
        .run();
}
