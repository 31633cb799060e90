//! Manifest fuzzing in stable `cargo test`: property-based inputs
//! over the whole load + interpolate + validate path, with a bounded number
//! of cases, plus the classic hostile inputs: deep nesting, a huge file, an
//! alias bomb ("billion laughs") and non-UTF-8 bytes. No input may panic or
//! hang, and every rejection names the file and says where (a line and
//! column, or at least the daemon). The libFuzzer target in `fuzz/` runs the
//! same check on raw bytes for as long as one wants.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use devup::manifest::{Manifest, ManifestError};
use proptest::prelude::*;
use serde_yaml::{Mapping, Value};

const PATH: &str = "fuzz/daemons.yaml";

/// The keys of the manifest, and a few that are not.
const KEYS: &[&str] = &[
    "version",
    "env",
    "defaults",
    "daemons",
    "start",
    "daemonize",
    "pid_file",
    "log_file",
    "lock_file",
    "before_start",
    "stop",
    "stop_signal",
    "ping",
    "tcp",
    "unix",
    "http",
    "command",
    "log",
    "notify",
    "fail_when_log",
    "depends_on",
    "dir",
    "start_timeout",
    "start_abort_timeout",
    "stop_timeout",
    "log_activity_timeout",
    "<<",
    "web",
    "db",
    "a",
    "b",
    "",
    "déjà",
    "daemon s",
];

/// Values that mean something somewhere in a manifest.
const WORDS: &[&str] = &[
    "x",
    "sh -c true",
    "${HOME}",
    "${UNSET:-fallback}",
    "${",
    "$$",
    "$HOME",
    "${:-}",
    "500ms",
    "15s",
    "2m",
    "-1s",
    "1e99",
    "18446744073709551616s",
    "TERM",
    "SIGKILL",
    "SIGFOO",
    "127.0.0.1:80",
    "[::1]:0",
    "http://127.0.0.1:1/x",
    "http://",
    "(",
    "^ready$",
    "a",
    "b",
    "web",
    "db",
    "/",
    ".",
    "..",
    "\u{0}",
    "\u{feff}",
    "１２",
    "true",
    "~",
];

fn check(result: Result<Manifest, ManifestError>) {
    let Err(error) = result else { return };
    assert!(!error.problems.is_empty(), "an error without a problem");
    let rendered = error.to_string();
    assert!(
        rendered.contains("daemons.yaml"),
        "the file is not named: {rendered}"
    );
    for problem in &error.problems {
        assert!(!problem.message.is_empty(), "{problem:?}");
        assert!(
            problem.line.is_some()
                || problem.daemon.is_some()
                || problem.key.is_some()
                || about_the_whole_file(&problem.message),
            "a rejection without a position: {problem:?}"
        );
    }
}

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    let env = |name: &str| (name == "HOME").then(|| "/home/dev".to_string());
    Manifest::parse_with_env(text, Path::new(PATH), &env)
}

/// Loads raw bytes through a file, as `devup` does.
fn load(bytes: &[u8]) -> Result<Manifest, ManifestError> {
    let dir = std::env::temp_dir().join(format!("devup-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{:?}-daemons.yaml", std::thread::current().id()));
    std::fs::write(&path, bytes).unwrap();
    let result = Manifest::load_with_env(&path, &|_| None);
    let _ = std::fs::remove_file(&path);
    result
}

/// Runs `f` on a thread, failing the test when it does not end in 60 s.
fn within_a_minute<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::Builder::new()
        // 2 MiB, as a test thread: unbounded recursion on 30000 levels
        // overflows it.
        .stack_size(2 << 20)
        .spawn(move || {
            let _ = send.send(f());
        })
        .unwrap();
    receive
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what}: no answer within a minute (a hang or a panic)"))
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_map(|n| Value::Number(n.into())),
        prop::sample::select(WORDS).prop_map(|word| Value::String(word.into())),
        ".{0,16}".prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(|key| Value::String(key.into())),
        1 => scalar(),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Sequence),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|pairs| Value::Mapping(pairs.into_iter().collect::<Mapping>())),
        ]
    })
}

/// A manifest-shaped document: mostly `daemons:` with daemon maps.
fn document() -> impl Strategy<Value = String> {
    let daemon = prop::collection::vec((prop::sample::select(KEYS), value()), 0..8);
    let daemons = prop::collection::vec((prop::sample::select(KEYS), daemon), 0..5);
    (daemons, prop::collection::vec((key(), value()), 0..3)).prop_map(|(daemons, extra)| {
        let mut top = Mapping::new();
        let mut map = Mapping::new();
        for (name, keys) in daemons {
            let daemon: Mapping = keys
                .into_iter()
                .map(|(key, value)| (Value::String(key.into()), value))
                .collect();
            map.insert(Value::String(name.into()), Value::Mapping(daemon));
        }
        top.insert("daemons".into(), Value::Mapping(map));
        for (key, value) in extra {
            top.insert(key, value);
        }
        serde_yaml::to_string(&Value::Mapping(top)).unwrap()
    })
}

/// Byte-level edits: (position per mille, what to do).
fn mutations() -> impl Strategy<Value = Vec<(u16, u8, u8)>> {
    prop::collection::vec((0u16..1000, 0u8..6, any::<u8>()), 0..6)
}

