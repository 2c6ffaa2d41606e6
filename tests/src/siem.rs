//! Checks of SIEM events against their schemas' own references:
//!
//! - OCSF events against the official OCSF JSON Schema of their class, at
//!   the version the spec maps to: `scripts/ocsf_validate.py`, run from a
//!   venv under `target/venvs/ocsf` that holds `ocsf-json-schema` (which
//!   ships the OCSF schemas and generates a draft 2020-12 JSON Schema per
//!   class, offline) and `jsonschema`, every package pinned with its hashes
//!   in `scripts/ocsf-requirements.txt`; the venv is made on first use;
//! - ECS documents against the ECS field reference of the version the spec
//!   maps to (`tests/siem/ecs-fields-<version>.json`, taken from ECS's
//!   `ecs_flat.yml`): every field exists, with ECS's type, as a list where
//!   ECS says so, and with one of ECS's allowed values where it lists them.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use hss_client::{Operation, SiemSchema};
use serde_json::Value;

use crate::workspace_root;

/// The schema version the spec maps every operation's records to (the
/// one all mapped operations share).
pub fn version(schema: SiemSchema) -> String {
    let versions: std::collections::BTreeSet<&str> = Operation::ALL
        .iter()
        .filter_map(|op| op.siem(schema))
        .map(|m| m.version)
        .collect();
    assert_eq!(
        versions.len(),
        1,
        "one {} version across operations",
        schema.name()
    );
    versions.into_iter().next().unwrap_or_default().to_string()
}

/// The operations whose records the spec maps to `schema`. Panics when
/// there are none: a test looping over them would check nothing.
pub fn mapped(schema: SiemSchema) -> Vec<Operation> {
    let operations: Vec<Operation> = Operation::ALL
        .iter()
        .copied()
        .filter(|op| op.siem(schema).is_some())
        .collect();
    assert!(
        !operations.is_empty(),
        "the spec maps no operation to {schema:?}"
    );
    operations
}

/// The python of the venv that holds the pinned OCSF tools.
fn ocsf_python() -> Result<PathBuf, String> {
    crate::venv::python(
        "ocsf",
        "scripts/ocsf-requirements.txt",
        "ocsf_json_schema, jsonschema",
    )
}

/// What the OCSF validator said of a set of events.
#[derive(Debug, Clone)]
pub struct OcsfReport {
    /// Events checked.
    pub checked: u64,
    /// Events that broke their class's schema.
    pub invalid: u64,
    /// The validator's lines about each invalid event.
    pub problems: String,
}

/// Validates `events` against the official OCSF schema of their class.
/// Panics with the validator's words when it cannot run.
pub fn validate_ocsf(events: &[Value]) -> OcsfReport {
    let python = match ocsf_python() {
        Ok(python) => python,
        Err(why) => panic!("the OCSF validator is not available: {why}"),
    };
    let dir = tempfile_dir();
    let file = dir.join("events.ndjson");
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&file, text).expect("events write");
    let output = Command::new(python)
        .arg(workspace_root().join("scripts/ocsf_validate.py"))
        .arg(version(SiemSchema::Ocsf))
        .arg(&file)
        .output()
        .expect("the validator runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let summary: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| {
            panic!(
                "the validator gave no summary: {stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    OcsfReport {
        checked: summary["checked"].as_u64().unwrap_or(0),
        invalid: summary["invalid"].as_u64().unwrap_or(u64::MAX),
        problems: stdout,
    }
}

fn tempfile_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("hss-ocsf-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The ECS field reference: name to (type, is a list, allowed values).
fn ecs_fields() -> &'static Value {
    static FIELDS: OnceLock<Value> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let path = workspace_root().join(format!(
            "tests/siem/ecs-fields-{}.json",
            version(SiemSchema::Ecs)
        ));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let value: Value = serde_json::from_str(&text).expect("the ECS field list is JSON");
        value["fields"].clone()
    })
}

