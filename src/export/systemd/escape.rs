//! Writing values into a systemd unit file so that systemd reads back
//! exactly what devup means (systemd.syntax(7), systemd.service(5)). Unit
//! files expand `%` specifiers in almost every value, so a literal `%` is
//! written `%%` everywhere. Command lines are split into words (quotes and
//! C escapes), then `$NAME`/`${NAME}` are substituted in each word, so a
//! literal `$` in a command line is written `$$`; `Environment=`
//! assignments are quoted the same way but not substituted. Paths are not
//! unquoted at all: only `%` is escaped, and a path that cannot be written
//! (relative, control characters, surrounding spaces) is refused.
//!
//! [`unquote_command_line`] and [`unquote_assignment`] read values back as
//! systemd does; the tests check every writer against them.

use std::fmt;
use std::path::Path;

/// A value that no escaping can put into a unit file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscapeError {
    /// A NUL byte: no argv word or environment value can hold one.
    Nul(String),
    /// A path that is not absolute.
    Relative(String),
    /// A path that systemd would read differently (control characters,
    /// spaces around it) or that is not UTF-8.
    BadPath(String),
}

impl fmt::Display for EscapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EscapeError::Nul(value) => write!(f, "{value:?} contains a NUL byte"),
            EscapeError::Relative(path) => write!(f, "the path {path:?} is not absolute"),
            EscapeError::BadPath(path) => write!(
                f,
                "the path {path:?} cannot be written in a unit file (control characters, surrounding spaces or not UTF-8)"
            ),
        }
    }
}

impl std::error::Error for EscapeError {}

/// Characters that need no quoting in a command-line word.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/._-+:,=@".contains(c)
}

/// One word of a command line (`ExecStart=` and friends): left bare when
/// it is plain, else single-quoted with C escapes; `$` as `$$`, `%` as `%%`.
pub fn command_word(word: &str) -> Result<String, EscapeError> {
    if word.contains('\0') {
        return Err(EscapeError::Nul(word.to_string()));
    }
    if !word.is_empty() && word.chars().all(is_plain) {
        return Ok(word.to_string());
    }
    Ok(quote(&word.replace('$', "$$")))
}

/// A whole command line: each word escaped, separated by spaces.
pub fn command_line(argv: &[String]) -> Result<String, EscapeError> {
    let words = argv
        .iter()
        .map(|word| command_word(word))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(words.join(" "))
}

/// An `Environment=` value: `'KEY=VALUE'`, quoted and C-escaped, `%` as
/// `%%` (no `$$`: assignments are not substituted).
pub fn assignment(key: &str, value: &str) -> Result<String, EscapeError> {
    let text = format!("{key}={value}");
    if text.contains('\0') {
        return Err(EscapeError::Nul(text));
    }
    Ok(quote(&text))
}

/// A path value (`WorkingDirectory=`, `PIDFile=`, `append:`): absolute,
/// `%` as `%%`.
pub fn path(path: &Path) -> Result<String, EscapeError> {
    let Some(text) = path.to_str() else {
        return Err(EscapeError::BadPath(path.display().to_string()));
    };
    if text.contains('\0') {
        return Err(EscapeError::Nul(text.to_string()));
    }
    if !path.is_absolute() {
        return Err(EscapeError::Relative(text.to_string()));
    }
    if text.chars().any(char::is_control) || text.trim() != text {
        return Err(EscapeError::BadPath(text.to_string()));
    }
    Ok(text.replace('%', "%%"))
}

/// Free text (`Description=`, comments): `%` as `%%`, control characters
/// (a newline would end the value) as spaces.
pub fn text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('%', "%%")
}

/// `'...'` with C escapes for what systemd would otherwise read: the
/// quote, the backslash and control characters; `%` as `%%`.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        match c {
            '\'' => quoted.push_str("\\'"),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            '%' => quoted.push_str("%%"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                quoted.push_str(&format!("\\x{:02x}", c as u32));
            }
            // Other control characters (C1, U+0080..U+009F) as UTF-8 bytes.
            c if c.is_control() => {
                let mut buffer = [0u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    quoted.push_str(&format!("\\x{byte:02x}"));
                }
            }
            c => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}

