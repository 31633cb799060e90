//! The dotenv files of `env_file` and `.env` (SPEC §2): reading one (a
//! regular file of UTF-8 text), and its format: `KEY=VALUE`
//! lines; blank lines and `#` comments skipped; an `export ` prefix
//! allowed; a value single-quoted (taken as it is), double-quoted (`\n`,
//! `\"` and `\\` escapes) or bare (trimmed, up to a ` #` comment). Nothing
//! is interpolated. A line that is none of these is an error naming its
//! line. (The dotenv crates expand `$VAR` inside values, which SPEC does
//! not, so this is a small parser of its own.) The builder's `env_file`
//! and the manifest's read them here; the manifest places its errors.

use std::collections::BTreeMap;
use std::path::Path;

/// A malformed line: its number (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// The line, 1-based.
    pub line: usize,
    /// What is wrong, for people.
    pub message: String,
}

/// Why a dotenv file gave no text.
#[derive(Debug)]
pub(crate) enum Unreadable {
    /// It could not be read ("no such file" among them).
    Io(std::io::Error),
    /// A directory, a FIFO, a device: reading one could block or never end.
    NotAFile,
    /// It is not UTF-8 text: where its first byte that is not (1-based,
    /// the column in characters), and that byte.
    NotUtf8 {
        /// The line.
        line: usize,
        /// The column.
        column: usize,
        /// The byte.
        byte: u8,
    },
}

impl Unreadable {
    /// Why, for people: "no such file", "not a regular file", ...
    pub(crate) fn reason(&self) -> String {
        match self {
            Unreadable::Io(error) if error.kind() == std::io::ErrorKind::NotFound => {
                "no such file".to_string()
            }
            Unreadable::Io(error) => error.to_string(),
            Unreadable::NotAFile => "not a regular file".to_string(),
            Unreadable::NotUtf8 { byte, .. } => format!("not UTF-8 text (byte 0x{byte:02x})"),
        }
    }
}

/// The text of the dotenv file at `path`, which must be a regular file (a
/// FIFO or `/dev/zero` would hang the reader) of UTF-8 text.
pub(crate) fn read(path: &Path) -> Result<String, Unreadable> {
    let metadata = std::fs::metadata(path).map_err(Unreadable::Io)?;
    if !metadata.is_file() {
        return Err(Unreadable::NotAFile);
    }
    let bytes = std::fs::read(path).map_err(Unreadable::Io)?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        // Up to `valid_up_to` the bytes are UTF-8.
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        Unreadable::NotUtf8 {
            line: valid.matches('\n').count() + 1,
            column: valid[line_start..].chars().count() + 1,
            byte: error.as_bytes()[valid.len()],
        }
    })
}

/// The variables of the dotenv files at `paths` (relative ones against
/// `dir`), in order, a later file winning; else why not, naming the file
/// (as it was given) and, for a bad line, the line:
/// "cannot read env_file `app.env`: no such file",
/// "env_file `app.env`, line 3: expected KEY=VALUE, found `x`".
pub(crate) fn load(
    dir: &Path,
    paths: &[std::path::PathBuf],
) -> Result<BTreeMap<String, String>, String> {
    let mut vars = BTreeMap::new();
    for written in paths {
        let shown = written.display();
        let text = read(&dir.join(written)).map_err(|unreadable| match unreadable {
            Unreadable::NotUtf8 { line, .. } => {
                format!("env_file `{shown}`, line {line}: {}", unreadable.reason())
            }
            other => format!("cannot read env_file `{shown}`: {}", other.reason()),
        })?;
        let parsed = parse(&text).map_err(|error| {
            format!("env_file `{shown}`, line {}: {}", error.line, error.message)
        })?;
        vars.extend(parsed);
    }
    Ok(vars)
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
