//! One daemon's `devup-P-NAME.service` (SPEC §9). Readiness is kept: a
//! daemon with a `tcp`, `unix`, `http`, `command` or `log` ping gets an
//! `ExecStartPost=` running `devup wait NAME`, so its start job, and with
//! it the start of every unit ordered `After=` it, ends only when the ping
//! answers (not when its process merely exists); `ping: notify` is
//! `Type=notify`. Every `Requires=` comes with its `After=` (without it
//! systemd starts both at once). For `daemonize: true` an `ExecStartPost=`
//! keeps `pid_file` written from `$MAINPID`, so `devup status` and
//! `devup wait` see the daemon that systemd runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::unit_file::UnitFile;
use super::{Context, ExportError, Unit, escape, names, seconds};
use crate::controller::{BeforeStart, CommandLine, Ping, defaults};
use crate::manifest::DaemonEntry;

/// The unit for `entry`, and one warning per setting it cannot express.
pub(crate) fn daemon_unit(
    entry: &DaemonEntry,
    context: &Context,
) -> Result<(Unit, Vec<String>), ExportError> {
    let error = |key: &str, message: String| ExportError {
        name: entry.name.clone(),
        key: key.to_string(),
        message,
    };
    let file_name = names::service_name(&context.project, &entry.name)
        .map_err(|message| error("daemons", message))?;
    let lost = not_expressible(entry);
    let warnings: Vec<String> = lost
        .iter()
        .map(|what| format!("{}: {what}", entry.name))
        .collect();

    let mut file = UnitFile::generated(&context.manifest.display().to_string());
    for what in &lost {
        file.comment(&format!("not expressed in systemd: {what}"));
    }
    file.section("Unit");
    file.entry(
        "Description",
        &escape::text(&format!("devup {}: {}", context.project, entry.name)),
    );
    unit_dependencies(&mut file, &entry.depends_on, context, &error)?;

    file.section("Service");
    let kind = match (entry.daemonize, &entry.ping) {
        (false, _) => "forking",
        (true, Some(Ping::Notify)) => "notify",
        (true, _) => "exec",
    };
    file.entry("Type", kind);
    if kind == "notify" {
        // devup accepts READY=1 from any process of the daemon (a shell
        // that forks it, for instance): so does systemd, with this.
        file.entry("NotifyAccess", "all");
    }
    let pid_file = path_value(&entry.pid_file, "pid_file", &error)?;
    if !entry.daemonize {
        file.entry("PIDFile", &pid_file);
    }
    environment(&mut file, &entry.dir, &entry.env, context, &error)?;
    // A manifest's `before_start` steps are all commands.
    for command in entry.before_start.iter().filter_map(BeforeStart::command) {
        file.entry(
            "ExecStartPre",
            &exec_line(
                command,
                &entry.dir,
                &entry.env,
                context,
                "before_start",
                &error,
            )?,
        );
    }
    file.entry(
        "ExecStart",
        &exec_line(
            &entry.start,
            &entry.dir,
            &entry.env,
            context,
            "start",
            &error,
        )?,
    );
    if entry.daemonize {
        // `$MAINPID` is set for control processes; the path comes as `$1`
        // so it needs no shell quoting.
        let write = CommandLine::Argv(vec![
            "/bin/sh".into(),
            "-c".into(),
            "mkdir -p \"${1%/*}\" && echo \"$MAINPID\" > \"$1\"".into(),
            "sh".into(),
            entry.pid_file.display().to_string(),
        ]);
        file.entry("ExecStartPost", &plain_line(&write, "pid_file", &error)?);
    }
    if matches!(
        entry.ping,
        Some(Ping::Tcp(_) | Ping::Unix(_) | Ping::Http(_) | Ping::Command(_) | Ping::Log(_))
    ) {
        file.entry("ExecStartPost", &wait_line(&entry.name, context, &error)?);
    }
    if let Some(stop) = &entry.stop {
        file.entry(
            "ExecStop",
            &exec_line(stop, &entry.dir, &entry.env, context, "stop", &error)?,
        );
    }
    if entry.daemonize {
        let remove = CommandLine::Argv(vec![
            "/bin/rm".into(),
            "-f".into(),
            entry.pid_file.display().to_string(),
        ]);
        file.entry("ExecStopPost", &plain_line(&remove, "pid_file", &error)?);
    }
    file.entry("KillSignal", &format!("SIG{}", entry.stop_signal.name()));
    file.entry("TimeoutStartSec", &seconds(entry.start_timeout));
    file.entry("TimeoutStopSec", &seconds(entry.stop_timeout));
    if entry.daemonize
        && let Some(log_file) = &entry.log_file
    {
        let log = path_value(log_file, "log_file", &error)?;
        file.entry("StandardOutput", &format!("append:{log}"));
        file.entry("StandardError", &format!("append:{log}"));
    }
    Ok((
        Unit {
            file_name,
            text: file.into_text(),
        },
        warnings,
    ))
}

