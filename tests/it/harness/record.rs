//! Writing expected outputs instead of checking them: with
//! `DEVUP_RECORD=FILE` in the environment, a whole-output expectation
//! that does not hold appends the actual output (normalised) to FILE as
//! one JSON line with the test line that stated it, and the test goes on.
//! A contributor turns those lines into the expected texts by hand (or
//! with a script), then runs the tests again without it, twice.

use std::io::Write;

use super::outcome::{Expectation, Expected, Extent, Outcome};

/// True when the mismatch of `expected` was recorded instead of failing.
pub fn recorded(expected: &Expected, outcome: &Outcome) -> bool {
    let Some(file) = std::env::var_os("DEVUP_RECORD") else {
        return false;
    };
    let Expectation::Output(stream, Extent::Whole | Extent::AnyOrder, _) = expected.what else {
        return false;
    };
    let line = serde_json::json!({
        "file": expected.at.file(),
        "line": expected.at.line(),
        "column": expected.at.column(),
        "actual": outcome.normalised(stream),
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .expect("opening DEVUP_RECORD");
    writeln!(file, "{line}").expect("writing DEVUP_RECORD");
    true
}
