//! A daemon's definition (SPEC §6) as a fingerprint: what shapes its
//! process — `start`, `daemonize`, `dir`, `pid_file`, `log_file`,
//! `before_start`, its environment and the contents of its `inputs` — and
//! nothing else (not the ping, the stop recipe, timeouts, `fail_when_log`,
//! `depends_on` or `lock_file`). Each key is serialized on its own in a
//! fixed, ordered form (serde_json of ordered values) and hashed with
//! SHA-256, and the per-key hashes are kept under the key names, so a
//! difference can say *which* keys changed. The format is versioned: a
//! fingerprint of another version compares as "unknown", never as changed.
//!
//! Inputs are hashed streamed (64 KiB at a time), so a huge file or
//! thousands of files cost time, never memory.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{BeforeStart, DaemonSpec};

/// The version of the fingerprint's form; bumped whenever what is hashed,
/// or how, changes.
pub const DEFINITION_VERSION: u32 = 1;

/// Inputs at least this large get a [`Stamp`], so that a later
/// fingerprint need not read them again while they are unchanged.
const STAMPED_LEN: u64 = 1 << 20;

/// At most this many stamps are kept (the record stays small).
const MAX_STAMPS: usize = 1000;

/// A file changed this close to its hashing might change again within the
/// same timestamp tick: its stamp is not trusted (as git's "racy" entries).
const RACY_NS: i128 = 2_000_000_000;
/// The definition's keys in the order SPEC §6 lists them, which is the
/// order a change names them in.
const KEY_ORDER: &[&str] = &[
    "start",
    "daemonize",
    "dir",
    "pid_file",
    "log_file",
    "before_start",
    "env",
    "inputs",
];

/// The fingerprint of a daemon's definition: one SHA-256 (hex) per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// [`DEFINITION_VERSION`] when it was made.
    pub version: u32,
    /// Key name → hash of that key's value.
    pub keys: BTreeMap<String, String>,
    /// Large input files as they were when hashed, by path: a cache for
    /// the next fingerprint, not part of the comparison.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stamps: BTreeMap<String, Stamp>,
}

/// What a large input file was when it was hashed: while its size, inode,
/// modification and change times are the same, so are its contents (the
/// change time cannot be set back by a program).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub len: u64,
    /// Device and inode.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i128,
    /// Status change time, ns since the epoch.
    pub ctime_ns: i128,
    /// When it was hashed, ns since the epoch.
    pub hashed_ns: i128,
    /// The SHA-256 of its contents.
    pub hash: String,
}

impl Fingerprint {
    /// The fingerprint of `spec`'s definition; reads its `inputs`.
    pub fn of(spec: &DaemonSpec) -> Fingerprint {
        Fingerprint::with_cache(spec, None)
    }

    /// [`Fingerprint::of`], taking the hash of a large input that has not
    /// changed since `cache` was made from `cache`'s stamps instead of
    /// reading it again.
    pub fn with_cache(spec: &DaemonSpec, cache: Option<&Fingerprint>) -> Fingerprint {
        let before_start: Vec<serde_json::Value> = spec
            .before_start
            .iter()
            .map(|step| match step {
                BeforeStart::Command(command) => serde_json::to_value(command).unwrap_or_default(),
                // A closure has no content to compare; it is only there.
                BeforeStart::Fn(_) => serde_json::Value::String("closure".into()),
            })
            .collect();
        let mut keys = BTreeMap::new();
        let mut put = |key: &str, value: serde_json::Value| {
            keys.insert(key.to_string(), hash_json(&value));
        };
        put(
            "start",
            serde_json::to_value(&spec.start).unwrap_or_default(),
        );
        put("daemonize", spec.daemonize.into());
        put("dir", path_value(&spec.dir));
        put("pid_file", path_value(&spec.pid_file));
        put(
            "log_file",
            spec.log_file
                .as_deref()
                .map_or(serde_json::Value::Null, path_value),
        );
        put("before_start", before_start.into());
        put("env", serde_json::to_value(&spec.env).unwrap_or_default());
        let empty = BTreeMap::new();
        let old = cache.map_or(&empty, |cache| &cache.stamps);
        let mut stamps = BTreeMap::new();
        keys.insert("inputs".into(), hash_inputs(&spec.inputs, old, &mut stamps));
        Fingerprint {
            version: DEFINITION_VERSION,
            keys,
            stamps,
        }
    }