/// What the manifest says that these units cannot: each a phrase for the
/// warning and the unit's comment.
fn not_expressible(entry: &DaemonEntry) -> Vec<String> {
    let mut lost = Vec::new();
    if let Some(regex) = &entry.fail_when_log {
        lost.push(format!(
            "fail_when_log /{regex}/ (systemd does not read the log; the start fails only at its timeout)"
        ));
    }
    if !entry.daemonize && entry.log_activity_timeout != defaults::LOG_ACTIVITY_TIMEOUT {
        lost.push(format!(
            "log_activity_timeout {} (systemd waits for the pid file until TimeoutStartSec=)",
            crate::controller::format_duration(entry.log_activity_timeout)
        ));
    }
    if entry.start_abort_timeout != defaults::START_ABORT_TIMEOUT {
        lost.push(format!(
            "start_abort_timeout {} (systemd allows TimeoutStopSec= after an aborted start)",
            crate::controller::format_duration(entry.start_abort_timeout)
        ));
    }
    if matches!(entry.ping, Some(Ping::Log(_))) {
        lost.push(
            "ping: log is checked by `devup wait`, which takes a matching line anywhere in the log, also from an earlier run"
                .to_string(),
        );
    }
    lost
}

/// `PartOf=` the target, and `Requires=` + `After=` for each dependency.
pub(super) fn unit_dependencies(
    file: &mut UnitFile,
    depends_on: &[String],
    context: &Context,
    error: &dyn Fn(&str, String) -> ExportError,
) -> Result<(), ExportError> {
    file.entry("PartOf", &names::target_name(&context.project));
    for dependency in depends_on {
        let unit = names::service_name(&context.project, dependency)
            .map_err(|message| error("depends_on", message))?;
        file.entry("Requires", &unit);
        file.entry("After", &unit);
    }
    Ok(())
}

/// `WorkingDirectory=` and one `Environment=` per variable (export-time
/// `PATH` first, unless the manifest sets it).
pub(super) fn environment(
    file: &mut UnitFile,
    dir: &Path,
    env: &BTreeMap<String, String>,
    context: &Context,
    error: &dyn Fn(&str, String) -> ExportError,
) -> Result<(), ExportError> {
    file.entry("WorkingDirectory", &path_value(dir, "dir", error)?);
    if let Some(path) = context.path.as_ref().filter(|_| !env.contains_key("PATH")) {
        file.entry(
            "Environment",
            &escape::assignment("PATH", path).map_err(|e| error("env", e.to_string()))?,
        );
    }
    for (key, value) in env {
        // systemd ignores (with a warning) an assignment whose name is not
        // a shell variable name: refused here rather than lost there (the
        // manifest's validation refuses such names already; this keeps the
        // exporter right on its own).
        let valid = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(error(
                "env",
                format!(
                    "`{key}` is not a name systemd accepts for an environment variable (letters, digits and `_`, not starting with a digit)"
                ),
            ));
        }
        file.entry(
            "Environment",
            &escape::assignment(key, value).map_err(|e| error("env", e.to_string()))?,
        );
    }
    Ok(())
}

fn path_value(
    path: &Path,
    key: &str,
    error: &dyn Fn(&str, String) -> ExportError,
) -> Result<String, ExportError> {
    escape::path(path).map_err(|e| error(key, e.to_string()))
}

/// A command of the manifest as an `Exec*=` line: a string under
/// `/bin/sh -c`, a list with its program made absolute by a `PATH` lookup
/// (the daemon's own `PATH`, else the export's), relative to `dir`.
pub(super) fn exec_line(
    command: &CommandLine,
    dir: &Path,
    env: &BTreeMap<String, String>,
    context: &Context,
    key: &str,
    error: &dyn Fn(&str, String) -> ExportError,
) -> Result<String, ExportError> {
    let mut argv = command.argv();
    if let CommandLine::Argv(_) = command {
        let path = env.get("PATH").or(context.path.as_ref());
        argv[0] = absolute_program(&argv[0], path.map(String::as_str), dir)
            .map_err(|message| error(key, message))?
            .display()
            .to_string();
    }
    escape::command_line(&argv).map_err(|e| error(key, e.to_string()))
}

fn plain_line(
    command: &CommandLine,
    key: &str,
    error: &dyn Fn(&str, String) -> ExportError,
) -> Result<String, ExportError> {
    escape::command_line(&command.argv()).map_err(|e| error(key, e.to_string()))
}

/// The program of an argv, as `execvp` would find it.
fn absolute_program(program: &str, path: Option<&str>, dir: &Path) -> Result<PathBuf, String> {
    if program.contains('/') {
        return Ok(dir.join(program));
    }
    which::which_in(program, path, dir)
        .map_err(|_| format!("the program `{program}` is not found in PATH"))
}

/// `ExecStartPost=` running `devup wait -q -f MANIFEST NAME`, under the
/// export's interpolated variables (through `env`, which is absolute).
fn wait_line(
    name: &str,
    context: &Context,
    error: &dyn Fn(&str, String) -> ExportError,
) -> Result<String, ExportError> {
    let mut argv = Vec::new();
    if !context.interpolated.is_empty() {
        argv.push("/usr/bin/env".to_string());
        for (key, value) in &context.interpolated {
            match value {
                Some(value) => argv.push(format!("{key}={value}")),
                None => argv.extend(["-u".to_string(), key.clone()]),
            }
        }
    }
    argv.extend([
        context.devup.display().to_string(),
        "wait".into(),
        "-q".into(),
        "-f".into(),
        context.manifest.display().to_string(),
        name.to_string(),
    ]);
    escape::command_line(&argv).map_err(|e| error("ping", e.to_string()))
}
