//! devup-bench: measures the `devup` binary, whole process, against the
//! speed targets of bench/README.md and prints a markdown table with min, median and
//! max over several runs and the floor each row is measured against.
//!
//! `cargo run --release -p devup-bench` builds the release `devup` and runs
//! every row. The same binary is the fake daemon the rows start
//! (`devup-bench fake-daemon ...`) and the no-op floor probe
//! (`devup-bench floor-noop ...`). Timing never fails a test: this is not
//! part of `cargo test`.

mod child;
mod fake_daemon;
mod fixture;
mod floor;
mod locate;
mod probe;
mod rows;
mod stats;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: devup-bench [--runs N] [--row NAME]... [--devup PATH] [--no-build]

Measures devup against the targets of bench/README.md and prints a markdown table.
  --runs N       runs per row (default 10; the CPU row runs at most 3, 10 s each)
  --row NAME     only this row (repeatable): start classic stop noop parallel chain concurrent
                 cpu rss scale
  --devup PATH   measure this devup binary (also $DEVUP_BIN) instead of building one
  --no-build     use target/release/devup as it is";

struct Options {
    runs: usize,
    rows: Vec<String>,
    devup: Option<PathBuf>,
    build: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fake-daemon") => return fake_daemon::main(&args[1..]),
        Some("floor-noop") => return probe::main(&args[1..]),
        _ => {}
    }
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("devup-bench: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let devup = match locate::devup(options.devup, options.build) {
        Ok(devup) => devup,
        Err(message) => {
            eprintln!("devup-bench: {message}");
            return ExitCode::from(1);
        }
    };
    let fake_daemon = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("devup-bench: cannot find this program: {error}");
            return ExitCode::from(1);
        }
    };
    let context = rows::Context {
        devup,
        fake_daemon,
        runs: options.runs,
    };
    eprintln!(
        "devup-bench: measuring {} ({} runs per row, {} cores)",
        context.devup.display(),
        context.runs,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let rows = rows::measure(&context, &options.rows, |what| {
        eprintln!("devup-bench: {what}...");
    });
    print!("{}", table::render(&rows));
    ExitCode::SUCCESS
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        runs: 10,
        rows: Vec::new(),
        devup: None,
        build: true,
    };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let mut value = || rest.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => {
                let runs = value()?;
                options.runs = runs
                    .parse()
                    .ok()
                    .filter(|runs| *runs > 0)
                    .ok_or_else(|| format!("--runs wants a positive number, not {runs:?}"))?;
            }
            "--row" => {
                let row = value()?;
                if !rows::NAMES.contains(&row.as_str()) {
                    return Err(format!("unknown row {row:?}"));
                }
                options.rows.push(row.clone());
            }
            "--devup" => options.devup = Some(PathBuf::from(value()?)),
            "--no-build" => options.build = false,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}
