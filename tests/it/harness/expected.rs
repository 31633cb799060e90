//! Whole-output expectations with variable parts. An expected text is
//! literal except for its placeholders: a run's own values (`{dir}`,
//! `{tag}`, `{fake}`, `{port1}`, ... — see [`Context`]) stand for exactly
//! that value, and three wildcards stand for what no test can know:
//! `{time}` a duration as devup prints it (`12ms`, `1.5s`, `2m03s`),
//! `{pid}` a number, `{any}` any text within one line; two or more
//! spaces next to a wildcard stand for a table's padding, however wide,
//! and a line that starts with `{maybe}` may be missing (a progress line
//! that races a daemon's exit: say why where it is used).
//! A mismatch shows a
//! line diff against the actual output with the same values turned back
//! into placeholders, and that output as a literal to paste.

use regex::Regex;

/// A run's own values and the placeholders that stand for them.
#[derive(Clone, Debug, Default)]
pub struct Context {
    values: Vec<(String, String)>,
}

impl Context {
    /// `{NAME}` stands for `value` (an empty value is ignored).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        if value.is_empty() {
            return;
        }
        let placeholder = format!("{{{name}}}");
        self.values.retain(|(known, _)| *known != placeholder);
        self.values.push((placeholder, value));
        // Longest value first: `{dir}` inside a path that holds `{root}`.
        self.values
            .sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
    }

    /// `text` with each value turned into its placeholder, and durations
    /// and pids into `{time}` and `pid {pid}`: how actual output is shown.
    pub fn normalise(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (placeholder, value) in &self.values {
            text = text.replace(value.as_str(), placeholder);
        }
        let text = duration().replace_all(&text, "{time}");
        let text = pid().replace_all(&text, "${word} {pid}");
        text.into_owned()
    }

    /// The regex source of `expected`: literal but for the placeholders.
    fn pattern(&self, expected: &str) -> String {
        let mut expected = expected.to_string();
        for (placeholder, value) in &self.values {
            expected = expected.replace(placeholder.as_str(), value);
        }
        let mut pattern = String::new();
        let mut rest = expected.as_str();
        while let Some(at) = rest.find('{') {
            let (literal, tail) = rest.split_at(at);
            pattern.push_str(&regex::escape(literal));
            let wildcard = WILDCARDS
                .iter()
                .find(|(placeholder, _)| tail.starts_with(placeholder));
            match wildcard {
                Some((placeholder, regex)) => {
                    // A table pads its columns to the widest value: two or
                    // more spaces next to a wildcard stand for any padding.
                    if literal.ends_with("  ") {
                        let kept = literal.trim_end_matches(' ');
                        pattern.truncate(pattern.len() - regex::escape(literal).len());
                        pattern.push_str(&regex::escape(kept));
                        pattern.push_str(" +");
                    }
                    pattern.push_str(regex);
                    rest = &tail[placeholder.len()..];
                    if rest.starts_with("  ") {
                        rest = rest.trim_start_matches(' ');
                        pattern.push_str(" +");
                    }
                }
                None => {
                    pattern.push_str(r"\{");
                    rest = &tail[1..];
                }
            }
        }
        pattern.push_str(&regex::escape(rest));
        pattern
    }

    /// The regex source of `expected`, line by line: a line that starts
    /// with `{maybe}` may be missing.
    fn lines_pattern(&self, expected: &str) -> String {
        expected
            .split_inclusive('\n')
            .map(|line| match line.strip_prefix(MAYBE) {
                Some(line) => format!("(?:{})?", self.pattern(line)),
                None => self.pattern(line),
            })
            .collect()
    }

    /// True when the whole of `actual` is `expected`.
    pub fn matches_whole(&self, expected: &str, actual: &str) -> bool {
        whole(&self.lines_pattern(expected)).is_match(actual)
    }

    /// True when `expected` occurs somewhere in `actual`.
    pub fn occurs_in(&self, expected: &str, actual: &str) -> bool {
        Regex::new(&format!("(?s){}", self.pattern(expected)))
            .expect("an expected text's pattern")
            .is_match(actual)
    }

    /// True when the lines of `actual` are those of `expected` in some
    /// order (each expected line matches one actual line of its own).
    pub fn matches_lines_in_any_order(&self, expected: &str, actual: &str) -> bool {
        let mut left: Vec<&str> = actual.split_inclusive('\n').collect();
        for line in expected.split_inclusive('\n') {
            let (optional, line) = match line.strip_prefix(MAYBE) {
                Some(line) => (true, line),
                None => (false, line),
            };
            let line = whole(&self.pattern(line));
            match left.iter().position(|actual| line.is_match(actual)) {
                Some(at) => {
                    left.remove(at);
                }
                None if optional => {}
                None => return false,
            }
        }
        left.is_empty()
    }

    /// A line diff of `expected` against `actual` (normalised), `-` for
    /// an expected line that is missing, `+` for an actual line that was
    /// not expected.
    pub fn diff(&self, expected: &str, actual: &str) -> String {
        let expected: Vec<&str> = expected.split_inclusive('\n').collect();
        let shown = self.normalise(actual);
        let actual: Vec<&str> = actual.split_inclusive('\n').collect();
        let shown: Vec<&str> = shown.split_inclusive('\n').collect();
        if expected.len() * actual.len() > 1_000_000 || shown.len() != actual.len() {
            return format!(
                "--- expected:\n{}\n--- actual:\n{}",
                expected.concat(),
                shown.concat()
            );
        }
        let patterns: Vec<Regex> = expected
            .iter()
            .map(|line| whole(&self.pattern(line.strip_prefix(MAYBE).unwrap_or(line))))
            .collect();
        let same = |e: usize, a: usize| patterns[e].is_match(actual[a]);
        // Longest common subsequence, from the end.
        let (n, m) = (expected.len(), actual.len());
        let mut table = vec![vec![0usize; m + 1]; n + 1];
        for e in (0..n).rev() {
            for a in (0..m).rev() {
                table[e][a] = if same(e, a) {
                    table[e + 1][a + 1] + 1
                } else {
                    table[e + 1][a].max(table[e][a + 1])
                };
            }
        }
        let mut out = String::new();
        let (mut e, mut a) = (0, 0);
        let mut line = |sign: char, text: &str| {
            out.push(sign);
            out.push(' ');
            out.push_str(
                text.strip_suffix('\n')
                    .unwrap_or(&format!("{text}⏎ (no newline)")),
            );
            out.push('\n');
        };
        while e < n || a < m {
            if e < n && a < m && same(e, a) {
                line(' ', expected[e]);
                (e, a) = (e + 1, a + 1);
            } else if e < n && (a == m || table[e + 1][a] >= table[e][a + 1]) {
                line('-', expected[e]);
                e += 1;
            } else {
                line('+', shown[a]);
                a += 1;
            }
        }
        out
    }
}

/// What starts a line that may be missing: a progress line whose
/// printing races the daemon's exit ("waiting for pid file" when the start
/// command fails at once).
const MAYBE: &str = "{maybe}";

/// The wildcards and the regex each stands for.
const WILDCARDS: [(&str, &str); 3] = [
    ("{time}", r"(?:\d+ms|\d+\.\d+s|\d+m\d\ds)"),
    ("{pid}", r"\d+"),
    ("{any}", r"[^\n]*"),
];

fn whole(pattern: &str) -> Regex {
    Regex::new(&format!(r"\A(?s:{pattern})\z")).expect("an expected text's pattern")
}

fn duration() -> &'static Regex {
    static DURATION: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    DURATION.get_or_init(|| Regex::new(r"\b(?:\d+ms|\d+\.\d+s|\d+m\d\ds)\b").expect("a regex"))
}

fn pid() -> &'static Regex {
    static PID: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    PID.get_or_init(|| Regex::new(r"\b(?P<word>pid|pids) \d+\b").expect("a regex"))
}
