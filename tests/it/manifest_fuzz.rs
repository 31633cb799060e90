//! Manifest fuzzing in stable `cargo test`: property-based inputs
//! over the whole load + interpolate + validate path, with a bounded number
//! of cases, plus the classic hostile inputs: deep nesting, a huge file, an
//! alias bomb ("billion laughs") and non-UTF-8 bytes. No input may panic or
//! hang, and every rejection names the file and says where (a line and
//! column, or at least the daemon). The libFuzzer target in `fuzz/` runs the
//! same check on raw bytes for as long as one wants. Keys drawn from
//! YAML's plain-scalar alphabet (leading `.`, `-`, `?`, `:`, backticks,
//! `${`, `#`, anchors and tags before them) must each be reported at the
//! very line and column where they are written, whenever the YAML parser
//! reads them as a key.
//!
//! The keys of the second turn get projects of their own: a manifest with
//! `tasks:`, `env_file` and `inputs`, written into a temporary directory
//! with the dotenv files it names (hostile ones: quotes, escapes, `export`,
//! long lines, NUL, CR, bytes that are not UTF-8), a `.env` and files for
//! its globs. A project that loads must also build: every daemon, and
//! every task's fingerprint with its inputs expanded.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use devup::controller::Fingerprint;
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
    "tasks",
    "run",
    "env_file",
    "inputs",
    "timeout",
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
    "a.env",
    ".env",
    "missing.env",
    "/dev/zero",
    "**",
    "many/*.txt",
    "[",
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
                || problem.task.is_some()
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

/// The names of the files a generated project may write and name.
const FILES: &[&str] = &[
    "a.env",
    "b.env",
    ".env",
    "sub/c.env",
    "inputs/x.txt",
    "inputs/y.rb",
];

/// Values of `env_file`: files that exist or not, a directory, devices.
const ENV_FILES: &[&str] = &[
    "a.env",
    "b.env",
    ".env",
    "sub/c.env",
    "missing.env",
    "sub",
    "/dev/zero",
    "/dev/null",
    "",
    "${SET}.env",
    "${UNSET:-a}.env",
];

/// `inputs` patterns: files, globs matching nothing or many files, `**`,
/// bad glob syntax.
const GLOBS: &[&str] = &[
    "inputs/x.txt",
    "inputs/*.rb",
    "nothing/*",
    "many/*.txt",
    "many/**/*",
    "**/*.env",
    "**",
    "[",
    "[!",
    "a[b",
    "inputs/[!x]*",
    "*.{txt",
    "***",
    "many/f?.txt",
    "",
    "${SET}/*",
];

/// Lines of a dotenv file, well and badly formed.
const DOTENV_LINES: &[&str] = &[
    "A=1",
    "export B = two words ",
    "export",
    "export C",
    "C='single $HOME \\n'",
    "D=\"double \\\"q\\\" \\\\ \\n end\"",
    "E=bare # comment",
    "F=",
    "=x",
    "1A=x",
    "A='open",
    "A=\"open",
    "A=\"x\" y",
    "A=\"\\",
    "# comment",
    "  ",
    "A=\u{0}nul",
    "A=é\u{feff}",
    "déjà=x",
    "A=${SET}",
];

fn dotenv_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(DOTENV_LINES).prop_map(|line| line.as_bytes().to_vec()),
        1 => "[ -~]{0,24}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..12),
        1 => (1usize..20_000).prop_map(|n| format!("LONG={}", "x".repeat(n)).into_bytes()),
    ]
}

/// A dotenv file: lines ended by `\n`, `\r\n` or `\r`.
fn dotenv() -> impl Strategy<Value = Vec<u8>> {
    let end = prop::sample::select(&["\n", "\r\n", "\r", ""][..]);
    prop::collection::vec((dotenv_line(), end), 0..8).prop_map(|lines| {
        lines
            .into_iter()
            .flat_map(|(mut line, end)| {
                line.extend_from_slice(end.as_bytes());
                line
            })
            .collect()
    })
}

fn strings(words: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let one = prop::sample::select(words).prop_map(|word| Value::String(word.into()));
    prop_oneof![
        one.clone(),
        prop::collection::vec(one, 0..4).prop_map(Value::Sequence),
    ]
}

