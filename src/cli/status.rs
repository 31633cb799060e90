//! `devup status [NAME...] [--json]`: each daemon's state, pid and uptime,
//! whether its definition changed since it started and, without names, the
//! orphans (SPEC §6), as aligned lines or as a JSON array; exit 0 when all
//! run, 3 otherwise. The daemons are looked at in parallel. Each row also
//! says how many leases are held on the daemon and whether it is ephemeral
//! (SPEC §7): in JSON always (`leases`, `ephemeral`), on a line after the
//! uptime when there is something to say (`ephemeral, 2 leases`).

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
    /// Leases held on it now.
    leases: usize,
    /// Started by `exec` or a session.
    ephemeral: bool,
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
    let names: Vec<String> = names
        .into_iter()
        .filter(|name| project.manifest.task(name).is_none())
        .collect();
    // Each daemon is pinged on a thread of its own, with a short deadline:
    // five that do not answer cost one deadline, not five.
    let mut rows: Vec<Row> = std::thread::scope(|scope| {
        let threads: Vec<_> = names
            .into_iter()
            .map(|name| {
                let manifest = &project.manifest;
                scope.spawn(move || {
                    let controller = manifest
                        .controller_builder(&name)
                        .and_then(|builder| builder.build().ok());
                    let status = controller.as_ref().map_or(
                        Status {
                            state: DaemonState::Stopped,
                            pid: None,
                            uptime: None,
                        },
                        |controller| controller.status(),
                    );
                    let changed = recorded::changed_keys(manifest, &name).unwrap_or_default();
                    Row {
                        name,
                        status,
                        changed,
                        orphan: false,
                        leases: controller.as_ref().map_or(0, |c| c.leases()),
                        ephemeral: controller.as_ref().is_some_and(|c| c.is_ephemeral()),
                    }
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("a status thread does not panic"))
            .collect()
    });
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
                leases: controller.leases(),
                ephemeral: controller.is_ephemeral(),
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
                "leases": row.leases,
                "ephemeral": row.ephemeral,
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
            let line = format!(
                "{:<width$}  {:<12}  {:>7}  {}{note}",
                row.name,
                row.status.state.as_str(),
                pid,
                uptime
            );
            match lease_note(row) {
                Some(note) => format!("{line}  {note}\n"),
                None => format!("{line}\n"),
            }
        })
        .collect()
}

/// `ephemeral, 2 leases`, `1 lease`; `None` for a persistent daemon nobody
/// leases (the line stays as it always was).
fn lease_note(row: &Row) -> Option<String> {
    let leases = match row.leases {
        0 => None,
        1 => Some("1 lease".to_string()),
        n => Some(format!("{n} leases")),
    };
    match (row.ephemeral, leases) {
        (false, None) => None,
        (false, Some(leases)) => Some(leases),
        (true, None) => Some("ephemeral, no lease".to_string()),
        (true, Some(leases)) => Some(format!("ephemeral, {leases}")),
    }
}
