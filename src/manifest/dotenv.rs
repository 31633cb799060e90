//! The dotenv format of `env_file` and `.env` (SPEC §2): `KEY=VALUE`
//! lines; blank lines and `#` comments skipped; an `export ` prefix
//! allowed; a value single-quoted (taken as it is), double-quoted (`\n`,
//! `\"` and `\\` escapes) or bare (trimmed, up to a ` #` comment). Nothing
//! is interpolated. A line that is none of these is an error naming its
//! line. (The dotenv crates expand `$VAR` inside values, which SPEC does
//! not, so this is a small parser of its own.)

use std::collections::BTreeMap;

/// A malformed line: its number (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// The line, 1-based.
    pub line: usize,
    /// What is wrong, for people.
    pub message: String,
}

/// Parses a dotenv file's text into its variables (a later line wins).
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, DotenvError> {
    let mut vars = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let error = |message: String| DotenvError { line, message };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let rest = trimmed
            .strip_prefix("export")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map_or(trimmed, str::trim_start);
        let Some((key, value)) = rest.split_once('=') else {
            return Err(error(format!("expected KEY=VALUE, found `{trimmed}`")));
        };
        let key = key.trim_end();
        let valid_key = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_key {
            return Err(error(format!(
                "`{key}` is not a variable name (letters, digits and `_`, not starting with a digit)"
            )));
        }
        let value = value.trim_start();
        let value = match value.chars().next() {
            Some('\'') => {
                let Some(end) = value[1..].find('\'') else {
                    return Err(error("the single quote is not closed".into()));
                };
                after_quote(&value[end + 2..]).map_err(error)?;
                value[1..end + 1].to_string()
            }
            Some('"') => {
                let (unescaped, consumed) = double_quoted(&value[1..]).map_err(error)?;
                after_quote(&value[1 + consumed..]).map_err(error)?;
                unescaped
            }
            _ => {
                let end = value
                    .char_indices()
                    .find(|&(i, c)| c == '#' && value[..i].ends_with([' ', '\t']))
                    .map_or(value.len(), |(i, _)| i);
                value[..end].trim_end().to_string()
            }
        };
        vars.insert(key.to_string(), value);
    }
    Ok(vars)
}

/// The value of a double-quoted string whose opening quote is consumed,
/// and how many bytes it took with its closing quote.
fn double_quoted(text: &str) -> Result<(String, usize), String> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, i + 1)),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                // Any other escape is kept as written.
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => break,
            },
            other => value.push(other),
        }
    }
    Err("the double quote is not closed".into())
}

/// After a closing quote: nothing, or a comment.
fn after_quote(rest: &str) -> Result<(), String> {
    let rest = rest.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(format!("unexpected `{rest}` after the closing quote"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap().into_iter().collect()
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_string(), value.to_string())
    }

    #[test]
    fn the_forms_of_spec_section_2() {
        let text = "# a comment\n\nA=1\nexport B = two words \nC='$x \\n # kept'\n\
                    D=\"line\\nnext \\\"q\\\" back\\\\slash \\t\"\nE=bare # comment\nF=a#b\nG=\nexport=3\n";
        assert_eq!(
            vars(text),
            [
                pair("A", "1"),
                pair("B", "two words"),
                pair("C", "$x \\n # kept"),
                pair("D", "line\nnext \"q\" back\\slash \\t"),
                pair("E", "bare"),
                pair("F", "a#b"),
                pair("G", ""),
                pair("export", "3"),
            ]
        );
    }

    #[test]
    fn a_later_line_wins() {
        assert_eq!(vars("A=1\nA=2\n"), [pair("A", "2")]);
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_line() {
        let cases = [
            (
                "A=1\njust words\n",
                2,
                "expected KEY=VALUE, found `just words`",
            ),
            (
                "1A=x\n",
                1,
                "`1A` is not a variable name (letters, digits and `_`, not starting with a digit)",
            ),
            ("\n\nA='open\n", 3, "the single quote is not closed"),
            ("A=\"open\n", 1, "the double quote is not closed"),
            ("A=\"x\" y\n", 1, "unexpected `y` after the closing quote"),
        ];
        for (text, line, message) in cases {
            assert_eq!(
                parse(text),
                Err(DotenvError {
                    line,
                    message: message.to_string()
                }),
                "{text:?}"
            );
        }
    }
}
