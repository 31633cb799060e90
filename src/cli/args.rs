//! The command line as clap sees it: flags and positional arguments,
//! nothing validated beyond their syntax. `config.rs` turns them into what
//! the commands need.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use clap_complete::engine::ArgValueCandidates;

use super::candidates::daemon_names;

/// `devup`: start a project's daemons in dependency order.
#[derive(Debug, Parser)]
#[command(
    name = "devup",
    version,
    propagate_version = true,
    about = "Start a project's local daemons in dependency order, each only when what it depends on is ready.",
    after_help = "Without a command, `devup [NAME...]` is `devup up [NAME...]`.\n\
                  Exit codes: 0 success, 1 a daemon failed or was skipped, 2 usage or manifest error, \
                  3 `status`: not all running, 128+N interrupted by signal N."
)]
pub struct DevupArgs {
    /// The flags every command takes.
    #[command(flatten)]
    pub common: CommonArgs,

    /// `--json` for bare `devup [NAME...]`.
    #[command(flatten)]
    pub json: JsonArgs,
    /// `--no-restart`, `--remove-orphans` for a bare `devup`.
    #[command(flatten)]
    pub converge: ConvergeArgs,

    /// The command; `up` when none is given.
    #[command(subcommand)]
    pub command: Option<CommandArgs>,

    /// The daemons to start, with what they depend on (all when none are named).
    #[arg(value_name = "NAME", add = ArgValueCandidates::new(daemon_names))]
    pub names: Vec<String>,
}

/// `devdown`: `devup down`.
#[derive(Debug, Parser)]
#[command(
    name = "devdown",
    version,
    about = "Stop a project's local daemons (the same as `devup down`).",
    after_help = "Exit codes: 0 all stopped, 1 a daemon failed to stop, 2 usage or manifest error, \
                  128+N interrupted by signal N."
)]
pub struct DevdownArgs {
    /// The flags every command takes.
    #[command(flatten)]
    pub common: CommonArgs,

    /// `--json`.
    #[command(flatten)]
    pub json: JsonArgs,
    /// `--remove-orphans`.
    #[command(flatten)]
    pub orphans: OrphanArgs,

    /// The daemons to stop, after every running daemon that depends on them
    /// (all when none are named).
    #[arg(value_name = "NAME", add = ArgValueCandidates::new(daemon_names))]
    pub names: Vec<String>,
}

/// What `up` does about daemons whose definition changed and orphans (SPEC §6).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct ConvergeArgs {
    /// Report daemons whose definition changed since they started, but
    /// leave them running as they are.
    #[arg(long = "no-restart")]
    pub no_restart: bool,

    /// Stop orphans: daemons devup started from this directory that are no
    /// longer in the manifest.
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
}

/// `--remove-orphans` of `down` and `devdown`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OrphanArgs {
    /// Stop orphans too (daemons devup started from this directory that are
    /// no longer in the manifest), even when daemons are named.
    #[arg(long = "remove-orphans")]
    pub remove_orphans: bool,
}

/// The flags every command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct CommonArgs {
    /// The manifest (default: $DEVUP_FILE, else the nearest daemons.yaml or
    /// daemons.yml in this directory or a parent).
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
}

/// `--json` of the commands that start or stop daemons.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct JsonArgs {
    /// Also print one JSON object per line on stdout for every change of a
    /// daemon's state, and a summary line last.
    #[arg(long)]
    pub json: bool,
}

/// The common flags of the commands that do not read the manifest
/// (`schema`, `completions`): taken, as by every command, but not listed.
#[derive(Debug, Clone, Default, Args)]
pub struct UnlistedCommonArgs {
    /// The manifest (unused).
    #[arg(short = 'f', long = "file", value_name = "PATH", hide = true)]
    pub file: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(short = 'q', long = "quiet", hide = true)]
    pub quiet: bool,
}

impl From<UnlistedCommonArgs> for CommonArgs {
    fn from(args: UnlistedCommonArgs) -> Self {
        CommonArgs {
            file: args.file,
            quiet: args.quiet,
        }
    }
}

/// `logs` uses `-f` for `--follow`, so its manifest flag is long only.
#[derive(Debug, Clone, Default, Args)]
pub struct LongCommonArgs {
    /// The manifest (default: $DEVUP_FILE, else the nearest daemons.yaml).
    #[arg(long = "file", value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
}

