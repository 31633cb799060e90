//! The commands, parsed and validated: one `enum Command` whose
//! [`Command::execute`] runs it and returns the exit code.

use clap_complete::Shell;

use super::args::{CommandArgs, ConvergeArgs, DevdownArgs, DevupArgs};
use super::{CliError, Config, exec, inspect, lifecycle, logs, status};

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
    /// `devup logs NAME [-n N] [-f]`.
    Logs {
        /// The daemon.
        name: String,
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
    /// `devup schema`.
    Schema,
    /// `devup completions SHELL`.
    Completions(Shell),
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
            return (Command::Up(args.names), config);
        };
        match command {
            CommandArgs::Up {
                common,
                converge: flags,
                names,
            } => (
                Command::Up(names),
                converge(Config::merge(&top, Some(&common)), &flags),
            ),
            CommandArgs::Down {
                common,
                orphans,
                names,
            } => {
                let mut config = Config::merge(&top, Some(&common));
                config.remove_orphans = orphans.remove_orphans || args.converge.remove_orphans;
                (Command::Down(names), config)
            }
            CommandArgs::Restart { common, names } => {
                (Command::Restart(names), Config::merge(&top, Some(&common)))
            }
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
                name,
                lines,
                follow,
            } => (
                Command::Logs {
                    name,
                    lines,
                    follow,
                },
                Config::merge_long(&top, &common),
            ),
            CommandArgs::Exec {
                common,
                names,
                command,
            } => (
                Command::Exec { names, command },
                Config::merge(&top, Some(&common)),
            ),
            CommandArgs::Schema { common } => (Command::Schema, Config::merge(&top, Some(&common))),
            CommandArgs::Completions { common, shell } => (
                Command::Completions(shell),
                Config::merge(&top, Some(&common)),
            ),
        }
    }

    /// The command and configuration `devdown`'s arguments ask for.
    pub fn from_devdown(args: DevdownArgs) -> (Command, Config) {
        let mut config = Config::merge(&args.common, None);
        config.remove_orphans = args.orphans.remove_orphans;
        (Command::Down(args.names), config)
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
                name,
                lines,
                follow,
            } => logs::run(config, &name, lines, follow),
            Command::Exec { names, command } => exec::run(config, &names, &command),
            Command::Schema => inspect::schema(),
            Command::Completions(shell) => inspect::completions(shell),
        }
    }
}
