//! Where each key and value of the manifest is, as 1-based line and column.
//!
//! serde_yaml 0.9 gives positions only for syntax errors; a parsed
//! `serde_yaml::Value` has no spans. So, once the text is known to be valid
//! YAML, this file scans it a second time, lightly, line by line as YAML
//! ends lines: block mappings by indentation (`key:` lines, the key read by
//! YAML's own rules in `yaml_key.rs`), block sequences (`- item`), and flow
//! collections on one line (`{ tcp: "..." }`, `[a, b]`), skipping comments,
//! block scalars (`|`, `>`) and quoted scalars that span lines. Each key is
//! recorded under its path (`["daemons", "web", "ping", "tcp"]`, sequence
//! items as `"0"`, `"1"`...). Anything fancier (anchors reused elsewhere,
//! multi-line flow collections) is simply not recorded, and a lookup falls
//! back to the nearest recorded ancestor: a position is a help, never a
//! reason to fail.

use std::cell::OnceCell;
use std::collections::HashMap;

use super::yaml_key::{
    after_properties, blank, block_key, closing_quote, document_marker, skip_blanks, yaml_lines,
};
pub use crate::error::manifest::Pos;

#[derive(Debug, Clone, Copy)]
struct Span {
    key: Pos,
    value: Option<Pos>,
}

/// The positions of a manifest's keys and values, by path. The text is
/// scanned at the first lookup: a valid manifest, which needs no position,
/// is never scanned (the scan is about a third of a parse).
#[derive(Debug, Default)]
pub struct Positions {
    text: String,
    scanned: OnceCell<Scanned>,
}

#[derive(Debug, Default)]
struct Scanned {
    spans: HashMap<Vec<String>, Span>,
    duplicates: Vec<(Vec<String>, Pos)>,
}

impl Positions {
    /// Positions in `text` (already known to be valid YAML), scanned when
    /// first asked for.
    pub fn scan(text: &str) -> Positions {
        Positions {
            text: text.to_string(),
            scanned: OnceCell::new(),
        }
    }

    fn scanned(&self) -> &Scanned {
        self.scanned.get_or_init(|| {
            let mut scanner = Scanner::default();
            // Lines as YAML ends them (a lone `\r` too), and no byte order
            // mark, which the parser skips.
            let text = self.text.strip_prefix('\u{feff}').unwrap_or(&self.text);
            for (number, line) in yaml_lines(text).into_iter().enumerate() {
                scanner.line(number + 1, line);
            }
            Scanned {
                spans: scanner.spans,
                duplicates: scanner.duplicates,
            }
        })
    }

    /// Where the key at `path` is, else the nearest recorded ancestor's key.
    pub fn key(&self, path: &[&str]) -> Option<Pos> {
        self.lookup(path).map(|(span, _)| span.key)
    }

    /// Where the value at `path` starts, else its key, else the nearest
    /// recorded ancestor's key.
    pub fn value(&self, path: &[&str]) -> Option<Pos> {
        self.lookup(path)
            .map(|(span, exact)| match (exact, span.value) {
                (true, Some(value)) => value,
                _ => span.key,
            })
    }

    /// Where the value at `path` starts (else its key), only when that very
    /// key is written in the file; `None` for a key taken from elsewhere.
    pub fn written(&self, path: &[&str]) -> Option<Pos> {
        match self.lookup(path) {
            Some((span, true)) => Some(span.value.unwrap_or(span.key)),
            _ => None,
        }
    }

    /// The first key that appears twice in its map: its path and where it
    /// appears the second time.
    pub fn first_duplicate(&self) -> Option<(&[String], Pos)> {
        self.scanned()
            .duplicates
            .first()
            .map(|(path, pos)| (path.as_slice(), *pos))
    }

    fn lookup(&self, path: &[&str]) -> Option<(Span, bool)> {
        (1..=path.len()).rev().find_map(|len| {
            let key: Vec<String> = path[..len].iter().map(|part| part.to_string()).collect();
            self.scanned()
                .spans
                .get(&key)
                .map(|span| (*span, len == path.len()))
        })
    }
}

/// How deep the flow scanner follows nested `{`/`[` on one line.
const MAX_FLOW_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Key,
    Item,
}

#[derive(Debug)]
struct Open {
    indent: usize,
    kind: Kind,
    path: Vec<String>,
}

#[derive(Debug, Default)]
struct Scanner {
    spans: HashMap<Vec<String>, Span>,
    duplicates: Vec<(Vec<String>, Pos)>,
    stack: Vec<Open>,
    items: HashMap<Vec<String>, usize>,
    /// Inside a block scalar introduced at this indentation.
    block_scalar: Option<usize>,
    /// Inside a quoted scalar spanning lines, closed by this character.
    quoted: Option<char>,
}

