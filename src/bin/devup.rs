//! `devup`: see `devup --help` and the README.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(
        devup::cli::devup(std::env::args_os()).unwrap_or_else(|error| {
            error.print();
            error.exit_code()
        }),
    )
}
