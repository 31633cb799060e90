//! `devup status [NAME...] [--json]`: each daemon's state, pid and uptime,
//! whether its definition changed since it started and, without names, the
//! orphans (SPEC §6), as aligned lines or as a JSON array; exit 0 when all
//! run, 3 otherwise.

use serde_json::json;

use super::inspect::print;
use super::{CliError, Config};
use crate::controller::{DaemonState, Status, format_duration};
use crate::exit_code;
use crate::run::recorded;

/// One daemon's row.
struct Row {
    name: String,
    status: Status,
    /// The keys that changed since it started (empty: none).
    changed: Vec<String>,
    /// Started from this directory, no longer in the manifest.
    orphan: bool,
}

/// Prints the status of `names` (all daemons when empty).
pub fn run(config: &Config, names: &[String], json: bool) -> Result<u8, CliError> {
    let project = config.load()?;
    // Rejects unknown names with the nearest known one as a suggestion.
    project.plan.up_set(names)?;
    let all = names.is_empty();
    let names = if all {
        project.plan.names()
    } else {
        names.to_vec()
    };
    // Tasks are not daemons: they have no state to show.
    let names = names
        .into_iter()
        .filter(|name| project.manifest.task(name).is_none());
    let mut rows: Vec<Row> = names
        .into_iter()
        .map(|name| {
            let status = project
                .manifest
                .controller_builder(&name)
                .and_then(|builder| builder.build().ok())
                .map_or(
                    Status {
                        state: DaemonState::Stopped,
                        pid: None,
                        uptime: None,
                    },
                    |controller| controller.status(),
                );
            let changed = recorded::changed_keys(&project.manifest, &name).unwrap_or_default();
            Row {
                name,
                status,
                changed,
                orphan: false,
            }
        })
        .collect();
    if all {
        for orphan in recorded::orphans(&project.manifest) {
            let Some(controller) = orphan
                .record
                .controller_builder()
                .and_then(|builder| builder.build().ok())
            else {
                continue;
            };
            rows.push(Row {
                name: orphan.record.name.clone(),
                status: controller.status(),
                changed: Vec::new(),
                orphan: true,
            });
        }
    }
    if !config.quiet {
        print(&if json {
            render_json(&rows)
        } else {
            render_lines(&rows)
        })?;
    }
    let all_running = rows
        .iter()
        .all(|row| row.status.state == DaemonState::Running);
    Ok(if all_running {
        exit_code::SUCCESS
    } else {
        exit_code::NOT_ALL_RUNNING
    })
}

fn render_json(rows: &[Row]) -> String {
    let array: Vec<_> = rows
        .iter()
        .map(|row| {
            json!({
                "name": row.name,
                "state": row.status.state.as_str(),
                "pid": row.status.pid,
                "uptime_secs": row.status.uptime.map(|uptime| uptime.as_secs()),
                "changed": !row.changed.is_empty(),
                "orphan": row.orphan,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&array).expect("a JSON value serializes");
    text.push('\n');
    text
}

fn render_lines(rows: &[Row]) -> String {
    let width = rows
        .iter()
        .map(|row| row.name.chars().count())
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|row| {
            let pid = row
                .status
                .pid
                .map_or_else(|| "-".to_string(), |pid| pid.to_string());
            let uptime = row
                .status
                .uptime
                .map_or_else(|| "-".into(), format_duration);
            let note = if row.orphan {
                "  orphan (no longer in the manifest)".to_string()
            } else if !row.changed.is_empty() {
                format!("  changed ({})", row.changed.join(", "))
            } else {
                String::new()
            };
            format!(
                "{:<width$}  {:<12}  {:>7}  {}{note}\n",
                row.name,
                row.status.state.as_str(),
                pid,
                uptime
            )
        })
        .collect()
}
