//! YAML syntax errors as manifest problems: serde_yaml's position moved out
//! of its message into the problem's line and column, the duplicate key
//! pointed at where it appears again, and a hint for the usual causes
//! (tabs, `${VAR}` inside a flow collection).

use super::Problem;
use super::locate::Positions;
use super::yaml_key::yaml_lines;

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
    let message = too_large(&message);
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
    unplaced(problem, source)
}

/// Three errors of serde_yaml come without a position: "repetition limit
/// exceeded" (aliases that expand to too many nodes, as in a "billion
/// laughs" bomb), a bad merge (`<<:` on something not a mapping) and "more
/// than one document". They get the first alias, the first `<<`, or the
/// second document's `---` of the text: where the trouble starts.
fn unplaced(mut problem: Problem, source: &str) -> Problem {
    if problem.line.is_some() {
        return problem;
    }
    let found = if problem.message.contains("repetition limit") {
        problem
            .message
            .push_str(" (aliases expand to too many nodes)");
        first_token(source, '*')
    } else if problem.message.contains("merg") {
        first_token(source, '<')
    } else if problem.message.contains("more than one document") {
        let markers: Vec<usize> = yaml_lines(source)
            .into_iter()
            .enumerate()
            .filter(|(_, line)| line.starts_with("---") || line.starts_with("..."))
            .map(|(index, _)| index)
            .collect();
        let content_before = |index: usize| {
            yaml_lines(source)
                .into_iter()
                .take(index)
                .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        };
        let second = match markers.first() {
            Some(&first) if content_before(first) => Some(first),
            _ => markers.get(1).or(markers.first()).copied(),
        };
        Some((second.unwrap_or(0) + 1, 1))
    } else {
        None
    };
    if let Some((line, column)) = found {
        problem.line = Some(line);
        problem.column = Some(column);
    }
    problem
}

/// The 1-based line and column of the first `token` that starts a node
/// (after white space or `[{,:`), outside comments; else 1:1.
fn first_token(source: &str, token: char) -> Option<(usize, usize)> {
    for (index, line) in yaml_lines(source).into_iter().enumerate() {
        let mut previous = ' ';
        for (column, c) in line.chars().enumerate() {
            if c == '#' && previous.is_whitespace() {
                break;
            }
            if c == token && (previous.is_whitespace() || "[{,:".contains(previous)) {
                return Some((index + 1, column + 1));
            }
            previous = c;
        }
    }
    Some((1, 1))
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

/// serde_yaml's words for an integer beyond 64 bits ("invalid type:
/// integer `N` as u128, expected any YAML value"), said plainly.
fn too_large(message: &str) -> String {
    let mut message = message.to_string();
    for width in ["u128", "i128"] {
        let tail = format!("` as {width}, expected any YAML value");
        if let Some(end) = message.find(&tail)
            && let Some(start) = message[..end].rfind("invalid type: integer `")
        {
            let number = message[start + "invalid type: integer `".len()..end].to_string();
            message.replace_range(
                start..end + tail.len(),
                &format!("the number `{number}` is too large (quote it for a string)"),
            );
        }
    }
    message
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
    fn a_number_beyond_64_bits_is_said_to_be_too_large() {
        let big = problem_of("a:\n  b: 99999999999999999999\n");
        assert_eq!((big.line, big.column), (Some(2), Some(6)));
        assert_eq!(
            big.message,
            "invalid YAML: a.b: the number `99999999999999999999` is too large (quote it for a string)"
        );
    }

    #[test]
    fn a_duplicate_key_points_at_its_second_appearance() {
        let duplicate = problem_of("a: 1\nb:\n  c: 1\n  c: 2\n");
        assert_eq!((duplicate.line, duplicate.column), (Some(4), Some(3)));
        assert_eq!(duplicate.message, "duplicate key `c` in `b`");
    }
}
