//! The committed `schema/daemons.schema.json` is the one generated from the
//! manifest's types. After changing those types, regenerate it with
//! `DEVUP_BLESS=1 cargo test --test it schema::`.

use std::path::Path;

#[test]
fn the_committed_schema_is_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/daemons.schema.json");
    let generated = devup::manifest::json_schema();
    if std::env::var_os("DEVUP_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("writing schema/daemons.schema.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(old, new)| old != new)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()))
            + 1;
        panic!(
            "schema/daemons.schema.json differs from the schema generated from src/manifest/raw/ \
             (first at line {line}); regenerate it with `DEVUP_BLESS=1 cargo test --test it schema::` \
             and commit it"
        );
    }
}

#[test]
fn the_schema_describes_every_key_and_ping_kind() {
    let schema: serde_json::Value = serde_json::from_str(&devup::manifest::json_schema()).unwrap();
    let keys = |pointer: &str| -> Vec<String> {
        let mut keys: Vec<String> = schema
            .pointer(pointer)
            .and_then(|value| value.as_object())
            .unwrap_or_else(|| panic!("no {pointer} in the schema"))
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys("/properties"),
        ["daemons", "defaults", "env", "env_file", "tasks", "version"]
    );
    assert_eq!(
        keys("/definitions/Daemon/properties"),
        [
            "before_start",
            "daemonize",
            "depends_on",
            "dir",
            "env",
            "env_file",
            "fail_when_log",
            "inputs",
            "lock_file",
            "log_activity_timeout",
            "log_file",
            "pid_file",
            "ping",
            "start",
            "start_abort_timeout",
            "start_timeout",
            "stop",
            "stop_signal",
            "stop_timeout",
        ]
    );
    let defaults = keys("/definitions/Defaults/properties");
    assert!(
        !defaults.contains(&"start".to_string()) && !defaults.contains(&"depends_on".to_string())
    );
    assert_eq!(defaults.len(), 17);
    let kinds: Vec<String> = schema
        .pointer("/definitions/Ping/oneOf")
        .and_then(|value| value.as_array())
        .unwrap()
        .iter()
        .map(|kind| kind["required"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["tcp", "unix", "http", "command", "log", "notify"]);
    assert_eq!(schema["required"][0], "daemons");
    // No key may be left without a value, so the schema never allows null.
    assert!(!devup::manifest::json_schema().contains("null"));
    assert_eq!(schema["additionalProperties"], false);
}
