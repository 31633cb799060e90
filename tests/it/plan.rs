//! The dependency plan: subsets for `devup NAME...` and `devdown NAME...`,
//! start and stop orders (ties in the manifest's order), and DOT.

use std::path::Path;

use devup::manifest::Manifest;
use devup::plan::Plan;

/// web -> api -> {db, cache}; worker -> {db, queue}; docs stands alone.
const STACK: &str = "\
defaults:
  daemonize: true
daemons:
  web:
    start: x
    depends_on: [api]
  docs:
    start: x
  api:
    start: x
    depends_on: [cache, db]
  worker:
    start: x
    depends_on: [queue, db]
  db:
    start: x
  cache:
    start: x
  queue:
    start: x
";

fn plan() -> Plan {
    let manifest =
        Manifest::parse_with_env(STACK, Path::new("/app/daemons.yaml"), &|_| None).unwrap();
    Plan::new(&manifest).unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| name.to_string()).collect()
}

#[test]
fn names_are_in_the_manifest_order() {
    assert_eq!(
        plan().names(),
        ["web", "docs", "api", "worker", "db", "cache", "queue"]
    );
}

#[test]
fn start_order_puts_dependencies_first_and_ties_in_manifest_order() {
    let plan = plan();
    assert_eq!(
        plan.start_order(&plan.names()),
        ["docs", "db", "cache", "api", "web", "queue", "worker"]
    );
    assert_eq!(
        plan.stop_order(&plan.names()),
        ["worker", "queue", "web", "api", "cache", "db", "docs"]
    );
    // Dependencies outside the subset do not hold anything back.
    assert_eq!(
        plan.start_order(&names(&["web", "db", "api"])),
        ["db", "api", "web"]
    );
}

#[test]
fn up_set_adds_every_transitive_dependency() {
    let plan = plan();
    assert_eq!(
        plan.up_set(&names(&["web"])).unwrap(),
        ["web", "api", "db", "cache"]
    );
    assert_eq!(
        plan.up_set(&names(&["worker", "docs"])).unwrap(),
        ["docs", "worker", "db", "queue"]
    );
    assert_eq!(plan.up_set(&[]).unwrap(), plan.names());
}

#[test]
fn up_set_rejects_an_unknown_name_with_a_suggestion() {
    let error = plan().up_set(&names(&["wbe", "nginx"])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "/app/daemons.yaml: unknown daemon `wbe`, did you mean `web`?\n\
         /app/daemons.yaml: unknown daemon `nginx`; the daemons are web, docs, api, worker, db, cache, queue"
    );
}

#[test]
fn down_set_adds_the_running_dependents_transitively() {
    let plan = plan();
    let all_running = |_: &str| true;
    assert_eq!(
        plan.down_set(&names(&["db"]), &all_running).unwrap(),
        ["web", "api", "worker", "db"]
    );
    // `api` is not running: it is left out, but `web`, which depends on it,
    // is still stopped first.
    let api_stopped = |name: &str| name != "api";
    assert_eq!(
        plan.down_set(&names(&["db"]), &api_stopped).unwrap(),
        ["web", "worker", "db"]
    );
    let nothing_running = |_: &str| false;
    assert_eq!(
        plan.down_set(&names(&["cache"]), &nothing_running).unwrap(),
        ["cache"]
    );
    assert_eq!(plan.down_set(&[], &nothing_running).unwrap(), plan.names());
    assert!(plan.down_set(&names(&["dbb"]), &all_running).is_err());
}

#[test]
fn direct_dependencies_and_dependents() {
    let plan = plan();
    assert_eq!(plan.dependencies("api"), ["db", "cache"]);
    assert_eq!(plan.dependents("db"), ["api", "worker"]);
    assert!(plan.dependencies("db").is_empty());
    assert!(plan.dependents("unknown").is_empty());
}

#[test]
fn dot_lists_every_daemon_then_every_dependency() {
    assert_eq!(
        plan().to_dot(),
        "digraph devup {\n  \"web\";\n  \"docs\";\n  \"api\";\n  \"worker\";\n  \"db\";\n  \"cache\";\n  \"queue\";\n  \"web\" -> \"api\";\n  \"api\" -> \"db\";\n  \"api\" -> \"cache\";\n  \"worker\" -> \"db\";\n  \"worker\" -> \"queue\";\n}\n"
    );
}

#[test]
fn a_manifest_changed_by_hand_is_checked_again() {
    let mut manifest =
        Manifest::parse_with_env(STACK, Path::new("/app/daemons.yaml"), &|_| None).unwrap();
    manifest.daemons[4].depends_on = vec!["web".into(), "nosuch".into()];
    let error = Plan::new(&manifest).unwrap_err();
    assert_eq!(
        error.to_string(),
        "/app/daemons.yaml: daemon `db`, key `depends_on`: unknown daemon `nosuch` in `depends_on`\n\
         /app/daemons.yaml: daemon `web`, key `depends_on`: dependency cycle: web -> api -> db -> web"
    );
}

#[test]
fn a_loaded_manifest_hands_out_the_plan_its_validation_checked() {
    let manifest =
        Manifest::parse_with_env(STACK, Path::new("/app/daemons.yaml"), &|_| None).unwrap();
    let handed = manifest.plan();
    let built = Plan::new(&manifest).unwrap();
    assert_eq!(handed.names(), built.names());
    assert_eq!(handed.to_dot(), built.to_dot());
    assert_eq!(
        handed.start_order(&handed.up_set(&names(&["web"])).unwrap()),
        ["db", "cache", "api", "web"]
    );
    assert_eq!(
        handed.up_set(&names(&["wbe"])).unwrap_err().to_string(),
        built.up_set(&names(&["wbe"])).unwrap_err().to_string()
    );
}