    /// The keys whose hashes differ from `current`'s, in the order SPEC §6
    /// lists them (`KEY_ORDER`: `changed (start, env)`), empty when the
    /// definitions are the same; `None` when this fingerprint is of another
    /// version, so nothing can be said.
    pub fn changed_keys(&self, current: &Fingerprint) -> Option<Vec<String>> {
        if self.version != current.version {
            return None;
        }
        let mut names: Vec<&String> = self.keys.keys().chain(current.keys.keys()).collect();
        let rank = |name: &str| KEY_ORDER.iter().position(|key| *key == name);
        // Known keys in their order, then any other (by name).
        names.sort_by(|a, b| match (rank(a), rank(b)) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.cmp(b),
        });
        names.dedup();
        Some(
            names
                .into_iter()
                .filter(|name| self.keys.get(*name) != current.keys.get(*name))
                .cloned()
                .collect(),
        )
    }
}

fn path_value(path: &Path) -> serde_json::Value {
    serde_json::Value::String(path.to_string_lossy().into_owned())
}

fn hash_json(value: &serde_json::Value) -> String {
    // serde_json writes maps in key order for a BTreeMap and for its own
    // `Map` (without the `preserve_order` feature): a canonical form.
    let text = serde_json::to_vec(value).unwrap_or_default();
    hex(&Sha256::digest(&text))
}

/// One hash over every pattern and, for each, its matches in sorted order,
/// each as its path and the hash of its contents. A pattern without
/// matches (a missing file) contributes only itself, so a file that
/// appears or disappears changes the hash.
fn hash_inputs(
    patterns: &[std::path::PathBuf],
    old: &BTreeMap<String, Stamp>,
    stamps: &mut BTreeMap<String, Stamp>,
) -> String {
    let mut hasher = Sha256::new();
    for pattern in patterns {
        let pattern = pattern.to_string_lossy();
        frame(&mut hasher, b"pattern", pattern.as_bytes());
        // A path without glob characters is taken as it is: no directory
        // listing (the common case, and what keeps a no-op devup cheap).
        let literal = !pattern.contains(['*', '?', '[']);
        let mut matches: Vec<std::path::PathBuf> = match glob::glob(&pattern) {
            _ if literal => vec![std::path::PathBuf::from(pattern.as_ref())],
            Ok(paths) => paths.filter_map(|entry| entry.ok()).collect(),
            // Validation rejects bad patterns (a project directory with a
            // `[` in its path can still make one); it counts as the
            // literal path.
            Err(_) => vec![std::path::PathBuf::from(pattern.as_ref())],
        };
        matches.sort();
        for path in matches {
            frame(&mut hasher, b"path", path.as_os_str().as_encoded_bytes());
            let content = hash_stamped(&path, old, stamps);
            frame(&mut hasher, b"content", content.as_bytes());
        }
    }
    hex(&hasher.finalize())
}

/// [`hash_file`], through the stamps of large files.
fn hash_stamped(
    path: &Path,
    old: &BTreeMap<String, Stamp>,
    stamps: &mut BTreeMap<String, Stamp>,
) -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return hash_file(path);
    };
    if !meta.is_file() || meta.len() < STAMPED_LEN || stamps.len() >= MAX_STAMPS {
        return hash_file(path);
    }
    let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
    let key = path.to_string_lossy().into_owned();
    let mut stamp = Stamp {
        len: meta.len(),
        dev: meta.dev(),
        ino: meta.ino(),
        mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
        ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        hashed_ns: 0,
        hash: String::new(),
    };
    let same = |known: &Stamp| {
        (
            known.len,
            known.dev,
            known.ino,
            known.mtime_ns,
            known.ctime_ns,
        ) == (
            stamp.len,
            stamp.dev,
            stamp.ino,
            stamp.mtime_ns,
            stamp.ctime_ns,
        ) && known.hashed_ns - stamp.mtime_ns.max(stamp.ctime_ns) > RACY_NS
    };
    if let Some(known) = old.get(&key).filter(|known| same(known)) {
        stamps.insert(key, known.clone());
        return known.hash.clone();
    }
    stamp.hashed_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as i128);
    stamp.hash = hash_file(path);
    let hash = stamp.hash.clone();
    stamps.insert(key, stamp);
    hash
}

