//! The commands that only read the manifest, or nothing: `check`, `graph`,
//! `schema`, `completions`, `man`. Their output is the answer, so it goes to stdout.

use std::io::Write;

use clap_complete::Shell;

use super::{CliError, Config};
use crate::exit_code;

/// `devup check`: the manifest is valid; its start order.
pub fn check(config: &Config) -> Result<u8, CliError> {
    let project = config.load()?;
    let order = project.plan.start_order(&project.plan.names());
    let mut text = format!(
        "{}: valid, {} daemon{}\nstart order:\n",
        project.manifest.path.display(),
        order.len(),
        if order.len() == 1 { "" } else { "s" }
    );
    for (number, name) in order.iter().enumerate() {
        let deps = project.plan.dependencies(name);
        if deps.is_empty() {
            text.push_str(&format!("  {}. {name}\n", number + 1));
        } else {
            text.push_str(&format!(
                "  {}. {name} (after {})\n",
                number + 1,
                deps.join(", ")
            ));
        }
    }
    print(&text)?;
    Ok(exit_code::SUCCESS)
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