/// Why a value could not be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnquoteError(pub String);

/// Reads a command line back as systemd does: specifiers (`%%` only; any
/// other specifier is an error here), words with quotes and C escapes,
/// then `$$` → `$` in each word (a variable reference is an error here).
pub fn unquote_command_line(line: &str) -> Result<Vec<String>, UnquoteError> {
    let words = split_words(&expand_specifiers(line)?)?;
    words
        .into_iter()
        .map(|word| {
            let bytes = substitute_dollars(&word)?;
            String::from_utf8(bytes).map_err(|_| UnquoteError("a word is not UTF-8".into()))
        })
        .collect()
}

/// Reads an `Environment=` value back: its single assignment `KEY=VALUE`.
pub fn unquote_assignment(value: &str) -> Result<String, UnquoteError> {
    let mut words = split_words(&expand_specifiers(value)?)?;
    if words.len() != 1 {
        return Err(UnquoteError(format!("{} assignments", words.len())));
    }
    String::from_utf8(words.remove(0)).map_err(|_| UnquoteError("not UTF-8".into()))
}

fn expand_specifiers(text: &str) -> Result<String, UnquoteError> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('%') => out.push('%'),
                other => return Err(UnquoteError(format!("specifier %{other:?}"))),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// systemd's `extract_first_word(UNQUOTE | CUNESCAPE)`, repeated: words
/// separated by whitespace, `'...'` and `"..."` quoting, backslash escapes
/// inside and outside quotes.
fn split_words(text: &str) -> Result<Vec<Vec<u8>>, UnquoteError> {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && b" \t\n\r".contains(&bytes[i]) {
            i += 1;
        }
        if i == bytes.len() {
            return Ok(words);
        }
        let mut word = Vec::new();
        let mut quote = None;
        while i < bytes.len() {
            let b = bytes[i];
            match (quote, b) {
                (None, b' ' | b'\t' | b'\n' | b'\r') => break,
                (None, b'\'' | b'"') => quote = Some(b),
                (Some(q), b) if b == q => quote = None,
                (_, b'\\') => {
                    i = unescape_one(bytes, i + 1, &mut word)?;
                    continue;
                }
                (_, b) => word.push(b),
            }
            i += 1;
        }
        if quote.is_some() {
            return Err(UnquoteError("unterminated quote".into()));
        }
        words.push(word);
    }
}

