//! YAML's own rules for the few things the position scanner
//! (`locate.rs`) must read exactly as the YAML parser does: where a line's
//! block mapping key is and what its text is, which lines are document
//! markers, what is blank, where a quoted scalar closes, and what ends a
//! line. The rules are
//! libyaml's (serde_yaml parses with a translation of it), so that every
//! key the parser accepts on one line is found, whatever its characters: a
//! plain key may start with `-`, `?` or `:` when a non-blank follows, and
//! hold backticks, `#` not after a blank, `${` and dots (`...x: 1` is a
//! key, not the end of the document). Nothing here decides what is valid
//! YAML; a key it does not find only costs a position.

/// Space and tab: what separates tokens on a line (a line's indentation is
/// spaces only).
pub fn blank(c: Option<&char>) -> bool {
    matches!(c, None | Some(' ' | '\t'))
}

/// The index of the first character at or after `i` that is not blank.
pub fn skip_blanks(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && matches!(chars[i], ' ' | '\t') {
        i += 1;
    }
    i
}

/// `---` or `...` at the start of a line and followed by a blank or the
/// end of the line: a document's start or end. `---x` and `...x` are
/// plain scalars like any other.
pub fn document_marker(line: &str) -> bool {
    (line.starts_with("---") || line.starts_with("...")) && blank(line[3..].chars().next().as_ref())
}

/// The index of the quote closing a scalar quoted by `quote`, searching from
/// `from`. `''` inside single quotes and `\"` inside double quotes are escapes.
pub fn closing_quote(chars: &[char], from: usize, quote: char) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        let c = chars[i];
        if quote == '"' && c == '\\' {
            i += 2;
            continue;
        }
        if c == quote {
            if quote == '\'' && chars.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A block mapping key at `at`, after any anchor and tag: its text, the
/// column (0-based) where the key itself starts, and the index just after
/// its `:`.
pub fn block_key(chars: &[char], at: usize) -> Option<(String, usize, usize)> {
    let start = skip_properties(chars, at)?;
    let first = *chars.get(start)?;
    if matches!(first, '"' | '\'') {
        let close = closing_quote(chars, start + 1, first)?;
        let colon = skip_blanks(chars, close + 1);
        if chars.get(colon) == Some(&':') && blank(chars.get(colon + 1)) {
            let key: String = chars[start + 1..close].iter().collect();
            return Some((key, start, colon + 1));
        }
        return None;
    }
    if !starts_plain(chars, start) {
        return None;
    }
    let mut i = start;
    while i < chars.len() {
        if chars[i] == ':' && blank(chars.get(i + 1)) {
            let key: String = chars[start..i].iter().collect();
            let key = key.trim_end_matches([' ', '\t']).to_string();
            return Some((key, start, i + 1));
        }
        if chars[i] == '#' && i > start && blank(chars.get(i - 1)) {
            return None;
        }
        i += 1;
    }
    None
}

/// Whether a plain scalar starts at `at` in block context: any character
/// but an indicator, and `-`, `?` or `:` too when a non-blank follows.
fn starts_plain(chars: &[char], at: usize) -> bool {
    match chars.get(at) {
        None | Some(' ' | '\t') => false,
        Some('-' | '?' | ':') => !blank(chars.get(at + 1)),
        Some(c) => !",[]{}#&*!|>'\"%@`".contains(*c),
    }
}

/// The index after the anchor (`&name`) and tag (`!tag`) properties at
/// `at` and the blanks after them; `None` when nothing follows them on
/// the line.
fn skip_properties(chars: &[char], at: usize) -> Option<usize> {
    let i = after_properties(chars, at, false);
    (i < chars.len()).then_some(i)
}

/// The index after the anchor (`&name`) and tag (`!tag`) properties at
/// `at` and the blanks after them, in a flow collection when `flow`
/// (where `,`, `[`, `]`, `{` and `}` end a tag).
pub fn after_properties(chars: &[char], at: usize, flow: bool) -> usize {
    let mut i = at;
    while let Some(&property) = chars.get(i).filter(|&&c| c == '&' || c == '!') {
        i += 1;
        if property == '&' {
            // An anchor's name is letters, digits, `-` and `_`; a `:` may
            // follow it at once (`&a:x: 1` anchors the key `:x`).
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            {
                i += 1;
            }
        } else {
            let ends_tag =
                |c: Option<&char>| blank(c) || flow && c.is_some_and(|c| ",[]{}".contains(*c));
            while !ends_tag(chars.get(i)) {
                i += 1;
            }
        }
        i = skip_blanks(chars, i);
    }
    i
}

/// The lines of `source` as YAML counts them: `\r\n`, `\r`, `\n`, NEL,
/// LS and PS each end one (`str::lines` knows only `\n`).
pub fn yaml_lines(source: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(['\r', '\n', '\u{85}', '\u{2028}', '\u{2029}']) {
        lines.push(&rest[..at]);
        let tail = &rest[at..];
        let skip = if tail.starts_with("\r\n") {
            2
        } else {
            tail.chars().next().map_or(1, char::len_utf8)
        };
        rest = &tail[skip..];
    }
    if !rest.is_empty() {
        lines.push(rest);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(line: &str) -> Option<(String, usize)> {
        let chars: Vec<char> = line.chars().collect();
        block_key(&chars, 0).map(|(key, start, _)| (key, start))
    }

    fn plain(text: &str) -> Option<(String, usize)> {
        Some((text.to_string(), 0))
    }

    #[test]
    fn plain_keys_with_indicators_inside_or_leading() {
        assert_eq!(key("...r`: "), plain("...r`"));
        assert_eq!(key("---x: 1"), plain("---x"));
        assert_eq!(key("?x: 1"), plain("?x"));
        assert_eq!(key(":x: 1"), plain(":x"));
        assert_eq!(key("-x: 1"), plain("-x"));
        assert_eq!(key("a#b ${c: 1"), plain("a#b ${c"));
        assert_eq!(key("a:b:\t1"), plain("a:b"));
        assert_eq!(key("a\u{a0} : 1"), plain("a\u{a0}"));
    }

    #[test]
    fn what_is_not_a_plain_key() {
        assert_eq!(key("? x: 1"), None);
        assert_eq!(key("a #b: 1"), None);
        assert_eq!(key("a\t#b: 1"), None);
        assert_eq!(key("`a: 1"), None);
        assert_eq!(key("@a: 1"), None);
        assert_eq!(key("%a: 1"), None);
        assert_eq!(key("*a : 1"), None);
        assert_eq!(key("a:b"), None);
    }

    #[test]
    fn anchors_and_tags_before_a_key_are_skipped() {
        assert_eq!(key("&a x`: 1"), Some(("x`".to_string(), 3)));
        assert_eq!(key("!!str &a\t'q': 1"), Some(("q".to_string(), 9)));
        assert_eq!(key("&a:x: 1"), Some((":x".to_string(), 2)));
        assert_eq!(key("&a"), None);
    }

    #[test]
    fn document_markers_need_a_blank_or_the_line_end_after_them() {
        assert!(document_marker("---"));
        assert!(document_marker("--- {a: 1}"));
        assert!(document_marker("...\t# end"));
        assert!(!document_marker("...r`: "));
        assert!(!document_marker("---x: 1"));
        assert!(!document_marker(" ---"));
    }
}
