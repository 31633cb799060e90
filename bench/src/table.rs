//! One row of the result and the markdown table they are printed as.

use crate::stats::Samples;

/// The unit a row's samples are in.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    /// Milliseconds.
    Ms,
    /// Mebibytes.
    MiB,
}

impl Unit {
    /// `value` with its unit, for the table.
    pub fn show(self, value: f64) -> String {
        if value.is_nan() {
            return "—".into();
        }
        match self {
            Unit::Ms => format!("{value:.1} ms"),
            Unit::MiB => format!("{value:.1} MiB"),
        }
    }
}

/// Whether a row meets its target.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// It does.
    Meets,
    /// It does not; the text says by how much or why.
    Misses(String),
    /// It could not be measured; the text says why.
    Error(String),
}

impl Verdict {
    /// `Meets` when `ok`, else `Misses(why)`.
    pub fn check(ok: bool, why: impl Into<String>) -> Verdict {
        if ok {
            Verdict::Meets
        } else {
            Verdict::Misses(why.into())
        }
    }
}

/// One measured row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// What is measured.
    pub name: String,
    /// The target, as the issue states it.
    pub target: String,
    /// The floor the result is measured against ("—" when none).
    pub floor: String,
    /// The values devup itself produced, one per run.
    pub samples: Samples,
    /// Their unit.
    pub unit: Unit,
    /// The quantity compared with the target (an overhead, a ratio...).
    pub result: String,
    /// Met, missed, or not measured.
    pub verdict: Verdict,
}

impl Row {
    /// A row that could not be measured.
    pub fn error(name: &str, target: &str, why: String) -> Row {
        Row {
            name: name.into(),
            target: target.into(),
            floor: "—".into(),
            samples: Samples::default(),
            unit: Unit::Ms,
            result: "—".into(),
            verdict: Verdict::Error(why),
        }
    }
}

/// The rows as a markdown table.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| row | target | floor | runs | min | median | max | result | verdict |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let verdict = match &row.verdict {
            Verdict::Meets => "meets".to_string(),
            Verdict::Misses(why) => format!("**misses**: {why}"),
            Verdict::Error(why) => format!("not measured: {}", why.replace('|', "\\|")),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.name,
            row.target,
            row.floor,
            row.samples.len(),
            row.unit.show(row.samples.min()),
            row.unit.show(row.samples.median()),
            row.unit.show(row.samples.max()),
            row.result,
            verdict,
        ));
    }
    out
}
