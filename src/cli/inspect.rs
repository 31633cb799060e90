//! The commands that only read the manifest, or nothing: `check`, `graph`,
//! `schema`, `completions`, `man`. Their output is the answer, so it goes to stdout.

use std::io::Write;

use clap_complete::Shell;

use super::{CliError, Config};
use crate::exit_code;
use crate::run;

/// `devup check`: the manifest is valid; its start order (tasks marked);
/// then, as a dry run of what `devup` would do about what runs (SPEC §6):
/// the daemons it would restart, the tasks it would run, the orphans.
pub fn check(config: &Config) -> Result<u8, CliError> {
    let project = config.load()?;
    let manifest = &project.manifest;
    let order = project.plan.start_order(&project.plan.names());
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut counts = plural(manifest.daemons.len(), "daemon");
    if !manifest.tasks.is_empty() {
        counts.push_str(&format!(", {}", plural(manifest.tasks.len(), "task")));
    }
    let mut text = format!(
        "{}: valid, {counts}\nstart order:\n",
        manifest.path.display()
    );
    for (number, name) in order.iter().enumerate() {
        let deps = project.plan.dependencies(name);
        let mut notes = Vec::new();
        if manifest.task(name).is_some() {
            notes.push("task".to_string());
        }
        if !deps.is_empty() {
            notes.push(format!("after {}", deps.join(", ")));
        }
        if notes.is_empty() {
            text.push_str(&format!("  {}. {name}\n", number + 1));
        } else {
            text.push_str(&format!(
                "  {}. {name} ({})\n",
                number + 1,
                notes.join(", ")
            ));
        }
    }
    text.push_str(&dry_run(&project));
    print(&text)?;
    Ok(exit_code::SUCCESS)
}

/// What a plain `devup` would do beyond starting what is stopped.
fn dry_run(project: &super::Project) -> String {
    let (plan, manifest) = (&project.plan, &project.manifest);
    let mut text = String::new();
    let changes = run::changes(plan, manifest, &[]).unwrap_or_default();
    if !changes.is_empty() {
        text.push_str("devup would restart:\n");
        let roots: Vec<String> = changes.iter().map(|c| c.daemon.clone()).collect();
        for change in &changes {
            text.push_str(&format!(
                "  {}: changed ({})\n",
                change.daemon,
                change.keys.join(", ")
            ));
        }
        let dependents = plan
            .down_set(&roots, &|name| run::is_running(manifest, name))
            .unwrap_or_default();
        for name in dependents.iter().filter(|name| !roots.contains(name)) {
            text.push_str(&format!("  {name}: runs and depends on a changed daemon\n"));
        }
    }
    let tasks: Vec<String> = manifest
        .tasks
        .iter()
        .filter_map(|task| match task.changed_keys() {
            Ok(None) => Some(format!("  {}: never succeeded here\n", task.name)),
            Ok(Some(keys)) if !keys.is_empty() => {
                Some(format!("  {}: changed ({})\n", task.name, keys.join(", ")))
            }
            _ => None,
        })
        .collect();
    if !tasks.is_empty() {
        text.push_str("devup would run:\n");
        text.push_str(&tasks.concat());
    }
    let orphans = run::recorded::orphans(manifest);
    if !orphans.is_empty() {
        text.push_str("orphans (devup --remove-orphans or devdown stops them):\n");
        for orphan in orphans {
            text.push_str(&format!("  {} (pid {})\n", orphan.record.name, orphan.pid));
        }
    }
    text
}

/// `devup graph`: the dependency graph in Graphviz DOT.
pub fn graph(config: &Config) -> Result<u8, CliError> {
    let project = config.load()?;
    let mut dot = project.plan.to_dot();
    if !dot.ends_with('\n') {
        dot.push('\n');
    }
    print(&dot)?;
    Ok(exit_code::SUCCESS)
}

/// `devup schema`: the manifest's JSON Schema.
pub fn schema() -> Result<u8, CliError> {
    print(&crate::manifest::json_schema())?;
    Ok(exit_code::SUCCESS)
}

/// `devup completions SHELL`: the script that registers devup's and
/// devdown's completion (see `complete.rs`).
pub fn completions(shell: Shell) -> Result<u8, CliError> {
    print(&super::complete::script(shell)?)?;
    Ok(exit_code::SUCCESS)
}

/// `devup man`: the man page devup(1), generated from the clap
/// definitions, so it lists exactly the commands and flags there are.
pub fn man() -> Result<u8, CliError> {
    let page = super::man::page().map_err(|source| CliError::Io {
        action: "rendering the man page".into(),
        source,
    })?;
    print(&page)?;
    Ok(exit_code::SUCCESS)
}

/// Writes `text` to stdout; a closed pipe (`devup graph | head`) is not an error.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Io {
            action: "writing to stdout".into(),
            source: error,
        }),
        _ => Ok(()),
    }
}
