//! `tasks:` as written (SPEC §2 "Tasks"): one-shot commands that daemons
//! and other tasks can depend on, in the file's order.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::super::duration::RawDuration;
use super::{NAME_PATTERN, RawCommand, RawEnv, RawPaths};

/// Every key of a task, in the reference's order.
pub const TASK_KEYS: [&str; 7] = [
    "run",
    "depends_on",
    "dir",
    "env",
    "env_file",
    "inputs",
    "timeout",
];

/// One task under `tasks:`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Task")]
pub struct RawTask {
    /// The command (required): a string runs under `/bin/sh -c`, a list is
    /// an argv (no shell).
    pub run: RawCommand,
    /// Daemons and tasks that must be ready (or done) before it runs.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Its working directory (default: the manifest's directory).
    #[serde(default)]
    pub dir: Option<String>,
    /// Environment added for it, over the top-level `env`.
    #[serde(default)]
    pub env: Option<RawEnv>,
    /// Dotenv files whose variables are added to its environment, under its `env`.
    #[serde(default)]
    pub env_file: Option<RawPaths>,
    /// Files (paths or globs) whose contents are part of its definition:
    /// when one changes, the task runs again.
    #[serde(default)]
    pub inputs: Option<Vec<String>>,
    /// Past this it is killed (SIGTERM, then SIGKILL after 10s) and has
    /// failed (default 10m).
    #[serde(default)]
    #[schemars(extend("default" = "10m"))]
    pub timeout: Option<RawDuration>,
}

/// `tasks:`: a map whose order is kept.
#[derive(Debug, Clone, Default)]
pub struct RawTasks(pub Vec<(String, RawTask)>);

impl<'de> Deserialize<'de> for RawTasks {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TasksVisitor;

        impl<'de> Visitor<'de> for TasksVisitor {
            type Value = RawTasks;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of task names to tasks")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTasks, A::Error> {
                let mut tasks = Vec::new();
                while let Some(entry) = map.next_entry::<String, RawTask>()? {
                    tasks.push(entry);
                }
                Ok(RawTasks(tasks))
            }
        }

        deserializer.deserialize_map(TasksVisitor)
    }
}

impl JsonSchema for RawTasks {
    fn schema_name() -> Cow<'static, str> {
        "Tasks".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let task = generator.subschema_for::<RawTask>();
        json_schema!({
            "description": "One-shot tasks, by name (sharing the daemons' namespace); their order is kept.",
            "type": "object",
            "propertyNames": { "pattern": NAME_PATTERN },
            "additionalProperties": task
        })
    }
}
