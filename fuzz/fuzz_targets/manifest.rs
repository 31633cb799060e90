//! Fuzzes the whole manifest path, load + `.env` + interpolate + validate +
//! `env_file`, with arbitrary bytes: no input may panic or hang, and every
//! rejection must be an error that names a file and says where (line and
//! column, daemon or key) unless it is about a file as a whole. A manifest
//! that loads must also build: every daemon's controller, and every task's
//! fingerprint, with its `inputs` globs expanded and hashed.
//!
//! The input is a small project: the bytes up to the first line starting
//! with `%%` are `daemons.yaml`; then `%%file NAME` starts a file (a dotenv
//! file, `.env`, an input) holding the bytes up to the next `%%` line, and
//! `%%many N DIR` creates N (at most 300) small files in DIR, for globs.
//! NAME is kept inside the project's temporary directory (no `..`, no
//! absolute path). Everything is written afresh for each input, and loaded
//! with `Manifest::load_with_env`, as `devup` does.
#![no_main]

use std::path::{Component, Path, PathBuf};

use devup::Manifest;
use devup::controller::Fingerprint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = scratch().join(format!("devup-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating the project directory");
    let manifest = write_project(&dir, data);
    let env = |name: &str| (name == "SET").then(|| "value".to_string());
    match Manifest::load_with_env(&manifest, &env) {
        Ok(loaded) => build_everything(&loaded, &dir),
        Err(error) => {
            assert!(!error.problems.is_empty(), "an error without a problem");
            assert!(
                error.to_string().contains(&*error.path.to_string_lossy()),
                "the error does not name its file: {error}"
            );
            for problem in &error.problems {
                assert!(!problem.message.is_empty(), "a problem without a message");
                assert!(
                    problem.line.is_some()
                        || problem.daemon.is_some()
                        || problem.task.is_some()
                        || problem.key.is_some()
                        || about_the_whole_file(&problem.message),
                    "a rejection without a position: {problem:?}"
                );
            }
            let _ = error.to_string();
        }
    }
});

/// Where projects are written: a tmpfs when there is one, since creating
/// and deleting files on a disk's file system costs milliseconds, which
/// would make the fuzzer a hundred times slower.
fn scratch() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// Writes the project `data` describes into `dir`; returns the manifest's
/// path.
fn write_project(dir: &Path, data: &[u8]) -> PathBuf {
    let mut parts = split_lines(data);
    let manifest = dir.join("daemons.yaml");
    std::fs::write(&manifest, parts.next().unwrap_or_default()).expect("writing the manifest");
    for part in parts {
        let (header, contents) = match part.iter().position(|&b| b == b'\n') {
            Some(end) => (&part[..end], &part[end + 1..]),
            None => (part, &[][..]),
        };
        let header = String::from_utf8_lossy(header);
        let mut words = header.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("file"), Some(name), _) => {
                if let Some(path) = inside(dir, name) {
                    if let Some(parent) = path.parent() {
                        let _ = std::fs::create_dir_all(parent);
                    }
                    let _ = std::fs::write(path, contents);
                }
            }
            (Some("many"), Some(count), Some(name)) => {
                let count = count.parse::<usize>().unwrap_or(0).min(300);
                if let Some(path) = inside(dir, name) {
                    let _ = std::fs::create_dir_all(&path);
                    for n in 0..count {
                        let _ = std::fs::write(path.join(format!("f{n}.txt")), n.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    manifest
}

/// The parts of `data` separated by lines that start with `%%` (without
/// the `%%`).
fn split_lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = vec![0];
    let mut ends = Vec::new();
    for (i, window) in data.windows(3).enumerate() {
        if window == b"\n%%" {
            ends.push(i + 1);
            starts.push(i + 3);
        }
    }
    if data.starts_with(b"%%") {
        ends.insert(0, 0);
        starts.insert(1, 2);
    }
    ends.push(data.len());
    starts
        .into_iter()
        .zip(ends)
        .map(move |(start, end)| &data[start.min(end)..end])
}

/// `name` as a path inside `dir`, when it is one.
fn inside(dir: &Path, name: &str) -> Option<PathBuf> {
    let relative = Path::new(name);
    let plain = relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)));
    (plain && name.len() <= 100).then(|| dir.join(relative))
}

/// Builds every daemon's controller and fingerprint and every task's,
/// expanding their `inputs`: a manifest that loaded must run. Inputs that
/// could reach outside the project (an absolute pattern, `..`) are not
/// expanded, so a pattern like `/**` does not walk the whole disk.
fn build_everything(manifest: &Manifest, dir: &Path) {
    let contained = |inputs: &[PathBuf]| {
        inputs.iter().all(|input| {
            input.starts_with(dir) && !input.components().any(|c| c == Component::ParentDir)
        })
    };
    for daemon in &manifest.daemons {
        let controller = manifest
            .controller_builder(&daemon.name)
            .expect("a daemon of the manifest")
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

/// Problems about a file as a whole, which have no better position than
/// the file itself: the manifest is empty or has no `daemons:` at all, or
/// `.env` cannot be read (a directory). (A problem may also be placed by
/// its daemon, its task or its key path alone.)
fn about_the_whole_file(message: &str) -> bool {
    message.starts_with("the manifest is empty")
        || message.starts_with("missing `daemons:`")
        || message.starts_with("cannot read `.env`")
}