/// A value for `key` of a daemon or a task: mostly of the right shape.
fn value_for(key: &'static str) -> BoxedStrategy<Value> {
    let names = || prop::sample::select(&["a", "b", "web", "db", "migrate", "x"][..]);
    let typed: BoxedStrategy<Value> = match key {
        "run" | "start" => prop::sample::select(&["true", "sh -c true", "", " ", "x y"][..])
            .prop_map(|s| Value::String(s.into()))
            .boxed(),
        "depends_on" => prop::collection::vec(names(), 0..3)
            .prop_map(|names| Value::Sequence(names.into_iter().map(Value::from).collect()))
            .boxed(),
        "env_file" => strings(ENV_FILES).boxed(),
        "inputs" => prop::collection::vec(prop::sample::select(GLOBS), 0..4)
            .prop_map(|globs| Value::Sequence(globs.into_iter().map(Value::from).collect()))
            .boxed(),
        "timeout" | "start_timeout" => {
            prop::sample::select(&["1s", "10m", "0s", "-1s", "2d", "x"][..])
                .prop_map(|s| Value::String(s.into()))
                .boxed()
        }
        "dir" => prop::sample::select(&["sub", ".", "..", "/", "missing"][..])
            .prop_map(|s| Value::String(s.into()))
            .boxed(),
        "env" => prop::collection::vec(
            (prop::sample::select(&["A", "B", "1x", ""][..]), scalar()),
            0..3,
        )
        .prop_map(|pairs| {
            Value::Mapping(
                pairs
                    .into_iter()
                    .map(|(k, v)| (Value::from(k), v))
                    .collect(),
            )
        })
        .boxed(),
        "daemonize" => Just(Value::Bool(true)).boxed(),
        _ => value().boxed(),
    };
    prop_oneof![4 => typed, 1 => value()].boxed()
}

/// A map of keys drawn from `keys` (and now and then another), each with a
/// value for it.
fn keyed(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        8 => prop::sample::select(keys),
        1 => prop::sample::select(KEYS),
    ];
    prop::collection::vec(key.prop_flat_map(|key| (Just(key), value_for(key))), 0..7).prop_map(
        |pairs| {
            Value::Mapping(
                pairs
                    .into_iter()
                    .map(|(key, value)| (Value::from(key), value))
                    .collect(),
            )
        },
    )
}

const TASK_KEYS: &[&str] = &[
    "run",
    "depends_on",
    "dir",
    "env",
    "env_file",
    "inputs",
    "timeout",
];
const DAEMON_KEYS: &[&str] = &[
    "start",
    "daemonize",
    "depends_on",
    "dir",
    "env",
    "env_file",
    "inputs",
    "start_timeout",
];