impl Scanner {
    fn line(&mut self, number: usize, line: &str) {
        let chars: Vec<char> = line.chars().collect();
        let indent = chars.iter().take_while(|&&c| c == ' ').count();
        let blank = indent == chars.len() || chars[indent] == '#';
        if let Some(quote) = self.quoted {
            if closing_quote(&chars, 0, quote).is_some() {
                self.quoted = None;
            }
            return;
        }
        if let Some(scalar_indent) = self.block_scalar {
            if blank || indent > scalar_indent {
                return;
            }
            self.block_scalar = None;
        }
        if blank || line.starts_with('%') {
            return;
        }
        if document_marker(line) {
            // A new document's keys hang from its root; a flow collection
            // may follow `--- ` on its line.
            self.stack.clear();
            let at = skip_blanks(&chars, 3);
            if line.starts_with("---") && matches!(chars.get(at), Some('{' | '[')) {
                self.node(number, &chars, at);
            }
            return;
        }
        self.node(number, &chars, indent);
    }

    /// A node starting at column `at` (0-based) of a block line.
    fn node(&mut self, number: usize, chars: &[char], at: usize) {
        if chars.get(at) == Some(&'-') && blank(chars.get(at + 1)) {
            self.item(number, chars, at);
        } else if matches!(chars.get(at), Some('{' | '[')) {
            // A flow collection as a whole node (`{daemons: {...}}` on one line).
            let parent = self.parent();
            let mut i = at;
            flow(chars, &mut i, &parent, number, &mut self.spans);
        } else if let Some((key, start, after)) = block_key(chars, at) {
            self.key(number, at, start, key, after, chars);
        }
    }

    fn item(&mut self, number: usize, chars: &[char], at: usize) {
        while self.stack.last().is_some_and(|open| open.indent > at) {
            self.stack.pop();
        }
        if self
            .stack
            .last()
            .is_some_and(|open| open.indent == at && open.kind == Kind::Item)
        {
            self.stack.pop();
        }
        let parent = self.parent();
        let index = self.items.entry(parent.clone()).or_insert(0);
        let mut path = parent;
        path.push(index.to_string());
        *index += 1;
        let content = skip_blanks(chars, at + 1);
        let pos = Pos {
            line: number,
            column: content + 1,
        };
        self.spans.insert(
            path.clone(),
            Span {
                key: pos,
                value: Some(pos),
            },
        );
        self.stack.push(Open {
            indent: at,
            kind: Kind::Item,
            path: path.clone(),
        });
        if content < chars.len() {
            match chars[content] {
                '{' | '[' => {
                    let mut i = content;
                    flow(chars, &mut i, &path, number, &mut self.spans);
                }
                '|' | '>' => self.block_scalar = Some(at),
                '"' | '\'' => self.quote(chars, content),
                _ => self.node(number, chars, content),
            }
        }
    }

    /// The key `key` of a node at `at`, written from `start` (after any
    /// anchor or tag), with its value after `after`.
    fn key(
        &mut self,
        number: usize,
        at: usize,
        start: usize,
        key: String,
        after: usize,
        chars: &[char],
    ) {
        while self.stack.last().is_some_and(|open| open.indent >= at) {
            self.stack.pop();
        }
        let mut path = self.parent();
        path.push(key);
        let value = skip_blanks(chars, after);
        let has_value = value < chars.len() && chars[value] != '#';
        if self.spans.contains_key(&path) {
            let pos = Pos {
                line: number,
                column: start + 1,
            };
            self.duplicates.push((path.clone(), pos));
            return;
        }
        self.spans.insert(
            path.clone(),
            Span {
                key: Pos {
                    line: number,
                    column: start + 1,
                },
                value: has_value.then_some(Pos {
                    line: number,
                    column: value + 1,
                }),
            },
        );
        if has_value {
            // Anchors and tags before the value do not change where it is.
            match chars[value] {
                '{' | '[' => {
                    let mut i = value;
                    flow(chars, &mut i, &path, number, &mut self.spans);
                }
                '|' | '>' => self.block_scalar = Some(at),
                '"' | '\'' => self.quote(chars, value),
                _ => {}
            }
        }
        self.stack.push(Open {
            indent: at,
            kind: Kind::Key,
            path,
        });
    }

    /// A quoted scalar opening at `at`: when it is not closed on this line,
    /// the following lines belong to it.
    fn quote(&mut self, chars: &[char], at: usize) {
        if closing_quote(chars, at + 1, chars[at]).is_none() {
            self.quoted = Some(chars[at]);
        }
    }