/// A file's SHA-256, read 64 KiB at a time; `absent`, `directory`,
/// `special` (a FIFO or a device, never opened: `/dev/zero` never ends, a
/// FIFO blocks) or `unreadable: ...` when there are no contents to hash.
fn hash_file(path: &Path) -> String {
    match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return "absent".into(),
        Err(error) => return format!("unreadable: {}", error.kind()),
        Ok(meta) if meta.is_dir() => return "directory".into(),
        Ok(meta) if !meta.is_file() => return "special".into(),
        Ok(_) => {}
    }
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return "absent".into(),
        Err(error) => return format!("unreadable: {}", error.kind()),
    };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return format!("unreadable: {}", error.kind()),
        }
    }
    hex(&hasher.finalize())
}

/// Feeds one length-prefixed, tagged field, so no two sequences of fields
/// hash alike.
fn frame(hasher: &mut Sha256, tag: &[u8], bytes: &[u8]) {
    hasher.update(tag);
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::DaemonController;

    fn spec(
        configure: impl FnOnce(crate::DaemonControllerBuilder) -> crate::DaemonControllerBuilder,
    ) -> DaemonSpec {
        let builder = DaemonController::builder("redis")
            .start_command("redis-server --port 6380")
            .daemonize(true)
            .pid_file("/tmp/devup-definition-test/redis.pid")
            .dir("/tmp");
        configure(builder).build().unwrap().spec().clone()
    }

    #[test]
    fn the_same_definition_gives_the_same_fingerprint() {
        let a = Fingerprint::of(&spec(|b| b.env("A", "1").env("B", "2")));
        let b = Fingerprint::of(&spec(|b| b.env("B", "2").env("A", "1")));
        assert_eq!(a, b);
        assert_eq!(a.changed_keys(&b), Some(vec![]));
    }

    #[test]
    fn keys_outside_the_definition_do_not_change_it() {
        let a = Fingerprint::of(&spec(|b| b));
        let b = Fingerprint::of(&spec(|b| {
            b.ping(crate::Ping::tcp("127.0.0.1:1"))
                .stop_timeout(std::time::Duration::from_secs(3))
                .stop_signal(crate::Signal::Int)
                .lock_file("/tmp/elsewhere.lock")
                .fail_when_log("boom")
        }));
        assert_eq!(a.changed_keys(&b), Some(vec![]));
    }

    #[test]
    fn a_change_names_its_keys() {
        let a = Fingerprint::of(&spec(|b| b));
        let b = Fingerprint::of(&spec(|b| {
            b.start_command("redis-server --port 6381").env("X", "1")
        }));
        assert_eq!(
            a.changed_keys(&b),
            Some(vec!["start".to_string(), "env".to_string()])
        );
    }

    #[test]
    fn another_version_is_unknown() {
        let a = Fingerprint::of(&spec(|b| b));
        let mut old = a.clone();
        old.version = 0;
        assert_eq!(old.changed_keys(&a), None);
    }

    #[test]
    fn a_large_unchanged_input_is_taken_from_the_stamp() {
        let dir = std::env::temp_dir().join(format!("devup-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.bin");
        std::fs::write(&big, vec![7u8; 2 << 20]).unwrap();
        let spec = spec(|b| b.inputs([big.clone()]));
        let mut first = Fingerprint::of(&spec);
        assert_eq!(first.stamps.len(), 1);
        // A fresh stamp is racy, so hashed again; an old one is trusted:
        // a forged hash in it shows it was used.
        let stamp = first.stamps.values_mut().next().unwrap();
        stamp.hashed_ns += 10 * RACY_NS;
        stamp.hash = "forged".into();
        let cached = Fingerprint::with_cache(&spec, Some(&first));
        assert_ne!(cached.keys["inputs"], Fingerprint::of(&spec).keys["inputs"]);
        // A change of the file (its size, times) is seen at once.
        std::fs::write(&big, vec![8u8; 2 << 20]).unwrap();
        let changed = Fingerprint::with_cache(&spec, Some(&first));
        assert_eq!(
            changed.keys["inputs"],
            Fingerprint::of(&spec).keys["inputs"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_hash_is_stable_across_builds() {
        // A fixed value: a change of the form must bump DEFINITION_VERSION.
        assert_eq!(
            hash_json(&serde_json::json!({"b": 1, "a": ["x"]})),
            hex(&Sha256::digest(br#"{"a":["x"],"b":1}"#))
        );
    }
}
