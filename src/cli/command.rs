//! The commands, parsed and validated: one `enum Command` whose
//! [`Command::execute`] runs it and returns the exit code.

use clap_complete::Shell;

use super::args::{CommandArgs, ConvergeArgs, DevdownArgs, DevupArgs, ExportArgs};
use super::{CliError, Config, exec, export, inspect, lifecycle, logs, status, wait};

/// One command of `devup` (or `devdown`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `devup [NAME...]`, `devup up [NAME...]`.
    Up(Vec<String>),
    /// `devup down [NAME...]`, `devdown [NAME...]`.
    Down(Vec<String>),
    /// `devup restart [NAME...]`.
    Restart(Vec<String>),
    /// `devup status [NAME...] [--json]`.
    Status {
        /// The daemons (all when empty).
        names: Vec<String>,
        /// JSON instead of lines.
        json: bool,
    },
    /// `devup check`.
    Check,
    /// `devup graph`.
    Graph,
    /// `devup logs [NAME...] [-n N] [-f]`.
    Logs {
        /// The daemons (all with a log file when empty).
        names: Vec<String>,
        /// How many lines.
        lines: usize,
        /// Follow.
        follow: bool,
    },
    /// `devup exec [NAME...] -- CMD [ARG...]`.
    Exec {
        /// The daemons (all when empty).
        names: Vec<String>,
        /// The program and its arguments.
        command: Vec<String>,
    },
    /// `devup wait [NAME...] [--timeout D]`.
    Wait {
        /// The daemons (all when empty).
        names: Vec<String>,
        /// The timeout as given (default: each daemon's `start_timeout`).
        timeout: Option<String>,
    },
    /// `devup export systemd ...`.
    ExportSystemd(export::SystemdOptions),
    /// `devup schema`.
    Schema,
    /// `devup completions SHELL`.
    Completions(Shell),
    /// `devup man`.
    Man,
}

impl Command {
    /// The command and configuration `devup`'s arguments ask for.
    pub fn from_devup(args: DevupArgs) -> (Command, Config) {
        let top = args.common;
        let converge = |mut config: Config, flags: &ConvergeArgs| {
            config.no_restart = flags.no_restart || args.converge.no_restart;
            config.remove_orphans = flags.remove_orphans || args.converge.remove_orphans;
            config
        };
        let Some(command) = args.command else {
            let config = converge(Config::merge(&top, None), &args.converge);
            return (Command::Up(args.names), config.json(args.json.json));
        };
        match command {
            CommandArgs::Up {
                common,
                output,
                converge: flags,
                names,
            } => (
                Command::Up(names),
                converge(Config::merge(&top, Some(&common)), &flags)
                    .json(args.json.json || output.json),
            ),
            CommandArgs::Down {
                common,
                output,
                orphans,
                names,
            } => {
                let mut config = Config::merge(&top, Some(&common));
                config.remove_orphans = orphans.remove_orphans || args.converge.remove_orphans;
                (
                    Command::Down(names),
                    config.json(args.json.json || output.json),
                )
            }
            CommandArgs::Restart {
                common,
                output,
                names,
            } => (
                Command::Restart(names),
                Config::merge(&top, Some(&common)).json(args.json.json || output.json),
            ),
            CommandArgs::Status {
                common,
                json,
                names,
            } => (
                Command::Status { names, json },
                Config::merge(&top, Some(&common)),
            ),
            CommandArgs::Check { common } => (Command::Check, Config::merge(&top, Some(&common))),
            CommandArgs::Graph { common } => (Command::Graph, Config::merge(&top, Some(&common))),
            CommandArgs::Logs {
                common,
                names,
                lines,
                follow,
            } => (
                Command::Logs {
                    names,
                    lines,
                    follow,
                },
                Config::merge_long(&top, &common),
            ),
            CommandArgs::Exec {
                common,
                output,
                names,
                command,
            } => (
                Command::Exec { names, command },
                Config::merge(&top, Some(&common)).json(args.json.json || output.json),
            ),
            CommandArgs::Wait {
                common,
                names,
                timeout,
            } => (
                Command::Wait { names, timeout },
                Config::merge(&top, Some(&common)),
            ),
            CommandArgs::Export {
                target:
                    ExportArgs::Systemd {
                        common,
                        names,
                        output,
                        user,
                        project,
                        force,
                    },
            } => (
                Command::ExportSystemd(export::SystemdOptions {
                    names,
                    output,
                    user,
                    project,
                    force,
                }),
                Config::merge(&top, Some(&common)),
            ),
            CommandArgs::Schema { common } => {
                (Command::Schema, Config::merge(&top, Some(&common.into())))
            }
            CommandArgs::Man { common } => {
                (Command::Man, Config::merge(&top, Some(&common.into())))
            }
            CommandArgs::Completions { common, shell } => (
                Command::Completions(shell),
                Config::merge(&top, Some(&common.into())),
            ),
        }
    }

    /// The command and configuration `devdown`'s arguments ask for.
    pub fn from_devdown(args: DevdownArgs) -> (Command, Config) {
        let mut config = Config::merge(&args.common, None);
        config.remove_orphans = args.orphans.remove_orphans;
        (Command::Down(args.names), config.json(args.json.json))
    }

    /// Runs the command; returns its exit code.
    pub fn execute(self, config: &Config) -> Result<u8, CliError> {
        match self {
            Command::Up(names) => lifecycle::up(config, &names),
            Command::Down(names) => lifecycle::down(config, &names),
            Command::Restart(names) => lifecycle::restart(config, &names),
            Command::Status { names, json } => status::run(config, &names, json),
            Command::Check => inspect::check(config),
            Command::Graph => inspect::graph(config),
            Command::Logs {
                names,
                lines,
                follow,
            } => logs::run(config, &names, lines, follow),
            Command::Exec { names, command } => exec::run(config, &names, &command),
            Command::Wait { names, timeout } => wait::run(config, &names, timeout.as_deref()),
            Command::ExportSystemd(options) => export::systemd(config, &options),
            Command::Schema => inspect::schema(),
            Command::Completions(shell) => inspect::completions(shell),
            Command::Man => inspect::man(),
        }
    }
}
