//! YAML syntax errors as manifest problems: serde_yaml's position moved out
//! of its message into the problem's line and column, the duplicate key
//! pointed at where it appears again, and a hint for the usual causes
//! (tabs, `${VAR}` inside a flow collection).

use super::Problem;
use super::locate::Positions;

/// A YAML syntax error, with serde_yaml's position moved out of the
/// message. A duplicate key gets the position of its second appearance
/// (serde_yaml only knows the map's).
pub fn problem(error: &serde_yaml::Error, source: &str, positions: &Positions) -> Problem {
    let text = error.to_string();
    if text.contains("duplicate entry")
        && let Some((path, pos)) = positions.first_duplicate()
    {
        let (key, parent) = path.split_last().expect("a key path is never empty");
        let message = match parent {
            [] => format!("duplicate key `{key}`"),
            _ => format!("duplicate key `{key}` in `{}`", parent.join(".")),
        };
        return Problem::new(message).at(Some(pos));
    }
    let mut message = String::new();
    let mut rest = text.as_str();
    // Drop every " at line N column M" (and libyaml's " at position N").
    while let Some(at) = rest.find(" at ") {
        message.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let skipped = skip_mark(after);
        if skipped.len() == after.len() {
            message.push_str(" at ");
        }
        rest = skipped;
    }
    message.push_str(rest);
    let mut problem = Problem::new(format!("invalid YAML: {message}"));
    if let Some(location) = error.location() {
        problem.line = Some(location.line());
        problem.column = Some(location.column());
        let line = source
            .lines()
            .nth(location.line().saturating_sub(1))
            .unwrap_or("");
        if let Some(hint) = hint(&message, line) {
            problem.message.push_str("; ");
            problem.message.push_str(hint);
        }
    }
    problem
}

/// What usually causes an error on this `line`, when it is recognisable.
fn hint(message: &str, line: &str) -> Option<&'static str> {
    let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
    if indent.contains('\t') {
        return Some("YAML indents with spaces, not tabs");
    }
    if message.contains("flow") && line.contains("${") {
        return Some("inside `[...]` or `{...}`, quote a value that uses `${VAR}`");
    }
    None
}

/// `text` after a leading "line N column M" or "position N", else `text`.
fn skip_mark(text: &str) -> &str {
    fn digits(s: &str) -> Option<&str> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        (end > 0).then(|| &s[end..])
    }
    if let Some(rest) = text.strip_prefix("line ").and_then(digits)
        && let Some(rest) = rest.strip_prefix(" column ").and_then(digits)
    {
        return rest;
    }
    if let Some(rest) = text.strip_prefix("position ").and_then(digits) {
        return rest;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem_of(text: &str) -> Problem {
        let error = serde_yaml::from_str::<serde_yaml::Value>(text).unwrap_err();
        problem(&error, text, &Positions::scan(text))
    }

    #[test]
    fn positions_leave_the_message_and_hints_are_added() {
        let tab = problem_of("daemons:\n\tweb:\n");
        assert_eq!((tab.line, tab.column), (Some(2), Some(1)));
        assert_eq!(
            tab.message,
            "invalid YAML: found character that cannot start any token, while scanning for the next token; YAML indents with spaces, not tabs"
        );
        let flow = problem_of("a: [x, ${Y}]\n");
        assert_eq!(
            flow.message,
            "invalid YAML: did not find expected ',' or ']', while parsing a flow sequence; inside `[...]` or `{...}`, quote a value that uses `${VAR}`"
        );
    }

    #[test]
    fn a_duplicate_key_points_at_its_second_appearance() {
        let duplicate = problem_of("a: 1\nb:\n  c: 1\n  c: 2\n");
        assert_eq!((duplicate.line, duplicate.column), (Some(4), Some(3)));
        assert_eq!(duplicate.message, "duplicate key `c` in `b`");
    }
}