fn mutate(text: String, edits: &[(u16, u8, u8)]) -> Vec<u8> {
    let mut bytes = text.into_bytes();
    for &(at, kind, byte) in edits {
        let at = bytes.len() * at as usize / 1000;
        match kind {
            0 => bytes.insert(at, byte),
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            2 => bytes.splice(at..at, b"&a ".iter().copied()).for_each(drop),
            3 => bytes.splice(at..at, b"*a".iter().copied()).for_each(drop),
            4 => bytes
                .splice(at..at, b"\n  - ".iter().copied())
                .for_each(drop),
            _ => bytes.splice(at..at, b": ".iter().copied()).for_each(drop),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_manifests_never_panic_and_errors_have_positions(text in document()) {
        check(parse(&text));
    }

    #[test]
    fn mutated_manifests_never_panic_and_errors_have_positions(
        text in document(),
        edits in mutations(),
    ) {
        let bytes = mutate(text, &edits);
        match std::str::from_utf8(&bytes) {
            Ok(text) => check(parse(text)),
            Err(_) => check(load(&bytes)),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        check(parse(&text));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        format!("daemons: {}", "[".repeat(30_000)),
        format!("daemons: {}", "{a: ".repeat(20_000)),
        (0..5_000)
            .map(|depth| format!("{}a:\n", "  ".repeat(depth)))
            .collect(),
        format!(
            "daemons:\n  web:\n    start: {}x{}\n",
            "[".repeat(2_000),
            "]".repeat(2_000)
        ),
    ] {
        let started = std::time::Instant::now();
        let head = text[..20].to_string();
        let result = within_a_minute("deep nesting", move || parse(&text).err());
        let error = result.expect("deep nesting was accepted");
        eprintln!("{head:?}...: {:?}", started.elapsed());
        check(Err(error));
    }
}

#[test]
fn an_alias_bomb_is_refused_with_a_position() {
    let bomb = "\
a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
daemons: { x: { start: *i } }
";
    let error = within_a_minute("billion laughs", move || parse(bomb).err())
        .expect("the alias bomb was accepted");
    check(Err(error.clone()));
    assert!(
        error.to_string().contains("repetition limit"),
        "serde_yaml's repetition limit did not stop it: {error}"
    );
    // Merge keys expand aliases too.
    let merge = "\
a: &a {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}
b: &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]}
c: &c {<<: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]}
d: &d {<<: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]}
daemons: { x: { <<: *d, start: y } }
";
    let result = within_a_minute("merge bomb", move || parse(merge).err());
    if let Some(error) = result {
        check(Err(error));
    }
}

#[test]
fn a_huge_manifest_is_loaded_or_refused_without_hanging() {
    let mut text = String::from("daemons:\n");
    for n in 0..20_000 {
        text.push_str(&format!(
            "  d{n}:\n    daemonize: true\n    start: [x, \"{n}\"]\n    depends_on: [{}]\n",
            if n == 0 {
                String::new()
            } else {
                format!("d{}", n - 1)
            }
        ));
    }
    let manifest = within_a_minute("a 20000-daemon chain", move || {
        parse(&text)
            .map(|m| m.daemons.len())
            .map_err(|e| e.problems.into_iter().next())
    });
    assert_eq!(manifest.expect("a valid huge manifest"), 20_000);
    let junk = "x".repeat(20 << 20);
    let result = within_a_minute("20 MB of one scalar", move || parse(&junk).err());
    check(Err(result.expect("a bare scalar was accepted")));
}

#[test]
fn non_utf8_bytes_are_an_error_at_their_position() {
    let bytes = b"daemons:\n  web:\n    st\xffart: x\n";
    let error = load(bytes).expect_err("non-UTF-8 was accepted");
    check(Err(error.clone()));
    let problem = &error.problems[0];
    assert_eq!(
        (problem.line, problem.column),
        (Some(3), Some(7)),
        "{error}"
    );
    assert!(error.to_string().contains("UTF-8"), "{error}");
}

/// Problems about the file as a whole, which have no better position than
/// the file itself: it is empty, or has no `daemons:` at all. (A problem
/// may also be placed by its daemon or key path alone.)
fn about_the_whole_file(message: &str) -> bool {
    message.starts_with("the manifest is empty") || message.starts_with("missing `daemons:`")
}

#[test]
fn old_mac_line_ends_still_give_positions() {
    // Found by the fuzzer: YAML ends a line at `\r` too.
    let text = "# a comment\r\r\rstrt: x\n  an#";
    check(parse(text));
    // Found by the fuzzer too: an indented top-level key with an anchor.
    check(parse(
        "# yaml-\n\n  \n &language-server: $schema=schema.json",
    ));
    // And a tagged value merged in (`<<: !tag`), which serde_yaml places nowhere.
    check(parse(
        "base: &base { x: 1 }\ndaemons:\n  a: { <<: !base, start: x }\n",
    ));
    let error = parse("daemons: {}\rbogus: 1\r").expect_err("an unknown key");
    let bogus = error.problems.iter().find(|p| p.message.contains("bogus"));
    assert_eq!(bogus.and_then(|p| p.line), Some(2), "{error}");
}