/// A project: its manifest (with `tasks:`, `env_file`, `inputs`), the files
/// it writes (dotenv files, `.env`, inputs) and how many files to put in
/// `many/` for the globs.
#[derive(Debug, Clone)]
struct Project {
    manifest: String,
    files: Vec<(&'static str, Vec<u8>)>,
    many: usize,
}

fn project() -> impl Strategy<Value = Project> {
    let name = || prop::sample::select(&["a", "b", "web", "db", "migrate", "x", "a b", ""][..]);
    let daemons = prop::collection::vec((name(), keyed(DAEMON_KEYS)), 0..4);
    let tasks = prop::option::of(prop::collection::vec((name(), keyed(TASK_KEYS)), 0..4));
    let top_env_file = prop::option::of(strings(ENV_FILES));
    let defaults = prop::option::of(strings(ENV_FILES));
    let files = prop::collection::vec((prop::sample::select(FILES), dotenv()), 0..5);
    let many = prop_oneof![5 => Just(0usize), 1 => 0usize..300];
    (daemons, tasks, top_env_file, defaults, files, many).prop_map(
        |(daemons, tasks, top_env_file, defaults, files, many)| {
            let map = |entries: Vec<(&str, Value)>| {
                Value::Mapping(
                    entries
                        .into_iter()
                        .map(|(k, v)| (Value::from(k), v))
                        .collect(),
                )
            };
            let mut top = Mapping::new();
            if let Some(paths) = top_env_file {
                top.insert("env_file".into(), paths);
            }
            if let Some(paths) = defaults {
                top.insert("defaults".into(), map(vec![("env_file", paths)]));
            }
            if let Some(tasks) = tasks {
                top.insert("tasks".into(), map(tasks));
            }
            top.insert("daemons".into(), map(daemons));
            Project {
                manifest: serde_yaml::to_string(&Value::Mapping(top)).unwrap(),
                files,
                many,
            }
        },
    )
}

/// Where projects are written: a tmpfs when there is one (creating and
/// deleting files on a disk's file system is much slower).
fn scratch() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// Writes `project` into a fresh directory and loads it, as `devup` does;
/// then builds what loaded, and removes the directory.
fn load_project(project: &Project, edits: &[(u16, u8, u8)]) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch().join(format!(
        "devup-fuzz-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for (name, contents) in &project.files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    std::fs::create_dir_all(dir.join("many/deeper")).unwrap();
    for n in 0..project.many {
        let sub = if n % 2 == 0 { "many" } else { "many/deeper" };
        std::fs::write(dir.join(sub).join(format!("f{n}.txt")), n.to_string()).unwrap();
    }
    let manifest = dir.join("daemons.yaml");
    std::fs::write(&manifest, mutate(project.manifest.clone(), edits)).unwrap();
    let env = |name: &str| (name == "SET").then(|| "value".to_string());
    match Manifest::load_with_env(&manifest, &env) {
        Ok(loaded) => build_everything(&loaded, &dir),
        Err(error) => check_project_error(&error),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A rejection of a project: names its file (the manifest or a dotenv
/// file) and says where.
fn check_project_error(error: &ManifestError) {
    assert!(!error.problems.is_empty(), "an error without a problem");
    let rendered = error.to_string();
    assert!(
        rendered.contains(&*error.path.to_string_lossy()),
        "the file is not named: {rendered}"
    );
    for problem in &error.problems {
        assert!(!problem.message.is_empty(), "{problem:?}");
        assert!(
            problem.line.is_some()
                || problem.daemon.is_some()
                || problem.task.is_some()
                || problem.key.is_some()
                || about_the_whole_file(&problem.message),
            "a rejection without a position: {problem:?}"
        );
    }
}

/// A manifest that loaded must run: every daemon builds, every task's
/// definition can be fingerprinted, and so can every daemon's, with
/// `inputs` expanded (those inside the project: an absolute or `..`
/// pattern could walk the whole disk).
fn build_everything(manifest: &Manifest, dir: &Path) {
    let contained = |inputs: &[PathBuf]| {
        inputs.iter().all(|input| {
            input.starts_with(dir) && !input.components().any(|c| c == Component::ParentDir)
        })
    };
    for daemon in &manifest.daemons {
        let controller = manifest
            .controller_builder(&daemon.name)
            .unwrap()
            .build()
            .unwrap_or_else(|error| panic!("a loaded daemon does not build: {error}"));
        if contained(&daemon.inputs) {
            let _ = Fingerprint::of(controller.spec());
        }
    }
    for task in &manifest.tasks {
        if contained(&task.inputs) {
            task.changed_keys()
                .unwrap_or_else(|error| panic!("a loaded task does not build: {error}"));
        }
    }
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

proptest! {
    // Each case writes a project to disk: fewer of them.
    #![proptest_config(ProptestConfig { cases: 100, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn projects_with_tasks_env_files_and_inputs_never_panic_and_errors_have_positions(
        project in project(),
    ) {
        load_project(&project, &[]);
    }

    #[test]
    fn mutated_projects_never_panic_and_errors_have_positions(
        project in project(),
        edits in mutations(),
    ) {
        load_project(&project, &edits);
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
/// may also be placed by its daemon, its task or its key path alone.)
fn about_the_whole_file(message: &str) -> bool {
    message.starts_with("the manifest is empty")
        || message.starts_with("missing `daemons:`")
        || message.starts_with("cannot read `.env`")
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
    // And a task's unknown key after an anchored value ended by a lone `\r`:
    // no line is found for it, but the problem names its task.
    let error = parse("a: &a put\rtasks:\n  t:\n   .txt: x\n  d:\n    start: x\n")
        .expect_err("unknown keys");
    check(Err(error.clone()));
    let txt = error.problems.iter().find(|p| p.message.contains("`.txt`"));
    assert_eq!(txt.and_then(|p| p.task.as_deref()), Some("t"), "{error}");
    let error = parse("daemons: {}\rbogus: 1\r").expect_err("an unknown key");
    let bogus = error.problems.iter().find(|p| p.message.contains("bogus"));
    assert_eq!(bogus.and_then(|p| p.line), Some(2), "{error}");
}

#[test]
fn keys_that_start_like_document_markers_still_give_positions() {
    // Found by the fuzzer: `...` starts a plain key unless a blank follows
    // it, and the key may hold a backtick; the line was skipped as a
    // document's end, and the error had no position.
    let expected = "fuzz/daemons.yaml:1:1: unknown key `...r``; expected one of version, env, \
                    env_file, defaults, tasks, daemons\n\
                    fuzz/daemons.yaml:1:1: missing `daemons:`, the map of the daemons to start";
    let error = parse("...r`: ").expect_err("an unknown key");
    assert_eq!(error.to_string(), expected);
    // The input as the fuzzer found it: lines ended by a lone `\r`.
    let error = parse("# ya\r\r\r....................eger `aw${iht yhh2:\n ....eg n#")
        .expect_err("an unknown key");
    check(Err(error.clone()));
    assert_eq!(
        (error.problems[0].line, error.problems[0].column),
        (Some(4), Some(1)),
        "{error}"
    );
    // The rest of the class: keys led by `---`, `?`, `:`, an anchor or a
    // tag, a tab after the `:`, and `?` in a flow map; each at its place.
    let error = parse(
        "daemons:\n  web:\n    start: x\n    daemonize: true\n    ...r`: 1\n    ?x: 1\n    \
         &a !!str y`:\t1\n  db: {start: x, daemonize: true, ?q: 1, &b z: 1}\n---x: 1\n",
    )
    .expect_err("unknown keys");
    let places: Vec<_> = error
        .problems
        .iter()
        .map(|p| {
            (
                p.line.unwrap_or(0),
                p.column.unwrap_or(0),
                p.message.split(';').next().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            (5, 5, "unknown key `...r``"),
            (6, 5, "unknown key `?x`"),
            (7, 14, "unknown key `y``"),
            (8, 36, "unknown key `q`"),
            (8, 45, "unknown key `z`"),
            (9, 1, "unknown key `---x`"),
        ],
        "{error}"
    );
}

/// A fresh directory for one test's project.
fn project_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("devup-fuzz-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load_in(dir: &Path, manifest: &str) -> ManifestError {
    let path = dir.join("daemons.yaml");
    std::fs::write(&path, manifest).unwrap();
    let error = within_a_minute("loading", move || {
        Manifest::load_with_env(&path, &|_| None).err()
    })
    .expect("the manifest was accepted");
    check_project_error(&error);
    error
}

#[test]
fn dotenv_files_that_are_not_utf8_are_an_error_at_their_byte() {
    // Found by the fuzzer: `.env` (or an `env_file`) with a byte that is
    // not UTF-8 was an error with no line ("stream did not contain valid
    // UTF-8"), unlike the manifest itself.
    let dir = project_dir("not-utf8");
    std::fs::write(dir.join(".env"), b"A=1\nB=d\xc3\xa9j\xff\n").unwrap();
    let error = load_in(&dir, "daemons:\n  web: { start: x, daemonize: true }\n");
    assert_eq!(
        error.to_string(),
        format!(
            "{}:2:6: not UTF-8 text (byte 0xff)",
            dir.join(".env").display()
        )
    );
    std::fs::remove_file(dir.join(".env")).unwrap();
    std::fs::write(dir.join("web.env"), b"\xfe").unwrap();
    let error = load_in(
        &dir,
        "daemons:\n  web: { start: x, daemonize: true, env_file: web.env }\n",
    );
    assert_eq!(
        error.to_string(),
        format!(
            "{}:1:1: daemon `web`, key `env_file`: not UTF-8 text (byte 0xfe)",
            dir.join("web.env").display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dotenv_files_that_are_devices_or_fifos_are_refused_not_read() {
    // `env_file: /dev/zero` read forever (and filled memory); a FIFO named
    // `.env` or as an `env_file` blocked the load until someone wrote to it.
    let dir = project_dir("devices");
    let error = load_in(
        &dir,
        "tasks:\n  t: { run: x, env_file: /dev/zero }\ndaemons:\n  web: { start: x, daemonize: true }\n",
    );
    assert_eq!(
        error.to_string(),
        format!(
            "{}:2:26: task `t`, key `env_file`: cannot read env_file `/dev/zero`: not a regular file",
            dir.join("daemons.yaml").display()
        )
    );
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join(".env"))
        .status()
        .expect("running mkfifo");
    assert!(status.success());
    let error = load_in(&dir, "daemons:\n  web: { start: x, daemonize: true }\n");
    assert_eq!(
        error.to_string(),
        format!(
            "{}: cannot read `.env`: not a regular file",
            dir.join(".env").display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_glob_in_inputs_is_an_error_at_its_item() {
    // `inputs: ["["]` loaded, and the pattern silently counted as a literal
    // path.
    let dir = project_dir("bad-glob");
    let error = load_in(
        &dir,
        "tasks:\n  t:\n    run: x\n    inputs: [ok/*.rb, \"a[b\"]\n\
         daemons:\n  web:\n    start: x\n    daemonize: true\n    inputs:\n      - \"**\"\n      - \"***\"\n",
    );
    let manifest = dir.join("daemons.yaml");
    assert_eq!(
        error.to_string(),
        format!(
            "{path}:4:23: task `t`, key `inputs`: invalid glob `a[b`: invalid range pattern\n\
             {path}:11:9: daemon `web`, key `inputs`: invalid glob `***`: wildcards are either regular `*` or recursive `**`",
            path = manifest.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inputs_that_are_devices_are_not_read() {
    // `inputs: [/dev/zero]` made the fingerprint read forever (every `up`
    // of the task or daemon hung).
    let dir = project_dir("device-inputs");
    let path = dir.join("daemons.yaml");
    std::fs::write(
        &path,
        "tasks:\n  t: { run: x, inputs: [/dev/zero] }\n\
         daemons:\n  web: { start: x, daemonize: true, inputs: [/dev/zero, /dev/null] }\n",
    )
    .unwrap();
    let manifest = Manifest::load_with_env(&path, &|_| None).expect("a valid manifest");
    let changed = within_a_minute("fingerprinting /dev/zero", move || {
        let task = manifest.tasks[0].changed_keys().map_err(|e| e.to_string());
        let daemon = manifest.controller_builder("web").unwrap().build().unwrap();
        let _ = Fingerprint::of(daemon.spec());
        task
    });
    assert_eq!(changed, Ok(None), "a task that never ran has no record");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A key from YAML's plain-scalar alphabet: a first character that may
/// start a plain scalar (`-`, `?` and `:` only before a non-blank, `...`
/// and `---` as at a document marker), then letters, dots, backticks,
/// `${`, `#`, blanks and indicators. Many are not plain keys at all (a
/// ` #` starts a comment, `: ` ends the key); the parser says which are.
fn plain_key() -> impl Strategy<Value = String> {
    let first = prop_oneof![
        3 => "[a-z`$.]",
        1 => ("[-?:]", "[a-z.`$#{}:-]").prop_map(|(a, b)| format!("{a}{b}")),
        1 => prop::sample::select(&["...", "---", "..", "--"][..]).prop_map(String::from),
    ];
    let piece = prop::sample::select(
        &[
            "a", "z", "0", ".", "...", "`", "${", "}", "#", " ", "\t", ":", "-", "?", "{", "[",
            "]", ",", "'", "\"", "&", "*", "!", "%", "@", "|", ">", "\u{a0}", "é",
        ][..],
    );
    (first, prop::collection::vec(piece, 0..8)).prop_map(|(first, rest)| first + &rest.concat())
}

/// What may stand before a key: nothing, an anchor, a tag, both.
const KEY_PROPERTIES: &[&str] = &["", "", "&k ", "!!str ", "&k !!str\t", "&k:"];

/// Where an unknown key goes: its line's text before it, after it, and the
/// manifest around it (`{}` is the line; `{key}` is replaced).
const KEY_PLACES: &[(&str, &str)] = &[
    (
        "",
        "version: 1\n{}\ndaemons:\n  web: {start: x, daemonize: true}\n",
    ),
    (
        "    ",
        "daemons:\n  web:\n    start: x\n{}\n    daemonize: true\n",
    ),
    (
        "    ",
        "tasks:\n  t:\n    run: x\n{}\ndaemons:\n  web: {start: x, daemonize: true}\n",
    ),
    ("  web: {start: x, ", "daemons:\n{}\n"),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every unknown plain key the YAML parser accepts is reported at its
    /// own line and column (not its daemon's, not none): the position
    /// scanner reads keys as the parser does.
    #[test]
    fn every_unknown_plain_key_is_reported_where_it_is_written(
        key in plain_key(),
        properties in prop::sample::select(KEY_PROPERTIES),
        separator in prop::sample::select(&[": 1", ":\t1", " : 1", ":"][..]),
        place in prop::sample::select(KEY_PLACES),
    ) {
        let (before, around) = place;
        // `&k:x` anchors the key `:x`.
        let (properties, key) = match properties.strip_suffix(':') {
            Some(anchor) => (anchor, format!(":{key}")),
            None => (properties, key),
        };
        let flow = before.ends_with(", ");
        let line = if flow {
            format!("{before}{properties}{key}{separator}, daemonize: true}}")
        } else {
            format!("{before}{properties}{key}{separator}")
        };
        let text = around.replace("{}", &line);
        let line_number = text.lines().position(|l| l == line).unwrap() + 1;
        // The key as the parser reads it, when it reads one here at all.
        let without = match flow {
            true => around.replace("{}", "  web: {start: x, daemonize: true}"),
            false => around.replace("{}\n", ""),
        };
        let Some(parsed) = added_key(&text, &without) else {
            return Ok(());
        };
        let error = parse(&text).expect_err("an unknown key was accepted");
        let problem = error
            .problems
            .iter()
            .find(|p| p.message.starts_with(&format!("unknown key `{parsed}`")))
            .unwrap_or_else(|| panic!("no unknown key `{parsed}` in: {error}"));
        // Where the parsed key is written (after a flow map's `?`, say).
        let prefix = before.len() + properties.len();
        let at = prefix + line[prefix..].find(&parsed).expect("a plain key is written as read");
        let column = line[..at].chars().count() + 1;
        prop_assert_eq!(
            (problem.line, problem.column),
            (Some(line_number), Some(column)),
            "{:?} in\n{}\n{}", parsed, text, error
        );
    }
}

/// The one string key the parser finds in `text` and not in `without`:
/// `None` when the text is not valid YAML, or the added key is not a
/// string of its own.
fn added_key(text: &str, without: &str) -> Option<String> {
    let keys = |text: &str| -> Option<Vec<String>> {
        let value: Value = serde_yaml::from_str(text).ok()?;
        let mut keys = Vec::new();
        collect_keys(&value, &mut keys)?;
        Some(keys)
    };
    let all = keys(text)?;
    let base = keys(without).expect("the manifest around the key is valid YAML");
    let mut added: Vec<String> = all.into_iter().filter(|key| !base.contains(key)).collect();
    (added.len() == 1).then(|| added.remove(0))
}

/// Every key of every mapping in `value`; `None` when one is not a string.
fn collect_keys(value: &Value, keys: &mut Vec<String>) -> Option<()> {
    match value {
        Value::Mapping(map) => {
            for (key, value) in map {
                let Value::String(key) = key else {
                    return None;
                };
                keys.push(key.clone());
                collect_keys(value, keys)?;
            }
        }
        Value::Sequence(items) => items.iter().try_for_each(|item| collect_keys(item, keys))?,
        _ => {}
    }
    Some(())
}