    fn parent(&self) -> Vec<String> {
        self.stack
            .last()
            .map(|open| open.path.clone())
            .unwrap_or_default()
    }
}

/// A flow node at `*i` on one line: records the keys of flow mappings and
/// the items of flow sequences under `path`, and leaves `*i` after it.
fn flow(
    chars: &[char],
    i: &mut usize,
    path: &[String],
    line: usize,
    spans: &mut HashMap<Vec<String>, Span>,
) {
    // Deeper than any manifest goes: give up on this line rather than
    // recurse without bound (the scan runs before YAML's own depth check).
    if path.len() > MAX_FLOW_DEPTH {
        *i = chars.len();
        return;
    }
    *i = skip_blanks(chars, *i);
    let Some(&open) = chars.get(*i) else {
        return;
    };
    let pos = |at: usize| Pos {
        line,
        column: at + 1,
    };
    match open {
        '{' | '[' => {
            let close = if open == '{' { '}' } else { ']' };
            *i += 1;
            let mut index = 0;
            loop {
                *i = skip_blanks(chars, *i);
                match chars.get(*i) {
                    None => return,
                    Some(&c) if c == close => {
                        *i += 1;
                        return;
                    }
                    Some(',') => {
                        *i += 1;
                        continue;
                    }
                    _ => {}
                }
                let start = *i;
                let mut child = path.to_vec();
                if open == '{' {
                    let key_at = flow_key_start(chars, *i);
                    *i = key_at;
                    let key = flow_scalar(chars, i, true);
                    child.push(key);
                    if chars.get(*i) == Some(&':') {
                        *i += 1;
                    }
                    let value = skip_blanks(chars, *i);
                    let has_value = value < chars.len() && !matches!(chars[value], ',' | '}');
                    spans.insert(
                        child.clone(),
                        Span {
                            key: pos(key_at),
                            value: has_value.then_some(pos(value)),
                        },
                    );
                    if has_value {
                        flow(chars, i, &child, line, spans);
                    }
                } else {
                    child.push(index.to_string());
                    index += 1;
                    spans.insert(
                        child.clone(),
                        Span {
                            key: pos(start),
                            value: Some(pos(start)),
                        },
                    );
                    flow(chars, i, &child, line, spans);
                }
                if *i == start {
                    // Not a node this scanner understands: stop here.
                    return;
                }
            }
        }
        _ => {
            flow_scalar(chars, i, false);
        }
    }
}

/// A scalar inside a flow collection; a key ends at `: `, a value at `,`,
/// `}` or `]`.
fn flow_scalar(chars: &[char], i: &mut usize, key: bool) -> String {
    let start = *i;
    if let Some(&quote) = chars.get(start).filter(|&&c| c == '"' || c == '\'') {
        let end = closing_quote(chars, start + 1, quote).unwrap_or(chars.len());
        *i = (end + 1).min(chars.len());
        if key {
            *i = skip_blanks(chars, *i);
        }
        return chars[start + 1..end].iter().collect();
    }
    // libyaml's ends of a plain scalar in a flow collection.
    while *i < chars.len() {
        let c = chars[*i];
        if matches!(c, ',' | '[' | ']' | '{' | '}') {
            break;
        }
        let next = chars.get(*i + 1);
        if key
            && c == ':'
            && (blank(next) || matches!(next, Some(',' | '?' | '[' | ']' | '{' | '}')))
        {
            break;
        }
        *i += 1;
    }
    chars[start..*i]
        .iter()
        .collect::<String>()
        .trim_matches([' ', '\t'])
        .to_string()
}