/// The subcommands of `devup`.
#[derive(Debug, Subcommand)]
pub enum CommandArgs {
    /// Start the named daemons (all when none are named) and what they depend on.
    Up {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
        /// `--json`.
        #[command(flatten)]
        output: JsonArgs,
        /// `--no-restart`, `--remove-orphans`.
        #[command(flatten)]
        converge: ConvergeArgs,
        /// The daemons to start.
        #[arg(value_name = "NAME", add = ArgValueCandidates::new(daemon_names))]
        names: Vec<String>,
    },
    /// Stop the named daemons (all when none are named), after every running
    /// daemon that depends on them.
    Down {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
        /// `--json`.
        #[command(flatten)]
        output: JsonArgs,
        /// `--remove-orphans`.
        #[command(flatten)]
        orphans: OrphanArgs,
        /// The daemons to stop.
        #[arg(value_name = "NAME", add = ArgValueCandidates::new(daemon_names))]
        names: Vec<String>,
    },
    /// Stop, then start the named daemons (all when none are named); running
    /// daemons that depend on them are stopped first and started again.
    Restart {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
        /// `--json`.
        #[command(flatten)]
        output: JsonArgs,
        /// The daemons to restart.
        #[arg(value_name = "NAME", add = ArgValueCandidates::new(daemon_names))]
        names: Vec<String>,
    },
    /// Show each daemon's state, pid and uptime (exit 0 when all run, else 3).
    Status {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
        /// Print a JSON array of {name, state, pid, uptime_secs, changed, orphan}.
        #[arg(long)]
        json: bool,
        /// The daemons to show (all when none are named).
        #[arg(value_name = "NAME", add = ArgValueCandidates::new(daemon_names))]
        names: Vec<String>,
    },
    /// Validate the manifest and print the start order.
    Check {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Print the dependency graph in Graphviz DOT.
    Graph {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Print the last lines of the daemons' logs (all daemons with a log
    /// file when none are named), each line after its daemon's name when
    /// there are several.
    Logs {
        /// The flags every command takes.
        #[command(flatten)]
        common: LongCommonArgs,
        /// The daemons (all with a log file when none are named).
        #[arg(value_name = "NAME", add = ArgValueCandidates::new(daemon_names))]
        names: Vec<String>,
        /// How many lines of each log.
        #[arg(short = 'n', long = "lines", value_name = "N", default_value_t = 50)]
        lines: usize,
        /// Keep printing what is appended to each, like `tail -F`.
        #[arg(short = 'f', long = "follow")]
        follow: bool,
    },
    /// Start the daemons, run CMD holding a lease on them, then stop those
    /// started by an exec that nobody else uses any more.
    Exec {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
        /// `--json`.
        #[command(flatten)]
        output: JsonArgs,
        /// The daemons to start (all when none are named).
        #[arg(value_name = "NAME", add = ArgValueCandidates::new(daemon_names))]
        names: Vec<String>,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Wait until the named daemons (all when none are named) are running
    /// and their pings answer; start nothing (exit 0 ready, 1 not ready in time).
    Wait {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
        /// The daemons to wait for.
        #[arg(value_name = "NAME")]
        names: Vec<String>,
        /// How long to wait (`500ms`, `15s`, `2m`; default: each daemon's start_timeout).
        #[arg(long, value_name = "D")]
        timeout: Option<String>,
    },
    /// Write units for another service manager.
    Export {
        /// The service manager.
        #[command(subcommand)]
        target: ExportArgs,
    },
    /// Print the JSON Schema of the manifest.
    Schema {
        /// The flags every command takes.
        #[command(flatten)]
        common: UnlistedCommonArgs,
    },
    /// Print the man page devup(1), in roff (`devup man | man -l -`).
    Man {
        /// The flags every command takes.
        #[command(flatten)]
        common: UnlistedCommonArgs,
    },
    /// Print a shell completion script that completes daemon names too
    /// (source it: `source <(devup completions bash)`).
    Completions {
        /// The flags every command takes.
        #[command(flatten)]
        common: UnlistedCommonArgs,
        /// The shell.
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
}

/// What `devup export` writes.
#[derive(Debug, Subcommand)]
pub enum ExportArgs {
    /// systemd units: one service per daemon and task, and `devup-P.target`.
    Systemd {
        /// The flags every command takes.
        #[command(flatten)]
        common: CommonArgs,
        /// The daemons and tasks to export (all when none are named).
        #[arg(value_name = "NAME")]
        names: Vec<String>,
        /// The directory to write the units into.
        #[arg(short = 'o', long = "output", value_name = "DIR", default_value = ".")]
        output: PathBuf,
        /// Units for `systemctl --user` (`WantedBy=default.target`).
        #[arg(long)]
        user: bool,
        /// The project name P of `devup-P-NAME.service` (default: the
        /// manifest directory's name, reduced to [a-z0-9-]).
        #[arg(long, value_name = "P")]
        project: Option<String>,
        /// Overwrite files that devup did not write.
        #[arg(long)]
        force: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definitions_are_consistent() {
        DevupArgs::command().debug_assert();
        DevdownArgs::command().debug_assert();
    }

    fn parse(args: &[&str]) -> DevupArgs {
        DevupArgs::try_parse_from(std::iter::once("devup").chain(args.iter().copied()))
            .expect("valid arguments")
    }

    #[test]
    fn bare_names_are_positional_and_known_words_are_commands() {
        let args = parse(&["-f", "x.yaml", "redis", "web"]);
        assert!(args.command.is_none());
        assert_eq!(args.names, ["redis", "web"]);
        let args = parse(&["-f", "x.yaml", "status", "--json"]);
        assert!(matches!(
            args.command,
            Some(CommandArgs::Status { json: true, .. })
        ));
    }

    #[test]
    fn logs_takes_dash_f_as_follow() {
        let args = parse(&["logs", "web", "-f", "-n", "3"]);
        assert!(matches!(
            args.command,
            Some(CommandArgs::Logs {
                follow: true,
                lines: 3,
                ..
            })
        ));
    }

    #[test]
    fn exec_splits_names_from_the_command() {
        let args = parse(&["exec", "redis", "--", "sh", "-c", "exit 3"]);
        let Some(CommandArgs::Exec { names, command, .. }) = args.command else {
            panic!("not exec");
        };
        assert_eq!(names, ["redis"]);
        assert_eq!(command, ["sh", "-c", "exit 3"]);
    }
}