/// What is wrong with an ECS document: each field that ECS does not have,
/// or has with another type, shape or value. Fields under `custom` (the
/// top-level names the mapping keeps for itself, such as `hss`) are left
/// alone.
pub fn ecs_problems(event: &Value, custom: &[&str]) -> Vec<String> {
    let mut leaves = Vec::new();
    flatten(event, String::new(), &mut leaves);
    let fields = ecs_fields();
    let mut out = Vec::new();
    for (path, value) in leaves {
        if custom
            .iter()
            .any(|c| path == *c || path.starts_with(&format!("{c}.")))
        {
            continue;
        }
        let Some(field) = fields.get(&path) else {
            out.push(format!("{path} is not an ECS field"));
            continue;
        };
        let kind = field["type"].as_str().unwrap_or("");
        let array = field["array"].as_bool().unwrap_or(false);
        let values: Vec<&Value> = match &value {
            Value::Array(items) => {
                if !array {
                    out.push(format!("{path} is a list, but ECS has one {kind}"));
                }
                items.iter().collect()
            }
            other => {
                if array {
                    out.push(format!(
                        "{path} should be a list (ECS normalizes it to one)"
                    ));
                }
                vec![other]
            }
        };
        for v in values {
            if let Some(problem) = type_problem(kind, v) {
                out.push(format!("{path}: {problem}"));
            }
            if let Some(allowed) = field["allowed"].as_array()
                && !allowed.contains(v)
            {
                out.push(format!("{path}: {v} is not one of ECS's allowed values"));
            }
        }
    }
    out
}

/// Every leaf of `value` (lists are leaves) by dotted path.
fn flatten(value: &Value, prefix: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(inner, path, out);
            }
        }
        other => out.push((prefix, other.clone())),
    }
}

fn type_problem(kind: &str, value: &Value) -> Option<String> {
    let fits = match kind {
        "keyword" | "constant_keyword" | "wildcard" | "match_only_text" | "text" => {
            value.is_string()
        }
        "long" | "integer" | "short" | "byte" => value.is_i64() || value.is_u64(),
        "float" | "double" | "scaled_float" | "half_float" => value.is_number(),
        "boolean" => value.is_boolean(),
        "date" => value.as_str().is_some_and(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok()
        }),
        "ip" => value
            .as_str()
            .is_some_and(|t| t.parse::<std::net::IpAddr>().is_ok()),
        "object" | "flattened" | "nested" => value.is_object(),
        _ => true,
    };
    (!fits).then(|| format!("{value} is not an ECS {kind}"))
}

/// Asserts what the OCSF events of one record's versions, in the order
/// they were written, must show: at least one record came in more than
/// one version, and each later version has the same `finding_info.uid`,
/// a new `metadata.uid` and a later `time`; a finding's also has a later
/// `finding_info.modified_time`, and is an update or a close, never a new
/// finding (activity 1).
pub fn assert_versions<'e>(label: &str, records: impl IntoIterator<Item = &'e [Value]>) {
    let changed: Vec<&[Value]> = records.into_iter().filter(|v| v.len() > 1).collect();
    assert!(
        !changed.is_empty(),
        "{label}: no record changed while watched"
    );
    for versions in changed {
        for pair in versions.windows(2) {
            let (before, after) = (&pair[0], &pair[1]);
            assert_eq!(before["finding_info"]["uid"], after["finding_info"]["uid"]);
            assert_ne!(before["metadata"]["uid"], after["metadata"]["uid"]);
            assert!(
                after["time"].as_i64() > before["time"].as_i64(),
                "{before}\n{after}"
            );
            if after["finding_info"].is_object() {
                let modified = |e: &Value| {
                    e.pointer("/finding_info/modified_time")
                        .and_then(Value::as_i64)
                };
                assert!(modified(after) > modified(before), "{before}\n{after}");
                assert_ne!(after["activity_id"], 1, "{after}");
            }
        }
    }
}
