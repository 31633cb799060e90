//! `devup wait [NAME...] [--timeout D]`: waits, all named daemons at once,
//! until each is running and its ping answers (see
//! [`crate::DaemonController::wait_ready`]); starts nothing and takes no
//! lock. Prints one line per daemon to stderr (`redis: ready (pid 42)`, or
//! why it is not); exit 0 when all are ready, 1 otherwise.

use std::time::Duration;

use super::{CliError, Config};
use crate::controller::NotReady;
use crate::exit_code;
use crate::manifest::parse_duration;

/// Waits for `names` (all daemons when empty), each for `timeout` (default:
/// its `start_timeout`).
pub fn run(config: &Config, names: &[String], timeout: Option<&str>) -> Result<u8, CliError> {
    let timeout = timeout
        .map(|text| {
            parse_duration(text).map_err(|error| CliError::Invalid(format!("--timeout: {error}")))
        })
        .transpose()?;
    let project = config.load()?;
    // Rejects unknown names with the nearest known one as a suggestion.
    project.plan.up_set(names)?;
    // Tasks run to completion and have nothing to wait for: all daemons
    // when none are named; a named task is a usage error.
    let names = if names.is_empty() {
        project
            .plan
            .names()
            .into_iter()
            .filter(|name| project.manifest.daemon(name).is_some())
            .collect()
    } else {
        names.to_vec()
    };
    let mut controllers = Vec::new();
    for name in &names {
        let entry = project.manifest.daemon(name).ok_or_else(|| {
            CliError::Invalid(format!(
                "`{name}` is a task, not a daemon: there is nothing to wait for"
            ))
        })?;
        let controller = entry
            .controller_builder()
            .build()
            .map_err(|error| CliError::Invalid(error.to_string()))?;
        controllers.push((timeout.unwrap_or(entry.start_timeout), controller));
    }
    let results: Vec<(String, Duration, Result<u32, NotReady>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = controllers
            .iter()
            .map(|(timeout, controller)| {
                scope.spawn(move || {
                    (
                        controller.name().to_string(),
                        *timeout,
                        controller.wait_ready(*timeout),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a wait thread does not panic"))
            .collect()
    });
    let mut all_ready = true;
    for (name, timeout, result) in results {
        match result {
            Ok(pid) if !config.quiet => eprintln!("{name}: ready (pid {pid})"),
            Ok(_) => {}
            Err(not_ready) => {
                all_ready = false;
                eprintln!(
                    "error: {name}: not ready after {}: {not_ready}",
                    crate::controller::format_duration(timeout)
                );
            }
        }
    }
    Ok(if all_ready {
        exit_code::SUCCESS
    } else {
        exit_code::FAILURE
    })
}