/// One C escape after a backslash at `bytes[i - 1]`; returns the next index.
fn unescape_one(bytes: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, UnquoteError> {
    let Some(&b) = bytes.get(i) else {
        return Err(UnquoteError("a trailing backslash".into()));
    };
    let simple = match b {
        b'a' => Some(7),
        b'b' => Some(8),
        b'f' => Some(12),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(11),
        b's' => Some(b' '),
        b'\\' | b'"' | b'\'' => Some(b),
        _ => None,
    };
    if let Some(byte) = simple {
        out.push(byte);
        return Ok(i + 1);
    }
    if b == b'x' {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .filter(|byte| *byte != 0)
            .ok_or_else(|| UnquoteError("a bad \\x escape".into()))?;
        out.push(hex);
        return Ok(i + 3);
    }
    Err(UnquoteError(format!("an unknown escape \\{}", b as char)))
}

fn substitute_dollars(word: &[u8]) -> Result<Vec<u8>, UnquoteError> {
    let mut out = Vec::with_capacity(word.len());
    let mut i = 0;
    while i < word.len() {
        if word[i] == b'$' {
            if word.get(i + 1) == Some(&b'$') {
                out.push(b'$');
                i += 2;
                continue;
            }
            return Err(UnquoteError("a variable reference".into()));
        }
        out.push(word[i]);
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn plain_words_stay_bare_and_others_are_quoted() {
        let line = command_line(&argv(&[
            "/bin/sh",
            "-c",
            "exec redis-server --port 6380 \"$PWD/x\" 100% it's",
        ]))
        .unwrap();
        assert_eq!(
            line,
            r#"/bin/sh -c 'exec redis-server --port 6380 "$$PWD/x" 100%% it\'s'"#
        );
    }

    #[test]
    fn empty_words_semicolons_and_control_characters_are_quoted() {
        assert_eq!(command_word("").unwrap(), "''");
        assert_eq!(command_word(";").unwrap(), "';'");
        assert_eq!(command_word("a\nb\tc\x01\\").unwrap(), r"'a\nb\tc\x01\\'");
        assert_eq!(command_word("\u{85}").unwrap(), r"'\xc2\x85'");
    }

    #[test]
    fn assignments_escape_percent_but_not_dollar() {
        assert_eq!(
            assignment("GREETING", "100% $HOME 'x'").unwrap(),
            r"'GREETING=100%% $HOME \'x\''"
        );
    }

    #[test]
    fn paths_escape_percent_and_refuse_what_systemd_would_misread() {
        assert_eq!(path(Path::new("/srv/100%/log")).unwrap(), "/srv/100%%/log");
        assert_eq!(
            path(Path::new("log/x.log")),
            Err(EscapeError::Relative("log/x.log".into()))
        );
        assert_eq!(
            path(Path::new("/a\nb")),
            Err(EscapeError::BadPath("/a\nb".into()))
        );
        assert_eq!(
            path(Path::new("/a ")),
            Err(EscapeError::BadPath("/a ".into()))
        );
    }

    #[test]
    fn nul_bytes_are_refused() {
        assert_eq!(command_word("a\0b"), Err(EscapeError::Nul("a\0b".into())));
        assert!(assignment("K", "a\0").is_err());
    }

    #[test]
    fn text_loses_newlines_and_escapes_percent() {
        assert_eq!(text("web: 100%\nnext"), "web: 100%% next");
    }

    #[test]
    fn the_reader_follows_systemd_quoting() {
        assert_eq!(
            unquote_command_line(r#"/bin/echo "a b" 'c\'d' e\sf %% $$"#).unwrap(),
            argv(&["/bin/echo", "a b", "c'd", "e f", "%", "$"])
        );
        assert!(unquote_command_line("/bin/echo %n").is_err());
        assert!(unquote_command_line("/bin/echo $HOME").is_err());
    }

    /// Any text without NUL: ASCII, controls, quotes, `%`, `$`, backslashes,
    /// and non-ASCII characters.
    fn any_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                any::<char>(),
                prop::sample::select(vec![
                    '%', '$', '\\', '\'', '"', ' ', '\t', '\n', ';', '{', '}', '\u{7f}', '\u{85}'
                ]),
            ],
            0..24,
        )
        .prop_map(|chars| chars.into_iter().filter(|c| *c != '\0').collect())
    }

    proptest! {
        #[test]
        fn command_lines_read_back_as_the_argv(words in proptest::collection::vec(any_text(), 1..6)) {
            let mut words = words;
            words.insert(0, "/bin/prog".into());
            let line = command_line(&words).unwrap();
            prop_assert!(!line.contains('\n'), "{line:?}");
            prop_assert_eq!(unquote_command_line(&line).unwrap(), words);
        }

        #[test]
        fn assignments_read_back_as_written(key in "[A-Za-z_][A-Za-z0-9_]{0,8}", value in any_text()) {
            let written = assignment(&key, &value).unwrap();
            prop_assert!(!written.contains('\n'));
            prop_assert_eq!(unquote_assignment(&written).unwrap(), format!("{key}={value}"));
        }

        #[test]
        fn paths_read_back_as_written(name in "[a-z%$ ]{1,8}") {
            let original = format!("/srv/{name}x");
            let written = path(Path::new(&original)).unwrap();
            prop_assert_eq!(expand_specifiers(&written).unwrap(), original);
        }
    }
}
