//! `devdown`: `devup down`; see `devdown --help` and the README.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(
        devup::cli::devdown(std::env::args_os()).unwrap_or_else(|error| {
            error.print();
            error.exit_code()
        }),
    )
}