/// Where a key in a flow mapping starts: after a `?` (in a flow
/// collection always the key indicator) and any anchor or tag.
fn flow_key_start(chars: &[char], at: usize) -> usize {
    let mut i = at;
    if chars.get(i) == Some(&'?') {
        i = skip_blanks(chars, i + 1);
    }
    after_properties(chars, i, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Option<Pos> {
        Some(Pos { line, column })
    }

    const TEXT: &str = "\
# a comment: not a key
version: 1
daemons:
  web:
    start: |
      echo a: b
      serve
    ping: { tcp: \"127.0.0.1:80\" }
    depends_on: [db, 'cache']
  db:
    start:
      - postgres
      - -D
    note: 'two
      lines: here'
    env:
      A: 1
";

    #[test]
    fn block_keys_are_found_by_path() {
        let positions = Positions::scan(TEXT);
        assert_eq!(positions.key(&["version"]), at(2, 1));
        assert_eq!(positions.value(&["version"]), at(2, 10));
        assert_eq!(positions.key(&["daemons", "web"]), at(4, 3));
        assert_eq!(positions.key(&["daemons", "web", "start"]), at(5, 5));
        assert_eq!(positions.key(&["daemons", "db"]), at(10, 3));
        assert_eq!(positions.key(&["daemons", "db", "env", "A"]), at(17, 7));
        assert_eq!(positions.key(&["daemons", "db", "env"]), at(16, 5));
    }

    #[test]
    fn block_scalars_and_quoted_lines_are_skipped() {
        let positions = Positions::scan(TEXT);
        assert_eq!(
            positions.key(&["daemons", "web", "start", "echo a"]),
            at(5, 5)
        );
        assert_eq!(positions.key(&["daemons", "db", "lines"]), at(10, 3));
    }

    #[test]
    fn flow_collections_and_sequence_items_are_found() {
        let positions = Positions::scan(TEXT);
        assert_eq!(positions.key(&["daemons", "web", "ping", "tcp"]), at(8, 13));
        assert_eq!(
            positions.value(&["daemons", "web", "ping", "tcp"]),
            at(8, 18)
        );
        assert_eq!(
            positions.value(&["daemons", "web", "depends_on", "0"]),
            at(9, 18)
        );
        assert_eq!(
            positions.value(&["daemons", "web", "depends_on", "1"]),
            at(9, 22)
        );
        assert_eq!(positions.value(&["daemons", "db", "start", "1"]), at(13, 9));
    }

    #[test]
    fn a_whole_file_in_flow_style_on_one_line() {
        let positions = Positions::scan("{daemons: {web: {start: x, pid_flie: a}}}\n");
        assert_eq!(positions.key(&["daemons", "web", "pid_flie"]), at(1, 28));
        assert_eq!(positions.value(&["daemons", "web", "start"]), at(1, 25));
    }

    #[test]
    fn deeply_nested_flow_collections_end_the_scan_of_their_line() {
        let text = format!("a: {}\nb: 1\n", "[".repeat(100_000));
        let positions = Positions::scan(&text);
        assert_eq!(positions.key(&["b"]), at(2, 1));
        let deep: Vec<String> = std::iter::repeat_n("0".to_string(), 40).collect();
        let mut path = vec!["a"];
        path.extend(deep.iter().map(String::as_str));
        assert!(positions.key(&path).is_some());
    }

    #[test]
    fn a_key_given_twice_is_a_duplicate_at_its_second_place() {
        let positions = Positions::scan("a:\n  x: 1\n  y: 2\n  x: 3\n");
        let (path, pos) = positions.first_duplicate().unwrap();
        assert_eq!(path, ["a", "x"]);
        assert_eq!(pos, Pos { line: 4, column: 3 });
        assert_eq!(positions.key(&["a", "x"]), at(2, 3));
    }

    #[test]
    fn keys_that_look_like_markers_or_indicators_are_keys() {
        let positions = Positions::scan(
            "...r`: 1\n---x: 2\n...\n--- {d: {?q: 1}}\na:\n  ?x: 1\n  &n !t y`:\t2\n",
        );
        assert_eq!(positions.key(&["...r`"]), at(1, 1));
        assert_eq!(positions.key(&["---x"]), at(2, 1));
        assert_eq!(positions.key(&["d", "q"]), at(4, 11));
        assert_eq!(positions.key(&["a", "?x"]), at(6, 3));
        assert_eq!(positions.key(&["a", "y`"]), at(7, 9));
        assert_eq!(positions.value(&["a", "y`"]), at(7, 13));
    }

    #[test]
    fn lines_end_where_yaml_ends_them() {
        let positions = Positions::scan("\u{feff}a: 1\rb:\r\n  c: 2\u{2028}d: 3\n");
        assert_eq!(positions.key(&["a"]), at(1, 1));
        assert_eq!(positions.key(&["b", "c"]), at(3, 3));
        assert_eq!(positions.key(&["d"]), at(4, 1));
    }

    #[test]
    fn compact_sequences_and_unknown_paths_fall_back() {
        let positions = Positions::scan("a:\n- x\n- y: 1\nb: 2\n");
        assert_eq!(positions.value(&["a", "1"]), at(3, 3));
        assert_eq!(positions.key(&["a", "1", "y"]), at(3, 3));
        assert_eq!(positions.key(&["b"]), at(4, 1));
        assert_eq!(positions.key(&["a", "9"]), at(1, 1));
        assert_eq!(positions.key(&["nothing"]), None);
    }
}
